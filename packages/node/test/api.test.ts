/**
 * The HTTP API against a real registry holding a sample network (real keys, real signatures), a
 * fake node and an issuer mode on a temporary directory. Most requests go through fastify's
 * `inject`; one test listens on 127.0.0.1 to prove real HTTP.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  canonicalBytes,
  createDocumentLoader,
  createSampleNetwork,
  EXAMPLES_CONTEXT_V1_URL,
  issueStatusList,
  type KeyPair,
  MemoryRecordStore,
  Registry,
  type SampleNetwork,
  sha256Hex,
  signCredential,
  verifyCredentialProof,
  writeStatus,
} from '@trustmesh/registry';
import pino from 'pino';
import { type ApiModules, type ApiServer, createApi, createMetrics, IssuerService } from '../src/api/index.ts';

const T0 = Date.parse('2026-06-01T00:00:00Z');
const TOKEN = 'test-write-token-0123456789';
const BASE = 'https://node.example';
const AUTH = { authorization: `Bearer ${TOKEN}` };

interface World {
  net: SampleNetwork;
  registry: Registry;
  clock: { now: number };
  lines: string[];
  published: object[];
  modules: ApiModules;
  issuer: IssuerService;
  api: ApiServer;
  dataDir: string;
}

async function makeWorld(): Promise<World> {
  const clock = { now: T0 + 60_000 };
  const net = await createSampleNetwork({ now: new Date(T0) });
  const registry = await Registry.open(
    { networkId: net.networkId, genesisDigest: net.genesisDigest },
    { store: new MemoryRecordStore(), now: () => clock.now },
  );
  for (const record of net.records) assert.equal((await registry.submit(record)).status, 'accept');
  const lines: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => lines.push(line) });
  const metrics = createMetrics({ processMetrics: false });
  const published: object[] = [];
  const publish = async (record: object) => {
    published.push(record);
    return registry.submit(record);
  };
  const now = () => clock.now;
  const dataDir = await mkdtemp(join(tmpdir(), 'trustmesh-api-'));
  const issuer = await IssuerService.open(
    { publicBaseUrl: BASE, dataDir, suspensionListName: 'suspension' },
    { keyPair: net.keys.jpHealthInsurer, registry, publish, now, metrics, logger },
  );
  const modules: ApiModules = {
    registry,
    publish,
    node: {
      peerId: '12D3KooWTestNode',
      networkId: net.networkId,
      peers: () => [{ id: '12D3KooWPeer', addrs: ['/ip4/127.0.0.1/tcp/4001'] }],
      syncState: () => ({ rounds: 3, lastRound: { peer: '12D3KooWPeer', received: 2 } }),
    },
    issuer,
    metrics,
    now,
    logger,
  };
  const api = await createApi({ writeToken: TOKEN, publicBaseUrl: BASE, port: 0 }, modules);
  return { net, registry, clock, lines, published, modules, issuer, api, dataDir };
}

/** A credential of `issuer` with a revocation entry at `index` of `list`, signed outside the node. */
function signedCredential(
  world: World,
  issuer: KeyPair,
  list: string,
  index: number,
  subject: Record<string, unknown> = {},
) {
  return signCredential(
    {
      '@context': ['https://www.w3.org/ns/credentials/v2', EXAMPLES_CONTEXT_V1_URL],
      id: `urn:uuid:${crypto.randomUUID()}`,
      type: ['VerifiableCredential', 'HealthInsuranceCredential'],
      issuer: issuer.did,
      validFrom: new Date(T0 + 1000).toISOString(),
      credentialSubject: { id: 'did:example:holder', insuredNumber: '12345678', ...subject },
      credentialStatus: {
        id: `${list}#${index}`,
        type: 'BitstringStatusListEntry',
        statusPurpose: 'revocation',
        statusListIndex: String(index),
        statusListCredential: list,
      },
    },
    issuer,
    { documentLoader: world.net.documentLoader },
  );
}

/** An unsigned credential for the issuer mode. */
function unsignedCredential(): Record<string, unknown> {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2', EXAMPLES_CONTEXT_V1_URL],
    id: `urn:uuid:${crypto.randomUUID()}`,
    type: ['VerifiableCredential', 'HealthInsuranceCredential'],
    credentialSubject: { id: 'did:example:holder', insuredNumber: '87654321' },
  };
}

async function post(world: World, url: string, payload: unknown, headers: Record<string, string> = {}) {
  const response = await world.api.app.inject({ method: 'POST', url, payload: payload as object, headers });
  return { status: response.statusCode, body: response.json(), headers: response.headers };
}

async function get(world: World, url: string, headers: Record<string, string> = {}) {
  return world.api.app.inject({ method: 'GET', url, headers });
}

