/**
 * The single entry of every record into the registry: bounded parsing, kind detection and the
 * kind's own parser. Gossip, anti-entropy, the HTTP API and the CLI all come through here.
 */
import { canonicalBytes, sha256Hex } from '../canonical.ts';
import { reject } from '../errors.ts';
import { assertJsonValue, INPUT_LIMIT_CODES, type InputLimits, parseJsonBounded } from '../limits.ts';
import { recogniseKind } from '../kinds/recognise.ts';
import { ACCREDITATION_TYPE } from '../records/accreditation.ts';
import { EVIDENCE_TYPE } from '../records/evidence.ts';
import { GOVERNANCE_TYPE } from '../records/governance.ts';
import type { RecordKind } from '../store/types.ts';
import { isObject } from './fields.ts';

/** Codes of a submitted record's envelope (beside {@link INPUT_LIMIT_CODES}). */
export const SUBMITTED_RECORD_CODES = {
  /** `reject` — the record is JSON but not an object. */
  RECORD_NOT_OBJECT: 'RECORD_NOT_OBJECT',
  /** `reject` — the record names none of the kinds this network replicates. */
  RECORD_KIND_UNKNOWN: 'RECORD_KIND_UNKNOWN',
} as const;

/** A bounded, parsed record with its canonical bytes and content address. */
export interface SubmittedRecord {
  kind: RecordKind;
  value: Record<string, unknown>;
  bytes: Uint8Array;
  digest: string;
}

/** Parses untrusted input (bytes from the network, or an object in-process) within the limits. */
export function readSubmittedRecord(input: Uint8Array | unknown, limits: InputLimits): SubmittedRecord {
  let value: unknown;
  if (input instanceof Uint8Array) {
    value = parseJsonBounded(input, limits);
  } else {
    // In-process objects (the HTTP API's parsed body, the CLI) get the same checks as bytes:
    // bounded depth, no lone surrogates, finite numbers, plain JSON only (typed rejects, never a throw).
    assertJsonValue(input, limits.maxJsonDepth);
    value = input;
  }
  // [REJECT] docs/records.md Input limits: every record is a JSON object.
  if (!isObject(value))
    throw reject(SUBMITTED_RECORD_CODES.RECORD_NOT_OBJECT, undefined, 'a record must be a JSON object');
  // Records are addressed by the hash of their canonical bytes, whatever bytes they arrived as.
  const bytes = canonicalBytes(value);
  // [REJECT] docs/records.md Input limits: at most maxRecordBytes, measured on the canonical bytes.
  if (bytes.byteLength > limits.maxRecordBytes) {
    throw reject(
      INPUT_LIMIT_CODES.RECORD_TOO_LARGE,
      undefined,
      `record is ${bytes.byteLength} bytes; the limit is ${limits.maxRecordBytes}`,
    );
  }
  return { kind: kindOf(value), value, bytes, digest: sha256Hex(bytes) };
}

function kindOf(value: Record<string, unknown>): RecordKind {
  const kind = recogniseKind(value);
  if (kind !== null) return kind;
  // [REJECT] DESIGN.md Records: a record names one of the kinds this network replicates.
  throw reject(
    SUBMITTED_RECORD_CODES.RECORD_KIND_UNKNOWN,
    'type',
    `must name a record kind: ${GOVERNANCE_TYPE}, ${ACCREDITATION_TYPE}, BitstringStatusListCredential or ${EVIDENCE_TYPE}`,
  );
}
