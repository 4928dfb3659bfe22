/**
 * Rate limiting of the public routes (DESIGN.md, Network: hard limits everywhere, "HTTP rate limits
 * on public routes"; issue 15 item 8): `@fastify/rate-limit`, counted per client IP address over a
 * fixed window, in memory. A client over its limit gets 429 `RATE_LIMITED` with `Retry-After`
 * (RFC 9110 §10.2.3, seconds). Write routes are not counted (api-server.ts leaves them out): their
 * token guards them, checked before the body is read, and a bulk issuance must not starve. Only
 * the plugin's own steps run per request (its default key, no allow-list to await): the limiter
 * sits on the hot path of every verifier's status query.
 * The `x-ratelimit-*` headers are sent on refusals only, so an ordinary answer costs no extra bytes.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.ts';
import type { RateLimitOptions } from './types.ts';

/** Distinct clients tracked at once (LRU): bounds the limiter's memory under a spread-out flood. */
const TRACKED_CLIENTS = 10_000;

/** Registers the limit on every route registered after it (call before the routes). */
export async function registerRateLimit(app: FastifyInstance, options: RateLimitOptions): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    max: options.max,
    timeWindow: options.windowMs,
    cache: TRACKED_CLIENTS,
    // Per client: the plugin's own key, the socket's address (IPv6 by its /64 prefix, which one host
    // holds); a proxy in front is one client unless it is trusted.
    addHeadersOnExceeding: {
      'x-ratelimit-limit': false,
      'x-ratelimit-remaining': false,
      'x-ratelimit-reset': false,
    },
    addHeaders: {
      'x-ratelimit-limit': true,
      'x-ratelimit-remaining': true,
      'x-ratelimit-reset': true,
      'retry-after': true,
    },
    errorResponseBuilder: (_request, context) =>
      new ApiError(
        429,
        'RATE_LIMITED',
        `more than ${context.max} requests in ${Math.round(options.windowMs / 1000)} s from this client: retry after ${Math.ceil(context.ttl / 1000)} s`,
      ),
  });
}
