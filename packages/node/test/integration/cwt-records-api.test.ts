/**
 * Token Status Lists in CWT form over HTTP and between nodes (issue 14; draft-ietf-oauth-status-list
 * §5.2, §8.1): an accredited issuer's list is published as `application/statuslist+cwt` (raw bytes,
 * the record size bound), served back byte-identical with its media type (406 for a form not held,
 * Accept picks the form when both are), read entry by entry (`GET /credentials/status`), checked by
 * an SD-JWT VC's status reference, its equivocation served by `GET /evidence`; and a list published
 * on one node is held by another over the in-memory transport.
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createTokenStatusBytes,
  issueCwtStatusList,
  issueSdJwtVc,
  issueTokenStatusList,
  type KeyPair,
  writeTokenStatus,
} from '@trustmesh/registry';
import type { TrustmeshNode } from '../../src/trustmesh-node.ts';
import { waitFor } from '../helpers.ts';
import { link, TOKEN as NODE_TOKEN, World as NodeWorld } from './durability-fixtures.ts';
import { AUTH, makeVcApiWorld, T0, type VcApiWorld } from './vc-api-world.ts';

const LIST = 'https://tw-issuer.example/token-status/cwt-1';
const CWT = 'application/statuslist+cwt';

/** Packed 2-bit statuses: 3 INVALID, 5 SUSPENDED, 7 = 0x03. */
function statuses(values: Record<number, number> = { 3: 1, 5: 2, 7: 3 }): Uint8Array {
  const bytes = createTokenStatusBytes(64, 2);
  for (const [i, v] of Object.entries(values)) writeTokenStatus(bytes, 2, Number(i), v);
  return bytes;
}

const cwtList = (issuer: KeyPair, issuedAt: number, values?: Record<number, number>, uri = LIST) =>
  issueCwtStatusList({ issuer, uri, bits: 2, statuses: statuses(values), issuedAt, ttlSeconds: 300 });

