/**
 * Hostile CRLs at decoding (RFC 5280 §5.1–§5.3): each rule of readCrl broken once, with its exact code,
 * beside the honest CRL built the same way. What `openssl ca` can make comes from the fixtures; the
 * rest (entry extensions of any kind, malformed fields) is built in memory and signed by a real key.
 */
import * as assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { CRL_CODES, DEFAULT_CRL_LIMITS, readCrl, tryReadCrl } from '../../src/x509/crl/index.ts';
import {
  type CrlSpec,
  ECDSA_SHA256,
  encodeCrl,
  extension,
  integer,
  name,
  oid,
  RSA_SHA256,
  seq,
  tlv,
} from '../fixtures/x509/crl/crl-encoder.ts';
import { fixture } from '../fixtures/x509/crl/fixtures.ts';

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const SIGNER = { key: privateKey, algorithm: ECDSA_SHA256, hash: 'sha256' };
const T = Date.UTC(2025, 2, 1);
const BASE: CrlSpec = {
  issuer: name([['2.5.4.3', 'Hostile CA']]),
  thisUpdateMs: T,
  crlNumber: 9n,
  entries: [{ serial: new Uint8Array([0x42, 0x01]), revokedAtMs: T - 1000, reason: 1 }],
};
const make = (over: Partial<CrlSpec>) => encodeCrl({ ...BASE, ...over }, SIGNER);
const code = (der: Uint8Array, limits = DEFAULT_CRL_LIMITS) => {
  const o = tryReadCrl(der, limits);
  return o.status === 'accept' ? 'accept' : o.error.code;
};
const entryWith = (...extensions: Uint8Array[]) => ({
  entries: [{ serial: new Uint8Array([0x42, 0x01]), revokedAtMs: T - 1000, extensions }],
});

