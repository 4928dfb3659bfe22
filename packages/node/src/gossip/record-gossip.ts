/**
 * Record gossip: the network's records travel on one gossipsub topic as their canonical bytes, and
 * every node validates before it forwards (DESIGN.md, Principles §1 and Network). The topic validator
 * hands each message to the registry's admission pipeline and maps its outcome:
 *
 * - accept → Accept: stored, delivered, forwarded to the mesh;
 * - ignore → Ignore: stale, duplicate or not yet resolvable; dropped without penalty;
 * - reject → Reject: malformed, forged or unauthorised; dropped, and the sender's score pays (P4).
 *
 * Two refinements: a record the registry turned into equivocation *evidence* is not forwarded itself —
 * the evidence is published instead, so every node learns of the misbehaviour; and a record that is
 * not yet resolvable (its parent has not arrived) is held briefly and buffered, then admitted and
 * forwarded when the parent is accepted.
 */
import { createHash } from 'node:crypto';
import { type GossipSub, type Message, TopicValidatorResult } from '@libp2p/gossipsub';
import type { PeerId } from '@libp2p/interface';
import { recordsTopic } from '../network/protocols.ts';
import { defaultRecordGossipsubOptions } from './gossipsub-config.ts';
import {
  type PendingDropReason,
  type PendingRecord,
  PendingRecords,
  type PendingRecordsOptions,
} from './pending-records.ts';

/** What an admission pipeline returns for an accepted record (the registry's `Admission` fits). */
export interface SinkAdmission {
  /** Record kind: `governance`, `accreditation`, `status-list` or `evidence`. */
  kind: string;
  /** Content address of `bytes`. */
  digest: string;
  /** Canonical bytes of what was admitted: the record itself, or evidence built from it. */
  bytes: Uint8Array;
}

/** Outcome of submitting bytes to a {@link RecordSink} (the registry's `SubmitOutcome` fits). */
export type SinkOutcome =
  | { status: 'accept'; value: SinkAdmission }
  | { status: 'ignore' | 'reject'; error: { code: string; message: string } };

/** Where gossiped records go to be validated and stored: the registry, or a fake in tests. */
export interface RecordSink {
  /** Validates and, if admitted, stores a record. Never throws for bad input. */
  submit(bytes: Uint8Array): Promise<SinkOutcome>;
}

/**
 * `ignore` codes meaning "may become valid once another record arrives": the record depends on
 * something this node does not hold yet. Only these are buffered and retried; every other ignore
 * (duplicate, stale, expired) will not change by waiting. Codes are the registry's
 * (packages/registry/src/validation/*.ts); keep this list in step with them.
 */
export const NOT_YET_RESOLVABLE_CODES: ReadonlySet<string> = new Set([
  // No governance held yet (the node is still bootstrapping).
  'GOVERNANCE_UNKNOWN',
  // Governance version N+1 before version N (versions step by exactly one).
  'GOVERNANCE_VERSION_GAP',
  // A status list before its issuer's accreditation.
  'STATUS_LIST_ISSUER_UNKNOWN',
  // A status list whose issuer's chain waits on a record (an accreditor's list, a link).
  'STATUS_LIST_ISSUER_UNRESOLVED',
  // An accreditation before its accreditor's own accreditation, status list, chain or governance.
  'ACCREDITOR_ISSUER_NOT_ACCREDITED',
  'ACCREDITOR_ACCREDITATION_STATUS_UNKNOWN',
  'ACCREDITOR_CHAIN_BROKEN',
  'ACCREDITOR_GOVERNANCE_UNKNOWN',
]);

