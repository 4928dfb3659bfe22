/**
 * The "never undo a final state" comparison of a JOSE status list update against the held version
 * (issue 13): a Token Status List entry that was INVALID (0x01) stays INVALID (draft-ietf-oauth-
 * status-list §7.1), and a set bit of a StatusList2021 list with the `revocation` purpose stays set
 * (StatusList2021 §2.1). A national list has millions of entries and an update changes a few, so
 * the two inflated lists are compared 32 bits at a time and only a word that differs is looked into,
 * byte by byte and then entry by entry — the same entries, in the same order, as reading every entry.
 */

/** Which entry layout: a Token Status List (LSB-first) or a StatusList2021 bitstring (MSB-first). */
export type FinalStateLayout = 'token-status-list' | 'status-list-2021';

/** The value of a final entry in both formats: TSL INVALID 0x01; a revoked StatusList2021 bit. */
const FINAL = 1;

/**
 * The index of the first entry of `held` that holds the final state and that `next` changes, or -1.
 * Only the first `heldLength` bytes are compared (entries appended by a longer `next` are new and
 * free). `bits` is the entry width (1, 2, 4 or 8); `next` is at least `heldLength` bytes long.
 */
export function firstUndoneFinalEntry(
  layout: FinalStateLayout,
  bits: 1 | 2 | 4 | 8,
  held: Uint8Array,
  next: Uint8Array,
  heldLength: number = held.byteLength,
): number {
  const length = Math.min(heldLength, held.byteLength, next.byteLength);
  // Word views need 4-byte aligned offsets; inflated buffers are, and anything else goes byte-wise.
  const aligned = held.byteOffset % 4 === 0 && next.byteOffset % 4 === 0;
  const words = aligned ? length >>> 2 : 0;
  if (words > 0) {
    const a = new Uint32Array(held.buffer, held.byteOffset, words);
    const b = new Uint32Array(next.buffer, next.byteOffset, words);
    for (let w = 0; w < words; w++) {
      if (a[w] === b[w]) continue;
      const hit = firstUndoneInBytes(layout, bits, held, next, w * 4, w * 4 + 4);
      if (hit !== -1) return hit;
    }
  }
  return firstUndoneInBytes(layout, bits, held, next, words * 4, length);
}

/** {@link firstUndoneFinalEntry} over bytes `[from, to)`, reading entries only in bytes that differ. */
function firstUndoneInBytes(
  layout: FinalStateLayout,
  bits: number,
  held: Uint8Array,
  next: Uint8Array,
  from: number,
  to: number,
): number {
  const perByte = 8 / bits;
  const mask = (1 << bits) - 1;
  for (let i = from; i < to; i++) {
    const before = held[i] as number;
    const after = next[i] as number;
    if (before === after) continue;
    for (let k = 0; k < perByte; k++) {
      // Entry k of the byte: TSL packs entries from the least significant bit (draft §4.1),
      // StatusList2021 from the most significant (StatusList2021 §2.1, bits = 1).
      const shift = layout === 'token-status-list' ? k * bits : 8 - bits * (k + 1);
      if (((before >> shift) & mask) === FINAL && ((after >> shift) & mask) !== FINAL) return i * perByte + k;
    }
  }
  return -1;
}
