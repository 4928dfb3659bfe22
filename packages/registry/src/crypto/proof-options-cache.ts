/**
 * A bounded memo of canonicalized Data Integrity proof options
 * (https://www.w3.org/TR/vc-data-integrity/#verify-proof: the proof's options without `proofValue`,
 * in the credential's `@context`, canonicalized with RDFC-1.0).
 *
 * Why: canonicalization through jsonld.js is most of a proof check's cost (its active-context
 * cloning, digitalbazaar/jsonld.js#414), and half of it is spent on the proof options, which are the
 * same for every proof an issuer makes with one key when proofs carry no `created` (as this
 * project's `signCredential` makes them): same `@context`, type, cryptosuite, verificationMethod and
 * proofPurpose. Reusing their canonical form makes each verification of such a proof about 40 %
 * cheaper, for credentials and for status-list updates alike. It serves `eddsa-rdfc-2022`, whose
 * verify data DataIntegrityProof computes; `ecdsa-rdfc-2019` computes its own (a hash chosen by key
 * size) and is canonicalized in full every time.
 *
 * Safe because canonicalization is a pure function of the options and of the contexts the loader
 * serves: the memo belongs to one document loader (whose contexts are fixed when it is made), and
 * its key is the SHA-256 of the options' RFC 8785 canonical JSON, so any change in any field —
 * `created`, `verificationMethod`, `proofPurpose`, the `@context` — is another key. The document
 * itself and the signature are checked afresh every time.
 */
import { contentHash } from '../canonical.ts';

/** Memo of canonical proof options, bounded, least recently used evicted first. */
export interface ProofOptionsCache {
  /**
   * The canonical form of `proofOptions` (`proofValue` is ignored), computed with `canonize` on a
   * miss. A failed computation is not remembered.
   * @param proofOptions - The proof with the credential's `@context`, as the suite canonicalizes it.
   * @param canonize - Computes the canonical N-Quads when they are not held.
   */
  canonical(proofOptions: Readonly<Record<string, unknown>>, canonize: () => Promise<string>): Promise<string>;
  /** Entries held. */
  readonly size: number;
}

/** Entries held by default: a few per issuer key that proofs are checked for. */
export const DEFAULT_PROOF_OPTIONS_CACHE_SIZE = 1024;

/**
 * Creates an empty memo holding at most `maxEntries` canonical forms (each ~1 KB).
 * @param maxEntries - A positive integer.
 */
export function createProofOptionsCache(maxEntries: number = DEFAULT_PROOF_OPTIONS_CACHE_SIZE): ProofOptionsCache {
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
  }
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  const entries = new Map<string, Promise<string>>();
  return {
    canonical(proofOptions, canonize) {
      const options: Record<string, unknown> = { ...proofOptions };
      delete options.proofValue;
      const key = contentHash(options);
      const held = entries.get(key);
      if (held) {
        entries.delete(key);
        entries.set(key, held);
        return held;
      }
      // Held as a promise, so concurrent checks of proofs with the same options canonicalize once.
      const computed = canonize();
      entries.set(key, computed);
      computed.catch(() => {
        if (entries.get(key) === computed) entries.delete(key);
      });
      if (entries.size > maxEntries) {
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
      return computed;
    },
    get size() {
      return entries.size;
    },
  };
}
