/**
 * Equivocation evidence as it travels (DESIGN.md, Records §4): two conflicting signed records of one
 * kind, for the same slot and version, by the same signer. Its validation is validation/evidence.ts.
 */
import { canonicalBytes } from '../canonical.ts';
import { derRecordKind, derToPem, isDerRecordBytes } from './der-record.ts';
import { isCompactJwsBytes } from './jws.ts';
import type { EvidenceRecord, RecordKind } from '../store/types.ts';
import { CWT_DATA_URL_PREFIX, isCoseSign1TaggedBytes } from './cwt-bytes.ts';

/** The `type` of an evidence record. */
export const EVIDENCE_TYPE = 'TrustmeshEquivocationEvidence';

/** The kind of record a stored evidence's slot key belongs to, or null for an unknown key. */
function kindOfSlot(key: string): Exclude<RecordKind, 'evidence'> | null {
  if (key.startsWith('governance/')) return 'governance';
  if (key.startsWith('accreditation/')) return 'accreditation';
  if (key.startsWith('status-list/')) return 'status-list';
  if (key.startsWith('crl/')) return 'crl';
  if (key.startsWith('token-status-list-cwt/')) return 'token-status-list-cwt';
  if (key.startsWith('token-status-list/')) return 'token-status-list';
  if (key.startsWith('status-list-2021/')) return 'status-list-2021';
  return null;
}

/**
 * The wire form of evidence: `{type, kind, records: [first, second]}` in canonical bytes, the form
 * that gossip and anti-entropy carry and that validateEvidence checks.
 */
export function evidenceWireBytes(
  kind: Exclude<RecordKind, 'evidence'>,
  records: readonly [Uint8Array, Uint8Array] | readonly Uint8Array[],
): Uint8Array {
  return canonicalBytes({ type: EVIDENCE_TYPE, kind, records: records.map(evidenceRecordAsCarried) });
}

/**
 * One record of evidence as JSON carries it: JSON records as JSON; JOSE records (issue 13) as their
 * compact JWS text, exactly as signed; CWT records (issue 14) as a data: URL of their bytes
 * (base64url), which readSubmittedRecord reads back to the same bytes. What GET /evidence serves.
 */
export function evidenceRecordAsCarried(bytes: Uint8Array): unknown {
  // A DER record (a CRL, issue 14) as the PEM of its DER, which readSubmittedRecord turns back into it.
  const der = isDerRecordBytes(bytes) ? derRecordKind(bytes) : null;
  if (der !== null) return derToPem(der, bytes);
  if (isCoseSign1TaggedBytes(bytes)) return `${CWT_DATA_URL_PREFIX}${Buffer.from(bytes).toString('base64url')}`;
  const text = new TextDecoder().decode(bytes);
  return isCompactJwsBytes(bytes) ? text : JSON.parse(text);
}

/** The wire form of stored evidence, or null when its slot key names no known kind. */
export function storedEvidenceWireBytes(evidence: EvidenceRecord): Uint8Array | null {
  const kind = kindOfSlot(evidence.key);
  return kind === null ? null : evidenceWireBytes(kind, evidence.records);
}
