/**
 * The node's one admission layer: every record, whichever path brought it — the gossip validator,
 * an anti-entropy pull or push, the HTTP API, the CLI, the issuer — goes through here to the
 * registry's `submit` (the one validation pipeline). This layer adds what is the network's business,
 * not the registry's:
 *
 * - **ordering**: a batch is submitted in dependency order (the registry's `bySubmissionOrder`:
 *   governance → accreditations → authorities' and accreditors' lists → issuers' lists → evidence),
 *   and retried while a pass admits something;
 * - **one pending buffer** (pending-records.ts) of not-yet-resolvable records, keyed by the record
 *   each awaits (the registry's `ValidationError.awaits`), released when a record providing it is
 *   admitted by any path; records whose signer is unknown are kept only from a trusted peer, and
 *   pushed records never (a push that does not resolve is the pusher's problem);
 * - **one publish path** ({@link RecordAdmission.submitAndPublish}) that the API, the issuer, the
 *   CLI and the simulator use, and re-announcement of records a repair brought (anti-entropy pulls),
 *   so nodes away from a healed cut do not wait for their own next round;
 * - **faults are not verdicts**: a store fault during admission is an outcome of its own (`fault`),
 *   never a peer penalty.
 */
import { createHash } from 'node:crypto';
import {
  type Admission,
  ANY_DEPENDENCY,
  bySubmissionOrder,
  CodedError,
  classifyRecord,
  providedKeys,
  type Registry,
  type SubmitOutcome,
  type TrustView,
  type ValidationError,
} from '@trustmesh/registry';
import type { PublishReport } from '../gossip/record-gossip.ts';
import {
  type PendingDropReason,
  type PendingRecord,
  PendingRecords,
  type PendingRecordsOptions,
} from './pending-records.ts';

/** Codes this layer adds. */
export const ADMISSION_CODES = {
  /** Admission threw something that is not a coded error (a bug): never the peer's fault. */
  FAILED: 'ADMISSION_FAILED',
  /** Published locally while gossip is not running: stored, carried by anti-entropy. */
  NOT_ANNOUNCED: 'ADMISSION_NOT_ANNOUNCED',
} as const;

/** The path a record came by. */
export type AdmissionPath = 'gossip' | 'pull' | 'push' | 'api';

/** Where a record came from. */
export interface AdmissionSource {
  path: AdmissionPath;
  /** The peer that sent it (gossip, pull, push). */
  peer?: string;
}

/** Outcome of admitting one record. */
export type AdmitOutcome =
  | { status: 'accept'; value: Admission }
  | {
      status: 'ignore' | 'reject';
      error: ValidationError;
      /** True when it was kept in the pending buffer, to be retried when what it awaits arrives. */
      buffered: boolean;
    }
  /** This node failed (storage): says nothing about the record or its sender. */
  | { status: 'fault'; error: CodedError };

/** Counts of a batch's outcomes. */
export interface BatchOutcome {
  accept: number;
  ignore: number;
  reject: number;
  /** Store faults (the batch stops at the first). */
  fault: number;
  /** Records left not yet resolvable after every pass (buffered or, for pushes, dropped). */
  unresolved: number;
  /** Of those, the ones kept in the pending buffer. */
  buffered: number;
}

/** What happened to a buffered record that was released. */
export interface Recovery {
  record: PendingRecord;
  outcome: AdmitOutcome;
}

/** Settings of {@link RecordAdmission}. */
export interface RecordAdmissionOptions {
  /** Bounds of the pending buffer. */
  pending: Partial<PendingRecordsOptions>;
  /** Most submission passes over one batch (each retries the records a pass left unresolved). */
  maxSubmitPasses: number;
  /**
   * Records admitted from one anti-entropy pull are announced on gossip when the pull admitted at
   * most this many (a repair after a partition); a bulk catch-up (a cold join) is not re-flooded.
   */
  maxAnnouncedPerPull: number;
  /**
   * Longest a batch runs without yielding to the event loop, in ms: validation is synchronous CPU
   * work (canonicalisation, signatures), and a 2,000-record batch must not keep `/health`, gossip
   * and new connections waiting for seconds.
   */
  sliceMs: number;
  /**
   * Records of one batch submitted to the registry at once (it validates them in order while the
   * earlier ones are written, and their writes share synced batches). Their validation runs
   * without a macrotask turn, so this times a record's validation stays about `sliceMs`.
   */
  maxInFlight: number;
}

/** Defaults of {@link RecordAdmissionOptions}. */
export const defaultRecordAdmissionOptions: RecordAdmissionOptions = {
  pending: {},
  maxSubmitPasses: 8,
  maxAnnouncedPerPull: 256,
  sliceMs: 10,
  maxInFlight: 32,
};

