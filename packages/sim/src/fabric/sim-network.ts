/**
 * An in-process network for libp2p hosts with per-link latency, jitter and loss — the part of the
 * simulation that stands in for the Internet. It is a libp2p transport (dial, listen, multiaddr
 * connections) like `@libp2p/memory`, and everything above it is the production stack: Noise, Yamux,
 * identify, gossipsub, the sync protocol.
 *
 * Why not `@libp2p/memory`'s `latency` option: it is one value per host and delays each buffer
 * *serially* (the next buffer waits for the previous one's delay), which caps throughput at one buffer
 * per latency instead of modelling a delay. Here each direction of each connection is a FIFO whose
 * writes are delivered at `max(previous delivery, now + delay)`, the delay coming from the link's
 * latency (topology base, region matrix, or a `link` fault), jitter and loss as link-delay.ts models
 * them (shared with conditioned-tcp.ts, the same model over real TCP).
 *
 * Dials take one link latency (the SYN). Partitions are not done here: they use libp2p's connection
 * gater (see partition-gater.ts) and hang-ups, as an operator's firewall would act on a real host.
 * A crash is {@link SimNetwork.kill}: every connection of the host is aborted at once.
 *
 * State lives in the {@link SimNetwork} instance (no module-level registry of listeners, unlike
 * `@libp2p/memory`), so simulations in one process do not see each other.
 */
import {
  type ComponentLogger,
  type Connection,
  ConnectionFailedError,
  type CreateListenerOptions,
  type DialTransportOptions,
  type Listener,
  type ListenerEvents,
  type Logger,
  type PeerId,
  StreamResetError,
  serviceCapabilities,
  type Transport,
  TypedEventEmitter,
  transportSymbol,
} from '@libp2p/interface';
import { AbstractMultiaddrConnection } from '@libp2p/utils';
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import { abortableDelay, DelayQueue, type LinkState, linkDelay } from './link-delay.ts';

export type { LinkState } from './link-delay.ts';

/** The byte lists libp2p streams write (uint8arraylist's Uint8ArrayList). */
type Uint8ArrayList = Parameters<AbstractMultiaddrConnection['sendData']>[0];

/** What a {@link SimNetwork} depends on. */
export interface SimNetworkModules {
  /** Monotonic clock in ms (performance.now). */
  now: () => number;
  /** Seeded random source in [0, 1) for jitter and loss. */
  random: () => number;
  /** Conditions of the direction from host `from` to host `to` (peer ids as strings). */
  link: (from: string, to: string) => LinkState;
}

/** Wire bytes of one host, both directions, all protocols (after Noise and Yamux framing). */
export interface WireCounters {
  sent: number;
  received: number;
}

interface Queued {
  data?: Uint8ArrayList;
  end?: 'close' | 'reset';
}

/** One end of a simulated connection. */
class SimConnectionEnd extends AbstractMultiaddrConnection {
  remote: SimConnectionEnd | undefined;
  private readonly queue: DelayQueue<Queued>;
  private ended = false;

  constructor(
    init: ConstructorParameters<typeof AbstractMultiaddrConnection>[0],
    private readonly network: SimNetwork,
    readonly localPeer: string,
    readonly remotePeer: string,
    private readonly onGone: (end: SimConnectionEnd) => void,
  ) {
    super(init);
    // Deliveries happen asynchronously even without delay, never inside the sender's call stack.
    this.queue = new DelayQueue({ now: () => network.modules.now(), deliver: (item) => this.deliver(item) });
  }

  sendData(data: Uint8ArrayList) {
    this.network.countSent(this.localPeer, data.byteLength);
    this.enqueue({ data });
    return { sentBytes: data.byteLength, canSendMore: true };
  }

  sendReset(): void {
    this.enqueue({ end: 'reset' });
    this.finish();
  }

  async sendClose(): Promise<void> {
    this.enqueue({ end: 'close' });
  }

  sendPause(): void {
    // Read backpressure is not modelled (as in @libp2p/memory).
  }

  sendResume(): void {}

  private enqueue(item: Queued): void {
    this.queue.push(item, this.network.delay(this.localPeer, this.remotePeer));
  }

