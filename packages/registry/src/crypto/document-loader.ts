/**
 * The JSON-LD document loader used for every signature the registry makes or checks. It never touches
 * the network (DESIGN.md, Principle 5): contexts are bundled, keys come from the registry's pinned keys
 * (the `keyResolver` hook), from did:key itself, or — only if a DID resolver is given — from did:web.
 * Anything else is refused, so nothing read from the network can make a node fetch a URL.
 */
import { DidKeyDriver } from '@digitalbazaar/did-method-key';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { sha256Hex } from '../canonical.ts';
import { BUNDLED_CONTEXTS } from '../contexts/index.ts';
import { type ValidationError, reject } from '../errors.ts';
import { buildContextAllowList, type ContextAllowList, type PinnedContext } from './context-allow-list.ts';
import { ED25519_PUBLIC_KEY_PREFIX, P256_PUBLIC_KEY_PREFIX } from './keys.ts';
import { createProofOptionsCache, DEFAULT_PROOF_OPTIONS_CACHE_SIZE } from './proof-options-cache.ts';
import type {
  ControllerDocument,
  DidResolver,
  DocumentLoader,
  KeyResolver,
  RemoteDocument,
  VerificationMethodDocument,
} from './types.ts';

/** Options of {@link createDocumentLoader}. */
export interface DocumentLoaderOptions {
  /**
   * Contexts the operator adds (issuers' own vocabularies), each the file's bytes with its SHA-256
   * pinned; appended to the allow-list in this order after the bundled ones. Each must be
   * self-contained (an object `@context`, no imported context URLs), may not replace a bundled one,
   * and is vetted so it cannot redefine or alias a term of another allowed context
   * (context-allow-list.ts). A digest that does not match refuses the whole loader.
   */
  contexts?: readonly PinnedContext[];
  /**
   * More contexts to serve, by URL (each a document `{"@context": {...}}`), for in-process callers
   * that hold the object rather than a file: checked and vetted as {@link contexts} are, without a
   * digest to pin. Appended after `contexts`.
   */
  extraContexts?: Readonly<Record<string, unknown>>;
  /**
   * Canonical proof options remembered for proof verification (see proof-options-cache.ts);
   * 0 turns the memo off. Default {@link DEFAULT_PROOF_OPTIONS_CACHE_SIZE}.
   */
  proofOptionsCacheSize?: number;
}

/** Defaults of {@link DocumentLoaderOptions}: bundled contexts only. */
export const defaultDocumentLoaderOptions: DocumentLoaderOptions = Object.freeze({
  proofOptionsCacheSize: DEFAULT_PROOF_OPTIONS_CACHE_SIZE,
});

/** Dependencies of {@link createDocumentLoader}. */
export interface DocumentLoaderModules {
  /** Pinned keys and controller documents; asked first, so pinned keys take precedence. */
  keyResolver?: KeyResolver;
  /** did:web resolution; without it did:web URLs are refused. */
  didResolver?: DidResolver;
}

/** A document loader made by {@link createDocumentLoader}: it knows its context allow-list. */
export interface AllowListDocumentLoader extends DocumentLoader {
  /** The allowed contexts, bundled first then operator-added, that verification checks documents against. */
  readonly contextAllowList: ContextAllowList;
}

/** Codes of the document loader. */
export const DOCUMENT_LOADER_CODES = {
  /**
   * `reject` — every refusal by the loader: a URL that is not a bundled context, a pinned key, a
   * did:key or (when enabled) a did:web method; the loader never fetches from the network.
   */
  REFUSED: 'DOCUMENT_LOADER_REFUSED',
} as const;

/** {@link DOCUMENT_LOADER_CODES}.REFUSED, kept for existing importers. */
export const DOCUMENT_LOADER_REFUSED = DOCUMENT_LOADER_CODES.REFUSED;

/**
 * Creates an offline jsonld.js document loader. Bundled contexts are returned as the same frozen
 * objects on every call, tagged `static` so jsonld.js may cache them across operations. The loader
 * carries its own memo of canonical proof options (`proofOptionsCache`), valid for its contexts only.
 */
export function createDocumentLoader(
  options: DocumentLoaderOptions,
  modules: DocumentLoaderModules,
): AllowListDocumentLoader {
  const pinned: PinnedContext[] = [...(options.contexts ?? [])];
  for (const [url, document] of Object.entries(options.extraContexts ?? {})) {
    const bytes = new TextEncoder().encode(JSON.stringify(document));
    pinned.push({ url, document: bytes, sha256: sha256Hex(bytes) });
  }
  const { allowList, added } = buildContextAllowList(pinned);
  const contexts = contextDocuments(added);
  const didKey = new DidKeyDriver();
  // Multikey handlers serve both suites: Ed25519Signature2020 converts a Multikey method to its
  // Ed25519VerificationKey2020 form itself (ed25519-signature-2020 getVerificationMethod).
  didKey.use({ multibaseMultikeyHeader: ED25519_PUBLIC_KEY_PREFIX, fromMultibase: Ed25519Multikey.from });
  didKey.use({ multibaseMultikeyHeader: P256_PUBLIC_KEY_PREFIX, fromMultibase: EcdsaMultikey.from });
  const { keyResolver, didResolver } = modules;

  const cacheSize = options.proofOptionsCacheSize ?? DEFAULT_PROOF_OPTIONS_CACHE_SIZE;

  async function documentLoader(url: string): Promise<RemoteDocument> {
    const context = contexts.get(url);
    if (context) return context;

    if (typeof url !== 'string') throw refused(url);
    if (keyResolver) {
      const pinned = await keyResolver(url);
      if (pinned) return { contextUrl: null, documentUrl: url, document: pinned };
    }
    if (url.startsWith('did:key:')) {
      return { contextUrl: null, documentUrl: url, document: await loadDidKey(didKey, url) };
    }
    if (url.startsWith('did:web:') && didResolver) {
      return { contextUrl: null, documentUrl: url, document: await loadDidWeb(didResolver, url) };
    }
    throw refused(url);
  }
  if (cacheSize === 0) return Object.assign(documentLoader, { contextAllowList: allowList });
  return Object.assign(documentLoader, {
    proofOptionsCache: createProofOptionsCache(cacheSize),
    contextAllowList: allowList,
  });
}

