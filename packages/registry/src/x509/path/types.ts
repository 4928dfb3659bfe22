/**
 * The shapes of certificate path validation (RFC 5280 §6.1): its input, options and result. The
 * result has the shape of the registry's credential checks (verification/check-result.ts): each check
 * with its outcome and code, plus the as-of stamp entries of every CRL read.
 */
import type { CheckOutcome } from '../../verification/check-result.ts';
import type { CrlStamp } from '../types.ts';
import type { CertificateCache } from './parse-certificate.ts';

/**
 * What the leaf must be good for. Key usages (RFC 5280 §4.2.1.3) are checked against keyUsage;
 * extended key usages (§4.2.1.12) against extendedKeyUsage and the keyUsage bits consistent with
 * them. An absent extension does not restrict (§4.2.1.3, §4.2.1.12). JPKI signing certificates are
 * `['digitalSignature', 'nonRepudiation']`; JPKI user authentication is `'clientAuth'`.
 */
export type CertificatePurpose =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'keyAgreement'
  | 'clientAuth'
  | 'serverAuth'
  | 'emailProtection'
  | 'codeSigning';

/** The chain to validate. */
export interface CertificatePathInput {
  /** DER certificates, leaf first; the accredited CA's certificate may be included at the end or omitted. */
  chain: readonly Uint8Array[];
  /** The time the path is evaluated at (ms since the epoch); revocation is asked as of it too. */
  atMs: number;
  /** Purposes the leaf must serve (all of them); none checks only what every path needs. */
  purpose?: CertificatePurpose | readonly CertificatePurpose[];
}

/** Options of {@link validateCertificatePath}. */
export interface CertificatePathOptions {
  /** Parsed certificates keyed by the DER's SHA-256, shared across calls (bounded LRU). */
  cache?: CertificateCache;
  /** Bounds (default 64 KiB per certificate, 10 certificates). */
  maxCertificateBytes?: number;
  maxChainLength?: number;
}

/** The checks a certificate path reports. */
export type CertificateCheckName = 'path' | 'validity' | 'keyUsage' | 'policy' | 'revocation';

/** One check of a certificate path validation. */
export interface CertificateCheckResult {
  check: CertificateCheckName;
  outcome: CheckOutcome;
  /** A {@link CERTIFICATE_PATH_CODES} code (or a CRL code) when the outcome is not pass. */
  code?: string;
  message: string;
  /** `position`: index in the input chain (0 = leaf) of the certificate concerned; more per check. */
  details?: Record<string, unknown>;
}

/** The answer of {@link validateCertificatePath}: never thrown, always one of these. */
export interface CertificatePathResult {
  /** True only when every check passes. */
  verified: boolean;
  /** One entry per {@link CertificateCheckName}, in the order path, validity, keyUsage, policy, revocation. */
  checks: CertificateCheckResult[];
  /** The accredited CA the path was anchored to, when one was found. */
  anchor?: { accreditationId: string; spkiSha256: string };
  /** Every CRL the revocation answers read (the as-of stamp), once each. */
  crls: CrlStamp[];
}
