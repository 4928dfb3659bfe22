/**
 * Verification of JOSE-secured credentials against the local replica (issue 13, "Credential
 * verification"): SD-JWT VC (RFC 9901 + draft-ietf-oauth-sd-jwt-vc, `typ` dc+sd-jwt / legacy
 * vc+sd-jwt with `vct`), TW DIW's `vc+sd-jwt` (a JWT VC whose vc.credentialSubject carries `_sd`),
 * `jwt_vc_json` (VCDM 1.1 `vc` claim, application/jwt) and W3C VC-JOSE (application/vc+jwt, VCDM 2.0
 * payload). Same answer shape as verifyCredential: proof / issuer / status / validity checks.
 *
 * A pure function of the input, the replica and the clock; never stores or logs the credential.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../../errors.ts';
import { DEFAULT_INPUT_LIMITS, parseJsonBounded } from '../../limits.ts';
import { publicJwkToMultibase } from '../../records/jwk.ts';
import { type CompactJws, parseCompactJws } from '../../records/jws.ts';
import type { PinnedKey } from '../../records/keys.ts';
import { isObject, type JsonObject } from '../../validation/fields.ts';
import { jwsSignatureValid, verifyJwsWithKeys } from '../../validation/jose-keys.ts';
import type { CertificateVerificationCache } from '../certificate-verification-cache.ts';
import { asOfStamp, type CheckResult } from '../check-result.ts';
import { SELECTABLE_CHECKS, type SelectableCheck } from '../check-selection.ts';
import { type PassedScope, proofKeysFor, statusKeysFor } from '../credential-keys.ts';
import { MDOC_MEDIA_TYPE, parseMdocCredentialId, verifyMdocCredential } from '../mdoc/verify-mdoc-credential.ts';
import { type ChainFailure, findChain, TRUST_CHAIN_CODES } from '../trust-chain.ts';
import type { JoseStatusListState } from '../trust-view.ts';
import type { VerificationResult, VerifyOptions } from '../verify-credential.ts';
import { JOSE_STATUS_CODES, joseStatusCheck } from './jose-status-check.ts';

/** Codes of JOSE credential verification (check results, never thrown). */
export const JOSE_CREDENTIAL_CODES = {
  /** `fail` (proof) — the media type is none of dc+sd-jwt, vc+sd-jwt, jwt, vc+jwt. */
  MEDIA_TYPE_UNSUPPORTED: 'JOSE_MEDIA_TYPE_UNSUPPORTED',
  /** `fail` (proof) — the JWS `typ` is not the one of the media type (RFC 8725 §3.11). */
  TYP_INVALID: 'JOSE_TYP_INVALID',
  /** `fail` (proof) — the payload lacks what the format requires (`iss`, `vct`, `vc`, …). */
  MALFORMED: 'JOSE_CREDENTIAL_MALFORMED',
  /** `fail` (proof) — `_sd_alg` is not sha-256 (RFC 9901 §4.1.1; the only one we accept). */
  SD_ALG_UNSUPPORTED: 'SD_JWT_SD_ALG_UNSUPPORTED',
  /** `fail` (proof) — a Disclosure is not base64url JSON [salt, name, value] / [salt, value] (RFC 9901 §4.2). */
  DISCLOSURE_MALFORMED: 'SD_JWT_DISCLOSURE_MALFORMED',
  /** `fail` (proof) — a Disclosure's digest appears in no `_sd` / `...` (RFC 9901 §7.1 step 5). */
  DISCLOSURE_UNREFERENCED: 'SD_JWT_DISCLOSURE_UNREFERENCED',
  /** `fail` (proof) — a digest appears more than once (RFC 9901 §7.1 step 4). */
  DIGEST_DUPLICATE: 'SD_JWT_DIGEST_DUPLICATE',
  /** `fail` (proof) — a disclosed name already exists, or is `_sd` / `...` (RFC 9901 §7.1 step 3). */
  CLAIM_NAME_CONFLICT: 'SD_JWT_CLAIM_NAME_CONFLICT',
  /** `fail` (proof) — a challenge or domain was given but no KB-JWT presented (RFC 9901 §7.3). */
  KB_REQUIRED: 'SD_JWT_KB_REQUIRED',
  /** `fail` (proof) — the KB-JWT is malformed or its typ is not kb+jwt (RFC 9901 §4.3). */
  KB_MALFORMED: 'SD_JWT_KB_MALFORMED',
  /** `fail` (proof) — the SD-JWT has no usable `cnf.jwk` to check the KB-JWT with (RFC 7800 §3.2). */
  CNF_MISSING: 'SD_JWT_CNF_MISSING',
  /** `fail` (proof) — the KB-JWT signature does not verify with `cnf.jwk`. */
  KB_SIGNATURE_INVALID: 'SD_JWT_KB_SIGNATURE_INVALID',
  /** `fail` (proof) — KB-JWT `nonce` is not the challenge (replay). */
  KB_NONCE_MISMATCH: 'SD_JWT_KB_NONCE_MISMATCH',
  /** `fail` (proof) — KB-JWT `aud` is not the domain (replay to another verifier). */
  KB_AUD_MISMATCH: 'SD_JWT_KB_AUD_MISMATCH',
  /** `fail` (proof) — KB-JWT `iat` is missing or outside kbMaxAgeMs of now. */
  KB_STALE: 'SD_JWT_KB_STALE',
  /** `fail` (proof) — KB-JWT `sd_hash` is not the hash of the presented SD-JWT (RFC 9901 §4.3.1). */
  KB_SD_HASH_MISMATCH: 'SD_JWT_KB_SD_HASH_MISMATCH',
  /** `fail` (proof) — jwt_vc_json: `iss` and `vc.issuer` (or its id) both present and different (VC-JWT 1.1 §6.3.1). */
  JWT_ISS_MISMATCH: 'JWT_VC_ISS_MISMATCH',
  /** `fail` (proof) — jwt_vc_json: `sub` and a `vc.credentialSubject` id both present and different (VC-JWT 1.1 §6.3.1). */
  JWT_SUB_MISMATCH: 'JWT_VC_SUB_MISMATCH',
  /** `fail` (proof) — jwt_vc_json: `jti` and `vc.id` both present and different (VC-JWT 1.1 §6.3.1). */
  JWT_JTI_MISMATCH: 'JWT_VC_JTI_MISMATCH',
  /** `fail` (validity) — `nbf` / validFrom in the future. */
  NOT_YET_VALID: 'CREDENTIAL_NOT_YET_VALID',
  /** `fail` (validity) — `exp` / validUntil has passed. */
  EXPIRED: 'CREDENTIAL_EXPIRED',
  /** `fail` (issuer) — no accreditable type (`vct`, or vc.type besides VerifiableCredential). */
  TYPE_MISSING: 'CREDENTIAL_TYPE_MISSING',
  ...JOSE_STATUS_CODES,
} as const;
const C = JOSE_CREDENTIAL_CODES;

