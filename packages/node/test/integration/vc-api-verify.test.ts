/**
 * VC-API verify (`POST /credentials/verify`, https://w3c-ccg.github.io/vc-api/#verify-credential),
 * for eddsa-rdfc-2022 and ecdsa-rdfc-2019, credentials issued by one node and verified by another:
 *
 * - `options.checks` is honoured and echoed; by default every check runs, the trust registry's
 *   (`issuer`) included; `verified` is true only when every check that ran passed.
 * - Each check runs and is reported whatever another found (issue 12 item 3): a URL issuer that is
 *   not a DID gets every check; unaccredited, its trust check fails with ISSUER_NOT_ACCREDITED (an
 *   accredited one verifies: packages/registry/test/integration/url-issuer.test.ts).
 * - 200 verified, 400 with the same body when not (VC-API verifier.yml: 400 "invalid input"; the
 *   W3C test suites' verificationFail expects it); 400 with an error body for a request that is not
 *   a credential or names an unknown check.
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EXAMPLES_CONTEXT_V1_URL, signCredential } from '@trustmesh/registry';
import { AUTH, makeVcApiWorld, post, SUITES, T0, type VcApiWorld } from './vc-api-world.ts';

const V2 = 'https://www.w3.org/ns/credentials/v2';

for (const { cryptosuite, party, base } of SUITES) {
  describe(`VC-API verify (${cryptosuite})`, () => {
    let world: VcApiWorld;
    before(async () => {
      world = await makeVcApiWorld(party, base);
    });
    after(() => world.close());

    const issue = async (credential: Record<string, unknown>) => {
      const { status, body } = await post(world.issuing.api, '/credentials/issue', { credential }, AUTH);
      assert.equal(status, 201, JSON.stringify(body));
      return body as { verifiableCredential: Record<string, unknown>; credentialId: string };
    };
    const verify = (credential: unknown, options?: Record<string, unknown>) =>
      post(world.verifying.api, '/credentials/verify', {
        verifiableCredential: credential,
        ...(options ? { options } : {}),
      });
    const codes = (body: { errors: { code: string }[] }) => body.errors.map((e) => e.code);
    const insurance = (extra: Record<string, unknown> = {}) => ({
      '@context': [V2, EXAMPLES_CONTEXT_V1_URL],
      type: ['VerifiableCredential', 'HealthInsuranceCredential'],
      credentialSubject: { id: 'did:example:holder', insuredNumber: '87654321' },
      ...extra,
    });

    it('runs every check by default and echoes them; 200 with verified, checks, warnings, errors', async () => {
      const { verifiableCredential } = await issue(insurance());
      const { status, body } = await verify(verifiableCredential);
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.verified, true);
      assert.deepEqual(body.checks, ['proof', 'issuer', 'status', 'validity']);
      assert.deepEqual(body.errors, []);
      assert.deepEqual(body.warnings, []);
      assert.ok(body.checkResults.every((c: { outcome: string }) => c.outcome === 'pass'));
    });

    it('options.checks ["proof"]: a credential typed only VerifiableCredential verifies; by default the trust check fails it', async () => {
      const { verifiableCredential } = await issue({
        '@context': [V2],
        type: ['VerifiableCredential'],
        credentialSubject: { id: 'did:example:holder' },
      });
      const proofOnly = await verify(verifiableCredential, { checks: ['proof'] });
      assert.equal(proofOnly.status, 200, JSON.stringify(proofOnly.body));
      assert.equal(proofOnly.body.verified, true);
      assert.deepEqual(proofOnly.body.checks, ['proof']);
      assert.deepEqual(
        proofOnly.body.checkResults.map((c: { check: string }) => c.check),
        ['proof'],
      );
      const withStatus = await verify(verifiableCredential, { checks: ['proof', 'credentialStatus'] });
      assert.equal(withStatus.status, 200, JSON.stringify(withStatus.body));
      assert.deepEqual(withStatus.body.checks, ['proof', 'credentialStatus']);
      assert.deepEqual(
        withStatus.body.checkResults.map((c: { check: string }) => c.check),
        ['proof', 'status', 'status'],
      );
      // Control: the default runs the trust registry, which has no accreditation for no type.
      const all = await verify(verifiableCredential);
      assert.equal(all.status, 400);
      assert.equal(all.body.verified, false);
      assert.deepEqual(codes(all.body), ['CREDENTIAL_TYPE_MISSING']);
      assert.equal(all.body.checkResults.find((c: { check: string }) => c.check === 'proof').outcome, 'pass');
    });

    it('verified is false when any requested check fails, and only requested checks are reported', async () => {
      const { verifiableCredential, credentialId } = await issue(insurance());
      const revoke = await post(
        world.issuing.api,
        '/credentials/status',
        { credentialId, credentialStatus: [{ type: 'BitstringStatusListEntry', status: 'revoked' }] },
        AUTH,
      );
      assert.equal(revoke.status, 200, JSON.stringify(revoke.body));
      const proofOnly = await verify(verifiableCredential, { checks: ['proof'] });
      assert.equal(proofOnly.body.verified, true, 'a revoked credential still has a valid proof');
      const withStatus = await verify(verifiableCredential, { checks: ['proof', 'status'] });
      assert.equal(withStatus.status, 400);
      assert.equal(withStatus.body.verified, false);
      assert.deepEqual(codes(withStatus.body), ['CREDENTIAL_REVOKED']);
    });

    it('reports every failing check at once: tampered, revoked and expired', async () => {
      const { verifiableCredential, credentialId } = await issue(
        insurance({ validUntil: new Date(T0 + 120_000).toISOString() }),
      );
      await post(
        world.issuing.api,
        '/credentials/status',
        { credentialId, credentialStatus: [{ type: 'BitstringStatusListEntry', status: 'revoked' }] },
        AUTH,
      );
      const tampered = structuredClone(verifiableCredential) as { credentialSubject: { insuredNumber: string } };
      tampered.credentialSubject.insuredNumber = '00000000';
      world.clock.now = T0 + 180_000;
      try {
        const { status, body } = await verify(tampered);
        assert.equal(status, 400);
        assert.deepEqual(codes(body), ['PROOF_INVALID', 'CREDENTIAL_REVOKED', 'CREDENTIAL_EXPIRED']);
        assert.deepEqual(
          body.checkResults.map((c: { check: string; outcome: string }) => `${c.check}:${c.outcome}`),
          ['proof:fail', 'issuer:pass', 'status:fail', 'status:pass', 'validity:fail'],
        );
      } finally {
        world.clock.now = T0 + 60_000;
      }
    });

    it('an unaccredited URL issuer that is not a DID: every check runs; trust fails with ISSUER_NOT_ACCREDITED, not malformed', async () => {
      const issuerUrl = 'https://issuer.example/issuers/14';
      const list = world.issuing.issuer.lists.revocation as string;
      const credential = await signCredential(
        {
          ...insurance(),
          issuer: issuerUrl,
          validFrom: new Date(T0).toISOString(),
          credentialStatus: {
            id: `${list}#3`,
            type: 'BitstringStatusListEntry',
            statusPurpose: 'revocation',
            statusListIndex: '3',
            statusListCredential: list,
          },
        },
        world.issuerKey,
        { documentLoader: world.net.documentLoader, verificationMethod: `${issuerUrl}#key-1` },
      );
      const { status, body } = await verify(credential);
      assert.equal(status, 400);
      assert.deepEqual(
        body.checkResults.map((c: { check: string; code?: string }) => `${c.check}:${c.code ?? 'pass'}`),
        [
          'proof:PROOF_KEY_NOT_PINNED',
          'issuer:ISSUER_NOT_ACCREDITED',
          'status:STATUS_VERIFICATION_ERROR',
          'validity:pass',
        ],
      );
      assert.ok(!codes(body).includes('MALFORMED_VALUE_ERROR'));
    });

    it('400 with an error body for a request that is not a credential, or an unknown check', async () => {
      const { verifiableCredential } = await issue(insurance());
      const cases: [unknown, string, string][] = [
        [{ verifiableCredential: 'a string' }, 'REQUEST_INVALID', 'verifiableCredential'],
        [
          { verifiableCredential: { type: ['VerifiableCredential'] } },
          'REQUEST_INVALID',
          'verifiableCredential.@context',
        ],
        [
          { verifiableCredential, options: { checks: ['proof', 'bogus'] } },
          'VERIFY_CHECK_UNSUPPORTED',
          'options.checks[1]',
        ],
        [{ verifiableCredential, options: { checks: [] } }, 'VERIFY_CHECK_UNSUPPORTED', 'options.checks'],
      ];
      for (const [payload, code, field] of cases) {
        const { status, body } = await post(world.verifying.api, '/credentials/verify', payload);
        assert.equal(status, 400, JSON.stringify(payload));
        assert.deepEqual([body.code, body.field], [code, field], JSON.stringify(body));
        assert.equal(body.verified, undefined);
      }
    });
  });
}
