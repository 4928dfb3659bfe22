/**
 * Where a simulation's nodes run. The coordinator ({@link runSimulation}) decides what happens —
 * workload, timeline, faults, bookkeeping — and a host carries it out on the nodes it runs:
 *
 * - {@link LocalNodeHost} runs TrustmeshNodes in this process, over the in-process {@link SimNetwork}
 *   (the one-process mode) or over real TCP with the same link model ({@link conditionedTcp}, inside
 *   an agent process of the multi-process mode);
 * - `RemoteNodeHost` (distributed/remote-host.ts) is the same interface over HTTP to an agent process
 *   that runs a LocalNodeHost.
 *
 * Every call names nodes by their index in the scenario; a host reports what its nodes did
 * (admissions, anti-entropy rounds) as {@link HostEvent}s stamped with its own clock.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { type Libp2pTransportFactory, type NetworkFile, TrustmeshNode } from '@trustmesh/node';
import {
  type Admission,
  isBitstringStatusListEntry,
  LevelRecordStore,
  MemoryRecordStore,
  parseStatusEntries,
  type StatusListState,
  type StoredRecord,
  statusCheck,
  verifyCredential,
} from '@trustmesh/registry';
import { conditionedTcp } from '../fabric/conditioned-tcp.ts';
import { GossipMetricsRegister, type GossipTraffic } from '../fabric/gossip-metrics.ts';
import { LinkModel } from '../fabric/link-model.ts';
import { SimNetwork } from '../fabric/sim-network.ts';
import { Rng } from '../random.ts';
import type { LinkConditions, Scenario } from '../scenario/scenario.ts';
import { scenarioTopology } from '../topology.ts';
import { PortReservations } from './port-reservations.ts';

/** Outcome of one verification at a verifier node. */
export type VerificationOutcome = 'valid' | 'revoked' | 'undetermined' | 'invalid';

/** Cumulative counters of one node (over all its incarnations, once summed by the coordinator). */
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

