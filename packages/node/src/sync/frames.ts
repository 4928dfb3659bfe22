/**
 * Frames of the sync protocol (scheduler.ts documents the exchange): every frame is length-prefixed
 * (unsigned varint, as libp2p does) and starts with a type byte. This module holds the frame types,
 * the bounded frame reader/writer over a libp2p stream, and the codecs of the small payloads (id
 * lists, HELD hints, counts). It knows nothing about records.
 */
import type { Stream } from '@libp2p/interface';
import { type LengthPrefixedStream, lpStream } from '@libp2p/utils';
import { MAX_STORE_KEY_BYTES } from '@trustmesh/registry';
import { ByteReader, ByteWriter, varintLength } from './bytes.ts';
import type { SessionDeadline } from './session-deadline.ts';
import { malformed, SYNC_CODES, SyncError } from './sync-errors.ts';
import { WIRE_ID_BYTES } from './sync-index.ts';

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
  /** One chunk of a record too large for a RECORD frame (record-transfer.ts). */
  RECORD_PART: 10,
  /** One chunk of a record too large for a PUSH frame (record-transfer.ts). */
  PUSH_PART: 11,
} as const;

/** Longest version string accepted in a HELD hint (the store's are 1–16 digits). */
const MAX_VERSION_BYTES = 64;

/** One frame: its type byte and payload. */
export interface Frame {
  type: number;
  payload: Uint8Array;
}

/** Frames over a libp2p stream, length-prefixed, counted, bounded and cancellable. */
export class FrameIo {
  bytesSent = 0;
  bytesReceived = 0;
  private readonly lp: LengthPrefixedStream<Stream>;

  /**
   * @param maxFrameBytes the largest frame (type byte included) sent or accepted
   * @param deadline the session's deadline, which chunked transfers push back (session-deadline.ts)
   */
  constructor(
    readonly stream: Stream,
    readonly maxFrameBytes: number,
    private readonly signal: AbortSignal,
    readonly deadline?: SessionDeadline,
  ) {
    // The buffer bound is what a peer can make us hold before we read it: a few frames' worth.
    this.lp = lpStream(stream, { maxDataLength: maxFrameBytes, maxBufferSize: 8 * maxFrameBytes });
  }

  async send(type: number, payload: Uint8Array): Promise<void> {
    return this.sendParts(type, payload);
  }

  /**
   * Sends one frame whose payload is `parts` joined: each part is copied once, into the frame (a
   * chunk is sent as a view into its record, never through an intermediate payload).
   */
  async sendParts(type: number, ...parts: Uint8Array[]): Promise<void> {
    let length = 1;
    for (const part of parts) length += part.byteLength;
    // Never send what the peer must refuse.
    if (length > this.maxFrameBytes) {
      throw new SyncError(SYNC_CODES.MESSAGE_TOO_LARGE, `frame of ${length} bytes exceeds ${this.maxFrameBytes}`);
    }
    const frame = new Uint8Array(length);
    frame[0] = type;
    let at = 1;
    for (const part of parts) {
      frame.set(part, at);
      at += part.byteLength;
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

export function encodeIds(ids: readonly Uint8Array[]): Uint8Array {
  const out = new ByteWriter(5 + ids.length * WIRE_ID_BYTES).varint(ids.length);
  for (const id of ids) out.bytes(id.subarray(0, WIRE_ID_BYTES));
  return out.finish();
}

export function decodeIds(payload: Uint8Array, maxIds: number): Uint8Array[] {
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
export interface HeldHint {
  key: string;
  version: string;
}

const UTF8 = new TextEncoder();
const UTF8_STRICT = new TextDecoder('utf-8', { fatal: true });

/** Encodes hints into HELD payloads of at most `maxEntries` entries and about `maxBytes` bytes each. */
export function encodeHeld(hints: readonly HeldHint[], maxEntries: number, maxBytes: number): Uint8Array[] {
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

export function decodeHeld(payload: Uint8Array, maxEntries: number): HeldHint[] {
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

export function encodeCounts(...values: number[]): Uint8Array {
  const out = new ByteWriter(16);
  for (const value of values) out.varint(value);
  return out.finish();
}

export function decodeCounts(payload: Uint8Array, count: number, what: string): number[] {
  const reader = new ByteReader(payload);
  const values: number[] = [];
  for (let i = 0; i < count; i++) values.push(reader.varint(what));
  if (!reader.done) throw malformed(`${what}: trailing bytes`);
  return values;
}

/** What an END frame reports: ids not found, skipped as older than the peer's, and deferred. */
export interface EndCounts {
  missing: number;
  older: number;
  /** Records held but not sent: the round's byte budget was spent; the next round asks again. */
  deferred: number;
}

/**
 * Encodes an END payload. The third count is written only when non-zero, so an END is the same two
 * counts as before whenever no record was deferred (nodes of the two-count format read it).
 */
export function encodeEnd({ missing, older, deferred }: EndCounts): Uint8Array {
  return deferred > 0 ? encodeCounts(missing, older, deferred) : encodeCounts(missing, older);
}

/** Decodes an END payload of two or three counts. */
export function decodeEnd(payload: Uint8Array): EndCounts {
  const reader = new ByteReader(payload);
  const missing = reader.varint('END');
  const older = reader.varint('END');
  const deferred = reader.done ? 0 : reader.varint('END');
  if (!reader.done) throw malformed('END: trailing bytes');
  return { missing, older, deferred };
}
