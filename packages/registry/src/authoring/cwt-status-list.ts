/**
 * Authoring a Token Status List in CWT form (draft-ietf-oauth-status-list §5.2), for issuers and
 * tests: the claims `iss` (1), `sub` (2), `iat` (6), `exp` (4), `ttl` (65534) and `status_list`
 * (65533) = { bits, lst } with `lst` the ZLIB DEFLATE of the packed statuses (§4.1), in a
 * COSE_Sign1_Tagged (RFC 9052 §4.2) whose protected header holds `alg` and `typ` (16, RFC 9596)
 * `application/statuslist+cwt`, and whose unprotected header names the key (`kid`, label 4) as the
 * key's verification method id, which the registry matches against the pinned key.
 */
import { deflateSync } from 'node:zlib';
import { Encoder, Tag } from 'cbor-x';
import { COSE_ALG, sigStructure } from '../cose/cose-sign1.ts';
import { signRaw } from '../crypto/keys.ts';
import type { TokenStatusListInput } from './jose-records.ts';

// Maps stay maps, byte strings plain (no cbor-x records or typed-array tags): what COSE readers expect.
const CBOR = new Encoder({ mapsAsObjects: false, useRecords: false, tagUint8Array: false } as never);
const encode = (v: unknown): Uint8Array => new Uint8Array(CBOR.encode(v));

/** Inputs of {@link issueCwtStatusList}: the JWT form's, plus the `kid` to name (default: the verification method id). */
export type CwtStatusListInput = TokenStatusListInput & { kid?: string };

/**
 * Signs a Token Status List in CWT form with the issuer's key: ES256 (P-256, r‖s as RFC 9053 §2.1
 * wants) or EdDSA (Ed25519, RFC 9053 §2.2). Returns the COSE_Sign1_Tagged bytes.
 */
export async function issueCwtStatusList(input: CwtStatusListInput): Promise<Uint8Array> {
  const alg = input.issuer.type === 'Ed25519' ? COSE_ALG.EDDSA : COSE_ALG.ES256;
  const protectedBytes = encode(
    new Map<number, unknown>([
      [1, alg],
      [16, 'application/statuslist+cwt'],
    ]),
  );
  const claims = new Map<number, unknown>([
    [1, input.issuer.did],
    [2, input.uri],
    [6, Math.floor(input.issuedAt / 1000)],
  ]);
  if (input.expiresAt !== undefined) claims.set(4, Math.floor(input.expiresAt / 1000));
  if (input.ttlSeconds !== undefined) claims.set(65534, input.ttlSeconds);
  claims.set(
    65533,
    new Map<string, unknown>([
      ['bits', input.bits],
      ['lst', new Uint8Array(deflateSync(input.statuses, { level: 9 }))],
    ]),
  );
  const payload = encode(claims);
  const signature = await signRaw(sigStructure(protectedBytes, payload), input.issuer);
  const kid = new Uint8Array(Buffer.from(input.kid ?? input.issuer.verificationMethod, 'utf8'));
  return encode(new Tag([protectedBytes, new Map([[4, kid]]), payload, signature], 18));
}
