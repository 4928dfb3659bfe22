/**
 * Attack class 1 and 2 of issue 9, and proof of possession, built as an attacker would with real
 * keys: a narrow accreditor (one type, one city, path length 0) pins a key it holds for another
 * jurisdiction's issuer and tries to forge credentials, accreditations and status lists in that
 * issuer's (or an authority's) name; a thief keeps using the key of a withdrawn accreditation; a
 * did:key is pinned with somebody else's key; proofs of possession are left out or replayed. Each
 * case asserts the exact code, beside the honest control. docs/records.md, Trust rules.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createGovernance,
  EXAMPLES_CONTEXT_V1_URL,
  exportKeyPair,
  generateKeyPair,
  importKeyPair,
  issueAccreditation,
  issueStatusList,
  type KeyPair,
  keyPossessionBytes,
  pinnedKeyOf,
  proveKeyPossession,
  signBytes,
  signCredential,
  signGovernance,
  statusListSlotKey,
  TRUSTMESH_CONTEXT_URL,
  VC_V2_CONTEXT_URL,
  writeStatus,
} from '../../src/index.ts';
import { expectOutcome, issueCredential, makeWorld, nextListVersion, T0, verify, type World } from '../fixtures.ts';

const YEAR = 365 * 24 * 3600 * 1000;
const VICTIM = 'did:web:tw-health.example';
const VICTIM_LIST = 'https://status.example/lists/tw-web/revocation';

/** A key pair named under `did` (a did:web issuer's key), not by its did:key. */
async function webKey(did: string, fragment: string, type: 'Ed25519' | 'P-256' = 'Ed25519'): Promise<KeyPair> {
  const base = exportKeyPair(await generateKeyPair(type));
  return importKeyPair({ ...base, did, verificationMethod: `${did}#${fragment}` });
}

function accredit(
  world: World,
  accreditor: KeyPair,
  subject: string,
  keys: KeyPair[],
  scope: { types: string[]; jurisdiction: string },
  options: { role?: 'issuer' | 'accreditor'; withdrawal?: { list: string; index: number }; id?: string } = {},
) {
  return issueAccreditation(
    {
      accreditor,
      subject,
      role: options.role ?? 'issuer',
      accreditedFor: [scope],
      subjectKeys: keys,
      validFrom: new Date(T0),
      validUntil: new Date(T0 + YEAR),
      ...(options.withdrawal
        ? { withdrawal: { statusListCredential: options.withdrawal.list, statusListIndex: options.withdrawal.index } }
        : {}),
      ...(options.id ? { id: options.id } : {}),
    },
    world.net.documentLoader,
  );
}

/** An accreditation signed by `accreditor` with `publicKeys` exactly as given (no authoring help). */
function rawAccreditation(
  world: World,
  accreditor: KeyPair,
  subject: string,
  publicKeys: Record<string, unknown>[],
  id = `urn:uuid:${crypto.randomUUID()}`,
) {
  return signCredential(
    {
      '@context': [VC_V2_CONTEXT_URL, TRUSTMESH_CONTEXT_URL],
      id,
      type: ['VerifiableCredential', 'VerifiableAccreditation'],
      issuer: accreditor.did,
      validFrom: new Date(T0).toISOString().replace('.000', ''),
      validUntil: new Date(T0 + YEAR).toISOString().replace('.000', ''),
      credentialSubject: {
        id: subject,
        role: 'issuer',
        accreditedFor: [{ types: ['HealthInsuranceCredential'], jurisdiction: 'JP' }],
        maxPathLength: 0,
        publicKeys,
      },
    },
    accreditor,
    { documentLoader: world.net.documentLoader },
  );
}

function emptyList(world: World, issuer: KeyPair, id: string, bits = new Uint8Array(131_072 / 8)) {
  world.clock.now += 1000;
  return issueStatusList(
    { issuer, id, statusPurpose: 'revocation', bits, validFrom: new Date(world.clock.now) },
    world.net.documentLoader,
  );
}

/** A credential without credentialStatus, signed by `issuer`. */
function plainCredential(world: World, issuer: KeyPair, type: string) {
  return signCredential(
    {
      '@context': [VC_V2_CONTEXT_URL, EXAMPLES_CONTEXT_V1_URL],
      id: `urn:uuid:${crypto.randomUUID()}`,
      type: ['VerifiableCredential', type],
      issuer: issuer.did,
      validFrom: new Date(T0 + 1000).toISOString(),
      credentialSubject: { id: 'did:example:holder', insuredNumber: '12345678' },
    },
    issuer,
    { documentLoader: world.net.documentLoader },
  );
}

