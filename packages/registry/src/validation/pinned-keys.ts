/**
 * Which keys may sign for a DID, and checking a proof against exactly those keys (docs/records.md,
 * Trust rules). Keys are pinned in governance (authorities) and in accreditations (accredited
 * subjects); pinned keys take precedence over any DID resolution, so verification needs no network.
 *
 * A key counts for a signer only in a scope: through the governance entry (authorities) or the
 * accreditation that pins it and grants the scope being checked. Callers work out the keys that
 * count (verification/trust-chain.ts) and check the proof with {@link verifyProofWithKeys}, whose
 * loader serves those keys and no other key of the signer — so a key some other accreditor pinned
 * under the same DID, even under the same key id, is never used.
 */

import { verifyBytes } from '../crypto/keys.ts';
import { PROOF_CODES, type VerifyProofOptions, verifyCredentialProof } from '../crypto/proofs.ts';
import type { DocumentLoader, RemoteDocument } from '../crypto/types.ts';
import { reject, type ValidationError } from '../errors.ts';
import type { ParsedAccreditation } from '../records/accreditation.ts';
import { keyControllerBytes, keyPossessionBytes, type PinnedKey, sameKey } from '../records/keys.ts';
import { didKeyOf } from '../verification/trust-chain.ts';
import type { TrustView } from '../verification/trust-view.ts';

/** Codes of pinned keys (docs/records.md, Trust rules: which key counts for what). */
export const PINNED_KEY_CODES = {
  /** `reject` — a proof of possession of a pinned key is missing or does not verify. */
  ACCREDITATION_KEY_POSSESSION_INVALID: 'ACCREDITATION_KEY_POSSESSION_INVALID',
  /** `reject` — a did:key subject pinned with a key other than its own. */
  ACCREDITATION_DID_KEY_MISMATCH: 'ACCREDITATION_DID_KEY_MISMATCH',
  /** `reject` — a proof made with a key that does not count for its signer (in the scope checked). */
  PROOF_KEY_NOT_PINNED: 'PROOF_KEY_NOT_PINNED',
} as const;

/** {@link PINNED_KEY_CODES}.ACCREDITATION_KEY_POSSESSION_INVALID, kept for existing importers. */
export const ACCREDITATION_KEY_POSSESSION_INVALID = PINNED_KEY_CODES.ACCREDITATION_KEY_POSSESSION_INVALID;
/** {@link PINNED_KEY_CODES}.ACCREDITATION_DID_KEY_MISMATCH, kept for existing importers. */
export const ACCREDITATION_DID_KEY_MISMATCH = PINNED_KEY_CODES.ACCREDITATION_DID_KEY_MISMATCH;

/**
 * Every key pinned for `did` anywhere: its governance entry and every held accreditation. This is
 * what the registry's general document loader serves; it is NOT a trust decision — a key counts only
 * in a scope (see the module comment).
 */
export function pinnedKeysOf(view: TrustView, did: string): PinnedKey[] {
  const keys: PinnedKey[] = [];
  const authority = view.governance()?.record.authorities.find((a) => a.id === did);
  if (authority) keys.push(...authority.publicKeys);
  for (const accreditation of view.accreditationsOf(did)) {
    for (const key of accreditation.publicKeys) if (!keys.some((k) => k.id === key.id)) keys.push(key);
  }
  return keys;
}

/** The one verification method a did:key DID stands for (`did:key:z…#z…`). */
export function didKeyVerificationMethod(did: string): string | null {
  return did.startsWith('did:key:z') ? `${did}#${did.slice('did:key:'.length)}` : null;
}

/**
 * Rejects a proof made with a key that is neither pinned for the signer nor the signer's did:key.
 * Unscoped: used only where no scope is at stake (equivocation evidence, which is kept, not trusted).
 */
export function requireAuthorisedKey(view: TrustView, signer: string, verificationMethod: string): void {
  if (verificationMethod === didKeyVerificationMethod(signer)) return;
  if (pinnedKeysOf(view, signer).some((k) => k.id === verificationMethod)) return;
  // [REJECT] docs/records.md Trust rules: the key is pinned for the signer, or is its did:key.
  throw reject(
    PINNED_KEY_CODES.PROOF_KEY_NOT_PINNED,
    'proof.verificationMethod',
    `${verificationMethod} is not a key pinned for ${signer}`,
  );
}

