/**
 * Runs every node benchmark, one after another, each in a child process of its own (so one's
 * memory and timers cannot affect the next) and each printing its own table: propagation,
 * anti-entropy, the HTTP API, a hostile peer, a cold join, then a 1,000,000-serial CRL. Figures, not pass/fail: a
 * benchmark that misses a target prints MISS; this runner fails only if a benchmark crashes.
 * Run from packages/node: `npx -y pnpm@10 run bench` (the root's `bench:node` runs the same).
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/** The node benchmarks, in the order they run. */
const BENCHMARKS = [
  { name: 'Propagation (gossip, N = 20 / 50 / 100)', file: 'propagation.bench.ts' },
  { name: 'Anti-entropy (d = 1 / 100 / 1,000 of n = 10,000)', file: 'anti-entropy.bench.ts' },
  { name: 'HTTP API (autocannon on loopback)', file: 'http.bench.ts' },
  {
    name: 'Hostile peer (60 inflating gossip messages, then a 300-record PUSH session)',
    file: 'hostile-peer.bench.ts',
  },
  { name: 'Cold join (a fresh node catches up 10,000 records from 1 / 2 peers)', file: 'cold-join.bench.ts' },
  { name: 'A 1,000,000-serial CRL on a node (admission, RSS, bytes stored, lookups, verify)', file: 'crl.bench.ts' },
];

function run(file: string): Promise<number | null> {
  const path = fileURLToPath(new URL(file, import.meta.url));
  return new Promise((resolve, reject) => {
    // process.execArgv carries tsx's loader, so the child runs the TypeScript file the same way.
    const child = spawn(process.execPath, [...process.execArgv, path], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

const outcomes: { name: string; code: number | null; seconds: number }[] = [];
for (const { name, file } of BENCHMARKS) {
  console.log(`\n${'='.repeat(100)}\n${name} — bench/${file}\n${'='.repeat(100)}`);
  const started = performance.now();
  const code = await run(file);
  outcomes.push({ name, code, seconds: (performance.now() - started) / 1000 });
}
console.log(`\n${'='.repeat(100)}\nNode benchmarks`);
for (const { name, code, seconds } of outcomes) {
  console.log(`  ${code === 0 ? 'done  ' : `FAILED (exit ${code})`}  ${name}  ${seconds.toFixed(0)} s`);
}
process.exitCode = outcomes.every((o) => o.code === 0) ? 0 : 1;
