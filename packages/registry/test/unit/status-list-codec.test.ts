import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { ValidationError } from '../../src/errors.ts';
import {
  createStatusList,
  decodeStatusList,
  ENCODED_LIST_FIELD,
  encodeStatusList,
  entryCount,
  MIN_STATUS_LIST_ENTRIES,
  maxEncodedListLength,
  readStatus,
  revocationBitsCleared,
  writeStatus,
} from '../../src/status-list/index.ts';

// The Recommendation's Example 3 (§2.2): a 131,072-entry list with no bit set.
const SPEC_EXAMPLE_ENCODED_LIST = 'uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA';
const MIN_BYTES = MIN_STATUS_LIST_ENTRIES / 8;
const CAP = { maxEntries: 2 ** 26, statusSize: 1 };

/** The subset of @digitalbazaar/vc-bitstring-status-list used here (the package ships no types). */
interface ReferenceList {
  setStatus(index: number, status: boolean): void;
  getStatus(index: number): boolean;
  encode(): Promise<string>;
  bitstring: { bits: Uint8Array };
}
interface ReferenceModule {
  createList(options: { length: number }): Promise<ReferenceList>;
  decodeList(options: { encodedList: string }): Promise<ReferenceList>;
}
const REFERENCE_MODULE: string = '@digitalbazaar/vc-bitstring-status-list';
const reference = (await import(REFERENCE_MODULE)) as ReferenceModule;

