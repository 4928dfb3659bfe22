/**
 * The JSON-LD context allow-list (DESIGN.md, Principle 2; docs/records.md, Context allow-list).
 *
 * RDF canonicalisation signs IRIs, not JSON key names, while verification reads JSON keys. So a
 * holder who could choose the context could rename `validUntil` to an alias of the same IRI and the
 * proof would still verify while the verifier no longer saw the expiry. The registry therefore
 * accepts, in credentials and in records alike, only an ordered list of context URLs: the bundled
 * ones, then the contexts an operator adds by file with their SHA-256 pinned in configuration.
 *
 * Three rules make "what is checked is what was signed" hold by construction:
 * 1. Documents name allowed context URLs only: no inline context object anywhere, no unknown URL.
 * 2. Every JSON key is a term: no absolute or compact IRIs as keys, no keywords besides the top
 *    `@context` (an IRI key would reach a signed property without the name the verifier reads).
 * 3. An operator context is vetted when it is loaded: it may not redefine a term name any allowed
 *    context already defines, may not alias an IRI of the bundled vocabularies (credentials, status,
 *    security, trustmesh) nor any IRI another allowed context names, and may not use `@vocab`,
 *    `@base`, `@import`, `@propagate`, `@reverse`, `@nest` or keyword aliases. Bundled contexts are
 *    `@protected`, so a later context cannot redefine their terms either (jsonld.js refuses).
 * Together these make the term → IRI map fixed by the allow-list one-to-one: a JSON key the verifier
 * reads always expands to the IRI it expects, and two type names are equal exactly when their
 * expanded IRIs are. Type checks compare through that map ({@link checkDocumentContexts} refuses a
 * type name that no context the document lists defines as the allow-list does).
 */
import { sha256Hex } from '../canonical.ts';
import { BUNDLED_CONTEXTS, deepFreeze, W3C_EXAMPLES_VOCABULARY } from '../contexts/index.ts';
import { reject } from '../errors.ts';

/**
 * Codes of the context allow-list. All are `reject`: a document's contexts are what it was signed
 * with, so no later record can make a refused one acceptable.
 */
export const CONTEXT_CODES = {
  /** `reject` — a document names a context by an inline object (or anything but a URL string). */
  INLINE_FORBIDDEN: 'CONTEXT_INLINE_FORBIDDEN',
  /** `reject` — a document names a context URL that is neither bundled nor added by the operator. */
  NOT_ALLOWED: 'CONTEXT_NOT_ALLOWED',
  /** `reject` — a document has no `@context`. */
  MISSING: 'CONTEXT_MISSING',
  /** `reject` — a JSON key is an IRI, a compact IRI or a keyword instead of a term of the allowed contexts. */
  KEY_FORBIDDEN: 'CONTEXT_KEY_FORBIDDEN',
  /** `reject` — a `type` name that no context the document lists defines (or defines otherwise than the allow-list). */
  TYPE_UNDEFINED: 'CONTEXT_TYPE_UNDEFINED',
  /** `reject` — an operator-added context whose SHA-256 is not the pinned one (configuration error). */
  DIGEST_MISMATCH: 'CONTEXT_DIGEST_MISMATCH',
  /** `reject` — an operator-added context that redefines or aliases a term of another allowed context. */
  TERM_CONFLICT: 'CONTEXT_TERM_CONFLICT',
  /** `reject` — an operator-added context that is not a self-contained, vettable context document. */
  DOCUMENT_INVALID: 'DOCUMENT_LOADER_CONTEXT_INVALID',
} as const;

/** {@link CONTEXT_CODES}.INLINE_FORBIDDEN. */
export const CONTEXT_INLINE_FORBIDDEN = CONTEXT_CODES.INLINE_FORBIDDEN;
/** {@link CONTEXT_CODES}.NOT_ALLOWED. */
export const CONTEXT_NOT_ALLOWED = CONTEXT_CODES.NOT_ALLOWED;
/** {@link CONTEXT_CODES}.MISSING. */
export const CONTEXT_MISSING = CONTEXT_CODES.MISSING;
/** {@link CONTEXT_CODES}.KEY_FORBIDDEN. */
export const CONTEXT_KEY_FORBIDDEN = CONTEXT_CODES.KEY_FORBIDDEN;
/** {@link CONTEXT_CODES}.TYPE_UNDEFINED. */
export const CONTEXT_TYPE_UNDEFINED = CONTEXT_CODES.TYPE_UNDEFINED;
/** {@link CONTEXT_CODES}.DIGEST_MISMATCH. */
export const CONTEXT_DIGEST_MISMATCH = CONTEXT_CODES.DIGEST_MISMATCH;
/** {@link CONTEXT_CODES}.TERM_CONFLICT. */
export const CONTEXT_TERM_CONFLICT = CONTEXT_CODES.TERM_CONFLICT;
/** {@link CONTEXT_CODES}.DOCUMENT_INVALID. */
export const CONTEXT_DOCUMENT_INVALID = CONTEXT_CODES.DOCUMENT_INVALID;