export const emptyTotals = (): NodeTotals => ({
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

/** Something a host's node did; `at` is the host's clock (ms since the epoch, sub-ms resolution). */
export type HostEvent =
  | {
      type: 'admitted';
      at: number;
      node: number;
      kind: string;
      digest: string;
      /** Status lists only: the list id and the version's validFrom (ms since the epoch). */
      listId?: string;
      validFrom?: number;
    }
  | {
      type: 'sync-round';
      at: number;
      node: number;
      /** The other node's index (its peer id when it is not an honest node). */
      peer: number | string;
      differences: number;
      bytes: number;
      roundTrips: number;
      durationMs: number;
      received: number;
      accepted: number;
      pushed: number;
      complete: boolean;
    };

/** One honest node of the simulation as every host knows it. */
export interface HostPeer {
  index: number;
  peerId: string;
  /** Listen multiaddr, without /p2p/. */
  address: string;
}

/** A node a host runs. */
export interface HostNodeSpec {
  index: number;
  /** Its libp2p private key, protobuf-encoded, base64. */
  privateKey: string;
  /** Indices of the nodes it bootstraps from. */
  bootstrap: number[];
}

/** Everything a host needs before starting nodes. */
export interface HostSetup {
  /** The scenario as run (the host derives the topology's link conditions and its random streams). */
  scenario: Scenario;
  network: NetworkFile;
  /** Every honest node of the simulation (link conditions and partitions need all of them). */
  peers: HostPeer[];
  /** The nodes this host runs. */
  nodes: HostNodeSpec[];
  /** Records every initial node holds before its first start (validated once, by the coordinator). */
  baseRecords: StoredRecord[];
}

/** A link fault in a form that crosses process boundaries: the nodes it touches, or two sets. */
export interface LinkFaultSpec {
  id: number;
  touched?: number[];
  between?: [number[], number[]];
  conditions: LinkConditions;
}

/** What publishing a record through a node did. */
export type PublishOutcome = {
  /** When the node began admitting the record (the host's clock, ms since the epoch). */
  at: number;
} & (
  | { status: 'refused'; code: string }
  | { status: 'announced'; recipients: number; code?: string }
  | { status: 'failed'; error: string }
);

/** A verification's answer and when the host began it (its clock, ms since the epoch). */
export interface VerifyOutcome {
  outcome: VerificationOutcome;
  at: number;
}

/** A host's state for progress display. */
export interface HostStatus {
  connections: number;
  lagP99Ms: number;
}

/** Resource use of one host process over the measured run. */
export interface HostResources {
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
  rssBaselineMB: number;
  rssEndMB: number;
  rssPeakMB: number;
  heapUsedMB: number;
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
  /** Nodes the host runs. */
  nodes: number;
}

/** The operations a coordinator drives a host with. Every method may be a network round trip. */
export interface NodeHost {
  /** A short name for logs ("local", "agent 127.0.0.1:7901"). */
  readonly label: string;
  /** Listen addresses (multiaddrs, without /p2p/) for `count` nodes, reserved on this host. */
  addresses(count: number): Promise<string[]>;
  setup(setup: HostSetup): Promise<void>;
  /** Puts the base records into a node's store before its first start. */
  seed(index: number): Promise<void>;
  start(index: number): Promise<void>;
  /** Stops a node; `abrupt` aborts its connections first (in-flight data lost). Returns its counters. */
  stop(index: number, mode: 'abrupt' | 'graceful'): Promise<NodeTotals | null>;
  /** Counters of a running node's current incarnation. */
  counters(index: number): Promise<NodeTotals | null>;
  /** Dials `to` from `index` unless they are connected already. */
  link(index: number, to: number): Promise<void>;
  /** Gaters deny traffic across the groups (everyone else is one more group); cross connections hung up. */
  partition(groups: number[][]): Promise<void>;
  heal(): Promise<void>;
  addLinkFault(fault: LinkFaultSpec): Promise<void>;
  removeLinkFault(id: number): Promise<void>;
  clearLinkFaults(): Promise<void>;
  setClockSkew(indices: number[], offsetMs: number): Promise<void>;
  /** Submits a record through a node's registry and gossips it if admitted. */
  publish(index: number, record: Record<string, unknown>): Promise<PublishOutcome>;
  /** Verifies a credential against a node's replica (never stored or logged). */
  verify(index: number, credential: Record<string, unknown>, mode: 'full' | 'status'): Promise<VerifyOutcome | null>;
  /** Size of a node's anti-entropy index, or null when it is down. */
  syncSize(index: number): Promise<number | null>;
  /** For progress: open connections summed over its running nodes, and its event-loop lag p99 so far. */
  status(): Promise<HostStatus>;
  /** The gossipsub score each running node gives `peerId` (nodes without one are left out). */
  peerScores(peerId: string): Promise<number[]>;
  startMeasuring(): Promise<void>;
  finishMeasuring(): Promise<HostResources>;
  close(): Promise<void>;
}

/** The clock hosts stamp events with: ms since the epoch, at performance.now()'s resolution. */
export const hostClock = (): number => performance.timeOrigin + performance.now();

/** Sampling interval of the event-loop delay histogram, ms. */
const LAG_RESOLUTION_MS = 10;

/** The histogram samples a timer firing every LAG_RESOLUTION_MS (ns); the delay beyond it is the lag (ms). */
const lagMs = (v: number | undefined): number =>
  v !== undefined && Number.isFinite(v) ? Math.max(0, v / 1e6 - LAG_RESOLUTION_MS) : 0;

const sum = (values: Record<string, number>) => Object.values(values).reduce((a, b) => a + b, 0);

interface HostedNode {
  index: number;
  peerId: string;
  privateKey: PrivateKey;
  address: string;
  bootstrap: string[];
  dataDir: string | null;
  memoryStore: MemoryRecordStore | null;
  node: TrustmeshNode | null;
  register: GossipMetricsRegister | null;
  skewMs: number;
  incarnation: number;
}

/** Settings of a {@link LocalNodeHost}. */
export interface LocalNodeHostOptions {
  /** `sim`: the in-process simulated network; `tcp`: real TCP with the link model at each dialer. */
  transport: 'sim' | 'tcp';
  /** TCP only: the address nodes listen on and other hosts dial (default 127.0.0.1). */
  advertiseHost?: string;
}

/** Runs nodes in this process. */
export class LocalNodeHost implements NodeHost {
  readonly label: string;
  private readonly nodes = new Map<number, HostedNode>();
  private readonly faultIds = new Map<number, number>();
  private links: LinkModel | null = null;
  private fabric: SimNetwork | null = null;
  private transport: Libp2pTransportFactory | null = null;
  private wire = new Map<string, { sent: number; received: number }>();
  private settings: HostSetup | null = null;
  private rng: Rng | null = null;
  private tempDir: string | null = null;
  private rssBaseline = 0;
  private rssPeak = 0;
  private cpu: NodeJS.CpuUsage | null = null;
  private lag: ReturnType<typeof monitorEventLoopDelay> | null = null;
  private sampler: ReturnType<typeof setInterval> | null = null;
  private readonly ports = new PortReservations();

  constructor(
    private readonly options: LocalNodeHostOptions,
    private readonly emit: (event: HostEvent) => void,
  ) {
    this.label = options.transport === 'sim' ? 'local' : `local tcp ${options.advertiseHost ?? '127.0.0.1'}`;
  }

  async addresses(count: number): Promise<string[]> {
    if (this.options.transport === 'sim') {
      return Array.from({ length: count }, () => `/memory/sim-node-${crypto.randomUUID()}`);
    }
    // Ports the OS hands out now, held until each node binds its own at start (and again at
    // restart, same address): see port-reservations.ts.
    const host = this.options.advertiseHost ?? '127.0.0.1';
    const ports = await this.ports.reserve(count, host);
    return ports.map((port) => `/ip4/${host}/tcp/${port}`);
  }

  /** The transport byzantine hosts in this process use (the same simulated network, or TCP). */
  byzantineTransport(): Libp2pTransportFactory {
    if (!this.transport) throw new Error('host not set up');
    return this.transport;
  }

  async setup(setup: HostSetup): Promise<void> {
    const { scenario } = setup;
    this.settings = setup;
    this.rng = new Rng(scenario.seed, scenario.name);
    const topology = scenarioTopology(scenario);
    const links = new LinkModel({
      baseLatencyMs: (a, b) => topology.latencyMs(a, b),
      baseJitterMs: (a, b) => topology.jitterMs(a, b),
    });
    for (const peer of setup.peers) links.register(peer.peerId, peer.index);
    this.links = links;
    const linkRng = this.rng.fork('links');
    const linkModules = {
      now: () => performance.now(),
      random: () => linkRng.next(),
      link: (from: string, to: string) => links.state(from, to),
    };
    if (this.options.transport === 'sim') {
      this.fabric = new SimNetwork(linkModules);
      this.transport = this.fabric.transport();
    } else {
      this.transport = conditionedTcp({ ...linkModules, counters: (peer) => this.wireCounters(peer) });
    }
    const addressOf = new Map(setup.peers.map((p) => [p.index, `${p.address}/p2p/${p.peerId}`]));
    this.tempDir = await mkdtemp(join(tmpdir(), `trustmesh-sim-${scenario.name}-`));
    for (const spec of setup.nodes) {
      const privateKey = privateKeyFromProtobuf(Buffer.from(spec.privateKey, 'base64'));
      const peer = setup.peers.find((p) => p.index === spec.index);
      if (!peer) throw new Error(`node ${spec.index} is not among the peers`);
      this.nodes.set(spec.index, {
        index: spec.index,
        peerId: peerIdFromPrivateKey(privateKey).toString(),
        privateKey,
        address: peer.address,
        bootstrap: spec.bootstrap.map((j) => addressOf.get(j)!).filter(Boolean),
        dataDir: scenario.nodes.store === 'level' ? join(this.tempDir, `node-${spec.index}`) : null,
        memoryStore: scenario.nodes.store === 'memory' ? new MemoryRecordStore() : null,
        node: null,
        register: null,
        skewMs: 0,
        incarnation: 0,
      });
    }
    this.rssBaseline = process.memoryUsage().rss;
  }

  async seed(index: number): Promise<void> {
    const hosted = this.hosted(index);
    const records = this.settings!.baseRecords;
    const store = hosted.memoryStore ?? new LevelRecordStore({ location: join(hosted.dataDir!, 'db') });
    await store.open();
    // Committed in chunks: one batch of 10,000 records is one large LevelDB write.
    for (let i = 0; i < records.length; i += 1000) await store.commit({ put: records.slice(i, i + 1000) });
    await store.close();
  }

  async start(index: number): Promise<void> {
    const hosted = this.hosted(index);
    if (hosted.node) return;
    const { scenario, network } = this.settings!;
    const settings = scenario.nodes.options;
    const register = new GossipMetricsRegister();
    const incarnation = hosted.incarnation++;
    const tcpPort = /^\/ip4\/([^/]+)\/tcp\/(\d+)$/.exec(hosted.address);
    if (tcpPort) await this.ports.release(tcpPort[1]!, Number(tcpPort[2]));
    const node = await TrustmeshNode.create(
      {
        network: { ...network, bootstrap: hosted.bootstrap },
        transport: this.options.transport === 'sim' ? 'memory' : 'tcp',
        listen: [hosted.address],
        store: scenario.nodes.store,
        ...(hosted.dataDir ? { dataDir: hosted.dataDir } : {}),
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
        // Several nodes per process: per-node process metrics would monitor the same process N times.
        metrics: { processMetrics: false },
      },
      {
        now: () => Date.now() + hosted.skewMs,
        privateKey: hosted.privateKey,
        ...(hosted.memoryStore ? { store: hosted.memoryStore } : {}),
        random: this.rng!.fork(`node-${index}-${incarnation}`).asFunction(),
        connectionGater: this.links!.gater(hosted.peerId),
        libp2p: { transport: this.transport!, gossipsubMetrics: register.register() },
        onSyncRound: (stats) => {
          this.emit({
            type: 'sync-round',
            at: hostClock(),
            node: index,
            peer: this.links!.index(stats.peer) ?? stats.peer,
            differences: stats.differences,
            bytes: stats.bytesSent + stats.bytesReceived,
            roundTrips: stats.roundTrips,
            durationMs: stats.durationMs,
            received: stats.recordsReceived,
            accepted: stats.recordsAccepted,
            pushed: stats.recordsPushed,
            complete: stats.complete,
          });
        },
        // Operators' warnings are expected under faults; the coordinator's event log records what matters.
        logger: { warn: () => undefined },
      },
    );
    node.registry.onAdmitted((admission) => this.admitted(index, admission));
    hosted.node = node;
    hosted.register = register;
  }

  async stop(index: number, mode: 'abrupt' | 'graceful'): Promise<NodeTotals | null> {
    const hosted = this.hosted(index);
    const node = hosted.node;
    if (!node) return null;
    hosted.node = null;
    if (mode === 'abrupt') {
      if (this.fabric) this.fabric.kill(hosted.peerId);
      else for (const connection of node.libp2p.getConnections()) connection.abort(new Error('simulated crash'));
    }
    const totals = this.totals(hosted, node);
    await node.stop();
    return totals;
  }

  async counters(index: number): Promise<NodeTotals | null> {
    const hosted = this.hosted(index);
    return hosted.node ? this.totals(hosted, hosted.node) : null;
  }

  async link(index: number, to: number): Promise<void> {
    const node = this.hosted(index).node;
    const target = this.settings!.peers.find((p) => p.index === to);
    if (!node || !target) return;
    if (node.libp2p.getConnections().some((c) => c.remotePeer.toString() === target.peerId)) return;
    await node.connect(`${target.address}/p2p/${target.peerId}`);
  }

  async partition(groups: number[][]): Promise<void> {
    const links = this.links!;
    links.partition(groups);
    // Hang up every connection across the cut (the gaters refuse new ones from now on).
    await Promise.allSettled(
      [...this.nodes.values()].flatMap((hosted) =>
        (hosted.node?.libp2p.getConnections() ?? [])
          .filter((c) => {
            const other = links.index(c.remotePeer.toString());
            return other !== undefined && links.separated(hosted.index, other);
          })
          .map((c) => c.close().catch(() => c.abort(new Error('partition')))),
      ),
    );
  }

  async heal(): Promise<void> {
    this.links!.heal();
  }

  async addLinkFault(fault: LinkFaultSpec): Promise<void> {
    let applies: (a: number, b: number) => boolean;
    if (fault.between) {
      const left = new Set(fault.between[0]);
      const right = new Set(fault.between[1]);
      applies = (a, b) => (left.has(a) && right.has(b)) || (left.has(b) && right.has(a));
    } else {
      const touched = new Set(fault.touched ?? []);
      applies = (a, b) => touched.has(a) || touched.has(b);
    }
    this.faultIds.set(fault.id, this.links!.addFault(applies, fault.conditions));
  }

  async removeLinkFault(id: number): Promise<void> {
    const local = this.faultIds.get(id);
    if (local !== undefined) this.links!.removeFault(local);
    this.faultIds.delete(id);
  }

  async clearLinkFaults(): Promise<void> {
    this.links!.clearFaults();
    this.faultIds.clear();
  }

  async setClockSkew(indices: number[], offsetMs: number): Promise<void> {
    for (const index of indices) {
      const hosted = this.nodes.get(index);
      if (hosted) hosted.skewMs = offsetMs;
    }
  }

  async publish(index: number, record: Record<string, unknown>): Promise<PublishOutcome> {
    const at = hostClock();
    const node = this.hosted(index).node;
    if (!node) return { at, status: 'failed', error: 'node is down' };
    try {
      // The node's one publish path, with gossip's report: how many peers the record went to.
      const report = await node.publish(record);
      if (report.status === 'ignore' || report.status === 'reject') return { at, status: 'refused', code: report.code };
      return report.status === 'published'
        ? { at, status: 'announced', recipients: report.recipients }
        : { at, status: 'announced', recipients: 0, code: report.code };
    } catch (error) {
      return { at, status: 'failed', error: String(error) };
    }
  }

  async verify(index: number, vc: Record<string, unknown>, mode: 'full' | 'status'): Promise<VerifyOutcome | null> {
    const hosted = this.hosted(index);
    const node = hosted.node;
    if (!node) return null;
    const at = hostClock();
    const now = Date.now() + hosted.skewMs;
    if (mode === 'full') {
      const result = await verifyCredential(vc, {
        view: node.registry,
        documentLoader: node.registry.documentLoader,
        now,
      });
      const outcome: VerificationOutcome = result.verified
        ? 'valid'
        : result.checks.some((c) => c.code === 'CREDENTIAL_REVOKED')
          ? 'revoked'
          : result.checks.some((c) => c.outcome === 'undetermined')
            ? 'undetermined'
            : 'invalid';
      return { outcome, at };
    }
    const entry = parseStatusEntries(vc).find(isBitstringStatusListEntry);
    const check = entry
      ? statusCheck(entry, String(vc.issuer), { view: node.registry, now }, new Map<string, StatusListState>(), [])
      : null;
    const outcome: VerificationOutcome = !check
      ? 'invalid'
      : check.outcome === 'pass'
        ? 'valid'
        : check.code === 'CREDENTIAL_REVOKED'
          ? 'revoked'
          : check.outcome === 'undetermined'
            ? 'undetermined'
            : 'invalid';
    return { outcome, at };
  }

  async syncSize(index: number): Promise<number | null> {
    return this.hosted(index).node?.syncIndex.size ?? null;
  }

  async status(): Promise<HostStatus> {
    let connections = 0;
    for (const hosted of this.nodes.values()) connections += hosted.node?.libp2p.getConnections().length ?? 0;
    const lag = this.lag?.percentile(99);
    return { connections, lagP99Ms: lagMs(lag) };
  }

  async peerScores(peerId: string): Promise<number[]> {
    const scores: number[] = [];
    for (const hosted of this.nodes.values()) {
      const score = hosted.node?.gossip.peerScore(peerId) ?? null;
      if (score !== null) scores.push(score);
    }
    return scores;
  }

  async startMeasuring(): Promise<void> {
    this.lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
    this.lag.enable();
    this.cpu = process.cpuUsage();
    this.rssPeak = process.memoryUsage().rss;
    this.sampler = setInterval(() => {
      this.rssPeak = Math.max(this.rssPeak, process.memoryUsage().rss);
    }, 1000);
    this.sampler.unref();
  }

  async finishMeasuring(): Promise<HostResources> {
    const lag = this.lag;
    lag?.disable();
    if (this.sampler) clearInterval(this.sampler);
    const cpu = process.cpuUsage(this.cpu ?? undefined);
    const memory = process.memoryUsage();
    this.rssPeak = Math.max(this.rssPeak, memory.rss);
    const ms = lagMs;
    return {
      cpuUserSeconds: cpu.user / 1e6,
      cpuSystemSeconds: cpu.system / 1e6,
      rssBaselineMB: this.rssBaseline / 2 ** 20,
      rssEndMB: memory.rss / 2 ** 20,
      rssPeakMB: this.rssPeak / 2 ** 20,
      heapUsedMB: memory.heapUsed / 2 ** 20,
      lagP50Ms: ms(lag?.percentile(50)),
      lagP99Ms: ms(lag?.percentile(99)),
      lagMaxMs: ms(lag?.max),
      nodes: this.nodes.size,
    };
  }

  async close(): Promise<void> {
    if (this.sampler) clearInterval(this.sampler);
    this.lag?.disable();
    await Promise.allSettled([...this.nodes.values()].map((hosted) => hosted.node?.stop()));
    for (const hosted of this.nodes.values()) hosted.node = null;
    await this.ports.releaseAll();
    if (this.tempDir) await rm(this.tempDir, { recursive: true, force: true });
    this.tempDir = null;
  }

  private hosted(index: number): HostedNode {
    const hosted = this.nodes.get(index);
    if (!hosted) throw new Error(`node ${index} does not run on ${this.label}`);
    return hosted;
  }

  private wireCounters(peer: string): { sent: number; received: number } {
    let counters = this.wire.get(peer);
    if (!counters) {
      counters = { sent: 0, received: 0 };
      this.wire.set(peer, counters);
    }
    return counters;
  }

  private admitted(index: number, admission: Admission): void {
    const event: HostEvent = {
      type: 'admitted',
      at: hostClock(),
      node: index,
      kind: admission.kind,
      digest: admission.digest,
    };
    if (admission.kind === 'status-list') {
      event.listId = admission.parsed.id;
      event.validFrom = admission.parsed.validFrom;
    }
    this.emit(event);
  }

  /** One incarnation's counters, with the host's cumulative wire bytes of the node. */
  private totals(hosted: HostedNode, node: TrustmeshNode): NodeTotals {
    const totals = emptyTotals();
    const sync = node.sync.counters();
    const gossip = node.counters();
    totals.syncBytes = sync.bytesSent + sync.bytesReceived;
    totals.rounds = { ...sync.rounds };
    // Admitted through anti-entropy in either direction: pulled by this node, or pushed to it.
    totals.recordsAdmitted = sync.pulled.accept + sync.pushedIn.accept;
    totals.accepted = sum(gossip.accepted);
    totals.rejected = sum(gossip.rejected);
    totals.ignored = sum(gossip.ignored);
    totals.evidencePublished = gossip.evidencePublished;
    if (hosted.register) totals.gossip = { ...hosted.register.traffic };
    const wire = this.fabric ? this.fabric.counters(hosted.peerId) : this.wireCounters(hosted.peerId);
    totals.wireBytes = wire.sent + wire.received;
    return totals;
  }
}
