/**
 * Real TCP with the simulation's link conditions: a libp2p transport that wraps `@libp2p/tcp` and
 * delays what goes over its connections by the link model of link-delay.ts (latency, seeded jitter,
 * TCP retransmissions, FIFO per direction) — the multi-process counterpart of sim-network.ts.
 *
 * Every connection has exactly one dialer, and only the dialer knows both ends (the dialled multiaddr
 * ends in `/p2p/<peer id>`), so all of a connection's delay is applied there: what the dialer sends
 * waits `delay(local → remote)` before it reaches the socket, and what the socket delivers waits
 * `delay(remote → local)` before the dialer's libp2p sees it. Each direction is a FIFO, and a close or
 * a reset from the other end travels in order behind the data queued before it. The dial itself costs
 * one latency (the SYN). Inbound connections are passed through undelayed, only counted; a dial to an
 * address without a peer id is not delayed either.
 *
 * Aborting a connection is a crash: the socket is reset at once and data still in flight is lost.
 */
import type {
  AbortOptions,
  ComponentLogger,
  Connection,
  CreateListenerOptions,
  DialTransportOptions,
  InboundConnectionUpgradeEvents,
  Listener,
  Metrics,
  MultiaddrConnection,
  OutboundConnectionUpgradeEvents,
  PeerId,
  StreamCloseEvent,
  StreamMessageEvent,
  Transport,
  Upgrader,
  UpgraderOptions,
  UpgraderWithoutEncryptionOptions,
} from '@libp2p/interface';
import { serviceCapabilities, transportSymbol } from '@libp2p/interface';
import { type TCPOptions, tcp } from '@libp2p/tcp';
import { AbstractMultiaddrConnection } from '@libp2p/utils';
import type { Multiaddr } from '@multiformats/multiaddr';
import { abortableDelay, DelayQueue, type LinkState, linkDelay } from './link-delay.ts';
import type { WireCounters } from './sim-network.ts';

/** The byte lists libp2p streams write (uint8arraylist's Uint8ArrayList). */
type Uint8ArrayList = Parameters<AbstractMultiaddrConnection['sendData']>[0];

/** What {@link conditionedTcp} depends on. */
export interface ConditionedTcpModules {
  /** Monotonic clock in ms (performance.now). */
  now: () => number;
  /** Seeded random source in [0, 1) for jitter and loss. */
  random: () => number;
  /** Conditions of the direction from host `from` to host `to` (peer ids as strings), as in SimNetworkModules. */
  link: (from: string, to: string) => LinkState;
  /**
   * Wire byte counters of this host (its peer id string), incremented for every byte sent or received
   * on any TCP connection of it, inbound and outbound.
   */
  counters: (peer: string) => WireCounters;
}

/** The libp2p components the transport uses. */
export interface ConditionedTcpComponents {
  peerId: PeerId;
  logger: ComponentLogger;
  metrics?: Metrics;
}

/**
 * A transport factory for `createLibp2p({ transports })` (TrustmeshNode's `libp2p.transport` hook):
 * `@libp2p/tcp` configured by `init`, with the link conditions of `modules` applied to its connections.
 */
export function conditionedTcp(
  modules: ConditionedTcpModules,
  init: TCPOptions = {},
): (components: ConditionedTcpComponents) => Transport {
  return (components) => new ConditionedTcp(modules, components, tcp(init)(components));
}

/** Delays of the two directions of one connection, ms, drawn per write. */
interface Delays {
  send: () => number;
  receive: () => number;
}

const UNDELAYED: Delays = { send: () => 0, receive: () => 0 };

type Outgoing = { data: Uint8ArrayList } | { close: PromiseWithResolvers<void>; options: AbortOptions | undefined };

type Incoming = { data: Uint8Array | Uint8ArrayList } | { remoteCloseWrite: true } | { closed: Error | undefined };

/**
 * A TCP multiaddr connection seen through a link: drives the socket's connection (`inner`), holding
 * what goes either way in a {@link DelayQueue}.
 */
class ConditionedConnection extends AbstractMultiaddrConnection {
  private readonly outgoing: DelayQueue<Outgoing>;
  private readonly incoming: DelayQueue<Incoming>;
  /** The close being sent (sendClose), settled once the socket is closed. */
  private pendingClose: PromiseWithResolvers<void> | undefined;
  /** Whether this side closed or reset the socket, so its 'close' event is not news from the remote. */
  private closingInner = false;

  constructor(
    private readonly inner: MultiaddrConnection,
    private readonly delays: Delays,
    private readonly wire: () => WireCounters,
    now: () => number,
  ) {
    super({
      remoteAddr: inner.remoteAddr,
      direction: inner.direction,
      log: inner.log,
      inactivityTimeout: inner.inactivityTimeout,
    });
    this.outgoing = new DelayQueue({ now, deliver: (item) => this.deliverOutgoing(item) });
    this.incoming = new DelayQueue({ now, deliver: (item) => this.deliverIncoming(item) });

    // This is the inner connection's only reader, attached before its first data can be dispatched.
    inner.addEventListener('message', (event: StreamMessageEvent) => {
      this.incoming.push({ data: event.data }, this.delays.receive());
    });
    inner.addEventListener('remoteCloseWrite', () => {
      this.incoming.push({ remoteCloseWrite: true }, this.delays.receive());
    });
    inner.addEventListener('close', (event: StreamCloseEvent) => {
      if (this.closingInner) return;
      // The remote closed or reset the socket (or it failed): that news travels behind the data.
      this.incoming.push({ closed: event.error }, this.delays.receive());
    });
    // The socket took what it had buffered: writes may resume (backpressure, see sendData).
    inner.addEventListener('drain', () => this.safeDispatchEvent('drain'));

    this.addEventListener('close', () => {
      this.outgoing.clear();
      this.incoming.clear();
      this.pendingClose?.resolve();
      this.pendingClose = undefined;
      if (inner.status === 'open' || inner.status === 'closing') {
        this.closingInner = true;
        inner.abort(new Error('conditioned connection closed'));
      }
    });
  }

