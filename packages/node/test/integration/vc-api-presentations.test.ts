/**
 * VC-API `POST /presentations/verify` (https://w3c-ccg.github.io/vc-api/#verify-presentation), for
 * eddsa-rdfc-2022 and ecdsa-rdfc-2019: credentials issued by one node, presented by a holder with a
 * Data Integrity `authentication` proof carrying the verifier's challenge and domain, verified by
 * another node. 200 whatever the verdict (VC-API: "regardless of whether the presentation and/or
 * credentials were determined to be valid"); 400 for a request that is not a presentation.
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EXAMPLES_CONTEXT_V1_URL, generateKeyPair, type KeyPair, signPresentation } from '@trustmesh/registry';
import { AUTH, makeVcApiWorld, post, SUITES, type VcApiWorld } from './vc-api-world.ts';

const CHALLENGE = '9f3e0a4c-0b6e-4f47-9a0e-1f2b3c4d5e6f';
const DOMAIN = 'verifier.example';

for (const { cryptosuite, party, base } of SUITES) {
  describe(`VC-API presentations/verify (${cryptosuite})`, () => {
    let world: VcApiWorld;
    let holder: KeyPair;
    before(async () => {
      world = await makeVcApiWorld(party, base);
      holder = await generateKeyPair(party === 'jpHealthInsurer' ? 'Ed25519' : 'P-256');
    });
    after(() => world.close());

    async function issued(): Promise<{ vc: Record<string, unknown>; credentialId: string }> {
      const { status, body } = await post(
        world.issuing.api,
        '/credentials/issue',
        {
          credential: {
            '@context': ['https://www.w3.org/ns/credentials/v2', EXAMPLES_CONTEXT_V1_URL],
            type: ['VerifiableCredential', 'HealthInsuranceCredential'],
            credentialSubject: { id: holder.did, insuredNumber: '87654321' },
          },
        },
        AUTH,
      );
      assert.equal(status, 201, JSON.stringify(body));
      return { vc: body.verifiableCredential, credentialId: body.credentialId };
    }

    function presentation(credentials: Record<string, unknown>[]) {
      return {
        '@context': ['https://www.w3.org/ns/credentials/v2'],
        type: ['VerifiablePresentation'],
        holder: holder.did,
        verifiableCredential: credentials,
      };
    }

    const sign = (vp: Record<string, unknown>) =>
      signPresentation(vp, holder, { documentLoader: world.net.documentLoader, challenge: CHALLENGE, domain: DOMAIN });
    const verify = (payload: unknown) => post(world.verifying.api, '/presentations/verify', payload);

    it('200 verified: holder proof with challenge and domain, every credential checked', async () => {
      const a = await issued();
      const b = await issued();
      const vp = await sign(presentation([a.vc, b.vc]));
      const { status, body } = await verify({
        verifiablePresentation: vp,
        options: { challenge: CHALLENGE, domain: DOMAIN },
      });
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.verified, true, JSON.stringify(body.errors));
      assert.deepEqual(body.checks, ['proof', 'issuer', 'status', 'validity']);
      assert.deepEqual(body.errors, []);
      assert.deepEqual(
        body.credentialResults.map((c: { verified: boolean }) => c.verified),
        [true, true],
      );
      assert.equal(body.presentationResults[0].check, 'proof');
    });

    it('200 not verified: a wrong challenge, a revoked credential — each reported with its code', async () => {
      const a = await issued();
      const vp = await sign(presentation([a.vc]));
      const replay = await verify({ verifiablePresentation: vp, options: { challenge: 'another', domain: DOMAIN } });
      assert.equal(replay.status, 200);
      assert.equal(replay.body.verified, false);
      assert.deepEqual(
        replay.body.errors.map((e: { code: string }) => e.code),
        ['PROOF_CHALLENGE_MISMATCH'],
      );
      await post(
        world.issuing.api,
        '/credentials/status',
        { credentialId: a.credentialId, credentialStatus: [{ type: 'BitstringStatusListEntry', status: 'revoked' }] },
        AUTH,
      );
      const revoked = await verify({ verifiablePresentation: vp, options: { challenge: CHALLENGE, domain: DOMAIN } });
      assert.equal(revoked.status, 200);
      assert.equal(revoked.body.verified, false);
      assert.deepEqual(revoked.body.errors, [
        { check: 'status', code: 'CREDENTIAL_REVOKED', message: revoked.body.errors[0].message, credential: 0 },
      ]);
      // options.checks applies to the credentials: without status, the revoked credential passes.
      const proofOnly = await verify({
        verifiablePresentation: vp,
        options: { challenge: CHALLENGE, domain: DOMAIN, checks: ['proof'] },
      });
      assert.equal(proofOnly.body.verified, true);
      assert.deepEqual(proofOnly.body.checks, ['proof']);
    });

    it('a proofless presentation (VC-API ProoflessVerifyPresentationRequest): only its credentials', async () => {
      const a = await issued();
      const { status, body } = await verify({ presentation: presentation([a.vc]) });
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.verified, true);
      assert.deepEqual(body.presentationResults, []);
      // The same, sent as verifiable: no proof is a failed proof.
      const unsigned = await verify({
        verifiablePresentation: presentation([a.vc]),
        options: { challenge: CHALLENGE },
      });
      assert.deepEqual(
        unsigned.body.errors.map((e: { code: string }) => e.code),
        ['PROOF_MISSING'],
      );
    });

    it('400 for a request that is not a presentation', async () => {
      const cases: [unknown, string, string][] = [
        [{}, 'REQUEST_INVALID', 'verifiablePresentation'],
        [{ verifiablePresentation: 'text' }, 'REQUEST_INVALID', 'verifiablePresentation'],
        [
          { verifiablePresentation: { type: ['VerifiablePresentation'] } },
          'REQUEST_INVALID',
          'verifiablePresentation.@context',
        ],
        [
          { verifiablePresentation: presentation([]), options: { checks: ['nonsense'] } },
          'VERIFY_CHECK_UNSUPPORTED',
          'options.checks[0]',
        ],
      ];
      for (const [payload, code, field] of cases) {
        const { status, body } = await verify(payload);
        assert.equal(status, 400, JSON.stringify(payload));
        assert.deepEqual([body.code, body.field], [code, field], JSON.stringify(body));
      }
    });
  });
}
