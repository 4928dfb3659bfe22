/**
 * Propagation benchmark: N = 20, 50 and 100 real nodes (TrustmeshNode: registry on the memory store,
 * libp2p over the in-memory transport with Noise and Yamux, gossipsub with the records topic's
 * scoring; process metrics and connection pings off, as N co-located copies would multiply them on
 * one thread) in one process, on a random topology in which every node dials 4–6 random peers. Once
 * every node's gossipsub mesh has formed (mesh ≥ min(Dlo, topic peers) everywhere and the mesh graph
 * strongly connected), ≥ 30 updates — each a new version of a status list revoking one more entry,
 * signed beforehand so that signing is not timed — are published one at a time from a random node
 * with `submitAndPublish`. An update's time-to-all runs from the call until the last node's registry
 * has admitted it (`registry.onAdmitted`, performance.now()), so it includes full validation
 * (parsing, gunzip, trust chain, signature) at every node. Anti-entropy is off (no timer, no round on
 * connect): the figures are gossip's alone.
 *
 * The floor, in the same run and on the same topology: plain libp2p hosts with the same gossipsub
 * settings on another topic whose validator accepts everything, publishing 200-byte messages.
 *
 * All nodes share one JavaScript thread, so an update's time-to-all is bounded below by the CPU that
 * every node's validation and forwarding take together; the run prints that CPU (own, and the whole
 * machine's, since other processes compete for the cores) for the median and the slowest update,
 * and the background CPU of the idle nodes (heartbeats), so a miss can be attributed.
 *
 * Each N runs in a child process of its own, so memory figures (RSS / N) do not mix. Not a test: a
 * missed target prints MISS and the run still succeeds.
 * Run from packages/node: `npx -y pnpm@10 exec tsx bench/propagation.bench.ts`
 * (`--n 50` runs one size in this process; BENCH_UPDATES = 50 by default, BENCH_SEED = 1,
 * BENCH_VERBOSE=1 prints every update, BENCH_PROFILE=<dir> writes a CPU profile of the records phase).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { TopicValidatorResult } from '@libp2p/gossipsub';
import {
  canonicalBytes,
  createSampleNetwork,
  issueStatusList,
  type KeyPair,
  type SampleNetwork,
  sha256Hex,
  writeStatus,
} from '@trustmesh/registry';
import { defaultRecordGossipsubOptions, recordGossipsubInit } from '../src/gossip/gossipsub-config.ts';
import { createLibp2pNode, type TrustmeshLibp2p } from '../src/network/libp2p.ts';
import { createNetworkFile, type NetworkFile } from '../src/network/network-file.ts';
import { TrustmeshNode } from '../src/trustmesh-node.ts';

const SIZES = [20, 50, 100];
const UPDATES = Number(process.env.BENCH_UPDATES ?? 50);
const SEED = Number(process.env.BENCH_SEED ?? 1);
/** An update not held by every node this long after its publication counts as undelivered there. */
const DEADLINE_MS = 10_000;
// Revocations are rare events: a short pause after each update lets the previous one's duplicate
// forwarding and IHAVE traffic finish, so updates are measured one at a time.
const GAP_MS = 100;
/** Dials in flight at once while building the topology (libp2p refuses > 8 pending inbound upgrades per node). */
const DIAL_CONCURRENCY = 4;
/** Gossipsub's Dlo: a mesh this large (or every topic peer, if fewer) counts as formed. */
const MESH_LOW = 4;
const MESH_DEADLINE_MS = 60_000;
const TARGET_P99_MS = 1_000;
/** How long the background CPU (gossipsub heartbeats, libp2p timers) is sampled before the updates. */
const IDLE_MS = 3_000;
const TARGET_P99_N = 100;
const FLOOR_TOPIC = 'trustmesh-bench/floor';
const FLOOR_MESSAGE_BYTES = 200;

/** Summary of one kind of traffic at one N. */
interface TrafficResult {
  updates: number;
  /** (update, node) pairs delivered within the deadline. */
  delivered: number;
  pairs: number;
  /** Time-to-all of every update that reached all nodes, ms. */
  timeToAll: number[];
  /** Every single delivery latency (origin excluded), ms. */
  deliveries: number[];
  /** The slowest fully delivered update: where its time went. */
  slowest: Spent | null;
  /** Median over updates of this process's CPU time while one was spreading, ms. */
  medianCpuMs: number;
}