/** Options of {@link verifyEnvelopedCredential}. */
export type VerifyEnvelopedOptions = VerifyOptions & {
  /** Expected KB-JWT `nonce`; when given a KB-JWT is required. */
  challenge?: string;
  /** Expected KB-JWT `aud`; when given a KB-JWT is required. */
  domain?: string;
  /** How old a KB-JWT `iat` may be (ms); default 5 minutes. */
  kbMaxAgeMs?: number;
  /** An mdoc's CBOR SessionTranscript (issue 14): enables its device authentication (ISO 18013-5 §9.1.3). */
  sessionTranscript?: Uint8Array;
  /** Parsed certificates and prepared anchors shared across calls (an mdoc's issuer chain). */
  cache?: CertificateVerificationCache;
};

const MEDIA_TYPES = ['dc+sd-jwt', 'vc+sd-jwt', 'vc+jwt', 'jwt'] as const;
type Format = 'sd-jwt' | 'jwt_vc_json' | 'vc-jose';

/**
 * The media type and compact form of a VCDM 2.0 EnvelopedVerifiableCredential id (`data:` URL, RFC
 * 2397), or null: a JOSE credential's compact text, or an mdoc's base64url CBOR (issue 14).
 */
export function parseEnvelopedCredentialId(id: string): { mediaType: string; compact: string } | null {
  if (id.startsWith(`data:${MDOC_MEDIA_TYPE};`)) return parseMdocCredentialId(id);
  const match = /^data:application\/(dc\+sd-jwt|vc\+sd-jwt|vc\+jwt|jwt),([A-Za-z0-9_~.-]+)$/.exec(id);
  if (!match) return null;
  return { mediaType: `application/${match[1]}`, compact: match[2] as string };
}

