/**
 * Bit access on an uncompressed Bitstring Status List (https://www.w3.org/TR/vc-bitstring-status-list/).
 *
 * Layout, per the Recommendation §2.2 (`encodedList`) and §7.1 (Bitstring Encoding): index 0 is the
 * left-most bit of the bitstring, i.e. the most significant bit of byte 0; entry `i` of a list whose
 * entries are `statusSize` bits wide starts at bit position `i * statusSize` (§3.2 step 10, §3.3 step 2).
 * A multi-bit entry is read left to right, so its first bit is the value's most significant bit.
 *
 * Error codes raised here (all `reject`):
 * - `RANGE_ERROR` — §3.2 step 10: "If the credentialIndex multiplied by the size is a value outside of
 *   the range of the bitstring, a RANGE_ERROR MUST be raised." Also used for a status value that does not
 *   fit in `statusSize` bits when writing.
 * - `MALFORMED_VALUE_ERROR` — §2.1 `statusSize`: "If present, statusSize MUST be an integer greater
 *   than zero."
 * - `STATUS_SIZE_UNSUPPORTED` — a `statusSize` above {@link MAX_STATUS_SIZE}; §1.3 lets a conforming
 *   processor support a subset ("MAY choose to only support bitstring entry sizes of 1").
 * - `STATUS_LIST_LENGTH_ERROR` — §3.2 step 9, when creating a list shorter than the minimum.
 * - `STATUS_LIST_TOO_LARGE` — a list above the configured entry cap (DESIGN.md, Network: hard limits).
 */
import { reject } from '../errors.ts';
import { DEFAULT_INPUT_LIMITS } from '../limits.ts';
import { W3C_ERROR_CODES } from '../validation/codes.ts';

/**
 * Codes of bitstrings beside the Recommendation's own ({@link W3C_ERROR_CODES}: `RANGE_ERROR`,
 * `MALFORMED_VALUE_ERROR`, `STATUS_LIST_LENGTH_ERROR`). Both are `reject`.
 */
export const BITSTRING_CODES = {
  /** `reject` — a `statusSize` above {@link MAX_STATUS_SIZE} (Bitstring Status List §1.3 allows a subset). */
  STATUS_SIZE_UNSUPPORTED: 'STATUS_SIZE_UNSUPPORTED',
  /** `reject` — a list above the configured entry or decoded-bits cap (DESIGN.md Network: hard limits). */
  TOO_LARGE: 'STATUS_LIST_TOO_LARGE',
} as const;

/**
 * The Recommendation's `minimumNumberOfEntries` (§3.2 step 2: "131,072 unless a different lower bound is
 * established by a specific ecosystem specification"); with 1-bit entries this is the 16 KB minimum of
 * §2.2 ("The uncompressed bitstring MUST be at least 16KB in size").
 */
export const MIN_STATUS_LIST_ENTRIES = 131_072;

/**
 * Widest entry this implementation supports, in bits. §1.3 allows supporting only size 1; 8 bits cover
 * every use we know of (revocation, suspension, small message sets), keep a status within one number
 * without overflow concerns, and keep the mandatory `statusMessage` array (2^statusSize items, §2.1)
 * small enough to fit in a record.
 */
export const MAX_STATUS_SIZE = 8;

/**
 * Checks a `statusSize` value (§2.1: an integer greater than zero) and that this implementation
 * supports it; returns it typed.
 * @param value - The untrusted value.
 * @param field - JSON path named in the error, e.g. `credentialStatus[0].statusSize`.
 * @throws ValidationError `MALFORMED_VALUE_ERROR` or `STATUS_SIZE_UNSUPPORTED`.
 */
