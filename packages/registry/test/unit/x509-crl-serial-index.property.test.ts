/**
 * CompactSerialIndex as a codec (fast-check): lookups agree with a Set of canonical serials, toBytes /
 * fromBytes round-trips, fromBytes refuses corrupted layouts, and walkUnion visits exactly the union.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  CompactSerialIndex,
  CRL_CODES,
  canonicalSerial,
  REASON_NONE,
  SerialIndexBuilder,
  walkUnion,
} from '../../src/x509/crl/index.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const REASONS = [0, 1, 2, 3, 4, 5, 6, 8, 9, 10, REASON_NONE];

// Serials: short ones collide often (duplicates, leading zeros), long ones exercise wide buckets.
const serialArb = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 3 }),
  fc.uint8Array({ minLength: 1, maxLength: 21 }),
);
const entryArb = fc.record({
  serial: serialArb,
  reason: fc.constantFrom(...REASONS),
  seconds: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
});

/** Builds an index from entries whose canonical serials are distinct (later duplicates dropped). */
function build(entries: { serial: Uint8Array; reason: number; seconds: number }[]) {
  const seen = new Map<string, { reason: number; seconds: number }>();
  const kept = entries.filter((e) => {
    const k = hex(canonicalSerial(e.serial));
    if (seen.has(k)) return false;
    seen.set(k, e);
    return true;
  });
  // All serials come from one buffer, as they do from a CRL's DER.
  const src = new Uint8Array(kept.reduce((n, e) => n + e.serial.length, 0));
  const builder = new SerialIndexBuilder(kept.length);
  let o = 0;
  for (const e of kept) {
    src.set(e.serial, o);
    builder.add(src, o, o + e.serial.length, e.reason, e.seconds);
    o += e.serial.length;
  }
  return { index: builder.build(), seen };
}

describe('CompactSerialIndex', () => {
  it('find agrees with a Set, and reasons and dates follow their serial', () => {
    fc.assert(
      fc.property(fc.array(entryArb, { maxLength: 300 }), fc.array(serialArb, { maxLength: 50 }), (entries, probes) => {
        const { index, seen } = build(entries);
        assert.equal(index.count, seen.size);
        for (const [k, e] of seen) {
          const at = index.find(Buffer.from(k, 'hex'));
          assert.ok(at >= 0);
          assert.equal(index.reasonAt(at), e.reason);
          assert.equal(index.revokedAtMs(at), e.seconds * 1000);
          assert.equal(hex(index.serialAt(at)), k);
          // Any number of leading zero octets names the same serial (a DER sign octet included).
          assert.equal(index.find(new Uint8Array([0, 0, ...Buffer.from(k, 'hex')])), at);
        }
        for (const p of probes) assert.equal(index.find(p) >= 0, seen.has(hex(canonicalSerial(p))));
      }),
      { numRuns: 200 },
    );
  });

  it('toBytes / fromBytes round-trips, aligned or not', () => {
    fc.assert(
      fc.property(fc.array(entryArb, { maxLength: 200 }), fc.integer({ min: 0, max: 3 }), (entries, shift) => {
        const { index } = build(entries);
        const bytes = index.toBytes();
        const shifted = new Uint8Array(bytes.length + shift);
        shifted.set(bytes, shift);
        const back = CompactSerialIndex.fromBytes(shifted.subarray(shift));
        assert.deepEqual(back.toBytes(), bytes);
        for (let i = 0; i < index.count; i++) {
          assert.equal(back.find(index.serialAt(i)), i);
          assert.equal(back.reasonAt(i), index.reasonAt(i));
          assert.equal(back.revokedAtMs(i), index.revokedAtMs(i));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('fromBytes refuses any corrupted octet or length with CRL_INDEX_INVALID, or reads a valid index', () => {
    fc.assert(
      fc.property(
        fc.array(entryArb, { minLength: 2, maxLength: 60 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (entries, at, xor) => {
          const bytes = build(entries).index.toBytes().slice();
          bytes[at % bytes.length]! ^= xor;
          for (const candidate of [bytes, bytes.subarray(0, bytes.length - 1)]) {
            try {
              const ix = CompactSerialIndex.fromBytes(candidate);
              for (let i = 1; i < ix.count; i++) assert.ok(ix.compareEntries(i - 1, ix, i) < 0);
            } catch (error) {
              assert.equal((error as { code?: string }).code, CRL_CODES.INDEX_INVALID);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a serial added twice is CRL_DUPLICATE_SERIAL (also through a leading zero)', () => {
    const src = new Uint8Array([0x00, 0x81, 0x81, 0x05]);
    const builder = new SerialIndexBuilder(3);
    builder.add(src, 0, 2, 1, 0);
    builder.add(src, 3, 4, 1, 0);
    builder.add(src, 1, 2, 1, 0);
    assert.throws(() => builder.build(), { code: CRL_CODES.DUPLICATE_SERIAL });
    const honest = new SerialIndexBuilder(2);
    honest.add(src, 0, 2, 1, 0);
    honest.add(src, 3, 4, 1, 0);
    assert.equal(honest.build().count, 2);
  });

  it('walkUnion visits each serial of the union once, in order, with its entries', () => {
    fc.assert(
      fc.property(fc.array(entryArb, { maxLength: 80 }), fc.array(entryArb, { maxLength: 80 }), (a, b) => {
        const A = build(a).index;
        const B = build(b).index;
        const union = new Set<string>();
        for (const ix of [A, B]) for (let i = 0; i < ix.count; i++) union.add(hex(ix.serialAt(i)));
        const visited: string[] = [];
        walkUnion([A, null, B], (at) => {
          assert.equal(at[1], -1);
          const key = at[0]! >= 0 ? hex(A.serialAt(at[0]!)) : hex(B.serialAt(at[2]!));
          if (at[0]! >= 0 && at[2]! >= 0) assert.equal(hex(B.serialAt(at[2]!)), key);
          visited.push(key);
          return true;
        });
        assert.equal(visited.length, union.size);
        assert.deepEqual(new Set(visited), union);
      }),
      { numRuns: 150 },
    );
  });

  it('an empty index finds nothing and round-trips', () => {
    const empty = CompactSerialIndex.empty();
    assert.equal(empty.count, 0);
    assert.equal(empty.find(new Uint8Array([1])), -1);
    assert.equal(CompactSerialIndex.fromBytes(empty.toBytes()).count, 0);
  });
});

describe('CompactSerialIndex sorting', () => {
  it('large unsorted inputs (the counting-sort path) come out sorted and complete', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 4 }), { minLength: 1500, maxLength: 3000 }),
        (serials) => {
          const { index, seen } = build(serials.map((serial) => ({ serial, reason: 1, seconds: 0 })));
          assert.equal(index.count, seen.size);
          for (let i = 1; i < index.count; i++) assert.ok(index.compareEntries(i - 1, index, i) < 0);
          for (const k of seen.keys()) assert.ok(index.find(Buffer.from(k, 'hex')) >= 0);
        },
      ),
      { numRuns: 10 },
    );
  });
});
