/**
 * The human-readable report of a verification (DESIGN.md, Verification of a credential): one line
 * per check with ✓ pass / ✗ fail / ? undetermined, its reason code, and the "as of" stamp that says
 * how fresh the answer is. Also the exit code the answer maps to.
 */
import type { CheckResult, VerificationResult } from '@trustmesh/registry';
import { EXIT, type ExitCode } from './output.ts';

/** The overall answer. */
export type Verdict = 'verified' | 'not-verified' | 'undetermined';

const MARK: Record<CheckResult['outcome'], string> = { pass: '✓', fail: '✗', undetermined: '?' };

/**
 * Verified when every check passed; not verified when any check failed; undetermined (fail closed,
 * DESIGN.md Principles §6) when nothing failed but something could not be decided.
 */
export function verdictOf(result: { verified: boolean; checks: readonly Pick<CheckResult, 'outcome'>[] }): Verdict {
  if (result.verified) return 'verified';
  return result.checks.some((c) => c.outcome === 'fail') ? 'not-verified' : 'undetermined';
}

/** Exit code of a verdict: 0 verified, 1 not verified, 2 could not decide. */
export function verdictExitCode(verdict: Verdict): ExitCode {
  if (verdict === 'verified') return EXIT.OK;
  return verdict === 'not-verified' ? EXIT.NOT_VERIFIED : EXIT.UNDECIDED;
}

/** Report lines: verdict, each check, the as-of stamp, warnings, and where the answer came from. */
export function describeVerification(result: VerificationResult, source: string): string[] {
  const verdict = verdictOf(result);
  const headline = {
    verified: '✓ verified',
    'not-verified': '✗ not verified',
    undetermined: '? could not decide (not verified)',
  }[verdict];
  const width = Math.max(...result.checks.map((c) => c.check.length), 8);
  const lines = [headline];
  for (const check of result.checks) {
    const code = check.code && check.outcome !== 'pass' ? ` [${check.code}]` : '';
    lines.push(`  ${MARK[check.outcome]} ${check.check.padEnd(width)}  ${check.message}${code}`);
  }
  const { asOf } = result;
  const governance =
    asOf.governanceVersion === null ? 'no governance held' : `governance version ${asOf.governanceVersion}`;
  lines.push(`as of ${asOf.time}: ${governance}`);
  for (const list of asOf.statusLists) {
    lines.push(`  status list ${list.id}: version of ${list.validFrom}, received ${list.receivedAt}`);
  }
  // An mdoc's issuer chain reads its IACA's CRLs (issue 14).
  for (const crl of asOf.crls ?? [])
    lines.push(`  CRL of ${crl.issuer}: number ${crl.crlNumber}, this update ${crl.thisUpdate}`);
  for (const warning of result.warnings) lines.push(`warning: ${warning}`);
  lines.push(`source: ${source}`);
  return lines;
}