class Fail extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const b64sha256 = (text: string) => createHash('sha256').update(text, 'ascii').digest('base64url');

function specificTypes(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).filter(
    (t): t is string => typeof t === 'string' && t !== 'VerifiableCredential',
  );
}

/** A parsed credential: signed JWS, processed claims, accreditable types, issuer. */
interface Parsed {
  format: Format;
  jws: CompactJws;
  claims: JsonObject;
  /** The VC object (vc claim, or the payload itself for VC-JOSE); null for SD-JWT VC. */
  vc: JsonObject | null;
  types: string[];
  issuer: string;
  kb: { jwt: string; presented: string } | null;
}

function parseJws(text: string): CompactJws {
  try {
    return parseCompactJws(text, DEFAULT_INPUT_LIMITS);
  } catch (error) {
    if (error instanceof ValidationError) throw new Fail(error.code, error.message);
    throw error;
  }
}

function parse(mediaType: string, compact: string): Parsed {
  const sub = mediaType.toLowerCase().replace(/^application\//, '');
  if (!(MEDIA_TYPES as readonly string[]).includes(sub)) {
    throw new Fail(C.MEDIA_TYPE_UNSUPPORTED, `media type ${mediaType} is not a supported JOSE credential`);
  }
  if (compact.length > DEFAULT_INPUT_LIMITS.maxRecordBytes) {
    throw new Fail('RECORD_TOO_LARGE', `credential is ${compact.length} bytes`);
  }
  const isSd = sub === 'dc+sd-jwt' || sub === 'vc+sd-jwt';
  let jwsText = compact;
  let disclosures: string[] = [];
  let kb: Parsed['kb'] = null;
  if (isSd) {
    // RFC 9901 §4: <Issuer-signed JWT>~<Disclosure 1>~…~<Disclosure N>~[<KB-JWT>]
    const parts = compact.split('~');
    if (parts.length < 2) throw new Fail(C.MALFORMED, 'an SD-JWT ends with "~" (RFC 9901 §4)');
    jwsText = parts[0] as string;
    const last = parts[parts.length - 1] as string;
    disclosures = parts.slice(1, -1);
    if (last !== '') kb = { jwt: last, presented: compact.slice(0, compact.length - last.length) };
  }
  const jws = parseJws(jwsText);
  const typ = jws.header.typ;
  const payload = jws.payload;
  let format: Format;
  if (isSd) {
    // RFC 8725 §3.11 / sd-jwt-vc §3.2.1: explicit typing; legacy vc+sd-jwt accepted (TW DIW uses it).
    if (typ !== 'dc+sd-jwt' && typ !== 'vc+sd-jwt') throw new Fail(C.TYP_INVALID, `typ must be dc+sd-jwt or vc+sd-jwt`);
    format = 'sd-jwt';
  } else if (sub === 'vc+jwt') {
    // VC-JOSE-COSE §3.1.1: typ vc+jwt.
    if (typ !== 'vc+jwt') throw new Fail(C.TYP_INVALID, 'typ must be vc+jwt');
    format = 'vc-jose';
  } else {
    // jwt_vc_json (OpenID4VCI Appendix A.1.1): typ absent or JWT; an SD-JWT typ is refused.
    if (typ !== undefined && typ !== 'JWT' && typ !== 'jwt') throw new Fail(C.TYP_INVALID, 'typ must be JWT or absent');
    format = 'jwt_vc_json';
  }
  const claims = isSd ? processDisclosures(payload, disclosures) : payload;
  let vc: JsonObject | null = null;
  let types: string[];
  let issuer: unknown;
  if (format === 'vc-jose') {
    vc = claims;
    types = specificTypes(claims.type);
    issuer = isObject(claims.issuer) ? claims.issuer.id : claims.issuer;
  } else if (isSd && typeof claims.vct === 'string') {
    types = [claims.vct];
    issuer = claims.iss;
  } else if (isSd && sub === 'vc+sd-jwt' && isObject(claims.vc)) {
    // TW DIW: a JWT VC 1.1 under `vc`, typed by vc.type (not an SD-JWT VC: no vct).
    vc = claims.vc;
    types = specificTypes(vc.type);
    issuer = claims.iss;
  } else if (isSd) {
    throw new Fail(C.MALFORMED, 'an SD-JWT VC has a string vct (sd-jwt-vc §3.2.2.1.1)');
  } else {
    if (!isObject(claims.vc)) throw new Fail(C.MALFORMED, 'a jwt_vc_json credential has a vc claim');
    vc = claims.vc;
    types = specificTypes(vc.type);
    checkRegisteredClaimsMatchVc(claims, vc);
    issuer = claims.iss ?? (isObject(vc.issuer) ? vc.issuer.id : vc.issuer);
  }
  if (typeof issuer !== 'string' || issuer === '') throw new Fail(C.MALFORMED, 'the issuer (iss) must be a string');
  return { format, jws, claims, vc, types, issuer, kb };
}

/**
 * VC Data Model 1.1 §6.3.1 (JWT encoding): `iss` MUST represent the issuer property, `sub` the id
 * of the credentialSubject, `jti` the id of the credential. A decoder replaces the VC's property
 * by the claim, so a credential whose claim and property disagree says two things — the signature
 * and trust checks read `iss`, a holder or display may read `vc.issuer`. When both are present they
 * must be equal; either alone is fine.
 */
function checkRegisteredClaimsMatchVc(claims: JsonObject, vc: JsonObject): void {
  const vcIssuer = isObject(vc.issuer) ? vc.issuer.id : vc.issuer;
  // [REJECT] VC-JWT 1.1 §6.3.1: iss MUST represent the issuer property (a string or {id}).
  if (claims.iss !== undefined && vcIssuer !== undefined && claims.iss !== vcIssuer) {
    throw new Fail(C.JWT_ISS_MISMATCH, 'iss is not vc.issuer (VC Data Model 1.1 §6.3.1: iss represents the issuer)');
  }
  if (claims.sub !== undefined) {
    const subjects = Array.isArray(vc.credentialSubject) ? vc.credentialSubject : [vc.credentialSubject];
    for (const subject of subjects) {
      // [REJECT] VC-JWT 1.1 §6.3.1: sub MUST represent the id of the credentialSubject.
      if (isObject(subject) && subject.id !== undefined && subject.id !== claims.sub) {
        throw new Fail(
          C.JWT_SUB_MISMATCH,
          'sub is not vc.credentialSubject.id (VC Data Model 1.1 §6.3.1: sub represents the subject id)',
        );
      }
    }
  }
  // [REJECT] VC-JWT 1.1 §6.3.1: jti MUST represent the id property of the credential.
  if (claims.jti !== undefined && vc.id !== undefined && claims.jti !== vc.id) {
    throw new Fail(C.JWT_JTI_MISMATCH, 'jti is not vc.id (VC Data Model 1.1 §6.3.1: jti represents the credential id)');
  }
}

/**
 * RFC 9901 §7.1 steps 2–5: replace every referenced digest by its Disclosure, refusing an
 * unsupported `_sd_alg`, malformed Disclosures, duplicate digests, names that already exist or are
 * `_sd` / `...`, and Disclosures no digest references (checks sd-jwt-js 0.19 does not make).
 */
function processDisclosures(payload: JsonObject, disclosures: string[]): JsonObject {
  const algs = [
    payload._sd_alg,
    isObject(payload.vc) && isObject(payload.vc.credentialSubject) ? payload.vc.credentialSubject._sd_alg : undefined,
  ];
  for (const alg of algs) {
    if (alg !== undefined && alg !== 'sha-256')
      throw new Fail(C.SD_ALG_UNSUPPORTED, `_sd_alg ${String(alg)} is not sha-256`);
  }
  const byDigest = new Map<string, unknown[]>();
  for (const d of disclosures) {
    let value: unknown;
    try {
      if (!/^[A-Za-z0-9_-]+$/.test(d)) throw new Error('not base64url');
      value = parseJsonBounded(Buffer.from(d, 'base64url'), DEFAULT_INPUT_LIMITS);
    } catch {
      throw new Fail(C.DISCLOSURE_MALFORMED, 'a Disclosure must be base64url of a JSON array (RFC 9901 §4.2)');
    }
    if (
      !Array.isArray(value) ||
      (value.length !== 3 && value.length !== 2) ||
      typeof value[0] !== 'string' ||
      (value.length === 3 && typeof value[1] !== 'string')
    ) {
      throw new Fail(
        C.DISCLOSURE_MALFORMED,
        'a Disclosure is [salt, name, value] or [salt, value] (RFC 9901 §4.2.1–2)',
      );
    }
    const digest = b64sha256(d);
    if (byDigest.has(digest)) throw new Fail(C.DIGEST_DUPLICATE, 'the same Disclosure is presented twice');
    byDigest.set(digest, value);
  }
  const seen = new Set<string>();
  const use = (digest: unknown): unknown[] | undefined => {
    if (typeof digest !== 'string') throw new Fail(C.MALFORMED, 'a digest must be a string (RFC 9901 §4.2.4)');
    // [REJECT] RFC 9901 §7.1 step 4: a digest must not appear more than once.
    if (seen.has(digest)) throw new Fail(C.DIGEST_DUPLICATE, 'a digest appears more than once');
    seen.add(digest);
    return byDigest.get(digest);
  };
  const walk = (node: unknown, depth: number): unknown => {
    if (depth > 64) throw new Fail(C.MALFORMED, 'claims nest too deeply');
    if (Array.isArray(node)) {
      const out: unknown[] = [];
      for (const item of node) {
        if (isObject(item) && Object.keys(item).length === 1 && '...' in item) {
          const found = use(item['...']);
          if (!found) continue; // undisclosed array element (RFC 9901 §7.1 step 2.c.ii)
          if (found.length !== 2) throw new Fail(C.DISCLOSURE_MALFORMED, 'an array element Disclosure has two members');
          out.push(walk(found[1], depth + 1));
        } else out.push(walk(item, depth + 1));
      }
      return out;
    }
    if (!isObject(node)) return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) if (k !== '_sd' && k !== '_sd_alg') out[k] = walk(v, depth + 1);
    const sd = node._sd;
    if (sd !== undefined) {
      if (!Array.isArray(sd)) throw new Fail(C.MALFORMED, '_sd must be an array');
      for (const digest of sd) {
        const found = use(digest);
        if (!found) continue; // a decoy or undisclosed claim
        if (found.length !== 3)
          throw new Fail(C.DISCLOSURE_MALFORMED, 'an object property Disclosure has three members');
        const name = found[1] as string;
        // [REJECT] RFC 9901 §7.1 step 3.c.ii.3: `_sd` / `...` are never disclosed names, nor an existing one.
        if (name === '_sd' || name === '...' || name in out || name in node) {
          throw new Fail(C.CLAIM_NAME_CONFLICT, `disclosed claim ${name} conflicts with an existing name`);
        }
        out[name] = walk(found[2], depth + 1);
      }
    }
    return out;
  };
  const claims = walk(payload, 0) as JsonObject;
  for (const digest of byDigest.keys()) {
    // [REJECT] RFC 9901 §7.1 step 5: every Disclosure must be referenced.
    if (!seen.has(digest)) throw new Fail(C.DISCLOSURE_UNREFERENCED, 'a Disclosure is referenced by no digest');
  }
  return claims;
}

