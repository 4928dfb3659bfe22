/**
 * `encodedList` codec of the Bitstring Status List v1.0 Recommendation
 * (https://www.w3.org/TR/vc-bitstring-status-list/).
 *
 * §2.2 `credentialSubject.encodedList`: "a Multibase-encoded base64url (with no padding) [RFC4648]
 * representation of the GZIP-compressed [RFC1952] bitstring values". §3.3 (Bitstring Generation)
 * compresses with GZIP and multibase-encodes with base64url (prefix `u`); §3.4 (Bitstring Expansion)
 * reverses it.
 *
 * Decoding is admission control on untrusted input, so every limit is enforced before or while the
 * work is done: the string length is bounded before base64url decoding, and the GZIP output is capped
 * *during* inflation with zlib's `maxOutputLength`, so a decompression bomb never allocates more than
 * the cap (DESIGN.md, Network: "decoded list size (cap 2^26 entries — decompression bombs)").
 *
 * Error codes (all `reject`: an honest peer never forwards such a list), each naming the field
 * `credentialSubject.encodedList`:
 * - `MALFORMED_VALUE_ERROR` — not a string (§3: a value not complying with a MUST of §2).
 * - `STATUS_LIST_BAD_MULTIBASE` — no `u` (base64url) multibase prefix, padding, a character outside
 *   the base64url alphabet, or a non-canonical final character (§2.2, RFC 4648 §5).
 * - `STATUS_LIST_BAD_GZIP` — the bytes are not a complete, valid GZIP stream (§2.2, RFC 1952).
 * - `STATUS_LIST_TOO_LARGE` — the string or the inflated bitstring exceeds `maxEntries * statusSize`
 *   bits (our hard limit, not the Recommendation's).
 * - `STATUS_LIST_LENGTH_ERROR` — §3.2 step 9: fewer than `minimumNumberOfEntries` entries.
 *
 * Encoding is deterministic for a given zlib build but not byte-identical to every other encoder:
 * Digital Bazaar's reference (`@digitalbazaar/bitstring`, pako) and Node's zlib agree on the 10-byte
 * GZIP header and on all-zero lists, but choose different DEFLATE matches for lists with set bits.
 * Both decode each other's output to the same bits. Records are signed once by their issuer and
 * relayed as signed bytes, so nothing here ever needs to re-encode a list to compare it: compare bits.
 */
import { promisify } from 'node:util';
import { gunzip, gunzipSync, gzipSync } from 'node:zlib';
import { base64url } from 'multiformats/bases/base64';
import { reject } from '../errors.ts';
import { W3C_ERROR_CODES } from '../validation/codes.ts';
import { BITSTRING_CODES, checkStatusSize, MIN_STATUS_LIST_ENTRIES } from './bitstring.ts';

/**
 * Codes of the `encodedList` codec beside the Recommendation's ({@link W3C_ERROR_CODES}) and the
 * size cap ({@link BITSTRING_CODES}.TOO_LARGE). Both are `reject`.
 */
export const STATUS_LIST_CODEC_CODES = {
  /** `reject` — not multibase base64url without padding, or not its canonical form (§2.2, RFC 4648 §5). */
  BAD_MULTIBASE: 'STATUS_LIST_BAD_MULTIBASE',
  /** `reject` — the bytes are not a complete, valid GZIP stream (§2.2, RFC 1952). */
  BAD_GZIP: 'STATUS_LIST_BAD_GZIP',
} as const;

/** JSON path of the encoded list inside a BitstringStatusListCredential (§2.2). */
export const ENCODED_LIST_FIELD = 'credentialSubject.encodedList';

/** Options of {@link decodeStatusList}. */
export interface DecodeStatusListOptions {
  /** Most entries accepted (the decompression-bomb cap), e.g. `InputLimits.maxStatusListEntries`. */
  maxEntries: number;
  /** Bits per entry (§2.1 `statusSize`, default 1 there); 1..8 here. */
  statusSize: number;
  /**
   * The Recommendation's `minimumNumberOfEntries` (§3.2 step 2): 131,072 unless an ecosystem
   * specification establishes a different lower bound.
   */
  minEntries?: number;
}

const gunzipAsync = promisify(gunzip);

// Base64url alphabet of RFC 4648 §5; `=` padding is excluded on purpose (§2.2: "with no padding").
const BASE64URL = /^[A-Za-z0-9_-]*$/;

// Slack for a GZIP member's header and trailer (10 + 8 bytes, plus optional FEXTRA/FNAME/FCOMMENT
// fields an encoder may add) when bounding the compressed size of a cap-sized list.
const GZIP_OVERHEAD_BYTES = 1024;

