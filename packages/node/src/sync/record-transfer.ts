/**
 * Records larger than a frame (issue 14: national CRLs of tens of MB). A record whose frame would
 * exceed the frame bound goes as a run of chunk frames — RECORD_PART for a served record, PUSH_PART
 * for a pushed one — each carrying
 *
 *     transfer  varint   the sender's number for this record, increasing within a session
 *     total     varint   the record's length in bytes, the same in every chunk
 *     offset    varint   where this chunk starts: the bytes sent before it
 *     chunk     bytes    the rest of the frame, at least one byte
 *
 * and the receiver treats the assembled bytes exactly as one RECORD (or PUSH) frame. Records that
 * fit in a frame still go as one RECORD or PUSH frame, so nothing changes on the wire for them.
 * This module is generic over bytes: it knows no record kind.
 *
 * Bounds on the receiving side, so a hostile peer cannot make this node hold what it did not send:
 *
 * - [REJECT] `total` ≤ `maxLargeRecordBytes`, checked on the first chunk before a byte is kept
 *   (SYNC_RECORD_TOO_LARGE); the caller checks the round's byte budget then too;
 * - [REJECT] one transfer at a time per session: a chunk of another transfer while one is open is
 *   SYNC_CONCURRENT_TRANSFER, and any other frame before the last chunk is SYNC_TRANSFER_INCOMPLETE;
 * - [REJECT] chunks arrive in order, back to back: a gap, an overlap, a changed total or a transfer
 *   number that does not increase is SYNC_CHUNK_OUT_OF_ORDER; a chunk past `total` is
 *   SYNC_CHUNK_OVERFLOW;
 * - node-wide, open transfers may together declare at most `maxAssemblyBytes`; one that does not
 *   fit is refused with SYNC_BUSY, which is counted as a failure, not as the peer's violation;
 * - memory grows with the bytes received (doubling, capped at `total`), never with the declared
 *   total alone, and the SHA-256 digest is computed chunk by chunk, so nothing passes over a whole
 *   large record synchronously;
 * - every chunk moved, in either direction, earns the session time at the minimum throughput
 *   (session-deadline.ts), so a slow dribble is cut off and an honest large transfer is not.
 *
 * Every violation aborts the session and is counted by code like any malformed frame.
 */
import { createHash, type Hash } from 'node:crypto';
import type { AntiEntropyCounters } from './anti-entropy-types.ts';
import { ByteReader, ByteWriter } from './bytes.ts';
import type { FrameIo } from './frames.ts';
import { malformed, SYNC_CODES, SyncError } from './sync-errors.ts';

/** The most bytes a chunk header (three 32-bit varints) takes. */
export const PART_HEADER_MAX_BYTES = 15;

/** First allocation of an assembly buffer; it doubles from there as bytes arrive, up to the total. */
const INITIAL_BUFFER_BYTES = 1024 * 1024;

/** A chunked record, complete: its bytes and their SHA-256 (hex). */
export interface AssembledRecord {
  bytes: Uint8Array;
  digest: string;
}

/** Bytes of a record as a chunk's payload: its header fields and the chunk. */
export function encodePartHeader(transfer: number, total: number, offset: number): Uint8Array {
  return new ByteWriter(PART_HEADER_MAX_BYTES).varint(transfer).varint(total).varint(offset).finish();
}

/** The most record bytes one chunk frame of `maxFrameBytes` (type byte included) can carry. */
export function chunkCapacity(maxFrameBytes: number): number {
  return maxFrameBytes - 1 - PART_HEADER_MAX_BYTES;
}

/** Node-wide counts of chunked transfers (the `chunked` counters of anti-entropy). */
export type ChunkCounters = AntiEntropyCounters['chunked'];

/** Sends records over a session, whole when they fit in a frame, else in chunks. */
export class RecordSender {
  private nextTransfer = 0;

