/**
 * `POST /certificates/verify` (issue 14): an X.509 certificate chain (JPKI, MOICA, GCA, an mdoc's
 * DS chain, …) verified against this node's replica — RFC 5280 §6.1 path validation to a CA
 * accredited in the registry within its scope, validity, key usage, certificate policies, and
 * revocation from the replica's CRLs. No OCSP and no CRL fetch at verification time.
 *
 * The answer has the VC-API verification shape (`verified`, `checks`, `warnings`, `errors`,
 * `checkResults`, `asOf`), 200 when verified and 400 with the same body when not, as
 * `/credentials/verify` answers. The chain is neither stored nor logged (`sensitiveBody`); the
 * body limit (413) and the schema's bounds (400) refuse an oversized input before it is read.
 */
import {
  CERTIFICATE_CHECKS,
  CERTIFICATE_PURPOSES,
  type CertificatePurpose,
  CertificateVerificationCache,
  DEFAULT_CERTIFICATE_INPUT_LIMITS,
  verifyCertificateChain,
} from '@trustmesh/registry';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.ts';
import { ERROR_SCHEMA, errorResponses, JSON_OBJECT_SCHEMA } from '../schemas.ts';
import type { RouteContext } from './route-context.ts';
import { countVerification, errorsOf, VERIFICATION_ERROR_SCHEMA } from './vc-api-verification.ts';

// The longest text one certificate of DEFAULT_CERTIFICATE_INPUT_LIMITS may take: base64 with
// 64-character lines (CRLF) and PEM armour; the registry checks the decoded size again.
const BASE64_CHARS = Math.ceil(DEFAULT_CERTIFICATE_INPUT_LIMITS.maxCertificateBytes / 3) * 4;
const MAX_CERTIFICATE_TEXT = BASE64_CHARS + Math.ceil(BASE64_CHARS / 64) * 2 + 128;

interface CertificateVerifyBody {
  chain: string[];
  at?: string;
  purpose?: CertificatePurpose | CertificatePurpose[];
}

const PURPOSE_SCHEMA = { type: 'string', enum: [...CERTIFICATE_PURPOSES] } as const;

/** One CRL an answer read (registry CrlStamp). */
const CRL_STAMP_SCHEMA = {
  type: 'object',
  required: ['issuer', 'crlNumber', 'thisUpdate'],
  properties: {
    issuer: { type: 'string', description: 'the CRL issuer (RFC 4514)' },
    crlNumber: { type: 'string', description: 'cRLNumber, decimal (RFC 5280 §5.2.3)' },
    thisUpdate: { type: 'string', format: 'date-time' },
    nextUpdate: { type: 'string', format: 'date-time' },
    deltaCrlNumber: { type: 'string', description: 'the delta CRL applied on top, when one was' },
  },
} as const;

/** The as-of stamp of a certificate verification. */
const CERTIFICATE_AS_OF_SCHEMA = {
  type: 'object',
  required: ['time', 'governanceVersion', 'crls'],
  properties: {
    time: { type: 'string', format: 'date-time' },
    at: { type: 'string', format: 'date-time', description: 'the time the chain and the replica were evaluated at' },
    governanceVersion: { type: ['integer', 'null'] },
    crls: { type: 'array', items: CRL_STAMP_SCHEMA, description: 'every CRL read' },
  },
} as const;

const CERTIFICATE_CHECK_SCHEMA = {
  type: 'object',
  required: ['check', 'outcome', 'message'],
  properties: {
    check: { type: 'string', enum: [...CERTIFICATE_CHECKS] },
    outcome: { type: 'string', enum: ['pass', 'fail', 'undetermined'] },
    code: { type: 'string' },
    message: { type: 'string' },
    details: JSON_OBJECT_SCHEMA,
  },
} as const;

