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
import { PROOF_CODES } from '../crypto/proofs.ts';
import { ValidationError } from '../errors.ts';
import { type PinnedKey, sameKey } from '../records/keys.ts';
import { W3C_ERROR_CODES } from '../validation/codes.ts';
import type { DocumentLoader } from '../validation/context.ts';
import { isObject } from '../validation/fields.ts';
import { verifyProofWithKeys } from '../validation/pinned-keys.ts';
import { type AsOf, asOfStamp, type CheckResult } from './check-result.ts';
import { SELECTABLE_CHECKS, type SelectableCheck } from './check-selection.ts';
import { type PassedScope, proofKeysFor, statusKeysFor } from './credential-keys.ts';
import { dataModelProblems, issuerUrlOf } from './data-model.ts';
import { proofTasks } from './proof-set.ts';
import { statusChecks } from './status-check.ts';
import { type ChainFailure, findChain, TRUST_CHAIN_CODES } from './trust-chain.ts';
import type { StatusListState, TrustView } from './trust-view.ts';

/**
 * Codes of the verifier's own checks, beside those of the modules it runs (proofs, trust chain,
 * status, W3C names). Check results, not errors: a merely invalid credential is an answer.
 */
export const VERIFY_CREDENTIAL_CODES = {
  /** `fail` (issuer check) — the credential names no type besides `VerifiableCredential`, so no accreditation can cover it. */
  CREDENTIAL_TYPE_MISSING: 'CREDENTIAL_TYPE_MISSING',
  /** `fail` (validity check) — `validFrom` (1.1: `issuanceDate`) lies in the future (VCDM 2.0 §4.9). */
  CREDENTIAL_NOT_YET_VALID: 'CREDENTIAL_NOT_YET_VALID',
  /** `fail` (validity check) — `validUntil` (1.1: `expirationDate`) has passed (VCDM 2.0 §4.9). */
  CREDENTIAL_EXPIRED: 'CREDENTIAL_EXPIRED',
} as const;

// The answer's parts and the status check live in their own modules; exported from here as before.
export { type AsOf, asOfStamp, type CheckOutcome, type CheckResult } from './check-result.ts';
export { queryStatus, type StatusQuery, type StatusQueryResult, statusCheck } from './status-check.ts';

const NO_ISSUER = 'issuer: must be a URL or an object whose id is a URL (VCDM 2.0 §4.7)';

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
      code: W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
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
  if (wanted('status') && issuer === null && credential.credentialStatus !== undefined) {
    // Without an issuer no list version counts (a list is read only as its issuer signed it).
    checks.push({ check: 'status', outcome: 'fail', code: W3C_ERROR_CODES.MALFORMED_VALUE_ERROR, message: NO_ISSUER });
  } else if (wanted('status') && issuer !== null) {
    const statusKeys = issuer_.every((c) => c.outcome === 'pass')
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
    if (!(error instanceof ValidationError)) throw error;
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
    return {
      keys: [],
      check: { check: 'proof', outcome: 'fail', code: W3C_ERROR_CODES.MALFORMED_VALUE_ERROR, message: NO_ISSUER },
    };
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
      const code = error instanceof ValidationError ? error.code : PROOF_CODES.INVALID;
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
  if (issuer === null)
    return [{ check: 'issuer', outcome: 'fail', code: W3C_ERROR_CODES.MALFORMED_VALUE_ERROR, message: NO_ISSUER }];
  const types = specificTypes(credential);
  if (types.length === 0) {
    return [
      {
        check: 'issuer',
        outcome: 'fail',
        code: VERIFY_CREDENTIAL_CODES.CREDENTIAL_TYPE_MISSING,
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
    // A URL issuer is accredited like a DID one (records/accreditation.ts: an issuer subject may be
    // an https URL, its keys pinned there), so it fails, or passes, the same way.
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

function validityCheck(credential: Record<string, unknown>, now: number): CheckResult {
  const from = credential.validFrom ?? credential.issuanceDate;
  const until = credential.validUntil ?? credential.expirationDate;
  const fromMs = from === undefined ? undefined : dateOf(from);
  const untilMs = until === undefined ? undefined : dateOf(until);
  if ((from !== undefined && fromMs === undefined) || (until !== undefined && untilMs === undefined)) {
    return {
      check: 'validity',
      outcome: 'fail',
      code: W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
      message: 'validFrom/validUntil must be XML Schema dateTime values',
    };
  }
  if (fromMs !== undefined && now < fromMs) {
    return {
      check: 'validity',
      outcome: 'fail',
      code: VERIFY_CREDENTIAL_CODES.CREDENTIAL_NOT_YET_VALID,
      message: `valid from ${new Date(fromMs).toISOString()}`,
    };
  }
  if (untilMs !== undefined && now > untilMs) {
    return {
      check: 'validity',
      outcome: 'fail',
      code: VERIFY_CREDENTIAL_CODES.CREDENTIAL_EXPIRED,
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
