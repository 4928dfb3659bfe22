/**
 * The libp2p host of a node (DESIGN.md, Network): TCP or an in-memory transport (tests, simulation),
 * Noise, Yamux, identify, ping, gossipsub, bootstrap peers, a Kademlia DHT on the network's own
 * protocol (peer discovery beyond the bootstrap list), and mDNS for labs (opt-in).
 */
import { randomUUID } from 'node:crypto';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { bootstrap } from '@libp2p/bootstrap';
import { type GossipSub, type GossipsubOpts, gossipsub } from '@libp2p/gossipsub';
import { type Identify, identify } from '@libp2p/identify';
import type { ConnectionGater, Libp2p, PrivateKey } from '@libp2p/interface';
import { type KadDHT, kadDHT, passthroughMapper } from '@libp2p/kad-dht';
import { mdns } from '@libp2p/mdns';
import { memory } from '@libp2p/memory';
import { type Ping, ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { createLibp2p, type Libp2pOptions } from 'libp2p';

/** Connection manager limits, set explicitly rather than inherited from libp2p's defaults. */
export interface ConnectionLimits {
  /** Connections above which libp2p prunes the lowest-valued ones. */
  maxConnections: number;
  /** Inbound connections still upgrading (Noise, Yamux) at once. */
  maxIncomingPendingConnections: number;
  /** New inbound connections per second accepted from one host. */
  inboundConnectionThreshold: number;
  /** Dials in progress at once. */
  maxParallelDials: number;
  /** Dials allowed to wait in the queue. */
  maxDialQueueLength: number;
  /** How long one dial may take, in ms. */
  dialTimeoutMs: number;
  /** How long an inbound connection may take to upgrade, in ms. */
  inboundUpgradeTimeoutMs: number;
}

/** Settings of {@link createLibp2pNode}. */
export interface Libp2pNodeOptions {
  /** `tcp` in production; `memory` for tests and simulation (one process). */
  transport: 'tcp' | 'memory';
  /**
   * Listen multiaddrs. Default: `/ip4/127.0.0.1/tcp/0` for TCP (loopback: exposing a node is an
   * operator's decision), a fresh `/memory/<uuid>` for memory.
   */
  listen?: string[];
  /** Bootstrap peers (multiaddrs ending in /p2p/<peer id>), dialled at start. */
  bootstrap: string[];
  /** How long after start bootstrap peers are dialled, in ms. */
  bootstrapDelayMs: number;
  /** mDNS discovery on the local network (labs only): off by default. */
  mdns: boolean;
  /**
   * Kademlia DHT for peer discovery, on the network's own protocol id (network/protocols.ts
   * `dhtProtocol`), or false for none. Its self-queries ask connected peers for the peers closest to
   * this one and dial them, so a network bootstrapped as a star from one node becomes a mesh and
   * survives that node's outage (issue 15).
   */
  dht: false | { protocol: string; querySelfIntervalMs?: number };
  /** Extra latency of the memory transport per buffer, in ms (simulation of slow links). */
  memoryLatencyMs: number;
  /**
   * libp2p's connection monitor pings every connection this often (ms) to detect dead ones and
   * measure round-trip times; 0 turns it off. Off only where many nodes share one process
   * (benchmarks): there N hosts' pings land on one thread in bursts and skew what is measured.
   */
  pingIntervalMs: number;
  connections: ConnectionLimits;
  /** Gossipsub init: see gossip/gossipsub-config.ts (recordGossipsubInit). */
  gossipsub: Partial<GossipsubOpts>;
}

/** Defaults of {@link Libp2pNodeOptions}. */
export const defaultLibp2pNodeOptions: Omit<Libp2pNodeOptions, 'gossipsub'> = {
  transport: 'tcp',
  bootstrap: [],
  bootstrapDelayMs: 1_000,
  mdns: false,
  dht: false,
  memoryLatencyMs: 0,
  // libp2p's own default.
  pingIntervalMs: 10_000,
  connections: {
    // A registry network is tens to hundreds of agency nodes; a node needs a mesh (D = 6, Dhi = 12)
    // plus room for verifiers' and operators' nodes, not thousands of peers.
    maxConnections: 64,
    maxIncomingPendingConnections: 8,
    inboundConnectionThreshold: 5,
    maxParallelDials: 16,
    maxDialQueueLength: 100,
    dialTimeoutMs: 10_000,
    inboundUpgradeTimeoutMs: 10_000,
  },
};

/** What {@link createLibp2pNode} depends on. */
export interface Libp2pNodeModules {
  /** The node's identity (network/peer-identity.ts); an ephemeral one is generated if absent. */
  privateKey?: PrivateKey;
  /**
   * Decides which peers this host may dial or accept (libp2p's connection gater). Simulations and
   * tests inject one to partition a network; operators could use one for an allow list.
   */
  connectionGater?: ConnectionGater;
  /**
   * A transport used instead of the one `options.transport` names: simulations inject an in-memory
   * network with per-link latency and loss. It must accept the listen addresses given.
   */
  transport?: Libp2pTransportFactory;
  /** Gossipsub's own metrics register (RPC bytes, duplicates), see `GossipsubOpts.metricsRegister`. */
  gossipsubMetrics?: NonNullable<GossipsubOpts['metricsRegister']>;
}

/** A libp2p transport factory, as `createLibp2p({ transports })` takes them. */
export type Libp2pTransportFactory = NonNullable<Libp2pOptions['transports']>[number];

/** The services every trustmesh libp2p host runs. */
export interface TrustmeshServices extends Record<string, unknown> {
  identify: Identify;
  ping: Ping;
  pubsub: GossipSub;
  /** Present when `dht` is set. */
  dht?: KadDHT;
}

/** A started libp2p host with the trustmesh services. */
export type TrustmeshLibp2p = Libp2p<TrustmeshServices>;

/** The default listen addresses for a transport. */
export function defaultListenAddresses(transport: Libp2pNodeOptions['transport']): string[] {
  return transport === 'memory' ? [`/memory/${randomUUID()}`] : ['/ip4/127.0.0.1/tcp/0'];
}

/** Builds and starts the libp2p host. */
export async function createLibp2pNode(
  options: Partial<Libp2pNodeOptions> & Pick<Libp2pNodeOptions, 'gossipsub'>,
  modules: Libp2pNodeModules = {},
): Promise<TrustmeshLibp2p> {
  const opts: Libp2pNodeOptions = {
    ...defaultLibp2pNodeOptions,
    ...options,
    connections: { ...defaultLibp2pNodeOptions.connections, ...options.connections },
  };
  const limits = opts.connections;

  const peerDiscovery: NonNullable<Libp2pOptions['peerDiscovery']> = [];
  if (opts.bootstrap.length > 0)
    peerDiscovery.push(bootstrap({ list: opts.bootstrap, timeout: opts.bootstrapDelayMs }));
  // One service tag for every trustmesh network: networks are kept apart by topic and protocol
  // names, and a network id may not be a valid DNS label.
  if (opts.mdns) peerDiscovery.push(mdns({ serviceTag: '_trustmesh._udp.local' }));

  const node = await createLibp2p({
    ...(modules.privateKey ? { privateKey: modules.privateKey } : {}),
    ...(modules.connectionGater ? { connectionGater: modules.connectionGater } : {}),
    // Started below, once listeners are attached.
    start: false,
    addresses: { listen: opts.listen ?? defaultListenAddresses(opts.transport) },
    transports: [
      modules.transport ?? (opts.transport === 'memory' ? memory({ latency: opts.memoryLatencyMs }) : tcp()),
    ],
    connectionMonitor:
      opts.pingIntervalMs > 0 ? { enabled: true, pingInterval: opts.pingIntervalMs } : { enabled: false },
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery,
    connectionManager: {
      maxConnections: limits.maxConnections,
      maxIncomingPendingConnections: limits.maxIncomingPendingConnections,
      inboundConnectionThreshold: limits.inboundConnectionThreshold,
      maxParallelDials: limits.maxParallelDials,
      maxDialQueueLength: limits.maxDialQueueLength,
      dialTimeout: limits.dialTimeoutMs,
      inboundUpgradeTimeout: limits.inboundUpgradeTimeoutMs,
    },
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub(
        modules.gossipsubMetrics
          ? // gossipsub requires a topic → label map with metrics; unmapped topics are labelled by their name.
            { ...opts.gossipsub, metricsRegister: modules.gossipsubMetrics, metricsTopicStrToLabel: new Map() }
          : opts.gossipsub,
      ),
      ...(opts.dht
        ? {
            dht: kadDHT({
              protocol: opts.dht.protocol,
              // Agencies run on private networks and loopback labs too: keep every address.
              peerInfoMapper: passthroughMapper,
              clientMode: false,
              ...(opts.dht.querySelfIntervalMs ? { querySelfInterval: opts.dht.querySelfIntervalMs } : {}),
            }),
          }
        : {}),
    },
  });

  if (opts.mdns) {
    // libp2p no longer dials discovered peers by itself; bootstrap dials its own list, mDNS does not.
    node.addEventListener('peer:discovery', (event) => {
      if (node.getConnections().length >= limits.maxConnections) return;
      if (node.getConnections(event.detail.id).length > 0) return;
      node.dial(event.detail.id).catch(() => {
        // Lab peers come and go; a failed dial is retried at the next announcement.
      });
    });
  }

  await node.start();
  return node;
}