/** What {@link RecordAdmission} depends on. */
export interface RecordAdmissionModules {
  /** The registry: its `submit` is the validation pipeline, and it is the view that orders batches. */
  registry: Pick<Registry, 'submit'> & TrustView;
  /** The clock, ms since the epoch. */
  now: () => number;
  /** Announces an admitted record to the network (gossip's `announce`); set once gossip runs. */
  announce?: (admission: Admission) => Promise<PublishReport>;
  /** Whether a peer is trusted to relay records whose signer is unknown here (e.g. its gossip score). */
  trustedPeer?: (peer: string) => boolean;
  /** Called with every record a peer sent that the registry did not admit (issuer mode merges its own lists). */
  onRefused?: (bytes: Uint8Array, code: string) => void;
  logger?: { warn(message: string, details?: Record<string, unknown>): void };
}

/** Counters, for metrics and tests. */
export interface AdmissionCounters {
  /** Admissions by path. */
  accepted: Record<string, number>;
  pending: {
    size: number;
    bytes: number;
    /** Records put in the buffer. */
    buffered: number;
    /** Not kept: the signer is unknown and the peer is not trusted for it. */
    untrusted: number;
    /** Buffered records admitted later. */
    recovered: number;
    /** Buffered records that later failed for good. */
    failed: number;
    expired: number;
    evicted: number;
  };
}

function digestOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The node's admission layer (see the module documentation). */
export class RecordAdmission {
  readonly options: RecordAdmissionOptions;
  private readonly modules: RecordAdmissionModules;
  private readonly pending: PendingRecords;
  private readonly admittedListeners = new Set<(admission: Admission, source: AdmissionSource) => void>();
  private readonly recoveryListeners = new Set<(recovery: Recovery) => void>();
  private readonly droppedListeners = new Set<(record: PendingRecord, reason: PendingDropReason | 'failed') => void>();
  private readonly accepted = new Map<string, number>();
  private readonly stats = { buffered: 0, untrusted: 0, recovered: 0, failed: 0, expired: 0, evicted: 0 };
  // Dependency keys provided since the release loop last ran; one loop runs at a time.
  private readonly provided = new Set<string>();
  private releasing: Promise<void> | null = null;
  private sliceStart = 0;
  private stopped = false;

  constructor(options: Partial<RecordAdmissionOptions>, modules: RecordAdmissionModules) {
    this.options = { ...defaultRecordAdmissionOptions, ...options };
    this.modules = modules;
    this.pending = new PendingRecords(this.options.pending, { now: modules.now });
  }

  /** Sets the announcer once gossip runs (gossip itself submits through this layer). */
  setAnnouncer(announce: (admission: Admission) => Promise<PublishReport>): void {
    this.modules.announce = announce;
  }

  /**
   * Admits one record from a peer or a local caller. A retryable ignore from gossip or a pull is
   * buffered (when allowed) and retried when what it awaits is admitted.
   */
  async submit(input: Uint8Array | object, source: AdmissionSource): Promise<AdmitOutcome> {
    const outcome = await this.admit(input, source);
    if (outcome.status === 'ignore' && outcome.error.retryable && input instanceof Uint8Array) {
      return { ...outcome, buffered: this.buffer(input, outcome.error, source) };
    }
    return outcome;
  }

  /**
   * Admits a batch from one peer (an anti-entropy pull or push) in dependency order, retrying the
   * not-yet-resolvable ones while a pass admits something; several records are in flight at once
   * (`maxInFlight`), still validated in that order. What is left unresolved is buffered for a pull
   * (when allowed), never for a push. Stops at a store fault.
   */
  async submitBatch(records: readonly Uint8Array[], source: AdmissionSource): Promise<BatchOutcome> {
    const result: BatchOutcome = { accept: 0, ignore: 0, reject: 0, fault: 0, unresolved: 0, buffered: 0 };
    let queue = bySubmissionOrder(records, (bytes) => bytes, this.modules.registry);
    const admitted: Admission[] = [];
    let lastErrors = new Map<Uint8Array, ValidationError>();
    for (let pass = 0; pass < this.options.maxSubmitPasses && queue.length > 0; pass++) {
      const retry: Uint8Array[] = [];
      lastErrors = new Map();
      let progress = false;
      const outcomes = await this.admitInOrder(queue, source);
      for (const [i, outcome] of outcomes.entries()) {
        const bytes = queue[i] as Uint8Array;
        if (outcome.status === 'fault') {
          result.fault++;
          return result;
        }
        if (outcome.status === 'accept') {
          progress = true;
          result.accept++;
          admitted.push(outcome.value);
        } else if (outcome.status === 'reject') {
          result.reject++;
        } else if (outcome.error.retryable) {
          retry.push(bytes);
          lastErrors.set(bytes, outcome.error);
        } else {
          result.ignore++;
        }
      }
      queue = retry;
      if (!progress) break;
    }
    result.ignore += queue.length;
    result.unresolved = queue.length;
    if (source.path === 'pull') {
      for (const bytes of queue) {
        const error = lastErrors.get(bytes);
        if (error && this.buffer(bytes, error, source)) result.buffered++;
      }
    }
    // A repair (few records) is announced so that nodes away from the cut get it by gossip now.
    if (source.path === 'pull' && admitted.length > 0 && admitted.length <= this.options.maxAnnouncedPerPull) {
      for (const admission of admitted) await this.announce(admission);
    }
    return result;
  }