function check(result: Awaited<ReturnType<typeof verify>>, name: string) {
  return result.checks.find((c) => c.check === name);
}

/**
 * The stage: a did:web victim issuer accredited by Taiwan's ministry (health insurance and driver's
 * licences, TW) with its own key, and a narrow accreditor accredited by Japan's agency for health
 * insurance in Tokyo only (JP-13, path length 0), which pins two keys of its own for the victim's
 * DID — one under the victim's very key id, one under a fresh id. Every admission here succeeds:
 * within its own scope an accreditor may accredit anyone.
 */
async function stage() {
  const world = await makeWorld();
  const { jpAgency, twMinistry } = world.net.keys;
  const victimKey = await webKey(VICTIM, 'key-1');
  await expectOutcome(
    world,
    await accredit(
      world,
      twMinistry,
      VICTIM,
      [victimKey],
      { types: ['HealthInsuranceCredential', 'DriversLicenceCredential'], jurisdiction: 'TW' },
      { withdrawal: { list: world.net.lists.twMinistry, index: 20 } },
    ),
    'accept',
  );
  await expectOutcome(world, await emptyList(world, victimKey, VICTIM_LIST), 'accept');

  const narrow = await generateKeyPair('Ed25519');
  await expectOutcome(
    world,
    await accredit(
      world,
      jpAgency,
      narrow.did,
      [narrow],
      { types: ['HealthInsuranceCredential'], jurisdiction: 'JP-13' },
      { role: 'accreditor', withdrawal: { list: world.net.lists.jpAgency, index: 21 } },
    ),
    'accept',
  );
  const sameId = await webKey(VICTIM, 'key-1'); // the attacker's key under the victim's key id
  const freshId = await webKey(VICTIM, 'attacker');
  await expectOutcome(
    world,
    await accredit(world, narrow, VICTIM, [sameId, freshId], {
      types: ['HealthInsuranceCredential'],
      jurisdiction: 'JP-13',
    }),
    'accept',
  );
  return { world, victimKey, narrow, sameId, freshId };
}

