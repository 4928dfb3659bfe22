/**
 * JOSE records over HTTP (issue 13), as a standard client uses them: an IETF Token Status List made
 * by the reference library (`@sd-jwt/jwt-status-list`) and signed with `jose` by an accredited
 * issuer is published with its media type, served back byte-identical (with ETag and ttl) for the
 * reference reader, and read entry by entry (`GET /credentials/status?uri&idx`). Refused: another
 * media type (415), a wrong `typ` (422), a list signed by a party not accredited (422).
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { digest, generateSalt } from '@sd-jwt/crypto-nodejs';
import { createHeaderAndPayload, getListFromStatusListJWT, StatusList } from '@sd-jwt/jwt-status-list';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { generateKeyPair, type KeyPair, signRaw } from '@trustmesh/registry';
import { AUTH, makeVcApiWorld, T0, type VcApiWorld } from './vc-api-world.ts';

const LIST = 'https://tw-issuer.example/token-status/1';
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A Token Status List JWT signed by `key` (its did:key is `iss`; `kid` its verification method). */
async function tokenStatusList(
  key: KeyPair,
  statuses: number[],
  options: { iat: number; bits?: 1 | 2 | 4 | 8; typ?: string; ttl?: number },
): Promise<string> {
  const list = new StatusList(statuses, options.bits ?? 2);
  const { payload } = createHeaderAndPayload(
    list,
    { iss: key.did, sub: LIST, iat: options.iat, ttl: options.ttl ?? 300 },
    { alg: 'ES256', typ: 'statuslist+jwt', kid: key.verificationMethod },
  );
  const header = { alg: 'ES256', typ: options.typ ?? 'statuslist+jwt', kid: key.verificationMethod };
  const input = `${b64(header)}.${b64(payload)}`;
  // ES256 (RFC 7518 §3.4): the P-256 signature as R || S, what the key's raw signer gives.
  const signature = await signRaw(new TextEncoder().encode(input), key);
  return `${input}.${Buffer.from(signature).toString('base64url')}`;
}

