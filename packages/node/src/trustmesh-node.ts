/**
 * A trustmesh node: the registry (validated, persisted replica), a libp2p host, record gossip for
 * speed, anti-entropy for completeness, and optionally the HTTP API and issuer mode, wired together.
 * Every record, whichever way it arrives, goes through the registry's one admission pipeline.
 */

import { join } from 'node:path';
import type { ConnectionGater, PeerId, PrivateKey } from '@libp2p/interface';
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import {
  canonicalBytes,
  createDidResolver,
  type DidResolverOptions,
  type KeyPair,
  LevelRecordStore,
  largeRecordLimit,
  MemoryRecordStore,
  type RecordStore,
  Registry,
  type RegistryModules,
  type RegistryOptions,
  type SubmitOutcome,
} from '@trustmesh/registry';
import pino, { type Logger } from 'pino';
import { RecordAdmission, type RecordAdmissionOptions } from './admission/record-admission.ts';
import { type ApiOptions, type ApiServer, createApi } from './api/index.ts';
import { defaultRecordGossipsubOptions, recordGossipsubInit } from './gossip/gossipsub-config.ts';
import {
  type GossipCounters,
  type GossipLogger,
  type PublishReport,
  RecordGossip,
  type RecordGossipOptions,
} from './gossip/record-gossip.ts';
import { clockRefusal, nodeHealthWarnings } from './health/node-health.ts';
import { IssuerService } from './issuer/issuer-service.ts';
import type { IssuerServiceOptions } from './issuer/issuer-types.ts';
import { TokenStatusIssuer, type TokenStatusIssuerOptions } from './issuer/token-status-issuer.ts';
import { createMetrics, type MetricsOptions, type NodeMetrics } from './metrics/metrics.ts';
import { registerNodeCollectors } from './metrics/node-collectors.ts';
import {
  defaultListSourcePollerOptions,
  type ListSource,
  ListSourcePoller,
  type ListSourcePollerOptions,
} from './mirror/list-source-poller.ts';
import { createPinnedHttpsFetch, systemLookup } from './network/did-web-fetch.ts';
import { knownPeerAddresses, readKnownPeers, snapshotKnownPeers, writeKnownPeers } from './network/known-peers.ts';
import {
  createLibp2pNode,
  type Libp2pNodeModules,
  type Libp2pNodeOptions,
  type TrustmeshLibp2p,
} from './network/libp2p.ts';
import type { NetworkFile } from './network/network-file.ts';
import { loadOrCreatePeerIdentity } from './network/peer-identity.ts';
import { PeerKeeper, type PeerKeeperOptions } from './network/peer-keeper.ts';
import { dhtProtocol, recordsTopic, syncProtocol } from './network/protocols.ts';
import { PeerClocks } from './sync/peer-clocks.ts';
import {
  AntiEntropy,
  type AntiEntropyModules,
  type AntiEntropyOptions,
  defaultAntiEntropyOptions,
} from './sync/scheduler.ts';
import { SyncIndex } from './sync/sync-index.ts';

