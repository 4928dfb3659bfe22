/**
 * The human-readable report of a certificate-chain verification (issue 14): one line per check
 * (path, validity, keyUsage, policy, revocation) with ✓ pass / ✗ fail / ? undetermined and its
 * code, the accredited CA it is anchored to, and the as-of stamp naming every CRL read. The
 * verdict and exit code are verification-report.ts's (0 verified, 1 not verified, 2 could not decide).
 */
import type { CertificateVerificationResult } from '@trustmesh/registry';
import { verdictOf } from './verification-report.ts';

const MARK = { pass: '✓', fail: '✗', undetermined: '?' } as const;

/** Report lines: verdict, each check, the anchor, the as-of stamp with its CRLs, and the source. */
export function describeCertificateVerification(result: CertificateVerificationResult, source: string): string[] {
  const headline = {
    verified: '✓ verified',
    'not-verified': '✗ not verified',
    undetermined: '? could not decide (not verified)',
  }[verdictOf(result)];
  const width = Math.max(...result.checks.map((c) => c.check.length));
  const lines = [headline];
  for (const check of result.checks) {
    const code = check.code && check.outcome !== 'pass' ? ` [${check.code}]` : '';
    lines.push(`  ${MARK[check.outcome]} ${check.check.padEnd(width)}  ${check.message}${code}`);
  }
  if (result.anchor) lines.push(`anchored to the accredited CA of ${result.anchor.accreditationId}`);
  const { asOf } = result;
  const governance =
    asOf.governanceVersion === null ? 'no governance held' : `governance version ${asOf.governanceVersion}`;
  lines.push(`as of ${asOf.time}${asOf.at ? ` (evaluated at ${asOf.at})` : ''}: ${governance}`);
  for (const crl of asOf.crls) {
    const next = crl.nextUpdate ? `, next update ${crl.nextUpdate}` : ', no next update';
    lines.push(`  CRL of ${crl.issuer}: number ${crl.crlNumber}, this update ${crl.thisUpdate}${next}`);
  }
  if (asOf.crls.length === 0) lines.push('  no CRL read');
  lines.push(`source: ${source}`);
  return lines;
}
