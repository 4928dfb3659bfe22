/**
 * What a record kind declares (CONVENTIONS.md, Layout): recognition, slot key, version order,
 * submission rank, the validation pipeline and how a stored version is restored. The node holds no
 * knowledge of kinds: it asks {@link classifyRecord} (kinds/index.ts) and the registry's `submit`.
 * Adding a kind is adding one module here, its records/ parser and its validation/ rules.
 */
import type { InputLimits } from '../limits.ts';
import type { RecordKind, StoredRecord } from '../store/types.ts';
import type { Admission, ValidationContext } from '../validation/context.ts';
import type { SubmittedRecord } from '../validation/submitted-record.ts';
import type { TrustView } from '../verification/trust-view.ts';
import type { CrlHoldings } from '../x509/held-crls.ts';

/** What a restore may read besides the stored record: the state loaded so far (issue 14: CRLs). */
export interface RestoreEnvironment {
  view: TrustView;
  crlHoldings(): CrlHoldings;
  /** Gives the event loop a turn while a large record is decoded. */
  pause(): Promise<unknown>;
}

/** The slot a record occupies, read from its JSON alone, and its order among records of its kind. */
export interface SlotOf {
  /** The store key (null when it needs the registry, e.g. a list signed by a pinned non-did:key key). */
  key: string | null;
  /** Order of submission among records of the same rank (e.g. the governance version). */
  order: number;
}

/** One record kind. */
export interface RecordKindModule {
  kind: RecordKind;
  /**
   * Submission rank: dependencies before dependants (governance → accreditations → status lists →
   * evidence). Anti-entropy serves and submits in this order, so one pass admits most of a catch-up.
   */
  rank: number;
  /** True for JSON-LD records, whose contexts are checked against the allow-list before anything else. */
  jsonLd: boolean;
  /**
   * Slot and order from the record's JSON, without validation (cheap; untrusted input). JOSE kinds
   * get the read record too (`value` is its claims set; the header is in `record.jose`).
   */
  slotOf(value: Record<string, unknown>, view?: TrustView, record?: SubmittedRecord): SlotOf;
  /** The validation pipeline: cheap checks first, signatures last. Throws ValidationError. */
  validate(record: SubmittedRecord, ctx: ValidationContext): Promise<Admission>;
  /**
   * Rebuilds the admission of a stored (already validated) version, when the store is opened. DER
   * kinds (CRLs) decode asynchronously and may hold nothing (null: a delta its base superseded).
   */
  restore(
    stored: StoredRecord,
    record: SubmittedRecord,
    limits: InputLimits,
    env?: RestoreEnvironment,
  ): Admission | null | Promise<Admission | null>;
}