/**
 * Encodes an uncompressed bitstring as an `encodedList`: GZIP (§3.3 step 3), then multibase base64url
 * without padding, i.e. `u` + RFC 4648 §5 base64url. Does not check the 16 KB minimum: create lists
 * with `createStatusList`, which does.
 * @param bits - The uncompressed bitstring, index 0 at the most significant bit of byte 0.
 * @returns The `encodedList` string, starting with `u`.
 */
export function encodeStatusList(bits: Uint8Array): string {
  return base64url.encode(gzipSync(bits));
}

/**
 * The inflated size of a list that passed {@link decodeStatusList} once (a stored, admitted list),
 * read from its GZIP trailer (RFC 1952 §2.3.1 ISIZE: the input size modulo 2^32, little-endian)
 * without inflating it.
 */
export function inflatedSizeOf(encodedList: string): number {
  const compressed = base64url.decode(encodedList);
  const at = compressed.byteLength - 4;
  if (at < 0) return 0;
  return new DataView(compressed.buffer, compressed.byteOffset + at, 4).getUint32(0, true);
}

/**
 * Largest `encodedList` string that a list of the given cap could produce with any sane GZIP encoder:
 * stored blocks cost 5 bytes per 64 KiB and fixed Huffman codes at most 9 bits per byte, so
 * `bytes * 9/8` plus header slack bounds both. Longer strings are refused before any decoding.
 * @param maxEntries - Most entries accepted.
 * @param statusSize - Bits per entry.
 */
export function maxEncodedListLength(maxEntries: number, statusSize: number): number {
  const capBytes = Math.ceil((maxEntries * statusSize) / 8);
  const gzipBytes = capBytes + Math.ceil(capBytes / 8) + GZIP_OVERHEAD_BYTES;
  return 1 + Math.ceil((gzipBytes * 4) / 3);
}

/**
 * Decodes an `encodedList` (the Bitstring Expansion Algorithm, §3.4) under hard limits, and checks the
 * minimum length of §3.2 step 9.
 * @param encodedList - The untrusted `credentialSubject.encodedList` value.
 * @param options - Cap, entry width and minimum; see {@link DecodeStatusListOptions}.
 * @returns The uncompressed bitstring, in a fresh buffer of exactly its length.
 * @throws ValidationError with one of the codes listed in this module's documentation.
 */
export function decodeStatusList(encodedList: unknown, options: DecodeStatusListOptions): Uint8Array {
  const compressed = checkEncodedList(encodedList, options);
  return checkInflated(inflate(compressed, options), options);
}

/**
 * {@link decodeStatusList} with the inflation off the event loop (zlib's thread pool), for lists
 * that arrive from the network: the checks before inflating are the same, synchronous and cheap.
 */
export async function decodeStatusListAsync(
  encodedList: unknown,
  options: DecodeStatusListOptions,
): Promise<Uint8Array> {
  const compressed = checkEncodedList(encodedList, options);
  const capBytes = capBytesOf(options);
  let inflated: Uint8Array;
  try {
    inflated = await gunzipAsync(compressed, { maxOutputLength: capBytes });
  } catch (cause) {
    throw inflateError(cause, capBytes, options);
  }
  return checkInflated(inflated, options);
}

/**
 * Every check of an `encodedList` that needs no inflation (type, multibase, length bound, base64url),
 * cheapest first; returns the compressed bytes. Run before anything costly is done with a list.
 * @throws ValidationError with one of the codes listed in this module's documentation.
 */
