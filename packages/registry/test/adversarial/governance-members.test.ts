/**
 * Attack class 5 (issue 9): members outside the signed bytes. Governance signatures cover the parsed
 * record, so a member the parser does not read — at any level — would be stored and served unsigned,
 * and a front-run variant carrying one would win the slot and turn the honest record into
 * "evidence". Every such member is refused with the field that carries it.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  canonicalBytes,
  createGovernance,
  GOVERNANCE_TYPE,
  type GovernanceRecord,
  generateKeyPair,
  governanceSigningBytes,
  pinnedKeyOf,
  signBytes,
  signGovernance,
} from '../../src/index.ts';
import { GOVERNANCE_SIGNATURE_KEY_UNKNOWN } from '../../src/validation/governance.ts';
import { expectOutcome, makeWorld, snapshot, T0, type World } from '../fixtures.ts';

type Json = Record<string, unknown>;

async function governanceV2(world: World): Promise<Json> {
  const { jpAgency, twMinistry } = world.net.keys;
  const prefecture = await generateKeyPair('Ed25519');
  let v2 = createGovernance({
    networkId: world.net.networkId,
    version: 2,
    authorities: [
      ...world.net.genesis.authorities,
      { id: prefecture.did, name: 'Prefecture', jurisdiction: 'JP-13', publicKeys: [pinnedKeyOf(prefecture)] },
    ],
    threshold: 2,
    validFrom: new Date(T0),
    validUntil: new Date(T0 + 365 * 24 * 3600 * 1000),
  });
  for (const key of [jpAgency, twMinistry, prefecture]) v2 = await signGovernance(v2, key);
  return v2 as unknown as Json;
}

/** `record` with `extra` merged into the object at `path` (a list of keys and indexes). */
function withMember(record: Json, path: (string | number)[], extra: Json): Json {
  const copy = structuredClone(record);
  let target: Json = copy;
  for (const step of path) target = (target as unknown as Record<string | number, Json>)[step] as Json;
  Object.assign(target, extra);
  return copy;
}

describe('attack: governance members outside the signed bytes are refused', () => {
  const cases: [string, (string | number)[], string][] = [
    ['the record', [], 'note'],
    ['an authority', ['authorities', 0], 'authorities[0].note'],
    ['a public key', ['authorities', 2, 'publicKeys', 0], 'authorities[2].publicKeys[0].note'],
    ['a signature', ['signatures', 1], 'signatures[1].note'],
  ];
  for (const [where, path, field] of cases) {
    it(`an extra member in ${where} → GOVERNANCE_FIELD_INVALID at ${field}`, async () => {
      const world = await makeWorld();
      const v2 = await governanceV2(world);
      const before = await snapshot(world.store);
      // Every signature still verifies: signatures cover the parsed record, which has no `note`.
      const variant = withMember(v2, path, { note: 'unsigned' });
      const outcome = await expectOutcome(world, variant, 'reject', 'GOVERNANCE_FIELD_INVALID');
      assert.equal(outcome.status === 'reject' && outcome.error.field, field);
      assert.deepEqual(await snapshot(world.store), before);
    });
  }

  it('a front-run variant with an extra member loses: the honest record is admitted, not evidence', async () => {
    const world = await makeWorld();
    const v2 = await governanceV2(world);
    await expectOutcome(
      world,
      withMember(v2, ['authorities', 1], { backdoor: true }),
      'reject',
      'GOVERNANCE_FIELD_INVALID',
    );
    const outcome = await expectOutcome(world, v2, 'accept');
    assert.equal(outcome.status === 'accept' && outcome.value.kind, 'governance');
    assert.equal((await world.registry.evidence()).length, 0);
    // What is served is exactly what was signed and sent.
    const stored = await world.store.get(
      outcome.status === 'accept' && outcome.value.kind === 'governance' ? outcome.value.key : '',
    );
    assert.deepEqual(stored?.bytes, canonicalBytes(v2));
  });

  it('a held genesis re-sent with an extra member → reject, never evidence', async () => {
    const world = await makeWorld();
    const before = await snapshot(world.store);
    const genesis = world.net.records[0] as Json;
    await expectOutcome(
      world,
      withMember(genesis, ['authorities', 0, 'publicKeys', 0], { note: 1 }),
      'reject',
      'GOVERNANCE_FIELD_INVALID',
    );
    assert.deepEqual(await snapshot(world.store), before);
  });

  it('a signature by a key of no authority (a stranger padding the record) → GOVERNANCE_SIGNATURE_KEY_UNKNOWN', async () => {
    const world = await makeWorld();
    const v2 = await governanceV2(world);
    const stranger = await generateKeyPair('Ed25519');
    const padding = {
      keyId: stranger.verificationMethod,
      signature: await signBytes(governanceSigningBytes(v2 as unknown as GovernanceRecord), stranger),
    };
    const outcome = await expectOutcome(
      world,
      { ...v2, signatures: [...(v2.signatures as Json[]), padding] },
      'reject',
      GOVERNANCE_SIGNATURE_KEY_UNKNOWN,
    );
    assert.equal(outcome.status === 'reject' && outcome.error.field, 'signatures[3].keyId');
    await expectOutcome(world, v2, 'accept');
  });

  it('control: the honest record, including a key that leaves out its optional controller, is admitted', async () => {
    const world = await makeWorld();
    const v2 = await governanceV2(world);
    assert.equal(v2.type, GOVERNANCE_TYPE);
    await expectOutcome(world, v2, 'accept');
  });
});

describe('attack: members outside the schema of Data Integrity records', () => {
  it('an undefined member on a held status list or its proof → reject, never evidence', async () => {
    const world = await makeWorld();
    const held = structuredClone(world.registry.statusList(world.net.lists.jpHealthInsurer)?.list.credential) as Json;
    const before = await snapshot(world.store);
    const top = await world.registry.submit({ ...held, note: 'unsigned' });
    const inProof = await world.registry.submit({ ...held, proof: { ...(held.proof as Json), note: 'unsigned' } });
    for (const outcome of [top, inProof]) {
      assert.equal(
        outcome.status,
        'reject',
        JSON.stringify(outcome.status === 'accept' ? outcome.value.kind : outcome.error),
      );
    }
    assert.deepEqual(await snapshot(world.store), before);
  });
});
