/**
 * JWK pinning and JOSE key matching (issue 13), as an attacker would try them: `alg: none`, HS256
 * with the public key as secret, a kid naming a key pinned for nobody, an ES256 header over an
 * Ed25519 key, a tampered payload, a private JWK pinned, an off-curve point. Each asserts its code
 * beside the honest control (a JWK pinned with its kid, admitted, and a JWS that verifies with it).
 */
import * as assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { exportJWK, generateKeyPair as joseKeyPair, SignJWT } from 'jose';
import { ValidationError } from '../../src/errors.ts';
import {
  exportKeyPair,
  generateKeyPair,
  importKeyPair,
  issueAccreditation,
  proveKeyPossession,
  publicJwkToMultibase,
} from '../../src/index.ts';
import { DEFAULT_INPUT_LIMITS } from '../../src/limits.ts';
import { JWS_CODES, parseCompactJws } from '../../src/records/jws.ts';
import { JOSE_KEY_CODES, jwkOfPinnedKey, verifyJwsWithKeys } from '../../src/validation/jose-keys.ts';
import { makeWorld, T0 } from '../fixtures.ts';

const YEAR = 365 * 24 * 3600 * 1000;
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ValidationError, String(error));
    return error.code;
  }
  return 'no error';
}

describe('JWK pinning (issue 13)', () => {
  it('control: an accreditation pins a P-256 key as a JsonWebKey with its kid; it is admitted and equals the Multikey', async () => {
    const world = await makeWorld();
    const base = exportKeyPair(await generateKeyPair('P-256'));
    const did = 'did:web:tw-diw-issuer.example';
    const key = await importKeyPair({ ...base, did, verificationMethod: `${did}#list-key` });
    const id = `urn:uuid:${crypto.randomUUID()}`;
    const possessed = await proveKeyPossession(key, id, { jwk: { kid: 'tw-list-key-1' } });
    const accreditation = await issueAccreditation(
      {
        accreditor: world.net.keys.twMinistry,
        subject: did,
        role: 'issuer',
        accreditedFor: [{ types: ['urn:eudi:pid:1', 'HealthInsuranceCredential'], jurisdiction: 'TW' }],
        subjectKeys: [possessed],
        validFrom: new Date(T0),
        validUntil: new Date(T0 + YEAR),
        id,
      },
      world.net.documentLoader,
    );
    const written = (accreditation.credentialSubject as { publicKeys: Record<string, unknown>[] }).publicKeys[0];
    assert.equal(written?.type, 'JsonWebKey');
    assert.equal(written?.publicKeyMultibase, undefined);
    const outcome = await world.registry.submit(accreditation);
    assert.equal(outcome.status, 'accept', outcome.status === 'accept' ? '' : JSON.stringify(outcome.error.toJSON()));
    const pinned = world.registry.accreditationsOf(did)[0]?.publicKeys[0];
    assert.equal(pinned?.publicKeyMultibase, key.publicKeyMultibase);
    assert.equal(pinned?.publicKeyJwk?.kid, 'tw-list-key-1');
  });

  it('refuses a private JWK, an off-curve point and another curve', async () => {
    const { privateKey } = await joseKeyPair('ES256', { extractable: true });
    const priv = await exportJWK(privateKey);
    assert.equal(
      codeOf(() => publicJwkToMultibase(priv, 'k', 'X')),
      'X',
    );
    const offCurve = { kty: 'EC', crv: 'P-256', x: priv.x, y: Buffer.alloc(32, 7).toString('base64url') };
    assert.match(String(catchMessage(() => publicJwkToMultibase(offCurve, 'k', 'X'))), /not a point on P-256/);
    const { publicKey } = await joseKeyPair('ES384', { extractable: true });
    assert.match(String(catchMessage(() => publicJwkToMultibase(exportJWK(publicKey), 'k', 'X'))), /JWK object|P-256/);
    const { x, y } = priv;
    assert.equal(publicJwkToMultibase({ kty: 'EC', crv: 'P-256', x, y }, 'k', 'X').multibase.startsWith('zDna'), true);
  });
});

function catchMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  return 'no error';
}

