/**
 * Property (issue 13): a did:key `jwk_jcs-pub` (multicodec 0xeb51, TW DIW's issuers and holders)
 * names the key of the JWK it carries when — and only when — it carries exactly the RFC 8785 JSON of
 * a public P-256 or Ed25519 JWK. Any other JSON (an extra member such as `kid` or the private `d`,
 * another member order, whitespace) names no key, so one key has one did:key and no private key is
 * ever read from a DID. A Multikey did:key still names its own Multikey.
 */
import * as assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { publicJwkToMultibase } from '../../src/index.ts';
import { didKeyMultikey } from '../../src/records/jwk.ts';
import { jwkJcsPubDidKeyOfJson } from '../helpers/twdiw.ts';

const idOf = (json: string) => jwkJcsPubDidKeyOfJson(json).slice('did:key:'.length);
const keys = [
  generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }),
  generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }),
];
const canonicalOf = (jwk: Record<string, unknown>) =>
  JSON.stringify(
    jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x },
  );

describe('did:key jwk_jcs-pub', () => {
  it('control: the canonical JSON of a P-256 or Ed25519 public JWK names that key; a Multikey did:key names itself', () => {
    for (const jwk of keys) {
      const expected = publicJwkToMultibase(jwk, 'jwk', 'X').multibase;
      assert.equal(didKeyMultikey(idOf(canonicalOf(jwk))), expected);
      assert.equal(didKeyMultikey(expected), expected);
    }
  });

  it('any extra member, another order or whitespace names no key', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...keys),
        fc.constantFrom('kid', 'd', 'use', 'alg', 'key_ops', 'zz'),
        fc.string({ minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 2 }),
        (jwk, extra, value, form) => {
          const canonical = canonicalOf(jwk);
          const parsed = JSON.parse(canonical) as Record<string, unknown>;
          const json =
            form === 0
              ? JSON.stringify(Object.fromEntries(Object.entries({ ...parsed, [extra]: value }).sort()))
              : form === 1
                ? JSON.stringify(Object.fromEntries(Object.entries(parsed).reverse()))
                : canonical.replace(':', ': ');
          assert.equal(didKeyMultikey(idOf(json)), null, json);
        },
      ),
    );
  });

  it('a P-256 point off the curve, or another curve, names no key', () => {
    assert.equal(didKeyMultikey(idOf('{"crv":"P-256","kty":"EC","x":"AAAA","y":"AAAA"}')), null);
    const secp = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ format: 'jwk' });
    assert.equal(didKeyMultikey(idOf(canonicalOf(secp))), null);
  });
});
