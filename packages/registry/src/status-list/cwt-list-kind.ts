/**
 * The record kind `token-status-list-cwt` (issue 14): an IETF Token Status List in CWT form
 * (draft-ietf-oauth-status-list §5.2), with the invariants of its JWT form (jose-lists.ts):
 * published by an accredited issuer with a key pinned for it, only newer (`iat`), INVALID never
 * undone, `bits` fixed, equivocation kept as evidence, per-issuer quotas shared with the JWT lists,
 * the decoded size capped while inflating, and `lst` inflated only after the signature verified.
 *
 * Recognition (kinds/recognise.ts): first byte 0xD2 (COSE_Sign1_Tagged), then the bounded reader
 * (cwt-status-list.ts) checks protected `typ` = `application/statuslist+cwt`. The signing key is
 * named by the COSE `kid` (label 4, RFC 9052 §3.1): its UTF-8 text is matched against the `kid` of
 * a pinned JWK (or a verification method id), as the JWT form matches the JWS `kid`. A list whose
 * header carries an `x5chain` (RFC 9360) is signed through X.509 instead: its signer is the chain's
 * leaf under an accredited IACA (cwt-x5chain-signer.ts), and its slot names both keys.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { sha256Hex } from '../canonical.ts';
import { sigStructure } from '../cose/cose-sign1.ts';
import { ignore, reject, unresolved, type ValidationError } from '../errors.ts';
import type { RecordKindModule } from '../kinds/types.ts';
import type { InputLimits } from '../limits.ts';
import type { PinnedKey } from '../records/keys.ts';
import { VALIDATION_CODES } from '../validation/codes.ts';
import type { Admission, ValidationContext } from '../validation/context.ts';
import { EVIDENCE_CODES, equivocation } from '../validation/evidence.ts';
import { jwkOfPinnedKey } from '../validation/jose-keys.ts';
import { pinnedKeysOf } from '../validation/pinned-keys.ts';
import type { SubmittedRecord } from '../validation/submitted-record.ts';
import { authorityKeys, didKeyOf } from '../verification/trust-chain.ts';
import type { JoseStatusListState, TrustView } from '../verification/trust-view.ts';
import { caSubjectId } from '../x509/ca-certificate.ts';
import {
  CWT_STATUS_LIST_CODES,
  cwtSuccessorKeepsFinalStates,
  inflateCwtStatusList,
  type ParsedCwtStatusList,
  verifyCwtStatusListSignature,
} from './cwt-status-list.ts';
import { parseX5chainSignerId, x5chainPinnedKey, x5chainSignerOf, x5chainSlotSigner } from './cwt-x5chain-signer.ts';
import { issuerKeys, joseListVersion, requireJoseListQuota } from './jose-lists.ts';
import { requireFormsAgree } from './token-status-forms.ts';

/** Codes of the kind's admission rules (the reader's own are {@link CWT_STATUS_LIST_CODES}). */
export const CWT_LIST_KIND_CODES = {
  /** `ignore` — not newer (`iat`) than the version held in its slot. */
  STALE: 'CWT_STATUS_LIST_STALE',
  /** `ignore` — `exp` (4) already past (draft §5.2). */
  EXPIRED: 'CWT_STATUS_LIST_EXPIRED',
  /** `ignore` — `iat` beyond the clock-skew allowance. */
  NOT_YET_VALID: 'CWT_STATUS_LIST_NOT_YET_VALID',
  /** `reject` — no `kid` (label 4), or one that is not UTF-8 text: nothing names the pinned key. */
  KID_MISSING: 'CWT_STATUS_LIST_KID_MISSING',
  /** `ignore` (awaits an accreditation) — no authority or accreditation names the issuer or pins the `kid` yet. */
  ISSUER_UNKNOWN: 'CWT_STATUS_LIST_ISSUER_UNKNOWN',
  /** `reject` — a known issuer none of whose accreditations starts a valid chain. */
  ISSUER_NOT_ACCREDITED: 'CWT_STATUS_LIST_ISSUER_NOT_ACCREDITED',
  /** `reject` — the `kid` names no key that counts for the issuer (e.g. a key pinned for another issuer). */
  KEY_NOT_PINNED: 'CWT_STATUS_LIST_KEY_NOT_PINNED',
  /** `reject` — the issuer would hold more list slots or inflated bytes than its quota (shared with JOSE lists). */
  QUOTA_EXCEEDED: 'CWT_STATUS_LIST_QUOTA_EXCEEDED',
} as const;
const C = CWT_LIST_KIND_CODES;

