/**
 * mdoc verification benchmark (issue 14, "Benchmark"), side by side in one run: verifications per
 * second of one ISO 18013-5 DeviceResponse (an mDL of 4 elements issued by @auth0/mdl with the
 * fixtures' JP DS certificate, ES256, device-signed over an OpenID4VP-style session transcript):
 *
 * - trustmesh: `readMdoc` + `verifyMdoc` (bounded CBOR decode, issuerAuth signature, every digest,
 *   docType, validity, issuing_country, device signature). The chain callback is a trivial
 *   pre-validated pass (it compares the DS certificate with the fixture's): RFC 5280 path validation
 *   is the x509 module's, benchmarked there;
 * - @auth0/mdl `Verifier.verify` on the same bytes and transcript, twice: with its own chain
 *   validation to the IACA root (@peculiar/x509), and with `disableCertificateChainValidation` —
 *   the fair row against the trivial callback.
 *
 * - trustmesh through a Registry: `verifyMdocCredential` (what `POST /credentials/verify` runs for
 *   `data:application/mdoc`) against a Registry holding the sample network and a CA accreditation
 *   of the fixtures' IACA for mDL × JP: RFC 5280 path validation of x5chain to it (anchors shared by a
 *   CertificateVerificationCache), revocation of the DS certificate from the IACA's CRL, submitted
 *   to the Registry as a DER record and read through `Registry.revocationSource()` from its compact
 *   CRL index, the status check, and the mapping onto proof / issuer / status / validity.
 *
 * Before timing, both must accept the honest response and refuse one with a tampered element.
 * Run: `npx -y pnpm@10 --filter @trustmesh/registry run bench:mdoc` (or `bench:x509`, with the
 * certificate-chain rows, in one run; `MDOC_BENCH_MS` sets the time per row). Prints the machine and
 * its load.
 */
import 'reflect-metadata';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Verifier } from '@auth0/mdl';
import {
  CertificateVerificationCache,
  createSampleNetwork,
  issueAccreditation,
  MemoryRecordStore,
  Registry,
  verifyMdocCredential,
} from '../src/index.ts';
import { readMdoc, verifyMdoc } from '../src/mdoc/index.ts';
import {
  AT_MS,
  auth0DeviceResponse,
  auth0Mdoc,
  encode,
  FX,
  MDL,
  PREVALIDATED_CHAIN,
  sessionTranscript,
  tag24,
} from '../test/helpers/mdoc-fixtures.ts';
import { x509Fixture } from '../test/helpers/replica-crls.ts';

const BUDGET_MS = Number(process.env.MDOC_BENCH_MS ?? 3_000);
const MIN_RUNS = 50;

const transcript = sessionTranscript('bench-nonce');
const transcriptBytes = Buffer.from(encode(tag24(transcript)));
const response = await auth0DeviceResponse(await auth0Mdoc(), transcript);
const tampered = (() => {
  const b = Buffer.from(response);
  b.write('Tanaka', b.indexOf('Yamada'));
  return new Uint8Array(b);
})();

const ours = (bytes: Uint8Array) =>
  verifyMdoc(readMdoc(bytes), { atMs: AT_MS, validateChain: PREVALIDATED_CHAIN, sessionTranscript: transcript })
    .verified;
const reference = new Verifier([FX.iacaPem]);
const theirs = async (bytes: Uint8Array, disableCertificateChainValidation: boolean) => {
  try {
    await reference.verify(bytes, { encodedSessionTranscript: transcriptBytes, disableCertificateChainValidation });
    return true;
  } catch {
    return false;
  }
};

// Both sides must agree before anything is timed.
if (!ours(response) || ours(tampered)) throw new Error('trustmesh: honest must verify, tampered must not');
for (const disable of [false, true])
  if (!(await theirs(response, disable)) || (await theirs(tampered, disable)))
    throw new Error(`@auth0/mdl (chain check ${!disable}): honest must verify, tampered must not`);