describe('adversarial: scoped keys (issue 9, class 1)', () => {
  it('a narrow accreditor’s key for another issuer’s DID forges nothing outside its own scope', async () => {
    const { world, victimKey, sameId, freshId } = await stage();
    const licence = { type: 'DriversLicenceCredential', list: VICTIM_LIST, index: 5 };

    // Honest control: the victim's own driver's licence verifies, in TW.
    const honest = await verify(world, await issueCredential(world, victimKey, licence));
    assert.equal(honest.verified, true, JSON.stringify(honest.checks));
    assert.equal(check(honest, 'issuer')?.details?.jurisdiction, 'TW');

    // Attack: a driver's licence in the victim's name signed with the key pinned under a fresh id.
    const forged = await verify(world, await issueCredential(world, freshId, licence));
    assert.equal(forged.verified, false);
    assert.equal(check(forged, 'proof')?.code, 'PROOF_KEY_NOT_PINNED');

    // Attack: the same, under the victim's own key id: only the victim's public key is tried.
    const collided = await verify(world, await issueCredential(world, sameId, licence));
    assert.equal(collided.verified, false);
    assert.equal(check(collided, 'proof')?.code, 'PROOF_INVALID');
  });

  it('within the accreditor’s own scope the forged key counts there only, never in the victim’s', async () => {
    const { world, victimKey, sameId } = await stage();
    const health = { type: 'HealthInsuranceCredential', list: VICTIM_LIST, index: 6 };
    // Honest control: the victim's health insurance credential chains to Taiwan.
    const honest = await verify(world, await issueCredential(world, victimKey, health));
    assert.equal(honest.verified, true, JSON.stringify(honest.checks));
    assert.equal(check(honest, 'issuer')?.details?.jurisdiction, 'TW');
    // The narrow accreditor's key is answered for Tokyo through the narrow accreditor's chain only
    // (a credential names no jurisdiction; the answer does): never TW, never Taiwan's chain.
    const scoped = await verify(world, await plainCredential(world, sameId, 'HealthInsuranceCredential'));
    const issuer = check(scoped, 'issuer');
    assert.equal(issuer?.outcome, 'pass', JSON.stringify(scoped.checks));
    assert.equal(issuer?.details?.jurisdiction, 'JP-13');
    assert.equal(issuer?.details?.authority, world.net.keys.jpAgency.did);
  });

  it('cannot pin a key for a did:key (an authority or an issuer): ACCREDITATION_DID_KEY_MISMATCH', async () => {
    const { world, narrow } = await stage();
    const { twMinistry, twHealthInsurer } = world.net.keys;
    for (const target of [twMinistry, twHealthInsurer]) {
      const theirs = await importKeyPair({
        ...exportKeyPair(await generateKeyPair('Ed25519')),
        did: target.did,
        verificationMethod: `${target.did}#key-2`,
      });
      await expectOutcome(
        world,
        await accredit(world, narrow, target.did, [theirs], {
          types: ['HealthInsuranceCredential'],
          jurisdiction: 'JP-13',
        }),
        'reject',
        'ACCREDITATION_DID_KEY_MISMATCH',
      );
    }
  });

  it('an authority signs only with its governance keys: a key pinned for it elsewhere forges no accreditation', async () => {
    const world = await makeWorld();
    const { jpAgency, twMinistry } = world.net.keys;
    // Governance version 2 adds a did:web authority for Kanto (JP-14), keyed in governance.
    const kanto = 'did:web:kanto.example';
    const kantoKey = await webKey(kanto, 'gov-1');
    let next = createGovernance({
      networkId: world.net.networkId,
      version: 2,
      authorities: [
        ...world.net.genesis.authorities,
        { id: kanto, name: 'Kanto Bureau', jurisdiction: 'JP-14', publicKeys: [pinnedKeyOf(kantoKey)] },
      ],
      threshold: 2,
      validFrom: new Date(T0),
      validUntil: new Date(T0 + YEAR),
    });
    next = await signGovernance(await signGovernance(await signGovernance(next, jpAgency), twMinistry), kantoKey);
    await expectOutcome(world, next, 'accept');

    // A narrow Tokyo accreditor accredits the Kanto authority's DID as a Tokyo issuer, with its own keys.
    const narrow = await generateKeyPair('Ed25519');
    await expectOutcome(
      world,
      await accredit(
        world,
        jpAgency,
        narrow.did,
        [narrow],
        { types: ['HealthInsuranceCredential'], jurisdiction: 'JP-13' },
        { role: 'accreditor' },
      ),
      'accept',
    );
    const sameId = await webKey(kanto, 'gov-1');
    const freshId = await webKey(kanto, 'attacker');
    await expectOutcome(
      world,
      await accredit(world, narrow, kanto, [sameId, freshId], {
        types: ['HealthInsuranceCredential'],
        jurisdiction: 'JP-13',
      }),
      'accept',
    );

    // Attack: accreditations "by Kanto" signed with those keys.
    const rogue = await generateKeyPair('Ed25519');
    const scope = { types: ['HealthInsuranceCredential'], jurisdiction: 'JP-14' };
    await expectOutcome(
      world,
      await accredit(world, freshId, rogue.did, [rogue], scope),
      'reject',
      'PROOF_KEY_NOT_PINNED',
    );
    await expectOutcome(world, await accredit(world, sameId, rogue.did, [rogue], scope), 'reject', 'PROOF_INVALID');
    // Honest control: Kanto's governance key accredits.
    await expectOutcome(world, await accredit(world, kantoKey, rogue.did, [rogue], scope), 'accept');
  });
});