  sendData(data: Uint8ArrayList) {
    this.wire().sent += data.byteLength;
    this.outgoing.push({ data }, this.delays.send());
    // The delay queue takes everything; the socket's own backpressure is passed on, late by the delay.
    return { sentBytes: data.byteLength, canSendMore: !this.inner.writableNeedsDrain };
  }

  async sendClose(options?: AbortOptions): Promise<void> {
    const close = Promise.withResolvers<void>();
    this.pendingClose = close;
    this.outgoing.push({ close, options }, this.delays.send());
    const signal = options?.signal;
    if (!signal) return close.promise;
    signal.throwIfAborted();
    const onAbort = () => close.reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await close.promise;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Called by abort(): a crash, so the socket is reset at once and everything in flight is lost. */
  sendReset(error: Error): void {
    this.outgoing.clear();
    this.incoming.clear();
    this.closingInner = true;
    this.inner.abort(error);
  }

  // Read backpressure goes straight to the socket (TCP's receive window), undelayed.
  sendPause(): void {
    if (this.inner.status === 'open') this.inner.pause();
  }

  sendResume(): void {
    if (this.inner.status === 'open') this.inner.resume();
  }

  private deliverOutgoing(item: Outgoing): void {
    if ('data' in item) {
      // A socket the remote has closed takes no more data; it is lost, as on a real link.
      if (this.inner.status !== 'open') return;
      try {
        this.inner.send(item.data);
      } catch (error) {
        // The socket failed while writing (it aborted itself); this runs from a timer, so end here.
        this.abort(error as Error);
      }
      return;
    }
    this.closingInner = true;
    this.inner.close(item.options).then(
      () => item.close.resolve(),
      (error: Error) => item.close.reject(error),
    );
  }

  private deliverIncoming(item: Incoming): void {
    if ('data' in item) {
      this.wire().received += item.data.byteLength;
      this.onData(item.data);
    } else if ('remoteCloseWrite' in item) {
      this.onRemoteCloseWrite();
    } else if (item.closed) {
      this.abort(item.closed);
    } else {
      this.onTransportClosed();
    }
  }
}

/** The upgrader libp2p gave the transport, with the multiaddr connections it upgrades wrapped. */
function wrappingUpgrader(upgrader: Upgrader, wrap: (maConn: MultiaddrConnection) => MultiaddrConnection): Upgrader {
  // The casts pick one of each method's overloads; the options are passed on unchanged.
  type OutboundOptions = UpgraderOptions<OutboundConnectionUpgradeEvents> | UpgraderWithoutEncryptionOptions;
  type InboundOptions = UpgraderOptions<InboundConnectionUpgradeEvents> | UpgraderWithoutEncryptionOptions;
  return {
    upgradeOutbound: (maConn: MultiaddrConnection, opts: OutboundOptions) =>
      upgrader.upgradeOutbound(wrap(maConn), opts as UpgraderOptions<OutboundConnectionUpgradeEvents>),
    upgradeInbound: (maConn: MultiaddrConnection, opts: InboundOptions) =>
      upgrader.upgradeInbound(wrap(maConn), opts as UpgraderOptions<InboundConnectionUpgradeEvents>),
    createInboundAbortSignal: (signal) => upgrader.createInboundAbortSignal(signal),
    getStreamMuxers: () => upgrader.getStreamMuxers(),
    getConnectionEncrypters: () => upgrader.getConnectionEncrypters(),
  };
}

class ConditionedTcp implements Transport {
  readonly [transportSymbol] = true as const;
  readonly [Symbol.toStringTag] = '@trustmesh/conditioned-tcp';
  readonly [serviceCapabilities] = ['@libp2p/transport'];
  private readonly local: string;

  constructor(
    private readonly modules: ConditionedTcpModules,
    components: ConditionedTcpComponents,
    private readonly inner: Transport,
  ) {
    this.local = components.peerId.toString();
  }

  async dial(ma: Multiaddr, options: DialTransportOptions): Promise<Connection> {
    options.signal.throwIfAborted();
    const remote = ma.getComponents().findLast((c) => c.name === 'p2p')?.value;
    let delays = UNDELAYED;
    if (remote !== undefined) {
      const { modules, local } = this;
      const random = () => modules.random();
      delays = {
        send: () => linkDelay(modules.link(local, remote), random),
        receive: () => linkDelay(modules.link(remote, local), random),
      };
      // The dial costs one link latency (the SYN); an abort cancels it.
      await abortableDelay(modules.link(local, remote).latencyMs, options.signal);
    }
    const upgrader = wrappingUpgrader(options.upgrader, (maConn) => this.wrap(maConn, delays));
    return this.inner.dial(ma, { ...options, upgrader });
  }

  createListener(options: CreateListenerOptions): Listener {
    const upgrader = wrappingUpgrader(options.upgrader, (maConn) => this.wrap(maConn, UNDELAYED));
    return this.inner.createListener({ ...options, upgrader });
  }

  listenFilter = (addrs: Multiaddr[]): Multiaddr[] => this.inner.listenFilter(addrs);

  dialFilter = (addrs: Multiaddr[]): Multiaddr[] => this.inner.dialFilter(addrs);

  private wrap(maConn: MultiaddrConnection, delays: Delays): MultiaddrConnection {
    return new ConditionedConnection(
      maConn,
      delays,
      () => this.modules.counters(this.local),
      () => this.modules.now(),
    );
  }
}
