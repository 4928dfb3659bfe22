/**
 * Record kinds: the one place that knows which kinds exist. {@link classifyRecord} is what the node
 * asks about bytes it has not submitted yet (anti-entropy's submission order, a pending buffer's key);
 * {@link kindModule} is what the registry dispatches on.
 */
import { DEFAULT_INPUT_LIMITS, type InputLimits, parseJsonBounded } from '../limits.ts';
import { isCoseSign1TaggedBytes } from '../records/cwt-bytes.ts';
import { isDerRecordBytes } from '../records/der-record.ts';
import { isCompactJwsBytes } from '../records/jws.ts';
import type { RecordKind } from '../store/types.ts';
import { isStatusListEnvelope, readSubmittedRecord, type SubmittedRecord } from '../validation/submitted-record.ts';
import type { TrustView } from '../verification/trust-view.ts';
import { accreditationKind } from './accreditation.ts';
import { caCertificateKind } from './ca-certificate.ts';
import { crlKind } from './crl.ts';
import { evidenceKind } from './evidence.ts';
import { governanceKind } from './governance.ts';
import { recogniseKind } from './recognise.ts';
import { statusList2021Kind, tokenStatusListKind } from '../status-list/jose-lists.ts';
import { statusListKind } from './status-list.ts';
import { cwtStatusListKind } from '../status-list/cwt-list-kind.ts';
import type { RecordKindModule } from './types.ts';

export type { RecordKindModule, RestoreEnvironment, SlotOf } from './types.ts';

const KINDS: Record<RecordKind, RecordKindModule> = {
  governance: governanceKind,
  accreditation: accreditationKind,
  'status-list': statusListKind,
  'token-status-list': tokenStatusListKind,
  'status-list-2021': statusList2021Kind,
  'token-status-list-cwt': cwtStatusListKind,
  evidence: evidenceKind,
  crl: crlKind,
  'ca-certificate': caCertificateKind,
};

/** The module of a kind. */
export function kindModule(kind: RecordKind): RecordKindModule {
  return KINDS[kind];
}

/** What {@link classifyRecord} tells about a record before it is validated. */
export interface RecordClass {
  kind: RecordKind;
  /** The store key it would occupy, when its JSON alone says so. */
  slotKey: string | null;
  /** Submission order: `[kind rank, order within the kind]`, ascending. */
  rank: readonly [number, number];
}

/** Rank given to bytes that are not a record of a known kind: submitted last, to be rejected. */
export const UNCLASSIFIED_RANK: readonly [number, number] = [Number.MAX_SAFE_INTEGER, 0];

/**
 * Classifies untrusted bytes without validating them: bounded parse, kind, slot key and rank, or
 * null when they are not a record of a known kind (the registry then rejects them with a precise
 * code). With `view`, status lists of authorities and accreditors rank before issuers' lists.
 */
export function classifyRecord(
  bytes: Uint8Array,
  options: { limits?: InputLimits; view?: TrustView } = {},
): RecordClass | null {
  const limits = options.limits ?? DEFAULT_INPUT_LIMITS;
  let value: unknown;
  let record: SubmittedRecord | undefined;
  try {
    if (isCoseSign1TaggedBytes(bytes)) {
      // Binary: a Token Status List in CWT form (issue 14), read without inflating.
      record = readSubmittedRecord(bytes, limits);
      value = record.value;
    } else if (!isCompactJwsBytes(bytes) && !isDerRecordBytes(bytes)) value = parseJsonBounded(bytes, limits);
    else {
      // Not JSON: a JOSE record (compact JWS) recognised by its header and claims, or a DER record
      // (a CRL, a CA certificate: issue 14) by its first tags.
      record = readSubmittedRecord(bytes, limits);
      value = record.value;
    }
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  let object = value as Record<string, unknown>;
  if (record === undefined && isStatusListEnvelope(object)) {
    try {
      record = readSubmittedRecord(object, limits);
      object = record.value;
    } catch {
      return null;
    }
  }
  const kind = record?.kind ?? recogniseKind(object);
  if (kind === null) return null;
  const module = KINDS[kind];
  const slot = module.slotOf(object, options.view, record);
  return { kind, slotKey: slot.key, rank: [module.rank, slot.order] };
}

/** Sorts records for submission (dependencies first), by {@link classifyRecord}; stable. */
export function bySubmissionOrder<T>(items: readonly T[], bytesOf: (item: T) => Uint8Array, view?: TrustView): T[] {
  const ranked = items.map((item) => ({
    item,
    rank: classifyRecord(bytesOf(item), view ? { view } : {})?.rank ?? UNCLASSIFIED_RANK,
  }));
  ranked.sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1]);
  return ranked.map((r) => r.item);
}
