/**
 * Test-only builders and readers for SD-JWT VC and Token Status List (TSL) fixtures, made with the
 * REFERENCE libraries (sd-jwt-js 0.19: @sd-jwt/sd-jwt-vc, @sd-jwt/core, @sd-jwt/jwt-status-list,
 * @sd-jwt/crypto-nodejs) and jose 6, so that our own codecs are checked against bytes we did not
 * write (CONVENTIONS.md "Fixtures come from real tools").
 *
 * Nothing here is production code: it must never be imported from `src/`.
 *
 * Known gaps of sd-jwt-js 0.19 that these helpers do NOT paper over (read in its sources, packages core and sd-jwt-vc):
 * - `verify` checks no `typ` of the Issuer-signed JWT, no `vct`, no `iss`;
 * - the KB-JWT check tests `typ == kb+jwt`, presence of iat/aud/nonce/sd_hash, nonce equality and
 *   sd_hash, but never `aud` equality nor an `iat` window (RFC 9901 §7.3) - the helper below adds the
 *   `aud` comparison only, and says so;
 * - disclosure processing does not reject duplicate digests, unreferenced Disclosures or a disclosed
 *   name that already exists (RFC 9901 §7.1 steps 3-5);
 * - the Status List JWT is checked for signature/iat/nbf/exp only, not `typ` nor `sub == uri`
 *   (draft-ietf-oauth-status-list §8.3 step 4a).
 */

import type { JsonWebKey } from 'node:crypto';
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { digest, ES256, generateSalt } from '@sd-jwt/crypto-nodejs';
import type { BitsPerStatus } from '@sd-jwt/jwt-status-list';
import { createHeaderAndPayload, getListFromStatusListJWT, StatusList } from '@sd-jwt/jwt-status-list';
import type { SdJwtVcPayload, VerificationResult } from '@sd-jwt/sd-jwt-vc';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import type { JWK } from 'jose';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';

// @sd-jwt/types is not a direct dependency of this package, so its callback types are restated here.
/** sd-jwt-js Signer callback: JWS signing input in, base64url signature out. */
export type Signer = (data: string) => string | Promise<string>;
/** sd-jwt-js Verifier callback: JWS signing input and base64url signature in. */
export type Verifier = (data: string, sig: string) => boolean | Promise<boolean>;
/**
 * A disclosure frame as sd-jwt-js reads it (e.g. `{ _sd: ['given_name'], list: { _sd: [1] } }`); kept
 * loose because the library's generic frame type over `SdJwtVcPayload` rejects ordinary claim names.
 */
export type RefDisclosureFrame = Record<string, unknown>;
/** A presentation frame as sd-jwt-js reads it (e.g. `{ given_name: true, list: { 1: true } }`). */
export type RefPresentationFrame = Record<string, unknown>;

/** The two signature algorithms the fixtures exercise. */
export type RefAlg = 'ES256' | 'EdDSA';

/** A key pair usable both by sd-jwt-js (signer/verifier callbacks) and by jose (JWKs). */
export interface RefKeyPair {
  alg: RefAlg;
  /** RFC 7638 thumbprint, also set as `kid` on both JWKs. */
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
  /** sd-jwt-js Signer: signs the JWS signing input, returns the base64url signature. */
  signer: Signer;
  /** sd-jwt-js Verifier: checks a base64url signature over the JWS signing input. */
  verifier: Verifier;
}

function publicOnly(jwk: JWK): JWK {
  const { d: _d, ...pub } = jwk;
  return pub;
}

/** The JWS `alg` a public JWK implies; only the two kinds the fixtures make. */
export function refAlgForJwk(jwk: JWK): RefAlg {
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  throw new Error(`reference-jose: unsupported JWK kty=${String(jwk.kty)} crv=${String(jwk.crv)}`);
}

/**
 * An sd-jwt-js Verifier for a public JWK. ES256 uses the reference @sd-jwt/crypto-nodejs verifier;
 * EdDSA (which crypto-nodejs 0.19 does not offer) uses node:crypto Ed25519 directly.
 */
export async function refVerifierForJwk(jwk: JWK): Promise<Verifier> {
  if (refAlgForJwk(jwk) === 'ES256') return ES256.getVerifier(publicOnly(jwk) as JsonWebKey);
  const key = createPublicKey({ key: publicOnly(jwk) as JsonWebKey, format: 'jwk' });
  return (data: string, sig: string) => {
    try {
      return nodeVerify(null, Buffer.from(data, 'utf8'), key, Buffer.from(sig, 'base64url'));
    } catch {
      return false;
    }
  };
}

