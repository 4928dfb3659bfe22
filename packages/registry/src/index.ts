/// <reference path="./crypto/vendor.d.ts" />
/**
 * @trustmesh/registry — records, validation, verification, Bitstring Status Lists and storage.
 * No networking: the only I/O is the store.
 */

export { type CwtStatusListInput, issueCwtStatusList } from './authoring/cwt-status-list.ts';
export {
  createTokenStatusBytes,
  issueSdJwtVc,
  issueTokenStatusList,
  jwsAlgorithmOfKeyPair,
  type SdJwtVcInput,
  signCompactJws,
  TOKEN_STATUS,
  type TokenStatusListInput,
  writeTokenStatus,
} from './authoring/jose-records.ts';
export {
  type AccreditationInput,
  asJsonWebKey,
  type CaAccreditationInput,
  type CaScopeInput,
  createGovernance,
  issueAccreditation,
  issueStatusList,
  type NextStatusListVersion,
  nextStatusListVersion,
  pinnedKeyOf,
  proveAdditionalKey,
  proveKeyPossession,
  type StatusChange,
  type StatusListInput,
  signGovernance,
} from './authoring/records.ts';
export {
  createSampleNetwork,
  defaultSampleNetworkOptions,
  type SampleNetwork,
  type SampleNetworkOptions,
} from './authoring/sample-network.ts';
export {
  type CertificateAuthority,
  type CertificateAuthorityOptions,
  type CrlEntryInput,
  type CrlOptions,
  createCertificateAuthority,
  type EndEntityCertificateOptions,
  type IssuedCertificate,
  issueEndEntityCertificate,
  signCrl,
} from './authoring/x509-records.ts';
export { canonicalBytes, contentHash, sha256Hex } from './canonical.ts';
export {
  BUNDLED_CONTEXTS,
  EXAMPLES_CONTEXT_V1_URL,
  W3C_EXAMPLES_CONTEXT_V1_URL,
  W3C_EXAMPLES_CONTEXT_V2_URL,
  W3C_EXAMPLES_VOCABULARY,
} from './contexts/index.ts';
export * from './cose/index.ts';
// Code tables (issue 11): every code a module raises, with what it means and whether it is ignore
// or reject. Codes are a public contract; the strings never change.
export { CONTEXT_CODES } from './crypto/context-allow-list.ts';
export { DID_RESOLUTION_CODES } from './crypto/did-resolution.ts';
export { DOCUMENT_LOADER_CODES } from './crypto/document-loader.ts';
export * from './crypto/index.ts';
export { KEY_CODES } from './crypto/keys.ts';
export { SIGNATURE_CODES } from './crypto/low-s.ts';
export { PROOF_CHALLENGE_MISMATCH, PROOF_CODES, PROOF_DOMAIN_MISMATCH } from './crypto/proofs.ts';
export {
  ANY_DEPENDENCY,
  CodedError,
  type DependencyKey,
  ignore,
  outcomeOf,
  reject,
  StoreError,
  unresolved,
  type ValidationAction,
  ValidationError,
  type ValidationErrorOptions,
  type ValidationOutcome,
} from './errors.ts';
export * from './issuance/index.ts';
export { PRESENTATION_CODES } from './issuance/sign-presentation.ts';
export {
  bySubmissionOrder,
  classifyRecord,
  type RecordClass,
  type RecordKindModule,
  type SlotOf,
  UNCLASSIFIED_RANK,
} from './kinds/index.ts';
export {
  assertJsonValue,
  assertValueDepth,
  DEFAULT_INPUT_LIMITS,
  DEFAULT_MAX_LARGE_RECORD_BYTES,
  INPUT_LIMIT_CODES,
  type InputLimits,
  largeRecordLimit,
  parseJsonBounded,
  RECORD_INVALID_STRING,
  RECORD_NOT_JSON,
  RECORD_NUMBER_OUT_OF_RANGE,
} from './limits.ts';
export * from './mdoc/index.ts';
export {
  ACCREDITATION_FIELD_INVALID,
  ACCREDITATION_RECORD_CODES,
  ACCREDITATION_TYPE,
  type AccreditationRole,
  type AccreditationScope,
  type AccreditedCa,
  accreditationKey,
  describeScope,
  type ParsedAccreditation,
  parseAccreditation,
  scopesWithin,
  TRUSTMESH_CONTEXT_URL,
  VC_V2_CONTEXT_URL,
} from './records/accreditation.ts';
export { CWT_DATA_URL_PREFIX, cwtDataUrlBytes } from './records/cwt-bytes.ts';
export {
  governanceDependency,
  listDependency,
  providedKeys,
  subjectDependency,
} from './records/dependencies.ts';
// Issue 14: CRLs and subordinate CA certificates as record kinds (DER records, held CRLs, signers).
export {
  type DerRecordKind,
  derRecordKind,
  derToPem,
  isDerRecordBytes,
  looksLikePem,
  PEM_MEDIA_TYPE,
  PKIX_CERT_MEDIA_TYPE,
  PKIX_CRL_MEDIA_TYPE,
  pemLengthBound,
  pemToDer,
} from './records/der-record.ts';
export { evidenceRecordAsCarried, evidenceWireBytes, storedEvidenceWireBytes } from './records/evidence.ts';
export {
  GOVERNANCE_FIELD_INVALID,
  GOVERNANCE_KEY_SHARED,
  GOVERNANCE_RECORD_CODES,
  GOVERNANCE_TYPE,
  type GovernanceAuthority,
  type GovernanceRecord,
  type GovernanceSignature,
  governanceKey,
  governanceSigningBytes,
  jurisdictionWithin,
  type ParsedGovernance,
  parseGovernance,
} from './records/governance.ts';
export { jwsAlgorithmOf, multibaseToPublicJwk, type PublicJwk, publicJwkToMultibase } from './records/jwk.ts';
export { type CompactJws, parseCompactJws } from './records/jws.ts';
export {
  KEY_CONTROLLER_TYPE,
  KEY_POSSESSION_TYPE,
  keyControllerBytes,
  keyPossessionBytes,
  type PinnedKey,
  type PossessedKey,
  sameKey,
} from './records/keys.ts';
export * from './records/status-entry.ts';
export * from './records/status-list-credential.ts';
export { STATUS_LIST_CREDENTIAL_CODES } from './records/status-list-credential.ts';
export {
  defaultRegistryOptions,
  Registry,
  type RegistryModules,
  type RegistryOptions,
  type SubmitOutcome,
} from './registry.ts';
export { BITSTRING_CODES } from './status-list/bitstring.ts';
export { STATUS_LIST_CODEC_CODES } from './status-list/codec.ts';
export {
  type AdmittedCwtList,
  CWT_LIST_KIND_CODES,
  CWT_LIST_MEDIA_TYPE,
  cwtListSlotKey,
  cwtListVersion,
} from './status-list/cwt-list-kind.ts';
export * from './status-list/cwt-status-list.ts';
export {
  CWT_X5CHAIN_CODES,
  parseX5chainSignerId,
  type X5chainSigner,
  x5chainSignerId,
} from './status-list/cwt-x5chain-signer.ts';
export * from './status-list/index.ts';
export {
  type AdmittedJoseList,
  inflateJoseList,
  type JoseListKind,
  joseListMediaType,
  joseListSlotKey,
  joseListVersion,
  type ParsedJoseList,
  readJoseEntry,
  STATUS_LIST_2021_CODES,
  TOKEN_STATUS_LIST_CODES,
  TOKEN_STATUS_LIST_MEDIA_TYPE,
} from './status-list/jose-lists.ts';
export { TOKEN_STATUS_FORMS_CODES } from './status-list/token-status-forms.ts';
export * from './store/index.ts';
export { ACCREDITOR_CHAIN_CODES } from './validation/accreditation.ts';
export {
  CA_CERTIFICATE_RECORD_CODES,
  caCertificateSlotKey,
} from './validation/ca-certificate-record.ts';
export { VALIDATION_CODES, W3C_ERROR_CODES } from './validation/codes.ts';
export type { Admission, AdmittedValue, ValidationContext } from './validation/context.ts';
export { CRL_RECORD_CODES, crlRecordKey } from './validation/crl.ts';
export { EVIDENCE_CAP_REACHED, EVIDENCE_CODES, EVIDENCE_TYPE } from './validation/evidence.ts';
export {
  GOVERNANCE_CODES,
  GOVERNANCE_SIGNATURE_KEY_UNKNOWN,
  type SignatureTally,
  tallyGovernanceSignatures,
} from './validation/governance.ts';
export { jwsSignatureValid } from './validation/jose-keys.ts';
export {
  ACCREDITATION_DID_KEY_MISMATCH,
  ACCREDITATION_KEY_POSSESSION_INVALID,
  PINNED_KEY_CODES,
  verifyProofWithKeys,
} from './validation/pinned-keys.ts';
export {
  STATUS_LIST_CODES,
  statusListKey,
  statusListSlotKey,
  statusListSlotKeyOf,
  statusListVersion,
} from './validation/status-list.ts';
export { SUBMITTED_RECORD_CODES } from './validation/submitted-record.ts';
// Issue 14: CA certificates as accreditation subjects, and the CA trust anchors they grant.
export { caTrustAnchors } from './verification/ca-anchors.ts';
export {
  CertificateVerificationCache,
  type CertificateVerificationCacheOptions,
  defaultCertificateVerificationCacheOptions,
} from './verification/certificate-verification-cache.ts';
export {
  CHECK_SELECTION_CODES,
  parseCheckSelection,
  SELECTABLE_CHECKS,
  type SelectableCheck,
  VERIFY_CHECK_UNSUPPORTED,
} from './verification/check-selection.ts';
export {
  type DataModelOptions,
  dataModelProblems,
  issuerUrlOf,
  MALFORMED_VALUE_ERROR,
  sriDigest,
} from './verification/data-model.ts';
export {
  JOSE_CREDENTIAL_CODES,
  parseEnvelopedCredentialId,
  type VerifyEnvelopedOptions,
  verifyEnvelopedCredential,
} from './verification/jose/verify-enveloped.ts';
export {
  MDOC_CHAIN_CODES,
  MDOC_DS_EKU,
  replicaChainValidator,
} from './verification/mdoc/mdoc-chain.ts';
export { MDOC_STATUS_BINDING_CODES, signedUnderIaca } from './verification/mdoc/mdoc-status-binding.ts';
export {
  MDOC_CREDENTIAL_CODES,
  MDOC_MEDIA_TYPE,
  parseMdocCredentialId,
  type VerifyMdocCredentialOptions,
  verifyMdocCredential,
} from './verification/mdoc/verify-mdoc-credential.ts';
export { MAX_PROOFS, PROOF_VERIFICATION_ERROR } from './verification/proof-set.ts';
export { STATUS_CHECK_CODES } from './verification/status-check.ts';
export {
  queryTokenStatus,
  TOKEN_STATUS_NAMES,
  TOKEN_STATUS_QUERY_CODES,
  type TokenStatusAnswer,
  tokenStatusName,
} from './verification/token-status-query.ts';
export {
  type AccreditationStatus,
  accreditationStatus,
  type ChainFailure,
  type ChainQuery,
  type ChainResult,
  didKeyOf,
  findChain,
  TRUST_CHAIN_CODES,
  type TrustChain,
} from './verification/trust-chain.ts';
export type {
  JoseStatusList,
  JoseStatusListState,
  StatusListState,
  TrustView,
} from './verification/trust-view.ts';
export {
  anchorsAt,
  CERTIFICATE_CHECKS,
  type CertificateAsOf,
  type CertificateVerificationInput,
  type CertificateVerificationOptions,
  type CertificateVerificationResult,
  NO_CRL_REVOCATION_SOURCE,
  revocationSourceOf,
  verifyCertificateChain,
} from './verification/verify-certificate.ts';
export {
  type AsOf,
  asOfStamp,
  type CheckOutcome,
  type CheckResult,
  queryStatus,
  type StatusQuery,
  type StatusQueryResult,
  statusCheck,
  VERIFY_CREDENTIAL_CODES,
  type VerificationResult,
  type VerifyOptions,
  verifyCredential,
} from './verification/verify-credential.ts';
export {
  MAX_PRESENTED_CREDENTIALS,
  type PresentationVerificationResult,
  type VerifyPresentationOptions,
  verifyPresentation,
} from './verification/verify-presentation.ts';
export {
  CA_CERTIFICATE_CODES,
  CA_SUBJECT_PREFIX,
  type CaCertificate,
  caSubjectId,
  certificateDerOf,
  certificateSpkiSha256,
  MAX_CA_CERTIFICATE_BYTES,
  parseCaCertificate,
  spkiSha256Of,
} from './x509/ca-certificate.ts';
export { ADMISSION_REVOCATION, type CrlSignerKey, checkSubCaPath, type SubCaPath } from './x509/ca-keys.ts';
export * from './x509/certificate-input.ts';
export * from './x509/crl/index.ts';
export {
  type AdmittedCrl,
  type CrlHoldings,
  crlDeltaSlotKey,
  crlSlotKey,
  crlVersion,
  type HeldCaCertificate,
  type HeldCrlState,
} from './x509/held-crls.ts';
export * from './x509/path/index.ts';
// Issue 14: X.509 — the contracts, certificate input, RFC 5280 §6 path validation, CA certificates.
export type { CaTrustAnchor, CrlStamp, RevocationAnswer, RevocationSource } from './x509/types.ts';