describe('JOSE records over HTTP (issue 13)', () => {
  let world: VcApiWorld;
  const statuses = Array.from({ length: 64 }, (_, i) => (i === 3 ? 1 : i === 5 ? 2 : i === 7 ? 3 : 0));
  let jwt: string;

  before(async () => {
    world = await makeVcApiWorld('twHealthInsurer', 'https://tw-issuer.example');
    jwt = await tokenStatusList(world.net.keys.twHealthInsurer, statuses, { iat: T0 / 1000 + 30 });
  });
  after(() => world.close());

  const postJwt = (body: string, type = 'application/statuslist+jwt') =>
    world.verifying.api.app.inject({
      method: 'POST',
      url: '/records',
      payload: body,
      headers: { ...AUTH, 'content-type': type },
    });

  it('publishes a Token Status List as application/statuslist+jwt: 202, kind token-status-list', async () => {
    const response = await postJwt(jwt);
    assert.equal(response.statusCode, 202, response.body);
    assert.equal(response.json().kind, 'token-status-list');
    const again = await postJwt(jwt);
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.json().code, 'DUPLICATE');
  });

  it('serves it byte-identical with its media type, ETag and ttl; the reference reader decodes it', async () => {
    const url = `/status-lists/${encodeURIComponent(LIST)}`;
    const response = await world.verifying.api.app.inject({ method: 'GET', url });
    assert.equal(response.statusCode, 200, response.body);
    assert.match(String(response.headers['content-type']), /^application\/statuslist\+jwt/);
    assert.equal(response.body, jwt);
    assert.equal(response.headers['cache-control'], 'public, max-age=300');
    const list = getListFromStatusListJWT(response.body);
    assert.deepEqual(
      [3, 5, 7, 0].map((i) => list.getStatus(i)),
      [1, 2, 3, 0],
    );
    const etag = String(response.headers.etag);
    const cached = await world.verifying.api.app.inject({ method: 'GET', url, headers: { 'if-none-match': etag } });
    assert.equal(cached.statusCode, 304);
  });

  it('answers entries by uri and idx: VALID, INVALID, SUSPENDED, 0x03, beyond the list', async () => {
    const read = async (idx: number) => {
      const response = await world.verifying.api.app.inject({
        method: 'GET',
        url: `/credentials/status?uri=${encodeURIComponent(LIST)}&idx=${idx}`,
      });
      assert.equal(response.statusCode, 200, response.body);
      return response.json();
    };
    assert.deepEqual(
      (await Promise.all([0, 3, 5, 7].map(read))).map((a) => [a.status, a.value]),
      [
        ['VALID', 0],
        ['INVALID', 1],
        ['SUSPENDED', 2],
        ['0x03', 3],
      ],
    );
    const first = await read(0);
    assert.equal(first.asOf.issuer, world.net.keys.twHealthInsurer.did);
    assert.equal((await read(10_000)).code, 'STATUS_INDEX_OUT_OF_RANGE');
    const unknown = await world.verifying.api.app.inject({
      method: 'GET',
      url: `/credentials/status?uri=${encodeURIComponent('https://nowhere.example/l')}&idx=0`,
    });
    assert.equal(unknown.json().code, 'STATUS_LIST_UNKNOWN');
  });

  it('refuses another media type (415), a wrong typ and an unaccredited signer (422)', async () => {
    assert.equal((await postJwt(jwt, 'text/plain')).statusCode, 415);
    const wrongTyp = await postJwt(
      await tokenStatusList(world.net.keys.twHealthInsurer, statuses, { iat: T0 / 1000 + 40, typ: 'JWT' }),
    );
    assert.equal(wrongTyp.statusCode, 422, wrongTyp.body);
    assert.match(wrongTyp.json().code, /TYP/);
    const stranger = await generateKeyPair('P-256');
    const unaccredited = await postJwt(await tokenStatusList(stranger, statuses, { iat: T0 / 1000 + 50 }));
    assert.notEqual(unaccredited.statusCode, 202, unaccredited.body);
    assert.match(unaccredited.json().code, /ISSUER/);
  });

  it('POST /credentials/verify takes an SD-JWT VC made by @sd-jwt/sd-jwt-vc as an EnvelopedVerifiableCredential', async () => {
    const key = world.net.keys.twHealthInsurer;
    const sdjwt = new SDJwtVcInstance({
      signer: async (data: string) =>
        Buffer.from(await signRaw(new TextEncoder().encode(data), key)).toString('base64url'),
      signAlg: 'ES256',
      hasher: digest,
      hashAlg: 'sha-256',
      saltGenerator: generateSalt,
    });
    const issue = (idx: number) =>
      sdjwt.issue(
        {
          iss: key.did,
          vct: 'HealthInsuranceCredential',
          iat: T0 / 1000 + 30,
          given_name: 'Mei',
          status: { status_list: { idx, uri: LIST } },
        },
        { _sd: ['given_name'] },
        { header: { kid: key.verificationMethod, typ: 'dc+sd-jwt' } },
      );
    const verify = async (compact: string, options: Record<string, unknown> = {}) => {
      const response = await world.verifying.api.app.inject({
        method: 'POST',
        url: '/credentials/verify',
        payload: {
          verifiableCredential: {
            '@context': ['https://www.w3.org/ns/credentials/v2'],
            type: 'EnvelopedVerifiableCredential',
            id: `data:application/dc+sd-jwt,${compact}`,
          },
          options,
        },
      });
      return { status: response.statusCode, body: response.json() };
    };
    const valid = await verify(await issue(0));
    assert.equal(valid.status, 200, JSON.stringify(valid.body));
    assert.equal(valid.body.verified, true);
    assert.deepEqual(valid.body.checks, ['proof', 'issuer', 'status', 'validity']);
    // Entry 3 is INVALID on the list the node holds: read from the replica, no call to the issuer.
    const revoked = await verify(await issue(3));
    assert.equal(revoked.status, 400);
    assert.deepEqual(
      revoked.body.errors.map((e: { check: string; code: string }) => [e.check, e.code]),
      [['status', 'STATUS_INVALID']],
    );
    // A challenge the credential cannot answer (no key-binding JWT): the proof check fails, named.
    const challenged = await verify(await issue(0), { challenge: 'n-123', domain: 'https://pharmacy.example.jp' });
    assert.equal(challenged.body.verified, false);
    assert.equal(challenged.body.errors[0]?.code, 'SD_JWT_KB_REQUIRED');
    assert.deepEqual(challenged.body.warnings, []);
  });
});
