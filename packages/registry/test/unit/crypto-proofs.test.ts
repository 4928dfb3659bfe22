import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ed25519Signature2020 } from '@digitalbazaar/ed25519-signature-2020';
import { Ed25519VerificationKey2020 } from '@digitalbazaar/ed25519-verification-key-2020';
import { issue } from '@digitalbazaar/vc';
import {
  createDidResolver,
  createDocumentLoader,
  exportKeyPair,
  generateKeyPair,
  importKeyPair,
  type KeyResolver,
  type ProofVerification,
  signCredential,
  verifyCredentialProof,
} from '../../src/crypto/index.ts';
import { ValidationError } from '../../src/errors.ts';
import { accreditation, controllerDocument, fakeFetch, statusList } from './crypto-fixtures.ts';

const documentLoader = createDocumentLoader({}, {});
const SUBJECT = 'did:web:clinic.example.jp';

function assertFails(result: ProofVerification, code: string): ValidationError {
  assert.equal(result.verified, false, `expected ${code}, but the proof verified`);
  if (result.verified) throw new Error('unreachable');
  assert.equal(result.error.code, code, result.error.message);
  return result.error;
}

function assertVerified(result: ProofVerification): { verificationMethod: string; cryptosuite: string } {
  if (!result.verified) assert.fail(`expected a verified proof, got ${result.error.code}: ${result.error.message}`);
  return result;
}

describe('signCredential / verifyCredentialProof round trips', () => {
  it('signs an accreditation with eddsa-rdfc-2022 in safe mode and verifies it', async () => {
    const authority = await generateKeyPair('Ed25519');
    const subjectKey = await generateKeyPair('Ed25519');
    const unsigned = accreditation(authority.did, SUBJECT, subjectKey.publicKeyMultibase);
    const signed = await signCredential(unsigned, authority, { documentLoader });
    assert.deepEqual(unsigned.proof, undefined, 'the input is not modified');
    const proof = signed.proof as Record<string, unknown>;
    assert.equal(proof.type, 'DataIntegrityProof');
    assert.equal(proof.cryptosuite, 'eddsa-rdfc-2022');
    assert.equal(proof.proofPurpose, 'assertionMethod');
    assert.equal(proof.verificationMethod, authority.verificationMethod);
    assert.equal(proof.created, undefined, 'no wall-clock stamp unless a date is given');
    const result = assertVerified(await verifyCredentialProof(signed, { documentLoader }));
    assert.equal(result.cryptosuite, 'eddsa-rdfc-2022');
    assert.equal(result.verificationMethod, authority.verificationMethod);
  });

  it('refuses to sign a credential with a term no context defines (safe mode, nothing dropped)', async () => {
    const authority = await generateKeyPair('Ed25519');
    const unsigned = accreditation(authority.did, SUBJECT, authority.publicKeyMultibase);
    (unsigned.credentialSubject as Record<string, unknown>).undefinedTerm = 'would be silently dropped';
    await assert.rejects(
      signCredential(unsigned, authority, { documentLoader }),
      (e: unknown) =>
        e instanceof ValidationError && e.code === 'CREDENTIAL_MALFORMED' && /undefinedTerm/.test(e.message),
    );
    // Without the trustmesh context the accreditation terms are undefined too: the context is what defines them.
    const bare = {
      ...accreditation(authority.did, SUBJECT, authority.publicKeyMultibase),
      '@context': ['https://www.w3.org/ns/credentials/v2'],
    };
    await assert.rejects(
      signCredential(bare, authority, { documentLoader }),
      (e: unknown) =>
        e instanceof ValidationError && e.code === 'CREDENTIAL_MALFORMED' && /accreditedFor/.test(e.message),
    );
  });

  it('signs and verifies with ecdsa-rdfc-2019 on a P-256 key, stamping the given date', async () => {
    const issuer = await generateKeyPair('P-256');
    const date = new Date('2025-06-01T00:00:00Z');
    const signed = await signCredential(statusList(issuer.did), issuer, { documentLoader, date });
    const proof = signed.proof as Record<string, unknown>;
    assert.equal(proof.cryptosuite, 'ecdsa-rdfc-2019');
    assert.equal(proof.created, '2025-06-01T00:00:00Z');
    const result = assertVerified(
      await verifyCredentialProof(signed, { documentLoader, expectedController: issuer.did }),
    );
    assert.equal(result.cryptosuite, 'ecdsa-rdfc-2019');
  });

  it('refuses a cryptosuite that does not fit the key', async () => {
    const issuer = await generateKeyPair('P-256');
    await assert.rejects(
      signCredential(statusList(issuer.did), issuer, { documentLoader, cryptosuite: 'eddsa-rdfc-2022' }),
      (e: unknown) => e instanceof ValidationError && e.code === 'PROOF_SUITE_UNSUPPORTED',
    );
  });

  it('verifies a legacy Ed25519Signature2020 credential', async () => {
    const key = await Ed25519VerificationKey2020.generate();
    key.controller = `did:key:${key.fingerprint()}`;
    key.id = `${key.controller}#${key.fingerprint()}`;
    const credential = {
      '@context': ['https://www.w3.org/2018/credentials/v1', 'https://w3id.org/security/suites/ed25519-2020/v1'],
      id: 'urn:uuid:8d1c2b3a-4f5e-4a6b-8c7d-9e0f1a2b3c4d',
      type: ['VerifiableCredential'],
      issuer: key.controller,
      issuanceDate: '2024-01-01T00:00:00Z',
      credentialSubject: { id: 'did:example:holder' },
    };
    const signed = await issue({
      credential,
      suite: new Ed25519Signature2020({ key, date: '2024-01-01T00:00:00Z' }),
      documentLoader,
    });
    const result = assertVerified(await verifyCredentialProof(signed, { documentLoader }));
    assert.equal(result.cryptosuite, 'Ed25519Signature2020');
    assert.equal(result.verificationMethod, key.id);

    const tampered = { ...signed, credentialSubject: { id: 'did:example:someone-else' } };
    assertFails(await verifyCredentialProof(tampered, { documentLoader }), 'PROOF_INVALID');
  });
});

