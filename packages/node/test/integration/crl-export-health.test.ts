/**
 * Issue 14, CRLs beyond admission: `GET /records` carries the held sub-CA certificates and CRLs
 * (complete and delta) as PEM, streamed, so `trustmesh export --node` bundles them; `/health` names a
 * held CRL past its nextUpdate (`CRL_STALE`, degraded) — exactly when its lookups fail closed — and
 * is quiet again once a fresh CRL arrives. The PKI is made with the registry's X.509 authoring
 * helpers (@peculiar/x509); the node's clock is the world's.
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type CertificateAuthority,
  createCertificateAuthority,
  issueAccreditation,
  issueEndEntityCertificate,
  pemToDer,
  signCrl,
} from '@trustmesh/registry';
import { crlHealthWarnings } from '../../src/health/node-health.ts';
import { AUTH, makeVcApiWorld, post, T0, type VcApiWorld } from './vc-api-world.ts';

const POLICY = '1.2.392.200149.8.5.1.3.10';
const DAY = 86_400_000;
const codes = (warnings: string[]) => warnings.map((w) => w.slice(0, w.indexOf(':')));

describe('CRLs in GET /records and /health (issue 14)', () => {
  let world: VcApiWorld;
  let root: CertificateAuthority;
  let signing: CertificateAuthority;
  let heldSerial: string;
  const crls: Record<string, Uint8Array> = {};

  const postDer = (body: Uint8Array, type: string) =>
    world.verifying.api.app.inject({
      method: 'POST',
      url: '/records',
      payload: Buffer.from(body),
      headers: { ...AUTH, 'content-type': type },
    });
  const get = (url: string) => world.verifying.api.app.inject({ method: 'GET', url });

  before(async () => {
    world = await makeVcApiWorld('jpHealthInsurer', 'https://jp-issuer.example');
    const notBefore = new Date(T0 - 365 * DAY);
    const notAfter = new Date(T0 + 20 * 365 * DAY);
    root = await createCertificateAuthority({
      name: 'CN=Test Root CA, O=J-LIS, C=JP',
      notBefore,
      notAfter,
      pathLength: 1,
    });
    signing = await createCertificateAuthority({
      name: 'CN=Test Signing CA, O=J-LIS, C=JP',
      notBefore,
      notAfter,
      issuer: root,
      pathLength: 0,
      policies: [POLICY],
    });
    const leaf = await issueEndEntityCertificate({
      issuer: signing,
      subject: 'CN=Yamada Taro, C=JP',
      notBefore,
      notAfter,
      policies: [POLICY],
    });
    heldSerial = leaf.serial;
    const accreditation = await issueAccreditation(
      {
        accreditor: world.net.keys.jpAgency,
        role: 'ca',
        subjectCertificate: root.certificate,
        accreditedFor: [{ certificatePolicies: [POLICY], jurisdiction: 'JP' }],
        maxPathLength: 1,
        holdFinal: true,
        validFrom: new Date(T0),
        validUntil: new Date(T0 + 365 * DAY),
      },
      world.net.documentLoader,
    );
    assert.equal((await post(world.verifying.api, '/records', accreditation, AUTH)).status, 202);
    assert.equal((await postDer(signing.certificate, 'application/pkix-cert')).statusCode, 202);
    const thisUpdate = new Date(T0);
    // The root's CRL is fresh for 30 days; the signing CA's for 7, its delta for 1 (the fresher statement).
    crls.root = await signCrl({
      issuer: root,
      crlNumber: 1n,
      thisUpdate,
      nextUpdate: new Date(T0 + 30 * DAY),
      entries: [],
    });
    crls.full = await signCrl({
      issuer: signing,
      crlNumber: 1n,
      thisUpdate,
      nextUpdate: new Date(T0 + 7 * DAY),
      entries: [{ serial: '0a01', revokedAt: thisUpdate, reason: 'keyCompromise' }],
    });
    crls.delta = await signCrl({
      issuer: signing,
      crlNumber: 2n,
      deltaBase: 1n,
      thisUpdate: new Date(T0 + 1_000),
      nextUpdate: new Date(T0 + DAY),
      entries: [{ serial: leaf.serial, revokedAt: thisUpdate, reason: 'certificateHold' }],
    });
    for (const crl of [crls.root, crls.full, crls.delta]) {
      const response = await postDer(crl as Uint8Array, 'application/pkix-crl');
      assert.equal(response.statusCode, 202, response.body);
    }
  });
  after(() => world.close());

  it('GET /records carries the sub-CA certificate and every CRL (complete, then its delta) as PEM, byte for byte', async () => {
    const response = await get('/records');
    assert.equal(response.statusCode, 200, response.body);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    const body = response.json();
    assert.equal(body.networkId, world.net.networkId);
    assert.equal(body.accreditations.length, world.verifying.registry.accreditations().length);
    const der = (pem: string, label: string) => {
      const block = pemToDer(pem);
      assert.equal(block?.label, label);
      return block?.der;
    };
    assert.deepEqual(
      body.caCertificates.map((p: string) => der(p, 'CERTIFICATE')),
      [signing.certificate],
    );
    const carried: Uint8Array[] = body.crls.map((p: string) => der(p, 'X509 CRL'));
    assert.equal(carried.length, 3);
    for (const crl of [crls.root, crls.full, crls.delta]) {
      assert.ok(carried.some((c) => Buffer.from(c).equals(Buffer.from(crl as Uint8Array))));
    }
    // A scope's delta comes right after its complete CRL (the importer applies it to that base).
    const full = carried.findIndex((c) => Buffer.from(c).equals(Buffer.from(crls.full as Uint8Array)));
    assert.ok(Buffer.from(carried[full + 1] as Uint8Array).equals(Buffer.from(crls.delta as Uint8Array)));
  });

  it('/health is quiet while every CRL is fresh, names the stale one (CRL_STALE, degraded) past its nextUpdate', async () => {
    world.clock.now = T0 + 60_000;
    let health = (await get('/health')).json();
    assert.ok(!codes(health.warnings).includes('CRL_STALE'), JSON.stringify(health.warnings));
    // Past the delta's nextUpdate (T0 + 1 day), within the complete CRL's and the root's.
    world.clock.now = T0 + 2 * DAY;
    health = (await get('/health')).json();
    assert.equal(health.status, 'degraded');
    const stale = health.warnings.filter((w: string) => w.startsWith('CRL_STALE:'));
    assert.deepEqual(stale, [
      `CRL_STALE: C=JP,O=J-LIS,CN=Test Signing CA CRL #1 with delta CRL #2 past its nextUpdate ${new Date(T0 + DAY).toISOString()}: certificates of this CA are undetermined until a newer CRL arrives`,
    ]);
    // The registry's lookup agrees: the scope /health names is the one that fails closed.
    const [signingScope] = world.verifying.registry.crls().filter((c) => c.held.delta);
    assert.equal(
      world.verifying.registry.lookup(signingScope!.signer, new Uint8Array([0x0a, 0x01]), world.clock.now).state,
      'undetermined',
    );
    // Past the root's too: both named.
    world.clock.now = T0 + 31 * DAY;
    assert.equal(crlHealthWarnings(world.verifying.registry.crls(), world.clock.now).length, 2);
    // A fresh complete CRL of the signing CA (it supersedes the delta): only the root's is left.
    const fresh = await signCrl({
      issuer: signing,
      crlNumber: 3n,
      thisUpdate: new Date(T0 + 31 * DAY),
      nextUpdate: new Date(T0 + 60 * DAY),
      // The hold stays: this CA declares certificateHold final (CRL_HOLD_FINAL otherwise).
      entries: [
        { serial: '0a01', revokedAt: new Date(T0), reason: 'keyCompromise' },
        { serial: heldSerial, revokedAt: new Date(T0), reason: 'certificateHold' },
      ],
    });
    const response = await postDer(fresh, 'application/pkix-crl');
    assert.equal(response.statusCode, 202, response.body);
    health = (await get('/health')).json();
    assert.deepEqual(
      codes(health.warnings).filter((c: string) => c === 'CRL_STALE').length,
      1,
      JSON.stringify(health.warnings),
    );
    assert.match(
      health.warnings.find((w: string) => w.startsWith('CRL_STALE:')),
      /CN=Test Root CA CRL #1 past its nextUpdate/,
    );
  });
});
