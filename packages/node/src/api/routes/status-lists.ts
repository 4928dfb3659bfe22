/**
 * The status-list mirror (DESIGN.md, Interfaces): every held BitstringStatusListCredential, served
 * exactly as signed — its canonical (RFC 8785) bytes, whose SHA-256 is the digest the registry
 * stores — so any standard verifier can check the proof of what it fetched here, and caches can
 * revalidate by ETag. Lists whose id lies under this node's public base URL are also served at
 * their own path, which makes the ids the issuer mode assigns dereferenceable
 * (https://www.w3.org/TR/vc-bitstring-status-list/#bitstringstatuslistcredential).
 */
import { canonicalBytes, type Registry, type TrustView } from '@trustmesh/registry';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.ts';
import { errorResponses, JSON_OBJECT_SCHEMA } from '../schemas.ts';
import type { RouteContext } from './route-context.ts';

/** VC Data Model 2.0 §6.3 media type of a credential secured with an embedded proof (IANA-registered). */
const MEDIA_TYPE_VC = 'application/vc';
const MEDIA_TYPE_VC_LD = 'application/vc+ld+json';

/** Canonical bytes of a held list version, kept per API instance and recomputed when the version changes. */
class ListBodyCache {
  private readonly bodies = new Map<string, { digest: string; body: Buffer }>();
  private readonly registry: Registry;

  constructor(registry: Registry) {
    this.registry = registry;
  }

  get(id: string): { digest: string; body: Buffer; ttl: number | undefined } | null {
    const state = this.registry.statusList(id);
    if (!state) return null;
    let cached = this.bodies.get(id);
    if (cached?.digest !== state.digest) {
      cached = { digest: state.digest, body: Buffer.from(canonicalBytes(state.list.credential)) };
      this.bodies.set(id, cached);
    }
    return { ...cached, ttl: state.list.ttl };
  }
}

/** Registers `GET /status-lists`, `GET /status-lists/:id` and `GET /status/*`. */
export function registerStatusListRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { registry } = ctx.modules;
  const cache = new ListBodyCache(registry);
  const ownPrefix = `${ctx.options.publicBaseUrl}/status/`;

  const serve = (id: string, request: FastifyRequest, reply: FastifyReply) => {
    const held = cache.get(id);
    if (!held) return serveJose(id, request, reply);
    const etag = `"${held.digest}"`;
    // ttl (ms, Bitstring Status List §2.2) bounds how long a copy may be relied on; otherwise revalidate.
    void reply
      .header('etag', etag)
      .header('cache-control', held.ttl ? `public, max-age=${Math.floor(held.ttl / 1000)}` : 'no-cache')
      .header('vary', 'accept');
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply.type(mediaTypeFor(request.headers.accept)).send(held.body);
  };

  // A JOSE list (issue 13): served byte-identical in the form it was signed and received — a
  // Token Status List as application/statuslist+jwt (draft-ietf-oauth-status-list §8.1), a
  // StatusList2021 JWT as application/jwt, TW DIW's envelope as application/json — so a standard
  // client (sd-jwt-js, a TW DIW verifier) can point at this node instead of the issuer.
  // A Token Status List may be held in both forms (issue 14): a client names the form it wants with
  // Accept (draft-ietf-oauth-status-list §8.1: application/statuslist+jwt or +cwt), and gets 406
  // when it names only a form not held; otherwise the newest version by iat, whatever its form.
  const serveJose = (uri: string, request: FastifyRequest, reply: FastifyReply) => {
    const versions = [...((registry as TrustView).joseStatusListVersions?.(uri) ?? [])];
    versions.sort((a, b) => b.list.versionMs - a.list.versionMs);
    if (versions.length === 0)
      throw new ApiError(404, 'STATUS_LIST_UNKNOWN', `status list ${uri} is not held by this node`, 'id');
    const newest = chooseForm(versions, request.headers.accept);
    if (!newest)
      throw new ApiError(
        406,
        'STATUS_LIST_FORM_NOT_HELD',
        `status list ${uri} is held only as ${[...new Set(versions.map((v) => v.list.mediaType))].join(', ')}`,
        'accept',
      );
    const etag = `"${newest.digest}"`;
    const ttl = newest.list.ttlSeconds;
    void reply
      .header('etag', etag)
      .header('cache-control', ttl ? `public, max-age=${Math.floor(ttl)}` : 'no-cache')
      .header('vary', 'accept');
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply.type(newest.list.mediaType).send(Buffer.from(newest.bytes));
  };

  const listResponse = {
    200: {
      description:
        'The signed BitstringStatusListCredential (canonical JSON), or a JOSE list byte-identical as signed (application/statuslist+jwt, application/jwt, or TW DIW’s JSON envelope)',
      content: {
        'application/vc': { schema: JSON_OBJECT_SCHEMA },
        'application/json': { schema: JSON_OBJECT_SCHEMA },
        'application/statuslist+jwt': { schema: { type: 'string' } },
        'application/statuslist+cwt': { schema: { type: 'string', format: 'binary' } },
        'application/jwt': { schema: { type: 'string' } },
      },
    },
    304: { type: 'null', description: 'Not modified (If-None-Match matched the ETag)' },
    ...errorResponses(404, 406),
  };

  app.get(
    '/status-lists',
    {
      schema: {
        tags: ['Status lists'],
        summary: 'Every status list held by this node',
        response: {
          200: {
            type: 'object',
            required: ['statusLists'],
            properties: {
              statusLists: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['id', 'issuer', 'validFrom', 'digest', 'href'],
                  properties: {
                    id: { type: 'string' },
                    issuer: { type: 'string' },
                    statusPurpose: { type: 'array', items: { type: 'string' } },
                    validFrom: { type: 'string' },
                    digest: { type: 'string' },
                    href: { type: 'string', description: 'Path of the list on this node' },
                    format: {
                      type: 'string',
                      description:
                        'bitstring-status-list (W3C), token-status-list (IETF, JWT form), token-status-list-cwt (IETF, CWT form) or status-list-2021 (JWT, TW DIW)',
                    },
                    mediaType: { type: 'string', description: 'What the href serves' },
                    bits: { type: 'integer', description: 'Bits per entry (Token Status List)' },
                    expires: { type: ['string', 'null'], description: 'exp of a JOSE list' },
                    ttl: { type: ['integer', 'null'], description: 'ttl (seconds) of a Token Status List' },
                  },
                },
              },
            },
          },
        },
      },
    },
    async () => ({
      statusLists: [
        ...registry.statusListIds().flatMap((id) => {
          const state = registry.statusList(id);
          if (!state) return [];
          return [
            {
              id,
              issuer: state.list.issuer,
              statusPurpose: [...state.list.statusPurpose],
              validFrom: new Date(state.list.validFrom).toISOString(),
              digest: state.digest,
              href: id.startsWith(ownPrefix)
                ? `/status/${id.slice(ownPrefix.length)}`
                : `/status-lists/${encodeURIComponent(id)}`,
              format: 'bitstring-status-list',
              mediaType: 'application/vc',
            },
          ];
        }),
        // JOSE lists (issue 13) and CWT lists (issue 14): the newest version held of each uri in each
        // form, served where href says (Accept picks the form).
        ...registry.joseStatusListUris().flatMap((uri) => {
          const sorted = [...registry.joseStatusListVersions(uri)].sort((a, b) => b.list.versionMs - a.list.versionMs);
          const newestPerForm = sorted.filter((v, i) => sorted.findIndex((w) => w.list.format === v.list.format) === i);
          return newestPerForm.map((newest) => {
            const { list } = newest;
            return {
              id: uri,
              issuer: list.issuer,
              ...(list.purpose ? { statusPurpose: [list.purpose] } : {}),
              validFrom: new Date(list.versionMs).toISOString(),
              digest: newest.digest,
              href: uri.startsWith(ownPrefix)
                ? `/status/${uri.slice(ownPrefix.length)}`
                : `/status-lists/${encodeURIComponent(uri)}`,
              format: list.format,
              mediaType: list.mediaType,
              bits: list.bits,
              expires: list.expMs === null ? null : new Date(list.expMs).toISOString(),
              ttl: list.ttlSeconds,
            };
          });
        }),
      ],
    }),
  );

  app.get<{ Params: { id: string } }>(
    '/status-lists/:id',
    {
      schema: {
        tags: ['Status lists'],
        summary: 'A held status list by its id (URL-encoded)',
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', minLength: 1, maxLength: 2048 } },
        },
        response: listResponse,
      },
    },
    async (request, reply) => serve(request.params.id, request, reply),
  );

  app.get<{ Params: { '*': string } }>(
    '/status/*',
    {
      schema: {
        tags: ['Status lists'],
        summary: `A status list whose id lies under this node's public base URL, by its path`,
        params: { type: 'object', properties: { '*': { type: 'string', maxLength: 2048 } } },
        response: listResponse,
      },
    },
    async (request, reply) => serve(`${ownPrefix}${request.params['*']}`, request, reply),
  );
}

