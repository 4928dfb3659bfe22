/**
 * One simulation run: real TrustmeshNodes (registry, libp2p, gossipsub, anti-entropy — the
 * production code) in this process over a {@link SimNetwork}, driven by a scenario's timeline and
 * workload, with every random choice drawn from the scenario's seed.
 *
 * Time is wall-clock time: a 60 s partition lasts 60 s. t = 0 is the end of warm-up; events are
 * stamped in ms since then. The harness knows, for every revocation, when it was published and
 * through which node, and it hooks `registry.onAdmitted` on every node, so propagation, delivery,
 * convergence and stale answers are computed from exact events rather than by polling.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { TrustmeshNode } from '@trustmesh/node';
import {
  type Admission,
  isBitstringStatusListEntry,
  LevelRecordStore,
  MemoryRecordStore,
  parseStatusEntries,
  type StatusListState,
  statusCheck,
  verifyCredential,
} from '@trustmesh/registry';
import { GossipMetricsRegister, type GossipTraffic } from '../fabric/gossip-metrics.ts';
import { LinkModel } from '../fabric/link-model.ts';
import { SimNetwork } from '../fabric/sim-network.ts';
import { Rng } from '../random.ts';
import type { NodeRole, NodeSelector, Scenario, TimelineAction } from '../scenario/scenario.ts';
import { generateTopology, type Topology } from '../topology.ts';
import { TrustWorld } from '../world/trust-world.ts';
import { type Behaviour, ByzantinePeer } from './byzantine.ts';
import { DeliveryTracker, type TrackedUpdate } from './delivery-tracker.ts';
import { EventLog, type SimEvent } from './event-log.ts';

/** Outcome of one verification at a verifier node. */
export type VerificationOutcome = 'valid' | 'revoked' | 'undetermined' | 'invalid';

/** One verification made during the run. */
export interface VerificationRecord {
  t: number;
  node: number;
  issuer: number;
  credential: number;
  outcome: VerificationOutcome;
  /** When the credential's revocation was published (ms since t = 0), if it was before `t`. */
  revokedAt: number | null;
  /** Answered "valid" although the credential was already revoked somewhere in the network. */
  stale: boolean;
}

/** Cumulative counters of one node over all its incarnations. */
export interface NodeTotals {
  gossip: GossipTraffic;
  syncBytes: number;
  rounds: { started: number; completed: number; failed: number };
  recordsAdmitted: number;
  accepted: number;
  rejected: number;
  ignored: number;
  evidencePublished: number;
  wireBytes: number;
}

/** One anti-entropy round as its initiator saw it. */
export interface RoundRecord {
  t: number;
  node: number;
  differences: number;
  bytes: number;
  roundTrips: number;
  durationMs: number;
}

/** A fault shown on plots. */
export interface FaultMarker {
  t: number;
  label: string;
}

/** Everything a run measured, before summarising. */
export interface RawRun {
  scenario: Scenario;
  nodes: number;
  /** Honest nodes up at the end (the denominator of the delivery ratio). */
  upAtEnd: number[];
  updates: TrackedUpdate[];
  deliveredAt: Map<number, Map<number, number>>;
  verifications: VerificationRecord[];
  rounds: RoundRecord[];
  totals: NodeTotals[];
  heals: { partitionAt: number; healAt: number }[];
  restarts: { node: number; at: number }[];
  joins: { node: number; at: number; convergedAt: number | null }[];
  faults: FaultMarker[];
  byzantine: { behaviour: Behaviour; sent: number; notSent: number; minScore: number | null; acceptedBad: number }[];
  resources: {
    wallSeconds: number;
    cpuUserSeconds: number;
    cpuSystemSeconds: number;
    rssBaselineMB: number;
    rssEndMB: number;
    rssPeakMB: number;
    heapUsedMB: number;
    lagP50Ms: number;
    lagP99Ms: number;
    lagMaxMs: number;
  };
  /** Byzantine digests some honest node admitted (must be empty). */
  acceptedBad: number;
}

/** A snapshot for progress display. */
export interface ProgressSnapshot {
  t: number;
  total: number;
  phase: 'setup' | 'warmup' | 'run' | 'drain' | 'done';
  up: number;
  nodes: number;
  connections: number;
  updates: number;
  coverage: number;
  verifications: number;
  stale: number;
  lagP99Ms: number;
}

/** Settings of {@link runSimulation}. */
export interface RunOptions {
  /** Where to write the event log (`events.jsonl`); null keeps nothing but the result. */
  eventLogPath: string | null;
  /** Cache directory for pre-signed lists (cold-join). */
  cacheDir?: string;
}

/** Environment of {@link runSimulation}. */
export interface RunModules {
  /** Called about once a second with the run's state. */
  progress?: (snapshot: ProgressSnapshot) => void;
  /** Setup messages. */
  log?: (message: string) => void;
}

interface SimNode {
  index: number;
  role: NodeRole;
  region: string;
  privateKey: PrivateKey;
  peerId: string;
  address: string;
  neighbours: number[];
  joiner: boolean;
  dataDir: string | null;
  memoryStore: MemoryRecordStore | null;
  node: TrustmeshNode | null;
  register: GossipMetricsRegister | null;
  busy: Promise<void>;
  skewMs: number;
  silent: boolean;
  incarnation: number;
  totals: NodeTotals;
}

