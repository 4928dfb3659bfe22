import * as assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { Level } from 'level';
import { StoreError } from '../../src/errors.ts';
import {
  createLevelDatabase,
  type EvidenceRecord,
  LevelRecordStore,
  MemoryRecordStore,
  type RecordKind,
  type RecordStore,
  type StoreBatch,
  type StoredRecord,
} from '../../src/store/index.ts';
import {
  collect,
  dumpStore,
  makeEvidence,
  makeRecord,
  runStoreCompliance,
  sha256Hex,
  utf8Sorted,
} from '../store-compliance.ts';

describe('LevelRecordStore', () => {
  let root: string;
  // Every store of this file lives under one temporary directory, removed at the end.
  const freshDir = () => mkdtemp(join(root, 'store-'));

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'trustmesh-level-store-'));
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  runStoreCompliance('LevelRecordStore', async () => {
    const location = await freshDir();
    return {
      store: new LevelRecordStore({ location }),
      cleanup: () => rm(location, { recursive: true, force: true }),
    };
  });

  it('restarts from the same directory with the same records, index, evidence, meta and stats', async () => {
    const location = await freshDir();
    const first = new LevelRecordStore({ location });
    await first.open();
    await first.commit({
      put: [
        makeRecord('governance/net', { kind: 'governance', version: '0000000002' }),
        makeRecord('accreditation/urn:uuid:1', { kind: 'accreditation', receivedAt: 5 }),
        makeRecord('status-list/日本', { body: 'x'.repeat(1000) }),
      ],
      evidence: [makeEvidence('status-list/日本', 'a', 'b')],
      meta: { peerId: 'peer', governance: { version: 2, hash: 'abc' } },
    });
    await first.commit({ del: ['accreditation/urn:uuid:1'], meta: { peerId: null } });
    const before = await dumpStore(first, ['peerId', 'governance']);
    await first.close();

    const second = new LevelRecordStore({ location });
    await second.open();
    try {
      assert.deepEqual(await dumpStore(second, ['peerId', 'governance']), before);
      assert.equal(before.records.length, 2);
      assert.deepEqual(before.stats, { records: 2, bytes: before.records[0]!.bytes.byteLength + 1000, evidence: 1 });
    } finally {
      await second.close();
    }
  });

  it('reports a directory held by another store as STORE_LOCKED naming the directory', async () => {
    const location = await freshDir();
    const holder = new LevelRecordStore({ location });
    await holder.open();
    const other = new LevelRecordStore({ location });
    try {
      await assert.rejects(other.open(), (error: unknown) => {
        assert.ok(error instanceof StoreError);
        assert.equal(error.code, 'STORE_LOCKED');
        assert.match(error.message, new RegExp(location.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
        return true;
      });
      await assert.rejects(other.get('a'), { code: 'STORE_NOT_OPEN' });
    } finally {
      await holder.close();
    }
    // Once the holder lets go, the same instance can open.
    await other.open();
    await other.close();
  });

  it('reports a location that cannot be a database as STORE_OPEN_FAILED', async () => {
    const location = join(await freshDir(), 'a-file');
    await writeFile(location, 'not a directory');
    await assert.rejects(new LevelRecordStore({ location }).open(), (error: unknown) => {
      assert.ok(error instanceof StoreError);
      assert.equal(error.code, 'STORE_OPEN_FAILED');
      assert.ok(error.message.includes(location));
      return true;
    });
  });

  it('refuses a directory written in another store format', async () => {
    const location = await freshDir();
    const db = new Level<string, Uint8Array>(location, { keyEncoding: 'utf8', valueEncoding: 'view' });
    await db.open();
    await db
      .sublevel<string, Uint8Array>('sys', { valueEncoding: 'view' })
      .put('format', new TextEncoder().encode('99'));
    await db.close();
    const store = new LevelRecordStore({ location });
    await assert.rejects(store.open(), { code: 'STORE_FORMAT_UNSUPPORTED' });
    // The failed open released the directory.
    const raw = new Level(location);
    await raw.open();
    await raw.close();
  });

  it('commits 5,000 records in batches and reads them back in order, also after a restart', async () => {
    const location = await freshDir();
    const store = new LevelRecordStore({ location });
    await store.open();
    const keys: string[] = [];
    let bytes = 0;
    for (let batch = 0; batch < 10; batch++) {
      const put: StoredRecord[] = [];
      for (let i = 0; i < 500; i++) {
        // Interleave batches in key space so each batch lands all over the key range.
        const key = `status-list/https://issuer.example/lists/${i * 10 + batch}`;
        keys.push(key);
        const record = makeRecord(key, { version: String(batch).padStart(10, '0') });
        bytes += record.bytes.byteLength;
        put.push(record);
      }
      await store.commit({ put });
    }
    const expected = utf8Sorted(keys);
    const check = async (s: RecordStore) => {
      const records = await collect(s.records());
      assert.deepEqual(
        records.map((record) => record.key),
        expected,
      );
      assert.deepEqual(
        (await collect(s.index())).map((entry) => entry.key),
        expected,
      );
      for (const record of records) assert.equal(record.digest, sha256Hex(record.bytes));
      assert.deepEqual(await s.stats(), { records: 5000, bytes, evidence: 0 });
      const page = await collect(s.index({ gte: expected[1000]!, limit: 250 }));
      assert.deepEqual(
        page.map((entry) => entry.key),
        expected.slice(1000, 1250),
      );
    };
    await check(store);
    await store.close();
    const reopened = new LevelRecordStore({ location });
    await reopened.open();
    try {
      await check(reopened);
    } finally {
      await reopened.close();
    }
  });

  it('writes concurrent commits in fewer synced batches, and reads no slot it has written', async () => {
    const location = await freshDir();
    const calls = { batch: 0, getMany: 0 };
    const store = new LevelRecordStore(
      { location },
      {
        createDatabase: (at) => {
          const db = createLevelDatabase(at);
          const batch = db.batch.bind(db) as (...args: unknown[]) => Promise<void>;
          const getMany = db.getMany.bind(db) as (...args: unknown[]) => Promise<unknown>;
          Object.assign(db, {
            batch: (...args: unknown[]) => {
              calls.batch++;
              return batch(...args);
            },
            getMany: (...args: unknown[]) => {
              calls.getMany++;
              return getMany(...args);
            },
          });
          return db;
        },
      },
    );
    await store.open();
    await store.commit({ put: [makeRecord('status-list/a', { body: 'first' })] });
    const before = { ...calls };
    // 40 commits to 4 slots, all made while the first is being written: they queue and share writes.
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        store.commit({ put: [makeRecord(`status-list/${'abcd'[i % 4]}`, { body: 'x'.repeat(i) })] }),
      ),
    );
    assert.ok(calls.batch - before.batch < 40, `${calls.batch - before.batch} writes for 40 commits`);
    // Slot a was written before (its size is known); b, c, d are read once, in one read.
    assert.equal(calls.getMany - before.getMany, 1);
    const after = { ...calls };
    await store.commit({ put: [makeRecord('status-list/b', { body: 'again' })] });
    assert.deepEqual([calls.batch - after.batch, calls.getMany - after.getMany], [1, 0]);
    const records = await collect(store.records());
    assert.deepEqual(
      records.map((r) => r.bytes.byteLength),
      [36, 5, 38, 39],
    );
    assert.deepEqual(await store.stats(), { records: 4, bytes: 36 + 5 + 38 + 39, evidence: 0 });
    await store.close();
    // The counters kept without reads are the ones a fresh open finds on disk.
    const reopened = new LevelRecordStore({ location });
    await reopened.open();
    assert.deepEqual(await reopened.stats(), { records: 4, bytes: 36 + 5 + 38 + 39, evidence: 0 });
    await reopened.close();
  });

  describe('property: the memory and LevelDB stores agree', () => {
    // Few keys and ids, so batches replace, delete and collide (and sometimes are refused) often.
    const KEYS = ['a', 'a/b', 'b', 'é', '\uE000', '\u{1F600}', 'status-list/1', 'status-list/10'];
    const KINDS: RecordKind[] = ['governance', 'accreditation', 'status-list', 'evidence'];
    const META = ['x', 'y', 'z'];

    const recordArb = fc
      .record({
        key: fc.constantFrom(...KEYS),
        kind: fc.constantFrom(...KINDS),
        version: fc.nat({ max: 99 }).map((v) => String(v).padStart(10, '0')),
        bytes: fc.uint8Array({ maxLength: 24 }),
        receivedAt: fc.nat(),
      })
      .map((r): StoredRecord => ({ ...r, digest: sha256Hex(r.bytes) }));
    const evidenceArb = fc
      .record({ key: fc.constantFrom(...KEYS), a: fc.constantFrom('p', 'q', 'r'), b: fc.constantFrom('s', 't') })
      .chain(({ key, a, b }) => fc.nat().map((at): EvidenceRecord => makeEvidence(key, a, b, at)));
    const metaArb = fc.dictionary(
      fc.constantFrom(...META),
      fc.oneof(fc.constant(null), fc.integer(), fc.string(), fc.array(fc.integer(), { maxLength: 3 })),
      { maxKeys: 2 },
    );
    const batchArb = fc.record(
      {
        put: fc.array(recordArb, { maxLength: 3 }),
        del: fc.array(fc.constantFrom(...KEYS), { maxLength: 2 }),
        evidence: fc.array(evidenceArb, { maxLength: 2 }),
        meta: metaArb,
      },
      { requiredKeys: [] },
    );

    /** Commits and reports the outcome, so a refusal can be compared as well as a success. */
    const outcome = async (store: RecordStore, batch: StoreBatch) => {
      try {
        await store.commit(batch);
        return 'ok';
      } catch (error) {
        assert.ok(error instanceof StoreError, String(error));
        return `${error.code} ${error.field}`;
      }
    };

    it('ends in identical state when the batches are committed concurrently (LevelDB groups them)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(batchArb, { minLength: 1, maxLength: 8 }), async (batches) => {
          const memory = new MemoryRecordStore();
          const location = await freshDir();
          const level = new LevelRecordStore({ location });
          await memory.open();
          await level.open();
          try {
            const fromLevel = await Promise.all(batches.map((batch) => outcome(level, batch)));
            const fromMemory = await Promise.all(batches.map((batch) => outcome(memory, batch)));
            assert.deepEqual(fromLevel, fromMemory);
            assert.deepEqual(await dumpStore(level, META), await dumpStore(memory, META));
          } finally {
            await level.close();
            await rm(location, { recursive: true, force: true });
          }
        }),
        { numRuns: 30 },
      );
    });

    it('ends in identical state for any sequence of batches', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(batchArb, { minLength: 1, maxLength: 8 }), async (batches) => {
          const memory = new MemoryRecordStore();
          const location = await freshDir();
          const level = new LevelRecordStore({ location });
          await memory.open();
          await level.open();
          try {
            for (const batch of batches) {
              assert.equal(await outcome(level, batch), await outcome(memory, batch));
            }
            const fromLevel = await dumpStore(level, META);
            assert.deepEqual(fromLevel, await dumpStore(memory, META));
            assert.deepEqual(
              fromLevel.records.map((record) => record.key),
              utf8Sorted(fromLevel.records.map((record) => record.key)),
            );
          } finally {
            await level.close();
            await rm(location, { recursive: true, force: true });
          }
        }),
        { numRuns: 30 },
      );
    });
  });
});
