/**
 * Hard limits on untrusted input (DESIGN.md, Network: "Hard limits everywhere"). Every parser takes
 * these as options so a deployment can tighten them; none can be switched off.
 */
import { reject } from './errors.ts';

/** Limits applied to any record before it is parsed further. */
export interface InputLimits {
  /** Largest accepted serialized record, in bytes. */
  maxRecordBytes: number;
  /** Deepest accepted JSON nesting (objects and arrays). */
  maxJsonDepth: number;
  /** Most entries a decoded status list may have (decompression-bomb cap). */
  maxStatusListEntries: number;
  /**
   * Most bits a decoded status list may have, whatever its `statusSize` (entries × statusSize): the
   * bound on the memory and inflation work one list can cost, checked before inflating.
   */
  maxStatusListBits: number;
  /**
   * Largest accepted CRL (DER bytes; issue 14: national CRLs, ≥ 64 MiB), checked before anything is
   * decoded. JSON records keep {@link maxRecordBytes}; CA certificates their own 64 KiB bound.
   * Default {@link DEFAULT_MAX_LARGE_RECORD_BYTES}.
   */
  maxLargeRecordBytes?: number;
}

/** Default of {@link InputLimits.maxLargeRecordBytes}: 128 MiB (about 3 million CRL entries with reasons). */
export const DEFAULT_MAX_LARGE_RECORD_BYTES = 128 * 1024 * 1024;

/** The large-record bound of `limits` (CRLs), its default when unset. */
export function largeRecordLimit(limits: InputLimits): number {
  return limits.maxLargeRecordBytes ?? DEFAULT_MAX_LARGE_RECORD_BYTES;
}

/**
 * Defaults: a 131,072-entry list at ~1 % revoked gzips to a few KB; 2^26 entries is DESIGN.md's cap.
 * The decoded size is capped at 2^26 bits (8 MiB) for any `statusSize`: 67 million 1-bit credentials,
 * or 16.7 million at 4 bits (IT-Wallet's width) — a national programme's population per list — while
 * a statusSize-8 list can no longer inflate to 64 MiB from ~97 KB (issue 11).
 */
export const DEFAULT_INPUT_LIMITS: InputLimits = {
  maxRecordBytes: 256 * 1024,
  maxJsonDepth: 32,
  maxStatusListEntries: 2 ** 26,
  maxStatusListBits: 2 ** 26,
  maxLargeRecordBytes: DEFAULT_MAX_LARGE_RECORD_BYTES,
};

/** Most entries of `statusSize` bits a decoded list may have under `limits` (both caps). */
export function statusListEntryCap(limits: InputLimits, statusSize: number): number {
  return Math.max(1, Math.min(limits.maxStatusListEntries, Math.floor(limits.maxStatusListBits / statusSize)));
}

/**
 * Codes of the input limits and of JSON's one canonical form (RFC 8785). All are `reject`: the
 * bytes themselves are at fault, whoever relays them. Checked before anything else (DESIGN.md
 * Admission: classify → bound → …).
 */
export const INPUT_LIMIT_CODES = {
  /** `reject` — a record larger than `InputLimits.maxRecordBytes`. */
  RECORD_TOO_LARGE: 'RECORD_TOO_LARGE',
  /** `reject` — JSON nesting deeper than `InputLimits.maxJsonDepth`. */
  RECORD_TOO_DEEP: 'RECORD_TOO_DEEP',
  /** `reject` — a record's text is not JSON (malformed syntax, or bytes that are not UTF-8; RFC 8259 §8.1). */
  RECORD_NOT_JSON: 'RECORD_NOT_JSON',
  /** `reject` — a string (or member name) holds a lone UTF-16 surrogate, which no UTF-8 text can carry (RFC 8259 §8.2). */
  RECORD_INVALID_STRING: 'RECORD_INVALID_STRING',
  /** `reject` — a number outside the range of an IEEE 754 double (e.g. `1e400`), or NaN (RFC 8259 §6, RFC 8785 §3.2.2.3). */
  RECORD_NUMBER_OUT_OF_RANGE: 'RECORD_NUMBER_OUT_OF_RANGE',
} as const;

/** {@link INPUT_LIMIT_CODES}.RECORD_NOT_JSON, kept for existing importers. */
export const RECORD_NOT_JSON = INPUT_LIMIT_CODES.RECORD_NOT_JSON;
/** {@link INPUT_LIMIT_CODES}.RECORD_INVALID_STRING, kept for existing importers. */
export const RECORD_INVALID_STRING = INPUT_LIMIT_CODES.RECORD_INVALID_STRING;
/** {@link INPUT_LIMIT_CODES}.RECORD_NUMBER_OUT_OF_RANGE, kept for existing importers. */
export const RECORD_NUMBER_OUT_OF_RANGE = INPUT_LIMIT_CODES.RECORD_NUMBER_OUT_OF_RANGE;

/**
 * Parses untrusted JSON bytes, enforcing size and nesting limits, and that the value has exactly one
 * canonical form (RFC 8785): UTF-8 text, no lone surrogates, finite numbers only. Every failure is a
 * `reject` ValidationError (`RECORD_TOO_LARGE`, `RECORD_TOO_DEEP`, `RECORD_NOT_JSON`,
 * `RECORD_INVALID_STRING`, `RECORD_NUMBER_OUT_OF_RANGE`), never a plain Error.
 * Depth is checked on the raw text before JSON.parse so a deeply nested payload never reaches the
 * recursive parser.
 */
