/**
 * Certificate-chain verification against a registry (issue 14, verifyCertificateChain): openssl's
 * JPKI-like chains (test/fixtures/x509/chains) to a root accredited through a real CA accreditation,
 * revocation from the root's and the intermediate's real CRLs. Each attack asserts its exact code
 * beside the honest control: an unaccredited root, an expired intermediate, a leaf of the wrong
 * purpose, a policy outside the grant, `at` outside the grant, a revoked leaf, no CRL held, and
 * inputs that are not certificates, too large or too many.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  CertificateVerificationCache,
  type CertificateVerificationResult,
  CERTIFICATE_PATH_CODES as P,
  type TrustView,
  verifyCertificateChain,
} from '../../src/index.ts';
import { makeWorld, T0, type World } from '../fixtures.ts';
import { crlSource, withRevocation, x509Fixture } from '../helpers/replica-crls.ts';
import { accreditCa, MDL } from './ca-fixtures.ts';
import { der } from './x509-path-fixtures.ts';

const SIGN_POLICY = '1.2.392.200149.8.5.1.3.10';
const AUTH_POLICY = '1.2.392.200149.8.5.1.3.30';
// The CRLs' thisUpdate is their make.sh run (2026-12-03); the grant runs T0 … T0 + 1 year.
const NOW = Date.parse('2027-01-15T00:00:00Z');
const pem = (name: string) => readFileSync(new URL(`../fixtures/x509/chains/${name}.pem`, import.meta.url), 'utf8');

async function setup(
  policies = [SIGN_POLICY, AUTH_POLICY],
  maxPathLength = 1,
): Promise<{ world: World; view: TrustView; id: string }> {
  const world = await makeWorld();
  const record = await accreditCa(
    world,
    world.net.keys.jpAgency,
    der('root'),
    [{ certificatePolicies: policies, jurisdiction: 'JP' }],
    { maxPathLength },
  );
  assert.equal((await world.registry.submit(record)).status, 'accept');
  world.clock.now = NOW;
  const source = crlSource([
    [der('root'), x509Fixture('chains/root.crl.pem')],
    [der('inter'), x509Fixture('chains/inter.crl.der')],
  ]);
  return { world, view: withRevocation(world.registry, source), id: record.id as string };
}

const failed = (r: CertificateVerificationResult) =>
  r.checks.filter((c) => c.outcome !== 'pass').map((c) => `${c.check}:${c.outcome}:${c.code}`);

describe('verifyCertificateChain against the replica', () => {
  it('control: a JPKI-like signing chain (PEM, leaf first) verifies, anchored to the accreditation, with both CRLs stamped', async () => {
    const { world, view, id } = await setup();
    const r = verifyCertificateChain(
      { chain: [pem('leaf-sign'), pem('inter')], purpose: ['digitalSignature', 'nonRepudiation'] },
      { view, now: world.clock.now },
    );
    assert.deepEqual(failed(r), []);
    assert.equal(r.verified, true);
    assert.deepEqual(
      r.checks.map((c) => c.check),
      ['path', 'validity', 'keyUsage', 'policy', 'revocation'],
    );
    assert.equal(r.anchor?.accreditationId, id);
    assert.equal(r.asOf.time, new Date(NOW).toISOString());
    assert.equal(r.asOf.governanceVersion, world.registry.governance()?.record.version);
    assert.equal(r.asOf.at, undefined);
    // The leaf is looked up in the intermediate's CRL, the intermediate in the root's.
    assert.equal(r.asOf.crls.length, 2);
    const issuers = r.asOf.crls.map((c) => c.issuer).join(' / ');
    assert.match(issuers, /Signing CA/);
    assert.match(issuers, /Root CA/);
    for (const crl of r.asOf.crls) {
      assert.match(crl.crlNumber, /^[0-9]+$/);
      assert.match(crl.thisUpdate, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      assert.match(crl.nextUpdate ?? '', /^\d{4}-\d\d-\d\dT/);
    }
  });

  it('a chain to an unaccredited root fails path ANCHOR_NOT_FOUND (with or without the root in the chain)', async () => {
    const { world, view } = await setup();
    for (const chain of [[pem('other-leaf')], [pem('other-leaf'), pem('other-root')]]) {
      const r = verifyCertificateChain({ chain }, { view, now: world.clock.now });
      assert.equal(r.verified, false);
      assert.equal(r.checks[0]?.code, P.ANCHOR_NOT_FOUND);
      assert.equal(r.anchor, undefined);
    }
  });

  it('an expired intermediate fails validity CERTIFICATE_EXPIRED; the current intermediate verifies', async () => {
    const { world, view } = await setup();
    const r = verifyCertificateChain(
      { chain: [pem('leaf-expired-inter'), pem('inter-expired')] },
      { view, now: world.clock.now },
    );
    assert.equal(r.verified, false);
    const validity = r.checks.find((c) => c.check === 'validity');
    assert.equal(validity?.code, P.CERTIFICATE_EXPIRED);
    assert.equal(validity?.details?.position, 1);
    assert.equal(
      verifyCertificateChain({ chain: [pem('leaf-sign'), pem('inter')] }, { view, now: world.clock.now }).verified,
      true,
    );
  });

  it('a leaf of the wrong purpose fails keyUsage with the exact code; its own purpose verifies', async () => {
    const { world, view } = await setup();
    const run = (purpose: 'nonRepudiation' | 'serverAuth' | 'clientAuth') =>
      verifyCertificateChain({ chain: [pem('leaf-auth'), pem('inter')], purpose }, { view, now: world.clock.now });
    assert.deepEqual(failed(run('nonRepudiation')), [`keyUsage:fail:${P.KEY_USAGE_MISMATCH}`]);
    assert.deepEqual(failed(run('serverAuth')), [`keyUsage:fail:${P.EXTENDED_KEY_USAGE_MISMATCH}`]);
    assert.equal(run('clientAuth').verified, true);
  });

  it('a policy outside the grant fails policy NO_VALID_POLICY (the CA is accredited for the signing policy only)', async () => {
    const { world, view } = await setup([SIGN_POLICY]);
    const auth = verifyCertificateChain({ chain: [pem('leaf-auth'), pem('inter')] }, { view, now: world.clock.now });
    assert.deepEqual(failed(auth), [`policy:fail:${P.NO_VALID_POLICY}`]);
    const sign = verifyCertificateChain({ chain: [pem('leaf-sign'), pem('inter')] }, { view, now: world.clock.now });
    assert.equal(sign.verified, true);
  });

  it("the grant's maxPathLength caps the intermediates: 0 fails path PATH_LENGTH_EXCEEDED", async () => {
    const { world, view } = await setup([SIGN_POLICY, AUTH_POLICY], 0);
    const r = verifyCertificateChain({ chain: [pem('leaf-sign'), pem('inter')] }, { view, now: world.clock.now });
    assert.deepEqual(failed(r), [`path:fail:${P.PATH_LENGTH_EXCEEDED}`]);
  });

  it('`at` before or after the grant fails path ANCHOR_NOT_ACCREDITED; `at` inside it verifies and is stamped', async () => {
    const { world, view } = await setup();
    const chain = [pem('leaf-sign'), pem('inter')];
    for (const at of [T0 - 24 * 3600_000, T0 + 400 * 24 * 3600_000]) {
      const r = verifyCertificateChain({ chain, at }, { view, now: world.clock.now });
      assert.equal(r.verified, false);
      assert.equal(r.checks[0]?.code, P.ANCHOR_NOT_ACCREDITED, new Date(at).toISOString());
    }
    const at = Date.parse('2027-02-01T00:00:00Z');
    const r = verifyCertificateChain({ chain, at }, { view, now: world.clock.now });
    assert.equal(r.verified, true, JSON.stringify(failed(r)));
    assert.equal(r.asOf.at, new Date(at).toISOString());
  });

  it('a leaf the intermediate CRL revokes fails revocation CERTIFICATE_REVOKED, the CRL stamped', async () => {
    const { world, view } = await setup();
    const r = verifyCertificateChain({ chain: [pem('leaf-wrong-ku'), pem('inter')] }, { view, now: world.clock.now });
    assert.deepEqual(failed(r), [`revocation:fail:${P.CERTIFICATE_REVOKED}`]);
    const revocation = r.checks.find((c) => c.check === 'revocation');
    assert.match(String((revocation?.details?.crl as { issuer?: string })?.issuer), /Signing CA/);
    assert.equal(r.asOf.crls.length, 2);
  });

  it('a replica that holds no CRL answers revocation undetermined CRL_MISSING: not verified, every other check passes', async () => {
    const { world } = await setup();
    const r = verifyCertificateChain(
      { chain: [pem('leaf-sign'), pem('inter')] },
      { view: world.registry, now: world.clock.now },
    );
    assert.equal(r.verified, false);
    assert.deepEqual(failed(r), ['revocation:undetermined:CRL_MISSING']);
    assert.deepEqual(r.asOf.crls, []);
  });

  it('bad input is an answer, never a throw: not a certificate, 10 MB, 11 certificates (the codes of the input)', async () => {
    const { world, view } = await setup();
    const run = (chain: (string | Uint8Array)[]) => verifyCertificateChain({ chain }, { view, now: world.clock.now });
    const notCert = run(['-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----']);
    assert.equal(notCert.checks[0]?.code, P.CERTIFICATE_INVALID);
    const huge = run([pem('leaf-sign'), 'A'.repeat(10 * 1024 * 1024)]);
    assert.equal(huge.checks[0]?.code, P.CERTIFICATE_TOO_LARGE);
    assert.equal(huge.checks[0]?.details?.position, 1);
    assert.equal(run(new Array(11).fill(pem('inter'))).checks[0]?.code, P.CHAIN_TOO_LONG);
    assert.equal(run([]).checks[0]?.code, P.CERTIFICATE_INVALID);
    for (const r of [notCert, huge]) {
      assert.equal(r.verified, false);
      assert.deepEqual(
        r.checks.slice(1).map((c) => c.code),
        new Array(4).fill(P.NOT_EVALUATED),
      );
    }
    // DER bytes are read as they are.
    assert.equal(run([der('leaf-sign'), der('inter')]).verified, true);
  });

  it('a shared cache prepares anchors once per set of accredited CAs, and a new accreditation is seen at once', async () => {
    const { world, view } = await setup();
    const cache = new CertificateVerificationCache();
    const chain = [pem('leaf-sign'), pem('inter')];
    for (let i = 0; i < 3; i++)
      assert.equal(verifyCertificateChain({ chain }, { view, now: NOW, cache }).verified, true);
    assert.equal(cache.anchorSets, 1);
    assert.equal(cache.certificates.size, 1, "the intermediate only: the holder's leaf is never held");
    // An unaccredited root fails; once accredited, the same cache anchors to it.
    const other = [pem('other-leaf')];
    assert.equal(
      verifyCertificateChain({ chain: other }, { view, now: NOW, cache }).checks[0]?.code,
      P.ANCHOR_NOT_FOUND,
    );
    world.clock.now = T0 + 60_000;
    const record = await accreditCa(world, world.net.keys.jpAgency, der('other-root'), [
      { certificatePolicies: [SIGN_POLICY], jurisdiction: 'JP' },
    ]);
    assert.equal((await world.registry.submit(record)).status, 'accept');
    const again = verifyCertificateChain({ chain: other }, { view, now: NOW, cache });
    assert.equal(again.checks[0]?.outcome, 'pass', JSON.stringify(again.checks[0]));
    assert.equal(again.anchor?.accreditationId, record.id);
    assert.equal(cache.anchorSets, 2);
    // An mdoc IACA accredited for docTypes changes the set too, and anchors no certificate-policy chain.
    const iaca = await accreditCa(world, world.net.keys.jpAgency, x509Fixture('mdoc/iaca-jp.der'), [
      { docTypes: [MDL], jurisdiction: 'JP' },
    ]);
    assert.equal((await world.registry.submit(iaca)).status, 'accept');
    assert.equal(verifyCertificateChain({ chain }, { view, now: NOW, cache }).verified, true);
    assert.equal(cache.anchorSets, 3);
  });
});
