import * as assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateKeyPair } from '@trustmesh/registry';
import { type RunResult, runInProcess as runCli, show, tempDir } from './helpers.ts';

/** A user's mistake: exit 2, a message naming the problem, and no stack trace. */
function assertUsageError(result: RunResult, message: RegExp): void {
  assert.equal(result.code, 2, show(result));
  assert.match(result.stderr, message);
  assert.doesNotMatch(result.stderr, /^\s+at /m, 'a stack trace was printed');
  assert.equal(result.stdout, '');
}

describe('trustmesh errors', () => {
  let dir: string;
  let remove: () => Promise<void>;
  before(async () => {
    ({ dir, remove } = await tempDir());
    await writeFile(join(dir, 'broken.json'), '{"type": ["VerifiableCredential"');
    const key = await generateKeyPair('Ed25519');
    const { secretKeyMultibase: _secret, ...publicOnly } = { ...key, secretKeyMultibase: '' };
    await writeFile(join(dir, 'public.key.json'), JSON.stringify(publicOnly));
  });
  after(() => remove());

  it('an unknown flag', async () => {
    const result = await runCli(['keys', 'generate', '--out', 'k.json', '--bogus'], { cwd: dir });
    assertUsageError(result, /unknown option '--bogus'/);
  });

  it('a missing file', async () => {
    const result = await runCli(['keys', 'show', 'missing.key.json'], { cwd: dir });
    assertUsageError(result, /error: key file missing\.key\.json does not exist\nhint: /);
  });

  it('unreadable JSON', async () => {
    const result = await runCli(['verify', 'broken.json', '--data', 'data'], { cwd: dir });
    assertUsageError(result, /error: credential broken\.json is not valid JSON/);
  });

  it('a public key where a signing key is needed', async () => {
    const result = await runCli(
      [
        'accredit',
        '--key',
        'public.key.json',
        '--subject-key',
        'public.key.json',
        '--subject',
        'did:example:issuer',
        '--role',
        'issuer',
        '--types',
        'NationalIdCredential',
        '--jurisdiction',
        'JP',
        '--out',
        'a.json',
      ],
      { cwd: dir },
    );
    assertUsageError(
      result,
      /--key public\.key\.json holds only a public key; signing needs the secret key\nhint: .*keys generate/,
    );
  });

  it('a data directory without a database, with --json errors', async () => {
    await writeFile(join(dir, 'credential.json'), '{}');
    const result = await runCli(['verify', 'credential.json', '--data', 'nowhere', '--json'], { cwd: dir });
    assert.equal(result.code, 2, show(result));
    const error = JSON.parse(result.stderr).error;
    assert.equal(error.code, 'DATA_DIR_EMPTY');
    assert.match(error.message, /nowhere holds no registry database/);
    assert.match(error.hint, /trustmesh import/);
  });
});

describe('trustmesh node and issuer command errors', () => {
  let dir: string;
  let remove: () => Promise<void>;
  before(async () => {
    ({ dir, remove } = await tempDir());
    await writeFile(join(dir, 'credential.json'), '{"type": ["VerifiableCredential"]}');
  });
  after(() => remove());

  it('start on a directory that init never made', async () => {
    const result = await runCli(['start', '--data', 'nowhere'], { cwd: dir });
    assertUsageError(
      result,
      /error: .*nowhere is not a node data directory \(no config\.json\)\nhint: .*trustmesh init --data nowhere/,
    );
  });

  it('init with a missing network file, and with a port that is not one', async () => {
    const missing = await runCli(['init', '--data', 'n', '--network', 'missing.json'], { cwd: dir });
    assertUsageError(missing, /error: network file missing\.json does not exist/);
    const port = await runCli(['init', '--data', 'n', '--network', 'missing.json', '--api-port', '99999'], {
      cwd: dir,
    });
    assertUsageError(port, /option '--api-port <port>' argument '99999' is invalid\. must be a TCP port/);
  });

  it('health against a node nobody answers on: unavailable, exit 1 (as its help says), not a usage error', async () => {
    const health = await runCli(['health', '--node', 'http://127.0.0.1:9', '--json'], { cwd: dir });
    assert.equal(health.code, 1, health.stderr);
    const answer = JSON.parse(health.stdout) as { status: string; code: string };
    assert.deepEqual([answer.status, answer.code], ['unavailable', 'NODE_UNREACHABLE']);
  });

  it('issuer operations without a node, or without saying which credential', async () => {
    const [issue, revoke, up] = await Promise.all([
      runCli(['issue', 'credential.json'], { cwd: dir }),
      runCli(['revoke', '--node', 'http://127.0.0.1:9'], { cwd: dir }),
      runCli(['up', '--ports', '8701,8702'], { cwd: dir }),
    ]);
    assertUsageError(issue, /error: no node to talk to\nhint: pass --node URL/);
    assertUsageError(revoke, /error: which credential\? give its id: trustmesh revoke ID/);
    assertUsageError(up, /--ports .* must be three TCP ports/);
  });
});
