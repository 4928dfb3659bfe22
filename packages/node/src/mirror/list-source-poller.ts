/**
 * Mirroring issuers that do not run a node (issue 13): the operator names the URLs of their status
 * lists (e.g. a TW DIW issuer's list endpoint, an EU issuer's Token Status List); the node polls
 * them and submits what it gets through the one admission path, so it is validated like any record
 * (accredited publisher, signature, newer only, never undoing a final state) and gossiped.
 *
 * Only operator configuration names a URL: nothing received from the network makes the node fetch
 * one (DESIGN.md, Security). Each poll is bounded: a conditional GET (If-None-Match / ETag), a time
 * limit, a body limit (the record size limit) read as a stream and cut off beyond it, and no
 * redirect except to a host the operator allowed for that source.
 */
import type { SubmitOutcome } from '@trustmesh/registry';

/** One operator-configured source. */
export interface ListSource {
  /** The list's URL (https; http only when the operator says so with `allowHttp`). */
  url: string;
  /** Hosts a redirect from this source may lead to (none by default: redirects are refused). */
  redirectHosts?: string[];
  /** Poll interval for this source, ms (default: the poller's). */
  intervalMs?: number;
  /**
   * Allow a plain-http URL (labs, a local issuer; a CA's CRL distribution point, which RFC 5280
   * §4.2.1.13 usually names as http — a CRL is signed, so the transport adds no trust); https otherwise.
   */
  allowHttp?: boolean;
  /**
   * Largest body taken from this source, bytes (default: the poller's `maxBytes`, the record size
   * limit). A national CA's CRL (issue 14) needs the large-record limit, e.g. 64 MiB.
   */
  maxBytes?: number;
}

/** Settings of the poller. */
export interface ListSourcePollerOptions {
  sources: ListSource[];
  /** Default poll interval, ms. A response's `Cache-Control: max-age` shortens or lengthens it within the bounds. */
  intervalMs: number;
  /** Shortest and longest interval a response's max-age may set, ms. */
  minIntervalMs: number;
  maxIntervalMs: number;
  /** Time limit of one poll, ms. */
  timeoutMs: number;
  /** Largest body taken, bytes (the record size limit). */
  maxBytes: number;
  /** Redirects followed at most (each to an allowed host). */
  maxRedirects: number;
  /** Consecutive failed polls after which `/health` names the source. */
  failuresBeforeWarning: number;
}

/** Defaults: every minute, within 10 s … 1 h; 10 s and 256 KiB per poll; up to 3 allowed redirects. */
export const defaultListSourcePollerOptions: Omit<ListSourcePollerOptions, 'sources'> = {
  intervalMs: 60_000,
  minIntervalMs: 10_000,
  maxIntervalMs: 3_600_000,
  timeoutMs: 10_000,
  maxBytes: 256 * 1024,
  maxRedirects: 3,
  failuresBeforeWarning: 3,
};

/** What the poller depends on. */
export interface ListSourcePollerModules {
  /** The node's admission and publish path. */
  submit: (bytes: Uint8Array) => Promise<SubmitOutcome>;
  /** Where failed polls are reported (the node's logger; message first, as gossip's). */
  logger: { warn(message: string, details?: Record<string, unknown>): void };
  /** `fetch` (tests pass their own; production uses the global one). */
  fetch?: typeof fetch;
}

/** Codes of a poll's outcome. */
export const LIST_SOURCE_CODES = {
  /** The source answered 304 (unchanged). */
  NOT_MODIFIED: 'SOURCE_NOT_MODIFIED',
  /** The source answered with an HTTP error status. */
  HTTP_ERROR: 'SOURCE_HTTP_ERROR',
  /** The source redirected to a host not allowed for it (or too many times). */
  REDIRECT_REFUSED: 'SOURCE_REDIRECT_REFUSED',
  /** The body exceeded the limit; the poll was cut off. */
  TOO_LARGE: 'SOURCE_TOO_LARGE',
  /** The poll timed out, or the connection failed. */
  UNREACHABLE: 'SOURCE_UNREACHABLE',
} as const;

/** A source's state, for `/health` and the operator. */
export interface ListSourceState {
  url: string;
  lastPollAt: number | null;
  /** `accept`, `ignore` or `reject` (the registry's outcome), or `fault` (the poll itself failed). */
  lastOutcome: 'accept' | 'ignore' | 'reject' | 'fault' | 'not-modified' | null;
  lastCode: string | null;
  consecutiveFailures: number;
  etag: string | null;
}

