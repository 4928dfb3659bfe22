/**
 * Attack class 4 (issue 9): fake equivocation evidence. A relay holds a signer's record and re-sends
 * it changed only where no signature looks (type order, multibase form, an ECDSA (r, n − s), a fresh
 * ECDSA signature, reordered governance signatures). Each must be a DUPLICATE, never evidence against
 * the honest signer; a real conflict still is evidence, bounded per signer and slot.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base58btc } from 'multiformats/bases/base58';
import {
  ACCREDITATION_TYPE,
  createGovernance,
  generateKeyPair,
  isHighS,
  issueStatusList,
  pinnedKeyOf,
  SIGNATURE_HIGH_S,
  signBytes,
  signCredential,
  signGovernance,
} from '../../src/index.ts';
import { EVIDENCE_CAP_REACHED, MAX_EVIDENCE_PER_SLOT } from '../../src/validation/evidence.ts';
import { expectOutcome, makeWorld, nextListVersion, snapshot, T0, type World } from '../fixtures.ts';
import {
  malleateGovernanceSignature,
  malleateProof,
  reencodeProofValue,
  reformattedBytes,
  reverseTypes,
} from './equivocation-fixtures.ts';

type Json = Record<string, unknown>;

function heldList(world: World, id: string): Json {
  const state = world.registry.statusList(id);
  assert.ok(state, `list ${id} is held`);
  return structuredClone(state.list.credential) as Json;
}

/** A list version with `bits` set, signed at `validFrom`, without touching the world's clock. */
async function listAt(
  world: World,
  issuer: World['net']['keys']['jpHealthInsurer'],
  id: string,
  validFrom: number,
  set: number[],
) {
  const bits = new Uint8Array(131_072 / 8);
  for (const i of set) bits[i >> 3] = (bits[i >> 3] ?? 0) | (0x80 >> (i & 7));
  return issueStatusList(
    { issuer, id, statusPurpose: 'revocation', bits, validFrom: new Date(validFrom) },
    world.net.documentLoader,
  );
}

/** A version 2 governance adding a P-256 authority, signed by every authority. */
async function governanceV2(world: World) {
  const { jpAgency, twMinistry } = world.net.keys;
  const p256 = await generateKeyPair('P-256');
  let v2 = createGovernance({
    networkId: world.net.networkId,
    version: 2,
    authorities: [
      ...world.net.genesis.authorities,
      { id: p256.did, name: 'Prefecture (JP-13)', jurisdiction: 'JP', publicKeys: [pinnedKeyOf(p256)] },
    ],
    threshold: 2,
    validFrom: new Date(T0),
    validUntil: new Date(T0 + 365 * 24 * 3600 * 1000),
  });
  for (const key of [jpAgency, twMinistry, p256]) v2 = await signGovernance(v2, key);
  return { v2: v2 as unknown as Json, p256 };
}

describe('attack: re-serialisations of a held record are never evidence', () => {
  it('Data Integrity list (Ed25519): reversed type array, base64url proofValue, reformatted bytes → DUPLICATE', async () => {
    const world = await makeWorld();
    const held = heldList(world, world.net.lists.jpHealthInsurer);
    const before = await snapshot(world.store);
    await expectOutcome(world, reverseTypes(held), 'ignore', 'DUPLICATE');
    await expectOutcome(world, reencodeProofValue(held), 'ignore', 'DUPLICATE');
    await expectOutcome(world, reencodeProofValue(reverseTypes(held)), 'ignore', 'DUPLICATE');
    await expectOutcome(world, reformattedBytes(held), 'ignore', 'DUPLICATE');
    assert.deepEqual(await snapshot(world.store), before);
    assert.equal((await world.registry.evidence()).length, 0);
  });

  it('Data Integrity list (P-256): (r, n − s) and an honest re-signature of the same content → DUPLICATE', async () => {
    const world = await makeWorld();
    const { twHealthInsurer } = world.net.keys;
    const held = heldList(world, world.net.lists.twHealthInsurer);
    const before = await snapshot(world.store);
    await expectOutcome(world, malleateProof(held), 'ignore', 'DUPLICATE');
    // ECDSA signing is randomised: the same issuer signing the same list again gives another proofValue.
    const { proof: _proof, ...unsigned } = held;
    const resigned = await signCredential(unsigned, twHealthInsurer, { documentLoader: world.net.documentLoader });
    assert.notEqual((resigned.proof as Json).proofValue, (held.proof as Json).proofValue);
    await expectOutcome(world, resigned, 'ignore', 'DUPLICATE');
    assert.deepEqual(await snapshot(world.store), before);
  });

  it('accreditation: a reversed type array → DUPLICATE, no evidence against the accreditor', async () => {
    const world = await makeWorld();
    const accreditation = world.net.records.find((r) => (r.type as string[]).includes(ACCREDITATION_TYPE));
    assert.ok(accreditation);
    const before = await snapshot(world.store);
    await expectOutcome(world, reverseTypes(accreditation), 'ignore', 'DUPLICATE');
    await expectOutcome(world, reencodeProofValue(accreditation), 'ignore', 'DUPLICATE');
    assert.deepEqual(await snapshot(world.store), before);
  });

  it('governance: reordered signatures, a subset, an ECDSA (r, n − s) → DUPLICATE; a repeated signature → reject', async () => {
    const world = await makeWorld();
    const { v2, p256 } = await governanceV2(world);
    await expectOutcome(world, v2, 'accept');
    const before = await snapshot(world.store);
    const signatures = v2.signatures as Json[];
    await expectOutcome(world, { ...v2, signatures: [...signatures].reverse() }, 'ignore', 'DUPLICATE');
    await expectOutcome(world, { ...v2, signatures: signatures.slice(0, 2) }, 'ignore', 'DUPLICATE');
    await expectOutcome(world, malleateGovernanceSignature(v2, p256.verificationMethod), 'ignore', 'DUPLICATE');
    await expectOutcome(
      world,
      { ...v2, signatures: [...signatures, signatures[0]] },
      'reject',
      'GOVERNANCE_FIELD_INVALID',
    );
    // The genesis, pinned by hash, the same way: a reordering is a duplicate, not a mismatch.
    const genesis = world.net.records[0] as Json;
    await expectOutcome(
      world,
      { ...genesis, signatures: [...(genesis.signatures as Json[])].reverse() },
      'ignore',
      'DUPLICATE',
    );
    assert.deepEqual(await snapshot(world.store), before);
  });

  it('gossiped "evidence" made of two re-serialisations of one record is a false accusation (reject)', async () => {
    const world = await makeWorld();
    const held = heldList(world, world.net.lists.twHealthInsurer);
    const before = await snapshot(world.store);
    for (const variant of [reverseTypes(held), malleateProof(held), reencodeProofValue(held)]) {
      const outcome = await expectOutcome(
        world,
        { type: 'TrustmeshEquivocationEvidence', kind: 'status-list', records: [held, variant] },
        'reject',
        'EVIDENCE_INVALID',
      );
      assert.match(outcome.status === 'reject' ? outcome.error.message : '', /same signed content/);
    }
    assert.deepEqual(await snapshot(world.store), before);
  });
});

