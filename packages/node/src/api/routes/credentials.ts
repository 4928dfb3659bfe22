/**
 * W3C VC-API credential routes (https://w3c-ccg.github.io/vc-api/): verify, issue, update status,
 * plus a read-only status query for verifiers that have already parsed a credential's entry.
 *
 * Verification runs against the local replica only (DESIGN.md, Verification of a credential): the
 * issuer never learns who is verified, where or when, and the credential is neither stored nor
 * logged (Principles §2) — the route is marked `sensitiveBody` so even a server error logs no detail.
 */
import { randomUUID } from 'node:crypto';
import {
  CertificateVerificationCache,
  parseEnvelopedCredentialId,
  prepareForIssuance,
  queryStatus,
  queryTokenStatus,
  requireIssuable,
  verifyCredential,
  verifyEnvelopedCredential,
} from '@trustmesh/registry';
import type { FastifyInstance } from 'fastify';
import type { CredentialStatusValue, StatusUpdate } from '../../issuer/issuer-types.ts';
import { isMessageValue } from '../../issuer/message-list.ts';
import type { TokenStatusIssuer, TokenStatusUpdate, TokenStatusValue } from '../../issuer/token-status-issuer.ts';
import { ApiError, toApiError } from '../errors.ts';
import { AS_OF_SCHEMA, ERROR_SCHEMA, errorResponses, JSON_OBJECT_SCHEMA, WRITE_SECURITY } from '../schemas.ts';
import type { RouteContext } from './route-context.ts';
import {
  issueSdJwtCredential,
  SD_JWT_ONLY_OPTIONS,
  SD_JWT_OPTIONS_SCHEMA,
  SD_JWT_VC_FORMAT,
  type SdJwtIssueOptions,
} from './sd-jwt-issuance.ts';
import {
  CHECKS_OPTION_SCHEMA,
  credentialVerificationBody,
  selectedChecks,
  VERIFICATION_RESULT_SCHEMA,
} from './vc-api-verification.ts';

const STATUS_UPDATE_SCHEMA = {
  type: 'object',
  required: ['statusPurpose', 'statusListCredential', 'statusListIndex', 'value', 'changed', 'validFrom'],
  properties: {
    statusPurpose: { type: 'string' },
    statusListCredential: { type: 'string' },
    statusListIndex: { type: 'integer' },
    value: { type: 'integer' },
    message: { type: 'string', description: 'the message of that value (a message entry)' },
    changed: { type: 'boolean' },
    validFrom: { type: 'string', format: 'date-time' },
  },
} as const;

interface VerifyBody {
  verifiableCredential: Record<string, unknown>;
  options?: Record<string, unknown>;
}

interface IssueBody {
  credential: Record<string, unknown>;
  options?: SdJwtIssueOptions;
}

interface StatusBody {
  credentialId: string;
  credentialStatus: { type: string; status: CredentialStatusValue }[];
}

/**
 * The compact credential an `EnvelopedVerifiableCredential` carries (VCDM 2.0 §4.13: its `id` is a
 * `data:` URL with the media type), or null for any other credential. An enveloped credential of a
 * media type not supported is answered by the verifier with JOSE_MEDIA_TYPE_UNSUPPORTED.
 */
function envelopedOf(credential: Record<string, unknown>): { mediaType: string; compact: string } | null {
  const types = [credential.type].flat();
  if (!types.includes('EnvelopedVerifiableCredential') || typeof credential.id !== 'string') return null;
  // Not a data: URL of a supported media type: the verifier names it (nothing is fetched).
  return parseEnvelopedCredentialId(credential.id) ?? { mediaType: 'unsupported', compact: '' };
}

interface StatusQuery {
  statusListCredential?: string;
  statusListIndex?: string;
  statusPurpose?: string;
  statusSize?: string;
  uri?: string;
  idx?: string;
}