export function checkStatusSize(value: unknown, field = 'statusSize'): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    // [REJECT] Bitstring Status List §2.1 statusSize: "an integer greater than zero".
    throw reject(
      W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
      field,
      `must be an integer greater than zero (Bitstring Status List §2.1), got ${describeValue(value)}`,
    );
  }
  if (value > MAX_STATUS_SIZE) {
    // [REJECT] Bitstring Status List §1.3: a processor may support a subset of entry sizes (≤ MAX_STATUS_SIZE here).
    throw reject(
      BITSTRING_CODES.STATUS_SIZE_UNSUPPORTED,
      field,
      `${value} bits per entry is not supported; the maximum is ${MAX_STATUS_SIZE} (Bitstring Status List §1.3)`,
    );
  }
  return value;
}

/**
 * Number of whole `statusSize`-bit entries in a bitstring (trailing bits that cannot hold a whole entry
 * are padding).
 * @param bits - The uncompressed bitstring.
 * @param statusSize - Bits per entry, 1..{@link MAX_STATUS_SIZE}.
 */
export function entryCount(bits: Uint8Array, statusSize: number): number {
  checkStatusSize(statusSize);
  return Math.floor((bits.length * 8) / statusSize);
}

/**
 * Reads the status of entry `index`: the `statusSize`-bit value starting at bit `index * statusSize`,
 * most significant bit first.
 * @param bits - The uncompressed bitstring.
 * @param index - Entry index (the credential's `statusListIndex`).
 * @param statusSize - Bits per entry, 1..{@link MAX_STATUS_SIZE}.
 * @returns The status value, 0 .. 2^statusSize - 1.
 * @throws ValidationError `RANGE_ERROR` when the entry does not lie wholly inside the bitstring.
 */
export function readStatus(bits: Uint8Array, index: number, statusSize: number): number {
  let position = entryPosition(bits, index, statusSize);
  if (statusSize === 1) return (bits[Math.floor(position / 8)]! >>> (7 - (position % 8))) & 1;
  let value = 0;
  for (let i = 0; i < statusSize; i++, position++) {
    value = (value << 1) | ((bits[Math.floor(position / 8)]! >>> (7 - (position % 8))) & 1);
  }
  return value;
}

/**
 * Writes the status of entry `index` in place (the layout of {@link readStatus}).
 * @param bits - The uncompressed bitstring, modified in place.
 * @param index - Entry index.
 * @param statusSize - Bits per entry, 1..{@link MAX_STATUS_SIZE}.
 * @param value - The status, an integer 0 .. 2^statusSize - 1.
 * @throws ValidationError `RANGE_ERROR` for an index outside the list or a value that does not fit.
 */
export function writeStatus(bits: Uint8Array, index: number, statusSize: number, value: number): void {
  const start = entryPosition(bits, index, statusSize);
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** statusSize) {
    // [REJECT] Bitstring Status List §3.2 step 10: a value fits in statusSize bits (RANGE_ERROR).
    throw reject(
      W3C_ERROR_CODES.RANGE_ERROR,
      'status',
      `status ${value} does not fit in ${statusSize} bit(s) (0..${2 ** statusSize - 1})`,
    );
  }
  // Last bit of the entry holds the value's least significant bit.
  for (let i = statusSize - 1, rest = value; i >= 0; i--, rest >>>= 1) {
    const position = start + i;
    const mask = 0x80 >>> (position % 8);
    const byte = Math.floor(position / 8);
    bits[byte] = rest & 1 ? bits[byte]! | mask : bits[byte]! & ~mask;
  }
}

/**
 * Creates an all-zero bitstring able to hold `entries` entries of `statusSize` bits, rounded up to
 * whole bytes. Follows the Bitstring Generation Algorithm (§3.3 step 1: "a list of bits with a minimum
 * size of 16KB, where each bit is initialized to 0") and the minimum of §3.2 step 9.
 * @param entries - Number of entries, at least `options.minEntries` (default 131,072).
 * @param options - `statusSize` (default 1), `minEntries` (an ecosystem's lower bound, §3.2 step 2),
 *   `maxEntries` (default {@link DEFAULT_INPUT_LIMITS}.maxStatusListEntries).
 * @throws ValidationError `STATUS_LIST_LENGTH_ERROR` below the minimum, `STATUS_LIST_TOO_LARGE` above the cap.
 */