describe('attack: high-S ECDSA signatures are refused (low-S rule)', () => {
  it('a new list version with (r, n − s) → SIGNATURE_HIGH_S; the honest version → accept', async () => {
    const world = await makeWorld();
    const honest = await nextListVersion(world, world.net.keys.twHealthInsurer, world.net.lists.twHealthInsurer, {
      7: 1,
    });
    const before = await snapshot(world.store);
    const outcome = await expectOutcome(world, malleateProof(honest), 'reject', SIGNATURE_HIGH_S);
    assert.equal(outcome.status === 'reject' && outcome.error.field, 'proof.proofValue');
    assert.deepEqual(await snapshot(world.store), before);
    await expectOutcome(world, honest, 'accept');
  });

  it('a governance version with a high-S P-256 signature → SIGNATURE_HIGH_S; the honest one → accept', async () => {
    const world = await makeWorld();
    const { v2, p256 } = await governanceV2(world);
    const outcome = await expectOutcome(
      world,
      malleateGovernanceSignature(v2, p256.verificationMethod),
      'reject',
      SIGNATURE_HIGH_S,
    );
    assert.equal(outcome.status === 'reject' && outcome.error.field, 'signatures[2].signature');
    await expectOutcome(world, v2, 'accept');
  });

  it('control: every P-256 signature the registry makes is low-S', async () => {
    const key = await generateKeyPair('P-256');
    for (let i = 0; i < 32; i++) {
      const signature = base58btc.decode(await signBytes(new TextEncoder().encode(`probe ${i}`), key));
      assert.equal(isHighS(signature), false, `signature ${i} is high-S`);
    }
  });
});

describe('control: a real equivocation is still evidence, bounded per signer and slot', () => {
  it('two different signed contents for one version → evidence; its re-serialisations → DUPLICATE; the cap holds', async () => {
    const world = await makeWorld();
    const { jpHealthInsurer } = world.net.keys;
    const id = world.net.lists.jpHealthInsurer;
    const validFrom = world.clock.now + 5000;
    await expectOutcome(world, await listAt(world, jpHealthInsurer, id, validFrom, [1]), 'accept');
    const conflicting = await listAt(world, jpHealthInsurer, id, validFrom, [1, 2]);
    const first = await expectOutcome(world, conflicting, 'accept');
    assert.equal(first.status === 'accept' && first.value.kind, 'evidence');
    // The same conflict, re-serialised by a relay: one evidence record, not two.
    await expectOutcome(world, reverseTypes(conflicting), 'ignore', 'DUPLICATE');
    await expectOutcome(world, reencodeProofValue(conflicting), 'ignore', 'DUPLICATE');
    assert.equal((await world.registry.evidence()).length, 1);
    // A signer that equivocates again and again fills the slot's evidence up to the cap, no further.
    for (let n = 2; n <= MAX_EVIDENCE_PER_SLOT; n++) {
      const outcome = await expectOutcome(
        world,
        await listAt(world, jpHealthInsurer, id, validFrom, [1, 2 + n]),
        'accept',
      );
      assert.equal(outcome.status === 'accept' && outcome.value.kind, 'evidence');
    }
    const before = await snapshot(world.store);
    await expectOutcome(
      world,
      await listAt(world, jpHealthInsurer, id, validFrom, [1, 99]),
      'ignore',
      EVIDENCE_CAP_REACHED,
    );
    assert.deepEqual(await snapshot(world.store), before);
    const evidence = await world.registry.evidence();
    assert.equal(evidence.length, MAX_EVIDENCE_PER_SLOT);
    assert.ok(evidence.every((e) => e.signer === jpHealthInsurer.did));
  });

  it('two different governance versions with the same number → evidence', async () => {
    const world = await makeWorld();
    const a = await governanceV2(world);
    const b = await governanceV2(world);
    await expectOutcome(world, a.v2, 'accept');
    const outcome = await expectOutcome(world, b.v2, 'accept');
    assert.equal(outcome.status === 'accept' && outcome.value.kind, 'evidence');
    assert.equal((await world.registry.evidence()).length, 1);
  });
});
