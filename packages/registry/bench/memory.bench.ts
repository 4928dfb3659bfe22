/**
 * Memory part of the registry benchmark, run by bench/registry.bench.ts in a fresh process with
 * `--expose-gc` so only this process's heap counts. Prints one JSON line (MemoryReport) on stdout.
 *
 * - `fill <dir>`: opens a Registry over LevelDB in `<dir>/db`, admits the sample network from
 *   `<dir>/meta.json` (baseline), then every signed list of `<dir>/lists.jsonl`.
 * - `reopen <dir>`: opens a Registry on the filled `<dir>/db` and reports load time and memory.
 *
 * RSS is read after repeated full garbage collections, so it is what the held state costs, not
 * garbage left from validating it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LevelRecordStore, Registry } from '../src/index.ts';

/** What the parent writes to `meta.json`. */
interface MemoryInput {
  networkId: string;
  genesisDigest: string;
  /** The registry's clock, ms since the epoch. */
  now: number;
  /** The sample network's records, in publishing order. */
  network: unknown[];
}

const [mode, dir] = process.argv.slice(2);
if ((mode !== 'fill' && mode !== 'reopen') || dir === undefined) {
  throw new Error('usage: memory.bench.ts fill|reopen <dir>');
}
/** V8's `gc()` extension; `last-resort` collects all available garbage and returns pooled pages. */
type GarbageCollect = (options?: { type?: 'minor' | 'major'; flavor?: 'regular' | 'last-resort' }) => void;
const gc = (globalThis as { gc?: GarbageCollect }).gc;
if (!gc) throw new Error('run with --expose-gc');

async function settledMemory(): Promise<NodeJS.MemoryUsage> {
  // A regular full GC leaves the pages V8 grew into while validating (jsonld garbage) committed in
  // its page pool, so RSS would count the validation's high-water mark, not the held state. Several
  // rounds, yielding between them, so finalizers and weak references are processed too.
  for (let i = 0; i < 3; i++) {
    gc?.({ type: 'major', flavor: 'last-resort' });
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage();
}

const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as MemoryInput;
const store = new LevelRecordStore({ location: join(dir, 'db') });
const options = { networkId: meta.networkId, genesisDigest: meta.genesisDigest };
const modules = { store, now: () => meta.now };

if (mode === 'fill') {
  const registry = await Registry.open(options, modules);
  for (const record of meta.network) await mustAccept(registry, record);
  const baseline = await settledMemory();

  let lines: string[] | null = (await readFile(join(dir, 'lists.jsonl'), 'utf8')).split('\n').filter((l) => l !== '');
  const encoder = new TextEncoder();
  const start = performance.now();
  // Records arrive as bytes (gossip, anti-entropy, HTTP); the registry keeps its own canonical copy.
  for (const line of lines) await mustAccept(registry, encoder.encode(line));
  const admitMs = performance.now() - start;
  const lists = registry.statusListIds().length - countLists(meta.network);
  lines = null;
  const loaded = await settledMemory();
  report({ ...figures(baseline, loaded), admitMs, loadMs: 0, lists });
  await registry.close();
} else {
  const baseline = await settledMemory();
  const start = performance.now();
  const registry = await Registry.open(options, modules);
  const loadMs = performance.now() - start;
  const lists = registry.statusListIds().length - countLists(meta.network);
  const loaded = await settledMemory();
  report({ ...figures(baseline, loaded), admitMs: 0, loadMs, lists });
  await registry.close();
}

async function mustAccept(registry: Registry, record: unknown): Promise<void> {
  const outcome = await registry.submit(record);
  if (outcome.status !== 'accept') throw new Error(`record not admitted: ${JSON.stringify(outcome.error.toJSON())}`);
}

function countLists(records: unknown[]): number {
  return records.filter((r) =>
    JSON.stringify((r as { type?: unknown }).type ?? '').includes('BitstringStatusListCredential'),
  ).length;
}

function figures(baseline: NodeJS.MemoryUsage, loaded: NodeJS.MemoryUsage) {
  return {
    rssBaseline: baseline.rss,
    rssLoaded: loaded.rss,
    heapBaseline: baseline.heapUsed,
    heapLoaded: loaded.heapUsed,
    heapCommitted: loaded.heapTotal,
    arrayBuffersBaseline: baseline.arrayBuffers,
    arrayBuffersLoaded: loaded.arrayBuffers,
    external: loaded.external,
  };
}

function report(value: Record<string, number>): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