async function verify(world: World, credential: unknown) {
  return post(world, '/credentials/verify', { verifiableCredential: credential });
}

async function issue(world: World, credential = unsignedCredential()) {
  const response = await post(world, '/credentials/issue', { credential }, AUTH);
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body.verifiableCredential as Record<string, unknown> & { id: string; credentialStatus: unknown };
}

async function setStatus(world: World, credentialId: string, status: string) {
  return post(
    world,
    '/credentials/status',
    { credentialId, credentialStatus: [{ type: 'BitstringStatusListEntry', status }] },
    AUTH,
  );
}

/** A new version of `listId` with `changes` applied, signed by `issuer`. */
async function nextList(
  world: World,
  issuer: KeyPair,
  listId: string,
  changes: Record<number, number>,
  validFrom?: number,
) {
  const held = world.registry.statusList(listId);
  const bits = held ? new Uint8Array(held.list.bits) : new Uint8Array(131_072 / 8);
  for (const [index, value] of Object.entries(changes)) writeStatus(bits, Number(index), 1, value);
  world.clock.now += 1000;
  return issueStatusList(
    { issuer, id: listId, statusPurpose: 'revocation', bits, validFrom: new Date(validFrom ?? world.clock.now) },
    world.net.documentLoader,
  );
}

let world: World;
before(async () => {
  world = await makeWorld();
});
after(async () => {
  await world.api.close();
  await world.registry.close();
  await rm(world.dataDir, { recursive: true, force: true });
});