describe('verifyCredentialProof failures', () => {
  it('PROOF_INVALID when a signed credential is changed', async () => {
    const issuer = await generateKeyPair('Ed25519');
    const signed = await signCredential(statusList(issuer.did), issuer, { documentLoader });
    const subject = { ...(signed.credentialSubject as Record<string, unknown>), statusPurpose: 'suspension' };
    const error = assertFails(
      await verifyCredentialProof({ ...signed, credentialSubject: subject }, { documentLoader }),
      'PROOF_INVALID',
    );
    assert.equal(error.action, 'reject');
    const badValue = { ...(signed.proof as Record<string, unknown>), proofValue: 'z1111' };
    assertFails(await verifyCredentialProof({ ...signed, proof: badValue }, { documentLoader }), 'PROOF_INVALID');
  });

  it("PROOF_WRONG_CONTROLLER when the key is not the issuer's", async () => {
    const issuer = await generateKeyPair('Ed25519');
    const intruder = await generateKeyPair('Ed25519');
    // A genuine signature, by a key whose controller is not the credential's issuer.
    const signed = await signCredential(statusList(issuer.did), intruder, { documentLoader });
    const error = assertFails(await verifyCredentialProof(signed, { documentLoader }), 'PROOF_WRONG_CONTROLLER');
    assert.match(error.message, /not by the issuer/);
  });

  it('PROOF_WRONG_CONTROLLER when the issuer is not the expected controller', async () => {
    const issuer = await generateKeyPair('Ed25519');
    const signed = await signCredential(statusList(issuer.did), issuer, { documentLoader });
    assertFails(
      await verifyCredentialProof(signed, { documentLoader, expectedController: 'did:web:other.example.jp' }),
      'PROOF_WRONG_CONTROLLER',
    );
  });

  it('PROOF_SUITE_UNSUPPORTED names the unknown cryptosuite or proof type', async () => {
    const issuer = await generateKeyPair('Ed25519');
    const signed = await signCredential(statusList(issuer.did), issuer, { documentLoader });
    const proof = signed.proof as Record<string, unknown>;
    const suite = assertFails(
      await verifyCredentialProof({ ...signed, proof: { ...proof, cryptosuite: 'bbs-2023' } }, { documentLoader }),
      'PROOF_SUITE_UNSUPPORTED',
    );
    assert.match(suite.message, /bbs-2023/);
    const type = assertFails(
      await verifyCredentialProof({ ...signed, proof: { ...proof, type: 'JsonWebSignature2020' } }, { documentLoader }),
      'PROOF_SUITE_UNSUPPORTED',
    );
    assert.match(type.message, /JsonWebSignature2020/);
  });

  it('PROOF_MISSING without a proof; PROOF_SET_UNSUPPORTED with several', async () => {
    const issuer = await generateKeyPair('Ed25519');
    const signed = await signCredential(statusList(issuer.did), issuer, { documentLoader });
    assertFails(await verifyCredentialProof(statusList(issuer.did), { documentLoader }), 'PROOF_MISSING');
    assertFails(await verifyCredentialProof({ ...signed, proof: [] }, { documentLoader }), 'PROOF_MISSING');
    assertFails(
      await verifyCredentialProof({ ...signed, proof: [signed.proof, signed.proof] }, { documentLoader }),
      'PROOF_SET_UNSUPPORTED',
    );
    assertFails(await verifyCredentialProof('not a credential', { documentLoader }), 'CREDENTIAL_MALFORMED');
  });

  it('DOCUMENT_LOADER_REFUSED for a context that is not bundled', async () => {
    const issuer = await generateKeyPair('Ed25519');
    const custom = 'https://contexts.example.jp/custom/v1';
    const extended = createDocumentLoader(
      { extraContexts: { [custom]: { '@context': { nickname: 'https://contexts.example.jp/custom#nickname' } } } },
      {},
    );
    const unsigned: Record<string, unknown> = {
      ...statusList(issuer.did),
      '@context': ['https://www.w3.org/ns/credentials/v2', custom],
    };
    (unsigned.credentialSubject as Record<string, unknown>).nickname = 'list one';
    // Signs with a loader that knows the context; the default loader does not.
    const signed = await signCredential(unsigned, issuer, { documentLoader: extended });
    assertVerified(await verifyCredentialProof(signed, { documentLoader: extended }));
    const error = assertFails(await verifyCredentialProof(signed, { documentLoader }), 'DOCUMENT_LOADER_REFUSED');
    assert.match(error.message, /contexts\.example\.jp\/custom\/v1/);
    await assert.rejects(
      signCredential(unsigned, issuer, { documentLoader }),
      (e: unknown) => e instanceof ValidationError && e.code === 'DOCUMENT_LOADER_REFUSED',
    );
  });

  it('PROOF_KEY_UNKNOWN when the key cannot be loaded (did:web without pinned key or resolver)', async () => {
    const keyPair = await generateKeyPair('Ed25519');
    const issuer = 'did:web:issuer.example.jp';
    const pinned = await importKeyPair({
      ...exportKeyPair(keyPair),
      did: issuer,
      verificationMethod: `${issuer}#key-1`,
    });
    const signed = await signCredential(statusList(issuer), pinned, { documentLoader });
    const error = assertFails(await verifyCredentialProof(signed, { documentLoader }), 'PROOF_KEY_UNKNOWN');
    assert.match(error.message, /DOCUMENT_LOADER_REFUSED/);
  });
});

