/**
 * Certificate-chain verification benchmark (issue 14), side by side in one run, on the committed
 * openssl fixtures (test/fixtures/x509/chains): a 3-certificate JPKI-like chain (user-authentication
 * leaf → intermediate → accredited root, RSA 2048) and the intermediate's CRL.
 *
 * (a) `validateCertificatePath` (RFC 5280 §6.1 in process, sync) with revocation from a
 *     RevocationSource over a Map built once from the CRL (the replica's index stands in here; the
 *     source is injected, so the real CRL index drops in): every certificate parsed per call, and
 *     with a shared CertificateCache (parse + signature results keyed by the DER's SHA-256);
 * (b) `openssl verify -crl_check -CAfile root -untrusted inter -CRLfile crl leaf`, one whole
 *     process per verification, as a user would run it;
 * (c) @peculiar/x509 in process: parse the three certificates, `X509ChainBuilder.build` (it checks
 *     each signature), validity dates, and `X509Crl.findRevoked` on a CRL parsed once.
 *
 * (d) `verifyCertificateChain` through a Registry holding, as submitted records, the sample network,
 *     a CA accreditation of the root, the intermediate as a sub-CA certificate record
 *     (application/pkix-cert), and the root's and the intermediate's CRLs (DER): the anchors the
 *     trust view grants (prepared once per set by a shared CertificateVerificationCache) and
 *     revocation from `Registry.revocationSource()` over the registry's own compact CRL index.
 *
 * Target: (d) and (a) ≥ 10× (b) per verification. Also printed: the cost of refusing a 10 MB
 * certificate. Run: `npx -y pnpm@10 --filter @trustmesh/registry run bench:cert` (or `bench:x509`,
 * with the mdoc rows, in one run). With `CERT_BENCH_QUICK=1`, fewer runs (the `bench:x509` run).
 */
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { X509Certificate, X509ChainBuilder, X509Crl } from '@peculiar/x509';
import {
  CertificateVerificationCache,
  createSampleNetwork,
  issueAccreditation,
  MemoryRecordStore,
  pemToDer,
  Registry,
  verifyCertificateChain,
} from '../src/index.ts';
import { readCertificateInput } from '../src/x509/certificate-input.ts';
import { CertificateCache, prepareAnchors, validateCertificatePath } from '../src/x509/path/index.ts';
import { parseCertificate } from '../src/x509/path/parse-certificate.ts';
import type { CaTrustAnchor, CrlStamp, RevocationAnswer, RevocationSource } from '../src/x509/types.ts';

const DIR = fileURLToPath(new URL('../test/fixtures/x509/chains/', import.meta.url));
const file = (name: string) => `${DIR}${name}`;
const pem = (name: string) => readFileSync(file(`${name}.pem`), 'utf8');
const der = (name: string) => readCertificateInput(pem(name));
const OPENSSL = process.env.OPENSSL ?? '/usr/bin/openssl';
const QUICK = process.env.CERT_BENCH_QUICK === '1';
const runs = (n: number) => (QUICK ? Math.max(20, Math.round(n / 5)) : n);
const AT = Date.now(); // openssl verifies at the current time: evaluate ours at the same time

const [leaf, inter, root] = [der('leaf-auth'), der('inter'), der('root')];
const spki = (bytes: Uint8Array) => {
  const parsed = parseCertificate(bytes);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.cert.spkiSha256;
};

// The CRL, parsed once into a Map (serial hex → entry), as a replica holds it.
const crl = new X509Crl(readFileSync(file('inter.crl.der')));
const rootCrl = new X509Crl(readFileSync(file('root.crl.pem'), 'utf8'));
function index(c: X509Crl) {
  const stamp: CrlStamp = {
    issuer: c.issuer,
    crlNumber: '1',
    thisUpdate: c.thisUpdate.toISOString(),
    ...(c.nextUpdate ? { nextUpdate: c.nextUpdate.toISOString() } : {}),
  };
  const revoked = new Map(c.entries.map((e) => [e.serialNumber.toLowerCase(), e.revocationDate.getTime()]));
  return { stamp, revoked };
}
const byIssuer = new Map([
  [spki(inter), index(crl)],
  [spki(root), index(rootCrl)],
]);
const source: RevocationSource = {
  lookup(issuer, serial): RevocationAnswer {
    const held = byIssuer.get(issuer);
    if (!held) return { state: 'undetermined', code: 'CRL_MISSING' };
    const revokedAtMs = held.revoked.get(Buffer.from(serial).toString('hex'));
    return revokedAtMs === undefined
      ? { state: 'good', crl: held.stamp }
      : { state: 'revoked', revokedAtMs, crl: held.stamp };
  },
};
const anchor: CaTrustAnchor = {
  certificate: root,
  spkiSha256: spki(root),
  accreditationId: 'urn:accreditation:jpki-root',
  policies: [],
  docTypes: [],
  jurisdictions: ['JP'],
  maxPathLength: 2,
  holdFinal: true,
  validFromMs: 0,
  validUntilMs: Date.parse('2100-01-01'),
};
const anchors = prepareAnchors([anchor]);
const input = { chain: [leaf, inter, root], atMs: AT, purpose: 'clientAuth' as const };

