/**
 * VC-API issue (`POST /credentials/issue`, 201) per VC Data Model 1.1 and 2.0, for eddsa-rdfc-2022
 * and ecdsa-rdfc-2019: issued by one node, verified by another.
 *
 * - VC 1.1 §4.1 / Bitstring Status List §2.1: a 1.1 credential that gets a BitstringStatusListEntry
 *   lists the status context; §4.6: it carries an issuanceDate.
 * - VC 2.0 §4.4: `id` is optional; the node answers the handle to update the status with.
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EXAMPLES_CONTEXT_V1_URL } from '@trustmesh/registry';
import { AUTH, makeVcApiWorld, post, SUITES, type VcApiWorld } from './vc-api-world.ts';

const V1 = 'https://www.w3.org/2018/credentials/v1';
const V2 = 'https://www.w3.org/ns/credentials/v2';
const STATUS_V1 = 'https://www.w3.org/ns/credentials/status/v1';

function unsigned(base: string, withId: boolean): Record<string, unknown> {
  return {
    '@context': [base, EXAMPLES_CONTEXT_V1_URL],
    ...(withId ? { id: `urn:uuid:${crypto.randomUUID()}` } : {}),
    type: ['VerifiableCredential', 'HealthInsuranceCredential'],
    credentialSubject: { id: 'did:example:holder', insuredNumber: '87654321' },
  };
}

for (const { cryptosuite, party, base } of SUITES) {
  describe(`VC-API issue (${cryptosuite})`, () => {
    let world: VcApiWorld;
    before(async () => {
      world = await makeVcApiWorld(party, base);
    });
    after(() => world.close());

    const issue = (credential: Record<string, unknown>) =>
      post(world.issuing.api, '/credentials/issue', { credential }, AUTH);
    const verify = (credential: unknown) =>
      post(world.verifying.api, '/credentials/verify', { verifiableCredential: credential });

    it('VC 1.1: adds the status context and issuanceDate; the credential verifies on another node', async () => {
      const { status, body } = await issue(unsigned(V1, true));
      assert.equal(status, 201, JSON.stringify(body));
      const vc = body.verifiableCredential;
      assert.deepEqual(vc['@context'].slice(0, 3), [V1, EXAMPLES_CONTEXT_V1_URL, STATUS_V1]);
      assert.match(vc.issuanceDate, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.equal(vc.validFrom, undefined, 'validFrom is not a VC 1.1 term');
      assert.equal(vc.proof.cryptosuite, cryptosuite);
      const verified = await verify(vc);
      assert.equal(verified.status, 200, JSON.stringify(verified.body));
      assert.equal(verified.body.verified, true);
    });

    it('VC 1.1 with its own BitstringStatusListEntry: the status context is added too', async () => {
      const held = world.issuing.issuer.lists.revocation as string;
      const credential = {
        ...unsigned(V1, true),
        credentialStatus: {
          id: `${held}#5`,
          type: 'BitstringStatusListEntry',
          statusPurpose: 'revocation',
          statusListIndex: '5',
          statusListCredential: held,
        },
      };
      const { status, body } = await issue(credential);
      assert.equal(status, 201, JSON.stringify(body));
      assert.ok(body.verifiableCredential['@context'].includes(STATUS_V1));
      assert.equal(body.credentialId, undefined, 'no entries were allocated, so there is no handle');
    });

    for (const [name, context] of [
      ['VC 1.1', V1],
      ['VC 2.0', V2],
    ] as const) {
      it(`${name} without id: 201, a credentialId handle, and revocation through it`, async () => {
        const { status, body } = await issue(unsigned(context, false));
        assert.equal(status, 201, JSON.stringify(body));
        const vc = body.verifiableCredential;
        assert.equal(vc.id, undefined, 'the node does not invent a credential id');
        assert.match(body.credentialId, /^urn:uuid:[0-9a-f-]{36}$/);
        assert.equal((await verify(vc)).body.verified, true);
        const revoked = await post(
          world.issuing.api,
          '/credentials/status',
          {
            credentialId: body.credentialId,
            credentialStatus: [{ type: 'BitstringStatusListEntry', status: 'revoked' }],
          },
          AUTH,
        );
        assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
        const after = await verify(vc);
        assert.equal(after.body.verified, false);
        assert.deepEqual(
          after.body.errors.map((e: { code: string }) => e.code),
          ['CREDENTIAL_REVOKED'],
        );
      });
    }

    it('with an id: the handle is the id', async () => {
      const credential = unsigned(V2, true);
      const { status, body } = await issue(credential);
      assert.equal(status, 201);
      assert.equal(body.credentialId, credential.id);
    });
  });
}
