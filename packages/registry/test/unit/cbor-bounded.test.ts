/**
 * Bounded CBOR decoding (src/cose/bounded-cbor.ts): the well-formedness pre-scan of RFC 8949 §3 and
 * §5.3 with size, depth, item and tag bounds, then cbor-x with tag 24 kept as exact bytes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Encoder, Tag } from 'cbor-x';
import fc from 'fast-check';
import {
  CBOR_CODES,
  type CborLimits,
  DEFAULT_CBOR_LIMITS,
  decodeCbor,
  EncodedCbor,
  scanCbor,
} from '../../src/cose/bounded-cbor.ts';
import { ValidationError } from '../../src/errors.ts';

const hex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ValidationError, `not a ValidationError: ${String(e)}`);
    assert.equal(e.action, 'reject');
    return e.code;
  }
  return 'accepted';
};
const CODES = new Set<string>(Object.values(CBOR_CODES));
const enc = new Encoder({ mapsAsObjects: false, useRecords: false, tagUint8Array: false } as never);

describe('decodeCbor — honest input', () => {
  it('decodes maps as Maps, byte strings as bytes, tag 0 as a Date', () => {
    const v = decodeCbor(
      hex(`a301636f6e650242010203c074${Buffer.from('2026-01-01T00:00:00Z').toString('hex')}`),
    ) as Map<unknown, unknown>;
    assert.equal(v.get(1), 'one');
    assert.deepEqual([...(v.get(2) as Uint8Array)], [1, 2]);
    assert.equal((v.get(3) as Date).toISOString(), '2026-01-01T00:00:00.000Z');
  });

  it('keeps the exact bytes of a tag 24 item, even with a non-preferred length head', () => {
    // d8 18 58 03 <a1 01 02>: the bstr length uses one extra byte; a re-encoding would differ.
    const v = decodeCbor(hex('81d8185803a10102')) as unknown[];
    const item = v[0];
    assert.ok(item instanceof EncodedCbor);
    assert.equal(Buffer.from(item.bytes).toString('hex'), 'd8185803a10102');
    assert.equal(Buffer.from(item.content).toString('hex'), 'a10102');
    assert.deepEqual(decodeCbor(item.content), new Map([[1, 2]]));
  });

  it('reads the draft-ietf-oauth-status-list §5.2 example (tag 18 around four items)', () => {
    const v = decodeCbor(
      hex(
        'd2845820a2012610781a6170706c69636174696f6e2f7374617475736c6973742b637774a1044231325850a502782168747470733a2f2f6578616d706c652e636f6d2f7374617475736c697374732f31061a648c5bea041a8898dfea19fffe19a8c019fffda2646269747301636c73744a78dadbb918000217015d584093fa4d01032b18c35e2fe1101b77fd6cc9440022caa4694450c4e4e9feab4e99d1fa6d9772ce2bf3a12e0323ded7c982c5e101a5e67f0cbc1e2b6f57ce99c279',
      ),
    ) as { tag: number; value: unknown[] };
    assert.equal(v.tag, 18);
    assert.equal(v.value.length, 4);
  });

  it('accepts bounded indefinite-length items (RFC 8949 §3.2)', () => {
    assert.deepEqual(decodeCbor(hex('9f0102ff')), [1, 2]);
    assert.deepEqual(decodeCbor(hex('bf0102ff')), new Map([[1, 2]]));
    // cbor-x cannot decode indefinite-length strings: refused by the scan, not by cbor-x.
    assert.equal(
      codeOf(() => decodeCbor(hex('5f4101420203ff'))),
      CBOR_CODES.UNSUPPORTED,
    );
  });
});

describe('decodeCbor — bombs and malformed input', () => {
  it('a 10-byte input claiming a 2^32-element array fails at once (CBOR_TOO_LARGE)', () => {
    assert.equal(
      codeOf(() => decodeCbor(hex('9b000000010000000000'))),
      CBOR_CODES.TOO_LARGE,
    );
    assert.equal(
      codeOf(() => decodeCbor(hex('9affffffff00'))),
      CBOR_CODES.TOO_LARGE,
    );
  });

  it('a 6-byte input claiming a 4 GB byte string fails at once (CBOR_TOO_LARGE)', () => {
    assert.equal(
      codeOf(() => decodeCbor(hex('5affffffff00'))),
      CBOR_CODES.TOO_LARGE,
    );
    assert.equal(
      codeOf(() => decodeCbor(hex('7b00000001000000006161'))),
      CBOR_CODES.TOO_LARGE,
    );
  });

  it('a map claiming more pairs than bytes remain fails (CBOR_TOO_LARGE)', () => {
    assert.equal(
      codeOf(() => decodeCbor(hex('ba0001000001'))),
      CBOR_CODES.TOO_LARGE,
    );
  });

  it('deep nesting fails (CBOR_TOO_DEEP); the same depth within the bound passes', () => {
    const deep = new Uint8Array(10_000).fill(0x81);
    deep[deep.length - 1] = 0x01;
    assert.equal(
      codeOf(() => decodeCbor(deep)),
      CBOR_CODES.TOO_DEEP,
    );
    const ok = new Uint8Array(DEFAULT_CBOR_LIMITS.maxDepth + 1).fill(0x81);
    ok[ok.length - 1] = 0x01;
    assert.equal(
      codeOf(() => decodeCbor(ok)),
      'accepted',
    );
    assert.equal(
      codeOf(() => decodeCbor(hex('d818d8184100'))),
      CBOR_CODES.TAG_NOT_ALLOWED,
    );
  });

  it('too many items fails (CBOR_TOO_MANY_ITEMS), also through indefinite length', () => {
    const limits: CborLimits = { ...DEFAULT_CBOR_LIMITS, maxItems: 100 };
    assert.equal(
      codeOf(() => decodeCbor(new Uint8Array([0x98, 200, ...new Array(200).fill(0)]), limits)),
      CBOR_CODES.TOO_MANY_ITEMS,
    );
    assert.equal(
      codeOf(() => decodeCbor(new Uint8Array([0x9f, ...new Array(200).fill(0), 0xff]), limits)),
      CBOR_CODES.TOO_MANY_ITEMS,
    );
    assert.equal(
      codeOf(() => decodeCbor(new Uint8Array([0x98, 50, ...new Array(50).fill(0)]), limits)),
      'accepted',
    );
  });

  it('the input size bound comes first (CBOR_TOO_LARGE)', () => {
    const limits: CborLimits = { ...DEFAULT_CBOR_LIMITS, maxBytes: 16 };
    assert.equal(
      codeOf(() => decodeCbor(new Uint8Array(enc.encode(new Uint8Array(32))), limits)),
      CBOR_CODES.TOO_LARGE,
    );
  });

  it('only the listed tags pass (CBOR_TAG_NOT_ALLOWED): bignum, CWT 61, cbor-x records', () => {
    assert.equal(
      codeOf(() => decodeCbor(hex('c249010000000000000000'))),
      CBOR_CODES.TAG_NOT_ALLOWED,
    );
    assert.equal(
      codeOf(() => decodeCbor(hex('d83d80'))),
      CBOR_CODES.TAG_NOT_ALLOWED,
    );
    assert.equal(
      codeOf(() => decodeCbor(hex('d9010280'))),
      CBOR_CODES.TAG_NOT_ALLOWED,
    );
    // A tag 24 must wrap a definite byte string.
    assert.equal(
      codeOf(() => decodeCbor(hex('d81801'))),
      CBOR_CODES.TAG_NOT_ALLOWED,
    );
    assert.equal(
      codeOf(() => decodeCbor(hex('d818a0'))),
      CBOR_CODES.TAG_NOT_ALLOWED,
    );
  });

  it('duplicate map keys fail (CBOR_DUPLICATE_KEY), byte-equal or equal after decoding', () => {
    assert.equal(
      codeOf(() => decodeCbor(hex('a201010102'))),
      CBOR_CODES.DUPLICATE_KEY,
    );
    assert.equal(
      codeOf(() => decodeCbor(hex('a20101180102'))),
      CBOR_CODES.DUPLICATE_KEY,
    );
    assert.equal(
      codeOf(() => decodeCbor(hex('a201010202'))),
      'accepted',
    );
  });

  it('malformed input fails CBOR_INVALID: reserved info, stray break, truncation, trailing bytes, bad UTF-8', () => {
    for (const h of ['1c', 'ff', '1901', '0101', '62c328', 'bf01ff', '9f01', 'bf01'])
      assert.equal(
        codeOf(() => decodeCbor(hex(h))),
        CBOR_CODES.INVALID,
        h,
      );
  });

  it('unassigned simple values are not accepted (CBOR_UNSUPPORTED)', () => {
    assert.equal(
      codeOf(() => decodeCbor(hex('f0'))),
      CBOR_CODES.UNSUPPORTED,
    );
    assert.equal(
      codeOf(() => decodeCbor(hex('f820'))),
      CBOR_CODES.UNSUPPORTED,
    );
    assert.equal(
      codeOf(() => decodeCbor(hex('9f01ff'), { ...DEFAULT_CBOR_LIMITS, allowIndefiniteLength: false })),
      CBOR_CODES.UNSUPPORTED,
    );
  });
});

describe('decodeCbor — properties', () => {
  it('random bytes never throw anything but a CBOR code, and never hang', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const code = codeOf(() => decodeCbor(bytes));
        assert.ok(code === 'accepted' || CODES.has(code), code);
      }),
      { numRuns: 3000 },
    );
  });

  it('mutated well-formed mdoc-like CBOR never throws anything but a CBOR code', () => {
    const base = new Uint8Array(
      enc.encode(
        new Map<unknown, unknown>([
          ['a', [1, new Tag(new Uint8Array(enc.encode(new Map([[1, 'x']]))), 24)]],
          [-7, new Uint8Array(9)],
        ]),
      ),
    );
    fc.assert(
      fc.property(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 }), (at, byte) => {
        const b = base.slice();
        b[at] = byte;
        const code = codeOf(() => decodeCbor(b));
        assert.ok(code === 'accepted' || CODES.has(code), code);
      }),
      { numRuns: 2000 },
    );
  });

  it('what cbor-x encodes (JSON-like values) decodes to the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const bytes = new Uint8Array(new Encoder({ useRecords: false, mapsAsObjects: true } as never).encode(value));
        scanCbor(bytes);
      }),
      { numRuns: 500 },
    );
  });
});