// Sanity: the honest chain verifies, the revoked leaf does not — in all three.
const honest = validateCertificatePath(input, anchors, source);
if (!honest.verified) throw new Error(`honest chain: ${JSON.stringify(honest.checks)}`);
const revoked = validateCertificatePath({ ...input, chain: [der('leaf-wrong-ku'), inter, root] }, anchors, source);
if (revoked.checks[4]?.code !== 'CERTIFICATE_REVOKED') throw new Error('revoked leaf not refused');

function rate(label: string, runs: number, fn: () => void): number {
  for (let i = 0; i < Math.min(runs, 200); i++) fn(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) fn();
  const seconds = (performance.now() - t0) / 1000;
  const perSecond = runs / seconds;
  console.log(
    `${label.padEnd(64)} ${perSecond.toFixed(0).padStart(9)} /s  ${((seconds / runs) * 1e6).toFixed(1).padStart(9)} µs`,
  );
  return perSecond;
}
async function rateAsync(label: string, runs: number, fn: () => Promise<void>): Promise<number> {
  for (let i = 0; i < 20; i++) await fn();
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await fn();
  const seconds = (performance.now() - t0) / 1000;
  const perSecond = runs / seconds;
  console.log(
    `${label.padEnd(64)} ${perSecond.toFixed(0).padStart(9)} /s  ${((seconds / runs) * 1e6).toFixed(1).padStart(9)} µs`,
  );
  return perSecond;
}

console.log(
  `trustmesh certificate-chain benchmark — ${cpus()[0]?.model ?? 'cpu'} ×${cpus().length}, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}, node ${process.version}`,
);
console.log('chain: leaf-auth → inter → root (RSA 2048, sha256WithRSAEncryption); CRL of inter with 1 entry\n');

// (a) ours.
const ours = rate('(a) validateCertificatePath, parse per call', runs(5_000), () => {
  if (!validateCertificatePath(input, anchors, source).verified) throw new Error('not verified');
});
const cache = new CertificateCache({ maxEntries: 1024 });
const oursCached = rate('(a) validateCertificatePath, shared CertificateCache', runs(50_000), () => {
  if (!validateCertificatePath(input, anchors, source, { cache }).verified) throw new Error('not verified');
});

// (b) openssl verify, one process per verification.
const args = ['verify', '-crl_check', '-CAfile', file('root.pem'), '-untrusted', file('inter.pem')];
const opensslArgs = [...args, '-CRLfile', file('inter.crl.pem'), file('leaf-auth.pem')];
const check = spawnSync(OPENSSL, opensslArgs, { encoding: 'utf8' });
if (check.status !== 0 || !check.stdout.includes(': OK')) throw new Error(`openssl: ${check.stdout}${check.stderr}`);
const openssl = rate('(b) openssl verify -crl_check (one process each)', runs(50), () => {
  if (spawnSync(OPENSSL, opensslArgs).status !== 0) throw new Error('openssl refused');
});

// (c) @peculiar/x509 chain building + CRL lookup in process.
const peculiar = await rateAsync('(c) @peculiar/x509 X509ChainBuilder + X509Crl.findRevoked', runs(1_000), async () => {
  const [l, i, r] = [new X509Certificate(leaf), new X509Certificate(inter), new X509Certificate(root)];
  const built = await new X509ChainBuilder({ certificates: [i, r] }).build(l);
  const now = new Date(AT);
  if (built.length !== 3 || !built.every((c) => c.notBefore <= now && now <= c.notAfter)) throw new Error('no chain');
  if (crl.findRevoked(l) !== null) throw new Error('revoked');
});

