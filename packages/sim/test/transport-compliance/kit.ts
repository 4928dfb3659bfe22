/**
 * What the transport compliance suite drives a transport with, below libp2p's upgrader: a silent
 * logger, link conditions the test sets per direction, an upgrader that hands back the raw multiaddr
 * connections (no Noise, no Yamux: what the transport itself carries), byte sinks, and a virtual
 * clock for the link conditioning tests.
 */
import { mock } from 'node:test';
import { generateKeyPair } from '@libp2p/crypto/keys';
import type {
  ComponentLogger,
  Connection,
  Listener,
  Logger,
  MessageStream,
  MultiaddrConnection,
  PeerId,
  StreamCloseEvent,
  Transport,
  Upgrader,
} from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import type { Multiaddr } from '@multiformats/multiaddr';
import type { LinkState } from '../../src/fabric/link-delay.ts';

/** What both transports take from the simulation: a clock, a seeded random source and the link conditions. */
export interface LinkModules {
  now: () => number;
  random: () => number;
  link: (from: string, to: string) => LinkState;
}

/** The components a transport factory is called with. */
export interface TransportComponents {
  peerId: PeerId;
  logger: ComponentLogger;
}

/** Builds the transport of every host of one test (they share one network, as a simulation's do). */
export type TransportFactory = (components: TransportComponents) => Transport;

function silentLog(): Logger {
  const log = (() => undefined) as unknown as Logger;
  log.error = () => undefined;
  log.trace = () => undefined;
  log.enabled = false;
  log.newScope = () => silentLog();
  return log;
}

/** A ComponentLogger that prints nothing. */
export const SILENT_LOGGER: ComponentLogger = { forComponent: () => silentLog() };

const NO_DELAY: LinkState = { latencyMs: 0, jitterMs: 0, loss: 0 };

/**
 * Link conditions per direction (peer id → peer id), undelayed unless set, and a scripted random
 * source: the values of `script` first, then 0.99 (no loss, near-maximal jitter).
 */
export class Links {
  private readonly states = new Map<string, LinkState>();
  script: number[] = [];
  /** Set by {@link withVirtualTime}: the clock reads the mocked Date, from `base` on. */
  private virtualFrom: { base: number; date: number } | null = null;
  /** Added to performance.now() so the clock never goes back after a virtual stretch. */
  private offset = 0;

  readonly modules: LinkModules = {
    now: () => this.now(),
    random: () => this.script.shift() ?? 0.99,
    link: (from, to) => ({ ...(this.states.get(`${from}>${to}`) ?? NO_DELAY) }),
  };

  private now(): number {
    const v = this.virtualFrom;
    return v ? v.base + (Date.now() - v.date) : performance.now() + this.offset;
  }

  /** Switches the clock to the mocked Date (`true`) or back to performance.now (`false`), monotonically. */
  setVirtual(on: boolean): void {
    if (on) {
      this.virtualFrom = { base: this.now(), date: Date.now() };
      return;
    }
    const last = this.now();
    this.virtualFrom = null;
    this.offset = Math.max(this.offset, last - performance.now());
  }

  /** Sets the conditions of the direction `from` → `to`. */
  set(from: Host, to: Host, state: Partial<LinkState>): void {
    this.states.set(`${from.id}>${to.id}`, { ...NO_DELAY, ...state });
  }

  /** Sets the conditions of both directions between `a` and `b`. */
  setBoth(a: Host, b: Host, state: Partial<LinkState>): void {
    this.set(a, b, state);
    this.set(b, a, state);
  }
}

/** A queue of values pushed by events, taken in order by awaiting {@link next}. */
export class Inbox<T> {
  private readonly items: T[] = [];
  private readonly waiting: ((item: T) => void)[] = [];
  count = 0;

  push(item: T): void {
    this.count++;
    const waiter = this.waiting.shift();
    if (waiter) waiter(item);
    else this.items.push(item);
  }