describe('CWT status lists over HTTP (issue 14)', () => {
  let world: VcApiWorld;
  let key: KeyPair;
  let cwt: Uint8Array;

  before(async () => {
    world = await makeVcApiWorld('twHealthInsurer', 'https://tw-issuer.example');
    key = world.net.keys.twHealthInsurer;
    cwt = await cwtList(key, T0 + 30_000);
  });
  after(() => world.close());

  const post = (body: Uint8Array | string, type = CWT) =>
    world.verifying.api.app.inject({
      method: 'POST',
      url: '/records',
      payload: Buffer.from(body),
      headers: { ...AUTH, 'content-type': type },
    });
  const get = (accept?: string) =>
    world.verifying.api.app.inject({
      method: 'GET',
      url: `/status-lists/${encodeURIComponent(LIST)}`,
      ...(accept ? { headers: { accept } } : {}),
    });

  it('POST /records takes application/statuslist+cwt: 202, kind token-status-list-cwt; again: DUPLICATE', async () => {
    const response = await post(cwt);
    assert.equal(response.statusCode, 202, response.body);
    assert.equal(response.json().kind, 'token-status-list-cwt');
    assert.match(response.json().key, /^token-status-list-cwt\//);
    const again = await post(cwt);
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.json().code, 'DUPLICATE');
  });

  it('the mirror serves it byte-identical as application/statuslist+cwt; 406 for the JWT form, not held', async () => {
    const response = await get(CWT);
    assert.equal(response.statusCode, 200, response.body);
    assert.match(String(response.headers['content-type']), /^application\/statuslist\+cwt/);
    assert.deepEqual(response.rawPayload, Buffer.from(cwt));
    assert.equal(response.headers['cache-control'], 'public, max-age=300');
    assert.deepEqual((await get()).rawPayload, Buffer.from(cwt));
    const jwt = await get('application/statuslist+jwt');
    assert.equal(jwt.statusCode, 406, jwt.body);
    assert.equal(jwt.json().code, 'STATUS_LIST_FORM_NOT_HELD');
    const cached = await world.verifying.api.app.inject({
      method: 'GET',
      url: `/status-lists/${encodeURIComponent(LIST)}`,
      headers: { 'if-none-match': String(response.headers.etag) },
    });
    assert.equal(cached.statusCode, 304);
  });

  it('GET /credentials/status answers from the CWT list', async () => {
    const read = async (idx: number) =>
      (
        await world.verifying.api.app.inject({
          method: 'GET',
          url: `/credentials/status?uri=${encodeURIComponent(LIST)}&idx=${idx}`,
        })
      ).json();
    assert.deepEqual(
      (await Promise.all([0, 3, 5, 7].map(read))).map((a) => [a.status, a.value]),
      [
        ['VALID', 0],
        ['INVALID', 1],
        ['SUSPENDED', 2],
        ['0x03', 3],
      ],
    );
    assert.equal((await read(0)).asOf.issuer, key.did);
  });

  it('POST /credentials/verify checks an SD-JWT VC’s status_list against the CWT list', async () => {
    const verify = async (idx: number) => {
      const compact = await issueSdJwtVc({
        issuer: key,
        vct: 'HealthInsuranceCredential',
        claims: { given_name: 'Mei' },
        disclosable: ['given_name'],
        status: { uri: LIST, idx },
        issuedAt: T0 + 30_000,
      });
      const response = await world.verifying.api.app.inject({
        method: 'POST',
        url: '/credentials/verify',
        payload: {
          verifiableCredential: {
            '@context': ['https://www.w3.org/ns/credentials/v2'],
            type: 'EnvelopedVerifiableCredential',
            id: `data:application/dc+sd-jwt,${compact}`,
          },
        },
      });
      return response.json();
    };
    assert.equal((await verify(0)).verified, true);
    const revoked = await verify(3);
    assert.deepEqual(
      revoked.errors.map((e: { check: string; code: string }) => [e.check, e.code]),
      [['status', 'STATUS_INVALID']],
    );
  });

  it('refuses a body over the record size bound (413) and a COSE_Sign1 without alg (422, named)', async () => {
    const huge = new Uint8Array(world.verifying.registry.options.limits.maxRecordBytes + 1).fill(0xd2);
    assert.equal((await post(huge)).statusCode, 413);
    // 18([h'', {}, nil, h'']): tag 18, an empty protected header.
    const noAlg = await post(Uint8Array.of(0xd2, 0x84, 0x40, 0xa0, 0xf6, 0x40));
    assert.equal(noAlg.statusCode, 422, noAlg.body);
    assert.equal(noAlg.json().code, 'COSE_ALG_NOT_PROTECTED');
  });

  it('same iat, other content: evidence, served by GET /evidence as the two CWTs (data: URLs)', async () => {
    const other = await cwtList(key, T0 + 30_000, { 3: 1, 4: 1 });
    const response = await post(other);
    assert.equal(response.statusCode, 202, response.body);
    assert.equal(response.json().kind, 'evidence');
    const evidence = (await world.verifying.api.app.inject({ method: 'GET', url: '/evidence' })).json().evidence;
    assert.equal(evidence.length, 1);
    const served = (evidence[0].records as string[]).map((r) =>
      Buffer.from(r.slice('data:application/statuslist+cwt;base64url,'.length), 'base64url'),
    );
    assert.deepEqual(
      served.map((b) => b.toString('hex')).sort(),
      [Buffer.from(cwt), Buffer.from(other)].map((b) => b.toString('hex')).sort(),
    );
  });

  it('both forms held: Accept picks the form; no Accept gets the newest by iat', async () => {
    const jwt = await issueTokenStatusList({
      issuer: key,
      uri: LIST,
      bits: 2,
      statuses: statuses(),
      issuedAt: T0 + 40_000,
    });
    const response = await post(jwt, 'application/statuslist+jwt');
    assert.equal(response.statusCode, 202, response.body);
    assert.equal((await get('application/statuslist+jwt')).body, jwt);
    assert.deepEqual((await get(CWT)).rawPayload, Buffer.from(cwt));
    assert.equal((await get()).body, jwt);
    assert.equal((await get('application/statuslist+cwt;q=0.5, application/statuslist+jwt')).body, jwt);
    const listed = (await world.verifying.api.app.inject({ method: 'GET', url: '/status-lists' })).json().statusLists;
    assert.deepEqual(
      listed
        .filter((l: { id: string }) => l.id === LIST)
        .map((l: { mediaType: string }) => l.mediaType)
        .sort(),
      ['application/statuslist+cwt', 'application/statuslist+jwt'],
    );
  });
});

describe('CWT status lists between two nodes (in-memory transport)', () => {
  let world: NodeWorld;
  let a: TrustmeshNode;
  let b: TrustmeshNode;

  before(async () => {
    world = await NodeWorld.create();
    a = await world.start(await world.dir(), { api: { port: 0, writeToken: NODE_TOKEN } });
    b = await world.start(await world.dir());
    await world.seed(a);
    await world.seed(b);
    await link(a, b);
  });
  after(() => world.close());

  it('a CWT list published on one node is held, byte-identical, by the other', async () => {
    const bytes = await cwtList(world.sample.keys.twHealthInsurer, Date.now() - 1000, { 2: 1 });
    assert.ok(a.api);
    const response = await a.api.app.inject({
      method: 'POST',
      url: '/records',
      payload: Buffer.from(bytes),
      headers: { authorization: `Bearer ${NODE_TOKEN}`, 'content-type': CWT },
    });
    assert.equal(response.statusCode, 202, response.body);
    await waitFor(() => b.registry.joseStatusListVersions(LIST).length > 0, 'b holds the CWT list', {
      timeoutMs: 8_000,
    });
    const [held] = b.registry.joseStatusListVersions(LIST);
    assert.ok(held);
    assert.equal(held.list.format, 'token-status-list-cwt');
    assert.deepEqual(Buffer.from(held.bytes), Buffer.from(bytes));
    assert.equal(held.list.read(2), 1);
  });
});
