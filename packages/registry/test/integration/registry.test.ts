import * as assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  createGovernance,
  type GovernanceRecord,
  generateKeyPair,
  issueAccreditation,
  issueStatusList,
  LevelRecordStore,
  nextStatusListVersion,
  pinnedKeyOf,
  Registry,
  signGovernance,
} from '../../src/index.ts';
import { expectOutcome, issueCredential, makeWorld, nextListVersion, snapshot, T0, verify } from '../fixtures.ts';

const YEAR = 365 * 24 * 3600 * 1000;

describe('registry: verification against the replica', () => {
  it('verifies a credential of an accredited issuer, with an as-of stamp', async () => {
    const world = await makeWorld();
    const credential = await issueCredential(world, world.net.keys.jpHealthInsurer);
    const result = await verify(world, credential);
    assert.equal(result.verified, true, JSON.stringify(result.checks));
    assert.deepEqual(
      result.checks.map((c) => [c.check, c.outcome]),
      [
        ['proof', 'pass'],
        ['issuer', 'pass'],
        ['status', 'pass'],
        ['validity', 'pass'],
      ],
    );
    assert.equal(result.asOf.governanceVersion, 1);
    assert.deepEqual(
      result.asOf.statusLists.map((l) => l.id),
      [world.net.lists.jpHealthInsurer],
    );
    assert.equal(result.checks[1]?.details?.authority, world.net.keys.jpAgency.did);
  });

  it('answers revoked after a new list version sets the bit', async () => {
    const world = await makeWorld();
    const credential = await issueCredential(world, world.net.keys.jpHealthInsurer, { index: 42 });
    await expectOutcome(
      world,
      await nextListVersion(world, world.net.keys.jpHealthInsurer, world.net.lists.jpHealthInsurer, { 42: 1 }),
      'accept',
    );
    const result = await verify(world, credential);
    assert.equal(result.verified, false);
    assert.equal(result.checks.find((c) => c.check === 'status')?.code, 'CREDENTIAL_REVOKED');
  });

  it('answers suspended, then valid again after reinstatement, on a suspension list', async () => {
    const world = await makeWorld();
    const { jpHealthInsurer } = world.net.keys;
    const list = 'https://status.example/lists/jp-health/suspension';
    await expectOutcome(
      world,
      await nextListVersion(world, jpHealthInsurer, list, { 5: 1 }, { purpose: 'suspension' }),
      'accept',
    );
    const credential = await issueCredential(world, jpHealthInsurer, { list, index: 5, purpose: 'suspension' });
    assert.equal(
      (await verify(world, credential)).checks.find((c) => c.check === 'status')?.code,
      'CREDENTIAL_SUSPENDED',
    );
    await expectOutcome(
      world,
      await nextListVersion(world, jpHealthInsurer, list, { 5: 0 }, { purpose: 'suspension' }),
      'accept',
    );
    assert.equal((await verify(world, credential)).verified, true);
  });

  it('fails closed with STATUS_RETRIEVAL_ERROR for a list it does not hold', async () => {
    const world = await makeWorld();
    const credential = await issueCredential(world, world.net.keys.jpHealthInsurer, {
      list: 'https://status.example/unknown',
    });
    const result = await verify(world, credential);
    assert.equal(result.verified, false);
    const status = result.checks.find((c) => c.check === 'status');
    assert.equal(status?.outcome, 'undetermined');
    assert.equal(status?.code, 'STATUS_RETRIEVAL_ERROR');
  });

  it('reports RANGE_ERROR for an index beyond the list', async () => {
    const world = await makeWorld();
    const credential = await issueCredential(world, world.net.keys.jpHealthInsurer, { index: 131_072 });
    assert.equal((await verify(world, credential)).checks.find((c) => c.check === 'status')?.code, 'RANGE_ERROR');
  });

  it('refuses a status list of another issuer with STATUS_VERIFICATION_ERROR', async () => {
    const world = await makeWorld();
    const credential = await issueCredential(world, world.net.keys.jpHealthInsurer, {
      list: world.net.lists.twHealthInsurer,
    });
    assert.equal(
      (await verify(world, credential)).checks.find((c) => c.check === 'status')?.code,
      'STATUS_VERIFICATION_ERROR',
    );
  });

  it('refuses a credential type the issuer is not accredited for', async () => {
    const world = await makeWorld();
    const credential = await issueCredential(world, world.net.keys.jpHealthInsurer, {
      type: 'DriversLicenceCredential',
    });
    const issuer = (await verify(world, credential)).checks.find((c) => c.check === 'issuer');
    assert.equal(issuer?.outcome, 'fail');
    assert.equal(issuer?.code, 'ISSUER_NOT_ACCREDITED');
  });

  it('refuses a tampered credential and an expired one', async () => {
    const world = await makeWorld();
    const credential = await issueCredential(world, world.net.keys.jpHealthInsurer);
    const tampered = structuredClone(credential) as { credentialSubject: { insuredNumber: string } };
    tampered.credentialSubject.insuredNumber = '99999999';
    assert.equal((await verify(world, tampered)).checks.find((c) => c.check === 'proof')?.code, 'PROOF_INVALID');
    const expiring = await issueCredential(world, world.net.keys.jpHealthInsurer, { validUntil: T0 + 30_000 });
    assert.equal(
      (await verify(world, expiring)).checks.find((c) => c.check === 'validity')?.code,
      'CREDENTIAL_EXPIRED',
    );
  });

  it('reports malformed input as a failed check, never a throw', async () => {
    const world = await makeWorld();
    for (const bad of [null, 42, 'text', [], { issuer: 7 }]) {
      const result = await verify(world, bad);
      assert.equal(result.verified, false);
      assert.equal(result.checks[0]?.code, 'MALFORMED_VALUE_ERROR');
    }
  });

  it('fails the chain once the authority withdraws the accreditation', async () => {
    const world = await makeWorld();
    const { jpAgency, jpHealthInsurer } = world.net.keys;
    const credential = await issueCredential(world, jpHealthInsurer);
    // The sample accreditation of the JP insurer points at index 7 of the agency's list.
    await expectOutcome(world, await nextListVersion(world, jpAgency, world.net.lists.jpAgency, { 7: 1 }), 'accept');
    const issuer = (await verify(world, credential)).checks.find((c) => c.check === 'issuer');
    assert.equal(issuer?.code, 'ACCREDITATION_WITHDRAWN');
    // …and the issuer can no longer publish list versions.
    await expectOutcome(
      world,
      await nextListVersion(world, jpHealthInsurer, world.net.lists.jpHealthInsurer, { 1: 1 }),
      'reject',
      'STATUS_LIST_ISSUER_NOT_ACCREDITED',
    );
  });
});

