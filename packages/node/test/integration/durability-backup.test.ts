/**
 * Issue 10, problem 1, restored backup: an issuer restarted from an older backup (store and journal)
 * while its peers are down publishes on top of its older list; its peers refuse that version
 * (STATUS_LIST_ROLLBACK: it lacks a revocation they hold) and it refuses theirs as older
 * (STATUS_LIST_STALE). The issuer sees the refused copy is its own list, signed by its own key,
 * and merges both into a version newer than either: every acknowledged revocation holds everywhere.
 */
import * as assert from 'node:assert/strict';
import { cp, rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../helpers.ts';
import { entry, health, issue, link, REVOCATION, setStatus, World, waitForEntry } from './durability-fixtures.ts';

describe('durability: an issuer restored from an older backup', () => {
  let world: World;
  before(async () => {
    world = await World.create();
  });
  after(async () => {
    await world.close();
  });

  // Either end may start the round that meets the divergence: the peer (it pushes its copy, which
  // the issuer refuses as older) or the issuer's node, e.g. when it dials the returning peer (it
  // pulls the peer's older copy: the slot is its own, so it sends no hint that would skip it).
  for (const starter of ['the peer', 'the issuer’s node'] as const) {
    it(`merges its divergent list with the peers’ copy instead of splitting from the network (round started by ${starter})`, async () => {
      const dirA = await world.dir();
      const dirB = await world.dir();
      const backup = await world.dir();
      let a = await world.start(dirA, { issuer: true });
      let b = await world.start(dirB);
      await world.seed(a);
      await world.seed(b);
      await link(a, b);
      const [c1, c2, c3] = [await issue(a), await issue(a), await issue(a)];
      assert.equal((await setStatus(a, c1.id, 'revoked')).status, 200);
      await waitForEntry([a, b], REVOCATION, c1.index, 1, 'c1 revoked on both');

      // Backup of the whole data directory (store and journal), then a revocation after it.
      await world.stop(a);
      await cp(dirA, backup, { recursive: true });
      a = await world.start(dirA, { issuer: true, issuerOptions: { startupSyncTimeoutMs: 0 } });
      await link(a, b);
      assert.equal((await setStatus(a, c2.id, 'revoked')).status, 200);
      await waitForEntry([a, b], REVOCATION, c2.index, 1, 'c2 revoked on both');

      // Both go down; the issuer comes back from the backup, alone, and revokes c3.
      await world.stop(a);
      await world.stop(b);
      await rm(dirA, { recursive: true, force: true });
      await cp(backup, dirA, { recursive: true });
      // No start-up wait (as when it times out): it publishes from the restored state. Rounds start
      // only when the test says, from the end under test (no round on connect).
      const manual = { sync: { syncOnConnect: false } };
      a = await world.start(dirA, { issuer: true, issuerOptions: { startupSyncTimeoutMs: 0 }, ...manual });
      assert.equal(entry(a, REVOCATION, c2.index), 0, 'the restored store predates c2');
      assert.equal((await setStatus(a, c3.id, 'revoked')).status, 200);

      // The peer returns. A round started by the peer pulls the issuer's version (refused: it would
      // clear c2) and pushes its own (older than the issuer's); one started by the issuer's node pulls
      // the peer's older copy. Either way the issuer refuses that copy as older, and merges.
      b = await world.start(dirB, manual);
      await link(a, b);
      const [from, to] = starter === 'the peer' ? [b, a] : [a, b];
      const round = await from.sync.syncWith(to.peerId);
      assert.ok(round.complete);
      await waitFor(
        () => [a, b].every((n) => [c1, c2, c3].every((c) => entry(n, REVOCATION, c.index) === 1)),
        'c1, c2 and c3 revoked on both nodes',
        { timeoutMs: 8_000 },
      );
      const report = await health(a);
      assert.ok(
        report.warnings.some((w) => w.startsWith('ISSUER_STATE_REAPPLIED') && w.includes(REVOCATION)),
        report.warnings.join('\n'),
      );
      // Both hold the same version now: the split is over.
      assert.equal(a.registry.statusList(REVOCATION)?.digest, b.registry.statusList(REVOCATION)?.digest);
    });
  }

  it('restored while a peer is up: status changes wait for the first sync round, then build on the network’s version', async () => {
    const dirA = await world.dir();
    const dirB = await world.dir();
    const backup = await world.dir();
    let a = await world.start(dirA, { issuer: true });
    const b = await world.start(dirB);
    await world.seed(a);
    await world.seed(b);
    await link(a, b);
    const [c1, c2, c3] = [await issue(a), await issue(a), await issue(a)];
    assert.equal((await setStatus(a, c1.id, 'revoked')).status, 200);
    await waitForEntry([a, b], REVOCATION, c1.index, 1, 'c1 revoked on both');
    await world.stop(a);
    await cp(dirA, backup, { recursive: true });
    a = await world.start(dirA, { issuer: true, issuerOptions: { startupSyncTimeoutMs: 0 } });
    await link(a, b);
    await waitFor(async () => (await setStatus(a, c2.id, 'revoked')).status === 200, 'c2 acknowledged');
    await waitForEntry([a, b], REVOCATION, c2.index, 1, 'c2 revoked on both');

    await world.stop(a);
    await rm(dirA, { recursive: true, force: true });
    await cp(backup, dirA, { recursive: true });
    // The restored node dials its known peer (known-peers.json) at start; until a round completes,
    // a status change is refused rather than built on the restored, older list.
    a = await world.start(dirA, { issuer: true, issuerOptions: { startupSyncTimeoutMs: 60_000 } });
    const first = await setStatus(a, c3.id, 'revoked');
    if (first.status !== 200) {
      // Refused until a round completes (unless the round on connect already did).
      assert.deepEqual([first.status, first.body.code], [503, 'ISSUER_STATE_BEHIND']);
      assert.ok((await health(a)).warnings.some((w) => w.startsWith('ISSUER_STATE_BEHIND')));
    }
    await link(a, b);
    // Drive a round (the peer may refuse one started too soon after the previous run's: retry).
    await waitFor(
      async () =>
        (await a.sync.syncWith(b.peerId).then(
          (r) => r.complete,
          () => false,
        )) === true,
      'a complete round with the peer',
    );
    assert.equal(entry(a, REVOCATION, c2.index), 1, 'the round brought the network’s version (with c2)');
    await waitFor(async () => (await setStatus(a, c3.id, 'revoked')).status === 200, 'c3 acknowledged');
    await waitFor(
      () => [a, b].every((n) => [c1, c2, c3].every((c) => entry(n, REVOCATION, c.index) === 1)),
      'c1, c2 and c3 revoked on both nodes',
      { timeoutMs: 8_000 },
    );
    // Built on the network's version: the peer refused nothing, no merge was needed.
    assert.equal(b.sync.counters().pushedIn.reject + b.sync.counters().pulled.reject, 0);
    assert.equal(b.counters().rejected.STATUS_LIST_ROLLBACK ?? 0, 0);
  });
});
