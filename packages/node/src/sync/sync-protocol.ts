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
 *                                          4 END        count not found, count skipped as older
 *     5 PUSH       canonical bytes     →                                   (records the responder lacks)
 *     6 DONE       count pushed        →   7 RESULT     accepted, ignored, rejected   (only if pushed)
 *
 * In HELD, keys are front-coded (varint bytes shared with the previous key, varint suffix length,
 * suffix) and versions are the store's sortable version strings (varint length, UTF-8).
 *
 * 1. Reconciliation (reconciliation.ts, Meyer's range-based set reconciliation) leaves the initiator
 *    knowing both directions of the difference: the ids it lacks (`need`) and its items the responder
 *    lacks or holds in another version (`have`).
 * 2. The initiator asks for what it needs by id; the responder answers with canonical bytes from its
 *    store. Reconciliation cannot tell which side holds the newer version of a slot both hold, so
 *    the initiator first names the slots it holds in a version the responder lacks (HELD), with
 *    their versions; the responder skips any of those it holds only in an older version. Every record received goes through `registry.submit` — the one validation pipeline — in
 *    dependency order (governance by version, accreditations, status lists, evidence), and the ones
 *    ignored as not-yet-resolvable are retried until a pass makes no progress.
 * 3. Only then does it push what the responder lacks, skipping items that a pulled record has just
 *    superseded, so a lagging node never pushes its stale versions back.
 *
 * Hard limits (DESIGN.md, Network): frame size, ranges and ids per message, reconciliation rounds,
 * records and bytes per round, a timeout per session, a minimum interval between rounds a peer may
 * start, and a cap on concurrent inbound sessions. A violation aborts the stream, stores nothing the
 * peer pushed in that session, and is counted by code.
 */
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface';
import { type LengthPrefixedStream, lpStream } from '@libp2p/utils';
import {
  ACCREDITATION_TYPE,
  type Admission,
  accreditationKey,
  canonicalBytes,
  DEFAULT_INPUT_LIMITS,
  EVIDENCE_TYPE,
  type EvidenceRecord,
  GOVERNANCE_TYPE,
  governanceKey,
  MAX_STORE_KEY_BYTES,
  parseJsonBounded,
  type RecordStore,
  type Registry,
  sha256Hex,
  statusListKey,
  statusListSlotKeyOf,
} from '@trustmesh/registry';
import { NOT_YET_RESOLVABLE_CODES } from '../gossip/record-gossip.ts';
import { ByteReader, ByteWriter, varintLength } from './bytes.ts';
import { decodeClock, encodeClock, type PeerClocks } from './peer-clocks.ts';
import {
  checkReconcileOptions,
  decodeReconcileMessage,
  defaultReconcileOptions,
  encodeReconcileMessage,
  type ReconcileMessage,
  type ReconcileOptions,
  Reconciler,
} from './reconciliation.ts';
import { malformed, SYNC_CODES, type SyncCode, SyncError } from './sync-errors.ts';
import {
  EVIDENCE_SYNC_PREFIX,
  itemId,
  type SyncIndex,
  type SyncSnapshot,
  WIRE_ID_BYTES,
  wireIdHex,
} from './sync-index.ts';

/** Frame type bytes of the sync protocol. */
export const SYNC_FRAME = {
  RECONCILE: 1,
  WANT: 2,
  RECORD: 3,
  END: 4,
  PUSH: 5,
  DONE: 6,
  RESULT: 7,
  HELD: 8,
  CLOCK: 9,
} as const;

/** Longest version string accepted in a HELD hint (the store's are 1–16 digits). */
const MAX_VERSION_BYTES = 64;

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
  /** Longest a session may last, in ms (AbortSignal); it includes the initiator's validation of what it pulled. */
  sessionTimeoutMs: number;
  /** Most records pulled, served or pushed in one round; a larger difference takes several rounds. */
  maxRecordsPerRound: number;
  /** Most record bytes pulled or pushed in one round. */
  maxRoundBytes: number;
  /** Most submission passes over the records of a round (each pass retries the ignored ones). */
  maxSubmitPasses: number;
  /**
   * Most pulled records kept across rounds while they wait for a record they depend on (a status
   * list whose issuer's chain needs a withdrawal list not pulled yet). Later rounds do not ask for
   * them again, so a capped catch-up moves on to the rest instead of pulling the same records.
   */
  maxDeferredRecords: number;
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
  maxSubmitPasses: 8,
  maxDeferredRecords: 4_000,
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
  /** The admission pipeline: every received record goes through `submit`. */
  registry: Pick<Registry, 'submit'>;
  /** Where records are served from. */
  store: Pick<RecordStore, 'get' | 'getEvidence'>;
  /**
   * The sync set. The node keeps it current with `registry.onAdmitted((a) => index.admit(a))`;
   * anti-entropy also records what it admits itself (idempotent), so a round's result is visible to
   * the next round even without that listener.
   */
  index: SyncIndex;
  logger?: SyncLogger;
  /** The clock (ms since the epoch), for rate limits. */
  now?: () => number;
  /** Random source in [0, 1) for peer choice and jitter (seeded in simulations). */
  random?: () => number;
  /** Called for every record anti-entropy got admitted (e.g. to release gossip's pending records). */
  onAdmitted?: (admission: Admission) => void;
  /** Called with the statistics of every round this node completes as initiator (metrics, simulations). */
  onRound?: (stats: SyncRoundStats) => void;
  /** Where the peers' clocks exchanged at the start of each round are kept (issue 10, problem 3). */
  clocks?: PeerClocks;
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
  /** Records this node pushed to peers. */
  pushedOut: number;
  /** Records this node served to peers' requests. */
  served: number;
  /** Protocol violations by peers (stream aborted), by code. */
  violations: Record<string, number>;
  /** Other failed rounds and sessions (dial failures, resets, stopping), by code. */
  failures: Record<string, number>;
}

