import * as assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  issueCredential,
  makeDataDir,
  revokedListVersion,
  runInProcess as runCli,
  sampleNetwork,
  show,
  tempDir,
} from './helpers.ts';

describe('trustmesh verify against a data directory', () => {
  let dir: string;
  let remove: () => Promise<void>;

  before(async () => {
    ({ dir, remove } = await tempDir());
    const { net, network } = await sampleNetwork();
    const insurer = net.keys.jpHealthInsurer;
    const list = net.lists.jpHealthInsurer;
    const revoked = await revokedListVersion(net, insurer, list, [6]);
    await makeDataDir(join(dir, 'data'), network, [...net.records, revoked]);
    const credentials = {
      'good.json': await issueCredential(net, insurer, list, 5),
      'revoked.json': await issueCredential(net, insurer, list, 6),
      'unknown-list.json': await issueCredential(net, insurer, 'https://status.example/lists/jp-health/unknown', 5),
    };
    for (const [name, credential] of Object.entries(credentials)) {
      await writeFile(join(dir, name), JSON.stringify(credential));
    }
  });
  after(() => remove());

  it('exits 0 for a valid credential and reports every check with the as-of stamp', async () => {
    const result = await runCli(['verify', 'good.json', '--data', 'data'], { cwd: dir });
    assert.equal(result.code, 0, show(result));
    assert.match(result.stdout, /^✓ verified/);
    for (const check of ['proof', 'issuer', 'status', 'validity']) {
      assert.match(result.stdout, new RegExp(`✓ ${check}`));
    }
    assert.match(result.stdout, /as of .*: governance version 1/);
    assert.match(result.stdout, /status list https:\/\/status\.example\/lists\/jp-health\/revocation: version of/);
  });

  it('exits 1 for a revoked credential, read from standard input', async () => {
    const { readFile } = await import('node:fs/promises');
    const stdin = await readFile(join(dir, 'revoked.json'), 'utf8');
    const result = await runCli(['verify', '-', '--data', 'data', '--json'], { cwd: dir, stdin });
    assert.equal(result.code, 1, show(result));
    const report = JSON.parse(result.stdout);
    assert.equal(report.verdict, 'not-verified');
    const status = report.checks.find((c: { check: string }) => c.check === 'status');
    assert.equal(status.outcome, 'fail');
    assert.equal(status.code, 'CREDENTIAL_REVOKED');
  });

  it('exits 2 with the reason when the status list is unknown', async () => {
    const result = await runCli(['verify', 'unknown-list.json', '--data', 'data'], { cwd: dir });
    assert.equal(result.code, 2, show(result));
    assert.match(result.stdout, /^\? could not decide/);
    assert.match(result.stdout, /\? status .* is not held by this node \[STATUS_RETRIEVAL_ERROR\]/);
  });
});
