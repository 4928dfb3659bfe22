/**
 * Verification of a credential against the local replica (DESIGN.md, Verification of a credential):
 * proof → trust (an accreditation chain to governance for every credential type, at issuance and
 * now) → status (each credentialStatus entry, per the Bitstring Status List validate algorithm,
 * https://www.w3.org/TR/vc-bitstring-status-list/#validate-algorithm) → validity period.
 *
 * A pure function of the credential, the replicated state, the document loader and the clock. It
 * never throws for an invalid credential, never stores it and never logs it.
 */
import { allowListOf, checkDocumentContexts } from '../crypto/context-allow-list.ts';
import { RegistryError } from '../errors.ts';
import { type PinnedKey, sameKey } from '../records/keys.ts';
import {
  type BitstringStatusListEntry,
  isBitstringStatusListEntry,
  parseStatusEntries,
  type StatusEntry,
} from '../records/status-entry.ts';
import { MIN_STATUS_LIST_ENTRIES, readStatus } from '../status-list/bitstring.ts';
import type { DocumentLoader } from '../validation/context.ts';
import { isObject } from '../validation/fields.ts';
import { type SelectableCheck, SELECTABLE_CHECKS } from './check-selection.ts';
import { dataModelProblems, issuerUrlOf } from './data-model.ts';
import { proofTasks } from './proof-set.ts';
import { verifyProofWithKeys } from '../validation/pinned-keys.ts';
import { countingStatusVersion, type PassedScope, proofKeysFor, statusKeysFor } from './credential-keys.ts';
import { findChain } from './trust-chain.ts';
import type { StatusListState, TrustView } from './trust-view.ts';

/** A trust check of a URL issuer that is not a DID: accreditations cannot name it (yet). */
export const ISSUER_URL_NOT_ACCREDITABLE = 'ISSUER_URL_NOT_ACCREDITABLE';

const NO_ISSUER = 'issuer: must be a URL or an object whose id is a URL (VCDM 2.0 §4.7)';

/** pass: the check holds; fail: it does not; undetermined: the node cannot decide (fail closed). */
export type CheckOutcome = 'pass' | 'fail' | 'undetermined';

/** One check of a verification, with its outcome and reason code. */
export interface CheckResult {
  check: 'credential' | 'presentation' | 'proof' | 'issuer' | 'status' | 'validity';
  outcome: CheckOutcome;
  /** Stable reason code when the outcome is not pass (or a status value worth naming). */
  code?: string;
  message: string;
  /** Check-specific facts: the credential type, the chain, the list and index read, … */
  details?: Record<string, unknown>;
}

/** Freshness of the answer: what state it was computed from. */
export interface AsOf {
  /** When the answer was computed (ISO 8601). */
  time: string;
  governanceVersion: number | null;
  statusLists: { id: string; validFrom: string; digest: string; receivedAt: string; ttl?: number }[];
}

/** The answer to "is this credential valid?". */
export interface VerificationResult {
  verified: boolean;
  checks: CheckResult[];
  /** The selectable checks that ran (VC-API echo of `options.checks`), in a fixed order. */
  checksRun: SelectableCheck[];
  asOf: AsOf;
  warnings: string[];
}

/** What verification reads. */
export interface VerifyOptions {
  view: TrustView;
  documentLoader: DocumentLoader;
  /** The clock, ms since the epoch. */
  now: number;
  /**
   * The checks to run and report (VC-API `options.checks`, parsed by {@link parseCheckSelection});
   * all of them by default. The `credential` check (data model and contexts) always runs.
   */
  checks?: readonly SelectableCheck[];
}

/**
 * Verifies a credential; every failure is reported as a check, never thrown. Each requested check
 * runs and is reported whatever another found (VC-API: the caller learns every reason at once);
 * `verified` is true only when every reported check passed. The `credential` check is reported only
 * when it fails.
 */
