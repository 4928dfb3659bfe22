/**
 * Record gossip: the network's records travel on one gossipsub topic as their canonical bytes, and
 * every node validates before it forwards (DESIGN.md, Principles §1 and Network). The topic validator
 * hands each message to the node's admission layer (admission/record-admission.ts, which submits it
 * to the registry) and maps its outcome:
 *
 * - accept → Accept: stored, delivered, forwarded to the mesh;
 * - ignore → Ignore: stale, duplicate or not yet resolvable; dropped without penalty;
 * - reject → Reject: malformed, forged or unauthorised; dropped, and the sender's score pays (P4);
 * - a local fault (storage) → Ignore: never the sender's fault.
 *
 * Two refinements: a record the registry turned into equivocation *evidence* is not forwarded itself —
 * the evidence is published instead, so every node learns of the misbehaviour; and a record that the
 * admission layer buffered as not yet resolvable has its validation held open briefly, so that when
 * what it awaits arrives (by any path) it is accepted and forwarded by gossipsub itself.
 */
import { createHash } from 'node:crypto';
import { type GossipSub, type Message, TopicValidatorResult } from '@libp2p/gossipsub';
import type { PeerId } from '@libp2p/interface';
import type { Admission } from '@trustmesh/registry';
import type { PendingRecord } from '../admission/pending-records.ts';
import type { AdmitOutcome, Recovery } from '../admission/record-admission.ts';
import { recordsTopic } from '../network/protocols.ts';
import { defaultRecordGossipsubOptions } from './gossipsub-config.ts';

/** What gossip needs of the admission layer (admission/record-admission.ts fits). */
export interface GossipAdmission {
  /** Admits one record from a peer; a retryable one may be buffered. Never throws. */
  submit(bytes: Uint8Array, source: { path: 'gossip'; peer: string }): Promise<AdmitOutcome>;
  /** Calls `listener` when a buffered record is released. Returns a remover. */
  onRecovered(listener: (recovery: Recovery) => void): () => void;
  /** Calls `listener` when a buffered record leaves unresolved. Returns a remover. */
  onDropped(listener: (record: PendingRecord, reason: string) => void): () => void;
}

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
  /** Admission failed locally (a store fault): never the peer's fault (ignore). */
  LOCAL_FAULT: 'GOSSIP_LOCAL_FAULT',
  /** The node is stopping (ignore). */
  STOPPING: 'GOSSIP_STOPPING',
  /** Publish: no peer is subscribed to the topic; the record is stored locally only. */
  NO_PEERS: 'GOSSIP_NO_PEERS',
  /** Publish: gossipsub has seen this message id recently and will not send it again. */
  DUPLICATE: 'GOSSIP_DUPLICATE',
  /** Publish: any other gossipsub failure. */
  PUBLISH_FAILED: 'GOSSIP_PUBLISH_FAILED',
  /**
   * Publish: the record is larger than `maxMessageBytes` (a large CRL, issue 14), so it is not
   * gossiped — peers would reject it — and travels by anti-entropy only, in chunks. A skip, not a
   * failure: counted in `skipped`.
   */
  TOO_LARGE_FOR_GOSSIP: 'GOSSIP_TOO_LARGE_ANTI_ENTROPY_ONLY',
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
}

/** Defaults of {@link RecordGossipOptions}. */
export const defaultRecordGossipOptions: Omit<RecordGossipOptions, 'networkId'> = {
  maxMessageBytes: defaultRecordGossipsubOptions.maxMessageBytes,
  holdMs: 2_000,
};

/** Minimal logger for events an operator may want to see. */
export interface GossipLogger {
  warn(message: string, details?: Record<string, unknown>): void;
  /** Events that are expected but worth a line (a record too large to gossip); `warn` when absent. */
  info?(message: string, details?: Record<string, unknown>): void;
}

/** What a {@link RecordGossip} depends on. */
export interface RecordGossipModules {
  /** The libp2p gossipsub service, configured with recordGossipsubInit(). */
  pubsub: GossipSub;
  /** The node's admission layer: every message goes through it to the registry. */
  admission: GossipAdmission;
  logger?: GossipLogger;
}

/** Result of {@link RecordGossip.announce}. */
export type PublishReport =
  /** Admitted locally and sent to `recipients` peers. */
  | { status: 'published'; digest: string; recipients: number }
  /** Admitted locally but not sent (no peers, duplicate, too large, ...): anti-entropy will carry it. */
  | { status: 'stored'; digest: string; code: string; message: string }
  /** Not admitted locally, so not sent. */
  | { status: 'ignore' | 'reject'; code: string; message: string };

/** Plain counters of what gossip did, for tests, logs and metrics. */
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
  /** Records deliberately not gossiped, by code (too large for a message: anti-entropy carries them). */
  skipped: Record<string, number>;
  /** Evidence records published after an incoming record proved equivocation. */
  evidencePublished: number;
  /** Validations held open now, while their record waits in the admission layer's buffer. */
  held: number;
}