/** application/vc unless the client names only JSON (or the older vc+ld+json name). */
function mediaTypeFor(accept: string | undefined): string {
  const ranges = new Set((accept ?? '').split(',').map((r) => r.split(';')[0]?.trim().toLowerCase()));
  if (ranges.has(MEDIA_TYPE_VC)) return MEDIA_TYPE_VC;
  if (ranges.has(MEDIA_TYPE_VC_LD)) return MEDIA_TYPE_VC_LD;
  if (ranges.has('application/json') || ranges.has('application/ld+json')) return 'application/json';
  return MEDIA_TYPE_VC;
}

/** The two forms of a Token Status List (draft-ietf-oauth-status-list §8.1). */
const TSL_FORMS = ['application/statuslist+jwt', 'application/statuslist+cwt'];

/**
 * The held version to serve: when Accept names a Token Status List form (§8.1), the newest version
 * in the named form with the highest q (null: none of the named forms is held → 406); otherwise the
 * newest of all. `versions` are sorted newest first.
 */
function chooseForm<T extends { list: { mediaType: string } }>(
  versions: readonly T[],
  accept: string | undefined,
): T | null {
  const ranges = (accept ?? '').split(',').map((r) => {
    const [type, ...params] = r.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    return { type: type ?? '', q: q ? Number(q.slice(2)) || 0 : 1 };
  });
  const named = ranges.filter((r) => TSL_FORMS.includes(r.type) && r.q > 0).sort((a, b) => b.q - a.q);
  if (named.length === 0) return versions[0] ?? null;
  for (const range of named) {
    const hit = versions.find((v) => v.list.mediaType === range.type);
    if (hit) return hit;
  }
  // A wildcard beside the named forms still takes whatever form is held (RFC 9110 §12.5.1).
  return ranges.some((r) => (r.type === '*/*' || r.type === 'application/*') && r.q > 0) ? (versions[0] ?? null) : null;
}