export async function verifyCredential(credential: unknown, options: VerifyOptions): Promise<VerificationResult> {
  const { view, now } = options;
  const requested = new Set(options.checks ?? SELECTABLE_CHECKS);
  const checksRun = SELECTABLE_CHECKS.filter((c) => requested.has(c));
  const checks: CheckResult[] = [];
  const listsRead = new Map<string, StatusListState>();
  const warnings: string[] = [];
  const result = (): VerificationResult => ({
    verified: checks.length > 0 && checks.every((c) => c.outcome === 'pass'),
    checks,
    checksRun,
    asOf: asOfStamp(view, listsRead, now),
    warnings,
  });

  if (!isObject(credential)) {
    checks.push({
      check: 'credential',
      outcome: 'fail',
      code: 'MALFORMED_VALUE_ERROR',
      message: 'the credential must be a JSON object',
    });
    return result();
  }
  checks.push(...credentialChecks(credential, options));
  // VCDM 2.0 §4.7: any URL may be the issuer (a DID or not); every check below still runs for it.
  const issuer = issuerUrlOf(credential);
  const wanted = (check: SelectableCheck) => requested.has(check);

  // Scoped keys (docs/records.md, Trust rules): the proof key must be pinned by an accreditation of
  // the issuer covering the credential's types; the issuer check follows only links that pin it;
  // status is read only from list versions signed by keys that count in the scopes that passed.
  // The proof and issuer checks are computed whenever a later check depends on them, and reported
  // only when requested.
  const needProof = wanted('proof') || wanted('issuer') || wanted('status');
  const proof = needProof ? await proofCheck(credential, issuer, options) : null;
  if (proof && wanted('proof')) checks.push(proof.check);
  const issuedAt = dateOf(credential.validFrom ?? credential.issuanceDate) ?? now;
  const passed: PassedScope[] = [];
  const issuer_ =
    wanted('issuer') || wanted('status')
      ? issuerChecksForKeys(credential, issuer, issuedAt, options, proof?.keys ?? [], passed)
      : [];
  if (wanted('issuer')) checks.push(...issuer_);
  if (wanted('status')) {
    const statusKeys =
      issuer === null
        ? []
        : issuer_.every((c) => c.outcome === 'pass')
          ? statusKeysFor(view, issuer, passed, [issuedAt, now])
          : proofKeysFor(view, issuer, specificTypes(credential));
    checks.push(...statusChecks(credential, issuer, options, listsRead, warnings, statusKeys));
  }
  if (wanted('validity')) checks.push(validityCheck(credential, now));

  const governance = view.governance();
  if (governance && governance.validUntilMs < now) {
    warnings.push(`governance version ${governance.record.version} expired at ${governance.record.validUntil}`);
  }
  return result();
}

/**
 * The `credential` check: the data model's rules (data-model.ts), then allowed contexts and terms
 * only (crypto/context-allow-list.ts). Returns only failures, one per problem.
 */
function credentialChecks(credential: Record<string, unknown>, options: VerifyOptions): CheckResult[] {
  const failures: CheckResult[] = [];
  for (const problem of dataModelProblems(credential)) {
    failures.push({
      check: 'credential',
      outcome: 'fail',
      code: problem.code,
      message: problem.message,
      ...(problem.field ? { details: { field: problem.field } } : {}),
    });
  }
  // [REJECT] Allowed contexts only, terms only: every field read below then expands to the IRI it
  // is read as, so what is checked is what was signed.
  try {
    checkDocumentContexts(credential, allowListOf(options.documentLoader));
  } catch (error) {
    if (!(error instanceof RegistryError)) throw error;
    failures.push({ check: 'credential', outcome: 'fail', code: error.code, message: error.message });
  }
  return failures;
}

/**
 * The proof check: every proof of the credential (Data Integrity 1.0 §4: a single proof, a proof
 * set, a proof chain) verified with the keys that count for the issuer; all must pass. Returns the
 * keys that signed (one per distinct key) for the issuer check.
 */