/** Where the wall time of one update went. */
interface Spent {
  wallMs: number;
  /** CPU time of this process (all nodes, GC included) meanwhile. */
  cpuMs: number;
  /** CPU time of the whole machine (every core, every process) meanwhile. */
  machineMs: number;
  /** Garbage-collection pauses of this process meanwhile. */
  gcMs: number;
}

/** One update's measurement. */
interface Measured {
  times: Float64Array;
  origin: number;
  spent: Spent;
}

/** Total garbage-collection pause time of this process so far, ms. */
const gcPauses = { totalMs: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcPauses.totalMs += entry.duration;
}).observe({ entryTypes: ['gc'] });

/** Busy CPU time of the whole machine so far, ms (os.cpus() ticks: 10 ms resolution). */
function machineBusyMs(): number {
  return cpus().reduce((sum, { times: t }) => sum + t.user + t.nice + t.sys + t.irq, 0);
}

/** What one N produces (written as JSON by the child process). */
interface SizeResult {
  n: number;
  edges: number;
  meanDegree: number;
  meshFormedMs: number;
  meanMesh: number;
  meshConnected: boolean;
  setupMs: number;
  /** CPU this process uses with the nodes up and no update in flight (heartbeats, timers), as a share of one core. */
  idleCpu: number;
  memory: { rssBaseline: number; rss: number; heapBaseline: number; heap: number };
  records: TrafficResult;
  floor: TrafficResult;
  recordBytes: number;
}

/** A small seeded PRNG (mulberry32), so topologies and origins repeat across runs. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every node dials 4–6 distinct random peers; returns the undirected edges as (dialler, target). */
function randomTopology(n: number, random: () => number): [number, number][] {
  const seen = new Set<string>();
  const edges: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const want = 4 + Math.floor(random() * 3);
    for (let made = 0, tries = 0; made < want && tries < 1000; tries++) {
      const j = Math.floor(random() * n);
      const key = i < j ? `${i}-${j}` : `${j}-${i}`;
      if (j === i || seen.has(key)) continue;
      seen.add(key);
      edges.push([i, j]);
      made++;
    }
  }
  return edges;
}

async function connectTopology(hosts: TrustmeshLibp2p[], edges: [number, number][]): Promise<void> {
  const queue = [...edges];
  const worker = async () => {
    for (let edge = queue.shift(); edge; edge = queue.shift()) {
      const [from, to] = edge;
      await hosts[from]!.dial(hosts[to]!.getMultiaddrs(), { signal: AbortSignal.timeout(30_000) });
    }
  };
  await Promise.all(Array.from({ length: DIAL_CONCURRENCY }, worker));
}

/** Whether every node reaches every other along mesh links (directed: X forwards to X's mesh). */
function stronglyConnected(mesh: number[][]): boolean {
  const reaches = (adjacency: number[][]) => {
    const seen = new Set([0]);
    const stack = [0];
    while (stack.length > 0) {
      for (const next of adjacency[stack.pop()!]!) {
        if (!seen.has(next)) {
          seen.add(next);
          stack.push(next);
        }
      }
    }
    return seen.size === adjacency.length;
  };
  const reverse: number[][] = mesh.map(() => []);
  mesh.forEach((targets, from) => {
    for (const to of targets) reverse[to]!.push(from);
  });
  return reaches(mesh) && reaches(reverse);
}

/** A host's gossipsub mesh on `topic` (peer ids). */
function meshPeers(host: TrustmeshLibp2p, topic: string): string[] {
  // getMeshPeers is public on gossipsub's class but not on its exported interface.
  return (host.services.pubsub as unknown as { getMeshPeers(topic: string): string[] }).getMeshPeers(topic);
}

