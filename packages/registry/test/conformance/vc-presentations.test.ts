/**
 * Verifiable presentations (VC Data Model 2.0 §4.13; Data Integrity 1.0 §2.1 `challenge`, `domain`),
 * for eddsa-rdfc-2022 and ecdsa-rdfc-2019 holders: the holder's `authentication` proof MUST carry
 * the verifier's challenge and domain and be made by the holder's key; every embedded credential is
 * verified independently of the presentation proof, and the presentation is verified only when all
 * are. Interop both ways with @digitalbazaar/vc (createPresentation / signPresentation / verify).
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as ecdsaRdfc2019 } from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { signerFor } from '../../src/crypto/keys.ts';
import {
  createDocumentLoader,
  generateKeyPair,
  type KeyPair,
  PROOF_CHALLENGE_MISMATCH,
  PROOF_DOMAIN_MISMATCH,
  signPresentation,
  verifyPresentation,
} from '../../src/index.ts';
import { expectOutcome, issueCredential, makeWorld, nextListVersion, type World } from '../fixtures.ts';

type Json = Record<string, unknown>;

/** @digitalbazaar/vc's presentation API (src/crypto/vendor.d.ts declares only what src uses). */
interface ReferenceVc {
  createPresentation(options: { verifiableCredential?: unknown; holder?: string; version?: number }): Json;
  signPresentation(options: Json): Promise<Json>;
  verify(options: Json): Promise<{ verified: boolean; error?: Error; presentationResult?: { verified: boolean } }>;
}
const REFERENCE_VC_MODULE: string = '@digitalbazaar/vc';
const reference = (await import(REFERENCE_VC_MODULE)) as ReferenceVc;

const CHALLENGE = 'c0ae1c8e-c7e7-469f-b252-86e6a0e7387e';
const DOMAIN = 'pharmacy.example';

function presentationOf(holder: KeyPair, credentials: Json[]): Json {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    type: ['VerifiablePresentation'],
    holder: holder.did,
    verifiableCredential: credentials,
  };
}

function verifyVp(
  world: World,
  presentation: unknown,
  options: { challenge?: string; domain?: string; unsigned?: boolean } = {},
) {
  return verifyPresentation(presentation, {
    view: world.registry,
    documentLoader: world.registry.documentLoader,
    now: world.clock.now,
    ...options,
  });
}

const codes = (result: Awaited<ReturnType<typeof verifyVp>>) => result.checks.map((c) => c.code ?? 'pass');

