/**
 * Canonical bytes and content addresses of records.
 *
 * Every record travels and is stored as its RFC 8785 (JCS) canonical JSON, and is addressed by the
 * SHA-256 of those bytes (DESIGN.md, Records), so two nodes holding "the same" record hold the same
 * bytes and the same id.
 */
import { createHash } from 'node:crypto';
import canonicalizeJson from 'canonicalize';
import { reject } from './errors.ts';

/** Returns the RFC 8785 canonical UTF-8 bytes of a JSON value. */
export function canonicalBytes(value: unknown): Uint8Array {
  const text = canonicalizeJson(value);
  if (text === undefined) throw reject('RECORD_NOT_JSON', undefined, 'value has no JSON form');
  return new TextEncoder().encode(text);
}

/** Lower-case hex SHA-256 of bytes: the content address of a record. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Content address of a JSON value: SHA-256 of its canonical bytes. */
export function contentHash(value: unknown): string {
  return sha256Hex(canonicalBytes(value));
}
