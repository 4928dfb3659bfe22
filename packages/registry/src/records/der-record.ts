/**
 * DER records (issue 14): CRLs (RFC 5280 §5) and subordinate CA certificates (RFC 5280 §4), carried
 * exactly as signed — the DER bytes are the record, what is hashed, stored, forwarded and mirrored.
 * PEM (RFC 7468 §5, §6) is accepted at entry and turned into its DER there.
 *
 * Recognition is a bounded peek at three tag/length headers, never a parse: a DER record is a
 * SEQUENCE (first octet 0x30: JSON starts with `{`, a compact JWS with `e`, the base64url of `{"`)
 * whose first element is a SEQUENCE (tbsCertificate / tbsCertList) whose first element is
 *
 * - `[0]` (0xA0, the EXPLICIT version of a v3 certificate, RFC 5280 §4.1): a certificate;
 * - INTEGER (0x02, TBSCertList.version, v2): a CRL;
 * - SEQUENCE (0x30, TBSCertList.signature of a v1 CRL without version): a CRL, which the CRL reader
 *   then rejects (CRL_VERSION_UNSUPPORTED).
 */
import { Buffer } from 'node:buffer';

/** The record kinds carried as DER. */
export type DerRecordKind = 'crl' | 'ca-certificate';

/** RFC 2585 §4.2: a DER CRL. */
export const PKIX_CRL_MEDIA_TYPE = 'application/pkix-crl';
/** RFC 2585 §4.1: a DER certificate. */
export const PKIX_CERT_MEDIA_TYPE = 'application/pkix-cert';
/** PEM text (RFC 7468) of a CRL or a certificate. */
export const PEM_MEDIA_TYPE = 'application/x-pem-file';

/** RFC 7468 labels of the DER record kinds. */
export const PEM_LABELS: Readonly<Record<DerRecordKind, string>> = {
  crl: 'X509 CRL',
  'ca-certificate': 'CERTIFICATE',
};

/** True when `bytes` may be a DER record (a SEQUENCE: the first octet is 0x30). */
export function isDerRecordBytes(bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes[0] === 0x30;
}

/** The value offset and end of the TLV at `at`, or null when its header is not DER (or runs past `end`). */
function header(bytes: Uint8Array, at: number, end: number): { tag: number; start: number; end: number } | null {
  if (at + 2 > end) return null;
  const tag = bytes[at]!;
  const first = bytes[at + 1]!;
  let length = first;
  let start = at + 2;
  if (first & 0x80) {
    const octets = first & 0x7f;
    // At most 4 length octets (a record is far below 4 GiB); 0x80 is BER's indefinite length.
    if (octets === 0 || octets > 4 || start + octets > end) return null;
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + bytes[start + i]!;
    start += octets;
  }
  return start + length <= end ? { tag, start, end: start + length } : null;
}

/** The kind of DER record `bytes` hold (see the module documentation), or null. Reads three headers. */
export function derRecordKind(bytes: Uint8Array): DerRecordKind | null {
  const outer = header(bytes, 0, bytes.length);
  if (outer === null || outer.tag !== 0x30) return null;
  const tbs = header(bytes, outer.start, outer.end);
  if (tbs === null || tbs.tag !== 0x30 || tbs.start >= tbs.end) return null;
  const first = bytes[tbs.start]!;
  if (first === 0xa0) return 'ca-certificate';
  if (first === 0x02 || first === 0x30) return 'crl';
  return null;
}

/** True when `text` starts (after white space) with a PEM encapsulation boundary. */
export function looksLikePem(text: string | Uint8Array): boolean {
  const head = typeof text === 'string' ? text.slice(0, 64) : Buffer.from(text.subarray(0, 64)).toString('latin1');
  return /^\s*-----BEGIN [A-Z0-9 ]+-----/.test(head);
}

/**
 * The label and DER of the first PEM block of `text` (RFC 7468 §2: base64 between the boundaries,
 * white space ignored), or null when there is none or its base64 is not canonical. The caller
 * bounds `text` first.
 */
export function pemToDer(text: string): { label: string; der: Uint8Array } | null {
  // indexOf, not one regular expression: a national CRL's PEM is tens of megabytes.
  const begin = text.indexOf('-----BEGIN ');
  if (begin < 0) return null;
  const labelEnd = text.indexOf('-----', begin + 11);
  if (labelEnd < 0 || labelEnd - begin > 64) return null;
  const label = text.slice(begin + 11, labelEnd);
  if (!/^[A-Z0-9 ]+$/.test(label)) return null;
  const end = text.indexOf(`-----END ${label}-----`, labelEnd + 5);
  if (end < 0) return null;
  const body = text.slice(labelEnd + 5, end);
  if (!/^[A-Za-z0-9+/=\s]*$/.test(body)) return null;
  const base64 = body.replace(/\s+/g, '');
  const der = Buffer.from(base64, 'base64');
  // RFC 7468 §3 (strict): one base64 text for one DER value, so a PEM block has one DER reading.
  if (der.length === 0 || der.toString('base64') !== base64) return null;
  return { label, der: new Uint8Array(der.buffer, der.byteOffset, der.byteLength) };
}

/** PEM text of a DER record (RFC 7468, 64 characters a line): how evidence carries DER records in JSON. */
export function derToPem(kind: DerRecordKind, der: Uint8Array): string {
  const label = PEM_LABELS[kind];
  const base64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Most characters of the PEM text of `derBytes` bytes of DER (base64, line breaks, boundaries, slack). */
export function pemLengthBound(derBytes: number): number {
  const base64 = 4 * Math.ceil(derBytes / 3);
  return base64 + 2 * Math.ceil(base64 / 64) + 256;
}
