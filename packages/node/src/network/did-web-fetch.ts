/**
 * The network side of did:web for the registry's resolver (@trustmesh/registry createDidResolver):
 * the DNS lookup, and an HTTPS GET that connects only to an address the resolver has already vetted.
 *
 * Why a pinned connection: checking what a host name resolves to and then letting the HTTP client
 * resolve it again leaves a window for DNS rebinding (first answer public, second answer 127.0.0.1).
 * The GET below hands Node a `lookup` that answers with the vetted address only, so the socket goes
 * where the check said, while TLS still verifies the certificate against the host name (SNI and
 * `checkServerIdentity` use the name, not the address).
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { request } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import type { DidWebLookup, PinnedFetch, ResolvedAddress } from '@trustmesh/registry';

/** The system resolver: `node:dns/promises` lookup with `all: true` (what a socket would connect to). */
export const systemLookup: DidWebLookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** Settings of {@link createPinnedHttpsFetch}. */
export interface PinnedHttpsFetchOptions {
  /** PEM CA certificates trusted besides Node's bundled roots (an intranet CA); empty for the roots only. */
  caCertificates: readonly string[];
}

// Statuses whose Response may not have a body (Fetch standard, "null body status").
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** An HTTPS GET over `node:https` that connects to the pinned address and never follows redirects. */
export function createPinnedHttpsFetch(options: PinnedHttpsFetchOptions): PinnedFetch {
  const ca = options.caCertificates.length > 0 ? [...rootCertificates, ...options.caCertificates] : undefined;
  return (href, init) =>
    new Promise<Response>((resolve, rejectPromise) => {
      const url = new URL(href);
      if (url.protocol !== 'https:') {
        rejectPromise(new TypeError(`${href} is not an https: URL`));
        return;
      }
      const req = request(
        {
          host: url.hostname,
          port: url.port === '' ? 443 : Number(url.port),
          path: `${url.pathname}${url.search}`,
          method: 'GET',
          headers: init.headers,
          signal: init.signal,
          // A fresh connection per resolution: a pooled socket could be one opened for another address.
          agent: false,
          lookup: pinnedLookup(init.address),
          // SNI carries host names only (RFC 6066 §3).
          ...(isIP(url.hostname) === 0 ? { servername: url.hostname } : {}),
          ...(ca ? { ca } : {}),
        },
        (res) => {
          const headers = new Headers();
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
            headers.append(res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string);
          }
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 599 || NULL_BODY_STATUSES.has(status)) {
            res.destroy();
            resolve(new Response(null, { status: status >= 200 && status <= 599 ? status : 502, headers }));
            return;
          }
          resolve(new Response(Readable.toWeb(res) as ReadableStream<Uint8Array>, { status, headers }));
        },
      );
      req.on('error', rejectPromise);
      req.end();
    });
}

/** A `lookup` for `net.connect` that answers every question with the one vetted address. */
function pinnedLookup(pinned: ResolvedAddress): LookupFunction {
  return (_hostname, lookupOptions, callback) => {
    // Node asks with `all: true` when it races address families (autoSelectFamily, the default).
    if (lookupOptions.all) callback(null, [{ address: pinned.address, family: pinned.family }]);
    else callback(null, pinned.address, pinned.family);
  };
}