export function checkEncodedList(encodedList: unknown, options: DecodeStatusListOptions): Uint8Array {
  const statusSize = checkStatusSize(options.statusSize);
  const { maxEntries } = options;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    // A caller bug, not bad input: limits come from configuration.
    throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
  }

  if (typeof encodedList !== 'string') {
    // [REJECT] Bitstring Status List §2.2: encodedList is a string.
    throw reject(
      W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
      ENCODED_LIST_FIELD,
      `must be a string (Bitstring Status List §2.2), got ${encodedList === null ? 'null' : Array.isArray(encodedList) ? 'an array' : typeof encodedList}`,
    );
  }
  // [REJECT] Bitstring Status List §2.2: multibase, whose first character names the base; base64url
  // (no padding) is `u`.
  if (!encodedList.startsWith('u')) {
    const prefix = encodedList.length === 0 ? 'an empty string' : `prefix "${encodedList.slice(0, 1)}"`;
    throw reject(
      STATUS_LIST_CODEC_CODES.BAD_MULTIBASE,
      ENCODED_LIST_FIELD,
      `must be multibase base64url with the "u" prefix (Bitstring Status List §2.2), got ${prefix}`,
    );
  }
  const maxLength = maxEncodedListLength(maxEntries, statusSize);
  if (encodedList.length > maxLength) {
    // [REJECT] DESIGN.md Network (decoded size, checked before inflating): the string is bounded by the cap.
    throw reject(
      BITSTRING_CODES.TOO_LARGE,
      ENCODED_LIST_FIELD,
      `is ${encodedList.length} characters; a list of at most ${maxEntries} entries of ${statusSize} bit(s) encodes to at most ${maxLength}`,
    );
  }
  if (!BASE64URL.test(encodedList.slice(1))) {
    // [REJECT] Bitstring Status List §2.2 / RFC 4648 §5: base64url without padding.
    throw reject(
      STATUS_LIST_CODEC_CODES.BAD_MULTIBASE,
      ENCODED_LIST_FIELD,
      'must be base64url without padding (RFC 4648 §5; Bitstring Status List §2.2): found a character outside A-Z a-z 0-9 - _',
    );
  }
  let compressed: Uint8Array;
  try {
    // [REJECT] RFC 4648 §3.5 (canonical encoding): multiformats' decoder is strict about the final character: unused
    // low bits must be zero, and a length of 1 mod 4 is refused, so every byte string has exactly one accepted
    // encoding.
    compressed = base64url.decode(encodedList);
  } catch (cause) {
    throw reject(
      STATUS_LIST_CODEC_CODES.BAD_MULTIBASE,
      ENCODED_LIST_FIELD,
      `is not canonical base64url (${(cause as Error).message})`,
      cause,
    );
  }

  return compressed;
}

function capBytesOf(options: DecodeStatusListOptions): number {
  return Math.ceil((options.maxEntries * options.statusSize) / 8);
}

function inflate(compressed: Uint8Array, options: DecodeStatusListOptions): Uint8Array {
  const capBytes = capBytesOf(options);
  try {
    // maxOutputLength aborts inflation as soon as the output would pass the cap, so memory stays
    // bounded by the cap (plus one zlib chunk) whatever the compression ratio.
    return gunzipSync(compressed, { maxOutputLength: capBytes });
  } catch (cause) {
    throw inflateError(cause, capBytes, options);
  }
}

function inflateError(cause: unknown, capBytes: number, { maxEntries, statusSize }: DecodeStatusListOptions) {
  if ((cause as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
    // [REJECT] DESIGN.md Network (decoded size): inflation stops at the cap (decompression bomb).
    return reject(
      BITSTRING_CODES.TOO_LARGE,
      ENCODED_LIST_FIELD,
      `inflates to more than ${capBytes} bytes, the limit for ${maxEntries} entries of ${statusSize} bit(s)`,
      cause,
    );
  }
  // [REJECT] Bitstring Status List §2.2 / RFC 1952: a complete, valid GZIP stream.
  return reject(
    STATUS_LIST_CODEC_CODES.BAD_GZIP,
    ENCODED_LIST_FIELD,
    `is not a valid GZIP stream (RFC 1952; Bitstring Status List §2.2): ${(cause as Error).message}`,
    cause,
  );
}

function checkInflated(inflated: Uint8Array, options: DecodeStatusListOptions): Uint8Array {
  const statusSize = options.statusSize;
  const minEntries = options.minEntries ?? MIN_STATUS_LIST_ENTRIES;
  // [REJECT] Bitstring Status List §3.2 step 9: "If the length of the revocation bitstring divided by statusSize is
  // less than minimumNumberOfEntries, raise a STATUS_LIST_LENGTH_ERROR." The minimum therefore scales with the entry
  // width: 131,072 entries of 2 bits need 32 KB, not the 16 KB of §2.2 (which is the 1-bit case).
  const bitLength = inflated.length * 8;
  if (bitLength < minEntries * statusSize) {
    throw reject(
      W3C_ERROR_CODES.STATUS_LIST_LENGTH_ERROR,
      ENCODED_LIST_FIELD,
      `holds ${Math.floor(bitLength / statusSize)} entries of ${statusSize} bit(s) (${bitLength} bits); the minimum is ${minEntries} entries (Bitstring Status List §3.2)`,
    );
  }
  // zlib may hand back a view into a larger pooled buffer; keep exactly the list, in a plain Uint8Array.
  return new Uint8Array(inflated);
}
