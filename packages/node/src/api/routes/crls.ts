/**
 * The CRL mirror (issue 14; DESIGN.md, Interfaces): every CRL scope the node holds — its complete
 * CRL and the delta applied on top — served byte-identical, the DER exactly as the CA signed it
 * (`application/pkix-crl`, RFC 2585 §4.2), read from the store (the registry keeps only indexes in
 * memory), with its SHA-256 as ETag, so any RFC 5280 client can point its CRL fetch at a node.
 */
import { type HeldCrlState, PKIX_CRL_MEDIA_TYPE } from '@trustmesh/registry';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.ts';
import { errorResponses } from '../schemas.ts';
import type { RouteContext } from './route-context.ts';

const SCOPE = { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'SHA-256 (hex) of the issuer and IDP' };
const rfc3339 = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** What `GET /crls` says about one held scope. */
function summary(state: HeldCrlState) {
  const { held } = state;
  return {
    scope: state.scope,
    issuer: held.issuerName,
    crlNumber: held.crlNumber.toString(),
    thisUpdate: rfc3339(held.thisUpdateMs),
    ...(held.nextUpdateMs !== null ? { nextUpdate: rfc3339(held.nextUpdateMs) } : {}),
    signer: state.signer,
    digest: held.digest,
    href: `/crls/${state.scope}`,
    ...(held.delta
      ? {
          deltaCrlNumber: held.delta.crlNumber.toString(),
          deltaThisUpdate: rfc3339(held.delta.thisUpdateMs),
          ...(held.delta.nextUpdateMs !== null ? { deltaNextUpdate: rfc3339(held.delta.nextUpdateMs) } : {}),
          deltaHref: `/crls/${state.scope}/delta`,
        }
      : {}),
  };
}

/** Registers `GET /crls`, `GET /crls/:scope` and `GET /crls/:scope/delta`. */
export function registerCrlRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { registry } = ctx.modules;

  const serve = async (scope: string, which: 'complete' | 'delta', request: FastifyRequest, reply: FastifyReply) => {
    const held = await registry.crlBytes(scope, which);
    if (!held)
      throw new ApiError(404, 'CRL_UNKNOWN', `no ${which} CRL of scope ${scope} is held by this node`, 'scope');
    const etag = `"${held.digest}"`;
    void reply.header('etag', etag).header('cache-control', 'no-cache');
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply
      .type(PKIX_CRL_MEDIA_TYPE)
      .send(Buffer.from(held.bytes.buffer, held.bytes.byteOffset, held.bytes.byteLength));
  };

  const crlResponse = {
    200: {
      description: 'The CRL exactly as signed (DER)',
      content: { [PKIX_CRL_MEDIA_TYPE]: { schema: { type: 'string', format: 'binary' } } },
    },
    304: { type: 'null', description: 'Not modified (If-None-Match matched the ETag)' },
    ...errorResponses(400, 404),
  };

  app.get(
    '/crls',
    {
      schema: {
        tags: ['CRLs'],
        summary: 'Every CRL scope held by this node (complete CRL and applied delta)',
        response: {
          200: {
            type: 'object',
            required: ['crls'],
            properties: {
              crls: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['scope', 'issuer', 'crlNumber', 'thisUpdate', 'signer', 'digest', 'href'],
                  properties: {
                    scope: SCOPE,
                    issuer: { type: 'string', description: 'RFC 4514' },
                    crlNumber: { type: 'string', description: 'cRLNumber, decimal' },
                    thisUpdate: { type: 'string' },
                    nextUpdate: { type: 'string' },
                    signer: { type: 'string', description: 'SHA-256 of the signing CA key (SPKI), base64url' },
                    digest: { type: 'string' },
                    href: { type: 'string' },
                    deltaCrlNumber: { type: 'string' },
                    deltaThisUpdate: { type: 'string' },
                    deltaNextUpdate: { type: 'string' },
                    deltaHref: { type: 'string' },
                  },
                },
              },
            },
          },
        },
      },
    },
    async () => ({ crls: registry.crls().map(summary) }),
  );

  app.get<{ Params: { scope: string } }>(
    '/crls/:scope',
    {
      schema: {
        tags: ['CRLs'],
        summary: 'A held complete CRL, byte-identical',
        params: { type: 'object', required: ['scope'], properties: { scope: SCOPE } },
        response: crlResponse,
      },
    },
    async (request, reply) => serve(request.params.scope, 'complete', request, reply),
  );

  app.get<{ Params: { scope: string } }>(
    '/crls/:scope/delta',
    {
      schema: {
        tags: ['CRLs'],
        summary: 'The delta CRL applied to a held complete CRL, byte-identical',
        params: { type: 'object', required: ['scope'], properties: { scope: SCOPE } },
        response: crlResponse,
      },
    },
    async (request, reply) => serve(request.params.scope, 'delta', request, reply),
  );
}
