/**
 * Rate limiting of the public routes (issue 15 item 8; DESIGN.md, Network): per client, configurable,
 * 429 `RATE_LIMITED` with `Retry-After`; write routes (the token's to guard) are not counted; on by
 * default. A real API over real HTTP on loopback, with a real registry.
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSampleNetwork, MemoryRecordStore, Registry } from '@trustmesh/registry';
import pino from 'pino';
import { type ApiModules, type ApiServer, createApi, createMetrics, defaultApiOptions } from '../../src/api/index.ts';

const TOKEN = 'rate-limit-test-token';

describe('rate limiting of the public routes', () => {
  let registry: Registry;
  let modules: ApiModules;
  let api: ApiServer;
  let url: string;

  before(async () => {
    const net = await createSampleNetwork({ now: new Date(Date.now() - 60_000) });
    registry = await Registry.open(
      { networkId: net.networkId, genesisDigest: net.genesisDigest },
      { store: new MemoryRecordStore(), now: Date.now },
    );
    for (const record of net.records) await registry.submit(record);
    modules = {
      registry,
      publish: (record) => registry.submit(record),
      node: { peerId: '12D3KooWRateLimit', networkId: net.networkId, peers: () => [], syncState: () => ({}) },
      metrics: createMetrics({ processMetrics: false }),
      now: Date.now,
      logger: pino({ level: 'silent' }),
    };
    api = await createApi({ port: 0, writeToken: TOKEN, rateLimit: { max: 3, windowMs: 60_000 } }, modules);
    url = await api.listen();
  });
  after(async () => {
    await api.close();
    await registry.close();
  });

  it('answers 429 RATE_LIMITED with Retry-After once a client passes its limit', async () => {
    for (let i = 0; i < 3; i++) {
      const ok = await fetch(`${url}/health`);
      assert.equal(ok.status, 200, `request ${i + 1} of 3`);
      assert.equal(ok.headers.get('x-ratelimit-remaining'), null, 'no rate-limit headers below the limit');
    }
    const refused = await fetch(`${url}/credentials/status?statusListCredential=x&statusListIndex=1`);
    assert.equal(refused.status, 429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 60, `Retry-After: ${retryAfter}`);
    const body = (await refused.json()) as { code: string; message: string };
    assert.equal(body.code, 'RATE_LIMITED');
    assert.match(body.message, /more than 3 requests in 60 s from this client/);
  });

  it('counts per client, and leaves the write routes to their token', async () => {
    // Another client address is not limited by the first one's requests.
    const other = await api.app.inject({ method: 'GET', url: '/health', remoteAddress: '192.0.2.7' });
    assert.equal(other.statusCode, 200);
    // A public route stays limited for the limited client, with a token or without.
    const withToken = await fetch(`${url}/health`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(withToken.status, 429);
    // A write route is not counted: with the token it is served, without it the token check refuses.
    for (let i = 0; i < 5; i++) {
      const write = await fetch(`${url}/records`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: ['VerifiableCredential'] }),
      });
      assert.notEqual(write.status, 429, `write ${i + 1}`);
      assert.ok(write.status < 500, `write ${i + 1}: ${write.status}`);
    }
    const unauthorised = await fetch(`${url}/records`, { method: 'POST', body: '{}' });
    assert.equal(unauthorised.status, 401);
  });

  it('is on by default, and off with rateLimit: null', async () => {
    assert.deepEqual(defaultApiOptions.rateLimit, { max: 6000, windowMs: 60_000 });
    const open = await createApi({ port: 0, rateLimit: null }, modules);
    try {
      for (let i = 0; i < 10; i++) {
        const answer = await open.app.inject({ method: 'GET', url: '/health' });
        assert.equal(answer.statusCode, 200);
      }
    } finally {
      await open.close();
    }
  });
});
