/**
 * Public JWKs (RFC 7517) of the two curves the registry verifies, and their Multikey form
 * (https://www.w3.org/TR/cid-1.0/#Multikey): a P-256 key is multicodec 0x1200 over the compressed
 * point (SEC 1 §2.3.3), an Ed25519 key multicodec 0xed over its 32 bytes (RFC 8037 §2), both
 * base58btc. One key pinned as a JWK or as a Multikey is the same key for every trust rule.
 */
import { ECDH } from 'node:crypto';
import { base58btc } from 'multiformats/bases/base58';
import { reject } from '../errors.ts';
import { isObject } from '../validation/fields.ts';

/** A public JWK: EC P-256 or OKP Ed25519, with an optional `kid`. */
export type PublicJwk =
  | { kty: 'EC'; crv: 'P-256'; x: string; y: string; kid?: string }
  | { kty: 'OKP'; crv: 'Ed25519'; x: string; kid?: string };

const P256_CODEC = Uint8Array.of(0x80, 0x24);
const ED25519_CODEC = Uint8Array.of(0xed, 0x01);
const BASE64URL = /^[A-Za-z0-9_-]+$/;
// Members a public JWK may carry beside the key (RFC 7517 §4); anything private is refused.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

function bytesOf(value: unknown, length: number, field: string, code: string): Uint8Array {
  if (typeof value !== 'string' || !BASE64URL.test(value)) {
    throw reject(code, field, 'must be base64url without padding (RFC 7515 §2)');
  }
  const bytes = Buffer.from(value, 'base64url');
  // [REJECT] RFC 7518 §6.2.1.2 / RFC 8037 §2: coordinates have the curve's full length.
  if (bytes.byteLength !== length) throw reject(code, field, `must encode ${length} bytes`);
  return new Uint8Array(bytes);
}

/**
 * Checks a public JWK of P-256 or Ed25519 and returns it (only its key members and `kid`) with its
 * Multikey form. `code` names the record's field-error code.
 */
export function publicJwkToMultibase(
  value: unknown,
  field: string,
  code: string,
): { jwk: PublicJwk; multibase: string } {
  if (!isObject(value)) throw reject(code, field, 'must be a JWK object (RFC 7517 §4)');
  for (const member of PRIVATE_MEMBERS) {
    // [REJECT] RFC 7517 §4 / Controlled Identifiers §2.2.3: a pinned key is public; never a private member.
    if (value[member] !== undefined) throw reject(code, `${field}.${member}`, 'a public JWK has no private members');
  }
  const kid = value.kid;
  if (kid !== undefined && (typeof kid !== 'string' || kid.length === 0 || kid.length > 256)) {
    throw reject(code, `${field}.kid`, 'must be a non-empty string of at most 256 characters');
  }
  const withKid = <T extends object>(jwk: T): T & { kid?: string } => (typeof kid === 'string' ? { ...jwk, kid } : jwk);
  if (value.kty === 'EC' && value.crv === 'P-256') {
    const x = bytesOf(value.x, 32, `${field}.x`, code);
    const y = bytesOf(value.y, 32, `${field}.y`, code);
    const uncompressed = Buffer.concat([Uint8Array.of(0x04), x, y]);
    let compressed: Buffer;
    try {
      // Converting checks the point is on the curve (an off-curve "key" is refused here).
      compressed = ECDH.convertKey(uncompressed, 'prime256v1', undefined, undefined, 'compressed') as Buffer;
    } catch {
      throw reject(code, field, 'is not a point on P-256');
    }
    const multibase = base58btc.encode(Buffer.concat([P256_CODEC, compressed]));
    return { jwk: withKid({ kty: 'EC', crv: 'P-256', x: value.x as string, y: value.y as string }), multibase };
  }
  if (value.kty === 'OKP' && value.crv === 'Ed25519') {
    const x = bytesOf(value.x, 32, `${field}.x`, code);
    const multibase = base58btc.encode(Buffer.concat([ED25519_CODEC, x]));
    return { jwk: withKid({ kty: 'OKP', crv: 'Ed25519', x: value.x as string }), multibase };
  }
  // [REJECT] issue 13: the curves pinned keys may use are P-256 (ES256) and Ed25519 (EdDSA).
  throw reject(code, field, 'must be an EC P-256 or an OKP Ed25519 key');
}