describe('adversarial: status per scope (issue 9, class 1)', () => {
  it('the victim’s list re-published with every bit set never changes the victim’s answers', async () => {
    const { world, victimKey, sameId, freshId } = await stage();
    const credential = await issueCredential(world, victimKey, {
      type: 'DriversLicenceCredential',
      list: VICTIM_LIST,
      index: 7,
    });
    const honestSlot = world.registry.statusList(VICTIM_LIST, victimKey.publicKeyMultibase)?.digest;

    // Attack: every bit set, newer, under both attacker keys (they count for the DID in JP-13):
    // each lands in a slot of its own, never in the victim's.
    const allSet = new Uint8Array(131_072 / 8).fill(0xff);
    for (const key of [sameId, freshId]) {
      const outcome = await expectOutcome(world, await emptyList(world, key, VICTIM_LIST, allSet), 'accept');
      assert.equal(
        outcome.status === 'accept' && outcome.value.kind !== 'evidence' && outcome.value.key,
        statusListSlotKey(VICTIM_LIST, key.publicKeyMultibase),
      );
    }
    assert.equal(world.registry.statusList(VICTIM_LIST, victimKey.publicKeyMultibase)?.digest, honestSlot);
    const after = await verify(world, credential);
    assert.equal(after.verified, true, JSON.stringify(after.checks));
    assert.equal(check(after, 'status')?.outcome, 'pass');

    // Attack: a list signed by a key of the DID that counts nowhere is rejected outright.
    const rogue = await webKey(VICTIM, 'rogue');
    await expectOutcome(world, await emptyList(world, rogue, VICTIM_LIST, allSet), 'reject', 'PROOF_KEY_NOT_PINNED');

    // Honest control: the victim's own revocation still lands and is what the answer reads.
    await expectOutcome(world, await nextListVersion(world, victimKey, VICTIM_LIST, { 7: 1 }), 'accept');
    const revoked = await verify(world, credential);
    assert.equal(check(revoked, 'status')?.code, 'CREDENTIAL_REVOKED');
  });

  it('an authority’s withdrawal list forged under a key pinned for its DID withdraws nothing', async () => {
    const world = await makeWorld();
    const { jpAgency, twMinistry } = world.net.keys;
    const kanto = 'did:web:kanto.example';
    const kantoKey = await webKey(kanto, 'gov-1');
    const kantoList = 'https://status.example/lists/kanto/revocation';
    let next = createGovernance({
      networkId: world.net.networkId,
      version: 2,
      authorities: [
        ...world.net.genesis.authorities,
        { id: kanto, name: 'Kanto Bureau', jurisdiction: 'JP-14', publicKeys: [pinnedKeyOf(kantoKey)] },
      ],
      threshold: 2,
      validFrom: new Date(T0),
      validUntil: new Date(T0 + YEAR),
    });
    next = await signGovernance(await signGovernance(await signGovernance(next, jpAgency), twMinistry), kantoKey);
    await expectOutcome(world, next, 'accept');
    await expectOutcome(world, await emptyList(world, kantoKey, kantoList), 'accept');
    const issuer = await generateKeyPair('Ed25519');
    await expectOutcome(
      world,
      await accredit(
        world,
        kantoKey,
        issuer.did,
        [issuer],
        { types: ['HealthInsuranceCredential'], jurisdiction: 'JP-14' },
        { withdrawal: { list: kantoList, index: 3 } },
      ),
      'accept',
    );
    const clean = await plainCredential(world, issuer, 'HealthInsuranceCredential');

    // A Tokyo accreditor pins its own key for Kanto's DID, then publishes Kanto's list, all bits set.
    const narrow = await generateKeyPair('Ed25519');
    await expectOutcome(
      world,
      await accredit(
        world,
        jpAgency,
        narrow.did,
        [narrow],
        { types: ['HealthInsuranceCredential'], jurisdiction: 'JP-13' },
        { role: 'accreditor' },
      ),
      'accept',
    );
    const forger = await webKey(kanto, 'gov-1');
    await expectOutcome(
      world,
      await accredit(world, narrow, kanto, [forger], { types: ['HealthInsuranceCredential'], jurisdiction: 'JP-13' }),
      'accept',
    );
    await expectOutcome(
      world,
      await emptyList(world, forger, kantoList, new Uint8Array(131_072 / 8).fill(0xff)),
      'accept',
    );
    const after = await verify(world, clean);
    assert.equal(after.verified, true, JSON.stringify(after.checks));

    // Honest control: Kanto's own withdrawal (governance key) does withdraw.
    const bits = new Uint8Array(world.registry.statusList(kantoList, kantoKey.publicKeyMultibase)!.list.bits);
    writeStatus(bits, 3, 1, 1);
    await expectOutcome(world, await emptyList(world, kantoKey, kantoList, bits), 'accept');
    const withdrawn = await verify(world, clean);
    assert.equal(check(withdrawn, 'issuer')?.code, 'ACCREDITATION_WITHDRAWN');
  });
});