interface Frame {
  type: number;
  payload: Uint8Array;
}

// Codes that mean "the peer broke the protocol or a limit" (as opposed to a network failure).
const NOT_VIOLATIONS: ReadonlySet<SyncCode> = new Set([SYNC_CODES.STREAM]);

/** Frames over a libp2p stream, length-prefixed, counted, bounded and cancellable. */
class FrameIo {
  bytesSent = 0;
  bytesReceived = 0;
  private readonly lp: LengthPrefixedStream<Stream>;

  constructor(
    readonly stream: Stream,
    private readonly maxFrameBytes: number,
    private readonly signal: AbortSignal,
  ) {
    // The buffer bound is what a peer can make us hold before we read it: a few frames' worth.
    this.lp = lpStream(stream, { maxDataLength: maxFrameBytes, maxBufferSize: 8 * maxFrameBytes });
  }

  async send(type: number, payload: Uint8Array): Promise<void> {
    const frame = new Uint8Array(1 + payload.byteLength);
    frame[0] = type;
    frame.set(payload, 1);
    // Never send what the peer must refuse.
    if (frame.byteLength > this.maxFrameBytes) {
      throw new SyncError(
        SYNC_CODES.MESSAGE_TOO_LARGE,
        `frame of ${frame.byteLength} bytes exceeds ${this.maxFrameBytes}`,
      );
    }
    try {
      await this.lp.write(frame, { signal: this.signal });
    } catch (error) {
      throw this.classify(error);
    }
    this.bytesSent += frame.byteLength + varintLength(frame.byteLength);
  }

  async read(): Promise<Frame> {
    let data: Uint8Array;
    try {
      data = (await this.lp.read({ signal: this.signal })).subarray();
    } catch (error) {
      throw this.classify(error);
    }
    this.bytesReceived += data.byteLength + varintLength(data.byteLength);
    if (data.byteLength === 0) throw malformed('empty frame');
    return { type: data[0]!, payload: data.subarray(1) };
  }

  async expect(type: number, name: string): Promise<Uint8Array> {
    const frame = await this.read();
    if (frame.type !== type)
      throw new SyncError(SYNC_CODES.UNEXPECTED_FRAME, `expected ${name}, got frame type ${frame.type}`);
    return frame.payload;
  }

  classify(error: unknown): SyncError {
    if (error instanceof SyncError) return error;
    if (this.signal.aborted)
      return new SyncError(SYNC_CODES.TIMEOUT, 'session timed out or was cancelled', { cause: error });
    const name = (error as Error | undefined)?.name;
    if (name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError' || name === 'StreamBufferError') {
      return new SyncError(SYNC_CODES.MESSAGE_TOO_LARGE, (error as Error).message, { cause: error });
    }
    if (name === 'InvalidMessageLengthError')
      return new SyncError(SYNC_CODES.MALFORMED, (error as Error).message, { cause: error });
    return new SyncError(SYNC_CODES.STREAM, (error as Error | undefined)?.message ?? String(error), { cause: error });
  }
}

