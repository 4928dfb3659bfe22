/**
 * Anti-entropy: "gossip for speed, anti-entropy for truth" (DESIGN.md, Principles §4). Gossip only
 * repairs the last few seconds; a node that was partitioned or down, or a brand-new one, catches up
 * here, with a cost that grows with the number of differing records, not with the total.
 *
 * One round is one libp2p stream on the network's sync protocol (`syncProtocol(networkId)`), opened
 * by the initiator. Every frame is length-prefixed (unsigned varint, as libp2p does) and starts with a
 * type byte:
 *
 *     initiator → responder               responder → initiator
 *     9 CLOCK      8-byte ms clock    →   9 CLOCK      8-byte ms clock     (first, once: peer-clocks.ts)
 *     1 RECONCILE  reconcile message  ⇄   1 RECONCILE  reconcile message   (until the initiator is done)
 *     8 HELD       count, (key, version)*                                  (hints, no answer)
 *     2 WANT       count, 16-byte ids  →   3 RECORD     canonical bytes    (one frame per record sent)
 *                                         10 RECORD_PART transfer, total, offset, chunk  (a record
 *                                                       larger than a frame, in order, one at a time)
 *                                          4 END        count not found, count skipped as older
 *                                                       [, count deferred: round budget spent]
 *     5 PUSH       canonical bytes     →                                   (records the responder lacks;
 *    11 PUSH_PART  transfer, total,                                        only after reconciling)
 *                  offset, chunk
 *     6 DONE       count pushed        →   7 RESULT     accepted, ignored, rejected   (only if pushed)
 *
 * In HELD, keys are front-coded (varint bytes shared with the previous key, varint suffix length,
 * suffix) and versions are the store's sortable version strings (varint length, UTF-8).
 *
 * A record whose frame would exceed `reconcile.maxMessageBytes` goes as RECORD_PART (or PUSH_PART)
 * chunks of varints (transfer number, total length, offset) and bytes; the receiver assembles it —
 * declared total ≤ `maxLargeRecordBytes`, one transfer at a time, chunks back to back — and treats it
 * as one RECORD (PUSH) frame (record-transfer.ts). Every other record still goes in one frame. A
 * round carries at most `maxRoundBytes` of records, except that its first record may exceed that
 * alone; a responder that stops serving for the budget says how many it deferred in END's third
 * count (written only when non-zero), and the initiator runs another round for the rest. Chunks earn
 * the session time at `minTransferBytesPerSecond` beyond `sessionTimeoutMs` (session-deadline.ts).
 *
 * The initiator's side is initiator.ts, the responder's responder.ts, the frames frames.ts; this
 * module schedules rounds (on connect, periodically with a random peer) and guards the responder
 * (concurrency, rate, penalties). Records never pass through here: both sides hand what they receive
 * to the admission layer (admission/record-admission.ts), which knows record kinds through the
 * registry.
 *
 * Hard limits (DESIGN.md, Network): frame size, ranges and ids per message, reconciliation rounds,
 * records and bytes per round, the length of a chunked record and one chunked transfer at a time, a
 * deadline per session (extended only by chunk bytes actually moved), a minimum interval between
 * rounds a peer may start, and a cap on concurrent inbound sessions. A violation aborts the stream, stores nothing the
 * peer pushed in that session, and is counted by code.
 */
import type { Connection, PeerId, Stream } from '@libp2p/interface';
import { DEFAULT_INPUT_LIMITS } from '@trustmesh/registry';
import {
  type AntiEntropyCounters,
  type AntiEntropyModules,
  type AntiEntropyOptions,
  bump,
  defaultAntiEntropyOptions,
  type SyncRoundStats,
} from './anti-entropy-types.ts';
import { FrameIo } from './frames.ts';
import { runInitiator } from './initiator.ts';
import type { PeerClocks } from './peer-clocks.ts';
import { checkReconcileOptions } from './reconciliation.ts';
import { AssemblyBudget } from './record-transfer.ts';
import { runResponder } from './responder.ts';
import type { SessionContext } from './session.ts';
import { SessionDeadline } from './session-deadline.ts';
import { SYNC_CODES, type SyncCode, SyncError } from './sync-errors.ts';