async function rate(name: string, run: () => unknown): Promise<number> {
  for (let i = 0; i < 20; i++) await run();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < BUDGET_MS || n < MIN_RUNS) {
    await run();
    n++;
  }
  const perSecond = (n * 1000) / (performance.now() - t0);
  console.log(`  ${name.padEnd(52)} ${perSecond.toFixed(0).padStart(8)} verifications/s`);
  return perSecond;
}

console.log(
  `mdoc verification — ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(`  DeviceResponse: ${response.byteLength} bytes, ES256 issuerAuth + ES256 deviceSignature, 4 elements`);
const tm = await rate('trustmesh readMdoc + verifyMdoc (pre-validated chain)', () => ours(response));
const refNoChain = await rate('@auth0/mdl Verifier.verify (chain check disabled)', () => theirs(response, true));
const refChain = await rate('@auth0/mdl Verifier.verify (chain to IACA root)', () => theirs(response, false));
// Through a Registry: the IACA accredited for mDL × JP (T0 … T0 + 1 year), its CRL (thisUpdate 2026-12-03).
const T0 = Date.parse('2026-06-01T00:00:00Z');
const NOW = Date.parse('2027-01-15T00:00:00Z');
const clock = { now: T0 + 60_000 };
const net = await createSampleNetwork({ now: new Date(T0) });
const registry = await Registry.open(
  { networkId: net.networkId, genesisDigest: net.genesisDigest },
  { store: new MemoryRecordStore(), now: () => clock.now },
);
for (const record of net.records) await registry.submit(record);
const iaca = await issueAccreditation(
  {
    accreditor: net.keys.jpAgency,
    role: 'ca',
    subjectCertificate: FX.iacaDer,
    accreditedFor: [{ docTypes: [MDL], jurisdiction: 'JP' }],
    validFrom: new Date(T0),
    validUntil: new Date(T0 + 365 * 86_400_000),
  },
  net.documentLoader,
);
if ((await registry.submit(iaca)).status !== 'accept') throw new Error('IACA accreditation refused');
clock.now = NOW;
// The IACA's CRL as a record (RFC 5280 §5, DER), judged and held by the Registry like any other.
const crlOutcome = await registry.submit(x509Fixture('verify/iaca-jp.crl.der'));
if (crlOutcome.status !== 'accept') throw new Error(`IACA CRL refused: ${JSON.stringify(crlOutcome.error.toJSON())}`);
if (registry.crls().length !== 1) throw new Error('the Registry does not hold the IACA CRL');
const view = registry;
const cache = new CertificateVerificationCache();
const throughRegistry = (bytes: Uint8Array) =>
  verifyMdocCredential(bytes, { view, now: NOW, sessionTranscript: transcript, cache }).verified;
const sample = verifyMdocCredential(response, { view, now: NOW, sessionTranscript: transcript, cache });
if (sample.asOf.crls?.length !== 1) throw new Error('via Registry: the IACA CRL was not read');
if (!throughRegistry(response) || throughRegistry(tampered))
  throw new Error('trustmesh via Registry: honest must verify, tampered must not');
const tmRegistry = await rate('trustmesh verifyMdocCredential via Registry (+ chain, CRL)', () =>
  throughRegistry(response),
);
await registry.close();
console.log(`  ratio vs @auth0/mdl, chain check disabled: ${(tm / refNoChain).toFixed(1)}×`);
console.log(`  ratio vs @auth0/mdl, with its chain check: ${(tm / refChain).toFixed(1)}×`);
console.log(
  `  via Registry vs @auth0/mdl with its chain check: ${(tmRegistry / refChain).toFixed(1)}×, without: ${(tmRegistry / refNoChain).toFixed(1)}× (IACA accreditation and CRL submitted as records; @auth0/mdl reads no CRL)`,
);

/** This run's figures (verifications per second), for bench/x509.bench.ts's summary. */
export const mdocFigures = { tm, refNoChain, refChain, tmRegistry };