function encodeIds(ids: readonly Uint8Array[]): Uint8Array {
  const out = new ByteWriter(5 + ids.length * WIRE_ID_BYTES).varint(ids.length);
  for (const id of ids) out.bytes(id.subarray(0, WIRE_ID_BYTES));
  return out.finish();
}

function decodeIds(payload: Uint8Array, maxIds: number): Uint8Array[] {
  const reader = new ByteReader(payload);
  const count = reader.varint('id count');
  if (count > maxIds) throw new SyncError(SYNC_CODES.TOO_MANY_IDS, `more than ${maxIds} ids in a request`);
  if (reader.remaining !== count * WIRE_ID_BYTES)
    throw malformed(`request of ${count} ids must hold ${count * WIRE_ID_BYTES} bytes`);
  const ids: Uint8Array[] = [];
  for (let i = 0; i < count; i++) ids.push(reader.bytes(WIRE_ID_BYTES, 'id'));
  return ids;
}

/** A slot this side holds in a version the peer lacks. */
interface HeldHint {
  key: string;
  version: string;
}

const UTF8 = new TextEncoder();
const UTF8_STRICT = new TextDecoder('utf-8', { fatal: true });

/** Encodes hints into HELD payloads of at most `maxEntries` entries and about `maxBytes` bytes each. */
function encodeHeld(hints: readonly HeldHint[], maxEntries: number, maxBytes: number): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let start = 0; start < hints.length; ) {
    const body = new ByteWriter(256);
    let previous = new Uint8Array(0);
    let count = 0;
    let size = 0;
    while (start + count < hints.length && count < maxEntries) {
      const { key, version } = hints[start + count]!;
      const keyBytes = UTF8.encode(key);
      const versionBytes = UTF8.encode(version);
      let shared = 0;
      while (shared < Math.min(previous.byteLength, keyBytes.byteLength) && previous[shared] === keyBytes[shared])
        shared++;
      const entry = 15 + keyBytes.byteLength - shared + versionBytes.byteLength;
      if (count > 0 && size + entry > maxBytes) break;
      body
        .varint(shared)
        .varint(keyBytes.byteLength - shared)
        .bytes(keyBytes.subarray(shared))
        .varint(versionBytes.byteLength)
        .bytes(versionBytes);
      previous = keyBytes;
      size += entry;
      count++;
    }
    frames.push(new ByteWriter(size + 5).varint(count).bytes(body.finish()).finish());
    start += count;
  }
  return frames;
}

function decodeHeld(payload: Uint8Array, maxEntries: number): HeldHint[] {
  const reader = new ByteReader(payload);
  const count = reader.varint('hint count');
  if (count > maxEntries) throw new SyncError(SYNC_CODES.TOO_MANY_IDS, `more than ${maxEntries} hints in a frame`);
  const hints: HeldHint[] = [];
  let previous = new Uint8Array(0);
  const text = (bytes: Uint8Array, what: string) => {
    try {
      return UTF8_STRICT.decode(bytes);
    } catch {
      throw malformed(`${what} is not valid UTF-8`);
    }
  };
  for (let i = 0; i < count; i++) {
    const shared = reader.varint('hint key prefix');
    const suffix = reader.varint('hint key length');
    if (shared > previous.byteLength || shared + suffix > MAX_STORE_KEY_BYTES)
      throw malformed('hint key out of bounds');
    const keyBytes = new Uint8Array(shared + suffix);
    keyBytes.set(previous.subarray(0, shared));
    keyBytes.set(reader.bytes(suffix, 'hint key'), shared);
    const versionLength = reader.varint('hint version length');
    if (versionLength > MAX_VERSION_BYTES) throw malformed(`hint version longer than ${MAX_VERSION_BYTES} bytes`);
    hints.push({
      key: text(keyBytes, 'hint key'),
      version: text(reader.bytes(versionLength, 'hint version'), 'hint version'),
    });
    previous = keyBytes;
  }
  if (!reader.done) throw malformed('HELD: trailing bytes');
  return hints;
}

