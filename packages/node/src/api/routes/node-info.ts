/**
 * Operator routes: health (with the loud warnings of DESIGN.md, Records §1: an expired governance
 * may mean a newer version is withheld; and Principles §7: degraded, with named reasons, whenever
 * the node cannot be trusted), peers, anti-entropy state and Prometheus metrics.
 */
import type { FastifyInstance } from 'fastify';
import { crlHealthWarnings, RECENT_FAULT_MS } from '../../health/node-health.ts';
import { JSON_OBJECT_SCHEMA } from '../schemas.ts';
import type { RouteContext } from './route-context.ts';

const HEALTH_SCHEMA = {
  type: 'object',
  required: ['status', 'networkId', 'peerId', 'time', 'governanceVersion', 'warnings', 'counts'],
  properties: {
    status: {
      type: 'string',
      enum: ['ok', 'degraded', 'unavailable'],
      description: 'unavailable: no governance, nothing can be verified (503); degraded: warnings to act on',
    },
    networkId: { type: 'string' },
    peerId: { type: 'string' },
    time: { type: 'string', format: 'date-time' },
    governanceVersion: { type: ['integer', 'null'] },
    warnings: { type: 'array', items: { type: 'string' } },
    counts: {
      type: 'object',
      required: ['accreditations', 'statusLists', 'evidence', 'peers'],
      properties: {
        accreditations: { type: 'integer' },
        statusLists: { type: 'integer' },
        evidence: { type: 'integer' },
        peers: { type: 'integer' },
      },
    },
    issuer: {
      type: 'object',
      required: ['did', 'lists'],
      properties: {
        did: { type: 'string' },
        lists: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
  },
} as const;

/** Registers `GET /health`, `GET /peers`, `GET /sync` and `GET /metrics`. */
export function registerNodeRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { registry, node, issuer, metrics, now } = ctx.modules;

  app.get(
    '/health',
    {
      schema: {
        tags: ['Node'],
        summary: 'Liveness, loud warnings, governance version and counts',
        response: { 200: HEALTH_SCHEMA, 503: HEALTH_SCHEMA },
      },
    },
    async (_request, reply) => {
      const governance = registry.governance();
      // Named warnings, each starting with its code (issue 10, problem 4): the registry's (governance
      // past validity), the node's (store faults, clock skew, no peers), the issuer's (list behind or
      // divergent, journal faults, re-applied changes, lists past validity).
      const warnings = [
        ...registry.warnings(),
        // Held CRLs past their nextUpdate (issue 14): lookups against them fail closed (CRL_STALE).
        ...crlHealthWarnings(registry.crls(), now()),
        ...(node.healthWarnings?.() ?? []),
        ...(issuer?.healthWarnings(RECENT_FAULT_MS) ?? []),
        ...(ctx.modules.tokenStatusIssuer?.healthWarnings(RECENT_FAULT_MS) ?? []),
      ];
      // Health must answer when the store does not (a failed store is what it reports).
      let evidence = 0;
      try {
        evidence = (await registry.evidence()).length;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        warnings.push(
          `STORE_READ_FAILED: the record store cannot be read: ${String(code ?? (error as Error).message)}`,
        );
      }
      const status = !governance ? 'unavailable' : warnings.length > 0 ? 'degraded' : 'ok';
      return reply.code(governance ? 200 : 503).send({
        status,
        networkId: node.networkId,
        peerId: node.peerId,
        time: new Date(now()).toISOString(),
        governanceVersion: governance?.record.version ?? null,
        warnings,
        counts: {
          accreditations: registry.accreditations().length,
          statusLists: registry.statusListIds().length,
          evidence,
          peers: node.peers().length,
        },
        ...(issuer ? { issuer: { did: issuer.did, lists: issuer.lists } } : {}),
      });
    },
  );

  app.get(
    '/peers',
    {
      schema: {
        tags: ['Node'],
        summary: 'Connected peers',
        response: {
          200: {
            type: 'object',
            required: ['peerId', 'peers'],
            properties: {
              peerId: { type: 'string' },
              peers: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['id', 'addrs'],
                  properties: { id: { type: 'string' }, addrs: { type: 'array', items: { type: 'string' } } },
                },
              },
            },
          },
        },
      },
    },
    async () => ({ peerId: node.peerId, peers: node.peers() }),
  );

  app.get(
    '/sync',
    {
      schema: {
        tags: ['Node'],
        summary: 'Anti-entropy state',
        response: { 200: JSON_OBJECT_SCHEMA },
      },
    },
    async () => node.syncState(),
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['Node'],
        summary: 'Prometheus metrics (text exposition format)',
        response: { 200: { content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
    async (_request, reply) => {
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    },
  );
}
