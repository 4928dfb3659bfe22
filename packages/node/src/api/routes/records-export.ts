/**
 * `GET /records`: every signed record the node holds — each governance version, accreditations,
 * every stored status list version (one per list id and signing key), the JOSE and CWT status lists
 * (issues 13, 14: `joseStatusLists`, as evidence carries them), subordinate CA certificates and CRLs
 * (issue 14, as PEM), equivocation evidence — so a running node can be exported to an
 * offline bundle (`trustmesh export --node URL`, issue 15 item 5) without stopping it (LevelDB admits
 * one process). Public, issuer-level data only (DESIGN.md, Principles §3); a bundle is a carrier,
 * never a source of trust: every record is validated again on import.
 *
 * CRLs are the large records (national CRLs: tens of MB). The body is streamed: the small records
 * as one JSON text, then each JOSE/CWT list (up to maxRecordBytes each, and there may be many) and
 * each CRL read from the store, turned into its carried form and written one at a time — the next is
 * read only once the previous one has drained into the socket (stream backpressure), so the route
 * holds at most one list's or CRL's bytes and JSON string at a time, never the whole set.
 */
import { Readable } from 'node:stream';
import { derToPem, evidenceRecordAsCarried, type Registry } from '@trustmesh/registry';
import type { FastifyInstance } from 'fastify';
import { EVIDENCE_RECORD_SCHEMA, JSON_OBJECT_SCHEMA } from '../schemas.ts';
import type { RouteContext } from './route-context.ts';

const RECORD_ARRAY = { type: 'array', items: JSON_OBJECT_SCHEMA } as const;
const PEM_ARRAY = { type: 'array', items: { type: 'string', description: 'PEM (RFC 7468)' } } as const;
const CARRIED_LIST_ARRAY = {
  type: 'array',
  description:
    'JOSE and CWT status lists (issues 13, 14), as evidence carries them: a compact JWS as its text (Token Status List JWT, StatusList2021 JWT), TW DIW’s envelope as its JSON object, a CWT Token Status List as a data:application/statuslist+cwt;base64url,… string',
  items: { anyOf: [{ type: 'string' }, JSON_OBJECT_SCHEMA] },
} as const;

/**
 * Each held JOSE or CWT status list version, one JSON text at a time, as evidence carries it
 * (`evidenceRecordAsCarried`: JWS text, envelope object, CWT data: URL), each preceded by a comma
 * but the first.
 */
async function* joseListTexts(
  registry: Pick<Registry, 'joseStatusListUris' | 'joseStatusListVersions'>,
): AsyncGenerator<string> {
  let first = true;
  for (const uri of registry.joseStatusListUris()) {
    // Read per uri when its turn comes: a version replaced meanwhile goes out as its newer one.
    for (const state of registry.joseStatusListVersions(uri)) {
      yield `${first ? '' : ','}${JSON.stringify(evidenceRecordAsCarried(state.bytes))}`;
      first = false;
    }
  }
}

/** The PEM of each held CRL, read from the store one at a time: a scope's complete CRL, then its delta. */
async function* crlTexts(registry: Pick<Registry, 'crls' | 'crlBytes'>): AsyncGenerator<string> {
  let first = true;
  for (const held of registry.crls()) {
    for (const which of held.held.delta ? (['complete', 'delta'] as const) : (['complete'] as const)) {
      // Null when a newer CRL replaced it since crls() was read: the newer one is another export's.
      const crl = await registry.crlBytes(held.scope, which);
      if (!crl) continue;
      yield `${first ? '' : ','}${JSON.stringify(derToPem('crl', crl.bytes))}`;
      first = false;
    }
  }
}

/** Registers `GET /records`. */
export function registerRecordExportRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { registry, node, now } = ctx.modules;
  app.get(
    '/records',
    {
      schema: {
        tags: ['Registry'],
        summary: 'Every signed record held, by kind (governance versions in order), for offline bundles',
        response: {
          200: {
            type: 'object',
            required: [
              'networkId',
              'time',
              'governance',
              'accreditations',
              'statusLists',
              'joseStatusLists',
              'caCertificates',
              'crls',
              'evidence',
            ],
            properties: {
              networkId: { type: 'string' },
              time: { type: 'string', description: 'When the node read its records (the bundle’s freshness)' },
              governance: RECORD_ARRAY,
              accreditations: RECORD_ARRAY,
              statusLists: RECORD_ARRAY,
              joseStatusLists: CARRIED_LIST_ARRAY,
              caCertificates: { ...PEM_ARRAY, description: 'Subordinate CA certificates (issue 14)' },
              crls: { ...PEM_ARRAY, description: 'CRLs: each scope’s complete CRL, then its delta (issue 14)' },
              evidence: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['key', 'records'],
                  properties: {
                    key: { type: 'string' },
                    records: { type: 'array', items: EVIDENCE_RECORD_SCHEMA, minItems: 2, maxItems: 2 },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (_request, reply) => {
      const time = new Date(now()).toISOString();
      const newest = registry.governance()?.record.version ?? 0;
      const governance: unknown[] = [];
      for (let version = 1; version <= newest; version++) {
        const held = registry.governanceVersion(version);
        if (held) governance.push(held.record);
      }
      const head = {
        networkId: node.networkId,
        time,
        governance,
        accreditations: registry.accreditations().map((a) => a.credential),
        statusLists: registry
          .statusListIds()
          .flatMap((id) => registry.statusListVersions(id).map((s) => s.list.credential)),
        caCertificates: registry.caCertificates().map((c) => derToPem('ca-certificate', c.der)),
        evidence: (await registry.evidence()).map((e) => ({
          key: e.key,
          // As evidence carries them: JSON, a compact JWS text, a CWT as a data: URL, a CRL as PEM (issue 14).
          records: e.records.map((bytes) => evidenceRecordAsCarried(bytes)),
        })),
      };
      // The object without its closing brace, then "joseStatusLists" and "crls" streamed (see the
      // module documentation).
      const opening = `${JSON.stringify(head).slice(0, -1)},"joseStatusLists":[`;
      async function* body(): AsyncGenerator<string> {
        yield opening;
        yield* joseListTexts(registry);
        yield '],"crls":[';
        yield* crlTexts(registry);
        yield ']}';
      }
      // Not object mode: a pushed CRL fills the (small) buffer, so the next is read once it drained.
      const stream = Readable.from(body(), { objectMode: false, highWaterMark: 64 * 1024 });
      return reply.type('application/json; charset=utf-8').send(stream);
    },
  );
}
