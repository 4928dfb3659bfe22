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
import { Buffer } from 'node:buffer';
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

const MAGIC = [0x54, 0x4d, 0x43, 0x52, 0x4c, 0x49, 0x58, 0x01]; // "TMCRLIX" 1
const HEADER = 16;
const BUCKET = 12;
// Serial widths are stored in a u8 bucket map; RFC 5280 §4.1.2.2 caps conforming serials at 20.
const MAX_WIDTH = 255;
// Typed-array views read the layout in host order; every Node target is little-endian.
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

function compareRaw(a: Uint8Array, ao: number, b: Uint8Array, bo: number, width: number): number {
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
  /** The packed keys (low level: see {@link keyOffsetAt}). */
  readonly keys: Uint8Array;

  private constructor(buffer: Uint8Array) {
    if (!LITTLE_ENDIAN) throw crlReject(CRL_CODES.INDEX_INVALID, undefined, 'the index layout needs a little-endian host');
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
  }

  /** The index of no serial. */
  static empty(): CompactSerialIndex {
    return new SerialIndexBuilder(0).build();
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
    const buf = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
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
 * Collects entries that reference a source buffer (the CRL's DER, which must stay unchanged until
 * {@link build}), then sorts them into a {@link CompactSerialIndex}. Memory: 14 octets per entry while
 * building, then the index.
 */
export class SerialIndexBuilder {
  private readonly offs: Uint32Array;
  private readonly lens: Uint8Array;
  private readonly reasons: Uint8Array;
  private readonly dates: Uint32Array;
  private src: Uint8Array | null = null;
  private n = 0;

  /** `capacity`: the exact number of entries that will be added (a first pass counts them). */
  constructor(readonly capacity: number) {
    this.offs = new Uint32Array(capacity);
    this.lens = new Uint8Array(capacity);
    this.reasons = new Uint8Array(capacity);
    this.dates = new Uint32Array(capacity);
  }

  /**
   * Adds the serial `src[start..end)` (DER INTEGER contents; all entries from one `src`) with its reason
   * octet and revocation date in seconds (0 ≤ s < 2^32). The caller bounds the length and checks reasons.
   */
  add(src: Uint8Array, start: number, end: number, reason: number, revokedAtSec: number): void {
    if (this.src === null) this.src = src;
    else if (this.src !== src) throw new RangeError('SerialIndexBuilder: entries from two buffers');
    if (this.n >= this.capacity) throw new RangeError('SerialIndexBuilder: more entries than its capacity');
    let s = start;
    while (s < end - 1 && src[s] === 0) s++;
    const len = end - s;
    if (len < 1 || len > MAX_WIDTH) throw new RangeError('SerialIndexBuilder: serial length out of range');
    const i = this.n++;
    this.offs[i] = s;
    this.lens[i] = len;
    this.reasons[i] = reason;
    this.dates[i] = revokedAtSec;
  }

  /** Sorts and packs the entries. A serial added twice is `CRL_DUPLICATE_SERIAL`. */
  build(): CompactSerialIndex {
    const n = this.n;
    const src = this.src ?? new Uint8Array(0);
    const perm = sortedOrder(src, this.offs, this.lens, n);
    // Bucket table: one bucket per distinct length, in increasing order (perm is sorted by length).
    const widths: number[] = [];
    const firsts: number[] = [];
    let keyBytes = 0;
    for (let r = 0; r < n; r++) {
      const i = perm ? perm[r]! : r;
      const len = this.lens[i]!;
      if (widths.length === 0 || widths[widths.length - 1] !== len) {
        widths.push(len);
        firsts.push(r);
      }
      keyBytes += len;
    }
    const b = widths.length;
    const datesAt = HEADER + BUCKET * b;
    const buffer = new Uint8Array(datesAt + 5 * n + keyBytes);
    buffer.set(MAGIC, 0);
    const head = new DataView(buffer.buffer);
    head.setUint32(8, n, true);
    head.setUint32(12, b, true);
    let off = 0;
    for (let k = 0; k < b; k++) {
      head.setUint32(HEADER + BUCKET * k, widths[k]!, true);
      head.setUint32(HEADER + BUCKET * k + 4, firsts[k]!, true);
      head.setUint32(HEADER + BUCKET * k + 8, off, true);
      off += ((k + 1 < b ? firsts[k + 1]! : n) - firsts[k]!) * widths[k]!;
    }
    const dates = new Uint32Array(buffer.buffer, datesAt, n);
    const reasons = buffer.subarray(datesAt + 4 * n, datesAt + 5 * n);
    const keysAt = datesAt + 5 * n;
    let w = keysAt;
    let prevOff = -1;
    let prevLen = 0;
    for (let r = 0; r < n; r++) {
      const i = perm ? perm[r]! : r;
      const o = this.offs[i]!;
      const len = this.lens[i]!;
      if (len === prevLen && compareRaw(src, prevOff, src, o, len) === 0) {
        throw crlReject(
          CRL_CODES.DUPLICATE_SERIAL,
          'tbsCertList.revokedCertificates',
          `serial ${Buffer.from(src.subarray(o, o + len)).toString('hex')} is listed twice`,
        );
      }
      prevOff = o;
      prevLen = len;
      dates[r] = this.dates[i]!;
      reasons[r] = this.reasons[i]!;
      buffer.set(src.subarray(o, o + len), w);
      w += len;
    }
    // Re-validated like a stored index: O(n), and it keeps one constructor path.
    return CompactSerialIndex.fromBytes(buffer);
  }
}

/**
 * The sorted order of the entries (by length, then bytes), or null when they are already in order
 * (OpenSSL sorts CRL entries by serial before signing). Counting sort by length, then by the first two
 * octets, then each small run by comparison — O(n) for random serials, O(n log n) for adversarial ones.
 */
function sortedOrder(src: Uint8Array, offs: Uint32Array, lens: Uint8Array, n: number): Uint32Array | null {
  const cmp = (x: number, y: number) => {
    const d = lens[x]! - lens[y]!;
    return d !== 0 ? d : compareRaw(src, offs[x]!, src, offs[y]!, lens[x]!);
  };
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) if (cmp(i - 1, i) > 0) sorted = false;
  if (sorted) return null;
  const perm = new Uint32Array(n);
  // By length.
  const byLen = new Uint32Array(MAX_WIDTH + 2);
  for (let i = 0; i < n; i++) byLen[lens[i]! + 1]!++;
  for (let l = 1; l <= MAX_WIDTH + 1; l++) byLen[l]! += byLen[l - 1]!;
  const starts = byLen.slice();
  for (let i = 0; i < n; i++) perm[byLen[lens[i]!]!++] = i;
  // Within each length, by the first two octets, then runs by comparison.
  const tmp = new Uint32Array(n);
  const count = new Uint32Array(65537);
  for (let l = 1; l <= MAX_WIDTH; l++) {
    const a = starts[l]!;
    const z = starts[l + 1]!;
    if (z - a < 2) continue;
    if (z - a < 1024) {
      perm.subarray(a, z).sort(cmp);
      continue;
    }
    const key = (i: number) => (src[offs[i]!]! << 8) | (l > 1 ? src[offs[i]! + 1]! : 0);
    count.fill(0);
    for (let r = a; r < z; r++) count[key(perm[r]!) + 1]!++;
    for (let k = 1; k <= 65536; k++) count[k]! += count[k - 1]!;
    for (let r = a; r < z; r++) {
      const i = perm[r]!;
      tmp[a + count[key(i)]!++] = i;
    }
    perm.set(tmp.subarray(a, z), a);
    let runStart = a;
    for (let r = a + 1; r <= z; r++) {
      if (r === z || key(perm[r]!) !== key(perm[runStart]!)) {
        if (r - runStart > 1) perm.subarray(runStart, r).sort(cmp);
        runStart = r;
      }
    }
  }
  return perm;
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
