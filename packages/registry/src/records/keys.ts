/**
 * Public keys pinned inside records: governance authorities' keys and accredited subjects' keys.
 * Pinning lets a verifier check a `did:web` issuer while its web server is down (DESIGN.md, Records).
 */
import { canonicalBytes } from '../canonical.ts';
import { reject } from '../errors.ts';
import { type JsonObject, join, requireArray, requireObject, requireString } from '../validation/fields.ts';
import { type PublicJwk, publicJwkToMultibase } from './jwk.ts';

/**
 * A pinned public key: a Multikey (https://www.w3.org/TR/cid-1.0/#Multikey) or a JsonWebKey
 * (https://www.w3.org/TR/cid-1.0/#JsonWebKey, RFC 7517; P-256 and Ed25519 only). A JsonWebKey is
 * held in both forms: its Multikey form is what every trust rule compares (one key, one identity,
 * whichever way it was pinned), its JWK (with its `kid`) is what a JOSE header is matched against.
 */
export interface PinnedKey {
  /** Verification method id, e.g. `did:web:example.org#key-1`. */
  id: string;
  type: 'Multikey' | 'JsonWebKey';
  /** DID that controls the key: the authority or the accredited subject. */
  controller: string;
  /** Multibase public key: `z6Mk…` Ed25519 or `zDna…` P-256. */
  publicKeyMultibase: string;
  /** The public JWK as pinned (JsonWebKey only): its `kid` is what JOSE headers name. */
  publicKeyJwk?: PublicJwk;
  /**
   * Proof of possession (accreditations only): the key's raw signature, base58btc multibase, over
   * {@link keyPossessionBytes} of (subject, key id, accreditation id). Checked at admission.
   */
  proofOfPossession?: string;
  /**
   * Controller proof (accreditations of a did:key subject only, issue 13): the signature of the
   * did:key's own key, base58btc multibase, over {@link keyControllerBytes} — the DID's consent to
   * have another key pinned for it (TW DIW signs lists with a key other than its DID's).
   */
  controllerProof?: string;
}

/** A pinned key that carries its proof of possession. */
export type PossessedKey = PinnedKey & { proofOfPossession: string };

/** Domain-separation tag of a proof of possession: these bytes can never be mistaken for another record. */
export const KEY_POSSESSION_TYPE = 'TrustmeshKeyPossession';

/**
 * The bytes a pinned key signs to prove its holder binds it to `subject` in accreditation
 * `accreditationId`: canonical JSON of `{type, subject, keyId, accreditation}` (DESIGN.md,
 * Principles §2). Binding the accreditation id means a proof cannot be replayed into another grant.
 */
export function keyPossessionBytes(subject: string, keyId: string, accreditationId: string): Uint8Array {
  return canonicalBytes({ type: KEY_POSSESSION_TYPE, subject, keyId, accreditation: accreditationId });
}

/** Domain-separation tag of a controller proof (see {@link keyControllerBytes}). */
export const KEY_CONTROLLER_TYPE = 'TrustmeshKeyController';

/**
 * The bytes a did:key's own key signs to let accreditation `accreditationId` pin another key for
 * it: canonical JSON of `{type, subject, keyId, publicKeyMultibase, accreditation}`. A did:key is
 * its one key, so nobody but that key's holder may extend it — not even the accreditor; naming the
 * public key and the accreditation means the consent cannot be moved to another key or grant.
 */
export function keyControllerBytes(
  subject: string,
  keyId: string,
  publicKeyMultibase: string,
  accreditationId: string,
): Uint8Array {
  return canonicalBytes({
    type: KEY_CONTROLLER_TYPE,
    subject,
    keyId,
    publicKeyMultibase,
    accreditation: accreditationId,
  });
}

/** True when `a` and `b` are the same key: same verification method id and the same public key. */
export function sameKey(a: PinnedKey, b: PinnedKey): boolean {
  return a.id === b.id && a.publicKeyMultibase === b.publicKeyMultibase;
}

/** Most keys one party may pin: enough for rotation overlap, small enough to bound work. */
export const MAX_PINNED_KEYS = 8;

/**
 * Parses `obj[key]` as a list of pinned keys, all controlled by `controller`. With `possession`, each
 * key's `proofOfPossession` is read too (shape only: whether it verifies is an admission rule).
 */
