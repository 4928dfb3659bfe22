/**
 * Anti-entropy benchmark: two real nodes (libp2p over the in-memory transport with Noise and Yamux,
 * each with its own Registry) holding n = 10,000 valid signed records, of which d = 1, 100 and 1,000
 * differ (half new versions of lists both hold, half lists only one holds), spread evenly over the
 * key space. For each d, one round
 * started by the lagging node and one started by the up-to-date node; printed: bytes each way, round
 * trips, time until both stores are identical, and the comparison with d × the average size of the
 * differing records against the target bytes ≤ 2 × d × record size + 4 KB.
 *
 * The records are real: a sample network (two authorities, two accredited issuers) and 9,993 status
 * lists of 131,072 entries signed by the two issuers (eddsa-rdfc-2022 and ecdsa-rdfc-2019), plus
 * 1,000 more for the differences. Signing them takes a while, so they are generated once and cached
 * in the temp directory (`--regenerate` rebuilds the cache). Each node's store is filled directly
 * with the base records (they were validated when generated); everything anti-entropy transfers goes
 * through `registry.submit`, signatures included.
 *
 * Not a test: a missed target prints MISS and the run still succeeds.
 * Run: `npx -y pnpm@10 exec tsx bench/anti-entropy.bench.ts` from packages/node (~2 minutes on 2 cores
 * with a warm cache).
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Libp2p } from '@libp2p/interface';
import {
  canonicalBytes,
  createSampleNetwork,
  createStatusList,
  type IndexEntry,
  issueStatusList,
  MemoryRecordStore,
  parseStatusListCredential,
  type RecordStore,
  Registry,
  type StoredRecord,
  sha256Hex,
  statusListSlotKeyOf,
  statusListVersion,
  writeStatus,
} from '@trustmesh/registry';
import { createLibp2pNode } from '../src/network/libp2p.ts';
import { syncProtocol } from '../src/network/protocols.ts';
import {
  decodeReconcileMessage,
  defaultReconcileOptions,
  encodeReconcileMessage,
  type ReconcileMessage,
  Reconciler,
} from '../src/sync/reconciliation.ts';
import { SyncIndex } from '../src/sync/sync-index.ts';
import { RecordAdmission } from '../src/admission/record-admission.ts';
import { AntiEntropy, type SyncRoundStats } from '../src/sync/scheduler.ts';

const N = 10_000;
const DIFFERENCES = [1, 100, 1_000];
const T0 = Date.parse('2026-06-01T00:00:00Z');
const CACHE_VERSION = 2;
const CACHE = join(tmpdir(), `trustmesh-anti-entropy-bench-v${CACHE_VERSION}-${N}.json`);

/** The signed records of the benchmark, as canonical JSON text. */
interface RecordCache {
  version: number;
  networkId: string;
  genesisDigest: string;
  /** The sample network's records, in publishing order (submitted through a registry). */
  network: string[];
  /** Status lists completing the base set to N records. */
  lists: string[];
  /** Differences: even positions are new versions of existing lists, odd positions new lists. */
  extra: string[];
  generationMs: number;
}