/** Codes this layer adds to the registry's, for outcomes decided here. */
export const GOSSIP_CODES = {
  /** Message larger than `maxMessageBytes` (reject). */
  MESSAGE_TOO_LARGE: 'GOSSIP_MESSAGE_TOO_LARGE',
  /** Message carried a libp2p signature, author or seqno under StrictNoSign (reject). */
  SIGNED_MESSAGE: 'GOSSIP_SIGNED_MESSAGE',
  /** The record was admitted but arrived in a non-canonical form; its canonical bytes are published instead (ignore). */
  NOT_CANONICAL: 'GOSSIP_NOT_CANONICAL',
  /** The record proved equivocation; the evidence is published instead of the record (ignore). */
  EQUIVOCATION: 'GOSSIP_EQUIVOCATION_EVIDENCE',
  /** The sink failed (local fault, e.g. storage): never the peer's fault (ignore). */
  SINK_ERROR: 'GOSSIP_SINK_ERROR',
  /** The node is stopping (ignore). */
  STOPPING: 'GOSSIP_STOPPING',
  /** Publish: no peer is subscribed to the topic; the record is stored locally only. */
  NO_PEERS: 'GOSSIP_NO_PEERS',
  /** Publish: gossipsub has seen this message id recently and will not send it again. */
  DUPLICATE: 'GOSSIP_DUPLICATE',
  /** Publish: any other gossipsub failure. */
  PUBLISH_FAILED: 'GOSSIP_PUBLISH_FAILED',
} as const;

/** Settings of a {@link RecordGossip}. */
export interface RecordGossipOptions {
  /** The network whose topic this gossip uses. */
  networkId: string;
  /** Largest message accepted or published; must match the gossipsub init (gossipsub-config.ts). */
  maxMessageBytes: number;
  /**
   * How long a not-yet-resolvable message's validation is held open, in ms, so that if its parent
   * arrives meanwhile it is accepted *and forwarded* by gossipsub. Kept under gossipsub's IWANT
   * follow-up time (3 s): a longer hold would count as a broken promise against the honest peer
   * that sent it. 0 disables holding (records are still buffered and admitted later).
   */
  holdMs: number;
  /** Bounds of the not-yet-resolvable buffer. */
  pending: Partial<PendingRecordsOptions>;
}

/** Defaults of {@link RecordGossipOptions}. */
export const defaultRecordGossipOptions: Omit<RecordGossipOptions, 'networkId'> = {
  maxMessageBytes: defaultRecordGossipsubOptions.maxMessageBytes,
  holdMs: 2_000,
  pending: {},
};

/** Minimal logger for events an operator may want to see. */
export interface GossipLogger {
  warn(message: string, details?: Record<string, unknown>): void;
}

/** What a {@link RecordGossip} depends on. */
export interface RecordGossipModules {
  /** The libp2p gossipsub service, configured with recordGossipsubInit(). */
  pubsub: GossipSub;
  /** The admission pipeline (the registry). */
  sink: RecordSink;
  /** The clock, ms since the epoch. */
  now: () => number;
  logger?: GossipLogger;
}

/** Result of {@link RecordGossip.publish}. */
export type PublishReport =
  /** Admitted locally and sent to `recipients` peers. */
  | { status: 'published'; digest: string; recipients: number }
  /** Admitted locally but not sent (no peers, duplicate, too large, ...): anti-entropy will carry it. */
  | { status: 'stored'; digest: string; code: string; message: string }
  /** Not admitted locally, so not sent. */
  | { status: 'ignore' | 'reject'; code: string; message: string };

/** Plain counters of what gossip did, for tests, logs and (later) metrics. */
export interface GossipCounters {
  /** Messages accepted (forwarded), by record kind. */
  accepted: Record<string, number>;
  /** Messages ignored, by code. */
  ignored: Record<string, number>;
  /** Messages rejected (sender penalised), by code. */
  rejected: Record<string, number>;
  /** Records published: our own, evidence, canonical re-publications and recovered records. */
  published: number;
  /** Publications that did not go out, by code. */
  publishFailed: Record<string, number>;
  /** Evidence records published after an incoming record proved equivocation. */
  evidencePublished: number;
  /** The not-yet-resolvable buffer. */
  pending: {
    size: number;
    bytes: number;
    /** Records put in the buffer. */
    buffered: number;
    /** Buffered records admitted later. */
    recovered: number;
    /** Buffered records that later failed for good (rejected, or ignored for a final reason). */
    failed: number;
    expired: number;
    evicted: number;
  };
}

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

function digestOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

