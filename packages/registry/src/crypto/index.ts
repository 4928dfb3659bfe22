/**
 * Keys, the offline document loader, Data Integrity proofs and DID resolution.
 */
export {
  createDidResolver,
  type DidResolverModules,
  type DidResolverOptions,
  defaultDidResolverOptions,
  didWebUrl,
} from './did-resolution.ts';
export {
  createDocumentLoader,
  DOCUMENT_LOADER_REFUSED,
  type DocumentLoaderModules,
  type DocumentLoaderOptions,
  defaultDocumentLoaderOptions,
} from './document-loader.ts';
export {
  type ExportedKeyPair,
  exportKeyPair,
  generateKeyPair,
  importKeyPair,
  type KeyPair,
  type KeyType,
  keyTypeOf,
  publicVerificationMethod,
} from './keys.ts';
export { decodeMultibaseSignature, isHighS, normalizeLowS, SIGNATURE_HIGH_S } from './low-s.ts';
export {
  createProofOptionsCache,
  DEFAULT_PROOF_OPTIONS_CACHE_SIZE,
  type ProofOptionsCache,
} from './proof-options-cache.ts';
export {
  type CryptosuiteName,
  type JsonRecord,
  LEGACY_ED25519_2020,
  type ProofVerification,
  type SignCredentialOptions,
  signBytes,
  signCredential,
  signedContentDigest,
  type VerifyProofOptions,
  verifyBytes,
  verifyCredentialProof,
} from './proofs.ts';
export type {
  ControllerDocument,
  DidResolver,
  DocumentLoader,
  KeyResolver,
  RemoteDocument,
  VerificationMethodDocument,
} from './types.ts';
