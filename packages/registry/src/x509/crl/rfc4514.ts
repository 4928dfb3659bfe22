/**
 * The RFC 4514 string of an X.501 Name (RFC 5280 §4.1.2.4): RDNs last to first, joined by `,`,
 * multi-valued RDNs joined by `+`, the short names of RFC 4514 §3 (and `emailAddress` is not one, so
 * it is dotted), values escaped as RFC 4514 §2.4 says, and a value of a non-string type as `#` + the
 * hex of its DER (§2.4). The string is for display and stamps; scopes compare the DER bytes.
 */
import { Buffer } from 'node:buffer';
import { DER_TAG, DerReader, derInvalid } from './der-reader.ts';

// RFC 4514 §3 plus the attribute types PKIX CAs use with the same short names as OpenSSL prints.
const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.6': 'C',
  '2.5.4.9': 'STREET',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
};

const MAX_NAME_ATTRIBUTES = 64;

/** RFC 4514 string of the Name whose DER (the whole SEQUENCE) is `name`. */
export function nameToRfc4514(name: Uint8Array, maxDepth: number): string {
  const outer = new DerReader(name, 0, name.length, 0, maxDepth);
  const seq = outer.enter(DER_TAG.SEQUENCE, 'issuer');
  outer.finish('issuer');
  const rdns: string[] = [];
  let count = 0;
  while (seq.hasMore()) {
    const set = seq.enter(DER_TAG.SET, 'issuer.rdn');
    const parts: string[] = [];
    while (set.hasMore()) {
      if (++count > MAX_NAME_ATTRIBUTES) throw derInvalid('issuer', `more than ${MAX_NAME_ATTRIBUTES} attributes`);
      const atv = set.enter(DER_TAG.SEQUENCE, 'issuer.rdn.attribute');
      const oid = atv.readOid('issuer.rdn.attribute.type');
      const tag = atv.next('issuer.rdn.attribute.value');
      const value = stringValue(atv.bytes, tag, atv.valueStart, atv.valueEnd);
      const text = value === null ? `#${Buffer.from(atv.tlv()).toString('hex')}` : escapeValue(value);
      atv.finish('issuer.rdn.attribute');
      parts.push(`${SHORT_NAMES[oid] ?? oid}=${text}`);
    }
    if (parts.length === 0) throw derInvalid('issuer.rdn', 'empty RelativeDistinguishedName');
    rdns.push(parts.join('+'));
  }
  return rdns.reverse().join(',');
}

function stringValue(b: Uint8Array, tag: number, start: number, end: number): string | null {
  const v = b.subarray(start, end);
  switch (tag) {
    case DER_TAG.UTF8_STRING:
      return new TextDecoder('utf-8', { fatal: false }).decode(v);
    case DER_TAG.PRINTABLE_STRING:
    case DER_TAG.IA5_STRING:
    case DER_TAG.TELETEX_STRING:
      // TeletexString is read as Latin-1, as OpenSSL and most PKIX libraries do.
      return Buffer.from(v).toString('latin1');
    case DER_TAG.BMP_STRING: {
      if (v.length % 2 !== 0) return null;
      let s = '';
      for (let i = 0; i < v.length; i += 2) s += String.fromCharCode((v[i]! << 8) | v[i + 1]!);
      return s;
    }
    case DER_TAG.UNIVERSAL_STRING: {
      if (v.length % 4 !== 0) return null;
      let s = '';
      for (let i = 0; i < v.length; i += 4) {
        const cp = ((v[i]! << 24) | (v[i + 1]! << 16) | (v[i + 2]! << 8) | v[i + 3]!) >>> 0;
        if (cp > 0x10ffff) return null;
        s += String.fromCodePoint(cp);
      }
      return s;
    }
    default:
      return null;
  }
}

/** RFC 4514 §2.4: escape `"+,;<>\` and NUL anywhere, `#` and space first, space last. */
function escapeValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\u0000') out += '\\00';
    else if ('"+,;<>\\'.includes(c)) out += `\\${c}`;
    else if ((c === '#' || c === ' ') && i === 0) out += `\\${c}`;
    else if (c === ' ' && i === value.length - 1) out += '\\ ';
    else out += c;
  }
  return out;
}