interface Held {
  settle: (result: TopicValidatorResult) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Gossip of one network's records over gossipsub, validated by a {@link RecordSink}. */
export class RecordGossip {
  readonly options: RecordGossipOptions;
  /** The gossipsub topic. */
  readonly topic: string;
  private readonly modules: RecordGossipModules;
  private readonly pending: PendingRecords;
  // Validations held open, by message id, until their parent arrives or the hold ends.
  private readonly held = new Map<string, Held>();
  private readonly tasks = new Set<Promise<unknown>>();
  private retrying = false;
  private retryRequested = false;
  private started = false;
  private stopped = false;

  private readonly accepted = new Map<string, number>();
  private readonly ignored = new Map<string, number>();
  private readonly rejected = new Map<string, number>();
  private readonly publishFailed = new Map<string, number>();
  private published = 0;
  private evidencePublished = 0;
  private readonly pendingStats = { buffered: 0, recovered: 0, failed: 0, expired: 0, evicted: 0 };

  constructor(
    options: Partial<RecordGossipOptions> & Pick<RecordGossipOptions, 'networkId'>,
    modules: RecordGossipModules,
  ) {
    this.options = { ...defaultRecordGossipOptions, ...options };
    this.topic = recordsTopic(this.options.networkId);
    this.modules = modules;
    this.pending = new PendingRecords(this.options.pending, { now: modules.now });
  }

  /** Installs the topic validator and subscribes. The pubsub service must be started. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.modules.pubsub.topicValidators.set(this.topic, this.validate);
    this.modules.pubsub.subscribe(this.topic);
  }

  /** Unsubscribes, settles held validations (ignore), drops the buffer and waits for work in flight. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const id of [...this.held.keys()]) this.release(id, TopicValidatorResult.Ignore, GOSSIP_CODES.STOPPING);
    this.pending.clear();
    if (this.started) {
      try {
        this.modules.pubsub.unsubscribe(this.topic);
      } catch {
        // Already stopped with libp2p: nothing to unsubscribe from.
      }
      if (this.modules.pubsub.topicValidators.get(this.topic) === this.validate) {
        this.modules.pubsub.topicValidators.delete(this.topic);
      }
    }
    await Promise.allSettled([...this.tasks]);
  }

  /**
   * Publishes a locally created record: submits it to the sink first (a node never sends what it
   * would not accept), then publishes the admitted canonical bytes. The report says what happened;
   * a record admitted but not sent (no peers yet) stays stored and anti-entropy will carry it.
   */
  async publish(bytes: Uint8Array): Promise<PublishReport> {
    const outcome = await this.modules.sink.submit(bytes);
    if (outcome.status !== 'accept') {
      return { status: outcome.status, code: outcome.error.code, message: outcome.error.message };
    }
    return this.announce(outcome.value);
  }

  /**
   * Gossips a record the caller has already admitted through the sink (e.g. the HTTP API, which
   * needs the registry's full outcome). Retries the pending buffer, as any admission may unblock it.
   */
  async announce(admission: SinkAdmission): Promise<PublishReport> {
    this.scheduleRetry();
    const sent = await this.broadcast(admission.bytes);
    if (sent.ok) return { status: 'published', digest: admission.digest, recipients: sent.recipients };
    return { status: 'stored', digest: admission.digest, code: sent.code, message: sent.message };
  }

  /** A snapshot of the counters. */
  counters(): GossipCounters {
    return {
      accepted: Object.fromEntries(this.accepted),
      ignored: Object.fromEntries(this.ignored),
      rejected: Object.fromEntries(this.rejected),
      published: this.published,
      publishFailed: Object.fromEntries(this.publishFailed),
      evidencePublished: this.evidencePublished,
      pending: { size: this.pending.size, bytes: this.pending.bytes, ...this.pendingStats },
    };
  }

  /** Gossipsub's current score of a peer, or null if the pubsub service does not expose scores. */
  peerScore(peer: PeerId | string): number | null {
    // getScore is public on gossipsub's class but not on its exported interface.
    const scorer = this.modules.pubsub as unknown as { getScore?: (id: string) => number };
    return typeof scorer.getScore === 'function' ? scorer.getScore(peer.toString()) : null;
  }

  /** Peers subscribed to this network's topic. */
  subscribers(): PeerId[] {
    return this.modules.pubsub.getSubscribers(this.topic);
  }

