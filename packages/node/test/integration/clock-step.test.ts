/**
 * Issue 10, problem 3: clock steps on an issuer. The clock is the node's injected `now`, stepped
 * forward by two hours and back; peers exchange clocks at the start of every anti-entropy round.
 *
 * - With a peer to compare with, the stepped issuer refuses to sign (503 CLOCK_AHEAD_OF_PEERS) and
 *   health names it, instead of acknowledging versions every peer would ignore; once the clock is
 *   corrected it signs again at once.
 * - Alone (nobody to compare with), it acknowledges a revocation in a version dated two hours ahead;
 *   once the clock is corrected the next revocation is acknowledged at once (not 503 for two hours),
 *   and a peer that joins takes both.
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../helpers.ts';
import { entry, health, issue, link, REVOCATION, setStatus, World, waitForEntry } from './durability-fixtures.ts';

const TWO_HOURS = 2 * 60 * 60_000;

describe('clock steps on an issuer', () => {
  let world: World;
  before(async () => {
    world = await World.create();
  });
  after(async () => {
    await world.close();
  });

  it('refuses to sign while its clock runs ahead of its peers’, and signs again once corrected', async () => {
    const clock = { offset: 0 };
    const a = await world.start(await world.dir(), { issuer: true }, { now: () => Date.now() + clock.offset });
    const b = await world.start(await world.dir());
    await world.seed(a);
    await world.seed(b);
    await link(a, b);
    // The round on connect exchanged the clocks.
    await waitFor(() => (a.sync.clocks?.estimate()?.peers ?? 0) === 1, 'the issuer sampled the peer clock');
    const c1 = await issue(a);
    assert.equal(c1.status, 201);
    assert.ok(!(await health(a)).warnings.some((w) => w.startsWith('CLOCK_')), 'no skew before the step');

    clock.offset = TWO_HOURS;
    const refused = await setStatus(a, c1.id, 'revoked');
    assert.deepEqual([refused.status, refused.body.code], [503, 'CLOCK_AHEAD_OF_PEERS']);
    const refusedIssue = await issue(a);
    assert.deepEqual([refusedIssue.status, refusedIssue.body.code], [503, 'CLOCK_AHEAD_OF_PEERS']);
    const stepped = await health(a);
    assert.equal(stepped.status, 'degraded');
    assert.ok(
      stepped.warnings.some((w) => w.startsWith('CLOCK_AHEAD_OF_PEERS')),
      stepped.warnings.join('\n'),
    );
    // The peer learns of the step at its next round and warns that it looks behind.
    await b.sync.syncWith(a.peerId);
    assert.ok(
      b.healthWarnings().some((w) => w.startsWith('CLOCK_BEHIND_PEERS')),
      b.healthWarnings().join('\n'),
    );
    assert.equal(entry(a, REVOCATION, c1.index), 0, 'nothing was signed while refused');

    clock.offset = 0;
    assert.equal((await setStatus(a, c1.id, 'revoked')).status, 200);
    await waitForEntry([a, b], REVOCATION, c1.index, 1, 'the revocation reaches the peer at once');
    assert.ok(!(await health(a)).warnings.some((w) => w.startsWith('CLOCK_AHEAD')), 'the warning is gone');
  });

  it('alone during the step: recovers as soon as the clock is corrected, and a joining peer takes every revocation', async () => {
    const clock = { offset: 0 };
    const a = await world.start(await world.dir(), { issuer: true }, { now: () => Date.now() + clock.offset });
    await world.seed(a);
    const [c1, c2] = [await issue(a), await issue(a)];

    clock.offset = TWO_HOURS;
    assert.equal((await setStatus(a, c1.id, 'revoked')).status, 200, 'nobody to compare with: acknowledged');
    const future = a.registry.statusList(REVOCATION);
    assert.ok(future && future.list.validFrom > Date.now() + TWO_HOURS / 2, 'dated two hours ahead');

    clock.offset = 0;
    const recovered = await setStatus(a, c2.id, 'revoked');
    assert.equal(recovered.status, 200, JSON.stringify(recovered.body));
    const held = a.registry.statusList(REVOCATION);
    assert.ok(held && held.list.validFrom <= Date.now(), 'the list is dated now again');
    assert.deepEqual([entry(a, REVOCATION, c1.index), entry(a, REVOCATION, c2.index)], [1, 1]);

    const b = await world.start(await world.dir());
    await world.seed(b);
    await link(a, b);
    await waitFor(
      () => entry(b, REVOCATION, c1.index) === 1 && entry(b, REVOCATION, c2.index) === 1,
      'the peer takes both revocations',
      { timeoutMs: 8_000 },
    );
  });
});