function encodeCounts(...values: number[]): Uint8Array {
  const out = new ByteWriter(16);
  for (const value of values) out.varint(value);
  return out.finish();
}

function decodeCounts(payload: Uint8Array, count: number, what: string): number[] {
  const reader = new ByteReader(payload);
  const values: number[] = [];
  for (let i = 0; i < count; i++) values.push(reader.varint(what));
  if (!reader.done) throw malformed(`${what}: trailing bytes`);
  return values;
}

/** Submission order of a record: governance first (by version), then accreditations, lists, evidence. */
function submissionRank(bytes: Uint8Array): [number, number] {
  try {
    const value = parseJsonBounded(bytes, DEFAULT_INPUT_LIMITS) as { type?: unknown; version?: unknown };
    const types = typeof value.type === 'string' ? [value.type] : Array.isArray(value.type) ? value.type : [];
    // Same precedence as the registry's kind detection (validation/submitted-record.ts).
    if (types.includes(GOVERNANCE_TYPE)) return [0, typeof value.version === 'number' ? value.version : 0];
    if (types.includes(EVIDENCE_TYPE)) return [3, 0];
    if (types.includes('BitstringStatusListCredential')) return [2, 0];
    if (types.includes(ACCREDITATION_TYPE)) return [1, 0];
  } catch {
    // Unparseable: the registry will reject it with a precise code; submit it last.
  }
  return [4, 0];
}

const EVIDENCE_KINDS: ReadonlyArray<[string, string]> = [
  ['governance/', 'governance'],
  ['accreditation/', 'accreditation'],
  ['status-list/', 'status-list'],
];

/** The gossiped form of stored evidence (the registry's `equivocation()` layout), or null. */
function evidenceWireBytes(evidence: EvidenceRecord): Uint8Array | null {
  const kind = EVIDENCE_KINDS.find(([prefix]) => evidence.key.startsWith(prefix))?.[1];
  if (!kind) return null;
  const decoder = new TextDecoder();
  return canonicalBytes({
    type: EVIDENCE_TYPE,
    kind,
    records: evidence.records.map((bytes) => JSON.parse(decoder.decode(bytes))),
  });
}

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

/**
 * Anti-entropy of one node: serves peers' rounds on the sync protocol, and runs its own rounds on
 * connect and periodically with a random connected peer.
 */