  private deliver(item: Queued): void {
    const remote = this.remote;
    if (!remote) return;
    if (item.data) {
      this.network.countReceived(remote.localPeer, item.data.byteLength);
      if (remote.status === 'open') remote.onData(item.data);
    } else if (item.end === 'reset') {
      remote.closeFromRemote(new StreamResetError());
    } else if (item.end === 'close') {
      remote.closeFromRemote();
      // Closing one end of a memory connection ends both directions (as @libp2p/memory does).
      this.closeFromRemote();
    }
  }

  /** The remote end went away: deliver the end of the stream to the local side. */
  closeFromRemote(error?: Error): void {
    if (this.ended) return;
    this.finish();
    if (error) this.abort(error);
    else this.onTransportClosed();
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.onGone(this);
  }

  /** Drops everything in flight (a crash loses unsent data). */
  dropQueued(): void {
    this.queue.clear();
  }
}

class SimListener extends TypedEventEmitter<ListenerEvents> implements Listener {
  address: Multiaddr | undefined;
  /** Connections accepted and not yet ended: closing the listener ends them. */
  private readonly accepted = new Set<SimConnectionEnd>();
  /** Aborts the inbound upgrades under way when the listener closes. */
  private readonly shutdown = new AbortController();
  constructor(
    private readonly network: SimNetwork,
    readonly peerId: PeerId,
    readonly logger: ComponentLogger,
    private readonly options: CreateListenerOptions,
  ) {
    super();
  }

  async listen(ma: Multiaddr): Promise<void> {
    const value = ma.getComponents()[0]?.value;
    const address = `/memory/${value ?? crypto.randomUUID()}`;
    this.network.addListener(address, this);
    this.address = multiaddr(address);
    queueMicrotask(() => this.safeDispatchEvent('listening'));
  }

  accept(end: SimConnectionEnd): void {
    this.accepted.add(end);
    end.addEventListener('close', () => this.accepted.delete(end), { once: true });
    const signal = AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(30_000)]);
    this.options.upgrader.upgradeInbound(end, { signal }).catch((error: Error) => {
      end.abort(error);
    });
  }

  getAddrs(): Multiaddr[] {
    return this.address ? [this.address] : [];
  }

  updateAnnounceAddrs(): void {}

  /**
   * Stops accepting and ends the connections accepted so far, as @libp2p/tcp (which destroys its
   * sockets) and @libp2p/memory (which aborts them) do: the Listener's 'close' event means "shut
   * down, no open connections" (@libp2p/interface transport.ts).
   */
  async close(): Promise<void> {
    if (this.address) this.network.removeListener(this.address.toString(), this);
    this.shutdown.abort(new ConnectionFailedError('simulated listener closed'));
    for (const end of [...this.accepted]) end.abort(new ConnectionFailedError('simulated listener closed'));
    queueMicrotask(() => this.safeDispatchEvent('close'));
  }
}

class SimTransport implements Transport {
  readonly [transportSymbol] = true as const;
  readonly [Symbol.toStringTag] = '@trustmesh/sim-network';
  readonly [serviceCapabilities] = ['@libp2p/transport'];
  private readonly log: Logger;

  constructor(
    private readonly network: SimNetwork,
    private readonly components: { peerId: PeerId; logger: ComponentLogger },
  ) {
    this.log = components.logger.forComponent('trustmesh:sim-network');
  }

  async dial(ma: Multiaddr, options: DialTransportOptions): Promise<Connection> {
    options.signal.throwIfAborted();
    const target = ma.getComponents().find((c) => c.name === 'memory')?.value;
    const listener = target === undefined ? undefined : this.network.listener(`/memory/${target}`);
    if (!listener) throw new ConnectionFailedError(`no simulated host listens at ${ma}`);
    const local = this.components.peerId.toString();
    const remote = listener.peerId.toString();
    // The dial costs one link latency (the SYN); an abort cancels it.
    await this.network.wait(this.network.linkOf(local, remote).latencyMs, options.signal);
    // A SYN that arrives after the listener closed is refused, as a closed TCP port refuses it.
    if (this.network.listener(`/memory/${target}`) !== listener) {
      throw new ConnectionFailedError(`no simulated host listens at ${ma} any more`);
    }
    const [dialer, accepter] = this.network.connect(
      { peer: local, addr: multiaddr(`/memory/${target}/p2p/${remote}`), log: this.log },
      {
        peer: remote,
        addr: multiaddr(`/memory/${target}-outgoing/p2p/${local}`),
        log: listener.logger.forComponent('trustmesh:sim-network'),
      },
    );
    listener.accept(accepter);
    try {
      options.signal.throwIfAborted();
      return await options.upgrader.upgradeOutbound(dialer, options);
    } catch (error) {
      dialer.abort(error as Error);
      throw error;
    }
  }