/**
 * A verification method or controller document for a pinned key id, in the shape jsonld-signatures
 * expects, or null when the id is not pinned.
 */
export function pinnedKeyDocument(view: TrustView, id: string): Record<string, unknown> | null {
  const did = id.split('#')[0] ?? id;
  return keyDocument(pinnedKeysOf(view, did), id);
}

function keyDocument(keys: readonly PinnedKey[], id: string): Record<string, unknown> | null {
  const did = id.split('#')[0] ?? id;
  const own = keys.filter((k) => k.controller === did);
  if (own.length === 0) return null;
  const method = (k: PinnedKey) => ({
    id: k.id,
    type: 'Multikey',
    controller: k.controller,
    publicKeyMultibase: k.publicKeyMultibase,
  });
  if (id === did) {
    return {
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
      id: did,
      verificationMethod: own.map(method),
      assertionMethod: own.map((k) => k.id),
    };
  }
  const key = own.find((k) => k.id === id);
  return key ? { '@context': 'https://w3id.org/security/multikey/v1', ...method(key) } : null;
}

/**
 * A loader that answers for `signer`'s DID with `keys` only (at most one key per id) and refuses any
 * other key of `signer`; every other URL (contexts, other DIDs) goes to `base`.
 */
export function scopedDocumentLoader(base: DocumentLoader, signer: string, keys: readonly PinnedKey[]): DocumentLoader {
  const loader = async (url: string): Promise<RemoteDocument> => {
    const did = url.split('#')[0] ?? url;
    if (did !== signer) return base(url);
    const document = keyDocument(keys, url);
    if (!document) {
      // [REJECT] docs/records.md Trust rules: the loader serves only the keys that count for the signer.
      throw reject(
        PINNED_KEY_CODES.PROOF_KEY_NOT_PINNED,
        'proof.verificationMethod',
        `${url} is not a key that counts here`,
      );
    }
    return { contextUrl: null, documentUrl: url, document };
  };
  return base.proofOptionsCache ? Object.assign(loader, { proofOptionsCache: base.proofOptionsCache }) : loader;
}

/** The verification method a credential's single proof names, or null (no proof, a proof set). */
export function proofMethodOf(credential: unknown): string | null {
  if (credential === null || typeof credential !== 'object') return null;
  const raw = (credential as Record<string, unknown>).proof;
  const proofs = raw === undefined || raw === null ? [] : [raw].flat();
  if (proofs.length !== 1) return null;
  const proof = proofs[0];
  if (proof === null || typeof proof !== 'object') return null;
  const method = (proof as Record<string, unknown>).verificationMethod;
  const id = typeof method === 'object' && method !== null ? (method as Record<string, unknown>).id : method;
  return typeof id === 'string' && id !== '' ? id : null;
}

/** Outcome of {@link verifyProofWithKeys}: the key that signed, or why the proof does not count. */
export type KeyedProofVerification =
  | { verified: true; key: PinnedKey; verificationMethod: string; cryptosuite: string }
  | { verified: false; error: ValidationError };

// Distinct public keys tried for one key id (the same id pinned with different keys by different
// accreditors, each counting in its own scope): bounds the work an odd pinning can cause.
const MAX_KEY_CANDIDATES = 4;

/**
 * Verifies a credential's proof by `signer` against `keys`, the keys that count for the signer in
 * the scope being checked, and nothing else. A key id pinned with several public keys is tried with
 * each (bounded). `PROOF_KEY_NOT_PINNED` when the proof names a key of the signer that does not count.
 */
