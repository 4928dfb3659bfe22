/**
 * Issuer mode for SD-JWT VC (issue 13): `POST /credentials/issue` with `options.format: "dc+sd-jwt"`
 * issues an SD-JWT VC (draft-ietf-oauth-sd-jwt-vc) with an entry on the issuer's Token Status List
 * (draft-ietf-oauth-status-list §6.2) at a random unused index; `POST /credentials/status` revokes
 * (INVALID, final), suspends and reinstates it. Issued on one node, verified on another against its
 * replica; what the node issues and mirrors, the reference libraries (`@sd-jwt/sd-jwt-vc`,
 * `@sd-jwt/jwt-status-list`) verify and decode.
 */
import * as assert from 'node:assert/strict';
import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { digest, ES256 } from '@sd-jwt/crypto-nodejs';
import { getListFromStatusListJWT } from '@sd-jwt/jwt-status-list';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { multibaseToPublicJwk } from '@trustmesh/registry';
import { AUTH, makeVcApiWorld, post, type VcApiWorld } from './vc-api-world.ts';

const BASE = 'https://tw-issuer.example';
const LIST = `${BASE}/status/token-status`;
const VCT = 'HealthInsuranceCredential';

describe('SD-JWT VC issuance on a Token Status List (issuer mode)', () => {
  let world: VcApiWorld;
  before(async () => {
    world = await makeVcApiWorld('twHealthInsurer', BASE);
  });
  after(() => world.close());

  const issue = (credential: Record<string, unknown>, options: Record<string, unknown> = {}) =>
    post(world.issuing.api, '/credentials/issue', { credential, options: { format: 'dc+sd-jwt', ...options } }, AUTH);
  const verify = (verifiableCredential: unknown, options: Record<string, unknown> = {}) =>
    post(world.verifying.api, '/credentials/verify', { verifiableCredential, options });
  // Each list version is dated a whole second after the last (its iat); the test clock moves on.
  const setStatus = (credentialId: string, status: string) => {
    world.clock.now += 1_000;
    return post(
      world.issuing.api,
      '/credentials/status',
      { credentialId, credentialStatus: [{ type: 'TokenStatusList', status }] },
      AUTH,
    );
  };
  const compactOf = (vc: { id: string }) => vc.id.slice('data:application/dc+sd-jwt,'.length);
  const entry = async (idx: number) =>
    (
      await world.verifying.api.app.inject({
        method: 'GET',
        url: `/credentials/status?uri=${encodeURIComponent(LIST)}&idx=${idx}`,
      })
    ).json();

  it('issues an enveloped dc+sd-jwt with a status entry; another node verifies it; revoked, it fails there', async () => {
    const issued = await issue({ vct: VCT, given_name: 'Mei', insured_number: '87654321' });
    assert.equal(issued.status, 201, JSON.stringify(issued.body));
    const vc = issued.body.verifiableCredential;
    assert.equal(vc.type, 'EnvelopedVerifiableCredential');
    assert.match(vc.id, /^data:application\/dc\+sd-jwt,[\w-]+\.[\w-]+\.[\w-]+~/);
    assert.match(issued.body.credentialId, /^urn:uuid:/);
    const { uri, idx } = issued.body.credentialStatus.status_list;
    assert.equal(uri, LIST);
    const ok = await verify(vc);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.verified, true);
    // The as-of stamp names the Token Status List version read (issue 13), through the HTTP schema.
    assert.deepEqual(
      ok.body.asOf.statusLists.map((l: { id: string }) => l.id),
      [LIST],
    );
    assert.equal((await entry(idx)).status, 'VALID');

    const revoked = await setStatus(issued.body.credentialId, 'revoked');
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    assert.deepEqual(
      revoked.body.updates.map((u: Record<string, unknown>) => [
        u.statusListCredential,
        u.statusListIndex,
        u.value,
        u.message,
        u.changed,
      ]),
      [[LIST, idx, 1, 'INVALID', true]],
    );
    assert.equal((await entry(idx)).status, 'INVALID');
    const refused = await verify(vc);
    assert.equal(refused.status, 400);
    assert.deepEqual(
      refused.body.errors.map((e: { check: string; code: string }) => [e.check, e.code]),
      [['status', 'STATUS_INVALID']],
    );
    // INVALID is final (draft-ietf-oauth-status-list §7.1).
    for (const status of ['active', 'suspended']) {
      const again = await setStatus(issued.body.credentialId, status);
      assert.equal(again.status, 409, JSON.stringify(again.body));
      assert.equal(again.body.code, 'CREDENTIAL_REVOKED');
    }
    assert.equal((await entry(idx)).status, 'INVALID');
  });

  it('suspends and reinstates: SUSPENDED, then VALID, each seen by the verifying node', async () => {
    const issued = await issue({ vct: VCT, given_name: 'Yu' });
    const { idx } = issued.body.credentialStatus.status_list;
    assert.equal((await setStatus(issued.body.credentialId, 'suspended')).status, 200);
    assert.equal((await entry(idx)).status, 'SUSPENDED');
    const suspended = await verify(issued.body.verifiableCredential);
    assert.equal(suspended.body.verified, false);
    const reinstated = await setStatus(issued.body.credentialId, 'active');
    assert.equal(reinstated.status, 200, JSON.stringify(reinstated.body));
    assert.equal((await entry(idx)).status, 'VALID');
    assert.equal((await verify(issued.body.verifiableCredential)).body.verified, true);
    // Setting the value it already has publishes nothing.
    const same = await setStatus(issued.body.credentialId, 'active');
    assert.equal(same.body.updates[0].changed, false);
  });

  it('indexes are drawn at random, never reused', async () => {
    const indexes = new Set<number>();
    for (let i = 0; i < 12; i++) {
      const issued = await issue({ vct: VCT, n: i });
      indexes.add(issued.body.credentialStatus.status_list.idx);
    }
    assert.equal(indexes.size, 12);
    const sorted = [...indexes].sort((a, b) => a - b);
    assert.notDeepEqual([...indexes], sorted, 'indexes follow issuance order');
  });

  it('the reference libraries verify what the node issues and decode the list the verifying node mirrors', async () => {
    const issued = await issue({ vct: VCT, given_name: 'Lin', family_name: 'Chen' }, { disclosable: ['given_name'] });
    const compact = compactOf(issued.body.verifiableCredential);
    const publicJwk = multibaseToPublicJwk(world.issuerKey.publicKeyMultibase);
    assert.ok(publicJwk);
    // The reference verifier fetches the status list from the verifying node's mirror, not the issuer.
    const mirror = async (uri: string) =>
      (await world.verifying.api.app.inject({ method: 'GET', url: `/status-lists/${encodeURIComponent(uri)}` })).body;
    const reference = new SDJwtVcInstance({
      verifier: await ES256.getVerifier(publicJwk as JsonWebKey),
      hasher: digest,
      hashAlg: 'sha-256',
      statusListFetcher: mirror,
      statusVerifier: await ES256.getVerifier(publicJwk as JsonWebKey),
    });
    const { payload } = (await reference.verify(compact)) as { payload: Record<string, unknown> };
    assert.equal(payload.given_name, 'Lin');
    assert.equal(payload.family_name, 'Chen');
    assert.equal(payload.vct, VCT);
    assert.equal(payload.iss, world.issuerKey.did);
    // Only given_name was made disclosable: family_name is in the clear, given_name behind a digest.
    const issuerJwt = JSON.parse(Buffer.from(compact.split('.')[1] as string, 'base64url').toString());
    assert.equal(issuerJwt.family_name, 'Chen');
    assert.equal(issuerJwt.given_name, undefined);
    assert.equal(issuerJwt._sd.length, 1);

    await setStatus(issued.body.credentialId, 'suspended');
    const mirrored = await world.verifying.api.app.inject({
      method: 'GET',
      url: `/status-lists/${encodeURIComponent(LIST)}`,
    });
    assert.equal(mirrored.statusCode, 200);
    assert.match(String(mirrored.headers['content-type']), /^application\/statuslist\+jwt/);
    const list = getListFromStatusListJWT(mirrored.body);
    assert.equal(list.getStatus(issued.body.credentialStatus.status_list.idx), 2);
  });

  it('GET /status-lists lists the Token Status List beside the Bitstring lists, with where it is served', async () => {
    await issue({ vct: VCT, n: 'listed' });
    const listing = (await world.issuing.api.app.inject({ method: 'GET', url: '/status-lists' })).json();
    const entry = listing.statusLists.find((l: { id: string }) => l.id === LIST);
    assert.ok(entry, JSON.stringify(listing));
    assert.equal(entry.format, 'token-status-list');
    assert.equal(entry.mediaType, 'application/statuslist+jwt');
    assert.equal(entry.bits, 2);
    assert.equal(entry.issuer, world.issuerKey.did);
    assert.equal(entry.href, '/status/token-status', 'the issuer’s own list, under its public base URL');
    assert.ok(listing.statusLists.some((l: { format: string }) => l.format === 'bitstring-status-list'));
    const served = await world.issuing.api.app.inject({ method: 'GET', url: entry.href });
    assert.equal(served.statusCode, 200);
    assert.equal(served.headers.etag, `"${entry.digest}"`);
    const held = world.issuing.registry.joseStatusListVersions(LIST)[0];
    assert.equal(served.body, Buffer.from(held?.bytes ?? []).toString(), 'byte-identical to what was signed');
    // On another node the same list is served under /status-lists/{uri}.
    const elsewhere = (await world.verifying.api.app.inject({ method: 'GET', url: '/status-lists' })).json();
    const there = elsewhere.statusLists.find((l: { id: string }) => l.id === LIST);
    assert.equal(there?.href, `/status-lists/${encodeURIComponent(LIST)}`);
  });

  it('binds the holder key: a key-binding JWT made by the reference library verifies with the challenge and domain', async () => {
    const holder = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const holderJwk = holder.publicKey.export({ format: 'jwk' });
    const issued = await issue({ vct: VCT, given_name: 'Hsu' }, { holderJwk });
    assert.equal(issued.status, 201, JSON.stringify(issued.body));
    const wallet = new SDJwtVcInstance({
      hasher: digest,
      hashAlg: 'sha-256',
      kbSigner: await ES256.getSigner(holder.privateKey.export({ format: 'jwk' })),
      kbSignAlg: 'ES256',
    });
    const presented = await wallet.present(
      compactOf(issued.body.verifiableCredential),
      { given_name: true },
      {
        kb: { payload: { iat: Math.floor(world.clock.now / 1000), aud: 'https://pharmacy.example.jp', nonce: 'n-42' } },
      },
    );
    const enveloped = {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: 'EnvelopedVerifiableCredential',
      id: `data:application/dc+sd-jwt,${presented}`,
    };
    const bound = await verify(enveloped, { challenge: 'n-42', domain: 'https://pharmacy.example.jp' });
    assert.equal(bound.status, 200, JSON.stringify(bound.body));
    // Replayed to another verifier (another nonce): refused.
    const replayed = await verify(enveloped, { challenge: 'n-43', domain: 'https://pharmacy.example.jp' });
    assert.equal(replayed.body.verified, false);
  });

  describe('refuses what it must not sign, before allocating anything', () => {
    for (const [name, credential, options, code, field] of [
      [
        'a claim the issuer sets (iss)',
        { vct: VCT, iss: 'did:example:other' },
        {},
        'SD_JWT_CLAIM_RESERVED',
        'credential.iss',
      ],
      [
        'a status of its own',
        { vct: VCT, status: { status_list: { idx: 1, uri: LIST } } },
        {},
        'SD_JWT_CLAIM_RESERVED',
        'credential.status',
      ],
      [
        'a disclosable name that is no claim',
        { vct: VCT, a: 1 },
        { disclosable: ['b'] },
        'SD_JWT_DISCLOSABLE_UNKNOWN',
        'options.disclosable',
      ],
      [
        'a private holder key',
        { vct: VCT },
        { holderJwk: { kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'A'.repeat(43), d: 'A'.repeat(43) } },
        'SD_JWT_HOLDER_JWK_INVALID',
        'options.holderJwk.d',
      ],
      [
        'validUntil before validFrom',
        { vct: VCT },
        { validFrom: '2026-07-01T00:00:00Z', validUntil: '2026-06-01T00:00:00Z' },
        'SD_JWT_VALIDITY_INVALID',
        'options.validUntil',
      ],
    ] as const) {
      it(name, async () => {
        const before = world.issuing.registry.joseStatusListVersions(LIST)[0]?.digest;
        const refused = await issue(credential, options);
        assert.equal(refused.status, 400, JSON.stringify(refused.body));
        assert.equal(refused.body.code, code);
        assert.equal(refused.body.field, field);
        assert.equal(world.issuing.registry.joseStatusListVersions(LIST)[0]?.digest, before);
      });
    }

    it('no vct: the request is refused by its schema', async () => {
      const refused = await issue({ given_name: 'x' });
      assert.equal(refused.status, 400);
    });

    it('SD-JWT options on a Data Integrity credential', async () => {
      const refused = await post(
        world.issuing.api,
        '/credentials/issue',
        {
          credential: {
            '@context': ['https://www.w3.org/ns/credentials/v2'],
            type: ['VerifiableCredential'],
            credentialSubject: { id: 'did:example:x' },
          },
          options: { disclosable: ['x'] },
        },
        AUTH,
      );
      assert.equal(refused.status, 400);
      assert.equal(refused.body.field, 'options.disclosable');
    });

    it('a status update of a credential it never issued is 404; a message value is 400', async () => {
      assert.equal((await setStatus('urn:uuid:never-issued', 'revoked')).status, 404);
      const issued = await issue({ vct: VCT });
      const message = await post(
        world.issuing.api,
        '/credentials/status',
        {
          credentialId: issued.body.credentialId,
          credentialStatus: [{ type: 'TokenStatusList', status: '0x2' }],
        },
        AUTH,
      );
      assert.equal(message.status, 400);
      assert.equal(message.body.code, 'STATUS_PURPOSE_UNSUPPORTED');
    });
  });
});
