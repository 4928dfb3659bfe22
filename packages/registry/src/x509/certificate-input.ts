/**
 * Reading certificates as callers hand them in (issue 14: `POST /certificates/verify`, `trustmesh
 * verify-cert`): PEM (one certificate), base64 or base64url DER, or raw DER bytes. Every bound is
 * checked on the input's length before anything is decoded or parsed, so a 10 MB "certificate" costs
 * a length comparison (DESIGN.md, Network: hard limits everywhere).
 */
import { reject } from '../errors.ts';

/** Codes of certificate input (stable: the HTTP API maps them to statuses). */
export const CERTIFICATE_INPUT_CODES = {
  /** `reject` — one certificate is larger than `maxCertificateBytes` (checked before decoding). */
  CERTIFICATE_TOO_LARGE: 'CERTIFICATE_TOO_LARGE',
  /** `reject` — not one PEM certificate, base64 / base64url DER or a DER SEQUENCE filling its bytes. */
  CERTIFICATE_INVALID: 'CERTIFICATE_INVALID',
  /** `reject` — more certificates than `maxChainLength`. */
  CHAIN_TOO_LONG: 'CHAIN_TOO_LONG',
} as const;

/** Bounds on certificate input. */
export interface CertificateInputLimits {
  /** Largest DER certificate accepted, in bytes. */
  maxCertificateBytes: number;
  /** Most certificates in one chain (leaf, intermediates, optionally the anchor). */
  maxChainLength: number;
}

/** 64 KiB per certificate (national CA certificates are 1–2 KiB), chains of at most 10. */
export const DEFAULT_CERTIFICATE_INPUT_LIMITS: Readonly<CertificateInputLimits> = Object.freeze({
  maxCertificateBytes: 64 * 1024,
  maxChainLength: 10,
});

const PEM_BEGIN = '-----BEGIN CERTIFICATE-----';
const PEM_END = '-----END CERTIFICATE-----';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Longest text that can encode `bytes` DER bytes: base64, 64-character lines with CRLF, PEM armour. */
function maxTextLength(bytes: number): number {
  const base64 = Math.ceil(bytes / 3) * 4;
  return base64 + Math.ceil(base64 / 64) * 2 + PEM_BEGIN.length + PEM_END.length + 64;
}

/**
 * The DER of one certificate from PEM, base64 / base64url text or bytes (raw DER, or PEM text as
 * bytes). Throws a `reject` {@link ValidationError} with a {@link CERTIFICATE_INPUT_CODES} code.
 */
export function readCertificateInput(
  value: string | Uint8Array,
  limits: Partial<CertificateInputLimits> = {},
  field = 'certificate',
): Uint8Array {
  const max = limits.maxCertificateBytes ?? DEFAULT_CERTIFICATE_INPUT_LIMITS.maxCertificateBytes;
  if (typeof value !== 'string' && !(value instanceof Uint8Array)) {
    throw reject(CERTIFICATE_INPUT_CODES.CERTIFICATE_INVALID, field, 'expected a PEM or base64 string, or DER bytes');
  }
  // [REJECT] the bound, on the length alone: nothing of an oversized input is read.
  if (value.length > (typeof value === 'string' ? maxTextLength(max) : Math.max(max, maxTextLength(max)))) {
    throw reject(CERTIFICATE_INPUT_CODES.CERTIFICATE_TOO_LARGE, field, `larger than ${max} bytes`);
  }
  let der: Uint8Array;
  if (typeof value === 'string') der = decodeText(value, field);
  else if (value[0] === 0x2d /* '-': PEM text as bytes */)
    der = decodeText(Buffer.from(value).toString('latin1'), field);
  else der = value;
  // [REJECT] the decoded bound (raw DER, or text that was short enough but decodes larger).
  if (der.length > max) throw reject(CERTIFICATE_INPUT_CODES.CERTIFICATE_TOO_LARGE, field, `larger than ${max} bytes`);
  // [REJECT] RFC 5280 §4.1: a Certificate is one DER SEQUENCE; its definite length must fill the input.
  if (!isOneDerSequence(der)) {
    throw reject(CERTIFICATE_INPUT_CODES.CERTIFICATE_INVALID, field, 'not a DER SEQUENCE filling the input');
  }
  return der;
}

/**
 * The DER of each certificate of a chain (leaf first), each read by {@link readCertificateInput};
 * the chain length is checked before any certificate is read.
 */
export function readCertificateChainInput(
  values: readonly (string | Uint8Array)[],
  limits: Partial<CertificateInputLimits> = {},
  field = 'chain',
): Uint8Array[] {
  const maxChain = limits.maxChainLength ?? DEFAULT_CERTIFICATE_INPUT_LIMITS.maxChainLength;
  if (!Array.isArray(values) || values.length === 0) {
    throw reject(CERTIFICATE_INPUT_CODES.CERTIFICATE_INVALID, field, 'expected a non-empty array of certificates');
  }
  // [REJECT] the chain bound first: a long chain costs nothing to refuse.
  if (values.length > maxChain) {
    throw reject(CERTIFICATE_INPUT_CODES.CHAIN_TOO_LONG, field, `more than ${maxChain} certificates`);
  }
  return values.map((v, i) => readCertificateInput(v, limits, `${field}[${i}]`));
}

function decodeText(text: string, field: string): Uint8Array {
  const begin = text.indexOf(PEM_BEGIN);
  let body: string;
  if (begin >= 0) {
    const end = text.indexOf(PEM_END, begin);
    // [REJECT] RFC 7468 §5: exactly one CERTIFICATE block per entry (a chain is an array of them).
    if (end < 0 || text.indexOf(PEM_BEGIN, begin + PEM_BEGIN.length) >= 0) {
      throw reject(CERTIFICATE_INPUT_CODES.CERTIFICATE_INVALID, field, 'expected exactly one PEM CERTIFICATE block');
    }
    body = text.slice(begin + PEM_BEGIN.length, end).replace(/[\r\n\t ]/g, '');
    if (!BASE64.test(body)) throw reject(CERTIFICATE_INPUT_CODES.CERTIFICATE_INVALID, field, 'PEM body is not base64');
    return Buffer.from(body, 'base64');
  }
  body = text.trim();
  if (BASE64.test(body)) return Buffer.from(body, 'base64');
  if (BASE64URL.test(body)) return Buffer.from(body, 'base64url');
  throw reject(CERTIFICATE_INPUT_CODES.CERTIFICATE_INVALID, field, 'neither PEM nor base64 / base64url DER');
}

/** X.690 §8.1: tag 0x30 and a definite length (short or long form, ≤ 4 length octets) ending at the input's end. */
function isOneDerSequence(der: Uint8Array): boolean {
  if (der.length < 2 || der[0] !== 0x30) return false;
  const first = der[1]!;
  if (first < 0x80) return 2 + first === der.length;
  const octets = first & 0x7f;
  if (octets === 0 || octets > 4 || der.length < 2 + octets) return false;
  let length = 0;
  for (let i = 0; i < octets; i++) length = length * 256 + der[2 + i]!;
  // X.690 §10.1: DER uses the fewest length octets.
  if (der[2] === 0 || length < 0x80) return false;
  return 2 + octets + length === der.length;
}
