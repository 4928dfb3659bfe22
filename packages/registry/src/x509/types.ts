/**
 * The contracts between the X.509 parts of the registry (issue 14): what an accredited CA looks like
 * to path validation and mdoc verification ({@link CaTrustAnchor}, produced from accreditations by
 * the trust view), and how path validation asks the replica's CRLs about a serial
 * ({@link RevocationSource}, implemented over the compact CRL index). See DESIGN.md, Records §2 and §4.
 */

/** An accredited certification authority, as path validation and mdoc verification see it. */
export interface CaTrustAnchor {
  /** The CA certificate the accreditation carries (DER). mdoc chains never include the IACA root. */
  certificate: Uint8Array;
  /** SHA-256 of the certificate's SubjectPublicKeyInfo (DER), base64url: how the accreditation pins the CA. */
  spkiSha256: string;
  /** The accreditation record that grants it (its `id`). */
  accreditationId: string;
  /** Certificate-policy OIDs (dotted) the CA may certify under; empty when it is accredited for docTypes only. */
  policies: readonly string[];
  /** ISO 18013-5 `docType`s it may sign as an IACA (e.g. `org.iso.18013.5.1.mDL`); empty for none. */
  docTypes: readonly string[];
  /** ISO 3166-1 alpha-2 (or governance) jurisdictions its scope covers; an mdoc's `issuing_country` must fall in one. */
  jurisdictions: readonly string[];
  /** Extra cap on the number of intermediate CAs below it, on top of the certificate's own `pathLenConstraint`. */
  maxPathLength: number;
  /** The CA declares `certificateHold` final (JPKI): a held serial is never released. */
  holdFinal: boolean;
  /** The grant's validity (ms since the epoch), already bounded by the accreditor's own. */
  validFromMs: number;
  validUntilMs: number;
}

/** The CRL an answer read: the as-of stamp entry of issue 14 (`{ issuer, crlNumber, thisUpdate, nextUpdate }`). */
export interface CrlStamp {
  /** The CRL issuer's distinguished name (RFC 4514 string). */
  issuer: string;
  /** `cRLNumber` (RFC 5280 §5.2.3), decimal: it may exceed 2^53. */
  crlNumber: string;
  /** RFC 3339. */
  thisUpdate: string;
  /** RFC 3339; absent when the CRL carries none (then it is never fresh: RFC 5280 §5.1.2.5 requires it). */
  nextUpdate?: string;
  /** The delta CRL applied on top, when one was. */
  deltaCrlNumber?: string;
}

/** The replica's answer about one serial of one CA. */
export type RevocationAnswer =
  | { state: 'good'; crl: CrlStamp }
  | {
      state: 'revoked' | 'hold';
      /** RFC 5280 §5.3.1 reason code (6 = certificateHold); absent when the entry carries none. */
      reason?: number;
      /** The entry's revocationDate (ms since the epoch). */
      revokedAtMs: number;
      crl: CrlStamp;
    }
  /** No CRL of that CA is held, or the held one is past its nextUpdate at the time asked: fail closed. */
  | { state: 'undetermined'; code: 'CRL_MISSING' | 'CRL_STALE' | 'CRL_NOT_YET_VALID'; crl?: CrlStamp };

/** How path validation reads revocation from the replica (no OCSP, no CRL fetch at verification time). */
export interface RevocationSource {
  /**
   * The state of the certificate with this serial issued by the CA whose SubjectPublicKeyInfo hashes
   * to `issuerSpkiSha256`, as of `atMs`. `serial` is the certificate's serialNumber content octets
   * (DER INTEGER value, big-endian two's complement, as in the certificate).
   */
  lookup(issuerSpkiSha256: string, serial: Uint8Array, atMs: number): RevocationAnswer;
}
