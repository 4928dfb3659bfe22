/**
 * VC Data Model 1.1 and 2.0 interop with @digitalbazaar/vc, both directions, eddsa-rdfc-2022 and
 * ecdsa-rdfc-2019 (issue 12): a credential our issuance path prepares (issuance/prepare-issuance.ts:
 * the status context and issuanceDate for 1.1), checks (validate-issuance.ts) and signs is verified by
 * the reference's verifyCredential with its Bitstring Status List checkStatus; a credential the
 * reference issues (vc.issue) in either version is verified by ours. The reference checks validity
 * against the wall clock, so this network's validity periods surround the real time.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as ecdsaRdfc2019 } from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { issue } from '@digitalbazaar/vc';
import { signerFor } from '../../src/crypto/keys.ts';
import {
  createDocumentLoader,
  createSampleNetwork,
  type DocumentLoader,
  EXAMPLES_CONTEXT_V1_URL,
  type KeyPair,
  MemoryRecordStore,
  prepareForIssuance,
  Registry,
  type RemoteDocument,
  requireIssuable,
  signCredential,
} from '../../src/index.ts';
import { expectOutcome, type World } from '../fixtures.ts';
import { verify } from './helpers.ts';

type Json = Record<string, unknown>;

interface ReferenceStatusResult {
  verified: boolean;
  results?: { status: boolean }[];
  error?: Error;
}
interface ReferenceVc {
  verifyCredential(options: Json): Promise<{ verified: boolean; error?: Error; statusResult?: ReferenceStatusResult }>;
}
const REFERENCE_VC_MODULE: string = '@digitalbazaar/vc';
const REFERENCE_STATUS_MODULE: string = '@digitalbazaar/vc-bitstring-status-list';
const referenceVc = (await import(REFERENCE_VC_MODULE)) as ReferenceVc;
const referenceStatus = (await import(REFERENCE_STATUS_MODULE)) as {
  checkStatus(o: Json): Promise<ReferenceStatusResult>;
};

const V1 = 'https://www.w3.org/2018/credentials/v1';
const V2 = 'https://www.w3.org/ns/credentials/v2';
const HOUR = 3600_000;

async function realTimeWorld(): Promise<World> {
  const start = Date.now() - HOUR;
  const net = await createSampleNetwork({ now: new Date(start) });
  const clock = { now: start + 60_000 };
  const store = new MemoryRecordStore();
  const registry = await Registry.open(
    { networkId: net.networkId, genesisDigest: net.genesisDigest },
    { store, now: () => clock.now },
  );
  const world: World = { net, registry, store, clock };
  for (const record of net.records) await expectOutcome(world, record, 'accept');
  return world;
}

/** The reference's loader: our held list credentials by URL, else our offline loader. */
function referenceLoader(world: World): DocumentLoader {
  const ours = createDocumentLoader({}, {});
  return async (url: string): Promise<RemoteDocument> => {
    const held = world.registry.statusList(url);
    return held ? { contextUrl: null, documentUrl: url, document: structuredClone(held.list.credential) } : ours(url);
  };
}

function unsigned(version: '1.1' | '2.0', issuer: KeyPair, list: string, index: number): Json {
  return {
    '@context': [version === '2.0' ? V2 : V1, EXAMPLES_CONTEXT_V1_URL],
    id: `urn:uuid:${crypto.randomUUID()}`,
    type: ['VerifiableCredential', 'HealthInsuranceCredential'],
    issuer: issuer.did,
    credentialSubject: { id: 'did:example:holder', insuredNumber: '12345678' },
    credentialStatus: {
      id: `${list}#${index}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: String(index),
      statusListCredential: list,
    },
  };
}

for (const [party, suiteName] of [
  ['jpHealthInsurer', 'eddsa-rdfc-2022'],
  ['twHealthInsurer', 'ecdsa-rdfc-2019'],
] as const) {
  for (const version of ['1.1', '2.0'] as const) {
    describe(`VC ${version} interop with @digitalbazaar/vc (${suiteName})`, () => {
      it('ours → reference: prepared, checked and signed by our issuance path; the reference verifies it', async () => {
        const world = await realTimeWorld();
        const issuer = world.net.keys[party];
        const prepared = prepareForIssuance(unsigned(version, issuer, world.net.lists[party], 61), {
          now: world.clock.now - 1000,
          addsStatus: false,
        });
        if (version === '2.0') prepared.credential.validFrom = new Date(world.clock.now - 1000).toISOString();
        requireIssuable(prepared.credential, world.net.documentLoader);
        const credential = await signCredential(prepared.credential, issuer, {
          documentLoader: world.net.documentLoader,
        });
        assert.equal((credential.proof as Json).cryptosuite, suiteName);
        const theirs = await referenceVc.verifyCredential({
          credential,
          suite: [
            new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 }),
            new DataIntegrityProof({ cryptosuite: ecdsaRdfc2019 }),
          ],
          documentLoader: referenceLoader(world),
          checkStatus: referenceStatus.checkStatus,
        });
        assert.equal(theirs.verified, true, theirs.error?.message ?? theirs.statusResult?.error?.message);
        assert.equal(theirs.statusResult?.results?.[0]?.status, false);
        assert.equal((await verify(world, credential)).verified, true);
      });

      it('reference → ours: issued by vc.issue; our verifier agrees, and refuses it tampered', async () => {
        const world = await realTimeWorld();
        const issuer = world.net.keys[party];
        const credential = unsigned(version, issuer, world.net.lists[party], 62);
        if (version === '1.1') {
          credential['@context'] = [V1, 'https://www.w3.org/ns/credentials/status/v1', EXAMPLES_CONTEXT_V1_URL];
        }
        const cryptosuite = issuer.type === 'Ed25519' ? eddsaRdfc2022 : ecdsaRdfc2019;
        // The reference's issue path with a low-S signer (the verifier refuses high-S ECDSA, issue 9).
        const signed = await issue({
          credential: structuredClone(credential),
          suite: new DataIntegrityProof({ signer: await signerFor(issuer), cryptosuite }),
          documentLoader: world.net.documentLoader,
        });
        // vc.issue adds issuanceDate (1.1, stamped with the wall clock) or nothing (2.0: validFrom is optional).
        assert.equal(typeof signed.issuanceDate === 'string', version === '1.1');
        world.clock.now = Date.now() + 1000;
        const ours = await verify(world, signed);
        assert.equal(ours.verified, true, JSON.stringify(ours.checks));
        const tampered = { ...signed, credentialSubject: { id: 'did:example:holder', insuredNumber: '0' } };
        assert.equal((await verify(world, tampered)).checks.find((c) => c.check === 'proof')?.code, 'PROOF_INVALID');
      });
    });
  }
}
