/**
 * `POST /records`: publish a signed record (governance, accreditation, status list, evidence)
 * through the node's one pipeline — the same validation gossip and anti-entropy use (CONVENTIONS.md,
 * Modules) — then gossip it. The outcome maps to a status: accept → 202, ignore (duplicate, stale,
 * not resolvable yet) → 200 with the code, reject → 422 with the code and field.
 *
 * JOSE records (issue 13) come as they are signed: a Token Status List as `application/statuslist+jwt`
 * (draft-ietf-oauth-status-list §5.1), a StatusList2021 JWT as `application/jwt`, TW DIW's envelope
 * `{"statusList": "<JWT>"}` as `application/json`. A Token Status List in CWT form (issue 14,
 * draft-ietf-oauth-status-list §5.2) comes as its raw bytes, `application/statuslist+cwt`, at most
 * the record size bound (413 beyond). Any other media type is 415.
 */
import type { FastifyInstance } from 'fastify';
import { toApiError } from '../errors.ts';
import { errorResponses, WRITE_SECURITY } from '../schemas.ts';
import type { RouteContext } from './route-context.ts';

/** Media types of JOSE records taken as they are (issue 13). */
export const JOSE_RECORD_MEDIA_TYPES = ['application/statuslist+jwt', 'application/jwt'];

/** Media type of a CWT record, taken as raw bytes (draft-ietf-oauth-status-list §14.2). */
export const CWT_RECORD_MEDIA_TYPE = 'application/statuslist+cwt';

/** Registers `POST /records`. */
export function registerRecordRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { publish, metrics } = ctx.modules;
  // Compact JWS bodies reach the handler as text; the registry reads their bytes exactly.
  app.addContentTypeParser(JOSE_RECORD_MEDIA_TYPES, { parseAs: 'string' }, (_request, body, done) => done(null, body));
  // CWT bodies are bytes, bounded by the record size (the registry bounds them again, by the same limit).
  app.addContentTypeParser(
    CWT_RECORD_MEDIA_TYPE,
    { parseAs: 'buffer', bodyLimit: ctx.modules.registry.options.limits.maxRecordBytes },
    (_request, body, done) => done(null, body),
  );

  app.post<{ Body: Record<string, unknown> | string | Buffer }>(
    '/records',
    {
      onRequest: ctx.requireWrite,
      schema: {
        tags: ['Records'],
        summary: 'Publish a signed record through the validation pipeline and gossip',
        security: WRITE_SECURITY,
        body: {
          anyOf: [
            { type: 'object', additionalProperties: true, description: 'The signed record (JSON)' },
            { type: 'string', description: 'A compact JWS record (application/statuslist+jwt, application/jwt)' },
            { description: 'A Token Status List in CWT form, its bytes (application/statuslist+cwt)' },
          ],
        },
        response: {
          202: {
            type: 'object',
            required: ['status', 'kind', 'digest'],
            properties: {
              status: { type: 'string', enum: ['accepted'] },
              kind: {
                type: 'string',
                enum: [
                  'governance',
                  'accreditation',
                  'status-list',
                  'token-status-list',
                  'status-list-2021',
                  'token-status-list-cwt',
                  'evidence',
                ],
              },
              key: { type: 'string' },
              digest: { type: 'string' },
              gossipPeers: {
                type: 'integer',
                description: 'peers of the records topic the record was gossiped to; 0: only this node holds it',
              },
            },
          },
          200: {
            type: 'object',
            required: ['status', 'code', 'message'],
            properties: {
              status: { type: 'string', enum: ['ignored'] },
              code: { type: 'string', description: 'e.g. DUPLICATE, STATUS_LIST_STALE' },
              message: { type: 'string' },
              field: { type: 'string' },
            },
          },
          ...errorResponses(400, 401, 403, 413, 415, 422),
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const outcome = await publish(
        typeof body === 'string'
          ? new TextEncoder().encode(body)
          : Buffer.isBuffer(body)
            ? new Uint8Array(body.buffer, body.byteOffset, body.byteLength)
            : body,
      );
      if (outcome.status === 'accept') {
        const admission = outcome.value;
        metrics.recordsSubmitted.inc({ outcome: 'accept', code: 'OK' });
        return reply.code(202).send({
          status: 'accepted',
          kind: admission.kind,
          ...(admission.kind === 'evidence' ? { key: admission.evidence.key } : { key: admission.key }),
          digest: admission.digest,
          ...(ctx.modules.node.gossipPeers ? { gossipPeers: ctx.modules.node.gossipPeers() } : {}),
        });
      }
      metrics.recordsSubmitted.inc({ outcome: outcome.status, code: outcome.error.code });
      const mapped = toApiError(outcome.error);
      if (outcome.status === 'ignore') return reply.code(200).send({ status: 'ignored', ...mapped.toBody() });
      // An oversize record is a size problem (413), any other rejection an unprocessable record (422).
      return reply.code(mapped.statusCode === 413 ? 413 : 422).send(mapped.toBody());
    },
  );
}
