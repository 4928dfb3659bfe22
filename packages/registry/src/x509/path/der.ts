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
    // X.690 §10.1: the fewest length octets. A longer encoding re-wraps the same signed bytes in
    // another envelope: a second DER for one certificate (and a second cache key), so refused.
    if (der[offset + 2] === 0 || length < 0x80) throw new Error('DER: non-minimal length');
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

/** OBJECT IDENTIFIER content octets as a dotted string (X.690 §8.19). */
export function decodeOid(der: Uint8Array, tlv: Tlv): string {
  if (tlv.tag !== 0x06 || tlv.end === tlv.valueStart) throw new Error('DER: not an OBJECT IDENTIFIER');
  const arcs: number[] = [];
  let value = 0;
  for (let i = tlv.valueStart; i < tlv.end; i++) {
    const b = der[i]!;
    value = value * 128 + (b & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER) throw new Error('DER: OID arc too large');
    if ((b & 0x80) === 0) {
      if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else arcs.push(value);
      value = 0;
    } else if (i === tlv.end - 1) throw new Error('DER: truncated OID');
  }
  return arcs.join('.');
}

/** A small non-negative INTEGER (or IMPLICIT-tagged INTEGER) value; huge values saturate. */
export function decodeSmallInteger(der: Uint8Array, tlv: Tlv): number {
  if (tlv.end === tlv.valueStart || (der[tlv.valueStart]! & 0x80) !== 0)
    throw new Error('DER: negative or empty INTEGER');
  let value = 0;
  for (let i = tlv.valueStart; i < tlv.end; i++) value = Math.min(value * 256 + der[i]!, Number.MAX_SAFE_INTEGER);
  return value;
}

/** UTCTime / GeneralizedTime (RFC 5280 §4.1.2.5: YYMMDDHHMMSSZ, years 50–99 are 19xx; YYYYMMDDHHMMSSZ). */
export function decodeTime(der: Uint8Array, tlv: Tlv): number {
  const text = Buffer.from(der.subarray(tlv.valueStart, tlv.end)).toString('latin1');
  // UTCTime is 13 characters, GeneralizedTime 15; both seconds-precision Zulu (§4.1.2.5.1, §4.1.2.5.2).
  const m =
    tlv.tag === 0x17
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
      : tlv.tag === 0x18
        ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
        : null;
  if (!m) throw new Error('DER: bad Time');
  const yy = Number(m[1]);
  const year = tlv.tag === 0x17 ? yy + (yy >= 50 ? 1900 : 2000) : yy;
  const ms = Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  if (!Number.isFinite(ms)) throw new Error('DER: bad Time');
  return ms;
}

const STRING_TAGS = new Set([0x0c, 0x13, 0x16, 0x14, 0x1e, 0x1c]);

function stringValue(der: Uint8Array, tlv: Tlv): string | undefined {
  if (!STRING_TAGS.has(tlv.tag)) return undefined;
  const bytes = Buffer.from(der.subarray(tlv.valueStart, tlv.end));
  if (tlv.tag === 0x1e) return bytes.swap16().toString('utf16le'); // BMPString: UTF-16BE
  if (tlv.tag === 0x1c)
    return String.fromCodePoint(...Array.from({ length: bytes.length >> 2 }, (_, i) => bytes.readUInt32BE(i * 4)));
  return tlv.tag === 0x0c ? bytes.toString('utf8') : bytes.toString('latin1');
}

// RFC 5280 §7.1 with RFC 4518: NFKC, case folding, insignificant spaces (trimmed, runs as one).
function prepared(text: string): string {
  return text.normalize('NFKC').toLowerCase().trim().replace(/\s+/g, ' ');
}

/** The RDNs of a Name DER: each a list of [type OID bytes, value TLV]. */
function rdns(der: Uint8Array): { type: Uint8Array; value: Tlv }[][] {
  const name = readTlv(der, 0);
  if (name.tag !== 0x30 || name.end !== der.length) throw new Error('DER: Name is not a SEQUENCE');
  return children(der, name).map((set) => {
    if (set.tag !== 0x31) throw new Error('DER: RDN is not a SET');
    return children(der, set).map((ava) => {
      const [type, value] = children(der, ava);
      if (ava.tag !== 0x30 || type?.tag !== 0x06 || !value) throw new Error('DER: bad AttributeTypeAndValue');
      return { type: tlvBytes(der, type), value };
    });
  });
}

/** Throws unless `der` is a well-formed Name (RDNSequence of SETs of AttributeTypeAndValue). */
export function assertName(der: Uint8Array): void {
  rdns(der);
}

/**
 * RFC 5280 §7.1 name equality on the DER of two Names: the same RDNs in order, attribute types
 * equal, string values equal once prepared (PrintableString and UTF8String alike), others by bytes.
 */
export function derNamesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (bytesEqual(a, b)) return true;
  const ra = rdns(a);
  const rb = rdns(b);
  if (ra.length !== rb.length) return false;
  return ra.every((rdn, i) => {
    const other = rb[i]!;
    return (
      rdn.length === other.length &&
      rdn.every((x) =>
        other.some((y) => {
          if (!bytesEqual(x.type, y.type)) return false;
          const sx = stringValue(a, x.value);
          const sy = stringValue(b, y.value);
          if (sx !== undefined && sy !== undefined) return prepared(sx) === prepared(sy);
          return sx === undefined && sy === undefined && bytesEqual(tlvBytes(a, x.value), tlvBytes(b, y.value));
        }),
      )
    );
  });
}