export function parseJsonBounded(input: Uint8Array | string, limits: InputLimits = DEFAULT_INPUT_LIMITS): unknown {
  const bytes = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (bytes > limits.maxRecordBytes) {
    // [REJECT] docs/records.md Input limits: at most maxRecordBytes (256 KiB), checked first.
    throw reject(
      INPUT_LIMIT_CODES.RECORD_TOO_LARGE,
      undefined,
      `record is ${bytes} bytes; the limit is ${limits.maxRecordBytes}`,
    );
  }
  let text: string;
  try {
    // [REJECT] RFC 8259 §8.1: JSON text exchanged between systems is UTF-8. A lenient decoder would
    // turn invalid bytes into U+FFFD, so the record admitted would not be the bytes received.
    text = typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch (cause) {
    throw reject(INPUT_LIMIT_CODES.RECORD_NOT_JSON, undefined, 'record is not UTF-8 text', cause);
  }
  assertJsonDepth(text, limits.maxJsonDepth);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    // [REJECT] RFC 8259 §2: the text is one JSON value.
    throw reject(
      INPUT_LIMIT_CODES.RECORD_NOT_JSON,
      undefined,
      `record is not valid JSON (${(cause as Error).message})`,
      cause,
    );
  }
  assertJsonValue(value, limits.maxJsonDepth);
  return value;
}

/** Scans JSON text for bracket depth, skipping string contents. */
function assertJsonDepth(text: string, maxDepth: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) {
        // [REJECT] docs/records.md Input limits: nesting ≤ maxJsonDepth, checked before parsing.
        throw reject(INPUT_LIMIT_CODES.RECORD_TOO_DEEP, undefined, `JSON nesting exceeds the limit of ${maxDepth}`);
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

/** Checks nesting depth of an already-parsed value (for objects handed in-process). */
export function assertValueDepth(value: unknown, maxDepth: number, depth = 0): void {
  if (value === null || typeof value !== 'object') return;
  // [REJECT] docs/records.md Input limits: nesting ≤ maxJsonDepth.
  if (depth + 1 > maxDepth)
    throw reject(INPUT_LIMIT_CODES.RECORD_TOO_DEEP, undefined, `JSON nesting exceeds the limit of ${maxDepth}`);
  for (const child of Array.isArray(value) ? value : Object.values(value)) assertValueDepth(child, maxDepth, depth + 1);
}

/**
 * Checks that an in-process value is plain JSON with one canonical form, within the depth limit:
 * objects, arrays, strings without lone surrogates, finite numbers, booleans and null. Throws
 * `RECORD_TOO_DEEP`, `RECORD_INVALID_STRING`, `RECORD_NUMBER_OUT_OF_RANGE` or `RECORD_NOT_JSON` with
 * the path of the offending value.
 */
export function assertJsonValue(value: unknown, maxDepth: number): void {
  // An explicit stack: the depth limit holds before any recursion could overflow.
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value: v, path, depth } = item;
    const field = path || undefined;
    switch (typeof v) {
      case 'string':
        // [REJECT] RFC 8259 §8.2 / RFC 8785 §3.2.2.2: a lone surrogate has no UTF-8 form, so the
        // canonical bytes of the record could not be computed (and a lenient encoder would alter it).
        if (!v.isWellFormed())
          throw reject(INPUT_LIMIT_CODES.RECORD_INVALID_STRING, field, 'holds a lone UTF-16 surrogate');
        continue;
      case 'number':
        // [REJECT] RFC 8785 §3.2.2.3: only finite IEEE 754 doubles have a canonical form; JSON.parse
        // reads `1e400` as Infinity.
        if (!Number.isFinite(v))
          throw reject(INPUT_LIMIT_CODES.RECORD_NUMBER_OUT_OF_RANGE, field, 'is not a finite IEEE 754 number');
        continue;
      case 'boolean':
        continue;
      case 'object':
        break;
      default:
        // [REJECT] RFC 8259 §3: only objects, arrays, strings, numbers, booleans and null.
        throw reject(INPUT_LIMIT_CODES.RECORD_NOT_JSON, field, `a ${typeof v} has no JSON form`);
    }
    if (v === null) continue;
    // [REJECT] docs/records.md Input limits: nesting ≤ maxJsonDepth.
    if (depth + 1 > maxDepth)
      throw reject(INPUT_LIMIT_CODES.RECORD_TOO_DEEP, undefined, `JSON nesting exceeds the limit of ${maxDepth}`);
    if (Array.isArray(v)) {
      for (const [i, child] of v.entries()) stack.push({ value: child, path: `${path}[${i}]`, depth: depth + 1 });
      continue;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) {
      // [REJECT] RFC 8259 §4: an object is a plain member map (no class instances).
      throw reject(INPUT_LIMIT_CODES.RECORD_NOT_JSON, field, 'must be a plain JSON object');
    }
    for (const [key, child] of Object.entries(v)) {
      const childPath = path ? `${path}.${key}` : key;
      // [REJECT] RFC 8259 §8.2: member names are strings too.
      if (!key.isWellFormed())
        throw reject(
          INPUT_LIMIT_CODES.RECORD_INVALID_STRING,
          path || undefined,
          'a member name holds a lone UTF-16 surrogate',
        );
      stack.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
}