function refused(url: unknown): ValidationError {
  return reject(
    DOCUMENT_LOADER_CODES.REFUSED,
    undefined,
    `refused to load ${JSON.stringify(url)}: JSON-LD contexts are bundled and the network is not used ` +
      '(keys come from the registry, did:key, or an enabled did:web resolver)',
  );
}

function contextDocuments(
  added: ReadonlyMap<string, Readonly<Record<string, unknown>>>,
): ReadonlyMap<string, RemoteDocument> {
  const documents = new Map<string, RemoteDocument>();
  for (const [url, document] of BUNDLED_CONTEXTS) {
    documents.set(url, Object.freeze({ contextUrl: null, documentUrl: url, document, tag: 'static' as const }));
  }
  // Not tagged static: jsonld.js's static cache is process-wide and keyed by URL only, so an added
  // context of one loader must not leak into operations of another. Added contexts are
  // self-contained (context-allow-list.ts), so jsonld.js has no context URLs in them to rewrite in
  // place (ContextResolver _resolveContextUrls), which would fail on the frozen document.
  for (const [url, document] of added) {
    documents.set(url, Object.freeze({ contextUrl: null, documentUrl: url, document }));
  }
  return documents;
}

async function loadDidKey(driver: DidKeyDriver, url: string): Promise<Record<string, unknown>> {
  // A did:key has exactly one verification method, `did:key:<key>#<key>`; the driver answers any
  // other fragment wrongly (or crashes), so check first.
  const [did = '', fragment] = url.split('#');
  if (fragment !== undefined && fragment !== did.slice('did:key:'.length)) {
    throw reject(DOCUMENT_LOADER_CODES.REFUSED, undefined, `${url} names no verification method of its did:key`);
  }
  let document: Record<string, unknown>;
  try {
    document = await driver.get({ url });
  } catch (cause) {
    throw reject(
      DOCUMENT_LOADER_CODES.REFUSED,
      undefined,
      `${url} is not a supported did:key (Ed25519 or P-256)`,
      cause,
    );
  }
  if (fragment !== undefined && document.id !== url) {
    throw reject(DOCUMENT_LOADER_CODES.REFUSED, undefined, `${url} names no verification method of its did:key`);
  }
  return document;
}

async function loadDidWeb(
  resolver: DidResolver,
  url: string,
): Promise<ControllerDocument | VerificationMethodDocument> {
  const hash = url.indexOf('#');
  const did = hash === -1 ? url : url.slice(0, hash);
  const document = absolutize(await resolver.resolve(did));
  if (hash === -1) return document;
  const method = methodsOf(document).find((m) => m.id === url);
  if (!method) throw reject(DOCUMENT_LOADER_CODES.REFUSED, undefined, `${did} has no verification method ${url}`);
  return method;
}

const RELATIONSHIPS = [
  'assertionMethod',
  'authentication',
  'capabilityInvocation',
  'capabilityDelegation',
  'keyAgreement',
] as const;

function methodsOf(document: ControllerDocument): VerificationMethodDocument[] {
  const methods = [...(document.verificationMethod ?? [])];
  for (const relationship of RELATIONSHIPS) {
    const entries = document[relationship];
    if (!Array.isArray(entries)) continue;
    for (const entry of entries) if (isRecord(entry)) methods.push(entry as VerificationMethodDocument);
  }
  return methods;
}

// DID documents may name methods relative to the DID (`#key-1`, DID Core §3.2.2); proof purposes
// compare absolute ids, so make them absolute once here.
function absolutize(document: ControllerDocument): ControllerDocument {
  const did = document.id;
  const resolve = (ref: unknown): unknown => (typeof ref === 'string' && ref.startsWith('#') ? did + ref : ref);
  const method = (m: unknown): unknown =>
    isRecord(m) ? { ...m, id: resolve(m.id), controller: resolve(m.controller) ?? did } : resolve(m);
  const result: Record<string, unknown> = { ...document };
  if (Array.isArray(document.verificationMethod)) result.verificationMethod = document.verificationMethod.map(method);
  for (const relationship of RELATIONSHIPS) {
    const entries = document[relationship];
    if (Array.isArray(entries)) result[relationship] = entries.map(method);
  }
  return result as ControllerDocument;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
