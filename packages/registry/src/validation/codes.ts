/**
 * Codes that several modules share (CONVENTIONS.md, Errors: a code comes from a table, never an
 * inline string). A code of one module lives in that module's own table; only the codes below are
 * raised by several modules, so they live here and the others import them.
 *
 * Codes are a public contract (the HTTP API maps them to statuses, metrics label them): a code's
 * string never changes.
 */

/** Codes every validation pipeline raises. */
export const VALIDATION_CODES = {
  /**
   * `ignore` — the record, or one carrying the same signed content, is already held (DESIGN.md
   * Admission: dedupe). Waiting changes nothing, so it is not retried.
   */
  DUPLICATE: 'DUPLICATE',
} as const;

/**
 * The error names the W3C specifications define, raised under those names so answers read as the
 * specs do: VC Data Model 2.0 §7.1 (problem details), Bitstring Status List §3.2 (validate
 * algorithm) and Data Integrity 1.0 §4 (proof sets and chains). Validators raise them as `reject`;
 * the verifier reports them as check results.
 */
export const W3C_ERROR_CODES = {
  /** `reject` — VCDM 2.0 §7.1: a property's value is malformed (the field path names it). */
  MALFORMED_VALUE_ERROR: 'MALFORMED_VALUE_ERROR',
  /** `reject` — Bitstring Status List §3.2 step 10: an index (or a status value) outside the bitstring. */
  RANGE_ERROR: 'RANGE_ERROR',
  /** `reject` — Bitstring Status List §3.2 step 9: a list shorter than the minimum number of entries. */
  STATUS_LIST_LENGTH_ERROR: 'STATUS_LIST_LENGTH_ERROR',
  /** Bitstring Status List §3.2: the status list credential could not be obtained (a check result). */
  STATUS_RETRIEVAL_ERROR: 'STATUS_RETRIEVAL_ERROR',
  /** Bitstring Status List §3.2: the status list credential does not verify or does not match (a check result). */
  STATUS_VERIFICATION_ERROR: 'STATUS_VERIFICATION_ERROR',
  /** `reject` — Data Integrity 1.0 §4.5: a proof set or chain that cannot be verified as one. */
  PROOF_VERIFICATION_ERROR: 'PROOF_VERIFICATION_ERROR',
} as const;
