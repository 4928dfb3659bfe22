/**
 * Shapes shared by the crypto module: documents the loader serves and the loader itself.
 */
import type { ContextAllowList } from './context-allow-list.ts';
import type { ProofOptionsCache } from './proof-options-cache.ts';

/** A verification method (https://www.w3.org/TR/cid-1.0/#verification-methods), e.g. a Multikey. */
export interface VerificationMethodDocument {
  '@context'?: string | readonly string[];
  /** Absolute URL of the method, e.g. `did:web:example.org#key-1`. */
  id: string;
  /** `Multikey`, `Ed25519VerificationKey2020`, `JsonWebKey`, … */
  type: string;
  /** DID (or URL) of the party that controls the key. */
  controller: string;
  publicKeyMultibase?: string;
  publicKeyJwk?: Readonly<Record<string, unknown>>;
  /** Set when the key was revoked; suites refuse revoked keys. */
  revoked?: string;
  [property: string]: unknown;
}

/** A controller document (a DID document, or one built from pinned keys). */
export interface ControllerDocument {
  '@context'?: string | readonly string[];
  id: string;
  verificationMethod?: readonly VerificationMethodDocument[];
  /** Methods allowed to assert claims: ids, or embedded methods. */
  assertionMethod?: readonly (string | VerificationMethodDocument)[];
  authentication?: readonly (string | VerificationMethodDocument)[];
  [property: string]: unknown;
}

/** What a jsonld.js document loader returns. */
export interface RemoteDocument {
  contextUrl: null;
  documentUrl: string;
  document: unknown;
  /**
   * `static` marks a document that never changes for its URL, so jsonld.js may cache the resolved
   * context across operations (see jsonld/lib/ContextResolver.js); set only on bundled contexts.
   */
  tag?: 'static';
}

/** A jsonld.js document loader. */
export interface DocumentLoader {
  (url: string): Promise<RemoteDocument>;
  /**
   * Memo of canonical proof options computed with this loader's contexts (see
   * proof-options-cache.ts); loaders made by `createDocumentLoader` carry one, other functions need not.
   */
  readonly proofOptionsCache?: ProofOptionsCache;
  /**
   * The contexts documents may name (context-allow-list.ts); loaders made by `createDocumentLoader`
   * carry theirs, and verification falls back to the bundled contexts for other functions.
   */
  readonly contextAllowList?: ContextAllowList;
}

/**
 * Looks up a verification method or controller document by id before any DID resolution; the
 * registry plugs keys pinned in governance and accreditations in here. `null` means "not pinned".
 */
export type KeyResolver = (id: string) => Promise<VerificationMethodDocument | ControllerDocument | null>;

/** Resolves a DID to its document; fails with a `DID_*` ValidationError. */
export interface DidResolver {
  /** The DID document of `did` (no fragment). */
  resolve(did: string): Promise<ControllerDocument>;
}
