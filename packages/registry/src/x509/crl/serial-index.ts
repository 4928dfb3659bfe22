/**
 * CompactSerialIndex: the revoked serials of one CRL, sorted, in ONE buffer — what the store keeps and
 * what lookups read, instead of one JS object per entry (issue 14: "a compact sorted serial index").
 *
 * Canonical serial: the content octets of the DER INTEGER (RFC 5280 §4.1.2.2, §5.1.2.6) with leading
 * 0x00 octets stripped (one 0x00 stays for the serial zero). Conforming serials are positive, so this
 * is their unsigned big-endian magnitude; a non-conforming negative serial keeps its two's-complement
 * octets and shares its key with the positive number of the same octets — only the same CA can
 * cause that, and it fails closed (a serial reads as revoked). Order: by length, then bytewise, i.e.
 * the numeric order of the magnitudes.
 *
 * Layout (little-endian; `toBytes()` returns the buffer itself, `fromBytes` validates and views it):
 *
 *     0   magic "TMCRLIX" + format version 1          8 octets
 *     8   count n                                      u32
 *     12  bucket count b                               u32
 *     16  b × { width u32, first entry u32, key offset u32 }   one bucket per serial length
 *     ..  revocation dates, seconds since the epoch    n × u32
 *     ..  reasons (RFC 5280 §5.3.1 code, 0xff = none)  n × u8
 *     ..  keys, fixed width within a bucket            Σ widths
 *
 * So a 16-octet serial costs 16 + 4 + 1 = 21 octets, plus 12 octets per distinct length.
 */
import { CRL_CODES, crlReject } from './codes.ts';

/** RFC 5280 §5.3.1 CRLReason values. */
export const CRL_REASON = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const;

/** The reason octet of an entry without a reasonCode extension. */
export const REASON_NONE = 0xff;

export const MAGIC = [0x54, 0x4d, 0x43, 0x52, 0x4c, 0x49, 0x58, 0x01]; // "TMCRLIX" 1
export const HEADER = 16;
export const BUCKET = 12;
// Serial widths are stored in a u8 bucket map; RFC 5280 §4.1.2.2 caps conforming serials at 20.
export const MAX_WIDTH = 255;
// Typed-array views read the layout in host order; every Node target is little-endian.
// Buckets from this size get a prefix directory (below it, the whole bucket fits in cache).
const DIRECTORY_MIN = 4096;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Whether `r` is a reason octet an index may hold. */
export function isReasonOctet(r: number): boolean {
  return (r >= 0 && r <= 10 && r !== 7) || r === REASON_NONE;
}

/** The canonical form of a serial (a view of `serial`): leading 0x00 octets stripped, one kept for zero. */
export function canonicalSerial(serial: Uint8Array): Uint8Array {
  let s = 0;
  while (s < serial.length - 1 && serial[s] === 0) s++;
  return serial.subarray(s);
}