describe('registry: status list admission', () => {
  it('ignores duplicates and stale versions, keeping the newest', async () => {
    const world = await makeWorld();
    const { jpHealthInsurer } = world.net.keys;
    const v2 = await nextListVersion(world, jpHealthInsurer, world.net.lists.jpHealthInsurer, { 3: 1 });
    await expectOutcome(world, v2, 'accept');
    await expectOutcome(world, v2, 'ignore', 'DUPLICATE');
    const old = await nextListVersion(
      world,
      jpHealthInsurer,
      world.net.lists.jpHealthInsurer,
      { 4: 1 },
      { validFrom: T0 - 1000 },
    );
    await expectOutcome(world, old, 'ignore', 'STATUS_LIST_STALE');
    assert.equal(
      world.registry.statusList(world.net.lists.jpHealthInsurer)?.list.validFrom,
      Date.parse(v2.validFrom as string),
    );
  });

  it('builds the next list version with nextStatusListVersion, newer even when the clock lags', async () => {
    const world = await makeWorld();
    const { jpHealthInsurer, twHealthInsurer } = world.net.keys;
    const held = world.registry.statusList(world.net.lists.jpHealthInsurer)!.list;
    const opts = { now: held.validFrom - 10_000, documentLoader: world.net.documentLoader };
    await assert.rejects(nextStatusListVersion(held, [{ index: 1, value: 1 }], twHealthInsurer, opts), {
      code: 'STATUS_LIST_NOT_YOURS',
    });
    await assert.rejects(nextStatusListVersion(held, [{ index: 131_072, value: 1 }], jpHealthInsurer, opts), {
      code: 'RANGE_ERROR',
    });
    assert.deepEqual(await nextStatusListVersion(held, [{ index: 1, value: 0 }], jpHealthInsurer, opts), {
      changed: false,
    });
    const next = await nextStatusListVersion(held, [{ index: 1, value: 1 }], jpHealthInsurer, opts);
    assert.ok(next.changed);
    assert.equal(Date.parse(next.validFrom), held.validFrom + 1);
    await expectOutcome(world, next.credential, 'accept');
    assert.equal(world.registry.statusList(world.net.lists.jpHealthInsurer)!.list.bits[0], 0b0100_0000);
  });

  it('tolerates a relay clock lagging within the skew allowance, and ignores (never rejects) beyond it', async () => {
    const world = await makeWorld();
    const { jpHealthInsurer } = world.net.keys;
    // This relay's clock lags 2 minutes behind the accreditation's validFrom (T0): within 5 minutes.
    world.clock.now = T0 - 2 * 60_000;
    await expectOutcome(
      world,
      await nextListVersion(world, jpHealthInsurer, 'https://status.example/lists/jp-health/new', {}),
      'accept',
    );
    // An hour behind: the issuer is not accredited yet from this node's point of view, which only
    // time resolves: ignored, and not buffered for a record that will never come.
    world.clock.now = T0 - 3600_000;
    const early = await expectOutcome(
      world,
      await nextListVersion(world, jpHealthInsurer, 'https://status.example/lists/jp-health/other', {}),
      'ignore',
      'STATUS_LIST_ISSUER_NOT_YET_ACCREDITED',
    );
    assert.equal(early.status === 'ignore' && early.error.retryable, false);
  });

  it('rejects a newer version that clears a revocation bit, leaving state unchanged', async () => {
    const world = await makeWorld();
    const { jpHealthInsurer } = world.net.keys;
    await expectOutcome(
      world,
      await nextListVersion(world, jpHealthInsurer, world.net.lists.jpHealthInsurer, { 9: 1 }),
      'accept',
    );
    const before = await snapshot(world.store);
    const rollback = await nextListVersion(world, jpHealthInsurer, world.net.lists.jpHealthInsurer, { 9: 0 });
    const outcome = await expectOutcome(world, rollback, 'reject', 'STATUS_LIST_ROLLBACK');
    assert.match(outcome.status === 'reject' ? outcome.error.message : '', /encodedList.*bit 9/);
    assert.deepEqual(await snapshot(world.store), before);
  });

  it('rejects a list forged in an issuer’s name, and ignores one from an unknown issuer', async () => {
    const world = await makeWorld();
    const mallory = await generateKeyPair('Ed25519');
    const forged = await nextListVersion(world, mallory, world.net.lists.jpHealthInsurer, { 42: 1 });
    const before = await snapshot(world.store);
    await expectOutcome(world, { ...forged, issuer: world.net.keys.jpHealthInsurer.did }, 'reject');
    await expectOutcome(
      world,
      await nextListVersion(world, mallory, 'https://mallory.example/list', { 1: 1 }),
      'ignore',
      'STATUS_LIST_ISSUER_UNKNOWN',
    );
    assert.deepEqual(await snapshot(world.store), before);
  });

  it('keeps equivocation (same version, different content) as evidence and serves it', async () => {
    const world = await makeWorld();
    const { jpHealthInsurer } = world.net.keys;
    const validFrom = world.clock.now + 5000;
    const a = await nextListVersion(world, jpHealthInsurer, world.net.lists.jpHealthInsurer, { 1: 1 }, { validFrom });
    await expectOutcome(world, a, 'accept');
    const b = await issueStatusList(
      {
        issuer: jpHealthInsurer,
        id: world.net.lists.jpHealthInsurer,
        statusPurpose: 'revocation',
        bits: (() => {
          const bits = new Uint8Array(world.registry.statusList(world.net.lists.jpHealthInsurer)!.list.bits);
          bits[100] = 0xff;
          return bits;
        })(),
        validFrom: new Date(validFrom),
      },
      world.net.documentLoader,
    );
    const outcome = await expectOutcome(world, b, 'accept');
    assert.equal(outcome.status === 'accept' && outcome.value.kind, 'evidence');
    const evidence = await world.registry.evidence();
    assert.equal(evidence.length, 1);
    assert.equal(evidence[0]?.signer, jpHealthInsurer.did);
    // The held version is unchanged: evidence is kept beside it, not instead of it.
    assert.equal(world.registry.statusList(world.net.lists.jpHealthInsurer)?.list.bits[100], 0);
    // The gossiped evidence record validates on its own at another node.
    const other = await makeWorldSharing(world);
    if (outcome.status === 'accept') await expectOutcome(other, outcome.value.bytes, 'accept');
    assert.equal((await other.registry.evidence()).length, 1);
  });

  it('rejects evidence that accuses a signer falsely', async () => {
    const world = await makeWorld();
    const { jpHealthInsurer, twHealthInsurer } = world.net.keys;
    const a = await nextListVersion(world, jpHealthInsurer, world.net.lists.jpHealthInsurer, { 1: 1 });
    const b = await nextListVersion(world, twHealthInsurer, world.net.lists.twHealthInsurer, { 1: 1 });
    const before = await snapshot(world.store);
    await expectOutcome(
      world,
      { type: 'TrustmeshEquivocationEvidence', kind: 'status-list', records: [a, b] },
      'reject',
      'EVIDENCE_INVALID',
    );
    await expectOutcome(
      world,
      { type: 'TrustmeshEquivocationEvidence', kind: 'status-list', records: [a, a] },
      'reject',
      'EVIDENCE_INVALID',
    );
    const tampered = { ...a, validFrom: b.validFrom };
    await expectOutcome(
      world,
      { type: 'TrustmeshEquivocationEvidence', kind: 'status-list', records: [a, tampered] },
      'reject',
    );
    assert.deepEqual(await snapshot(world.store), before);
  });

  it('rejects bad input with a precise code and leaves the store as it was', async () => {
    const world = await makeWorld();
    const before = await snapshot(world.store);
    const enc = new TextEncoder();
    await expectOutcome(world, enc.encode('{not json'), 'reject', 'RECORD_NOT_JSON');
    await expectOutcome(world, enc.encode(`${'['.repeat(100)}${']'.repeat(100)}`), 'reject', 'RECORD_TOO_DEEP');
    await expectOutcome(
      world,
      enc.encode(JSON.stringify({ pad: 'x'.repeat(300 * 1024) })),
      'reject',
      'RECORD_TOO_LARGE',
    );
    await expectOutcome(world, { type: 'SomethingElse' }, 'reject', 'RECORD_KIND_UNKNOWN');
    await expectOutcome(world, enc.encode('[1,2]'), 'reject', 'RECORD_NOT_OBJECT');
    const list = await nextListVersion(world, world.net.keys.jpHealthInsurer, world.net.lists.jpHealthInsurer, {
      1: 1,
    });
    const badMultibase = structuredClone(list) as { credentialSubject: { encodedList: string } };
    badMultibase.credentialSubject.encodedList = `z${badMultibase.credentialSubject.encodedList.slice(1)}`;
    const outcome = await expectOutcome(world, badMultibase, 'reject', 'STATUS_LIST_BAD_MULTIBASE');
    assert.match(outcome.status === 'reject' ? outcome.error.message : '', /credentialSubject\.encodedList/);
    const unknownContext = {
      ...list,
      '@context': ['https://www.w3.org/ns/credentials/v2', 'https://evil.example/ctx'],
    };
    await expectOutcome(world, unknownContext, 'reject', 'CONTEXT_NOT_ALLOWED');
    const unknownSuite = structuredClone(list) as { proof: { cryptosuite: string } };
    unknownSuite.proof.cryptosuite = 'bbs-2023';
    await expectOutcome(world, unknownSuite, 'reject', 'PROOF_SUITE_UNSUPPORTED');
    assert.deepEqual(await snapshot(world.store), before);
  });
});