async function proofCheck(
  credential: Record<string, unknown>,
  issuer: string | null,
  options: VerifyOptions,
): Promise<{ check: CheckResult; keys: PinnedKey[] }> {
  if (issuer === null) {
    return { keys: [], check: { check: 'proof', outcome: 'fail', code: 'MALFORMED_VALUE_ERROR', message: NO_ISSUER } };
  }
  const tasks = proofTasks(credential);
  if (!Array.isArray(tasks)) {
    return { keys: [], check: { check: 'proof', outcome: 'fail', code: tasks.code, message: tasks.message } };
  }
  // Only keys pinned for the issuer by accreditations covering this credential's types count.
  const keys = proofKeysFor(options.view, issuer, specificTypes(credential));
  const label = `for ${specificTypes(credential).join(', ') || 'this credential'}`;
  const signers: PinnedKey[] = [];
  const signed: { verificationMethod: string; cryptosuite: string }[] = [];
  for (const task of tasks) {
    const where = tasks.length > 1 ? `${task.field}: ` : '';
    let proof: Awaited<ReturnType<typeof verifyProofWithKeys>>;
    try {
      proof = await verifyProofWithKeys(task.document, issuer, keys, options.documentLoader, label, {
        previousProofs: task.previousProofs,
      });
    } catch (error) {
      // The proof library may throw on input it cannot process; that is a failed proof, not a crash.
      const code = error instanceof RegistryError ? error.code : 'PROOF_INVALID';
      return {
        keys: [],
        check: { check: 'proof', outcome: 'fail', code, message: `${where}${(error as Error).message}` },
      };
    }
    if (!proof.verified) {
      const details = tasks.length > 1 ? { details: { proof: task.index } } : {};
      return {
        keys: [],
        check: {
          check: 'proof',
          outcome: 'fail',
          code: proof.error.code,
          message: `${where}${proof.error.message}`,
          ...details,
        },
      };
    }
    if (!signers.some((k) => sameKey(k, proof.key))) signers.push(proof.key);
    signed.push({ verificationMethod: proof.verificationMethod, cryptosuite: proof.cryptosuite });
  }
  const [first] = signed as [{ verificationMethod: string; cryptosuite: string }];
  return {
    keys: signers,
    check: {
      check: 'proof',
      outcome: 'pass',
      message:
        signed.length === 1
          ? `signed by ${first.verificationMethod} (${first.cryptosuite})`
          : `${signed.length} proofs, all verified: ${signed.map((p) => `${p.verificationMethod} (${p.cryptosuite})`).join(', ')}`,
      details: { ...first, ...(signed.length > 1 ? { proofs: signed } : {}) },
    },
  };
}

function specificTypes(credential: Record<string, unknown>): string[] {
  return (Array.isArray(credential.type) ? credential.type : [credential.type]).filter(
    (t): t is string => typeof t === 'string' && t !== 'VerifiableCredential',
  );
}

/**
 * The issuer check for every key that signed (a proof set may use several of the issuer's keys):
 * each type passes only when it passes through the link of every signing key; the first failure is
 * reported. Without a verified proof, the chain is looked for without a key.
 */
function issuerChecksForKeys(
  credential: Record<string, unknown>,
  issuer: string | null,
  issuedAt: number,
  options: VerifyOptions,
  keys: readonly PinnedKey[],
  passed: PassedScope[],
): CheckResult[] {
  if (keys.length <= 1) return issuerChecks(credential, issuer, issuedAt, options, keys[0], passed);
  const perKey = keys.map((key) => {
    const scopes: PassedScope[] = [];
    return { checks: issuerChecks(credential, issuer, issuedAt, options, key, scopes), scopes };
  });
  const first = perKey[0] as { checks: CheckResult[]; scopes: PassedScope[] };
  for (const scope of first.scopes) {
    const everywhere = perKey.every((k) =>
      k.scopes.some((s) => s.type === scope.type && s.jurisdiction === scope.jurisdiction),
    );
    if (everywhere) passed.push(scope);
  }
  return first.checks.map(
    (check, i) => perKey.map((k) => k.checks[i] as CheckResult).find((c) => c.outcome !== 'pass') ?? check,
  );
}

