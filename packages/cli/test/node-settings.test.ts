import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { describeBootstrap } from '../src/commands/node.ts';
import { pretty } from '../src/logger.ts';
import { localApiUrl, nodeSettingsForFile, resolveNodeSettings } from '../src/node-settings.ts';

const where = { dataDir: '/data', cwd: '/work', file: '/data/config.json' };

describe('node settings', () => {
  it('init says to replace 0.0.0.0 only for a wildcard listen address, and warns about loopback', () => {
    const peer = '/p2p/12D3KooWpeer';
    const wildcard = describeBootstrap(['/ip4/0.0.0.0/tcp/4001'], [`/ip4/0.0.0.0/tcp/4001${peer}`]);
    assert.match(wildcard[0] ?? '', /replace 0\.0\.0\.0 by this machine’s address/);
    const loopback = describeBootstrap(['/ip4/127.0.0.1/tcp/4001'], [`/ip4/127.0.0.1/tcp/4001${peer}`]);
    assert.doesNotMatch(loopback.join('\n'), /replace 0\.0\.0\.0/);
    assert.match(loopback.at(-1) ?? '', /loopback addresses: only nodes on this machine reach them/);
    const routable = describeBootstrap(['/ip4/192.0.2.10/tcp/4001'], [`/ip4/192.0.2.10/tcp/4001${peer}`]);
    assert.deepEqual(routable, ['other nodes bootstrap from:', `  /ip4/192.0.2.10/tcp/4001${peer}`]);
  });

  it('mirror sources from config.json: https only unless allowHttp, an interval of at least 10 s; round-trips', () => {
    const file = {
      mirrorSources: [
        { url: 'https://issuer.example.tw/status-list/1', intervalSeconds: 60, redirectHosts: ['cdn.example.tw'] },
        { url: 'http://127.0.0.1:9000/list', allowHttp: true },
        // A CA's CRL distribution point (issue 14): plain http and a larger body limit.
        { url: 'http://crl.ca.example.jp/root.crl', allowHttp: true, maxBytes: 67_108_864 },
      ],
    };
    const settings = resolveNodeSettings(file, {}, {}, where);
    assert.deepEqual(settings.mirrorSources, [
      { url: 'https://issuer.example.tw/status-list/1', intervalMs: 60_000, redirectHosts: ['cdn.example.tw'] },
      { url: 'http://127.0.0.1:9000/list', allowHttp: true },
      { url: 'http://crl.ca.example.jp/root.crl', allowHttp: true, maxBytes: 67_108_864 },
    ]);
    assert.deepEqual(nodeSettingsForFile(settings, '/data').mirrorSources, [
      { url: 'https://issuer.example.tw/status-list/1', redirectHosts: ['cdn.example.tw'], intervalSeconds: 60 },
      { url: 'http://127.0.0.1:9000/list', allowHttp: true },
      { url: 'http://crl.ca.example.jp/root.crl', allowHttp: true, maxBytes: 67_108_864 },
    ]);
    for (const maxBytes of [0, 1.5, '1', 2 ** 40]) {
      assert.throws(
        () => resolveNodeSettings({ mirrorSources: [{ url: 'https://ca.example/crl', maxBytes }] }, {}, {}, where),
        /maxBytes: must be a whole number of bytes/,
      );
    }
    assert.throws(
      () => resolveNodeSettings({ mirrorSources: [{ url: 'http://issuer.example/l' }] }, {}, {}, where),
      /https URL/,
    );
    assert.throws(
      () => resolveNodeSettings({ mirrorSources: [{ url: 'https://i.example/l', intervalSeconds: 1 }] }, {}, {}, where),
      /at least 10/,
    );
  });

  it('limit the public API per client from config.json, TRUSTMESH_RATE_LIMIT or --rate-limit', () => {
    assert.equal(resolveNodeSettings({}, {}, {}, where).api.rateLimit, undefined, "the node's default");
    const file = { api: { rateLimit: { max: 100, windowSeconds: 10 } } };
    assert.deepEqual(resolveNodeSettings(file, {}, {}, where).api.rateLimit, { max: 100, windowMs: 10_000 });
    assert.equal(resolveNodeSettings({ api: { rateLimit: false } }, {}, {}, where).api.rateLimit, null);
    const env = { TRUSTMESH_RATE_LIMIT: '50/1' };
    assert.deepEqual(resolveNodeSettings(file, env, {}, where).api.rateLimit, { max: 50, windowMs: 1000 });
    assert.equal(resolveNodeSettings(file, env, { rateLimit: 'off' }, where).api.rateLimit, null);
    const written = nodeSettingsForFile(resolveNodeSettings(file, {}, {}, where), '/data').api as Record<
      string,
      unknown
    >;
    assert.deepEqual(written.rateLimit, { max: 100, windowSeconds: 10 });
    for (const bad of ['fast', '0/60', '10/0', '10']) {
      assert.throws(() => resolveNodeSettings({}, {}, { rateLimit: bad }, where), { code: 'CONFIG_INVALID' }, bad);
    }
    assert.throws(() => resolveNodeSettings({ api: { rateLimit: { max: 1 } } }, {}, {}, where), {
      code: 'CONFIG_INVALID',
    });
  });

  it('name a suspension list for issuer mode from config.json, TRUSTMESH_SUSPENSION_LIST or --suspension-list', () => {
    assert.equal(resolveNodeSettings({}, {}, {}, where).suspensionList, null, 'none unless asked');
    const fromFile = resolveNodeSettings({ suspensionList: 'suspension' }, {}, {}, where);
    assert.equal(fromFile.suspensionList, 'suspension');
    assert.equal(nodeSettingsForFile(fromFile, '/data').suspensionList, 'suspension', 'init writes it back');
    const env = { TRUSTMESH_SUSPENSION_LIST: 'on-hold' };
    assert.equal(resolveNodeSettings({ suspensionList: 'suspension' }, env, {}, where).suspensionList, 'on-hold');
    assert.equal(resolveNodeSettings({}, env, { suspensionList: 'paused' }, where).suspensionList, 'paused');
    for (const bad of ['revocation', 'Has Space', '../x', '']) {
      assert.throws(() => resolveNodeSettings({ suspensionList: bad }, {}, {}, where), { code: 'CONFIG_INVALID' }, bad);
    }
  });

  it('take issuer mode’s message list from config.json messageList (the node checks its contents)', () => {
    assert.equal(resolveNodeSettings({}, {}, {}, where).messageList, null, 'none unless asked');
    const messageList = {
      statusSize: 1,
      messages: [
        { status: '0x0', message: 'valid' },
        { status: '0x1', message: 'under review' },
      ],
    };
    const fromFile = resolveNodeSettings({ messageList }, {}, {}, where);
    assert.deepEqual(fromFile.messageList, messageList);
    assert.deepEqual(nodeSettingsForFile(fromFile, '/data').messageList, messageList, 'init writes it back');
    for (const bad of ['messages', [1], 3]) {
      assert.throws(() => resolveNodeSettings({ messageList: bad }, {}, {}, where), { code: 'CONFIG_INVALID' });
    }
  });

  it('take config.json, then TRUSTMESH_* variables, then flags; bootstrap peers add up', () => {
    const file = {
      listen: ['/ip4/0.0.0.0/tcp/4001'],
      bootstrap: ['/ip4/192.0.2.1/tcp/4001/p2p/peerA'],
      api: { host: '0.0.0.0', port: 8080, publicBaseUrl: 'https://trust.example.jp/' },
      issuerKey: 'issuer.key.json',
    };
    const fromFile = resolveNodeSettings(file, {}, {}, where);
    assert.deepEqual(fromFile.api, {
      host: '0.0.0.0',
      port: 8080,
      publicBaseUrl: 'https://trust.example.jp',
      tls: null,
    });
    assert.equal(fromFile.issuerKey, '/data/issuer.key.json', 'config paths are relative to the data directory');

    const env = { TRUSTMESH_API_PORT: '9090', TRUSTMESH_BOOTSTRAP: '/ip4/192.0.2.2/tcp/4001/p2p/peerB' };
    const withEnv = resolveNodeSettings(file, env, {}, where);
    assert.equal(withEnv.api.port, 9090);
    assert.equal(withEnv.bootstrap.length, 2);

    const withFlags = resolveNodeSettings(
      file,
      env,
      {
        apiPort: 7070,
        listen: ['/ip4/127.0.0.1/tcp/0'],
        issuerKey: 'k.json',
        bootstrap: ['/ip4/192.0.2.1/tcp/4001/p2p/peerA'],
      },
      where,
    );
    assert.equal(withFlags.api.port, 7070);
    assert.deepEqual(withFlags.listen, ['/ip4/127.0.0.1/tcp/0']);
    assert.equal(withFlags.issuerKey, '/work/k.json', 'flag paths are relative to the working directory');
    assert.equal(withFlags.bootstrap.length, 2, 'a repeated peer is listed once');
  });

  it('name the setting and its source when a value is wrong', () => {
    assert.throws(() => resolveNodeSettings({ api: { port: 'http' } }, {}, {}, where), {
      code: 'CONFIG_INVALID',
      message: /"api\.port" in \/data\/config\.json: "http" is not a TCP port/,
    });
    assert.throws(() => resolveNodeSettings({}, { TRUSTMESH_API_PORT: '70000' }, {}, where), /TRUSTMESH_API_PORT/);
    assert.throws(() => resolveNodeSettings({}, {}, { listen: ['tcp://0.0.0.0:4001'] }, where), {
      message: /listen address tcp:\/\/0\.0\.0\.0:4001: is not a TCP multiaddr/,
    });
  });

  it('serve HTTPS only with both a certificate and a key, paths resolved where they were given', () => {
    const fromFile = resolveNodeSettings({ api: { tlsCert: 'tls/cert.pem', tlsKey: 'tls/key.pem' } }, {}, {}, where);
    assert.deepEqual(fromFile.api.tls, {
      cert: join(where.dataDir, 'tls/cert.pem'),
      key: join(where.dataDir, 'tls/key.pem'),
    });
    const fromFlags = resolveNodeSettings({}, {}, { tlsCert: 'c.pem', tlsKey: 'k.pem' }, where);
    assert.deepEqual(fromFlags.api.tls, { cert: join(where.cwd, 'c.pem'), key: join(where.cwd, 'k.pem') });
    assert.equal(localApiUrl({ ...fromFlags.api }).startsWith('https://'), true);
    assert.throws(() => resolveNodeSettings({}, {}, { tlsCert: 'c.pem' }, where), /certificate and its key/);
    assert.equal(resolveNodeSettings({}, {}, {}, where).api.tls, null);
  });

  it('a wildcard API host is reached on loopback', () => {
    assert.equal(localApiUrl({ host: '0.0.0.0', port: 8080 }), 'http://127.0.0.1:8080');
    assert.equal(localApiUrl({ host: '::', port: 8080 }), 'http://[::1]:8080');
  });

  it('pretty log lines keep every field', () => {
    const line = pretty(
      '{"level":"info","time":"2026-06-01T12:34:56.789Z","msg":"node started","api":"http://127.0.0.1:8080","multiaddrs":["/ip4/1"]}\n',
    );
    assert.equal(line, '12:34:56.789 INFO  node started api=http://127.0.0.1:8080 multiaddrs=["/ip4/1"]\n');
  });
});
