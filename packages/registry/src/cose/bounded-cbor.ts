/**
 * Bounded decoding of untrusted CBOR (RFC 8949) for COSE, mdoc and CWT status lists (issue 14).
 *
 * A well-formedness pre-scan (RFC 8949 §3, §5.3, Appendix C) walks the bytes before any value is
 * built: the input size, the nesting depth and the number of data items are bounded, and every
 * declared length or element count is compared with the bytes that remain, so a 10-byte input that
 * claims a 2^32-element array or a 4 GB byte string fails at once (the CBOR bomb) instead of making
 * a decoder allocate. Only the tags this project reads are admitted. Then cbor-x builds the values,
 * and every tag 24 (encoded CBOR data item, RFC 8949 §3.4.5.1) comes back as {@link EncodedCbor}
 * holding its exact input bytes: ISO 18013-5 digests and signatures are over those bytes, never over
 * a re-encoding.
 */
import { Decoder, Tag } from 'cbor-x';
import { reject } from '../errors.ts';

/** Codes of bounded CBOR decoding. All are `reject`: the bytes themselves are at fault. */
export const CBOR_CODES = {
  /** `reject` — not well-formed CBOR (RFC 8949 §3: reserved additional info, truncated item, stray break, trailing bytes, invalid UTF-8). */
  INVALID: 'CBOR_INVALID',
  /** `reject` — the input exceeds `maxBytes`, or an item declares more bytes or elements than remain (CBOR bomb). */
  TOO_LARGE: 'CBOR_TOO_LARGE',
  /** `reject` — nesting deeper than `maxDepth`. */
  TOO_DEEP: 'CBOR_TOO_DEEP',
  /** `reject` — more data items than `maxItems`. */
  TOO_MANY_ITEMS: 'CBOR_TOO_MANY_ITEMS',
  /** `reject` — a tag outside `allowedTags`, or a tag whose content has the wrong type (RFC 8949 §3.4). */
  TAG_NOT_ALLOWED: 'CBOR_TAG_NOT_ALLOWED',
  /** `reject` — a map with two equal keys (RFC 8949 §5.6; RFC 9052 §3 forbids them in COSE headers). */
  DUPLICATE_KEY: 'CBOR_DUPLICATE_KEY',
  /** `reject` — well-formed but not accepted here: an unassigned simple value, an indefinite-length string, or indefinite length when disallowed. */
  UNSUPPORTED: 'CBOR_UNSUPPORTED',
} as const;

/** Bounds on one decoding. None can be switched off. */
export interface CborLimits {
  /** Largest input, in bytes. */
  maxBytes: number;
  /** Deepest nesting of arrays, maps and tags. */
  maxDepth: number;
  /** Most data items (every element, key, value, chunk and tag counts one). */
  maxItems: number;
  /** Whether indefinite-length arrays and maps (RFC 8949 §3.2) are accepted; they still count against every bound. Indefinite-length strings never are. */
  allowIndefiniteLength: boolean;
  /** Tags accepted (RFC 8949 §3.4; IANA CBOR tags). Any other tag is rejected. */
  allowedTags: readonly number[];
}

/**
 * Tags of COSE, CWT and ISO 18013-5: 0 (tdate), 17 (COSE_Mac0), 18 (COSE_Sign1), 24 (encoded CBOR
 * data item), 1004 (full-date, RFC 8943). Bignums, CWT's tag 61 and cbor-x's private tags are out.
 */
export const DEFAULT_ALLOWED_TAGS: readonly number[] = Object.freeze([0, 17, 18, 24, 1004]);

/** Defaults sized for an mdoc or a status-list CWT: 256 KiB, depth 24, 20,000 items. */
export const DEFAULT_CBOR_LIMITS: CborLimits = Object.freeze({
  maxBytes: 256 * 1024,
  maxDepth: 24,
  maxItems: 20_000,
  allowIndefiniteLength: true,
  allowedTags: DEFAULT_ALLOWED_TAGS,
});

/** A tag 24 item (`#6.24(bstr .cbor T)`): its exact encoded bytes and the embedded CBOR. */
export class EncodedCbor {
  /** The whole tag 24 item as it appeared in the input (tag head, bstr head, content). */
  readonly bytes: Uint8Array;
  /** The byte string content: the embedded CBOR data item, still encoded. */
  readonly content: Uint8Array;
  constructor(bytes: Uint8Array, content: Uint8Array) {
    this.bytes = bytes;
    this.content = content;
  }
}