async function signerForJwk(jwk: JWK): Promise<Signer> {
  if (refAlgForJwk(jwk) === 'ES256') return ES256.getSigner(jwk as JsonWebKey);
  const key = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
  return (data: string) => nodeSign(null, Buffer.from(data, 'utf8'), key).toString('base64url');
}

/** Generates a fresh extractable key pair with jose and wires the sd-jwt-js callbacks to it. */
export async function refKeyPair(alg: RefAlg): Promise<RefKeyPair> {
  const { privateKey, publicKey } =
    alg === 'ES256'
      ? await generateKeyPair('ES256', { extractable: true })
      : await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  publicJwk.kid = kid;
  publicJwk.alg = alg;
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg };
  return {
    alg,
    kid,
    privateJwk,
    publicJwk,
    signer: await signerForJwk(privateJwk),
    verifier: await refVerifierForJwk(publicJwk),
  };
}

/** Inputs of {@link refTokenStatusListJwt}. */
export interface RefTokenStatusListInput {
  privateJwk: JWK;
  kid: string;
  iss?: string;
  /** The Status List Token URI (draft-ietf-oauth-status-list §5.1: MUST equal the Referenced Token's `uri`). */
  sub: string;
  iat: number;
  exp?: number;
  ttl?: number;
  bits: BitsPerStatus;
  statuses: number[];
}

/**
 * A Status List Token in JWT form. The Status List (`status_list.bits`, `status_list.lst`) and the
 * `typ: statuslist+jwt` header come from @sd-jwt/jwt-status-list `createHeaderAndPayload`; the JWS is
 * signed by jose.
 */
export async function refTokenStatusListJwt(input: RefTokenStatusListInput): Promise<string> {
  const alg = refAlgForJwk(input.privateJwk);
  const list = new StatusList([...input.statuses], input.bits);
  const claims: Record<string, unknown> = { sub: input.sub, iat: input.iat };
  if (input.iss !== undefined) claims.iss = input.iss;
  if (input.exp !== undefined) claims.exp = input.exp;
  if (input.ttl !== undefined) claims.ttl = input.ttl;
  const { header, payload } = createHeaderAndPayload(list, claims, {
    alg,
    typ: 'statuslist+jwt',
    kid: input.kid,
  });
  const key = await importJWK(input.privateJwk, alg);
  return new SignJWT(payload).setProtectedHeader({ ...header, alg, typ: 'statuslist+jwt', kid: input.kid }).sign(key);
}

/**
 * The status at `idx` as the reference library reads it (no signature check: that is the caller's
 * job, as in sd-jwt-js itself). Throws on an index outside the decoded list.
 */
export function refReadTokenStatusList(jwt: string, idx: number): number {
  return getListFromStatusListJWT(jwt).getStatus(idx);
}

/** Inputs of {@link refIssueSdJwtVc}. */
export interface RefIssueInput {
  issuerKey: RefKeyPair;
  iss: string;
  vct: string;
  claims: Record<string, unknown>;
  disclosureFrame?: RefDisclosureFrame;
  /** Put as `cnf.jwk` (RFC 7800 §3.2) so a KB-JWT can be required. */
  holderPublicJwk?: JWK;
  status?: { idx: number; uri: string };
  /** Issuer-signed JWT `typ`; sd-jwt-js defaults to `dc+sd-jwt`. */
  typ?: 'dc+sd-jwt' | 'vc+sd-jwt';
  iat?: number;
  exp?: number;
}