const utf8 = new TextEncoder();
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

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
  // Differences spread evenly over the key space (the costly case for range-based reconciliation):
  // new versions of every step-th list, and new lists whose ids sort between existing ones.
  const maxD = Math.max(...DIFFERENCES);
  const step = Math.floor(listCount / Math.ceil(maxD / 2));
  const extra: string[] = [];
  for (let k = 0; k < maxD; k++) {
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

async function loadRecords(): Promise<{ cache: RecordCache; fromCache: boolean }> {
  if (!process.argv.includes('--regenerate') && existsSync(CACHE)) {
    const cache = JSON.parse(await readFile(CACHE, 'utf8')) as RecordCache;
    if (cache.version === CACHE_VERSION) return { cache, fromCache: true };
  }
  console.log(`Generating ${fmt(N + Math.max(...DIFFERENCES))} signed records (cached afterwards in ${CACHE}) …`);
  const cache = await generate();
  await writeFile(CACHE, JSON.stringify(cache));
  return { cache, fromCache: false };
}

/** A stored status list, as the registry would have stored it after validation. */
function storedList(json: string): StoredRecord {
  const bytes = utf8.encode(json);
  const value = JSON.parse(json);
  const list = parseStatusListCredential(value);
  // The registry's slot: the list id and its signing key (a did:key names it in the proof).
  const key = statusListSlotKeyOf(value);
  if (key === null) throw new Error(`${list.id}: the bench's lists are signed by did:key issuers`);
  return {
    key,
    kind: 'status-list',
    digest: sha256Hex(bytes),
    version: statusListVersion(list),
    bytes,
    receivedAt: T0,
  };
}

interface BenchNode {
  registry: Registry;
  store: RecordStore;
  index: SyncIndex;
  libp2p: Libp2p;
  antiEntropy: AntiEntropy;
}

async function indexOf(store: RecordStore): Promise<IndexEntry[]> {
  const entries: IndexEntry[] = [];
  for await (const entry of store.index()) entries.push(entry);
  return entries;
}

async function main(): Promise<void> {
  console.log(
    `Anti-entropy benchmark — Node ${process.version}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? 'unknown'})\n`,
  );
  const { cache, fromCache } = await loadRecords();
  console.log(
    fromCache
      ? `Records: loaded from cache ${CACHE} (generating them took ${(cache.generationMs / 1000).toFixed(1)} s).`
      : `Records: generated in ${(cache.generationMs / 1000).toFixed(1)} s (${(cache.generationMs / (cache.lists.length + cache.extra.length)) | 0} ms per signed list).`,
  );
  const clock = { now: T0 + 3_600_000 };

  // The sample network goes through the real pipeline once; its stored form is reused by every node.
  const seed = new MemoryRecordStore();
  const seedRegistry = await Registry.open(
    { networkId: cache.networkId, genesisDigest: cache.genesisDigest },
    { store: seed, now: () => clock.now },
  );
  for (const json of cache.network) {
    const outcome = await seedRegistry.submit(utf8.encode(json));
    if (outcome.status !== 'accept') throw new Error(`sample record refused: ${outcome.error.code}`);
  }
  const networkStored: StoredRecord[] = [];
  for await (const record of seed.records()) networkStored.push(record);
  const t = performance.now();
  const baseLists = cache.lists.map(storedList);
  const extras = cache.extra.map(storedList);
  console.log(
    `Base set: ${fmt(networkStored.length + baseLists.length)} records (${fmt(baseLists.length)} status lists); parsing took ${fmt(performance.now() - t)} ms.\n`,
  );

  const startNode = async (records: StoredRecord[]): Promise<BenchNode> => {
    const store = new MemoryRecordStore();
    await store.open();
    await store.commit({ put: records });
    const registry = await Registry.open(
      { networkId: cache.networkId, genesisDigest: cache.genesisDigest },
      { store, now: () => clock.now },
    );
    const index = await SyncIndex.fromStore(store);
    registry.onAdmitted((admission) => index.admit(admission));
    const libp2p = await createLibp2pNode({ transport: 'memory', gossipsub: {} });
    const antiEntropy = new AntiEntropy(
      { protocol: syncProtocol(cache.networkId), intervalMs: 0, syncOnConnect: false, minRoundIntervalMs: 0 },
      {
        libp2p,
        admission: new RecordAdmission({}, { registry, now: () => clock.now }),
        store,
        index,
        now: () => clock.now,
      },
    );
    await antiEntropy.start();
    return { registry, store, index, libp2p, antiEntropy };
  };
  const stopNode = async (node: BenchNode) => {
    await node.antiEntropy.stop();
    await node.libp2p.stop();
    await node.registry.close();
  };

  interface Row {
    d: number;
    initiator: string;
    stats: SyncRoundStats;
    recordBytes: number;
    identicalMs: number;
    identical: boolean;
  }
  const rows: Row[] = [];
  for (const d of DIFFERENCES) {
    const ahead = new Map<string, StoredRecord>();
    for (const record of [...networkStored, ...baseLists, ...extras.slice(0, d)]) ahead.set(record.key, record);
    const differing = extras.slice(0, d);
    const recordBytes = differing.reduce((sum, r) => sum + r.bytes.byteLength, 0);
    for (const initiator of ['behind', 'ahead'] as const) {
      const setup = performance.now();
      const a = await startNode([...ahead.values()]);
      const b = await startNode([...networkStored, ...baseLists]);
      await b.libp2p.dial(a.libp2p.getMultiaddrs());
      const setupMs = performance.now() - setup;
      const started = performance.now();
      const stats =
        initiator === 'behind'
          ? await b.antiEntropy.syncWith(a.libp2p.peerId)
          : await a.antiEntropy.syncWith(b.libp2p.peerId);
      const identicalMs = performance.now() - started;
      const identical = JSON.stringify(await indexOf(a.store)) === JSON.stringify(await indexOf(b.store));
      rows.push({ d, initiator, stats, recordBytes, identicalMs, identical });
      console.log(
        `  d = ${fmt(d)}, ${initiator === 'behind' ? 'lagging node starts' : 'up-to-date node starts'}: ${fmt(stats.bytesSent + stats.bytesReceived)} bytes, ${stats.roundTrips} round trips, identical after ${fmt(identicalMs)} ms (node setup ${fmt(setupMs)} ms)`,
      );
      await stopNode(a);
      await stopNode(b);
    }
  }

  console.log(
    `\nAnti-entropy, n = ${fmt(N)} records, two nodes over libp2p memory transport + Noise + Yamux (bytes counted at the sync stream: frames + length prefixes)\n`,
  );
  const header = [
    'd',
    'round started by',
    'bytes →',
    'bytes ←',
    'total',
    'round trips',
    'd × avg record',
    'overhead / diff',
    'target',
    'total / target',
    'records',
    'identical after',
    '',
  ];
  const lines = rows.map((r) => {
    const total = r.stats.bytesSent + r.stats.bytesReceived;
    const target = 2 * r.recordBytes + 4096;
    const moved = r.stats.recordsReceived + r.stats.recordsPushed;
    return [
      fmt(r.d),
      r.initiator === 'behind' ? 'lagging node' : 'up-to-date node',
      fmt(r.stats.bytesSent),
      fmt(r.stats.bytesReceived),
      fmt(total),
      String(r.stats.roundTrips),
      fmt(r.recordBytes),
      `${fmt((total - r.recordBytes) / r.d)} B`,
      fmt(target),
      `${((100 * total) / target).toFixed(0)} %`,
      `${moved} (${r.stats.recordsAccepted + r.stats.pushesAccepted} accepted)`,
      `${fmt(r.identicalMs)} ms`,
      r.identical && total <= target ? 'ok' : r.identical ? 'MISS' : 'NOT IDENTICAL',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const print = (cells: string[]) =>
    console.log(cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  print(header);
  print(widths.map((w) => '-'.repeat(w)));
  for (const line of lines) print(line);
  const avg = extras.reduce((s, r) => s + r.bytes.byteLength, 0) / extras.length;
  console.log(
    `\nAverage differing record: ${fmt(avg)} bytes. Target: total ≤ 2 × d × record size + 4 KB. "overhead / diff" = (total − record bytes) / d.`,
  );

  // Reconciliation alone (pure, no I/O), to show the O(d log n) message cost and the bootstrap case.
  console.log('\nReconciliation messages alone (pure, same 10,000-item index):');
  const baseIndexEntries: IndexEntry[] = [...networkStored, ...baseLists].map((r) => ({
    key: r.key,
    digest: r.digest,
  }));
  const baseIndex = SyncIndex.fromEntries(baseIndexEntries);
  const recon = (a: SyncIndex, b: SyncIndex) => {
    const started = performance.now();
    const initiator = new Reconciler(a.snapshot(), 'initiator');
    const responder = new Reconciler(b.snapshot(), 'responder');
    let bytes = 0;
    let roundTrips = 0;
    let message: ReconcileMessage | null = initiator.initiate();
    while (message) {
      const out = encodeReconcileMessage(message);
      const reply = encodeReconcileMessage(responder.receive(decodeReconcileMessage(out, defaultReconcileOptions))!);
      bytes += out.byteLength + reply.byteLength;
      roundTrips++;
      message = initiator.receive(decodeReconcileMessage(reply, defaultReconcileOptions));
    }
    return { bytes, roundTrips, found: initiator.have.length + initiator.need.length, ms: performance.now() - started };
  };
  console.log(
    `  ${'case'.padEnd(28)} ${'bytes'.padStart(9)} ${'bytes/diff'.padStart(10)} ${'round trips'.padStart(11)} ${'found'.padStart(7)} ${'cpu ms'.padStart(7)}`,
  );
  const cases: [string, SyncIndex, number][] = [['identical (d = 0)', SyncIndex.fromEntries(baseIndexEntries), 0]];
  for (const d of DIFFERENCES) {
    const ahead = SyncIndex.fromEntries(baseIndexEntries);
    for (const record of extras.slice(0, d)) ahead.upsert(record.key, record.digest);
    cases.push([`d = ${fmt(d)}`, ahead, d]);
  }
  for (const [name, other, d] of cases) {
    const r = recon(baseIndex, other);
    console.log(
      `  ${name.padEnd(28)} ${fmt(r.bytes).padStart(9)} ${(d ? fmt(r.bytes / d) : '—').padStart(10)} ${String(r.roundTrips).padStart(11)} ${String(r.found).padStart(7)} ${fmt(r.ms).padStart(7)}`,
    );
  }
  const boot = recon(SyncIndex.fromEntries(baseIndexEntries.slice(0, 1)), baseIndex);
  console.log(
    `  ${'bootstrap (1 vs 10,000)'.padEnd(28)} ${fmt(boot.bytes).padStart(9)} ${fmt(boot.bytes / (N - 1)).padStart(10)} ${String(boot.roundTrips).padStart(11)} ${String(boot.found).padStart(7)} ${fmt(boot.ms).padStart(7)}`,
  );
  const t2 = performance.now();
  SyncIndex.fromEntries(baseIndexEntries).snapshot();
  console.log(`  building a 10,000-item index and its snapshot: ${fmt(performance.now() - t2)} ms`);
  console.log(`  (a changed slot counts twice in "found": the old and the new version)`);
  await seedRegistry.close();
}

await main();