  next(): Promise<T> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

/**
 * An upgrader that does no upgrading: an outbound multiaddr connection is returned by `dial` as it
 * is (cast to a Connection), an inbound one is handed to `inbound`.
 */
export function rawUpgrader(inbound: (maConn: MultiaddrConnection) => void): Upgrader {
  return {
    upgradeOutbound: async (maConn: MultiaddrConnection) => maConn as unknown as Connection,
    upgradeInbound: async (maConn: MultiaddrConnection) => {
      inbound(maConn);
    },
    createInboundAbortSignal: (signal: AbortSignal) => Object.assign(AbortSignal.any([signal]), { clear: () => {} }),
    getStreamMuxers: () => new Map(),
    getConnectionEncrypters: () => new Map(),
  } as Upgrader;
}

/** One host: a peer id, its transport, the inbound connections it accepted, and its listener once listening. */
export interface Host {
  id: string;
  peerId: PeerId;
  transport: Transport;
  inbound: Inbox<MultiaddrConnection>;
  upgrader: Upgrader;
  listener?: Listener;
  /** The listener's first address with `/p2p/<peer id>` (how the simulation dials). */
  address?: Multiaddr;
}

/** A host with a fresh Ed25519 identity. */
export async function createHost(factory: TransportFactory): Promise<Host> {
  const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'));
  const inbound = new Inbox<MultiaddrConnection>();
  const transport = factory({ peerId, logger: SILENT_LOGGER });
  return { id: peerId.toString(), peerId, transport, inbound, upgrader: rawUpgrader((c) => inbound.push(c)) };
}

/** Starts a listener on `address`; resolves once it listens (its 'listening' event included). */
export async function listen(host: Host, address: Multiaddr): Promise<Listener> {
  const listener = host.transport.createListener({ upgrader: host.upgrader });
  const listening = new Promise((resolve) => listener.addEventListener('listening', resolve, { once: true }));
  await listener.listen(address);
  await listening;
  host.listener = listener;
  const [first] = listener.getAddrs();
  if (!first) throw new Error('the listener reports no address');
  host.address = first.encapsulate(`/p2p/${host.id}`);
  return listener;
}

/** Dials `to`'s listen address from `from`; resolves to the raw outbound connection. */
export async function dialRaw(from: Host, to: Host | Multiaddr, signal?: AbortSignal): Promise<MultiaddrConnection> {
  const address = 'peerId' in to ? to.address : to;
  if (!address) throw new Error('the dialled host does not listen');
  const connection = await from.transport.dial(address, {
    signal: signal ?? AbortSignal.timeout(10_000),
    upgrader: from.upgrader,
  });
  return connection as unknown as MultiaddrConnection;
}

/** Both ends of one connection from `from` to `to`, each with a sink attached before any data flows. */
export async function connect(
  from: Host,
  to: Host,
): Promise<{ dialer: MultiaddrConnection; accepter: MultiaddrConnection; atDialer: ByteSink; atAccepter: ByteSink }> {
  const dialer = await dialRaw(from, to);
  const accepter = await to.inbound.next();
  return { dialer, accepter, atDialer: new ByteSink(dialer), atAccepter: new ByteSink(accepter) };
}

/** Everything a message stream delivers, and how it ended. */
export class ByteSink {
  private readonly chunks: Uint8Array[] = [];
  length = 0;
  private readonly waiters: { bytes: number; resolve: () => void }[] = [];
  /** The stream's close event (its `error` is set for an abort or a reset). */
  readonly closed: Promise<StreamCloseEvent>;

  constructor(stream: MessageStream) {
    this.closed = new Promise((resolve) => stream.addEventListener('close', resolve, { once: true }));
    stream.addEventListener('message', (event) => {
      // Copied: a transport may hand over views of buffers it reuses.
      const bytes = event.data instanceof Uint8Array ? event.data.slice() : event.data.subarray().slice();
      this.chunks.push(bytes);
      this.length += bytes.byteLength;
      for (const waiter of [...this.waiters]) {
        if (this.length >= waiter.bytes) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    });
  }

  /** Resolves once at least `bytes` bytes have arrived. */
  received(bytes: number): Promise<void> {
    if (this.length >= bytes) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ bytes, resolve }));
  }

  /** The bytes received so far, concatenated. */
  bytes(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
}

/** Sends `data` in chunks of `chunk` bytes, waiting for 'drain' whenever the stream asks for it. */
export async function sendAll(stream: MessageStream, data: Uint8Array, chunk = 64 * 1024): Promise<void> {
  for (let i = 0; i < data.byteLength; i += chunk) {
    if (!stream.send(data.subarray(i, i + chunk))) await stream.onDrain({ signal: AbortSignal.timeout(10_000) });
  }
}

/** Pseudo-random bytes (xorshift, seeded), so a misordered or corrupted chunk cannot compare equal. */
export function patternBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * Runs `body` with setTimeout and Date mocked (node:test's MockTimers) and `links` on the mocked
 * clock: the link delays run in virtual time, which `advance` moves one millisecond at a time (so
 * each timer fires at its own due time), while real I/O goes on underneath.
 */
export async function withVirtualTime(
  links: Links,
  body: (advance: (ms: number) => Promise<void>) => Promise<void>,
): Promise<void> {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
  links.setVirtual(true);
  try {
    await body(async (ms) => {
      for (let i = 0; i < ms; i++) {
        mock.timers.tick(1);
        await new Promise((resolve) => setImmediate(resolve));
      }
    });
  } finally {
    links.setVirtual(false);
    mock.timers.reset();
  }
}
