/**
 * Registry queries (DESIGN.md, Interfaces): an issuer's accreditations with the chain of each scope
 * up to governance, the governance in force, and equivocation evidence. Everything served here is
 * public, signed, issuer-level data a client can re-check itself (Principles §1).
 */
import { accreditationStatus, evidenceRecordAsCarried, type ParsedAccreditation } from '@trustmesh/registry';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.ts';
import { EVIDENCE_RECORD_SCHEMA, errorResponses, JSON_OBJECT_SCHEMA } from '../schemas.ts';
import type { RouteContext } from './route-context.ts';

const SCOPE_SCHEMA = {
  type: 'object',
  required: ['types', 'jurisdiction'],
  properties: { types: { type: 'array', items: { type: 'string' } }, jurisdiction: { type: 'string' } },
} as const;

const AUTHORITY_SCHEMA = {
  type: 'object',
  required: ['id', 'name', 'jurisdiction'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    jurisdiction: { type: 'string' },
    publicKeys: { type: 'array', items: JSON_OBJECT_SCHEMA },
  },
} as const;

/** Each scope of an accreditation, with whether an unbroken chain to governance covers it now. */
const SCOPES_SCHEMA = {
  type: 'array',
  items: {
    type: 'object',
    required: ['scope', 'valid'],
    properties: {
      scope: SCOPE_SCHEMA,
      valid: { type: 'boolean' },
      authority: { type: 'string' },
      chain: {
        type: 'array',
        description: 'Accreditations from the subject up to the authority',
        items: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            issuer: { type: 'string' },
            subject: { type: 'string' },
          },
        },
      },
      code: { type: 'string' },
      message: { type: 'string' },
    },
  },
} as const;

/** Registers `GET /issuers`, `GET /issuers/:did`, `GET /governance` and `GET /evidence`. */
export function registerRegistryRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { registry, now } = ctx.modules;

  app.get<{ Params: { did: string } }>(
    '/issuers/:did',
    {
      schema: {
        tags: ['Registry'],
        summary: 'Accreditations of a DID, and for each scope its chain to governance',
        params: {
          type: 'object',
          required: ['did'],
          properties: { did: { type: 'string', pattern: '^did:[a-z0-9]+:', maxLength: 2048 } },
        },
        response: {
          200: {
            type: 'object',
            required: ['did', 'accreditations'],
            properties: {
              did: { type: 'string' },
              authority: AUTHORITY_SCHEMA,
              accreditations: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['id', 'issuer', 'role', 'validFrom', 'validUntil', 'scopes', 'credential'],
                  properties: {
                    id: { type: 'string' },
                    issuer: { type: 'string' },
                    role: { type: 'string', enum: ['issuer', 'accreditor'] },
                    maxPathLength: { type: 'integer' },
                    validFrom: { type: 'string' },
                    validUntil: { type: 'string' },
                    scopes: SCOPES_SCHEMA,
                    credential: JSON_OBJECT_SCHEMA,
                  },
                },
              },
            },
          },
          ...errorResponses(400, 404),
        },
      },
    },
    async (request) => {
      const { did } = request.params;
      const accreditations = registry.accreditationsOf(did);
      const authority = registry.governance()?.record.authorities.find((a) => a.id === did);
      if (accreditations.length === 0 && !authority) {
        throw new ApiError(
          404,
          'ISSUER_UNKNOWN',
          `${did} is neither accredited nor a governance authority here`,
          'did',
        );
      }
      const at = now();
      return {
        did,
        ...(authority ? { authority } : {}),
        accreditations: accreditations.map((a) => describeAccreditation(a, at)),
      };
    },
  );

  app.get(
    '/issuers',
    {
      schema: {
        tags: ['Registry'],
        summary: 'Every accreditation held, by subject, and for each scope whether its chain to governance holds now',
        response: {
          200: {
            type: 'object',
            required: ['accreditations'],
            properties: {
              accreditations: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['id', 'subject', 'issuer', 'role', 'validFrom', 'validUntil', 'scopes'],
                  properties: {
                    id: { type: 'string' },
                    subject: { type: 'string' },
                    issuer: { type: 'string' },
                    role: { type: 'string', enum: ['issuer', 'accreditor'] },
                    maxPathLength: { type: 'integer' },
                    validFrom: { type: 'string' },
                    validUntil: { type: 'string' },
                    scopes: SCOPES_SCHEMA,
                  },
                },
              },
            },
          },
        },
      },
    },
    // The signed credentials stay out of the list (the response schema drops them): fetch one
    // subject with GET /issuers/:did to re-check its accreditations.
    async () => {
      const at = now();
      return {
        accreditations: registry.accreditations().map((a) => accreditationStatus(registry, a, at)),
      };
    },
  );

  const describeAccreditation = (a: ParsedAccreditation, at: number) => ({
    ...accreditationStatus(registry, a, at),
    credential: a.credential,
  });

  app.get(
    '/governance',
    {
      schema: {
        tags: ['Registry'],
        summary: 'The newest governance record held',
        response: {
          200: {
            type: 'object',
            required: [
              'networkId',
              'version',
              'threshold',
              'validFrom',
              'validUntil',
              'expired',
              'authorities',
              'record',
            ],
            properties: {
              networkId: { type: 'string' },
              version: { type: 'integer' },
              threshold: { type: 'integer' },
              validFrom: { type: 'string' },
              validUntil: { type: 'string' },
              expired: {
                type: 'boolean',
                description: 'Past validUntil: a newer version may be withheld (freeze attack)',
              },
              authorities: { type: 'array', items: AUTHORITY_SCHEMA },
              record: { ...JSON_OBJECT_SCHEMA, description: 'The signed governance record' },
            },
          },
          ...errorResponses(404),
        },
      },
    },
    async () => {
      const governance = registry.governance();
      if (!governance) throw new ApiError(404, 'GOVERNANCE_UNKNOWN', 'no governance record is held yet');
      const { record } = governance;
      return {
        networkId: record.networkId,
        version: record.version,
        threshold: record.threshold,
        validFrom: record.validFrom,
        validUntil: record.validUntil,
        expired: governance.validUntilMs < now(),
        authorities: record.authorities,
        record,
      };
    },
  );

  app.get(
    '/evidence',
    {
      schema: {
        tags: ['Registry'],
        summary: 'Equivocation evidence: pairs of conflicting records signed by one signer',
        response: {
          200: {
            type: 'object',
            required: ['evidence'],
            properties: {
              evidence: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['id', 'key', 'signer', 'version', 'receivedAt', 'records'],
                  properties: {
                    id: { type: 'string' },
                    key: { type: 'string' },
                    signer: { type: 'string' },
                    version: { type: 'string' },
                    receivedAt: { type: 'string' },
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
      const evidence = await registry.evidence();
      return {
        evidence: evidence.map((e) => ({
          id: e.id,
          key: e.key,
          signer: e.signer,
          version: e.version,
          receivedAt: new Date(e.receivedAt).toISOString(),
          // As evidence carries them: JSON, a compact JWS text, or a CWT as a data: URL (issue 14).
          records: e.records.map((bytes) => evidenceRecordAsCarried(bytes)),
        })),
      };
    },
  );
}
