/**
 * Compact JWS (RFC 7515 §7.1) as records and credentials carry them: bounded parsing of untrusted
 * text, before any key is looked up or any signature checked. Only the algorithms of the keys the
 * registry pins are accepted (ES256 for P-256, EdDSA for Ed25519): `none`, HMAC and everything else
 * are refused here, so a public key can never be used as an HMAC secret (RFC 8725 §2.1, §3.1).
 */
import { reject } from '../errors.ts';
import { type InputLimits, parseJsonBounded } from '../limits.ts';
import { isObject, type JsonObject } from '../validation/fields.ts';

/** Codes of compact JWS parsing (docs/records.md, JOSE records). */
export const JWS_CODES = {
  /** `reject` — not a compact JWS: three base64url parts, a JSON object header and payload. */
  MALFORMED: 'JWS_MALFORMED',
  /** `reject` — `alg` is not ES256 or EdDSA (`none`, HS256 and the rest are never accepted; RFC 8725 §3.1). */
  ALG_UNSUPPORTED: 'JWS_ALG_UNSUPPORTED',
  /** `reject` — a `crit` header parameter (RFC 7515 §4.1.11: extensions we do not understand). */
  CRIT_UNSUPPORTED: 'JWS_CRIT_UNSUPPORTED',
} as const;

/** The JWS algorithms the registry verifies. */
export type JwsAlgorithm = 'ES256' | 'EdDSA';
const ALGORITHMS: readonly string[] = ['ES256', 'EdDSA'];

/** A parsed compact JWS. Nothing in it is trusted until its signature is checked. */
export interface CompactJws {
  /** The compact serialisation exactly as received. */
  compact: string;
  header: JsonObject & { alg: JwsAlgorithm };
  payload: JsonObject;
  /** `<header>.<payload>` as ASCII bytes: what the signature covers (RFC 7515 §5.2). */
  signingInput: Uint8Array;
  signature: Uint8Array;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** True when `text` has the shape of a compact JWS (three base64url parts), without decoding it. */
export function looksLikeCompactJws(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 3 && parts.every((p) => BASE64URL.test(p)) && (parts[0] ?? '') !== '';
}

/**
 * True when untrusted bytes are a compact JWS rather than JSON: only base64url characters and
 * exactly two dots (no JSON text has that shape but a bare number, which has at most one dot).
 */
export function isCompactJwsBytes(bytes: Uint8Array): boolean {
  let dots = 0;
  for (const b of bytes) {
    if (b === 0x2e) dots++;
    else if (
      !((b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x2d || b === 0x5f)
    ) {
      return false;
    }
  }
  return dots === 2 && bytes[0] !== 0x2e;
}

function decodePart(part: string, what: string, limits: InputLimits): JsonObject {
  let value: unknown;
  try {
    value = parseJsonBounded(Buffer.from(part, 'base64url'), limits);
  } catch (cause) {
    // [REJECT] RFC 7515 §5.2 steps 2–4 and 6: each part is base64url of a UTF-8 JSON text.
    throw reject(JWS_CODES.MALFORMED, what, `must be base64url of a JSON object`, cause);
  }
  // [REJECT] RFC 7515 §5.2 step 4 / RFC 7519 §7.2 step 10: header and claims are JSON objects.
  if (!isObject(value)) throw reject(JWS_CODES.MALFORMED, what, 'must be a JSON object');
  return value;
}

/**
 * Parses a compact JWS within the limits: at most `maxRecordBytes`, three base64url parts, a JSON
 * object header with a supported `alg` and no `crit`, a JSON object payload (a JWT claims set).
 */
export function parseCompactJws(text: string, limits: InputLimits): CompactJws {
  if (text.length > limits.maxRecordBytes) {
    // [REJECT] docs/records.md Input limits: JOSE records obey the same record size limit.
    throw reject(
      'RECORD_TOO_LARGE',
      undefined,
      `record is ${text.length} bytes; the limit is ${limits.maxRecordBytes}`,
    );
  }
  // [REJECT] RFC 7515 §7.1: BASE64URL(header) '.' BASE64URL(payload) '.' BASE64URL(signature).
  if (!looksLikeCompactJws(text)) {
    throw reject(JWS_CODES.MALFORMED, undefined, 'must be a compact JWS: three base64url parts joined by "."');
  }
  const [h, p, s] = text.split('.') as [string, string, string];
  const header = decodePart(h, 'header', limits);
  if (typeof header.alg !== 'string' || !ALGORITHMS.includes(header.alg)) {
    // [REJECT] RFC 8725 §2.1, §3.1: only the algorithms of pinned keys; never `none` or HMAC.
    throw reject(JWS_CODES.ALG_UNSUPPORTED, 'header.alg', `must be one of ${ALGORITHMS.join(', ')}`);
  }
  if (header.crit !== undefined) {
    // [REJECT] RFC 7515 §4.1.11: a recipient that does not understand a critical extension rejects.
    throw reject(JWS_CODES.CRIT_UNSUPPORTED, 'header.crit', 'no critical header extension is supported');
  }
  const payload = decodePart(p, 'payload', limits);
  return {
    compact: text,
    header: header as JsonObject & { alg: JwsAlgorithm },
    payload,
    signingInput: new TextEncoder().encode(`${h}.${p}`),
    signature: new Uint8Array(Buffer.from(s, 'base64url')),
  };
}

/** A NumericDate claim (RFC 7519 §2) in ms, or null when absent; throws `code` when malformed. */
export function numericDateMs(payload: JsonObject, claim: string, code: string): number | null {
  const value = payload[claim];
  if (value === undefined) return null;
  // [REJECT] RFC 7519 §2 NumericDate: a JSON number of seconds since the epoch.
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 253402300799) {
    throw reject(code, claim, 'must be a NumericDate (seconds since the epoch)');
  }
  return Math.floor(value * 1000);
}
