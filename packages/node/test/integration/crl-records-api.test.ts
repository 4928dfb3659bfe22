/**
 * CRLs and sub-CA certificates over HTTP (issue 14): `POST /records` takes a CRL as
 * `application/pkix-crl` (DER) or `application/x-pem-file` (PEM) and a sub-CA certificate as
 * `application/pkix-cert` — 202 accepted, 200 for an older cRLNumber, 422 for a dropped serial, a
 * wrong signer or an unaccredited CA, evidence for the same number with other content — and the
 * mirror serves what it holds byte-identical: `GET /crls`, `/crls/<scope>`, `/crls/<scope>/delta`.
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { derToPem } from '@trustmesh/registry';
import { accreditCaOf, chainFixture, chainPem, crlFixture } from './crl-fixtures.ts';
import { AUTH, makeVcApiWorld, post, T0, type VcApiWorld } from './vc-api-world.ts';

const JPKI_POLICY = '1.2.392.200149.8.5.5.1';
const SIGNING_POLICY = '1.2.392.200149.8.5.1.3.10';

describe('CRL records over HTTP (issue 14)', () => {
  let world: VcApiWorld;
  before(async () => {
    world = await makeVcApiWorld('jpHealthInsurer', 'https://jp-issuer.example');
    const api = world.verifying.api;
    const accreditation = await accreditCaOf(
      world.net,
      crlFixture('int-ca'),
      { certificatePolicies: [JPKI_POLICY] },
      T0,
    );
    assert.equal((await post(api, '/records', accreditation, AUTH)).status, 202);
  });
  after(() => world.close());

  const postRaw = (body: Uint8Array | string, type: string) =>
    world.verifying.api.app.inject({
      method: 'POST',
      url: '/records',
      payload: typeof body === 'string' ? body : Buffer.from(body),
      headers: { ...AUTH, 'content-type': type },
    });
  const get = (url: string, headers: Record<string, string> = {}) =>
    world.verifying.api.app.inject({ method: 'GET', url, headers });

  it('publishes a DER CRL (application/pkix-crl): 202, then GET /crls/<scope> serves it byte-identical', async () => {
    const response = await postRaw(crlFixture('int-crl-1'), 'application/pkix-crl');
    assert.equal(response.statusCode, 202, response.body);
    assert.equal(response.json().kind, 'crl');
    const list = await get('/crls');
    assert.equal(list.statusCode, 200, list.body);
    const [held] = list.json().crls;
    assert.equal(held.issuer, 'C=JP,O=trustmesh test,CN=TM Test Issuing CA');
    assert.equal(held.crlNumber, '1');
    assert.equal(held.thisUpdate, '2025-03-01T00:00:00Z');
    const served = await get(held.href);
    assert.equal(served.statusCode, 200);
    assert.match(String(served.headers['content-type']), /^application\/pkix-crl/);
    assert.deepEqual(new Uint8Array(served.rawPayload), crlFixture('int-crl-1'));
    const cached = await get(held.href, { 'if-none-match': String(served.headers.etag) });
    assert.equal(cached.statusCode, 304);
  });

  it('same cRLNumber with other content: the pair becomes evidence, served by GET /evidence', async () => {
    const response = await postRaw(crlFixture('int-crl-1-equivocal'), 'application/pkix-crl');
    assert.equal(response.statusCode, 202, response.body);
    assert.equal(response.json().kind, 'evidence');
    const evidence = await get('/evidence');
    assert.equal(evidence.statusCode, 200, evidence.body);
    const [pair] = evidence.json().evidence;
    assert.ok(pair.records.every((r: unknown) => typeof r === 'string' && r.startsWith('-----BEGIN X509 CRL-----')));
    assert.ok(pair.records.includes(derToPem('crl', crlFixture('int-crl-1'))));
  });

  it('publishes PEM (application/x-pem-file) and a delta: both served as the DER they hold', async () => {
    const pem = await postRaw(derToPem('crl', crlFixture('int-crl-2')), 'application/x-pem-file');
    assert.equal(pem.statusCode, 202, pem.body);
    const delta = await postRaw(crlFixture('int-delta-3'), 'application/pkix-crl');
    assert.equal(delta.statusCode, 202, delta.body);
    const [held] = (await get('/crls')).json().crls;
    assert.equal(held.crlNumber, '2');
    assert.equal(held.deltaCrlNumber, '3');
    assert.deepEqual(new Uint8Array((await get(held.href)).rawPayload), crlFixture('int-crl-2'));
    assert.deepEqual(new Uint8Array((await get(held.deltaHref)).rawPayload), crlFixture('int-delta-3'));
  });

  it('an older cRLNumber is 200 ignored; a dropped serial, a wrong signer, an unaccredited CA are 422', async () => {
    const stale = await postRaw(crlFixture('int-crl-1'), 'application/pkix-crl');
    assert.equal(stale.statusCode, 200, stale.body);
    assert.equal(stale.json().code, 'CRL_NUMBER_STALE');
    assert.equal((await postRaw(crlFixture('int-crl-3-with-delta'), 'application/pkix-crl')).statusCode, 202);
    const dropped = await postRaw(crlFixture('int-crl-4-dropped'), 'application/pkix-crl');
    assert.equal(dropped.statusCode, 422, dropped.body);
    assert.equal(dropped.json().code, 'CRL_SERIAL_DROPPED');
    const forged = await postRaw(crlFixture('evil-crl-3'), 'application/pkix-crl');
    assert.equal(forged.statusCode, 422, forged.body);
    assert.equal(forged.json().code, 'CRL_SIGNATURE_INVALID');
    const unaccredited = await postRaw(crlFixture('root-crl-1'), 'application/pkix-crl');
    assert.equal(unaccredited.statusCode, 422, unaccredited.body);
    assert.equal(unaccredited.json().code, 'CRL_ISSUER_NOT_ACCREDITED');
    assert.equal((await get('/crls/0000000000000000000000000000000000000000000000000000000000000000')).statusCode, 404);
  });

  it('publishes a sub-CA certificate (application/pkix-cert, or PEM), then the CRL it signs', async () => {
    const api = world.verifying.api;
    const root = await accreditCaOf(world.net, chainFixture('root'), { certificatePolicies: [SIGNING_POLICY] }, T0, {
      maxPathLength: 1,
    });
    assert.equal((await post(api, '/records', root, AUTH)).status, 202);
    const early = await postRaw(crlFixture('../chains/inter.crl'), 'application/pkix-crl');
    assert.equal(early.statusCode, 422, early.body);
    assert.equal(early.json().code, 'CRL_ISSUER_NOT_ACCREDITED');
    const cert = await postRaw(chainPem('inter'), 'application/x-pem-file');
    assert.equal(cert.statusCode, 202, cert.body);
    assert.equal(cert.json().kind, 'ca-certificate');
    const again = await postRaw(chainFixture('inter'), 'application/pkix-cert');
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.json().code, 'DUPLICATE');
    const crl = await postRaw(crlFixture('../chains/inter.crl'), 'application/pkix-crl');
    assert.equal(crl.statusCode, 202, crl.body);
  });
});
