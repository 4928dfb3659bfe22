/**
 * Recognition of a record's kind from its `type`, shared by admission (validation/submitted-record.ts)
 * and classification (kinds/index.ts). Kept apart from the kind modules so that parsing untrusted
 * input needs no validator. The order is the precedence when a record names several types.
 */
import { ACCREDITATION_TYPE } from '../records/accreditation.ts';
import { GOVERNANCE_TYPE } from '../records/governance.ts';
import { BITSTRING_STATUS_LIST_CREDENTIAL_TYPE } from '../records/status-list-credential.ts';
import type { RecordKind } from '../store/types.ts';
import { EVIDENCE_TYPE } from '../records/evidence.ts';

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