/** Waits until every host's mesh on `topic` has formed; returns how long it took and its shape. */
async function waitForMesh(
  hosts: TrustmeshLibp2p[],
  topic: string,
): Promise<{ ms: number; meanMesh: number; connected: boolean }> {
  const started = performance.now();
  const index = new Map(hosts.map((h, i) => [h.peerId.toString(), i]));
  for (;;) {
    const meshes = hosts.map((h) => meshPeers(h, topic));
    const formed = hosts.every((h, i) => {
      const peers = h.services.pubsub.getSubscribers(topic).length;
      return peers === h.getPeers().length && meshes[i]!.length >= Math.min(MESH_LOW, peers);
    });
    const graph = meshes.map((peers) => peers.map((p) => index.get(p)!).filter((i) => i !== undefined));
    const connected = formed && stronglyConnected(graph);
    const ms = performance.now() - started;
    if (connected || ms > MESH_DEADLINE_MS) {
      return { ms, meanMesh: meshes.reduce((s, m) => s + m.length, 0) / hosts.length, connected };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Publishes `count` updates one at a time and times their arrival everywhere. `publish(k, origin)`
 * sends update k from node `origin`; `arrived(k, node, at)` must be called by the caller's hooks.
 */
class ArrivalClock {
  private readonly n: number;
  private rows = new Map<string, { times: Float64Array; left: number; done: () => void }>();

  constructor(n: number) {
    this.n = n;
  }

  /** Records that node `node` holds message `id` now. */
  arrived(id: string, node: number): void {
    const row = this.rows.get(id);
    if (!row || !Number.isNaN(row.times[node]!)) return;
    row.times[node] = performance.now();
    if (--row.left === 0) row.done();
  }

  /**
   * Runs one publication and resolves with every node's arrival time relative to the start. With
   * `originHolds`, the origin holds the message from the start (plain gossipsub does not deliver
   * a host's own messages to itself); otherwise its own hook reports it (the registry admits first).
   */
  async measure(
    id: string,
    origin: number,
    publish: () => Promise<void>,
    options: { originHolds: boolean },
  ): Promise<Measured> {
    const times = new Float64Array(this.n).fill(Number.NaN);
    let done = () => {};
    const all = new Promise<void>((resolve) => {
      done = resolve;
    });
    const cpu = process.cpuUsage();
    const machine = machineBusyMs();
    const gc = gcPauses.totalMs;
    const started = performance.now();
    if (options.originHolds) times[origin] = started;
    this.rows.set(id, { times, left: options.originHolds ? this.n - 1 : this.n, done });
    await publish();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      all,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(0, started + DEADLINE_MS - performance.now()));
      }),
    ]);
    clearTimeout(timer);
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    // GC entries are delivered asynchronously: the last pause may be counted in the next update.
    const spent = {
      wallMs,
      cpuMs: (used.user + used.system) / 1000,
      machineMs: machineBusyMs() - machine,
      gcMs: gcPauses.totalMs - gc,
    };
    if (process.env.BENCH_VERBOSE)
      console.log(
        `    ${id.slice(0, 8)} from ${origin}: ${fmtMs(wallMs)} wall, ${fmtMs(spent.cpuMs)} CPU, ${fmtMs(spent.gcMs)} GC, machine ${fmtMs(spent.machineMs)}`,
      );
    this.rows.delete(id);
    return { times: times.map((t) => t - started), origin, spent };
  }
}

function summarise(results: Measured[]): TrafficResult {
  const out: TrafficResult = {
    updates: results.length,
    delivered: 0,
    pairs: 0,
    timeToAll: [],
    deliveries: [],
    slowest: null,
    medianCpuMs: percentile(
      results.map((r) => r.spent.cpuMs),
      50,
    ),
  };
  for (const { times, origin, spent } of results) {
    let all = true;
    times.forEach((t, node) => {
      out.pairs++;
      const ok = !Number.isNaN(t) && t <= DEADLINE_MS;
      if (ok) out.delivered++;
      else all = false;
      if (ok && node !== origin) out.deliveries.push(t);
    });
    if (!all) continue;
    out.timeToAll.push(Math.max(...times));
    if (!out.slowest || spent.wallMs > out.slowest.wallMs) out.slowest = spent;
  }
  return out;
}

/** Pre-signed updates: version k of one of the two issuers' lists, revoking one more entry each time. */
async function signUpdates(net: SampleNetwork, count: number, start: number): Promise<Uint8Array[]> {
  const lists: { key: KeyPair; id: string; bits: Uint8Array }[] = [
    { key: net.keys.jpHealthInsurer, id: net.lists.jpHealthInsurer, bits: new Uint8Array(131_072 / 8) },
    { key: net.keys.twHealthInsurer, id: net.lists.twHealthInsurer, bits: new Uint8Array(131_072 / 8) },
  ];
  const updates: Uint8Array[] = [];
  for (let k = 0; k < count; k++) {
    const list = lists[k % lists.length]!;
    writeStatus(list.bits, 1000 + k, 1, 1);
    const record = await issueStatusList(
      {
        issuer: list.key,
        id: list.id,
        statusPurpose: 'revocation',
        bits: list.bits,
        validFrom: new Date(start + 60_000 + k * 1000),
      },
      net.documentLoader,
    );
    updates.push(canonicalBytes(record));
  }
  return updates;
}