/** What gossip forwards of an admitted record: its kind, content address and canonical bytes. */
type Admitted = Pick<Admission, 'kind' | 'digest' | 'bytes'>;

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

function digestOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Most admitted records kept for sending once a peer subscribes. */
const MAX_UNSENT = 1024;

interface Held {
  settle: (result: TopicValidatorResult) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Gossip of one network's records over gossipsub, validated through the admission layer. */
export class RecordGossip {
  readonly options: RecordGossipOptions;
  /** The gossipsub topic. */
  readonly topic: string;
  private readonly modules: RecordGossipModules;
  // Validations held open, by message id, until what their record awaits arrives or the hold ends.
  private readonly held = new Map<string, Held>();
  private readonly tasks = new Set<Promise<unknown>>();
  private readonly unlisten: (() => void)[] = [];
  // Admitted records that could not go out for lack of subscribed peers (a node just started or
  // restarted, before its mesh formed): sent as soon as a peer subscribes (issue 10).
  private readonly unsent = new Map<string, Uint8Array>();
  private started = false;
  private stopped = false;

  private readonly accepted = new Map<string, number>();
  private readonly ignored = new Map<string, number>();
  private readonly rejected = new Map<string, number>();
  private readonly publishFailed = new Map<string, number>();
  private readonly skipped = new Map<string, number>();
  private published = 0;
  private evidencePublished = 0;

  constructor(
    options: Partial<RecordGossipOptions> & Pick<RecordGossipOptions, 'networkId'>,
    modules: RecordGossipModules,
  ) {
    this.options = { ...defaultRecordGossipOptions, ...options };
    this.topic = recordsTopic(this.options.networkId);
    this.modules = modules;
  }

  /** Installs the topic validator and subscribes. The pubsub service must be started. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.unlisten.push(
      this.modules.admission.onRecovered((recovery) => this.track(this.recovered(recovery))),
      this.modules.admission.onDropped((record) => this.release(record.id, TopicValidatorResult.Ignore, record.code)),
    );
    this.modules.pubsub.topicValidators.set(this.topic, this.validate);
    this.modules.pubsub.addEventListener('subscription-change', this.onSubscriptionChange);
    this.unlisten.push(() => this.modules.pubsub.removeEventListener('subscription-change', this.onSubscriptionChange));
    this.modules.pubsub.subscribe(this.topic);
  }

  /**
   * Settles held validations (ignore) and waits for work in flight; the node stops libp2p next.
   *
   * It does not leave the topic. Leaving sends each mesh peer a PRUNE with a backoff (gossipsub
   * v1.1, "PRUNE Backoff and Peer Exchange"; @libp2p/gossipsub's unsubscribe backoff is 10 s), and a
   * node restarted within it — the same peer id, from its data directory — GRAFTs during that
   * backoff, which the peer answers with a PRUNE of the full backoff (60 s) and a behaviour penalty
   * (P7): a minute out of every mesh, and NO_MESH_PEERS in /health, after a graceful restart, when a
   * kill -9 costs nothing. Closing the
   * connections (libp2p.stop) takes it out of its peers' meshes without a backoff. Until then the
   * validator stays installed and ignores every message (`stopped`), so nothing unvalidated is
   * forwarded.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const off of this.unlisten.splice(0)) off();
    for (const id of [...this.held.keys()]) this.release(id, TopicValidatorResult.Ignore, GOSSIP_CODES.STOPPING);
    await Promise.allSettled([...this.tasks]);
  }

  /**
   * Gossips a record already admitted (the admission layer's `submitAndPublish` is the one publish
   * path and calls this). The report says what happened; a record not sent (no peers yet) stays
   * stored and anti-entropy will carry it.
   */
  async announce(admission: Admitted): Promise<PublishReport> {
    const sent = await this.broadcast(admission.bytes, admission.digest);
    if (sent.ok) return { status: 'published', digest: admission.digest, recipients: sent.recipients };
    if (sent.code === GOSSIP_CODES.NO_PEERS) this.keepUnsent(admission.digest, admission.bytes);
    return { status: 'stored', digest: admission.digest, code: sent.code, message: sent.message };
  }

  /** Records waiting for a subscribed peer to be sent to. */
  get unsentCount(): number {
    return this.unsent.size;
  }

  private keepUnsent(digest: string, bytes: Uint8Array): void {
    this.unsent.set(digest, bytes);
    // Bounded: the oldest go first; anti-entropy carries whatever is dropped here.
    for (const key of this.unsent.keys()) {
      if (this.unsent.size <= MAX_UNSENT) break;
      this.unsent.delete(key);
    }
  }

  // A peer subscribed (or left): send what could not go out for lack of peers.
  private readonly onSubscriptionChange = (): void => {
    if (this.unsent.size === 0 || this.stopped || this.subscribers().length === 0) return;
    const waiting = [...this.unsent];
    this.unsent.clear();
    this.track(
      (async () => {
        for (const [digest, bytes] of waiting) {
          const sent = await this.broadcast(bytes, digest);
          if (!sent.ok && sent.code === GOSSIP_CODES.NO_PEERS) this.keepUnsent(digest, bytes);
        }
      })(),
    );
  };

