/**
 * A minimal DER TLV walker (X.690 §8.1): path validation needs the exact bytes of some fields — the
 * signed tbsCertificate, the serial's content octets, the names and the SubjectPublicKeyInfo — which
 * a schema parser re-encodes rather than returns.
 */

/** One TLV: its tag octet, where its value starts and where it ends. */
export interface Tlv {
  tag: number;
  /** Offset of the first tag octet. */
  start: number;
  /** Offset of the first value octet. */
  valueStart: number;
  /** Offset just past the value. */
  end: number;
}

/** The TLV at `offset`, bounded by `limit`; throws on an indefinite or overrunning length or a multi-octet tag. */
export function readTlv(der: Uint8Array, offset: number, limit = der.length): Tlv {
  if (offset + 2 > limit) throw new Error('DER: truncated header');
  const tag = der[offset]!;
  // Multi-octet tags (low bits 11111) never occur in a certificate's top-level structure.
  if ((tag & 0x1f) === 0x1f) throw new Error('DER: high tag number');
  const first = der[offset + 1]!;
  let length = first;
  let valueStart = offset + 2;
  if (first >= 0x80) {
    const octets = first & 0x7f;
    // X.690 §10.1: DER uses definite lengths only; more than 4 length octets exceed any bound here.
    if (octets === 0 || octets > 4) throw new Error('DER: bad length');
    if (valueStart + octets > limit) throw new Error('DER: truncated length');
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + der[valueStart + i]!;
    valueStart += octets;
  }
  const end = valueStart + length;
  if (end > limit) throw new Error('DER: value overruns its container');
  return { tag, start: offset, valueStart, end };
}

/** The children of a constructed TLV, in order. */
export function children(der: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let offset = parent.valueStart;
  while (offset < parent.end) {
    const child = readTlv(der, offset, parent.end);
    out.push(child);
    offset = child.end;
  }
  return out;
}

/** The bytes of a TLV, header included (a view, no copy). */
export function tlvBytes(der: Uint8Array, tlv: Tlv): Uint8Array {
  return der.subarray(tlv.start, tlv.end);
}

/** Byte equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
