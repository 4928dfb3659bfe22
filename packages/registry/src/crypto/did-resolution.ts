/**
 * DID resolution: did:key locally, did:web only as an explicit, time- and size-limited opt-in
 * (DESIGN.md, Principle 5). Built on did-resolver's `Resolver` with our own drivers.
 *
 * Why not web-did-resolver's `getResolver()`: it calls `cross-fetch` (node-fetch) imported at module
 * level, so it cannot take an injected `fetch` — the registry reads no process globals and tests use a
 * fake fetch — nor a timeout, a response-size bound or a redirect policy, and it folds every failure
 * into one string. The did:web → URL mapping below follows the did:web spec instead
 * (https://w3c-ccg.github.io/did-method-web/#read-resolve), as web-did-resolver does.
 */
import { DidKeyDriver } from '@digitalbazaar/did-method-key';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { type DIDResolutionResult, type DIDResolver, Resolver } from 'did-resolver';
import { RegistryError, reject } from '../errors.ts';
import { DEFAULT_INPUT_LIMITS, parseJsonBounded } from '../limits.ts';
import { ED25519_PUBLIC_KEY_PREFIX, P256_PUBLIC_KEY_PREFIX } from './keys.ts';
import type { ControllerDocument, DidResolver } from './types.ts';

/** Options of {@link createDidResolver}. */
export interface DidResolverOptions {
  /** Resolve did:web over HTTPS. Off by default: verification then needs no network at all. */
  allowWeb: boolean;
  /** Time budget of one did:web resolution (request and body), in milliseconds. */
  webTimeoutMs: number;
  /** Largest accepted DID document, in bytes. */
  maxResponseBytes: number;
}

/** Defaults: did:web off; when on, 5 s and 64 KiB (a DID document is a few KB). */
export const defaultDidResolverOptions: DidResolverOptions = Object.freeze({
  allowWeb: false,
  webTimeoutMs: 5_000,
  maxResponseBytes: 64 * 1024,
});

/** Dependencies of {@link createDidResolver}. */
export interface DidResolverModules {
  /** HTTP client for did:web; required when `allowWeb` is set. */
  fetch?: typeof fetch;
}

/**
 * Creates a DID resolver for did:key and, if allowed, did:web. `resolve` returns the DID document or
 * throws a RegistryError: `DID_WEB_DISABLED`, `DID_RESOLUTION_TIMEOUT`, `DID_RESPONSE_TOO_LARGE`,
 * `DID_NOT_FOUND` (HTTP error or unreachable host), `DID_DOCUMENT_INVALID` (not JSON, or its id is
 * not the DID), `DID_INVALID` (malformed DID), `DID_METHOD_UNSUPPORTED`.
 */
export function createDidResolver(options: DidResolverOptions, modules: DidResolverModules): DidResolver {
  const registry: Record<string, DIDResolver> = { key: didKeyDriver() };
  if (options.allowWeb) {
    const fetchFn = modules.fetch;
    if (!fetchFn) throw reject('DID_WEB_FETCH_MISSING', 'fetch', 'did:web is allowed but no fetch was given');
    registry.web = didWebDriver(options, fetchFn);
  }
  // No cache: resolution results must not outlive the call that asked (a cache would be module state
  // the caller cannot see); the registry pins the keys it needs instead.
  const resolver = new Resolver(registry, { cache: false });

  return {
    async resolve(did: string): Promise<ControllerDocument> {
      if (did.includes('#')) throw reject('DID_INVALID', undefined, `${did} is a DID URL; expected a DID`);
      const result = await resolver.resolve(did);
      const { error, message } = result.didResolutionMetadata;
      if (error === 'unsupportedDidMethod') {
        if (did.startsWith('did:web:')) {
          throw reject('DID_WEB_DISABLED', undefined, `cannot resolve ${did}: did:web resolution is disabled`);
        }
        throw reject(
          'DID_METHOD_UNSUPPORTED',
          undefined,
          `cannot resolve ${did}: only did:key and did:web are supported`,
        );
      }
      if (error === 'invalidDid')
        throw reject('DID_INVALID', undefined, `${did} is not a valid DID (${message ?? ''})`);
      if (error || !result.didDocument) {
        throw reject('DID_NOT_FOUND', undefined, `cannot resolve ${did}: ${message ?? error ?? 'no document'}`);
      }
      return result.didDocument as unknown as ControllerDocument;
    },
  };
}

/**
 * The HTTPS URL of a did:web DID document (did:web spec §Read): `:` separates path segments, `%3A`
 * encodes a port, no path means `/.well-known`. Returns null for a DID that does not map to a URL
 * safely (dot segments, slashes smuggled in percent-encoding, a host that is not a plain host name).
 */
