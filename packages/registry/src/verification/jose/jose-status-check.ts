/**
 * The status check of a JOSE credential (issue 13): the SD-JWT VC `status.status_list` reference
 * (draft-ietf-oauth-status-list §6.1) or every StatusList2021Entry of `credentialStatus` (TW DIW lists
 * a revocation and a suspension entry), each read from the replica — a version of its list signed by
 * a key that counts for the issuer — never fetched.
 */
import { type PinnedKey, sameKey } from '../../records/keys.ts';
import { isObject, type JsonObject } from '../../validation/fields.ts';
import type { CheckResult } from '../check-result.ts';
import type { JoseStatusListState } from '../trust-view.ts';
import type { VerifyOptions } from '../verify-credential.ts';

/** Codes of the status check (part of JOSE_CREDENTIAL_CODES). */
export const JOSE_STATUS_CODES = {
  /** `fail` (status) — Token Status List value 1 INVALID. */
  STATUS_INVALID: 'STATUS_INVALID',
  /** `fail` (status) — Token Status List value 2 SUSPENDED, or a set suspension bit. */
  STATUS_SUSPENDED: 'STATUS_SUSPENDED',
  /** `fail` (status) — a set revocation bit (StatusList2021). */
  STATUS_REVOKED: 'STATUS_REVOKED',
  /** `fail` (status) — a Token Status List value of 3 or more (application-specific, not VALID). */
  STATUS_OTHER: 'STATUS_VALUE_NOT_VALID',
  /** `fail` (status) — the status reference is malformed, or its index is beyond the list. */
  STATUS_MALFORMED: 'STATUS_REFERENCE_MALFORMED',
  /** `undetermined` (status) — the version read is past its `exp` and shows no final state (draft-ietf-oauth-status-list §8.3). */
  STATUS_LIST_EXPIRED: 'STATUS_LIST_EXPIRED',
  /** `undetermined` (status) — no version of the list signed by a key that counts is held. */
  STATUS_LIST_UNKNOWN: 'STATUS_LIST_UNKNOWN',
} as const;
const C = JOSE_STATUS_CODES;

/** What the status check reads of a parsed credential. */
export interface StatusSubject {
  /** The (disclosed) claims: `status` of an SD-JWT VC. */
  claims: JsonObject;
  /** The VC object: its `credentialStatus`. */
  vc: JsonObject | null;
  issuer: string;
}

/** One status reference: a list, an index, and (StatusList2021) the purpose of the list. */
interface StatusRef {
  uri: string;
  idx: number;
  purpose: string | null;
}

// A credential names one list per purpose (TW DIW: revocation and suspension); more is not read.
const MAX_STATUS_ENTRIES = 8;

/** StatusList2021 §2.1: statusListIndex is an integer ≥ 0 expressed as a string (a number is tolerated). */
function statusListIndexOf(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null;
  if (typeof value !== 'string' || !/^[0-9]{1,15}$/.test(value)) return null;
  return Number(value);
}

/**
 * The status references of a credential: SD-JWT VC `status.status_list` (draft-ietf-oauth-status-list
 * §6.1), or every StatusList2021Entry of `credentialStatus` (one object or an array: TW DIW lists a
 * revocation and a suspension entry). A string is returned when a reference is malformed.
 */
function statusRefsOf(parsed: StatusSubject): StatusRef[] | string {
  const status = parsed.claims.status;
  if (status !== undefined) {
    const sl = isObject(status) ? status.status_list : undefined;
    if (!isObject(sl) || typeof sl.uri !== 'string' || !Number.isSafeInteger(sl.idx) || (sl.idx as number) < 0) {
      return 'status.status_list must have a string uri and a non-negative integer idx';
    }
    return [{ uri: sl.uri, idx: sl.idx as number, purpose: null }];
  }
  const entry = parsed.vc?.credentialStatus;
  if (entry === undefined) return [];
  const entries = Array.isArray(entry) ? entry : [entry];
  if (entries.length === 0 || entries.length > MAX_STATUS_ENTRIES) {
    return `credentialStatus must hold 1 to ${MAX_STATUS_ENTRIES} entries`;
  }
  const refs: StatusRef[] = [];
  for (const e of entries) {
    // StatusList2021 §2.1: statusListCredential, statusListIndex, statusPurpose.
    const idx = isObject(e) ? statusListIndexOf(e.statusListIndex) : null;
    if (!isObject(e) || typeof e.statusListCredential !== 'string' || idx === null) {
      return 'each credentialStatus entry must have statusListCredential and a decimal statusListIndex';
    }
    const purpose = typeof e.statusPurpose === 'string' ? e.statusPurpose : 'revocation';
    refs.push({ uri: e.statusListCredential, idx, purpose });
  }
  return refs;
}

/**
 * The status check: every reference is read from a version of its list signed by a key that counts
 * for the issuer; the credential is VALID only when every entry is (a fail wins over an undetermined).
 * Each version read goes into `listsRead` (the answer's as-of stamp), past-ttl copies into `warnings`.
 */
