/**
 * The status check (Bitstring Status List v1.0 §3.2, the validate algorithm and its error names,
 * https://www.w3.org/TR/vc-bitstring-status-list/#validate-algorithm): each credentialStatus entry
 * read from the replica's held list versions — only those signed by a key that counts for the
 * credential's issuer — and the status query that names an entry without a credential.
 */
import type { ValidationError } from '../errors.ts';
import type { PinnedKey } from '../records/keys.ts';
import {
  type BitstringStatusListEntry,
  isBitstringStatusListEntry,
  parseStatusEntries,
  type StatusEntry,
} from '../records/status-entry.ts';
import { MIN_STATUS_LIST_ENTRIES, readStatus } from '../status-list/bitstring.ts';
import { W3C_ERROR_CODES } from '../validation/codes.ts';
import { type AsOf, asOfStamp, type CheckOutcome, type CheckResult } from './check-result.ts';
import { countingStatusVersion } from './credential-keys.ts';
import type { StatusListState, TrustView } from './trust-view.ts';

/**
 * Codes of the status check beside the Recommendation's own error names ({@link W3C_ERROR_CODES}).
 * They are check results, not errors: the verifier reports them, nothing is ignored or rejected.
 */
export const STATUS_CHECK_CODES = {
  /** `undetermined` — a `credentialStatus` entry of a type this node cannot evaluate (fail closed). */
  TYPE_UNSUPPORTED: 'STATUS_TYPE_UNSUPPORTED',
  /** `fail` — the entry's bit is set in a revocation list (Bitstring Status List §3.2). */
  CREDENTIAL_REVOKED: 'CREDENTIAL_REVOKED',
  /** `fail` — the entry's bit is set in a suspension list (Bitstring Status List §3.2). */
  CREDENTIAL_SUSPENDED: 'CREDENTIAL_SUSPENDED',
} as const;

/** What the status check reads: the replica and the clock (ms since the epoch). */
export interface StatusCheckOptions {
  view: TrustView;
  now: number;
}

/** Each credentialStatus entry, per the Recommendation's validate algorithm and error names. */
export function statusChecks(
  credential: Record<string, unknown>,
  issuer: string | null,
  options: StatusCheckOptions,
  listsRead: Map<string, StatusListState>,
  warnings: string[],
  keys: readonly PinnedKey[],
): CheckResult[] {
  if (credential.credentialStatus === undefined) return [];
  let entries: readonly StatusEntry[];
  try {
    entries = parseStatusEntries(credential);
  } catch (error) {
    const e = error as ValidationError;
    return [
      { check: 'status', outcome: 'fail', code: e.code ?? W3C_ERROR_CODES.MALFORMED_VALUE_ERROR, message: e.message },
    ];
  }
  return entries.map((entry): CheckResult => {
    if (isBitstringStatusListEntry(entry)) return statusCheck(entry, issuer, options, listsRead, warnings, keys);
    // A status mechanism this node cannot evaluate leaves the status undecided: fail closed.
    return {
      check: 'status',
      outcome: 'undetermined',
      code: STATUS_CHECK_CODES.TYPE_UNSUPPORTED,
      message: `${entry.field}: status type ${entry.unsupported.join(', ')} is not supported`,
    };
  });
}

/**
 * Reads one entry from a held list. Exposed for status queries that need no credential. With `keys`
 * (the keys that count for `issuer` in the credential's scope), only list versions signed by one of
 * them are read; without, the list's first held slot is (a query that names no credential).
 */
