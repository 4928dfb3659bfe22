/**
 * Interoperability with Digital Bazaar's reference implementation of the Bitstring Status List
 * (@digitalbazaar/vc-bitstring-status-list v2, on @digitalbazaar/bitstring and pako) and of VC
 * verification (@digitalbazaar/vc): lists either side makes are read identically by the other, and
 * credentials either side signs verify on the other, with the same revoked / not-revoked answers.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as ecdsaRdfc2019 } from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { issue } from '@digitalbazaar/vc';
import {
  createDocumentLoader,
  createSampleNetwork,
  createStatusList,
  type DocumentLoader,
  decodeStatusList,
  EXAMPLES_CONTEXT_V1_URL,
  encodeStatusList,
  issueStatusList,
  type KeyPair,
  MemoryRecordStore,
  MIN_STATUS_LIST_ENTRIES,
  Registry,
  type RemoteDocument,
  readStatus,
  verifyCredential,
  writeStatus,
} from '../../src/index.ts';
import { expectOutcome, issueCredential, makeWorld, T0, verify, type World } from '../fixtures.ts';

/** The subset of @digitalbazaar/vc-bitstring-status-list used here (the package ships no types). */
interface ReferenceList {
  readonly length: number;
  setStatus(index: number, status: boolean): void;
  getStatus(index: number): boolean;
  encode(): Promise<string>;
  bitstring: { bits: Uint8Array };
}
interface ReferenceStatusResult {
  verified: boolean;
  results?: { verified: boolean; status: boolean; credentialStatus: Record<string, unknown> }[];
  error?: Error;
}
interface ReferenceStatusModule {
  createList(options: { length: number }): Promise<ReferenceList>;
  decodeList(options: { encodedList: string }): Promise<ReferenceList>;
  createCredential(options: {
    id: string;
    list: ReferenceList;
    statusPurpose: string;
    context?: string[];
  }): Promise<Record<string, unknown>>;
  /** The VC 1.1 form of a list credential's `@context`: credentials/v1 and the status list context. */
  VC_BSL_VC_V1_CONTEXT: string[];
  checkStatus(options: Record<string, unknown>): Promise<ReferenceStatusResult>;
  statusTypeMatches(options: { credential: Record<string, unknown> }): boolean;
}
/** @digitalbazaar/vc's verifyCredential (src/crypto/vendor.d.ts declares only what src uses). */
interface ReferenceVcModule {
  verifyCredential(options: {
    credential: unknown;
    suite: unknown;
    documentLoader: DocumentLoader;
    checkStatus?: (options: Record<string, unknown>) => Promise<ReferenceStatusResult>;
    now?: Date;
  }): Promise<{ verified: boolean; error?: Error; statusResult?: ReferenceStatusResult }>;
}
// Module names held in variables so the compiler does not look for declarations the packages lack.
const REFERENCE_STATUS_MODULE: string = '@digitalbazaar/vc-bitstring-status-list';
const REFERENCE_VC_MODULE: string = '@digitalbazaar/vc';
const reference = (await import(REFERENCE_STATUS_MODULE)) as ReferenceStatusModule;
const referenceVc = (await import(REFERENCE_VC_MODULE)) as ReferenceVcModule;

const HOUR = 3600_000;

/** Deterministic pseudo-random indices (xorshift32), so failures reproduce. */
function randomIndices(count: number, max: number, seed: number): number[] {
  let x = seed >>> 0 || 1;
  const picked = new Set<number>();
  while (picked.size < count) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    picked.add(x % max);
  }
  return [...picked];
}

/** Indices every test touches: both ends of the list and of a byte, plus ~1 % at random. */
function interestingIndices(seed: number): number[] {
  const n = MIN_STATUS_LIST_ENTRIES;
  return [...new Set([0, 1, 7, 8, 9, 15, n - 8, n - 1, ...randomIndices(n / 100, n, seed)])];
}