/** Settings of a {@link TrustmeshNode}. */
export interface TrustmeshNodeOptions {
  /** The network file this node starts from (network/network-file.ts). */
  network: NetworkFile;
  /**
   * Data directory: the peer key (`peer-key`) and, with the `level` store, the database (`db/`).
   * Without one the node has an ephemeral identity and must use the memory store.
   */
  dataDir?: string;
  /** `level` (LevelDB under `<dataDir>/db`) or `memory` (tests, simulation). */
  store: 'level' | 'memory';
  /** libp2p transport: `tcp`, or `memory` for tests and simulation. */
  transport: Libp2pNodeOptions['transport'];
  /** Listen multiaddrs (default per transport: loopback TCP, or a fresh memory address). */
  listen?: string[];
  /** mDNS discovery (labs only). */
  mdns: boolean;
  /**
   * Kademlia DHT peer discovery on the network's protocol (network/libp2p.ts): `auto` turns it on
   * with the TCP transport (production) and off with the memory transport (in-process simulations,
   * whose scenarios set their own topology).
   */
  dht: boolean | 'auto';
  /**
   * How often the known peers are written to `<dataDir>/known-peers.json` (network/known-peers.ts),
   * in ms; they are also written at stop. Needs a data directory.
   */
  knownPeersSaveIntervalMs: number;
  /** libp2p settings beyond the above (connection limits, memory latency, bootstrap delay, ping interval). */
  libp2p: Partial<Pick<Libp2pNodeOptions, 'connections' | 'memoryLatencyMs' | 'bootstrapDelayMs' | 'pingIntervalMs'>>;
  /** Gossip settings (message bound, hold time, pending buffer). */
  gossip: Partial<Omit<RecordGossipOptions, 'networkId'>>;
  /** Admission settings (admission/record-admission.ts): the pending buffer, batch passes, re-announcing. */
  admission?: Partial<RecordAdmissionOptions>;
  /**
   * Registry settings beyond the network's id and genesis digest; `contexts` are the operator's
   * added JSON-LD contexts (issuers' vocabularies), each pinned by its SHA-256 (docs/operators.md).
   */
  registry: Partial<
    Pick<RegistryOptions, 'limits' | 'maxClockSkewMs' | 'contexts' | 'quotas' | 'decodedListCacheBytes'>
  >;
  /**
   * did:web resolution of credential and record keys over HTTPS (crypto/did-resolution.ts): `false`
   * (the default) resolves nothing over the network; an object turns it on with those limits merged
   * over the defaults (5 s, 64 KiB, public addresses only).
   */
  didWeb: false | Partial<Omit<DidResolverOptions, 'allowWeb'>>;
  /** Bootstrap redialling (network/peer-keeper.ts). */
  peerKeeper: Partial<Omit<PeerKeeperOptions, 'peers'>>;
  /** Anti-entropy settings (sync/scheduler.ts); the protocol id comes from the network id. */
  sync: Partial<Omit<AntiEntropyOptions, 'protocol'>>;
  /** The HTTP API, or false for none (tests and simulations usually run without). */
  api: false | Partial<ApiOptions>;
  /**
   * Issuer mode (`POST /credentials/issue`, `/credentials/status`): needs `modules.issuerKey`, a data
   * directory, and the API's `publicBaseUrl` (the lists' ids are dereferenceable under it).
   */
  issuer: false | Partial<Omit<IssuerServiceOptions, 'dataDir' | 'publicBaseUrl'>>;
  /**
   * SD-JWT VC issuance in issuer mode (issue 13, issuer/token-status-issuer.ts): the Token Status
   * List's settings. Its list is published with the first SD-JWT VC issued.
   */
  tokenStatusIssuer: Partial<Omit<TokenStatusIssuerOptions, 'dataDir' | 'publicBaseUrl'>>;
  /**
   * Prometheus metrics settings (metrics/metrics.ts). Runs with many nodes in one process
   * (simulations, benchmarks) turn `processMetrics` off: each node would otherwise monitor the same
   * process again (an event-loop delay timer and GC observers per node).
   */
  metrics: Partial<MetricsOptions>;
  /**
   * Mirroring issuers that run no node (issue 13, mirror/list-source-poller.ts): the operator's list
   * URLs, polled and submitted like any record. Only this configuration names URLs the node fetches.
   */
  mirror?: Partial<ListSourcePollerOptions> & { sources: ListSource[] };
}

/** Defaults of {@link TrustmeshNodeOptions}. */
export const defaultTrustmeshNodeOptions: Omit<TrustmeshNodeOptions, 'network' | 'dataDir' | 'listen'> = {
  store: 'level',
  transport: 'tcp',
  mdns: false,
  dht: 'auto',
  knownPeersSaveIntervalMs: 30_000,
  libp2p: {},
  gossip: {},
  registry: {},
  didWeb: false,
  peerKeeper: {},
  sync: {},
  api: false,
  issuer: false,
  tokenStatusIssuer: {},
  metrics: {},
};