const emptyTotals = (): NodeTotals => ({
  gossip: { rpcSentBytes: 0, rpcReceivedBytes: 0, firstDeliveries: 0, duplicates: 0, invalidBeforeValidation: 0 },
  syncBytes: 0,
  rounds: { started: 0, completed: 0, failed: 0 },
  recordsAdmitted: 0,
  accepted: 0,
  rejected: 0,
  ignored: 0,
  evidencePublished: 0,
  wireBytes: 0,
});

/** Sampling interval of the event-loop delay histogram, ms. */
const LAG_RESOLUTION_MS = 10;

const sum = (values: Record<string, number>) => Object.values(values).reduce((a, b) => a + b, 0);

/** Runs one scenario (one seed) and returns what it measured. */
export async function runSimulation(
  scenario: Scenario,
  options: RunOptions,
  modules: RunModules = {},
): Promise<RawRun> {
  const simulation = new Simulation(scenario, options, modules);
  try {
    return await simulation.run();
  } finally {
    await simulation.dispose();
  }
}

class Simulation {
  private readonly rng: Rng;
  private readonly events: EventLog;
  private readonly tracker = new DeliveryTracker();
  private readonly links: LinkModel;
  private readonly fabric: SimNetwork;
  private readonly nodes: SimNode[] = [];
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly tasks = new Set<Promise<unknown>>();
  private readonly verifications: VerificationRecord[] = [];
  private readonly rounds: RoundRecord[] = [];
  private readonly heals: RawRun['heals'] = [];
  private readonly restarts: RawRun['restarts'] = [];
  private readonly joins: RawRun['joins'] = [];
  private readonly faults: FaultMarker[] = [];
  private readonly byzantine: ByzantinePeer[] = [];
  private readonly revokedAt = new Map<string, number>();
  private readonly reroute = new Map<number, number>();
  private readonly latestRecord = new Map<number, Record<string, unknown>>();
  private readonly olderRecords: Record<string, unknown>[] = [];
  private readonly badAdmitted = new Set<string>();
  private world!: TrustWorld;
  private topology!: Topology;
  private tempDir: string | null = null;
  private t0 = 0;
  private phase: ProgressSnapshot['phase'] = 'setup';
  private partitionAt: number | null = null;
  private stopped = false;
  private joinersStarted = 0;

  constructor(
    private readonly scenario: Scenario,
    private readonly options: RunOptions,
    private readonly modules: RunModules,
  ) {
    this.rng = new Rng(scenario.seed, scenario.name);
    this.events = new EventLog(options.eventLogPath);
    this.links = new LinkModel({
      baseLatencyMs: (a, b) => this.topology.latencyMs(a, b),
      baseJitterMs: (a, b) => this.topology.jitterMs(a, b),
    });
    const linkRng = this.rng.fork('links');
    this.fabric = new SimNetwork({
      now: () => performance.now(),
      random: () => linkRng.next(),
      link: (from, to) => this.links.state(from, to),
    });
  }

  /** ms since t = 0. */
  private t(): number {
    return performance.now() - this.t0;
  }

  private log(event: Omit<SimEvent, 't'> & { t?: number }): void {
    this.events.write({ t: this.t(), ...event } as SimEvent);
  }

