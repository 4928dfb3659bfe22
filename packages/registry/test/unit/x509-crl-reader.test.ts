/**
 * readCrl (RFC 5280 §5.1–§5.3) on CRLs made by `openssl ca`, compared field by field with what
 * `openssl crl -text` reads from the same bytes (the committed dumps), plus a 10,000-entry CRL built
 * in memory in shuffled order.
 */
import * as assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  CRL_CODES,
  CRL_REASON,
  crlDerFromPem,
  REASON_NONE,
  readCrl,
  readCrlHeader,
  verifyCrlSignature,
} from '../../src/x509/crl/index.ts';
import { ECDSA_SHA256, encodeCrl, name } from '../fixtures/x509/crl/crl-encoder.ts';
import { dumpedCrls, fixture, OPENSSL_REASONS, opensslDump } from '../fixtures/x509/crl/fixtures.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
// The fixtures openssl makes that readCrl refuses, each with its code (attack tests cover them).
const REFUSED: Record<string, string> = {
  'int-crl-full-remove': CRL_CODES.REMOVE_IN_FULL_CRL,
  'int-crl-idp-indirect': CRL_CODES.IDP_UNSUPPORTED,
  'int-crl-idp-reasons': CRL_CODES.IDP_UNSUPPORTED,
  'int-crl-unknown-critical': CRL_CODES.UNKNOWN_CRITICAL_EXTENSION,
};

describe('readCrl agrees with openssl crl -text', () => {
  for (const n of dumpedCrls()) {
    it(n, () => {
      const der = fixture(n);
      if (REFUSED[n]) {
        assert.throws(() => readCrl(der), { code: REFUSED[n] });
        return;
      }
      const crl = readCrl(der);
      const dump = opensslDump(n);
      assert.equal(crl.issuerName, dump.issuer);
      assert.equal(crl.thisUpdateMs, dump.lastUpdateMs);
      assert.equal(crl.nextUpdateMs, dump.nextUpdateMs);
      assert.equal(crl.crlNumber, dump.crlNumber);
      assert.equal(crl.baseCrlNumber, dump.deltaBase);
      assert.equal(
        crl.authorityKeyIdentifier ? hex(crl.authorityKeyIdentifier) : null,
        dump.authorityKeyId?.replaceAll(':', '') ?? null,
      );
      assert.equal(crl.entries.count, dump.revoked.size);
      for (let i = 0; i < crl.entries.count; i++) {
        const serial = hex(crl.entries.serialAt(i));
        const expected = dump.revoked.get(serial);
        assert.ok(expected, `serial ${serial} is in the openssl dump`);
        assert.equal(crl.entries.revokedAtMs(i), expected.revokedAtMs);
        const reason = crl.entries.reasonAt(i);
        assert.equal(
          reason === REASON_NONE ? null : reason,
          expected.reason === null ? null : OPENSSL_REASONS[expected.reason],
        );
      }
    });
  }

  it('notes freshestCRL and keeps the issuingDistributionPoint', () => {
    const crl = readCrl(fixture('int-crl-idp'));
    assert.deepEqual(crl.freshestCrl, { uris: ['http://crl.example/int-delta.crl'] });
    assert.ok(crl.issuingDistributionPoint && crl.issuingDistributionPoint[0] === 0x30);
    assert.equal(readCrl(fixture('int-crl-2')).issuingDistributionPoint, null);
  });

  it('the TBSCertList range is what the CA signed, and the header alone needs no entries', () => {
    const der = fixture('int-crl-2');
    const header = readCrlHeader(der);
    assert.equal(header.entryCount, -1);
    assert.equal(header.tbs.buffer, der.buffer, 'a view, not a copy');
    assert.equal(header.tbs[0], 0x30);
    assert.ok(header.entriesRange.end > header.entriesRange.start);
    assert.equal(readCrl(der).tbsDigest, header.tbsDigest);
  });

  it('hashes nothing until a digest is read, then hashes once (cheap checks come first)', () => {
    const der = new Uint8Array(fixture('int-crl-2'));
    const header = readCrlHeader(der);
    const honest = createHash('sha256').update(der).digest('hex');
    // Changing a byte of the signature after the header was read shows when the digest is taken.
    der[der.length - 1] = (der[der.length - 1] ?? 0) ^ 0xff;
    const changed = createHash('sha256').update(der).digest('hex');
    assert.equal(header.digest, changed, 'not hashed at read time');
    der[der.length - 1] = (der[der.length - 1] ?? 0) ^ 0xff;
    assert.equal(header.digest, changed, 'hashed once, then kept');
    assert.notEqual(changed, honest);
    // The entries keep the header's digests lazy and shared.
    const parsed = readCrl(new Uint8Array(fixture('int-crl-2')));
    assert.equal(parsed.digest, honest);
    assert.equal(parsed.tbsDigest, header.tbsDigest);
  });

  it('kept metadata are copies: a held CRL does not pin the DER, even read from a Buffer', () => {
    // Buffer#slice is a view: the reader must copy, or a kept field pins the whole DER.
    const der = Buffer.from(fixture('int-crl-idp'));
    const crl = readCrl(der);
    for (const kept of [
      crl.issuer,
      crl.issuingDistributionPoint!,
      crl.authorityKeyIdentifier!,
      crl.entries.toBytes(),
    ]) {
      assert.notEqual(kept.buffer, der.buffer);
    }
  });

  it('reads PEM', () => {
    const der = fixture('int-crl-1');
    const pem = `-----BEGIN X509 CRL-----\n${Buffer.from(der)
      .toString('base64')
      .replace(/(.{64})/g, '$1\n')}\n-----END X509 CRL-----\n`;
    assert.deepEqual(crlDerFromPem(pem), der);
    assert.equal(crlDerFromPem('no pem here'), null);
  });
});

describe('a 10,000-entry CRL built in memory', () => {
  it('decodes unsorted entries into a sorted index that finds every serial', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const t0 = Date.UTC(2025, 2, 1);
    const entries = Array.from({ length: 10_000 }, (_, i) => ({
      serial: randomBytes(16),
      revokedAtMs: t0 - (i % 1000) * 60_000,
      ...(i % 5 === 0 ? {} : { reason: [1, 4, 5, 6][i % 4]! }),
    }));
    const der = encodeCrl(
      { issuer: name([['2.5.4.3', 'Bulk CA']]), thisUpdateMs: t0, crlNumber: 77n, entries },
      { key: privateKey, algorithm: ECDSA_SHA256, hash: 'sha256' },
    );
    const crl = readCrl(der);
    assert.ok(verifyCrlSignature(crl, new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }))));
    assert.equal(crl.entries.count, entries.length);
    for (let i = 1; i < crl.entries.count; i++) {
      assert.ok(crl.entries.compareEntries(i - 1, crl.entries, i) < 0, 'strictly increasing');
    }
    for (const e of entries) {
      const at = crl.entries.find(e.serial);
      assert.ok(at >= 0);
      assert.equal(crl.entries.revokedAtMs(at), e.revokedAtMs);
      assert.equal(crl.entries.reasonAt(at), e.reason ?? REASON_NONE);
    }
    assert.equal(crl.entries.find(randomBytes(16)), -1);
    assert.equal(CRL_REASON.certificateHold, 6);
  });
});