// Codes that mean "the peer broke the protocol or a limit" (as opposed to a network failure).
const NOT_VIOLATIONS: ReadonlySet<SyncCode> = new Set([SYNC_CODES.STREAM, SYNC_CODES.LOCAL_FAULT, SYNC_CODES.BUSY]);

export * from './anti-entropy-types.ts';
export { SYNC_FRAME } from './frames.ts';

/**
 * Anti-entropy of one node: serves peers' rounds on the sync protocol, and runs its own rounds on
 * connect and periodically with a random connected peer.
 */
export class AntiEntropy {
  readonly options: AntiEntropyOptions;
  private readonly modules: AntiEntropyModules;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly session: SessionContext;
  private stopController = new AbortController();
  private readonly outbound = new Map<string, Promise<SyncRoundStats>>();
  // Peers whose sessions are refused until the time given (their pushes did not resolve).
  private readonly penalised = new Map<string, number>();
  private readonly tasks = new Set<Promise<unknown>>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  // When each peer last started a round with us (rate limit), and when we last synced with it.
  private readonly inboundStarts = new Map<string, number>();
  private readonly lastSynced = new Map<string, number>();
  private activeInbound = 0;
  private started = false;
  private readonly stats: AntiEntropyCounters = {
    rounds: { started: 0, completed: 0, failed: 0 },
    sessions: { served: 0, failed: 0 },
    bytesSent: 0,
    bytesReceived: 0,
    pulled: { accept: 0, ignore: 0, reject: 0 },
    pushedIn: { accept: 0, ignore: 0, reject: 0 },
    penalised: 0,
    pushedOut: 0,
    served: 0,
    chunked: { recordsSent: 0, recordsReceived: 0, chunksSent: 0, chunksReceived: 0 },
    violations: {},
    failures: {},
  };

  constructor(
    options: Partial<AntiEntropyOptions> & Pick<AntiEntropyOptions, 'protocol'>,
    modules: AntiEntropyModules,
  ) {
    this.options = { ...defaultAntiEntropyOptions, ...options };
    checkReconcileOptions(this.options.reconcile);
    // Records larger than a frame go in chunks (record-transfer.ts); the chunked bound must take
    // every record the registry accepts as an ordinary record.
    if (this.options.maxLargeRecordBytes < DEFAULT_INPUT_LIMITS.maxRecordBytes) {
      throw new RangeError(`maxLargeRecordBytes must be ≥ ${DEFAULT_INPUT_LIMITS.maxRecordBytes} (the largest record)`);
    }
    if (!(this.options.minTransferBytesPerSecond >= 0)) throw new RangeError('minTransferBytesPerSecond must be ≥ 0');
    if (this.options.maxAssemblyBytes < this.options.maxLargeRecordBytes)
      throw new RangeError('maxAssemblyBytes must be ≥ maxLargeRecordBytes');
    this.modules = modules;
    this.now = modules.now ?? Date.now;
    this.random = modules.random ?? Math.random;
    this.session = {
      options: this.options,
      modules,
      stats: this.stats,
      now: this.now,
      assembly: new AssemblyBudget(this.options.maxAssemblyBytes),
    };
  }

  /** Registers the protocol handler and starts the periodic and on-connect rounds. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    if (this.stopController.signal.aborted) this.stopController = new AbortController();
    await this.modules.libp2p.handle(
      this.options.protocol,
      (stream, connection) => {
        this.track(this.serve(stream, connection));
      },
      // libp2p's own per-connection cap; the node-wide cap is maxConcurrentSessions.
      { maxInboundStreams: 2, maxOutboundStreams: 2, runOnLimitedConnection: false },
    );
    this.modules.libp2p.addEventListener('peer:connect', this.onConnect);
    this.scheduleTick();
  }

  /** Stops scheduling, aborts running sessions and unregisters the handler. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.modules.libp2p.removeEventListener('peer:connect', this.onConnect);
    this.stopController.abort(new SyncError(SYNC_CODES.STREAM, 'anti-entropy stopped'));
    await this.modules.libp2p.unhandle(this.options.protocol);
    await Promise.allSettled([...this.tasks]);
  }

  /** The peers' clocks exchanged in rounds (when configured). */
  get clocks(): PeerClocks | undefined {
    return this.modules.clocks;
  }

  /** A copy of the cumulative counters. */
  counters(): AntiEntropyCounters {
    return structuredClone(this.stats);
  }