/** Registers `/credentials/verify`, `/credentials/issue`, `/credentials/status` (POST and GET). */
export function registerCredentialRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { registry, metrics, now } = ctx.modules;
  // An mdoc's issuer chain (issue 14): accredited IACAs prepared once per change; CA certificates only.
  const certificates = new CertificateVerificationCache();

  app.post<{ Body: VerifyBody }>(
    '/credentials/verify',
    {
      config: { sensitiveBody: true },
      schema: {
        tags: ['VC-API'],
        summary: 'Verify a credential against this node’s replica',
        description:
          'Runs the checks of options.checks (default all: proof, issuer — the trust registry —, status, validity), each independently, and reports every one. 200 when verified; 400 with the same body when not (VC-API: 400 "invalid input"), and 400 with an error body for a request that is not a credential. An EnvelopedVerifiableCredential carries an SD-JWT VC, JWT VC or VC-JOSE credential, or an ISO 18013-5 mdoc (`data:application/mdoc;base64url,<IssuerSigned or DeviceResponse CBOR>`; `options.sessionTranscript`, base64url CBOR, enables its device authentication — without it that is reported as not requested). The credential is neither stored nor logged.',
        // Other top-level members are ignored with a warning, not refused: the issue answer
        // ({verifiableCredential, credentialId}) posted as it is verifies (README quick start).
        body: {
          type: 'object',
          required: ['verifiableCredential'],
          properties: {
            verifiableCredential: {
              type: 'object',
              required: ['@context'],
              additionalProperties: true,
            },
            options: {
              type: 'object',
              additionalProperties: true,
              properties: {
                checks: CHECKS_OPTION_SCHEMA,
                // ISO 18013-5 §9.1.5.1 SessionTranscript (CBOR), base64url: enables an mdoc's device authentication.
                sessionTranscript: { type: 'string', minLength: 1, maxLength: 65_536, pattern: '^[A-Za-z0-9_-]+$' },
              },
            },
          },
        },
        response: {
          200: VERIFICATION_RESULT_SCHEMA,
          400: { anyOf: [VERIFICATION_RESULT_SCHEMA, ERROR_SCHEMA] },
          ...errorResponses(413, 415),
        },
      },
    },
    async (request, reply) => {
      const { checks, names } = selectedChecks(request.body.options?.checks);
      const credential = request.body.verifiableCredential;
      const options = request.body.options ?? {};
      const base = { view: registry, documentLoader: registry.documentLoader, now: now(), checks };
      // VCDM 2.0 §4.13 enveloped credentials (issue 13): an SD-JWT VC, TW DIW's vc+sd-jwt, a
      // jwt_vc_json or a VC-JOSE credential as a data: URL; challenge and domain bind a key-binding JWT.
      const enveloped = envelopedOf(credential);
      const result = enveloped
        ? await verifyEnvelopedCredential(enveloped, {
            ...base,
            ...(typeof options.challenge === 'string' ? { challenge: options.challenge } : {}),
            ...(typeof options.domain === 'string' ? { domain: options.domain } : {}),
            ...(typeof options.sessionTranscript === 'string'
              ? { sessionTranscript: new Uint8Array(Buffer.from(options.sessionTranscript, 'base64url')) }
              : {}),
            cache: certificates,
          })
        : await verifyCredential(credential, base);
      const body = credentialVerificationBody(ctx, result, names);
      // Only option names are echoed, never values: options could carry holder data.
      const ignored = [
        ...Object.keys(request.body)
          .filter((name) => name !== 'verifiableCredential' && name !== 'options')
          .map((name) => `member ${name} is not part of a verification request and was ignored`),
        ...Object.keys(request.body.options ?? {})
          .filter(
            (name) =>
              name !== 'checks' &&
              !(enveloped && (name === 'challenge' || name === 'domain' || name === 'sessionTranscript')),
          )
          .map((name) => `option ${name} is not supported and was ignored`),
      ];
      return reply.code(result.verified ? 200 : 400).send({ ...body, warnings: [...body.warnings, ...ignored] });
    },
  );

  app.post<{ Body: IssueBody }>(
    '/credentials/issue',
    {
      onRequest: ctx.requireWrite,
      schema: {
        tags: ['VC-API'],
        summary: 'Issue a credential with this node’s issuer key (issuer mode)',
        description:
          'Signs a VC 1.1 or 2.0 credential (201). Without a credentialStatus, adds BitstringStatusListEntry entries (revocation, suspension when configured, and a message entry with statusSize and statusMessage when a message list is configured) at random unused indexes of the issuer’s lists, with the status context for VC 1.1, and answers the credentialId to update their status with; `id` is optional.',
        security: WRITE_SECURITY,
        body: {
          type: 'object',
          required: ['credential'],
          additionalProperties: false,
          properties: {
            credential: { type: 'object', additionalProperties: true },
            options: {
              type: 'object',
              additionalProperties: false,
              properties: { credentialId: { type: 'string', minLength: 1, maxLength: 2048 }, ...SD_JWT_OPTIONS_SCHEMA },
            },
          },
          // A Data Integrity credential has the VCDM's members; an SD-JWT VC claim set has `vct`.
          if: {
            required: ['options'],
            properties: {
              options: { type: 'object', required: ['format'], properties: { format: { const: SD_JWT_VC_FORMAT } } },
            },
          },
          // biome-ignore lint/suspicious/noThenProperty: JSON Schema if/then/else (draft-07 §6.6), not a thenable
          then: { properties: { credential: { type: 'object', required: ['vct'] } } },
          else: { properties: { credential: { type: 'object', required: ['@context', 'type', 'credentialSubject'] } } },
        },
        response: {
          201: {
            type: 'object',
            required: ['verifiableCredential'],
            properties: {
              verifiableCredential: JSON_OBJECT_SCHEMA,
              credentialId: {
                type: 'string',
                description:
                  'The handle the node keeps the added status entries under: pass it to POST /credentials/status to revoke or suspend',
              },
              credentialStatus: {
                type: 'object',
                description: 'dc+sd-jwt: the Token Status List entry given (status.status_list)',
                additionalProperties: true,
              },
              warnings: { type: 'array', items: { type: 'string' } },
            },
          },
          ...errorResponses(400, 401, 403, 413, 415, 501, 503),
        },
      },
    },
    async (request, reply) => {
      const issuer = ctx.modules.issuer;
      if (!issuer) throw new ApiError(501, 'ISSUER_MODE_DISABLED', 'this node does not run in issuer mode');
      const { credential } = request.body;
      const options = request.body.options ?? {};
      if (options.format === SD_JWT_VC_FORMAT) {
        const tokenIssuer = ctx.modules.tokenStatusIssuer;
        if (!tokenIssuer) throw new ApiError(501, 'ISSUER_MODE_DISABLED', 'this node does not issue SD-JWT VCs');
        return reply.code(201).send(await issueSdJwtCredential(tokenIssuer, credential, options));
      }
      const sdJwtOnly = SD_JWT_ONLY_OPTIONS.find((name) => options[name] !== undefined);
      if (sdJwtOnly) {
        throw new ApiError(
          400,
          'REQUEST_INVALID',
          `options.${sdJwtOnly} applies to options.format "${SD_JWT_VC_FORMAT}" only`,
          `options.${sdJwtOnly}`,
        );
      }
      const addsStatus = credential.credentialStatus === undefined;
      // VC 1.1 or 2.0: the contexts for what the node adds (issuance/prepare-issuance.ts).
      const prepared = prepareForIssuance(credential, { now: now(), addsStatus });
      // An issuer refuses what a verifier must reject: the data model's rules and the contexts,
      // with the field and the rule named (issuance/validate-issuance.ts).
      requireIssuable(prepared.credential, registry.documentLoader);
      // VCDM 2.0 §4.4: `id` is optional. The entries the node adds are kept under a handle — the
      // caller's options.credentialId, else the credential's id, else a fresh urn:uuid — returned
      // as `credentialId` for POST /credentials/status (docs/verifiers.md, VC-API).
      const credentialId =
        request.body.options?.credentialId ??
        (typeof credential.id === 'string' ? credential.id : addsStatus ? `urn:uuid:${randomUUID()}` : undefined);
      const result = await issuer.issue(prepared.credential, credentialId ? { credentialId } : {});
      return reply.code(201).send({
        verifiableCredential: result.verifiableCredential,
        ...(result.entries.length > 0 && result.credentialId ? { credentialId: result.credentialId } : {}),
      });
    },
  );

  app.post<{ Body: StatusBody }>(
    '/credentials/status',
    {
      onRequest: ctx.requireWrite,
      schema: {
        tags: ['VC-API'],
        summary: 'Revoke, suspend or reinstate a credential issued by this node, or set its message (issuer mode)',
        description:
          'Publishes the next version of each list concerned. Revocation is irreversible: reinstating or suspending a revoked credential is 409. A status "0x…" sets the credential\'s message entry to that value of the message list (Bitstring Status List §2.2), in either direction; a value outside the list is 400 STATUS_MESSAGE_VALUE_INVALID.',
        security: WRITE_SECURITY,
        body: {
          type: 'object',
          required: ['credentialId', 'credentialStatus'],
          additionalProperties: false,
          properties: {
            credentialId: { type: 'string', minLength: 1, maxLength: 2048 },
            credentialStatus: {
              type: 'array',
              minItems: 1,
              maxItems: 3,
              items: {
                type: 'object',
                required: ['type', 'status'],
                additionalProperties: false,
                properties: {
                  type: {
                    type: 'string',
                    enum: [
                      'BitstringStatusListEntry',
                      'BitstringStatusList',
                      'BitstringStatusListCredential',
                      // An SD-JWT VC's entry (issue 13): revoked INVALID, suspended SUSPENDED, active VALID.
                      'TokenStatusList',
                    ],
                  },
                  // A message value is checked against the list by the issuer (named field, 400).
                  status: {
                    anyOf: [
                      { type: 'string', enum: ['revoked', 'suspended', 'active'] },
                      { type: 'string', pattern: '^0x', maxLength: 18 },
                    ],
                  },
                },
              },
            },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['credentialId', 'status', 'updates'],
            properties: {
              credentialId: { type: 'string' },
              status: { type: 'string' },
              updates: { type: 'array', items: STATUS_UPDATE_SCHEMA },
              gossipPeers: {
                type: 'integer',
                description: 'peers of the records topic the new list versions were gossiped to',
              },
            },
          },
          ...errorResponses(400, 401, 403, 404, 409, 413, 415, 501, 503),
        },
      },
    },
    async (request) => {
      const issuer = ctx.modules.issuer;
      if (!issuer) throw new ApiError(501, 'ISSUER_MODE_DISABLED', 'this node does not run in issuer mode');
      const tokenIssuer = ctx.modules.tokenStatusIssuer;
      if (tokenIssuer?.knows(request.body.credentialId)) {
        return updateTokenStatus(ctx, tokenIssuer, request.body);
      }
      const updates: StatusUpdate[] = [];
      let status: CredentialStatusValue = 'active';
      for (const [i, item] of request.body.credentialStatus.entries()) {
        try {
          const result = await issuer.updateStatus(request.body.credentialId, item.status);
          updates.push(...result.updates);
          status = result.status;
        } catch (error) {
          // Name the item that failed, so a two-item request says which change was refused.
          const mapped = toApiError(error);
          if (mapped.field !== 'credentialStatus') throw error;
          throw new ApiError(mapped.statusCode, mapped.code, mapped.message, `credentialStatus[${i}].status`);
        }
      }
      const gossipPeers = ctx.modules.node.gossipPeers?.();
      return {
        credentialId: request.body.credentialId,
        status,
        updates,
        ...(gossipPeers === undefined ? {} : { gossipPeers }),
      };
    },
  );

  app.get<{ Querystring: StatusQuery }>(
    '/credentials/status',
    {
      schema: {
        tags: ['Status'],
        summary: 'Read one status list entry from the replica',
        description:
          'For verifiers that already parsed a BitstringStatusListEntry: the same check verification runs, without sending the credential.',
        querystring: {
          type: 'object',
          // A BitstringStatusListEntry's members, or (issue 13) a Referenced Token's
          // `status.status_list` {uri, idx} (draft-ietf-oauth-status-list §6.2).
          anyOf: [{ required: ['statusListCredential', 'statusListIndex'] }, { required: ['uri', 'idx'] }],
          additionalProperties: false,
          properties: {
            uri: { type: 'string', minLength: 1, maxLength: 2048 },
            idx: { type: 'string', pattern: '^[0-9]{1,15}$' },
            statusListCredential: { type: 'string', minLength: 1, maxLength: 2048 },
            statusListIndex: { type: 'string', pattern: '^[0-9]{1,15}$' },
            statusPurpose: { type: 'string', minLength: 1, maxLength: 64, default: 'revocation' },
            statusSize: { type: 'string', pattern: '^[1-8]$', default: '1' },
          },
        },
        response: {
          200: {
            anyOf: [TOKEN_STATUS_ANSWER_SCHEMA, BITSTRING_STATUS_ANSWER_SCHEMA],
          },
          ...errorResponses(400),
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      if (q.uri !== undefined && q.idx !== undefined) {
        const answer = queryTokenStatus(registry, q.uri, Number(q.idx), now());
        metrics.statusQueries.inc({ outcome: answer.status ?? 'undetermined', code: answer.code ?? 'OK' });
        // The branch's own serializer: the response's anyOf (kept for the OpenAPI description)
        // would make fast-json-stringify validate the answer against each branch on every request.
        return reply.serializer(reply.compileSerializationSchema(TOKEN_STATUS_ANSWER_SCHEMA)).send(answer);
      }
      if (q.statusListCredential === undefined || q.statusListIndex === undefined) {
        throw new ApiError(400, 'REQUEST_INVALID', 'give statusListCredential and statusListIndex, or uri and idx');
      }
      const result = queryStatus(
        registry,
        {
          statusListCredential: q.statusListCredential,
          statusListIndex: Number(q.statusListIndex),
          statusPurpose: q.statusPurpose ?? 'revocation',
          statusSize: Number(q.statusSize ?? '1'),
        },
        now(),
      );
      metrics.statusQueries.inc({ outcome: result.outcome, code: result.code ?? 'OK' });
      return reply.serializer(reply.compileSerializationSchema(BITSTRING_STATUS_ANSWER_SCHEMA)).send(result);
    },
  );
}

/** Status updates of an SD-JWT VC's Token Status List entry (one list; the items apply in order). */
async function updateTokenStatus(ctx: RouteContext, issuer: TokenStatusIssuer, body: StatusBody) {
  const updates: TokenStatusUpdate[] = [];
  let status: TokenStatusValue = 'active';
  for (const [i, item] of body.credentialStatus.entries()) {
    if (isMessageValue(item.status)) {
      throw new ApiError(
        400,
        'STATUS_PURPOSE_UNSUPPORTED',
        'an SD-JWT VC has no message entry',
        `credentialStatus[${i}].status`,
      );
    }
    try {
      const result = await issuer.updateStatus(body.credentialId, item.status);
      updates.push(...result.updates);
      status = result.status;
    } catch (error) {
      const mapped = toApiError(error);
      if (mapped.field !== 'credentialStatus') throw error;
      throw new ApiError(mapped.statusCode, mapped.code, mapped.message, `credentialStatus[${i}].status`);
    }
  }
  const gossipPeers = ctx.modules.node.gossipPeers?.();
  return { credentialId: body.credentialId, status, updates, ...(gossipPeers === undefined ? {} : { gossipPeers }) };
}

/** A Token Status List entry (issue 13): its Status Type name and value, with the version read. */
const TOKEN_STATUS_ANSWER_SCHEMA = {
  type: 'object',
  required: ['uri', 'idx', 'message'],
  properties: {
    uri: { type: 'string' },
    idx: { type: 'integer' },
    status: { type: 'string', description: 'VALID, INVALID, SUSPENDED, or 0x03… (application-specific)' },
    value: { type: 'integer' },
    code: { type: 'string' },
    message: { type: 'string' },
    asOf: {
      type: 'object',
      properties: {
        issuer: { type: 'string' },
        version: { type: 'string' },
        expires: { type: ['string', 'null'] },
        digest: { type: 'string' },
        receivedAt: { type: 'string' },
      },
    },
  },
} as const;

/** A Bitstring Status List entry's check. */
const BITSTRING_STATUS_ANSWER_SCHEMA = {
  type: 'object',
  required: ['outcome', 'message', 'statusListCredential', 'statusListIndex', 'statusPurpose', 'asOf', 'warnings'],
  properties: {
    outcome: { type: 'string', enum: ['pass', 'fail', 'undetermined'] },
    code: { type: 'string' },
    message: { type: 'string' },
    value: { type: 'integer' },
    statusListCredential: { type: 'string' },
    statusListIndex: { type: 'integer' },
    statusPurpose: { type: 'string' },
    asOf: AS_OF_SCHEMA,
    warnings: { type: 'array', items: { type: 'string' } },
  },
} as const;
