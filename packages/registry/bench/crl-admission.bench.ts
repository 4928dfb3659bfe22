/**
 * A 1,000,000-entry CRL through the registry's admission (issue 14), as a node runs it: submit (size,
 * header, signer, signature, entries decoded in yielding steps, judged, stored in memory), then a
 * restore of the same store. Prints the admission and restore times and the longest the event loop
 * was held meanwhile — monitorEventLoopDelay's max and the largest gap a 1 ms interval timer saw —
 * beside the one block of the synchronous decoder (readCrlEntries) on the same CRL.
 *
 * Run: `pnpm bench:crl-admission` (packages/registry). Target: no block near the ~1 s a million entries take.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { MemoryRecordStore, Registry, readCrlEntries, readCrlHeader } from '../src/index.ts';
import { accreditCa, MDL } from '../test/adversarial/ca-fixtures.ts';
import { largeCrl, randomEntries, selfSignedCa } from '../test/fixtures/x509/crl-kind/big-crl.ts';
import { makeWorld } from '../test/fixtures.ts';

const N = Number(process.env.CRL_BENCH_ENTRIES ?? 1_000_000);
const ms = (n: number) => `${n.toFixed(1)} ms`;

/** Runs `work` while watching the event loop; returns its result, its duration and the longest block. */
async function watched<T>(
  work: () => Promise<T>,
): Promise<{ value: T; elapsed: number; maxDelay: number; maxGap: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let last = performance.now();
  let maxGap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 1);
  histogram.enable();
  const start = performance.now();
  const value = await work();
  const elapsed = performance.now() - start;
  histogram.disable();
  clearInterval(timer);
  return { value, elapsed, maxDelay: histogram.max / 1e6, maxGap };
}

const store = new MemoryRecordStore();
const world = await makeWorld(store);
const ca = await selfSignedCa('Bench National CA');
const accreditation = await accreditCa(world, world.net.keys.jpAgency, ca.der, [
  { docTypes: [MDL], jurisdiction: 'JP' },
]);
const accepted = await world.registry.submit(accreditation);
if (accepted.status !== 'accept') throw new Error(JSON.stringify(accepted.error.toJSON()));
const der = largeCrl(ca, randomEntries(N), 1n, Date.UTC(2025, 0, 2));
console.log(`CRL: ${N.toLocaleString('en')} entries, ${(der.length / 1e6).toFixed(1)} MB DER`);

const sync = performance.now();
readCrlEntries(readCrlHeader(der, { ...(await import('../src/index.ts')).DEFAULT_CRL_LIMITS }));
console.log(`synchronous readCrlHeader + readCrlEntries: one block of ${ms(performance.now() - sync)}`);

const admission = await watched(() => world.registry.submit(der));
if (admission.value.status !== 'accept') throw new Error(JSON.stringify(admission.value.error.toJSON()));
console.log(
  `registry.submit: ${ms(admission.elapsed)}; longest event-loop block: ${ms(admission.maxDelay)} (monitorEventLoopDelay max), ${ms(admission.maxGap)} (largest 1 ms timer gap)`,
);
await world.registry.close();

const restore = await watched(() =>
  Registry.open(
    { networkId: world.net.networkId, genesisDigest: world.net.genesisDigest },
    { store, now: () => world.clock.now },
  ),
);
console.log(
  `Registry.open (restore): ${ms(restore.elapsed)}; longest event-loop block: ${ms(restore.maxDelay)} (monitorEventLoopDelay max), ${ms(restore.maxGap)} (largest 1 ms timer gap)`,
);
console.log(`held scopes after restore: ${restore.value.crls().length}`);
await restore.value.close();
