/**
 * How a binary record is told apart and carried (issue 14). A leaf module (errors and limits only),
 * so that the record readers, the kinds and the evidence wire form can all use it without a cycle.
 */
import { reject } from '../errors.ts';
import { INPUT_LIMIT_CODES, type InputLimits } from '../limits.ts';

/** Codes of a CWT record carried as text. */
export const CWT_RECORD_CODES = {
  /** `reject` — a CWT data: URL whose payload is not base64url (RFC 4648 §5, no padding). */
  DATA_URL_INVALID: 'CWT_DATA_URL_INVALID',
} as const;

/**
 * Cheap recognition of a binary record: CBOR tag 18, COSE_Sign1_Tagged (RFC 9052 §4.2), whose
 * one-byte head is 0xD2. JSON starts with `{`, a compact JWS with `e`, DER with 0x30, PEM with `-`:
 * no other record starts so. Only the Token Status List in CWT form (draft-ietf-oauth-status-list
 * §5.2) is such a record; its `typ` is checked by its reader (status-list/cwt-status-list.ts).
 */
export function isCoseSign1TaggedBytes(bytes: Uint8Array): boolean {
  return bytes.byteLength > 0 && bytes[0] === 0xd2;
}

/** How a CWT record travels inside JSON (evidence): a data: URL of its bytes (RFC 2397, base64url). */
export const CWT_DATA_URL_PREFIX = 'data:application/statuslist+cwt;base64url,';

/** The bytes of a CWT record carried as {@link CWT_DATA_URL_PREFIX}…, bounded before decoding; else null. */
export function cwtDataUrlBytes(text: string, limits: InputLimits): Uint8Array | null {
  if (!text.startsWith(CWT_DATA_URL_PREFIX)) return null;
  const encoded = text.slice(CWT_DATA_URL_PREFIX.length);
  // [REJECT] docs/records.md Input limits: at most maxRecordBytes once decoded (checked on the text first).
  if (encoded.length > Math.ceil((limits.maxRecordBytes * 4) / 3))
    throw reject(INPUT_LIMIT_CODES.RECORD_TOO_LARGE, undefined, `the CWT data: URL is ${encoded.length} characters`);
  // [REJECT] RFC 4648 §5: base64url, no padding.
  if (!/^[A-Za-z0-9_-]+$/.test(encoded))
    throw reject(CWT_RECORD_CODES.DATA_URL_INVALID, undefined, 'the CWT data: URL is not base64url');
  return new Uint8Array(Buffer.from(encoded, 'base64url'));
}