  // An arrow function so the same reference can be installed and later removed.
  private readonly validate = async (peer: PeerId, message: Message): Promise<TopicValidatorResult> => {
    if (this.stopped) return this.count(TopicValidatorResult.Ignore, GOSSIP_CODES.STOPPING);
    // StrictNoSign already refuses signed messages before validators run; kept so this validator is
    // safe whatever the pubsub configuration.
    if (message.type !== 'unsigned') return this.count(TopicValidatorResult.Reject, GOSSIP_CODES.SIGNED_MESSAGE);
    // Cheap checks first: size before any parsing.
    if (message.data.byteLength > this.options.maxMessageBytes) {
      return this.count(TopicValidatorResult.Reject, GOSSIP_CODES.MESSAGE_TOO_LARGE);
    }
    const outcome = await this.submit(message.data);
    if (outcome.status === 'accept') {
      const result = this.admitted(message.data, outcome.value);
      this.scheduleRetry();
      return result;
    }
    const { code } = outcome.error;
    if (outcome.status === 'reject') return this.count(TopicValidatorResult.Reject, code);
    if (!NOT_YET_RESOLVABLE_CODES.has(code) || this.stopped) return this.count(TopicValidatorResult.Ignore, code);
    return this.buffer(peer.toString(), message.data, code);
  };

  private async submit(bytes: Uint8Array): Promise<SinkOutcome> {
    try {
      return await this.modules.sink.submit(bytes);
    } catch (error) {
      // A throwing sink is a local fault (storage, a bug): ignore, never penalise the peer.
      this.modules.logger?.warn('record sink failed', { error: String(error) });
      return { status: 'ignore', error: { code: GOSSIP_CODES.SINK_ERROR, message: String(error) } };
    }
  }

  /**
   * The validator result for a message whose record was admitted. Forward it as is only when what was
   * admitted is exactly what arrived; otherwise publish what was admitted (evidence, or the
   * canonical form) and let the original go no further.
   */
  private admitted(data: Uint8Array, admission: SinkAdmission): TopicValidatorResult {
    if (sameBytes(data, admission.bytes)) {
      increment(this.accepted, admission.kind);
      return TopicValidatorResult.Accept;
    }
    if (admission.kind === 'evidence') {
      this.track(
        this.broadcast(admission.bytes).then((sent) => {
          if (sent.ok) this.evidencePublished++;
        }),
      );
      return this.count(TopicValidatorResult.Ignore, GOSSIP_CODES.EQUIVOCATION);
    }
    this.track(this.broadcast(admission.bytes));
    return this.count(TopicValidatorResult.Ignore, GOSSIP_CODES.NOT_CANONICAL);
  }

  private count(result: TopicValidatorResult, code: string): TopicValidatorResult {
    if (result === TopicValidatorResult.Reject) increment(this.rejected, code);
    else if (result === TopicValidatorResult.Ignore) increment(this.ignored, code);
    return result;
  }

  /** Buffers a not-yet-resolvable record and holds its validation open for `holdMs`. */
  private buffer(source: string, data: Uint8Array, code: string): TopicValidatorResult | Promise<TopicValidatorResult> {
    const id = digestOf(data);
    const { added, dropped } = this.pending.add({ id, bytes: data, source, code });
    this.dropped(dropped);
    if (!added) return this.count(TopicValidatorResult.Ignore, code);
    this.pendingStats.buffered++;
    if (this.options.holdMs <= 0) return this.count(TopicValidatorResult.Ignore, code);
    return new Promise<TopicValidatorResult>((resolve) => {
      const timer = setTimeout(() => this.release(id, TopicValidatorResult.Ignore, code), this.options.holdMs);
      // A held validation must not keep the process alive.
      timer.unref?.();
      this.held.set(id, { settle: resolve, timer });
    });
  }

  /**
   * Settles a held validation (if still held) with `result`, counted under `code`; `null` when the
   * result was counted already.
   */
  private release(id: string, result: TopicValidatorResult, code: string | null): boolean {
    const held = this.held.get(id);
    if (!held) return false;
    this.held.delete(id);
    clearTimeout(held.timer);
    if (code !== null) this.count(result, code);
    held.settle(result);
    return true;
  }

