/**
 * One simulation run: real TrustmeshNodes (registry, libp2p, gossipsub, anti-entropy — the
 * production code) driven by a scenario's timeline and workload, with every random choice drawn from
 * the scenario's seed. This is the coordinator: it owns the trust world (issuer keys, signing), the
 * workload, the timeline and the bookkeeping; the nodes run on {@link NodeHost}s — by default one
 * {@link LocalNodeHost} in this process over the simulated network, or agent processes over TCP
 * (distributed/), driven identically.
 *
 * Time is wall-clock time: a 60 s partition lasts 60 s. t = 0 is the end of warm-up; events are
 * stamped in ms since then. The harness knows, for every revocation, when it was published and
 * through which node, and every host reports each node's admissions (`registry.onAdmitted`) stamped
 * with its clock, so propagation, delivery, convergence and stale answers are computed from exact
 * events rather than by polling.
 */
import { generateKeyPairFromSeed, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { Rng } from '../random.ts';
import type { NodeRole, NodeSelector, Scenario, TimelineAction } from '../scenario/scenario.ts';
import { scenarioTopology, type Topology } from '../topology.ts';
import { TrustWorld } from '../world/trust-world.ts';
import { ByzantinePeer } from './byzantine.ts';
import { DeliveryTracker } from './delivery-tracker.ts';
import { EventLog, type SimEvent } from './event-log.ts';
import {
  emptyTotals,
  type HostEvent,
  type HostResources,
  hostClock,
  type NodeHost,
  type NodeTotals,
} from './node-host.ts';
import {
  type Deployment,
  type FaultMarker,
  localDeployment,
  type ProgressSnapshot,
  type RawRun,
  type RoundRecord,
  type RunModules,
  type RunOptions,
} from './run-types.ts';
import type { SimNode } from './sim-node.ts';
import { Workload } from './workload.ts';

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

const addTotals = (into: NodeTotals, add: NodeTotals): void => {
  into.syncBytes += add.syncBytes;
  into.rounds.started += add.rounds.started;
  into.rounds.completed += add.rounds.completed;
  into.rounds.failed += add.rounds.failed;
  into.recordsAdmitted += add.recordsAdmitted;
  into.accepted += add.accepted;
  into.rejected += add.rejected;
  into.ignored += add.ignored;
  into.evidencePublished += add.evidencePublished;
  for (const key of Object.keys(into.gossip) as (keyof NodeTotals['gossip'])[]) into.gossip[key] += add.gossip[key];
  // Wire bytes are counted by the host per peer over every incarnation: the latest figure is the total.
  into.wireBytes = add.wireBytes;
};

class Simulation {
  private readonly rng: Rng;
  private readonly events: EventLog;
  private readonly tracker = new DeliveryTracker();
  private readonly nodes: SimNode[] = [];
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly tasks = new Set<Promise<unknown>>();
  private readonly rounds: RoundRecord[] = [];
  private readonly heals: RawRun['heals'] = [];
  private readonly restarts: RawRun['restarts'] = [];
  private readonly joins: RawRun['joins'] = [];
  private readonly faults: FaultMarker[] = [];
  private readonly byzantine: ByzantinePeer[] = [];
  private readonly reroute = new Map<number, number>();
  private readonly badAdmitted = new Set<string>();
  private readonly workload: Workload;
  private world!: TrustWorld;
  private topology!: Topology;
  private deployment: Deployment | null = null;
  private t0 = hostClock();
  private phase: ProgressSnapshot['phase'] = 'setup';
  private partitionAt: number | null = null;
  private stopped = false;
  private joinersStarted = 0;
  private nextLinkFault = 1;

  constructor(
    private readonly scenario: Scenario,
    private readonly options: RunOptions,
    private readonly modules: RunModules,
  ) {
    this.rng = new Rng(scenario.seed, scenario.name);
    this.events = new EventLog(options.eventLogPath);
    this.workload = new Workload({
      scenario,
      rng: this.rng,
      world: () => this.world,
      nodes: this.nodes,
      tracker: this.tracker,
      reroute: this.reroute,
      at: (ms, run) => this.at(ms, run),
      t: () => this.t(),
      hostTime: (host, at) => this.hostTime(host, at),
      log: (event) => this.log(event),
    });
  }

  /** ms since t = 0. */
  private t(): number {
    return hostClock() - this.t0;
  }

  private log(event: Omit<SimEvent, 't'> & { t?: number }): void {
    this.events.write({ t: this.t(), ...event } as SimEvent);
  }

  private get hosts(): NodeHost[] {
    return this.deployment?.hosts ?? [];
  }

  /** A host's clock reading as ms since t = 0 on this process's clock. */
  private hostTime(host: number, at: number): number {
    return at - (this.deployment?.clockOffsetsMs[host] ?? 0) - this.t0;
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
    this.topology = scenarioTopology(scenario);
    const deploy = this.modules.deploy ?? localDeployment;
    this.deployment = await deploy((host, event) => this.onHostEvent(host, event));
    await this.createNodes();
    say(`setting up ${this.hosts.length} host(s): ${this.hosts.map((h) => h.label).join(', ')}`);
    await Promise.all(
      this.hosts.map((host, h) =>
        host.setup({
          scenario,
          network: this.world.network,
          peers: this.nodes.map((x) => ({ index: x.index, peerId: x.peerId, address: x.address })),
          nodes: this.nodes
            .filter((x) => x.hostIndex === h)
            .map((x) => ({ index: x.index, privateKey: x.privateKey, bootstrap: x.neighbours })),
          baseRecords: this.world.baseRecords,
        }),
      ),
    );

    say(`starting ${initial} nodes (${scenario.nodes.store} store)`);
    this.t0 = hostClock();
    // One host at a time per node, hosts in parallel: a host's nodes start one after another.
    await Promise.all(
      this.hosts.map(async (host) => {
        for (const sim of this.nodes.filter((x) => !x.joiner && x.host === host)) {
          await host.seed(sim.index);
          await this.startNode(sim);
        }
      }),
    );
    await this.wireTopology();
    this.phase = 'warmup';
    await this.sleep(scenario.warmup * 1000);

    // t = 0: the measured run.
    this.t0 = hostClock();
    this.phase = 'run';
    await Promise.all(this.hosts.map((h) => h.startMeasuring()));
    this.log({ type: 'run-start', nodes: n, seed: scenario.seed, hosts: this.hosts.map((h) => h.label) });
    for (const action of scenario.timeline) this.at(action.at * 1000, () => this.apply(action));
    this.workload.start();
    let reporting = false;
    const progress = setInterval(() => {
      if (!this.modules.progress || reporting) return;
      reporting = true;
      void this.snapshot()
        .then((s) => this.modules.progress?.(s))
        .catch(() => undefined)
        .finally(() => {
          reporting = false;
        });
    }, 1000);
    progress.unref();
    await this.sleep(scenario.duration * 1000);
    this.phase = 'drain';
    this.log({ type: 'drain-start' });
    await this.sleep(scenario.drain * 1000);
    clearInterval(progress);
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    await Promise.allSettled([...this.tasks]);
    const processes = await Promise.all(this.hosts.map((h) => h.finishMeasuring()));
    const wallSeconds = this.t() / 1000;
    await this.deployment.flush();
    this.phase = 'done';
    this.modules.progress?.(await this.snapshot());

    const upAtEnd = this.nodes.filter((x) => x.up).map((x) => x.index);
    for (const sim of this.nodes.filter((x) => x.up)) {
      const totals = await sim.host.counters(sim.index);
      if (totals) addTotals(sim.totals, totals);
    }
    const byzantine = await Promise.all(
      this.byzantine.map(async (peer) => {
        const scores = (await Promise.all(this.hosts.map((h) => h.peerScores(peer.libp2p.peerId.toString())))).flat();
        return {
          behaviour: peer.behaviour,
          sent: peer.counters.sent,
          notSent: peer.counters.notSent,
          minScore: scores.length > 0 ? Math.min(...scores) : null,
          acceptedBad: [...peer.badDigests].filter((d) => this.badAdmitted.has(d)).length,
        };
      }),
    );
    this.log({ type: 'run-end', upAtEnd: upAtEnd.length });
    const total = (pick: (r: HostResources) => number) => processes.reduce((a, r) => a + pick(r), 0);
    const worst = (pick: (r: HostResources) => number) => Math.max(0, ...processes.map(pick));
    return {
      scenario,
      nodes: n,
      upAtEnd,
      updates: this.tracker.updates,
      deliveredAt: this.tracker.deliveredAt,
      verifications: this.workload.verifications,
      rounds: this.rounds,
      totals: this.nodes.map((x) => x.totals),
      heals: this.heals,
      restarts: this.restarts,
      joins: this.joins,
      faults: this.faults,
      byzantine,
      resources: {
        wallSeconds,
        cpuUserSeconds: total((r) => r.cpuUserSeconds),
        cpuSystemSeconds: total((r) => r.cpuSystemSeconds),
        rssBaselineMB: total((r) => r.rssBaselineMB),
        rssEndMB: total((r) => r.rssEndMB),
        rssPeakMB: total((r) => r.rssPeakMB),
        heapUsedMB: total((r) => r.heapUsedMB),
        // The worst process: one slow event loop delays every node it runs.
        lagP50Ms: worst((r) => r.lagP50Ms),
        lagP99Ms: worst((r) => r.lagP99Ms),
        lagMaxMs: worst((r) => r.lagMaxMs),
        processes,
        clockOffsetsMs: this.deployment.clockOffsetsMs,
      },
      acceptedBad: this.badAdmitted.size,
    };
  }

  async dispose(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    await Promise.allSettled(this.byzantine.map((b) => b.stop()));
    await this.deployment?.close().catch(() => undefined);
    await this.events.close().catch(() => undefined);
  }

  // ---- nodes ------------------------------------------------------------------------------------

  private async createNodes(): Promise<void> {
    const { scenario } = this;
    const hosts = this.hosts;
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
    // Nodes are dealt to hosts in turn, so each host runs a share of every role.
    const hostOf = (i: number) => i % hosts.length;
    const addresses = await Promise.all(
      hosts.map((host, h) =>
        host.addresses(Array.from({ length: n }, (_, i) => i).filter((i) => hostOf(i) === h).length),
      ),
    );
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
      const hostIndex = hostOf(i);
      this.nodes.push({
        index: i,
        role: roles[i]!,
        region: this.topology.regions[i] ?? '',
        peerId: peerIdFromPrivateKey(privateKey).toString(),
        privateKey: Buffer.from(privateKeyToProtobuf(privateKey)).toString('base64'),
        address: addresses[hostIndex]!.shift()!,
        neighbours: peers,
        joiner,
        host: hosts[hostIndex]!,
        hostIndex,
        up: false,
        starts: 0,
        busy: Promise.resolve(),
        silent: false,
        totals: emptyTotals(),
      });
    }
  }

  private async startNode(sim: SimNode): Promise<void> {
    await sim.host.start(sim.index);
    sim.up = true;
    sim.starts++;
  }

  private onHostEvent(host: number, event: HostEvent): void {
    const t = this.hostTime(host, event.at);
    if (event.type === 'admitted') {
      if (this.byzantine.length > 0 && this.badAdmitted.size < 1e6) {
        for (const peer of this.byzantine) if (peer.badDigests.has(event.digest)) this.badAdmitted.add(event.digest);
      }
      if (event.listId === undefined || event.validFrom === undefined) return;
      for (const update of this.tracker.admit(event.node, event.listId, event.validFrom, t)) {
        this.log({ type: 'deliver', t, update: update.id, node: event.node, latencyMs: t - update.publishedAt });
      }
      return;
    }
    if (this.phase === 'setup') return;
    this.rounds.push({
      t,
      node: event.node,
      differences: event.differences,
      bytes: event.bytes,
      roundTrips: event.roundTrips,
      durationMs: event.durationMs,
    });
    this.log({
      type: 'sync-round',
      t,
      node: event.node,
      peer: event.peer,
      differences: event.differences,
      bytes: event.bytes,
      received: event.received,
      accepted: event.accepted,
      pushed: event.pushed,
      complete: event.complete,
      durationMs: Math.round(event.durationMs),
    });
  }

  private async stopNode(sim: SimNode, mode: 'abrupt' | 'graceful'): Promise<boolean> {
    if (!sim.up) return false;
    sim.up = false;
    const totals = await sim.host.stop(sim.index, mode);
    if (totals) addTotals(sim.totals, totals);
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
      if (sim.up || this.stopped) return;
      await this.startNode(sim);
      const at = this.t();
      this.restarts.push({ node: sim.index, at });
      this.log({ type: 'node-up', node: sim.index, reason });
    });
  }

  /** Dials every topology link not already connected (libp2p's bootstrap dial may have raced). */
  private async wireTopology(): Promise<void> {
    await Promise.allSettled(
      this.topology.edges.map(async ([a, b]) => {
        const from = this.nodes[a]!;
        if (from.up) await from.host.link(a, b);
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
        this.partitionAt = this.t();
        this.marker('partition');
        this.log({ type: 'partition', groups });
        // Every host gates its nodes and hangs up their connections across the cut.
        await Promise.all(this.hosts.map((host) => host.partition(groups)));
        if (action.until !== undefined) this.at(action.until * 1000, () => this.heal());
        return;
      }
      case 'heal':
        return this.heal();
      case 'link': {
        const conditions = {
          ...(action.latencyMs !== undefined ? { latencyMs: action.latencyMs } : {}),
          ...(action.jitterMs !== undefined ? { jitterMs: action.jitterMs } : {}),
          ...(action.loss !== undefined ? { loss: action.loss } : {}),
        };
        const id = this.nextLinkFault++;
        const fault = action.between
          ? {
              id,
              between: [
                this.select(action.between[0], `${label}-a`).map((x) => x.index),
                this.select(action.between[1], `${label}-b`).map((x) => x.index),
              ] as [number[], number[]],
              conditions,
            }
          : { id, touched: this.select(action.nodes, label).map((x) => x.index), conditions };
        await Promise.all(this.hosts.map((host) => host.addLinkFault(fault)));
        this.marker(`link ${JSON.stringify(conditions)}`);
        this.log({ type: 'link', ...conditions });
        if (action.until !== undefined) {
          this.at(action.until * 1000, async () => {
            await Promise.all(this.hosts.map((host) => host.removeLinkFault(id)));
            this.marker('link restored');
            this.log({ type: 'link-restored' });
          });
        }
        return;
      }
      case 'link-reset':
        await Promise.all(this.hosts.map((host) => host.clearLinkFaults()));
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
        const targets = this.select(action.nodes, label).map((x) => x.index);
        await Promise.all(this.hosts.map((host) => host.setClockSkew(targets, action.offsetMs)));
        this.marker(`clock skew ${action.offsetMs} ms`);
        this.log({ type: 'clock-skew', nodes: targets, offsetMs: action.offsetMs });
        return;
      }
      case 'agency-offline':
        return this.agencyOffline(action, label);
      case 'byzantine':
        return this.startByzantine(action, label);
      case 'join': {
        const joiners = this.nodes.filter((x) => x.joiner && !x.up && x.starts === 0).slice(0, action.count ?? 1);
        this.marker(`join ${joiners.length}`);
        for (const sim of joiners) {
          this.joinersStarted++;
          const at = this.t();
          // The target: what the network holds now (an initial node's sync set).
          const holder = this.nodes.find((x) => !x.joiner && x.up);
          const reference = (holder ? await holder.host.syncSize(holder.index) : null) ?? 0;
          await this.startNode(sim);
          this.log({ type: 'join', node: sim.index, target: reference });
          const entry: RawRun['joins'][number] = { node: sim.index, at, convergedAt: null };
          this.joins.push(entry);
          this.watchJoin(sim, entry, reference);
        }
        return;
      }
    }
  }

  private async heal(): Promise<void> {
    if (this.partitionAt === null) return;
    await Promise.all(this.hosts.map((host) => host.heal()));
    const healAt = this.t();
    this.heals.push({ partitionAt: this.partitionAt, healAt });
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
      : rng.shuffle(this.nodes.filter((x) => x.up)).slice(0, 3);
    this.marker(`byzantine ${behaviour} ×${count}`);
    for (let i = 0; i < count; i++) {
      const privateKey = await generateKeyPairFromSeed('Ed25519', rng.bytes(32));
      const peer = await ByzantinePeer.start(
        {
          networkId: this.world.network.networkId,
          address: this.deployment!.byzantine.address(this.byzantine.length),
          behaviour,
        },
        {
          transport: this.deployment!.byzantine.transport(),
          privateKey,
          random: rng.asFunction(),
          ...this.workload.replaySources(rng),
        },
      );
      this.byzantine.push(peer);
      await Promise.allSettled(
        targets.filter((x) => x.up).map((x) => peer.libp2p.dial(multiaddr(`${x.address}/p2p/${x.peerId}`))),
      );
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
    const check = async () => {
      if (this.stopped) return;
      const size = sim.up ? await sim.host.syncSize(sim.index) : null;
      if (size !== null && size >= target) {
        entry.convergedAt = this.t();
        this.log({ type: 'join-converged', node: sim.index, afterMs: entry.convergedAt - entry.at });
        return;
      }
      this.at(this.t() + 50, check);
    };
    this.track(check());
  }

  // ---- progress ---------------------------------------------------------------------------------

  private async snapshot(): Promise<ProgressSnapshot> {
    const up = this.nodes.filter((x) => x.up);
    const updates = this.tracker.updates;
    let delivered = 0;
    for (const update of updates) {
      const at = this.tracker.deliveredAt.get(update.id)!;
      for (const sim of up) if (at.has(sim.index)) delivered++;
    }
    const status = await Promise.all(this.hosts.map((host) => host.status()));
    return {
      t: this.t() / 1000,
      total: this.scenario.duration + this.scenario.drain,
      phase: this.phase,
      up: up.length,
      nodes: this.nodes.length,
      connections: status.reduce((a, s) => a + s.connections, 0) / Math.max(1, up.length),
      updates: updates.length,
      coverage: updates.length === 0 || up.length === 0 ? 1 : delivered / (updates.length * up.length),
      verifications: this.workload.verifications.length,
      stale: this.workload.verifications.filter((v) => v.stale).length,
      lagP99Ms: Math.max(0, ...status.map((s) => s.lagP99Ms)),
    };
  }
}