describe('key sources', () => {
  it('a pinned key for a did:web method verifies without any DID resolver', async () => {
    const keyPair = await generateKeyPair('Ed25519');
    const issuer = 'did:web:issuer.example.jp';
    const controller = controllerDocument(issuer, keyPair);
    const method = (controller.verificationMethod as Record<string, unknown>[])[0];
    const keyResolver: KeyResolver = async (id) => {
      if (id === issuer) return controller as never;
      if (id === `${issuer}#key-1`) return { '@context': 'https://w3id.org/security/multikey/v1', ...method } as never;
      return null;
    };
    const pinnedLoader = createDocumentLoader({}, { keyResolver });
    // The did:key key pair signs under the pinned did:web method id (the verificationMethod override).
    const signed = await signCredential(statusList(issuer), keyPair, {
      documentLoader: pinnedLoader,
      verificationMethod: `${issuer}#key-1`,
    });
    const result = assertVerified(
      await verifyCredentialProof(signed, { documentLoader: pinnedLoader, expectedController: issuer }),
    );
    assert.equal(result.verificationMethod, `${issuer}#key-1`);
  });

  it('a pinned key takes precedence over the key a did:key stands for', async () => {
    const issuer = await generateKeyPair('Ed25519');
    const impostor = await generateKeyPair('Ed25519');
    const signed = await signCredential(statusList(issuer.did), issuer, { documentLoader });
    // The resolver pins another public key under the issuer's did:key method id.
    const keyResolver: KeyResolver = async (id) =>
      id === issuer.verificationMethod
        ? { id, type: 'Multikey', controller: issuer.did, publicKeyMultibase: impostor.publicKeyMultibase }
        : null;
    const pinnedLoader = createDocumentLoader({}, { keyResolver });
    assertFails(await verifyCredentialProof(signed, { documentLoader: pinnedLoader }), 'PROOF_INVALID');
    assertVerified(await verifyCredentialProof(signed, { documentLoader }));
  });

  it('did:web keys resolve through an enabled DID resolver (fake fetch), relative ids included', async () => {
    const keyPair = await generateKeyPair('P-256');
    const issuer = 'did:web:issuer.example.jp';
    const didDocument = {
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
      id: issuer,
      verificationMethod: [
        { id: '#key-1', type: 'Multikey', controller: issuer, publicKeyMultibase: keyPair.publicKeyMultibase },
      ],
      assertionMethod: ['#key-1'],
    };
    const web = fakeFetch(async () => Response.json(didDocument));
    const didResolver = createDidResolver(
      { allowWeb: true, webTimeoutMs: 1000, maxResponseBytes: 65536 },
      { fetch: web.fetch, lookup: web.lookup },
    );
    const webLoader = createDocumentLoader({}, { didResolver });
    const signed = await signCredential(statusList(issuer), keyPair, {
      documentLoader: webLoader,
      verificationMethod: `${issuer}#key-1`,
    });
    assertVerified(await verifyCredentialProof(signed, { documentLoader: webLoader }));
    assert.ok(web.calls.every((c) => c.url === 'https://issuer.example.jp/.well-known/did.json'));

    const disabled = createDocumentLoader(
      {},
      { didResolver: createDidResolver({ allowWeb: false, webTimeoutMs: 1000, maxResponseBytes: 65536 }, {}) },
    );
    const error = assertFails(await verifyCredentialProof(signed, { documentLoader: disabled }), 'PROOF_KEY_UNKNOWN');
    assert.match(error.message, /DID_WEB_DISABLED/);
  });

  it('PROOF_KEY_REVOKED when the pinned method is marked revoked', async () => {
    const issuer = await generateKeyPair('Ed25519');
    const signed = await signCredential(statusList(issuer.did), issuer, { documentLoader });
    const keyResolver: KeyResolver = async (id) =>
      id === issuer.verificationMethod
        ? {
            id,
            type: 'Multikey',
            controller: issuer.did,
            publicKeyMultibase: issuer.publicKeyMultibase,
            revoked: '2025-01-01T00:00:00Z',
          }
        : null;
    const pinnedLoader = createDocumentLoader({}, { keyResolver });
    assertFails(await verifyCredentialProof(signed, { documentLoader: pinnedLoader }), 'PROOF_KEY_REVOKED');
  });

  it('PROOF_WRONG_CONTROLLER when the controller does not list the key under assertionMethod', async () => {
    const keyPair = await generateKeyPair('Ed25519');
    const issuer = 'did:web:issuer.example.jp';
    const controller: Record<string, unknown> = { ...controllerDocument(issuer, keyPair), assertionMethod: [] };
    const method = (controller.verificationMethod as Record<string, unknown>[])[0];
    const keyResolver: KeyResolver = async (id) =>
      id === issuer ? (controller as never) : id === `${issuer}#key-1` ? (method as never) : null;
    const pinnedLoader = createDocumentLoader({}, { keyResolver });
    const signed = await signCredential(statusList(issuer), keyPair, {
      documentLoader: pinnedLoader,
      verificationMethod: `${issuer}#key-1`,
    });
    assertFails(await verifyCredentialProof(signed, { documentLoader: pinnedLoader }), 'PROOF_WRONG_CONTROLLER');
  });
});