export class AntiEntropy {
  readonly options: AntiEntropyOptions;
  private readonly modules: AntiEntropyModules;
  private readonly now: () => number;
  private readonly random: () => number;
  private stopController = new AbortController();
  private readonly outbound = new Map<string, Promise<SyncRoundStats>>();
  // Pulled records not yet resolvable, by wire id (insertion order = age, for eviction).
  private readonly deferred = new Map<string, Uint8Array>();
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
    pushedOut: 0,
    served: 0,
    violations: {},
    failures: {},
  };

  constructor(
    options: Partial<AntiEntropyOptions> & Pick<AntiEntropyOptions, 'protocol'>,
    modules: AntiEntropyModules,
  ) {
    this.options = { ...defaultAntiEntropyOptions, ...options };
    checkReconcileOptions(this.options.reconcile);
    // A frame carries one whole record: the largest the registry accepts must fit.
    if (this.options.reconcile.maxMessageBytes < DEFAULT_INPUT_LIMITS.maxRecordBytes) {
      throw new RangeError(
        `reconcile.maxMessageBytes must be ≥ ${DEFAULT_INPUT_LIMITS.maxRecordBytes} (the largest record)`,
      );
    }
    this.modules = modules;
    this.now = modules.now ?? Date.now;
    this.random = modules.random ?? Math.random;
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

  private sessionSignal(external?: AbortSignal): AbortSignal {
    const signals = [AbortSignal.timeout(this.options.sessionTimeoutMs), this.stopController.signal];
    if (external) signals.push(external);
    return AbortSignal.any(signals);
  }

  private failed(error: SyncError, kind: 'round' | 'session'): void {
    if (kind === 'round') this.stats.rounds.failed++;
    else this.stats.sessions.failed++;
    // Stopping is our own doing, not the peer's.
    const stopping = this.stopController.signal.aborted;
    if (!stopping && !NOT_VIOLATIONS.has(error.code)) bump(this.stats.violations, error.code);
    else bump(this.stats.failures, stopping ? SYNC_CODES.STOPPED : error.code);
  }

  /** The initiator's side of a round. */
  private async initiate(peer: PeerId, external?: AbortSignal): Promise<SyncRoundStats> {
    const startedAt = performance.now();
    const { reconcile, maxRecordsPerRound, maxRoundBytes } = this.options;
    this.stats.rounds.started++;
    const signal = this.sessionSignal(external);
    let stream: Stream;
    try {
      stream = await this.modules.libp2p.dialProtocol(peer, this.options.protocol, { signal });
    } catch (cause) {
      const error = new SyncError(
        signal.aborted ? SYNC_CODES.TIMEOUT : SYNC_CODES.STREAM,
        `cannot open a sync stream: ${String(cause)}`,
        { cause },
      );
      this.stats.rounds.failed++;
      bump(this.stats.failures, error.code);
      throw error;
    }
    const io = new FrameIo(stream, reconcile.maxMessageBytes + 1, signal);
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
      // 0. Clocks: ours, then the peer's, timed by the monotonic clock (midpoint of the exchange).
      const clocks = this.modules.clocks;
      if (clocks) {
        const sentAt = clocks.monotonic();
        await io.send(SYNC_FRAME.CLOCK, encodeClock(this.now()));
        const theirs = decodeClock(await io.expect(SYNC_FRAME.CLOCK, 'CLOCK'));
        if (theirs === null) throw malformed('CLOCK: not an 8-byte clock reading');
        clocks.record(peer.toString(), theirs, (sentAt + clocks.monotonic()) / 2);
        stats.roundTrips++;
      }
      // 1. Reconcile over a snapshot that stays fixed for the whole round.
      const snapshot = this.modules.index.snapshot();
      const reconciler = new Reconciler(snapshot, 'initiator', reconcile);
      let message: ReconcileMessage | null = reconciler.initiate();
      while (message) {
        await io.send(SYNC_FRAME.RECONCILE, encodeReconcileMessage(message));
        stats.roundTrips++;
        message = reconciler.receive(
          decodeReconcileMessage(await io.expect(SYNC_FRAME.RECONCILE, 'RECONCILE'), reconcile),
        );
        // Enough to fill this round: stop reconciling, the next round finds the rest. Deferred
        // records do not count: they will not be asked for, and what they wait for may lie further on.
        if (
          message &&
          reconciler.needCount >= maxRecordsPerRound &&
          this.wantedCount(reconciler.need) >= maxRecordsPerRound
        ) {
          stats.complete = false;
          break;
        }
      }
      const have = reconciler.have;
      const needAll = reconciler.need;
      stats.differences = have.length + needAll.length;
      // Records already pulled and waiting for a dependency are not asked for again.
      const wanted = needAll.filter((id) => !this.deferred.has(wireIdHex(id)));
      const need = wanted.slice(0, maxRecordsPerRound);
      if (need.length < wanted.length) stats.complete = false;

      // 2. Pull what we lack, then submit it through the registry in dependency order. A slot can
      // only be held in two versions if it is in `have` too, so hints are needed only then.
      if (need.length > 0 && have.length > 0) {
        const hints = await this.heldHints(snapshot, have);
        for (const payload of encodeHeld(hints, reconcile.maxIdsPerMessage, reconcile.maxMessageBytes / 2)) {
          await io.send(SYNC_FRAME.HELD, payload);
        }
      }
      const received: Uint8Array[] = [];
      let receivedBytes = 0;
      for (let i = 0; i < need.length; i += reconcile.maxIdsPerMessage) {
        const batch = need.slice(i, i + reconcile.maxIdsPerMessage);
        await io.send(SYNC_FRAME.WANT, encodeIds(batch));
        stats.roundTrips++;
        let inBatch = 0;
        for (;;) {
          const frame = await io.read();
          if (frame.type === SYNC_FRAME.END) {
            decodeCounts(frame.payload, 2, 'END');
            break;
          }
          if (frame.type !== SYNC_FRAME.RECORD)
            throw new SyncError(SYNC_CODES.UNEXPECTED_FRAME, `expected RECORD or END, got ${frame.type}`);
          receivedBytes += frame.payload.byteLength;
          if (++inBatch > batch.length || receivedBytes > maxRoundBytes) {
            throw new SyncError(SYNC_CODES.TOO_MANY_RECORDS, 'the peer sent more records or bytes than asked for');
          }
          received.push(frame.payload);
        }
      }
      stats.recordsReceived = received.length;
      const outcome = await this.submitAll(received);
      stats.recordsAccepted = outcome.accept;
      stats.recordsIgnored = outcome.ignore;
      stats.recordsRejected = outcome.reject;
      this.add(this.stats.pulled, outcome);
      signal.throwIfAborted();

      // 3. Push what the peer lacks, unless a record pulled just now superseded ours.
      const pushes = await this.pushable(snapshot, have);
      if (pushes.truncated) stats.complete = false;
      for (const bytes of pushes.records) await io.send(SYNC_FRAME.PUSH, bytes);
      await io.send(SYNC_FRAME.DONE, encodeCounts(pushes.records.length));
      stats.recordsPushed = pushes.records.length;
      this.stats.pushedOut += pushes.records.length;
      if (pushes.records.length > 0) {
        stats.roundTrips++;
        const [accepted] = decodeCounts(await io.expect(SYNC_FRAME.RESULT, 'RESULT'), 3, 'RESULT');
        stats.pushesAccepted = accepted!;
      }
      await stream.close({ signal });
      this.stats.rounds.completed++;
      return stats;
    } catch (cause) {
      const error = io.classify(cause);
      stream.abort(error);
      this.failed(error, 'round');
      throw error;
    } finally {
      stats.bytesSent = io.bytesSent;
      stats.bytesReceived = io.bytesReceived;
      stats.durationMs = performance.now() - startedAt;
      this.stats.bytesSent += io.bytesSent;
      this.stats.bytesReceived += io.bytesReceived;
    }
  }

  /** The responder's side of a session. */
  private async serve(stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString();
    const refuse = (code: SyncCode, message: string) => {
      const error = new SyncError(code, message);
      bump(this.stats.violations, code);
      this.stats.sessions.failed++;
      stream.abort(error);
    };
    if (this.activeInbound >= this.options.maxConcurrentSessions) {
      refuse(SYNC_CODES.TOO_MANY_SESSIONS, `already serving ${this.activeInbound} sessions`);
      return;
    }
    const now = this.now();
    const last = this.inboundStarts.get(peer);
    if (last !== undefined && now - last < this.options.minRoundIntervalMs) {
      refuse(SYNC_CODES.RATE_LIMITED, `peer started a round ${now - last} ms ago`);
      return;
    }
    this.inboundStarts.set(peer, now);
    this.prune(now);
    this.activeInbound++;
    const { reconcile, maxRecordsPerRound, maxRoundBytes } = this.options;
    const signal = this.sessionSignal();
    const io = new FrameIo(stream, reconcile.maxMessageBytes + 1, signal);
    try {
      const snapshot = this.modules.index.snapshot();
      const reconciler = new Reconciler(snapshot, 'responder', reconcile);
      let phase: 'reconcile' | 'serve' | 'push' = 'reconcile';
      let first = true;
      let served = 0;
      const held = new Map<string, string>();
      const pushes: Uint8Array[] = [];
      let pushBytes = 0;
      for (;;) {
        const frame = await io.read();
        const opening = first;
        first = false;
        if (frame.type === SYNC_FRAME.CLOCK && opening) {
          const theirs = decodeClock(frame.payload);
          if (theirs === null) throw malformed('CLOCK: not an 8-byte clock reading');
          this.modules.clocks?.record(peer, theirs);
          await io.send(SYNC_FRAME.CLOCK, encodeClock(this.now()));
        } else if (frame.type === SYNC_FRAME.RECONCILE && phase === 'reconcile') {
          const reply = reconciler.receive(decodeReconcileMessage(frame.payload, reconcile));
          await io.send(SYNC_FRAME.RECONCILE, encodeReconcileMessage(reply ?? { ranges: [] }));
        } else if (frame.type === SYNC_FRAME.HELD && phase !== 'push') {
          for (const { key, version } of decodeHeld(frame.payload, reconcile.maxIdsPerMessage)) held.set(key, version);
          if (held.size > maxRecordsPerRound)
            throw new SyncError(SYNC_CODES.TOO_MANY_RECORDS, `peer sent more than ${maxRecordsPerRound} hints`);
        } else if (frame.type === SYNC_FRAME.WANT && phase !== 'push') {
          phase = 'serve';
          const ids = decodeIds(frame.payload, reconcile.maxIdsPerMessage);
          served += ids.length;
          if (served > maxRecordsPerRound)
            throw new SyncError(SYNC_CODES.TOO_MANY_RECORDS, `peer asked for more than ${maxRecordsPerRound} records`);
          let missing = 0;
          let older = 0;
          for (const id of ids) {
            const position = snapshot.positionOf(id);
            const key = position < 0 ? null : snapshot.key(position);
            const record = key === null ? null : await this.load(key);
            if (record === null) {
              missing++;
              continue;
            }
            // The peer holds a newer version of this slot: ours would only be ignored as stale.
            const theirs = held.get(key!);
            if (record.version !== null && theirs !== undefined && record.version < theirs) {
              older++;
              continue;
            }
            await io.send(SYNC_FRAME.RECORD, record.bytes);
          }
          this.stats.served += ids.length - missing - older;
          await io.send(SYNC_FRAME.END, encodeCounts(missing, older));
        } else if (frame.type === SYNC_FRAME.PUSH) {
          phase = 'push';
          pushBytes += frame.payload.byteLength;
          if (pushes.length >= maxRecordsPerRound || pushBytes > maxRoundBytes) {
            throw new SyncError(
              SYNC_CODES.TOO_MANY_RECORDS,
              `peer pushed more than ${maxRecordsPerRound} records or ${maxRoundBytes} bytes`,
            );
          }
          pushes.push(frame.payload);
        } else if (frame.type === SYNC_FRAME.DONE) {
          const [count] = decodeCounts(frame.payload, 1, 'DONE');
          if (count !== pushes.length) throw malformed(`DONE announces ${count} pushes, ${pushes.length} arrived`);
          if (pushes.length > 0) {
            const outcome = await this.submitAll(pushes);
            this.add(this.stats.pushedIn, outcome);
            await io.send(SYNC_FRAME.RESULT, encodeCounts(outcome.accept, outcome.ignore, outcome.reject));
          }
          break;
        } else {
          throw new SyncError(
            SYNC_CODES.UNEXPECTED_FRAME,
            `frame type ${frame.type} not allowed in the ${phase} phase`,
          );
        }
      }
      await stream.close({ signal });
      this.stats.sessions.served++;
      this.lastSynced.set(peer, this.now());
    } catch (cause) {
      const error = io.classify(cause);
      stream.abort(error);
      this.failed(error, 'session');
      this.modules.logger?.debug?.('anti-entropy session failed', { peer, code: error.code, error: error.message });
    } finally {
      this.activeInbound--;
      this.stats.bytesSent += io.bytesSent;
      this.stats.bytesReceived += io.bytesReceived;
    }
  }

  /** Versions of the record slots in `have` that we still hold as reconciled (evidence has none). */
  private async heldHints(snapshot: SyncSnapshot, have: number[]): Promise<HeldHint[]> {
    const hints: HeldHint[] = [];
    for (const position of have.slice(0, this.options.maxRecordsPerRound)) {
      const key = snapshot.key(position);
      if (key.startsWith(EVIDENCE_SYNC_PREFIX)) continue;
      const record = await this.modules.store.get(key);
      if (record?.digest === snapshot.digest(position)) hints.push({ key, version: record.version });
    }
    return hints;
  }

  /** The records to push: items the peer lacks that we still hold in the same version. */
  private async pushable(
    snapshot: SyncSnapshot,
    have: number[],
  ): Promise<{ records: Uint8Array[]; truncated: boolean }> {
    const records: Uint8Array[] = [];
    let bytes = 0;
    for (const position of have) {
      const key = snapshot.key(position);
      if (this.modules.index.digestOf(key) !== snapshot.digest(position)) continue;
      const record = await this.load(key);
      if (record === null) continue;
      if (
        records.length >= this.options.maxRecordsPerRound ||
        bytes + record.bytes.byteLength > this.options.maxRoundBytes
      ) {
        return { records, truncated: true };
      }
      bytes += record.bytes.byteLength;
      records.push(record.bytes);
    }
    return { records, truncated: false };
  }

  /** Canonical bytes (and version, for records) of what a sync key holds now, or null. */
  private async load(key: string): Promise<{ bytes: Uint8Array; version: string | null } | null> {
    if (key.startsWith(EVIDENCE_SYNC_PREFIX)) {
      const evidence = await this.modules.store.getEvidence(key.slice(EVIDENCE_SYNC_PREFIX.length));
      const bytes = evidence ? evidenceWireBytes(evidence) : null;
      return bytes ? { bytes, version: null } : null;
    }
    const record = await this.modules.store.get(key);
    return record ? { bytes: record.bytes, version: record.version } : null;
  }

  /**
   * Submits records through the registry in dependency order, retrying the ignored ones while a
   * pass admits something (a record may wait for another of the same batch).
   */
  private async submitAll(pulled: Uint8Array[]): Promise<OutcomeCounts> {
    // Deferred records go in with the new ones: what this round pulled may be what they wait for.
    const retried = [...this.deferred.values()];
    this.deferred.clear();
    const records = [...pulled, ...retried];
    const ranked = records.map((bytes) => ({ bytes, rank: submissionRank(bytes) }));
    ranked.sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1]);
    let pending = ranked.map((r) => r.bytes);
    let accept = 0;
    let reject = 0;
    let unresolved = new Set<Uint8Array>();
    for (let pass = 0; pass < this.options.maxSubmitPasses && pending.length > 0; pass++) {
      const ignored: Uint8Array[] = [];
      unresolved = new Set();
      let progress = false;
      for (const bytes of pending) {
        const outcome = await this.modules.registry.submit(bytes);
        if (outcome.status === 'accept') {
          progress = true;
          accept++;
          this.modules.index.admit(outcome.value);
          this.modules.onAdmitted?.(outcome.value);
        } else if (outcome.status === 'ignore') {
          ignored.push(bytes);
          if (NOT_YET_RESOLVABLE_CODES.has(outcome.error.code)) unresolved.add(bytes);
        } else {
          reject++;
        }
      }
      pending = ignored;
      if (!progress) break;
    }
    for (const bytes of pending) if (unresolved.has(bytes)) this.defer(bytes);
    // Counts cover every submission of this round, retried deferred records included.
    return { accept, ignore: pending.length, reject };
  }

  /** How many of `ids` this node would ask for (those not deferred). */
  private wantedCount(ids: readonly Uint8Array[]): number {
    if (this.deferred.size === 0) return ids.length;
    let n = 0;
    for (const id of ids) if (!this.deferred.has(wireIdHex(id))) n++;
    return n;
  }

  /** Keeps a pulled record that waits for a dependency, under its wire id; the oldest go first. */
  private defer(bytes: Uint8Array): void {
    const key = slotKeyOf(bytes);
    if (key === null) return;
    this.deferred.set(wireIdHex(itemId(key, sha256Hex(bytes))), bytes);
    while (this.deferred.size > this.options.maxDeferredRecords) {
      const oldest = this.deferred.keys().next().value;
      if (oldest === undefined) break;
      this.deferred.delete(oldest);
    }
  }

  private add(total: OutcomeCounts, outcome: OutcomeCounts): void {
    total.accept += outcome.accept;
    total.ignore += outcome.ignore;
    total.reject += outcome.reject;
  }

  private prune(now: number): void {
    if (this.inboundStarts.size <= 1024) return;
    for (const [peer, at] of this.inboundStarts)
      if (now - at >= this.options.minRoundIntervalMs) this.inboundStarts.delete(peer);
    for (const [peer, at] of this.lastSynced) if (now - at >= this.options.intervalMs) this.lastSynced.delete(peer);
  }
}

/** The registry slot a record occupies (as the store keys it), or null for kinds not deferred. */
function slotKeyOf(bytes: Uint8Array): string | null {
  try {
    const value = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    const types = Array.isArray(value.type) ? value.type : [value.type];
    if (types.includes('BitstringStatusListCredential') && typeof value.id === 'string') {
      // Slots are per list id and signing key; the registry reads the key from the record when it can.
      return statusListSlotKeyOf(value) ?? statusListKey(value.id);
    }
    if (types.includes(ACCREDITATION_TYPE) && typeof value.id === 'string') return accreditationKey(value.id);
    if (types.includes(GOVERNANCE_TYPE) && typeof value.networkId === 'string' && typeof value.version === 'number') {
      return governanceKey(value.networkId, value.version);
    }
    return null;
  } catch {
    return null;
  }
}