/** Every specific credential type needs a chain valid at issuance and now. */
function issuerChecks(
  credential: Record<string, unknown>,
  issuer: string | null,
  issuedAt: number,
  options: VerifyOptions,
  key: PinnedKey | undefined,
  passed: PassedScope[],
): CheckResult[] {
  if (issuer === null) return [{ check: 'issuer', outcome: 'fail', code: 'MALFORMED_VALUE_ERROR', message: NO_ISSUER }];
  const types = specificTypes(credential);
  if (types.length === 0) {
    return [
      {
        check: 'issuer',
        outcome: 'fail',
        code: 'CREDENTIAL_TYPE_MISSING',
        message: 'the credential names no type besides VerifiableCredential',
      },
    ];
  }
  return types.map((type): CheckResult => {
    const jurisdictions = new Set(
      options.view
        .accreditationsOf(issuer)
        .flatMap((a) => a.accreditedFor.filter((s) => s.types.includes(type)).map((s) => s.jurisdiction)),
    );
    // Accreditations name DID subjects (records/accreditation.ts): a URL issuer that is not a DID has
    // none to hold, which is a failed trust check with its own code, not a malformed credential.
    let failure =
      !issuer.startsWith('did:') && options.view.accreditationsOf(issuer).length === 0
        ? {
            code: ISSUER_URL_NOT_ACCREDITABLE,
            detail: `${issuer} is a URL issuer; accreditations name DID subjects only, so no chain can cover ${type}`,
          }
        : { code: 'ISSUER_NOT_ACCREDITED', detail: `${issuer} holds no accreditation to issue ${type}` };
    for (const jurisdiction of jurisdictions) {
      const chain = findChain(options.view, {
        subject: issuer,
        role: 'issuer',
        scope: { types: [type], jurisdiction },
        at: [issuedAt, options.now],
        // The key that signed counts only through the link that pins it (when the proof verified).
        ...(key ? { key } : {}),
      });
      if (chain.ok) {
        passed.push({ type, jurisdiction });
        return {
          check: 'issuer',
          outcome: 'pass',
          message: `${issuer} is accredited to issue ${type} in ${jurisdiction}`,
          details: { type, jurisdiction, chain: chain.chain.links.map((l) => l.id), authority: chain.chain.authority },
        };
      }
      failure = { code: chain.code, detail: chain.detail };
    }
    const undetermined = failure.code === 'ACCREDITATION_STATUS_UNKNOWN' || failure.code === 'GOVERNANCE_UNKNOWN';
    return {
      check: 'issuer',
      outcome: undetermined ? 'undetermined' : 'fail',
      code: failure.code,
      message: failure.detail,
      details: { type },
    };
  });
}