/** The public JWK of an Ed25519 (z6Mk…) or P-256 (zDna…) Multikey, or null for any other value. */
export function multibaseToPublicJwk(multibase: string): PublicJwk | null {
  let bytes: Uint8Array;
  try {
    bytes = base58btc.decode(multibase);
  } catch {
    return null;
  }
  if (bytes[0] === 0xed && bytes[1] === 0x01 && bytes.byteLength === 34) {
    return { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(bytes.subarray(2)).toString('base64url') };
  }
  if (bytes[0] === 0x80 && bytes[1] === 0x24 && bytes.byteLength === 35) {
    let point: Buffer;
    try {
      point = ECDH.convertKey(bytes.subarray(2), 'prime256v1', undefined, undefined, 'uncompressed') as Buffer;
    } catch {
      return null;
    }
    return {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33, 65).toString('base64url'),
    };
  }
  return null;
}

// multicodec `jwk_jcs-pub` (0xeb51) as an unsigned varint: a did:key whose key is a JCS public JWK.
const JWK_JCS_PUB_CODEC = Uint8Array.of(0xd1, 0xd6, 0x03);
// A jwk_jcs-pub did:key of a P-256 JWK is ~170 characters; longer input is not decoded at all.
const MAX_DID_KEY_ID_LENGTH = 512;

/**
 * The Multikey form of the key a did:key method-specific id (`z…`) names: the id itself for a
 * Multikey did:key (z6Mk…, zDna…), or, for multicodec `jwk_jcs-pub` (0xeb51, the did:key spelling
 * TW DIW's issuers and holders use: base58btc of `d1 d6 03` ‖ the JWK as RFC 8785 JSON), the Multikey
 * of that JWK. Null when a jwk_jcs-pub id does not hold exactly the RFC 8785 serialisation of a
 * public P-256 or Ed25519 JWK (its key members only: no `kid`, nothing private), so one key has one
 * did:key here.
 */
export function didKeyMultikey(methodSpecificId: string): string | null {
  // Multikey did:keys (Ed25519 z6Mk…, P-256 zDna…) are their own Multikey: nothing to decode.
  if (/^z(6Mk|Dna)/.test(methodSpecificId)) return methodSpecificId;
  const known = DID_KEY_MULTIKEYS.get(methodSpecificId);
  if (known !== undefined) return known;
  const multikey = decodeDidKey(methodSpecificId);
  // A pure function's memo (decoding a jwk_jcs-pub id costs ~0.1 ms), bounded like jose-keys' key cache.
  if (DID_KEY_MULTIKEYS.size >= MAX_DID_KEY_MULTIKEYS)
    DID_KEY_MULTIKEYS.delete(DID_KEY_MULTIKEYS.keys().next().value as string);
  DID_KEY_MULTIKEYS.set(methodSpecificId, multikey);
  return multikey;
}

const DID_KEY_MULTIKEYS = new Map<string, string | null>();
const MAX_DID_KEY_MULTIKEYS = 4096;

function decodeDidKey(methodSpecificId: string): string | null {
  if (methodSpecificId.length > MAX_DID_KEY_ID_LENGTH) return null;
  let bytes: Uint8Array;
  try {
    bytes = base58btc.decode(methodSpecificId);
  } catch {
    return null;
  }
  if (!JWK_JCS_PUB_CODEC.every((b, i) => bytes[i] === b)) return methodSpecificId;
  let text: string;
  let jwk: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(JWK_JCS_PUB_CODEC.byteLength));
    jwk = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(jwk)) return null;
  const members = jwk.kty === 'EC' ? ['crv', 'kty', 'x', 'y'] : ['crv', 'kty', 'x'];
  // RFC 8785 §3.2.3: members sorted by code unit, no whitespace; here only the key's own members.
  const canonical = `{${members.map((m) => `${JSON.stringify(m)}:${JSON.stringify(jwk[m])}`).join(',')}}`;
  if (text !== canonical) return null;
  try {
    return publicJwkToMultibase(jwk, 'did:key', 'DID_KEY_INVALID').multibase;
  } catch {
    return null;
  }
}

/** The JWS `alg` (RFC 7518 §3.1, RFC 8037 §3.1) a key of this curve signs with. */
export function jwsAlgorithmOf(jwk: PublicJwk): 'ES256' | 'EdDSA' {
  return jwk.kty === 'EC' ? 'ES256' : 'EdDSA';
}