  /**
   * @param whole the frame type of a record that fits (RECORD or PUSH)
   * @param part the frame type of its chunks (RECORD_PART or PUSH_PART)
   * @param counters where chunks and chunked records sent are counted
   */
  constructor(
    private readonly io: FrameIo,
    private readonly whole: number,
    private readonly part: number,
    private readonly counters: ChunkCounters,
  ) {}

  /** Sends one record. Each chunk is an awaited write, so the stream's backpressure paces it. */
  async send(bytes: Uint8Array): Promise<void> {
    if (1 + bytes.byteLength <= this.io.maxFrameBytes) {
      await this.io.send(this.whole, bytes);
      return;
    }
    const transfer = this.nextTransfer++;
    const capacity = chunkCapacity(this.io.maxFrameBytes);
    for (let offset = 0; offset < bytes.byteLength; offset += capacity) {
      const chunk = bytes.subarray(offset, Math.min(offset + capacity, bytes.byteLength));
      await this.io.sendParts(this.part, encodePartHeader(transfer, bytes.byteLength, offset), chunk);
      this.io.deadline?.credit(chunk.byteLength);
      this.counters.chunksSent++;
    }
    this.counters.recordsSent++;
  }
}

/**
 * The node-wide bound on chunked records being assembled at once, over every session: a transfer
 * reserves its declared total when it opens and releases it when it completes or its session ends.
 */
export class AssemblyBudget {
  private reservedBytes = 0;

  /** @param maxBytes the most bytes of open transfers at once (`maxAssemblyBytes`) */
  constructor(readonly maxBytes: number) {}

  /** Bytes reserved by open transfers now. */
  get reserved(): number {
    return this.reservedBytes;
  }

  /** Reserves `bytes` if they fit; false otherwise. */
  tryReserve(bytes: number): boolean {
    if (this.reservedBytes + bytes > this.maxBytes) return false;
    this.reservedBytes += bytes;
    return true;
  }

  /** Returns a reservation. */
  release(bytes: number): void {
    this.reservedBytes -= bytes;
  }
}

interface Transfer {
  id: number;
  total: number;
  received: number;
  buffer: Uint8Array;
  hash: Hash;
}

/** Assembles the chunked records of one session, one at a time, within the bounds above. */
export class RecordAssembler {
  private current: Transfer | null = null;
  private lastTransfer = -1;

  /**
   * @param maxRecordBytes the largest total a transfer may declare (`maxLargeRecordBytes`)
   * @param io the session's frames, whose deadline received chunks push back
   * @param counters where chunks and chunked records received are counted
   * @param budget the node-wide bound on open transfers (none: only `maxRecordBytes` per session)
   */
  constructor(
    private readonly maxRecordBytes: number,
    private readonly io: Pick<FrameIo, 'deadline'>,
    private readonly counters: ChunkCounters,
    private readonly budget?: AssemblyBudget,
  ) {}

  /** Drops an open transfer and returns its reservation (the session ended). */
  dispose(): void {
    if (this.current) this.budget?.release(this.current.total);
    this.current = null;
  }

  /** True while a transfer is open. */
  get busy(): boolean {
    return this.current !== null;
  }

  /** Throws unless no transfer is open; called before acting on any frame that is not a chunk. */
  idle(frameName: string): void {
    const open = this.current;
    // [REJECT] a transfer is finished before anything else is sent: SYNC_TRANSFER_INCOMPLETE.
    if (open) {
      throw new SyncError(
        SYNC_CODES.TRANSFER_INCOMPLETE,
        `${frameName} arrived after ${open.received} of the ${open.total} bytes of transfer ${open.id}`,
      );
    }
  }