/** Media type of the CWT form (draft §14.2), what the mirror serves it as. */
export const CWT_LIST_MEDIA_TYPE = 'application/statuslist+cwt';

/** What a CWT list admission carries: the read list with its issuer, signing key and inflated bits. */
export type AdmittedCwtList = ParsedCwtStatusList & { issuer: string; signer: PinnedKey; decoded?: Uint8Array };

/** The slot of a CWT list: `token-status-list-cwt/<sub> <signer multibase>`. */
export function cwtListSlotKey(sub: string, signerMultibase: string): string {
  return `token-status-list-cwt/${sub} ${signerMultibase}`;
}

/** Version string of a CWT list: `iat` in ms, zero-padded (as the JWT form's). */
export function cwtListVersion(list: Pick<ParsedCwtStatusList, 'iat'>): string {
  return joseListVersion(list.iat * 1000);
}

/** What the signature covers (RFC 9052 §4.4 Sig_structure): equal for re-serialised unprotected headers or re-signatures. */
export function cwtSignedContent(list: ParsedCwtStatusList): string {
  return sha256Hex(sigStructure(list.sign1.protectedBytes, list.sign1.payload ?? new Uint8Array(0)));
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });
// Subjects tried for one `kid` when the list carries no `iss` (kids are not unique across issuers).
const MAX_KID_SUBJECTS = 4;

/** The `kid` as text, or a reject (lists without `x5chain`). */
function kidOf(list: ParsedCwtStatusList): string {
  let kid: string | null = null;
  try {
    kid = list.kid && list.kid.byteLength > 0 ? UTF8.decode(list.kid) : null;
  } catch {
    kid = null;
  }
  // [REJECT] RFC 9052 §3.1 `kid`: the key is named, as the JWS `kid` names a pinned JWK.
  if (kid === null) throw reject(C.KID_MISSING, 'header.kid', 'must name the pinned key as UTF-8 text');
  return kid;
}

const names = (k: PinnedKey, kid: string) => k.publicKeyJwk?.kid === kid || k.id === kid;

/** Issuers the list may be from: its `iss`, else the subjects (and authorities) that pin a key with this `kid`. */
function issuerCandidates(
  list: ParsedCwtStatusList,
  kid: string,
  view: TrustView,
  all: readonly { subject: string; publicKeys: readonly PinnedKey[] }[],
): string[] {
  if (list.iss !== undefined) return [list.iss];
  const found = new Set<string>();
  for (const a of all) if (a.publicKeys.some((k) => names(k, kid))) found.add(a.subject);
  for (const a of view.governance()?.record.authorities ?? [])
    if (authorityKeys(a).some((k) => names(k, kid))) found.add(a.id);
  return [...found].slice(0, MAX_KID_SUBJECTS);
}

function keyObjectOf(key: PinnedKey): KeyObject | null {
  const jwk = jwkOfPinnedKey(key);
  if (!jwk) return null;
  const { kid: _kid, ...material } = jwk;
  try {
    return createPublicKey({ key: material, format: 'jwk' });
  } catch {
    return null;
  }
}

/** [REJECT] the signature verifies with `key` (RFC 9052 §4.4). */
function requireSignature(list: ParsedCwtStatusList, key: PinnedKey, issuer: string): void {
  const object = keyObjectOf(key);
  if (!object) throw reject(C.KEY_NOT_PINNED, 'header.kid', `the key ${key.id} of ${issuer} cannot verify COSE`);
  const verdict = verifyCwtStatusListSignature(list, object);
  if (!verdict.ok)
    throw reject(verdict.code, 'signature', `${verdict.message} with the key of ${issuer} the kid names`);
}

/**
 * Who signed: the issuer and the pinned key the `kid` names among the keys that count for it now
 * (issuerKeys: a valid chain, the scope that pinned the key), its signature verified.
 */
