/**
 * Certificate input (issue 14): PEM, base64, base64url and DER all read to the same bytes, and every
 * bound is checked before anything is decoded — a 10 MB input is refused on its length alone.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../src/errors.ts';
import {
  CERTIFICATE_INPUT_CODES as CODES,
  readCertificateChainInput,
  readCertificateInput,
} from '../../src/x509/certificate-input.ts';

// A DER SEQUENCE with a long-form length (the reader checks the outer structure only).
const DER = Uint8Array.from([0x30, 0x82, 0x01, 0x00, ...Array.from({ length: 256 }, (_, i) => i & 0xff)]);
const B64 = Buffer.from(DER).toString('base64');
const PEM = `-----BEGIN CERTIFICATE-----\r\n${B64.match(/.{1,64}/g)!.join('\r\n')}\r\n-----END CERTIFICATE-----\r\n`;

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ValidationError);
    assert.equal(error.action, 'reject');
    return error.code;
  }
  assert.fail('expected a rejection');
}

describe('readCertificateInput', () => {
  it('PEM, PEM bytes, base64, base64url and DER give the same DER', () => {
    for (const input of [PEM, Buffer.from(PEM), B64, Buffer.from(DER).toString('base64url'), DER]) {
      assert.deepEqual(Buffer.from(readCertificateInput(input)), Buffer.from(DER));
    }
  });

  it('a 10 MB certificate is refused on its length, before decoding (CERTIFICATE_TOO_LARGE)', () => {
    // Neither is decodable: had anything been read, the code would be CERTIFICATE_INVALID.
    assert.equal(
      code(() => readCertificateInput('!'.repeat(10 * 1024 * 1024))),
      CODES.CERTIFICATE_TOO_LARGE,
    );
    assert.equal(
      code(() => readCertificateInput(new Uint8Array(10 * 1024 * 1024))),
      CODES.CERTIFICATE_TOO_LARGE,
    );
    // Text short enough for the text bound that decodes past the byte bound.
    assert.equal(
      code(() => readCertificateInput(B64, { maxCertificateBytes: 255 })),
      CODES.CERTIFICATE_TOO_LARGE,
    );
    assert.deepEqual(readCertificateInput(B64, { maxCertificateBytes: DER.length }).length, DER.length);
  });

  it('two PEM blocks, broken PEM, non-base64, mixed alphabets, a non-SEQUENCE or trailing bytes → CERTIFICATE_INVALID', () => {
    for (const bad of [
      PEM + PEM,
      PEM.replace('-----END CERTIFICATE-----', ''),
      PEM.replace(B64.slice(0, 8), '********'),
      'not base64 at all',
      `${B64.slice(0, 10)}-_${B64.slice(12)}`,
      Uint8Array.of(0x31, 0x00),
      Uint8Array.from([...DER, 0x00]),
      Uint8Array.from(DER.subarray(0, 100)),
      Uint8Array.of(0x30, 0x80, 0x00, 0x00),
      Uint8Array.from([0x30, 0x83, 0x00, ...DER.subarray(2)]),
      Uint8Array.of(0x30, 0x81, 0x01, 0x00),
    ]) {
      assert.equal(
        code(() => readCertificateInput(bad)),
        CODES.CERTIFICATE_INVALID,
        String(bad).slice(0, 40),
      );
    }
    assert.equal(
      code(() => readCertificateInput(42 as unknown as string)),
      CODES.CERTIFICATE_INVALID,
    );
  });
});

describe('readCertificateChainInput', () => {
  it('reads each certificate and names its index', () => {
    assert.equal(readCertificateChainInput([PEM, B64]).length, 2);
    try {
      readCertificateChainInput([PEM, 'nope']);
      assert.fail('expected a rejection');
    } catch (error) {
      assert.ok(error instanceof ValidationError);
      assert.equal(error.field, 'chain[1]');
    }
  });

  it('more than 10 certificates → CHAIN_TOO_LONG before any is read; none → CERTIFICATE_INVALID', () => {
    assert.equal(
      code(() => readCertificateChainInput(Array(11).fill('!'))),
      CODES.CHAIN_TOO_LONG,
    );
    assert.equal(
      code(() => readCertificateChainInput(Array(3).fill(PEM), { maxChainLength: 2 })),
      CODES.CHAIN_TOO_LONG,
    );
    assert.equal(
      code(() => readCertificateChainInput([])),
      CODES.CERTIFICATE_INVALID,
    );
  });
});
