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
import { INPUT_LIMIT_CODES } from './limits.ts';

/**
 * Returns the RFC 8785 canonical UTF-8 bytes of a JSON value. A value with no canonical form throws a
 * `reject` ValidationError, never a plain Error: `RECORD_INVALID_STRING` (a lone surrogate),
 * `RECORD_NUMBER_OUT_OF_RANGE` (NaN, ±Infinity) or `RECORD_NOT_JSON` (no JSON form, a cycle).
 */
export function canonicalBytes(value: unknown): Uint8Array {
  let text: string | undefined;
  try {
    text = canonicalizeJson(value);
  } catch (cause) {
    // canonicalize throws plain Errors; name them with the codes limits.ts uses for the same faults.
    const message = cause instanceof Error ? cause.message : String(cause);
    // [REJECT] RFC 8785 §3.2.2.2: a lone surrogate has no canonical form.
    if (/surrogate/i.test(message))
      throw reject(INPUT_LIMIT_CODES.RECORD_INVALID_STRING, undefined, 'holds a lone UTF-16 surrogate', cause);
    if (/NaN|Infinity/.test(message)) {
      // [REJECT] RFC 8785 §3.2.2.3: only finite IEEE 754 numbers have a canonical form.
      throw reject(
        INPUT_LIMIT_CODES.RECORD_NUMBER_OUT_OF_RANGE,
        undefined,
        'holds a number that is not a finite IEEE 754 number',
        cause,
      );
    }
    // [REJECT] RFC 8785 §3.1: the value is plain JSON (no cycle, no foreign type).
    throw reject(INPUT_LIMIT_CODES.RECORD_NOT_JSON, undefined, `value has no canonical JSON form (${message})`, cause);
  }
  // [REJECT] RFC 8785 §3.1: the value is plain JSON.
  if (text === undefined) throw reject(INPUT_LIMIT_CODES.RECORD_NOT_JSON, undefined, 'value has no JSON form');
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