/** RFC 9901 §7.3: the KB-JWT, signed by cnf.jwk, bound to challenge/domain, fresh, over the presented SD-JWT. */
function checkKb(parsed: Parsed, options: VerifyEnvelopedOptions): void {
  const { kb } = parsed;
  if (!kb) {
    if (options.challenge !== undefined || options.domain !== undefined) {
      throw new Fail(C.KB_REQUIRED, 'a challenge or domain was given but no KB-JWT was presented');
    }
    return;
  }
  let jws: CompactJws;
  try {
    jws = parseJws(kb.jwt);
  } catch (error) {
    throw new Fail(
      error instanceof Fail && error.code !== C.MALFORMED ? error.code : C.KB_MALFORMED,
      'malformed KB-JWT',
    );
  }
  if (jws.header.typ !== 'kb+jwt') throw new Fail(C.KB_MALFORMED, 'KB-JWT typ must be kb+jwt (RFC 9901 §4.3)');
  const cnf = parsed.jws.payload.cnf;
  let key: PinnedKey;
  try {
    if (!isObject(cnf)) throw new Error('no cnf');
    const { jwk, multibase } = publicJwkToMultibase(cnf.jwk, 'cnf.jwk', C.CNF_MISSING);
    key = { id: 'cnf.jwk', type: 'JsonWebKey', controller: 'holder', publicKeyMultibase: multibase, publicKeyJwk: jwk };
  } catch {
    throw new Fail(C.CNF_MISSING, 'the SD-JWT has no P-256 or Ed25519 cnf.jwk (RFC 7800 §3.2)');
  }
  if (!jwsSignatureValid(jws, key)) throw new Fail(C.KB_SIGNATURE_INVALID, 'the KB-JWT does not verify with cnf.jwk');
  const p = jws.payload;
  if (options.challenge !== undefined && p.nonce !== options.challenge) {
    throw new Fail(C.KB_NONCE_MISMATCH, 'KB-JWT nonce is not the challenge');
  }
  if (options.domain !== undefined && p.aud !== options.domain) {
    throw new Fail(C.KB_AUD_MISMATCH, 'KB-JWT aud is not the domain');
  }
  const maxAge = options.kbMaxAgeMs ?? 5 * 60_000;
  const iat = typeof p.iat === 'number' ? p.iat * 1000 : Number.NaN;
  if (!(Math.abs(options.now - iat) <= maxAge))
    throw new Fail(C.KB_STALE, `KB-JWT iat is not within ${maxAge} ms of now`);
  if (p.sd_hash !== b64sha256(kb.presented)) {
    throw new Fail(C.KB_SD_HASH_MISMATCH, 'KB-JWT sd_hash is not the hash of the presented SD-JWT');
  }
}

