/**
 * A presented chain that stops below its anchor is completed from the sub-CA certificates the
 * replica holds (issue 14: sub-CAs enter as records), and the completed chain is judged exactly as a
 * given one. Attack: a look-alike CA (same name as the held sub-CA, another key) issues a leaf —
 * completion finds the held sub-CA by name, and the leaf's signature does not verify under it.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { issueAccreditation } from '../../src/authoring/records.ts';
import { createSampleNetwork, type SampleNetwork } from '../../src/authoring/sample-network.ts';
import {
  type CertificateAuthority,
  createCertificateAuthority,
  type IssuedCertificate,
  issueEndEntityCertificate,
  signCrl,
} from '../../src/authoring/x509-records.ts';
import { Registry } from '../../src/registry.ts';
import { MemoryRecordStore } from '../../src/store/memory-store.ts';
import { CertificateVerificationCache } from '../../src/verification/certificate-verification-cache.ts';
import { verifyCertificateChain } from '../../src/verification/verify-certificate.ts';

const T0 = Date.parse('2026-06-01T00:00:00Z');
const POLICY = '1.2.392.200149.8.5.1.3.10';
const validFrom = new Date(T0 - 60_000);
const validUntil = new Date(T0 + 365 * 24 * 3600 * 1000);

describe('certificate chains completed from held sub-CA certificates', () => {
  let net: SampleNetwork;
  let root: CertificateAuthority;
  let signingCa: CertificateAuthority;
  let leaf: IssuedCertificate;

  const registryWith = async (withSubCa: boolean): Promise<Registry> => {
    const registry = await Registry.open(
      { networkId: net.networkId, genesisDigest: net.genesisDigest },
      { store: new MemoryRecordStore(), now: () => T0 },
    );
    for (const record of net.records) assert.equal((await registry.submit(record)).status, 'accept');
    const accreditation = await issueAccreditation(
      {
        accreditor: net.keys.jpAgency,
        role: 'ca',
        subjectCertificate: root.certificate,
        accreditedFor: [{ certificatePolicies: [POLICY], jurisdiction: 'JP' }],
        maxPathLength: 1,
        holdFinal: true,
        validFrom,
        validUntil,
      },
      net.documentLoader,
    );
    assert.equal((await registry.submit(accreditation)).status, 'accept');
    const crl = (issuer: CertificateAuthority) =>
      signCrl({ issuer, crlNumber: 1n, thisUpdate: new Date(T0 - 1000), nextUpdate: validUntil, entries: [] });
    assert.equal((await registry.submit(await crl(root))).status, 'accept');
    if (withSubCa) {
      assert.equal((await registry.submit(signingCa.certificate)).status, 'accept');
      assert.equal((await registry.submit(await crl(signingCa))).status, 'accept');
    }
    return registry;
  };

  before(async () => {
    net = await createSampleNetwork({ now: new Date(T0 - 60_000) });
    root = await createCertificateAuthority({
      name: 'CN=JPKI Root CA, O=J-LIS, C=JP',
      notBefore: validFrom,
      notAfter: validUntil,
      pathLength: 1,
    });
    signingCa = await createCertificateAuthority({
      name: 'CN=JPKI Signing CA, O=J-LIS, C=JP',
      notBefore: validFrom,
      notAfter: validUntil,
      issuer: root,
      pathLength: 0,
      policies: [POLICY],
    });
    leaf = await issueEndEntityCertificate({
      issuer: signingCa,
      subject: 'CN=Yamada Taro, C=JP',
      notBefore: validFrom,
      notAfter: validUntil,
      policies: [POLICY],
    });
  });

  it('control: the leaf alone verifies once the signing CA is held; without it, no anchor is found', async () => {
    const held = await registryWith(true);
    const alone = verifyCertificateChain(
      { chain: [leaf.certificate], purpose: 'nonRepudiation' },
      { view: held, now: T0 },
    );
    assert.equal(alone.verified, true, JSON.stringify(alone.checks));
    assert.equal(alone.asOf.crls.length, 2, 'both CAs’ CRLs read: the completed chain was checked whole');
    // The same through the verification cache the node keeps (anchors parsed once).
    const cache = new CertificateVerificationCache();
    for (let i = 0; i < 2; i++) {
      const cached = verifyCertificateChain({ chain: [leaf.certificate] }, { view: held, now: T0, cache });
      assert.equal(cached.verified, true, JSON.stringify(cached.checks));
    }
    const notHeld = await registryWith(false);
    const without = verifyCertificateChain({ chain: [leaf.certificate] }, { view: notHeld, now: T0 });
    assert.equal(without.verified, false);
    assert.equal(without.checks.find((c) => c.check === 'path')?.code, 'ANCHOR_NOT_FOUND');
  });

  it('attack: a leaf of a look-alike CA (same name, another key) is not saved by completion', async () => {
    const held = await registryWith(true);
    const lookAlike = await createCertificateAuthority({
      name: 'CN=JPKI Signing CA, O=J-LIS, C=JP',
      notBefore: validFrom,
      notAfter: validUntil,
      pathLength: 0,
    });
    const forged = await issueEndEntityCertificate({
      issuer: lookAlike,
      subject: 'CN=Yamada Taro, C=JP',
      notBefore: validFrom,
      notAfter: validUntil,
      policies: [POLICY],
    });
    const result = verifyCertificateChain({ chain: [forged.certificate] }, { view: held, now: T0 });
    assert.equal(result.verified, false);
    assert.equal(result.checks.find((c) => c.check === 'path')?.code, 'INVALID_SIGNATURE');
  });
});