/** Signs a credential the reference way: vc.issue with DataIntegrityProof/eddsa-rdfc-2022 and a Multikey signer. */
async function referenceSign(credential: Record<string, unknown>, keyPair: KeyPair, documentLoader: DocumentLoader) {
  const key = await Ed25519Multikey.from({
    type: 'Multikey',
    id: keyPair.verificationMethod,
    controller: keyPair.did,
    publicKeyMultibase: keyPair.publicKeyMultibase,
    secretKeyMultibase: keyPair.secretKeyMultibase,
  });
  const suite = new DataIntegrityProof({ signer: key.signer(), cryptosuite: eddsaRdfc2022 });
  return issue({ credential: structuredClone(credential), suite, documentLoader });
}

function withoutProof(credential: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...credential };
  delete copy.proof;
  return copy;
}

/** A list made by the reference library, turned into a registry record by adding what trustmesh requires. */
async function referenceListCredential(world: World, id: string, list: ReferenceList, validFrom: number) {
  const issuer = world.net.keys.jpHealthInsurer;
  const unsigned = await reference.createCredential({ id, list, statusPurpose: 'revocation' });
  // createCredential leaves out issuer and validFrom (the caller's to choose); trustmesh requires
  // validFrom, which orders the versions of a list.
  return referenceSign(
    { ...unsigned, issuer: issuer.did, validFrom: new Date(validFrom).toISOString() },
    issuer,
    world.net.documentLoader,
  );
}

describe('interop: lists made by the reference library, read by trustmesh', () => {
  it('admits a reference-made, reference-signed list and answers every entry as the reference does', async () => {
    const world = await makeWorld();
    const issuer = world.net.keys.jpHealthInsurer;
    const id = 'https://status.example/lists/jp-health/reference';
    const revoked = interestingIndices(1);
    const list = await reference.createList({ length: MIN_STATUS_LIST_ENTRIES });
    for (const index of revoked.slice(0, revoked.length / 2)) list.setStatus(index, true);
    world.clock.now += 1000;
    await expectOutcome(world, await referenceListCredential(world, id, list, world.clock.now), 'accept');

    // A second version (more bits set, as revocations accumulate) is admitted as an update.
    for (const index of revoked) list.setStatus(index, true);
    world.clock.now += 1000;
    const v2 = await referenceListCredential(world, id, list, world.clock.now);
    await expectOutcome(world, v2, 'accept');
    const held = world.registry.statusList(id);
    assert.equal(held?.list.validFrom, world.clock.now);

    // Every one of the 131,072 entries reads the same as the reference's getStatus.
    const bits = held.list.bits;
    assert.equal(bits.length * 8, list.length);
    for (let i = 0; i < list.length; i++) {
      if (readStatus(bits, i, 1) !== Number(list.getStatus(i)))
        assert.fail(`entry ${i}: ours ${readStatus(bits, i, 1)}, reference ${list.getStatus(i)}`);
    }

    // Credentials pointing into it, signed by us and by the reference path, verify with our
    // verifyCredential: revoked exactly where the reference says the bit is set.
    const notRevoked = randomIndices(8, MIN_STATUS_LIST_ENTRIES, 99).filter((i) => !list.getStatus(i));
    const indices = [...revoked.slice(0, 8), ...notRevoked];
    for (const [n, index] of indices.entries()) {
      const ours = await issueCredential(world, issuer, { list: id, index });
      const credential = n % 2 === 0 ? ours : await referenceSign(withoutProof(ours), issuer, world.net.documentLoader);
      const result = await verify(world, credential);
      const status = result.checks.find((c) => c.check === 'status');
      if (list.getStatus(index)) {
        assert.equal(status?.code, 'CREDENTIAL_REVOKED', `index ${index}: ${JSON.stringify(status)}`);
        assert.equal(result.verified, false);
      } else {
        assert.equal(status?.outcome, 'pass', `index ${index}: ${JSON.stringify(status)}`);
        assert.equal(result.verified, true, JSON.stringify(result.checks));
      }
    }
  });

  it('rejects a reference-made update that clears a revoked bit', async () => {
    const world = await makeWorld();
    const id = 'https://status.example/lists/jp-health/reference';
    const list = await reference.createList({ length: MIN_STATUS_LIST_ENTRIES });
    list.setStatus(4242, true);
    world.clock.now += 1000;
    await expectOutcome(world, await referenceListCredential(world, id, list, world.clock.now), 'accept');
    list.setStatus(4242, false);
    world.clock.now += 1000;
    await expectOutcome(
      world,
      await referenceListCredential(world, id, list, world.clock.now),
      'reject',
      'STATUS_LIST_ROLLBACK',
    );
  });

  it('refuses the reference’s VC 1.1 form of a list, and reads VC 1.1 credentials against a VC 2.0 list', async () => {
    const world = await makeWorld();
    const issuer = world.net.keys.jpHealthInsurer;
    // Records are VC 2.0 (DESIGN.md, Records §3); createCredential can also make the VC 1.1 form.
    const list = await reference.createList({ length: MIN_STATUS_LIST_ENTRIES });
    const v1 = await reference.createCredential({
      id: 'https://status.example/lists/jp-health/v1',
      list,
      statusPurpose: 'revocation',
      context: reference.VC_BSL_VC_V1_CONTEXT,
    });
    const signed = await referenceSign(
      { ...v1, issuer: issuer.did, issuanceDate: new Date(T0).toISOString(), validFrom: new Date(T0).toISOString() },
      issuer,
      world.net.documentLoader,
    );
    await expectOutcome(world, signed, 'reject', 'MALFORMED_VALUE_ERROR');
    // A VC 1.1 credential may still carry a BitstringStatusListEntry (with the status list context).
    const credential = await referenceSign(
      {
        '@context': [...reference.VC_BSL_VC_V1_CONTEXT, EXAMPLES_CONTEXT_V1_URL],
        id: `urn:uuid:${crypto.randomUUID()}`,
        type: ['VerifiableCredential', 'HealthInsuranceCredential'],
        issuer: issuer.did,
        issuanceDate: new Date(T0 + 1000).toISOString(),
        credentialSubject: { id: 'did:example:holder', insuredNumber: '12345678' },
        credentialStatus: {
          id: `${world.net.lists.jpHealthInsurer}#4`,
          type: 'BitstringStatusListEntry',
          statusPurpose: 'revocation',
          statusListIndex: '4',
          statusListCredential: world.net.lists.jpHealthInsurer,
        },
      },
      issuer,
      world.net.documentLoader,
    );
    const result = await verify(world, credential);
    assert.equal(result.verified, true, JSON.stringify(result.checks));
  });
});