/** Issues an SD-JWT VC (`<issuer JWT>~<D.1>~...~<D.N>~`) with sd-jwt-js, sha-256 digests. */
export async function refIssueSdJwtVc(input: RefIssueInput): Promise<string> {
  const sdjwt = new SDJwtVcInstance({
    signer: input.issuerKey.signer,
    signAlg: input.issuerKey.alg,
    hasher: digest,
    hashAlg: 'sha-256',
    saltGenerator: generateSalt,
  });
  const payload: SdJwtVcPayload = { ...input.claims, iss: input.iss, vct: input.vct };
  if (input.iat !== undefined) payload.iat = input.iat;
  if (input.exp !== undefined) payload.exp = input.exp;
  if (input.holderPublicJwk) payload.cnf = { jwk: publicOnly(input.holderPublicJwk) };
  if (input.status) payload.status = { status_list: { idx: input.status.idx, uri: input.status.uri } };
  // The `header` option is spread after `{ typ: this.type }`, so it can override typ (legacy vc+sd-jwt).
  return sdjwt.issue(payload, input.disclosureFrame as Parameters<SDJwtVcInstance['issue']>[1], {
    header: { kid: input.issuerKey.kid, typ: input.typ ?? 'dc+sd-jwt' },
  });
}

/** Inputs of {@link refPresentWithKb}. */
export interface RefPresentInput {
  holderKey: RefKeyPair;
  nonce: string;
  aud: string;
  iat: number;
  /** Which disclosable claims to reveal; omitted = all of them (sd-jwt-js default). */
  presentationFrame?: RefPresentationFrame;
}

/**
 * Presents an SD-JWT with a KB-JWT (`typ: kb+jwt`, claims iat/aud/nonce/sd_hash) made by sd-jwt-js.
 * sd_hash = base64url(sha-256 over `<issuer JWT>~<D.1>~...~<D.N>~` of the presented disclosures).
 */
export async function refPresentWithKb(sdjwt: string, input: RefPresentInput): Promise<string> {
  const instance = new SDJwtVcInstance({
    hasher: digest,
    kbSigner: input.holderKey.signer,
    kbSignAlg: input.holderKey.alg,
  });
  return instance.present(sdjwt, input.presentationFrame as Parameters<SDJwtVcInstance['present']>[1], {
    kb: { payload: { iat: input.iat, aud: input.aud, nonce: input.nonce } },
  });
}

/** Options of {@link refVerifySdJwtVc}. */
export interface RefVerifyOptions {
  issuerPublicJwk: JWK;
  /** Key of the Status List Token; defaults to the issuer key (sd-jwt-js falls back the same way). */
  statusPublicJwk?: JWK;
  /** Returns the compact Status List Token for a `status.status_list.uri`. Without it a token that
   *  carries a status fails: the helper never lets sd-jwt-js reach the network. */
  statusListFetcher?: (uri: string) => Promise<string>;
  /** Require a KB-JWT with this nonce and audience. */
  kb?: { nonce: string; aud: string };
  /** Seconds since the epoch for the iat/nbf/exp checks; sd-jwt-js defaults to Date.now(). */
  currentDate?: number;
}

/**
 * Verifies with sd-jwt-js `SDJwtVcInstance.verify` and returns its result; throws on failure.
 * One check is added on top, because the library omits it: KB-JWT `aud` equality (RFC 9901 §7.3).
 */
export async function refVerifySdJwtVc(compact: string, options: RefVerifyOptions): Promise<VerificationResult> {
  const fetcher =
    options.statusListFetcher ??
    (async (uri: string): Promise<string> => {
      throw new Error(`reference-jose: no statusListFetcher given for ${uri}`);
    });
  const instance = new SDJwtVcInstance({
    hasher: digest,
    verifier: await refVerifierForJwk(options.issuerPublicJwk),
    statusVerifier: await refVerifierForJwk(options.statusPublicJwk ?? options.issuerPublicJwk),
    statusListFetcher: fetcher,
    // RFC 9901 §7.3 / SD-JWT VC: the KB-JWT is checked with the key in the SD-JWT's `cnf`.
    kbVerifier: async (data, sig, payload) => {
      const jwk = payload.cnf?.jwk as JWK | undefined;
      if (!jwk) return false;
      return (await refVerifierForJwk(jwk))(data, sig);
    },
  });
  const verifyOptions: Record<string, unknown> = {};
  if (options.kb) verifyOptions.keyBindingNonce = options.kb.nonce;
  if (options.currentDate !== undefined) verifyOptions.currentDate = options.currentDate;
  const result = await instance.verify(compact, verifyOptions);
  if (options.kb) {
    if (!result.kb) throw new Error('reference-jose: Key Binding JWT missing');
    if (result.kb.payload.aud !== options.kb.aud) {
      throw new Error('reference-jose: KB-JWT aud mismatch (checked by the helper, not by sd-jwt-js)');
    }
  }
  return result;
}
