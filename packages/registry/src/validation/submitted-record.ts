/**
 * The single entry of every record into the registry: bounded parsing, kind detection and the
 * kind's own parser. Gossip, anti-entropy, the HTTP API and the CLI all come through here.
 */
import { canonicalBytes, sha256Hex } from '../canonical.ts';
import { reject } from '../errors.ts';
import { recogniseJoseKind, recogniseKind } from '../kinds/recognise.ts';
import { assertJsonValue, INPUT_LIMIT_CODES, type InputLimits, parseJsonBounded } from '../limits.ts';
import { ACCREDITATION_TYPE } from '../records/accreditation.ts';
import { cwtDataUrlBytes, isCoseSign1TaggedBytes } from '../records/cwt-bytes.ts';
import { EVIDENCE_TYPE } from '../records/evidence.ts';
import { GOVERNANCE_TYPE } from '../records/governance.ts';
import { type CompactJws, isCompactJwsBytes, looksLikeCompactJws, parseCompactJws } from '../records/jws.ts';
import { type ParsedCwtStatusList, readCwtStatusList } from '../status-list/cwt-status-list.ts';
import type { RecordKind } from '../store/types.ts';
import { isObject } from './fields.ts';

/** Codes of a submitted record's envelope (beside {@link INPUT_LIMIT_CODES}). */
export const SUBMITTED_RECORD_CODES = {
  /** `reject` — the record is JSON but not an object. */
  RECORD_NOT_OBJECT: 'RECORD_NOT_OBJECT',
  /** `reject` — the record names none of the kinds this network replicates. */
  RECORD_KIND_UNKNOWN: 'RECORD_KIND_UNKNOWN',
} as const;

/**
 * A bounded, parsed record with its bytes and content address. JSON records are carried as their
 * canonical bytes; JOSE records (issue 13) as they were signed — the compact JWS text, or TW DIW's
 * `{"statusList": "<JWS>"}` envelope (canonical JSON of it) — so a mirror serves them byte-identical.
 */
export interface SubmittedRecord {
  kind: RecordKind;
  /** The record (JSON records) or the JWS payload, a JWT claims set (JOSE records). */
  value: Record<string, unknown>;
  bytes: Uint8Array;
  digest: string;
  /** JOSE records: the parsed JWS, and whether it came bare or in TW DIW's envelope. */
  jose?: { jws: CompactJws; form: 'compact' | 'envelope' };
  /** CWT records (issue 14): the Token Status List in CWT form, read, `lst` not inflated. */
  cwt?: ParsedCwtStatusList;
}

/**
 * A Token Status List in CWT form (draft-ietf-oauth-status-list §5.2), held as its bytes: bounded
 * first (the record size bound), then read without inflating `lst` (inflated only after the
 * signature, status-list/cwt-list-kind.ts). `value` carries its `sub` and `iat` for slotOf.
 */
function readCwtRecord(bytes: Uint8Array, limits: InputLimits): SubmittedRecord {
  // [REJECT] docs/records.md Input limits: at most maxRecordBytes, before any CBOR is read.
  if (bytes.byteLength > limits.maxRecordBytes)
    throw reject(INPUT_LIMIT_CODES.RECORD_TOO_LARGE, undefined, `record is ${bytes.byteLength} bytes`);
  const held = new Uint8Array(bytes);
  const cwt = readCwtStatusList(held, limits, { inflate: false });
  return {
    kind: 'token-status-list-cwt',
    value: { sub: cwt.sub, iat: cwt.iat },
    bytes: held,
    digest: sha256Hex(held),
    cwt,
  };
}

/** The member of TW DIW's status list envelope `{"statusList": "<JWS>"}` (issue 13). */
export const TW_ENVELOPE_MEMBER = 'statusList';

/** True for TW DIW's envelope: an object with the one member `statusList`, a string. */
export function isStatusListEnvelope(value: unknown): value is { statusList: string } {
  return isObject(value) && typeof value[TW_ENVELOPE_MEMBER] === 'string' && Object.keys(value).length === 1;
}

function readJoseRecord(jws: CompactJws, bytes: Uint8Array, form: 'compact' | 'envelope'): SubmittedRecord {
  const kind = recogniseJoseKind(jws);
  // [REJECT] DESIGN.md Records: a JOSE record is a list of a kind this network replicates.
  if (kind === null) {
    throw reject(
      SUBMITTED_RECORD_CODES.RECORD_KIND_UNKNOWN,
      'header.typ',
      'a JWS record must be a Token Status List (typ statuslist+jwt) or a StatusList2021Credential JWT',
    );
  }
  return { kind, value: jws.payload, bytes, digest: sha256Hex(bytes), jose: { jws, form } };
}

/** Parses untrusted input (bytes from the network, or an object in-process) within the limits. */
export function readSubmittedRecord(input: Uint8Array | unknown, limits: InputLimits): SubmittedRecord {
  let value: unknown;
  // A COSE_Sign1_Tagged record (issue 14: the CWT form of a Token Status List), by its first byte;
  // in evidence it travels as a data: URL of its bytes (records/evidence.ts).
  if (input instanceof Uint8Array && isCoseSign1TaggedBytes(input)) return readCwtRecord(input, limits);
  const fromDataUrl = typeof input === 'string' ? cwtDataUrlBytes(input, limits) : null;
  if (fromDataUrl) return readCwtRecord(fromDataUrl, limits);
  if (
    (typeof input === 'string' && looksLikeCompactJws(input)) ||
    (input instanceof Uint8Array && isCompactJwsBytes(input))
  ) {
    // A compact JWS (issue 13): kept exactly as received; its digest is that of its text.
    // Bytes of base64url and dots are their own latin1 text: read in place, copied once to be held.
    const text =
      typeof input === 'string'
        ? input
        : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1');
    const jws = parseCompactJws(text, limits);
    return readJoseRecord(
      jws,
      typeof input === 'string' ? new TextEncoder().encode(text) : new Uint8Array(input),
      'compact',
    );
  }
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
  if (isStatusListEnvelope(value)) {
    // [REJECT] docs/records.md Input limits: the envelope too is at most maxRecordBytes.
    if (bytes.byteLength > limits.maxRecordBytes) {
      throw reject(INPUT_LIMIT_CODES.RECORD_TOO_LARGE, undefined, `record is ${bytes.byteLength} bytes`);
    }
    return readJoseRecord(parseCompactJws(value.statusList, limits), bytes, 'envelope');
  }
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

/**
 * Re-reads a stored record (validated on admission): JSON, or a JOSE record. No limits are applied
 * beyond the record size the store already enforced.
 */
export function readStoredRecord(bytes: Uint8Array, limits: InputLimits): SubmittedRecord {
  if (isCompactJwsBytes(bytes) || isCoseSign1TaggedBytes(bytes)) return readSubmittedRecord(bytes, limits);
  const value = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  if (isStatusListEnvelope(value)) return readSubmittedRecord(value, limits);
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
