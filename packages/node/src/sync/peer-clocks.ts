/**
 * Peers' clocks, as exchanged at the start of every anti-entropy round (scheduler.ts, CLOCK
 * frame; issue 10, problem 3). A node whose clock runs ahead of its peers' dates its records in
 * their future: every peer ignores them (`STATUS_LIST_NOT_YET_VALID`) while this node acknowledges
 * them; one whose clock lags stops taking its peers' new versions. So a node refuses to sign when its
 * clock is more than the skew allowance ahead of the median of its peers', and warns when behind.
 *
 * Each sample keeps the peer's time against this node's monotonic clock, not its wall clock: a step
 * of the wall clock (the fault to detect) then shows at once, without waiting for the next round.
 * Samples age out by the monotonic clock too.
 */

/** Settings of {@link PeerClocks}. */
export interface PeerClocksOptions {
  /** A sample older than this (ms, monotonic) is dropped. */
  maxAgeMs: number;
  /** Peers remembered at most (the least recently sampled go first). */
  maxPeers: number;
}

/** Defaults: samples of the last 10 minutes, up to 64 peers. */
export const defaultPeerClocksOptions: PeerClocksOptions = { maxAgeMs: 10 * 60_000, maxPeers: 64 };

/** What {@link PeerClocks} reads. */
export interface PeerClocksModules {
  /** The wall clock being checked (ms since the epoch). */
  now: () => number;
  /** A monotonic clock in ms (default `performance.now`). */
  monotonic?: () => number;
}

/** Where this node's clock stands against its peers'. */
export interface ClockEstimate {
  /** Median of (peer clock − this clock), ms: negative when this node runs ahead. */
  offsetMs: number;
  /** Peers the median is over. */
  peers: number;
}

interface Sample {
  /** The peer's clock minus this node's monotonic clock, at the sample. */
  base: number;
  /** Monotonic time of the sample. */
  at: number;
}

/** The latest clock sample of each peer. */
export class PeerClocks {
  readonly options: PeerClocksOptions;
  private readonly modules: PeerClocksModules;
  private readonly samples = new Map<string, Sample>();

  constructor(options: Partial<PeerClocksOptions>, modules: PeerClocksModules) {
    this.options = { ...defaultPeerClocksOptions, ...options };
    this.modules = modules;
  }

  /** The monotonic clock (ms). */
  monotonic(): number {
    return (this.modules.monotonic ?? (() => performance.now()))();
  }

  /** Records that `peer`'s clock read `peerTime` at monotonic time `at`. Ignores non-finite values. */
  record(peer: string, peerTime: number, at: number = this.monotonic()): void {
    if (!Number.isFinite(peerTime) || !Number.isFinite(at)) return;
    this.samples.delete(peer);
    this.samples.set(peer, { base: peerTime - at, at });
    while (this.samples.size > this.options.maxPeers) {
      const oldest = this.samples.keys().next().value;
      if (oldest === undefined) break;
      this.samples.delete(oldest);
    }
  }

  /** The median offset of the peers sampled recently, or null when none was. */
  estimate(): ClockEstimate | null {
    const mono = this.monotonic();
    const now = this.modules.now();
    const offsets: number[] = [];
    for (const [peer, sample] of this.samples) {
      if (mono - sample.at > this.options.maxAgeMs) {
        this.samples.delete(peer);
        continue;
      }
      offsets.push(sample.base + mono - now);
    }
    if (offsets.length === 0) return null;
    offsets.sort((a, b) => a - b);
    const middle = Math.floor(offsets.length / 2);
    const median = offsets.length % 2 === 1 ? offsets[middle]! : (offsets[middle - 1]! + offsets[middle]!) / 2;
    return { offsetMs: Math.round(median), peers: offsets.length };
  }
}

/** Encodes a clock reading (ms since the epoch) as the CLOCK frame's 8-byte big-endian payload. */
export function encodeClock(ms: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(Math.max(0, Math.trunc(ms))));
  return out;
}

/** Decodes a CLOCK payload, or null when it is not 8 bytes or out of the safe integer range. */
export function decodeClock(payload: Uint8Array): number | null {
  if (payload.byteLength !== 8) return null;
  const value = new DataView(payload.buffer, payload.byteOffset, 8).getBigUint64(0);
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(value);
}
