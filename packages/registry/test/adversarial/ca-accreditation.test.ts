/**
 * Admission rules of CA accreditations (issue 14; docs/records.md, Accreditation of a CA), each
 * attacked with real certificates (openssl, test/fixtures/x509/ca/make.sh) and real keys, beside
 * the honest control: size bound before parsing, DER, CA certificate (RFC 5280 §4.2.1.9,
 * §4.2.1.3), the SPKI pin, the self-signed certificate's own signature, validity overlap, who may
 * accredit a CA, and what the JSON-LD signature covers.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ACCREDITATION_FIELD_INVALID,
  CA_CERTIFICATE_CODES,
  certificateDerOf,
  generateKeyPair,
  issueAccreditation,
  PROOF_CODES,
  parseAccreditation,
  TRUST_CHAIN_CODES,
  ValidationError,
} from '../../src/index.ts';
import { expectOutcome, makeWorld, T0 } from '../fixtures.ts';
import { accreditCa, caSubjectOf, fixture, JPKI_POLICY, MDL, rawCaAccreditation, spkiOf, YEAR } from './ca-fixtures.ts';

const JP_POLICY = [{ certificatePolicies: [JPKI_POLICY], jurisdiction: 'JP' }];

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ValidationError, String(error));
    return error.code;
  }
  assert.fail('expected a ValidationError');
}

describe('CA accreditations: the certificate', () => {
  it('accepts a self-signed CA certificate given as PEM or DER, pinned by its SPKI hash', async () => {
    const world = await makeWorld();
    const record = await accreditCa(
      world,
      world.net.keys.jpAgency,
      new TextDecoder().decode(fixture('root-ca', 'pem')),
      JP_POLICY,
      {
        holdFinal: true,
      },
    );
    const subject = record.credentialSubject as Record<string, unknown>;
    assert.equal(subject.id, `urn:trustmesh:ca:${spkiOf('root-ca')}`);
    assert.equal(subject.spkiSha256, spkiOf('root-ca'));
    assert.equal(subject.caCertificate, Buffer.from(fixture('root-ca')).toString('base64'));
    await expectOutcome(world, record, 'accept');
    const fromDer = await accreditCa(world, world.net.keys.jpAgency, fixture('root-ca'), JP_POLICY);
    assert.equal((fromDer.credentialSubject as Record<string, unknown>).id, subject.id);
  });

  it('accepts a CA certificate that is not self-signed, without a possession proof (its id is its key)', async () => {
    const world = await makeWorld();
    await expectOutcome(
      world,
      await accreditCa(world, world.net.keys.jpAgency, fixture('sub-ca'), JP_POLICY),
      'accept',
    );
  });

  it('refuses a 10 MB certificate before decoding it', async () => {
    const huge = 'A'.repeat(10 * 1024 * 1024);
    const world = await makeWorld();
    const record = await rawCaAccreditation(
      world,
      world.net.keys.jpAgency,
      caSubjectOf('root-ca', { caCertificate: huge }),
    );
    assert.equal(
      code(() => parseAccreditation(record)),
      CA_CERTIFICATE_CODES.TOO_LARGE,
    );
    assert.equal(
      code(() => certificateDerOf(new Uint8Array(10 * 1024 * 1024))),
      CA_CERTIFICATE_CODES.TOO_LARGE,
    );
    // Through the pipeline the record bound refuses it first, as it must.
    await expectOutcome(world, record, 'reject');
    // Control: the real certificate in the same position passes the bound.
    assert.equal(
      parseAccreditation(await rawCaAccreditation(world, world.net.keys.jpAgency, caSubjectOf('root-ca'))).role,
      'ca',
    );
  });

  it('refuses non-canonical base64, non-certificates and DER with trailing bytes', async () => {
    const world = await makeWorld();
    const der = fixture('root-ca');
    const b64 = Buffer.from(der).toString('base64');
    const urlSafe = b64.replace(/\+/g, '-').replace(/\//g, '_');
    assert.notEqual(urlSafe, b64);
    for (const caCertificate of [
      'AAAA',
      `${b64.slice(0, 64)}\n${b64.slice(64)}`,
      urlSafe, // base64url decodes to the same bytes in Node: only the canonical form is taken
      Buffer.concat([der, Buffer.from([0, 0])]).toString('base64'),
    ]) {
      const record = await rawCaAccreditation(
        world,
        world.net.keys.jpAgency,
        caSubjectOf('root-ca', { caCertificate }),
      );
      await expectOutcome(world, record, 'reject', CA_CERTIFICATE_CODES.MALFORMED);
    }
  });

  it('refuses certificates that are not CA certificates (RFC 5280 §4.2.1.9, §4.2.1.3)', async () => {
    const world = await makeWorld();
    // leaf: cA FALSE; no-bc: no basicConstraints; no-certsign: keyUsage without keyCertSign.
    for (const name of ['leaf', 'no-bc', 'no-certsign']) {
      const record = await rawCaAccreditation(world, world.net.keys.jpAgency, caSubjectOf(name));
      await expectOutcome(world, record, 'reject', CA_CERTIFICATE_CODES.NOT_CA);
      await assert.rejects(
        accreditCa(world, world.net.keys.jpAgency, fixture(name), JP_POLICY),
        (e: ValidationError) => e.code === CA_CERTIFICATE_CODES.NOT_CA,
      );
    }
  });

  it('refuses a pin that is not the certificate’s SPKI hash (in spkiSha256 or in the subject id)', async () => {
    const world = await makeWorld();
    const other = spkiOf('iaca');
    for (const overrides of [{ spkiSha256: other }, { id: `urn:trustmesh:ca:${other}` }]) {
      const record = await rawCaAccreditation(world, world.net.keys.jpAgency, caSubjectOf('root-ca', overrides));
      await expectOutcome(world, record, 'reject', CA_CERTIFICATE_CODES.SPKI_MISMATCH);
    }
    const record = await rawCaAccreditation(world, world.net.keys.jpAgency, caSubjectOf('root-ca'));
    await expectOutcome(world, record, 'accept');
  });

  it('refuses a self-signed certificate whose own signature does not verify', async () => {
    const world = await makeWorld();
    const der = new Uint8Array(fixture('root-ca'));
    der[der.length - 1] = (der[der.length - 1] as number) ^ 0x01;
    const record = await rawCaAccreditation(
      world,
      world.net.keys.jpAgency,
      caSubjectOf('root-ca', { caCertificate: Buffer.from(der).toString('base64') }),
    );
    await expectOutcome(world, record, 'reject', CA_CERTIFICATE_CODES.SIGNATURE_INVALID);
  });

  it('refuses a grant outside the certificate’s validity', async () => {
    const world = await makeWorld();
    // expired-ca: valid 2025-01-01 … 2025-06-01; the grant runs from 2026-06-01.
    const record = await accreditCa(world, world.net.keys.jpAgency, fixture('expired-ca'), JP_POLICY);
    await expectOutcome(world, record, 'reject', CA_CERTIFICATE_CODES.VALIDITY_DISJOINT);
  });
});

describe('CA accreditations: the shape', () => {
  it('refuses a DID subject, pinned keys, credential types, or no policy and no docType', async () => {
    const world = await makeWorld();
    const agency = world.net.keys.jpAgency;
    const subjects = [
      caSubjectOf('root-ca', { id: 'did:web:ca.example' }),
      caSubjectOf('root-ca', {
        publicKeys: [{ id: 'did:web:ca.example#k', type: 'Multikey', publicKeyMultibase: agency.publicKeyMultibase }],
      }),
      caSubjectOf('root-ca', { accreditedFor: [{ types: ['NationalIdCredential'], jurisdiction: 'JP' }] }),
      caSubjectOf('root-ca', { accreditedFor: [{ jurisdiction: 'JP' }] }),
      caSubjectOf('root-ca', { accreditedFor: [{ certificatePolicies: ['2.5.29.32.0'], jurisdiction: 'JP' }] }),
      caSubjectOf('root-ca', { accreditedFor: [{ docTypes: ['not a doctype'], jurisdiction: 'JP' }] }),
      caSubjectOf('root-ca', { holdFinal: 'yes' }),
    ];
    for (const subject of subjects) {
      await expectOutcome(
        world,
        await rawCaAccreditation(world, agency, subject),
        'reject',
        ACCREDITATION_FIELD_INVALID,
      );
    }
    await expectOutcome(
      world,
      await rawCaAccreditation(
        world,
        agency,
        caSubjectOf('iaca', { accreditedFor: [{ docTypes: [MDL], jurisdiction: 'JP' }] }),
      ),
      'accept',
    );
  });

  it('refuses certificate policies or docTypes in an issuer’s scope (they are a CA’s)', async () => {
    const world = await makeWorld();
    const issuer = await generateKeyPair('Ed25519');
    const grant = (scope: { types: string[]; jurisdiction: string; certificatePolicies?: string[] }) =>
      issueAccreditation(
        {
          accreditor: world.net.keys.jpAgency,
          subject: issuer.did,
          role: 'issuer',
          accreditedFor: [scope],
          subjectKeys: [issuer],
          validFrom: new Date(T0),
          validUntil: new Date(T0 + YEAR),
        },
        world.net.documentLoader,
      );
    const bad = await grant({
      types: ['NationalIdCredential'],
      jurisdiction: 'JP',
      certificatePolicies: [JPKI_POLICY],
    });
    await expectOutcome(world, bad, 'reject', ACCREDITATION_FIELD_INVALID);
    await expectOutcome(world, await grant({ types: ['NationalIdCredential'], jurisdiction: 'JP' }), 'accept');
  });

  it('signs what is checked: flipping holdFinal after signing breaks the proof', async () => {
    const world = await makeWorld();
    const record = await accreditCa(world, world.net.keys.jpAgency, fixture('root-ca'), JP_POLICY, { holdFinal: true });
    const tampered = structuredClone(record);
    (tampered.credentialSubject as Record<string, unknown>).holdFinal = false;
    await expectOutcome(world, tampered, 'reject', PROOF_CODES.INVALID);
    const widened = structuredClone(record);
    (widened.credentialSubject as Record<string, unknown>).accreditedFor = [
      { certificatePolicies: [JPKI_POLICY, '1.2.3.4'], jurisdiction: 'JP' },
    ];
    await expectOutcome(world, widened, 'reject', PROOF_CODES.INVALID);
    await expectOutcome(world, record, 'accept');
  });
});

describe('CA accreditations: who may accredit a CA', () => {
  it('an authority only within its jurisdiction', async () => {
    const world = await makeWorld();
    const foreign = await accreditCa(world, world.net.keys.twMinistry, fixture('root-ca'), JP_POLICY);
    await expectOutcome(world, foreign, 'reject', TRUST_CHAIN_CODES.ACCREDITATION_SCOPE_WIDENED);
    const own = await accreditCa(world, world.net.keys.twMinistry, fixture('root-ca'), [
      { certificatePolicies: [JPKI_POLICY], jurisdiction: 'TW' },
    ]);
    await expectOutcome(world, own, 'accept');
  });

  it('an accreditor only for the policies, docTypes and jurisdictions its own scope names', async () => {
    const world = await makeWorld();
    const agency = world.net.keys.jpAgency;
    const accreditor = async (scope: Record<string, unknown>) => {
      const keyPair = await generateKeyPair('Ed25519');
      const record = await issueAccreditation(
        {
          accreditor: agency,
          subject: keyPair.did,
          role: 'accreditor',
          accreditedFor: [scope as { types: string[]; jurisdiction: string }],
          subjectKeys: [keyPair],
          validFrom: new Date(T0),
          validUntil: new Date(T0 + YEAR),
        },
        world.net.documentLoader,
      );
      await expectOutcome(world, record, 'accept');
      return keyPair;
    };
    // An accreditor of issuers (types only) may not accredit a CA: its scope names no policy.
    const typesOnly = await accreditor({ types: ['HealthInsuranceCredential'], jurisdiction: 'JP' });
    const byTypesOnly = await accreditCa(world, typesOnly, fixture('root-ca'), JP_POLICY);
    await expectOutcome(world, byTypesOnly, 'reject', TRUST_CHAIN_CODES.ACCREDITATION_SCOPE_WIDENED);

    const pki = await accreditor({ certificatePolicies: [JPKI_POLICY], jurisdiction: 'JP-13' });
    for (const scopes of [
      [{ certificatePolicies: [JPKI_POLICY], jurisdiction: 'JP' }], // wider jurisdiction
      [{ certificatePolicies: [JPKI_POLICY, '1.2.392.1'], jurisdiction: 'JP-13' }], // another policy
      [{ docTypes: [MDL], jurisdiction: 'JP-13' }], // a docType it was not given
    ]) {
      await expectOutcome(
        world,
        await accreditCa(world, pki, fixture('root-ca'), scopes),
        'reject',
        TRUST_CHAIN_CODES.ACCREDITATION_SCOPE_WIDENED,
      );
    }
    const honest = await accreditCa(world, pki, fixture('root-ca'), [
      { certificatePolicies: [JPKI_POLICY], jurisdiction: 'JP-13' },
    ]);
    await expectOutcome(world, honest, 'accept');
  });
});
