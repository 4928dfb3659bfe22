/**
 * The codes of the CRL module (RFC 5280 §5), one table (CONVENTIONS.md, Errors). Each code says the
 * action a relay takes: `reject` for malformed, forged or unsupported input; `ignore` for stale or
 * not-yet-resolvable input (an honest peer that was partitioned may send it).
 */
import { ignore, reject, unresolved, type ValidationError } from '../../errors.ts';

/** Stable codes of CRL decoding, signature checking, succession and lookup. */
export const CRL_CODES = {
  /** `reject` — not DER (indefinite length, length beyond the enclosing value, trailing bytes, bad tag). */
  DER_INVALID: 'CRL_DER_INVALID',
  /** `reject` — nesting deeper than `CrlLimits.maxDepth`. */
  DER_TOO_DEEP: 'CRL_DER_TOO_DEEP',
  /** `reject` — the DER is larger than `CrlLimits.maxBytes`, or a count exceeds its limit. */
  TOO_LARGE: 'CRL_TOO_LARGE',
  /** `reject` — a structure does not follow the CertificateList syntax of RFC 5280 §5.1. */
  MALFORMED: 'CRL_MALFORMED',
  /** `reject` — RFC 5280 §5.1.2.1: not a v2 CRL (a v1 CRL has no cRLNumber to order it). */
  VERSION_UNSUPPORTED: 'CRL_VERSION_UNSUPPORTED',
  /** `reject` — RFC 5280 §5.1.1.2: signatureAlgorithm differs from TBSCertList.signature. */
  SIGNATURE_ALGORITHM_MISMATCH: 'CRL_SIGNATURE_ALGORITHM_MISMATCH',
  /** `reject` — RFC 5280 §5.1.2.4/§4.1.2.5: a Time that is not UTCTime/GeneralizedTime `Z` to the second, or out of range. */
  TIME_INVALID: 'CRL_TIME_INVALID',
  /** `reject` — RFC 5280 §5.2.3: no cRLNumber extension (the version order of the record kind). */
  NUMBER_MISSING: 'CRL_NUMBER_MISSING',
  /** `reject` — RFC 5280 §5.2.3: a cRLNumber (or BaseCRLNumber) negative or longer than 20 octets. */
  NUMBER_INVALID: 'CRL_NUMBER_INVALID',
  /** `reject` — RFC 5280 §5.2: an unknown extension marked critical (CRL or entry). */
  UNKNOWN_CRITICAL_EXTENSION: 'CRL_UNKNOWN_CRITICAL_EXTENSION',
  /** `reject` — RFC 5280 §4.2: the same extension twice. */
  DUPLICATE_EXTENSION: 'CRL_DUPLICATE_EXTENSION',
  /** `reject` — RFC 5280 §5.2.5: an issuingDistributionPoint with indirectCRL or onlySomeReasons (not supported). */
  IDP_UNSUPPORTED: 'CRL_IDP_UNSUPPORTED',
  /** `reject` — RFC 5280 §5.3.3: a certificateIssuer entry extension (indirect CRLs are not supported). */
  INDIRECT_UNSUPPORTED: 'CRL_INDIRECT_UNSUPPORTED',
  /** `reject` — RFC 5280 §5.3.1: a reasonCode outside 0..10, or 7 (unused). */
  REASON_INVALID: 'CRL_REASON_INVALID',
  /** `reject` — RFC 5280 §5.3.1: removeFromCRL (8) in a CRL that is not a delta CRL. */
  REMOVE_IN_FULL_CRL: 'CRL_REMOVE_IN_FULL_CRL',
  /** `reject` — the same serial twice in one CRL. */
  DUPLICATE_SERIAL: 'CRL_DUPLICATE_SERIAL',
  /** `reject` — a serial longer than `CrlLimits.maxSerialBytes` (RFC 5280 §4.1.2.2 allows 20 octets). */
  SERIAL_INVALID: 'CRL_SERIAL_INVALID',
  /** `reject` — the signature does not verify under the issuer's key (or the algorithm does not fit the key). */
  SIGNATURE_INVALID: 'CRL_SIGNATURE_INVALID',
  /** `reject` — a CRL judged against a held CRL of another scope (issuer or issuingDistributionPoint). */
  SCOPE_MISMATCH: 'CRL_SCOPE_MISMATCH',
  /** `ignore` — RFC 5280 §5.2.3: a cRLNumber lower than the held one (monotonic). */
  NUMBER_STALE: 'CRL_NUMBER_STALE',
  /** evidence — the same cRLNumber with different signed content (TBSCertList). */
  EQUIVOCATION: 'CRL_EQUIVOCATION',
  /** `reject` — a later CRL with an earlier thisUpdate (RFC 5280 §5.1.2.4: the issue date follows the number). */
  THIS_UPDATE_REGRESSED: 'CRL_THIS_UPDATE_REGRESSED',
  /** `reject` — RFC 5280 §3.3/§5.3.1: a serial revoked for a reason other than certificateHold is missing from a later CRL. */
  SERIAL_DROPPED: 'CRL_SERIAL_DROPPED',
  /** `reject` — a revoked serial put back on hold (revocation is final; only hold → revoked is allowed). */
  REVOKED_TO_HOLD: 'CRL_REVOKED_TO_HOLD',
  /** `reject` — a hold lifted by a CA that declares certificateHold final (JPKI). */
  HOLD_FINAL: 'CRL_HOLD_FINAL',
  /** `reject` — RFC 5280 §5.3.1: a delta's removeFromCRL on an entry that is not a certificateHold. */
  DELTA_REMOVES_REVOKED: 'CRL_DELTA_REMOVES_REVOKED',
  /** `ignore`, retryable — RFC 5280 §5.2.4: the delta's BaseCRLNumber names a complete CRL newer than the held one (or none is held). */
  DELTA_BASE_MISSING: 'CRL_DELTA_BASE_MISSING',
  /** `reject` — a complete CRL given where a delta CRL is expected. */
  NOT_DELTA: 'CRL_NOT_DELTA',
  /** `reject` — a serialized CompactSerialIndex that is not well formed (store corruption). */
  INDEX_INVALID: 'CRL_INDEX_INVALID',
} as const;

/** A code of {@link CRL_CODES}. */
export type CrlCode = (typeof CRL_CODES)[keyof typeof CRL_CODES];

/** A `reject` error of this module. */
export function crlReject(code: CrlCode, field: string | undefined, message: string): ValidationError {
  return reject(code, field, message);
}

/** An `ignore` error of this module (waiting changes nothing). */
export function crlIgnore(code: CrlCode, field: string | undefined, message: string): ValidationError {
  return ignore(code, field, message);
}

/** A retryable `ignore` error: the CRL may pass once the record it `awaits` is held. */
export function crlUnresolved(
  code: CrlCode,
  field: string | undefined,
  message: string,
  awaits: string,
): ValidationError {
  return unresolved(code, field, message, awaits);
}
