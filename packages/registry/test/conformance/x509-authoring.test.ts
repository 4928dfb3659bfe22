/**
 * The X.509 authoring helpers (authoring/x509-records.ts, made with @peculiar/x509) produce what a
 * CA's own tools produce: a root → subordinate → signing-certificate chain that RFC 5280 path
 * validation accepts under the root as anchor, and CRLs (full, hold, delta with removeFromCRL) that
 * the CRL reader, the succession rules and the lookup read as a CA meant them. (Checked once by hand
 * against `openssl verify` and `openssl crl -text`; the tests use the registry's own readers so they
 * run without openssl.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCertificateAuthority, issueEndEntityCertificate, signCrl } from '../../src/authoring/x509-records.ts';
import { certificateSpkiSha256 } from '../../src/x509/ca-certificate.ts';
import { heldFromCrl, judgeCrl, lookupCrl, readCrl } from '../../src/x509/crl/index.ts';
import { validateCertificatePath } from '../../src/x509/path/index.ts';
import type { CaTrustAnchor, RevocationSource } from '../../src/x509/types.ts';

const NOT_BEFORE = new Date('2025-01-01T00:00:00Z');
const NOT_AFTER = new Date('2045-01-01T00:00:00Z');
const AT = Date.parse('2026-01-01T12:00:00Z');
const JPKI_SIGNING_POLICY = '1.2.392.200149.8.5.1.3.10';

const root = await createCertificateAuthority({
  name: 'CN=JPKI Root CA, O=J-LIS, C=JP',
  notBefore: NOT_BEFORE,
  notAfter: NOT_AFTER,
  pathLength: 1,
});
const signingCa = await createCertificateAuthority({
  name: 'CN=JPKI Signing CA, O=J-LIS, C=JP',
  notBefore: NOT_BEFORE,
  notAfter: NOT_AFTER,
  issuer: root,
  pathLength: 0,
  policies: [JPKI_SIGNING_POLICY],
});
const leaf = await issueEndEntityCertificate({
  issuer: signingCa,
  subject: 'CN=Yamada Taro, C=JP',
  notBefore: NOT_BEFORE,
  notAfter: NOT_AFTER,
  policies: [JPKI_SIGNING_POLICY],
});

const anchor: CaTrustAnchor = {
  certificate: root.certificate,
  spkiSha256: certificateSpkiSha256(root.certificate),
  accreditationId: 'urn:uuid:test-root-accreditation',
  policies: [JPKI_SIGNING_POLICY],
  docTypes: [],
  jurisdictions: ['JP'],
  maxPathLength: 1,
  holdFinal: true,
  validFromMs: NOT_BEFORE.getTime(),
  validUntilMs: NOT_AFTER.getTime(),
};
const stamp = { issuer: 'test', crlNumber: '1', thisUpdate: '2026-01-01T00:00:00Z' };
const everyoneGood: RevocationSource = { lookup: () => ({ state: 'good', crl: stamp }) };

describe('X.509 authoring (issue 14)', () => {
  it('makes a chain that RFC 5280 path validation accepts under its root, for a signing purpose', () => {
    const result = validateCertificatePath(
      { chain: [leaf.certificate, signingCa.certificate], atMs: AT, purpose: 'nonRepudiation' },
      [anchor],
      everyoneGood,
    );
    assert.equal(result.verified, true, JSON.stringify(result.checks));
    // Control: the same chain under another root's anchor does not verify.
    const otherRoot = { ...anchor, certificate: signingCa.certificate, spkiSha256: 'x' };
    assert.equal(
      validateCertificatePath({ chain: [leaf.certificate], atMs: AT }, [otherRoot], everyoneGood).verified,
      false,
    );
  });

  it('signs CRLs the reader and the succession rules read as meant: a hold, then its release by a delta', async () => {
    const holdCrl = await signCrl({
      issuer: signingCa,
      crlNumber: 7n,
      thisUpdate: new Date('2026-01-01T00:00:00Z'),
      nextUpdate: new Date('2026-01-02T00:00:00Z'),
      entries: [{ serial: leaf.serial, revokedAt: new Date('2026-01-01T00:00:00Z'), reason: 'certificateHold' }],
    });
    const parsed = readCrl(holdCrl);
    assert.equal(parsed.crlNumber, 7n);
    assert.equal(parsed.baseCrlNumber, null);
    const serial = Buffer.from(leaf.serial, 'hex');
    const held = heldFromCrl(parsed);
    assert.equal(lookupCrl(held, serial, AT).state, 'hold');
    const release = await signCrl({
      issuer: signingCa,
      crlNumber: 8n,
      deltaBase: 7n,
      thisUpdate: new Date('2026-01-01T01:00:00Z'),
      nextUpdate: new Date('2026-01-02T00:00:00Z'),
      entries: [{ serial: leaf.serial, revokedAt: new Date('2026-01-01T01:00:00Z'), reason: 'removeFromCRL' }],
    });
    const delta = readCrl(release);
    assert.equal(delta.baseCrlNumber, 7n);
    // A CA whose hold is final (JPKI) may not release it; another CA may.
    assert.equal(judgeCrl(held, delta, { holdFinal: true }).status, 'reject');
    const released = judgeCrl(held, delta, { holdFinal: false });
    assert.equal(released.status, 'accept');
    if (released.status === 'accept') assert.equal(lookupCrl(released.held, serial, AT).state, 'good');
  });
});
