/**
 * Public keys pinned inside records: governance authorities' keys and accredited subjects' keys.
 * Pinning lets a verifier check a `did:web` issuer while its web server is down (DESIGN.md, Records).
 */
import { reject } from '../errors.ts';
import { type JsonObject, join, requireArray, requireObject, requireString } from '../validation/fields.ts';

/** A pinned public key in Multikey form (https://www.w3.org/TR/cid-1.0/#Multikey). */
export interface PinnedKey {
  /** Verification method id, e.g. `did:web:example.org#key-1`. */
  id: string;
  type: 'Multikey';
  /** DID that controls the key: the authority or the accredited subject. */
  controller: string;
  /** Multibase public key: `z6Mk…` Ed25519 or `zDna…` P-256. */
  publicKeyMultibase: string;
}

/** Most keys one party may pin: enough for rotation overlap, small enough to bound work. */
export const MAX_PINNED_KEYS = 8;

/** Parses `obj[key]` as a list of pinned keys, all controlled by `controller`. */
export function parsePinnedKeys(obj: JsonObject, key: string, path: string, code: string, controller: string) {
  const items = requireArray(obj, key, path, code, 1, MAX_PINNED_KEYS);
  const keys: PinnedKey[] = [];
  items.forEach((item, i) => {
    const field = join(join(path, key), i);
    const entry = requireObject(item, field, code);
    const id = requireString(entry, 'id', field, code);
    if (!id.startsWith(`${controller}#`)) {
      throw reject(code, join(field, 'id'), `must be a fragment of its controller ${controller} (${controller}#…)`);
    }
    if (entry.type !== 'Multikey') throw reject(code, join(field, 'type'), 'must be "Multikey"');
    const declared = entry.controller ?? controller;
    if (declared !== controller) throw reject(code, join(field, 'controller'), `must be ${controller}`);
    const publicKeyMultibase = requireString(entry, 'publicKeyMultibase', field, code, 256);
    // Ed25519 (z6Mk…) and P-256 (zDna…) are the key types our cryptosuites verify.
    if (!/^z(6Mk|Dna)[1-9A-HJ-NP-Za-km-z]+$/.test(publicKeyMultibase)) {
      throw reject(
        code,
        join(field, 'publicKeyMultibase'),
        'must be a base58btc Ed25519 (z6Mk…) or P-256 (zDna…) Multikey',
      );
    }
    if (keys.some((k) => k.id === id)) throw reject(code, join(field, 'id'), `duplicates key ${id}`);
    keys.push({ id, type: 'Multikey', controller, publicKeyMultibase });
  });
  return keys;
}
