/**
 * SD-JWT VC issuance through VC-API's `POST /credentials/issue` (issue 13): with
 * `options.format: "dc+sd-jwt"` the `credential` is the SD-JWT VC's claim set — `vct` and the claims
 * about the subject (draft-ietf-oauth-sd-jwt-vc §3.2.2) — and the answer is the credential as a VCDM
 * 2.0 `EnvelopedVerifiableCredential` (§4.13, `data:application/dc+sd-jwt,<compact>`), which
 * `POST /credentials/verify` takes back as it is. Status updates go through `POST /credentials/status`
 * with the answered `credentialId`, as for Data Integrity credentials.
 */
import { publicJwkToMultibase, reject } from '@trustmesh/registry';
import type { TokenStatusIssuer } from '../../issuer/token-status-issuer.ts';
import { ApiError } from '../errors.ts';

/** The media type of what the node issues (draft-ietf-oauth-sd-jwt-vc §3.1). */
export const SD_JWT_VC_FORMAT = 'dc+sd-jwt';

/** The options of an SD-JWT VC issue request. */
export interface SdJwtIssueOptions {
  format?: string;
  credentialId?: string;
  /** Top-level claims made selectively disclosable (RFC 9901 §4.2.4.1); default: every claim. */
  disclosable?: string[];
  /** The holder's public JWK for key binding (`cnf.jwk`). */
  holderJwk?: Record<string, unknown>;
  validFrom?: string;
  validUntil?: string;
}

/** JSON schema of the SD-JWT-only options (merged into the issue route's options). */
export const SD_JWT_OPTIONS_SCHEMA = {
  format: {
    type: 'string',
    enum: ['ldp_vc', SD_JWT_VC_FORMAT],
    description:
      'ldp_vc (default): a Data Integrity credential; dc+sd-jwt: an SD-JWT VC on the issuer’s Token Status List',
  },
  disclosable: {
    type: 'array',
    maxItems: 64,
    uniqueItems: true,
    items: { type: 'string', minLength: 1, maxLength: 256 },
    description: 'dc+sd-jwt: the claims made selectively disclosable (default: every claim except vct)',
  },
  holderJwk: { type: 'object', description: 'dc+sd-jwt: the holder’s public JWK (cnf.jwk) for key binding' },
  validFrom: { type: 'string', format: 'date-time', description: 'dc+sd-jwt: nbf' },
  validUntil: { type: 'string', format: 'date-time', description: 'dc+sd-jwt: exp' },
} as const;

/** The SD-JWT-only option names: refused for a Data Integrity credential. */
export const SD_JWT_ONLY_OPTIONS = ['disclosable', 'holderJwk', 'validFrom', 'validUntil'] as const;

/** Answer of an SD-JWT VC issue request (201). */
export interface SdJwtIssueAnswer {
  verifiableCredential: { '@context': string[]; type: string; id: string };
  credentialId: string;
  credentialStatus: { status_list: { uri: string; idx: number } };
  warnings?: string[];
}

/** Issues an SD-JWT VC from the request's `credential` claim set. */
export async function issueSdJwtCredential(
  issuer: TokenStatusIssuer,
  credential: Record<string, unknown>,
  options: SdJwtIssueOptions,
): Promise<SdJwtIssueAnswer> {
  const { vct, ...claims } = credential;
  if (typeof vct !== 'string' || vct.length === 0 || vct.length > 2048) {
    throw reject(
      'SD_JWT_VCT_INVALID',
      'credential.vct',
      'must be a non-empty string (draft-ietf-oauth-sd-jwt-vc §3.2.2.1.1)',
    );
  }
  const holderJwk =
    options.holderJwk === undefined
      ? undefined
      : publicJwkToMultibase(options.holderJwk, 'options.holderJwk', 'SD_JWT_HOLDER_JWK_INVALID').jwk;
  const dateOf = (value: string | undefined) => (value === undefined ? undefined : Date.parse(value));
  const notBefore = dateOf(options.validFrom);
  const expiresAt = dateOf(options.validUntil);
  if (notBefore !== undefined && expiresAt !== undefined && expiresAt <= notBefore) {
    throw new ApiError(
      400,
      'SD_JWT_VALIDITY_INVALID',
      'options.validUntil must be after options.validFrom',
      'options.validUntil',
    );
  }
  const issued = await issuer.issue({
    vct,
    claims,
    disclosable: options.disclosable ?? Object.keys(claims),
    ...(holderJwk ? { holderJwk } : {}),
    ...(notBefore !== undefined ? { notBefore } : {}),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
    ...(options.credentialId !== undefined ? { credentialId: options.credentialId } : {}),
  });
  return {
    verifiableCredential: {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: 'EnvelopedVerifiableCredential',
      id: `data:application/${SD_JWT_VC_FORMAT},${issued.compact}`,
    },
    credentialId: issued.credentialId,
    credentialStatus: { status_list: issued.status },
    ...(issued.warnings.length > 0 ? { warnings: issued.warnings } : {}),
  };
}