function expectError(fn: () => unknown, code: string, field?: string): ValidationError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ValidationError, `expected a ValidationError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.equal(caught.action, 'reject');
  if (field !== undefined) {
    assert.equal(caught.field, field);
    assert.ok(caught.message.includes(field), `message "${caught.message}" should name ${field}`);
  }
  return caught;
}

const encodeBytes = (bytes: Uint8Array) => `u${Buffer.from(bytes).toString('base64url')}`;
const gzipOf = (bytes: Uint8Array) => encodeBytes(gzipSync(bytes));

/** Naive reference for revocationBitsCleared: bit by bit. */
function naiveCleared(oldBits: Uint8Array, newBits: Uint8Array): number {
  for (let i = 0; i < oldBits.length * 8; i++) {
    const was = (oldBits[i >> 3]! >> (7 - (i & 7))) & 1;
    const now = i < newBits.length * 8 ? (newBits[i >> 3]! >> (7 - (i & 7))) & 1 : 0;
    if (was === 1 && now === 0) return i;
  }
  return -1;
}

/** Random sparse set of bit indices in a list of 131,072..262,144 bits (whole bytes). */
const sparseList = fc
  .integer({ min: MIN_BYTES, max: 2 * MIN_BYTES })
  .chain((bytes) =>
    fc.record({
      bytes: fc.constant(bytes),
      set: fc.uniqueArray(fc.integer({ min: 0, max: bytes * 8 - 1 }), { maxLength: 300 }),
    }),
  )
  .map(({ bytes, set }) => {
    const bits = new Uint8Array(bytes);
    for (const i of set) writeStatus(bits, i, 1, 1);
    return { bits, set };
  });

describe('bitstring layout (MSB-first, §2.2 and §7.1)', () => {
  it('puts index 0 at the most significant bit of byte 0 (hand-computed)', () => {
    const bits = new Uint8Array(4);
    writeStatus(bits, 0, 1, 1);
    assert.equal(bits[0], 0x80);
    writeStatus(bits, 9, 1, 1);
    assert.equal(bits[1], 0x40);
    writeStatus(bits, 31, 1, 1);
    assert.equal(bits[3], 0x01);
    // statusSize 2: entry 1 occupies bits 2-3 of byte 0; value 3 = 0b11.
    writeStatus(bits, 1, 2, 3);
    assert.equal(bits[0], 0x80 | 0x30);
    // statusSize 3: entry 2 occupies bit positions 6, 7, 8; value 5 = 0b101 spans bytes 0 and 1.
    const wide = new Uint8Array(2);
    writeStatus(wide, 2, 3, 5);
    assert.deepEqual([...wide], [0b0000_0010, 0b1000_0000]);
    assert.equal(readStatus(wide, 2, 3), 5);
    assert.equal(readStatus(new Uint8Array([0b0100_0000]), 1, 1), 1);
    assert.equal(readStatus(new Uint8Array([0b0100_0000]), 0, 2), 1);
    assert.equal(readStatus(new Uint8Array([0b0100_0000]), 0, 1), 0);
  });

  it('round-trips writeStatus/readStatus for statusSize 1..8 without disturbing neighbours', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }).chain((statusSize) =>
          fc.record({
            statusSize: fc.constant(statusSize),
            bytes: fc.integer({ min: 1, max: 48 }),
            writes: fc.array(fc.tuple(fc.nat(), fc.nat({ max: 2 ** statusSize - 1 })), { maxLength: 60 }),
          }),
        ),
        ({ statusSize, bytes, writes }) => {
          const bits = new Uint8Array(bytes);
          const count = entryCount(bits, statusSize);
          assert.equal(count, Math.floor((bytes * 8) / statusSize));
          const model = new Map<number, number>();
          for (const [rawIndex, value] of writes) {
            if (count === 0) break;
            const index = rawIndex % count;
            writeStatus(bits, index, statusSize, value);
            model.set(index, value);
          }
          for (let i = 0; i < count; i++) assert.equal(readStatus(bits, i, statusSize), model.get(i) ?? 0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('raises RANGE_ERROR naming the index and the list length', () => {
    const bits = new Uint8Array(MIN_BYTES);
    const error = expectError(() => readStatus(bits, MIN_STATUS_LIST_ENTRIES, 1), 'RANGE_ERROR', 'statusListIndex');
    assert.match(error.message, /131072/);
    assert.match(error.message, /131072 entries/);
    expectError(() => readStatus(bits, -1, 1), 'RANGE_ERROR');
    expectError(() => readStatus(bits, 1.5, 1), 'RANGE_ERROR');
    expectError(() => readStatus(bits, Number.MAX_SAFE_INTEGER + 2, 1), 'RANGE_ERROR');
    expectError(() => readStatus(bits, MIN_STATUS_LIST_ENTRIES / 2, 2), 'RANGE_ERROR');
    // 3 bytes hold 8 whole 3-bit entries (24 bits); entry 8 would start past the end.
    expectError(() => readStatus(new Uint8Array(3), 8, 3), 'RANGE_ERROR');
    assert.equal(readStatus(new Uint8Array(3), 7, 3), 0);
    // 2 bytes hold 5 whole 3-bit entries; entry 5 would start inside but end outside.
    expectError(() => readStatus(new Uint8Array(2), 5, 3), 'RANGE_ERROR');
    expectError(() => writeStatus(bits, MIN_STATUS_LIST_ENTRIES, 1, 1), 'RANGE_ERROR', 'statusListIndex');
    expectError(() => writeStatus(bits, 0, 2, 4), 'RANGE_ERROR', 'status');
    expectError(() => writeStatus(bits, 0, 1, -1), 'RANGE_ERROR', 'status');
  });

  it('refuses statusSize outside 1..8', () => {
    const bits = new Uint8Array(8);
    expectError(() => readStatus(bits, 0, 0), 'MALFORMED_VALUE_ERROR', 'statusSize');
    expectError(() => readStatus(bits, 0, 1.5), 'MALFORMED_VALUE_ERROR', 'statusSize');
    expectError(() => entryCount(bits, 9), 'STATUS_SIZE_UNSUPPORTED', 'statusSize');
  });

  it('creates empty lists of at least the minimum and at most the cap', () => {
    assert.equal(createStatusList(MIN_STATUS_LIST_ENTRIES).length, MIN_BYTES);
    assert.equal(createStatusList(MIN_STATUS_LIST_ENTRIES, { statusSize: 2 }).length, 2 * MIN_BYTES);
    assert.equal(createStatusList(MIN_STATUS_LIST_ENTRIES + 1).length, MIN_BYTES + 1);
    assert.ok(createStatusList(MIN_STATUS_LIST_ENTRIES).every((b) => b === 0));
    assert.equal(createStatusList(16, { minEntries: 16 }).length, 2);
    expectError(() => createStatusList(MIN_STATUS_LIST_ENTRIES - 1), 'STATUS_LIST_LENGTH_ERROR');
    expectError(() => createStatusList(2 ** 26 + 1), 'STATUS_LIST_TOO_LARGE');
  });
});

describe('revocationBitsCleared', () => {
  const pair = fc
    .record({
      old: fc.uint8Array({ minLength: 0, maxLength: 96 }),
      flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      lengthDelta: fc.integer({ min: -9, max: 9 }),
      oldOffset: fc.integer({ min: 0, max: 7 }),
      newOffset: fc.integer({ min: 0, max: 7 }),
    })
    .map(({ old, flips, lengthDelta, oldOffset, newOffset }) => {
      // New version: mostly the old bytes (so the fast path has equal words to skip), some bytes
      // changed, possibly a different length; both placed at arbitrary offsets to hit aligned and
      // unaligned views.
      const next = new Uint8Array(Math.max(0, old.length + lengthDelta));
      next.set(old.subarray(0, next.length));
      for (const [at, value] of flips) if (next.length > 0) next[at % next.length] = value;
      const place = (bytes: Uint8Array, offset: number) => {
        const backing = new Uint8Array(bytes.length + offset);
        backing.set(bytes, offset);
        return backing.subarray(offset);
      };
      return { old: place(old, oldOffset), next: place(next, newOffset) };
    });

  it('agrees with a bit-by-bit implementation', () => {
    fc.assert(
      fc.property(pair, ({ old, next }) => {
        assert.equal(revocationBitsCleared(old, next), naiveCleared(old, next));
      }),
      { numRuns: 500 },
    );
  });

  it('finds a single cleared bit in a large list, and accepts only additions', () => {
    const old = createStatusList(8 * MIN_STATUS_LIST_ENTRIES);
    for (const i of [5, 77_777, 1_000_003]) writeStatus(old, i, 1, 1);
    const grown = old.slice();
    writeStatus(grown, 42, 1, 1);
    assert.equal(revocationBitsCleared(old, grown), -1);
    const cleared = grown.slice();
    writeStatus(cleared, 1_000_003, 1, 0);
    assert.equal(revocationBitsCleared(old, cleared), 1_000_003);
    // A shorter list drops revoked bits past its end.
    assert.equal(revocationBitsCleared(old, old.subarray(0, 100_000)), 1_000_003);
    assert.equal(revocationBitsCleared(old, new Uint8Array(0)), 5);
  });
});

describe('encodedList codec', () => {
  it('encodes the empty 131,072-entry list exactly as the Recommendation (Example 3)', () => {
    assert.equal(encodeStatusList(new Uint8Array(MIN_BYTES)), SPEC_EXAMPLE_ENCODED_LIST);
    const decoded = decodeStatusList(SPEC_EXAMPLE_ENCODED_LIST, CAP);
    assert.equal(decoded.length, MIN_BYTES);
    assert.ok(decoded.every((b) => b === 0));
    assert.equal(Object.getPrototypeOf(decoded), Uint8Array.prototype);
  });

  it('round-trips random lists of 131,072..262,144 bits (sparse and dense)', () => {
    const dense = fc
      .integer({ min: MIN_BYTES, max: 2 * MIN_BYTES })
      .chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));
    fc.assert(
      fc.property(
        fc.oneof(
          sparseList.map(({ bits }) => bits),
          dense,
        ),
        (bits) => {
          const encoded = encodeStatusList(bits);
          assert.match(encoded, /^u[A-Za-z0-9_-]+$/);
          assert.deepEqual(decodeStatusList(encoded, CAP), bits);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('interoperates with @digitalbazaar/vc-bitstring-status-list in both directions', async () => {
    // Ours → reference.
    await fc.assert(
      fc.asyncProperty(sparseList, async ({ bits, set }) => {
        const theirs = await reference.decodeList({ encodedList: encodeStatusList(bits) });
        assert.deepEqual(new Uint8Array(theirs.bitstring.bits), bits);
        for (const i of set) assert.equal(theirs.getStatus(i), true);
        for (let i = 0; i < 64; i++) assert.equal(theirs.getStatus(i), readStatus(bits, i, 1) === 1);
      }),
      { numRuns: 10 },
    );
    // Reference → ours.
    await fc.assert(
      fc.asyncProperty(sparseList, async ({ bits, set }) => {
        const list = await reference.createList({ length: bits.length * 8 });
        for (const i of set) list.setStatus(i, true);
        const decoded = decodeStatusList(await list.encode(), CAP);
        assert.deepEqual(decoded, new Uint8Array(list.bitstring.bits));
        for (const i of set) assert.equal(readStatus(decoded, i, 1), 1);
      }),
      { numRuns: 10 },
    );
  });

  it('is byte-exact with the reference encoder for empty lists and shares its GZIP header', async () => {
    for (const length of [MIN_STATUS_LIST_ENTRIES, 2 * MIN_STATUS_LIST_ENTRIES, 8 * MIN_STATUS_LIST_ENTRIES]) {
      const list = await reference.createList({ length });
      assert.equal(encodeStatusList(new Uint8Array(length / 8)), await list.encode());
    }
    // With bits set, pako and Node's zlib pick different DEFLATE matches (see codec.ts); the 10-byte
    // GZIP header (magic, CM=8, no flags, MTIME=0, XFL=0, OS=3) is the same.
    const list = await reference.createList({ length: MIN_STATUS_LIST_ENTRIES });
    const bits = new Uint8Array(MIN_BYTES);
    for (let i = 0; i < MIN_STATUS_LIST_ENTRIES; i += 997) {
      list.setStatus(i, true);
      writeStatus(bits, i, 1, 1);
    }
    const header = (encoded: string) => [...Buffer.from(encoded.slice(1), 'base64url').subarray(0, 10)];
    assert.deepEqual(header(encodeStatusList(bits)), header(await list.encode()));
    assert.deepEqual(header(encodeStatusList(bits)), [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
  });

  describe('errors, each naming credentialSubject.encodedList', () => {
    const valid = gzipSync(new Uint8Array(MIN_BYTES));

    it('refuses a value that is not a string', () => {
      for (const value of [undefined, null, 42, ['u'], { encodedList: 'u' }]) {
        expectError(() => decodeStatusList(value, CAP), 'MALFORMED_VALUE_ERROR', ENCODED_LIST_FIELD);
      }
    });

    it('refuses a missing or different multibase prefix', () => {
      const body = Buffer.from(valid).toString('base64url');
      for (const value of ['', body, `z${body}`, `U${body}`, `m${Buffer.from(valid).toString('base64')}`]) {
        const error = expectError(() => decodeStatusList(value, CAP), 'STATUS_LIST_BAD_MULTIBASE', ENCODED_LIST_FIELD);
        assert.match(error.message, /"u" prefix/);
      }
    });

    it('refuses padding and characters outside base64url', () => {
      const body = Buffer.from(valid).toString('base64url');
      for (const value of [
        `u${body}==`,
        `u${body.slice(0, 10)}+${body.slice(11)}`,
        `u${body}/`,
        `u${body} `,
        `u${body}$`,
      ]) {
        expectError(() => decodeStatusList(value, CAP), 'STATUS_LIST_BAD_MULTIBASE', ENCODED_LIST_FIELD);
      }
    });

    it('refuses non-canonical base64url (impossible length, non-zero unused bits)', () => {
      expectError(() => decodeStatusList('uAAAAA', CAP), 'STATUS_LIST_BAD_MULTIBASE', ENCODED_LIST_FIELD);
      // "AB": 12 bits for one byte; the 4 unused bits of "B" are not zero.
      expectError(() => decodeStatusList('uAB', CAP), 'STATUS_LIST_BAD_MULTIBASE', ENCODED_LIST_FIELD);
    });

    it('refuses data that is not GZIP, truncated or corrupt', () => {
      const cases = [
        new Uint8Array(0),
        new TextEncoder().encode('not gzip at all'),
        deflateSync(new Uint8Array(MIN_BYTES)), // zlib format, not GZIP
        valid.subarray(0, valid.length - 4), // trailer cut
        valid.subarray(0, 12),
        Buffer.concat([valid, Buffer.from('junk')]),
      ];
      const corrupt = Buffer.from(valid);
      corrupt[corrupt.length - 6]! ^= 0x01; // CRC-32 mismatch
      cases.push(corrupt);
      for (const bytes of cases) {
        expectError(() => decodeStatusList(encodeBytes(bytes), CAP), 'STATUS_LIST_BAD_GZIP', ENCODED_LIST_FIELD);
      }
    });

    it('stops a decompression bomb during inflation', () => {
      // 2^27 bits of zeros: twice the 2^26-entry cap, gzipped to ~16 KB.
      const bomb = gzipSync(new Uint8Array(2 ** 24));
      const error = expectError(
        () => decodeStatusList(encodeBytes(bomb), CAP),
        'STATUS_LIST_TOO_LARGE',
        ENCODED_LIST_FIELD,
      );
      // The cap fired inside zlib (maxOutputLength), not after a full inflation.
      assert.equal((error.cause as { code?: string }).code, 'ERR_BUFFER_TOO_LARGE');
      // 64 concatenated GZIP members (valid per RFC 1952 §2.2): 1 GiB from ~1 MB of input.
      const members = encodeBytes(Buffer.concat(Array.from({ length: 64 }, () => bomb)));
      const big = expectError(() => decodeStatusList(members, CAP), 'STATUS_LIST_TOO_LARGE', ENCODED_LIST_FIELD);
      assert.equal((big.cause as { code?: string }).code, 'ERR_BUFFER_TOO_LARGE');
    });

    it('accepts exactly the cap and refuses one byte more', () => {
      const options = { maxEntries: 2 * MIN_STATUS_LIST_ENTRIES, statusSize: 1 };
      assert.equal(decodeStatusList(gzipOf(new Uint8Array(2 * MIN_BYTES)), options).length, 2 * MIN_BYTES);
      expectError(
        () => decodeStatusList(gzipOf(new Uint8Array(2 * MIN_BYTES + 1)), options),
        'STATUS_LIST_TOO_LARGE',
        ENCODED_LIST_FIELD,
      );
      // The cap is maxEntries * statusSize bits.
      const wide = { maxEntries: MIN_STATUS_LIST_ENTRIES, statusSize: 2 };
      assert.equal(decodeStatusList(gzipOf(new Uint8Array(2 * MIN_BYTES)), wide).length, 2 * MIN_BYTES);
      expectError(
        () => decodeStatusList(gzipOf(new Uint8Array(2 * MIN_BYTES + 1)), wide),
        'STATUS_LIST_TOO_LARGE',
        ENCODED_LIST_FIELD,
      );
    });

    it('refuses an encodedList longer than any cap-sized GZIP before decoding it', () => {
      const options = { maxEntries: MIN_STATUS_LIST_ENTRIES, statusSize: 1 };
      const limit = maxEncodedListLength(options.maxEntries, options.statusSize);
      assert.ok(limit > SPEC_EXAMPLE_ENCODED_LIST.length);
      // Stored (uncompressed) DEFLATE blocks of random bytes are the worst a normal encoder emits.
      const incompressible = gzipSync(
        new Uint8Array(MIN_BYTES).map((_, i) => (i * 2654435761) >>> 24),
        { level: 0 },
      );
      assert.ok(encodeBytes(incompressible).length <= limit);
      // Not even valid base64url, yet refused for its length first: no decoding work was done.
      expectError(
        () => decodeStatusList(`u${'!'.repeat(limit)}`, options),
        'STATUS_LIST_TOO_LARGE',
        ENCODED_LIST_FIELD,
      );
      expectError(() => decodeStatusList(`u${'!'.repeat(limit - 1)}`, options), 'STATUS_LIST_BAD_MULTIBASE');
    });

    it('refuses lists shorter than the minimum, scaled by statusSize (§3.2 step 9)', () => {
      expectError(
        () => decodeStatusList(gzipOf(new Uint8Array(0)), CAP),
        'STATUS_LIST_LENGTH_ERROR',
        ENCODED_LIST_FIELD,
      );
      const short = expectError(
        () => decodeStatusList(gzipOf(new Uint8Array(MIN_BYTES - 1)), CAP),
        'STATUS_LIST_LENGTH_ERROR',
        ENCODED_LIST_FIELD,
      );
      assert.match(short.message, /131064 entries/);
      assert.match(short.message, /131072/);
      // 16 KB holds 131,072 one-bit entries but only 65,536 two-bit entries.
      expectError(
        () => decodeStatusList(gzipOf(new Uint8Array(MIN_BYTES)), { ...CAP, statusSize: 2 }),
        'STATUS_LIST_LENGTH_ERROR',
      );
      assert.equal(
        decodeStatusList(gzipOf(new Uint8Array(2 * MIN_BYTES)), { ...CAP, statusSize: 2 }).length,
        2 * MIN_BYTES,
      );
      // 3-bit entries need 131,072 * 3 bits = 49,152 bytes.
      expectError(
        () => decodeStatusList(gzipOf(new Uint8Array(3 * MIN_BYTES - 1)), { ...CAP, statusSize: 3 }),
        'STATUS_LIST_LENGTH_ERROR',
      );
      assert.equal(
        decodeStatusList(gzipOf(new Uint8Array(3 * MIN_BYTES)), { ...CAP, statusSize: 3 }).length,
        3 * MIN_BYTES,
      );
      // An ecosystem may set a different lower bound (§3.2 step 2).
      assert.equal(decodeStatusList(gzipOf(new Uint8Array(128)), { ...CAP, minEntries: 1024 }).length, 128);
      expectError(
        () => decodeStatusList(gzipOf(new Uint8Array(127)), { ...CAP, minEntries: 1024 }),
        'STATUS_LIST_LENGTH_ERROR',
      );
    });

    it('refuses an unsupported statusSize', () => {
      expectError(
        () => decodeStatusList(SPEC_EXAMPLE_ENCODED_LIST, { ...CAP, statusSize: 0 }),
        'MALFORMED_VALUE_ERROR',
      );
      expectError(
        () => decodeStatusList(SPEC_EXAMPLE_ENCODED_LIST, { ...CAP, statusSize: 9 }),
        'STATUS_SIZE_UNSUPPORTED',
      );
    });
  });
});