/** What a {@link TrustmeshNode} depends on from its environment; every member has a default. */
export interface TrustmeshNodeModules {
  /** The clock, ms since the epoch (default `Date.now`). */
  now?: () => number;
  /** did:web resolution for the registry, opt-in (default: none; pinned keys and did:key only). */
  didResolver?: RegistryModules['didResolver'];
  /** A record store to use instead of the one `options.store` names. */
  store?: RecordStore;
  /** A peer key to use instead of the one in the data directory. */
  privateKey?: PrivateKey;
  /** libp2p connection gater: which peers may be dialled or accepted (simulated partitions, allow lists). */
  connectionGater?: ConnectionGater;
  logger?: GossipLogger;
  /** Structured logger of the HTTP API (default: silent). Never receives submitted credentials. */
  httpLogger?: Logger;
  /** The issuer's signing key, for issuer mode. */
  issuerKey?: KeyPair;
  /** Random source in [0, 1) (anti-entropy peer choice); seeded in simulations. */
  random?: () => number;
  /**
   * Hooks into libp2p for simulation and measurement: a replacement transport (per-link latency and
   * loss) and gossipsub's metrics register. Production leaves them unset.
   */
  libp2p?: Pick<Libp2pNodeModules, 'transport' | 'gossipsubMetrics'>;
  /** Called with the statistics of every anti-entropy round this node initiates and completes. */
  onSyncRound?: AntiEntropyModules['onRound'];
}

/** Stable codes of {@link TrustmeshNodeError}. */
export type TrustmeshNodeErrorCode = 'NODE_CONFIG_INVALID' | 'NODE_GENESIS_REFUSED';

/** The node cannot start as configured. */
export class TrustmeshNodeError extends Error {
  readonly code: TrustmeshNodeErrorCode;
  constructor(code: TrustmeshNodeErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'TrustmeshNodeError';
    this.code = code;
  }
}

interface NodeParts {
  registry: Registry;
  libp2p: TrustmeshLibp2p;
  admission: RecordAdmission;
  gossip: RecordGossip;
  keeper: PeerKeeper;
  sync: AntiEntropy;
  syncIndex: SyncIndex;
  metrics: NodeMetrics;
  unsubscribe: () => void;
}

/** A running node. Create with {@link TrustmeshNode.create}; stop with {@link TrustmeshNode.stop}. */
export class TrustmeshNode {
  readonly options: TrustmeshNodeOptions;
  readonly registry: Registry;
  readonly libp2p: TrustmeshLibp2p;
  /** The one admission layer every record goes through (admission/record-admission.ts). */
  readonly admission: RecordAdmission;
  readonly gossip: RecordGossip;
  readonly sync: AntiEntropy;
  readonly syncIndex: SyncIndex;
  readonly metrics: NodeMetrics;
  /** The HTTP API, when enabled. */
  api: ApiServer | undefined;
  /** Issuer mode, when enabled. */
  issuer: IssuerService | undefined;
  /** SD-JWT VC issuance on a Token Status List, in issuer mode. */
  tokenStatusIssuer: TokenStatusIssuer | undefined;
  /** The poller of operator-configured list sources, when any is configured. */
  mirror: ListSourcePoller | undefined;
  private readonly keeper: PeerKeeper;
  private readonly unsubscribe: () => void;
  private stopping: Promise<void> | undefined;
  private knownPeersTimer: ReturnType<typeof setInterval> | undefined;
  /** What {@link TrustmeshNode.healthWarnings} reads. */
  private healthInputs: { store?: RecordStore; now: () => number; peersToDial: number } | undefined;
  /** A complete anti-entropy round has run (the issuer's start-up wait can end). */
  private syncedOnce = false;

