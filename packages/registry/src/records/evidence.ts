/**
 * Equivocation evidence as it travels (DESIGN.md, Records §4): two conflicting signed records of one
 * kind, for the same slot and version, by the same signer. Its validation is validation/evidence.ts.
 */
import { canonicalBytes } from '../canonical.ts';
import { derToPem, isDerRecordBytes } from './der-record.ts';
import { isCompactJwsBytes } from './jws.ts';
import type { EvidenceRecord, RecordKind } from '../store/types.ts';

/** The `type` of an evidence record. */
export const EVIDENCE_TYPE = 'TrustmeshEquivocationEvidence';

/** The kind of record a stored evidence's slot key belongs to, or null for an unknown key. */
function kindOfSlot(key: string): Exclude<RecordKind, 'evidence'> | null {
  if (key.startsWith('governance/')) return 'governance';
  if (key.startsWith('accreditation/')) return 'accreditation';
  if (key.startsWith('status-list/')) return 'status-list';
  if (key.startsWith('crl/')) return 'crl';
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
  const decoder = new TextDecoder();
  // JSON records as JSON; JOSE records (issue 13) as their compact JWS text, exactly as signed; CRLs
  // (issue 14) as the PEM of their DER, which readSubmittedRecord turns back into the same DER.
  const asCarried = (b: Uint8Array) =>
    kind === 'crl' && isDerRecordBytes(b)
      ? derToPem('crl', b)
      : isCompactJwsBytes(b)
        ? decoder.decode(b)
        : JSON.parse(decoder.decode(b));
  return canonicalBytes({ type: EVIDENCE_TYPE, kind, records: records.map(asCarried) });
}

/** The wire form of stored evidence, or null when its slot key names no known kind. */
export function storedEvidenceWireBytes(evidence: EvidenceRecord): Uint8Array | null {
  const kind = kindOfSlot(evidence.key);
  return kind === null ? null : evidenceWireBytes(kind, evidence.records);
}
