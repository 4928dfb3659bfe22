/**
 * Settings, dependencies and statistics of anti-entropy (scheduler.ts).
 */
import type { Libp2p } from '@libp2p/interface';
import type { RecordStore } from '@trustmesh/registry';
import type { RecordAdmission } from '../admission/record-admission.ts';
import type { PeerClocks } from './peer-clocks.ts';
import { defaultReconcileOptions, type ReconcileOptions } from './reconciliation.ts';
import type { SyncIndex } from './sync-index.ts';

/** Settings of {@link AntiEntropy}. */
export interface AntiEntropyOptions {
  /** The stream protocol id: `syncProtocol(networkId)` from network/protocols.ts. */
  protocol: string;
  /** Reconciliation tuning and message limits (also the frame size limit). */
  reconcile: ReconcileOptions;
  /** Mean interval between periodic rounds with a random connected peer, in ms; 0 disables them. */
  intervalMs: number;
  /** Relative jitter of the interval (0.2 → ±20 %), so nodes started together do not sync in lockstep. */
  jitter: number;
  /** Run a round when this node dials a new peer (only the dialling side starts, so one round per connection). */
  syncOnConnect: boolean;
  /** Minimum ms between rounds a peer may start with this node; sooner ones are refused and counted. */
  minRoundIntervalMs: number;
  /** Most inbound sessions served at once; more are refused and counted. */
  maxConcurrentSessions: number;
  /**
   * Most rounds this node runs as initiator at once. Catching up from several peers in parallel
   * pulls the same records from each (a cold join measured ~15× the record bytes); rounds queue
   * instead, and later ones find little left to pull.
   */
  maxConcurrentRounds: number;
  /**
   * Longest a session may last, in ms (AbortSignal), plus the time its chunked transfers earn at
   * `minTransferBytesPerSecond`; it includes the initiator's validation of what it pulled.
   */
  sessionTimeoutMs: number;
  /** Most records pulled, served or pushed in one round; a larger difference takes several rounds. */
  maxRecordsPerRound: number;
  /**
   * Most record bytes pulled or pushed in one round. The first record of a round may exceed it (up
   * to `maxLargeRecordBytes`), so a record larger than the budget still travels, alone.
   */
  maxRoundBytes: number;
  /**
   * Largest record accepted in chunks (record-transfer.ts): the declared length of a chunked record
   * above it aborts the session. Until the registry exposes a bound for its large record kinds
   * (CRLs, issue 14) this is the sync layer's own; it must be ≥ the registry's `maxRecordBytes`.
   */
  maxLargeRecordBytes: number;
  /**
   * Most bytes of chunked records being assembled at once, over every session (the declared totals
   * of open transfers): with one transfer per session, a few peers cannot make this node hold
   * `maxConcurrentSessions` × `maxLargeRecordBytes`. Must be ≥ `maxLargeRecordBytes`.
   */
  maxAssemblyBytes: number;
  /**
   * Throughput a chunked transfer must keep up: every chunk moved earns the session
   * `bytes / minTransferBytesPerSecond` seconds beyond `sessionTimeoutMs` (session-deadline.ts).
   * A peer slower than this is cut off; 0 earns nothing (the session timeout alone bounds it).
   */
  minTransferBytesPerSecond: number;
  /**
   * How long a peer's sessions are refused after it pushed records that do not resolve here (an
   * unknown signer, a dependency it did not send): pushes must be records the reconciliation showed
   * this node lacks, and that it can admit.
   */
  pushPenaltyMs: number;
}

/** Defaults of {@link AntiEntropyOptions} (everything but the protocol id). */
export const defaultAntiEntropyOptions: Omit<AntiEntropyOptions, 'protocol'> = {
  reconcile: defaultReconcileOptions,
  intervalMs: 30_000,
  jitter: 0.2,
  syncOnConnect: true,
  minRoundIntervalMs: 1_000,
  maxConcurrentSessions: 4,
  maxConcurrentRounds: 1,
  sessionTimeoutMs: 60_000,
  // ~3 ms of signature checking per record keeps the initiator's validation well inside the timeout.
  maxRecordsPerRound: 2_000,
  maxRoundBytes: 64 * 1024 * 1024,
  maxLargeRecordBytes: 128 * 1024 * 1024,
  maxAssemblyBytes: 256 * 1024 * 1024,
  // 4 Mbit/s: a 128 MiB record may add at most 256 s to a session.
  minTransferBytesPerSecond: 512 * 1024,
  pushPenaltyMs: 10 * 60_000,
};

