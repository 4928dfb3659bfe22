/**
 * Codes of certificate path validation (RFC 5280 §6.1). Stable strings: the HTTP API maps them to
 * statuses and metrics label them. Revocation answers that cannot decide pass their own CRL codes
 * through (`CRL_MISSING`, `CRL_STALE`, `CRL_NOT_YET_VALID`, see ../types.ts).
 */
import { CERTIFICATE_INPUT_CODES } from '../certificate-input.ts';

/** Every code a {@link CertificatePathResult} check may carry. */
export const CERTIFICATE_PATH_CODES = {
  ...CERTIFICATE_INPUT_CODES,
  /** The chain is empty. */
  CHAIN_EMPTY: 'CHAIN_EMPTY',
  /** `atMs` is not a finite time. */
  TIME_INVALID: 'TIME_INVALID',
  /** A check was not reached because the path could not be anchored (undetermined). */
  NOT_EVALUATED: 'NOT_EVALUATED',
  /** §6.1.1 (d): no accredited CA issued the top certificate, nor is it one (unaccredited root). */
  ANCHOR_NOT_FOUND: 'ANCHOR_NOT_FOUND',
  /** The accreditation granting the anchor is not valid at `at` (validFromMs … validUntilMs). */
  ANCHOR_NOT_ACCREDITED: 'ANCHOR_NOT_ACCREDITED',
  /** The anchor's own certificate has expired at `at`. */
  ANCHOR_EXPIRED: 'ANCHOR_EXPIRED',
  /** The anchor's own certificate is not yet valid at `at`. */
  ANCHOR_NOT_YET_VALID: 'ANCHOR_NOT_YET_VALID',
  /** The chain holds only the anchor: there is no certificate below it to validate. */
  PATH_EMPTY: 'PATH_EMPTY',
  /** §6.1.3 (a)(1): the signature does not verify under the working public key. */
  INVALID_SIGNATURE: 'INVALID_SIGNATURE',
  /** §4.1.1.2: signatureAlgorithm differs from tbsCertificate.signature, or does not fit the key. */
  SIGNATURE_ALGORITHM_MISMATCH: 'SIGNATURE_ALGORITHM_MISMATCH',
  /** A signature algorithm this validator does not verify (SHA-1, RSASSA-PSS, DSA, …). */
  SIGNATURE_ALGORITHM_UNSUPPORTED: 'SIGNATURE_ALGORITHM_UNSUPPORTED',
  /** §6.1.3 (a)(4): the issuer name is not the working issuer name (RFC 5280 §7.1 comparison). */
  ISSUER_MISMATCH: 'ISSUER_MISMATCH',
  /** §6.1.3 (a)(2): `at` is after notAfter. */
  CERTIFICATE_EXPIRED: 'CERTIFICATE_EXPIRED',
  /** §6.1.3 (a)(2): `at` is before notBefore. */
  CERTIFICATE_NOT_YET_VALID: 'CERTIFICATE_NOT_YET_VALID',
  /** §6.1.3 (a)(3): the replica's CRL lists the serial (not a hold). */
  CERTIFICATE_REVOKED: 'CERTIFICATE_REVOKED',
  /** §6.1.3 (a)(3), §5.3.1: the serial is on hold (certificateHold). */
  CERTIFICATE_ON_HOLD: 'CERTIFICATE_ON_HOLD',
  /** §6.1.4 (k): an intermediate without basicConstraints cA (or a v1/v2 intermediate). */
  NOT_A_CA: 'NOT_A_CA',
  /** §6.1.4 (l)(m): more intermediates than a pathLenConstraint or the anchor's maxPathLength allow. */
  PATH_LENGTH_EXCEEDED: 'PATH_LENGTH_EXCEEDED',
  /** §6.1.4 (n): a CA certificate whose keyUsage lacks keyCertSign. */
  KEY_CERT_SIGN_MISSING: 'KEY_CERT_SIGN_MISSING',
  /** §6.1.4 (o), §6.1.5 (f): a critical extension this validator does not process. */
  UNKNOWN_CRITICAL_EXTENSION: 'UNKNOWN_CRITICAL_EXTENSION',
  /** §6.1.3 (b): a name outside every permitted subtree of its form. */
  NAME_NOT_PERMITTED: 'NAME_NOT_PERMITTED',
  /** §6.1.3 (c): a name inside an excluded subtree. */
  NAME_EXCLUDED: 'NAME_EXCLUDED',
  /** §4.2.1.10: a critical nameConstraints with a form not processed here (otherName, x400Address, ediPartyName, registeredID) or with minimum / maximum. */
  NAME_CONSTRAINT_UNSUPPORTED: 'NAME_CONSTRAINT_UNSUPPORTED',
  /** §6.1.3 (f), §6.1.5 (g): no acceptable policy (valid_policy_tree NULL while explicit_policy is 0). */
  NO_VALID_POLICY: 'NO_VALID_POLICY',
  /** §6.1.4 (a): a policyMappings extension maps anyPolicy. */
  POLICY_MAPPING_INVALID: 'POLICY_MAPPING_INVALID',
  /** §6.1.4 (b)(1): policy mapping while policy_mapping > 0 is not implemented: refused, fail closed. */
  POLICY_MAPPINGS_UNSUPPORTED: 'POLICY_MAPPINGS_UNSUPPORTED',
  /** The leaf's keyUsage does not allow the requested purpose (§4.2.1.3). */
  KEY_USAGE_MISMATCH: 'KEY_USAGE_MISMATCH',
  /** The leaf's extendedKeyUsage does not allow the requested purpose (§4.2.1.12). */
  EXTENDED_KEY_USAGE_MISMATCH: 'EXTENDED_KEY_USAGE_MISMATCH',
} as const;

/** One of {@link CERTIFICATE_PATH_CODES}. */
export type CertificatePathCode = (typeof CERTIFICATE_PATH_CODES)[keyof typeof CERTIFICATE_PATH_CODES];
