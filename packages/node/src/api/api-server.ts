/**
 * The HTTP API of a trustmesh node (DESIGN.md, Interfaces): W3C VC-API verify / issue / status,
 * the status-list mirror, registry queries, ToIP TRQP v2, health, peers, sync and metrics, with an
 * OpenAPI document generated from the route schemas.
 *
 * Built against {@link ApiModules} only, so it does not depend on the libp2p wiring. Every route
 * has a JSON schema for what it accepts and returns; every failure is `{ code, message, field? }`.
 * Request bodies never reach the logs: request logging is replaced by one line per response with
 * the method, route pattern and status (not the URL: a status query's index would identify the
 * credential being checked), and error logs carry codes only (DESIGN.md, Principles §2).
 */
import swagger from '@fastify/swagger';
import { assertValueDepth } from '@trustmesh/registry';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { requireWriteToken } from './auth.ts';
import { ApiError, handleError } from './errors.ts';
import { registerRateLimit } from './rate-limit.ts';
import { registerCertificateRoutes } from './routes/certificates.ts';
import { registerCredentialRoutes } from './routes/credentials.ts';
import { registerCrlRoutes } from './routes/crls.ts';
import { registerNodeRoutes } from './routes/node-info.ts';
import { registerPresentationRoutes } from './routes/presentations.ts';
import { registerRecordRoutes } from './routes/records.ts';
import { registerRecordExportRoutes } from './routes/records-export.ts';
import { registerRegistryRoutes } from './routes/registry-queries.ts';
import type { ResolvedApiOptions, RouteContext } from './routes/route-context.ts';
import { registerStatusListRoutes } from './routes/status-lists.ts';
import { registerTrqpRoutes } from './routes/trqp.ts';
import { type ApiModules, type ApiOptions, defaultApiOptions } from './types.ts';

/** Version of the API the OpenAPI document describes. */
export const API_VERSION = '0.1.0';

/** A built, not yet listening, API. */
export interface ApiServer {
  /** The fastify instance (use `app.inject` in tests). */
  readonly app: FastifyInstance;
  /** Options with defaults resolved. */
  readonly options: ResolvedApiOptions;
  /** Starts listening on `options.host:options.port`; resolves to the bound base URL (e.g. `http://127.0.0.1:41234`). */
  listen(): Promise<string>;
  /** Stops accepting connections and waits for in-flight requests. */
  close(): Promise<void>;
}

/**
 * Builds the API: validation, error mapping, hooks, OpenAPI generation and every route.
 * @param options - Host, port, write token, body limit, public base URL, TLS; see {@link defaultApiOptions}.
 * @param modules - Registry, publish pipeline, node info, optional issuer, metrics, clock, logger.
 */
export async function createApi(options: Partial<ApiOptions>, modules: ApiModules): Promise<ApiServer> {
  const merged = { ...defaultApiOptions, ...options };
  const scheme = merged.https ? 'https' : 'http';
  const host = merged.host.includes(':') ? `[${merged.host}]` : merged.host;
  const resolved: ResolvedApiOptions = {
    ...merged,
    publicBaseUrl: (merged.publicBaseUrl ?? `${scheme}://${host}:${merged.port}`).replace(/\/+$/, ''),
  };

  const app = Fastify({
    loggerInstance: modules.logger.child({ component: 'api' }),
    // Replaced by the onResponse hook below, which logs the route pattern, never the URL or body.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: resolved.bodyLimit,
    // Reject what the schema does not allow instead of silently dropping or converting it.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    ...(resolved.https ? { https: resolved.https } : {}),
  }) as unknown as FastifyInstance;

  // JSON only: a text/plain body would otherwise reach the schema as a string.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    void reply
      .code(404)
      .send({ code: 'ROUTE_NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });

  // Bound the nesting of any JSON body before validation and before anything walks it recursively.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined || request.body === null || typeof request.body !== 'object') return;
    try {
      assertValueDepth(request.body, resolved.maxJsonDepth);
    } catch {
      throw new ApiError(400, 'REQUEST_TOO_DEEP', `JSON nesting exceeds the limit of ${resolved.maxJsonDepth}`);
    }
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? '(unmatched)';
    const method = request.method;
    modules.metrics.httpRequests.inc({ method, route, status_code: String(reply.statusCode) });
    modules.metrics.httpRequestDuration.observe({ method, route }, reply.elapsedTime / 1000);
    request.log.debug({ method, route, statusCode: reply.statusCode, ms: reply.elapsedTime }, 'request completed');
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'trustmesh node API',
        version: API_VERSION,
        description:
          'Verify credentials against a replicated trust registry and Bitstring Status Lists (W3C VC-API), mirror status lists, query the registry (ToIP TRQP v2).',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
  });

  const requireWrite = requireWriteToken(resolved.writeToken);
  if (resolved.rateLimit) {
    // The limit is the public routes' (DESIGN.md, Network); a write route is guarded by its token,
    // checked before anything else, so it stays out of the count (set before the plugin's onRoute runs).
    app.addHook('onRoute', (route) => {
      const hooks: unknown[] = [route.onRequest].flat();
      if (hooks.includes(requireWrite)) route.config = { ...route.config, rateLimit: false };
    });
    await registerRateLimit(app, resolved.rateLimit);
  }

  const ctx: RouteContext = { options: resolved, modules, requireWrite };
  registerCredentialRoutes(app, ctx);
  registerCertificateRoutes(app, ctx);
  registerPresentationRoutes(app, ctx);
  registerStatusListRoutes(app, ctx);
  registerCrlRoutes(app, ctx);
  registerRegistryRoutes(app, ctx);
  registerTrqpRoutes(app, ctx);
  registerNodeRoutes(app, ctx);
  registerRecordRoutes(app, ctx);
  registerRecordExportRoutes(app, ctx);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.ready();
  return {
    app,
    options: resolved,
    async listen() {
      await app.listen({ host: resolved.host, port: resolved.port });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : resolved.port;
      return `${scheme}://${host}:${port}`;
    },
    close: () => app.close(),
  };
}