  async run(): Promise<RawRun> {
    const { scenario } = this;
    const say = this.modules.log ?? (() => undefined);
    say(
      `building the trust world: ${scenario.workload.issuers} issuers${scenario.workload.preloadLists ? `, ${scenario.workload.preloadLists} preloaded lists` : ''}`,
    );
    this.world = await TrustWorld.create({
      seed: scenario.seed,
      issuers: scenario.workload.issuers,
      agencies: scenario.nodes.roles.agency,
      credentialsPerIssuer: scenario.workload.credentialsPerIssuer,
      preloadLists: scenario.workload.preloadLists,
      // Accreditations and credentials were issued a day ago, as in a running network: a fresh
      // world dated "now" would make every node whose clock lags refuse the issuers (the registry
      // allows clock skew for future-dated lists, not for accreditation validity).
      now: Date.now() - 24 * 3600_000,
      log: say,
      ...(this.options.cacheDir ? { cacheDir: this.options.cacheDir } : {}),
    });
    const n = scenario.nodes.count;
    const initial = n - scenario.nodes.joiners;
    this.topology = generateTopology(scenario.topology, n, initial, this.rng.fork('topology'));
    await this.createNodes();
    this.tempDir = await mkdtemp(join(tmpdir(), `trustmesh-sim-${scenario.name}-`));
    const rssBaseline = process.memoryUsage().rss;

    say(`starting ${initial} nodes (${scenario.nodes.store} store)`);
    this.t0 = performance.now();
    for (const node of this.nodes.filter((x) => !x.joiner)) {
      await this.seedStore(node);
      await this.start(node);
    }
    await this.wireTopology();
    this.phase = 'warmup';
    const lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
    await this.sleep(scenario.warmup * 1000);

    // t = 0: the measured run.
    this.t0 = performance.now();
    this.phase = 'run';
    lag.enable();
    const cpu = process.cpuUsage();
    let rssPeak = process.memoryUsage().rss;
    this.log({ type: 'run-start', nodes: n, seed: scenario.seed });
    for (const action of scenario.timeline) this.at(action.at * 1000, () => this.apply(action));
    this.startWorkload();
    const progress = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      this.modules.progress?.(this.snapshot(lag));
    }, 1000);
    progress.unref();
    await this.sleep(scenario.duration * 1000);
    this.phase = 'drain';
    this.log({ type: 'drain-start' });
    await this.sleep(scenario.drain * 1000);
    this.phase = 'done';
    clearInterval(progress);
    lag.disable();
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    await Promise.allSettled([...this.tasks]);
    const cpuUsed = process.cpuUsage(cpu);
    const wallSeconds = this.t() / 1000;
    const memory = process.memoryUsage();
    rssPeak = Math.max(rssPeak, memory.rss);
    this.modules.progress?.(this.snapshot(lag));

    const upAtEnd = this.nodes.filter((x) => x.node).map((x) => x.index);
    for (const node of this.nodes) if (node.node) this.collect(node, node.node);
    const byzantine = this.byzantine.map((peer) => {
      const scores = this.nodes
        .filter((x) => x.node)
        .map((x) => x.node!.gossip.peerScore(peer.libp2p.peerId))
        .filter((s): s is number => s !== null);
      return {
        behaviour: peer.behaviour,
        sent: peer.counters.sent,
        notSent: peer.counters.notSent,
        minScore: scores.length > 0 ? Math.min(...scores) : null,
        acceptedBad: [...peer.badDigests].filter((d) => this.badAdmitted.has(d)).length,
      };
    });
    this.log({ type: 'run-end', upAtEnd: upAtEnd.length });
    // The histogram samples a timer firing every LAG_RESOLUTION_MS; the delay beyond it is the lag.
    const ns = (v: number) => (Number.isFinite(v) ? Math.max(0, v / 1e6 - LAG_RESOLUTION_MS) : 0);
    return {
      scenario,
      nodes: n,
      upAtEnd,
      updates: this.tracker.updates,
      deliveredAt: this.tracker.deliveredAt,
      verifications: this.verifications,
      rounds: this.rounds,
      totals: this.nodes.map((x) => x.totals),
      heals: this.heals,
      restarts: this.restarts,
      joins: this.joins,
      faults: this.faults,
      byzantine,
      resources: {
        wallSeconds,
        cpuUserSeconds: cpuUsed.user / 1e6,
        cpuSystemSeconds: cpuUsed.system / 1e6,
        rssBaselineMB: rssBaseline / 2 ** 20,
        rssEndMB: memory.rss / 2 ** 20,
        rssPeakMB: rssPeak / 2 ** 20,
        heapUsedMB: memory.heapUsed / 2 ** 20,
        lagP50Ms: ns(lag.percentile(50)),
        lagP99Ms: ns(lag.percentile(99)),
        lagMaxMs: ns(lag.max),
      },
      acceptedBad: this.badAdmitted.size,
    };
  }

  async dispose(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    await Promise.allSettled(this.byzantine.map((b) => b.stop()));
    await Promise.allSettled(this.nodes.map((x) => x.node?.stop()));
    await this.events.close().catch(() => undefined);
    if (this.tempDir) await rm(this.tempDir, { recursive: true, force: true });
  }

  // ---- nodes ------------------------------------------------------------------------------------

  private async createNodes(): Promise<void> {
    const { scenario } = this;
    const n = scenario.nodes.count;
    const initial = n - scenario.nodes.joiners;
    // Roles over the initial nodes, at random (seeded): agencies first, then issuer hosts, verifiers.
    const order = this.rng.fork('roles').shuffle(Array.from({ length: initial }, (_, i) => i));
    const roles: NodeRole[] = Array(n).fill('relay');
    let k = 0;
    for (const [role, count] of [
      ['agency', scenario.nodes.roles.agency],
      ['issuer-host', scenario.nodes.roles['issuer-host']],
      ['verifier', scenario.nodes.roles.verifier],
    ] as const) {
      for (let i = 0; i < count && k < order.length; i++) roles[order[k++]!] = role;
    }
    const neighbours: number[][] = Array.from({ length: n }, () => []);
    for (const [a, b] of this.topology.edges) {
      neighbours[a]!.push(b);
      neighbours[b]!.push(a);
    }
    // Joiners bootstrap from a few initial nodes (the degree of the topology, at least 2).
    const joinDegree =
      scenario.topology.kind === 'random-regular'
        ? scenario.topology.degree
        : scenario.topology.kind === 'scale-free'
          ? scenario.topology.m
          : (scenario.topology.degree ?? 4);
    const keyRng = this.rng.fork('peer-keys');
    const joinRng = this.rng.fork('joiners');
    for (let i = 0; i < n; i++) {
      const privateKey = await generateKeyPairFromSeed('Ed25519', keyRng.bytes(32));
      const joiner = i >= initial;
      const peers = joiner
        ? joinRng
            .shuffle(Array.from({ length: initial }, (_, j) => j))
            .slice(0, Math.max(2, Math.min(joinDegree, initial)))
        : neighbours[i]!;
      this.nodes.push({
        index: i,
        role: roles[i]!,
        region: this.topology.regions[i] ?? '',
        privateKey,
        peerId: peerIdFromPrivateKey(privateKey).toString(),
        address: `/memory/sim-node-${i}`,
        neighbours: peers,
        joiner,
        dataDir: null,
        memoryStore: scenario.nodes.store === 'memory' ? new MemoryRecordStore() : null,
        node: null,
        register: null,
        busy: Promise.resolve(),
        skewMs: 0,
        silent: false,
        incarnation: 0,
        totals: emptyTotals(),
      });
      this.links.register(this.nodes[i]!.peerId, i);
    }
  }

  /** Puts the world's records into a node's store before its first start (validated once, in the world). */
  private async seedStore(sim: SimNode): Promise<void> {
    let store: MemoryRecordStore | LevelRecordStore;
    if (this.scenario.nodes.store === 'level') {
      sim.dataDir = join(this.tempDir!, `node-${sim.index}`);
      store = new LevelRecordStore({ location: join(sim.dataDir, 'db') });
    } else {
      store = sim.memoryStore!;
    }
    await store.open();
    // Committed in chunks: one batch of 10,000 records is one large LevelDB write.
    for (let i = 0; i < this.world.baseRecords.length; i += 1000) {
      await store.commit({ put: this.world.baseRecords.slice(i, i + 1000) });
    }
    await store.close();
  }

  private async start(sim: SimNode): Promise<void> {
    const { scenario } = this;
    const settings = scenario.nodes.options;
    const register = new GossipMetricsRegister();
    const incarnation = sim.incarnation++;
    if (sim.joiner && sim.dataDir === null && scenario.nodes.store === 'level') {
      sim.dataDir = join(this.tempDir!, `node-${sim.index}`);
    }
    const node = await TrustmeshNode.create(
      {
        network: {
          ...this.world.network,
          bootstrap: sim.neighbours.map((j) => `${this.nodes[j]!.address}/p2p/${this.nodes[j]!.peerId}`),
        },
        transport: 'memory',
        listen: [sim.address],
        store: scenario.nodes.store,
        ...(sim.dataDir ? { dataDir: sim.dataDir } : {}),
        libp2p: {
          bootstrapDelayMs: 50,
          ...(settings.maxConnections ? { connections: { maxConnections: settings.maxConnections } as never } : {}),
        },
        peerKeeper: {
          ...(settings.peerKeeperIntervalMs !== undefined ? { intervalMs: settings.peerKeeperIntervalMs } : {}),
          ...(settings.peerKeeperMinConnections !== undefined
            ? { minConnections: settings.peerKeeperMinConnections }
            : {}),
        },
        sync: {
          ...(settings.syncIntervalMs !== undefined ? { intervalMs: settings.syncIntervalMs } : {}),
          ...(settings.syncOnConnect !== undefined ? { syncOnConnect: settings.syncOnConnect } : {}),
        },
        registry: settings.maxClockSkewMs !== undefined ? { maxClockSkewMs: settings.maxClockSkewMs } : {},
        api: false,
        issuer: false,
        // One process: per-node process metrics would monitor the same process N times over.
        metrics: { processMetrics: false },
      },
      {
        now: () => Date.now() + sim.skewMs,
        privateKey: sim.privateKey,
        ...(sim.memoryStore ? { store: sim.memoryStore } : {}),
        random: this.rng.fork(`node-${sim.index}-${incarnation}`).asFunction(),
        connectionGater: this.links.gater(sim.peerId),
        libp2p: { transport: this.fabric.transport(), gossipsubMetrics: register.register() },
        onSyncRound: (stats) => {
          if (this.phase === 'setup') return;
          this.rounds.push({
            t: this.t(),
            node: sim.index,
            differences: stats.differences,
            bytes: stats.bytesSent + stats.bytesReceived,
            roundTrips: stats.roundTrips,
            durationMs: stats.durationMs,
          });
          this.log({
            type: 'sync-round',
            node: sim.index,
            peer: this.links.index(stats.peer) ?? stats.peer,
            differences: stats.differences,
            bytes: stats.bytesSent + stats.bytesReceived,
            received: stats.recordsReceived,
            accepted: stats.recordsAccepted,
            pushed: stats.recordsPushed,
            complete: stats.complete,
            durationMs: Math.round(stats.durationMs),
          });
        },
        // Operators' warnings are expected under faults; the event log records what matters.
        logger: { warn: () => undefined },
      },
    );
    node.registry.onAdmitted((admission) => this.admitted(sim, admission));
    sim.node = node;
    sim.register = register;
  }

  private admitted(sim: SimNode, admission: Admission): void {
    if (this.badAdmitted.size < 1e6 && this.byzantine.length > 0) {
      for (const peer of this.byzantine)
        if (peer.badDigests.has(admission.digest)) this.badAdmitted.add(admission.digest);
    }
    if (admission.kind !== 'status-list') return;
    const t = this.t();
    for (const update of this.tracker.admit(sim.index, admission.parsed.id, admission.parsed.validFrom, t)) {
      this.log({ type: 'deliver', t, update: update.id, node: sim.index, latencyMs: t - update.publishedAt });
    }
  }

  /** Adds a stopping incarnation's counters to the node's totals. */
  private collect(sim: SimNode, node: TrustmeshNode): void {
    const totals = sim.totals;
    const sync = node.sync.counters();
    const gossip = node.counters();
    totals.syncBytes += sync.bytesSent + sync.bytesReceived;
    totals.rounds.started += sync.rounds.started;
    totals.rounds.completed += sync.rounds.completed;
    totals.rounds.failed += sync.rounds.failed;
    // Admitted through anti-entropy in either direction: pulled by this node, or pushed to it.
    totals.recordsAdmitted += sync.pulled.accept + sync.pushedIn.accept;
    totals.accepted += sum(gossip.accepted);
    totals.rejected += sum(gossip.rejected);
    totals.ignored += sum(gossip.ignored);
    totals.evidencePublished += gossip.evidencePublished;
    if (sim.register) {
      for (const key of Object.keys(totals.gossip) as (keyof GossipTraffic)[]) {
        totals.gossip[key] += sim.register.traffic[key];
      }
    }
    const wire = this.fabric.counters(sim.peerId);
    totals.wireBytes = wire.sent + wire.received;
  }

  private async stopNode(sim: SimNode, mode: 'abrupt' | 'graceful'): Promise<boolean> {
    const node = sim.node;
    if (!node) return false;
    sim.node = null;
    if (mode === 'abrupt') this.fabric.kill(sim.peerId);
    this.collect(sim, node);
    await node.stop();
    return true;
  }

  /** Runs node start/stop transitions one at a time per node. */
  private serial(sim: SimNode, step: () => Promise<void>): Promise<void> {
    sim.busy = sim.busy.then(step).catch((error: unknown) => {
      this.log({ type: 'error', node: sim.index, error: String(error) });
    });
    return sim.busy;
  }

  private crash(sim: SimNode, mode: 'abrupt' | 'graceful', reason: string): Promise<void> {
    return this.serial(sim, async () => {
      if (await this.stopNode(sim, mode)) {
        this.log({ type: 'node-down', node: sim.index, mode, reason });
      }
    });
  }

  private restart(sim: SimNode, reason: string): Promise<void> {
    return this.serial(sim, async () => {
      if (sim.node || this.stopped) return;
      await this.start(sim);
      const at = this.t();
      this.restarts.push({ node: sim.index, at });
      this.log({ type: 'node-up', node: sim.index, reason });
    });
  }

  /** Dials every topology link not already connected (libp2p's bootstrap dial may have raced). */
  private async wireTopology(): Promise<void> {
    await Promise.allSettled(
      this.topology.edges.map(async ([a, b]) => {
        const from = this.nodes[a]!.node;
        const to = this.nodes[b]!;
        if (!from || from.libp2p.getConnections().some((c) => c.remotePeer.toString() === to.peerId)) return;
        await from.connect(`${to.address}/p2p/${to.peerId}`);
      }),
    );
  }

  // ---- selection --------------------------------------------------------------------------------

  private select(selector: NodeSelector | undefined, label: string): SimNode[] {
    if (!selector) return [];
    let candidates = this.nodes.filter((x) => !x.joiner || this.joinersStarted > 0);
    if (selector.ids) candidates = candidates.filter((x) => selector.ids!.includes(x.index));
    if (selector.region !== undefined) candidates = candidates.filter((x) => x.region === selector.region);
    if (selector.role) candidates = candidates.filter((x) => x.role === selector.role);
    if (selector.exclude) candidates = candidates.filter((x) => !selector.exclude!.includes(x.index));
    const rng = this.rng.fork(`select-${label}`);
    if (selector.fraction !== undefined) {
      candidates = rng.shuffle(candidates).slice(0, Math.max(1, Math.round(selector.fraction * candidates.length)));
    }
    if (selector.count !== undefined) candidates = rng.shuffle(candidates).slice(0, selector.count);
    return candidates.sort((a, b) => a.index - b.index);
  }

  // ---- timeline ---------------------------------------------------------------------------------

  private at(ms: number, run: () => Promise<void> | void): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        if (this.stopped) return;
        this.track(Promise.resolve().then(run));
      },
      Math.max(0, ms - this.t()),
    );
    this.timers.add(timer);
  }

  private track(task: Promise<unknown>): void {
    const tracked = task.catch((error: unknown) => this.log({ type: 'error', error: String(error) }));
    this.tasks.add(tracked);
    void tracked.finally(() => this.tasks.delete(tracked));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  private marker(label: string): void {
    this.faults.push({ t: this.t(), label });
  }

  private async apply(action: TimelineAction): Promise<void> {
    const label = `${action.action}@${action.at}`;
    switch (action.action) {
      case 'partition': {
        const groups = action.groups.map((g, i) => this.select(g, `${label}-${i}`).map((x) => x.index));
        this.links.partition(groups);
        this.partitionAt = this.t();
        this.marker('partition');
        this.log({ type: 'partition', groups });
        // Hang up every connection across the cut (the gater refuses new ones from now on).
        await Promise.allSettled(
          this.nodes.flatMap((sim) =>
            (sim.node?.libp2p.getConnections() ?? [])
              .filter((c) => {
                const other = this.links.index(c.remotePeer.toString());
                return other !== undefined && this.links.separated(sim.index, other);
              })
              .map((c) => c.close().catch(() => c.abort(new Error('partition')))),
          ),
        );
        if (action.until !== undefined) this.at(action.until * 1000, () => this.heal());
        return;
      }
      case 'heal':
        return this.heal();
      case 'link': {
        const applies = this.linkPredicate(action, label);
        const conditions = {
          ...(action.latencyMs !== undefined ? { latencyMs: action.latencyMs } : {}),
          ...(action.jitterMs !== undefined ? { jitterMs: action.jitterMs } : {}),
          ...(action.loss !== undefined ? { loss: action.loss } : {}),
        };
        const id = this.links.addFault(applies, conditions);
        this.marker(`link ${JSON.stringify(conditions)}`);
        this.log({ type: 'link', ...conditions });
        if (action.until !== undefined) {
          this.at(action.until * 1000, () => {
            this.links.removeFault(id);
            this.marker('link restored');
            this.log({ type: 'link-restored' });
          });
        }
        return;
      }
      case 'link-reset':
        this.links.clearFaults();
        this.marker('links reset');
        this.log({ type: 'link-reset' });
        return;
      case 'crash': {
        const targets = this.select(action.nodes, label);
        this.marker(`crash ${targets.length}`);
        await Promise.all(targets.map((sim) => this.crash(sim, action.mode ?? 'abrupt', 'crash')));
        if (action.restartAfter !== undefined) {
          this.at(this.t() + action.restartAfter * 1000, async () => {
            this.marker(`restart ${targets.length}`);
            await Promise.all(targets.map((sim) => this.restart(sim, 'restart')));
          });
        }
        return;
      }
      case 'restart': {
        const targets = this.select(action.nodes, label);
        this.marker(`restart ${targets.length}`);
        await Promise.all(targets.map((sim) => this.restart(sim, 'restart')));
        return;
      }
      case 'churn':
        this.churn(action, label);
        return;
      case 'clock-skew': {
        for (const sim of this.select(action.nodes, label)) sim.skewMs = action.offsetMs;
        this.marker(`clock skew ${action.offsetMs} ms`);
        this.log({
          type: 'clock-skew',
          nodes: this.select(action.nodes, label).map((x) => x.index),
          offsetMs: action.offsetMs,
        });
        return;
      }
      case 'agency-offline':
        return this.agencyOffline(action, label);
      case 'byzantine':
        return this.startByzantine(action, label);
      case 'join': {
        const joiners = this.nodes
          .filter((x) => x.joiner && !x.node && x.incarnation === 0)
          .slice(0, action.count ?? 1);
        this.marker(`join ${joiners.length}`);
        for (const sim of joiners) {
          this.joinersStarted++;
          const at = this.t();
          // The target: what the network holds now (an initial node's sync set).
          const reference = this.nodes.find((x) => !x.joiner && x.node)?.node?.syncIndex.size ?? 0;
          await this.start(sim);
          this.log({ type: 'join', node: sim.index, target: reference });
          const entry: RawRun['joins'][number] = { node: sim.index, at, convergedAt: null };
          this.joins.push(entry);
          this.watchJoin(sim, entry, reference);
        }
        return;
      }
    }
  }

  private linkPredicate(
    action: Extract<TimelineAction, { action: 'link' }>,
    label: string,
  ): (a: number, b: number) => boolean {
    if (action.between) {
      const left = new Set(this.select(action.between[0], `${label}-a`).map((x) => x.index));
      const right = new Set(this.select(action.between[1], `${label}-b`).map((x) => x.index));
      return (a, b) => (left.has(a) && right.has(b)) || (left.has(b) && right.has(a));
    }
    const touched = new Set(this.select(action.nodes, label).map((x) => x.index));
    return (a, b) => touched.has(a) || touched.has(b);
  }

  private heal(): void {
    if (!this.links.partitioned) return;
    this.links.heal();
    const healAt = this.t();
    this.heals.push({ partitionAt: this.partitionAt ?? healAt, healAt });
    this.partitionAt = null;
    this.marker('heal');
    this.log({ type: 'heal' });
  }

  private churn(action: Extract<TimelineAction, { action: 'churn' }>, label: string): void {
    const mode = action.mode ?? 'abrupt';
    this.marker('churn start');
    for (const sim of this.select(action.nodes, label)) {
      const rng = this.rng.fork(`churn-${label}-${sim.index}`);
      const cycle = (upAt: number) => {
        const downAt = upAt + rng.exponential(1 / action.meanUpSeconds) * 1000;
        if (downAt >= action.until * 1000) return;
        this.at(downAt, async () => {
          await this.crash(sim, mode, 'churn');
          const backAt = Math.min(this.t() + rng.exponential(1 / action.meanDownSeconds) * 1000, action.until * 1000);
          this.at(backAt, async () => {
            await this.restart(sim, 'churn');
            cycle(this.t());
          });
        });
      };
      cycle(action.at * 1000);
    }
    this.at(action.until * 1000, () => this.marker('churn end'));
  }

  private async agencyOffline(
    action: Extract<TimelineAction, { action: 'agency-offline' }>,
    label: string,
  ): Promise<void> {
    const agencies = this.nodes.filter((x) => x.role === 'agency');
    const agency = agencies[action.agency];
    if (!agency) return;
    const viaCandidates = action.via
      ? this.select(action.via, `${label}-via`)
      : this.nodes.filter((x) => x.index !== agency.index && !x.joiner);
    const via = this.rng.fork(`${label}-via`).pick(viaCandidates.filter((x) => x.index !== agency.index));
    const mode = action.mode ?? 'down';
    this.reroute.set(agency.index, via.index);
    this.marker(`agency ${action.agency} offline`);
    this.log({ type: 'agency-offline', node: agency.index, mode, via: via.index });
    if (mode === 'down') await this.crash(agency, 'abrupt', 'agency-offline');
    else agency.silent = true;
    if (action.until !== undefined) {
      this.at(action.until * 1000, async () => {
        this.reroute.delete(agency.index);
        agency.silent = false;
        this.marker(`agency ${action.agency} back`);
        if (mode === 'down') await this.restart(agency, 'agency-back');
        this.log({ type: 'agency-back', node: agency.index });
      });
    }
  }

  private async startByzantine(action: Extract<TimelineAction, { action: 'byzantine' }>, label: string): Promise<void> {
    const behaviour = action.behaviour ?? 'flood';
    const count = action.peers ?? 1;
    const rate = action.ratePerSecond ?? (behaviour === 'flood' ? 50 : 1);
    const rng = this.rng.fork(`byzantine-${label}`);
    const targets = action.connect
      ? this.select(action.connect, `${label}-connect`)
      : rng.shuffle(this.nodes.filter((x) => x.node)).slice(0, 3);
    this.marker(`byzantine ${behaviour} ×${count}`);
    for (let i = 0; i < count; i++) {
      const privateKey = await generateKeyPairFromSeed('Ed25519', rng.bytes(32));
      const peer = await ByzantinePeer.start(
        {
          networkId: this.world.network.networkId,
          address: `/memory/sim-byzantine-${this.byzantine.length}`,
          behaviour,
        },
        {
          transport: this.fabric.transport(),
          privateKey,
          random: rng.asFunction(),
          latestRecord: () => {
            const keys = [...this.latestRecord.keys()];
            return keys.length > 0 ? (this.latestRecord.get(rng.pick(keys)) ?? null) : null;
          },
          olderRecord: () => (this.olderRecords.length > 0 ? rng.pick(this.olderRecords) : null),
          equivocation: async () => {
            const issuers = [...this.latestRecord.keys()];
            if (issuers.length === 0) return null;
            return this.world.equivocation(rng.pick(issuers), 100_000 + rng.int(30_000));
          },
        },
      );
      this.byzantine.push(peer);
      await Promise.allSettled(targets.filter((x) => x.node).map((x) => peer.libp2p.dial(x.node!.multiaddrs()[0]!)));
      this.log({
        type: 'byzantine-start',
        behaviour,
        peer: peer.libp2p.peerId.toString(),
        connected: targets.map((x) => x.index),
      });
      const until = (action.until ?? this.scenario.duration) * 1000;
      const tick = (from: number) => {
        const next = from + rng.exponential(rate) * 1000;
        if (next >= until) return;
        this.at(next, async () => {
          tick(next);
          await peer.act();
        });
      };
      tick(this.t());
    }
  }

  private watchJoin(sim: SimNode, entry: RawRun['joins'][number], target: number): void {
    const check = () => {
      if (this.stopped) return;
      if (sim.node && sim.node.syncIndex.size >= target) {
        entry.convergedAt = this.t();
        this.log({ type: 'join-converged', node: sim.index, afterMs: entry.convergedAt - entry.at });
        return;
      }
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        check();
      }, 50);
      this.timers.add(timer);
    };
    check();
  }

  // ---- workload ---------------------------------------------------------------------------------

  private startWorkload(): void {
    const { workload } = this.scenario;
    const stopAt = Math.min(workload.stopAt, this.scenario.duration) * 1000;
    if (workload.revocationsPerSecond > 0) {
      const rng = this.rng.fork('revocations');
      const tick = (from: number) => {
        const next = from + rng.exponential(workload.revocationsPerSecond) * 1000;
        if (next >= stopAt) return;
        this.at(next, async () => {
          tick(next);
          await this.revoke(rng);
        });
      };
      tick(0);
    }
    if (workload.verificationsPerSecond > 0) {
      for (const sim of this.nodes.filter((x) => x.role === 'verifier')) {
        const rng = this.rng.fork(`verifications-${sim.index}`);
        const tick = (from: number) => {
          const next = from + rng.exponential(workload.verificationsPerSecond) * 1000;
          if (next >= this.scenario.duration * 1000) return;
          this.at(next, async () => {
            tick(next);
            await this.verify(sim, rng);
          });
        };
        tick(0);
      }
    }
  }

  /** The node an issuer publishes through now: its home, a reroute, or any node that is up. */
  private publisher(issuer: number, rng: Rng): SimNode | null {
    const hosts = this.nodes.filter((x) => x.role === 'issuer-host');
    const agencies = this.nodes.filter((x) => x.role === 'agency');
    const agencyNode = agencies[this.world.issuers[issuer]!.agency % agencies.length];
    let home = hosts.length > 0 ? hosts[issuer % hosts.length]! : agencyNode!;
    const rerouted = this.reroute.get(home.index);
    if (rerouted !== undefined) home = this.nodes[rerouted]!;
    if (home.node && !home.silent) return home;
    // The issuer's own node is down: it publishes through any node it can reach (another
    // agency's API), as an operator would.
    const up = this.nodes.filter((x) => x.node && !x.silent);
    return up.length > 0 ? rng.pick(up) : null;
  }

  private async revoke(rng: Rng): Promise<void> {
    const { workload } = this.scenario;
    const issuer = rng.int(this.world.issuers.length);
    const state = this.world.issuers[issuer]!;
    if (state.revoked.size >= workload.credentialsPerIssuer) return;
    let credential = rng.int(workload.credentialsPerIssuer);
    while (state.revoked.has(credential)) credential = (credential + 1) % workload.credentialsPerIssuer;
    const via = this.publisher(issuer, rng);
    if (!via?.node) {
      this.log({ type: 'publish-skipped', issuer, reason: 'no node up' });
      return;
    }
    const previous = this.latestRecord.get(issuer);
    const revocation = await this.world.revoke(issuer, credential, Date.now());
    if (previous) this.olderRecords.push(previous);
    this.latestRecord.set(issuer, revocation.record);
    const publishedAt = this.t();
    this.revokedAt.set(`${issuer}:${credential}`, publishedAt);
    const update = this.tracker.publish({
      issuer,
      listId: revocation.listId,
      credential,
      validFrom: revocation.validFrom,
      publishedAt,
      via: via.index,
    });
    this.log({ type: 'publish', update: update.id, issuer, credential, via: via.index, listId: revocation.listId });
    const node = via.node;
    if (!node) return;
    try {
      // What submitAndPublish does, keeping gossip's report: how many peers the record went to.
      const outcome = await node.registry.submit(revocation.record);
      if (outcome.status !== 'accept') {
        this.log({ type: 'publish-refused', update: update.id, code: outcome.error.code });
        return;
      }
      const report = await node.gossip.announce(outcome.value);
      this.log({
        type: 'announce',
        update: update.id,
        via: via.index,
        ...(report.status === 'published' ? { recipients: report.recipients } : { recipients: 0, code: report.code }),
      });
    } catch (error) {
      this.log({ type: 'publish-failed', update: update.id, error: String(error) });
    }
  }

  private async verify(sim: SimNode, rng: Rng): Promise<void> {
    const { workload } = this.scenario;
    const node = sim.node;
    if (!node) return;
    let issuer: number;
    let credential: number;
    const recent = this.tracker.updates.slice(-20);
    if (recent.length > 0 && rng.chance(workload.revokedShare)) {
      // Probe a recent revocation: the credentials whose answers can be stale right now.
      const update = rng.pick(recent);
      issuer = update.issuer;
      credential = update.credential;
    } else {
      issuer = rng.int(this.world.issuers.length);
      credential = rng.int(workload.credentialsPerIssuer);
    }
    const vc = await this.world.credential(issuer, credential);
    const t = this.t();
    const now = Date.now() + sim.skewMs;
    let outcome: VerificationOutcome;
    if (workload.verification === 'full') {
      const result = await verifyCredential(vc, {
        view: node.registry,
        documentLoader: node.registry.documentLoader,
        now,
      });
      outcome = result.verified
        ? 'valid'
        : result.checks.some((c) => c.code === 'CREDENTIAL_REVOKED')
          ? 'revoked'
          : result.checks.some((c) => c.outcome === 'undetermined')
            ? 'undetermined'
            : 'invalid';
    } else {
      const entry = parseStatusEntries(vc).find(isBitstringStatusListEntry);
      const check = entry
        ? statusCheck(entry, String(vc.issuer), { view: node.registry, now }, new Map<string, StatusListState>(), [])
        : null;
      outcome = !check
        ? 'invalid'
        : check.outcome === 'pass'
          ? 'valid'
          : check.code === 'CREDENTIAL_REVOKED'
            ? 'revoked'
            : check.outcome === 'undetermined'
              ? 'undetermined'
              : 'invalid';
    }
    const revokedAt = this.revokedAt.get(`${issuer}:${credential}`);
    const before = revokedAt !== undefined && revokedAt <= t ? revokedAt : null;
    const stale = outcome === 'valid' && before !== null;
    this.verifications.push({ t, node: sim.index, issuer, credential, outcome, revokedAt: before, stale });
    this.log({ type: 'verify', node: sim.index, issuer, credential, outcome, stale });
  }

  // ---- progress ---------------------------------------------------------------------------------

  private snapshot(lag: ReturnType<typeof monitorEventLoopDelay>): ProgressSnapshot {
    const up = this.nodes.filter((x) => x.node);
    const updates = this.tracker.updates;
    let delivered = 0;
    for (const update of updates) {
      const at = this.tracker.deliveredAt.get(update.id)!;
      for (const sim of up) if (at.has(sim.index)) delivered++;
    }
    const lagP99 = lag.percentile(99);
    return {
      t: this.t() / 1000,
      total: this.scenario.duration + this.scenario.drain,
      phase: this.phase,
      up: up.length,
      nodes: this.nodes.length,
      connections: up.reduce((a, x) => a + (x.node?.libp2p.getConnections().length ?? 0), 0) / Math.max(1, up.length),
      updates: updates.length,
      coverage: updates.length === 0 || up.length === 0 ? 1 : delivered / (updates.length * up.length),
      verifications: this.verifications.length,
      stale: this.verifications.filter((v) => v.stale).length,
      lagP99Ms: Number.isFinite(lagP99) ? Math.max(0, lagP99 / 1e6 - LAG_RESOLUTION_MS) : 0,
    };
  }
}
