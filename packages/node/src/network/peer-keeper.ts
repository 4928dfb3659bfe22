/**
 * Keeps a node connected to its bootstrap peers. libp2p's bootstrap module dials its list once, at
 * start: a node that starts while its bootstrap peers are down (a regional outage, a cold start of the
 * whole network) would stay alone. The keeper redials them periodically while the node has few
 * connections, the first time shortly after start: the bootstrap module dials only the addresses it
 * deems dialable (none of the `/memory/` addresses of tests and simulations) and does not retry, so a
 * node restarted with its peers up would otherwise wait a whole interval for a connection, its
 * publications reaching nobody meanwhile (issue 10, agency-offline).
 */
import type { Libp2p } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';

/** Settings of a {@link PeerKeeper}. */
export interface PeerKeeperOptions {
  /** Multiaddrs to keep dialling, each ending in /p2p/<peer id>. */
  peers: string[];
  /** Time between checks, in ms. */
  intervalMs: number;
  /** Time from start to the first check, in ms (after libp2p's bootstrap dial had its chance). */
  firstCheckMs: number;
  /** Below this many connections, unconnected peers of the list are dialled. */
  minConnections: number;
  /** Timeout of one dial, in ms. */
  dialTimeoutMs: number;
  /**
   * Below this many connections, each check also dials one random known peer (from the peer store)
   * that is not connected. Without it, two halves of a healed partition that each kept enough
   * connections on their own side would never reconnect; 0 turns it off.
   */
  exploreBelowConnections: number;
}

/** Defaults of {@link PeerKeeperOptions}. */
export const defaultPeerKeeperOptions: Omit<PeerKeeperOptions, 'peers'> = {
  intervalMs: 30_000,
  firstCheckMs: 1_500,
  minConnections: 4,
  dialTimeoutMs: 10_000,
  exploreBelowConnections: 16,
};

/** What a {@link PeerKeeper} depends on. */
export interface PeerKeeperModules {
  libp2p: Pick<Libp2p, 'dial' | 'getConnections'> & Partial<Pick<Libp2p, 'peerStore' | 'peerId'>>;
  /** Random source in [0, 1) for the exploring dial (seeded in simulations). */
  random?: () => number;
}

/** Periodically redials bootstrap peers while the node is poorly connected. */
export class PeerKeeper {
  readonly options: PeerKeeperOptions;
  private readonly modules: PeerKeeperModules;
  private timer: ReturnType<typeof setInterval> | undefined;
  private firstTimer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<number> | undefined;

  constructor(options: Partial<PeerKeeperOptions> & Pick<PeerKeeperOptions, 'peers'>, modules: PeerKeeperModules) {
    this.options = { ...defaultPeerKeeperOptions, ...options };
    this.modules = modules;
  }

  /** Starts the checks: the first after `firstCheckMs`, then every `intervalMs`. */
  start(): void {
    if (this.timer || (this.options.peers.length === 0 && this.options.exploreBelowConnections <= 0)) return;
    this.timer = setInterval(() => void this.check(), this.options.intervalMs);
    this.firstTimer = setTimeout(() => void this.check(), this.options.firstCheckMs);
    // The keeper must never be what keeps a process alive.
    this.timer.unref?.();
    this.firstTimer.unref?.();
  }

  /** Stops the checks and waits for a check in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.firstTimer);
    this.timer = undefined;
    this.firstTimer = undefined;
    await this.running;
  }

  /** Runs one check now; resolves to the number of dials attempted. Checks never overlap. */
  check(): Promise<number> {
    this.running ??= this.dialMissing().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async dialMissing(): Promise<number> {
    const { libp2p } = this.modules;
    const explored = await this.explore();
    if (libp2p.getConnections().length >= this.options.minConnections) return explored;
    const dials: Promise<unknown>[] = [];
    for (const address of this.options.peers) {
      const target = multiaddr(address);
      const peerId = target.getComponents().findLast((c) => c.name === 'p2p')?.value;
      if (peerId && libp2p.getConnections().some((c) => c.remotePeer.toString() === peerId)) continue;
      dials.push(
        libp2p.dial(target, { signal: AbortSignal.timeout(this.options.dialTimeoutMs) }).catch(() => {
          // Down peers are expected during an outage; the next check tries again.
        }),
      );
    }
    await Promise.all(dials);
    return dials.length + explored;
  }

  /** Dials one random known, unconnected peer when connections are few enough; returns 0 or 1. */
  private async explore(): Promise<number> {
    const { libp2p } = this.modules;
    const connections = libp2p.getConnections();
    if (!libp2p.peerStore || connections.length >= this.options.exploreBelowConnections) return 0;
    const connected = new Set(connections.map((c) => c.remotePeer.toString()));
    const self = libp2p.peerId?.toString();
    const known = (await libp2p.peerStore.all()).filter(
      (p) => p.addresses.length > 0 && !connected.has(p.id.toString()) && p.id.toString() !== self,
    );
    if (known.length === 0) return 0;
    const peer = known[Math.floor((this.modules.random ?? Math.random)() * known.length)]!;
    await libp2p.dial(peer.id, { signal: AbortSignal.timeout(this.options.dialTimeoutMs) }).catch(() => {
      // A known peer may be down or unreachable; another is tried next time.
    });
    return 1;
  }
}
