/**
 * Cold-join benchmark (issue 11, second target): a network holding 10,000 records (the sample
 * network and 9,993 signed status lists of 131,072 entries, the records of anti-entropy.bench.ts,
 * read from the same cache in the temp directory or generated into it; each is submitted once
 * through a registry, whose stored form fills the peers' stores) and a fresh TrustmeshNode with
 * an empty store that dials one, then two, peers holding all of them and catches up by anti-entropy
 * alone, with the node's default sync settings (a round on connect, at most 2,000 records per round,
 * the next one after the peer's 1 s rate-limit interval). Real nodes: libp2p over the in-memory
 * transport with Noise and Yamux; every record the joiner receives goes through `registry.submit`,
 * signatures included.
 *
 * Printed: the time from the first dial until the joiner's store holds exactly the peers' records
 * (same keys, same digests; polled every 100 ms), the bytes the joiner read from sync streams
 * against the records' own size, and the rounds it took. Targets: identical ≤ 15 s, bytes ≤ 1.2 ×
 * the records' size. Not a test: a missed target prints MISS and the run still succeeds; a joiner
 * not identical after 120 s ends its row.
 * Run from packages/node: `npx -y pnpm@10 exec tsx bench/cold-join.bench.ts` (`--peers 1` runs one
 * row; `--regenerate` rebuilds the shared record cache).
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  canonicalBytes,
  createSampleNetwork,
  createStatusList,
  type IndexEntry,
  issueStatusList,
  MemoryRecordStore,
  type RecordStore,
  Registry,
  type StoredRecord,
  writeStatus,
} from '@trustmesh/registry';
import { createNetworkFile, type NetworkFile, TrustmeshNode } from '../src/index.ts';

// The cache of anti-entropy.bench.ts: same file name, version and layout, so either bench fills it.
const N = 10_000;
const EXTRA = 1_000;
const T0 = Date.parse('2026-06-01T00:00:00Z');
const CACHE_VERSION = 2;
const CACHE = join(tmpdir(), `trustmesh-anti-entropy-bench-v${CACHE_VERSION}-${N}.json`);
const DEADLINE_MS = 120_000;
const TARGET_MS = 15_000;
const TARGET_BYTES_RATIO = 1.2;

/** The signed records, as canonical JSON text (layout of anti-entropy.bench.ts). */
interface RecordCache {
  version: number;
  networkId: string;
  genesisDigest: string;
  network: string[];
  lists: string[];
  extra: string[];
  generationMs: number;
}