export function createStatusList(
  entries: number,
  options: { statusSize?: number; minEntries?: number; maxEntries?: number } = {},
): Uint8Array {
  const statusSize = checkStatusSize(options.statusSize ?? 1);
  const minEntries = options.minEntries ?? MIN_STATUS_LIST_ENTRIES;
  const maxEntries = options.maxEntries ?? DEFAULT_INPUT_LIMITS.maxStatusListEntries;
  if (!Number.isSafeInteger(entries) || entries < minEntries) {
    // [REJECT] Bitstring Status List §3.2 step 9: at least minimumNumberOfEntries.
    throw reject(
      W3C_ERROR_CODES.STATUS_LIST_LENGTH_ERROR,
      undefined,
      `a status list needs at least ${minEntries} entries (Bitstring Status List §3.2), got ${entries}`,
    );
  }
  if (entries > maxEntries) {
    // [REJECT] DESIGN.md Network (hard limits): at most maxEntries.
    throw reject(BITSTRING_CODES.TOO_LARGE, undefined, `${entries} entries exceed the limit of ${maxEntries}`);
  }
  return new Uint8Array(Math.ceil((entries * statusSize) / 8));
}

/**
 * Finds the first bit that is 1 in `oldBits` and 0 in `newBits`: a cleared revocation bit, which
 * DESIGN.md (Principles §3) forbids. Bits past the end of a shorter `newBits` count as 0, so shrinking
 * a list over a revoked entry is reported too. Compares 32 bits at a time where the views allow it.
 * @param oldBits - The held version's bitstring.
 * @param newBits - The candidate version's bitstring.
 * @returns The bit index (divide by `statusSize` for the entry), or -1 when no bit was cleared.
 */
export function revocationBitsCleared(oldBits: Uint8Array, newBits: Uint8Array): number {
  const common = Math.min(oldBits.length, newBits.length);
  let start = 0;
  if (oldBits.byteOffset % 4 === 0 && newBits.byteOffset % 4 === 0) {
    const words = common >>> 2;
    const oldWords = new Uint32Array(oldBits.buffer, oldBits.byteOffset, words);
    const newWords = new Uint32Array(newBits.buffer, newBits.byteOffset, words);
    let w = 0;
    while (w < words && (oldWords[w]! & ~newWords[w]!) === 0) w++;
    // Either the first differing word (scanned bytewise below, so platform byte order does not matter)
    // or the tail that does not fill a word.
    start = w * 4;
  }
  for (let i = start; i < common; i++) {
    const cleared = oldBits[i]! & ~newBits[i]! & 0xff;
    if (cleared !== 0) return i * 8 + Math.clz32(cleared) - 24;
  }
  for (let i = common; i < oldBits.length; i++) {
    const cleared = oldBits[i]!;
    if (cleared !== 0) return i * 8 + Math.clz32(cleared) - 24;
  }
  return -1;
}

/** Bit position of entry `index`, after checking the entry lies wholly inside the bitstring. */
function entryPosition(bits: Uint8Array, index: number, statusSize: number): number {
  const count = entryCount(bits, statusSize);
  // [REJECT] Bitstring Status List §3.2 step 10 (RANGE_ERROR). Any index that is not a non-negative safe integer
  // (e.g. a statusListIndex too large for a JavaScript number) is necessarily outside every list this implementation
  // accepts.
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
    throw reject(
      W3C_ERROR_CODES.RANGE_ERROR,
      'statusListIndex',
      `entry ${index} (bit position ${index * statusSize}) is outside the status list of ${count} entries of ${statusSize} bit(s) (${bits.length * 8} bits)`,
    );
  }
  return index * statusSize;
}

/** Short description of an untrusted value for error messages (never serialises it). */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  return typeof value;
}