/** Polls operator-configured list sources and submits what they serve. */
export class ListSourcePoller {
  private readonly options: ListSourcePollerOptions;
  private readonly modules: ListSourcePollerModules;
  private readonly states: ListSourceState[];
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private readonly inFlight = new Set<AbortController>();
  // The max-age of each source's last answer, ms: its next poll interval when given.
  private readonly maxAges: (number | null)[];

  constructor(options: ListSourcePollerOptions, modules: ListSourcePollerModules) {
    for (const source of options.sources) checkSourceUrl(source);
    this.options = options;
    this.modules = modules;
    this.states = options.sources.map((s) => ({
      url: s.url,
      lastPollAt: null,
      lastOutcome: null,
      lastCode: null,
      consecutiveFailures: 0,
      etag: null,
    }));
    this.maxAges = options.sources.map(() => null);
  }

  /** Starts polling every source now, then on its interval. */
  start(): void {
    for (let i = 0; i < this.options.sources.length; i++) this.schedule(i, 0);
  }

  /** Stops polling and aborts polls in flight. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const controller of this.inFlight) controller.abort();
  }

  /** Every source's state. */
  sources(): ListSourceState[] {
    return this.states.map((s) => ({ ...s }));
  }

  /** Named warnings for `/health`: sources that failed several polls in a row. */
  healthWarnings(): string[] {
    return this.states
      .filter((s) => s.consecutiveFailures >= this.options.failuresBeforeWarning)
      .map(
        (s) =>
          `LIST_SOURCE_FAILING: ${s.url} failed ${s.consecutiveFailures} polls in a row (${s.lastCode ?? 'unknown'}): its issuer's newer list versions do not reach the network through this node`,
      );
  }

  /** Polls source `i` once; resolves with its state. */
  async poll(i: number): Promise<ListSourceState> {
    const source = this.options.sources[i] as ListSource;
    const state = this.states[i] as ListSourceState;
    const result = await this.fetchOnce(source, state.etag);
    state.lastPollAt = Date.now();
    if (result.kind === 'fault') {
      state.lastOutcome = 'fault';
      state.lastCode = result.code;
      state.consecutiveFailures++;
      this.modules.logger.warn('status list source poll failed', { source: source.url, code: result.code });
      return { ...state };
    }
    if (result.kind === 'not-modified') {
      state.lastOutcome = 'not-modified';
      state.lastCode = LIST_SOURCE_CODES.NOT_MODIFIED;
      state.consecutiveFailures = 0;
      return { ...state };
    }
    const outcome = await this.modules.submit(result.body);
    state.lastOutcome = outcome.status;
    state.lastCode = outcome.status === 'accept' ? 'OK' : outcome.error.code;
    // A rejected body is a failure of the source (it serves something no node takes); stale or
    // duplicate is a healthy source with nothing new.
    state.consecutiveFailures = outcome.status === 'reject' ? state.consecutiveFailures + 1 : 0;
    if (outcome.status === 'accept' || outcome.status === 'ignore') state.etag = result.etag;
    if (outcome.status === 'reject') {
      this.modules.logger.warn('status list source served a record the registry rejects', {
        source: source.url,
        code: state.lastCode,
      });
    }
    this.maxAges[i] = result.maxAgeMs;
    return { ...state };
  }

  private schedule(i: number, delayMs: number): void {
    if (this.stopped) return;
    const timer = setTimeout(async () => {
      this.timers.delete(timer);
      try {
        await this.poll(i);
      } catch (error) {
        this.modules.logger.warn('status list source poll crashed', {
          source: this.options.sources[i]?.url,
          error: String(error),
        });
      }
      const next = this.maxAges[i] ?? this.options.sources[i]?.intervalMs ?? this.options.intervalMs;
      this.schedule(i, Math.min(this.options.maxIntervalMs, Math.max(this.options.minIntervalMs, next)));
    }, delayMs);
    timer.unref?.();
    this.timers.add(timer);
  }