  /**
   * Runs one round with `peer` as initiator and returns its stats. Rounds with one peer do not
   * overlap: a call while one runs returns that round. Throws {@link SyncError} if the round fails.
   */
  syncWith(peer: PeerId, options: { signal?: AbortSignal } = {}): Promise<SyncRoundStats> {
    const key = peer.toString();
    const running = this.outbound.get(key);
    if (running) return running;
    const round = this.initiate(peer, options.signal)
      .then((stats) => {
        this.modules.onRound?.(stats);
        return stats;
      })
      .finally(() => {
        this.outbound.delete(key);
        this.lastSynced.set(key, this.now());
      });
    this.outbound.set(key, round);
    return round;
  }

  private readonly onConnect = (event: CustomEvent<PeerId>): void => {
    if (!this.options.syncOnConnect) return;
    const peer = event.detail;
    // Both ends see peer:connect; only the dialler starts, so a new connection costs one round.
    if (!this.modules.libp2p.getConnections(peer).some((c) => c.direction === 'outbound')) return;
    this.runRound(peer);
  };

  private runRound(peer: PeerId): void {
    if (!this.started) return;
    if (!this.outbound.has(peer.toString()) && this.outbound.size >= this.options.maxConcurrentRounds) {
      this.later(this.options.minRoundIntervalMs, () => this.runRound(peer));
      return;
    }
    this.track(
      this.syncWith(peer).then(
        (stats) => {
          // A limit cut the round short (e.g. bootstrapping a large registry): go on after the
          // peer's rate-limit interval.
          if (!stats.complete) this.later(this.options.minRoundIntervalMs, () => this.runRound(peer));
        },
        (error: unknown) => {
          this.modules.logger?.debug?.('anti-entropy round failed', {
            peer: peer.toString(),
            code: (error as SyncError).code,
            error: String(error),
          });
        },
      ),
    );
  }

  private scheduleTick(): void {
    if (this.options.intervalMs <= 0 || !this.started) return;
    const spread = this.options.jitter * (2 * this.random() - 1);
    this.later(this.options.intervalMs * (1 + spread), () => {
      this.tick();
      this.scheduleTick();
    });
  }

  private tick(): void {
    if (this.outbound.size >= this.options.maxConcurrentRounds) return;
    const now = this.now();
    // Peers synced with (in either role) within half an interval are skipped: they are fresh.
    const fresh = this.options.intervalMs / 2;
    const candidates = this.modules.libp2p
      .getPeers()
      .filter(
        (peer) =>
          !this.outbound.has(peer.toString()) &&
          now - (this.lastSynced.get(peer.toString()) ?? Number.NEGATIVE_INFINITY) >= fresh,
      );
    if (candidates.length === 0) return;
    const peer = candidates[Math.floor(this.random() * candidates.length)]!;
    this.runRound(peer);
  }

