/**
 * Range-based set reconciliation, pure: for random sets A and B the initiator learns exactly the
 * symmetric difference, messages stay O(d log n), the codec refuses hostile input with typed errors,
 * and range fingerprints from cumulative sums match fingerprints computed from scratch.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { compareKeys, type IndexEntry } from '@trustmesh/registry';
import fc from 'fast-check';
import {
  decodeReconcileMessage,
  defaultReconcileOptions,
  encodeReconcileMessage,
  type ReconcileMessage,
  type ReconcileOptions,
  Reconciler,
  separator,
} from '../src/sync/reconciliation.ts';
import { SyncError } from '../src/sync/sync-errors.ts';
import { itemId, SyncIndex, type SyncSnapshot } from '../src/sync/sync-index.ts';

const digestOf = (seed: number) => createHash('sha256').update(`version ${seed}`).digest('hex');

/** Runs a whole session through the wire codec; returns what the initiator learnt and what it cost. */
function reconcile(a: SyncSnapshot, b: SyncSnapshot, options: ReconcileOptions = defaultReconcileOptions) {
  const initiator = new Reconciler(a, 'initiator', options);
  const responder = new Reconciler(b, 'responder', options);
  let bytes = 0;
  let roundTrips = 0;
  const wire = (message: ReconcileMessage) => {
    const encoded = encodeReconcileMessage(message);
    bytes += encoded.byteLength;
    return decodeReconcileMessage(encoded, options);
  };
  let message: ReconcileMessage | null = initiator.initiate();
  while (message) {
    const reply = responder.receive(wire(message));
    assert.ok(reply, 'a responder always answers');
    roundTrips++;
    message = initiator.receive(wire(reply));
  }
  const have = initiator.have.map((p) => `${a.key(p)}@${a.digest(p)}`).sort();
  const need = initiator.need
    .map((id) => {
      const p = b.positionOf(id);
      assert.ok(p >= 0, 'a needed id names an item of the responder');
      return `${b.key(p)}@${b.digest(p)}`;
    })
    .sort();
  return { have, need, bytes, roundTrips };
}

/** The expected difference: items of `x` that `y` does not hold (same key and digest). */
function minus(x: IndexEntry[], y: IndexEntry[]): string[] {
  const held = new Set(y.map((e) => `${e.key}@${e.digest}`));
  return x
    .map((e) => `${e.key}@${e.digest}`)
    .filter((item) => !held.has(item))
    .sort();
}

// Keys that share long prefixes (as real slot keys do), mixed with arbitrary Unicode, including
// astral characters and U+E000–U+FFFF, where UTF-16 order and UTF-8 byte order disagree.
const keyArb = fc.oneof(
  fc
    .string({ unit: fc.constantFrom('a', 'b', '/', 'é', '\u{10000}', '\uffff', '\ue000'), minLength: 1, maxLength: 6 })
    .map((s) => `status-list/https://x/${s}`),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }),
);

/** Two sets over a shared key universe: each key absent, or present in one of three versions, on each side. */
const setPairArb = fc
  .uniqueArray(fc.tuple(keyArb, fc.integer({ min: -1, max: 2 }), fc.integer({ min: -1, max: 2 })), {
    selector: ([key]) => key,
    maxLength: 120,
  })
  .map((rows) => {
    const a: IndexEntry[] = [];
    const b: IndexEntry[] = [];
    for (const [key, va, vb] of rows) {
      if (va >= 0) a.push({ key, digest: digestOf(va) });
      if (vb >= 0) b.push({ key, digest: digestOf(vb) });
    }
    return { a, b };
  });

// Small enough to force splitting at every level and overflowing every message limit.
const tinyOptions: ReconcileOptions = {
  ...defaultReconcileOptions,
  branching: 2,
  idListThreshold: 1,
  maxDiffItems: 2,
  maxIdsPerMessage: 2,
  maxRangesPerMessage: 5,
  maxRounds: 2_000,
};

