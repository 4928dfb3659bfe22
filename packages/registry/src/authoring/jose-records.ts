/**
 * Building and signing JOSE records and credentials (issue 13): what the node's issuer mode runs to
 * publish an IETF Token Status List and to issue an SD-JWT VC with an entry on it. One shape for
 * every one this project makes, readable by the reference libraries (`@sd-jwt/jwt-status-list`,
 * `@sd-jwt/sd-jwt-vc`) and by this registry's own validation.
 *
 * - Token Status List in JWT form: draft-ietf-oauth-status-list §5.1 (header `typ: statuslist+jwt`,
 *   claims `sub` = the list URI, `iat`, optional `exp` and `ttl`, `status_list {bits, lst}` with `lst`
 *   the base64url of the zlib-DEFLATE of the packed statuses, §4.1).
 * - SD-JWT VC: draft-ietf-oauth-sd-jwt-vc §3.2 (header `typ: dc+sd-jwt`; `iss`, `vct`, `iat`,
 *   optional `exp`/`nbf`, `cnf` for key binding, `status.status_list {idx, uri}` for a Referenced
 *   Token, draft-ietf-oauth-status-list §6.2), selective disclosure per RFC 9901 made by sd-jwt-js
 *   (`@sd-jwt/core`), digests SHA-256.
 */
