/**
 * Gossipsub settings for the records topic: no libp2p message signing, message id = content hash,
 * a size bound, and peer scoring tuned for a low-rate topic whose messages validate themselves.
 *
 * Score arithmetic (gossipsub v1.1 §"The Score Function"): a peer's score is
 * `Σ_topics topicWeight · (P1 + P2 + P3 + P3b + P4)` (positive part capped by `topicScoreCap`)
 * `+ P5 + P6 + P7`. Counters decay every `decayInterval` by the factors below.
 */
import { createHash } from 'node:crypto';
import type { GossipsubOpts, Message } from '@libp2p/gossipsub';
import type { PeerScoreParams, PeerScoreThresholds, TopicScoreParams } from '@libp2p/gossipsub/score';

/** Settings that shape the gossipsub instance of a node. */
export interface RecordGossipsubOptions {
  /** The records topic of this node's network (network/protocols.ts). */
  topic: string;
  /** Largest message accepted; larger ones are rejected (peer penalised). */
  maxMessageBytes: number;
  /** IPs exempt from the IP-colocation penalty (P6): loopback, where labs run many nodes on one host. */
  ipColocationWhitelist: string[];
}

/** Defaults of {@link RecordGossipsubOptions}. */
export const defaultRecordGossipsubOptions: Omit<RecordGossipsubOptions, 'topic'> = {
  // Records are capped at 256 KiB by the registry (limits.ts); 512 KiB leaves room for evidence,
  // which carries two records, while still bounding what a peer can make us buffer.
  maxMessageBytes: 512 * 1024,
  ipColocationWhitelist: ['127.0.0.1', '::1'],
};

// Room for the RPC envelope (protobuf framing, piggybacked control messages) around one message.
const RPC_FRAME_OVERHEAD_BYTES = 64 * 1024;

/** Counters decay once a second; the half-lives below are converted to per-interval factors. */
export const SCORE_DECAY_INTERVAL_MS = 1000;

/** The per-interval decay factor that halves a counter every `halfLifeMs`. */
export function decayFactor(halfLifeMs: number, intervalMs = SCORE_DECAY_INTERVAL_MS): number {
  return 0.5 ** (intervalMs / halfLifeMs);
}

const MINUTE = 60_000;

/**
 * Score thresholds. One invalid message costs 150 (P4 below); the thresholds are set so that
 * 1 invalid message is tolerated (an honest peer on other software may disagree once),
 * 2 stop gossip with the peer, 3 exclude it from our flood-publishing, 4 graylist it.
 */
export const RECORD_SCORE_THRESHOLDS: PeerScoreThresholds = {
  // Below this no IHAVE/IWANT is exchanged with the peer (2 invalid messages: -600).
  gossipThreshold: -400,
  // Below this our own records are not flood-published to the peer (3 invalid: -1350).
  publishThreshold: -800,
  // Below this every RPC from the peer is ignored (4 invalid: -2400).
  graylistThreshold: -1600,
  // PX is off (doPX: false); a positive value only matters if an operator turns it on.
  acceptPXThreshold: 100,
  // Opportunistic grafting when the mesh's median score falls below this: positive scores come
  // from P1/P2 only, so a small value.
  opportunisticGraftThreshold: 2,
};

/** Score parameters of the records topic. */
export function recordTopicScoreParams(): TopicScoreParams {
  return {
    topicWeight: 1,
    // P1 time in mesh: +0.1 per minute, up to +6 after an hour: a little credit for stable peers.
    timeInMeshWeight: 0.1,
    timeInMeshQuantum: MINUTE,
    timeInMeshCap: 60,
    // P2 first deliveries: +1 per record a peer is first to bring us, up to +10, half-life one hour
    // (records are rare, so credit must last between them).
    firstMessageDeliveriesWeight: 1,
    firstMessageDeliveriesDecay: decayFactor(60 * MINUTE),
    firstMessageDeliveriesCap: 10,
    // P3 mesh delivery rate: disabled. Records arrive minutes apart, so any delivery-rate floor would
    // punish honest, quiet mesh peers (lodestar disables P3 on its low-rate topics for this reason).
    meshMessageDeliveriesWeight: 0,
    meshMessageDeliveriesDecay: decayFactor(10 * MINUTE),
    meshMessageDeliveriesCap: 1,
    meshMessageDeliveriesThreshold: 1,
    meshMessageDeliveriesWindow: 10,
    meshMessageDeliveriesActivation: 10 * MINUTE,
    // P3b: follows P3, disabled with it.
    meshFailurePenaltyWeight: 0,
    meshFailurePenaltyDecay: decayFactor(10 * MINUTE),
    // P4 invalid messages: -150 · count², half-life 30 minutes. Only `reject` outcomes count
    // (malformed, forged, unauthorised records); `ignore` (stale, duplicate, not yet resolvable) never
    // does, so a peer that was partitioned is not punished (DESIGN.md, Network). Graylisted after 4;
    // recovers within the hour if it stops.
    invalidMessageDeliveriesWeight: -150,
    invalidMessageDeliveriesDecay: decayFactor(30 * MINUTE),
  };
}

