/**
 * Which keys may sign for a DID: keys pinned in governance (authorities) and in accreditations
 * (accredited subjects), or the key a did:key is made of. Pinned keys take precedence over any DID
 * resolution, so verification needs no network and a did:web host being down changes nothing.
 */
import { reject } from '../errors.ts';
import type { PinnedKey } from '../records/keys.ts';
import type { TrustView } from '../verification/trust-view.ts';

/** Every key pinned for `did` in the current governance and in held accreditations. */
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

/** Rejects a proof made with a key that is neither pinned for the signer nor the signer's did:key. */
export function requireAuthorisedKey(view: TrustView, signer: string, verificationMethod: string): void {
  if (verificationMethod === didKeyVerificationMethod(signer)) return;
  if (pinnedKeysOf(view, signer).some((k) => k.id === verificationMethod)) return;
  throw reject(
    'PROOF_KEY_NOT_PINNED',
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
  const keys = pinnedKeysOf(view, did);
  if (keys.length === 0) return null;
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
      verificationMethod: keys.map(method),
      assertionMethod: keys.map((k) => k.id),
    };
  }
  const key = keys.find((k) => k.id === id);
  return key ? { '@context': 'https://w3id.org/security/multikey/v1', ...method(key) } : null;
}
