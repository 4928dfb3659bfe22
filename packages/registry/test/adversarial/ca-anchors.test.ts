/**
 * The CA trust anchors a registry grants (issue 14; TrustView.certificateAuthorities): validity
 * windows, withdrawal through the accreditor's list, the accreditor chain, scopes never merged
 * wider than granted, the path-length cap — and role separation: a `ca` grant never counts as an
 * issuer's or an accreditor's, and a key counts only for the scope that pinned it (DESIGN.md,
 * Principles §2), built as an attacker would with one key held both as a CA and as a did:key.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  caSubjectId,
  caTrustAnchors,
  certificateSpkiSha256,
  EXAMPLES_CONTEXT_V1_URL,
  findChain,
  generateKeyPair,
  issueAccreditation,
  type KeyPair,
  signCredential,
  TRUST_CHAIN_CODES,
  VC_V2_CONTEXT_URL,
} from '../../src/index.ts';
import { expectOutcome, makeWorld, nextListVersion, T0, verify, type World } from '../fixtures.ts';
import { accreditCa, caWithDidKey, fixture, JPKI_POLICY, MDL, spkiOf, YEAR } from './ca-fixtures.ts';

async function accreditor(world: World, scope: Record<string, unknown>, validUntil = T0 + YEAR): Promise<KeyPair> {
  const keyPair = await generateKeyPair('Ed25519');
  const record = await issueAccreditation(
    {
      accreditor: world.net.keys.jpAgency,
      subject: keyPair.did,
      role: 'accreditor',
      accreditedFor: [scope as { types: string[]; jurisdiction: string }],
      subjectKeys: [keyPair],
      validFrom: new Date(T0),
      validUntil: new Date(validUntil),
    },
    world.net.documentLoader,
  );
  await expectOutcome(world, record, 'accept');
  return keyPair;
}

describe('CA trust anchors', () => {
  it('lists an accredited CA with its certificate, scope, caps and hold rule, and finds it by SPKI hash', async () => {
    const world = await makeWorld();
    const record = await accreditCa(
      world,
      world.net.keys.jpAgency,
      fixture('iaca'),
      [
        { docTypes: [MDL], jurisdiction: 'JP' },
        { docTypes: [MDL], jurisdiction: 'JP-13' },
        { certificatePolicies: [JPKI_POLICY], jurisdiction: 'JP' },
      ],
      { holdFinal: true, maxPathLength: 2 },
    );
    await expectOutcome(world, record, 'accept');
    const anchors = world.registry.certificateAuthorities(world.clock.now);
    assert.equal(anchors.length, 2, 'a docType group and a policy group, never merged into one wider anchor');
    const mdl = anchors.find((a) => a.docTypes.length > 0);
    assert.ok(mdl);
    assert.deepEqual(mdl.docTypes, [MDL]);
    assert.deepEqual(mdl.policies, []);
    assert.deepEqual(mdl.jurisdictions, ['JP', 'JP-13']);
    assert.equal(mdl.spkiSha256, spkiOf('iaca'));
    assert.deepEqual(mdl.certificate, fixture('iaca'));
    assert.equal(mdl.accreditationId, record.id);
    assert.equal(mdl.holdFinal, true);
    // The IACA's own pathLenConstraint is 0: the stricter cap wins over the grant's 2.
    assert.equal(mdl.maxPathLength, 0);
    assert.equal(mdl.validFromMs, T0);
    assert.equal(mdl.validUntilMs, T0 + YEAR);
    const pki = anchors.find((a) => a.policies.length > 0);
    assert.deepEqual(pki?.policies, [JPKI_POLICY]);
    assert.deepEqual(pki?.jurisdictions, ['JP']);
    assert.equal(world.registry.certificateAuthoritiesOf(spkiOf('iaca'), world.clock.now).length, 2);
    assert.equal(world.registry.certificateAuthoritiesOf(spkiOf('root-ca'), world.clock.now).length, 0);
    // The pure function answers the same over any view.
    assert.deepEqual(caTrustAnchors(world.registry, world.clock.now), anchors);
  });

  it('caps the path at the grant’s maxPathLength when the certificate sets none, and holdFinal false when not declared', async () => {
    const world = await makeWorld();
    await expectOutcome(
      world,
      await accreditCa(world, world.net.keys.jpAgency, fixture('root-ca'), [
        { certificatePolicies: [JPKI_POLICY], jurisdiction: 'JP' },
      ]),
      'accept',
    );
    const [anchor] = world.registry.certificateAuthorities(world.clock.now);
    assert.equal(anchor?.maxPathLength, 0);
    assert.equal(anchor?.holdFinal, false);
  });

  it('honours the validity window of the grant', async () => {
    const world = await makeWorld();
    const from = T0 + 10 * 24 * 3600 * 1000;
    const record = await accreditCa(
      world,
      world.net.keys.jpAgency,
      fixture('root-ca'),
      [{ certificatePolicies: [JPKI_POLICY], jurisdiction: 'JP' }],
      { validFrom: from, validUntil: from + YEAR },
    );
    await expectOutcome(world, record, 'accept');
    assert.equal(world.registry.certificateAuthorities(from - 1).length, 0, 'not yet valid');
    assert.equal(world.registry.certificateAuthorities(from).length, 1);
    assert.equal(world.registry.certificateAuthorities(from + YEAR + 1).length, 0, 'expired');
  });

  it('drops a CA withdrawn through its accreditor’s status list', async () => {
    const world = await makeWorld();
    const agency = world.net.keys.jpAgency;
    const record = await accreditCa(
      world,
      agency,
      fixture('root-ca'),
      [{ certificatePolicies: [JPKI_POLICY], jurisdiction: 'JP' }],
      { withdrawal: { list: world.net.lists.jpAgency, index: 5 } },
    );
    await expectOutcome(world, record, 'accept');
    assert.equal(world.registry.certificateAuthoritiesOf(spkiOf('root-ca'), world.clock.now).length, 1);
    await expectOutcome(world, await nextListVersion(world, agency, world.net.lists.jpAgency, { 5: 1 }), 'accept');
    assert.equal(world.registry.certificateAuthoritiesOf(spkiOf('root-ca'), world.clock.now).length, 0);
    assert.equal(world.registry.certificateAuthorities(world.clock.now).length, 0);
  });

  it('bounds the anchor by its accreditor’s chain, and drops it when that chain ends', async () => {
    const world = await makeWorld();
    const shortLived = T0 + YEAR / 2;
    const pki = await accreditor(world, { certificatePolicies: [JPKI_POLICY], jurisdiction: 'JP' }, shortLived);
    await expectOutcome(
      world,
      await accreditCa(world, pki, fixture('sub-ca'), [{ certificatePolicies: [JPKI_POLICY], jurisdiction: 'JP' }]),
      'accept',
    );
    const [anchor] = world.registry.certificateAuthorities(world.clock.now);
    assert.equal(anchor?.validUntilMs, shortLived, 'the grant is bounded by the accreditor’s own validity');
    assert.equal(world.registry.certificateAuthorities(shortLived + 1).length, 0);
  });
});

describe('CA grants and issuer grants never stand in for each other', () => {
  it('a CA key never counts for a DID issuer’s scope (a key counts only for the scope that pinned it)', async () => {
    const world = await makeWorld();
    const { der, keyPair } = await caWithDidKey();
    // The attacker's key is accredited as a CA (JPKI policy, national ID docTypes, JP)…
    await expectOutcome(
      world,
      await accreditCa(world, world.net.keys.jpAgency, der, [
        { certificatePolicies: [JPKI_POLICY], docTypes: [MDL], jurisdiction: 'JP' },
      ]),
      'accept',
    );
    // …and signs a W3C credential as the did:key of that same key.
    const forged = await issueCredentialAs(world, keyPair);
    const result = await verify(world, forged);
    assert.equal(result.verified, false);
    assert.equal(result.checks.find((c) => c.check === 'issuer')?.code, TRUST_CHAIN_CODES.ISSUER_NOT_ACCREDITED);
    // Neither the CA's subject id acts as an issuer or an accreditor.
    const subject = caSubjectId(certificateSpkiSha256(der));
    for (const role of ['issuer', 'accreditor'] as const) {
      const chain = findChain(world.registry, {
        subject,
        role,
        scope: { types: ['HealthInsuranceCredential'], jurisdiction: 'JP' },
        at: [world.clock.now],
      });
      assert.equal(chain.ok, false);
    }
    // Control: accredited as an issuer, the same key verifies the same credential.
    await expectOutcome(
      world,
      await issueAccreditation(
        {
          accreditor: world.net.keys.jpAgency,
          subject: keyPair.did,
          role: 'issuer',
          accreditedFor: [{ types: ['HealthInsuranceCredential'], jurisdiction: 'JP' }],
          subjectKeys: [keyPair],
          validFrom: new Date(T0),
          validUntil: new Date(T0 + YEAR),
        },
        world.net.documentLoader,
      ),
      'accept',
    );
    assert.equal((await verify(world, forged)).verified, true);
  });

  it('an issuer accreditation of a key never makes that key a CA anchor', async () => {
    const world = await makeWorld();
    const { der, keyPair } = await caWithDidKey();
    await expectOutcome(
      world,
      await issueAccreditation(
        {
          accreditor: world.net.keys.jpAgency,
          subject: keyPair.did,
          role: 'issuer',
          accreditedFor: [{ types: ['HealthInsuranceCredential'], jurisdiction: 'JP' }],
          subjectKeys: [keyPair],
          validFrom: new Date(T0),
          validUntil: new Date(T0 + YEAR),
        },
        world.net.documentLoader,
      ),
      'accept',
    );
    assert.deepEqual(world.registry.certificateAuthoritiesOf(certificateSpkiSha256(der), world.clock.now), []);
    assert.deepEqual(world.registry.certificateAuthorities(world.clock.now), []);
    // A CA granted by an accreditor that may also accredit issuers of a type is still no issuer of it.
    const pki = await accreditor(world, {
      types: ['HealthInsuranceCredential'],
      certificatePolicies: [JPKI_POLICY],
      jurisdiction: 'JP',
    });
    await expectOutcome(
      world,
      await accreditCa(world, pki, der, [{ certificatePolicies: [JPKI_POLICY], jurisdiction: 'JP' }]),
      'accept',
    );
    assert.equal(world.registry.certificateAuthorities(world.clock.now).length, 1);
    const asIssuer = findChain(world.registry, {
      subject: caSubjectId(certificateSpkiSha256(der)),
      role: 'issuer',
      scope: { types: ['HealthInsuranceCredential'], jurisdiction: 'JP' },
      at: [world.clock.now],
    });
    assert.equal(asIssuer.ok ? 'ok' : asIssuer.code, TRUST_CHAIN_CODES.ISSUER_NOT_ACCREDITED);
  });
});

/** A credential without credentialStatus, signed by `issuer`. */
function issueCredentialAs(world: World, issuer: KeyPair) {
  return signCredential(
    {
      '@context': [VC_V2_CONTEXT_URL, EXAMPLES_CONTEXT_V1_URL],
      id: `urn:uuid:${crypto.randomUUID()}`,
      type: ['VerifiableCredential', 'HealthInsuranceCredential'],
      issuer: issuer.did,
      validFrom: new Date(T0 + 1000).toISOString(),
      credentialSubject: { id: 'did:example:holder', insuredNumber: '12345678' },
    },
    issuer,
    { documentLoader: world.net.documentLoader },
  );
}