function signerOf(list: ParsedCwtStatusList, ctx: ValidationContext): { issuer: string; key: PinnedKey } {
  // RFC 9360 §2: an x5chain names the signing key by certificate (a `kid` beside it is only a hint).
  if (list.x5chain) {
    const x5 = x5chainSignerOf(list, ctx.view, ctx.now);
    return { issuer: x5.issuer, key: x5.signer };
  }
  const kid = kidOf(list);
  const candidates = issuerCandidates(list, kid, ctx.view, ctx.accreditations?.() ?? []);
  // [IGNORE] DESIGN.md Admission: the accreditation pinning this kid may not have arrived yet.
  if (candidates.length === 0)
    throw unresolved(C.ISSUER_UNKNOWN, 'header.kid', `no held accreditation pins a key with kid ${kid}`);
  let first: ValidationError | null = null;
  for (const issuer of candidates) {
    try {
      const keys = issuerKeys(issuer, C, ctx);
      const key = keys.find((k) => names(k, kid));
      // [REJECT] DESIGN.md Principles §2: a key counts only for the scope (issuer) that pinned it.
      if (!key) throw reject(C.KEY_NOT_PINNED, 'header.kid', `kid ${kid} is not a key that counts for ${issuer}`);
      requireSignature(list, key, issuer);
      return { issuer, key };
    } catch (error) {
      first ??= error as ValidationError;
    }
  }
  throw first as ValidationError;
}

/** Validates a CWT Token Status List against the replicated state. */
export async function validateCwtList(record: SubmittedRecord, ctx: ValidationContext): Promise<Admission> {
  const list = record.cwt;
  if (!list) throw reject(CWT_STATUS_LIST_CODES.MALFORMED, undefined, 'not a CWT record');
  const versions = ctx.view.joseStatusListVersions?.(list.sub) ?? [];
  // [IGNORE] DESIGN.md Admission (dedupe): the same bytes are held.
  if (versions.some((v) => v.digest === record.digest))
    throw ignore(VALIDATION_CODES.DUPLICATE, undefined, `list ${list.sub} is already held at this version`);
  // [IGNORE] draft §5.2 `exp`: past expiry it cannot answer anyone.
  if (list.exp !== undefined && list.exp * 1000 < ctx.now) throw ignore(C.EXPIRED, 'exp', 'is in the past');
  // [IGNORE] docs/records.md Status list: dated beyond the clock-skew allowance.
  if (list.iat * 1000 > ctx.now + ctx.maxClockSkewMs)
    throw ignore(C.NOT_YET_VALID, 'iat', `lies more than ${ctx.maxClockSkewMs} ms in the future`);
  const { issuer, key: signer } = signerOf(list, ctx);
  const key = cwtListSlotKey(list.sub, signer.publicKeyMultibase);
  const held = versions.find((v) => v.key === key) as CwtListState | undefined;
  const version = cwtListVersion(list);
  if (held) {
    // [IGNORE] DESIGN.md Records §3 (only newer): older than the version held in its slot.
    if (list.iat * 1000 < held.list.versionMs) throw ignore(C.STALE, 'iat', 'is older than the held version');
    // Same iat: a re-signature of the same content is a duplicate, other content is evidence (issue 9).
    if (list.iat * 1000 === held.list.versionMs)
      return equivocation('token-status-list-cwt', key, issuer, version, held.bytes, record.bytes, ctx);
  }
  // [REJECT] issue 11: inflated only now, after the signature, capped while inflating (maxOutputLength).
  const decoded = inflateCwtStatusList(list.compressed, ctx.limits);
  const next = { ...list, statuses: decoded };
  if (held) {
    // [REJECT] draft §7.1 / issue 13: same bits, no fewer entries, INVALID never undone.
    const verdict = cwtSuccessorKeepsFinalStates({ ...held.cwt, statuses: held.list.decoded() }, next, ctx.limits);
    if (!verdict.ok) throw reject(verdict.code, 'status_list', verdict.message);
  }
  requireFormsAgree(
    { format: 'token-status-list-cwt', issuer, versionMs: list.iat * 1000, bits: list.bits, decoded },
    versions,
  );
  requireJoseListQuota(issuer, key, held, decoded.byteLength, ctx, C.QUOTA_EXCEEDED, 'status_list.lst');
  return {
    kind: 'token-status-list-cwt',
    parsed: { ...next, issuer, signer, decoded },
    key,
    version,
    digest: record.digest,
    bytes: record.bytes,
  };
}

