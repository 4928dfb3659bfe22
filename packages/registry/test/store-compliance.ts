/**
 * The RecordStore compliance suite: every store implementation runs it and must pass it unchanged.
 * Expected key order is computed here from UTF-8 bytes (Buffer.compare), independently of the stores.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { StoreError } from '../src/errors.ts';
import type { EvidenceRecord, RecordKind, RecordStore, StoreBatch, StoredRecord } from '../src/store/index.ts';

/** A store under test (not yet opened) and how to dispose of it. */
export interface StoreFixture {
  store: RecordStore;
  cleanup: () => Promise<void>;
}

/** Hex SHA-256, the content address the registry uses. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A StoredRecord whose bytes are small JSON and whose digest is their real SHA-256. */
export function makeRecord(
  key: string,
  options: { kind?: RecordKind; version?: string; body?: string; receivedAt?: number } = {},
): StoredRecord {
  const version = options.version ?? '0000000001';
  const bytes = new TextEncoder().encode(options.body ?? JSON.stringify({ key, version }));
  return {
    key,
    kind: options.kind ?? 'status-list',
    digest: sha256Hex(bytes),
    version,
    bytes,
    receivedAt: options.receivedAt ?? 1_700_000_000_000,
  };
}

/** Evidence for two conflicting bodies, with the id and record order the contract defines. */
export function makeEvidence(
  key: string,
  bodyA: string,
  bodyB: string,
  receivedAt = 1_700_000_000_000,
): EvidenceRecord {
  const records = [new TextEncoder().encode(bodyA), new TextEncoder().encode(bodyB)].sort((x, y) =>
    sha256Hex(x).localeCompare(sha256Hex(y)),
  ) as [Uint8Array, Uint8Array];
  const digests = records.map(sha256Hex);
  return {
    id: sha256Hex(new TextEncoder().encode(digests.join(''))),
    key,
    signer: 'did:example:issuer',
    version: '0000000007',
    records,
    receivedAt,
  };
}

/** Drains an async iterable. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Sorts keys the way LevelDB does: by their UTF-8 bytes. */
export function utf8Sorted(keys: Iterable<string>): string[] {
  return [...keys].sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}

/** Everything observable about a store's state, for comparing two stores or two moments. */
export async function dumpStore(store: RecordStore, metaNames: string[] = []) {
  const meta: Record<string, unknown> = {};
  for (const name of metaNames) meta[name] = await store.getMeta(name);
  return {
    records: await collect(store.records()),
    index: await collect(store.index()),
    evidence: await collect(store.evidence()),
    stats: await store.stats(),
    meta,
  };
}

