/**
 * The CLI on compact credentials (issue 13): `issue --format dc+sd-jwt` through a node in issuer
 * mode prints the compact SD-JWT VC; `verify` takes that text as it is (a file or standard input,
 * wrapped into a VCDM 2.0 EnvelopedVerifiableCredential); `revoke` and `suspend` change its Token
 * Status List entry. A real node API over a real registry, listening on a real port.
 */
import * as assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApi, createMetrics, IssuerService, TokenStatusIssuer } from '@trustmesh/node';
import { createSampleNetwork, MemoryRecordStore, Registry } from '@trustmesh/registry';
import pino from 'pino';
import { runInProcess, show, tempDir } from './helpers.ts';

const TOKEN = 'cli-test-token-0123456789';
const BASE = 'https://tw-issuer.example';

describe('trustmesh issue / verify / revoke on SD-JWT VC', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let url: string;
  let close: () => Promise<void>;

  before(async () => {
    ({ dir, remove } = await tempDir());
    const net = await createSampleNetwork({ now: new Date(Date.now() - 60_000) });
    const registry = await Registry.open(
      { networkId: net.networkId, genesisDigest: net.genesisDigest },
      { store: new MemoryRecordStore(), now: Date.now },
    );
    for (const record of net.records) assert.equal((await registry.submit(record)).status, 'accept');
    const dataDir = await mkdtemp(join(tmpdir(), 'trustmesh-cli-sdjwt-'));
    const modules = {
      keyPair: net.keys.twHealthInsurer,
      registry,
      publish: (record: object) => registry.submit(record),
      now: Date.now,
    };
    const issuer = await IssuerService.open({ publicBaseUrl: BASE, dataDir }, modules);
    const tokenStatusIssuer = await TokenStatusIssuer.open({ publicBaseUrl: BASE, dataDir }, modules);
    const api = await createApi(
      { writeToken: TOKEN, publicBaseUrl: BASE, port: 0, host: '127.0.0.1' },
      {
        registry,
        publish: (record) => registry.submit(record),
        node: {
          peerId: '12D3KooWCli',
          networkId: net.networkId,
          peers: () => [],
          syncState: () => ({ rounds: 0 }),
          gossipPeers: () => 1,
        },
        issuer,
        tokenStatusIssuer,
        metrics: createMetrics({ processMetrics: false }),
        now: Date.now,
        logger: pino({ level: 'silent' }),
      },
    );
    url = await api.listen();
    close = async () => {
      await api.close();
      await tokenStatusIssuer.close();
      await issuer.close();
      await registry.close();
      await rm(dataDir, { recursive: true, force: true });
    };
    await writeFile(
      join(dir, 'claims.json'),
      JSON.stringify({ vct: 'HealthInsuranceCredential', given_name: 'Mei', insured_number: '123' }),
    );
  });
  after(async () => {
    await close();
    await remove();
  });

  it('issues a compact SD-JWT VC, verifies it from a file and from standard input, revokes it, and it no longer verifies', async () => {
    const issued = await runInProcess(
      [
        'issue',
        'claims.json',
        '--format',
        'dc+sd-jwt',
        '--disclosable',
        'given_name',
        '--node',
        url,
        '--token',
        TOKEN,
        '--out',
        'mei.sd-jwt',
      ],
      { cwd: dir },
    );
    assert.equal(issued.code, 0, show(issued));
    const compact = (await readFile(join(dir, 'mei.sd-jwt'), 'utf8')).trim();
    assert.match(compact, /^[\w-]+\.[\w-]+\.[\w-]+~[\w-]+~$/, 'one disclosure, as asked');
    const id = /revoke (urn:uuid:[0-9a-f-]+)/.exec(issued.stdout)?.[1];
    assert.ok(id, issued.stdout);

    const verified = await runInProcess(['verify', 'mei.sd-jwt', '--node', url], { cwd: dir });
    assert.equal(verified.code, 0, show(verified));
    const piped = await runInProcess(['verify', '-', '--node', url, '--json'], { cwd: dir, stdin: `${compact}\n` });
    assert.equal(piped.code, 0, show(piped));
    assert.equal(JSON.parse(piped.stdout).verified, true);

    const revoked = await runInProcess(['revoke', id, '--node', url, '--token', TOKEN], { cwd: dir });
    assert.equal(revoked.code, 0, show(revoked));
    assert.match(revoked.stdout, /token-status entry \d+ of https:\/\/tw-issuer\.example\/status\/token-status = 1/);
    const refused = await runInProcess(['verify', 'mei.sd-jwt', '--node', url, '--json'], { cwd: dir });
    assert.equal(refused.code, 1, show(refused));
    const failing = JSON.parse(refused.stdout).checks.filter((c: { outcome: string }) => c.outcome === 'fail');
    assert.deepEqual(
      failing.map((c: { check: string; code: string }) => [c.check, c.code]),
      [['status', 'STATUS_INVALID']],
    );
    // INVALID is final.
    const reinstated = await runInProcess(['reinstate', id, '--node', url, '--token', TOKEN], { cwd: dir });
    assert.notEqual(reinstated.code, 0, show(reinstated));
    assert.match(reinstated.stderr, /CREDENTIAL_REVOKED/);
  });

  it('prints the compact credential on standard output; a tampered one does not verify', async () => {
    const issued = await runInProcess(
      ['issue', 'claims.json', '--format', 'dc+sd-jwt', '--node', url, '--token', TOKEN],
      { cwd: dir },
    );
    assert.equal(issued.code, 0, show(issued));
    const compact = issued.stdout.split('\n')[0] as string;
    const [jwt, ...disclosures] = compact.split('~');
    const payload = JSON.parse(Buffer.from((jwt as string).split('.')[1] as string, 'base64url').toString());
    payload.vct = 'urn:eudi:pid:1';
    const parts = (jwt as string).split('.');
    parts[1] = Buffer.from(JSON.stringify(payload)).toString('base64url');
    await writeFile(join(dir, 'tampered.sd-jwt'), [parts.join('.'), ...disclosures].join('~'));
    const refused = await runInProcess(['verify', 'tampered.sd-jwt', '--node', url, '--json'], { cwd: dir });
    assert.equal(refused.code, 1, show(refused));
    const proof = JSON.parse(refused.stdout).checks.find((c: { check: string }) => c.check === 'proof');
    assert.equal(proof.outcome, 'fail', refused.stdout);
  });

  it('refuses SD-JWT options without --format dc+sd-jwt', async () => {
    const result = await runInProcess(['issue', 'claims.json', '--disclosable', 'a', '--node', url, '--token', TOKEN], {
      cwd: dir,
    });
    assert.equal(result.code, 2, show(result));
    assert.match(result.stderr, /--disclosable and --holder-jwk apply to --format dc\+sd-jwt only/);
  });
});