/** Bytewise order of two keys of one width (low level). */
export function compareRaw(a: Uint8Array, ao: number, b: Uint8Array, bo: number, width: number): number {
  for (let k = 0; k < width; k++) {
    const d = a[ao + k]! - b[bo + k]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** The sorted revoked serials of one CRL, with their reasons and revocation dates. */
export class CompactSerialIndex {
  /** Number of entries. */
  readonly count: number;
  /** The serialized index (what {@link toBytes} returns). */
  private readonly buffer: Uint8Array;
  /** Per bucket: key width, first entry, key offset (relative to `keys`). */
  private readonly widths: Uint32Array;
  private readonly firsts: Uint32Array;
  private readonly keyOffsets: Uint32Array;
  /** Serial width → bucket, -1 when no serial has that width. */
  private readonly bucketOfWidth: Int16Array;
  private readonly dates: Uint32Array;
  private readonly reasons: Uint8Array;
  /**
   * Per large bucket, where each 16-bit key prefix starts (65,537 entries, 256 KiB, derived at load,
   * not stored): a lookup then searches ~n/65536 keys in a few cache lines instead of missing the
   * cache at every level of a binary search over megabytes.
   */
  private readonly directories: (Uint32Array | null)[];
  /** The packed keys (low level: see {@link keyOffsetAt}). */
  readonly keys: Uint8Array;

  private constructor(buffer: Uint8Array) {
    if (!LITTLE_ENDIAN)
      throw crlReject(CRL_CODES.INDEX_INVALID, undefined, 'the index layout needs a little-endian host');
    const head = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    this.buffer = buffer;
    this.count = head.getUint32(8, true);
    const b = head.getUint32(12, true);
    const table = new Uint32Array(buffer.buffer, buffer.byteOffset + HEADER, b * 3);
    this.widths = new Uint32Array(b);
    this.firsts = new Uint32Array(b + 1);
    this.keyOffsets = new Uint32Array(b);
    this.bucketOfWidth = new Int16Array(MAX_WIDTH + 1).fill(-1);
    for (let i = 0; i < b; i++) {
      this.widths[i] = table[i * 3]!;
      this.firsts[i] = table[i * 3 + 1]!;
      this.keyOffsets[i] = table[i * 3 + 2]!;
      this.bucketOfWidth[table[i * 3]!] = i;
    }
    this.firsts[b] = this.count;
    const datesAt = HEADER + BUCKET * b;
    this.dates = new Uint32Array(buffer.buffer, buffer.byteOffset + datesAt, this.count);
    this.reasons = buffer.subarray(datesAt + 4 * this.count, datesAt + 5 * this.count);
    this.keys = buffer.subarray(datesAt + 5 * this.count);
    this.directories = [];
    for (let k = 0; k < b; k++) {
      const w = this.widths[k]!;
      const n = this.firsts[k + 1]! - this.firsts[k]!;
      if (w < 2 || n < DIRECTORY_MIN) {
        this.directories.push(null);
        continue;
      }
      const dir = new Uint32Array(65537);
      const base = this.keyOffsets[k]!;
      let e = 0;
      for (let prefix = 0; prefix < 65536; prefix++) {
        while (e < n && ((this.keys[base + e * w]! << 8) | this.keys[base + e * w + 1]!) < prefix) e++;
        dir[prefix] = e;
      }
      dir[65536] = n;
      this.directories.push(dir);
    }
  }

  /** The index of no serial. */
  static empty(): CompactSerialIndex {
    const header = new Uint8Array(HEADER);
    header.set(MAGIC, 0);
    return CompactSerialIndex.fromBytes(header);
  }

  /**
   * Reads a serialized index, checking every invariant (a store may be corrupt): layout, canonical and
   * strictly increasing keys, reason octets. Views `bytes` when it is 4-aligned, else copies it.
   * Throws `CRL_INDEX_INVALID`.
   */
  static fromBytes(bytes: Uint8Array): CompactSerialIndex {
    const bad = (why: string) => crlReject(CRL_CODES.INDEX_INVALID, undefined, why);
    if (bytes.length < HEADER) throw bad('shorter than the header');
    for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) throw bad('not a CompactSerialIndex v1');
    const buf = bytes.byteOffset % 4 === 0 ? bytes : new Uint8Array(bytes);
    const head = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const n = head.getUint32(8, true);
    const b = head.getUint32(12, true);
    if (b > MAX_WIDTH || HEADER + BUCKET * b > buf.length) throw bad('bucket table beyond the buffer');
    let expectFirst = 0;
    let expectKeys = 0;
    let lastWidth = 0;
    for (let i = 0; i < b; i++) {
      const w = head.getUint32(HEADER + BUCKET * i, true);
      const first = head.getUint32(HEADER + BUCKET * i + 4, true);
      const off = head.getUint32(HEADER + BUCKET * i + 8, true);
      if (w <= lastWidth || w > MAX_WIDTH || first !== expectFirst || off !== expectKeys) throw bad('bucket table');
      const next = i + 1 < b ? head.getUint32(HEADER + BUCKET * (i + 1) + 4, true) : n;
      if (next <= first || next > n) throw bad('bucket table');
      expectKeys += (next - first) * w;
      expectFirst = next;
      lastWidth = w;
    }
    if (expectFirst !== n) throw bad('bucket table does not cover the entries');
    if (buf.length !== HEADER + BUCKET * b + 5 * n + expectKeys) throw bad('length does not match the layout');
    const index = new CompactSerialIndex(buf);
    for (let i = 0; i < n; i++) if (!isReasonOctet(index.reasons[i]!)) throw bad(`reason of entry ${i}`);
    for (let k = 0; k < b; k++) {
      const w = index.widths[k]!;
      const end = index.firsts[k + 1]!;
      for (let i = index.firsts[k]!; i < end; i++) {
        const o = index.keyOffsetAt(i);
        if (w > 1 && index.keys[o] === 0) throw bad(`entry ${i} is not canonical`);
        if (i > index.firsts[k]! && compareRaw(index.keys, o - w, index.keys, o, w) >= 0) {
          throw bad(`entry ${i} is out of order`);
        }
      }
    }
    return index;
  }

  /** The serialized index: the backing buffer itself, not a copy. */
  toBytes(): Uint8Array {
    return this.buffer;
  }

  /** Bytes the index occupies. */
  get byteLength(): number {
    return this.buffer.byteLength;
  }

  /** The entry of `serial` (DER INTEGER contents, any leading zeros), or -1. */
  find(serial: Uint8Array): number {
    let s = 0;
    while (s < serial.length - 1 && serial[s] === 0) s++;
    return this.findRaw(serial, s, serial.length - s);
  }

  /** The entry of the canonical serial `src[off..off+len)`, or -1 (low level, no view). */
  findRaw(src: Uint8Array, off: number, len: number): number {
    if (len <= 0 || len > MAX_WIDTH) return -1;
    const k = this.bucketOfWidth[len]!;
    if (k < 0) return -1;
    const keys = this.keys;
    const base = this.keyOffsets[k]!;
    const first = this.firsts[k]!;
    let lo = 0;
    let hi = this.firsts[k + 1]! - first - 1;
    const dir = this.directories[k];
    if (dir) {
      const prefix = (src[off]! << 8) | src[off + 1]!;
      lo = dir[prefix]!;
      hi = dir[prefix + 1]! - 1;
    }
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const o = base + mid * len;
      let d = 0;
      for (let j = 0; j < len; j++) {
        d = keys[o + j]! - src[off + j]!;
        if (d !== 0) break;
      }
      if (d === 0) return first + mid;
      if (d < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The entry in this index of entry `j` of `other`, or -1. */
  findEntryOf(other: CompactSerialIndex, j: number): number {
    return this.findRaw(other.keys, other.keyOffsetAt(j), other.widthAt(j));
  }

  /** RFC 5280 §5.3.1 reason of entry `i`, {@link REASON_NONE} when it has none. */
  reasonAt(i: number): number {
    return this.reasons[i]!;
  }

  /** revocationDate of entry `i`, ms since the epoch. */
  revokedAtMs(i: number): number {
    return this.dates[i]! * 1000;
  }

  /** The canonical serial of entry `i` (a view). */
  serialAt(i: number): Uint8Array {
    const o = this.keyOffsetAt(i);
    return this.keys.subarray(o, o + this.widthAt(i));
  }

  /** The bucket of entry `i`. */
  private bucketOf(i: number): number {
    // Few buckets (one per serial length): a linear scan beats a search.
    let k = 0;
    while (i >= this.firsts[k + 1]!) k++;
    return k;
  }

  /** Key width of entry `i` (low level). */
  widthAt(i: number): number {
    return this.widths[this.bucketOf(i)]!;
  }

  /** Offset of entry `i`'s key in {@link keys} (low level). */
  keyOffsetAt(i: number): number {
    const k = this.bucketOf(i);
    return this.keyOffsets[k]! + (i - this.firsts[k]!) * this.widths[k]!;
  }

  /** Order of entry `i` of this index against entry `j` of `other` (negative, 0, positive). */
  compareEntries(i: number, other: CompactSerialIndex, j: number): number {
    const w = this.widthAt(i);
    const ow = other.widthAt(j);
    if (w !== ow) return w - ow;
    return compareRaw(this.keys, this.keyOffsetAt(i), other.keys, other.keyOffsetAt(j), w);
  }
}

/**
 * Walks the union of several indexes in key order (a linear k-way merge: no Set, no copy). For each
 * distinct serial, `at[k]` is its entry in `indexes[k]` or -1 (and -1 for a null index); `at` is reused
 * between calls. Stops early when `visit` returns false.
 */
export function walkUnion(
  indexes: readonly (CompactSerialIndex | null)[],
  visit: (at: Int32Array) => boolean | undefined,
): void {
  const k = indexes.length;
  const pos = new Uint32Array(k);
  const at = new Int32Array(k);
  for (;;) {
    let min = -1;
    for (let q = 0; q < k; q++) {
      const ix = indexes[q];
      if (!ix || pos[q]! >= ix.count) continue;
      if (min < 0 || ix.compareEntries(pos[q]!, indexes[min]!, pos[min]!) < 0) min = q;
    }
    if (min < 0) return;
    const lead = indexes[min]!;
    for (let q = 0; q < k; q++) {
      const ix = indexes[q];
      at[q] = -1;
      if (!ix || pos[q]! >= ix.count) continue;
      if (q === min || ix.compareEntries(pos[q]!, lead, pos[min]!) === 0) at[q] = pos[q]!;
    }
    for (let q = 0; q < k; q++) if (at[q]! >= 0) pos[q]!++;
    if (visit(at) === false) return;
  }
}