/** A held CWT list version (cwt-list-index.ts): a JOSE-shaped state plus the read token. */
export type CwtListState = JoseStatusListState & { cwt: ParsedCwtStatusList };

/**
 * Slot, version and signer of a CWT list in gossiped evidence (validation/evidence.ts): its
 * signature checked against the keys pinned for its issuer (unscoped, as other evidence: kept, not trusted).
 */
export function cwtSignedSlot(
  record: SubmittedRecord,
  ctx: ValidationContext,
): { key: string; version: string; signer: string } {
  const list = record.cwt;
  if (!list) throw reject(EVIDENCE_CODES.INVALID, 'records', 'not a CWT record');
  if (list.x5chain) {
    // Evidence of an x5chain signer: the chain and signature checked now (as at admission).
    const x5 = x5chainSignerOf(list, ctx.view, ctx.now);
    return {
      key: cwtListSlotKey(list.sub, x5.signer.publicKeyMultibase),
      version: cwtListVersion(list),
      signer: x5.issuer,
    };
  }
  const kid = kidOf(list);
  for (const issuer of issuerCandidates(list, kid, ctx.view, ctx.accreditations?.() ?? [])) {
    const own = didKeyOf(issuer);
    const key = [...pinnedKeysOf(ctx.view, issuer), ...(own ? [own] : [])].find((k) => names(k, kid));
    if (!key) continue;
    requireSignature(list, key, issuer);
    return { key: cwtListSlotKey(list.sub, key.publicKeyMultibase), version: cwtListVersion(list), signer: issuer };
  }
  // [REJECT] docs/records.md Evidence: each record validly signed by a key pinned for its issuer.
  throw reject(EVIDENCE_CODES.INVALID, 'records', `kid ${kid} names no key pinned for an issuer held here`);
}

/** The kind module. */
export const cwtStatusListKind: RecordKindModule = {
  kind: 'token-status-list-cwt',
  rank: 2,
  jsonLd: false,
  slotOf(_value, view, record) {
    // The slot names the signing key, known only from the pinned key the `kid` names.
    const list = record?.cwt;
    if (!list || !view) return { key: null, order: 1 };
    try {
      if (list.x5chain) {
        const signer = x5chainSlotSigner(list, view);
        return { key: signer ? cwtListSlotKey(list.sub, signer) : null, order: 1 };
      }
      const kid = kidOf(list);
      const all = list.iss === undefined ? [] : view.accreditationsOf(list.iss);
      const key = all.flatMap((a) => a.publicKeys).find((k) => names(k, kid));
      return { key: key ? cwtListSlotKey(list.sub, key.publicKeyMultibase) : null, order: 1 };
    } catch {
      return { key: null, order: 1 };
    }
  },
  validate: (record, ctx) => validateCwtList(record, ctx),
  restore(stored, record: SubmittedRecord, _limits: InputLimits): Admission {
    const list = record.cwt;
    if (!list) throw reject(CWT_STATUS_LIST_CODES.MALFORMED, undefined, `stored record ${stored.key} is not a CWT`);
    const multibase = stored.key.slice(stored.key.lastIndexOf(' ') + 1);
    const x5 = parseX5chainSignerId(multibase);
    const issuer = x5 ? caSubjectId(x5.anchorSpkiSha256) : (list.iss ?? '');
    const kid = list.kid ? Buffer.from(list.kid).toString('utf8') : '';
    return {
      kind: 'token-status-list-cwt',
      // The issuer and pinned signer are found again by the index (cwt-list-index.ts) from the key;
      // an x5chain signer is named by the key itself (its anchor and leaf hashes).
      parsed: {
        ...list,
        issuer,
        signer: x5
          ? x5chainPinnedKey(x5.anchorSpkiSha256, x5.leafSpkiSha256)
          : { id: kid, type: 'Multikey', controller: issuer, publicKeyMultibase: multibase },
      },
      key: stored.key,
      version: stored.version,
      digest: stored.digest,
      bytes: stored.bytes,
    };
  },
};