  /** A snapshot of the counters. */
  counters(): GossipCounters {
    return {
      accepted: Object.fromEntries(this.accepted),
      ignored: Object.fromEntries(this.ignored),
      rejected: Object.fromEntries(this.rejected),
      published: this.published,
      publishFailed: Object.fromEntries(this.publishFailed),
      skipped: Object.fromEntries(this.skipped),
      evidencePublished: this.evidencePublished,
      held: this.held.size,
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
    // [REJECT] StrictNoSign already refuses signed messages before validators run; kept so this
    // validator is safe whatever the pubsub configuration.
    if (message.type !== 'unsigned') return this.count(TopicValidatorResult.Reject, GOSSIP_CODES.SIGNED_MESSAGE);
    // [REJECT] Cheap checks first: size before any parsing.
    if (message.data.byteLength > this.options.maxMessageBytes) {
      return this.count(TopicValidatorResult.Reject, GOSSIP_CODES.MESSAGE_TOO_LARGE);
    }
    const outcome = await this.modules.admission.submit(message.data, { path: 'gossip', peer: peer.toString() });
    if (outcome.status === 'accept') return this.admitted(message.data, outcome.value);
    // [IGNORE] a local fault says nothing about the message or its sender.
    if (outcome.status === 'fault') return this.count(TopicValidatorResult.Ignore, GOSSIP_CODES.LOCAL_FAULT);
    const { code } = outcome.error;
    // [REJECT] malformed, forged or unauthorised: the sender's score pays (P4).
    if (outcome.status === 'reject') return this.count(TopicValidatorResult.Reject, code);
    // [IGNORE] buffered until what it awaits arrives: the validation is held briefly so that if it
    // arrives meanwhile, gossipsub accepts and forwards the record itself.
    if (outcome.buffered && !this.stopped) return this.hold(digestOf(message.data), code);
    return this.count(TopicValidatorResult.Ignore, code);
  };

  /**
   * The validator result for a message whose record was admitted. Forward it as is only when what was
   * admitted is exactly what arrived; otherwise publish what was admitted (evidence, or the
   * canonical form) and let the original go no further.
   */
  private admitted(data: Uint8Array, admission: Admitted): TopicValidatorResult {
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

  /** Holds the validation of a buffered record open for `holdMs`. */
  private hold(id: string, code: string): TopicValidatorResult | Promise<TopicValidatorResult> {
    if (this.options.holdMs <= 0 || this.held.has(id)) return this.count(TopicValidatorResult.Ignore, code);
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

  /**
   * A buffered record was released by the admission layer: forwarded through gossipsub's own path
   * if its validation is still held; published if admitted after its hold ended; else its hold settled.
   */
  private async recovered({ record, outcome }: Recovery): Promise<void> {
    if (outcome.status !== 'accept') {
      const result = outcome.status === 'reject' ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore;
      this.release(record.id, result, outcome.status === 'fault' ? GOSSIP_CODES.LOCAL_FAULT : outcome.error.code);
      return;
    }
    if (this.held.has(record.id)) {
      // admitted() counts the result itself.
      this.release(record.id, this.admitted(record.bytes, outcome.value), null);
      return;
    }
    // The message was ignored when its hold ended; gossipsub will not forward it any more. Publish
    // what was admitted. Within gossipsub's seen-cache window (2 min) it refuses a message id it has
    // seen (GOSSIP_DUPLICATE, counted); anti-entropy then carries the record.
    const sent = await this.broadcast(outcome.value.bytes, outcome.value.digest);
    if (sent.ok && outcome.value.kind === 'evidence' && !sameBytes(record.bytes, outcome.value.bytes))
      this.evidencePublished++;
  }

  /** Publishes admitted bytes (of content hash `digest`, for logs) on the topic, classifying failures instead of throwing. */
  private async broadcast(
    bytes: Uint8Array,
    digest?: string,
  ): Promise<{ ok: true; recipients: number } | { ok: false; code: string; message: string }> {
    const fail = (code: string, message: string) => {
      increment(this.publishFailed, code);
      return { ok: false as const, code, message };
    };
    // Peers would reject (and penalise us for) a message over the bound. Such a record (a large
    // CRL) is admitted and stored all the same; anti-entropy carries it in chunks (sync/record-transfer.ts).
    if (bytes.byteLength > this.options.maxMessageBytes) {
      const code = GOSSIP_CODES.TOO_LARGE_FOR_GOSSIP;
      const message = `record is ${bytes.byteLength} bytes, over gossip's ${this.options.maxMessageBytes}-byte bound: not gossiped, anti-entropy carries it`;
      increment(this.skipped, code);
      // No hashing here: the caller's digest, if any (a pass over 100 MB would hold the event loop).
      const details = { code, digest, bytes: bytes.byteLength, maxMessageBytes: this.options.maxMessageBytes };
      const logger = this.modules.logger;
      if (logger?.info) logger.info('record not gossiped: too large', details);
      else logger?.warn('record not gossiped: too large', details);
      return { ok: false as const, code, message };
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