describe('adversarial: withdrawn keys (issue 9, class 2)', () => {
  it('a withdrawn accreditation’s key no longer counts after re-accreditation with a new key', async () => {
    const world = await makeWorld();
    const { jpAgency } = world.net.keys;
    const did = 'did:web:clinic.example';
    const list = 'https://status.example/lists/clinic/revocation';
    const [oldKey, newKey] = [await webKey(did, 'key-1'), await webKey(did, 'key-2')];
    const scope = { types: ['HealthInsuranceCredential'], jurisdiction: 'JP' };
    await expectOutcome(
      world,
      await accredit(world, jpAgency, did, [oldKey], scope, {
        withdrawal: { list: world.net.lists.jpAgency, index: 30 },
      }),
      'accept',
    );
    await expectOutcome(world, await emptyList(world, oldKey, list), 'accept');
    const before = await issueCredential(world, oldKey, { list, index: 1 });
    assert.equal((await verify(world, before)).verified, true);

    // The key is stolen: the agency withdraws the accreditation and re-accredits with a new key.
    await expectOutcome(world, await nextListVersion(world, jpAgency, world.net.lists.jpAgency, { 30: 1 }), 'accept');
    await expectOutcome(
      world,
      await accredit(world, jpAgency, did, [newKey], scope, {
        withdrawal: { list: world.net.lists.jpAgency, index: 31 },
      }),
      'accept',
    );

    // Attack: the thief signs with the old key, before and after the re-accreditation.
    for (const credential of [before, await issueCredential(world, oldKey, { list, index: 2 })]) {
      const result = await verify(world, credential);
      assert.equal(result.verified, false);
      assert.equal(check(result, 'issuer')?.code, 'ACCREDITATION_WITHDRAWN');
    }
    // Attack: the thief publishes the issuer's list with the old key.
    await expectOutcome(world, await emptyList(world, oldKey, list), 'reject', 'PROOF_KEY_NOT_PINNED');

    // Honest control: the new key issues, and publishes the list (in its own slot).
    await expectOutcome(world, await emptyList(world, newKey, list), 'accept');
    const fresh = await verify(world, await issueCredential(world, newKey, { list, index: 3 }));
    assert.equal(fresh.verified, true, JSON.stringify(fresh.checks));
  });
});

describe('adversarial: proof of possession (issue 9)', () => {
  it('rejects a missing, a replayed and a foreign proof of possession; accepts the subject’s own', async () => {
    const world = await makeWorld();
    const { jpAgency } = world.net.keys;
    const subject = await generateKeyPair('Ed25519');
    const bare = pinnedKeyOf(subject);

    // Missing.
    await expectOutcome(
      world,
      await rawAccreditation(world, jpAgency, subject.did, [{ ...bare }]),
      'reject',
      'ACCREDITATION_KEY_POSSESSION_INVALID',
    );
    // Replayed from another accreditation id (the binding names the accreditation).
    const replayed = await proveKeyPossession(subject, 'urn:uuid:00000000-0000-4000-8000-000000000000');
    await expectOutcome(
      world,
      await rawAccreditation(world, jpAgency, subject.did, [{ ...replayed }]),
      'reject',
      'ACCREDITATION_KEY_POSSESSION_INVALID',
    );
    // Signed by somebody else's key (the accreditor "proving" possession on the subject's behalf).
    const id = `urn:uuid:${crypto.randomUUID()}`;
    const foreign = await signBytes(keyPossessionBytes(subject.did, bare.id, id), jpAgency);
    await expectOutcome(
      world,
      await rawAccreditation(world, jpAgency, subject.did, [{ ...bare, proofOfPossession: foreign }], id),
      'reject',
      'ACCREDITATION_KEY_POSSESSION_INVALID',
    );
    // Honest control: the subject's own proof for this accreditation id.
    const own = await proveKeyPossession(subject, id);
    await expectOutcome(world, await rawAccreditation(world, jpAgency, subject.did, [{ ...own }], id), 'accept');
  });

  it('a did:web subject’s key is pinned only with the proof its holder made', async () => {
    const world = await makeWorld();
    const holder = await webKey('did:web:pharmacy.example', 'key-1', 'P-256');
    const id = `urn:uuid:${crypto.randomUUID()}`;
    // The subject proves on its own machine; the accreditor pins what it was handed.
    const possessed = await proveKeyPossession(holder, id);
    const accreditation = await issueAccreditation(
      {
        accreditor: world.net.keys.jpAgency,
        subject: holder.did,
        role: 'issuer',
        accreditedFor: [{ types: ['HealthInsuranceCredential'], jurisdiction: 'JP' }],
        subjectKeys: [possessed],
        validFrom: new Date(T0),
        validUntil: new Date(T0 + YEAR),
        id,
      },
      world.net.documentLoader,
    );
    await expectOutcome(world, accreditation, 'accept');
    // Authoring refuses a proof made for another accreditation id before anything is signed.
    await assert.rejects(
      issueAccreditation(
        {
          accreditor: world.net.keys.jpAgency,
          subject: holder.did,
          role: 'issuer',
          accreditedFor: [{ types: ['HealthInsuranceCredential'], jurisdiction: 'JP' }],
          subjectKeys: [possessed],
          validFrom: new Date(T0),
          validUntil: new Date(T0 + YEAR),
        },
        world.net.documentLoader,
      ),
      { code: 'ACCREDITATION_KEY_POSSESSION_INVALID' },
    );
  });
});
