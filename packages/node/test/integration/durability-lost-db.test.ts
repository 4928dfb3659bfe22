/**
 * Issue 10, problem 1: an issuer whose stored state goes backwards (its `db/` deleted while its
 * peers are down) never publishes from the older state. It refuses writes with 503
 * ISSUER_STATE_BEHIND (and health names it) until a peer's copy of its list arrives, then re-applies
 * its journal on top, so every acknowledged revocation — including one no peer had seen — holds on
 * every node.
 */
import * as assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../helpers.ts';
import {
  entry,
  health,
  issue,
  link,
  REVOCATION,
  SUSPENSION,
  setStatus,
  World,
  waitForEntry,
} from './durability-fixtures.ts';

describe('durability: an issuer that lost db/ with its peers down', () => {
  let world: World;
  before(async () => {
    world = await World.create();
  });
  after(async () => {
    await world.close();
  });

  it('refuses writes until a peer has its list, then re-applies every acknowledged revocation', async () => {
    const dirA = await world.dir();
    const dirB = await world.dir();
    let a = await world.start(dirA, { issuer: true });
    let b = await world.start(dirB);
    await world.seed(a);
    await world.seed(b);
    await link(a, b);

    const c1 = await issue(a);
    const c2 = await issue(a);
    const c3 = await issue(a);
    assert.deepEqual([c1.status, c2.status, c3.status], [201, 201, 201]);
    assert.equal((await setStatus(a, c1.id, 'revoked')).status, 200);
    await waitForEntry([a, b], REVOCATION, c1.index, 1, 'c1 revoked on both nodes');

    // The peer goes down; a revocation acknowledged now lives only in the issuer's store and journal.
    await world.stop(b);
    assert.equal((await setStatus(a, c2.id, 'revoked')).status, 200);
    await world.stop(a);
    await rm(join(dirA, 'db'), { recursive: true, force: true });

    // Restarted alone with an empty store: the journal proves the list existed, so no new list.
    a = await world.start(dirA, { issuer: true });
    const refusedIssue = await issue(a);
    const refusedRevoke = await setStatus(a, c3.id, 'revoked');
    assert.deepEqual(
      [refusedIssue.status, refusedIssue.body.code, refusedRevoke.status, refusedRevoke.body.code],
      [503, 'ISSUER_STATE_BEHIND', 503, 'ISSUER_STATE_BEHIND'],
    );
    assert.equal(a.registry.statusList(REVOCATION), null, 'no brand-new list was created');
    const behind = await health(a);
    assert.equal(behind.status, 'degraded');
    assert.ok(
      behind.warnings.some((w) => w.startsWith('ISSUER_STATE_BEHIND') && w.includes(REVOCATION)),
      behind.warnings.join('\n'),
    );

    // The peer comes back: the issuer adopts the peer's copy (c1 only) and re-applies c2 on top.
    b = await world.start(dirB);
    await link(a, b);
    await waitForEntry([a, b], REVOCATION, c2.index, 1, 'c2 (acknowledged while the peer was down) on both');
    assert.equal(entry(a, REVOCATION, c1.index), 1, 'c1 is still revoked');
    await waitFor(async () => (await setStatus(a, c3.id, 'revoked')).status === 200, 'writes accepted again');
    await waitForEntry([a, b], REVOCATION, c3.index, 1, 'c3 revoked after recovery');
    for (const c of [c1, c2, c3]) {
      assert.deepEqual([entry(a, REVOCATION, c.index), entry(b, REVOCATION, c.index)], [1, 1]);
    }
    // The peer accepted every new version: nothing was refused as a rollback.
    assert.equal(b.sync.counters().pushedIn.reject + b.sync.counters().pulled.reject, 0);
    const recovered = await health(a);
    assert.ok(
      recovered.warnings.some((w) => w.startsWith('ISSUER_STATE_REAPPLIED') && w.includes(REVOCATION)),
      recovered.warnings.join('\n'),
    );
    assert.ok(!recovered.warnings.some((w) => w.startsWith('ISSUER_STATE_BEHIND')), recovered.warnings.join('\n'));
  });

  it('rebuilds its suspension list from the journal: suspensions and reinstatements acknowledged while the peer was down hold', async () => {
    const dirA = await world.dir();
    const dirB = await world.dir();
    let a = await world.start(dirA, { issuer: true, suspension: true });
    let b = await world.start(dirB);
    await world.seed(a);
    await world.seed(b);
    await link(a, b);
    const [c1, c2, c3] = [await issue(a), await issue(a), await issue(a)];
    const suspensionIndex = (c: { body: Record<string, unknown> }) => {
      const status = (
        c.body.verifiableCredential as { credentialStatus: { statusPurpose: string; statusListIndex: string }[] }
      ).credentialStatus;
      return Number(status.find((e) => e.statusPurpose === 'suspension')?.statusListIndex);
    };
    assert.equal((await setStatus(a, c1.id, 'suspended')).status, 200);
    assert.equal((await setStatus(a, c2.id, 'suspended')).status, 200);
    await waitForEntry([a, b], SUSPENSION, suspensionIndex(c2), 1, 'c2 suspended on both');

    await world.stop(b);
    // While the peer is down: c2 reinstated, c3 suspended (a reversible list: the journal decides).
    assert.equal((await setStatus(a, c2.id, 'active')).status, 200);
    assert.equal((await setStatus(a, c3.id, 'suspended')).status, 200);
    await world.stop(a);
    await rm(join(dirA, 'db'), { recursive: true, force: true });

    a = await world.start(dirA, { issuer: true, suspension: true });
    b = await world.start(dirB);
    await link(a, b);
    await waitForEntry([a, b], SUSPENSION, suspensionIndex(c3), 1, 'c3 suspended on both');
    await waitForEntry([a, b], SUSPENSION, suspensionIndex(c2), 0, 'c2 reinstated on both');
    assert.deepEqual([entry(a, SUSPENSION, suspensionIndex(c1)), entry(b, SUSPENSION, suspensionIndex(c1))], [1, 1]);
  });
});
