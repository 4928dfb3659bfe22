/**
 * JSON Schema fragments shared by the routes. Fastify validates request bodies, params and query
 * strings with them, serialises responses with them (properties not listed are dropped, so every
 * open-ended object says `additionalProperties: true`), and @fastify/swagger turns them into the
 * OpenAPI document served at `/openapi.json`.
 */

/** `{ code, message, field? }`: the body of every error response. */
export const ERROR_SCHEMA = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string', description: 'Stable error code' },
    message: { type: 'string' },
    field: { type: 'string', description: 'Path of the offending request field' },
  },
} as const;

/** Standard error responses of a route, by status. */
export function errorResponses(...statuses: number[]): Record<number, typeof ERROR_SCHEMA> {
  return Object.fromEntries(statuses.map((s) => [s, ERROR_SCHEMA]));
}

/** Any JSON object (a credential, a signed record). */
export const JSON_OBJECT_SCHEMA = { type: 'object', additionalProperties: true } as const;

/** One record of equivocation evidence as carried: JSON, a compact JWS (issue 13), a CWT data: URL (issue 14). */
export const EVIDENCE_RECORD_SCHEMA = {
  anyOf: [JSON_OBJECT_SCHEMA, { type: 'string', description: 'A compact JWS, or a CWT as a data: URL (base64url)' }],
} as const;

/** One check of a verification (registry CheckResult). */
export const CHECK_SCHEMA = {
  type: 'object',
  required: ['check', 'outcome', 'message'],
  properties: {
    check: { type: 'string', enum: ['credential', 'proof', 'issuer', 'status', 'validity'] },
    outcome: { type: 'string', enum: ['pass', 'fail', 'undetermined'] },
    code: { type: 'string' },
    message: { type: 'string' },
    details: JSON_OBJECT_SCHEMA,
  },
} as const;

/** Freshness of an answer (registry AsOf). */
export const AS_OF_SCHEMA = {
  type: 'object',
  required: ['time', 'governanceVersion', 'statusLists'],
  properties: {
    time: { type: 'string', format: 'date-time' },
    governanceVersion: { type: ['integer', 'null'] },
    statusLists: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'validFrom', 'digest', 'receivedAt'],
        properties: {
          id: { type: 'string' },
          validFrom: { type: 'string' },
          digest: { type: 'string' },
          receivedAt: { type: 'string' },
          validUntil: { type: 'string', description: 'the list version’s validUntil (a JOSE list: exp)' },
          ttl: { type: 'integer' },
        },
      },
    },
    crls: {
      type: 'array',
      description: 'every CRL read (an mdoc’s issuer chain, issue 14)',
      items: {
        type: 'object',
        required: ['issuer', 'crlNumber', 'thisUpdate'],
        properties: {
          issuer: { type: 'string' },
          crlNumber: { type: 'string' },
          thisUpdate: { type: 'string' },
          nextUpdate: { type: 'string' },
          deltaCrlNumber: { type: 'string' },
        },
      },
    },
  },
} as const;

/** Bearer-token security requirement of write routes (OpenAPI). */
export const WRITE_SECURITY = [{ bearerAuth: [] }];
