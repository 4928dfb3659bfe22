/**
 * Data Integrity 1.0 §4 (https://www.w3.org/TR/vc-data-integrity/): proof sets and proof chains, for
 * eddsa-rdfc-2022 and ecdsa-rdfc-2019. Every proof of a set is verified over the document without
 * the others; a proof naming `previousProof` is verified over the document with the proofs it names
 * (§4.5); the document verifies only when every proof does, and a `previousProof` that names no
 * proof of the document raises PROOF_VERIFICATION_ERROR.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as ecdsaRdfc2019 } from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { CredentialIssuancePurpose } from '@digitalbazaar/vc';
import { signerFor } from '../../src/crypto/keys.ts';
import type { KeyPair } from '../../src/index.ts';
import { issueCredential, makeWorld, T0, type World } from '../fixtures.ts';
import { verify } from './helpers.ts';

type Json = Record<string, unknown>;

const SUITES = [
  ['jpHealthInsurer', 'eddsa-rdfc-2022', eddsaRdfc2022],
  ['twHealthInsurer', 'ecdsa-rdfc-2019', ecdsaRdfc2019],
] as const;

function withoutProof(credential: Json): Json {
  const { proof: _proof, ...rest } = credential;
  return rest;
}

/** A proof over `unsigned` with an id and a `created`, signed as signCredential signs (low-S for P-256). */
function proofOf(world: World, unsigned: Json, key: KeyPair, id: string, created: number): Promise<Json> {
  return chainedProof(world, unsigned, key, [], { id, created: new Date(created).toISOString().replace('.000Z', 'Z') });
}

/** A proof with `options` (id, previousProof, created …) over `unsigned` and the `previous` proofs. */
async function chainedProof(
  world: World,
  unsigned: Json,
  key: KeyPair,
  previous: Json[],
  options: Json,
): Promise<Json> {
  const cryptosuite = key.type === 'Ed25519' ? eddsaRdfc2022 : ecdsaRdfc2019;
  const suite = new DataIntegrityProof({ signer: await signerFor(key), cryptosuite, date: null });
  // DataIntegrityProof copies `this.proof` into the new proof's options.
  (suite as unknown as { proof: Json }).proof = { ...options, type: 'DataIntegrityProof' };
  // Data Integrity §4.5: the chained proof signs the document with `proof` set to its previous proofs.
  const document = previous.length > 0 ? { ...unsigned, proof: previous } : unsigned;
  return (
    suite as unknown as {
      createProof(o: Json): Promise<Json>;
    }
  ).createProof({
    document: structuredClone(document),
    purpose: new CredentialIssuancePurpose(),
    proofSet: previous,
    documentLoader: world.net.documentLoader,
  });
}

