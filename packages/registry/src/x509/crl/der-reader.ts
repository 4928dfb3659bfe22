/**
 * A bounded DER reader (ITU-T X.690 §8 and §10) over a Uint8Array: definite lengths only, each length
 * within the enclosing value, minimal length octets, low tag numbers only (RFC 5280 structures use no
 * other), and a nesting cap. Values are `subarray` views of the input, never copies, and the reader
 * allocates nothing per TLV: `next()` updates `tag`, `valueStart` and `valueEnd` in place, so a loop
 * over a million CRL entries costs no garbage beyond what it keeps.
 *
 * Every failure is a `reject` {@link ValidationError} with code `CRL_DER_INVALID` (or `CRL_DER_TOO_DEEP`),
 * naming the field being read; nothing else is thrown, whatever the input.
 */
import type { ValidationError } from '../../errors.ts';
import { CRL_CODES, crlReject } from './codes.ts';

/** Universal tags (X.690 §8) and the context tags this module reads. */
export const DER_TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  TELETEX_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Bit 6 of the identifier octet: a constructed encoding (X.690 §8.1.2.5). */
const CONSTRUCTED = 0x20;

/** Default nesting cap: a CertificateList nests 8 deep at most; GeneralNames inside extensions add a few. */
export const DEFAULT_MAX_DER_DEPTH = 16;

/** A `CRL_DER_INVALID` error naming the field. */
export function derInvalid(field: string, message: string): ValidationError {
  return crlReject(CRL_CODES.DER_INVALID, field, message);
}

/** Reads the TLVs of one constructed value (or of the whole input), in order. */
export class DerReader {
  /** The whole input: views and offsets refer to it. */
  readonly bytes: Uint8Array;
  /** Offset of the next TLV. */
  pos: number;
  /** End of the enclosing value (exclusive). */
  end: number;
  /** Nesting depth of the enclosing value. */
  depth: number;
  /** Nesting cap. */
  readonly maxDepth: number;
  /** Identifier octet of the TLV last read by {@link next}. */
  tag = -1;
  /** Offset of the TLV last read (its identifier octet). */
  tlvStart = 0;
  /** Offset of its contents. */
  valueStart = 0;
  /** End of its contents (exclusive). */
  valueEnd = 0;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length, depth = 0, maxDepth = DEFAULT_MAX_DER_DEPTH) {
    if (start < 0 || end > bytes.length || start > end) throw derInvalid('', 'range outside the input');
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
    this.depth = depth;
    this.maxDepth = maxDepth;
  }

  /** True while TLVs remain in the enclosing value. */
  hasMore(): boolean {
    return this.pos < this.end;
  }

  /** The identifier octet of the next TLV, or -1 at the end (reads nothing). */
  peekTag(): number {
    return this.pos < this.end ? this.bytes[this.pos]! : -1;
  }

  /**
   * Reads the next TLV's header and moves past its contents. X.690 §8.1.3 / §10.1: definite form,
   * minimal length octets; the contents must fit in the enclosing value.
   */
  next(field: string): number {
    const b = this.bytes;
    let p = this.pos;
    const end = this.end;
    if (p >= end) throw derInvalid(field, 'missing value');
    const tag = b[p++]!;
    // X.690 §8.1.2.4: tag number 31 announces the high-tag-number form, which no RFC 5280 structure uses.
    if ((tag & 0x1f) === 0x1f) throw derInvalid(field, 'high tag numbers are not used in a CRL');
    if (p >= end) throw derInvalid(field, 'truncated length');
    let len = b[p++]!;
    if (len & 0x80) {
      const n = len & 0x7f;
      // X.690 §10.1: DER uses the definite form; 0x80 is the indefinite form. 4 octets reach 4 GiB.
      if (n === 0) throw derInvalid(field, 'indefinite length');
      if (n > 4) throw derInvalid(field, 'length of more than 4 octets');
      if (p + n > end) throw derInvalid(field, 'truncated length');
      if (b[p] === 0) throw derInvalid(field, 'length with a leading zero octet');
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + b[p++]!;
      if (len < 0x80) throw derInvalid(field, 'long form for a short length');
    }
    if (len > end - p) throw derInvalid(field, 'length beyond the enclosing value');
    this.tag = tag;
    this.tlvStart = this.pos;
    this.valueStart = p;
    this.valueEnd = p + len;
    this.pos = p + len;
    return tag;
  }

  /** Reads the next TLV and checks its identifier octet. */
  expect(tag: number, field: string): void {
    if (this.next(field) !== tag) {
      throw derInvalid(field, `expected tag 0x${tag.toString(16)}, found 0x${this.tag.toString(16)}`);
    }
  }

  /** Reads the next TLV if its identifier octet is `tag`; returns whether it did. */
  optional(tag: number, field: string): boolean {
    if (this.peekTag() !== tag) return false;
    this.next(field);
    return true;
  }

  /** A reader over the contents of the constructed TLV last read (one level deeper). */
  child(field: string, into?: DerReader): DerReader {
    if ((this.tag & CONSTRUCTED) === 0) throw derInvalid(field, 'primitive value where a constructed one is expected');
    const depth = this.depth + 1;
    if (depth > this.maxDepth) throw crlReject(CRL_CODES.DER_TOO_DEEP, field, `nesting deeper than ${this.maxDepth}`);
    if (into) {
      into.pos = this.valueStart;
      into.end = this.valueEnd;
      into.depth = depth;
      into.tag = -1;
      return into;
    }
    return new DerReader(this.bytes, this.valueStart, this.valueEnd, depth, this.maxDepth);
  }

  /** Reads a TLV with this tag and returns a reader over its contents. */
  enter(tag: number, field: string, into?: DerReader): DerReader {
    this.expect(tag, field);
    return this.child(field, into);
  }

  /** The contents of the TLV last read (a view). */
  value(): Uint8Array {
    return this.bytes.subarray(this.valueStart, this.valueEnd);
  }

  /** The whole TLV last read, header included (a view). */
  tlv(): Uint8Array {
    return this.bytes.subarray(this.tlvStart, this.valueEnd);
  }

  /** Fails when TLVs remain: DER values end exactly where their length says. */
  finish(field: string): void {
    if (this.pos !== this.end) throw derInvalid(field, 'unexpected trailing data');
  }

  /**
   * Checks the contents of the INTEGER last read: X.690 §8.3.2, at least one octet and no redundant
   * leading 0x00 or 0xff. Returns whether it is negative.
   */
  checkInteger(field: string): boolean {
    const s = this.valueStart;
    const n = this.valueEnd - s;
    if (n === 0) throw derInvalid(field, 'empty INTEGER');
    const b0 = this.bytes[s]!;
    if (n > 1) {
      const b1 = this.bytes[s + 1]!;
      if ((b0 === 0 && (b1 & 0x80) === 0) || (b0 === 0xff && (b1 & 0x80) !== 0)) {
        throw derInvalid(field, 'INTEGER not minimally encoded');
      }
    }
    return (b0 & 0x80) !== 0;
  }

  /** Reads a BOOLEAN: X.690 §11.1, DER TRUE is 0xff. */
  readBoolean(field: string): boolean {
    this.expect(DER_TAG.BOOLEAN, field);
    return this.booleanValue(field);
  }

  /** The value of the BOOLEAN (or implicitly tagged BOOLEAN) last read. */
  booleanValue(field: string): boolean {
    if (this.valueEnd - this.valueStart !== 1) throw derInvalid(field, 'BOOLEAN of other than one octet');
    const v = this.bytes[this.valueStart]!;
    if (v !== 0 && v !== 0xff) throw derInvalid(field, 'BOOLEAN neither 0x00 nor 0xff');
    return v === 0xff;
  }

  /** Reads an OBJECT IDENTIFIER and returns it dotted (X.690 §8.19). */
  readOid(field: string): string {
    this.expect(DER_TAG.OID, field);
    return oidToString(this.bytes, this.valueStart, this.valueEnd, field);
  }

  /** Reads a BIT STRING with no unused bits (signatures, keys) and returns its octets (a view). */
  readOctetAlignedBitString(field: string): Uint8Array {
    this.expect(DER_TAG.BIT_STRING, field);
    if (this.valueEnd === this.valueStart || this.bytes[this.valueStart] !== 0) {
      throw derInvalid(field, 'BIT STRING with unused bits');
    }
    return this.bytes.subarray(this.valueStart + 1, this.valueEnd);
  }
}

