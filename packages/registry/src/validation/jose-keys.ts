/**
 * Which pinned key signed a JWS, and checking the signature with exactly that key (issue 13; the
 * JOSE side of docs/records.md, Trust rules). A header's `kid` is matched against the keys that
 * count — their JWK `kid`, or their verification method id (a did:key URL, `did:…#fragment`) — and
 * never resolved; `jku` and `x5u` are never fetched; an `x5c` leaf counts only when its public key is
 * one of those keys. The `alg` must be the one of the key's curve, so no key is used with another
 * algorithm (RFC 8725 §3.1).
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { reject, type ValidationError } from '../errors.ts';
import { jwsAlgorithmOf, multibaseToPublicJwk, type PublicJwk, publicJwkToMultibase } from '../records/jwk.ts';
import type { CompactJws } from '../records/jws.ts';
import { type PinnedKey, sameKey } from '../records/keys.ts';

/** Codes of JOSE key matching and signatures. */
export const JOSE_KEY_CODES = {
  /** `reject` — no key that counts for the signer matches the header (`kid`, `x5c`), or the `alg` is not the key's. */
  KEY_NOT_PINNED: 'JWS_KEY_NOT_PINNED',
  /** `reject` — the signature does not verify with the matched key. */
  SIGNATURE_INVALID: 'JWS_SIGNATURE_INVALID',
} as const;

// Distinct keys tried for one header (a header without `kid`): bounds the work of a crafted header.
const MAX_KEY_CANDIDATES = 4;
// Imported public keys, and JWKs derived from Multikeys (a P-256 point is decompressed, which costs
// about as much as a tenth of a signature check), by Multikey: a few per issuer, bounded so hostile
// pinning cannot grow them. A Multikey names its key exactly, so an entry never goes stale.
const KEY_OBJECTS = new Map<string, KeyObject>();
const DERIVED_JWKS = new Map<string, Readonly<PublicJwk> | null>();
const MAX_KEY_OBJECTS = 4096;

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= MAX_KEY_OBJECTS) cache.delete(cache.keys().next().value as string);
  cache.set(key, value);
  return value;
}

/** The JWK of a pinned key: as pinned, or derived from its Multikey form (frozen: shared between calls). */
export function jwkOfPinnedKey(key: PinnedKey): PublicJwk | null {
  if (key.publicKeyJwk) return key.publicKeyJwk;
  const cached = DERIVED_JWKS.get(key.publicKeyMultibase);
  if (cached !== undefined) return cached;
  const derived = multibaseToPublicJwk(key.publicKeyMultibase);
  return remember(DERIVED_JWKS, key.publicKeyMultibase, derived ? Object.freeze(derived) : null);
}

function keyObjectOf(key: PinnedKey): KeyObject | null {
  const cached = KEY_OBJECTS.get(key.publicKeyMultibase);
  if (cached) return cached;
  const jwk = jwkOfPinnedKey(key);
  if (!jwk) return null;
  const { kid: _kid, ...material } = jwk;
  return remember(KEY_OBJECTS, key.publicKeyMultibase, createPublicKey({ key: material, format: 'jwk' }));
}

/** The Multikey form of an `x5c` leaf's public key (RFC 7515 §4.1.6), or null when it has none we verify. */
function x5cLeafMultibase(x5c: unknown): string | null {
  if (!Array.isArray(x5c) || typeof x5c[0] !== 'string' || x5c[0].length > 16_384) return null;
  try {
    const jwk = createPublicKey({ key: Buffer.from(x5c[0], 'base64'), format: 'der', type: 'spki' });
    return publicJwkToMultibase(jwk.export({ format: 'jwk' }), 'x5c', 'X5C').multibase;
  } catch {
    try {
      // A certificate (the usual content): node reads its SubjectPublicKeyInfo.
      const pem = `-----BEGIN CERTIFICATE-----\n${x5c[0]}\n-----END CERTIFICATE-----`;
      const jwk = createPublicKey(pem).export({ format: 'jwk' });
      return publicJwkToMultibase(jwk, 'x5c', 'X5C').multibase;
    } catch {
      return null;
    }
  }
}

/**
 * The keys among `keys` (those that count for the signer in the scope checked) that the header may
 * name: by `kid` when present (the JWK's `kid` or the verification method id), by the `x5c` leaf when
 * present, otherwise every key whose curve fits `alg` (bounded).
 */
export function joseKeyCandidates(header: CompactJws['header'], keys: readonly PinnedKey[]): PinnedKey[] {
  const fits = keys.filter((k) => {
    const jwk = jwkOfPinnedKey(k);
    return jwk !== null && jwsAlgorithmOf(jwk) === header.alg;
  });
  let matched = fits;
  if (typeof header.kid === 'string') {
    const kid = header.kid;
    matched = matched.filter((k) => k.publicKeyJwk?.kid === kid || k.id === kid);
  }
  if (header.x5c !== undefined) {
    const leaf = x5cLeafMultibase(header.x5c);
    matched = leaf === null ? [] : matched.filter((k) => k.publicKeyMultibase === leaf);
  }
  const distinct: PinnedKey[] = [];
  for (const k of matched) if (!distinct.some((d) => sameKey(d, k))) distinct.push(k);
  return distinct.slice(0, MAX_KEY_CANDIDATES);
}

/** True when the JWS signature verifies with `key` (RFC 7515 §5.2 step 8; RFC 7518 §3.4, RFC 8037 §3.1). */
export function jwsSignatureValid(jws: CompactJws, key: PinnedKey): boolean {
  const object = keyObjectOf(key);
  if (!object) return false;
  try {
    return jws.header.alg === 'ES256'
      ? // RFC 7518 §3.4: ES256 signatures are R || S, 64 bytes (IEEE P1363), not DER.
        jws.signature.byteLength === 64 &&
          verify('sha256', jws.signingInput, { key: object, dsaEncoding: 'ieee-p1363' }, jws.signature)
      : verify(null, jws.signingInput, object, jws.signature);
  } catch {
    return false;
  }
}

/** Outcome of {@link verifyJwsWithKeys}: the key that signed, or why the JWS does not count. */
export type JwsVerification = { verified: true; key: PinnedKey } | { verified: false; error: ValidationError };

/**
 * Verifies a JWS by `signer` against `keys`, the keys that count for the signer where it is being
 * checked, and nothing else. `scopeLabel` says where, in the error.
 */
export function verifyJwsWithKeys(
  jws: CompactJws,
  signer: string,
  keys: readonly PinnedKey[],
  scopeLabel = 'here',
): JwsVerification {
  const candidates = joseKeyCandidates(jws.header, keys);
  if (candidates.length === 0) {
    const named = typeof jws.header.kid === 'string' ? `kid ${jws.header.kid}` : `an ${jws.header.alg} key`;
    return {
      verified: false,
      // [REJECT] issue 13 / docs/records.md Trust rules: a JOSE header names a key pinned for the
      // signer (never fetched: jku, x5u), of the curve its alg signs with.
      error: reject(
        JOSE_KEY_CODES.KEY_NOT_PINNED,
        'header.kid',
        `${named} is not a key that counts for ${signer} ${scopeLabel}`,
      ),
    };
  }
  for (const key of candidates) if (jwsSignatureValid(jws, key)) return { verified: true, key };
  return {
    verified: false,
    // [REJECT] RFC 7515 §5.2 step 8: the signature must validate.
    error: reject(JOSE_KEY_CODES.SIGNATURE_INVALID, 'signature', `does not verify with the key of ${signer} it names`),
  };
}