for (const [party, suiteName] of SUITES) {
  describe(`Data Integrity §4 proof sets and chains (${suiteName})`, () => {
    async function setup() {
      const world = await makeWorld();
      const key = world.net.keys[party];
      const signed = await issueCredential(world, key, { list: world.net.lists[party], index: 31 });
      return { world, key, unsigned: withoutProof(signed) };
    }

    it('a proof set: every proof verified over the document alone; passes when all pass', async () => {
      const { world, key, unsigned } = await setup();
      const p1 = await proofOf(world, unsigned, key, 'urn:uuid:proof-1', T0);
      const p2 = await proofOf(world, unsigned, key, 'urn:uuid:proof-2', T0 + 1000);
      const result = await verify(world, { ...unsigned, proof: [p1, p2] });
      assert.equal(result.verified, true, JSON.stringify(result.checks));
      const proof = result.checks.find((c) => c.check === 'proof');
      assert.equal((proof?.details?.proofs as unknown[] | undefined)?.length, 2);
    });

    it('a proof set fails when one proof fails: a bad signature, or a proof by another party', async () => {
      const { world, key, unsigned } = await setup();
      const p1 = await proofOf(world, unsigned, key, 'urn:uuid:proof-1', T0);
      const p2 = await proofOf(world, unsigned, key, 'urn:uuid:proof-2', T0 + 1000);
      const forged = { ...p2, created: new Date(T0 + 5000).toISOString() };
      const bad = await verify(world, { ...unsigned, proof: [p1, forged] }, ['proof']);
      assert.equal(bad.verified, false);
      assert.equal(bad.checks[0]?.code, 'PROOF_INVALID');
      assert.match(bad.checks[0]?.message ?? '', /^proof\[1\]: /);
      // Another party's valid proof in the set: the issuer did not make it (assertionMethod of the issuer).
      const other = party === 'jpHealthInsurer' ? world.net.keys.jpAgency : world.net.keys.jpHealthInsurer;
      const theirs = await proofOf(world, { ...unsigned }, other, 'urn:uuid:proof-3', T0);
      const mixed = await verify(world, { ...unsigned, proof: [p1, theirs] }, ['proof']);
      assert.equal(mixed.checks[0]?.code, 'PROOF_WRONG_CONTROLLER');
    });

    it('a proof chain: previousProof resolved, the chained proof verified over the document with it', async () => {
      const { world, key, unsigned } = await setup();
      const p1 = await proofOf(world, unsigned, key, 'urn:uuid:proof-1', T0);
      const p2 = await chainedProof(world, unsigned, key, [p1], {
        id: 'urn:uuid:proof-2',
        previousProof: 'urn:uuid:proof-1',
      });
      const result = await verify(world, { ...unsigned, proof: [p1, p2] });
      assert.equal(result.verified, true, JSON.stringify(result.checks));
      // A chain of three, the last naming both before it (previousProof as a list).
      const p3 = await chainedProof(world, unsigned, key, [p1, p2], {
        id: 'urn:uuid:proof-3',
        previousProof: ['urn:uuid:proof-1', 'urn:uuid:proof-2'],
      });
      assert.equal((await verify(world, { ...unsigned, proof: [p1, p2, p3] }, ['proof'])).verified, true);
    });

    it('MUST raise PROOF_VERIFICATION_ERROR when previousProof names no proof of the document', async () => {
      const { world, key, unsigned } = await setup();
      const p1 = await proofOf(world, unsigned, key, 'urn:uuid:proof-1', T0);
      const p2 = await chainedProof(world, unsigned, key, [p1], {
        id: 'urn:uuid:proof-2',
        previousProof: 'urn:uuid:proof-1',
      });
      // The holder drops the first proof: the chain no longer resolves.
      const dropped = await verify(world, { ...unsigned, proof: [p2] }, ['proof']);
      assert.deepEqual([dropped.checks[0]?.code, dropped.verified], ['PROOF_VERIFICATION_ERROR', false]);
      // A chained proof presented as a set member (its previous proof swapped for another) does not verify.
      const p1b = await proofOf(world, unsigned, key, 'urn:uuid:proof-1', T0 + 7000);
      const swapped = await verify(world, { ...unsigned, proof: [p1b, p2] }, ['proof']);
      assert.equal(swapped.checks[0]?.code, 'PROOF_INVALID');
      // Duplicate ids make a reference ambiguous.
      const twice = await verify(world, { ...unsigned, proof: [p1, { ...p1 }, p2] }, ['proof']);
      assert.equal(twice.checks[0]?.code, 'PROOF_VERIFICATION_ERROR');
    });

    it('bounds the work: more than 8 proofs are refused before any signature is checked', async () => {
      const { world, key, unsigned } = await setup();
      const p1 = await proofOf(world, unsigned, key, 'urn:uuid:proof-1', T0);
      const many = Array.from({ length: 9 }, (_, i) => ({ ...p1, id: `urn:uuid:p-${i}` }));
      const result = await verify(world, { ...unsigned, proof: many }, ['proof']);
      assert.equal(result.checks[0]?.code, 'PROOF_VERIFICATION_ERROR');
    });
  });
}