const utf8 = new TextEncoder();
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Generates the records exactly as anti-entropy.bench.ts does (copied: that file runs on import). */
async function generate(): Promise<RecordCache> {
  const started = performance.now();
  const net = await createSampleNetwork({ now: new Date(T0) });
  const issuers = [
    { key: net.keys.jpHealthInsurer, base: 'https://status.example/lists/jp-health/bulk' },
    { key: net.keys.twHealthInsurer, base: 'https://status.example/lists/tw-health/bulk' },
  ];
  const listCount = N - net.records.length;
  const bits = createStatusList(131_072);
  const sign = (i: number, validFrom: number, options: { set?: number; suffix?: string } = {}) => {
    const issuer = issuers[i % issuers.length]!;
    const list = new Uint8Array(bits);
    if (options.set !== undefined) writeStatus(list, options.set, 1, 1);
    const id = `${issuer.base}/${String(i).padStart(6, '0')}${options.suffix ?? ''}`;
    return issueStatusList(
      { issuer: issuer.key, id, statusPurpose: 'revocation', bits: list, validFrom: new Date(validFrom) },
      net.documentLoader,
    );
  };
  const text = (record: unknown) => new TextDecoder().decode(canonicalBytes(record));
  const lists: string[] = [];
  for (let i = 0; i < listCount; i++) {
    lists.push(text(await sign(i, T0 + 1_000)));
    if (i % 1000 === 999)
      process.stdout.write(`  signed ${i + 1} lists (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
  }
  const step = Math.floor(listCount / Math.ceil(EXTRA / 2));
  const extra: string[] = [];
  for (let k = 0; k < EXTRA; k++) {
    const i = Math.floor(k / 2) * step;
    extra.push(
      text(
        k % 2 === 0
          ? await sign(i, T0 + 2_000, { set: 42 + k })
          : await sign(i + (step >> 1), T0 + 2_000, { suffix: '-new' }),
      ),
    );
  }
  return {
    version: CACHE_VERSION,
    networkId: net.networkId,
    genesisDigest: net.genesisDigest,
    network: net.records.map(text),
    lists,
    extra,
    generationMs: performance.now() - started,
  };
}

async function loadRecords(): Promise<RecordCache> {
  if (!process.argv.includes('--regenerate') && existsSync(CACHE)) {
    const cache = JSON.parse(await readFile(CACHE, 'utf8')) as RecordCache;
    if (cache.version === CACHE_VERSION) return cache;
  }
  console.log(`Generating ${fmt(N + EXTRA)} signed records (cached afterwards in ${CACHE}) …`);
  const cache = await generate();
  await writeFile(CACHE, JSON.stringify(cache));
  return cache;
}

async function indexOf(store: RecordStore): Promise<string> {
  const entries: IndexEntry[] = [];
  for await (const entry of store.index()) entries.push(entry);
  return JSON.stringify(entries);
}

/** What `holder` holds and `joiner` lacks, grouped by key with digits and signing keys blanked. */
async function missing(holder: RecordStore, joiner: RecordStore): Promise<string> {
  const held = new Set<string>();
  for await (const entry of joiner.index()) held.add(`${entry.key}\0${entry.digest}`);
  const groups = new Map<string, number>();
  for await (const entry of holder.index()) {
    if (held.has(`${entry.key}\0${entry.digest}`)) continue;
    const group = entry.key.replace(/ \S+$/, ' <key>').replace(/\d+/g, '#');
    groups.set(group, (groups.get(group) ?? 0) + 1);
  }
  return [...groups]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([group, n]) => `${fmt(n)} × ${group}`)
    .join(', ');
}

interface Row {
  peers: number;
  identicalMs: number | null;
  bytesReceived: number;
  bytesSent: number;
  rounds: number;
  accepted: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { peers: { type: 'string' }, regenerate: { type: 'boolean' } } });
  const peerCounts = values.peers ? [Number(values.peers)] : [1, 2];
  console.log(
    `Cold-join benchmark — Node ${process.version}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? 'unknown'}), load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );
  const cache = await loadRecords();
  // The records are dated 2026-06-01: the nodes' clock runs from an hour later, at real speed (the
  // sync rate limits measure intervals with it).
  const started = Date.now();
  const now = () => T0 + 3_600_000 + (Date.now() - started);

  // Each of the two issuers holds ~5,000 lists: within the default per-issuer quota (16,384 lists).
  // Every record goes through the real pipeline once, into a seed store; each holder starts from a
  // copy of what it stored (keys, digests and versions exactly as the registry writes them).
  const seed = new MemoryRecordStore();
  const seedRegistry = await Registry.open(
    { networkId: cache.networkId, genesisDigest: cache.genesisDigest },
    { store: seed, now },
  );
  const fill = performance.now();
  for (const json of [...cache.network, ...cache.lists]) {
    const outcome = await seedRegistry.submit(utf8.encode(json));
    if (outcome.status !== 'accept') throw new Error(`record refused: ${outcome.error.code}`);
  }
  const records: StoredRecord[] = [];
  for await (const record of seed.records()) records.push(record);
  await seedRegistry.close();
  console.log(`Seed store filled through registry.submit in ${fmt(performance.now() - fill)} ms.`);
  const recordBytes = records.reduce((sum, r) => sum + r.bytes.byteLength, 0);
  const network: NetworkFile = createNetworkFile({
    networkId: cache.networkId,
    genesis: JSON.parse(cache.network[0]!) as Record<string, unknown>,
  });
  console.log(`Network: ${fmt(records.length)} records, ${fmt(recordBytes)} bytes (canonical).\n`);

  const options = {
    network,
    store: 'memory' as const,
    transport: 'memory' as const,
    metrics: { processMetrics: false },
    libp2p: { pingIntervalMs: 0 },
  };
  const rows: Row[] = [];
  for (const peers of peerCounts) {
    const holders: TrustmeshNode[] = [];
    const holderStores: MemoryRecordStore[] = [];
    for (let i = 0; i < peers; i++) {
      const store = new MemoryRecordStore();
      await store.open();
      await store.commit({ put: records });
      holderStores.push(store);
      holders.push(await TrustmeshNode.create(options, { store, now }));
    }
    const joinerStore = new MemoryRecordStore();
    const joiner = await TrustmeshNode.create(options, { store: joinerStore, now });
    const expected = await indexOf(holderStores[0]!);
    const t = performance.now();
    for (const holder of holders) await joiner.connect(holder.multiaddrs()[0]!);
    let identicalMs: number | null = null;
    while (performance.now() - t < DEADLINE_MS) {
      if (joiner.syncIndex.size === holders[0]!.syncIndex.size && (await indexOf(joinerStore)) === expected) {
        identicalMs = performance.now() - t;
        break;
      }
      await pause(100);
    }
    const counters = joiner.sync.counters();
    if (identicalMs === null) console.log(`    missing: ${await missing(holderStores[0]!, joinerStore)}`);
    rows.push({
      peers,
      identicalMs,
      bytesReceived: counters.bytesReceived,
      bytesSent: counters.bytesSent,
      rounds: counters.rounds.completed,
      accepted: counters.pulled.accept,
    });
    console.log(
      `  ${peers} peer(s): ${identicalMs === null ? `not identical after ${fmt(DEADLINE_MS)} ms (holds ${fmt(joiner.syncIndex.size)} of ${fmt(holders[0]!.syncIndex.size)} items)` : `identical after ${fmt(identicalMs)} ms`}, ${fmt(counters.bytesReceived)} bytes received in ${counters.rounds.completed} rounds (${counters.rounds.failed} failed)`,
    );
    await joiner.stop();
    for (const holder of holders) await holder.stop();
  }

  console.log(
    `\nCold join of ${fmt(records.length)} records (${fmt(recordBytes)} bytes), fresh node, default sync settings, libp2p memory transport + Noise + Yamux (bytes counted at the sync streams: frames + length prefixes)\n`,
  );
  const header = [
    'peers',
    'identical after',
    'target',
    '',
    'bytes received',
    'sent',
    '÷ records',
    'target',
    '',
    'rounds',
    'accepted',
  ];
  const lines = rows.map((r) => {
    const ratio = r.bytesReceived / recordBytes;
    return [
      String(r.peers),
      r.identicalMs === null ? `> ${fmt(DEADLINE_MS)} ms` : `${fmt(r.identicalMs)} ms`,
      `≤ ${fmt(TARGET_MS)} ms`,
      r.identicalMs !== null && r.identicalMs <= TARGET_MS ? 'OK' : 'MISS',
      fmt(r.bytesReceived),
      fmt(r.bytesSent),
      `${ratio.toFixed(3)} ×`,
      `≤ ${TARGET_BYTES_RATIO} ×`,
      ratio <= TARGET_BYTES_RATIO ? 'OK' : 'MISS',
      String(r.rounds),
      fmt(r.accepted),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const print = (cells: string[]) => console.log(cells.map((c, i) => c.padStart(widths[i]!)).join('  '));
  print(header);
  print(widths.map((w) => '-'.repeat(w)));
  for (const line of lines) print(line);
  console.log(
    `\nLoad average at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

await main();