/**
 * Verifies a JOSE-secured credential; every failure is a check in the answer, never thrown.
 * `verified` is true only when every reported check passed.
 */
export async function verifyEnvelopedCredential(
  input: { mediaType: string; compact: string },
  options: VerifyEnvelopedOptions,
): Promise<VerificationResult> {
  const { view, now } = options;
  if (input.mediaType.toLowerCase() === MDOC_MEDIA_TYPE) {
    // ISO 18013-5 mdoc (issue 14): its own checks, mapped onto the same answer.
    return verifyMdocCredential(input, {
      view,
      now,
      ...(options.checks ? { checks: options.checks } : {}),
      ...(options.sessionTranscript ? { sessionTranscript: options.sessionTranscript } : {}),
      ...(options.cache ? { cache: options.cache } : {}),
    });
  }
  const requested = new Set(options.checks ?? SELECTABLE_CHECKS);
  const checksRun = SELECTABLE_CHECKS.filter((c) => requested.has(c));
  const wanted = (c: SelectableCheck) => requested.has(c);
  const checks: CheckResult[] = [];
  const warnings: string[] = [];
  // JOSE credentials read JOSE lists only; the Bitstring map stays empty (same stamp shape).
  const joseListsRead = new Map<string, JoseStatusListState>();
  const result = (): VerificationResult => ({
    verified: checks.length > 0 && checks.every((c) => c.outcome === 'pass'),
    checks,
    checksRun,
    asOf: asOfStamp(view, new Map(), now, joseListsRead),
    warnings,
  });
  let parsed: Parsed;
  try {
    parsed = parse(input.mediaType, input.compact);
  } catch (error) {
    if (!(error instanceof Fail)) throw error;
    checks.push({ check: 'proof', outcome: 'fail', code: error.code, message: error.message });
    return result();
  }
  // Proof: issuer signature with a key that counts for the issuer for these types, then the KB-JWT.
  const keys = proofKeysFor(view, parsed.issuer, parsed.types);
  const sig = verifyJwsWithKeys(parsed.jws, parsed.issuer, keys, `for ${parsed.types.join(', ') || 'this credential'}`);
  let signer: PinnedKey | undefined;
  let proof: CheckResult;
  if (!sig.verified) proof = { check: 'proof', outcome: 'fail', code: sig.error.code, message: sig.error.message };
  else {
    signer = sig.key;
    try {
      if (parsed.format === 'sd-jwt') checkKb(parsed, options);
      proof = {
        check: 'proof',
        outcome: 'pass',
        message: `signed by ${sig.key.id} (${parsed.jws.header.alg})`,
        details: { format: parsed.format },
      };
    } catch (error) {
      if (!(error instanceof Fail)) throw error;
      proof = { check: 'proof', outcome: 'fail', code: error.code, message: error.message };
    }
  }
  if (wanted('proof')) checks.push(proof);
  const issuedAt = issuedAtOf(parsed) ?? now;
  const issuerResults = wanted('issuer') || wanted('status') ? issuerChecks(parsed, issuedAt, options, signer) : [];
  if (wanted('issuer')) checks.push(...issuerResults);
  if (wanted('status')) {
    // Status is read from list versions signed by the keys that count for the issuer in every scope
    // the credential passed (as for Data Integrity credentials): TW DIW signs its lists with another
    // key than its credentials. A credential that did not pass reads with its proof keys only.
    const passed = issuerResults.every((c) => c.outcome === 'pass') ? passedScopesOf(issuerResults) : [];
    const statusKeys = signer && passed.length > 0 ? statusKeysFor(view, parsed.issuer, passed, [issuedAt, now]) : keys;
    checks.push(joseStatusCheck(parsed, options, statusKeys, joseListsRead, warnings));
  }
  if (wanted('validity')) checks.push(validityCheck(parsed, now));
  return result();
}

