/**
 * What did:web resolution needs from the network, as two replaceable modules (the registry does no
 * networking itself: the node supplies them, packages/node/src/network/did-web-fetch.ts): a DNS
 * lookup, and an HTTPS GET that connects only to an address the resolver has already vetted
 * (did-web-address.ts), so no second DNS answer can redirect the socket (DNS rebinding).
 */

/** One address a host name resolves to. */
export interface ResolvedAddress {
  address: string;
  /** 4 or 6. */
  family: number;
}

/** Resolves a host name to every address it has (like `dns.promises.lookup(name, { all: true })`). */
export type DidWebLookup = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** What the resolver passes to a {@link PinnedFetch}. */
export interface PinnedFetchInit {
  /** Aborts the request and the body (time limit, size overrun). */
  signal: AbortSignal;
  headers: Record<string, string>;
  /** Always `error`: a did:web document is served at the spec's URL, a redirect could point anywhere. */
  redirect: 'error';
  /** The vetted address: the only one the request may connect to. */
  address: ResolvedAddress;
}

/** An HTTP GET of `url` connecting to `init.address` only; `fetch`-shaped so a unit test can fake it. */
export type PinnedFetch = (url: string, init: PinnedFetchInit) => Promise<Response>;
