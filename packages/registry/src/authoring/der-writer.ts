/**
 * A small DER writer (X.690) for what authoring makes by hand: CertificateLists (RFC 5280 §5.1) of
 * any size — @peculiar/x509's generator takes tens of seconds for 25,000 entries — and the test
 * fixtures' malformed variants. Definite lengths, minimal encodings, nothing else.
 */
import { Buffer } from 'node:buffer';

/** One DER TLV of `tag` over the concatenation of `parts`. */
export function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const head = lengthOctets(len);
  const out = new Uint8Array(1 + head.length + len);
  out[0] = tag;
  out.set(head, 1);
  let o = 1 + head.length;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** X.690 §8.1.3 definite length octets. */
export function lengthOctets(len: number): Uint8Array {
  if (len < 0x80) return new Uint8Array([len]);
  const bytes: number[] = [];
  for (let v = len; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return new Uint8Array([0x80 | bytes.length, ...bytes]);
}

export const seq = (...parts: Uint8Array[]) => tlv(0x30, ...parts);

/** DER INTEGER of a non-negative bigint. */
export function integer(n: bigint): Uint8Array {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const bytes = Buffer.from(hex, 'hex');
  return tlv(0x02, bytes[0]! & 0x80 ? new Uint8Array([0, ...bytes]) : bytes);
}

/** DER INTEGER of a positive magnitude (big-endian, no sign octet). */
export function serialInteger(magnitude: Uint8Array): Uint8Array {
  let s = 0;
  while (s < magnitude.length - 1 && magnitude[s] === 0) s++;
  const m = magnitude.subarray(s);
  return tlv(0x02, m[0]! & 0x80 ? new Uint8Array([0, ...m]) : m);
}

/** DER OBJECT IDENTIFIER of a dotted OID. */
export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const out: number[] = [arcs[0]! * 40 + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const b: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) b.unshift(0x80 | (v & 0x7f));
    out.push(...b);
  }
  return tlv(0x06, new Uint8Array(out));
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
export function time(ms: number): Uint8Array {
  const iso = new Date(ms).toISOString();
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = Number(iso.slice(0, 4));
  return year < 2050 ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${digits}Z`));
}

/** A Name of (OID, UTF8String value) attributes, one per RDN, in the given order. */
export function name(attributes: [string, string][]): Uint8Array {
  return seq(...attributes.map(([t, v]) => tlv(0x31, seq(oid(t), tlv(0x0c, Buffer.from(v, 'utf8'))))));
}

/** An Extension (RFC 5280 §4.1). */
export function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return seq(oid(id), ...(critical ? [tlv(0x01, new Uint8Array([0xff]))] : []), tlv(0x04, value));
}

/** reasonCode entry extension (RFC 5280 §5.3.1). */
export function reasonCode(reason: number): Uint8Array {
  return extension('2.5.29.21', false, tlv(0x0a, new Uint8Array([reason])));
}

export function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}