  /**
   * Admits a locally created record (HTTP API, CLI, issuer, simulator) and announces it: the one
   * publish path. Returns the registry's outcome; a store fault is thrown (the API answers 503).
   */
  async submitAndPublish(record: Uint8Array | object): Promise<SubmitOutcome> {
    return (await this.publishLocal(record)).outcome;
  }

  /** {@link submitAndPublish}, answering with what gossip did (recipients, or why nothing was sent). */
  async publish(record: Uint8Array | object): Promise<PublishReport> {
    const { outcome, report } = await this.publishLocal(record);
    if (outcome.status !== 'accept') {
      return { status: outcome.status, code: outcome.error.code, message: outcome.error.message };
    }
    return (
      report ?? {
        status: 'stored',
        digest: outcome.value.digest,
        code: ADMISSION_CODES.NOT_ANNOUNCED,
        message: 'gossip is not running: the record is stored, anti-entropy will carry it',
      }
    );
  }

  private async publishLocal(
    record: Uint8Array | object,
  ): Promise<{ outcome: SubmitOutcome; report: PublishReport | undefined }> {
    const outcome = await this.admit(record, { path: 'api' });
    if (outcome.status === 'fault') throw outcome.error;
    if (outcome.status !== 'accept')
      return { outcome: { status: outcome.status, error: outcome.error }, report: undefined };
    return { outcome, report: await this.announce(outcome.value) };
  }

  /** Calls `listener` after every admission through this layer. Returns a remover. */
  onAdmitted(listener: (admission: Admission, source: AdmissionSource) => void): () => void {
    this.admittedListeners.add(listener);
    return () => this.admittedListeners.delete(listener);
  }

  /** Calls `listener` when a buffered record is released (admitted, or failed for good). */
  onRecovered(listener: (recovery: Recovery) => void): () => void {
    this.recoveryListeners.add(listener);
    return () => this.recoveryListeners.delete(listener);
  }

  /** Calls `listener` when a buffered record leaves unresolved (expired, evicted, failed). */
  onDropped(listener: (record: PendingRecord, reason: PendingDropReason | 'failed') => void): () => void {
    this.droppedListeners.add(listener);
    return () => this.droppedListeners.delete(listener);
  }

  /** The slot and digest of every buffered record with a known slot (anti-entropy does not ask for them). */
  pendingSlots(): { slotKey: string; digest: string }[] {
    return this.pending.list().flatMap((r) => (r.slotKey === null ? [] : [{ slotKey: r.slotKey, digest: r.id }]));
  }

  /** The store slot a record would occupy, from its JSON and the keys held here, or null. */
  slotKeyOf(bytes: Uint8Array): string | null {
    return classifyRecord(bytes, { view: this.modules.registry })?.slotKey ?? null;
  }

  /** True when a record with this content digest is buffered. */
  isPending(digest: string): boolean {
    return this.pending.has(digest);
  }

  /** A snapshot of the counters. */
  counters(): AdmissionCounters {
    return {
      accepted: Object.fromEntries(this.accepted),
      pending: { size: this.pending.size, bytes: this.pending.bytes, ...this.stats },
    };
  }