  /**
   * Takes one chunk payload. Returns the record once its last chunk arrived, else null. `opening`
   * is called with the declared total when a transfer starts, before any of its bytes is kept (the
   * caller's round budget: it throws to refuse).
   */
  take(payload: Uint8Array, opening?: (total: number) => void): AssembledRecord | null {
    const reader = new ByteReader(payload);
    const id = reader.varint('transfer number');
    const total = reader.varint('transfer length');
    const offset = reader.varint('chunk offset');
    const chunk = reader.rest();
    if (chunk.byteLength === 0) throw malformed(`transfer ${id}: empty chunk`);
    this.counters.chunksReceived++;
    let transfer = this.current;
    if (transfer === null) {
      if (id <= this.lastTransfer) {
        throw new SyncError(
          SYNC_CODES.CHUNK_OUT_OF_ORDER,
          `transfer ${id} does not follow transfer ${this.lastTransfer}`,
        );
      }
      // [REJECT] the declared total is bounded before anything is allocated: SYNC_RECORD_TOO_LARGE.
      if (total > this.maxRecordBytes) {
        throw new SyncError(
          SYNC_CODES.RECORD_TOO_LARGE,
          `transfer ${id} declares ${total} bytes; the bound is ${this.maxRecordBytes}`,
        );
      }
      if (offset !== 0) throw new SyncError(SYNC_CODES.CHUNK_OUT_OF_ORDER, `transfer ${id} starts at offset ${offset}`);
      opening?.(total);
      // Not the peer's fault: other sessions hold the room. SYNC_BUSY, counted but no violation.
      if (this.budget && !this.budget.tryReserve(total)) {
        throw new SyncError(
          SYNC_CODES.BUSY,
          `${this.budget.reserved} of ${this.budget.maxBytes} bytes of transfers are open; transfer ${id} needs ${total}`,
        );
      }
      transfer = {
        id,
        total,
        received: 0,
        buffer: new Uint8Array(Math.min(total, INITIAL_BUFFER_BYTES)),
        hash: createHash('sha256'),
      };
      this.current = transfer;
    } else {
      // [REJECT] one transfer at a time per session: SYNC_CONCURRENT_TRANSFER.
      if (id !== transfer.id) {
        throw new SyncError(
          SYNC_CODES.CONCURRENT_TRANSFER,
          `a chunk of transfer ${id} arrived while transfer ${transfer.id} is open`,
        );
      }
      if (total !== transfer.total) {
        throw new SyncError(
          SYNC_CODES.CHUNK_OUT_OF_ORDER,
          `transfer ${id} declared ${transfer.total} bytes, now ${total}`,
        );
      }
      // [REJECT] chunks are back to back: a gap or an overlap is SYNC_CHUNK_OUT_OF_ORDER.
      if (offset !== transfer.received) {
        throw new SyncError(
          SYNC_CODES.CHUNK_OUT_OF_ORDER,
          `transfer ${id}: chunk at offset ${offset}, expected ${transfer.received}`,
        );
      }
    }
    const end = offset + chunk.byteLength;
    // [REJECT] nothing beyond the declared total: SYNC_CHUNK_OVERFLOW.
    if (end > transfer.total) {
      throw new SyncError(
        SYNC_CODES.CHUNK_OVERFLOW,
        `transfer ${id}: chunk ends at ${end}, past its ${transfer.total} bytes`,
      );
    }
    if (end > transfer.buffer.byteLength) {
      const grown = new Uint8Array(Math.min(transfer.total, Math.max(2 * transfer.buffer.byteLength, end)));
      grown.set(transfer.buffer.subarray(0, transfer.received));
      transfer.buffer = grown;
    }
    transfer.buffer.set(chunk, offset);
    transfer.hash.update(chunk);
    transfer.received = end;
    this.io.deadline?.credit(chunk.byteLength);
    if (end < transfer.total) return null;
    this.current = null;
    this.budget?.release(transfer.total);
    this.lastTransfer = id;
    this.counters.recordsReceived++;
    // The buffer's capacity never exceeds the total, so it is exactly the record.
    return { bytes: transfer.buffer, digest: transfer.hash.digest('hex') };
  }
}
