/**
 * ToIP TRQP v2 (RESTful binding) and the Ayra profile's read routes, as a generic TRQP client would
 * call them (issue 12): the required request and response members, `context` as an object and as
 * Base64-encoded JSON, unknown context members ignored, RFC 7807 Problem Details with 400 for a
 * malformed request and 404 for an unknown entity, authority or action. Over real HTTP on loopback,
 * against a real registry holding a sample network (real keys, real signatures).
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSampleNetwork, MemoryRecordStore, Registry, type SampleNetwork } from '@trustmesh/registry';
import pino from 'pino';
import { type ApiServer, createApi, createMetrics } from '../../src/api/index.ts';

const T0 = Date.parse('2026-06-01T00:00:00Z');
const NOW = T0 + 60_000;

// Response bodies are read as a generic client reads JSON: any member, checked by the assertions.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Json = Record<string, any>;

let net: SampleNetwork;
let api: ApiServer;
let base: string;

before(async () => {
  net = await createSampleNetwork({ now: new Date(T0) });
  const registry = await Registry.open(
    { networkId: net.networkId, genesisDigest: net.genesisDigest },
    { store: new MemoryRecordStore(), now: () => NOW },
  );
  for (const record of net.records) assert.equal((await registry.submit(record)).status, 'accept');
  api = await createApi(
    { host: '127.0.0.1', port: 0, writeToken: null },
    {
      registry,
      publish: (record) => registry.submit(record),
      node: {
        peerId: '12D3KooWTestNode',
        networkId: net.networkId,
        peers: () => [],
        syncState: () => ({ rounds: 0, lastRound: null }),
      },
      metrics: createMetrics({ processMetrics: false }),
      now: () => NOW,
      logger: pino({ level: 'silent' }),
    },
  );
  base = await api.listen();
});

after(async () => {
  await api.close();
});

async function post(path: string, body: unknown) {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as Json };
}

async function get(path: string) {
  const response = await fetch(`${base}${path}`);
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as Json };
}

function authorization(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    entity_id: net.keys.jpHealthInsurer.did,
    authority_id: net.networkId,
    action: 'issue',
    resource: 'HealthInsuranceCredential',
    ...overrides,
  };
}

function assertProblem(answer: Awaited<ReturnType<typeof post>>, status: number, code: string) {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.match(answer.type ?? '', /^application\/problem\+json/);
  // RFC 7807 §3.1 members.
  assert.equal(answer.body.status, status);
  assert.equal(typeof answer.body.title, 'string');
  assert.equal(typeof answer.body.type, 'string');
  assert.equal(typeof answer.body.detail, 'string');
  assert.equal(answer.body.code, code);
}

describe('TRQP v2 RESTful binding: POST /authorization', () => {
  it('answers with every required response member, echoing the query', async () => {
    const answer = await post('/authorization', authorization({ context: { time: '2026-06-01T00:00:30Z' } }));
    assert.equal(answer.status, 200);
    for (const member of ['entity_id', 'authority_id', 'action', 'resource', 'authorized', 'time_evaluated']) {
      assert.ok(member in answer.body, member);
    }
    assert.equal(answer.body.authorized, true, answer.body.message);
    assert.equal(answer.body.time_requested, '2026-06-01T00:00:30Z');
    assert.equal(answer.body.time_evaluated, '2026-06-01T00:00:30.000Z');
    assert.deepEqual(answer.body.context, { time: '2026-06-01T00:00:30Z' });
  });

  it('takes the context as Base64-encoded JSON, standard and URL alphabets alike', async () => {
    const context = { time: '2026-06-01T00:00:30Z', jurisdiction: 'JP' };
    for (const encoding of ['base64', 'base64url'] as const) {
      const encoded = Buffer.from(JSON.stringify(context)).toString(encoding);
      const answer = await post('/authorization', authorization({ context: encoded }));
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.authorized, true);
      assert.equal(answer.body.time_requested, context.time);
    }
    const notJson = await post(
      '/authorization',
      authorization({ context: Buffer.from('not json').toString('base64') }),
    );
    assertProblem(notJson, 400, 'TRQP_CONTEXT_INVALID');
    assertProblem(
      await post('/authorization', authorization({ context: 'not base64 !' })),
      400,
      'TRQP_CONTEXT_INVALID',
    );
    const array = await post('/authorization', authorization({ context: [1] }));
    assert.equal(array.status, 400, 'an array is not a context (schema validation: REQUEST_INVALID)');
  });

  it('ignores unknown context members and unknown top-level members', async () => {
    const answer = await post(
      '/authorization',
      authorization({ context: { locator: 'x', nested: { a: 1 }, count: 3 }, nonce: 'n-1' }),
    );
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.authorized, true);
    assert.deepEqual(answer.body.context, { locator: 'x' }, 'string members are echoed, others dropped');
  });

  it('400 for a malformed request: a required member missing, a time not in UTC', async () => {
    for (const member of ['entity_id', 'authority_id', 'action', 'resource']) {
      const rest: Record<string, unknown> = authorization();
      delete rest[member];
      const answer = await post('/authorization', rest);
      assert.equal(answer.status, 400, member);
      assert.equal(answer.body.field, member);
    }
    const offset = await post('/authorization', authorization({ context: { time: '2026-06-01T09:00:00+09:00' } }));
    assertProblem(offset, 400, 'TRQP_TIME_INVALID');
  });

  it('404 for an unknown entity, authority or action; 200 false for a known entity not authorized', async () => {
    assertProblem(
      await post('/authorization', authorization({ entity_id: 'did:key:z6MkUnknown' })),
      404,
      'ENTITY_UNKNOWN',
    );
    assertProblem(
      await post('/authorization', authorization({ authority_id: 'did:web:elsewhere.example' })),
      404,
      'AUTHORITY_UNKNOWN',
    );
    assertProblem(await post('/authorization', authorization({ action: 'delete' })), 404, 'ACTION_UNKNOWN');
    const other = await post('/authorization', authorization({ resource: 'DriversLicenceCredential' }));
    assert.deepEqual([other.status, other.body.authorized, other.body.code], [200, false, 'ISSUER_NOT_ACCREDITED']);
  });
});

describe('TRQP v2 RESTful binding: POST /recognition', () => {
  it('recognises a governance authority, with the required members', async () => {
    const answer = await post('/recognition', {
      entity_id: net.keys.jpAgency.did,
      authority_id: net.networkId,
      action: 'recognize',
      resource: 'governance-authority',
    });
    assert.equal(answer.status, 200);
    for (const member of ['entity_id', 'authority_id', 'action', 'resource', 'recognized', 'time_evaluated']) {
      assert.ok(member in answer.body, member);
    }
    assert.equal(answer.body.recognized, true);
  });

  it('404 for an entity the registry never saw; 200 false for a known non-authority', async () => {
    const ask = (entity: string) =>
      post('/recognition', {
        entity_id: entity,
        authority_id: net.networkId,
        action: 'recognize',
        resource: 'governance-authority',
      });
    assertProblem(await ask('did:web:nobody.example'), 404, 'ENTITY_UNKNOWN');
    const issuer = await ask(net.keys.jpHealthInsurer.did);
    assert.deepEqual([issuer.status, issuer.body.recognized], [200, false]);
  });
});

describe('Ayra TRQP profile read routes', () => {
  const id = () => encodeURIComponent(net.networkId);

  it('GET /metadata names the ecosystem and its controllers', async () => {
    const answer = await get('/metadata');
    assert.equal(answer.status, 200);
    assert.equal(answer.body.id, net.networkId);
    assert.deepEqual([...answer.body.controllers].sort(), [net.keys.jpAgency.did, net.keys.twMinistry.did].sort());
    for (const member of ['name', 'description']) assert.equal(typeof answer.body[member], 'string');
  });

  it('GET /entities/{id} and /entities/{id}/authorizations answer from the replica; unknown → 404', async () => {
    const did = encodeURIComponent(net.keys.jpHealthInsurer.did);
    const entity = await get(`/entities/${did}`);
    assert.equal(entity.status, 200);
    assert.equal(entity.body.accreditations.length, 1);
    assert.equal(entity.body.accreditations[0].accreditor, net.keys.jpAgency.did);
    const authorizations = await get(`/entities/${did}/authorizations`);
    assert.equal(authorizations.status, 200);
    const held = authorizations.body.find((a: Json) => a.resource === 'HealthInsuranceCredential');
    assert.deepEqual(
      [held.recognized, held.authorized, held.authorization_id],
      [true, true, 'issue:HealthInsuranceCredential'],
    );
    for (const member of ['message', 'evaluated_at', 'response_time']) assert.ok(member in held, member);
    const past = await get(`/entities/${did}/authorizations?time=2020-01-01T00:00:00Z`);
    assert.equal(past.body[0].authorized, false);
    assert.equal(past.body[0].code, 'ACCREDITATION_NOT_YET_VALID');
    assertProblem(await get('/entities/did%3Aweb%3Anobody.example'), 404, 'ENTITY_UNKNOWN');
    assertProblem(await get('/entities/did%3Aweb%3Anobody.example/authorizations'), 404, 'ENTITY_UNKNOWN');
    assertProblem(await get(`/entities/${did}/authorizations?time=yesterday`), 400, 'TRQP_TIME_INVALID');
  });

  it('GET /ecosystems/{id}, /recognitions and /lookups answer for this network only', async () => {
    const ecosystem = await get(`/ecosystems/${id()}`);
    assert.equal(ecosystem.status, 200);
    assert.equal(ecosystem.body.authorities.length, 2);
    const recognitions = await get(`/ecosystems/${id()}/recognitions`);
    assert.equal(recognitions.status, 200);
    assert.ok(recognitions.body.every((r: Json) => r.recognized === true));
    assert.equal(recognitions.body.length, 2);
    const lookups = await get(`/ecosystems/${id()}/lookups/authorizations`);
    assert.ok(lookups.body.some((a: Json) => a.id === 'issue:HealthInsuranceCredential'));
    const methods = await get(`/ecosystems/${id()}/lookups/didMethods`);
    assert.ok(methods.body.some((m: Json) => m.identifier === 'did:key'));
    assertProblem(await get('/ecosystems/another-network'), 404, 'ECOSYSTEM_UNKNOWN');
    assertProblem(await get('/ecosystems/another-network/recognitions'), 404, 'ECOSYSTEM_UNKNOWN');
    assertProblem(
      await get(`/ecosystems/${id()}/recognitions?time=2020-01-01T00:00:00Z`),
      404,
      'GOVERNANCE_NOT_IN_FORCE',
    );
  });
});
