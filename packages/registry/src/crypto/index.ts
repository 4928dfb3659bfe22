/**
 * Keys, the offline document loader, Data Integrity proofs and DID resolution.
 */
export {
  allowListOf,
  BUNDLED_CONTEXT_ALLOW_LIST,
  CONTEXT_DIGEST_MISMATCH,
  CONTEXT_INLINE_FORBIDDEN,
  CONTEXT_KEY_FORBIDDEN,
  CONTEXT_MISSING,
  CONTEXT_NOT_ALLOWED,
  CONTEXT_TERM_CONFLICT,
  CONTEXT_TYPE_UNDEFINED,
  type ContextAllowList,
  checkDocumentContexts,
  type PinnedContext,
} from './context-allow-list.ts';
export {
  createDidResolver,
  type DidResolverModules,
  type DidResolverOptions,
  defaultDidResolverOptions,
  didWebUrl,
} from './did-resolution.ts';
export { type AddressVerdict, judgeAddress } from './did-web-address.ts';
export type { DidWebLookup, PinnedFetch, PinnedFetchInit, ResolvedAddress } from './did-web-types.ts';
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
  importPrivateJwk,
  type KeyPair,
  type KeyType,
  keyTypeOf,
  publicVerificationMethod,
  signRaw,
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