function passedScopesOf(results: readonly CheckResult[]): PassedScope[] {
  return results.flatMap((r) => {
    const d = r.details as { type?: unknown; jurisdiction?: unknown } | undefined;
    return typeof d?.type === 'string' && typeof d.jurisdiction === 'string'
      ? [{ type: d.type, jurisdiction: d.jurisdiction }]
      : [];
  });
}

function issuedAtOf(parsed: Parsed): number | undefined {
  const p = parsed.jws.payload;
  if (typeof p.iat === 'number') return p.iat * 1000;
  if (typeof p.nbf === 'number') return p.nbf * 1000;
  const from = parsed.vc?.validFrom ?? parsed.vc?.issuanceDate;
  const ms = typeof from === 'string' ? Date.parse(from) : Number.NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

/** Mirrors verify-credential.ts: each type needs a chain valid at issuance and now, through the signing key's link. */
function issuerChecks(
  parsed: Parsed,
  issuedAt: number,
  options: VerifyEnvelopedOptions,
  key: PinnedKey | undefined,
): CheckResult[] {
  const { issuer, types } = parsed;
  if (types.length === 0) {
    return [
      { check: 'issuer', outcome: 'fail', code: C.TYPE_MISSING, message: 'the credential names no accreditable type' },
    ];
  }
  return types.map((type): CheckResult => {
    const jurisdictions = new Set(
      options.view
        .accreditationsOf(issuer)
        .flatMap((a) => a.accreditedFor.filter((s) => s.types.includes(type)).map((s) => s.jurisdiction)),
    );
    let failure: { code: ChainFailure; detail: string } = {
      code: TRUST_CHAIN_CODES.ISSUER_NOT_ACCREDITED,
      detail: `${issuer} holds no accreditation to issue ${type}`,
    };
    for (const jurisdiction of jurisdictions) {
      const chain = findChain(options.view, {
        subject: issuer,
        role: 'issuer',
        scope: { types: [type], jurisdiction },
        at: [issuedAt, options.now],
        ...(key ? { key } : {}),
      });
      if (chain.ok) {
        return {
          check: 'issuer',
          outcome: 'pass',
          message: `${issuer} is accredited to issue ${type} in ${jurisdiction}`,
          details: { type, jurisdiction, chain: chain.chain.links.map((l) => l.id), authority: chain.chain.authority },
        };
      }
      failure = { code: chain.code, detail: chain.detail };
    }
    const undetermined =
      failure.code === TRUST_CHAIN_CODES.ACCREDITATION_STATUS_UNKNOWN ||
      failure.code === TRUST_CHAIN_CODES.GOVERNANCE_UNKNOWN;
    return {
      check: 'issuer',
      outcome: undetermined ? 'undetermined' : 'fail',
      code: failure.code,
      message: failure.detail,
      details: { type },
    };
  });
}

function validityCheck(parsed: Parsed, now: number): CheckResult {
  const p = parsed.jws.payload;
  let from = typeof p.nbf === 'number' ? p.nbf * 1000 : undefined;
  let until = typeof p.exp === 'number' ? p.exp * 1000 : undefined;
  if (parsed.format === 'vc-jose' && parsed.vc) {
    const vf = typeof parsed.vc.validFrom === 'string' ? Date.parse(parsed.vc.validFrom) : undefined;
    const vu = typeof parsed.vc.validUntil === 'string' ? Date.parse(parsed.vc.validUntil) : undefined;
    if (vf !== undefined && !Number.isNaN(vf)) from = Math.max(from ?? vf, vf);
    if (vu !== undefined && !Number.isNaN(vu)) until = Math.min(until ?? vu, vu);
  }
  if (from !== undefined && now < from) {
    return {
      check: 'validity',
      outcome: 'fail',
      code: C.NOT_YET_VALID,
      message: `valid from ${new Date(from).toISOString()}`,
    };
  }
  if (until !== undefined && now > until) {
    return {
      check: 'validity',
      outcome: 'fail',
      code: C.EXPIRED,
      message: `expired at ${new Date(until).toISOString()}`,
    };
  }
  return { check: 'validity', outcome: 'pass', message: 'within its validity period' };
}