  private constructor(options: TrustmeshNodeOptions, parts: NodeParts) {
    this.options = options;
    this.registry = parts.registry;
    this.libp2p = parts.libp2p;
    this.admission = parts.admission;
    this.gossip = parts.gossip;
    this.keeper = parts.keeper;
    this.sync = parts.sync;
    this.syncIndex = parts.syncIndex;
    this.metrics = parts.metrics;
    this.unsubscribe = parts.unsubscribe;
  }

  /**
   * Opens the registry, admits the network's genesis, starts libp2p and subscribes to the network's
   * records topic. Anything opened is closed again if a later step fails.
   */
  static async create(
    options: Partial<TrustmeshNodeOptions> & Pick<TrustmeshNodeOptions, 'network'>,
    modules: TrustmeshNodeModules = {},
  ): Promise<TrustmeshNode> {
    const opts: TrustmeshNodeOptions = { ...defaultTrustmeshNodeOptions, ...options };
    const { network } = opts;
    const now = modules.now ?? Date.now;

    if (!modules.store && opts.store === 'level' && !opts.dataDir) {
      throw new TrustmeshNodeError('NODE_CONFIG_INVALID', 'the level store needs a data directory (dataDir)');
    }
    const privateKey =
      modules.privateKey ??
      (opts.dataDir ? (await loadOrCreatePeerIdentity({ dataDir: opts.dataDir })).privateKey : undefined);
    const store =
      modules.store ??
      (opts.store === 'level' && opts.dataDir
        ? new LevelRecordStore({ location: join(opts.dataDir, 'db') })
        : new MemoryRecordStore());

    let node: TrustmeshNode | undefined;
    const didResolver =
      modules.didResolver ??
      (opts.didWeb
        ? createDidResolver(
            { ...opts.didWeb, allowWeb: true },
            {
              lookup: systemLookup,
              fetch: createPinnedHttpsFetch({ caCertificates: opts.didWeb.caCertificates ?? [] }),
            },
          )
        : undefined);
    const registry = await Registry.open(
      { ...opts.registry, networkId: network.networkId, genesisDigest: network.genesisDigest },
      { store, now, ...(didResolver ? { didResolver } : {}) },
    );

    let libp2p: TrustmeshLibp2p | undefined;
    try {
      // The genesis is pinned by the network file; a node that cannot admit it has no root of trust.
      const genesis = await registry.submit(network.genesis);
      if (genesis.status !== 'accept' && genesis.error.code !== 'DUPLICATE') {
        throw new TrustmeshNodeError(
          'NODE_GENESIS_REFUSED',
          `the network file's genesis was refused: ${genesis.error.code}: ${genesis.error.message}`,
          { cause: genesis.error },
        );
      }

      const gossipOptions = { ...opts.gossip, networkId: network.networkId };
      const maxMessageBytes = opts.gossip.maxMessageBytes ?? defaultRecordGossipsubOptions.maxMessageBytes;
      // Peers this node knew before it stopped are dialled like bootstrap peers: a restarted node
      // rejoins even when its bootstrap peers are down.
      const known = opts.dataDir ? knownPeerAddresses(await readKnownPeers(opts.dataDir)) : [];
      const dialAtStart = [...new Set([...network.bootstrap, ...known])];
      const dht = opts.dht === 'auto' ? opts.transport === 'tcp' : opts.dht;
      libp2p = await createLibp2pNode(
        {
          ...opts.libp2p,
          transport: opts.transport,
          ...(opts.listen ? { listen: opts.listen } : {}),
          bootstrap: dialAtStart,
          mdns: opts.mdns,
          dht: dht ? { protocol: dhtProtocol(network.networkId) } : false,
          gossipsub: recordGossipsubInit({
            ...defaultRecordGossipsubOptions,
            topic: recordsTopic(network.networkId),
            maxMessageBytes,
          }),
        },
        {
          ...modules.libp2p,
          ...(privateKey ? { privateKey } : {}),
          ...(modules.connectionGater ? { connectionGater: modules.connectionGater } : {}),
        },
      );
      // Every record, whichever path brings it, goes through the one admission layer. One a peer sent
      // that the registry refuses may be a copy of this issuer's own list that diverged from the
      // held one: issuer mode merges it (issue 10, problem 1).
      const pubsub = libp2p.services.pubsub;
      const admission = new RecordAdmission(opts.admission ?? {}, {
        registry,
        now,
        // A peer whose gossip score is positive has delivered valid records: records whose signer is
        // not known here yet are buffered from it only (a fresh or misbehaving peer's are dropped).
        trustedPeer: (peer) => ((pubsub as unknown as { getScore?: (id: string) => number }).getScore?.(peer) ?? 0) > 0,
        onRefused: (bytes, code) => {
          node?.issuer?.observeRefused(bytes, code);
          node?.tokenStatusIssuer?.observeRefused(bytes, code);
        },
        ...(modules.logger ? { logger: modules.logger } : {}),
      });
      const gossip = new RecordGossip(gossipOptions, {
        pubsub,
        admission,
        ...(modules.logger ? { logger: modules.logger } : {}),
      });
      admission.setAnnouncer((a) => gossip.announce(a));
      gossip.start();
      const keeper = new PeerKeeper(
        { ...opts.peerKeeper, peers: dialAtStart },
        { libp2p, ...(modules.random ? { random: modules.random } : {}) },
      );

      // The sync set follows every admission, whichever path (gossip, sync, API) it came by.
      const syncIndex = await SyncIndex.fromStore(store);
      const unsubscribe = registry.onAdmitted((admission) => syncIndex.admit(admission));
      const sync = new AntiEntropy(
        {
          ...defaultAntiEntropyOptions,
          // The largest record anti-entropy carries is the largest the registry admits (a CRL, issue 14),
          // with room for two being assembled at once.
          maxLargeRecordBytes: largeRecordLimit(registry.options.limits),
          maxAssemblyBytes: Math.max(
            defaultAntiEntropyOptions.maxAssemblyBytes,
            2 * largeRecordLimit(registry.options.limits),
          ),
          ...opts.sync,
          protocol: syncProtocol(network.networkId),
        },
        {
          libp2p,
          admission,
          store,
          index: syncIndex,
          now,
          clocks: new PeerClocks({}, { now }),
          // Issuer mode's own lists: a peer's older, possibly divergent copy is pulled and merged.
          ownSlot: (key) => node?.issuer?.ownsSlot(key) === true || node?.tokenStatusIssuer?.ownsSlot(key) === true,
          ...(modules.random ? { random: modules.random } : {}),
          ...(modules.logger ? { logger: modules.logger } : {}),
          onRound: (stats) => {
            modules.onSyncRound?.(stats);
            // After each round: re-apply the journal, re-date a future-dated list (issue 10); a
            // complete one has brought the network's newest versions of the issuer's lists.
            if (stats.complete && node) {
              node.syncedOnce = true;
              node.issuer?.peerStateKnown();
              node.tokenStatusIssuer?.peerStateKnown();
            }
            node?.issuer?.refresh();
            node?.tokenStatusIssuer?.refresh();
          },
        },
      );
      const metrics = createMetrics(opts.metrics);
      node = new TrustmeshNode(opts, {
        registry,
        libp2p,
        admission,
        gossip,
        keeper,
        sync,
        syncIndex,
        metrics,
        unsubscribe,
      });
      node.healthInputs = { store, now, peersToDial: dialAtStart.length };
      registerNodeCollectors(metrics, node);
      keeper.start();
      node.startSavingKnownPeers();
      await sync.start();
      node.startMirror(modules);
      await node.startApi(modules, now);
      return node;
    } catch (error) {
      // Best effort: the original error is the one worth reporting.
      if (node) await node.stop().catch(() => undefined);
      else {
        await Promise.resolve(libp2p?.stop()).catch(() => undefined);
        await registry.close().catch(() => undefined);
      }
      throw error;
    }
  }

