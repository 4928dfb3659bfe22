/**
 * Recognition of a record's kind from its `type`, shared by admission (validation/submitted-record.ts)
 * and classification (kinds/index.ts). Kept apart from the kind modules so that parsing untrusted
 * input needs no validator. The order is the precedence when a record names several types.
 */
import { ACCREDITATION_TYPE } from '../records/accreditation.ts';
import { EVIDENCE_TYPE } from '../records/evidence.ts';
import { GOVERNANCE_TYPE } from '../records/governance.ts';
import type { CompactJws } from '../records/jws.ts';
import { BITSTRING_STATUS_LIST_CREDENTIAL_TYPE } from '../records/status-list-credential.ts';
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
