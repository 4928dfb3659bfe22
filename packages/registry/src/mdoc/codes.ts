/**
 * Codes and result shapes of ISO/IEC 18013-5 mdoc reading and verification (issue 14). Reading
 * ({@link readMdoc}) throws a `reject` ValidationError with a code below (or a CBOR/COSE code) for
 * bytes that are not an mdoc; verification returns checks with these codes and never throws for an
 * mdoc that is merely invalid.
 */
import type { CheckOutcome } from '../verification/check-result.ts';

/** Codes of mdoc reading (`reject`) and verification (check results). */
export const MDOC_CODES = {
  /** `reject` — not an IssuerSigned or DeviceResponse structure (ISO 18013-5 §8.3.2.1.2.2). */
  MALFORMED: 'MDOC_MALFORMED',
  /** `reject` — a DeviceResponse without documents, or with a status other than 0 (§8.3.2.1.2.3). */
  NO_DOCUMENT: 'MDOC_NO_DOCUMENT',
  /** `reject` — more documents than `maxDocuments`. */
  TOO_MANY_DOCUMENTS: 'MDOC_TOO_MANY_DOCUMENTS',
  /** `reject` — the MSO is not a MobileSecurityObject (§9.1.2.4). */
  MSO_MALFORMED: 'MDOC_MSO_MALFORMED',
  /** `reject` — an MSO `version` other than 1.x. */
  MSO_VERSION_UNSUPPORTED: 'MDOC_MSO_VERSION_UNSUPPORTED',
  /** `reject` — a `digestAlgorithm` other than SHA-256, SHA-384 or SHA-512 (§9.1.2.5). */
  DIGEST_ALGORITHM_UNSUPPORTED: 'MDOC_DIGEST_ALGORITHM_UNSUPPORTED',
  /** `reject` — the MSO `status` is not `{ status_list: { idx, uri } }` (draft-ietf-oauth-status-list §6.3). */
  STATUS_MALFORMED: 'MDOC_STATUS_MALFORMED',
  /** `reject` — an IssuerSignedItem that is not {digestID, random, elementIdentifier, elementValue} (§8.3.2.1.2.2). */
  ITEM_MALFORMED: 'MDOC_ITEM_MALFORMED',
  /** fail — issuerAuth carries no `x5chain` (§9.1.2.4: the DS certificate travels in it). */
  X5CHAIN_MISSING: 'MDOC_X5CHAIN_MISSING',
  /** fail — the DS certificate (first of `x5chain`) cannot be parsed. */
  DS_CERTIFICATE_INVALID: 'MDOC_DS_CERTIFICATE_INVALID',
  /** fail — the issuerAuth signature does not verify with the DS certificate's key (§9.1.2.4). */
  ISSUER_SIGNATURE_INVALID: 'MDOC_ISSUER_SIGNATURE_INVALID',
  /** undetermined — the chain callback threw instead of answering. */
  CHAIN_CALLBACK_FAILED: 'MDOC_CHAIN_CALLBACK_FAILED',
  /** fail — an IssuerSignedItem's digest differs from the MSO's (§9.1.2.5, §9.3.1): it was altered. */
  DIGEST_MISMATCH: 'MDOC_DIGEST_MISMATCH',
  /** fail — an item's namespace or digestID has no digest in the MSO (§9.3.1). */
  DIGEST_MISSING: 'MDOC_DIGEST_MISSING',
  /** fail — two items of one namespace share a digestID (§9.1.2.5: unique per namespace). */
  DIGEST_ID_DUPLICATE: 'MDOC_DIGEST_ID_DUPLICATE',
  /** fail — the MSO docType differs from the document's, or from the one expected (§9.3.1). */
  DOCTYPE_MISMATCH: 'MDOC_DOCTYPE_MISMATCH',
  /** fail — `validUntil` is before the time asked (§9.3.1). */
  EXPIRED: 'MDOC_EXPIRED',
  /** fail — `validFrom` is after the time asked (§9.3.1). */
  NOT_YET_VALID: 'MDOC_NOT_YET_VALID',
  /** fail — `signed` lies outside the DS certificate's validity (§9.3.1). */
  SIGNED_OUTSIDE_CERTIFICATE: 'MDOC_SIGNED_OUTSIDE_CERTIFICATE',
  /** fail — `issuing_country` differs from the DS certificate's countryName (Annex B.1.2). */
  COUNTRY_MISMATCH: 'MDOC_COUNTRY_MISMATCH',
  /** undetermined — no session transcript was given: device authentication was not requested (never a pass). */
  DEVICE_AUTH_NOT_REQUESTED: 'MDOC_DEVICE_AUTH_NOT_REQUESTED',
  /** fail — a session transcript was given but the input carries no deviceSigned/deviceAuth. */
  DEVICE_AUTH_MISSING: 'MDOC_DEVICE_AUTH_MISSING',
  /** undetermined — deviceMac needs the reader's ephemeral private key (§9.1.3.5), which this API never takes. */
  DEVICE_MAC_UNSUPPORTED: 'MDOC_DEVICE_MAC_UNSUPPORTED',
  /** fail — deviceSignature does not verify over DeviceAuthenticationBytes (§9.1.3.6): wrong transcript, key or docType. */
  DEVICE_SIGNATURE_INVALID: 'MDOC_DEVICE_SIGNATURE_INVALID',
  /** fail — the MSO deviceKey is not a usable COSE_Key (§9.1.2.4). */
  DEVICE_KEY_INVALID: 'MDOC_DEVICE_KEY_INVALID',
  /** fail — the session transcript given is not CBOR SessionTranscript (or SessionTranscriptBytes) (§9.1.5.1). */
  SESSION_TRANSCRIPT_INVALID: 'MDOC_SESSION_TRANSCRIPT_INVALID',
} as const;

/** The checks of one mdoc document, in the order of ISO 18013-5 §9.3.1. */
export type MdocCheckName =
  | 'issuer-certificate'
  | 'issuer-chain'
  | 'issuer-signature'
  | 'digests'
  | 'doctype'
  | 'validity'
  | 'issuing-country'
  | 'device-auth';

/** One check (same shape as verification/check-result.ts CheckResult, with mdoc check names). */
export interface MdocCheck {
  check: MdocCheckName;
  outcome: CheckOutcome;
  code?: string;
  message: string;
  details?: Record<string, unknown>;
}

/** What the chain callback answers about x5chain (the lead's RFC 5280 path validation to an accredited IACA). */
export interface ChainVerdict {
  outcome: CheckOutcome;
  /** Stable code when not pass (e.g. the path validator's). */
  code?: string;
  message?: string;
  /** Facts worth reporting: the anchor, the accreditation id, CRLs read (as-of stamp). */
  details?: Record<string, unknown>;
}

/** What the chain callback is told besides the chain. */
export interface ChainContext {
  docType: string;
  /** `issuing_country` from a digest-verified element, else the DS certificate's countryName. */
  issuingCountry?: string;
  atMs: number;
}

/** The chain validator the caller plugs in: RFC 5280 path validation to an IACA accredited for docType × jurisdiction. */
export type ValidateChain = (x5chain: Uint8Array[], ctx: ChainContext) => ChainVerdict;