export function joseStatusCheck(
  parsed: StatusSubject,
  options: Pick<VerifyOptions, 'view' | 'now'>,
  keys: readonly PinnedKey[],
  listsRead: Map<string, JoseStatusListState>,
  warnings: string[],
): CheckResult {
  const refs = statusRefsOf(parsed);
  if (typeof refs === 'string') return { check: 'status', outcome: 'fail', code: C.STATUS_MALFORMED, message: refs };
  if (refs.length === 0)
    return { check: 'status', outcome: 'pass', message: 'the credential carries no status reference' };
  const results = refs.map((ref) => statusOfRef(ref, parsed, options, keys, listsRead, warnings));
  const deciding =
    results.find((r) => r.outcome === 'fail') ?? results.find((r) => r.outcome === 'undetermined') ?? null;
  if (deciding) return deciding;
  if (results.length === 1) return results[0] as CheckResult;
  return {
    check: 'status',
    outcome: 'pass',
    message: `status VALID in ${results.length} lists`,
    details: { entries: results.map((r) => r.details) },
  };
}

function statusOfRef(
  ref: StatusRef,
  parsed: StatusSubject,
  options: Pick<VerifyOptions, 'view' | 'now'>,
  keys: readonly PinnedKey[],
  listsRead: Map<string, JoseStatusListState>,
  warnings: string[],
): CheckResult {
  const fail = (code: string, message: string): CheckResult => ({ check: 'status', outcome: 'fail', code, message });
  const versions = (options.view.joseStatusListVersions?.(ref.uri) ?? [])
    .filter((v) => keys.some((k) => sameKey(k, v.signer)))
    .filter((v) => ref.purpose === null || v.list.purpose === null || v.list.purpose === ref.purpose)
    .sort((a, b) => b.list.versionMs - a.list.versionMs);
  if (versions.length === 0) {
    return {
      check: 'status',
      outcome: 'undetermined',
      code: C.STATUS_LIST_UNKNOWN,
      message: `no version of status list ${ref.uri} signed by a key that counts for ${parsed.issuer} is held`,
      details: { uri: ref.uri, idx: ref.idx },
    };
  }
  let chosen = versions[0] as JoseStatusListState;
  if (ref.purpose === 'revocation') {
    // Revocation is final: any counting version with the bit set wins.
    for (const v of versions) {
      try {
        if (v.list.read(ref.idx) !== 0) {
          chosen = v;
          break;
        }
      } catch {
        // out of range in this version: reported on the newest below
      }
    }
  }
  // DESIGN.md Verification: the answer names every list version it read (its as-of stamp).
  listsRead.set(ref.uri, chosen);
  let value: number;
  try {
    value = chosen.list.read(ref.idx);
  } catch {
    return fail(C.STATUS_MALFORMED, `index ${ref.idx} is beyond status list ${ref.uri}`);
  }
  const details = { uri: ref.uri, idx: ref.idx, value, digest: chosen.digest, versionMs: chosen.list.versionMs };
  // A final state (TSL INVALID, a revocation bit) stands whatever the version's age: no later
  // version may undo it. Anything else read from an expired version is not an answer.
  const final = ref.purpose === null ? value === 1 : ref.purpose === 'revocation' && value !== 0;
  const { expMs, ttlSeconds } = chosen.list;
  if (!final && expMs !== null && expMs < options.now) {
    // draft-ietf-oauth-status-list §8.3 step 4c: a Status List Token past its exp is not relied on
    // (StatusList2021 JWTs: RFC 7519 §4.1.4 exp). Fail closed, as the Bitstring check does past validUntil.
    return {
      check: 'status',
      outcome: 'undetermined',
      code: C.STATUS_LIST_EXPIRED,
      message: `status list ${ref.uri} expired at ${new Date(expMs).toISOString()}`,
      details,
    };
  }
  // draft-ietf-oauth-status-list §5.1 ttl: how long a copy may be relied on before fetching anew;
  // past it the answer stands (the newest held) but says so, as for Bitstring lists.
  if (ttlSeconds !== null && options.now - chosen.receivedAt > ttlSeconds * 1000) {
    warnings.push(
      `status list ${ref.uri} was received ${Math.round((options.now - chosen.receivedAt) / 1000)} s ago, beyond its ttl of ${ttlSeconds} s`,
    );
  }
  if (value === 0) return { check: 'status', outcome: 'pass', message: 'status VALID', details };
  if (ref.purpose !== null) {
    const code = ref.purpose === 'suspension' ? C.STATUS_SUSPENDED : C.STATUS_REVOKED;
    return { check: 'status', outcome: 'fail', code, message: `${ref.purpose} bit set`, details };
  }
  if (value === 1)
    return { check: 'status', outcome: 'fail', code: C.STATUS_INVALID, message: 'status INVALID', details };
  if (value === 2)
    return { check: 'status', outcome: 'fail', code: C.STATUS_SUSPENDED, message: 'status SUSPENDED', details };
  return {
    check: 'status',
    outcome: 'fail',
    code: C.STATUS_OTHER,
    message: `status value ${value} is not VALID`,
    details,
  };
}