describe('interop: lists and credentials made by trustmesh, verified by the reference library', () => {
  // The reference verifies against the wall clock (checkStatus verifies the list credential with
  // vc.verifyCredential and no `now`), so this network's validity periods surround the real time.
  async function ourWorld() {
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

  /** The reference verifier's loader: our list credentials by URL, else our offline loader. */
  function referenceLoader(lists: Map<string, Record<string, unknown>>): DocumentLoader {
    const ours = createDocumentLoader({}, {});
    return async (url: string): Promise<RemoteDocument> => {
      const list = lists.get(url);
      return list ? { contextUrl: null, documentUrl: url, document: structuredClone(list) } : ours(url);
    };
  }

  for (const [party, suiteName] of [
    ['jpHealthInsurer', 'eddsa-rdfc-2022'],
    ['twHealthInsurer', 'ecdsa-rdfc-2019'],
  ] as const) {
    it(`verifies our ${suiteName} list and credentials with vc.verifyCredential + checkStatus, same answers`, async () => {
      const world = await ourWorld();
      const issuer = world.net.keys[party];
      const id = `https://status.example/lists/${party}/interop`;
      const revoked = interestingIndices(party.length);
      const bits = createStatusList(MIN_STATUS_LIST_ENTRIES);
      for (const index of revoked) writeStatus(bits, index, 1, 1);
      const listCredential = await issueStatusList(
        { issuer, id, statusPurpose: 'revocation', bits, validFrom: new Date(world.clock.now), ttl: 300_000 },
        world.net.documentLoader,
      );
      await expectOutcome(world, listCredential, 'accept');

      const documentLoader = referenceLoader(new Map([[id, listCredential]]));
      const suite = [
        new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 }),
        new DataIntegrityProof({ cryptosuite: ecdsaRdfc2019 }),
      ];
      const notRevoked = randomIndices(6, MIN_STATUS_LIST_ENTRIES, 7).filter((i) => readStatus(bits, i, 1) === 0);
      for (const index of [...revoked.slice(0, 6), ...notRevoked]) {
        const credential = await issueCredential(world, issuer, { list: id, index, validFrom: world.clock.now - 1000 });
        assert.equal(reference.statusTypeMatches({ credential }), true);

        const theirs = await referenceVc.verifyCredential({
          credential,
          suite,
          documentLoader,
          checkStatus: reference.checkStatus,
        });
        assert.equal(
          theirs.verified,
          true,
          `reference: ${theirs.error?.message ?? theirs.statusResult?.error?.message}`,
        );
        // The reference reports the bit, not a verdict: `verified` is about the checks, `status` the value.
        const bit = theirs.statusResult?.results?.[0]?.status;
        assert.equal(bit, readStatus(bits, index, 1) === 1);

        const ours = await verifyCredential(credential, {
          view: world.registry,
          documentLoader: world.registry.documentLoader,
          now: world.clock.now,
        });
        const status = ours.checks.find((c) => c.check === 'status');
        assert.equal(status?.code === 'CREDENTIAL_REVOKED', bit, `index ${index}: ${JSON.stringify(ours.checks)}`);
        assert.equal(ours.verified, !bit, JSON.stringify(ours.checks));
      }
    });
  }

  it('agrees that a tampered list does not verify', async () => {
    const world = await ourWorld();
    const issuer = world.net.keys.jpHealthInsurer;
    const id = 'https://status.example/lists/jp-health/tampered';
    const bits = createStatusList(MIN_STATUS_LIST_ENTRIES);
    writeStatus(bits, 5, 1, 1);
    const signed = await issueStatusList(
      { issuer, id, statusPurpose: 'revocation', bits, validFrom: new Date(world.clock.now) },
      world.net.documentLoader,
    );
    // Clear the revoked bit without re-signing.
    const tampered = structuredClone(signed) as { credentialSubject: { encodedList: string } };
    tampered.credentialSubject.encodedList = encodeStatusList(createStatusList(MIN_STATUS_LIST_ENTRIES));
    await expectOutcome(world, tampered, 'reject', 'PROOF_INVALID');

    const credential = await issueCredential(world, issuer, { list: id, index: 5, validFrom: world.clock.now - 1000 });
    const documentLoader = referenceLoader(new Map([[id, tampered]]));
    const suite = new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 });
    const theirs = await referenceVc.verifyCredential({
      credential,
      suite,
      documentLoader,
      checkStatus: reference.checkStatus,
    });
    assert.equal(theirs.verified, false);
    assert.match(theirs.statusResult?.error?.message ?? '', /BitstringStatusListCredential" not verified/);
  });
});

