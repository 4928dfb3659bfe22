/**
 * An issuer refuses what a verifier must reject (issue 12 item 8): `POST /credentials/issue` checks
 * the VC Data Model 2.0 normative rules the verifier's `credential` check applies — relatedResource
 * (§5.3: id required and unique, digestSRI or digestMultibase, well formed), `type` on
 * credentialSchema (§4.11), refreshService (§5.4), termsOfUse (§5.5), evidence (§5.6) and
 * credentialStatus (§4.10), the Bitstring Status List entry rules (§2.1) — and the context
 * allow-list, answering 400 with the code and the field; nothing is signed and no index is drawn.
 * The conforming control is signed (201) and verifies on another node. Both cryptosuites.
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EXAMPLES_CONTEXT_V1_URL, sriDigest, W3C_EXAMPLES_CONTEXT_V2_URL } from '@trustmesh/registry';
import { AUTH, makeVcApiWorld, post, SUITES, type VcApiWorld } from './vc-api-world.ts';

type Json = Record<string, unknown>;

const DIGEST = sriDigest(new TextEncoder().encode('{"example":"resource"}'));

function conforming(): Json {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2', EXAMPLES_CONTEXT_V1_URL, W3C_EXAMPLES_CONTEXT_V2_URL],
    type: ['VerifiableCredential', 'HealthInsuranceCredential'],
    credentialSubject: { id: 'did:example:holder', insuredNumber: '87654321' },
    credentialSchema: { id: 'https://schemas.example/insurance.json', type: 'JsonSchema' },
    refreshService: { id: 'https://refresh.example/1', type: 'ExampleRefreshService' },
    termsOfUse: { type: 'ExampleTermsOfUse' },
    evidence: [{ type: ['ExampleEvidence'] }],
    relatedResource: [
      { id: 'https://resources.example/a.json', digestSRI: DIGEST },
      { id: 'https://resources.example/b.json', digestMultibase: 'zQmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n' },
    ],
  };
}

const CASES: [string, (c: Json) => void, string, string][] = [
  [
    'relatedResource without id',
    (c) => delete (c.relatedResource as Json[])[0]?.id,
    'credential.relatedResource[0].id',
    'MALFORMED_VALUE_ERROR',
  ],
  [
    'relatedResource with a duplicate id',
    (c) => ((c.relatedResource as Json[])[1] = { ...(c.relatedResource as Json[])[0] }),
    'credential.relatedResource[1].id',
    'MALFORMED_VALUE_ERROR',
  ],
  [
    'relatedResource without a digest',
    (c) => delete (c.relatedResource as Json[])[0]?.digestSRI,
    'credential.relatedResource[0]',
    'MALFORMED_VALUE_ERROR',
  ],
  [
    'relatedResource with a wrong digestSRI',
    (c) => (((c.relatedResource as Json[])[0] as Json).digestSRI = 'md5-abc'),
    'credential.relatedResource[0].digestSRI',
    'MALFORMED_VALUE_ERROR',
  ],
  [
    'relatedResource with a wrong digestMultibase',
    (c) => (((c.relatedResource as Json[])[1] as Json).digestMultibase = 'uAAAA'),
    'credential.relatedResource[1].digestMultibase',
    'MALFORMED_VALUE_ERROR',
  ],
  [
    'refreshService without type',
    (c) => delete (c.refreshService as Json).type,
    'credential.refreshService.type',
    'MALFORMED_VALUE_ERROR',
  ],
  [
    'credentialSchema without type',
    (c) => delete (c.credentialSchema as Json).type,
    'credential.credentialSchema.type',
    'MALFORMED_VALUE_ERROR',
  ],
  [
    'termsOfUse without type',
    (c) => delete (c.termsOfUse as Json).type,
    'credential.termsOfUse.type',
    'MALFORMED_VALUE_ERROR',
  ],
  [
    'evidence without type',
    (c) => delete (c.evidence as Json[])[0]?.type,
    'credential.evidence[0].type',
    'MALFORMED_VALUE_ERROR',
  ],
  [
    'credentialStatus with statusListIndex true and no statusPurpose',
    (c) =>
      (c.credentialStatus = {
        type: 'BitstringStatusListEntry',
        statusListIndex: true,
        statusListCredential: 'https://status.example/lists/x',
      }),
    'credential.credentialStatus.statusPurpose',
    'MALFORMED_VALUE_ERROR',
  ],
  [
    'credentialStatus without type',
    (c) => (c.credentialStatus = { id: 'https://status.example/1' }),
    'credential.credentialStatus.type',
    'MALFORMED_VALUE_ERROR',
  ],
  [
    'an inline context',
    (c) => (c['@context'] as unknown[]).push({ alias: 'https://example.org/alias' }),
    'credential.@context[3]',
    'CONTEXT_INLINE_FORBIDDEN',
  ],
];

for (const { cryptosuite, party, base } of SUITES) {
  describe(`VC-API issue refuses non-conforming credentials (${cryptosuite})`, () => {
    let world: VcApiWorld;
    before(async () => {
      world = await makeVcApiWorld(party, base);
    });
    after(() => world.close());

    const issue = (credential: Json) => post(world.issuing.api, '/credentials/issue', { credential }, AUTH);

    it('control: the conforming credential is signed (201) and verifies on another node', async () => {
      const { status, body } = await issue(conforming());
      assert.equal(status, 201, JSON.stringify(body));
      const verified = await post(world.verifying.api, '/credentials/verify', {
        verifiableCredential: body.verifiableCredential,
      });
      assert.equal(verified.status, 200, JSON.stringify(verified.body));
    });

    for (const [name, breakIt, field, code] of CASES) {
      it(`${name}: 400 ${code} naming ${field}, nothing allocated`, async () => {
        const credential = { ...conforming(), id: 'urn:uuid:00000000-0000-4000-8000-000000000001' };
        breakIt(credential);
        const { status, body } = await issue(credential);
        assert.equal(status, 400, JSON.stringify(body));
        assert.deepEqual([body.code, body.field], [code, field], JSON.stringify(body));
        assert.equal(body.verifiableCredential, undefined);
        assert.equal(world.issuing.issuer.entriesOf(credential.id as string), null);
      });
    }
  });
}