/** Peer score parameters for a node subscribed to `topic` only. */
export function recordScoreParams(
  topic: string,
  options: Pick<RecordGossipsubOptions, 'ipColocationWhitelist'>,
): PeerScoreParams {
  return {
    topics: { [topic]: recordTopicScoreParams() },
    // Positive topic score is capped at 16 (P1 6 + P2 10): good standing never offsets even one
    // invalid message (-150).
    topicScoreCap: 16,
    // P5 application score: unused for now (anti-entropy misbehaviour may feed it later).
    appSpecificScore: () => 0,
    appSpecificWeight: 1,
    // P6 IP colocation: more than 10 peers from one IP cost -5 · (n - 10)² each (Sybil defence);
    // loopback is whitelisted for labs.
    IPColocationFactorWeight: -5,
    IPColocationFactorThreshold: 10,
    IPColocationFactorWhitelist: new Set(options.ipColocationWhitelist),
    // P7 behaviour (broken IWANT promises, GRAFT during backoff): tolerate 6 (slow links), then
    // -15 · excess², half-life 10 minutes.
    behaviourPenaltyWeight: -15,
    behaviourPenaltyThreshold: 6,
    behaviourPenaltyDecay: decayFactor(10 * MINUTE),
    decayInterval: SCORE_DECAY_INTERVAL_MS,
    decayToZero: 0.01,
    // Remember a disconnected peer's score for an hour, so reconnecting does not wash a penalty out.
    retainScore: 60 * MINUTE,
  };
}

/** Message id: SHA-256 of the message data, i.e. the record's content address (DESIGN.md, Network). */
export function contentMessageId(message: Message): Uint8Array {
  return createHash('sha256').update(message.data).digest();
}

/** Message ids as lower-case hex, so a gossip message id reads as the record digest. */
export function messageIdToHex(id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex');
}

/** The gossipsub init for a node of one network. */
export function recordGossipsubInit(options: RecordGossipsubOptions): Partial<GossipsubOpts> {
  return {
    // Records sign themselves; libp2p signatures would add bytes and tie a record to the relay that
    // first published it.
    globalSignaturePolicy: 'StrictNoSign',
    msgIdFn: contentMessageId,
    msgIdToStrFn: messageIdToHex,
    // Validation runs in a topic validator (RecordGossip) that returns Accept / Ignore / Reject;
    // gossipsub forwards only after Accept. asyncValidation (manual reporting) is not needed.
    asyncValidation: false,
    // Only our network's topic is tracked: messages and subscriptions for other topics (another
    // network's peers on a shared connection) are dropped before any processing.
    allowedTopics: [options.topic],
    // Frames larger than one maximal message plus envelope are not even decoded.
    maxInboundDataLength: options.maxMessageBytes + RPC_FRAME_OVERHEAD_BYTES,
    // Our own records go to every subscribed peer above publishThreshold, not just the mesh: a
    // revocation should reach everyone we know at once.
    floodPublish: true,
    // Not needed: floodsub peers do not score and would bypass the mesh rules.
    fallbackToFloodsub: false,
    doPX: false,
    emitSelf: false,
    scoreParams: recordScoreParams(options.topic, options),
    scoreThresholds: RECORD_SCORE_THRESHOLDS,
  };
}