  private later(delayMs: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.started) run();
    }, delayMs);
    timer.unref?.();
    this.timers.add(timer);
  }

  private track(task: Promise<unknown>): void {
    this.tasks.add(task);
    task.finally(() => this.tasks.delete(task)).catch(() => undefined);
  }

  /** A session's deadline (pushed back by chunked transfers) and its signal, which stopping aborts too. */
  private sessionSignal(external?: AbortSignal): { deadline: SessionDeadline; signal: AbortSignal } {
    const deadline = new SessionDeadline(this.options.sessionTimeoutMs, this.options.minTransferBytesPerSecond);
    const signals = [deadline.signal, this.stopController.signal];
    if (external) signals.push(external);
    return { deadline, signal: AbortSignal.any(signals) };
  }

  private failed(error: SyncError, kind: 'round' | 'session'): void {
    if (kind === 'round') this.stats.rounds.failed++;
    else this.stats.sessions.failed++;
    // Stopping is our own doing, not the peer's.
    const stopping = this.stopController.signal.aborted;
    if (!stopping && !NOT_VIOLATIONS.has(error.code)) bump(this.stats.violations, error.code);
    else bump(this.stats.failures, stopping ? SYNC_CODES.STOPPED : error.code);
  }

  /** The initiator's side of a round: opens the stream and runs initiator.ts over it. */
  private async initiate(peer: PeerId, external?: AbortSignal): Promise<SyncRoundStats> {
    const startedAt = performance.now();
    this.stats.rounds.started++;
    const { deadline, signal } = this.sessionSignal(external);
    let stream: Stream;
    try {
      stream = await this.modules.libp2p.dialProtocol(peer, this.options.protocol, { signal });
    } catch (cause) {
      deadline.dispose();
      const error = new SyncError(
        signal.aborted ? SYNC_CODES.TIMEOUT : SYNC_CODES.STREAM,
        `cannot open a sync stream: ${String(cause)}`,
        { cause },
      );
      this.stats.rounds.failed++;
      bump(this.stats.failures, error.code);
      throw error;
    }
    const io = new FrameIo(stream, this.options.reconcile.maxMessageBytes + 1, signal, deadline);
    const stats: SyncRoundStats = {
      peer: peer.toString(),
      roundTrips: 0,
      bytesSent: 0,
      bytesReceived: 0,
      differences: 0,
      recordsReceived: 0,
      recordsAccepted: 0,
      recordsIgnored: 0,
      recordsRejected: 0,
      recordsPushed: 0,
      pushesAccepted: 0,
      complete: true,
      durationMs: 0,
    };
    try {
      await runInitiator(this.session, peer, stream, io, signal, stats);
      this.stats.rounds.completed++;
      return stats;
    } catch (cause) {
      const error = io.classify(cause);
      stream.abort(error);
      this.failed(error, 'round');
      throw error;
    } finally {
      deadline.dispose();
      stats.bytesSent = io.bytesSent;
      stats.bytesReceived = io.bytesReceived;
      stats.durationMs = performance.now() - startedAt;
      this.stats.bytesSent += io.bytesSent;
      this.stats.bytesReceived += io.bytesReceived;
    }
  }

  /** The responder's side of a session: refusals first, then responder.ts. */
  private async serve(stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString();
    const refuse = (code: SyncCode, message: string) => {
      const error = new SyncError(code, message);
      bump(this.stats.violations, code);
      this.stats.sessions.failed++;
      stream.abort(error);
    };
    const now = this.now();
    const penaltyEnds = this.penalised.get(peer);
    if (penaltyEnds !== undefined && now < penaltyEnds) {
      refuse(
        SYNC_CODES.PEER_PENALISED,
        `the peer's pushes did not resolve; refused until ${new Date(penaltyEnds).toISOString()}`,
      );
      return;
    }
    if (this.activeInbound >= this.options.maxConcurrentSessions) {
      refuse(SYNC_CODES.TOO_MANY_SESSIONS, `already serving ${this.activeInbound} sessions`);
      return;
    }
    const last = this.inboundStarts.get(peer);
    if (last !== undefined && now - last < this.options.minRoundIntervalMs) {
      refuse(SYNC_CODES.RATE_LIMITED, `peer started a round ${now - last} ms ago`);
      return;
    }
    this.inboundStarts.set(peer, now);
    this.prune(now);
    this.activeInbound++;
    const { deadline, signal } = this.sessionSignal();
    const io = new FrameIo(stream, this.options.reconcile.maxMessageBytes + 1, signal, deadline);
    try {
      const result = await runResponder(this.session, peer, stream, io, signal);
      if (result.unresolvedPushes && this.options.pushPenaltyMs > 0) {
        // Pushes that do not resolve cost this node work for nothing: the peer waits a while.
        this.penalised.set(peer, this.now() + this.options.pushPenaltyMs);
        this.stats.penalised++;
      }
      this.stats.sessions.served++;
      this.lastSynced.set(peer, this.now());
    } catch (cause) {
      const error = io.classify(cause);
      stream.abort(error);
      this.failed(error, 'session');
      this.modules.logger?.debug?.('anti-entropy session failed', { peer, code: error.code, error: error.message });
    } finally {
      deadline.dispose();
      this.activeInbound--;
      this.stats.bytesSent += io.bytesSent;
      this.stats.bytesReceived += io.bytesReceived;
    }
  }

  private prune(now: number): void {
    if (this.inboundStarts.size <= 1024) return;
    for (const [peer, at] of this.inboundStarts)
      if (now - at >= this.options.minRoundIntervalMs) this.inboundStarts.delete(peer);
    for (const [peer, at] of this.lastSynced) if (now - at >= this.options.intervalMs) this.lastSynced.delete(peer);
    for (const [peer, until] of this.penalised) if (now >= until) this.penalised.delete(peer);
  }
}
