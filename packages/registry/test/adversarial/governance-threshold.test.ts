/**
 * Attack class 6 (issue 9): one key under two authority DIDs. Whoever holds one private key lists it
 * under two authorities and then meets a threshold of two alone — replacing every other authority.
 * Governance listing one key twice is refused; thresholds count signers by distinct key.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createGovernance,
  type GovernanceAuthority,
  type GovernanceRecord,
  generateKeyPair,
  governanceSigningBytes,
  type KeyPair,
  parseGovernance,
  pinnedKeyOf,
  ValidationError,
  signBytes,
  signGovernance,
  tallyGovernanceSignatures,
} from '../../src/index.ts';
import { GOVERNANCE_KEY_SHARED } from '../../src/records/governance.ts';
import { expectOutcome, makeWorld, snapshot, T0, type World } from '../fixtures.ts';

const YEAR_MS = 365 * 24 * 3600 * 1000;

/** The same key pinned under another DID (the attacker controls both names). */
function alias(key: KeyPair, did: string): GovernanceAuthority['publicKeys'][number] {
  return { id: `${did}#shared`, type: 'Multikey', controller: did, publicKeyMultibase: key.publicKeyMultibase };
}

function governance(world: World, version: number, authorities: GovernanceAuthority[], threshold: number) {
  return createGovernance({
    networkId: world.net.networkId,
    version,
    authorities,
    threshold,
    validFrom: new Date(T0),
    validUntil: new Date(T0 + YEAR_MS),
  });
}

/** Signs with `key` under key id `keyId` (one private key, many names). */
async function signAs(record: GovernanceRecord, key: KeyPair, keyId: string): Promise<GovernanceRecord> {
  const signature = await signBytes(governanceSigningBytes(record), key);
  return { ...record, signatures: [...record.signatures, { keyId, signature }] };
}

describe('attack: one key under two authorities', () => {
  it('a governance version listing one key under two authority DIDs → GOVERNANCE_KEY_SHARED', async () => {
    const world = await makeWorld();
    const { jpAgency, twMinistry } = world.net.keys;
    const mallory = await generateKeyPair('Ed25519');
    const second = 'did:web:mallory-two.example';
    let v2 = governance(
      world,
      2,
      [
        ...world.net.genesis.authorities,
        { id: mallory.did, name: 'Mallory One', jurisdiction: 'JP', publicKeys: [pinnedKeyOf(mallory)] },
        { id: second, name: 'Mallory Two', jurisdiction: 'JP', publicKeys: [alias(mallory, second)] },
      ],
      2,
    );
    // Both genuine authorities are tricked into signing it; Mallory signs under both names.
    v2 = await signGovernance(await signGovernance(v2, jpAgency), twMinistry);
    v2 = await signAs(await signAs(v2, mallory, mallory.verificationMethod), mallory, `${second}#shared`);
    const before = await snapshot(world.store);
    const outcome = await expectOutcome(world, v2, 'reject', GOVERNANCE_KEY_SHARED);
    assert.equal(outcome.status === 'reject' && outcome.error.field, 'authorities[3].publicKeys[0]');
    assert.deepEqual(await snapshot(world.store), before);
  });

  it('one key under two ids of one authority → GOVERNANCE_KEY_SHARED', async () => {
    const world = await makeWorld();
    const [a, b] = world.net.genesis.authorities as [GovernanceAuthority, GovernanceAuthority];
    const record = governance(
      world,
      2,
      [
        {
          ...a,
          publicKeys: [
            ...a.publicKeys,
            { ...(a.publicKeys[0] as GovernanceAuthority['publicKeys'][number]), id: `${a.id}#again` },
          ],
        },
        b,
      ],
      2,
    );
    assert.throws(
      () => parseGovernance(record),
      (error: unknown) => error instanceof ValidationError && error.code === GOVERNANCE_KEY_SHARED,
    );
  });

  it('the tally counts by distinct key: a key listed under two authorities counts for neither', async () => {
    const world = await makeWorld();
    const mallory = await generateKeyPair('Ed25519');
    const second = 'did:web:mallory-two.example';
    // A set as an older, pre-rule version could hold it (parseGovernance now refuses it).
    const authorities: GovernanceAuthority[] = [
      { id: mallory.did, name: 'Mallory One', jurisdiction: 'JP', publicKeys: [pinnedKeyOf(mallory)] },
      { id: second, name: 'Mallory Two', jurisdiction: 'JP', publicKeys: [alias(mallory, second)] },
    ];
    let record = governance(world, 2, world.net.genesis.authorities, 2);
    record = await signAs(await signAs(record, mallory, mallory.verificationMethod), mallory, `${second}#shared`);
    const tally = await tallyGovernanceSignatures(record, authorities);
    assert.deepEqual([tally.signed.size, tally.invalid, tally.highS], [0, -1, -1]);
  });

  it('an authority counts once however many of its keys sign', async () => {
    const world = await makeWorld();
    const { jpAgency, twMinistry } = world.net.keys;
    const backup = await generateKeyPair('Ed25519');
    const [jp, tw] = world.net.genesis.authorities as [GovernanceAuthority, GovernanceAuthority];
    const jpWithBackup: GovernanceAuthority = {
      ...jp,
      publicKeys: [
        ...jp.publicKeys,
        { id: `${jp.id}#backup`, type: 'Multikey', controller: jp.id, publicKeyMultibase: backup.publicKeyMultibase },
      ],
    };
    let v2 = governance(world, 2, [jpWithBackup, tw], 2);
    v2 = await signGovernance(await signGovernance(v2, jpAgency), twMinistry);
    await expectOutcome(world, v2, 'accept');
    // Version 3 signed by both of the JP agency's keys and nobody else: one authority, not two.
    let v3 = governance(world, 3, [jpWithBackup, tw], 2);
    v3 = await signAs(await signGovernance(v3, jpAgency), backup, `${jp.id}#backup`);
    await expectOutcome(world, v3, 'reject', 'GOVERNANCE_THRESHOLD_NOT_MET');
  });

  it('control: distinct keys of distinct authorities meet the threshold', async () => {
    const world = await makeWorld();
    const { jpAgency, twMinistry } = world.net.keys;
    const prefecture = await generateKeyPair('P-256');
    let v2 = governance(
      world,
      2,
      [
        ...world.net.genesis.authorities,
        { id: prefecture.did, name: 'Prefecture', jurisdiction: 'JP-13', publicKeys: [pinnedKeyOf(prefecture)] },
      ],
      2,
    );
    v2 = await signGovernance(await signGovernance(v2, jpAgency), twMinistry);
    await expectOutcome(world, v2, 'accept');
    const tally = await tallyGovernanceSignatures(v2, v2.authorities);
    assert.equal(tally.signed.size, 2);
  });
});
