import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PendingRecords } from '../../src/admission/pending-records.ts';

function entry(id: string, size: number, source = 'peer-a') {
  return {
    id,
    bytes: new Uint8Array(size),
    source,
    code: 'STATUS_LIST_ISSUER_UNKNOWN',
    awaits: `subject:${id}`,
    slotKey: null,
  };
}

describe('pending records', () => {
  it('holds many more records from one pull source than from one gossip source (a catch-up in key order)', () => {
    const pending = new PendingRecords({ maxRecordsPerSource: 2, maxPulledPerSource: 5 }, { now: () => 0 });
    for (let i = 0; i < 4; i++) pending.add({ ...entry(`g${i}`, 1, 'peer-a') });
    for (let i = 0; i < 7; i++) pending.add({ ...entry(`p${i}`, 1, 'peer-a'), pulled: true });
    const ids = pending.list().map((r) => r.id);
    assert.deepEqual(
      ids.filter((id) => id.startsWith('g')),
      ['g2', 'g3'],
      'gossip: 2 per source',
    );
    assert.deepEqual(
      ids.filter((id) => id.startsWith('p')),
      ['p2', 'p3', 'p4', 'p5', 'p6'],
      'pulls: 5 per source',
    );
  });

  it('finds the records that await a dependency key (and those awaiting any), oldest first', () => {
    const pending = new PendingRecords({ maxRecordsPerSource: 10 }, { now: () => 0 });
    pending.add({ ...entry('a', 1), awaits: 'list:x' });
    pending.add({ ...entry('b', 1), awaits: 'subject:y' });
    pending.add({ ...entry('c', 1), awaits: 'any' });
    pending.add({ ...entry('d', 1), awaits: 'list:x' });
    assert.deepEqual(
      pending.waitingFor(['list:x'], 'any').map((r) => r.id),
      ['a', 'c', 'd'],
    );
    pending.take('a');
    assert.deepEqual(
      pending.waitingFor(['list:x', 'subject:y'], 'any').map((r) => r.id),
      ['b', 'c', 'd'],
    );
    assert.deepEqual(
      pending.waitingFor(['governance:2'], 'none').map((r) => r.id),
      [],
    );
  });

  it('evicts the oldest when the count bound is reached', () => {
    const pending = new PendingRecords({ maxRecords: 2, maxRecordsPerSource: 10 }, { now: () => 0 });
    pending.add(entry('a', 1));
    pending.add(entry('b', 1));
    const { added, dropped } = pending.add(entry('c', 1));
    assert.equal(added, true);
    assert.deepEqual(
      dropped.map((d) => [d.record.id, d.reason]),
      [['a', 'evicted']],
    );
    assert.deepEqual(
      pending.list().map((r) => r.id),
      ['b', 'c'],
    );
  });

  it('evicts by bytes, and refuses a record larger than the whole buffer', () => {
    const pending = new PendingRecords({ maxBytes: 10, maxRecordsPerSource: 10 }, { now: () => 0 });
    pending.add(entry('a', 6));
    pending.add(entry('b', 6));
    assert.deepEqual(
      pending.list().map((r) => r.id),
      ['b'],
    );
    assert.equal(pending.bytes, 6);
    assert.equal(pending.add(entry('huge', 11)).added, false);
  });

  it("makes room from the same source first, so one peer cannot push others' records out", () => {
    const pending = new PendingRecords({ maxRecords: 10, maxRecordsPerSource: 2 }, { now: () => 0 });
    pending.add(entry('other', 1, 'honest'));
    pending.add(entry('s1', 1, 'spammer'));
    pending.add(entry('s2', 1, 'spammer'));
    const { dropped } = pending.add(entry('s3', 1, 'spammer'));
    assert.deepEqual(
      dropped.map((d) => d.record.id),
      ['s1'],
    );
    assert.ok(pending.has('other'));
  });

  it('expires records older than the ttl', () => {
    let now = 1_000;
    const pending = new PendingRecords({ ttlMs: 100 }, { now: () => now });
    pending.add(entry('old', 1));
    now += 60;
    pending.add(entry('young', 1));
    now += 50;
    assert.deepEqual(
      pending.expire().map((r) => r.id),
      ['old'],
    );
    assert.deepEqual(
      pending.list().map((r) => r.id),
      ['young'],
    );
  });

  it('does not add a record twice', () => {
    const pending = new PendingRecords({}, { now: () => 0 });
    assert.equal(pending.add(entry('a', 1)).added, true);
    assert.equal(pending.add(entry('a', 1)).added, false);
    assert.equal(pending.size, 1);
  });

  it('never exceeds its bounds, whatever is added and taken', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('add' as const),
        id: fc.integer({ min: 0, max: 30 }),
        size: fc.integer({ min: 0, max: 40 }),
        source: fc.integer({ min: 0, max: 3 }),
      }),
      fc.record({ kind: fc.constant('take' as const), id: fc.integer({ min: 0, max: 30 }) }),
      fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 50 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        let now = 0;
        const options = { maxRecords: 8, maxBytes: 100, maxRecordsPerSource: 3, ttlMs: 120 };
        const pending = new PendingRecords(options, { now: () => now });
        for (const o of ops) {
          if (o.kind === 'add') pending.add(entry(String(o.id), o.size, `peer-${o.source}`));
          else if (o.kind === 'take') pending.take(String(o.id));
          else now += o.ms;
          const list = pending.list();
          assert.ok(list.length <= options.maxRecords);
          assert.equal(pending.size, list.length);
          assert.equal(
            pending.bytes,
            list.reduce((sum, r) => sum + r.bytes.byteLength, 0),
          );
          assert.ok(pending.bytes <= options.maxBytes);
          const perSource = new Map<string, number>();
          for (const r of list) perSource.set(r.source, (perSource.get(r.source) ?? 0) + 1);
          for (const count of perSource.values()) assert.ok(count <= options.maxRecordsPerSource);
        }
      }),
    );
  });
});