export function parsePinnedKeys(
  obj: JsonObject,
  key: string,
  path: string,
  code: string,
  controller: string,
  options: { possession?: boolean } = {},
) {
  const items = requireArray(obj, key, path, code, 1, MAX_PINNED_KEYS);
  const keys: PinnedKey[] = [];
  items.forEach((item, i) => {
    const field = join(join(path, key), i);
    const entry = requireObject(item, field, code);
    const id = requireString(entry, 'id', field, code);
    if (!id.startsWith(`${controller}#`)) {
      // [REJECT] DID Core §5.2: a verification method's id is a fragment of its controller.
      throw reject(code, join(field, 'id'), `must be a fragment of its controller ${controller} (${controller}#…)`);
    }
    // [REJECT] DESIGN.md Records §2: pinned keys are Multikeys or (issue 13) JsonWebKeys.
    if (entry.type !== 'Multikey' && entry.type !== 'JsonWebKey') {
      throw reject(code, join(field, 'type'), 'must be "Multikey" or "JsonWebKey"');
    }
    const declared = entry.controller ?? controller;
    // [REJECT] DID Core §5.2: the key's controller is the party it is pinned for.
    if (declared !== controller) throw reject(code, join(field, 'controller'), `must be ${controller}`);
    let publicKeyMultibase: string;
    let publicKeyJwk: PublicJwk | undefined;
    if (entry.type === 'JsonWebKey') {
      // [REJECT] Controlled Identifiers §2.2.3 JsonWebKey: a public JWK (no private members), here
      // P-256 or Ed25519 (issue 13: the curves TW DIW and the EU wallet sign with).
      if (entry.publicKeyMultibase !== undefined) {
        throw reject(code, join(field, 'publicKeyMultibase'), 'a JsonWebKey carries publicKeyJwk only');
      }
      const converted = publicJwkToMultibase(entry.publicKeyJwk, join(field, 'publicKeyJwk'), code);
      publicKeyMultibase = converted.multibase;
      publicKeyJwk = converted.jwk;
    } else {
      publicKeyMultibase = requireString(entry, 'publicKeyMultibase', field, code, 256);
      // [REJECT] Controlled Identifiers §2.2.2 Multikey: Ed25519 (z6Mk…) and P-256 (zDna…), the key
      // types our cryptosuites verify.
      if (!/^z(6Mk|Dna)[1-9A-HJ-NP-Za-km-z]+$/.test(publicKeyMultibase)) {
        throw reject(
          code,
          join(field, 'publicKeyMultibase'),
          'must be a base58btc Ed25519 (z6Mk…) or P-256 (zDna…) Multikey',
        );
      }
    }
    // [REJECT] docs/records.md Trust rules: each key is pinned once per party.
    if (keys.some((k) => k.id === id)) throw reject(code, join(field, 'id'), `duplicates key ${id}`);
    const kid = publicKeyJwk?.kid;
    // [REJECT] docs/records.md Trust rules: a JOSE `kid` names one key of a party (issue 13).
    if (kid !== undefined && keys.some((k) => k.publicKeyJwk?.kid === kid)) {
      throw reject(code, join(field, 'publicKeyJwk.kid'), `duplicates kid ${kid}`);
    }
    const pinned: PinnedKey = publicKeyJwk
      ? { id, type: 'JsonWebKey', controller, publicKeyMultibase, publicKeyJwk }
      : { id, type: 'Multikey', controller, publicKeyMultibase };
    if (options.possession && entry.proofOfPossession !== undefined) {
      const proof = requireString(entry, 'proofOfPossession', field, code, 256);
      if (!/^z[1-9A-HJ-NP-Za-km-z]+$/.test(proof)) {
        // [REJECT] docs/records.md Trust rules: a proof of possession is a multibase signature.
        throw reject(code, join(field, 'proofOfPossession'), 'must be a base58btc multibase signature (z…)');
      }
      pinned.proofOfPossession = proof;
    }
    if (options.possession && entry.controllerProof !== undefined) {
      const proof = requireString(entry, 'controllerProof', field, code, 256);
      if (!/^z[1-9A-HJ-NP-Za-km-z]+$/.test(proof)) {
        // [REJECT] docs/records.md Trust rules: a controller proof is a multibase signature.
        throw reject(code, join(field, 'controllerProof'), 'must be a base58btc multibase signature (z…)');
      }
      pinned.controllerProof = proof;
    }
    keys.push(pinned);
  });
  return keys;
}
