/**
 * The word-wise "never undo a final state" comparison (status-list/final-states.ts) against the plain
 * reading it replaces: every entry of the held list read, and the first final one that changed
 * reported. Lists of every width, of lengths that are not whole words, grown by appended bytes, and
 * at offsets that are not word-aligned.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type FinalStateLayout, firstUndoneFinalEntry } from '../../src/status-list/final-states.ts';
import { readJoseEntry } from '../../src/status-list/jose-lists.ts';

/** The reference: entry by entry, as the registry compared lists before (issue 13). */
function naive(layout: FinalStateLayout, bits: 1 | 2 | 4 | 8, held: Uint8Array, next: Uint8Array): number {
  const size = (held.byteLength * 8) / bits;
  for (let i = 0; i < size; i++) {
    const before = readJoseEntry(layout, held, bits, i);
    if (before === 1 && readJoseEntry(layout, next, bits, i) !== 1) return i;
  }
  return -1;
}

/** `bytes` copied to `offset` bytes into a fresh buffer (misaligned when offset % 4 ≠ 0). */
function at(bytes: Uint8Array, offset: number): Uint8Array {
  const out = new Uint8Array(new ArrayBuffer(bytes.byteLength + offset + 3), offset, bytes.byteLength);
  out.set(bytes);
  return out;
}

const layoutAndBits = fc.oneof(
  fc.constantFrom<[FinalStateLayout, 1 | 2 | 4 | 8]>(
    ['token-status-list', 1],
    ['token-status-list', 2],
    ['token-status-list', 4],
    ['token-status-list', 8],
  ),
  fc.constant<[FinalStateLayout, 1]>(['status-list-2021', 1]),
);

describe('firstUndoneFinalEntry', () => {
  it('finds the same entry as reading every entry, for any update', () => {
    fc.assert(
      fc.property(
        layoutAndBits,
        // Entries drawn from few values so that final ones (0x01) are common.
        fc.uint8Array({ minLength: 0, maxLength: 67 }).map((b) => b.map((x) => x & 0x55)),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 4 }),
        fc.uint8Array({ maxLength: 9 }),
        fc.nat({ max: 3 }),
        fc.nat({ max: 3 }),
        ([layout, bits], held, changes, appended, heldOffset, nextOffset) => {
          const next = new Uint8Array(held.byteLength + appended.byteLength);
          next.set(held);
          next.set(appended, held.byteLength);
          for (const [where, value] of changes) if (next.byteLength > 0) next[where % next.byteLength] = value;
          const expected = naive(layout, bits, held, next);
          assert.equal(firstUndoneFinalEntry(layout, bits, at(held, heldOffset), at(next, nextOffset)), expected);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reports an undone INVALID in the last word and in a tail byte, and ignores other changes', () => {
    const held = new Uint8Array(4096 + 3);
    held[4095] = 0b0100_0000; // TSL, 2 bits: entry 4095 * 4 + 3 is INVALID
    held[4097] = 0b0000_0001; // entry 4097 * 4 is INVALID, in the tail after the last whole word
    const suspendedElsewhere = held.slice();
    suspendedElsewhere[10] = 0b10; // VALID → SUSPENDED: allowed
    assert.equal(firstUndoneFinalEntry('token-status-list', 2, held, suspendedElsewhere), -1);
    const undoneInWord = held.slice();
    undoneInWord[4095] = 0;
    assert.equal(firstUndoneFinalEntry('token-status-list', 2, held, undoneInWord), 4095 * 4 + 3);
    const undoneInTail = held.slice();
    undoneInTail[4097] = 0b0000_0010;
    assert.equal(firstUndoneFinalEntry('token-status-list', 2, held, undoneInTail), 4097 * 4);
    // StatusList2021 reads the same byte MSB-first: bit 7 of byte 4095 is entry 4095 * 8.
    const revoked = new Uint8Array(4096);
    revoked[4095] = 0b1000_0000;
    assert.equal(firstUndoneFinalEntry('status-list-2021', 1, revoked, new Uint8Array(4096)), 4095 * 8);
  });
});
