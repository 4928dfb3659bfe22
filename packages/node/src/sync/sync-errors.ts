/**
 * Typed errors of anti-entropy. Codes are stable strings: metrics label violations by them and tests
 * assert them, never the free-text message.
 */

/** Every code an anti-entropy session can fail with. */
export const SYNC_CODES = {
  /** A message could not be decoded (bad varint, truncated field, unknown mode or frame type, bad UTF-8). */
  MALFORMED: 'SYNC_MALFORMED',
  /** A frame was larger than `maxMessageBytes`. */
  MESSAGE_TOO_LARGE: 'SYNC_MESSAGE_TOO_LARGE',
  /** A reconciliation message held more ranges than `maxRangesPerMessage`. */
  TOO_MANY_RANGES: 'SYNC_TOO_MANY_RANGES',
  /** A message held more item ids than `maxIdsPerMessage`. */
  TOO_MANY_IDS: 'SYNC_TOO_MANY_IDS',
  /** Range bounds were not strictly increasing, or a range followed the end of the key space. */
  BAD_BOUNDS: 'SYNC_BAD_BOUNDS',
  /** A frame arrived that the protocol does not allow at this point of the session. */
  UNEXPECTED_FRAME: 'SYNC_UNEXPECTED_FRAME',
  /** Reconciliation went on for more than `maxReconcileRounds` exchanges. */
  TOO_MANY_ROUNDS: 'SYNC_TOO_MANY_ROUNDS',
  /** A peer asked for, sent or pushed more records (or record bytes) than a round allows. */
  TOO_MANY_RECORDS: 'SYNC_TOO_MANY_RECORDS',
  /** The peer started rounds more often than `minRoundIntervalMs`. */
  RATE_LIMITED: 'SYNC_RATE_LIMITED',
  /** More inbound sessions than `maxConcurrentSessions` were open. */
  TOO_MANY_SESSIONS: 'SYNC_TOO_MANY_SESSIONS',
  /** The session exceeded `sessionTimeoutMs` (or the node stopped). */
  TIMEOUT: 'SYNC_TIMEOUT',
  /** This node stopped while the session ran. */
  STOPPED: 'SYNC_STOPPED',
  /** The stream failed or closed early (dial failure, reset, end of stream). */
  STREAM: 'SYNC_STREAM_ERROR',
  /**
   * A PUSH the reconciliation had not shown to be wanted: before any difference was found, a
   * record the responder holds, or more records than the differing ranges can hold.
   */
  UNWANTED_PUSH: 'SYNC_UNWANTED_PUSH',
  /** The peer's sessions are refused for a while: its last pushes did not resolve here. */
  PEER_PENALISED: 'SYNC_PEER_PENALISED',
  /** This node's store failed while admitting records: not the peer's fault. */
  LOCAL_FAULT: 'SYNC_LOCAL_FAULT',
  /** A chunked record declared a total length above `maxLargeRecordBytes` (record-transfer.ts). */
  RECORD_TOO_LARGE: 'SYNC_RECORD_TOO_LARGE',
  /** A chunk did not start where the bytes received so far end (a gap or an overlap), or changed the declared total. */
  CHUNK_OUT_OF_ORDER: 'SYNC_CHUNK_OUT_OF_ORDER',
  /** A chunk reached beyond the total length its transfer declared. */
  CHUNK_OVERFLOW: 'SYNC_CHUNK_OVERFLOW',
  /** Another frame arrived (or the stream ended) before a chunked record was complete. */
  TRANSFER_INCOMPLETE: 'SYNC_TRANSFER_INCOMPLETE',
  /** A chunk of a second transfer arrived while one was still being assembled (one at a time per session). */
  CONCURRENT_TRANSFER: 'SYNC_CONCURRENT_TRANSFER',
  /** Other sessions' chunked transfers fill `maxAssemblyBytes`: not the peer's fault; a later round goes on. */
  BUSY: 'SYNC_BUSY',
} as const;

/** One of {@link SYNC_CODES}. */
export type SyncCode = (typeof SYNC_CODES)[keyof typeof SYNC_CODES];

/** An anti-entropy failure with a stable code. */
export class SyncError extends Error {
  /** Stable code, e.g. `SYNC_MALFORMED`. */
  readonly code: SyncCode;

  constructor(code: SyncCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'SyncError';
    this.code = code;
  }
}

/** Shorthand for throwing a malformed-message error. */
export function malformed(message: string): SyncError {
  return new SyncError(SYNC_CODES.MALFORMED, message);
}