/** Dotted form of OID contents (X.690 §8.19): base-128 arcs, minimal, the first two arcs combined. */
export function oidToString(b: Uint8Array, start: number, end: number, field: string): string {
  if (start >= end) throw derInvalid(field, 'empty OBJECT IDENTIFIER');
  if (end - start > 64) throw derInvalid(field, 'OBJECT IDENTIFIER longer than 64 octets');
  const arcs: string[] = [];
  let value = 0;
  let first = true;
  let fresh = true;
  for (let p = start; p < end; p++) {
    const c = b[p]!;
    if (fresh && c === 0x80) throw derInvalid(field, 'OBJECT IDENTIFIER arc not minimally encoded');
    fresh = false;
    // Arcs above 2^53 do not occur in PKIX; refuse them rather than lose precision.
    if (value > 2 ** 45) throw derInvalid(field, 'OBJECT IDENTIFIER arc too large');
    value = value * 128 + (c & 0x7f);
    if (c & 0x80) continue;
    if (first) {
      const top = value < 40 ? 0 : value < 80 ? 1 : 2;
      arcs.push(String(top), String(value - top * 40));
      first = false;
    } else arcs.push(String(value));
    value = 0;
    fresh = true;
  }
  if (!fresh) throw derInvalid(field, 'truncated OBJECT IDENTIFIER');
  return arcs.join('.');
}

/** Whether `b[start..end)` equals `expected`, without a view. */
export function bytesEqualAt(b: Uint8Array, start: number, end: number, expected: Uint8Array): boolean {
  if (end - start !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (b[start + i] !== expected[i]) return false;
  return true;
}

/**
 * A copy of `view` in a buffer of its own. Not `view.slice()`: on a Node Buffer (what file and socket
 * reads return) `slice` is a view, and a kept view would pin the whole CRL's DER.
 */
export function copyOf(view: Uint8Array): Uint8Array {
  return new Uint8Array(view);
}

/** Whether two byte strings are equal. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return bytesEqualAt(a, 0, a.length, b);
}