  /** Starts polling the operator's list sources, when configured. */
  private startMirror(modules: TrustmeshNodeModules): void {
    const mirror = this.options.mirror;
    if (!mirror || mirror.sources.length === 0) return;
    this.mirror = new ListSourcePoller(
      { ...defaultListSourcePollerOptions, maxBytes: this.registry.options.limits.maxRecordBytes, ...mirror },
      {
        submit: (bytes) => this.submitAndPublish(bytes),
        logger: modules.logger ?? { warn: () => undefined },
      },
    );
    this.mirror.start();
  }

  /** Starts issuer mode and the HTTP API when configured. */
  private async startApi(modules: TrustmeshNodeModules, now: () => number): Promise<void> {
    const { api: apiOptions, issuer: issuerOptions, dataDir } = this.options;
    if (issuerOptions) {
      const publicBaseUrl = apiOptions ? apiOptions.publicBaseUrl : undefined;
      if (!modules.issuerKey || !dataDir || !publicBaseUrl) {
        throw new TrustmeshNodeError(
          'NODE_CONFIG_INVALID',
          'issuer mode needs an issuer key, a data directory and the API enabled with a publicBaseUrl',
        );
      }
      this.issuer = await IssuerService.open(
        {
          // With peers to dial, status changes wait (at most 5 s) for the network's newest versions.
          startupSyncTimeoutMs: (this.healthInputs?.peersToDial ?? 0) > 0 ? 5_000 : 0,
          ...issuerOptions,
          dataDir,
          publicBaseUrl,
        },
        {
          keyPair: modules.issuerKey,
          registry: this.registry,
          publish: (r) => this.submitAndPublish(r),
          now,
          // A clock ahead of the peers' median dates versions in their future (issue 10, problem 3).
          signingRefusal: () => clockRefusal(this.sync.clocks, this.registry.options.maxClockSkewMs),
          metrics: this.metrics,
        },
      );
      this.tokenStatusIssuer = await TokenStatusIssuer.open(
        {
          startupSyncTimeoutMs: (this.healthInputs?.peersToDial ?? 0) > 0 ? 5_000 : 0,
          ...this.options.tokenStatusIssuer,
          dataDir,
          publicBaseUrl,
        },
        {
          keyPair: modules.issuerKey,
          registry: this.registry,
          publish: (r) => this.submitAndPublish(r),
          now,
          signingRefusal: () => clockRefusal(this.sync.clocks, this.registry.options.maxClockSkewMs),
          metrics: this.metrics,
        },
      );
      if (this.syncedOnce) {
        this.issuer.peerStateKnown();
        this.tokenStatusIssuer.peerStateKnown();
      }
    }
    if (!apiOptions) return;
    this.api = await createApi(apiOptions, {
      registry: this.registry,
      publish: (record) => this.submitAndPublish(record),
      node: {
        peerId: this.peerId.toString(),
        networkId: this.options.network.networkId,
        peers: () =>
          this.libp2p.getConnections().map((c) => ({ id: c.remotePeer.toString(), addrs: [c.remoteAddr.toString()] })),
        gossipPeers: () => this.libp2p.services.pubsub.getSubscribers(this.gossip.topic).length,
        syncState: () => ({ ...this.sync.counters(), indexSize: this.syncIndex.size }),
        healthWarnings: () => this.healthWarnings(),
      },
      ...(this.issuer ? { issuer: this.issuer } : {}),
      ...(this.tokenStatusIssuer ? { tokenStatusIssuer: this.tokenStatusIssuer } : {}),
      metrics: this.metrics,
      now,
      logger: modules.httpLogger ?? pino({ level: 'silent' }),
    });
    await this.api.listen();
  }

