import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TRUSTMESH_CONTEXT_V1 } from '../../src/contexts/index.ts';
import { createDocumentLoader, generateKeyPair, type KeyResolver } from '../../src/crypto/index.ts';
import { ValidationError } from '../../src/errors.ts';

const BUNDLED = [
  'https://www.w3.org/2018/credentials/v1',
  'https://www.w3.org/ns/credentials/v2',
  'https://w3id.org/security/data-integrity/v1',
  'https://w3id.org/security/data-integrity/v2',
  'https://w3id.org/security/suites/ed25519-2020/v1',
  'https://www.w3.org/ns/credentials/status/v1',
  'https://w3id.org/security/multikey/v1',
  'https://w3id.org/trustmesh/v1',
];

function refused(url: string) {
  return (error: unknown) =>
    error instanceof ValidationError &&
    error.code === 'DOCUMENT_LOADER_REFUSED' &&
    error.message.includes(url) &&
    /bundled/.test(error.message) &&
    /network is not used/.test(error.message);
}

describe('createDocumentLoader', () => {
  it('serves every bundled context as the same frozen object on each call', async () => {
    const loader = createDocumentLoader({}, {});
    for (const url of BUNDLED) {
      const first = await loader(url);
      const second = await loader(url);
      assert.equal(first, second, url);
      assert.equal(first.documentUrl, url);
      assert.equal(first.contextUrl, null);
      assert.ok(Object.isFrozen(first) && Object.isFrozen(first.document), url);
      assert.ok('@context' in (first.document as object), url);
    }
    assert.equal((await loader('https://w3id.org/trustmesh/v1')).document, TRUSTMESH_CONTEXT_V1);
  });

  it('defines the accreditation terms, protected, in the trustmesh context', () => {
    const context = TRUSTMESH_CONTEXT_V1['@context'] as Record<string, unknown>;
    assert.equal(context['@protected'], true);
    for (const term of [
      'VerifiableAccreditation',
      'role',
      'accreditedFor',
      'types',
      'jurisdiction',
      'maxPathLength',
      'publicKeys',
      // Issue 14: a CA accreditation's terms, so its proof covers them.
      'caCertificate',
      'spkiSha256',
      'holdFinal',
      'certificatePolicies',
      'docTypes',
    ]) {
      assert.ok(term in context, term);
    }
    assert.equal((context.accreditedFor as Record<string, unknown>)['@container'], '@set');
    assert.equal((context.publicKeys as Record<string, unknown>)['@container'], '@set');
  });

  it('refuses any other URL, naming it and saying the network is not used', async () => {
    const loader = createDocumentLoader({}, {});
    for (const url of [
      'https://example.org/context/v1',
      'https://w3id.org/security/v2',
      'did:web:issuer.example.jp',
      'did:example:123',
    ]) {
      await assert.rejects(loader(url), refused(url));
    }
  });

  it('derives did:key documents and verification methods locally (Ed25519 and P-256)', async () => {
    const loader = createDocumentLoader({}, {});
    for (const type of ['Ed25519', 'P-256'] as const) {
      const keyPair = await generateKeyPair(type);
      const method = (await loader(keyPair.verificationMethod)).document as Record<string, unknown>;
      assert.equal(method.id, keyPair.verificationMethod);
      assert.equal(method.type, 'Multikey');
      assert.equal(method.controller, keyPair.did);
      assert.equal(method.publicKeyMultibase, keyPair.publicKeyMultibase);
      const document = (await loader(keyPair.did)).document as Record<string, unknown>;
      assert.deepEqual(document.assertionMethod, [keyPair.verificationMethod]);
      await assert.rejects(
        loader(`${keyPair.did}#not-the-key`),
        (e: unknown) =>
          e instanceof ValidationError && e.code === 'DOCUMENT_LOADER_REFUSED' && e.message.includes('#not-the-key'),
      );
    }
    // secp256k1 did:key: not a key type the registry accepts.
    const k1 = 'did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme';
    await assert.rejects(
      loader(k1),
      (e: unknown) => e instanceof ValidationError && e.code === 'DOCUMENT_LOADER_REFUSED',
    );
  });

  it('asks the key resolver first, falling through on null', async () => {
    const keyPair = await generateKeyPair('Ed25519');
    const asked: string[] = [];
    const pinned = {
      id: 'did:web:issuer.example.jp#key-1',
      type: 'Multikey',
      controller: 'did:web:issuer.example.jp',
      publicKeyMultibase: keyPair.publicKeyMultibase,
    };
    const keyResolver: KeyResolver = async (id) => {
      asked.push(id);
      return id === pinned.id ? pinned : null;
    };
    const loader = createDocumentLoader({}, { keyResolver });
    assert.equal((await loader(pinned.id)).document, pinned);
    assert.equal(
      ((await loader(keyPair.verificationMethod)).document as Record<string, unknown>).id,
      keyPair.verificationMethod,
    );
    await assert.rejects(loader('did:web:issuer.example.jp#key-2'), refused('did:web:issuer.example.jp#key-2'));
    assert.deepEqual(asked, [pinned.id, keyPair.verificationMethod, 'did:web:issuer.example.jp#key-2']);
    // Contexts never reach the resolver.
    await loader('https://www.w3.org/ns/credentials/v2');
    assert.equal(asked.length, 3);
  });

  it('serves extra contexts, frozen, and refuses ones that replace a bundled context or import others', async () => {
    const url = 'https://contexts.example.jp/extra/v1';
    const extra = { '@context': { nickname: 'https://contexts.example.jp/extra#nickname' } };
    const loader = createDocumentLoader({ extraContexts: { [url]: extra } }, {});
    const served = await loader(url);
    assert.deepEqual(served.document, extra);
    assert.notEqual(served.document, extra, "a frozen copy, not the caller's object");
    assert.ok(Object.isFrozen(served.document));
    assert.equal(await loader(url), served);

    const invalid = (error: unknown) =>
      error instanceof ValidationError && error.code === 'DOCUMENT_LOADER_CONTEXT_INVALID';
    assert.throws(
      () => createDocumentLoader({ extraContexts: { 'https://www.w3.org/ns/credentials/v2': extra } }, {}),
      invalid,
    );
    assert.throws(
      () => createDocumentLoader({ extraContexts: { [url]: { '@context': ['https://example.org/v1'] } } }, {}),
      invalid,
    );
    assert.throws(
      () =>
        createDocumentLoader(
          {
            extraContexts: {
              [url]: {
                '@context': { Thing: { '@id': 'https://example.org/Thing', '@context': 'https://example.org/v1' } },
              },
            },
          },
          {},
        ),
      invalid,
    );
  });
});