  createListener(options: CreateListenerOptions): Listener {
    return new SimListener(this.network, this.components.peerId, this.components.logger, options);
  }

  listenFilter = (addrs: Multiaddr[]): Multiaddr[] => addrs.filter((a) => a.getComponents()[0]?.name === 'memory');

  dialFilter = (addrs: Multiaddr[]): Multiaddr[] => this.listenFilter(addrs);
}

/** The simulated network shared by every host of one simulation. */
export class SimNetwork {
  readonly modules: SimNetworkModules;
  private readonly listeners = new Map<string, SimListener>();
  private readonly ends = new Map<string, Set<SimConnectionEnd>>();
  private readonly wire = new Map<string, WireCounters>();

  constructor(modules: SimNetworkModules) {
    this.modules = modules;
  }

  /** A transport factory for `createLibp2p({ transports })` (TrustmeshNode's `libp2p.transport` hook). */
  transport(): (components: { peerId: PeerId; logger: ComponentLogger }) => Transport {
    return (components) => new SimTransport(this, components);
  }

  /** Wire byte counters of a host (peer id string). */
  counters(peer: string): WireCounters {
    let counters = this.wire.get(peer);
    if (!counters) {
      counters = { sent: 0, received: 0 };
      this.wire.set(peer, counters);
    }
    return counters;
  }

  /** Crash: aborts every connection of a host at once; data it had in flight is lost. */
  kill(peer: string): void {
    for (const end of [...(this.ends.get(peer) ?? [])]) {
      end.dropQueued();
      end.abort(new ConnectionFailedError('simulated crash'));
    }
  }

  /** Open connection ends of a host. */
  connectionCount(peer: string): number {
    return this.ends.get(peer)?.size ?? 0;
  }

  /** @internal */
  linkOf(from: string, to: string): LinkState {
    return this.modules.link(from, to);
  }

  /** @internal One write's delay from `from` to `to`: latency, jitter and TCP retransmissions. */
  delay(from: string, to: string): number {
    return linkDelay(this.modules.link(from, to), () => this.modules.random());
  }

  /** @internal */
  wait(ms: number, signal: AbortSignal): Promise<void> {
    return abortableDelay(ms, signal);
  }

  /** @internal */
  countSent(peer: string, bytes: number): void {
    this.counters(peer).sent += bytes;
  }

  /** @internal */
  countReceived(peer: string, bytes: number): void {
    this.counters(peer).received += bytes;
  }

  /** @internal */
  listener(address: string): SimListener | undefined {
    return this.listeners.get(address);
  }

  /** @internal */
  addListener(address: string, listener: SimListener): void {
    if (this.listeners.has(address)) throw new Error(`simulated address ${address} already in use`);
    this.listeners.set(address, listener);
  }

  /** @internal */
  removeListener(address: string, listener: SimListener): void {
    if (this.listeners.get(address) === listener) this.listeners.delete(address);
  }

  /** @internal Creates both ends of a connection. */
  connect(
    a: { peer: string; addr: Multiaddr; log: Logger },
    b: { peer: string; addr: Multiaddr; log: Logger },
  ): [SimConnectionEnd, SimConnectionEnd] {
    const gone = (end: SimConnectionEnd) => this.ends.get(end.localPeer)?.delete(end);
    const endA = new SimConnectionEnd(
      { remoteAddr: a.addr, direction: 'outbound', log: a.log, inactivityTimeout: 0 },
      this,
      a.peer,
      b.peer,
      gone,
    );
    const endB = new SimConnectionEnd(
      { remoteAddr: b.addr, direction: 'inbound', log: b.log, inactivityTimeout: 0 },
      this,
      b.peer,
      a.peer,
      gone,
    );
    endA.remote = endB;
    endB.remote = endA;
    for (const end of [endA, endB]) {
      let set = this.ends.get(end.localPeer);
      if (!set) {
        set = new Set();
        this.ends.set(end.localPeer, set);
      }
      set.add(end);
    }
    return [endA, endB];
  }
}