describe('JOSE key matching and signatures (issue 13)', async () => {
  const p256 = await generateKeyPair('P-256');
  const ed = await generateKeyPair('Ed25519');
  const p256Jwk = await joseKeyPairFrom(p256);
  const pinned = {
    id: `${p256.did}#${p256.publicKeyMultibase}`,
    type: 'Multikey' as const,
    controller: p256.did,
    publicKeyMultibase: p256.publicKeyMultibase,
  };
  const edPinned = {
    ...pinned,
    id: `${ed.did}#${ed.publicKeyMultibase}`,
    controller: ed.did,
    publicKeyMultibase: ed.publicKeyMultibase,
  };

  async function joseKeyPairFrom(keyPair: typeof p256) {
    // The same key as a JOSE private key: sign with jose to prove interop with a standard signer.
    const { multibaseToPublicJwk } = await import('../../src/records/jwk.ts');
    const { base58btc } = await import('multiformats/bases/base58');
    const secret = base58btc.decode(exportKeyPair(keyPair).secretKeyMultibase).subarray(2);
    const jwk = { ...multibaseToPublicJwk(keyPair.publicKeyMultibase), d: Buffer.from(secret).toString('base64url') };
    const { importJWK } = await import('jose');
    return importJWK(jwk, 'ES256');
  }

  const signed = (header: Record<string, unknown>) =>
    new SignJWT({ sub: 'https://lists.example/1', iat: T0 / 1000 })
      .setProtectedHeader({ alg: 'ES256', typ: 'statuslist+jwt', ...header })
      .sign(p256Jwk);

  it('control: a jose-signed ES256 JWS verifies with the pinned key its kid names (the did:key URL)', async () => {
    const jws = parseCompactJws(await signed({ kid: pinned.id }), DEFAULT_INPUT_LIMITS);
    const result = verifyJwsWithKeys(jws, p256.did, [edPinned, pinned]);
    assert.equal(result.verified, true);
    assert.ok(jwkOfPinnedKey(pinned));
  });

  it('alg none and HS256 (the public key as HMAC secret) are refused before any key is looked up', async () => {
    const none = `${b64({ alg: 'none', typ: 'statuslist+jwt' })}.${b64({ sub: 'x' })}.`;
    assert.equal(
      codeOf(() => parseCompactJws(none, DEFAULT_INPUT_LIMITS)),
      JWS_CODES.ALG_UNSUPPORTED,
    );
    assert.equal(
      codeOf(() => parseCompactJws('e30.e30', DEFAULT_INPUT_LIMITS)),
      JWS_CODES.MALFORMED,
    );
    const noneSig = `${b64({ alg: 'none' })}.${b64({ sub: 'x' })}.AA`;
    assert.equal(
      codeOf(() => parseCompactJws(noneSig, DEFAULT_INPUT_LIMITS)),
      JWS_CODES.ALG_UNSUPPORTED,
    );
    const input = `${b64({ alg: 'HS256', kid: pinned.id })}.${b64({ sub: 'x' })}`;
    const mac = createHmac('sha256', JSON.stringify(jwkOfPinnedKey(pinned)))
      .update(input)
      .digest('base64url');
    assert.equal(
      codeOf(() => parseCompactJws(`${input}.${mac}`, DEFAULT_INPUT_LIMITS)),
      JWS_CODES.ALG_UNSUPPORTED,
    );
    const crit = `${b64({ alg: 'ES256', crit: ['exp'] })}.${b64({ sub: 'x' })}.AA`;
    assert.equal(
      codeOf(() => parseCompactJws(crit, DEFAULT_INPUT_LIMITS)),
      JWS_CODES.CRIT_UNSUPPORTED,
    );
  });

  it('a kid pinned for nobody, or an ES256 header over an Ed25519 key, matches no key', async () => {
    const jws = parseCompactJws(await signed({ kid: 'did:web:attacker.example#k' }), DEFAULT_INPUT_LIMITS);
    const result = verifyJwsWithKeys(jws, p256.did, [pinned]);
    assert.equal(result.verified ? 'verified' : result.error.code, JOSE_KEY_CODES.KEY_NOT_PINNED);
    const noKid = parseCompactJws(await signed({}), DEFAULT_INPUT_LIMITS);
    const wrongCurve = verifyJwsWithKeys(noKid, ed.did, [edPinned]);
    assert.equal(wrongCurve.verified ? 'verified' : wrongCurve.error.code, JOSE_KEY_CODES.KEY_NOT_PINNED);
    assert.equal(verifyJwsWithKeys(noKid, p256.did, [pinned]).verified, true);
  });

  it('a tampered payload does not verify', async () => {
    const [h, , s] = (await signed({ kid: pinned.id })).split('.');
    const forged = `${h}.${b64({ sub: 'https://lists.example/1', iat: T0 / 1000 + 1 })}.${s}`;
    const result = verifyJwsWithKeys(parseCompactJws(forged, DEFAULT_INPUT_LIMITS), p256.did, [pinned]);
    assert.equal(result.verified ? 'verified' : result.error.code, JOSE_KEY_CODES.SIGNATURE_INVALID);
  });
});
