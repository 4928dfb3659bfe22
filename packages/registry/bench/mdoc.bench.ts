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
 * Before timing, both must accept the honest response and refuse one with a tampered element.
 * Run: `npx -y pnpm@10 --filter @trustmesh/registry run bench:mdoc`. Prints the machine and its load.
 */
import 'reflect-metadata';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Verifier } from '@auth0/mdl';
import { readMdoc, verifyMdoc } from '../src/mdoc/index.ts';
import {
  AT_MS,
  auth0DeviceResponse,
  auth0Mdoc,
  encode,
  FX,
  PREVALIDATED_CHAIN,
  sessionTranscript,
  tag24,
} from '../test/helpers/mdoc-fixtures.ts';

const BUDGET_MS = 3_000;
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
console.log(`  ratio vs @auth0/mdl, chain check disabled: ${(tm / refNoChain).toFixed(1)}×`);
console.log(`  ratio vs @auth0/mdl, with its chain check: ${(tm / refChain).toFixed(1)}×`);