describe('registry: accreditation chains', () => {
  it('accepts an accreditor chain within scope and path length, and rejects what widens it', async () => {
    const world = await makeWorld();
    const { jpAgency } = world.net.keys;
    const [tokyo, clinicIssuer, subAccreditor] = await Promise.all([
      generateKeyPair('Ed25519'),
      generateKeyPair('Ed25519'),
      generateKeyPair('Ed25519'),
    ]);
    const dl = world.net.documentLoader;
    const period = { validFrom: new Date(T0), validUntil: new Date(T0 + YEAR) };
    const accredit = (
      accreditor: typeof jpAgency,
      subject: typeof tokyo,
      role: 'issuer' | 'accreditor',
      types: string[],
      jurisdiction: string,
      maxPathLength = 0,
    ) =>
      issueAccreditation(
        {
          accreditor,
          subject: subject.did,
          role,
          accreditedFor: [{ types, jurisdiction }],
          maxPathLength,
          subjectKeys: [subject],
          ...period,
        },
        dl,
      );

    // The agency makes Tokyo an accreditor for health insurance in JP-13, with no further levels.
    await expectOutcome(
      world,
      await accredit(jpAgency, tokyo, 'accreditor', ['HealthInsuranceCredential'], 'JP-13'),
      'accept',
    );
    // Tokyo accredits an issuer inside its scope.
    await expectOutcome(
      world,
      await accredit(tokyo, clinicIssuer, 'issuer', ['HealthInsuranceCredential'], 'JP-13'),
      'accept',
    );
    // Wider types or jurisdiction than Tokyo holds: rejected.
    await expectOutcome(
      world,
      await accredit(tokyo, clinicIssuer, 'issuer', ['NationalIdCredential'], 'JP-13'),
      'reject',
      'ACCREDITATION_SCOPE_WIDENED',
    );
    await expectOutcome(
      world,
      await accredit(tokyo, clinicIssuer, 'issuer', ['HealthInsuranceCredential'], 'JP'),
      'reject',
      'ACCREDITATION_SCOPE_WIDENED',
    );
    // Tokyo has maxPathLength 0: it may not create another accreditor.
    await expectOutcome(
      world,
      await accredit(tokyo, subAccreditor, 'accreditor', ['HealthInsuranceCredential'], 'JP-13'),
      'reject',
      'ACCREDITATION_PATH_TOO_LONG',
    );
    // An authority accredits only within its own jurisdiction.
    await expectOutcome(
      world,
      await accredit(world.net.keys.twMinistry, clinicIssuer, 'issuer', ['HealthInsuranceCredential'], 'JP'),
      'reject',
      'ACCREDITATION_SCOPE_WIDENED',
    );

    // The clinic issuer's credentials verify through the two-link chain.
    await expectOutcome(
      world,
      await issueStatusList(
        {
          issuer: clinicIssuer,
          id: 'https://status.example/clinic',
          statusPurpose: 'revocation',
          bits: new Uint8Array(16384),
          validFrom: new Date(world.clock.now),
        },
        dl,
      ),
      'accept',
    );
    const credential = await issueCredential(world, clinicIssuer, { list: 'https://status.example/clinic', index: 1 });
    const result = await verify(world, credential);
    assert.equal(result.verified, true, JSON.stringify(result.checks));
    assert.equal((result.checks.find((c) => c.check === 'issuer')?.details?.chain as string[] | undefined)?.length, 2);
  });

  it('follows a three-link chain within path lengths, and breaks it when a middle link is withdrawn', async () => {
    const world = await makeWorld();
    const { jpAgency } = world.net.keys;
    const [kanto, tokyo, clinic, extra] = await Promise.all([1, 2, 3, 4].map(() => generateKeyPair('Ed25519')));
    const dl = world.net.documentLoader;
    const period = { validFrom: new Date(T0), validUntil: new Date(T0 + YEAR) };
    const scope = [{ types: ['HealthInsuranceCredential'], jurisdiction: 'JP-13' }];
    const kantoList = 'https://status.example/kanto';
    // Agency → Kanto (accreditor, 1 level below) → Tokyo (accreditor, 0 below) → clinic (issuer).
    await expectOutcome(
      world,
      await issueAccreditation(
        {
          accreditor: jpAgency,
          subject: kanto!.did,
          role: 'accreditor',
          accreditedFor: [{ types: ['HealthInsuranceCredential'], jurisdiction: 'JP' }],
          maxPathLength: 1,
          subjectKeys: [kanto!],
          ...period,
        },
        dl,
      ),
      'accept',
    );
    // Kanto may not grant Tokyo as much room as it has itself.
    await expectOutcome(
      world,
      await issueAccreditation(
        {
          accreditor: kanto!,
          subject: tokyo!.did,
          role: 'accreditor',
          accreditedFor: scope,
          maxPathLength: 1,
          subjectKeys: [tokyo!],
          ...period,
        },
        dl,
      ),
      'reject',
      'ACCREDITATION_PATH_TOO_LONG',
    );
    await expectOutcome(
      world,
      await issueAccreditation(
        {
          accreditor: kanto!,
          subject: tokyo!.did,
          role: 'accreditor',
          accreditedFor: scope,
          maxPathLength: 0,
          subjectKeys: [tokyo!],
          withdrawal: { statusListCredential: kantoList, statusListIndex: 3 },
          ...period,
        },
        dl,
      ),
      'accept',
    );
    // Tokyo's link can be checked only once Kanto's withdrawal list is held (fail closed).
    await expectOutcome(world, await nextListVersion(world, kanto!, kantoList, {}), 'accept');
    await expectOutcome(
      world,
      await issueAccreditation(
        {
          accreditor: tokyo!,
          subject: clinic!.did,
          role: 'issuer',
          accreditedFor: scope,
          subjectKeys: [clinic!],
          ...period,
        },
        dl,
      ),
      'accept',
    );
    await expectOutcome(
      world,
      await issueAccreditation(
        {
          accreditor: tokyo!,
          subject: extra!.did,
          role: 'accreditor',
          accreditedFor: scope,
          subjectKeys: [extra!],
          ...period,
        },
        dl,
      ),
      'reject',
      'ACCREDITATION_PATH_TOO_LONG',
    );
    await expectOutcome(world, await nextListVersion(world, clinic!, 'https://status.example/clinic', {}), 'accept');
    const credential = await issueCredential(world, clinic!, { list: 'https://status.example/clinic', index: 1 });
    const ok = await verify(world, credential);
    assert.equal(ok.verified, true, JSON.stringify(ok.checks));
    assert.equal((ok.checks.find((c) => c.check === 'issuer')?.details?.chain as string[] | undefined)?.length, 3);
    // Kanto withdraws Tokyo: the clinic's credentials no longer chain to governance.
    await expectOutcome(world, await nextListVersion(world, kanto!, kantoList, { 3: 1 }), 'accept');
    const broken = (await verify(world, credential)).checks.find((c) => c.check === 'issuer');
    assert.equal(broken?.outcome, 'fail');
    assert.equal(broken?.code, 'ACCREDITATION_WITHDRAWN');
  });

  it('ignores an accreditation whose accreditor is not known yet, and accepts it once the link arrives', async () => {
    const world = await makeWorld();
    const [region, issuer] = await Promise.all([generateKeyPair('Ed25519'), generateKeyPair('Ed25519')]);
    const period = { validFrom: new Date(T0), validUntil: new Date(T0 + YEAR) };
    const dl = world.net.documentLoader;
    const child = await issueAccreditation(
      {
        accreditor: region,
        subject: issuer.did,
        role: 'issuer',
        accreditedFor: [{ types: ['NationalIdCredential'], jurisdiction: 'JP' }],
        subjectKeys: [issuer],
        ...period,
      },
      dl,
    );
    await expectOutcome(world, child, 'ignore', 'ACCREDITOR_ISSUER_NOT_ACCREDITED');
    await expectOutcome(
      world,
      await issueAccreditation(
        {
          accreditor: world.net.keys.jpAgency,
          subject: region.did,
          role: 'accreditor',
          accreditedFor: [{ types: ['NationalIdCredential'], jurisdiction: 'JP' }],
          subjectKeys: [region],
          ...period,
        },
        dl,
      ),
      'accept',
    );
    await expectOutcome(world, child, 'accept');
  });
});

