/**
 * SerialIndexBuilder: the entries of one CRL, collected as offsets into its DER while decoding, then
 * sorted (by length, then bytes: see serial-index.ts for the canonical form) and packed into a
 * {@link CompactSerialIndex}.
 */
import { Buffer } from 'node:buffer';
import { CRL_CODES, crlReject } from './codes.ts';
import { BUCKET, CompactSerialIndex, compareRaw, HEADER, MAGIC, MAX_WIDTH } from './serial-index.ts';

/** Entries of work between two steps of {@link SerialIndexBuilder.buildSteps}. */
export const BUILD_CHUNK = 32_768;

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
    const steps = this.buildSteps();
    for (let r = steps.next(); ; r = steps.next()) if (r.done) return r.value;
  }

  /**
   * {@link build} in steps: the generator yields after about every `chunk` entries of work, so an
   * async caller can give the event loop a turn between steps (a million entries take ~1 s to sort
   * and pack); its return value is the index.
   */
  *buildSteps(chunk = BUILD_CHUNK): Generator<void, CompactSerialIndex, void> {
    const n = this.n;
    const src = this.src ?? new Uint8Array(0);
    const perm = yield* sortedOrder(src, this.offs, this.lens, n, chunk);
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
      // A byte loop: a subarray view per entry costs more than the 16 octets it copies.
      for (let k = 0; k < len; k++) buffer[w + k] = src[o + k]!;
      w += len;
      if (r % chunk === chunk - 1) yield;
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
function* sortedOrder(
  src: Uint8Array,
  offs: Uint32Array,
  lens: Uint8Array,
  n: number,
  chunk: number,
): Generator<void, Uint32Array | null, void> {
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
  // Within each length, by the first two octets (a counting sort), then each run: insertion sort
  // when short (random serials: ~n/65536 per run), a comparison sort when long (adversarial prefixes).
  const tmp = new Uint32Array(n);
  const count = new Uint32Array(65537);
  const key = new Uint16Array(n);
  let lastYield = 0;
  for (let i = 0; i < n; i++) key[i] = (src[offs[i]!]! << 8) | (lens[i]! > 1 ? src[offs[i]! + 1]! : 0);
  for (let l = 1; l <= MAX_WIDTH; l++) {
    const a = starts[l]!;
    const z = starts[l + 1]!;
    if (z - a < 2) continue;
    if (z - a < 1024) {
      perm.subarray(a, z).sort(cmp);
      continue;
    }
    count.fill(0);
    for (let r = a; r < z; r++) count[key[perm[r]!]! + 1]!++;
    for (let k = 1; k <= 65536; k++) count[k]! += count[k - 1]!;
    for (let r = a; r < z; r++) {
      const i = perm[r]!;
      tmp[a + count[key[i]!]!++] = i;
    }
    perm.set(tmp.subarray(a, z), a);
    let runStart = a;
    for (let r = a + 1; r <= z; r++) {
      if (r < z && key[perm[r]!] === key[perm[runStart]!]) continue;
      const runLength = r - runStart;
      if (runLength > 32) perm.subarray(runStart, r).sort(cmp);
      else {
        for (let x = runStart + 1; x < r; x++) {
          const v = perm[x]!;
          let y = x - 1;
          while (y >= runStart && compareRaw(src, offs[perm[y]!]!, src, offs[v]!, l) > 0) {
            perm[y + 1] = perm[y]!;
            y--;
          }
          perm[y + 1] = v;
        }
      }
      runStart = r;
      if (r - lastYield >= chunk) {
        lastYield = r;
        yield;
      }
    }
  }
  return perm;
}
