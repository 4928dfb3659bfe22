import * as assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../src/config.ts';
import { runCli, runInProcess, show, tempDir } from './helpers.ts';

describe('configuration', () => {
  let dir: string;
  let remove: () => Promise<void>;
  before(async () => {
    ({ dir, remove } = await tempDir());
    await mkdir(join(dir, 'data'));
    await writeFile(
      join(dir, 'data', 'config.json'),
      JSON.stringify({
        node: 'http://file.example:1',
        token: 'from-file',
        network: 'net.json',
        listen: ['x'],
        colour: 'blue',
      }),
    );
  });
  after(() => remove());

  it('takes the data directory’s file, then TRUSTMESH_* variables, then flags', async () => {
    const fileOnly = await loadConfig({ data: 'data' }, {}, dir);
    assert.equal(fileOnly.values.node, 'http://file.example:1');
    assert.equal(
      fileOnly.values.network,
      join(dir, 'data', 'net.json'),
      'file paths are relative to the data directory',
    );
    assert.deepEqual(fileOnly.unknownKeys, ['colour'], 'node settings (listen) are known keys');

    const env = { TRUSTMESH_NODE: 'http://env.example:2', TRUSTMESH_TOKEN: 'from-env', TRUSTMESH_DATA_DIR: 'data' };
    const withEnv = await loadConfig({}, env, dir);
    assert.equal(withEnv.values.node, 'http://env.example:2');
    assert.equal(withEnv.values.token, 'from-env');
    assert.deepEqual([withEnv.sources.dataDir, withEnv.sources.node, withEnv.sources.network], ['env', 'env', 'file']);

    const withFlags = await loadConfig({ node: 'http://flag.example:3/', network: 'other.json' }, env, dir);
    assert.equal(withFlags.values.node, 'http://flag.example:3');
    assert.equal(withFlags.values.network, join(dir, 'other.json'), 'flag paths are relative to the working directory');
    assert.equal(withFlags.sources.node, 'flag');
    assert.equal(withFlags.values.token, 'from-env');
  });

  it('reads the write token from the data directory’s token file (written by `trustmesh init`)', async () => {
    await mkdir(join(dir, 'node'));
    await writeFile(join(dir, 'node', 'token'), 'from-token-file\n', { mode: 0o600 });
    const loaded = await loadConfig({ data: 'node' }, {}, dir);
    assert.equal(loaded.values.token, 'from-token-file');
    assert.equal(loaded.sources.token, 'file');
    const overridden = await loadConfig({ data: 'node' }, { TRUSTMESH_TOKEN: 'from-env' }, dir);
    assert.equal(overridden.values.token, 'from-env');
  });

  it('reads the token from --token-file or TRUSTMESH_TOKEN_FILE, and never says what a bad file holds', async () => {
    await writeFile(join(dir, 'named-token'), 'from-named-file\n', { mode: 0o600 });
    const fromFlag = await loadConfig({ data: 'node', tokenFile: 'named-token' }, { TRUSTMESH_TOKEN: 'from-env' }, dir);
    assert.deepEqual([fromFlag.values.token, fromFlag.sources.token], ['from-named-file', 'flag']);
    const fromEnv = await loadConfig({ data: 'node' }, { TRUSTMESH_TOKEN_FILE: 'named-token' }, dir);
    assert.deepEqual([fromEnv.values.token, fromEnv.sources.token], ['from-named-file', 'env']);
    await assert.rejects(loadConfig({ token: 'a', tokenFile: 'named-token' }, {}, dir), { code: 'TOKEN_AMBIGUOUS' });
    await assert.rejects(loadConfig({}, { TRUSTMESH_TOKEN: 'a', TRUSTMESH_TOKEN_FILE: 'named-token' }, dir), {
      code: 'TOKEN_AMBIGUOUS',
    });
    await assert.rejects(loadConfig({ tokenFile: 'missing-token' }, {}, dir), { code: 'TOKEN_FILE_UNREADABLE' });
    await writeFile(join(dir, 'two-words'), 'secret-one secret-two\n');
    await assert.rejects(loadConfig({ tokenFile: 'two-words' }, {}, dir), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'TOKEN_FILE_INVALID');
      assert.ok(!error.message.includes('secret'), error.message);
      return true;
    });
  });

  it('defaults to ./.trustmesh and refuses a non-URL node', async () => {
    const defaults = await loadConfig({}, {}, dir);
    assert.equal(defaults.values.dataDir, join(dir, '.trustmesh'));
    assert.equal(defaults.values.node, null);
    assert.equal(defaults.fileFound, false);
    await assert.rejects(
      loadConfig({ node: 'localhost:8080' }, {}, dir),
      /--node: "localhost:8080" must be an http: or https: URL/,
    );
  });

  it('config show lists the node’s settings too, with their sources', async () => {
    await mkdir(join(dir, 'issuer'));
    await writeFile(
      join(dir, 'issuer', 'config.json'),
      JSON.stringify({ listen: ['/ip4/0.0.0.0/tcp/4001'], api: { port: 8080 }, suspensionList: 'suspension' }),
    );
    const result = await runInProcess(['config', 'show', '--data', 'issuer', '--json'], {
      cwd: dir,
      env: { TRUSTMESH_API_PORT: '9090' },
    });
    assert.equal(result.code, 0, show(result));
    const { settings } = JSON.parse(result.stdout);
    assert.deepEqual(settings.listen, { value: ['/ip4/0.0.0.0/tcp/4001'], source: 'file' });
    assert.deepEqual(settings['api.port'], { value: 9090, source: 'env' });
    assert.deepEqual(settings['api.host'], { value: '127.0.0.1', source: 'default' });
    assert.deepEqual(settings.suspensionList, { value: 'suspension', source: 'file' });
    assert.deepEqual(settings.didWeb, { value: 'off', source: 'default' });
    for (const name of [
      'bootstrap',
      'api.publicBaseUrl',
      'api.tls',
      'issuerKey',
      'contexts',
      'network',
      'node',
      'token',
    ]) {
      assert.ok(name in settings, `config show does not list ${name}`);
    }
    // Settings `start` would refuse are named, not a crash (data/config.json has "listen": ["x"]).
    const invalid = await runInProcess(['config', 'show', '--data', 'data', '--json'], { cwd: dir });
    assert.equal(invalid.code, 0, show(invalid));
    assert.match(JSON.parse(invalid.stdout).settings.nodeSettings.value, /^invalid: .*listen address x/);
  });

  it('config show prints each setting with its source and masks the token', async () => {
    const result = await runCli(['config', 'show', '--data', 'data', '--json'], {
      cwd: dir,
      env: { TRUSTMESH_NODE: 'http://env.example:2' },
    });
    assert.equal(result.code, 0, show(result));
    const shown = JSON.parse(result.stdout);
    assert.deepEqual(shown.settings.node, { value: 'http://env.example:2', source: 'env' });
    assert.deepEqual(shown.settings.token, { value: '(set)', source: 'file' });
    assert.deepEqual(shown.settings.dataDir, { value: join(dir, 'data'), source: 'flag' });
    assert.ok(!result.stdout.includes('from-file'), 'the token was printed');
  });
});
