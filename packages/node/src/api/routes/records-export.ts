/**
 * `GET /records`: every signed record the node holds — each governance version, accreditations,
 * every stored status list version (one per list id and signing key), equivocation evidence — so a
 * running node can be exported to an offline bundle (`trustmesh export --node URL`, issue 15 item 5)
 * without stopping it (LevelDB admits one process). Public, issuer-level data only (DESIGN.md,
 * Principles §3); a bundle is a carrier, never a source of trust: every record is validated again on
 * import.
 */
import { evidenceRecordAsCarried } from '@trustmesh/registry';
import type { FastifyInstance } from 'fastify';
import { EVIDENCE_RECORD_SCHEMA, JSON_OBJECT_SCHEMA } from '../schemas.ts';
import type { RouteContext } from './route-context.ts';

const RECORD_ARRAY = { type: 'array', items: JSON_OBJECT_SCHEMA } as const;

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
            required: ['networkId', 'time', 'governance', 'accreditations', 'statusLists', 'evidence'],
            properties: {
              networkId: { type: 'string' },
              time: { type: 'string', description: 'When the node read its records (the bundle’s freshness)' },
              governance: RECORD_ARRAY,
              accreditations: RECORD_ARRAY,
              statusLists: RECORD_ARRAY,
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
    async () => {
      const time = new Date(now()).toISOString();
      const newest = registry.governance()?.record.version ?? 0;
      const governance: unknown[] = [];
      for (let version = 1; version <= newest; version++) {
        const held = registry.governanceVersion(version);
        if (held) governance.push(held.record);
      }
      return {
        networkId: node.networkId,
        time,
        governance,
        accreditations: registry.accreditations().map((a) => a.credential),
        statusLists: registry
          .statusListIds()
          .flatMap((id) => registry.statusListVersions(id).map((s) => s.list.credential)),
        evidence: (await registry.evidence()).map((e) => ({
          key: e.key,
          // As evidence carries them: JSON, a compact JWS text, or a CWT as a data: URL (issue 14).
          records: e.records.map((bytes) => evidenceRecordAsCarried(bytes)),
        })),
      };
    },
  );
}