/** Each credentialStatus entry, per the Recommendation's validate algorithm and error names. */
function statusChecks(
  credential: Record<string, unknown>,
  issuer: string | null,
  options: VerifyOptions,
  listsRead: Map<string, StatusListState>,
  warnings: string[],
  keys: readonly PinnedKey[],
): CheckResult[] {
  if (credential.credentialStatus === undefined) return [];
  let entries: readonly StatusEntry[];
  try {
    entries = parseStatusEntries(credential);
  } catch (error) {
    const e = error as RegistryError;
    return [{ check: 'status', outcome: 'fail', code: e.code ?? 'MALFORMED_VALUE_ERROR', message: e.message }];
  }
  return entries.map((entry): CheckResult => {
    if (isBitstringStatusListEntry(entry)) return statusCheck(entry, issuer, options, listsRead, warnings, keys);
    // A status mechanism this node cannot evaluate leaves the status undecided: fail closed.
    return {
      check: 'status',
      outcome: 'undetermined',
      code: 'STATUS_TYPE_UNSUPPORTED',
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
  options: Pick<VerifyOptions, 'view' | 'now'>,
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
      code: 'STATUS_VERIFICATION_ERROR',
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
      code: 'STATUS_RETRIEVAL_ERROR',
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
      code: 'STATUS_VERIFICATION_ERROR',
      message: `status list ${list.id} is issued by ${list.issuer}, not by the credential's issuer ${issuer}`,
      details,
    };
  }
  if (!list.statusPurpose.includes(entry.statusPurpose)) {
    return {
      check: 'status',
      outcome: 'fail',
      code: 'STATUS_VERIFICATION_ERROR',
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
      code: 'STATUS_VERIFICATION_ERROR',
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
      code: 'STATUS_LIST_LENGTH_ERROR',
      message: `status list ${list.id} holds fewer than ${MIN_STATUS_LIST_ENTRIES} entries of ${entry.statusSize} bits`,
      details,
    };
  }
  if (list.validUntil !== undefined && list.validUntil < options.now) {
    return {
      check: 'status',
      outcome: 'undetermined',
      code: 'STATUS_VERIFICATION_ERROR',
      message: `status list ${list.id} expired at ${new Date(list.validUntil).toISOString()}`,
      details,
    };
  }
  let value: number;
  try {
    value = readStatus(list.bits, entry.statusListIndex, entry.statusSize);
  } catch (error) {
    return { check: 'status', outcome: 'fail', code: 'RANGE_ERROR', message: (error as Error).message, details };
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
      code: 'CREDENTIAL_REVOKED',
      message: `revoked (index ${entry.statusListIndex} of ${list.id})`,
      details: withValue,
    };
  }
  if (value !== 0 && entry.statusPurpose === 'suspension') {
    return {
      check: 'status',
      outcome: 'fail',
      code: 'CREDENTIAL_SUSPENDED',
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

function validityCheck(credential: Record<string, unknown>, now: number): CheckResult {
  const from = credential.validFrom ?? credential.issuanceDate;
  const until = credential.validUntil ?? credential.expirationDate;
  const fromMs = from === undefined ? undefined : dateOf(from);
  const untilMs = until === undefined ? undefined : dateOf(until);
  if ((from !== undefined && fromMs === undefined) || (until !== undefined && untilMs === undefined)) {
    return {
      check: 'validity',
      outcome: 'fail',
      code: 'MALFORMED_VALUE_ERROR',
      message: 'validFrom/validUntil must be XML Schema dateTime values',
    };
  }
  if (fromMs !== undefined && now < fromMs) {
    return {
      check: 'validity',
      outcome: 'fail',
      code: 'CREDENTIAL_NOT_YET_VALID',
      message: `valid from ${new Date(fromMs).toISOString()}`,
    };
  }
  if (untilMs !== undefined && now > untilMs) {
    return {
      check: 'validity',
      outcome: 'fail',
      code: 'CREDENTIAL_EXPIRED',
      message: `expired at ${new Date(untilMs).toISOString()}`,
    };
  }
  return { check: 'validity', outcome: 'pass', message: 'within its validity period' };
}

function dateOf(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The as-of stamp of an answer: the governance version and every status list version read. */
export function asOfStamp(view: TrustView, lists: ReadonlyMap<string, StatusListState>, now: number): AsOf {
  return {
    time: new Date(now).toISOString(),
    governanceVersion: view.governance()?.record.version ?? null,
    statusLists: [...lists.values()].map((s) => ({
      id: s.list.id,
      validFrom: new Date(s.list.validFrom).toISOString(),
      digest: s.digest,
      receivedAt: new Date(s.receivedAt).toISOString(),
      ...(s.list.ttl !== undefined ? { ttl: s.list.ttl } : {}),
    })),
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