  /** The node's own named warnings (health/node-health.ts): store faults, clock skew, no peers. */
  healthWarnings(): string[] {
    const { store, now } = this.healthInputs ?? { now: Date.now };
    const pubsub = this.libp2p.services.pubsub as unknown as { getMeshPeers?(topic: string): string[] };
    const storeFaults = store?.faults?.bind(store);
    const mirrorWarnings = this.mirror?.healthWarnings() ?? [];
    return [
      ...nodeHealthWarnings({
        now,
        ...(storeFaults ? { storeFaults } : {}),
        ...(this.sync.clocks ? { clocks: this.sync.clocks } : {}),
        maxClockSkewMs: this.registry.options.maxClockSkewMs,
        peers: () => this.libp2p.getConnections().length,
        ...(pubsub.getMeshPeers ? { meshPeers: () => pubsub.getMeshPeers?.(this.gossip.topic).length ?? 0 } : {}),
      }),
      ...mirrorWarnings,
    ];
  }

  /** Writes the known peers periodically (with a data directory). */
  private startSavingKnownPeers(): void {
    const { dataDir, knownPeersSaveIntervalMs } = this.options;
    if (!dataDir || knownPeersSaveIntervalMs <= 0) return;
    this.knownPeersTimer = setInterval(() => void this.saveKnownPeers(), knownPeersSaveIntervalMs);
    this.knownPeersTimer.unref?.();
  }

