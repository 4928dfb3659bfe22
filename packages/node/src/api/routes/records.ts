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
 * the record size bound (413 beyond). DER records (issue 14) come as signed too: a CRL as
 * `application/pkix-crl`, a subordinate CA certificate as `application/pkix-cert` (RFC 2585), or
 * either as PEM (`application/x-pem-file`), with the registry's large-record bound as their body
 * limit (a national CRL is tens of MB; JSON keeps the server's limit). Any other media type is 415.
 */
import {
  largeRecordLimit,
  PEM_MEDIA_TYPE,
  PKIX_CERT_MEDIA_TYPE,
  PKIX_CRL_MEDIA_TYPE,
  pemLengthBound,
} from '@trustmesh/registry';
import type { FastifyInstance } from 'fastify';
import { toApiError } from '../errors.ts';
import { errorResponses, WRITE_SECURITY } from '../schemas.ts';
import type { RouteContext } from './route-context.ts';

/** Media types of JOSE records taken as they are (issue 13). */
export const JOSE_RECORD_MEDIA_TYPES = ['application/statuslist+jwt', 'application/jwt'];

/** Media type of a CWT record, taken as raw bytes (draft-ietf-oauth-status-list §14.2). */
export const CWT_RECORD_MEDIA_TYPE = 'application/statuslist+cwt';
/** Media types of DER records taken as raw bytes (issue 14; RFC 2585 §4, RFC 7468). */
export const DER_RECORD_MEDIA_TYPES = [PKIX_CRL_MEDIA_TYPE, PKIX_CERT_MEDIA_TYPE, PEM_MEDIA_TYPE];

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
  // DER and PEM bodies reach it as bytes. Fastify applies a parser's own bodyLimit when the route sets
  // none (a route's bodyLimit would override every parser's), so JSON keeps the server's 1 MiB.
  const large = largeRecordLimit(ctx.modules.registry.options.limits);
  const raw = (_request: unknown, body: Buffer, done: (error: Error | null, value?: unknown) => void) =>
    done(null, body);
  app.addContentTypeParser([PKIX_CRL_MEDIA_TYPE, PKIX_CERT_MEDIA_TYPE], { parseAs: 'buffer', bodyLimit: large }, raw);
  app.addContentTypeParser(PEM_MEDIA_TYPE, { parseAs: 'buffer', bodyLimit: pemLengthBound(large) }, raw);

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
            {
              description:
                'A CRL (application/pkix-crl) or a sub-CA certificate (application/pkix-cert) as DER, or either as PEM (application/x-pem-file)',
            },
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
                  'crl',
                  'ca-certificate',
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