/** Schema of a certificate verification answer. */
export const CERTIFICATE_VERIFICATION_RESULT_SCHEMA = {
  type: 'object',
  required: ['verified', 'checks', 'warnings', 'errors', 'checkResults', 'asOf'],
  properties: {
    verified: { type: 'boolean' },
    checks: { type: 'array', items: { type: 'string' }, description: 'The checks that ran' },
    warnings: { type: 'array', items: { type: 'string' } },
    errors: { type: 'array', description: 'The checks that did not pass', items: VERIFICATION_ERROR_SCHEMA },
    checkResults: { type: 'array', items: CERTIFICATE_CHECK_SCHEMA },
    anchor: {
      type: 'object',
      description: 'The accredited CA the chain is anchored to',
      properties: { accreditationId: { type: 'string' }, spkiSha256: { type: 'string' } },
    },
    asOf: CERTIFICATE_AS_OF_SCHEMA,
  },
} as const;

/** Registers `POST /certificates/verify`. */
export function registerCertificateRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { registry, now } = ctx.modules;
  // Accredited anchors prepared once per change of the accredited CAs; CA certificates only.
  const cache = new CertificateVerificationCache();

  app.post<{ Body: CertificateVerifyBody }>(
    '/certificates/verify',
    {
      config: { sensitiveBody: true },
      schema: {
        tags: ['Certificates'],
        summary: 'Verify an X.509 certificate chain against this node’s replica',
        description:
          'RFC 5280 §6.1 path validation to a CA accredited in the registry (within its policies and path length), validity, key usage and the requested purpose, certificate policies, and revocation from the replica’s CRLs (no OCSP, no fetch). `chain`: PEM or base64 DER, leaf first (the accredited CA may be omitted). `at` evaluates the chain and the replica as of that time. 200 when verified; 400 with the same body when not; 400 with an error body for a request outside the schema. The chain is neither stored nor logged.',
        body: {
          type: 'object',
          required: ['chain'],
          additionalProperties: false,
          properties: {
            chain: {
              type: 'array',
              minItems: 1,
              maxItems: DEFAULT_CERTIFICATE_INPUT_LIMITS.maxChainLength,
              items: { type: 'string', minLength: 1, maxLength: MAX_CERTIFICATE_TEXT },
            },
            at: { type: 'string', format: 'date-time', maxLength: 64 },
            purpose: {
              anyOf: [
                PURPOSE_SCHEMA,
                { type: 'array', minItems: 1, maxItems: CERTIFICATE_PURPOSES.length, items: PURPOSE_SCHEMA },
              ],
            },
          },
        },
        response: {
          200: CERTIFICATE_VERIFICATION_RESULT_SCHEMA,
          400: { anyOf: [CERTIFICATE_VERIFICATION_RESULT_SCHEMA, ERROR_SCHEMA] },
          ...errorResponses(413, 415),
        },
      },
    },
    async (request, reply) => {
      const { chain, purpose } = request.body;
      let at: number | undefined;
      if (request.body.at !== undefined) {
        at = Date.parse(request.body.at);
        if (!Number.isFinite(at)) throw new ApiError(400, 'REQUEST_INVALID', 'at: not an RFC 3339 time', 'at');
      }
      const result = verifyCertificateChain(
        { chain, ...(at !== undefined ? { at } : {}), ...(purpose !== undefined ? { purpose } : {}) },
        { view: registry, now: now(), cache },
      );
      countVerification(ctx, result.verified, result.checks);
      const body = {
        verified: result.verified,
        checks: [...CERTIFICATE_CHECKS],
        warnings: [] as string[],
        errors: errorsOf(result.checks),
        checkResults: result.checks,
        ...(result.anchor ? { anchor: result.anchor } : {}),
        asOf: result.asOf,
      };
      // The branch's own serializer (the 400 anyOf is kept for the OpenAPI description).
      return reply
        .code(result.verified ? 200 : 400)
        .serializer(reply.compileSerializationSchema(CERTIFICATE_VERIFICATION_RESULT_SCHEMA))
        .send(body);
    },
  );
}
