/**
 * CRLs held across a restart (issue 14): a registry over LevelDB (a temporary directory) reopened
 * from its store rebuilds every held CRL from the stored DER — complete CRLs, applied deltas, sub-CA
 * certificates and their CRLs — and answers the same lookups, then keeps judging new CRLs against it.
 */
import * as assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CRL_CODES, LevelRecordStore, Registry } from '../../src/index.ts';
import { accreditInt, accreditRoot, caSpki, crl, leafSerial, submitOk } from '../adversarial/crl-record-fixtures.ts';
import { expectOutcome, makeWorld, type World } from '../fixtures.ts';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const LEAVES = ['L1', 'L2', 'L3', 'L4', 'L5', 'L6', 'L7'];

function answers(registry: Registry, at: number): string[] {
  return LEAVES.map((leaf) => JSON.stringify(registry.lookup(caSpki('int'), leafSerial('int', leaf), at)));
}

async function reopen(world: World, location: string): Promise<Registry> {
  await world.registry.close();
  return Registry.open(
    { networkId: world.net.networkId, genesisDigest: world.net.genesisDigest },
    { store: new LevelRecordStore({ location }), now: () => world.clock.now },
  );
}

describe('CRLs across a restart (LevelDB)', () => {
  it('rebuilds a complete CRL with its applied delta, and judges later CRLs against them', async () => {
    const location = await mkdtemp(join(tmpdir(), 'trustmesh-crl-'));
    dirs.push(location);
    const world = await makeWorld(new LevelRecordStore({ location }));
    await accreditInt(world);
    await submitOk(world, crl('int-crl-2'));
    await submitOk(world, crl('int-delta-3'));
    const before = answers(world.registry, world.clock.now);
    const scopes = world.registry.crls().map((c) => [c.scope, c.signer, c.held.stamp]);
    const registry = await reopen(world, location);
    try {
      assert.deepEqual(answers(registry, world.clock.now), before);
      assert.deepEqual(
        registry.crls().map((c) => [c.scope, c.signer, c.held.stamp]),
        scopes,
      );
      const reopened = { ...world, registry };
      await expectOutcome(reopened, crl('int-crl-1'), 'ignore', CRL_CODES.NUMBER_STALE);
      await expectOutcome(reopened, crl('int-crl-4-dropped'), 'reject', CRL_CODES.SERIAL_DROPPED);
      await expectOutcome(reopened, crl('int-crl-3-with-delta'), 'accept');
    } finally {
      await registry.close();
    }
  });

  it('rebuilds a sub-CA certificate and the CRL it signed', async () => {
    const location = await mkdtemp(join(tmpdir(), 'trustmesh-crl-'));
    dirs.push(location);
    const world = await makeWorld(new LevelRecordStore({ location }));
    await accreditRoot(world);
    await submitOk(world, crl('int-ca'));
    await submitOk(world, crl('int-crl-1'));
    await submitOk(world, crl('root-crl-1'));
    const before = answers(world.registry, world.clock.now);
    assert.equal(JSON.parse(before[0]!).state, 'revoked');
    const registry = await reopen(world, location);
    try {
      assert.deepEqual(answers(registry, world.clock.now), before);
      assert.deepEqual(
        registry.caCertificates().map((c) => c.spkiSha256),
        [caSpki('int')],
      );
      assert.equal(registry.crls().length, 2);
      const bytes = await registry.crlBytes(registry.crls().find((c) => c.signer === caSpki('int'))!.scope);
      assert.deepEqual(bytes?.bytes, crl('int-crl-1'), 'served byte-identical from the store');
    } finally {
      await registry.close();
    }
  });
});
