/**
 * What every route module is given: the resolved options, the modules, and the write guard.
 */
import type { FastifyRequest } from 'fastify';
import type { ApiModules, ApiOptions } from '../types.ts';

/** Options with the defaults resolved (the public base URL included). */
export type ResolvedApiOptions = ApiOptions & { publicBaseUrl: string };

/** Shared by the route modules. */
export interface RouteContext {
  options: ResolvedApiOptions;
  modules: ApiModules;
  /** `onRequest` hook of write routes (bearer token). */
  requireWrite: (request: FastifyRequest) => Promise<void>;
}