describe('registry: governance', () => {
  async function nextGovernance(
    world: Awaited<ReturnType<typeof makeWorld>>,
    signers: 'both' | 'one',
    version = 2,
  ): Promise<GovernanceRecord> {
    const { jpAgency, twMinistry } = world.net.keys;
    let record = createGovernance({
      networkId: world.net.networkId,
      version,
      authorities: world.net.genesis.authorities,
      threshold: 2,
      validFrom: new Date(T0),
      validUntil: new Date(T0 + 2 * YEAR),
    });
    record = await signGovernance(record, jpAgency);
    if (signers === 'both') record = await signGovernance(record, twMinistry);
    return record;
  }

  it('accepts version 2 signed by the threshold, ignores a gap, rejects too few signatures', async () => {
    const world = await makeWorld();
    await expectOutcome(world, await nextGovernance(world, 'one'), 'reject', 'GOVERNANCE_THRESHOLD_NOT_MET');
    await expectOutcome(world, await nextGovernance(world, 'both', 3), 'ignore', 'GOVERNANCE_VERSION_GAP');
    await expectOutcome(world, await nextGovernance(world, 'both'), 'accept');
    assert.equal(world.registry.governance()?.record.version, 2);
  });

  it('rejects another network’s governance, a forged signature and a genesis not pinned', async () => {
    const world = await makeWorld();
    const other = await nextGovernance(world, 'both');
    await expectOutcome(world, { ...other, networkId: 'another-net' }, 'reject', 'GOVERNANCE_WRONG_NETWORK');
    const forged = structuredClone(other);
    forged.signatures[0]!.signature = other.signatures[1]!.signature;
    await expectOutcome(world, forged, 'reject', 'GOVERNANCE_SIGNATURE_INVALID');
    const rogue = await generateKeyPair('Ed25519');
    const fakeGenesis = await signGovernance(
      createGovernance({
        networkId: world.net.networkId,
        version: 1,
        authorities: [{ id: rogue.did, name: 'Rogue', jurisdiction: 'JP', publicKeys: [pinnedKeyOf(rogue)] }],
        threshold: 1,
        validFrom: new Date(T0),
        validUntil: new Date(T0 + YEAR),
      }),
      rogue,
    );
    await expectOutcome(world, fakeGenesis, 'reject', 'GOVERNANCE_GENESIS_MISMATCH');
  });

  it('warns loudly once the newest governance has expired', async () => {
    const world = await makeWorld();
    assert.deepEqual(world.registry.warnings(), []);
    world.clock.now = T0 + 2 * YEAR;
    assert.match(world.registry.warnings()[0] ?? '', /^GOVERNANCE_EXPIRED: .*expired.*freeze attack/);
  });
});

