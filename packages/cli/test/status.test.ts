/**
 * `trustmesh status` (issue 15, item 7): exit 0 for an entry not set, 1 for a set one, and 2 — with
 * the reason said once — when the replica cannot answer (an index outside the list). Run in-process
 * over a real data directory (LevelDB).
 */
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeDataDir, revokedListVersion, runInProcess, sampleNetwork, show, tempDir } from './helpers.ts';

describe('trustmesh status', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let list: string;

  before(async () => {
    ({ dir, remove } = await tempDir());
    const { net, network } = await sampleNetwork();
    list = net.lists.jpHealthInsurer;
    const revoked = await revokedListVersion(net, net.keys.jpHealthInsurer, list, [42]);
    await makeDataDir(join(dir, 'd'), network, [...net.records, revoked]);
  });
  after(() => remove());

  const status = (index: number) =>
    runInProcess(['status', '--list', list, '--index', String(index), '--data', 'd'], { cwd: dir });

  it('exits 0 for an entry not set and 1 for a set one', async () => {
    const clear = await status(41);
    assert.equal(clear.code, 0, show(clear));
    assert.match(clear.stdout, /^✓ revocation entry 41 of /);
    const set = await status(42);
    assert.equal(set.code, 1, show(set));
    assert.match(set.stdout, /^✗ revocation entry 42 of /);
  });

  it('exits 2 when the index lies outside the list, naming the entry once', async () => {
    const outside = await status(99_999_999);
    assert.equal(outside.code, 2, show(outside));
    const first = outside.stdout.split('\n')[0] ?? '';
    assert.match(first, /^\? cannot answer: .*\[RANGE_ERROR\]$/);
    assert.equal(first.split('99999999').length - 1, 2, `"entry 99999999 (bit position 99999999)" once: ${first}`);
  });
});
