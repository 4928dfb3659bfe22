/**
 * VC Data Model 2.0 (https://www.w3.org/TR/vc-data-model-2.0/) and 1.1 normative statements the
 * verifier's `credential` check enforces (verification/data-model.ts), each case a MUST / MUST NOT
 * with a conforming control: the credential is signed by a non-conforming issuer with
 * eddsa-rdfc-2022 or ecdsa-rdfc-2019, so the proof passes and the data model alone refuses it, with
 * MALFORMED_VALUE_ERROR and the field named (§7.1).
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  EXAMPLES_CONTEXT_V1_URL,
  type KeyPair,
  signCredential,
  sriDigest,
  W3C_EXAMPLES_CONTEXT_V2_URL,
} from '../../src/index.ts';
import { makeWorld, T0, type World } from '../fixtures.ts';
import { verify } from './helpers.ts';

const V1 = 'https://www.w3.org/2018/credentials/v1';
const V2 = 'https://www.w3.org/ns/credentials/v2';
const DIGEST = sriDigest(new TextEncoder().encode('{"example":"resource"}'));
// A multibase (base58btc) multihash: sha2-256 (0x12), 32 bytes.
const MULTIBASE_DIGEST = 'zQmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n';

type Json = Record<string, unknown>;

/** A conforming 2.0 credential using every optional property these rules cover. */
function conforming(issuer: KeyPair, list: string): Json {
  return {
    '@context': [V2, EXAMPLES_CONTEXT_V1_URL, W3C_EXAMPLES_CONTEXT_V2_URL],
    id: `urn:uuid:${crypto.randomUUID()}`,
    type: ['VerifiableCredential', 'HealthInsuranceCredential'],
    issuer: issuer.did,
    validFrom: new Date(T0).toISOString(),
    validUntil: new Date(T0 + 365 * 86_400_000).toISOString(),
    credentialSubject: { id: 'did:example:holder', insuredNumber: '12345678' },
    credentialStatus: {
      id: `${list}#21`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: '21',
      statusListCredential: list,
    },
    credentialSchema: { id: 'https://schemas.example/insurance.json', type: 'JsonSchema' },
    refreshService: { id: 'https://refresh.example/1', type: 'ExampleRefreshService' },
    termsOfUse: { type: 'ExampleTermsOfUse', id: 'https://terms.example/1' },
    evidence: [{ id: 'https://evidence.example/1', type: ['ExampleEvidence'] }],
    relatedResource: [
      { id: 'https://resources.example/a.json', digestSRI: DIGEST, mediaType: 'application/json' },
      { id: 'https://resources.example/b.json', digestMultibase: MULTIBASE_DIGEST },
    ],
  };
}

/** [statement, how the credential breaks it, field named]. */
export const DATA_MODEL_CASES: [string, (c: Json) => void, string][] = [
  ['§4.3 the first context MUST be the base context', (c) => (c['@context'] as string[]).reverse(), '@context[0]'],
  ['§4.4 id, if present, MUST be a single URL', (c) => (c.id = 'not a url'), 'id'],
  ['§4.5 type MUST include VerifiableCredential', (c) => (c.type = ['HealthInsuranceCredential']), 'type'],
  ['§4.9 validFrom MUST be a dateTimeStamp', (c) => (c.validFrom = '2026-06-01'), 'validFrom'],
  [
    '§4.9 validUntil MUST NOT precede validFrom',
    (c) => (c.validUntil = new Date(T0 - 1000).toISOString()),
    'validUntil',
  ],
  ['§4.10 a status entry MUST have a type', (c) => delete (c.credentialStatus as Json).type, 'credentialStatus.type'],
  [
    'Bitstring §2.1 statusPurpose MUST be given; statusListIndex MUST be a base-10 string',
    (c) => {
      const status = c.credentialStatus as Json;
      delete status.statusPurpose;
      status.statusListIndex = true;
    },
    'credentialStatus.statusPurpose',
  ],
  [
    'Bitstring §2.1 statusListIndex MUST be a base-10 string',
    (c) => ((c.credentialStatus as Json).statusListIndex = true),
    'credentialStatus.statusListIndex',
  ],
  [
    '§4.11 a credentialSchema MUST have a type',
    (c) => delete (c.credentialSchema as Json).type,
    'credentialSchema.type',
  ],
  ['§4.11 a credentialSchema MUST have an id', (c) => delete (c.credentialSchema as Json).id, 'credentialSchema.id'],
  ['§5.4 a refreshService MUST have a type', (c) => delete (c.refreshService as Json).type, 'refreshService.type'],
  ['§5.5 a termsOfUse MUST have a type', (c) => delete (c.termsOfUse as Json).type, 'termsOfUse.type'],
  ['§5.6 an evidence MUST have a type', (c) => delete (c.evidence as Json[])[0]?.type, 'evidence[0].type'],
  [
    '§5.3 a relatedResource MUST have an id',
    (c) => delete (c.relatedResource as Json[])[0]?.id,
    'relatedResource[0].id',
  ],
  [
    '§5.3 each relatedResource id MUST be unique',
    (c) => ((c.relatedResource as Json[])[1] = { ...(c.relatedResource as Json[])[0] }),
    'relatedResource[1].id',
  ],
  [
    '§5.3 a relatedResource MUST have digestSRI or digestMultibase',
    (c) => delete (c.relatedResource as Json[])[0]?.digestSRI,
    'relatedResource[0]',
  ],
  [
    '§5.3 digestSRI MUST be a Subresource Integrity value',
    (c) => (((c.relatedResource as Json[])[0] as Json).digestSRI = 'sha256-tooShort'),
    'relatedResource[0].digestSRI',
  ],
  [
    '§5.3 digestMultibase MUST be a multibase multihash',
    (c) => (((c.relatedResource as Json[])[1] as Json).digestMultibase = 'zNotAHash'),
    'relatedResource[1].digestMultibase',
  ],
];