describe('sync: range-based set reconciliation', () => {
  it('finds exactly the symmetric difference of random sets (default options)', () => {
    fc.assert(
      fc.property(setPairArb, ({ a, b }) => {
        const result = reconcile(SyncIndex.fromEntries(a).snapshot(), SyncIndex.fromEntries(b).snapshot());
        assert.deepEqual(result.have, minus(a, b));
        assert.deepEqual(result.need, minus(b, a));
      }),
      { numRuns: 150 },
    );
  });

  it('finds exactly the symmetric difference with tiny limits (every split and overflow path)', () => {
    fc.assert(
      fc.property(setPairArb, fc.integer({ min: 2, max: 4 }), ({ a, b }, branching) => {
        const options = {
          ...tinyOptions,
          branching,
          maxRangesPerMessage: branching + 3,
          maxIdsPerMessage: Math.max(branching, 2),
        };
        const result = reconcile(SyncIndex.fromEntries(a).snapshot(), SyncIndex.fromEntries(b).snapshot(), options);
        assert.deepEqual(result.have, minus(a, b));
        assert.deepEqual(result.need, minus(b, a));
      }),
      { numRuns: 100 },
    );
  });

  it('costs O(d log n): bytes per difference stay within the tree bound as n grows', () => {
    const base = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        key: `status-list/https://status.example/lists/${String(i).padStart(7, '0')}`,
        digest: digestOf(i),
      }));
    const bases = new Map([500, 4000].map((n) => [n, base(n)]));
    fc.assert(
      fc.property(
        fc.constantFrom(500, 4000),
        fc.uniqueArray(fc.nat(3999), { maxLength: 40 }),
        fc.boolean(),
        (n, positions, added) => {
          const entries = bases.get(n)!;
          const b = SyncIndex.fromEntries(entries);
          const a = SyncIndex.fromEntries(entries);
          const changed = positions.filter((p) => p < n);
          for (const p of changed) {
            if (added) a.upsert(`${entries[p]!.key}-new`, digestOf(-p - 1));
            else a.upsert(entries[p]!.key, digestOf(n + p));
          }
          const d = changed.length;
          const { bytes, roundTrips, have, need } = reconcile(a.snapshot(), b.snapshot());
          assert.equal(have.length, d);
          assert.equal(need.length, added ? 0 : d);
          // Per difference and per tree level: at most `branching` fingerprints with short bounds;
          // then one id list each way. Plus a constant for the first fingerprint exchange.
          const { branching, idListThreshold } = defaultReconcileOptions;
          const levels = Math.ceil(Math.log(n / idListThreshold) / Math.log(branching)) + 1;
          const bound = 64 + d * (levels * branching * 24 + 4 * idListThreshold * 17);
          assert.ok(bytes <= bound, `n=${n} d=${d}: ${bytes} bytes > ${bound}`);
          assert.ok(roundTrips <= levels + 1, `n=${n} d=${d}: ${roundTrips} round trips`);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('identical sets agree in one round trip of one fingerprint each way', () => {
    const entries = Array.from({ length: 1000 }, (_, i) => ({ key: `k/${i}`, digest: digestOf(i) }));
    const result = reconcile(
      SyncIndex.fromEntries(entries).snapshot(),
      SyncIndex.fromEntries([...entries].reverse()).snapshot(),
    );
    assert.deepEqual([result.have, result.need, result.roundTrips], [[], [], 1]);
    assert.ok(result.bytes <= 20, `${result.bytes} bytes`);
  });

  it('an empty node learns every item of a large peer (bootstrap), within the message limits', () => {
    const entries = Array.from({ length: 5000 }, (_, i) => ({
      key: `status-list/${String(i).padStart(6, '0')}`,
      digest: digestOf(i),
    }));
    const result = reconcile(SyncIndex.fromEntries([]).snapshot(), SyncIndex.fromEntries(entries).snapshot());
    assert.equal(result.need.length, 5000);
    assert.equal(result.have.length, 0);
  });
});

describe('sync: reconciliation message codec', () => {
  it('round-trips messages the reconciler builds', () => {
    fc.assert(
      fc.property(setPairArb, ({ a, b }) => {
        const snapshotA = SyncIndex.fromEntries(a).snapshot();
        const responder = new Reconciler(SyncIndex.fromEntries(b).snapshot(), 'responder');
        const first = new Reconciler(snapshotA, 'initiator').initiate();
        for (const message of [first, responder.receive(first)!]) {
          const decoded = decodeReconcileMessage(encodeReconcileMessage(message), defaultReconcileOptions);
          assert.deepEqual(encodeReconcileMessage(decoded), encodeReconcileMessage(message));
        }
      }),
      { numRuns: 100 },
    );
  });

  it('refuses arbitrary bytes with a SyncError, never another exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeReconcileMessage(bytes, defaultReconcileOptions);
        } catch (error) {
          assert.ok(error instanceof SyncError, String(error));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('refuses decreasing bounds, a range after the end, unknown modes, bad UTF-8 and excess', () => {
    const code = (bytes: number[], limits = defaultReconcileOptions) => {
      try {
        decodeReconcileMessage(new Uint8Array(bytes), limits);
        return 'decoded';
      } catch (error) {
        return (error as SyncError).code;
      }
    };
    // bound "b" (tag 2, shared 0), skip; then bound "a": not increasing.
    assert.equal(code([2, 0, 0x62, 0, 2, 0, 0x61, 0]), 'SYNC_BAD_BOUNDS');
    // end bound, skip; then another range.
    assert.equal(code([0, 0, 0, 0]), 'SYNC_BAD_BOUNDS');
    assert.equal(code([0, 9]), 'SYNC_MALFORMED');
    assert.equal(code([2, 0, 0xff, 0]), 'SYNC_MALFORMED');
    // a bound sharing more bytes than the previous bound has.
    assert.equal(code([2, 5, 0x61, 0]), 'SYNC_MALFORMED');
    // an id list announcing more ids than allowed.
    assert.equal(code([0, 2, 0x80, 0x80, 0x01]), 'SYNC_TOO_MANY_IDS');
    // a truncated fingerprint.
    assert.equal(code([0, 1, 1, 2, 3]), 'SYNC_MALFORMED');
    // a varint with a redundant zero group.
    assert.equal(code([0x80, 0x00, 0]), 'SYNC_MALFORMED');
    const ranges = [2, 0, 0x61, 0, 2, 0, 0x62, 0, 2, 0, 0x63, 0];
    assert.equal(code(ranges, { ...defaultReconcileOptions, maxRangesPerMessage: 2 }), 'SYNC_TOO_MANY_RANGES');
    assert.equal(code(ranges, { ...defaultReconcileOptions, maxMessageBytes: 8 }), 'SYNC_MESSAGE_TOO_LARGE');
    assert.equal(code(ranges), 'decoded');
  });

  it('a diff for a range the initiator never listed is a protocol violation', () => {
    const snapshot = SyncIndex.fromEntries([{ key: 'k', digest: digestOf(1) }]).snapshot();
    const initiator = new Reconciler(snapshot, 'initiator');
    initiator.initiate();
    assert.throws(
      () => initiator.receive({ ranges: [{ upper: 'z', mode: 'diff', missing: [], lacks: new Uint8Array(1) }] }),
      (error: SyncError) => error.code === 'SYNC_UNEXPECTED_FRAME',
    );
  });
});

describe('sync: index and fingerprints', () => {
  it('range fingerprints from cumulative sums equal fingerprints of the range alone', () => {
    fc.assert(
      fc.property(setPairArb, fc.nat(), fc.nat(), ({ a }, x, y) => {
        const snapshot = SyncIndex.fromEntries(a).snapshot();
        const lo = snapshot.size === 0 ? 0 : x % (snapshot.size + 1);
        const hi = lo + (snapshot.size === 0 ? 0 : y % (snapshot.size - lo + 1));
        const alone = SyncIndex.fromEntries(snapshot.entries().slice(lo, hi)).snapshot();
        assert.deepEqual(snapshot.fingerprint(lo, hi), alone.fingerprint(0, hi - lo));
      }),
      { numRuns: 150 },
    );
  });

  it('upserts and deletes keep UTF-8 byte order and invalidate the snapshot', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(keyArb, fc.integer({ min: -1, max: 3 })), { maxLength: 80 }), (ops) => {
        const index = new SyncIndex();
        const model = new Map<string, string>();
        for (const [key, version] of ops) {
          const before = index.snapshot();
          if (version < 0) {
            assert.equal(index.delete(key), model.delete(key));
          } else {
            const changed = model.get(key) !== digestOf(version);
            assert.equal(index.upsert(key, digestOf(version)), changed);
            model.set(key, digestOf(version));
            assert.equal(index.snapshot() === before, !changed, 'a snapshot is shared until the set changes');
          }
        }
        const expected = [...model.entries()]
          .map(([key, digest]) => ({ key, digest }))
          .sort((x, y) => compareKeys(x.key, y.key));
        assert.deepEqual(index.snapshot().entries(), expected);
        const utf8 = expected.map((e) => Buffer.from(e.key));
        for (let i = 1; i < utf8.length; i++) assert.ok(Buffer.compare(utf8[i - 1]!, utf8[i]!) < 0, 'UTF-8 byte order');
      }),
      { numRuns: 150 },
    );
  });

  it('separators are the shortest prefixes between neighbours, and stay valid UTF-16', () => {
    fc.assert(
      fc.property(keyArb, keyArb, (x, y) => {
        fc.pre(x !== y);
        const [previous, next] = compareKeys(x, y) < 0 ? [x, y] : [y, x];
        const bound = separator(previous, next);
        assert.ok(compareKeys(previous, bound) < 0 && compareKeys(bound, next) <= 0);
        assert.ok(next.startsWith(bound));
        // In a `u` regex a surrogate pair is one code point: the class matches lone surrogates only.
        assert.ok(!/[\uD800-\uDFFF]/u.test(bound), 'no lone surrogate');
      }),
      { numRuns: 300 },
    );
  });

  it('item ids separate key from digest unambiguously', () => {
    assert.notDeepEqual(itemId('a', digestOf(1)), itemId('a\u0000', digestOf(1)));
    assert.deepEqual(itemId('a', digestOf(1)), itemId('a', digestOf(1)));
  });
});