/** A context an operator adds: the file's bytes, the URL documents name it by, and its pinned digest. */
export interface PinnedContext {
  /** The URL credentials name the context by (`@context` entry), e.g. `https://agency.example/v1`. */
  url: string;
  /** The context file's content, exactly as pinned (bytes, or its UTF-8 text). */
  document: Uint8Array | string;
  /** SHA-256 of `document`'s bytes, lowercase hex. */
  sha256: string;
}

/** The allowed contexts, in order: bundled first, then operator-added. */
export interface ContextAllowList {
  /** Allowed context URLs in order. */
  readonly urls: readonly string[];
  /** Each allowed context's top-level term → IRI map (compact IRIs resolved). */
  readonly terms: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** Term → IRI over all allowed contexts (one-to-one by construction). */
  readonly termIris: ReadonlyMap<string, string>;
  /** Each bundled context's top-level `@vocab`, by URL (operator contexts may not have one). */
  readonly vocabularies?: ReadonlyMap<string, string>;
}

/** An allow-list with the parsed documents of its operator-added contexts, by URL. */
export interface BuiltContextAllowList {
  allowList: ContextAllowList;
  /** Operator-added context documents, parsed and deep-frozen. */
  added: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
}

// Vocabularies whose IRIs the verifier reads: only their bundled names may reach them.
const RESERVED_NAMESPACES = [
  'https://www.w3.org/2018/credentials#',
  'https://www.w3.org/ns/credentials/status#',
  'https://w3id.org/security#',
  'https://w3id.org/trustmesh#',
  // The W3C examples contexts' @vocab (issue 12): no operator term may alias a name it expands.
  W3C_EXAMPLES_VOCABULARY,
];
// Context keywords an operator context may carry; the rest change how terms resolve (refused).
const ALLOWED_CONTEXT_KEYWORDS = new Set(['@protected', '@version', '@language', '@direction']);
const REFUSED_DEFINITION_KEYS = new Set(['@reverse', '@nest', '@prefix']);

type Json = Record<string, unknown>;

interface TermDefinition {
  name: string;
  /** The expanded IRI, or a keyword, or undefined when the definition names none. */
  iri: string | undefined;
  definition: unknown;
  path: string;
}

/**
 * Builds the allow-list: the bundled contexts, then each operator-added context after checking its
 * digest, its shape and its terms.
 * @throws ValidationError `CONTEXT_DIGEST_MISMATCH`, `DOCUMENT_LOADER_CONTEXT_INVALID` or
 *   `CONTEXT_TERM_CONFLICT`, naming the context URL (a configuration error: the node must not start).
 */
export function buildContextAllowList(pinned: readonly PinnedContext[]): BuiltContextAllowList {
  const urls: string[] = [];
  const terms = new Map<string, ReadonlyMap<string, string>>();
  const vocabularies = new Map<string, string>();
  const names = new Map<string, Set<string | undefined>>();
  const iris = new Map<string, Set<string>>();
  const index = (defs: readonly TermDefinition[]) => {
    for (const d of defs) {
      names.set(d.name, (names.get(d.name) ?? new Set()).add(d.iri));
      if (d.iri !== undefined) iris.set(d.iri, (iris.get(d.iri) ?? new Set()).add(d.name));
    }
  };
  for (const [url, document] of BUNDLED_CONTEXTS) {
    const inner = document['@context'] as Json;
    urls.push(url);
    terms.set(url, topLevelTerms(inner));
    if (typeof inner['@vocab'] === 'string') vocabularies.set(url, inner['@vocab']);
    index(termDefinitions(inner, url, false));
  }
  const added = new Map<string, Readonly<Record<string, unknown>>>();
  for (const [i, context] of pinned.entries()) {
    const field = `contexts[${i}]`;
    const document = readPinnedContext(context, field);
    if (urls.includes(context.url)) {
      throw reject(CONTEXT_CODES.DOCUMENT_INVALID, `${field}.url`, `${context.url} is already an allowed context`);
    }
    const inner = document['@context'] as Json;
    const defs = termDefinitions(inner, context.url);
    for (const d of defs) vetTerm(d, names, iris, context.url);
    index(defs);
    urls.push(context.url);
    terms.set(context.url, topLevelTerms(inner));
    added.set(context.url, document);
  }
  const termIris = new Map<string, string>();
  for (const map of terms.values()) for (const [t, iri] of map) if (!termIris.has(t)) termIris.set(t, iri);
  return { allowList: Object.freeze({ urls: Object.freeze(urls), terms, termIris, vocabularies }), added };
}