describe('POST /credentials/verify', () => {
  it('answers 200 with every check, no errors, and an as-of stamp for a valid credential', async () => {
    const credential = await signedCredential(
      world,
      world.net.keys.jpHealthInsurer,
      world.net.lists.jpHealthInsurer,
      42,
    );
    const { status, body } = await verify(world, credential);
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.verified, true);
    assert.deepEqual(
      body.checkResults.map((c: { check: string; outcome: string }) => [c.check, c.outcome]),
      [
        ['proof', 'pass'],
        ['issuer', 'pass'],
        ['status', 'pass'],
        ['validity', 'pass'],
      ],
    );
    assert.deepEqual(body.errors, []);
    assert.equal(body.asOf.governanceVersion, 1);
    assert.deepEqual(
      body.asOf.statusLists.map((l: { id: string }) => l.id),
      [world.net.lists.jpHealthInsurer],
    );
    assert.equal(body.checkResults[1].details.authority, world.net.keys.jpAgency.did);
    // VC-API: `checks` names the checks that ran (issue 12 item 2).
    assert.deepEqual(body.checks, ['proof', 'issuer', 'status', 'validity']);
  });

  it('answers 400 CREDENTIAL_REVOKED once a new list version published through POST /records sets the bit', async () => {
    const { jpHealthInsurer } = world.net.keys;
    const credential = await signedCredential(world, jpHealthInsurer, world.net.lists.jpHealthInsurer, 77);
    const list = await nextList(world, jpHealthInsurer, world.net.lists.jpHealthInsurer, { 77: 1 });
    const published = await post(world, '/records', list, AUTH);
    assert.equal(published.status, 202, JSON.stringify(published.body));
    assert.equal(published.body.kind, 'status-list');
    const { status, body } = await verify(world, credential);
    assert.equal(status, 400);
    assert.equal(body.verified, false);
    assert.deepEqual(
      body.errors.map((e: { code: string }) => e.code),
      ['CREDENTIAL_REVOKED'],
    );
  });

  it('answers 400 PROOF_INVALID for a tampered credential', async () => {
    const credential = await signedCredential(
      world,
      world.net.keys.jpHealthInsurer,
      world.net.lists.jpHealthInsurer,
      43,
    );
    const tampered = structuredClone(credential) as { credentialSubject: { insuredNumber: string } };
    tampered.credentialSubject.insuredNumber = '99999999';
    const { status, body } = await verify(world, tampered);
    assert.equal(status, 400);
    assert.equal(body.checkResults.find((c: { check: string }) => c.check === 'proof').code, 'PROOF_INVALID');
  });

  it('refuses bad requests with a code and the field named', async () => {
    const cases: [unknown, string, string | undefined][] = [
      [{}, 'REQUEST_INVALID', 'verifiableCredential'],
      [{ verifiableCredential: 'a string' }, 'REQUEST_INVALID', 'verifiableCredential'],
      [{ verifiableCredential: {}, extra: 1 }, 'REQUEST_INVALID', 'verifiableCredential.@context'],
      [[1, 2], 'REQUEST_INVALID', 'body'],
    ];
    for (const [payload, code, field] of cases) {
      const { status, body } = await post(world, '/credentials/verify', payload);
      assert.equal(status, 400, JSON.stringify(payload));
      assert.equal(body.code, code);
      assert.equal(body.field, field, JSON.stringify(body));
    }
    // Members beside verifiableCredential and options (e.g. the issue answer's credentialId, posted
    // back as it came) are ignored with a warning naming them, never their values.
    const credential = await signedCredential(
      world,
      world.net.keys.jpHealthInsurer,
      world.net.lists.jpHealthInsurer,
      1,
    );
    const issued = await post(world, '/credentials/verify', {
      verifiableCredential: credential,
      credentialId: 'urn:x',
    });
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    assert.ok(
      (issued.body.warnings as string[]).some((w) => w.includes('credentialId') && !w.includes('urn:x')),
      JSON.stringify(issued.body),
    );
    const deep = { verifiableCredential: JSON.parse(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`) };
    assert.equal((await post(world, '/credentials/verify', deep)).body.code, 'REQUEST_TOO_DEEP');
  });

  it('maps malformed JSON to 400, a non-JSON body to 415 and an oversize body to 413', async () => {
    const raw = (payload: string, contentType = 'application/json') =>
      world.api.app.inject({
        method: 'POST',
        url: '/credentials/verify',
        payload,
        headers: { 'content-type': contentType },
      });
    const malformed = await raw('{"verifiableCredential": {');
    assert.equal(malformed.statusCode, 400);
    assert.equal(malformed.json().code, 'REQUEST_MALFORMED_JSON');
    assert.equal((await raw('')).json().code, 'REQUEST_BODY_EMPTY');
    const text = await raw('hello', 'text/plain');
    assert.equal(text.statusCode, 415);
    assert.equal(text.json().code, 'REQUEST_MEDIA_TYPE_UNSUPPORTED');
    const big = await raw(JSON.stringify({ verifiableCredential: { pad: 'x'.repeat(1024 * 1024) } }));
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().code, 'REQUEST_TOO_LARGE');
  });

  it('never writes the submitted credential to any log line', async () => {
    const marker = `SECRET-${crypto.randomUUID()}`;
    const credential = await signedCredential(
      world,
      world.net.keys.jpHealthInsurer,
      world.net.lists.jpHealthInsurer,
      44,
      {
        name: marker,
      },
    );
    const before = world.lines.length;
    assert.equal((await verify(world, credential)).status, 200);
    assert.equal((await verify(world, { ...credential, validUntil: 'not a date' })).status, 400);
    const malformed = JSON.stringify({ verifiableCredential: credential }).slice(0, -3);
    await world.api.app.inject({
      method: 'POST',
      url: '/credentials/verify',
      payload: malformed,
      headers: { 'content-type': 'application/json' },
    });
    const logged = world.lines.slice(before);
    // The capture works (one line per request at debug level), so an absence below means something.
    assert.ok(logged.filter((l) => l.includes('/credentials/verify')).length >= 3, logged.join(''));
    for (const secret of [marker, credential.id as string, '12345678']) {
      assert.equal(logged.filter((l) => l.includes(secret)).length, 0, `${secret} leaked into the log`);
    }
  });
});

describe('issuer mode: /credentials/issue and /credentials/status', () => {
  it('created and published its empty revocation and suspension lists under the public base URL', () => {
    for (const name of ['revocation', 'suspension']) {
      const held = world.registry.statusList(`${BASE}/status/${name}`);
      assert.equal(held?.list.issuer, world.net.keys.jpHealthInsurer.did);
      assert.deepEqual(held?.list.statusPurpose, [name]);
      assert.equal(held?.list.bits.length, 131_072 / 8);
    }
    assert.deepEqual(world.issuer.listProblems(), []);
  });

  it('issues (201) a credential with random revocation and suspension entries that verifies', async () => {
    const credential = await issue(world);
    assert.equal(credential.issuer, world.net.keys.jpHealthInsurer.did);
    const entries = credential.credentialStatus as {
      statusPurpose: string;
      statusListIndex: string;
      statusListCredential: string;
    }[];
    assert.deepEqual(
      entries.map((e) => [e.statusPurpose, e.statusListCredential]),
      [
        ['revocation', `${BASE}/status/revocation`],
        ['suspension', `${BASE}/status/suspension`],
      ],
    );
    const { status, body } = await verify(world, credential);
    assert.equal(status, 200, JSON.stringify(body.errors));
    assert.equal(body.checkResults.filter((c: { check: string }) => c.check === 'status').length, 2);
  });

  it('draws indexes at random, never reusing one', async () => {
    const indexes = [];
    for (let i = 0; i < 3; i++) {
      const credential = await issue(world);
      indexes.push(Number((credential.credentialStatus as { statusListIndex: string }[])[0]?.statusListIndex));
    }
    assert.equal(new Set(indexes).size, 3);
    const sorted = [...indexes].sort((a, b) => a - b);
    assert.ok(!(sorted[1] === sorted[0]! + 1 && sorted[2] === sorted[1]! + 1), `sequential: ${indexes}`);
  });

  it('revokes: the new list version is strictly newer, verification says revoked, reinstating is 409', async () => {
    const credential = await issue(world);
    const before = world.registry.statusList(`${BASE}/status/revocation`)!.list.validFrom;
    const revoked = await setStatus(world, credential.id, 'revoked');
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    const [update] = revoked.body.updates;
    assert.equal(update.statusListCredential, `${BASE}/status/revocation`);
    assert.equal(update.changed, true);
    assert.ok(Date.parse(update.validFrom) > before);
    const verified = await verify(world, credential);
    assert.equal(verified.status, 400);
    assert.deepEqual(
      verified.body.errors.map((e: { code: string }) => e.code),
      ['CREDENTIAL_REVOKED'],
    );
    const again = await setStatus(world, credential.id, 'revoked');
    assert.equal(again.body.updates[0].changed, false);
    const reinstate = await setStatus(world, credential.id, 'active');
    assert.equal(reinstate.status, 409);
    assert.equal(reinstate.body.code, 'CREDENTIAL_REVOKED');
    assert.equal(reinstate.body.field, 'credentialStatus[0].status');
    assert.match(reinstate.body.message, /irreversible/);
  });

  it('suspends and reinstates', async () => {
    const credential = await issue(world);
    assert.equal((await setStatus(world, credential.id, 'suspended')).status, 200);
    const suspended = await verify(world, credential);
    assert.deepEqual(
      suspended.body.errors.map((e: { code: string }) => e.code),
      ['CREDENTIAL_SUSPENDED'],
    );
    const reinstated = await setStatus(world, credential.id, 'active');
    assert.equal(reinstated.status, 200);
    assert.equal(reinstated.body.updates[0].statusPurpose, 'suspension');
    assert.equal(reinstated.body.updates[0].value, 0);
    assert.equal((await verify(world, credential)).status, 200);
  });

  it('refuses writes without a token (401), with a wrong one (403), and when no token is configured (403)', async () => {
    const missing = await post(world, '/credentials/issue', { credential: unsignedCredential() });
    assert.equal(missing.status, 401);
    assert.equal(missing.body.code, 'UNAUTHORIZED');
    assert.equal(missing.headers['www-authenticate'], 'Bearer');
    const wrong = await post(
      world,
      '/credentials/status',
      { credentialId: 'x', credentialStatus: [] },
      { authorization: 'Bearer nope' },
    );
    assert.equal(wrong.status, 403);
    assert.equal(wrong.body.code, 'FORBIDDEN');
    const readOnly = await createApi({ port: 0 }, { ...world.modules, issuer: undefined });
    const disabled = await readOnly.app.inject({ method: 'POST', url: '/records', payload: {}, headers: AUTH });
    assert.equal(disabled.statusCode, 403);
    assert.equal(disabled.json().code, 'WRITES_DISABLED');
    const noIssuer = await createApi({ port: 0, writeToken: TOKEN }, { ...world.modules, issuer: undefined });
    const notIssuer = await noIssuer.app.inject({
      method: 'POST',
      url: '/credentials/issue',
      payload: { credential: unsignedCredential() },
      headers: AUTH,
    });
    assert.equal(notIssuer.statusCode, 501);
    assert.equal(notIssuer.json().code, 'ISSUER_MODE_DISABLED');
    await Promise.all([readOnly.close(), noIssuer.close()]);
  });

  it('refuses bad issue and status requests with the field named', async () => {
    const otherIssuer = await post(
      world,
      '/credentials/issue',
      { credential: { ...unsignedCredential(), issuer: world.net.keys.twHealthInsurer.did } },
      AUTH,
    );
    assert.deepEqual(
      [otherIssuer.status, otherIssuer.body.code, otherIssuer.body.field],
      [400, 'ISSUER_MISMATCH', 'credential.issuer'],
    );
    // VCDM 2.0 §4.4: id is optional; the node answers a handle for status updates (issue 12 item 4).
    const { id: _id, ...anonymous } = unsignedCredential();
    const noId = await post(world, '/credentials/issue', { credential: anonymous }, AUTH);
    assert.equal(noId.status, 201, JSON.stringify(noId.body));
    assert.match(noId.body.credentialId, /^urn:uuid:/);
    const { credentialSubject: _subject, ...noSubject } = unsignedCredential();
    const shape = await post(world, '/credentials/issue', { credential: noSubject }, AUTH);
    assert.deepEqual(
      [shape.status, shape.body.code, shape.body.field],
      [400, 'REQUEST_INVALID', 'credential.credentialSubject'],
    );
    const badStatus = await post(
      world,
      '/credentials/status',
      { credentialId: 'x', credentialStatus: [{ type: 'BitstringStatusListEntry', status: 'deleted' }] },
      AUTH,
    );
    assert.deepEqual([badStatus.status, badStatus.body.field], [400, 'credentialStatus[0].status']);
    const unknown = await setStatus(world, 'urn:uuid:never-issued', 'revoked');
    assert.deepEqual([unknown.status, unknown.body.code], [404, 'CREDENTIAL_UNKNOWN']);
  });

  it('persists allocations atomically and never reuses an index after a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'trustmesh-issuer-'));
    try {
      const draws = [7, 7, 7, 9];
      const modules = {
        keyPair: world.net.keys.jpHealthInsurer,
        registry: world.registry,
        publish: world.modules.publish,
        now: () => world.clock.now,
        randomIndex: () => draws.shift() ?? 11,
      };
      const first = await IssuerService.open({ publicBaseUrl: BASE, dataDir }, modules);
      const a = await first.issue(unsignedCredential());
      assert.equal(a.entries[0]?.statusListIndex, 7);
      const restarted = await IssuerService.open({ publicBaseUrl: BASE, dataDir }, modules);
      const b = await restarted.issue(unsignedCredential());
      assert.equal(b.entries[0]?.statusListIndex, 9);
      assert.deepEqual(restarted.entriesOf(a.credentialId!), a.entries);
      // Issuing again under the same credential id (a retry) reuses its entries instead of drawing.
      const retry = await restarted.issue({ ...unsignedCredential(), id: a.credentialId });
      assert.deepEqual(retry.entries, a.entries);
      // Journaled, one checksummed line per change (issuer-journal.ts): `<crc32> <json>`.
      const journal = (await readFile(join(dataDir, 'issuer-journal.log'), 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line.slice(9)));
      assert.deepEqual(
        journal.filter((e) => e.op === 'alloc').map((e) => e.entries[0].statusListIndex),
        [7, 9],
      );
      await assert.rejects(
        IssuerService.open({ publicBaseUrl: BASE, dataDir }, { ...modules, keyPair: world.net.keys.twHealthInsurer }),
        { code: 'ISSUER_STATE_MISMATCH' },
      );
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('status-list mirror and status queries', () => {
  it('serves the signed list byte-identical (canonical JSON) at its own path, verifiable by a standard verifier', async () => {
    const id = `${BASE}/status/revocation`;
    const last = world.published.filter((r) => (r as { id?: string }).id === id).at(-1);
    assert.ok(last);
    const response = await get(world, '/status/revocation');
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'application/vc');
    assert.deepEqual(response.rawPayload, Buffer.from(canonicalBytes(last)));
    assert.equal(response.headers.etag, `"${sha256Hex(response.rawPayload)}"`);
    assert.equal(response.headers.etag, `"${world.registry.statusList(id)?.digest}"`);
    const proof = await verifyCredentialProof(JSON.parse(response.body), {
      documentLoader: createDocumentLoader({}, {}),
    });
    assert.equal(proof.verified, true);
    const notModified = await get(world, '/status/revocation', { 'if-none-match': response.headers.etag as string });
    assert.equal(notModified.statusCode, 304);
  });

  it('serves any held list by its URL-encoded id, as application/json on request', async () => {
    const id = world.net.lists.jpAgency;
    const response = await get(world, `/status-lists/${encodeURIComponent(id)}`, { accept: 'application/json' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    assert.equal(JSON.parse(response.body).id, id);
    const index = (await get(world, '/status-lists')).json().statusLists as { id: string; href: string }[];
    assert.equal(index.find((l) => l.id === `${BASE}/status/suspension`)?.href, '/status/suspension');
    assert.equal(index.find((l) => l.id === id)?.href, `/status-lists/${encodeURIComponent(id)}`);
    const unknown = await get(world, `/status-lists/${encodeURIComponent('https://nowhere.example/list')}`);
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().code, 'STATUS_LIST_UNKNOWN');
  });

  it('answers GET /credentials/status from the replica', async () => {
    const list = world.net.lists.jpHealthInsurer;
    const query = (index: string, l = list) =>
      get(world, `/credentials/status?statusListCredential=${encodeURIComponent(l)}&statusListIndex=${index}`);
    const active = (await query('5')).json();
    assert.deepEqual([active.outcome, active.value, active.asOf.statusLists[0].id], ['pass', 0, list]);
    const revoked = (await query('77')).json(); // revoked in the verify tests above
    assert.deepEqual([revoked.outcome, revoked.code, revoked.value], ['fail', 'CREDENTIAL_REVOKED', 1]);
    const unknown = (await query('5', 'https://nowhere.example/list')).json();
    assert.deepEqual([unknown.outcome, unknown.code], ['undetermined', 'STATUS_RETRIEVAL_ERROR']);
    const bad = await query('minus-one');
    assert.deepEqual([bad.statusCode, bad.json().field], [400, 'statusListIndex']);
  });
});

describe('registry queries and TRQP', () => {
  it('GET /issuers/:did returns the accreditations with each scope’s chain to governance', async () => {
    const { jpHealthInsurer, jpAgency } = world.net.keys;
    const response = await get(world, `/issuers/${encodeURIComponent(jpHealthInsurer.did)}`);
    assert.equal(response.statusCode, 200);
    const [accreditation] = response.json().accreditations;
    assert.equal(accreditation.issuer, jpAgency.did);
    assert.deepEqual(accreditation.scopes[0].scope.jurisdiction, 'JP');
    assert.equal(accreditation.scopes[0].valid, true);
    assert.equal(accreditation.scopes[0].authority, jpAgency.did);
    assert.equal(accreditation.scopes[0].chain[0].id, accreditation.id);
    assert.equal(accreditation.credential.proof.type, 'DataIntegrityProof');
    assert.equal((await get(world, `/issuers/${jpAgency.did}`)).json().authority.jurisdiction, 'JP');
    const unknown = await get(world, '/issuers/did:key:z6MkUnknown');
    assert.deepEqual([unknown.statusCode, unknown.json().code], [404, 'ISSUER_UNKNOWN']);
    assert.equal((await get(world, '/issuers/not-a-did')).json().field, 'did');
  });

  it('GET /issuers lists every accreditation by subject, without the signed credentials', async () => {
    const { jpHealthInsurer, twHealthInsurer } = world.net.keys;
    const { accreditations } = (await get(world, '/issuers')).json();
    assert.deepEqual(
      accreditations.map((a: { subject: string }) => a.subject).sort(),
      [jpHealthInsurer.did, twHealthInsurer.did].sort(),
    );
    assert.ok(accreditations.every((a: { scopes: { valid: boolean }[] }) => a.scopes[0]?.valid === true));
    assert.ok(accreditations.every((a: Record<string, unknown>) => a.credential === undefined));
  });

  it('GET /governance and GET /evidence', async () => {
    const governance = (await get(world, '/governance')).json();
    assert.deepEqual([governance.version, governance.authorities.length, governance.expired], [1, 2, false]);
    assert.equal(governance.record.signatures.length, 2);
    // Two versions of one list with the same validFrom: equivocation, kept as evidence.
    const { twMinistry } = world.net.keys;
    const validFrom = world.clock.now + 5000;
    const a = await nextList(world, twMinistry, world.net.lists.twMinistry, { 1: 1 }, validFrom);
    const b = await nextList(world, twMinistry, world.net.lists.twMinistry, { 2: 1 }, validFrom);
    assert.equal((await post(world, '/records', a, AUTH)).status, 202);
    const evidence = await post(world, '/records', b, AUTH);
    assert.deepEqual([evidence.status, evidence.body.kind], [202, 'evidence']);
    const listed = (await get(world, '/evidence')).json().evidence;
    assert.equal(listed.length, 1);
    assert.equal(listed[0].signer, twMinistry.did);
    assert.equal(listed[0].records[0].id, world.net.lists.twMinistry);
  });

  it('POST /authorization answers from the accreditation chains', async () => {
    const { jpHealthInsurer, jpAgency, twMinistry } = world.net.keys;
    const ask = (authority: string, resource: string, context?: object) =>
      post(world, '/authorization', {
        entity_id: jpHealthInsurer.did,
        authority_id: authority,
        action: 'issue',
        resource,
        ...(context ? { context } : {}),
      });
    const network = await ask(world.net.networkId, 'HealthInsuranceCredential');
    assert.equal(network.status, 200);
    assert.equal(network.body.authorized, true, network.body.message);
    assert.equal(network.body.chain.length, 1);
    assert.equal((await ask(jpAgency.did, 'HealthInsuranceCredential', { jurisdiction: 'JP' })).body.authorized, true);
    const wrongAnchor = await ask(twMinistry.did, 'HealthInsuranceCredential');
    assert.deepEqual([wrongAnchor.body.authorized, wrongAnchor.body.code], [false, 'AUTHORITY_MISMATCH']);
    const wrongType = await ask(world.net.networkId, 'DriversLicenceCredential');
    assert.deepEqual([wrongType.body.authorized, wrongType.body.code], [false, 'ISSUER_NOT_ACCREDITED']);
    const past = await ask(world.net.networkId, 'HealthInsuranceCredential', { time: '2020-01-01T00:00:00Z' });
    assert.deepEqual(
      [past.body.authorized, past.body.code, past.body.time_evaluated],
      [false, 'ACCREDITATION_NOT_YET_VALID', '2020-01-01T00:00:00.000Z'],
    );
    const unknown = await ask('did:web:elsewhere.example', 'HealthInsuranceCredential');
    assert.deepEqual(
      [unknown.status, unknown.headers['content-type'], unknown.body.code, unknown.body.status],
      [404, 'application/problem+json; charset=utf-8', 'AUTHORITY_UNKNOWN', 404],
    );
    const badTime = await ask(world.net.networkId, 'HealthInsuranceCredential', { time: 'yesterday' });
    assert.deepEqual([badTime.status, badTime.body.field, badTime.body.title], [400, 'context.time', 'Bad Request']);
    const missing = await post(world, '/authorization', { entity_id: 'x', authority_id: 'y', action: 'issue' });
    assert.equal(missing.body.field, 'resource');
  });

  it('POST /recognition answers from the governance in force', async () => {
    const { jpAgency } = world.net.keys;
    const ask = (entity: string, resource: string, time?: string) =>
      post(world, '/recognition', {
        entity_id: entity,
        authority_id: world.net.networkId,
        action: 'recognize',
        resource,
        ...(time ? { context: { time } } : {}),
      });
    const yes = await ask(jpAgency.did, 'governance-authority');
    assert.deepEqual([yes.status, yes.body.recognized, yes.body.governance_version], [200, true, 1]);
    assert.equal((await ask(jpAgency.did, 'JP')).body.recognized, true);
    assert.equal((await ask(jpAgency.did, 'TW')).body.code, 'JURISDICTION_NOT_RECOGNIZED');
    assert.equal(
      (await ask(world.net.keys.jpHealthInsurer.did, 'governance-authority')).body.code,
      'AUTHORITY_NOT_RECOGNIZED',
    );
    assert.equal(
      (await ask(jpAgency.did, 'governance-authority', '2020-01-01T00:00:00Z')).body.code,
      'GOVERNANCE_NOT_IN_FORCE',
    );
  });
});

describe('node routes, records, metrics, OpenAPI and real HTTP', () => {
  it('GET /health, /peers and /sync', async () => {
    const health = await get(world, '/health');
    assert.equal(health.statusCode, 200);
    const body = health.json();
    assert.deepEqual([body.status, body.governanceVersion, body.peerId], ['ok', 1, '12D3KooWTestNode']);
    assert.equal(body.counts.accreditations, 2);
    assert.ok(body.counts.statusLists >= 6);
    assert.equal(body.issuer.lists.revocation, `${BASE}/status/revocation`);
    assert.equal((await get(world, '/peers')).json().peers[0].id, '12D3KooWPeer');
    assert.equal((await get(world, '/sync')).json().lastRound.received, 2);
  });

  it('every write route checks the token before reading the body; an authorised oversize body is 413', async () => {
    const oversize = JSON.stringify({ pad: 'x'.repeat(1024 * 1024) });
    const send = (url: string, headers: Record<string, string>) =>
      world.api.app.inject({
        method: 'POST',
        url,
        payload: oversize,
        headers: { 'content-type': 'application/json', ...headers },
      });
    for (const url of ['/records', '/credentials/issue', '/credentials/status']) {
      const missing = await send(url, {});
      assert.deepEqual([missing.statusCode, missing.json().code], [401, 'UNAUTHORIZED'], url);
      const wrong = await send(url, { authorization: 'Bearer not-the-token' });
      assert.deepEqual([wrong.statusCode, wrong.json().code], [403, 'FORBIDDEN'], url);
      const malformedHeader = await send(url, { authorization: `Basic ${TOKEN}` });
      assert.deepEqual([malformedHeader.statusCode, malformedHeader.json().code], [401, 'UNAUTHORIZED'], url);
      const authorised = await send(url, AUTH);
      assert.deepEqual([authorised.statusCode, authorised.json().code], [413, 'REQUEST_TOO_LARGE'], url);
    }
  });

  it('POST /records: duplicate → 200 ignored, malformed → 422, oversize → 413', async () => {
    const duplicate = await post(world, '/records', world.net.records[0], AUTH);
    assert.deepEqual([duplicate.status, duplicate.body.status, duplicate.body.code], [200, 'ignored', 'DUPLICATE']);
    const unknown = await post(world, '/records', { type: 'SomethingElse' }, AUTH);
    assert.deepEqual([unknown.status, unknown.body.code], [422, 'RECORD_KIND_UNKNOWN']);
    const big = await post(world, '/records', { type: 'SomethingElse', pad: 'x'.repeat(300 * 1024) }, AUTH);
    assert.deepEqual([big.status, big.body.code], [413, 'RECORD_TOO_LARGE']);
  });

  it('POST /records: a lone surrogate or 1e400 is 422 with its code, never a 500', async () => {
    const held = new TextDecoder().decode(canonicalBytes(world.net.records[0] as object));
    const send = (member: string) =>
      world.api.app.inject({
        method: 'POST',
        url: '/records',
        payload: `{${member},${held.slice(1)}`,
        headers: { 'content-type': 'application/json', ...AUTH },
      });
    const surrogate = await send('"note":"\\ud800"');
    assert.deepEqual([surrogate.statusCode, surrogate.json().code], [422, 'RECORD_INVALID_STRING']);
    const huge = await send('"note":1e400');
    assert.deepEqual([huge.statusCode, huge.json().code], [422, 'RECORD_NUMBER_OUT_OF_RANGE']);
  });

  it('GET /metrics exposes the verification and HTTP counters; unknown routes are 404', async () => {
    assert.equal((await get(world, '/nowhere')).json().code, 'ROUTE_NOT_FOUND');
    const response = await get(world, '/metrics');
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/plain/);
    assert.match(response.body, /trustmesh_verifications_total\{result="verified",code="OK"\} [1-9]/);
    assert.match(
      response.body,
      /trustmesh_verifications_total\{result="not_verified",code="CREDENTIAL_REVOKED"\} [1-9]/,
    );
    assert.match(
      response.body,
      /trustmesh_http_requests_total\{method="POST",route="\/credentials\/verify",status_code="200"\} [1-9]/,
    );
    assert.match(
      response.body,
      /trustmesh_http_requests_total\{method="GET",route="\(unmatched\)",status_code="404"\} 1/,
    );
    assert.match(response.body, /trustmesh_credentials_issued_total [1-9]/);
    assert.match(response.body, /trustmesh_http_request_duration_seconds_bucket/);
  });

  it('GET /openapi.json is an OpenAPI 3.1 document of every route', async () => {
    const doc = (await get(world, '/openapi.json')).json();
    assert.equal(doc.openapi, '3.1.0');
    for (const path of [
      '/credentials/verify',
      '/credentials/issue',
      '/credentials/status',
      '/status-lists/{id}',
      '/authorization',
      '/recognition',
      '/records',
      '/metrics',
    ]) {
      assert.ok(doc.paths[path], `missing ${path}`);
    }
    assert.ok(
      doc.paths['/credentials/verify'].post.requestBody.content['application/json'].schema.required.includes(
        'verifiableCredential',
      ),
    );
    assert.deepEqual(doc.paths['/credentials/issue'].post.security, [{ bearerAuth: [] }]);
  });

  it('serves real HTTP on 127.0.0.1', async () => {
    const server = await createApi({ port: 0, writeToken: TOKEN, publicBaseUrl: BASE }, world.modules);
    const url = await server.listen();
    try {
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(`${url}/health`);
      assert.equal(health.status, 200);
      const credential = await signedCredential(
        world,
        world.net.keys.jpHealthInsurer,
        world.net.lists.jpHealthInsurer,
        45,
      );
      const verified = await fetch(`${url}/credentials/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ verifiableCredential: credential }),
      });
      assert.equal(verified.status, 200);
      assert.equal(((await verified.json()) as { verified: boolean }).verified, true);
      const list = await fetch(`${url}/status/revocation`);
      assert.equal(list.headers.get('etag'), `"${world.registry.statusList(`${BASE}/status/revocation`)?.digest}"`);
    } finally {
      await server.close();
    }
  });

  it('serves HTTPS when given a certificate and key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trustmesh-tls-'));
    try {
      // A self-signed certificate for 127.0.0.1, made with the system's openssl.
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
      const [cert, key] = await Promise.all([readFile(join(dir, 'cert.pem')), readFile(join(dir, 'key.pem'))]);
      const server = await createApi({ port: 0, publicBaseUrl: BASE, https: { cert, key } }, world.modules);
      const url = await server.listen();
      try {
        assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
        const body = await new Promise<string>((resolve, reject) => {
          httpsGet(`${url}/health`, { ca: cert }, (res) => {
            let text = '';
            res.on('data', (chunk) => {
              text += chunk;
            });
            res.on('end', () => resolve(`${res.statusCode} ${text}`));
          }).on('error', reject);
        });
        assert.match(body, /^200 /);
        // Plain HTTP to the TLS port is not answered as if it were the API.
        await assert.rejects(fetch(`${url.replace('https:', 'http:')}/health`).then((r) => r.text()));
      } finally {
        await server.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
