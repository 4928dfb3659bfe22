/**
 * Issue 10, problem 2: the LevelDB store after a failed write. Faults are injected at the engine's
 * write, the store's file layer (`createDatabase`), over real LevelDB in a temporary directory, in
 * the form LevelDB reports a full disk (`IO error: … No space left on device`).
 *
 * After any failed write the store refuses further writes (`STORE_FAILED`) and reopens; it then
 * accepts writes again, reports the fault, and every write acknowledged before and after it is on
 * disk after a restart — the failed one is not. If the reopen fails, the store stays refusing.
 */
import * as assert from 'node:assert/strict';
import { mkdtemp, open, readdir, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LevelRecordStore } from '../../src/store/index.ts';
import { type Disk, faultyEngine, holdNextWrite } from '../helpers/faulty-level.ts';
import { makeRecord } from '../store-compliance.ts';

/** Total bytes of the records held in the given `status-list/…` slots. */
async function sizeOf(store: LevelRecordStore, keys: string[]): Promise<number> {
  const records = await Promise.all(keys.map((k) => store.get(`status-list/${k}`)));
  return records.reduce((sum, r) => sum + (r?.bytes.byteLength ?? 0), 0);
}

describe('durability: LevelRecordStore after a failed write', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'trustmesh-durability-store-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('refuses writes, reopens, reports the fault, and keeps every acknowledged write', async () => {
    const location = await mkdtemp(join(root, 'db-'));
    const disk: Disk = { full: false, unopenable: false, opened: 0 };
    const store = new LevelRecordStore({ location }, { createDatabase: faultyEngine(disk) });
    await store.open();
    await store.commit({ put: [makeRecord('status-list/a')] });

    disk.full = true;
    await assert.rejects(store.commit({ put: [makeRecord('status-list/lost')] }), { code: 'STORE_FULL' });
    // While it reopens, and until it has, writes are refused with a code (no write on the old handle).
    const during = store.commit({ put: [makeRecord('status-list/during')] });
    await assert.rejects(during, { code: 'STORE_FAILED' });
    assert.equal(store.faults().failedWrites, 1);
    disk.full = false;
    await store.settled();
    assert.deepEqual(
      [store.faults().state, store.faults().reopens, store.faults().lastFailure?.code, disk.opened],
      ['ok', 1, 'STORE_FULL', 2],
    );

    await store.commit({ put: [makeRecord('status-list/b')] });
    await store.close();
    const reopened = new LevelRecordStore({ location });
    await reopened.open();
    const held = await Promise.all(['a', 'b', 'lost', 'during'].map((k) => reopened.get(`status-list/${k}`)));
    assert.deepEqual(
      held.map((r) => r !== null),
      [true, true, false, false],
    );
    assert.equal((await reopened.stats()).records, 2);
    await reopened.close();
  });

  it('a failed group write fails every commit in it, and those queued behind it; none is on disk', async () => {
    const location = await mkdtemp(join(root, 'db-'));
    const disk: Disk = { full: false, unopenable: false, opened: 0 };
    const store = new LevelRecordStore({ location }, { createDatabase: faultyEngine(disk) });
    await store.open();
    await store.commit({ put: [makeRecord('status-list/kept')] });
    // The first group (three commits made together) is held in its write while two more queue behind.
    const { entered: writing, release } = holdNextWrite(disk);
    const group = ['g1', 'g2', 'g3'].map((k) => store.commit({ put: [makeRecord(`status-list/${k}`)] }));
    await writing;
    const behind = ['q1', 'q2'].map((k) => store.commit({ put: [makeRecord(`status-list/${k}`)] }));
    disk.full = true;
    release();
    const settled = await Promise.allSettled([...group, ...behind]);
    assert.deepEqual(
      settled.map((r) => (r.status === 'rejected' ? (r.reason as { code: string }).code : 'ok')),
      ['STORE_FULL', 'STORE_FULL', 'STORE_FULL', 'STORE_FAILED', 'STORE_FAILED'],
    );
    assert.equal(store.faults().failedWrites, 1, 'one failed write, for the whole group');
    disk.full = false;
    await store.settled();
    assert.equal(store.faults().state, 'ok');
    // The control: after the reopen, a commit lands again, with the counters of what is on disk.
    await store.commit({ put: [makeRecord('status-list/after')] });
    assert.deepEqual(await store.stats(), { records: 2, bytes: await sizeOf(store, ['kept', 'after']), evidence: 0 });
    await store.close();
    const reopened = new LevelRecordStore({ location });
    await reopened.open();
    const held = await Promise.all(
      ['kept', 'g1', 'g2', 'g3', 'q1', 'q2', 'after'].map((k) => reopened.get(`status-list/${k}`)),
    );
    assert.deepEqual(
      held.map((r) => r !== null),
      [true, false, false, false, false, false, true],
    );
    assert.equal((await reopened.stats()).records, 2);
    await reopened.close();
  });

  it('stays failed (STORE_FAILED, health reads it) when it cannot reopen', async () => {
    const location = await mkdtemp(join(root, 'db-'));
    const disk: Disk = { full: false, unopenable: false, opened: 0 };
    const store = new LevelRecordStore({ location }, { createDatabase: faultyEngine(disk) });
    await store.open();
    disk.full = true;
    disk.unopenable = true;
    await assert.rejects(store.commit({ put: [makeRecord('status-list/x')] }), { code: 'STORE_FULL' });
    await store.settled();
    assert.equal(store.faults().state, 'failed');
    await assert.rejects(store.commit({ put: [makeRecord('status-list/y')] }), { code: 'STORE_FAILED' });
    await store.close();
  });

  for (const [damage, apply] of [
    ['truncated', (file: string, size: number) => truncate(file, Math.floor(size * 0.6))],
    [
      'corrupted',
      async (file: string, size: number) => {
        const handle = await open(file, 'r+');
        await handle.write(Buffer.alloc(64, 0xa5), 0, 64, Math.floor(size * 0.5));
        await handle.close();
      },
    ],
  ] as const) {
    it(`a ${damage} log after a clean close: the reopened store reports what it lost`, async () => {
      const location = await mkdtemp(join(root, 'db-'));
      const store = new LevelRecordStore({ location });
      await store.open();
      for (let i = 0; i < 40; i++)
        await store.commit({ put: [makeRecord(`status-list/${i}`, { body: 'x'.repeat(900) + i })] });
      await store.close();
      const log = (await readdir(location)).find((f) => /^\d+\.log$/.test(f));
      assert.ok(log);
      await apply(join(location, log), (await stat(join(location, log))).size);
      const reopened = new LevelRecordStore({ location });
      await reopened.open();
      assert.match(reopened.faults().recovery?.message ?? '', /came back with less than it held/);
      await reopened.close();
      // The next clean open vouches for what it found: nothing more is reported.
      const again = new LevelRecordStore({ location });
      await again.open();
      assert.equal(again.faults().recovery, null);
      await again.close();
    });
  }

  it('the control: without a fault nothing is reported', async () => {
    const location = await mkdtemp(join(root, 'db-'));
    const store = new LevelRecordStore({ location });
    await store.open();
    await store.commit({ put: [makeRecord('status-list/a')] });
    assert.deepEqual(store.faults(), { state: 'ok', failedWrites: 0, reopens: 0, lastFailure: null, recovery: null });
    await store.close();
    assert.equal(store.faults().state, 'closed');
    const reopened = new LevelRecordStore({ location });
    await reopened.open();
    assert.equal(reopened.faults().recovery, null, 'a clean close and open report no loss');
    await reopened.close();
  });
});