async function signedAs(world: World, credential: Json, key: KeyPair): Promise<Json> {
  return signCredential(credential, key, { documentLoader: world.net.documentLoader });
}

for (const [party, suite] of [
  ['jpHealthInsurer', 'eddsa-rdfc-2022'],
  ['twHealthInsurer', 'ecdsa-rdfc-2019'],
] as const) {
  describe(`VCDM data model rules on verification (${suite})`, () => {
    it('control: a conforming credential using every covered property verifies fully', async () => {
      const world = await makeWorld();
      const key = world.net.keys[party];
      const credential = await signedAs(world, conforming(key, world.net.lists[party]), key);
      const result = await verify(world, credential);
      assert.equal(result.verified, true, JSON.stringify(result.checks));
    });

    it('each MUST broken: proof passes, the credential check fails with MALFORMED_VALUE_ERROR and the field', async () => {
      const world = await makeWorld();
      const key = world.net.keys[party];
      for (const [statement, breakIt, field] of DATA_MODEL_CASES) {
        const credential = conforming(key, world.net.lists[party]);
        breakIt(credential);
        // A non-conforming issuer signs it (vc.issue refuses some of these itself: then unsigned).
        const signed = await signedAs(world, credential, key).catch(() => credential);
        const result = await verify(world, signed, ['proof']);
        const failures = result.checks.filter((c) => c.check === 'credential');
        assert.equal(result.verified, false, statement);
        assert.ok(
          failures.some((c) => c.code === 'MALFORMED_VALUE_ERROR' && c.details?.field === field),
          `${statement}: ${JSON.stringify(failures)}`,
        );
        if (signed !== credential) {
          assert.equal(result.checks.find((c) => c.check === 'proof')?.outcome, 'pass', statement);
        }
      }
    });

    it('§4.7 an issuer MUST be named: proof, trust and status all fail for want of it, none passes', async () => {
      const world = await makeWorld();
      const key = world.net.keys[party];
      const signed = await signedAs(world, conforming(key, world.net.lists[party]), key);
      const { issuer: _issuer, ...anonymous } = signed;
      const result = await verify(world, anonymous, ['proof', 'issuer', 'status']);
      assert.deepEqual(
        result.checks.map((c) => `${c.check}:${c.code ?? 'pass'}`),
        [
          'credential:MALFORMED_VALUE_ERROR',
          'proof:MALFORMED_VALUE_ERROR',
          'issuer:MALFORMED_VALUE_ERROR',
          'status:MALFORMED_VALUE_ERROR',
        ],
      );
    });

    it('VCDM 1.1 §4.6: a 1.1 credential MUST have an issuanceDate (control: with one it verifies)', async () => {
      const world = await makeWorld();
      const key = world.net.keys[party];
      const base = {
        '@context': [V1, 'https://www.w3.org/ns/credentials/status/v1', EXAMPLES_CONTEXT_V1_URL],
        type: ['VerifiableCredential', 'HealthInsuranceCredential'],
        issuer: key.did,
        credentialSubject: { id: 'did:example:holder', insuredNumber: '12345678' },
      };
      const honest = await signedAs(world, { ...base, issuanceDate: new Date(T0).toISOString() }, key);
      assert.equal((await verify(world, honest)).verified, true);
      const result = await verify(world, base, ['validity']);
      assert.deepEqual(
        result.checks.filter((c) => c.check === 'credential').map((c) => c.details?.field),
        ['issuanceDate'],
      );
    });
  });
}