/** The libp2p features anti-entropy uses (a full libp2p node fits). */
export type SyncLibp2p = Pick<
  Libp2p,
  'handle' | 'unhandle' | 'dialProtocol' | 'getPeers' | 'getConnections' | 'addEventListener' | 'removeEventListener'
>;

/** Minimal logger for events an operator may want to see. */
export interface SyncLogger {
  warn(message: string, details?: Record<string, unknown>): void;
  debug?(message: string, details?: Record<string, unknown>): void;
}

/** What {@link AntiEntropy} depends on. */
export interface AntiEntropyModules {
  libp2p: SyncLibp2p;
  /**
   * The node's admission layer: every received record goes through it (dependency order, the one
   * pending buffer). Pulled records it buffers are not asked for again while they wait.
   */
  admission: Pick<RecordAdmission, 'submitBatch' | 'pendingSlots' | 'slotKeyOf'>;
  /** Where records are served from. */
  store: Pick<RecordStore, 'get' | 'getEvidence'>;
  /**
   * The sync set. The node keeps it current with `registry.onAdmitted((a) => index.admit(a))`,
   * whichever path a record came by.
   */
  index: SyncIndex;
  logger?: SyncLogger;
  /** The clock (ms since the epoch), for rate limits. */
  now?: () => number;
  /** Random source in [0, 1) for peer choice and jitter (seeded in simulations). */
  random?: () => number;
  /** Called with the statistics of every round this node completes as initiator (metrics, simulations). */
  onRound?: (stats: SyncRoundStats) => void;
  /** Where the peers' clocks exchanged at the start of each round are kept (issue 10, problem 3). */
  clocks?: PeerClocks;
  /**
   * Whether a store slot holds a record this node signs itself (issuer mode's lists). As initiator it
   * sends no HELD hint for such a slot, so a responder holding an older version sends it anyway: a
   * copy of the node's own list that diverged from the held one (a restored backup) then reaches the
   * admission layer, is refused as stale, and issuer mode merges it in this round instead of waiting
   * until the peer starts one (issue 10, problem 1).
   */
  ownSlot?: (key: string) => boolean;
}

/** What one round achieved, as seen by its initiator. */
export interface SyncRoundStats {
  /** The peer synced with. */
  peer: string;
  /** Request/response exchanges: reconciliation rounds, record requests, and the push acknowledgement. */
  roundTrips: number;
  /** Bytes written to the stream (frames and their length prefixes). */
  bytesSent: number;
  /** Bytes read from the stream. */
  bytesReceived: number;
  /** Items that differ: held here and not there, or there and not here (a changed slot counts twice). */
  differences: number;
  /** Records pulled from the peer. */
  recordsReceived: number;
  /** Pulled records the registry accepted. */
  recordsAccepted: number;
  /** Pulled records the registry ignored (stale, duplicate, not resolvable). */
  recordsIgnored: number;
  /** Pulled records the registry rejected. */
  recordsRejected: number;
  /** Records pushed to the peer. */
  recordsPushed: number;
  /** Pushed records the peer accepted. */
  pushesAccepted: number;
  /** False when a per-round limit cut the round short: another round is needed. */
  complete: boolean;
  /** Wall time of the round, in ms. */
  durationMs: number;
}

/** Outcome counts of submitting records. */
export interface OutcomeCounts {
  accept: number;
  ignore: number;
  reject: number;
}

/** Cumulative counters, for metrics. */
export interface AntiEntropyCounters {
  /** Rounds this node started, and how they ended. */
  rounds: { started: number; completed: number; failed: number };
  /** Sessions peers started with this node, and how they ended (refusals are violations). */
  sessions: { served: number; failed: number };
  bytesSent: number;
  bytesReceived: number;
  /** Records pulled by this node's rounds, by registry outcome. */
  pulled: OutcomeCounts;
  /** Records peers pushed to this node, by registry outcome. */
  pushedIn: OutcomeCounts;
  /** Peers whose sessions were refused for a while after pushes that did not resolve. */
  penalised: number;
  /** Records this node pushed to peers. */
  pushedOut: number;
  /** Records this node served to peers' requests. */
  served: number;
  /**
   * Records larger than a frame, moved in chunks (record-transfer.ts), and their chunk frames, by
   * direction. Their bytes are in `bytesSent` / `bytesReceived` like every frame's.
   */
  chunked: { recordsSent: number; recordsReceived: number; chunksSent: number; chunksReceived: number };
  /** Protocol violations by peers (stream aborted), by code. */
  violations: Record<string, number>;
  /** Other failed rounds and sessions (dial failures, resets, stopping), by code. */
  failures: Record<string, number>;
}

/** Adds one to a counter map. */
export function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}