/** The allow-list of the bundled contexts alone (what a loader without operator contexts uses). */
export const BUNDLED_CONTEXT_ALLOW_LIST: ContextAllowList = buildContextAllowList([]).allowList;

/**
 * Checks that a credential or record uses only allowed contexts, only terms as keys, and only type
 * names its contexts define as the allow-list does.
 * @param document - The untrusted credential or record (a JSON object).
 * @param allowList - The allow-list of the loader that will check the proof.
 * @throws ValidationError (`reject`) `CONTEXT_MISSING`, `CONTEXT_INLINE_FORBIDDEN`, `CONTEXT_NOT_ALLOWED`
 *   (naming the URL), `CONTEXT_KEY_FORBIDDEN` or `CONTEXT_TYPE_UNDEFINED`, with the field path.
 */
export function checkDocumentContexts(document: Readonly<Record<string, unknown>>, allowList: ContextAllowList): void {
  const listed = listedContexts(document['@context'], allowList);
  checkKeys(document);
  // [REJECT] Type checks compare expanded IRIs: a type name means the IRI the allow-list fixes for
  // it, so it must be defined, with that IRI, by a context this document lists.
  const rawTypes = document.type;
  const types = typeof rawTypes === 'string' ? [rawTypes] : Array.isArray(rawTypes) ? rawTypes : [];
  for (const [i, type] of types.entries()) {
    if (typeof type !== 'string') continue;
    const field = Array.isArray(rawTypes) ? `type[${i}]` : 'type';
    const expected = allowList.termIris.get(type);
    if (expected === undefined && isExamplesVocabularyType(type, listed, allowList)) continue;
    let iri: string | undefined;
    for (const url of listed) iri = allowList.terms.get(url)?.get(type) ?? iri;
    if (expected === undefined || iri !== expected) {
      throw reject(
        CONTEXT_CODES.TYPE_UNDEFINED,
        field,
        expected === undefined
          ? `"${type}" is defined by no allowed context`
          : `"${type}" (${expected}) is not defined by any context this document lists (${listed.join(', ')})`,
      );
    }
  }
}

// [REJECT] unless it holds: a type name no allowed context defines is accepted only when the
// `@vocab` in force for the document (the last listed context that has one) is the W3C examples
// vocabulary (issue 12): the name then expands to exactly `…/examples#Name`, whatever else the
// document lists, because no allowed context defines the name and no operator context may define a
// term in that namespace (RESERVED_NAMESPACES). Without it (or under any other `@vocab`) an
// undefined type name stays refused. Plain names only: a compact or absolute IRI as a type is never
// a vocabulary term.
function isExamplesVocabularyType(type: string, listed: readonly string[], allowList: ContextAllowList): boolean {
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(type)) return false;
  let vocabulary: string | undefined;
  for (const url of listed) vocabulary = allowList.vocabularies?.get(url) ?? vocabulary;
  return vocabulary === W3C_EXAMPLES_VOCABULARY;
}

function listedContexts(value: unknown, allowList: ContextAllowList): string[] {
  // [REJECT] JSON-LD 1.1 §3.1: the context decides what keys mean; without one nothing is fixed.
  if (value === undefined)
    throw reject(CONTEXT_CODES.MISSING, '@context', 'is required: a list of allowed context URLs');
  const items = Array.isArray(value) ? value : [value];
  return items.map((item: unknown, i) => {
    const field = Array.isArray(value) ? `@context[${i}]` : '@context';
    // [REJECT] No inline contexts (DESIGN.md, Principle 2): an inline term could alias a signed IRI.
    if (typeof item !== 'string') {
      throw reject(
        CONTEXT_CODES.INLINE_FORBIDDEN,
        field,
        'must be the URL of an allowed context; inline context definitions are not accepted',
      );
    }
    // [REJECT] Only bundled or operator-pinned contexts (DESIGN.md, Principle 2).
    if (!allowList.urls.includes(item)) {
      throw reject(
        CONTEXT_CODES.NOT_ALLOWED,
        field,
        `${JSON.stringify(item.slice(0, 200))} is not an allowed context (bundled, or added by the operator with its SHA-256 pinned)`,
      );
    }
    return item;
  });
}

