/**
 * Recognition of a record's kind from its `type`, shared by admission (validation/submitted-record.ts)
 * and classification (kinds/index.ts). Kept apart from the kind modules so that parsing untrusted
 * input needs no validator. The order is the precedence when a record names several types.
 */

import { reject } from '../errors.ts';
import { INPUT_LIMIT_CODES, type InputLimits } from '../limits.ts';
import { ACCREDITATION_TYPE } from '../records/accreditation.ts';
import { EVIDENCE_TYPE } from '../records/evidence.ts';
import { GOVERNANCE_TYPE } from '../records/governance.ts';
import type { CompactJws } from '../records/jws.ts';
import { BITSTRING_STATUS_LIST_CREDENTIAL_TYPE } from '../records/status-list-credential.ts';
import { CWT_STATUS_LIST_CODES } from '../status-list/cwt-status-list.ts';
import type { RecordKind } from '../store/types.ts';

/** The type that names each kind, in precedence order. */
export const KIND_TYPES: ReadonlyArray<readonly [RecordKind, string]> = [
  ['governance', GOVERNANCE_TYPE],
  ['evidence', EVIDENCE_TYPE],
  ['status-list', BITSTRING_STATUS_LIST_CREDENTIAL_TYPE],
  ['accreditation', ACCREDITATION_TYPE],
];

/** The kind a record's `type` names, or null when it names none. */
export function recogniseKind(value: Record<string, unknown>): RecordKind | null {
  const type = value.type;
  const types = typeof type === 'string' ? [type] : Array.isArray(type) ? type : [];
  for (const [kind, name] of KIND_TYPES) if (types.includes(name)) return kind;
  return null;
}

/**
 * The kind a JWS record is (issue 13), from its header and claims, or null. Each JOSE kind adds its
 * recogniser to {@link JOSE_KINDS}; the first that claims the JWS decides.
 */
export function recogniseJoseKind(jws: CompactJws): RecordKind | null {
  for (const [kind, claims] of JOSE_KINDS) if (claims(jws)) return kind;
  return null;
}

/** JOSE record kinds and how each recognises its JWS, in precedence order. */
export const JOSE_KINDS: ReadonlyArray<readonly [RecordKind, (jws: CompactJws) => boolean]> = [
  // draft-ietf-oauth-status-list §5.1: typ statuslist+jwt, or a `status_list` claim (a wrong typ is
  // then recognised and rejected by the kind with TOKEN_STATUS_LIST_TYP_INVALID).
  ['token-status-list', (jws) => jws.header.typ === 'statuslist+jwt' || jws.payload.status_list !== undefined],
  // jwt_vc_json: payload `vc` whose type includes StatusList2021Credential.
  [
    'status-list-2021',
    (jws) => {
      const vc = jws.payload.vc as { type?: unknown } | undefined;
      const type = vc && typeof vc === 'object' ? vc.type : undefined;
      return type === 'StatusList2021Credential' || (Array.isArray(type) && type.includes('StatusList2021Credential'));
    },
  ],
];

/**
 * Cheap recognition of a binary record (issue 14): CBOR tag 18, COSE_Sign1_Tagged (RFC 9052 §4.2),
 * whose one-byte head is 0xD2. JSON starts with `{`, a compact JWS with `e`, DER with 0x30, PEM with
 * `-`: no other record kind starts so. Only the Token Status List in CWT form
 * (draft-ietf-oauth-status-list §5.2) is such a record; its `typ` is checked by its reader.
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
    throw reject(CWT_STATUS_LIST_CODES.MALFORMED, undefined, 'the CWT data: URL is not base64url');
  return new Uint8Array(Buffer.from(encoded, 'base64url'));
}
