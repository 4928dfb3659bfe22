/**
 * Issue 10, problem 4: `/health` is degraded with named warnings whenever the node cannot be
 * trusted, and only then. Each warning starts with its code. The node-level rules are checked on
 * their inputs (store faults, peer clocks, peer counts), then on whole nodes over LevelDB and the
 * in-memory transport: alone (no peers), linked (the control: ok), past the governance's validity,
 * and an issuer whose held list is past its validUntil.
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createStatusList, issueStatusList, ValidationError } from '@trustmesh/registry';
import { toApiError } from '../../src/api/errors.ts';
import { clockRefusal, nodeHealthWarnings, RECENT_FAULT_MS } from '../../src/health/node-health.ts';
import { PeerClocks } from '../../src/sync/peer-clocks.ts';
import { waitFor } from '../helpers.ts';
import { health, link, REVOCATION, World } from './durability-fixtures.ts';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const SKEW = 5 * 60_000;
const codes = (warnings: string[]) => warnings.map((w) => w.slice(0, w.indexOf(':')));

describe('health: the node’s named warnings', () => {
  const base = { now: () => NOW, maxClockSkewMs: SKEW, peers: () => 3, meshPeers: () => 2 };

  it('names store faults: failed now, recently recovered, then quiet', () => {
    const failure = { at: NOW - 1_000, code: 'STORE_FULL', message: 'disk full' };
    const failed = { state: 'failed' as const, failedWrites: 1, reopens: 0, lastFailure: failure, recovery: null };
    assert.deepEqual(codes(nodeHealthWarnings({ ...base, storeFaults: () => failed })), ['STORE_FAILED']);
    const recovered = { ...failed, state: 'ok' as const, reopens: 1 };
    const warnings = nodeHealthWarnings({ ...base, storeFaults: () => recovered });
    assert.deepEqual(codes(warnings), ['STORE_WRITE_FAILED']);
    assert.match(warnings[0]!, /STORE_FULL: disk full.*reopened 1/);
    const old = { ...recovered, lastFailure: { ...failure, at: NOW - RECENT_FAULT_MS - 1 } };
    assert.deepEqual(nodeHealthWarnings({ ...base, storeFaults: () => old }), []);
    const rolledBack = { ...old, recovery: { at: NOW - 5_000, message: '3 commit(s) … are missing' } };
    assert.deepEqual(codes(nodeHealthWarnings({ ...base, storeFaults: () => rolledBack })), ['STORE_ROLLED_BACK']);
  });

  it('names a clock ahead of or behind the peers’ median, and refuses to sign only when ahead', () => {
    const monotonic = { t: 0 };
    const clock = { now: NOW };
    const clocks = new PeerClocks({}, { now: () => clock.now, monotonic: () => monotonic.t });
    for (const [peer, offset] of [
      ['p1', 0],
      ['p2', 1_000],
      ['p3', -2_000],
    ] as const)
      clocks.record(peer, NOW + offset, 0);
    assert.deepEqual(nodeHealthWarnings({ ...base, clocks }), [], 'within the allowance');
    assert.equal(clockRefusal(clocks, SKEW), null);
    // A step of the wall clock shows at once: samples are kept against the monotonic clock.
    clock.now = NOW + 2 * 3_600_000;
    assert.deepEqual(codes(nodeHealthWarnings({ ...base, clocks })), ['CLOCK_AHEAD_OF_PEERS']);
    assert.equal(clockRefusal(clocks, SKEW)?.code, 'CLOCK_AHEAD_OF_PEERS');
    clock.now = NOW - 10 * 60_000;
    assert.deepEqual(codes(nodeHealthWarnings({ ...base, clocks })), ['CLOCK_BEHIND_PEERS']);
    assert.equal(clockRefusal(clocks, SKEW), null, 'a clock behind warns but still signs');
    // Samples age out by the monotonic clock: no peers sampled, nothing claimed.
    monotonic.t = 11 * 60_000;
    assert.equal(clocks.estimate(), null);
  });

  it('names no peers, and connected peers none of which is in the records mesh', () => {
    assert.deepEqual(codes(nodeHealthWarnings({ ...base, peers: () => 0 })), ['NO_PEERS']);
    assert.deepEqual(codes(nodeHealthWarnings({ ...base, meshPeers: () => 0 })), ['NO_MESH_PEERS']);
    assert.deepEqual(nodeHealthWarnings(base), []);
  });
});

describe('errors: local faults answer 503 or 507 with their code, never 400 or an uncoded 500', () => {
  it('maps store, journal, issuer-state and clock codes', () => {
    const cases: Array<[string, number]> = [
      ['STORE_IO', 503],
      ['STORE_FULL', 507],
      ['STORE_FAILED', 503],
      ['STORE_NOT_OPEN', 503],
      ['ISSUER_JOURNAL_IO', 503],
      ['ISSUER_JOURNAL_FULL', 507],
      ['ISSUER_STATE_BEHIND', 503],
      ['ISSUER_STATE_CORRUPT', 503],
      ['CLOCK_AHEAD_OF_PEERS', 503],
    ];
    for (const [code, status] of cases) {
      const mapped = toApiError(new ValidationError(code, 'fault'));
      assert.deepEqual([mapped.statusCode, mapped.code], [status, code]);
    }
    // A failed publication whose cause is a store fault is that fault's status, not a bad request.
    const cause = new ValidationError('STORE_FULL', 'disk full');
    assert.equal(toApiError(new ValidationError('STATUS_PUBLISH_FAILED', 'x', { cause })).statusCode, 507);
    // The control: a plain bad input stays 400; an unexpected error is 500 with a code.
    assert.equal(toApiError(new ValidationError('CREDENTIAL_MALFORMED', 'x')).statusCode, 400);
    const unexpected = toApiError(new Error('boom'));
    assert.deepEqual([unexpected.statusCode, unexpected.code], [500, 'INTERNAL_ERROR']);
  });
});

describe('health: whole nodes', () => {
  let world: World;
  before(async () => {
    world = await World.create();
  });
  after(async () => {
    await world.close();
  });

  it('a lone node is degraded (NO_PEERS); linked and in the mesh it is ok; past the governance validity it is degraded again', async () => {
    const clock = { offset: 0 };
    const now = () => Date.now() + clock.offset;
    const a = await world.start(await world.dir(), { issuer: true }, { now });
    await world.seed(a);
    const alone = await health(a);
    assert.deepEqual([alone.status, codes(alone.warnings)], ['degraded', ['NO_PEERS']]);

    const b = await world.start(await world.dir());
    await world.seed(b);
    await link(a, b);
    await waitFor(async () => (await health(a)).status === 'ok', 'ok once linked and in the mesh');

    // Far past the governance's validUntil (the registry's warning), while the peer's clock is real:
    // the clock warning comes with it once the clocks were compared.
    clock.offset = 400 * 24 * 3_600_000;
    const expired = await health(a);
    assert.equal(expired.status, 'degraded');
    assert.ok(
      expired.warnings.some((w) => /governance version \d+ expired/.test(w)),
      expired.warnings.join('\n'),
    );
    assert.ok(codes(expired.warnings).includes('CLOCK_AHEAD_OF_PEERS'), expired.warnings.join('\n'));
  });

  it('an issuer whose held list is past its validUntil names it (ISSUER_LIST_EXPIRED); not before', async () => {
    const clock = { offset: 0 };
    const now = () => Date.now() + clock.offset;
    const a = await world.start(await world.dir(), { issuer: true }, { now });
    await world.seed(a);
    await waitFor(() => a.registry.statusList(REVOCATION) !== null, 'the issuer created its list');
    // A version of the managed list with a validUntil, signed by the issuer's key elsewhere (e.g. by
    // the CLI from the same key): issuer mode adopts it as its own.
    const limited = await issueStatusList(
      {
        issuer: world.sample.keys.jpHealthInsurer,
        id: REVOCATION,
        statusPurpose: 'revocation',
        bits: createStatusList(131_072),
        validFrom: new Date(now() + 1_000),
        validUntil: new Date(now() + 3_600_000),
      },
      a.registry.documentLoader,
    );
    assert.equal((await a.registry.submit(limited)).status, 'accept');
    const within = await health(a);
    assert.ok(!codes(within.warnings).includes('ISSUER_LIST_EXPIRED'), within.warnings.join('\n'));
    clock.offset = 2 * 3_600_000;
    const past = await health(a);
    assert.equal(past.status, 'degraded');
    assert.ok(
      past.warnings.some((w) => w.startsWith(`ISSUER_LIST_EXPIRED: issuer list ${REVOCATION} expired at`)),
      past.warnings.join('\n'),
    );
  });
});