/** Any other admitted tag, with its decoded content. */
export interface CborTag {
  tag: number;
  value: unknown;
}

/** True when `value` is a decoded tag `tag` (other than 24, which decodes to {@link EncodedCbor}). */
export function isCborTag(value: unknown, tag: number): value is CborTag {
  return value instanceof Tag && value.tag === tag;
}

/** What the pre-scan found: item count, the depth reached, and the tag 24 items in document order. */
export interface CborScan {
  items: number;
  depth: number;
  /** Map entries declared (outside tag 24 contents), to catch keys that decode equal. */
  mapEntries: number;
  encoded: { start: number; end: number; contentStart: number }[];
}

/** Thrown by the scan; turned into a ValidationError once, at the boundary. */
class ScanFault {
  constructor(
    readonly code: string,
    readonly message: string,
  ) {}
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const BREAK = -1;

/**
 * The well-formedness pre-scan (RFC 8949 Appendix C, with the bounds above). Throws a `reject`
 * ValidationError with a {@link CBOR_CODES} code; never anything else, never allocates by a declared size.
 */
export function scanCbor(bytes: Uint8Array, limits: CborLimits = DEFAULT_CBOR_LIMITS): CborScan {
  try {
    return scan(bytes, limits);
  } catch (fault) {
    if (fault instanceof ScanFault) throw reject(fault.code, undefined, fault.message);
    throw fault;
  }
}

function scan(bytes: Uint8Array, limits: CborLimits): CborScan {
  const end = bytes.byteLength;
  // [REJECT] issue 14 (bounded work): the input size first.
  if (end > limits.maxBytes)
    throw new ScanFault(CBOR_CODES.TOO_LARGE, `input is ${end} bytes; limit ${limits.maxBytes}`);
  if (end === 0) throw new ScanFault(CBOR_CODES.INVALID, 'empty input');
  const allowed = new Set(limits.allowedTags);
  const out: CborScan = { items: 0, depth: 0, mapEntries: 0, encoded: [] };
  let pos = 0;

  const need = (n: number, what: string) => {
    // [REJECT] RFC 8949 §3: a declared length beyond the input is the CBOR bomb — refuse before reading.
    if (n > end - pos) throw new ScanFault(CBOR_CODES.TOO_LARGE, `${what} declares ${n} bytes; ${end - pos} remain`);
  };
  const count = (n: number) => {
    out.items += n;
    // [REJECT] issue 14: at most maxItems data items in all.
    if (out.items > limits.maxItems)
      throw new ScanFault(CBOR_CODES.TOO_MANY_ITEMS, `more than ${limits.maxItems} items`);
  };
  /** Reads the argument of a head (RFC 8949 §3.1); -1 for indefinite length. */
  const argument = (ai: number): number => {
    if (ai < 24) return ai;
    const size = ai === 24 ? 1 : ai === 25 ? 2 : ai === 26 ? 4 : ai === 27 ? 8 : 0;
    // [REJECT] RFC 8949 §3.1: additional information 28–30 is reserved.
    if (size === 0) {
      if (ai === 31) return -1;
      throw new ScanFault(CBOR_CODES.INVALID, `reserved additional information ${ai} at ${pos - 1}`);
    }
    if (end - pos < size) throw new ScanFault(CBOR_CODES.INVALID, `truncated head at ${pos - 1}`);
    let v = 0;
    // Values above 2^53 lose precision, which is harmless: every use compares them with a byte count.
    for (let i = 0; i < size; i++) v = v * 256 + (bytes[pos + i] as number);
    pos += size;
    return v;
  };

  /** Scans one item; returns its major type, or BREAK for a break code where `inIndefinite`. */
  const item = (depth: number, inIndefinite: boolean): number => {
    if (pos >= end) throw new ScanFault(CBOR_CODES.INVALID, 'truncated input');
    const start = pos;
    const ib = bytes[pos++] as number;
    const major = ib >> 5;
    const ai = ib & 0x1f;
    if (ib === 0xff) {
      // [REJECT] RFC 8949 §3.2.1: a break code outside an indefinite-length item.
      if (!inIndefinite) throw new ScanFault(CBOR_CODES.INVALID, `stray break at ${start}`);
      return BREAK;
    }
    count(1);
    const arg = argument(ai);
    if (arg === -1) {
      // [REJECT] RFC 8949 §3.2: only strings, arrays and maps may have indefinite length.
      if (major < 2 || major > 5) throw new ScanFault(CBOR_CODES.INVALID, `indefinite length on major type ${major}`);
      if (!limits.allowIndefiniteLength)
        throw new ScanFault(CBOR_CODES.UNSUPPORTED, `indefinite-length item at ${start}`);
    }
    switch (major) {
      case 0:
      case 1:
        return major;
      case 2:
      case 3: {
        // cbor-x cannot decode indefinite-length strings (RFC 8949 §3.2.3), and no COSE or mdoc
        // structure needs them: refused rather than half-supported.
        if (arg === -1) throw new ScanFault(CBOR_CODES.UNSUPPORTED, `indefinite-length string at ${start}`);
        need(arg, major === 2 ? 'byte string' : 'text string');
        if (major === 3) {
          try {
            UTF8.decode(bytes.subarray(pos, pos + arg));
          } catch {
            // [REJECT] RFC 8949 §5.3.1: a text string must be valid UTF-8.
            throw new ScanFault(CBOR_CODES.INVALID, `invalid UTF-8 in text string at ${start}`);
          }
        }
        pos += arg;
        return major;
      }
      case 4:
      case 5: {
        if (depth + 1 > limits.maxDepth)
          throw new ScanFault(CBOR_CODES.TOO_DEEP, `nesting deeper than ${limits.maxDepth}`);
        out.depth = Math.max(out.depth, depth + 1);
        const perEntry = major === 4 ? 1 : 2;
        if (arg !== -1) {
          // [REJECT] each element takes at least one byte: a count beyond the input is a bomb.
          need(arg * perEntry, major === 4 ? 'array' : 'map');
          if (out.items + arg * perEntry > limits.maxItems)
            throw new ScanFault(CBOR_CODES.TOO_MANY_ITEMS, `more than ${limits.maxItems} items`);
        }
        const keys = major === 5 ? new Set<string>() : null;
        for (let i = 0; arg === -1 || i < arg; i++) {
          const keyStart = pos;
          if (item(depth + 1, arg === -1) === BREAK) return major;
          if (keys) {
            const key = Buffer.from(bytes.buffer, bytes.byteOffset + keyStart, pos - keyStart).toString('latin1');
            // [REJECT] RFC 8949 §5.6 / RFC 9052 §3: no duplicate keys.
            if (keys.has(key)) throw new ScanFault(CBOR_CODES.DUPLICATE_KEY, `duplicate map key at ${keyStart}`);
            keys.add(key);
            out.mapEntries++;
            // RFC 8949 §3.2.2: a break between a key and its value is a stray break here.
            item(depth + 1, false);
          }
        }
        return major;
      }
      case 6: {
        // [REJECT] issue 14: only the tags COSE, CWT and ISO 18013-5 use.
        if (!allowed.has(arg))
          throw new ScanFault(CBOR_CODES.TAG_NOT_ALLOWED, `tag ${arg} at ${start} is not accepted`);
        if (depth + 1 > limits.maxDepth)
          throw new ScanFault(CBOR_CODES.TOO_DEEP, `nesting deeper than ${limits.maxDepth}`);
        out.depth = Math.max(out.depth, depth + 1);
        const contentStart = pos;
        const head = pos < end ? (bytes[pos] as number) : -1;
        const content = item(depth + 1, false);
        checkTagContent(arg, content, head, start);
        if (arg === 24) out.encoded.push({ start, end: pos, contentStart });
        return major;
      }
      default: {
        // Major type 7 (RFC 8949 §3.3): false, true, null, undefined and floats only.
        if (ai >= 20 && ai <= 23) return major;
        if (ai >= 25 && ai <= 27) return major;
        if (ai === 24 && arg < 32) throw new ScanFault(CBOR_CODES.INVALID, `two-byte simple value ${arg} below 32`);
        throw new ScanFault(CBOR_CODES.UNSUPPORTED, `simple value at ${start} is not accepted`);
      }
    }
  };

  item(0, false);
  // [REJECT] RFC 8949 §5.3: exactly one data item, no trailing bytes.
  if (pos !== end) throw new ScanFault(CBOR_CODES.INVALID, `${end - pos} trailing bytes after the data item`);
  return out;
}

/** RFC 8949 §3.4 / RFC 8943 / RFC 9052 §2: the content type each admitted tag requires. */
function checkTagContent(tag: number, major: number, head: number, at: number): void {
  const want: Record<number, number> = { 0: 3, 1004: 3, 17: 4, 18: 4, 24: 2 };
  const expected = want[tag];
  if (expected !== undefined && major !== expected)
    throw new ScanFault(CBOR_CODES.TAG_NOT_ALLOWED, `tag ${tag} at ${at} wraps major type ${major}`);
  // Tag 24's bytes are hashed as they are: its content must be one definite-length byte string.
  if (tag === 24 && (head & 0x1f) === 31)
    throw new ScanFault(CBOR_CODES.TAG_NOT_ALLOWED, `tag 24 at ${at} wraps an indefinite-length byte string`);
}

// One decoder, no module-level mutation: maps stay Maps (COSE labels are integers), no records,
// no shared structures. cbor-x's global tag table is never touched.
const DECODER = new Decoder({ mapsAsObjects: false, useRecords: false, useTag259ForMaps: false } as never);

/**
 * Decodes untrusted CBOR under `limits`: the pre-scan, then cbor-x. Maps decode to `Map`, byte
 * strings to `Uint8Array`, tag 24 to {@link EncodedCbor} (exact bytes), tag 0 to `Date`, other
 * admitted tags to {@link CborTag}. Throws only a `reject` ValidationError with a {@link CBOR_CODES} code.
 */
export function decodeCbor(bytes: Uint8Array, limits: CborLimits = DEFAULT_CBOR_LIMITS): unknown {
  const found = scanCbor(bytes, limits);
  let value: unknown;
  try {
    value = DECODER.decode(bytes);
  } catch (cause) {
    // The scan accepted it, so this is cbor-x refusing something well-formed: still the input's fault.
    throw reject(CBOR_CODES.INVALID, undefined, `undecodable: ${(cause as Error).message}`, cause);
  }
  const queue = found.encoded;
  let next = 0;
  // Walks the values in document order (the order cbor-x built them), swapping each tag 24 for its
  // exact bytes and checking that no map lost an entry to keys equal after decoding (e.g. 1 and 0x1801).
  const walk = (v: unknown): unknown => {
    if (v instanceof Tag) {
      if (v.tag === 24) {
        const at = queue[next++];
        if (!at) throw reject(CBOR_CODES.INVALID, undefined, 'tag 24 items out of step with the scan');
        return new EncodedCbor(
          bytes.subarray(at.start, at.end),
          bytes.subarray(contentOf(bytes, at.contentStart), at.end),
        );
      }
      v.value = walk(v.value);
      return v;
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = walk(v[i]);
      return v;
    }
    if (v instanceof Map) {
      const entries = [...v.entries()];
      v.clear();
      for (const [k, val] of entries) v.set(walk(k), walk(val));
      return v;
    }
    return v;
  };
  const out = walk(value);
  // Fails closed if anything in this process registered a cbor-x extension for tag 24.
  if (next !== queue.length) throw reject(CBOR_CODES.INVALID, undefined, 'tag 24 items out of step with the scan');
  // [REJECT] RFC 8949 §5.6: keys that decode to the same value (e.g. 1 and 0x1801) are duplicates too.
  if (mapEntries(out) !== found.mapEntries)
    throw reject(CBOR_CODES.DUPLICATE_KEY, undefined, 'map keys equal after decoding');
  return out;
}

/** Offset of a definite byte string's content, given the offset of its head. */
function contentOf(bytes: Uint8Array, head: number): number {
  const ai = (bytes[head] as number) & 0x1f;
  return head + 1 + (ai < 24 ? 0 : ai === 24 ? 1 : ai === 25 ? 2 : ai === 26 ? 4 : 8);
}

/** Entries of every decoded Map (tag 24 contents excluded: they are still bytes). */
function mapEntries(v: unknown): number {
  if (v instanceof Map) {
    let n = v.size;
    for (const [k, val] of v) n += mapEntries(k) + mapEntries(val);
    return n;
  }
  if (Array.isArray(v)) {
    let n = 0;
    for (const e of v) n += mapEntries(e);
    return n;
  }
  if (v instanceof Tag) return mapEntries(v.value);
  return 0;
}