export function statusCheck(
  entry: BitstringStatusListEntry,
  issuer: string | null,
  options: StatusCheckOptions,
  listsRead: Map<string, StatusListState>,
  warnings: string[],
  keys?: readonly PinnedKey[],
): CheckResult {
  const details = {
    statusPurpose: entry.statusPurpose,
    statusListCredential: entry.statusListCredential,
    statusListIndex: entry.statusListIndex,
  };
  const counted =
    keys && issuer !== null
      ? countingStatusVersion(options.view, entry.statusListCredential, issuer, keys, entry)
      : (options.view.statusList(entry.statusListCredential) ?? 'none');
  // [REJECT] Trust rules: versions signed by keys that do not count for this credential are never read.
  if (counted === 'foreign') {
    return {
      check: 'status',
      outcome: 'fail',
      code: W3C_ERROR_CODES.STATUS_VERIFICATION_ERROR,
      message: `status list ${entry.statusListCredential} holds no version signed by a key that counts for ${issuer} in this credential's scope`,
      details,
    };
  }
  const state = counted === 'none' ? null : counted;
  // Unknown list: fail closed (the node cannot decide).
  if (!state) {
    return {
      check: 'status',
      outcome: 'undetermined',
      code: W3C_ERROR_CODES.STATUS_RETRIEVAL_ERROR,
      message: `status list ${entry.statusListCredential} is not held by this node`,
      details,
    };
  }
  listsRead.set(entry.statusListCredential, state);
  const { list } = state;
  if (issuer !== null && list.issuer !== issuer) {
    return {
      check: 'status',
      outcome: 'fail',
      code: W3C_ERROR_CODES.STATUS_VERIFICATION_ERROR,
      message: `status list ${list.id} is issued by ${list.issuer}, not by the credential's issuer ${issuer}`,
      details,
    };
  }
  if (!list.statusPurpose.includes(entry.statusPurpose)) {
    return {
      check: 'status',
      outcome: 'fail',
      code: W3C_ERROR_CODES.STATUS_VERIFICATION_ERROR,
      message: `status list ${list.id} has purpose ${list.statusPurpose.join(', ')}, not ${entry.statusPurpose}`,
      details,
    };
  }
  // [REJECT] A list that declares its entry width (§2.2, a multi-bit list) is read only at that
  // width: an entry claiming another would read bits of its neighbours.
  if (list.statusSize > 1 && entry.statusSize !== list.statusSize) {
    return {
      check: 'status',
      outcome: 'fail',
      code: W3C_ERROR_CODES.STATUS_VERIFICATION_ERROR,
      message: `status list ${list.id} has ${list.statusSize}-bit entries; the entry says statusSize ${entry.statusSize}`,
      details,
    };
  }
  // statusSize belongs to the entry (§2.1); the list must hold the minimum count of entries of that
  // width (§3.2 step 9: bitstring length ÷ statusSize ≥ 131,072).
  if ((list.bits.length * 8) / entry.statusSize < MIN_STATUS_LIST_ENTRIES) {
    return {
      check: 'status',
      outcome: 'fail',
      code: W3C_ERROR_CODES.STATUS_LIST_LENGTH_ERROR,
      message: `status list ${list.id} holds fewer than ${MIN_STATUS_LIST_ENTRIES} entries of ${entry.statusSize} bits`,
      details,
    };
  }
  if (list.validUntil !== undefined && list.validUntil < options.now) {
    return {
      check: 'status',
      outcome: 'undetermined',
      code: W3C_ERROR_CODES.STATUS_VERIFICATION_ERROR,
      message: `status list ${list.id} expired at ${new Date(list.validUntil).toISOString()}`,
      details,
    };
  }
  let value: number;
  try {
    value = readStatus(list.bits, entry.statusListIndex, entry.statusSize);
  } catch (error) {
    return {
      check: 'status',
      outcome: 'fail',
      code: W3C_ERROR_CODES.RANGE_ERROR,
      message: (error as Error).message,
      details,
    };
  }
  // ttl (ms) says how long a copy may be relied on; past it the answer still stands but is flagged.
  if (list.ttl !== undefined && options.now - state.receivedAt > list.ttl) {
    warnings.push(
      `status list ${list.id} was received ${Math.round((options.now - state.receivedAt) / 1000)} s ago, beyond its ttl of ${list.ttl} ms`,
    );
  }
  // The messages the issuer committed to in the entry at issuance come first (§2.1).
  const message = (entry.statusMessage ?? list.statusMessage)?.find((m) => m.value === value)?.message;
  const withValue = { ...details, value, ...(message ? { message } : {}) };
  if (value !== 0 && entry.statusPurpose === 'revocation') {
    return {
      check: 'status',
      outcome: 'fail',
      code: STATUS_CHECK_CODES.CREDENTIAL_REVOKED,
      message: `revoked (index ${entry.statusListIndex} of ${list.id})`,
      details: withValue,
    };
  }
  if (value !== 0 && entry.statusPurpose === 'suspension') {
    return {
      check: 'status',
      outcome: 'fail',
      code: STATUS_CHECK_CODES.CREDENTIAL_SUSPENDED,
      message: `suspended (index ${entry.statusListIndex} of ${list.id})`,
      details: withValue,
    };
  }
  return {
    check: 'status',
    outcome: 'pass',
    message: message ?? `${entry.statusPurpose}: status ${value}`,
    details: withValue,
  };
}

/** A status entry named directly (no credential): what a verifier that already checked the proof asks. */
export interface StatusQuery {
  statusListCredential: string;
  statusListIndex: number;
  statusPurpose: string;
  statusSize: number;
}

/** The answer to a {@link StatusQuery}: the status check, flattened, with its as-of stamp. */
export interface StatusQueryResult {
  outcome: CheckOutcome;
  code?: string;
  message: string;
  value?: number;
  statusListCredential: string;
  statusListIndex: number;
  statusPurpose: string;
  asOf: AsOf;
  warnings: string[];
}

/** Reads one status entry from the replica: the HTTP status query and the CLI's `status --data`. */
export function queryStatus(view: TrustView, query: StatusQuery, now: number): StatusQueryResult {
  const read = new Map<string, StatusListState>();
  const warnings: string[] = [];
  const entry: BitstringStatusListEntry = { type: 'BitstringStatusListEntry', field: 'query', ...query };
  const check = statusCheck(entry, null, { view, now }, read, warnings);
  const value = check.details?.value;
  return {
    outcome: check.outcome,
    ...(check.code ? { code: check.code } : {}),
    message: check.message,
    ...(typeof value === 'number' ? { value } : {}),
    statusListCredential: query.statusListCredential,
    statusListIndex: query.statusListIndex,
    statusPurpose: query.statusPurpose,
    asOf: asOfStamp(view, read, now),
    warnings,
  };
}
