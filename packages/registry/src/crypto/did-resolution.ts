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
import { ValidationError, reject } from '../errors.ts';
import { DEFAULT_INPUT_LIMITS, parseJsonBounded } from '../limits.ts';
import { judgeAddress, PRIVATE_ADDRESS_RANGES } from './did-web-address.ts';
import type { DidWebLookup, PinnedFetch, ResolvedAddress } from './did-web-types.ts';
import ipaddr from 'ipaddr.js';
import { ED25519_PUBLIC_KEY_PREFIX, P256_PUBLIC_KEY_PREFIX } from './keys.ts';
import type { ControllerDocument, DidResolver } from './types.ts';

/**
 * Codes of DID resolution failures. All are `reject`: an unresolvable DID is a fault of the input
 * or of the DID's host, and waiting changes nothing this node can tell.
 */
export const DID_RESOLUTION_CODES = {
  /** `reject` — did:web is allowed but the resolver was given no `lookup` and `fetch` (a caller bug). */
  WEB_FETCH_MISSING: 'DID_WEB_FETCH_MISSING',
  /** `reject` — not a DID (a DID URL, malformed, or a did:web that maps to no HTTPS URL). */
  INVALID: 'DID_INVALID',
  /** `reject` — a did:web, but did:web resolution is off (DESIGN.md Principle 5: opt-in). */
  WEB_DISABLED: 'DID_WEB_DISABLED',
  /** `reject` — a DID method other than did:key and did:web. */
  METHOD_UNSUPPORTED: 'DID_METHOD_UNSUPPORTED',
  /** `reject` — no document: HTTP error, redirect, unreachable or address-less host. */
  NOT_FOUND: 'DID_NOT_FOUND',
  /** `reject` — resolver options out of range (a caller bug). */
  RESOLVER_OPTIONS_INVALID: 'DID_RESOLVER_OPTIONS_INVALID',
  /** `reject` — the response is not JSON, or its `id` is not the DID resolved (did:web §Read). */
  DOCUMENT_INVALID: 'DID_DOCUMENT_INVALID',
  /** `reject` — the lookup, connection or body outran the time budget. */
  RESOLUTION_TIMEOUT: 'DID_RESOLUTION_TIMEOUT',
  /** `reject` — the host resolves to a loopback, private, link-local, multicast or unspecified address. */
  WEB_ADDRESS_REFUSED: 'DID_WEB_ADDRESS_REFUSED',
  /** `reject` — the DID document is larger than `maxResponseBytes`. */
  RESPONSE_TOO_LARGE: 'DID_RESPONSE_TOO_LARGE',
} as const;

/** Options of {@link createDidResolver}. */
export interface DidResolverOptions {
  /** Resolve did:web over HTTPS. Off by default: verification then needs no network at all. */
  allowWeb: boolean;
  /** Time budget of one did:web resolution (DNS lookup, connection, request and body), in milliseconds. */
  webTimeoutMs: number;
  /** Largest accepted DID document, in bytes. */
  maxResponseBytes: number;
  /**
   * Let did:web connect to loopback, RFC 1918, link-local, CGNAT and unique-local addresses (an
   * intranet host). Off by default: a DID comes from a credential, i.e. from anyone (SSRF).
   * Unspecified, multicast, broadcast and reserved addresses are refused even then.
   */
  allowPrivateAddresses: boolean;
  /** PEM CA certificates trusted for did:web hosts besides Node's bundled roots (an intranet CA). */
  caCertificates: readonly string[];
}

/** Defaults: did:web off; when on, 5 s and 64 KiB (a DID document is a few KB), public addresses only. */
export const defaultDidResolverOptions: DidResolverOptions = Object.freeze({
  allowWeb: false,
  webTimeoutMs: 5_000,
  maxResponseBytes: 64 * 1024,
  allowPrivateAddresses: false,
  caCertificates: Object.freeze([]) as readonly string[],
});

/**
 * Dependencies of {@link createDidResolver}: the network side of did:web, required when `allowWeb`
 * is set (the registry does no networking; the node supplies them: network/did-web-fetch.ts).
 */
export interface DidResolverModules {
  /** DNS lookup of a did:web host (every address). */
  lookup?: DidWebLookup;
  /** HTTPS GET connecting only to the vetted address. */
  fetch?: PinnedFetch;
}

