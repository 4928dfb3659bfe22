/**
 * config.json's trust settings (issue 9): operator-added contexts and the did:web opt-in are parsed
 * strictly, paths resolved against the data directory, and written back by `init`.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nodeSettingsForFile, resolveNodeSettings } from '../src/node-settings.ts';

const where = { dataDir: '/data', cwd: '/work', file: '/data/config.json' };
const DIGEST = 'a'.repeat(64);

describe('node settings: contexts and did:web', () => {
  it('contexts: url, file (relative to the data directory) and pinned sha256', () => {
    const settings = resolveNodeSettings(
      { contexts: [{ url: 'https://mhlw.example.jp/ns/pharmacy/v1', file: 'contexts/p.jsonld', sha256: DIGEST }] },
      {},
      {},
      where,
    );
    assert.deepEqual(settings.contexts, [
      { url: 'https://mhlw.example.jp/ns/pharmacy/v1', file: '/data/contexts/p.jsonld', sha256: DIGEST },
    ]);
    assert.deepEqual(nodeSettingsForFile(settings, '/data').contexts, settings.contexts);
    assert.deepEqual(resolveNodeSettings({}, {}, {}, where).contexts, [], 'none by default');
    for (const bad of [
      'https://x.example/ctx',
      [{ url: 'http://x.example/ctx', file: 'c.jsonld', sha256: DIGEST }],
      [{ url: 'https://x.example/ctx', file: 'c.jsonld', sha256: 'ABC' }],
      [{ url: 'https://x.example/ctx', sha256: DIGEST }],
    ]) {
      assert.throws(() => resolveNodeSettings({ contexts: bad }, {}, {}, where), { code: 'CONFIG_INVALID' });
    }
  });

  it('didWeb: off unless enabled; limits checked; unknown members refused', () => {
    assert.equal(resolveNodeSettings({}, {}, {}, where).didWeb, null);
    assert.equal(resolveNodeSettings({ didWeb: { enabled: false } }, {}, {}, where).didWeb, null);
    const on = resolveNodeSettings(
      { didWeb: { enabled: true, timeoutMs: 2000, allowPrivateAddresses: true, caFile: 'ca.pem' } },
      {},
      {},
      where,
    );
    assert.deepEqual(on.didWeb, { timeoutMs: 2000, allowPrivateAddresses: true, caFile: '/data/ca.pem' });
    assert.deepEqual(nodeSettingsForFile(on, '/data').didWeb, { enabled: true, ...on.didWeb });
    for (const bad of [
      true,
      { timeoutMs: 5 },
      { enabled: 'yes' },
      { enabled: true, timeoutMs: 0 },
      { enabled: true, maxResponseBytes: 10 },
      { enabled: true, allowPrivate: true },
    ]) {
      assert.throws(
        () => resolveNodeSettings({ didWeb: bad }, {}, {}, where),
        { code: 'CONFIG_INVALID' },
        JSON.stringify(bad),
      );
    }
  });
});