  /** Writes `<dataDir>/known-peers.json` now; best effort (a cache, never a reason to fail). */
  async saveKnownPeers(): Promise<void> {
    const { dataDir } = this.options;
    if (!dataDir) return;
    try {
      const peers = await snapshotKnownPeers(this.libp2p);
      if (peers.length > 0) await writeKnownPeers(dataDir, peers);
    } catch {
      // A full disk or a stopping peer store: the previous file stays.
    }
  }

  /** This node's peer id. */
  get peerId(): PeerId {
    return this.libp2p.peerId;
  }

  /** The multiaddrs this node listens on, with its peer id. */
  multiaddrs(): Multiaddr[] {
    return this.libp2p.getMultiaddrs();
  }

  /** Dials a peer (tests, the CLI's `connect`). */
  async connect(address: string | Multiaddr, options: { timeoutMs?: number } = {}): Promise<void> {
    const target = typeof address === 'string' ? multiaddr(address) : address;
    await this.libp2p.dial(target, { signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
  }

  /**
   * Admits a locally created record and gossips it. Objects are sent as their canonical bytes; the
   * report says whether it was admitted and how many peers it went to.
   */
  publish(record: Uint8Array | Record<string, unknown>): Promise<PublishReport> {
    return this.admission.publish(record instanceof Uint8Array ? record : canonicalBytes(record));
  }

  /**
   * Admits a record through the admission layer and, if admitted, gossips it: the HTTP API, issuer
   * mode, the CLI and the simulator publish through here and answer with the registry's outcome.
   * A store fault is thrown (the API answers 503).
   */
  submitAndPublish(record: Uint8Array | object): Promise<SubmitOutcome> {
    return this.admission.submitAndPublish(record);
  }

  /** Gossip counters. */
  counters(): GossipCounters {
    return this.gossip.counters();
  }

  /** Stops gracefully: API, sync, gossip, libp2p, then the store. Safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      // Stop taking requests first, then network activity, then close the store: no lost writes.
      await this.api?.close();
      this.mirror?.stop();
      await this.issuer?.close();
      await this.tokenStatusIssuer?.close();
      clearInterval(this.knownPeersTimer);
      await this.saveKnownPeers();
      await this.keeper.stop();
      await this.sync.stop();
      await this.gossip.stop();
      await this.admission.stop();
      await this.libp2p.stop();
      this.unsubscribe();
      await this.registry.close();
    })();
    return this.stopping;
  }
}