/**
 * Creates a DID resolver for did:key and, if allowed, did:web. Options are merged over
 * {@link defaultDidResolverOptions}, so a partial object is enough. `resolve` returns the DID
 * document or throws a ValidationError: `DID_WEB_DISABLED`, `DID_WEB_ADDRESS_REFUSED` (the host
 * resolves to a loopback, private, link-local, multicast or unspecified address),
 * `DID_RESOLUTION_TIMEOUT`, `DID_RESPONSE_TOO_LARGE`, `DID_NOT_FOUND` (HTTP error, redirect or
 * unreachable host), `DID_DOCUMENT_INVALID` (not JSON, or its id is not the DID), `DID_INVALID`
 * (malformed DID), `DID_METHOD_UNSUPPORTED`.
 * @throws ValidationError `DID_RESOLVER_OPTIONS_INVALID` for options out of range.
 */
export function createDidResolver(
  partialOptions: Partial<DidResolverOptions> = {},
  modules: DidResolverModules = {},
): DidResolver {
  const options = resolverOptions(partialOptions);
  const registry: Record<string, DIDResolver> = { key: didKeyDriver() };
  if (options.allowWeb) {
    if (!modules.fetch || !modules.lookup) {
      throw reject(
        DID_RESOLUTION_CODES.WEB_FETCH_MISSING,
        'fetch',
        'did:web is allowed but no lookup and fetch were given',
      );
    }
    registry.web = didWebDriver(options, modules.lookup, modules.fetch);
  }
  // No cache: resolution results must not outlive the call that asked (a cache would be module state
  // the caller cannot see); the registry pins the keys it needs instead.
  const resolver = new Resolver(registry, { cache: false });

  return {
    async resolve(did: string): Promise<ControllerDocument> {
      if (did.includes('#'))
        throw reject(DID_RESOLUTION_CODES.INVALID, undefined, `${did} is a DID URL; expected a DID`);
      const result = await resolver.resolve(did);
      const { error, message } = result.didResolutionMetadata;
      if (error === 'unsupportedDidMethod') {
        if (did.startsWith('did:web:')) {
          throw reject(
            DID_RESOLUTION_CODES.WEB_DISABLED,
            undefined,
            `cannot resolve ${did}: did:web resolution is disabled`,
          );
        }
        throw reject(
          DID_RESOLUTION_CODES.METHOD_UNSUPPORTED,
          undefined,
          `cannot resolve ${did}: only did:key and did:web are supported`,
        );
      }
      if (error === 'invalidDid')
        throw reject(DID_RESOLUTION_CODES.INVALID, undefined, `${did} is not a valid DID (${message ?? ''})`);
      if (error || !result.didDocument) {
        throw reject(
          DID_RESOLUTION_CODES.NOT_FOUND,
          undefined,
          `cannot resolve ${did}: ${message ?? error ?? 'no document'}`,
        );
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

function resolverOptions(partial: Partial<DidResolverOptions>): DidResolverOptions {
  const options = { ...defaultDidResolverOptions };
  for (const [key, value] of Object.entries(partial)) {
    if (value !== undefined) Object.assign(options, { [key]: value });
  }
  const invalid = (field: string, why: string) => reject(DID_RESOLUTION_CODES.RESOLVER_OPTIONS_INVALID, field, why);
  if (typeof options.allowWeb !== 'boolean') throw invalid('allowWeb', 'must be a boolean');
  if (typeof options.allowPrivateAddresses !== 'boolean') throw invalid('allowPrivateAddresses', 'must be a boolean');
  if (!Number.isInteger(options.webTimeoutMs) || options.webTimeoutMs < 1 || options.webTimeoutMs > 60_000) {
    throw invalid('webTimeoutMs', 'must be an integer from 1 to 60000');
  }
  if (
    !Number.isInteger(options.maxResponseBytes) ||
    options.maxResponseBytes < 256 ||
    options.maxResponseBytes > 1024 * 1024
  ) {
    throw invalid('maxResponseBytes', 'must be an integer from 256 to 1048576');
  }
  if (!Array.isArray(options.caCertificates) || options.caCertificates.some((c) => typeof c !== 'string')) {
    throw invalid('caCertificates', 'must be a list of PEM strings');
  }
  return options;
}

function didWebDriver(options: DidResolverOptions, lookup: DidWebLookup, fetchFn: PinnedFetch): DIDResolver {
  return async (did: string): Promise<DIDResolutionResult> => {
    const url = didWebUrl(did);
    if (!url)
      throw reject(DID_RESOLUTION_CODES.INVALID, undefined, `${did} does not map to an HTTPS URL (did:web spec §Read)`);
    // One budget for the lookup, the connection and the body.
    const budget = AbortSignal.timeout(options.webTimeoutMs);
    const address = await vettedAddress(url, options, lookup, budget);
    const bytes = await fetchBounded(url, address, options, fetchFn, budget);
    let document: unknown;
    try {
      document = parseJsonBounded(bytes, { ...DEFAULT_INPUT_LIMITS, maxRecordBytes: options.maxResponseBytes });
    } catch (cause) {
      throw reject(DID_RESOLUTION_CODES.DOCUMENT_INVALID, undefined, `${url.href} did not return JSON`, cause);
    }
    // did:web spec §Read: the document's id must be the DID that was resolved.
    if (document === null || typeof document !== 'object' || (document as { id?: unknown }).id !== did) {
      throw reject(
        DID_RESOLUTION_CODES.DOCUMENT_INVALID,
        'id',
        `the document at ${url.href} is not the DID document of ${did}`,
      );
    }
    return {
      didDocument: document as DIDResolutionResult['didDocument'],
      didDocumentMetadata: {},
      didResolutionMetadata: { contentType: 'application/did+json' },
    };
  };
}

/**
 * The address the GET may connect to: the host resolved first, every answer judged
 * (did-web-address.ts), and refused if any is not allowed — a name answering one public and one
 * private address is a rebinding attempt, not a choice to make. The connection then uses the vetted
 * address only (the PinnedFetch module), so a second DNS answer cannot redirect it.
 */
async function vettedAddress(
  url: URL,
  options: DidResolverOptions,
  lookup: DidWebLookup,
  budget: AbortSignal,
): Promise<ResolvedAddress> {
  // WHATWG URL parsing has already normalised numeric hosts (`0x7f000001` → 127.0.0.1).
  let addresses: readonly ResolvedAddress[];
  if (ipaddr.isValid(url.hostname)) {
    addresses = [{ address: url.hostname, family: ipaddr.parse(url.hostname).kind() === 'ipv6' ? 6 : 4 }];
  } else {
    try {
      addresses = await raceAbort(lookup(url.hostname), budget);
    } catch (cause) {
      if (budget.aborted) {
        throw reject(
          DID_RESOLUTION_CODES.RESOLUTION_TIMEOUT,
          undefined,
          `${url.hostname} did not resolve within ${options.webTimeoutMs} ms`,
          cause,
        );
      }
      throw reject(
        DID_RESOLUTION_CODES.NOT_FOUND,
        undefined,
        `${url.hostname} could not be resolved (${(cause as Error)?.message})`,
        cause,
      );
    }
  }
  if (addresses.length === 0) throw reject(DID_RESOLUTION_CODES.NOT_FOUND, undefined, `${url.hostname} has no address`);
  for (const { address } of addresses) {
    const verdict = judgeAddress(address, options.allowPrivateAddresses);
    if (!verdict.allowed) {
      throw reject(
        DID_RESOLUTION_CODES.WEB_ADDRESS_REFUSED,
        undefined,
        `${url.hostname} resolves to ${verdict.address} (${verdict.range}); did:web connects to public addresses only` +
          (PRIVATE_ADDRESS_RANGES.has(verdict.range) ? ' unless allowPrivateAddresses is set' : ''),
      );
    }
  }
  return addresses[0] as ResolvedAddress;
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolvePromise, rejectPromise) => {
    if (signal.aborted) {
      rejectPromise(signal.reason);
      return;
    }
    const onAbort = () => rejectPromise(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolvePromise(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        rejectPromise(error);
      },
    );
  });
}

/** GETs `url`, bounded in time (request and body) and in size; redirects are refused. */
async function fetchBounded(
  url: URL,
  address: ResolvedAddress,
  options: DidResolverOptions,
  fetchFn: PinnedFetch,
  timeout: AbortSignal,
): Promise<Uint8Array> {
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

  const failure = (cause: unknown): ValidationError => {
    if (cause instanceof ValidationError) return cause;
    if (timeout.aborted) {
      return reject(
        DID_RESOLUTION_CODES.RESOLUTION_TIMEOUT,
        undefined,
        `${url.href} did not answer within ${options.webTimeoutMs} ms`,
        cause,
      );
    }
    return reject(
      DID_RESOLUTION_CODES.NOT_FOUND,
      undefined,
      `${url.href} could not be fetched (${(cause as Error)?.message})`,
      cause,
    );
  };
  const tooLarge = (): ValidationError =>
    reject(
      DID_RESOLUTION_CODES.RESPONSE_TOO_LARGE,
      undefined,
      `${url.href} returned more than ${options.maxResponseBytes} bytes`,
    );

  try {
    const response = await Promise.race([
      fetchFn(url.href, {
        signal,
        // A redirect could point anywhere; a did:web host must serve its document at the spec's URL.
        redirect: 'error',
        headers: { accept: 'application/did+json, application/did+ld+json, application/json' },
        address,
      }),
      aborted,
    ]);
    if (!response.ok) {
      throw reject(DID_RESOLUTION_CODES.NOT_FOUND, undefined, `${url.href} answered HTTP ${response.status}`);
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
