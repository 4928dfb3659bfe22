/**
 * The registry's issue-14 figures in one run: the certificate-chain rows (cert-verify.bench.ts:
 * ours, ours through a Registry holding the accreditation, sub-CA and CRLs as records, `openssl verify
 * -crl_check` one process each, @peculiar/x509 in process) and the mdoc rows (mdoc.bench.ts: ours,
 * through a Registry holding the IACA accreditation and its CRL as records, @auth0/mdl with and
 * without its chain check), then one summary table with the targets. The 1,000,000-serial CRL
 * figures of a whole node are `pnpm bench:crl` in packages/node; the registry-only ones
 * `pnpm bench:crl` here.
 *
 * Run: `npx -y pnpm@10 --filter @trustmesh/registry run bench:x509` (about a minute on 2 cores).
 */
process.env.CERT_BENCH_QUICK ??= '1';
process.env.MDOC_BENCH_MS ??= '1500';

const { certFigures: c } = await import('./cert-verify.bench.ts');
console.log('');
const { mdocFigures: m } = await import('./mdoc.bench.ts');

const row = (name: string, perSecond: number, versus: string, ratio: number, target?: number) =>
  console.log(
    `${name.padEnd(58)} ${perSecond.toFixed(0).padStart(7)} /s  ${versus.padEnd(34)} ${`${ratio.toFixed(1)}×`.padStart(7)}` +
      (target === undefined ? '' : `  target ≥ ${target}×  ${ratio >= target ? 'OK' : 'MISS'}`),
  );
console.log('\nissue 14 — registry figures, side by side (verifications per second)');
row(
  'chain + CRL via Registry (records submitted)',
  c.oursRegistry,
  'vs openssl verify -crl_check',
  c.oursRegistry / c.openssl,
  10,
);
row(
  'chain + CRL, validateCertificatePath (parse per call)',
  c.ours,
  'vs openssl verify -crl_check',
  c.ours / c.openssl,
  10,
);
row(
  'chain + CRL via Registry (records submitted)',
  c.oursRegistry,
  'vs @peculiar/x509 + findRevoked',
  c.oursRegistry / c.peculiar,
);
row(
  'mdoc via Registry (chain + IACA CRL as records)',
  m.tmRegistry,
  'vs @auth0/mdl, its chain check',
  m.tmRegistry / m.refChain,
);
row(
  'mdoc via Registry (chain + IACA CRL as records)',
  m.tmRegistry,
  'vs @auth0/mdl, no chain check',
  m.tmRegistry / m.refNoChain,
);
row('mdoc readMdoc + verifyMdoc (pre-validated chain)', m.tm, 'vs @auth0/mdl, no chain check', m.tm / m.refNoChain);
console.log(
  `reference rates: openssl ${c.openssl.toFixed(0)} /s, @peculiar/x509 ${c.peculiar.toFixed(0)} /s, @auth0/mdl ${m.refChain.toFixed(0)} /s (chain) / ${m.refNoChain.toFixed(0)} /s (no chain)`,
);
