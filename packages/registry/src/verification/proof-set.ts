/**
 * Data Integrity proof sets and chains (Data Integrity 1.0 §4, https://www.w3.org/TR/vc-data-integrity/):
 * `proof` may hold several proofs. Each is verified on its own over the document without the
 * others (a proof set); a proof naming `previousProof` (an id, or a list of ids) is verified over
 * the document with `proof` set to the proofs it names (a proof chain, §4.5 "Verify Proof Sets and
 * Chains"). The document verifies only when every proof does.
 *
 * This module splits a secured document into one verification task per proof and resolves each
 * chain reference; signatures are checked by the caller (crypto/proofs.ts through
 * validation/pinned-keys.ts), so every proof goes through the same key and purpose rules.
 */
import { PROOF_CODES } from '../crypto/proofs.ts';
import { type ValidationError, reject } from '../errors.ts';
import { W3C_ERROR_CODES } from '../validation/codes.ts';

/** Data Integrity §4.5: the error type of a proof set or chain that cannot be verified ({@link W3C_ERROR_CODES}). */
export const PROOF_VERIFICATION_ERROR = W3C_ERROR_CODES.PROOF_VERIFICATION_ERROR;

/** More proofs than any honest document carries: bounds the work of one verification. */
export const MAX_PROOFS = 8;

type Json = Record<string, unknown>;

/** One proof to verify: the document as it was signed by that proof alone, and what it chains to. */
export interface ProofTask {
  /** Position of the proof in `proof` (0 for a single proof). */
  index: number;
  /** JSON path of the proof, for messages: `proof` or `proof[i]`. */
  field: string;
  /** The document with `proof` set to this proof only. */
  document: Json;
  /** The proofs this proof's `previousProof` names, in the order named (empty for a set member). */
  previousProofs: Json[];
}

/**
 * One task per proof of a secured document.
 * @returns The tasks, or the reason the set or chain cannot be verified: `PROOF_MISSING` (no proof),
 *   `PROOF_VERIFICATION_ERROR` (too many proofs, a proof that is not an object, duplicate proof
 *   ids, or a `previousProof` naming no proof of the set).
 */
export function proofTasks(secured: Readonly<Json>): ProofTask[] | ValidationError {
  const { proof: value, ...unsecured } = secured;
  const proofs = value === undefined || value === null ? [] : [value].flat();
  if (proofs.length === 0) return reject(PROOF_CODES.MISSING, 'proof', 'the document has no proof');
  if (proofs.length > MAX_PROOFS) {
    return reject(
      W3C_ERROR_CODES.PROOF_VERIFICATION_ERROR,
      'proof',
      `holds ${proofs.length} proofs; at most ${MAX_PROOFS} are verified`,
    );
  }
  const set = Array.isArray(value);
  const ids = new Map<string, Json>();
  for (const [i, proof] of proofs.entries()) {
    const field = set ? `proof[${i}]` : 'proof';
    if (proof === null || typeof proof !== 'object' || Array.isArray(proof)) {
      return reject(W3C_ERROR_CODES.PROOF_VERIFICATION_ERROR, field, 'must be an object');
    }
    const id = (proof as Json).id;
    if (typeof id === 'string') {
      // Chains name proofs by id: two proofs with one id would make a reference ambiguous.
      if (ids.has(id))
        return reject(W3C_ERROR_CODES.PROOF_VERIFICATION_ERROR, `${field}.id`, `${id} names two proofs of the set`);
      ids.set(id, proof as Json);
    }
  }
  const tasks: ProofTask[] = [];
  for (const [i, raw] of proofs.entries()) {
    const proof = raw as Json;
    const field = set ? `proof[${i}]` : 'proof';
    const named = proof.previousProof;
    const previousProofs: Json[] = [];
    if (named !== undefined) {
      const refs = [named].flat();
      for (const [j, ref] of refs.entries()) {
        const refField = Array.isArray(named) ? `${field}.previousProof[${j}]` : `${field}.previousProof`;
        // §4.5: "If a proof in matchingProofs ... does not exist in allProofs, an error MUST be raised".
        const previous = typeof ref === 'string' ? ids.get(ref) : undefined;
        if (!previous) {
          return reject(
            W3C_ERROR_CODES.PROOF_VERIFICATION_ERROR,
            refField,
            `${JSON.stringify(ref)} names no proof of this document`,
          );
        }
        if (previous === proof)
          return reject(W3C_ERROR_CODES.PROOF_VERIFICATION_ERROR, refField, 'a proof cannot chain to itself');
        previousProofs.push(previous);
      }
    }
    tasks.push({ index: i, field, document: { ...unsecured, proof }, previousProofs });
  }
  return tasks;
}