describe('interop: encodedList bytes', () => {
  it('decodes the reference encoder’s output to the same bits, and the reference decodes ours', async () => {
    for (const [seed, length] of [
      [1, MIN_STATUS_LIST_ENTRIES],
      [2, MIN_STATUS_LIST_ENTRIES],
      [3, 2 * MIN_STATUS_LIST_ENTRIES],
    ] as const) {
      const indices = seed === 1 ? [] : interestingIndices(seed).map((i) => (i * length) / MIN_STATUS_LIST_ENTRIES);
      // Reference → ours.
      const list = await reference.createList({ length });
      for (const index of indices) list.setStatus(index, true);
      const theirs = await list.encode();
      const decoded = decodeStatusList(theirs, { maxEntries: 2 ** 26, statusSize: 1 });
      assert.deepEqual(decoded, list.bitstring.bits);
      // Ours → reference.
      const bits = createStatusList(length);
      for (const index of indices) writeStatus(bits, index, 1, 1);
      assert.deepEqual(bits, list.bitstring.bits);
      const back = await reference.decodeList({ encodedList: encodeStatusList(bits) });
      assert.deepEqual(new Uint8Array(back.bitstring.bits), bits);
      for (const index of indices) assert.equal(back.getStatus(index), true);
      // Both start with the same GZIP header (10 bytes → 13 base64url characters after "u").
      assert.equal(encodeStatusList(bits).slice(0, 14), theirs.slice(0, 14));
    }
  });
});
