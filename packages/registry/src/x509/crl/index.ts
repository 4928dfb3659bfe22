/**
 * CRLs (RFC 5280 §5) for the replica: bounded decoding into a compact serial index, signature checks,
 * succession rules (cRLNumber order, never-dropped revocations, holds, deltas) and lookups.
 */
export { CRL_CODES, type CrlCode } from './codes.ts';
export { CRL_LOOKUP_CODES, crlRevocationSource, lookupCrl } from './crl-lookup.ts';
export {
  type AlgorithmIdentifier,
  type CrlHeader,
  type CrlLimits,
  crlDerFromPem,
  DEFAULT_CRL_LIMITS,
  type ParsedCrl,
  readCrl,
  readCrlEntries,
  readCrlEntriesAsync,
  readCrlHeader,
  tryReadCrl,
  type YieldingOptions,
} from './crl-reader.ts';
export { checkCrlSignature, verifyCrlSignature } from './crl-signature.ts';
export {
  applyDelta,
  type CrlJudgement,
  crlScopeDependency,
  crlScopeKey,
  type HeldCrl,
  type HeldDelta,
  heldFromCrl,
  judgeCrl,
  type SuccessionOptions,
} from './crl-succession.ts';
export { DER_TAG, DerReader } from './der-reader.ts';
export {
  CompactSerialIndex,
  CRL_REASON,
  canonicalSerial,
  REASON_NONE,
  walkUnion,
} from './serial-index.ts';
export { SerialIndexBuilder } from './serial-index-builder.ts';