export async function verifyProofWithKeys(
  credential: unknown,
  signer: string,
  keys: readonly PinnedKey[],
  documentLoader: DocumentLoader,
  scopeLabel = 'here',
  // Previous proofs of a chained proof, or a holder's authentication (crypto/proofs.ts).
  extra: Pick<VerifyProofOptions, 'previousProofs' | 'authentication'> = {},
): Promise<KeyedProofVerification> {
  const method = proofMethodOf(credential);
  const candidates: PinnedKey[] = [];
  for (const key of keys) {
    if (key.id === method && key.controller === signer && !candidates.some((k) => sameKey(k, key))) {
      candidates.push(key);
    }
  }
  if (candidates.length === 0) {
    // [REJECT] docs/records.md Trust rules: a key counts for a signer only in the scopes it is pinned for.
    if (method !== null && (method.split('#')[0] ?? method) === signer) {
      return {
        verified: false,
        error: reject(
          PINNED_KEY_CODES.PROOF_KEY_NOT_PINNED,
          'proof.verificationMethod',
          `${method} is not a key that counts for ${signer} ${scopeLabel}`,
        ),
      };
    }
    // No usable method, or another party's: let the proof checker name the precise failure.
    const result = await verifyCredentialProof(credential, {
      ...extra,
      documentLoader: scopedDocumentLoader(documentLoader, signer, []),
      expectedController: signer,
    });
    if (!result.verified) return result;
    // [REJECT] docs/records.md Trust rules: the proof verifies, but with no key that counts here.
    return {
      verified: false,
      error: reject(
        PINNED_KEY_CODES.PROOF_KEY_NOT_PINNED,
        'proof.verificationMethod',
        `no key counts for ${signer} ${scopeLabel}`,
      ),
    };
  }
  let last: KeyedProofVerification | null = null;
  for (const key of candidates.slice(0, MAX_KEY_CANDIDATES)) {
    const result = await verifyCredentialProof(credential, {
      ...extra,
      documentLoader: scopedDocumentLoader(documentLoader, signer, [key]),
      expectedController: signer,
    });
    if (result.verified) return { ...result, key };
    last = result;
    // Only a bad signature depends on which public key was tried.
    if (result.error.code !== PROOF_CODES.INVALID) break;
  }
  return last as KeyedProofVerification;
}

/**
 * Rules on the keys an accreditation pins (docs/records.md, Trust rules): a did:key subject is
 * pinned only with its own key, and every pinned key carries a proof of possession — its signature
 * over the binding of (subject, key id, accreditation id) — so nobody binds a key they do not hold.
 */
export async function requireKeyPossession(parsed: ParsedAccreditation): Promise<void> {
  const own = didKeyOf(parsed.subject);
  for (const [i, key] of parsed.publicKeys.entries()) {
    const field = `credentialSubject.publicKeys[${i}]`;
    // [REJECT] docs/records.md Trust rules: a did:key is its key; another key is pinned for it only
    // with the consent of that key (a controller proof), or it would bind somebody else's DID.
    if (own && !sameKey(own, key)) {
      const consent = key.controllerProof;
      const bytes = keyControllerBytes(parsed.subject, key.id, key.publicKeyMultibase, parsed.id);
      if (consent === undefined || !(await verifyBytes(bytes, consent, own.publicKeyMultibase))) {
        throw reject(
          PINNED_KEY_CODES.ACCREDITATION_DID_KEY_MISMATCH,
          consent === undefined ? field : `${field}.controllerProof`,
          consent === undefined
            ? `a did:key subject can be pinned with another key than its own ${own.id} only with a controllerProof signed by that key`
            : `is not ${own.id}'s signature over the binding of (${parsed.subject}, ${key.id}, ${key.publicKeyMultibase}, ${parsed.id})`,
        );
      }
    }
    // [REJECT] docs/records.md Trust rules: every pinned key carries its holder's proof of possession.
    if (key.proofOfPossession === undefined) {
      throw reject(PINNED_KEY_CODES.ACCREDITATION_KEY_POSSESSION_INVALID, `${field}.proofOfPossession`, 'is required');
    }
    const bytes = keyPossessionBytes(parsed.subject, key.id, parsed.id);
    if (!(await verifyBytes(bytes, key.proofOfPossession, key.publicKeyMultibase))) {
      // [REJECT] docs/records.md Trust rules: the key's own signature over (subject, key id, accreditation id).
      throw reject(
        PINNED_KEY_CODES.ACCREDITATION_KEY_POSSESSION_INVALID,
        `${field}.proofOfPossession`,
        `is not ${key.id}'s signature over the binding of (${parsed.subject}, ${key.id}, ${parsed.id})`,
      );
    }
  }
}