/** A V8 CPU profile of this process (BENCH_PROFILE=<dir>: the records phase, for chrome://inspect). */
async function startProfiler(): Promise<{ stop(path: string): Promise<void> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(path) {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(path, JSON.stringify(profile));
      session.disconnect();
      console.log(`  CPU profile of the records phase: ${path}`);
    },
  };
}

/** The share of one core this process uses over `IDLE_MS` with nothing published. */
async function idleCpuShare(): Promise<number> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await pause(IDLE_MS);
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 1000 / (performance.now() - started);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function stopAll(items: { stop(): Promise<void> | void }[]): Promise<void> {
  // Ten at a time: stopping closes connections, whose peers are stopping too.
  for (let i = 0; i < items.length; i += 10)
    await Promise.allSettled(items.slice(i, i + 10).map(async (x) => x.stop()));
}

async function runSize(n: number): Promise<SizeResult> {
  const random = seededRandom(SEED * 1000 + n);
  const start = Date.now() - 10 * 60_000;
  const net = await createSampleNetwork({ now: new Date(start) });
  const network: NetworkFile = createNetworkFile({
    networkId: net.networkId,
    genesis: net.genesis as unknown as Record<string, unknown>,
  });
  const updates = await signUpdates(net, UPDATES, start);
  const edges = randomTopology(n, random);
  const origins = Array.from({ length: UPDATES }, () => Math.floor(random() * n));
  globalThis.gc?.();
  const baseline = process.memoryUsage();

  // Real nodes. Anti-entropy off (no timer, no round on connect): what arrives, gossip brought.
  // Off as well, because N co-located nodes would multiply them on one thread, which a deployment
  // (one node per machine) never sees: process metrics (each node would monitor the same process;
  // measured: 100 idle nodes at ~40 % of a core with them), and libp2p's connection monitor (a ping
  // per connection every 10 s: ~1,000 ping streams in bursts at N = 100, idle CPU 10–60 % of a core).
  const setupStarted = performance.now();
  const nodes: TrustmeshNode[] = [];
  for (let i = 0; i < n; i++) {
    nodes.push(
      await TrustmeshNode.create({
        network,
        store: 'memory',
        transport: 'memory',
        sync: { intervalMs: 0, syncOnConnect: false },
        metrics: { processMetrics: false },
        libp2p: { pingIntervalMs: 0 },
      }),
    );
  }
  for (const node of nodes) {
    for (const record of net.records.slice(1)) {
      const outcome = await node.registry.submit(record);
      if (outcome.status !== 'accept') throw new Error(`sample record refused: ${outcome.error.code}`);
    }
  }
  const clock = new ArrivalClock(n);
  nodes.forEach((node, i) => {
    node.registry.onAdmitted((admission) => clock.arrived(admission.digest, i));
  });
  await connectTopology(
    nodes.map((x) => x.libp2p),
    edges,
  );
  const topic = nodes[0]!.gossip.topic;
  const mesh = await waitForMesh(
    nodes.map((x) => x.libp2p),
    topic,
  );
  const setupMs = performance.now() - setupStarted;
  globalThis.gc?.();
  const loaded = process.memoryUsage();
  const meanDegree = nodes.reduce((s, x) => s + x.libp2p.getPeers().length, 0) / n;
  const idleCpu = await idleCpuShare();
  console.log(
    `  N = ${n}: ${n} nodes up, ${edges.length} links (mean degree ${meanDegree.toFixed(1)}), mesh formed in ${Math.round(mesh.ms)} ms ` +
      `(mean mesh ${mesh.meanMesh.toFixed(1)}, strongly connected: ${mesh.connected}); setup ${(setupMs / 1000).toFixed(1)} s; ` +
      `idle CPU ${(100 * idleCpu).toFixed(0)} % of a core`,
  );

  const profiler = process.env.BENCH_PROFILE ? await startProfiler() : null;
  const recordRuns: Measured[] = [];
  for (let k = 0; k < UPDATES; k++) {
    const origin = origins[k]!;
    const bytes = updates[k]!;
    const measured = await clock.measure(
      sha256Hex(bytes),
      origin,
      async () => {
        const outcome = await nodes[origin]!.submitAndPublish(bytes);
        if (outcome.status !== 'accept') throw new Error(`update ${k} refused at its origin: ${outcome.error.code}`);
      },
      { originHolds: false },
    );
    recordRuns.push(measured);
    await pause(GAP_MS);
  }
  if (profiler) await profiler.stop(join(process.env.BENCH_PROFILE ?? '.', `propagation-records-${n}.cpuprofile`));
  const records = summarise(recordRuns);
  console.log(
    `  N = ${n}: records done (${records.delivered}/${records.pairs} deliveries, median time-to-all ${fmtMs(percentile(records.timeToAll, 50))})`,
  );
  await stopAll(nodes);

  // The floor: plain hosts, the same gossipsub settings, an accept-all validator, the same links.
  const hosts: TrustmeshLibp2p[] = [];
  for (let i = 0; i < n; i++) {
    hosts.push(
      await createLibp2pNode({
        transport: 'memory',
        pingIntervalMs: 0,
        gossipsub: recordGossipsubInit({ ...defaultRecordGossipsubOptions, topic: FLOOR_TOPIC }),
      }),
    );
  }
  const floorClock = new ArrivalClock(n);
  hosts.forEach((host, i) => {
    host.services.pubsub.topicValidators.set(FLOOR_TOPIC, () => TopicValidatorResult.Accept);
    host.services.pubsub.subscribe(FLOOR_TOPIC);
    host.services.pubsub.addEventListener('message', (event) => {
      if (event.detail.topic === FLOOR_TOPIC) floorClock.arrived(sha256Hex(event.detail.data), i);
    });
  });
  await connectTopology(hosts, edges);
  await waitForMesh(hosts, FLOOR_TOPIC);
  const floorRuns: Measured[] = [];
  for (let k = 0; k < UPDATES; k++) {
    const origin = origins[k]!;
    const message = randomBytes(FLOOR_MESSAGE_BYTES);
    const measured = await floorClock.measure(
      sha256Hex(message),
      origin,
      async () => {
        await hosts[origin]!.services.pubsub.publish(FLOOR_TOPIC, message);
      },
      { originHolds: true },
    );
    floorRuns.push(measured);
    await pause(GAP_MS);
  }
  const floor = summarise(floorRuns);
  await stopAll(hosts);

  return {
    n,
    edges: edges.length,
    meanDegree,
    meshFormedMs: mesh.ms,
    meanMesh: mesh.meanMesh,
    meshConnected: mesh.connected,
    setupMs,
    idleCpu,
    memory: { rssBaseline: baseline.rss, rss: loaded.rss, heapBaseline: baseline.heapUsed, heap: loaded.heapUsed },
    records,
    floor,
    recordBytes: updates.reduce((s, u) => s + u.byteLength, 0) / updates.length,
  };
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: with fewer than 100 values, p99 is the maximum.
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function fmtMs(ms: number): string {
  if (Number.isNaN(ms)) return '—';
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

function printTable(results: SizeResult[]): void {
  const header = [
    'N',
    'traffic',
    'updates',
    'delivery ratio',
    'time-to-all p50',
    'p99',
    'max',
    'one delivery p50',
    'p99',
    'RSS / N',
    'ΔRSS / N',
    'target',
    '',
  ];
  const rows: string[][] = [];
  for (const r of results) {
    for (const [name, t] of [
      ['records (full validation)', r.records],
      [`raw gossipsub floor (${FLOOR_MESSAGE_BYTES} B)`, r.floor],
    ] as const) {
      const ratio = t.delivered / t.pairs;
      const p99 = percentile(t.timeToAll, 99);
      const isRecords = t === r.records;
      const timed = isRecords && r.n === TARGET_P99_N;
      const meets = ratio === 1 && (!timed || p99 <= TARGET_P99_MS);
      rows.push([
        String(r.n),
        name,
        String(t.updates),
        ratio.toFixed(4),
        fmtMs(percentile(t.timeToAll, 50)),
        fmtMs(p99),
        fmtMs(t.timeToAll.length ? Math.max(...t.timeToAll) : Number.NaN),
        fmtMs(percentile(t.deliveries, 50)),
        fmtMs(percentile(t.deliveries, 99)),
        isRecords ? mib(r.memory.rss / r.n) : '',
        isRecords ? mib((r.memory.rss - r.memory.rssBaseline) / r.n) : '',
        timed ? `ratio 1.0, p99 ≤ ${TARGET_P99_MS} ms` : 'ratio 1.0',
        meets ? 'ok' : 'MISS',
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const print = (cells: string[]) =>
    console.log(cells.map((c, i) => (i === 1 || i === 11 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  print(header);
  print(widths.map((w) => '-'.repeat(w)));
  for (const row of rows) print(row);
  console.log(
    `\nTime-to-all: from the publish call at a random origin until the last node's registry admitted the update ` +
      `(records) or the last host received it (floor). Updates not held everywhere within ${DEADLINE_MS / 1000} s ` +
      `count against the delivery ratio and are left out of the time-to-all figures. p99 over ${UPDATES} updates is their maximum.`,
  );
  for (const r of results) {
    console.log(
      `N = ${r.n}: ${r.edges} links, mean degree ${r.meanDegree.toFixed(1)}, mean mesh ${r.meanMesh.toFixed(1)}, ` +
        `mesh formed in ${Math.round(r.meshFormedMs)} ms (strongly connected: ${r.meshConnected}), setup ${(r.setupMs / 1000).toFixed(1)} s, ` +
        `idle CPU ${(100 * r.idleCpu).toFixed(0)} % of a core; ` +
        `RSS ${mib(r.memory.rss)} (before the nodes: ${mib(r.memory.rssBaseline)}), heap ${mib(r.memory.heap)} ` +
        `(${mib((r.memory.heap - r.memory.heapBaseline) / r.n)} per node); update size ${Math.round(r.recordBytes)} B`,
    );
  }
  console.log(
    `\nWhere the time went (CPU of this process = all N nodes and GC; machine = all ${cpus().length} cores, every process; ` +
      'own CPU can exceed wall: GC and libuv threads run beside the one JavaScript thread all nodes share):',
  );
  for (const r of results) {
    for (const [name, t] of [
      ['records', r.records],
      ['floor', r.floor],
    ] as const) {
      const s = t.slowest;
      if (!s) continue;
      console.log(
        `  N = ${String(r.n).padStart(3)} ${name.padEnd(7)}  median update: ${fmtMs(t.medianCpuMs)} CPU;  slowest update: ${fmtMs(s.wallMs)} wall, ` +
          `${fmtMs(s.cpuMs)} own CPU (${Math.round((100 * s.cpuMs) / s.wallMs)} %, GC ${fmtMs(s.gcMs)}), machine busy ${fmtMs(s.machineMs)} ` +
          `(other processes ≈ ${fmtMs(Math.max(0, s.machineMs - s.cpuMs))})`,
      );
    }
  }
}

function machine(): string {
  const cpu = cpus();
  return `Node ${process.version}, ${process.platform}/${process.arch}, ${cpu.length} CPU(s) (${cpu[0]?.model ?? 'unknown'}), ${mib(totalmem())} RAM`;
}

/** Runs one size in a child process (its own heap and RSS) and reads back its result. */
async function runChild(n: number): Promise<SizeResult | null> {
  const dir = await mkdtemp(join(tmpdir(), 'trustmesh-propagation-'));
  const out = join(dir, 'result.json');
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      // process.execArgv carries tsx's loader, so the child runs this TypeScript file the same way.
      const child = spawn(
        process.execPath,
        [...process.execArgv, '--expose-gc', fileURLToPath(import.meta.url), '--n', String(n), '--out', out],
        { stdio: 'inherit' },
      );
      child.on('error', reject);
      child.on('exit', resolve);
    });
    if (code !== 0) {
      console.log(`  N = ${n}: the child process exited with code ${code}; no figures for this size.`);
      return null;
    }
    return JSON.parse(await readFile(out, 'utf8')) as SizeResult;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

async function main(): Promise<void> {
  const single = argument('--n');
  if (single !== undefined) {
    const result = await runSize(Number(single));
    const out = argument('--out');
    if (out) await writeFile(out, JSON.stringify(result));
    else printTable([result]);
    return;
  }
  console.log(`Propagation benchmark — ${machine()}`);
  console.log(
    `${UPDATES} updates per N, one at a time, each from a random node; topology: each node dials 4–6 random peers (seed ${SEED}); ` +
      'libp2p memory transport + Noise + Yamux; anti-entropy off.\n',
  );
  const results: SizeResult[] = [];
  for (const n of SIZES) {
    const started = performance.now();
    const result = await runChild(n);
    if (result) results.push(result);
    console.log(`  N = ${n}: finished in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  console.log('');
  printTable(results);
}

await main();
// libp2p leaves timers behind after stop (e.g. dial back-offs); the figures are printed, so exit.
process.exit(0);