// Walks every key below the top; iterative, so a deep document cannot exhaust the stack.
function checkKeys(document: Readonly<Record<string, unknown>>): void {
  const stack: { value: unknown; path: string; top: boolean }[] = [{ value: document, path: '', top: true }];
  while (stack.length > 0) {
    const { value, path, top } = stack.pop() as { value: unknown; path: string; top: boolean };
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        stack.push({ value: item, path: `${path}[${i}]`, top: false });
      });
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    for (const [key, child] of Object.entries(value)) {
      const field = path ? `${path}.${key}` : key;
      if (key === '@context') {
        if (top) continue;
        // [REJECT] An embedded context (in a subject, a status entry, a proof) is an inline context.
        throw reject(CONTEXT_CODES.INLINE_FORBIDDEN, field, 'contexts are named once, at the top of the document');
      }
      // [REJECT] Keys must be terms the allowed contexts define: an IRI or keyword key would reach a
      // signed property under a name the verifier does not read.
      if (key.startsWith('@') || key.includes(':')) {
        throw reject(
          CONTEXT_CODES.KEY_FORBIDDEN,
          field,
          'keys must be terms of the allowed contexts, not IRIs, compact IRIs or JSON-LD keywords',
        );
      }
      stack.push({ value: child, path: field, top: false });
    }
  }
}

