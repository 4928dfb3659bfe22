import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  exportKeyPair,
  generateKeyPair,
  importKeyPair,
  keyTypeOf,
  publicVerificationMethod,
  signBytes,
  verifyBytes,
} from '../../src/crypto/index.ts';
import { ValidationError } from '../../src/errors.ts';

const KEY_TYPES = [
  { type: 'Ed25519', prefix: 'z6Mk' },
  { type: 'P-256', prefix: 'zDna' },
] as const;

function hasCode(code: string) {
  return (error: unknown) => error instanceof ValidationError && error.code === code;
}

for (const { type, prefix } of KEY_TYPES) {
  describe(`${type} key pairs`, () => {
    it('generates a did:key key pair whose method id is did:key:z…#z…', async () => {
      const keyPair = await generateKeyPair(type);
      assert.equal(keyPair.type, type);
      assert.ok(keyPair.publicKeyMultibase.startsWith(prefix));
      assert.equal(keyPair.did, `did:key:${keyPair.publicKeyMultibase}`);
      assert.equal(keyPair.verificationMethod, `${keyPair.did}#${keyPair.publicKeyMultibase}`);
      assert.equal(keyTypeOf(keyPair.publicKeyMultibase), type);
      assert.ok(keyPair.secretKeyMultibase.startsWith('z'));
    });

    it('keeps the secret key out of JSON and enumeration', async () => {
      const keyPair = await generateKeyPair(type);
      assert.ok(!JSON.stringify(keyPair).includes(keyPair.secretKeyMultibase));
      assert.ok(!Object.keys(keyPair).includes('secretKeyMultibase'));
      assert.ok(!JSON.stringify({ ...keyPair }).includes(keyPair.secretKeyMultibase));
    });

    it('exports with the secret and imports back to a working key pair', async () => {
      const keyPair = await generateKeyPair(type);
      const exported = JSON.parse(JSON.stringify(exportKeyPair(keyPair)));
      assert.equal(exported.secretKeyMultibase, keyPair.secretKeyMultibase);
      const imported = await importKeyPair(exported);
      assert.deepEqual(exportKeyPair(imported), exportKeyPair(keyPair));
      const bytes = new TextEncoder().encode('governance v2');
      assert.equal(await verifyBytes(bytes, await signBytes(bytes, imported), keyPair.publicKeyMultibase), true);
    });

    it('imports a key pair named by another DID (a pinned did:web key)', async () => {
      const keyPair = await generateKeyPair(type);
      const imported = await importKeyPair({
        ...exportKeyPair(keyPair),
        did: 'did:web:issuer.example.jp',
        verificationMethod: 'did:web:issuer.example.jp#key-1',
      });
      assert.equal(imported.verificationMethod, 'did:web:issuer.example.jp#key-1');
      assert.deepEqual(publicVerificationMethod(imported), {
        id: 'did:web:issuer.example.jp#key-1',
        type: 'Multikey',
        controller: 'did:web:issuer.example.jp',
        publicKeyMultibase: keyPair.publicKeyMultibase,
      });
    });

    it('refuses a secret key that belongs to another public key', async () => {
      const keyPair = await generateKeyPair(type);
      const other = await generateKeyPair(type);
      const mixed = { ...exportKeyPair(keyPair), secretKeyMultibase: other.secretKeyMultibase };
      await assert.rejects(importKeyPair(mixed), hasCode('KEY_INVALID'));
    });

    it('signs bytes and verifies them; another key, other bytes or a mangled signature fail', async () => {
      const keyPair = await generateKeyPair(type);
      const other = await generateKeyPair(type);
      const bytes = new TextEncoder().encode('{"networkId":"jp-test","version":2}');
      const signature = await signBytes(bytes, keyPair);
      assert.ok(signature.startsWith('z'));
      assert.equal(await verifyBytes(bytes, signature, keyPair.publicKeyMultibase), true);
      assert.equal(await verifyBytes(bytes, signature, other.publicKeyMultibase), false);
      assert.equal(
        await verifyBytes(new TextEncoder().encode('{"version":3}'), signature, keyPair.publicKeyMultibase),
        false,
      );
      assert.equal(await verifyBytes(bytes, 'z1111', keyPair.publicKeyMultibase), false);
      assert.equal(await verifyBytes(bytes, 'not multibase', keyPair.publicKeyMultibase), false);
    });
  });
}

describe('key import and raw verification errors', () => {
  it('rejects malformed exports with KEY_INVALID naming the field', async () => {
    const keyPair = await generateKeyPair('Ed25519');
    await assert.rejects(importKeyPair(null), hasCode('KEY_INVALID'));
    await assert.rejects(importKeyPair({ ...exportKeyPair(keyPair), did: 7 }), (e: unknown) => {
      return e instanceof ValidationError && e.code === 'KEY_INVALID' && e.field === 'did';
    });
    await assert.rejects(importKeyPair({ ...exportKeyPair(keyPair), type: 'P-256' }), (e: unknown) => {
      return e instanceof ValidationError && e.code === 'KEY_INVALID' && e.field === 'publicKeyMultibase';
    });
    await assert.rejects(
      importKeyPair({ ...exportKeyPair(keyPair), verificationMethod: 'did:key:zOther#key-1' }),
      hasCode('KEY_INVALID'),
    );
  });

  it('throws KEY_INVALID for a public key of an unsupported type', async () => {
    const keyPair = await generateKeyPair('Ed25519');
    const bytes = new Uint8Array([1, 2, 3]);
    const signature = await signBytes(bytes, keyPair);
    // zQ3s…: a secp256k1 Multikey, which the registry does not use.
    await assert.rejects(
      verifyBytes(bytes, signature, 'zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme'),
      hasCode('KEY_INVALID'),
    );
  });
});