// (d) through a Registry: the accreditation as the trust view grants it, CRLs in the compact index.
const net = await createSampleNetwork({ now: new Date(AT - 60_000) });
const registry = await Registry.open(
  { networkId: net.networkId, genesisDigest: net.genesisDigest },
  { store: new MemoryRecordStore(), now: () => AT },
);
for (const record of net.records) await registry.submit(record);
const accreditation = await issueAccreditation(
  {
    accreditor: net.keys.jpAgency,
    role: 'ca',
    subjectCertificate: root,
    accreditedFor: [{ certificatePolicies: ['1.2.392.200149.8.5.1.3.30'], jurisdiction: 'JP' }],
    maxPathLength: 1,
    validFrom: new Date(AT - 30_000),
    validUntil: new Date(AT + 365 * 86_400_000),
  },
  net.documentLoader,
);
if ((await registry.submit(accreditation)).status !== 'accept') throw new Error('accreditation refused');
// The intermediate as a sub-CA certificate record, then both CRLs as DER records: what a node holds.
const rootCrlDer = pemToDer(readFileSync(file('root.crl.pem'), 'utf8'))?.der;
if (!rootCrlDer) throw new Error('root.crl.pem: no PEM block');
for (const [what, bytes] of [
  ['sub-CA certificate', inter],
  ['root CRL', rootCrlDer],
  ['intermediate CRL', new Uint8Array(readFileSync(file('inter.crl.der')))],
] as const) {
  const outcome = await registry.submit(bytes);
  if (outcome.status !== 'accept') throw new Error(`${what} refused: ${JSON.stringify(outcome.error.toJSON())}`);
}
if (registry.crls().length !== 2) throw new Error(`registry holds ${registry.crls().length} CRL scopes, not 2`);
const view = registry;
const serialOf = (bytes: Uint8Array) => {
  const parsed = parseCertificate(bytes);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.cert.serial;
};
// The revoked leaf is revoked in the registry's own index, the honest one good.
if (registry.lookup(spki(inter), serialOf(der('leaf-wrong-ku')), AT).state !== 'revoked')
  throw new Error('registry: revoked leaf not revoked');
if (registry.lookup(spki(inter), serialOf(leaf), AT).state !== 'good')
  throw new Error('registry: honest leaf not good');
const viewCache = new CertificateVerificationCache();
const chainText = [pem('leaf-auth'), pem('inter'), pem('root')];
const throughRegistry = () =>
  verifyCertificateChain({ chain: chainText, purpose: 'clientAuth' }, { view, now: AT, cache: viewCache });
const sample = throughRegistry();
if (!sample.verified || sample.asOf.crls.length !== 2)
  throw new Error(`registry row: ${JSON.stringify(sample.checks)}`);
const oursRegistry = rate('(d) verifyCertificateChain via Registry (PEM in, CRL index)', runs(20_000), () => {
  if (!throughRegistry().verified) throw new Error('not verified');
});
await registry.close();

// A 10 MB certificate, refused on its length.
const huge = new Uint8Array(10 * 1024 * 1024);
const hugeText = 'A'.repeat(10 * 1024 * 1024);
rate('readCertificateInput(10 MB bytes) → CERTIFICATE_TOO_LARGE', runs(100_000), () => {
  try {
    readCertificateInput(huge);
  } catch {}
});
rate('readCertificateInput(10 MB base64 text) → CERTIFICATE_TOO_LARGE', runs(100_000), () => {
  try {
    readCertificateInput(hugeText);
  } catch {}
});

console.log(
  `\nratio vs openssl (whole process): ${(ours / openssl).toFixed(0)}× parse per call, ${(oursCached / openssl).toFixed(0)}× cached` +
    `  (target ≥ 10×); vs @peculiar/x509: ${(ours / peculiar).toFixed(1)}× / ${(oursCached / peculiar).toFixed(0)}×`,
);
console.log(
  `through a Registry (d): ${(oursRegistry / openssl).toFixed(0)}× openssl (target ≥ 10×: ${oursRegistry / openssl >= 10 ? 'OK' : 'MISS'}), ${(oursRegistry / peculiar).toFixed(1)}× @peculiar/x509; accreditation, sub-CA and both CRLs submitted as records, revocation from Registry.revocationSource()`,
);

/** This run's figures (verifications per second), for bench/x509.bench.ts's summary. */
export const certFigures = { ours, oursCached, openssl, peculiar, oursRegistry };