describe('readCrl rules', () => {
  it('honest control', () => assert.equal(code(make({})), 'accept'));

  it('[REJECT] CRL_VERSION_UNSUPPORTED: v1 (no version) or a version other than v2', () => {
    assert.equal(code(make({ version: null })), CRL_CODES.VERSION_UNSUPPORTED);
    assert.equal(code(make({ version: 2 })), CRL_CODES.VERSION_UNSUPPORTED);
  });

  it('[REJECT] CRL_SIGNATURE_ALGORITHM_MISMATCH: TBSCertList.signature differs (§5.1.1.2)', () => {
    assert.equal(code(make({ tbsAlgorithm: RSA_SHA256 })), CRL_CODES.SIGNATURE_ALGORITHM_MISMATCH);
  });

  it('[REJECT] CRL_NUMBER_MISSING / CRL_NUMBER_INVALID (§5.2.3)', () => {
    assert.equal(code(make({ crlNumber: null })), CRL_CODES.NUMBER_MISSING);
    assert.equal(code(make({ crlNumber: 2n ** 160n })), CRL_CODES.NUMBER_INVALID);
    assert.equal(code(make({ crlNumber: 2n ** 160n - 1n })), 'accept');
    const negative = extension('2.5.29.20', false, tlv(0x02, new Uint8Array([0xff])));
    assert.equal(code(make({ crlNumber: null, extensions: [negative] })), CRL_CODES.NUMBER_INVALID);
    assert.equal(code(make({ baseCrlNumber: 9n, entries: [] })), CRL_CODES.NUMBER_INVALID);
    assert.equal(code(make({ baseCrlNumber: 8n })), 'accept');
  });

  it('[REJECT] CRL_MALFORMED: a non-critical deltaCRLIndicator (§5.2.4), an empty issuer (§5.1.2.3)', () => {
    assert.equal(code(make({ extensions: [extension('2.5.29.27', false, integer(1n))] })), CRL_CODES.MALFORMED);
    assert.equal(code(make({ issuer: seq() })), CRL_CODES.MALFORMED);
  });

  it('[REJECT] CRL_DUPLICATE_EXTENSION: the same extension twice (§4.2)', () => {
    const aki = extension('2.5.29.35', false, seq(tlv(0x80, new Uint8Array([1, 2]))));
    assert.equal(code(make({ extensions: [aki, aki] })), CRL_CODES.DUPLICATE_EXTENSION);
    assert.equal(code(make({ extensions: [aki] })), 'accept');
    const reason = extension('2.5.29.21', false, tlv(0x0a, new Uint8Array([1])));
    assert.equal(code(make(entryWith(reason, reason))), CRL_CODES.DUPLICATE_EXTENSION);
  });

  it('[REJECT] CRL_UNKNOWN_CRITICAL_EXTENSION: in the CRL (openssl) and in an entry (§5.2, §5.3)', () => {
    assert.equal(code(fixture('int-crl-unknown-critical')), CRL_CODES.UNKNOWN_CRITICAL_EXTENSION);
    const unknown = (critical: boolean) => extension('1.3.6.1.4.1.55555.2', critical, tlv(0x05));
    assert.equal(code(make(entryWith(unknown(true)))), CRL_CODES.UNKNOWN_CRITICAL_EXTENSION);
    assert.equal(code(make(entryWith(unknown(false)))), 'accept');
    assert.equal(code(make({ extensions: [unknown(false)] })), 'accept');
  });

  it('[REJECT] CRL_IDP_UNSUPPORTED: indirectCRL or onlySomeReasons (§5.2.5); a plain IDP is read', () => {
    assert.equal(code(fixture('int-crl-idp-indirect')), CRL_CODES.IDP_UNSUPPORTED);
    assert.equal(code(fixture('int-crl-idp-reasons')), CRL_CODES.IDP_UNSUPPORTED);
    assert.equal(code(fixture('int-crl-idp')), 'accept');
  });

  it('[REJECT] CRL_INDIRECT_UNSUPPORTED: a certificateIssuer entry extension (§5.3.3)', () => {
    const issuer = extension('2.5.29.29', true, seq(tlv(0xa4, name([['2.5.4.3', 'Other CA']]))));
    assert.equal(code(make(entryWith(issuer))), CRL_CODES.INDIRECT_UNSUPPORTED);
  });

  it('[REJECT] CRL_REASON_INVALID: 7 (unused), 11, or not one ENUMERATED octet (§5.3.1)', () => {
    for (const r of [7, 11])
      assert.equal(
        code(make(entryWith(extension('2.5.29.21', false, tlv(0x0a, new Uint8Array([r])))))),
        CRL_CODES.REASON_INVALID,
      );
    assert.equal(
      code(make(entryWith(extension('2.5.29.21', false, tlv(0x02, new Uint8Array([1])))))),
      CRL_CODES.REASON_INVALID,
    );
    assert.equal(code(make(entryWith(extension('2.5.29.21', false, tlv(0x0a, new Uint8Array([10])))))), 'accept');
  });

  it('[REJECT] CRL_REMOVE_IN_FULL_CRL: removeFromCRL outside a delta (openssl and in memory)', () => {
    assert.equal(code(fixture('int-crl-full-remove')), CRL_CODES.REMOVE_IN_FULL_CRL);
    const remove = { entries: [{ serial: new Uint8Array([7]), revokedAtMs: T, reason: 8 }] };
    assert.equal(code(make(remove)), CRL_CODES.REMOVE_IN_FULL_CRL);
    assert.equal(code(make({ ...remove, baseCrlNumber: 8n })), 'accept');
  });

  it('[REJECT] CRL_DUPLICATE_SERIAL: one serial listed twice, even spelled with a sign octet', () => {
    const e = { serial: new Uint8Array([0x42, 0x01]), revokedAtMs: T };
    assert.equal(code(make({ entries: [e, { ...e, reason: 6 }] })), CRL_CODES.DUPLICATE_SERIAL);
    const signed = { serial: new Uint8Array([0x00, 0x81]), rawSerial: true, revokedAtMs: T };
    const bare = { serial: new Uint8Array([0x81]), rawSerial: true, revokedAtMs: T };
    assert.equal(code(make({ entries: [signed, bare] })), CRL_CODES.DUPLICATE_SERIAL);
    assert.equal(code(make({ entries: [e, { ...e, serial: new Uint8Array([0x42, 0x02]) }] })), 'accept');
  });

  it('[REJECT] CRL_SERIAL_INVALID: a serial longer than maxSerialBytes; CRL_DER_INVALID: not minimal', () => {
    const long = { serial: randomBytes(33).fill(0x11, 0, 1), revokedAtMs: T };
    assert.equal(code(make({ entries: [long] })), CRL_CODES.SERIAL_INVALID);
    assert.equal(code(make({ entries: [{ ...long, serial: long.serial.subarray(0, 32) }] })), 'accept');
    const padded = { serial: new Uint8Array([0x00, 0x01]), rawSerial: true, revokedAtMs: T };
    assert.equal(code(make({ entries: [padded] })), CRL_CODES.DER_INVALID);
  });

  it('[REJECT] CRL_TIME_INVALID: fractional seconds, no Z, an impossible date (§4.1.2.5)', () => {
    const der = make({});
    const text = Buffer.from(der).toString('latin1');
    const at = text.indexOf('250301000000Z');
    for (const bad of ['250301000000+', '250230000000Z', '251301000000Z', '2503010000000']) {
      const copy = der.slice();
      copy.set(Buffer.from(bad, 'latin1'), at);
      assert.equal(code(copy), CRL_CODES.TIME_INVALID, bad);
    }
    const fraction = extension('2.5.29.24', false, tlv(0x18, Buffer.from('20250101000000.5Z')));
    assert.equal(code(make(entryWith(fraction))), CRL_CODES.TIME_INVALID);
    assert.equal(
      code(make(entryWith(extension('2.5.29.24', false, tlv(0x18, Buffer.from('20250101000000Z')))))),
      'accept',
    );
  });

  it('[REJECT] CRL_TOO_LARGE: beyond maxBytes or maxEntries, before any entry is decoded', () => {
    const entries = Array.from({ length: 50 }, (_, i) => ({ serial: new Uint8Array([1, i]), revokedAtMs: T }));
    const der = make({ entries });
    assert.equal(code(der, { ...DEFAULT_CRL_LIMITS, maxBytes: der.length - 1 }), CRL_CODES.TOO_LARGE);
    assert.equal(code(der, { ...DEFAULT_CRL_LIMITS, maxEntries: 49 }), CRL_CODES.TOO_LARGE);
    assert.equal(code(der, { ...DEFAULT_CRL_LIMITS, maxBytes: der.length, maxEntries: 50 }), 'accept');
  });

  it('an empty revokedCertificates list and an absent one both read as no entries', () => {
    assert.equal(readCrl(make({ entries: [] })).entries.count, 0);
    assert.equal(readCrl(make({ entriesDer: new Uint8Array(0) })).entries.count, 0);
    assert.equal(oid('2.5.29.20')[0], 0x06);
  });
});