describe('registry: persistence', () => {
  it('restarts from its LevelDB directory with the same state and answers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trustmesh-registry-'));
    try {
      const world = await makeWorld(new LevelRecordStore({ location: dir }));
      const credential = await issueCredential(world, world.net.keys.jpHealthInsurer, { index: 77 });
      await expectOutcome(
        world,
        await nextListVersion(world, world.net.keys.jpHealthInsurer, world.net.lists.jpHealthInsurer, { 77: 1 }),
        'accept',
      );
      const before = await snapshot(world.store);
      const answer = await verify(world, credential);
      await world.registry.close();

      const store = new LevelRecordStore({ location: dir });
      const reopened = await Registry.open(
        { networkId: world.net.networkId, genesisDigest: world.net.genesisDigest },
        { store, now: () => world.clock.now },
      );
      const again = { ...world, registry: reopened, store };
      assert.deepEqual(await snapshot(store), before);
      const after = await verify(again, credential);
      assert.deepEqual(after.checks, answer.checks);
      assert.equal(after.checks.find((c) => c.check === 'status')?.code, 'CREDENTIAL_REVOKED');
      await reopened.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** A second registry holding the same network's records (another node's replica). */
async function makeWorldSharing(world: Awaited<ReturnType<typeof makeWorld>>) {
  const { MemoryRecordStore } = await import('../../src/index.ts');
  const store = new MemoryRecordStore();
  const registry = await Registry.open(
    { networkId: world.net.networkId, genesisDigest: world.net.genesisDigest },
    { store, now: () => world.clock.now },
  );
  for (const record of world.net.records) await registry.submit(record);
  return { ...world, registry, store };
}