  private dropped(records: { record: PendingRecord; reason: PendingDropReason }[]): void {
    for (const { record, reason } of records) {
      this.pendingStats[reason]++;
      this.release(record.id, TopicValidatorResult.Ignore, record.code);
    }
  }

  /** Retries the buffer after an admission; coalesces requests so one retry loop runs at a time. */
  private scheduleRetry(): void {
    if (this.stopped || this.pending.size === 0) return;
    this.retryRequested = true;
    if (this.retrying) return;
    this.retrying = true;
    this.track(
      this.retryPending().finally(() => {
        this.retrying = false;
      }),
    );
  }

  private async retryPending(): Promise<void> {
    // Loop while admissions happen: one recovered record may unlock another (accreditor → issuer →
    // status list), and a record accepted meanwhile by the validator sets retryRequested again.
    while (this.retryRequested && !this.stopped) {
      this.retryRequested = false;
      this.dropped(this.pending.expire().map((record) => ({ record, reason: 'expired' as const })));
      for (const record of this.pending.list()) {
        if (this.stopped) return;
        if (!this.pending.has(record.id)) continue;
        const outcome = await this.submit(record.bytes);
        if (outcome.status === 'ignore' && NOT_YET_RESOLVABLE_CODES.has(outcome.error.code)) continue;
        this.pending.take(record.id);
        if (outcome.status !== 'accept') {
          this.pendingStats.failed++;
          const result = outcome.status === 'reject' ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore;
          this.release(record.id, result, outcome.error.code);
          continue;
        }
        this.pendingStats.recovered++;
        this.retryRequested = true;
        await this.recovered(record, outcome.value);
      }
    }
  }

  /** Forwards a recovered record: through gossipsub's own path if its validation is still held, else by publishing. */
  private async recovered(record: PendingRecord, admission: SinkAdmission): Promise<void> {
    if (this.held.has(record.id)) {
      // admitted() counts the result itself.
      this.release(record.id, this.admitted(record.bytes, admission), null);
      return;
    }
    // The message was ignored when its hold ended; gossipsub will not forward it any more. Publish
    // what was admitted. Within gossipsub's seen-cache window (2 min) it refuses a message id it has
    // seen (GOSSIP_DUPLICATE, counted); anti-entropy then carries the record.
    const sent = await this.broadcast(admission.bytes);
    if (sent.ok && admission.kind === 'evidence' && !sameBytes(record.bytes, admission.bytes)) this.evidencePublished++;
  }

  /** Publishes admitted bytes on the topic, classifying failures instead of throwing. */
  private async broadcast(
    bytes: Uint8Array,
  ): Promise<{ ok: true; recipients: number } | { ok: false; code: string; message: string }> {
    const fail = (code: string, message: string) => {
      increment(this.publishFailed, code);
      return { ok: false as const, code, message };
    };
    // Peers would reject (and penalise us for) a message over the bound.
    if (bytes.byteLength > this.options.maxMessageBytes) {
      return fail(
        GOSSIP_CODES.MESSAGE_TOO_LARGE,
        `record is ${bytes.byteLength} bytes; the gossip limit is ${this.options.maxMessageBytes}`,
      );
    }
    if (this.stopped) return fail(GOSSIP_CODES.STOPPING, 'gossip is stopped');
    try {
      const result = await this.modules.pubsub.publish(this.topic, bytes);
      this.published++;
      return { ok: true, recipients: result.recipients.length };
    } catch (error) {
      // gossipsub reports these as plain Errors whose message is the reason.
      const message = error instanceof Error ? error.message : String(error);
      if (message === 'PublishError.NoPeersSubscribedToTopic')
        return fail(GOSSIP_CODES.NO_PEERS, 'no peer is subscribed to the topic');
      if (message === 'PublishError.Duplicate')
        return fail(GOSSIP_CODES.DUPLICATE, 'gossipsub has recently seen this message');
      this.modules.logger?.warn('gossip publish failed', { error: message });
      return fail(GOSSIP_CODES.PUBLISH_FAILED, message);
    }
  }

  private track(task: Promise<unknown>): void {
    const tracked = task.catch((error) => this.modules.logger?.warn('gossip task failed', { error: String(error) }));
    this.tasks.add(tracked);
    void tracked.finally(() => this.tasks.delete(tracked));
  }
}
