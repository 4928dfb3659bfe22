/**
 * The link model shared by the simulation's transports — the in-process network (sim-network.ts) and
 * conditioned real TCP (conditioned-tcp.ts): how long one write takes over a link, and the FIFO that
 * delivers the writes of one direction of a connection in order.
 *
 * - latency: the link's one-way delay;
 * - jitter: uniform extra delay in [0, jitter), seeded; FIFO order is kept, as TCP keeps it;
 * - loss: libp2p runs over TCP, so a lost segment is not lost data but a retransmission: with
 *   probability `loss` a write is delayed by a retransmission timeout (RTO = max(200 ms, 3 × latency),
 *   doubling on each further loss, as Linux's minimum RTO and exponential backoff do), and every
 *   later write on that direction waits behind it (head-of-line blocking).
 */

/** Conditions of one direction of a link. */
export interface LinkState {
  latencyMs: number;
  jitterMs: number;
  loss: number;
}

/** Linux's minimum TCP retransmission timeout, ms. */
const MIN_RTO_MS = 200;
/** Losses counted per write at most, so that a loss of 0.5 stays finite. */
const MAX_LOSSES = 6;

/**
 * One write's delay over a link in ms: latency, seeded jitter and TCP retransmissions. Draws from
 * `random` once for jitter (when there is jitter) and once per loss trial (when there is loss).
 */
export function linkDelay(state: LinkState, random: () => number): number {
  const { latencyMs, jitterMs, loss } = state;
  let delay = latencyMs + (jitterMs > 0 ? random() * jitterMs : 0);
  let rto = Math.max(MIN_RTO_MS, 3 * latencyMs);
  // Each loss costs one RTO, doubling (exponential backoff).
  for (let losses = 0; loss > 0 && losses < MAX_LOSSES && random() < loss; losses++) {
    delay += rto;
    rto *= 2;
  }
  return delay;
}

/** What a {@link DelayQueue} depends on. */
export interface DelayQueueModules<T> {
  /** Monotonic clock in ms (performance.now). */
  now: () => number;
  /** Called with each item once it is due, in the order the items were pushed. */
  deliver: (item: T) => void;
}

/**
 * One direction of a connection: an item pushed with delay `d` is delivered at
 * `max(previous delivery, now + d)`, so items never overtake each other. Delivery is always
 * asynchronous (a microtask when due at once), never inside the pusher's call stack.
 */
export class DelayQueue<T> {
  private readonly items: { at: number; item: T }[] = [];
  private lastAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private microtask = false;

  constructor(private readonly modules: DelayQueueModules<T>) {}

  /** Items waiting for delivery. */
  get length(): number {
    return this.items.length;
  }

  /** Queues `item` for delivery `delayMs` from now, behind everything queued before it. */
  push(item: T, delayMs: number): void {
    const at = Math.max(this.lastAt, this.modules.now() + delayMs);
    this.lastAt = at;
    this.items.push({ at, item });
    this.schedule();
  }

  /** Drops every queued item and the pending timer (a crash loses data in flight). */
  clear(): void {
    this.items.length = 0;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer || this.microtask) return;
    const head = this.items[0];
    if (!head) return;
    const wait = head.at - this.modules.now();
    if (wait < 1) {
      this.microtask = true;
      queueMicrotask(() => {
        this.microtask = false;
        this.flush();
      });
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
  }

  private flush(): void {
    const now = this.modules.now();
    // Items due within a millisecond go now: timers have millisecond resolution.
    while (this.items.length > 0 && this.items[0]!.at - now < 1) {
      this.modules.deliver(this.items.shift()!.item);
    }
    this.schedule();
  }
}

/** Resolves after `ms` (at once when `ms` ≤ 0); rejects with the signal's reason if it aborts first. */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