function isStoreError(code: string, field?: string) {
  return (error: unknown) => {
    assert.ok(error instanceof StoreError, `expected a StoreError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (field !== undefined) assert.equal(error.field, field);
    return true;
  };
}

/** Keys whose UTF-8 order differs from naive UTF-16 order, plus prefixes of one another. */
const AWKWARD_KEYS = [
  'a',
  'a/',
  'a/b',
  'a/b/c',
  'ab',
  'a\u0000',
  'B',
  'é',
  'e\u0301',
  '日本/東京',
  '日本',
  '\uE000',
  '\uFFFD',
  '\u{1F600}',
  '\u{10FFFF}',
  'status-list/https://issuer.example/lists/1',
  'status-list/https://issuer.example/lists/10',
  'status-list/https://issuer.example/lists/2',
];

/**
 * Registers the compliance suite for one RecordStore implementation. `makeStore` returns a fresh,
 * empty, unopened store; the suite opens it, closes it and calls `cleanup` after each test.
 */
export function runStoreCompliance(name: string, makeStore: () => Promise<StoreFixture>): void {
  describe(`RecordStore compliance: ${name}`, () => {
    let fixture: StoreFixture;
    let store: RecordStore;

    beforeEach(async () => {
      fixture = await makeStore();
      store = fixture.store;
      await store.open();
    });

    afterEach(async () => {
      await store.close();
      await fixture.cleanup();
    });

    it('answers null for a missing record, evidence or meta, and for keys no slot can have', async () => {
      assert.equal(await store.get('status-list/missing'), null);
      assert.equal(await store.getEvidence('0'.repeat(64)), null);
      assert.equal(await store.getMeta('missing'), null);
      assert.equal(await store.get(''), null);
      assert.equal(await store.get('\uD800'), null);
      assert.equal(await store.get(42 as unknown as string), null);
      assert.deepEqual(await store.stats(), { records: 0, bytes: 0, evidence: 0 });
    });

    it('returns a put record deep-equal to what was stored, bytes included', async () => {
      const record = makeRecord('status-list/a', { kind: 'status-list', receivedAt: 1_234 });
      await store.commit({ put: [record] });
      const got = await store.get('status-list/a');
      assert.deepEqual(got, record);
      assert.equal(Object.getPrototypeOf(got?.bytes), Uint8Array.prototype);
    });

    it('keeps its own copy of bytes, on the way in and on the way out', async () => {
      const record = makeRecord('k');
      const original = Uint8Array.from(record.bytes);
      await store.commit({ put: [record] });
      record.bytes.fill(0);
      const got = await store.get('k');
      assert.deepEqual(got?.bytes, original);
      got?.bytes.fill(0);
      assert.deepEqual((await store.get('k'))?.bytes, original);
    });

    it('drops properties that are not part of StoredRecord', async () => {
      const record = makeRecord('k');
      await store.commit({ put: [{ ...record, extra: 'x' } as StoredRecord] });
      assert.deepEqual(await store.get('k'), record);
    });

    it('replaces a slot with a newer version, in records, index and stats', async () => {
      const v1 = makeRecord('status-list/x', { version: '0000000001', body: 'one' });
      const v2 = makeRecord('status-list/x', { version: '0000000002', body: 'second' });
      await store.commit({ put: [v1] });
      await store.commit({ put: [v2] });
      assert.deepEqual(await store.get('status-list/x'), v2);
      assert.deepEqual(await collect(store.records()), [v2]);
      assert.deepEqual(await collect(store.index()), [{ key: 'status-list/x', digest: v2.digest }]);
      assert.deepEqual(await store.stats(), { records: 1, bytes: v2.bytes.byteLength, evidence: 0 });
    });

    it('deletes a slot, and deleting a missing slot changes nothing', async () => {
      const a = makeRecord('a');
      const b = makeRecord('b');
      await store.commit({ put: [a, b] });
      await store.commit({ del: ['a', 'never-stored', 'a'] });
      assert.equal(await store.get('a'), null);
      assert.deepEqual(await collect(store.records()), [b]);
      assert.deepEqual(await collect(store.index()), [{ key: 'b', digest: b.digest }]);
      assert.deepEqual(await store.stats(), { records: 1, bytes: b.bytes.byteLength, evidence: 0 });
      await store.commit({ del: ['b'] });
      assert.deepEqual(await store.stats(), { records: 0, bytes: 0, evidence: 0 });
      assert.deepEqual(await collect(store.index()), []);
    });

    it('applies puts, deletes, evidence and meta of one batch together', async () => {
      const a = makeRecord('a');
      await store.commit({ put: [a] });
      const b = makeRecord('b');
      const evidence = makeEvidence('b', 'x', 'y');
      await store.commit({ put: [b], del: ['a'], evidence: [evidence], meta: { seen: 3 } });
      assert.deepEqual(await collect(store.records()), [b]);
      assert.deepEqual(await store.getEvidence(evidence.id), evidence);
      assert.equal(await store.getMeta('seen'), 3);
      assert.deepEqual(await store.stats(), { records: 1, bytes: b.bytes.byteLength, evidence: 1 });
    });

    it('accepts an empty batch', async () => {
      await store.commit({});
      await store.commit({ put: [], del: [], evidence: [], meta: {} });
      assert.deepEqual(await store.stats(), { records: 0, bytes: 0, evidence: 0 });
    });

    describe('refuses a bad batch whole, naming the field, leaving the state as it was', () => {
      const good = makeRecord('good/new');
      const cases: Array<{ title: string; batch: () => unknown; field: string | undefined }> = [
        { title: 'a non-string key', batch: () => ({ put: [good, { ...good, key: 7 }] }), field: 'put[1].key' },
        { title: 'an empty key', batch: () => ({ put: [good, { ...good, key: '' }] }), field: 'put[1].key' },
        {
          title: 'a key with a lone surrogate',
          batch: () => ({ put: [good, { ...good, key: 'a\uD800b' }] }),
          field: 'put[1].key',
        },
        {
          title: 'a key longer than the limit',
          batch: () => ({ put: [good, { ...good, key: 'k'.repeat(5000) }] }),
          field: 'put[1].key',
        },
        {
          title: 'an unknown kind',
          batch: () => ({ put: [good, { ...good, key: 'k', kind: 'gossip' }] }),
          field: 'put[1].kind',
        },
        {
          title: 'a digest that is not lower-case hex SHA-256',
          batch: () => ({ put: [good, { ...good, key: 'k', digest: good.digest.toUpperCase() }] }),
          field: 'put[1].digest',
        },
        { title: 'a non-string version', batch: () => ({ put: [{ ...good, version: 2 }] }), field: 'put[0].version' },
        {
          title: 'bytes that are not a Uint8Array',
          batch: () => ({ put: [good, { ...good, key: 'k', bytes: [1, 2, 3] }] }),
          field: 'put[1].bytes',
        },
        {
          title: 'a fractional receivedAt',
          batch: () => ({ put: [{ ...good, receivedAt: 1.5 }] }),
          field: 'put[0].receivedAt',
        },
        { title: 'a put entry that is not an object', batch: () => ({ put: [good, null] }), field: 'put[1]' },
        { title: 'the same slot put twice', batch: () => ({ put: [good, { ...good }] }), field: 'put[1].key' },
        { title: 'a slot both put and deleted', batch: () => ({ put: [good], del: ['x', good.key] }), field: 'del[1]' },
        { title: 'put that is not an array', batch: () => ({ put: good }), field: 'put' },
        { title: 'a non-string delete', batch: () => ({ put: [good], del: [null] }), field: 'del[0]' },
        {
          title: 'evidence with one record',
          batch: () => {
            const evidence = makeEvidence('k', 'a', 'b');
            return { put: [good], evidence: [{ ...evidence, records: [evidence.records[0]] }] };
          },
          field: 'evidence[0].records',
        },
        {
          title: 'evidence with a bad id',
          batch: () => ({ put: [good], evidence: [{ ...makeEvidence('k', 'a', 'b'), id: 'nope' }] }),
          field: 'evidence[0].id',
        },
        {
          title: 'evidence with an empty signer',
          batch: () => ({ put: [good], evidence: [{ ...makeEvidence('k', 'a', 'b'), signer: '' }] }),
          field: 'evidence[0].signer',
        },
        {
          title: 'a meta value that is a function',
          batch: () => ({ put: [good], meta: { f: () => 1 } }),
          field: 'meta.f',
        },
        { title: 'a meta value that is a BigInt', batch: () => ({ put: [good], meta: { n: 1n } }), field: 'meta.n' },
        {
          title: 'a meta value with NaN inside',
          batch: () => ({ put: [good], meta: { ok: 1, deep: { list: [1, Number.NaN] } } }),
          field: 'meta.deep.list[1]',
        },
        {
          title: 'a meta value that is undefined',
          batch: () => ({ put: [good], meta: { u: undefined } }),
          field: 'meta.u',
        },
        {
          title: 'a meta value that is a Date',
          batch: () => ({ put: [good], meta: { d: new Date(0) } }),
          field: 'meta.d',
        },
        {
          title: 'a meta value over the size limit',
          batch: () => ({ put: [good], meta: { big: 'x'.repeat(70_000) } }),
          field: 'meta.big',
        },
        { title: 'an unknown batch field', batch: () => ({ put: [good], puts: [good] }), field: 'puts' },
        { title: 'a batch that is not an object', batch: () => null, field: undefined },
      ];
      for (const { title, batch, field } of cases) {
        it(title, async () => {
          const base = makeRecord('good/old');
          const evidence = makeEvidence('good/old', 'p', 'q');
          await store.commit({ put: [base], evidence: [evidence], meta: { name: 'before' } });
          const before = await dumpStore(store, ['name']);
          // Each bad batch also tries to delete, add and change things that must survive.
          const attempt = batch() as Record<string, unknown> | null;
          const extra = { del: ['good/old'], evidence: [makeEvidence('good/new', 'u', 'v')], meta: { name: 'after' } };
          const full = attempt === null ? null : { ...extra, ...attempt };
          await assert.rejects(store.commit(full as StoreBatch), isStoreError('STORE_BAD_BATCH', field));
          assert.deepEqual(await dumpStore(store, ['name']), before);
          assert.equal(await store.get('good/new'), null);
        });
      }
    });

    it('keeps records() and index() in UTF-8 key order, in step with each other', async () => {
      const keys = ['m', 'b', 'z', 'a', 'q/1', 'q', 'q/0'];
      await store.commit({ put: keys.slice(0, 4).map((key) => makeRecord(key)) });
      await store.commit({ put: keys.slice(4).map((key) => makeRecord(key)) });
      const records = await collect(store.records());
      assert.deepEqual(
        records.map((record) => record.key),
        utf8Sorted(keys),
      );
      assert.deepEqual(
        await collect(store.index()),
        records.map(({ key, digest }) => ({ key, digest })),
      );
    });

    it('honours gte, lt and limit the same way in records() and index()', async () => {
      const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
      await store.commit({ put: keys.map((key) => makeRecord(key)) });
      const ranges: Array<{ range: { gte?: string; lt?: string; limit?: number }; expected: string[] }> = [
        { range: {}, expected: keys },
        { range: { gte: 'c' }, expected: ['c', 'd', 'e', 'f'] },
        { range: { gte: 'bb' }, expected: ['c', 'd', 'e', 'f'] },
        { range: { lt: 'c' }, expected: ['a', 'b'] },
        { range: { lt: 'cc' }, expected: ['a', 'b', 'c'] },
        { range: { gte: 'b', lt: 'e' }, expected: ['b', 'c', 'd'] },
        { range: { gte: 'b', lt: 'e', limit: 2 }, expected: ['b', 'c'] },
        { range: { limit: 1 }, expected: ['a'] },
        { range: { limit: 0 }, expected: [] },
        { range: { limit: 100 }, expected: keys },
        { range: { gte: 'e', lt: 'b' }, expected: [] },
        { range: { gte: 'c', lt: 'c' }, expected: [] },
        { range: { gte: 'z' }, expected: [] },
      ];
      for (const { range, expected } of ranges) {
        const label = JSON.stringify(range);
        assert.deepEqual(
          (await collect(store.records(range))).map((record) => record.key),
          expected,
          `records ${label}`,
        );
        assert.deepEqual(
          (await collect(store.index(range))).map((entry) => entry.key),
          expected,
          `index ${label}`,
        );
      }
    });

    it('refuses a malformed range with STORE_BAD_RANGE', async () => {
      await assert.rejects(collect(store.records({ limit: -1 })), isStoreError('STORE_BAD_RANGE', 'limit'));
      await assert.rejects(collect(store.index({ limit: 1.5 })), isStoreError('STORE_BAD_RANGE', 'limit'));
      await assert.rejects(
        collect(store.records({ gte: 3 as unknown as string })),
        isStoreError('STORE_BAD_RANGE', 'gte'),
      );
      await assert.rejects(
        collect(store.records({ kind: 'gossip' as RecordKind })),
        isStoreError('STORE_BAD_RANGE', 'kind'),
      );
    });

    it('filters records by kind, with limit counting matching records only', async () => {
      await store.commit({
        put: [
          makeRecord('a', { kind: 'accreditation' }),
          makeRecord('b', { kind: 'status-list' }),
          makeRecord('c', { kind: 'accreditation' }),
          makeRecord('d', { kind: 'governance' }),
          makeRecord('e', { kind: 'accreditation' }),
        ],
      });
      const keysOf = async (range: Parameters<RecordStore['records']>[0]) =>
        (await collect(store.records(range))).map((record) => record.key);
      assert.deepEqual(await keysOf({ kind: 'accreditation' }), ['a', 'c', 'e']);
      assert.deepEqual(await keysOf({ kind: 'accreditation', limit: 2 }), ['a', 'c']);
      assert.deepEqual(await keysOf({ kind: 'accreditation', gte: 'b', lt: 'e' }), ['c']);
      assert.deepEqual(await keysOf({ kind: 'governance' }), ['d']);
      assert.deepEqual(await keysOf({ kind: 'evidence' }), []);
    });

    it('keeps evidence idempotent on id (first copy wins) and ordered by id', async () => {
      const items = [
        makeEvidence('s/1', 'a', 'b', 10),
        makeEvidence('s/2', 'c', 'd', 20),
        makeEvidence('s/3', 'e', 'f', 30),
      ];
      const [first, second, third] = items as [EvidenceRecord, EvidenceRecord, EvidenceRecord];
      await store.commit({ evidence: [second, first, { ...first, receivedAt: 99 }] });
      await store.commit({ evidence: [{ ...second, receivedAt: 99 }, third] });
      assert.deepEqual(await store.getEvidence(first.id), first);
      assert.deepEqual(await store.getEvidence(second.id), second);
      const expected = [...items].sort((x, y) => (x.id < y.id ? -1 : 1));
      assert.deepEqual(await collect(store.evidence()), expected);
      assert.equal((await store.stats()).evidence, 3);
      assert.deepEqual(await store.stats(), { records: 0, bytes: 0, evidence: 3 });
    });

    it('stores, replaces and removes meta values as JSON', async () => {
      const value = { peerId: '12D3KooW', versions: [1, 2, 3], nested: { ok: true, none: null }, 日本: 'é' };
      await store.commit({ meta: { node: value, governanceVersion: 4, flag: false, text: '' } });
      assert.deepEqual(await store.getMeta('node'), value);
      assert.equal(await store.getMeta<number>('governanceVersion'), 4);
      assert.equal(await store.getMeta('flag'), false);
      assert.equal(await store.getMeta('text'), '');
      await store.commit({ meta: { governanceVersion: 5, node: null } });
      assert.equal(await store.getMeta('governanceVersion'), 5);
      assert.equal(await store.getMeta('node'), null);
      // Meta is not a record: it shows in no iteration and no counter.
      assert.deepEqual(await store.stats(), { records: 0, bytes: 0, evidence: 0 });
      assert.deepEqual(await collect(store.records()), []);
    });

    it('returns meta values as fresh copies', async () => {
      await store.commit({ meta: { list: [1, 2] } });
      const got = await store.getMeta<number[]>('list');
      got?.push(3);
      assert.deepEqual(await store.getMeta('list'), [1, 2]);
    });

    it('counts records, bytes and evidence through puts, replacements and deletes', async () => {
      const a = makeRecord('a', { body: 'x'.repeat(10) });
      const b = makeRecord('b', { body: 'y'.repeat(20) });
      await store.commit({ put: [a, b] });
      assert.deepEqual(await store.stats(), { records: 2, bytes: 30, evidence: 0 });
      await store.commit({ put: [makeRecord('a', { body: 'z'.repeat(5) })], evidence: [makeEvidence('a', '1', '2')] });
      assert.deepEqual(await store.stats(), { records: 2, bytes: 25, evidence: 1 });
      await store.commit({ del: ['b', 'z'], put: [makeRecord('c', { body: '' })] });
      assert.deepEqual(await store.stats(), { records: 2, bytes: 5, evidence: 1 });
    });

    it('orders unicode keys and keys that prefix one another by UTF-8 bytes, with unicode bounds', async () => {
      await store.commit({ put: AWKWARD_KEYS.map((key) => makeRecord(key, { body: key })) });
      const expected = utf8Sorted(AWKWARD_KEYS);
      assert.deepEqual(
        (await collect(store.records())).map((record) => record.key),
        expected,
      );
      assert.deepEqual(
        (await collect(store.index())).map((entry) => entry.key),
        expected,
      );
      for (const key of AWKWARD_KEYS) assert.equal((await store.get(key))?.key, key);
      const inRange = (gte: string, lt: string) =>
        expected.filter(
          (key) =>
            Buffer.compare(Buffer.from(key), Buffer.from(gte)) >= 0 &&
            Buffer.compare(Buffer.from(key), Buffer.from(lt)) < 0,
        );
      for (const [gte, lt] of [
        ['a/', 'a0'],
        ['\uE000', '\u{10000}'],
        ['é', '\u{1F600}'],
        ['a', 'a/b/c'],
        ['status-list/', 'status-list0'],
      ] as const) {
        assert.deepEqual(
          (await collect(store.index({ gte, lt }))).map((entry) => entry.key),
          inRange(gte, lt),
          `range [${gte}, ${lt})`,
        );
      }
    });

    it('iterates one snapshot: a commit during iteration does not show in it', async () => {
      await store.commit({ put: ['a', 'c', 'e'].map((key) => makeRecord(key)) });
      const seen: string[] = [];
      for await (const record of store.records()) {
        seen.push(record.key);
        if (record.key === 'a') await store.commit({ put: [makeRecord('b'), makeRecord('d')], del: ['e'] });
      }
      assert.deepEqual(seen, ['a', 'c', 'e']);
      assert.deepEqual(
        (await collect(store.records())).map((record) => record.key),
        ['a', 'b', 'c', 'd'],
      );
    });

    it('stays usable after a consumer stops iterating early', async () => {
      await store.commit({ put: ['a', 'b', 'c'].map((key) => makeRecord(key)) });
      for await (const record of store.records()) if (record.key === 'a') break;
      for await (const entry of store.index()) if (entry.key === 'b') break;
      await store.commit({ del: ['a'] });
      assert.deepEqual(
        (await collect(store.index())).map((entry) => entry.key),
        ['b', 'c'],
      );
    });

    it('keeps its state across close and open, and refuses use while closed', async () => {
      const record = makeRecord('a');
      const evidence = makeEvidence('a', 'l', 'r');
      await store.commit({ put: [record], evidence: [evidence], meta: { m: [1] } });
      const before = await dumpStore(store, ['m']);
      await store.close();
      await store.close();
      await assert.rejects(store.get('a'), isStoreError('STORE_NOT_OPEN'));
      await assert.rejects(store.commit({ put: [makeRecord('b')] }), isStoreError('STORE_NOT_OPEN'));
      await assert.rejects(collect(store.records()), isStoreError('STORE_NOT_OPEN'));
      await assert.rejects(store.stats(), isStoreError('STORE_NOT_OPEN'));
      await store.open();
      await store.open();
      assert.deepEqual(await dumpStore(store, ['m']), before);
    });

    it('applies concurrent commits in call order: a slot put twice keeps the last, put/delete in order', async () => {
      await store.commit({ put: [makeRecord('d', { body: 'held' })] });
      // Made in one synchronous run, so a grouping store writes them together.
      const commits = [
        store.commit({ put: [makeRecord('a', { body: 'a1' }), makeRecord('b', { body: 'b1' })] }),
        store.commit({ put: [makeRecord('a', { body: 'a2-last' })], meta: { m: 1 } }),
        store.commit({ del: ['b'] }),
        store.commit({ put: [makeRecord('b', { body: 'b2' })], meta: { m: 2 } }),
        store.commit({ del: ['d'] }),
        store.commit({ put: [makeRecord('c', { body: 'c1' })] }),
        store.commit({ del: ['c', 'never-held'] }),
      ];
      const order: number[] = [];
      await Promise.all(commits.map((commit, i) => commit.then(() => order.push(i))));
      assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6], 'commits settle in call order');
      const held = await collect(store.records());
      assert.deepEqual(
        held.map((record) => [record.key, new TextDecoder().decode(record.bytes)]),
        [
          ['a', 'a2-last'],
          ['b', 'b2'],
        ],
      );
      assert.deepEqual(
        (await collect(store.index())).map((entry) => entry.digest),
        held.map((record) => record.digest),
      );
      assert.equal(await store.getMeta('m'), 2);
      assert.deepEqual(await store.stats(), { records: 2, bytes: 'a2-last'.length + 'b2'.length, evidence: 0 });
    });

    it('keeps the first copy of evidence committed twice concurrently', async () => {
      const evidence = makeEvidence('s/1', 'a', 'b', 10);
      await Promise.all([
        store.commit({ evidence: [evidence] }),
        store.commit({ evidence: [{ ...evidence, receivedAt: 99 }] }),
      ]);
      assert.deepEqual(await store.getEvidence(evidence.id), evidence);
      assert.equal((await store.stats()).evidence, 1);
    });

    it('refuses a bad batch among concurrent commits alone: the others land', async () => {
      const results = await Promise.allSettled([
        store.commit({ put: [makeRecord('a')] }),
        store.commit({ put: [{ ...makeRecord('b'), digest: 'nope' }] }),
        store.commit({ put: [makeRecord('c')] }),
      ]);
      assert.deepEqual(
        results.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as StoreError).code)),
        ['ok', 'STORE_BAD_BATCH', 'ok'],
      );
      assert.deepEqual(
        (await collect(store.records())).map((record) => record.key),
        ['a', 'c'],
      );
    });

    it('serialises concurrent commits without losing counts', async () => {
      const commits = Array.from({ length: 20 }, (_, i) =>
        store.commit({ put: [makeRecord(`k/${i % 5}`, { body: 'x'.repeat(i) })] }),
      );
      await Promise.all(commits);
      const records = await collect(store.records());
      assert.equal(records.length, 5);
      const bytes = records.reduce((sum, record) => sum + record.bytes.byteLength, 0);
      assert.deepEqual(await store.stats(), { records: 5, bytes, evidence: 0 });
      // The last commit to each slot wins: i = 15..19.
      assert.deepEqual(
        records.map((record) => record.bytes.byteLength),
        [15, 16, 17, 18, 19],
      );
    });
  });
}
