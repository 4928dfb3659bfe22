import * as assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { importKeyPair } from '@trustmesh/registry';
import { readKeyPairFile, readPublicKey } from '../src/key-files.ts';
import { runInProcess as runCli, show, tempDir } from './helpers.ts';

describe('trustmesh keys', () => {
  let dir: string;
  let remove: () => Promise<void>;
  before(async () => {
    ({ dir, remove } = await tempDir());
  });
  after(() => remove());

  it('generates a key file with mode 0600 and prints the DID, never the secret', async () => {
    const result = await runCli(['keys', 'generate', '--type', 'p256', '--out', 'issuer.key.json', '--json'], {
      cwd: dir,
    });
    assert.equal(result.code, 0, show(result));
    const file = join(dir, 'issuer.key.json');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const stored = JSON.parse(await readFile(file, 'utf8'));
    const keyPair = await importKeyPair(stored);
    const printed = JSON.parse(result.stdout);
    assert.equal(printed.did, keyPair.did);
    assert.equal(printed.type, 'P-256');
    assert.equal(printed.verificationMethod, keyPair.verificationMethod);
    assert.ok(!result.stdout.includes(keyPair.secretKeyMultibase), 'the secret key was printed');
    assert.ok(!result.stderr.includes(keyPair.secretKeyMultibase), 'the secret key was printed');

    const again = await runCli(['keys', 'generate', '--out', 'issuer.key.json'], { cwd: dir });
    assert.equal(again.code, 2, show(again));
    assert.match(again.stderr, /issuer\.key\.json already exists/);
    assert.match(again.stderr, /--force/);
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), stored, 'the key file was overwritten');
  });

  it('shows a key without its secret unless asked', async () => {
    const generated = await runCli(['keys', 'generate', '--out', 'a.key.json', '--json'], { cwd: dir });
    assert.equal(generated.code, 0, show(generated));
    const secret = JSON.parse(await readFile(join(dir, 'a.key.json'), 'utf8')).secretKeyMultibase as string;

    const shown = await runCli(['keys', 'show', 'a.key.json'], { cwd: dir });
    assert.equal(shown.code, 0, show(shown));
    assert.match(shown.stdout, new RegExp(JSON.parse(generated.stdout).did));
    assert.ok(!shown.stdout.includes(secret));

    const withSecret = await runCli(['keys', 'show', 'a.key.json', '--secret', '--json'], { cwd: dir });
    assert.equal(withSecret.code, 0, show(withSecret));
    assert.equal(JSON.parse(withSecret.stdout).secretKeyMultibase, secret);
  });

  it('reads a Multikey key file as the reference library exports it (issue 15)', async () => {
    // @digitalbazaar/ed25519-multikey, resolved from the registry package that depends on it.
    const require = createRequire(join(import.meta.dirname, '..', '..', 'registry', 'package.json'));
    const Ed25519Multikey = await import(pathToFileURL(require.resolve('@digitalbazaar/ed25519-multikey')).href);
    const key = await Ed25519Multikey.generate();
    key.controller = `did:key:${key.publicKeyMultibase}`;
    key.id = `${key.controller}#${key.publicKeyMultibase}`;
    const file = join(dir, 'reference.key.json');
    await writeFile(file, JSON.stringify(await key.export({ publicKey: true, secretKey: true, includeContext: true })));
    const pair = await readKeyPairFile(file, '--key', { stdin: process.stdin });
    assert.equal(pair.did, key.controller);
    assert.equal(pair.verificationMethod, key.id);
    const publicOnly = join(dir, 'reference.pub.json');
    await writeFile(publicOnly, JSON.stringify(await key.export({ publicKey: true, includeContext: true })));
    const info = await readPublicKey(publicOnly, '--subject-key', { stdin: process.stdin });
    assert.deepEqual([info.did, info.publicKeyMultibase], [key.controller, key.publicKeyMultibase]);
    // The control: a secret that is not the public key's is still refused.
    const other = await Ed25519Multikey.generate();
    const forged = {
      ...JSON.parse(await readFile(file, 'utf8')),
      secretKeyMultibase: (await other.export({ secretKey: true })).secretKeyMultibase,
    };
    await writeFile(file, JSON.stringify(forged));
    await assert.rejects(readKeyPairFile(file, '--key', { stdin: process.stdin }), { code: 'KEY_INVALID' });
  });

  it('refuses an unsupported key type', async () => {
    const result = await runCli(['keys', 'generate', '--type', 'rsa', '--out', 'rsa.key.json'], { cwd: dir });
    assert.equal(result.code, 2, show(result));
    assert.match(result.stderr, /key type "rsa" is not supported/);
    assert.match(result.stderr, /--type ed25519/);
    await assert.rejects(stat(join(dir, 'rsa.key.json')));
  });
});