  private async fetchOnce(
    source: ListSource,
    etag: string | null,
  ): Promise<
    | { kind: 'body'; body: Uint8Array; etag: string | null; maxAgeMs: number | null }
    | { kind: 'not-modified' }
    | { kind: 'fault'; code: string }
  > {
    const doFetch = this.modules.fetch ?? fetch;
    const controller = new AbortController();
    this.inFlight.add(controller);
    const timeout = setTimeout(() => controller.abort(), this.options.timeoutMs);
    try {
      let url = new URL(source.url);
      for (let hop = 0; ; hop++) {
        const response = await doFetch(url, {
          method: 'GET',
          redirect: 'manual',
          signal: controller.signal,
          headers: {
            // draft-ietf-oauth-status-list §8.1 (either form of a Token Status List); StatusList2021 JWTs; TW DIW's JSON envelope; a CA's
            // CRL (RFC 5280 §4.2.1.13, media type of RFC 2585 §4.2).
            accept:
              'application/statuslist+jwt, application/statuslist+cwt, application/jwt, application/pkix-crl, application/json;q=0.9',
            ...(etag && hop === 0 ? { 'if-none-match': etag } : {}),
          },
        });
        if (response.status >= 300 && response.status < 400 && response.status !== 304) {
          const location = response.headers.get('location');
          await response.body?.cancel();
          const target = location ? new URL(location, url) : null;
          if (!target || hop >= this.options.maxRedirects || !redirectAllowed(source, url, target)) {
            return { kind: 'fault', code: LIST_SOURCE_CODES.REDIRECT_REFUSED };
          }
          url = target;
          continue;
        }
        if (response.status === 304) {
          await response.body?.cancel();
          return { kind: 'not-modified' };
        }
        if (!response.ok) {
          await response.body?.cancel();
          return { kind: 'fault', code: `${LIST_SOURCE_CODES.HTTP_ERROR}_${response.status}` };
        }
        const body = await readBounded(response, source.maxBytes ?? this.options.maxBytes);
        if (body === null) return { kind: 'fault', code: LIST_SOURCE_CODES.TOO_LARGE };
        return { kind: 'body', body, etag: response.headers.get('etag'), maxAgeMs: maxAgeOf(response) };
      }
    } catch {
      return { kind: 'fault', code: LIST_SOURCE_CODES.UNREACHABLE };
    } finally {
      clearTimeout(timeout);
      this.inFlight.delete(controller);
    }
  }
}

/** Refuses a source URL that is not https (unless allowed) or carries credentials. */
function checkSourceUrl(source: ListSource): void {
  const url = new URL(source.url);
  if (url.protocol !== 'https:' && !(source.allowHttp && url.protocol === 'http:')) {
    throw new Error(`list source ${source.url}: must be an https URL (allowHttp for a plain-http one)`);
  }
  if (url.username !== '' || url.password !== '') throw new Error(`list source ${source.url}: no credentials in URLs`);
  if (source.maxBytes !== undefined && !(Number.isSafeInteger(source.maxBytes) && source.maxBytes > 0)) {
    throw new Error(`list source ${source.url}: maxBytes must be a positive whole number of bytes`);
  }
}

/** A redirect stays on the source's host, or goes to a host the operator allowed; never downgrades to http. */
function redirectAllowed(source: ListSource, from: URL, to: URL): boolean {
  if (to.protocol !== 'https:' && !(source.allowHttp && to.protocol === 'http:')) return false;
  if (from.protocol === 'https:' && to.protocol !== 'https:') return false;
  return to.host === new URL(source.url).host || (source.redirectHosts ?? []).includes(to.host);
}

/** `Cache-Control: max-age` in ms, or null. */
function maxAgeOf(response: Response): number | null {
  const match = /(?:^|,)\s*max-age=(\d{1,9})/i.exec(response.headers.get('cache-control') ?? '');
  return match ? Number(match[1]) * 1000 : null;
}

/**
 * The body, or null once it exceeds `maxBytes` (the stream is cancelled there: no unbounded read).
 * With a declared length the body is read into one buffer of that size, so a large CRL is not held
 * twice (chunks, then their concatenation).
 */
async function readBounded(response: Response, maxBytes: number): Promise<Uint8Array | null> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    return null;
  }
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array();
  const exact = Number.isSafeInteger(declared) && declared >= 0 ? new Uint8Array(declared) : null;
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes || (exact && total > exact.byteLength)) {
      await reader.cancel();
      return null;
    }
    if (exact) exact.set(value, total - value.byteLength);
    else chunks.push(value);
  }
  if (exact) return total === exact.byteLength ? exact : exact.subarray(0, total);
  return new Uint8Array(Buffer.concat(chunks));
}