import { createHash, randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { SDJwtInstance } from '@sd-jwt/core';
import { type KeyPair, signRaw } from '../crypto/keys.ts';
import { reject } from '../errors.ts';
import type { PublicJwk } from '../records/jwk.ts';

/** JWS `alg` of a key pair: ES256 for P-256, EdDSA for Ed25519 (RFC 7518 §3.4, RFC 8037 §3.1). */
export function jwsAlgorithmOfKeyPair(keyPair: KeyPair): 'ES256' | 'EdDSA' {
  return keyPair.type === 'P-256' ? 'ES256' : 'EdDSA';
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Signs a compact JWS (RFC 7515 §7.1) with the key pair; `alg` and `kid` (the key's did:key URL,
 * what accreditations pin) are set from it.
 */
export async function signCompactJws(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  keyPair: KeyPair,
): Promise<string> {
  const input = `${b64({ alg: jwsAlgorithmOfKeyPair(keyPair), kid: keyPair.verificationMethod, ...header })}.${b64(payload)}`;
  const signature = await signRaw(new TextEncoder().encode(input), keyPair);
  return `${input}.${Buffer.from(signature).toString('base64url')}`;
}

/** Status values of the Token Status List's Status Types (draft-ietf-oauth-status-list §7.1). */
export const TOKEN_STATUS = { VALID: 0x00, INVALID: 0x01, SUSPENDED: 0x02 } as const;

/** A zeroed packed list of `entries` statuses of `bits` bits each (draft §4.1). */
export function createTokenStatusBytes(entries: number, bits: 1 | 2 | 4 | 8): Uint8Array {
  return new Uint8Array(Math.ceil((entries * bits) / 8));
}

/** Writes status `value` at `index`: `bits` per status, least significant bits first (draft §4.1). */
export function writeTokenStatus(bytes: Uint8Array, bits: 1 | 2 | 4 | 8, index: number, value: number): void {
  const size = Math.floor((bytes.byteLength * 8) / bits);
  if (!Number.isInteger(index) || index < 0 || index >= size) throw new RangeError(`index ${index} outside ${size}`);
  if (!Number.isInteger(value) || value < 0 || value >= 1 << bits)
    throw new RangeError(`value ${value} needs more than ${bits} bits`);
  const bit = index * bits;
  const mask = ((1 << bits) - 1) << (bit & 7);
  const at = bit >> 3;
  bytes[at] = ((bytes[at] ?? 0) & ~mask) | (value << (bit & 7));
}

/** Inputs of {@link issueTokenStatusList}. */
export interface TokenStatusListInput {
  issuer: KeyPair;
  /** The list URI: `sub`, and what Referenced Tokens name in `status.status_list.uri`. */
  uri: string;
  bits: 1 | 2 | 4 | 8;
  /** The packed statuses (see {@link writeTokenStatus}). */
  statuses: Uint8Array;
  /** Issuance time (ms); written as a whole NumericDate `iat`. */
  issuedAt: number;
  /** Expiry (ms), or omitted. */
  expiresAt?: number;
  /** `ttl` in seconds (draft §5.1: how long a verifier may cache it), or omitted. */
  ttlSeconds?: number;
}

/** Signs a Token Status List in JWT form (draft-ietf-oauth-status-list §5.1). */
export function issueTokenStatusList(input: TokenStatusListInput): Promise<string> {
  const payload: Record<string, unknown> = {
    iss: input.issuer.did,
    sub: input.uri,
    iat: Math.floor(input.issuedAt / 1000),
    ...(input.expiresAt !== undefined ? { exp: Math.floor(input.expiresAt / 1000) } : {}),
    ...(input.ttlSeconds !== undefined ? { ttl: input.ttlSeconds } : {}),
    // §4.1: "lst" is the base64url of the ZLIB (RFC 1950) DEFLATE of the byte array.
    status_list: { bits: input.bits, lst: deflateSync(input.statuses, { level: 9 }).toString('base64url') },
  };
  return signCompactJws({ typ: 'statuslist+jwt' }, payload, input.issuer);
}

/** Inputs of {@link issueSdJwtVc}. */
export interface SdJwtVcInput {
  issuer: KeyPair;
  /** The credential type (draft-ietf-oauth-sd-jwt-vc §3.2.2.1.1), a string matched exactly against accredited types. */
  vct: string;
  /** The claims about the subject (top level of the payload, §3.2.2.2). */
  claims: Record<string, unknown>;
  /** Names of top-level claims made selectively disclosable (RFC 9901 §4.2.4.1). */
  disclosable: readonly string[];
  /** The Token Status List entry (draft-ietf-oauth-status-list §6.2). */
  status?: { uri: string; idx: number };
  /** The holder's public key, for key binding (`cnf.jwk`, RFC 7800 §3.2). */
  holderJwk?: PublicJwk;
  /** Issuance time (ms). */
  issuedAt: number;
  /** Expiry (ms), or omitted. */
  expiresAt?: number;
  /** Not-before (ms), or omitted. */
  notBefore?: number;
}

/** Claims an issuer sets itself: a caller naming them in `claims` would contradict the issuer. */
const REGISTERED_CLAIMS = ['iss', 'vct', 'iat', 'nbf', 'exp', 'cnf', 'status', '_sd', '_sd_alg', '...'] as const;

/**
 * Issues an SD-JWT VC (`<issuer-signed JWT>~<Disclosure>~…~`, RFC 9901 §4) with `typ: dc+sd-jwt`.
 * @throws ValidationError `SD_JWT_CLAIM_RESERVED` (a claim the issuer sets, or `_sd`/`...`),
 *   `SD_JWT_DISCLOSABLE_UNKNOWN` (a disclosable name that is not a claim).
 */
export async function issueSdJwtVc(input: SdJwtVcInput): Promise<string> {
  for (const name of Object.keys(input.claims)) {
    if ((REGISTERED_CLAIMS as readonly string[]).includes(name)) {
      throw reject('SD_JWT_CLAIM_RESERVED', `credential.${name}`, `${name} is set by the issuer, not by a claim`);
    }
  }
  for (const name of input.disclosable) {
    if (!Object.hasOwn(input.claims, name)) {
      throw reject('SD_JWT_DISCLOSABLE_UNKNOWN', 'options.disclosable', `${name} is not a claim of the credential`);
    }
  }
  const keyPair = input.issuer;
  const sdjwt = new SDJwtInstance({
    // sd-jwt-js hands the JWS signing input and wants the base64url signature back.
    signer: async (data: string) =>
      Buffer.from(await signRaw(new TextEncoder().encode(data), keyPair)).toString('base64url'),
    signAlg: jwsAlgorithmOfKeyPair(keyPair),
    hasher: (data: string | ArrayBuffer) =>
      new Uint8Array(
        createHash('sha256')
          .update(typeof data === 'string' ? data : Buffer.from(data))
          .digest(),
      ),
    hashAlg: 'sha-256',
    // RFC 9901 §4.2.1: a salt of at least 128 bits from a cryptographically secure source.
    saltGenerator: (length: number) => randomBytes(Math.max(16, length)).toString('base64url'),
  });
  const payload: Record<string, unknown> = {
    ...input.claims,
    iss: keyPair.did,
    vct: input.vct,
    iat: Math.floor(input.issuedAt / 1000),
    ...(input.notBefore !== undefined ? { nbf: Math.floor(input.notBefore / 1000) } : {}),
    ...(input.expiresAt !== undefined ? { exp: Math.floor(input.expiresAt / 1000) } : {}),
    ...(input.holderJwk ? { cnf: { jwk: input.holderJwk } } : {}),
    ...(input.status ? { status: { status_list: { idx: input.status.idx, uri: input.status.uri } } } : {}),
  };
  const frame = input.disclosable.length > 0 ? { _sd: [...input.disclosable] } : undefined;
  return sdjwt.issue(payload, frame as never, {
    header: { typ: 'dc+sd-jwt', kid: keyPair.verificationMethod },
  });
}