function readPinnedContext(context: PinnedContext, field: string): Readonly<Record<string, unknown>> {
  if (typeof context?.url !== 'string' || !/^https:\/\/[^\s]+$/.test(context.url)) {
    throw reject(CONTEXT_CODES.DOCUMENT_INVALID, `${field}.url`, 'must be an https URL');
  }
  if (typeof context.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(context.sha256)) {
    throw reject(CONTEXT_CODES.DOCUMENT_INVALID, `${field}.sha256`, 'must be a SHA-256 digest in lowercase hex');
  }
  const bytes = typeof context.document === 'string' ? new TextEncoder().encode(context.document) : context.document;
  if (!(bytes instanceof Uint8Array)) {
    throw reject(CONTEXT_CODES.DOCUMENT_INVALID, `${field}.document`, 'must be the bytes of the context file');
  }
  const digest = sha256Hex(bytes);
  if (digest !== context.sha256) {
    throw reject(
      CONTEXT_CODES.DIGEST_MISMATCH,
      `${field}.sha256`,
      `the document for ${context.url} has SHA-256 ${digest}, not the pinned ${context.sha256}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw reject(CONTEXT_CODES.DOCUMENT_INVALID, `${field}.document`, `${context.url} is not JSON`, cause);
  }
  const inner = isJson(parsed) ? parsed['@context'] : undefined;
  if (!isJson(inner)) {
    throw reject(
      CONTEXT_CODES.DOCUMENT_INVALID,
      `${field}.document`,
      `${context.url} must be {"@context": {…}} with an object`,
    );
  }
  return deepFreeze(parsed as Json);
}

function vetTerm(
  d: TermDefinition,
  names: ReadonlyMap<string, ReadonlySet<string | undefined>>,
  iris: ReadonlyMap<string, ReadonlySet<string>>,
  url: string,
): void {
  const conflict = (why: string) => reject(CONTEXT_CODES.TERM_CONFLICT, `${url} ${d.path}`, why);
  if (d.name.startsWith('@')) {
    if (!ALLOWED_CONTEXT_KEYWORDS.has(d.name)) {
      throw reject(CONTEXT_CODES.DOCUMENT_INVALID, `${url} ${d.path}`, `${d.name} is not accepted in an added context`);
    }
    return;
  }
  if (isJson(d.definition)) {
    for (const key of Object.keys(d.definition)) {
      if (REFUSED_DEFINITION_KEYS.has(key)) throw conflict(`${key} is not accepted in an added context`);
    }
  }
  if (d.iri?.startsWith('@')) {
    const alias = (d.name === 'id' && d.iri === '@id') || (d.name === 'type' && d.iri === '@type');
    if (!alias) throw conflict(`"${d.name}" aliases the keyword ${d.iri}`);
    return;
  }
  const known = names.get(d.name);
  if (known && !(known.size === 1 && known.has(d.iri))) {
    throw conflict(`redefines "${d.name}", which another allowed context defines as ${[...known].join(', ')}`);
  }
  if (d.iri === undefined) return;
  const reserved = RESERVED_NAMESPACES.some((ns) => d.iri?.startsWith(ns));
  const namedAs = iris.get(d.iri);
  if ((reserved || namedAs) && !namedAs?.has(d.name)) {
    throw conflict(
      `"${d.name}" aliases ${d.iri}${namedAs ? `, which allowed contexts name ${[...namedAs].join(', ')}` : ''}`,
    );
  }
}

// Every term definition of a context, at every level (type- and property-scoped contexts too).
// Bundled contexts are trusted and may import others in scoped contexts (`strict` false: skipped).
function termDefinitions(context: Json, base: string, strict = true): TermDefinition[] {
  const out: TermDefinition[] = [];
  const visit = (ctx: Json, path: string, prefixes: ReadonlyMap<string, string>) => {
    const local = new Map(prefixes);
    for (const [name, definition] of Object.entries(ctx)) {
      const iri = iriOf(name, definition, ctx, prefixes);
      if (iri !== undefined && !name.startsWith('@')) local.set(name, iri);
    }
    for (const [name, definition] of Object.entries(ctx)) {
      const termPath = path ? `${path}.${name}` : name;
      if (name.startsWith('@')) {
        out.push({ name, iri: undefined, definition, path: termPath });
        continue;
      }
      out.push({ name, iri: local.get(name) ?? iriOf(name, definition, ctx, local), definition, path: termPath });
      const scoped = isJson(definition) ? definition['@context'] : undefined;
      if (scoped !== undefined) {
        if (!isJson(scoped)) {
          if (!strict) continue;
          throw reject(
            CONTEXT_CODES.DOCUMENT_INVALID,
            `${base} ${termPath}.@context`,
            'must be an object (no imports)',
          );
        }
        visit(scoped, `${termPath}.@context`, local);
      }
    }
  };
  visit(context, '', new Map());
  return out;
}

function topLevelTerms(context: Json): ReadonlyMap<string, string> {
  const map = new Map<string, string>();
  for (const d of termDefinitionsShallow(context)) if (d.iri !== undefined) map.set(d.name, d.iri);
  return map;
}

function termDefinitionsShallow(context: Json): TermDefinition[] {
  const prefixes = new Map<string, string>();
  for (const [name, definition] of Object.entries(context)) {
    const iri = iriOf(name, definition, context, prefixes);
    if (iri !== undefined && !name.startsWith('@')) prefixes.set(name, iri);
  }
  return Object.entries(context)
    .filter(([name]) => !name.startsWith('@'))
    .map(([name, definition]) => ({ name, iri: prefixes.get(name), definition, path: name }));
}

// The IRI a term definition names: its string or `@id`, with a compact IRI's prefix resolved.
function iriOf(
  name: string,
  definition: unknown,
  ctx: Json,
  prefixes: ReadonlyMap<string, string>,
): string | undefined {
  const raw = typeof definition === 'string' ? definition : isJson(definition) ? definition['@id'] : undefined;
  if (typeof raw !== 'string') return undefined;
  if (raw.startsWith('@')) return raw;
  const colon = raw.indexOf(':');
  if (colon > 0 && !raw.slice(colon + 1).startsWith('//')) {
    const prefix = raw.slice(0, colon);
    const prefixDefinition = prefix === name ? undefined : ctx[prefix];
    const prefixIri =
      prefixes.get(prefix) ??
      (prefixDefinition === undefined ? undefined : iriOf(prefix, prefixDefinition, ctx, new Map()));
    if (prefixIri !== undefined) return prefixIri + raw.slice(colon + 1);
  }
  if (colon === -1) return prefixes.get(raw) ?? raw;
  return raw;
}

function isJson(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The allow-list a loader checks against: its own when it was made by `createDocumentLoader`, the
 * bundled contexts otherwise.
 */
export function allowListOf(loader: { readonly contextAllowList?: ContextAllowList }): ContextAllowList {
  return loader.contextAllowList ?? BUNDLED_CONTEXT_ALLOW_LIST;
}
