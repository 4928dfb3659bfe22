import * as assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseStatusListCredential, readStatus } from '@trustmesh/registry';
import { runInProcess as runCli, runInProcess, sampleNetwork, show, tempDir, writeKeyFile } from './helpers.ts';

/** A fake of the node's HTTP API: answers each request with the next canned response. */
interface Exchange {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

describe('talking to a node', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let server: Server;
  let url: string;
  const received: Exchange[] = [];
  const responses: { status: number; body: unknown }[] = [];

  before(async () => {
    ({ dir, remove } = await tempDir());
    await writeFile(join(dir, 'record.json'), JSON.stringify({ type: ['VerifiableCredential'], id: 'urn:uuid:x' }));
    server = createServer((request, response) => {
      let text = '';
      request.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
      });
      request.on('end', () => {
        received.push({
          method: request.method ?? '',
          url: request.url ?? '',
          headers: request.headers,
          body: text === '' ? null : JSON.parse(text),
        });
        const next = responses.shift() ?? { status: 500, body: { code: 'NO_RESPONSE', message: 'none queued' } };
        response.writeHead(next.status, { 'content-type': 'application/json' }).end(JSON.stringify(next.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await remove();
  });

  it('publishes a record with the token from TRUSTMESH_TOKEN', async () => {
    responses.push({ status: 202, body: { status: 'accepted', kind: 'accreditation', key: 'k', digest: 'abc' } });
    const result = await runCli(['publish', 'record.json', '--node', url], {
      cwd: dir,
      env: { TRUSTMESH_TOKEN: 's3cret' },
    });
    assert.equal(result.code, 0, show(result));
    assert.match(result.stdout, /accepted the accreditation record \(digest abc\)/);
    const exchange = received.at(-1);
    assert.equal(exchange?.method, 'POST');
    assert.equal(exchange?.url, '/records');
    assert.equal(exchange?.headers.authorization, 'Bearer s3cret');
    assert.deepEqual(exchange?.body, { type: ['VerifiableCredential'], id: 'urn:uuid:x' });
  });

  it('reports how many peers took a published record', async () => {
    responses.push({
      status: 202,
      body: { status: 'accepted', kind: 'status-list', key: 'k', digest: 'abc', gossipPeers: 3 },
    });
    const result = await runCli(['publish', 'record.json', '--node', url, '--token', 't'], { cwd: dir });
    assert.equal(result.code, 0, show(result));
    assert.match(result.stdout, /accepted the status-list record \(digest abc\), sent to 3 peers/);
  });

  it('fails with NO_PEERS (exit 1) when the node sent the record to no peer (issue 15)', async () => {
    responses.push({
      status: 202,
      body: { status: 'accepted', kind: 'status-list', key: 'k', digest: 'abc', gossipPeers: 0 },
    });
    const result = await runCli(['publish', 'record.json', '--node', url, '--token', 't', '--json'], { cwd: dir });
    assert.equal(result.code, 1, show(result));
    assert.equal(JSON.parse(result.stdout).gossipPeers, 0);
    assert.equal(JSON.parse(result.stderr).error.code, 'NO_PEERS');
  });

  it('fails with NO_PEERS when a revocation through issuer mode reached no peer', async () => {
    const update = {
      statusPurpose: 'revocation',
      statusListCredential: 'https://issuer.example/lists/1',
      statusListIndex: 6,
      value: 1,
      changed: true,
      validFrom: '2026-06-01T00:00:00.000Z',
    };
    responses.push({
      status: 200,
      body: { credentialId: 'urn:uuid:c', status: 'revoked', updates: [update], gossipPeers: 0 },
    });
    const lone = await runCli(['revoke', 'urn:uuid:c', '--node', url, '--token', 't'], { cwd: dir });
    assert.equal(lone.code, 1, show(lone));
    assert.match(lone.stdout, /sent to 0 peers/);
    assert.match(lone.stderr, /sent it to 0 peers/);
    responses.push({
      status: 200,
      body: { credentialId: 'urn:uuid:c', status: 'revoked', updates: [update], gossipPeers: 2 },
    });
    const shared = await runCli(['revoke', 'urn:uuid:c', '--node', url, '--token', 't'], { cwd: dir });
    assert.equal(shared.code, 0, show(shared));
    assert.match(shared.stdout, /sent to 2 peers/);
  });

  it('issue prints the revoke hint with the handle the node answered', async () => {
    responses.push({
      status: 201,
      body: {
        verifiableCredential: { type: ['VerifiableCredential'], issuer: 'did:key:z6Mkissuer', credentialStatus: [] },
        credentialId: 'urn:uuid:handle-from-node',
      },
    });
    const result = await runInProcess(['issue', 'record.json', '--node', url, '--token', 't', '--out', 'issued.json'], {
      cwd: dir,
    });
    assert.equal(result.code, 0, show(result));
    assert.match(
      result.stdout,
      new RegExp(`revoke it with: npx trustmesh revoke urn:uuid:handle-from-node --node ${url}`),
    );
    assert.ok(!result.stdout.includes(' t\n') && !result.stdout.includes('--token t'), 'the token was printed');
  });

  it('exits 1 with the node’s code when it rejects the record', async () => {
    responses.push({
      status: 422,
      body: { code: 'PROOF_INVALID', message: 'the proof does not verify', field: 'proof' },
    });
    const result = await runCli(['publish', 'record.json', '--node', url, '--token', 't'], { cwd: dir });
    assert.equal(result.code, 1, show(result));
    assert.match(result.stdout, /rejected: .* PROOF_INVALID \(proof\): the proof does not verify/);
  });

  it('verifies through the node and reports its answer', async () => {
    responses.push({
      status: 400,
      body: {
        verified: false,
        // VC-API: `checks` names the checks that ran, `checkResults` holds each outcome (issue 12).
        checks: ['proof', 'status'],
        checkResults: [
          { check: 'proof', outcome: 'pass', message: 'signed by did:key:z6Mk…' },
          { check: 'status', outcome: 'fail', code: 'CREDENTIAL_REVOKED', message: 'revoked (index 6 of https://s/l)' },
        ],
        warnings: [],
        errors: [],
        asOf: { time: '2026-06-01T00:00:00.000Z', governanceVersion: 3, statusLists: [] },
      },
    });
    const result = await runCli(['verify', 'record.json'], { cwd: dir, env: { TRUSTMESH_NODE: url } });
    assert.equal(result.code, 1, show(result));
    assert.equal(received.at(-1)?.url, '/credentials/verify');
    assert.match(result.stdout, /✗ status +revoked \(index 6 of https:\/\/s\/l\) \[CREDENTIAL_REVOKED\]/);
    assert.match(result.stdout, /as of 2026-06-01T00:00:00.000Z: governance version 3/);
    assert.match(result.stdout, new RegExp(`source: node ${url}`));
  });

  it('withdraws through the node: reads the current list, publishes the next version', async () => {
    const { net } = await sampleNetwork();
    await writeKeyFile(join(dir, 'agency.key.json'), net.keys.jpAgency);
    const current = net.records.find((r) => r.id === net.lists.jpAgency);
    responses.push(
      { status: 200, body: current },
      { status: 202, body: { status: 'accepted', kind: 'status-list', digest: 'd' } },
    );
    const result = await runCli(
      [
        'withdraw',
        '--key',
        'agency.key.json',
        '--list',
        net.lists.jpAgency,
        '--index',
        '7',
        '--node',
        url,
        '--token',
        't',
      ],
      { cwd: dir },
    );
    assert.equal(result.code, 0, show(result));
    const [get, post] = received.slice(-2);
    assert.equal(get?.url, `/status-lists/${encodeURIComponent(net.lists.jpAgency)}`);
    assert.equal(post?.url, '/records');
    const next = parseStatusListCredential(post?.body);
    assert.equal(next.id, net.lists.jpAgency);
    assert.equal(readStatus(next.bits, 7, 1), 1);
    assert.ok(next.validFrom > parseStatusListCredential(current).validFrom, 'the new version is not newer');
  });
});
