/**
 * The bounded DER reader and readCrl on hostile bytes (fast-check): random bytes and mutations of a
 * real CRL never throw anything but a typed `reject` error of CRL_CODES, and always end; plus the DER
 * rules one by one (indefinite length, length beyond the enclosing value, non-minimal lengths,
 * nesting cap, trailing data), each beside an honest control.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ValidationError } from '../../src/errors.ts';
import { CRL_CODES, DerReader, readCrl } from '../../src/x509/crl/index.ts';
import { fixture } from '../fixtures/x509/crl/fixtures.ts';

const CODES = new Set<string>(Object.values(CRL_CODES));

function onlyTyped(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ValidationError, `not a ValidationError: ${String(error)}`);
    assert.ok(CODES.has(error.code), `unexpected code ${error.code}`);
    assert.equal(error.action, 'reject');
  }
}

/** Reads every TLV, descending into constructed ones. */
function walk(r: DerReader): void {
  while (r.hasMore()) {
    const tag = r.next('x');
    if (tag & 0x20) walk(r.child('x'));
  }
}

describe('DER reader on hostile bytes', () => {
  it('random bytes: readCrl and a full DER walk throw only typed errors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        onlyTyped(() => readCrl(bytes));
        onlyTyped(() => walk(new DerReader(bytes, 0, bytes.length, 0, 16)));
      }),
      { numRuns: 2000 },
    );
  });

  it('random structure: SEQUENCE-shaped prefixes throw only typed errors', () => {
    const header = fc.constantFrom(0x30, 0xa0, 0x02, 0x17, 0x18, 0x06, 0x04, 0x03, 0x80, 0x31);
    fc.assert(
      fc.property(fc.array(fc.tuple(header, fc.uint8Array({ maxLength: 6 })), { maxLength: 40 }), (parts) => {
        const bytes = new Uint8Array(parts.flatMap(([t, b]) => [t, b.length, ...b]));
        onlyTyped(() => readCrl(bytes));
      }),
      { numRuns: 1000 },
    );
  });

  it('mutations of a real CRL: flipped octets and truncations throw only typed errors or read', () => {
    const der = fixture('int-delta-3');
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), fc.nat(), (at, xor, cut) => {
        const bytes = der.slice();
        bytes[at % bytes.length]! ^= xor;
        onlyTyped(() => readCrl(bytes));
        onlyTyped(() => readCrl(der.subarray(0, cut % der.length)));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('DER rules', () => {
  const code = (bytes: number[], depth = 16) => {
    try {
      walk(new DerReader(new Uint8Array(bytes), 0, bytes.length, 0, depth));
      return 'ok';
    } catch (error) {
      return (error as ValidationError).code;
    }
  };

  it('definite lengths only (X.690 §10.1)', () => {
    assert.equal(code([0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00]), CRL_CODES.DER_INVALID);
    assert.equal(code([0x30, 0x03, 0x02, 0x01, 0x01]), 'ok');
  });

  it('a length beyond the enclosing value', () => {
    assert.equal(code([0x30, 0x05, 0x02, 0x01, 0x01]), CRL_CODES.DER_INVALID);
    assert.equal(code([0x30, 0x04, 0x02, 0x03, 0x01, 0x02]), CRL_CODES.DER_INVALID);
    assert.equal(code([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), CRL_CODES.DER_INVALID);
  });

  it('minimal length octets', () => {
    assert.equal(code([0x04, 0x81, 0x01, 0x00]), CRL_CODES.DER_INVALID);
    assert.equal(code([0x04, 0x82, 0x00, 0x81, ...new Array(0x81).fill(0)]), CRL_CODES.DER_INVALID);
    assert.equal(code([0x04, 0x81, 0x81, ...new Array(0x81).fill(0)]), 'ok');
  });

  it('nesting cap', () => {
    const nest = (n: number): number[] => (n === 0 ? [0x05, 0x00] : [0x30, ...((x) => [x.length, ...x])(nest(n - 1))]);
    assert.equal(code(nest(20), 16), CRL_CODES.DER_TOO_DEEP);
    assert.equal(code(nest(10), 16), 'ok');
  });

  it('trailing data after the CertificateList', () => {
    const der = fixture('int-crl-1');
    assert.throws(() => readCrl(new Uint8Array([...der, 0x00])), { code: CRL_CODES.DER_INVALID });
    assert.equal(readCrl(der).crlNumber, 1n);
  });

  it('high tag numbers are refused', () => {
    assert.equal(code([0x1f, 0x81, 0x00, 0x00]), CRL_CODES.DER_INVALID);
  });
});
