/**
 * The chunk codec of anti-entropy (sync/record-transfer.ts), without a network: what a RecordSender
 * writes a RecordAssembler rebuilds byte for byte, whatever the frame size; records that fit go in
 * one frame; arbitrary chunk payloads fail only with a SyncError; END keeps its two-count form.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { AntiEntropyCounters } from '../../src/sync/anti-entropy-types.ts';
import { decodeEnd, encodeCounts, encodeEnd, type FrameIo, SYNC_FRAME } from '../../src/sync/frames.ts';
import { AssemblyBudget, encodePartHeader, RecordAssembler, RecordSender } from '../../src/sync/record-transfer.ts';
import { SyncError } from '../../src/sync/sync-errors.ts';

const counters = (): AntiEntropyCounters['chunked'] => ({
  recordsSent: 0,
  recordsReceived: 0,
  chunksSent: 0,
  chunksReceived: 0,
});

/** A FrameIo fake that keeps the frames sent, checking each against the frame bound. */
function fakeIo(maxFrameBytes: number): { io: FrameIo; frames: { type: number; payload: Uint8Array }[] } {
  const frames: { type: number; payload: Uint8Array }[] = [];
  const sendParts = async (type: number, ...parts: Uint8Array[]) => {
    const payload = Buffer.concat(parts);
    assert.ok(1 + payload.byteLength <= maxFrameBytes, 'frame within the bound');
    frames.push({ type, payload: new Uint8Array(payload) });
  };
  const io = { maxFrameBytes, sendParts, send: (type: number, payload: Uint8Array) => sendParts(type, payload) };
  return { io: io as unknown as FrameIo, frames };
}

describe('sync: chunked records', () => {
  it('round-trips any record at any frame size; one frame when it fits, else ⌈length / capacity⌉ chunks', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 20_000 }),
        fc.integer({ min: 64, max: 4096 }),
        async (record, maxFrameBytes) => {
          const { io, frames } = fakeIo(maxFrameBytes);
          const sent = counters();
          const sender = new RecordSender(io, SYNC_FRAME.RECORD, SYNC_FRAME.RECORD_PART, sent);
          await sender.send(record);
          await sender.send(record);
          if (1 + record.byteLength <= maxFrameBytes) {
            assert.deepEqual(
              frames.map((f) => f.type),
              [SYNC_FRAME.RECORD, SYNC_FRAME.RECORD],
            );
            assert.deepEqual(frames[0]!.payload, record);
            return;
          }
          assert.equal(frames.length, 2 * Math.ceil(record.byteLength / (maxFrameBytes - 16)));
          const received = counters();
          const assembler = new RecordAssembler(record.byteLength, {}, received);
          const out = [];
          for (const frame of frames) {
            assert.equal(frame.type, SYNC_FRAME.RECORD_PART);
            const done = assembler.take(frame.payload);
            if (done) out.push(done);
          }
          assert.equal(out.length, 2);
          for (const done of out) {
            assert.deepEqual(done.bytes, record);
            assert.equal(done.digest, createHash('sha256').update(record).digest('hex'));
          }
          assert.deepEqual(received, {
            ...sent,
            recordsReceived: 2,
            chunksReceived: frames.length,
            recordsSent: 0,
            chunksSent: 0,
          });
          assert.equal(assembler.busy, false);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses arbitrary chunk payloads with a SyncError, never another exception', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 6 }), (payloads) => {
        const assembler = new RecordAssembler(1024, {}, counters());
        for (const payload of payloads) {
          try {
            assembler.take(payload);
          } catch (error) {
            assert.ok(error instanceof SyncError, String(error));
            return;
          }
        }
      }),
    );
  });

  it('names each violation, and asks the caller before a transfer opens', () => {
    const chunk = (transfer: number, total: number, offset: number, length: number) =>
      new Uint8Array([...encodePartHeader(transfer, total, offset), ...new Uint8Array(length)]);
    const code = (run: (a: RecordAssembler) => void) => {
      const assembler = new RecordAssembler(1000, {}, counters());
      try {
        run(assembler);
      } catch (error) {
        return (error as SyncError).code;
      }
      return 'none';
    };
    assert.equal(
      code((a) => a.take(chunk(0, 1001, 0, 10))),
      'SYNC_RECORD_TOO_LARGE',
    );
    assert.equal(
      code((a) => a.take(chunk(0, 100, 10, 10))),
      'SYNC_CHUNK_OUT_OF_ORDER',
    );
    assert.equal(
      code((a) => a.take(chunk(0, 100, 0, 101))),
      'SYNC_CHUNK_OVERFLOW',
    );
    assert.equal(
      code((a) => [a.take(chunk(0, 100, 0, 10)), a.take(chunk(0, 99, 10, 10))]),
      'SYNC_CHUNK_OUT_OF_ORDER',
    );
    assert.equal(
      code((a) => [a.take(chunk(0, 100, 0, 10)), a.take(chunk(1, 100, 0, 10))]),
      'SYNC_CONCURRENT_TRANSFER',
    );
    assert.equal(
      code((a) => [a.take(chunk(0, 100, 0, 10)), a.idle('END')]),
      'SYNC_TRANSFER_INCOMPLETE',
    );
    assert.equal(
      code((a) => [a.take(chunk(3, 10, 0, 10)), a.take(chunk(3, 10, 0, 10))]),
      'SYNC_CHUNK_OUT_OF_ORDER',
    );
    assert.equal(
      code((a) => a.take(chunk(0, 10, 0, 0))),
      'SYNC_MALFORMED',
    );
    // The caller's budget check runs on the declared total, before a byte is kept.
    const declared: number[] = [];
    const assembler = new RecordAssembler(1000, {}, counters());
    assert.equal(
      assembler.take(chunk(0, 20, 0, 10), (total) => declared.push(total)),
      null,
    );
    assert.equal(assembler.take(chunk(0, 20, 10, 10), (total) => declared.push(total))?.bytes.byteLength, 20);
    assert.deepEqual(declared, [20]);
  });

  it('the node-wide assembly budget refuses a transfer that does not fit (SYNC_BUSY) until another completes or is dropped', () => {
    const chunk = (total: number, offset: number, length: number) =>
      new Uint8Array([...encodePartHeader(0, total, offset), ...new Uint8Array(length)]);
    const budget = new AssemblyBudget(1000);
    const first = new RecordAssembler(1000, {}, counters(), budget);
    const second = new RecordAssembler(1000, {}, counters(), budget);
    first.take(chunk(600, 0, 10));
    assert.throws(() => second.take(chunk(500, 0, 10)), { code: 'SYNC_BUSY' });
    first.dispose();
    assert.equal(budget.reserved, 0);
    assert.equal(second.take(chunk(500, 0, 500))?.bytes.byteLength, 500, 'room returned by dispose');
    assert.equal(budget.reserved, 0, 'and by completion');
  });

  it('END is two counts unless records were deferred (nodes of the two-count format read it)', () => {
    assert.deepEqual(encodeEnd({ missing: 2, older: 1, deferred: 0 }), encodeCounts(2, 1));
    assert.deepEqual(decodeEnd(encodeCounts(2, 1)), { missing: 2, older: 1, deferred: 0 });
    assert.deepEqual(decodeEnd(encodeEnd({ missing: 0, older: 0, deferred: 7 })), {
      missing: 0,
      older: 0,
      deferred: 7,
    });
    assert.throws(() => decodeEnd(encodeCounts(1, 2, 3, 4)), { code: 'SYNC_MALFORMED' });
  });
});