for (const [holderType, suite] of [
  ['Ed25519', 'eddsa-rdfc-2022'],
  ['P-256', 'ecdsa-rdfc-2019'],
] as const) {
  describe(`verifiable presentations (${suite} holder)`, () => {
    async function setup() {
      const world = await makeWorld();
      const holder = await generateKeyPair(holderType);
      const jp = await issueCredential(world, world.net.keys.jpHealthInsurer, { index: 51 });
      const tw = await issueCredential(world, world.net.keys.twHealthInsurer, {
        list: world.net.lists.twHealthInsurer,
        index: 52,
      });
      const sign = (vp: Json, options: { challenge?: string; domain?: string } = {}) =>
        signPresentation(vp, holder, {
          documentLoader: world.net.documentLoader,
          challenge: options.challenge ?? CHALLENGE,
          ...(options.domain !== undefined ? { domain: options.domain } : { domain: DOMAIN }),
        });
      return { world, holder, jp, tw, sign };
    }

    it('verifies the holder proof with challenge and domain, and each credential (eddsa and ecdsa issuers)', async () => {
      const { world, holder, jp, tw, sign } = await setup();
      const vp = await sign(presentationOf(holder, [jp, tw]));
      assert.equal((vp.proof as Json).cryptosuite, suite);
      const result = await verifyVp(world, vp, { challenge: CHALLENGE, domain: DOMAIN });
      assert.equal(result.verified, true, JSON.stringify(result));
      assert.deepEqual(codes(result), ['pass']);
      assert.deepEqual(
        result.credentials.map((c) => c.verified),
        [true, true],
      );
      assert.deepEqual(result.warnings, []);
    });

    it('MUST match the verifier’s challenge and domain: a replayed or misdirected presentation fails', async () => {
      const { world, holder, jp, sign } = await setup();
      const vp = await sign(presentationOf(holder, [jp]));
      const replayed = await verifyVp(world, vp, { challenge: 'another-challenge', domain: DOMAIN });
      assert.deepEqual([replayed.verified, codes(replayed)], [false, [PROOF_CHALLENGE_MISMATCH]]);
      const elsewhere = await verifyVp(world, vp, { challenge: CHALLENGE, domain: 'other.example' });
      assert.deepEqual([elsewhere.verified, codes(elsewhere)], [false, [PROOF_DOMAIN_MISMATCH]]);
      // No challenge asked for: the proof still verifies, with a warning that nothing rules out a replay.
      const unasked = await verifyVp(world, vp);
      assert.equal(unasked.verified, true);
      assert.match(unasked.warnings.join(' '), /no challenge was given/);
    });

    it('the proof MUST be the holder’s: another key, or an edited presentation, fails', async () => {
      const { world, holder, jp, sign } = await setup();
      const impostor = await generateKeyPair(holderType);
      // Signed by the impostor, claiming the holder.
      const claimed = await signPresentation(presentationOf(holder, [jp]), impostor, {
        documentLoader: world.net.documentLoader,
        challenge: CHALLENGE,
      });
      assert.deepEqual(codes(await verifyVp(world, claimed, { challenge: CHALLENGE })), ['PROOF_WRONG_CONTROLLER']);
      const vp = await sign(presentationOf(holder, [jp]));
      const edited = { ...vp, holder: impostor.did };
      assert.equal((await verifyVp(world, edited, { challenge: CHALLENGE })).verified, false);
    });

    it('each credential is verified whatever the presentation proof found, and vice versa', async () => {
      const { world, holder, jp, tw, sign } = await setup();
      // Revoke the JP credential: the presentation proof passes, the credential does not.
      const { jpHealthInsurer } = world.net.keys;
      await expectOutcome(
        world,
        await nextListVersion(world, jpHealthInsurer, world.net.lists.jpHealthInsurer, { 51: 1 }),
        'accept',
      );
      const vp = await sign(presentationOf(holder, [jp, tw]));
      const revoked = await verifyVp(world, vp, { challenge: CHALLENGE, domain: DOMAIN });
      assert.equal(revoked.verified, false);
      assert.deepEqual(codes(revoked), ['pass']);
      assert.deepEqual(
        revoked.credentials.map((c) => c.checks.filter((k) => k.outcome !== 'pass').map((k) => k.code)),
        [['CREDENTIAL_REVOKED'], []],
      );
      // A credential edited after the holder signed: both the presentation proof and its own proof fail.
      const tampered = structuredClone(vp) as { verifiableCredential: { credentialSubject: Json }[] };
      (tampered.verifiableCredential[1] as { credentialSubject: Json }).credentialSubject.insuredNumber = '0';
      const both = await verifyVp(world, tampered, { challenge: CHALLENGE, domain: DOMAIN });
      assert.deepEqual(codes(both), ['PROOF_INVALID']);
      assert.equal(both.credentials[1]?.checks.find((c) => c.check === 'proof')?.code, 'PROOF_INVALID');
    });

    it('a presentation without proof: refused as verifiable, its credentials verified when asked as proofless', async () => {
      const { world, holder, jp } = await setup();
      const bare = presentationOf(holder, [jp]);
      assert.deepEqual(codes(await verifyVp(world, bare, { challenge: CHALLENGE })), ['PROOF_MISSING']);
      const proofless = await verifyVp(world, bare, { unsigned: true });
      assert.equal(proofless.verified, true);
      assert.deepEqual(proofless.checks, []);
      // Shape: type MUST include VerifiablePresentation.
      const notVp = await verifyVp(world, { ...bare, type: ['Presentation'] }, { unsigned: true });
      assert.deepEqual(codes(notVp), ['MALFORMED_VALUE_ERROR', 'CONTEXT_TYPE_UNDEFINED']);
    });

    it('interop: the reference verifies our presentation, and we verify one it made', async () => {
      const { world, holder, jp, sign } = await setup();
      const documentLoader = createDocumentLoader({}, {});
      const suites = [
        new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 }),
        new DataIntegrityProof({ cryptosuite: ecdsaRdfc2019 }),
      ];
      const vp = await sign(presentationOf(holder, [jp]));
      const theirs = await reference.verify({
        presentation: vp,
        challenge: CHALLENGE,
        domain: DOMAIN,
        suite: suites,
        documentLoader,
        // Status is compared with the reference in integration/interop.test.ts; here, the proofs.
        checkStatus: async () => ({ verified: true }),
      });
      assert.equal(theirs.verified, true, theirs.error?.message);

      const made = reference.createPresentation({ verifiableCredential: [jp], holder: holder.did, version: 2.0 });
      const cryptosuite = holder.type === 'Ed25519' ? eddsaRdfc2022 : ecdsaRdfc2019;
      const signed = await reference.signPresentation({
        presentation: made,
        suite: new DataIntegrityProof({ signer: await signerFor(holder), cryptosuite }),
        challenge: CHALLENGE,
        documentLoader,
      });
      const ours = await verifyVp(world, signed, { challenge: CHALLENGE });
      assert.equal(ours.verified, true, JSON.stringify(ours));
    });
  });
}
