/**
 * Write authorisation: a bearer token (RFC 6750) checked before the body is parsed, so an
 * unauthenticated client cannot make the node parse megabytes. Writes are refused outright when no
 * token is configured (DESIGN.md, Interfaces: "Writes need a token").
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.ts';

/** An `onRequest` hook that admits only requests bearing `token`. */
export function requireWriteToken(token: string | null): (request: FastifyRequest) => Promise<void> {
  // Compare digests: equal lengths for timingSafeEqual, and no early exit revealing a prefix.
  const expected = token === null ? null : digest(token);
  return async (request) => {
    if (expected === null) {
      throw new ApiError(
        403,
        'WRITES_DISABLED',
        'write routes are disabled on this node: configure a write token to enable them',
      );
    }
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer[ ]+(\S+)\s*$/i.exec(header) : null;
    if (!match?.[1]) {
      throw new ApiError(401, 'UNAUTHORIZED', 'this route needs an Authorization: Bearer <token> header');
    }
    if (!timingSafeEqual(digest(match[1]), expected)) {
      throw new ApiError(403, 'FORBIDDEN', 'the bearer token is not valid for this node');
    }
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