  /** Drops the buffer and waits for a release loop in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.pending.clear();
    await this.releasing;
  }

  private async admit(input: Uint8Array | object, source: AdmissionSource): Promise<AdmitOutcome> {
    let outcome: SubmitOutcome;
    try {
      outcome = await this.modules.registry.submit(input);
    } catch (error) {
      // A store fault (or a bug) is this node's: never the peer's fault, never a verdict.
      const fault =
        error instanceof CodedError
          ? error
          : new CodedError(ADMISSION_CODES.FAILED, error instanceof Error ? error.message : String(error), {
              cause: error,
            });
      this.modules.logger?.warn('admission failed', { code: fault.code, error: fault.message });
      return { status: 'fault', error: fault };
    }
    if (outcome.status !== 'accept') {
      if (source.path !== 'api' && input instanceof Uint8Array) this.modules.onRefused?.(input, outcome.error.code);
      return { status: outcome.status, error: outcome.error, buffered: false };
    }
    this.accepted.set(source.path, (this.accepted.get(source.path) ?? 0) + 1);
    for (const listener of this.admittedListeners) listener(outcome.value, source);
    this.release(providedKeys(outcome.value));
    return outcome;
  }

  /**
   * Admits `records` in order, up to `maxInFlight` submitted at once: the registry validates them
   * one at a time in this order, each against everything before it, while earlier ones are being
   * written, and the writes share synced batches. Stops submitting at the first store fault; the
   * outcomes returned end there.
   */
  private async admitInOrder(records: readonly Uint8Array[], source: AdmissionSource): Promise<AdmitOutcome[]> {
    const submitted: Promise<AdmitOutcome>[] = [];
    let faulted = false;
    let oldest = 0;
    for (const bytes of records) {
      await this.yieldIfDue();
      if (faulted) break;
      const outcome = this.admit(bytes, source);
      void outcome.then((o) => {
        if (o.status === 'fault') faulted = true;
      });
      submitted.push(outcome);
      if (submitted.length - oldest >= this.options.maxInFlight) await submitted[oldest++];
    }
    const outcomes = await Promise.all(submitted);
    const fault = outcomes.findIndex((o) => o.status === 'fault');
    return fault === -1 ? outcomes : outcomes.slice(0, fault + 1);
  }

  /** Keeps a not-yet-resolvable record, if allowed; returns whether it was kept. */
  private buffer(bytes: Uint8Array, error: ValidationError, source: AdmissionSource): boolean {
    if (this.stopped || source.path === 'push' || source.path === 'api') return false;
    const peer = source.peer ?? 'local';
    // A record whose signer is unknown costs a forger nothing: kept only from a trusted peer.
    if (!error.signerKnown && !(this.modules.trustedPeer?.(peer) ?? false)) {
      this.stats.untrusted++;
      return false;
    }
    const id = digestOf(bytes);
    const { added, dropped } = this.pending.add({
      id,
      bytes,
      source: peer,
      pulled: source.path === 'pull',
      code: error.code,
      awaits: error.awaits ?? ANY_DEPENDENCY,
      slotKey: this.slotKeyOf(bytes),
    });
    for (const { record, reason } of dropped) this.dropped(record, reason);
    if (added) this.stats.buffered++;
    return added || this.pending.has(id);
  }

  private dropped(record: PendingRecord, reason: PendingDropReason | 'failed'): void {
    this.stats[reason]++;
    for (const listener of this.droppedListeners) listener(record, reason);
  }

  /** Retries the buffered records that await one of `keys`; coalesced, one loop at a time. */
  private release(keys: readonly string[]): void {
    if (this.stopped || this.pending.size === 0) return;
    for (const key of keys) this.provided.add(key);
    if (this.releasing) return;
    this.releasing = this.releaseLoop().finally(() => {
      this.releasing = null;
    });
  }

  private async releaseLoop(): Promise<void> {
    // Loop while admissions happen: one recovered record may unlock another (accreditor → issuer →
    // status list), and admissions by other paths meanwhile add keys.
    while (this.provided.size > 0 && !this.stopped) {
      const keys = [...this.provided];
      this.provided.clear();
      for (const record of this.pending.expire()) this.dropped(record, 'expired');
      for (const record of this.pending.waitingFor(keys, ANY_DEPENDENCY)) {
        if (this.stopped) return;
        if (!this.pending.has(record.id)) continue;
        await this.yieldIfDue();
        const outcome = await this.admit(record.bytes, { path: 'gossip', peer: record.source });
        if (outcome.status === 'fault') return;
        if (outcome.status === 'ignore' && outcome.error.retryable) continue;
        this.pending.take(record.id);
        if (outcome.status === 'accept') this.stats.recovered++;
        else this.dropped(record, 'failed');
        for (const listener of this.recoveryListeners) listener({ record, outcome });
      }
    }
  }

  /** Yields to the event loop (a macrotask turn) once `sliceMs` of work has run since the last yield. */
  private async yieldIfDue(): Promise<void> {
    const now = performance.now();
    if (now - this.sliceStart < this.options.sliceMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.sliceStart = performance.now();
  }

  private async announce(admission: Admission): Promise<PublishReport | undefined> {
    try {
      return await this.modules.announce?.(admission);
    } catch (error) {
      this.modules.logger?.warn('announce failed', { error: String(error) });
      return undefined;
    }
  }
}
