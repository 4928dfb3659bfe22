/**
 * The group-commit queue (store/group-commit.ts) over a fake write that records its groups and can
 * be held and failed: what queues during a write goes together next, in order, within the bounds;
 * a failed write fails its whole group and, when the store says so, everything queued behind it.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GroupCommit } from '../../src/store/group-commit.ts';

/** A write that records each group, waits until released, and throws `failWith` once when set. */
function fakeWrite() {
  const groups: string[][] = [];
  const state: { failWith: Error | null; release: (() => void) | null; entered: (() => void) | null } = {
    failWith: null,
    release: null,
    entered: null,
  };
  const write = async (group: readonly string[]) => {
    groups.push([...group]);
    state.entered?.();
    if (state.release === null) {
      await new Promise<void>((resolve) => {
        state.release = resolve;
      });
    }
    // One write fails: the next one goes on unless the queue refuses it.
    const failure = state.failWith;
    state.failWith = null;
    if (failure) throw failure;
  };
  /** Lets the write in progress finish, and every later one at once. */
  const releaseAll = () => {
    const release = state.release;
    state.release = () => {};
    release?.();
  };
  const nextWrite = () =>
    new Promise<void>((resolve) => {
      state.entered = resolve;
    });
  return { groups, state, write, releaseAll, nextWrite };
}

const outcomes = (settled: PromiseSettledResult<void>[]) =>
  settled.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as Error).message));

describe('GroupCommit', () => {
  it('writes what queues during a write together next, in order; each settles with its write', async () => {
    const fake = fakeWrite();
    const queue = new GroupCommit<string>({}, { write: fake.write, weigh: () => 1, refuse: () => null });
    const first = fake.nextWrite();
    const order: string[] = [];
    const a = queue.submit('a').then(() => order.push('a'));
    const b = queue.submit('b').then(() => order.push('b'));
    await first;
    const c = queue.submit('c').then(() => order.push('c'));
    const d = queue.submit('d').then(() => order.push('d'));
    assert.deepEqual(fake.groups, [['a', 'b']]);
    assert.deepEqual(order, [], 'nothing settles before its write has');
    fake.releaseAll();
    await Promise.all([a, b, c, d]);
    assert.deepEqual(fake.groups, [
      ['a', 'b'],
      ['c', 'd'],
    ]);
    assert.deepEqual(order, ['a', 'b', 'c', 'd']);
    await queue.idle();
    // Idle again: the next commit starts a write of its own.
    fake.state.release = () => {};
    await queue.submit('e');
    assert.deepEqual(fake.groups.at(-1), ['e']);
  });

  it('bounds a group by count and by bytes; a commit larger than the byte bound goes alone', async () => {
    const fake = fakeWrite();
    fake.releaseAll();
    const queue = new GroupCommit<string>(
      { maxGroup: 3, maxGroupBytes: 10 },
      { write: fake.write, weigh: (item) => item.length, refuse: () => null },
    );
    await Promise.all(['a', 'b', 'c', 'd', 'eeeeeeeeeeee', 'f', 'gggggg', 'hhhhh'].map((item) => queue.submit(item)));
    assert.deepEqual(fake.groups, [['a', 'b', 'c'], ['d'], ['eeeeeeeeeeee'], ['f', 'gggggg'], ['hhhhh']]);
  });

  it('a failed write fails its whole group and refuses what queued behind it', async () => {
    const fake = fakeWrite();
    const refusal = new Error('refused after a failed write');
    const queue = new GroupCommit<string>({}, { write: fake.write, weigh: () => 1, refuse: () => refusal });
    const first = fake.nextWrite();
    const group = ['a', 'b', 'c'].map((item) => queue.submit(item));
    await first;
    const behind = ['d', 'e'].map((item) => queue.submit(item));
    fake.state.failWith = new Error('disk full');
    fake.releaseAll();
    assert.deepEqual(outcomes(await Promise.allSettled([...group, ...behind])), [
      'disk full',
      'disk full',
      'disk full',
      refusal.message,
      refusal.message,
    ]);
    assert.deepEqual(fake.groups, [['a', 'b', 'c']], 'nothing queued behind the failure was written');
  });

  it('the control: when the store stays writable after a failure, what queued behind it is written', async () => {
    const fake = fakeWrite();
    const queue = new GroupCommit<string>({}, { write: fake.write, weigh: () => 1, refuse: () => null });
    const first = fake.nextWrite();
    const failed = queue.submit('a');
    await first;
    const behind = queue.submit('b');
    fake.state.failWith = new Error('read failed');
    fake.releaseAll();
    await assert.rejects(failed, /read failed/);
    await behind;
    assert.deepEqual(fake.groups, [['a'], ['b']]);
  });
});