export function didWebUrl(did: string): URL | null {
  if (!did.startsWith('did:web:')) return null;
  const segments = did.slice('did:web:'.length).split(':');
  let decoded: string[];
  try {
    decoded = segments.map((s) => decodeURIComponent(s));
  } catch {
    return null;
  }
  const [host, ...path] = decoded;
  if (!host || !/^[a-z0-9.-]+(:[0-9]{1,5})?$/i.test(host)) return null;
  if (path.some((p) => p === '' || p === '.' || p === '..' || /[/\\?#]/.test(p))) return null;
  const pathname = path.length === 0 ? '/.well-known' : `/${path.map(encodeURIComponent).join('/')}`;
  const url = new URL(`https://${host}${pathname}/did.json`);
  return url.host === host.toLowerCase() ? url : null;
}

function didKeyDriver(): DIDResolver {
  const driver = new DidKeyDriver();
  driver.use({ multibaseMultikeyHeader: ED25519_PUBLIC_KEY_PREFIX, fromMultibase: Ed25519Multikey.from });
  driver.use({ multibaseMultikeyHeader: P256_PUBLIC_KEY_PREFIX, fromMultibase: EcdsaMultikey.from });
  return async (did: string): Promise<DIDResolutionResult> => {
    try {
      const didDocument = (await driver.get({ did })) as unknown as DIDResolutionResult['didDocument'];
      return {
        didDocument,
        didDocumentMetadata: {},
        didResolutionMetadata: { contentType: 'application/did+ld+json' },
      };
    } catch (cause) {
      return {
        didDocument: null,
        didDocumentMetadata: {},
        didResolutionMetadata: { error: 'invalidDid', message: (cause as Error).message },
      };
    }
  };
}

function didWebDriver(options: DidResolverOptions, fetchFn: typeof fetch): DIDResolver {
  return async (did: string): Promise<DIDResolutionResult> => {
    const url = didWebUrl(did);
    if (!url) throw reject('DID_INVALID', undefined, `${did} does not map to an HTTPS URL (did:web spec §Read)`);
    const bytes = await fetchBounded(url, options, fetchFn);
    let document: unknown;
    try {
      document = parseJsonBounded(bytes, { ...DEFAULT_INPUT_LIMITS, maxRecordBytes: options.maxResponseBytes });
    } catch (cause) {
      throw reject('DID_DOCUMENT_INVALID', undefined, `${url.href} did not return JSON`, cause);
    }
    // did:web spec §Read: the document's id must be the DID that was resolved.
    if (document === null || typeof document !== 'object' || (document as { id?: unknown }).id !== did) {
      throw reject('DID_DOCUMENT_INVALID', 'id', `the document at ${url.href} is not the DID document of ${did}`);
    }
    return {
      didDocument: document as DIDResolutionResult['didDocument'],
      didDocumentMetadata: {},
      didResolutionMetadata: { contentType: 'application/did+json' },
    };
  };
}

/** GETs `url`, bounded in time (request and body) and in size; redirects are refused. */
async function fetchBounded(url: URL, options: DidResolverOptions, fetchFn: typeof fetch): Promise<Uint8Array> {
  const timeout = AbortSignal.timeout(options.webTimeoutMs);
  const stop = new AbortController();
  const signal = AbortSignal.any([timeout, stop.signal]);
  // Raced against every await, so a fetch or body stream that ignores its signal still cannot hang us.
  let removeListener = (): void => {};
  const aborted = new Promise<never>((_, rejectPromise) => {
    const onAbort = () => rejectPromise(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    removeListener = () => signal.removeEventListener('abort', onAbort);
  });
  aborted.catch(() => {}); // Observed below; this only stops an unhandled-rejection report.

  const failure = (cause: unknown): RegistryError => {
    if (cause instanceof RegistryError) return cause;
    if (timeout.aborted) {
      return reject(
        'DID_RESOLUTION_TIMEOUT',
        undefined,
        `${url.href} did not answer within ${options.webTimeoutMs} ms`,
        cause,
      );
    }
    return reject('DID_NOT_FOUND', undefined, `${url.href} could not be fetched (${(cause as Error)?.message})`, cause);
  };
  const tooLarge = (): RegistryError =>
    reject('DID_RESPONSE_TOO_LARGE', undefined, `${url.href} returned more than ${options.maxResponseBytes} bytes`);

  try {
    const response = await Promise.race([
      fetchFn(url.href, {
        signal,
        // A redirect could point anywhere; a did:web host must serve its document at the spec's URL.
        redirect: 'error',
        headers: { accept: 'application/did+json, application/did+ld+json, application/json' },
      }),
      aborted,
    ]);
    if (!response.ok) {
      throw reject('DID_NOT_FOUND', undefined, `${url.href} answered HTTP ${response.status}`);
    }
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > options.maxResponseBytes) throw tooLarge();
    if (!response.body) return new Uint8Array(0);

    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      for (;;) {
        const { done, value } = await Promise.race([reader.read(), aborted]);
        if (done) break;
        total += value.byteLength;
        if (total > options.maxResponseBytes) throw tooLarge();
        chunks.push(value);
      }
    } finally {
      // Stops the transfer on early exit; a no-op when the stream already ended.
      reader.cancel().catch(() => {});
    }
    const body = new Uint8Array(total);
    let offset = 0;
    for (const chunk of chunks) {
      body.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return body;
  } catch (cause) {
    throw failure(cause);
  } finally {
    removeListener();
    // Ends any transfer still running (e.g. after a size overrun).
    stop.abort();
  }
}
