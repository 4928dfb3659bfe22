import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createDocumentLoader,
  createProofOptionsCache,
  generateKeyPair,
  type KeyPair,
  type ProofVerification,
  signCredential,
  verifyCredentialProof,
} from '../../src/crypto/index.ts';
import { statusList } from './crypto-fixtures.ts';

const OPTIONS = {
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  type: 'DataIntegrityProof',
  cryptosuite: 'eddsa-rdfc-2022',
  verificationMethod: 'did:key:z6MkExample#z6MkExample',
  proofPurpose: 'assertionMethod',
};

/** A canonicalizer that counts its calls and names its input, standing in for jsonld. */
function counting() {
  const seen: string[] = [];
  return {
    seen,
    canonize: (label: string) => () => {
      seen.push(label);
      return Promise.resolve(`<${label}>`);
    },
  };
}

describe('createProofOptionsCache', () => {
  it('canonicalizes equal options once, whatever their proofValue and key order', async () => {
    const cache = createProofOptionsCache(8);
    const { seen, canonize } = counting();
    assert.equal(await cache.canonical({ ...OPTIONS, proofValue: 'z1' }, canonize('a')), '<a>');
    const reordered = Object.fromEntries(Object.entries({ ...OPTIONS, proofValue: 'z2' }).reverse());
    assert.equal(await cache.canonical(reordered, canonize('b')), '<a>');
    assert.deepEqual(seen, ['a']);
    assert.equal(cache.size, 1);
  });

  it('canonicalizes afresh when any option or the context differs', async () => {
    const cache = createProofOptionsCache(8);
    const { seen, canonize } = counting();
    await cache.canonical(OPTIONS, canonize('base'));
    await cache.canonical({ ...OPTIONS, created: '2026-01-01T00:00:00Z' }, canonize('created'));
    await cache.canonical({ ...OPTIONS, verificationMethod: 'did:key:z6MkOther#z6MkOther' }, canonize('method'));
    await cache.canonical({ ...OPTIONS, proofPurpose: 'authentication' }, canonize('purpose'));
    await cache.canonical(
      { ...OPTIONS, '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/trustmesh/v1'] },
      canonize('context'),
    );
    assert.deepEqual(seen, ['base', 'created', 'method', 'purpose', 'context']);
  });

  it('evicts the least recently used entry beyond its size', async () => {
    const cache = createProofOptionsCache(2);
    const { seen, canonize } = counting();
    const a = { ...OPTIONS, created: 'a' };
    const b = { ...OPTIONS, created: 'b' };
    const c = { ...OPTIONS, created: 'c' };
    await cache.canonical(a, canonize('a'));
    await cache.canonical(b, canonize('b'));
    await cache.canonical(a, canonize('a again')); // a is now the most recently used
    await cache.canonical(c, canonize('c')); // evicts b
    await cache.canonical(a, canonize('a third'));
    await cache.canonical(b, canonize('b again'));
    assert.deepEqual(seen, ['a', 'b', 'c', 'b again']);
    assert.equal(cache.size, 2);
  });

  it('shares one computation between concurrent requests, and forgets a failed one', async () => {
    const cache = createProofOptionsCache(4);
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(new Error('no context'));
    };
    const results = await Promise.allSettled([cache.canonical(OPTIONS, failing), cache.canonical(OPTIONS, failing)]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    );
    assert.equal(calls, 1);
    assert.equal(cache.size, 0);
    assert.equal(await cache.canonical(OPTIONS, () => Promise.resolve('ok')), 'ok');
  });

  it('refuses a size that is not a positive integer', () => {
    for (const size of [0, -1, 1.5, Number.NaN]) assert.throws(() => createProofOptionsCache(size), RangeError);
  });
});

describe('proof verification with the loader’s memo', () => {
  const memoized = createDocumentLoader({}, {});
  const plain = createDocumentLoader({ proofOptionsCacheSize: 0 }, {});

  function list(issuer: KeyPair, id: string, statusPurpose = 'revocation') {
    const unsigned = statusList(issuer.did) as { id: string; credentialSubject: Record<string, unknown> };
    return { ...unsigned, id, credentialSubject: { ...unsigned.credentialSubject, id: `${id}#list`, statusPurpose } };
  }

  /** Verifies with and without the memo; both must give the same answer. */
  async function both(credential: unknown): Promise<ProofVerification> {
    const withMemo = await verifyCredentialProof(credential, { documentLoader: memoized });
    const without = await verifyCredentialProof(credential, { documentLoader: plain });
    assert.equal(withMemo.verified, without.verified);
    if (!withMemo.verified && !without.verified) assert.equal(withMemo.error.code, without.error.code);
    return withMemo;
  }

  it('carries a memo only when enabled', () => {
    assert.ok(memoized.proofOptionsCache);
    assert.equal(plain.proofOptionsCache, undefined);
  });

  for (const type of ['Ed25519', 'P-256'] as const) {
    it(`verifies ${type} proofs with the memo as without it, and still catches every forgery`, async () => {
      const issuer = await generateKeyPair(type);
      const first = await signCredential(list(issuer, 'https://issuer.example.jp/status/1'), issuer, {
        documentLoader: memoized,
      });
      const second = await signCredential(list(issuer, 'https://issuer.example.jp/status/2'), issuer, {
        documentLoader: memoized,
      });
      const before = memoized.proofOptionsCache?.size ?? 0;
      assert.equal((await both(first)).verified, true);
      assert.equal((await both(second)).verified, true);
      // No `created`: both proofs have the same options, so they share one memo entry. The
      // ecdsa-rdfc-2019 suite computes its verify data itself and does not use the memo.
      assert.equal(memoized.proofOptionsCache?.size, before + (type === 'Ed25519' ? 1 : 0));

      // A document changed after signing: its canonical form is never memoized.
      const tampered = structuredClone(second) as { credentialSubject: { statusPurpose: string } };
      tampered.credentialSubject.statusPurpose = 'suspension';
      assert.equal((await both(tampered)).verified, false);
      // One credential's signature moved onto another with the same options.
      const swapped = { ...second, proof: (first as { proof: unknown }).proof };
      assert.equal((await both(swapped)).verified, false);
      // Options changed after signing (a `created` the signer never signed).
      const dated = structuredClone(first) as { proof: Record<string, unknown> };
      dated.proof.created = '2025-06-01T00:00:00Z';
      assert.equal((await both(dated)).verified, false);
      // The genuine ones still verify after all that.
      assert.equal((await both(first)).verified, true);
    });
  }
});

describe('jsonld context caching', () => {
  it('loads no bundled context again once a proof of the same shape was checked (static tag)', async () => {
    const loader = createDocumentLoader({}, {});
    const loaded: string[] = [];
    // A plain wrapper: passes the loader's answers through, tag included, and has no memo.
    const counting = async (url: string) => {
      loaded.push(url);
      return loader(url);
    };
    const issuer = await generateKeyPair('Ed25519');
    const signed = await signCredential(statusList(issuer.did), issuer, { documentLoader: loader });
    assert.equal((await verifyCredentialProof(signed, { documentLoader: counting })).verified, true);
    loaded.length = 0;
    assert.equal((await verifyCredentialProof(signed, { documentLoader: counting })).verified, true);
    // Only the key is looked up (verification method, controller, suite); contexts come from
    // jsonld's process-wide cache of `static` documents.
    assert.deepEqual(
      loaded.filter((url) => !url.startsWith('did:')),
      [],
    );
  });
});
