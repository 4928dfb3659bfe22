/**
 * The single entry of every record into the registry: bounded parsing, kind detection and the
 * kind's own parser. Gossip, anti-entropy, the HTTP API and the CLI all come through here.
 */
import { canonicalBytes, sha256Hex } from '../canonical.ts';
import { reject } from '../errors.ts';
import { recogniseJoseKind, recogniseKind } from '../kinds/recognise.ts';
import { assertJsonValue, INPUT_LIMIT_CODES, type InputLimits, largeRecordLimit, parseJsonBounded } from '../limits.ts';
import { ACCREDITATION_TYPE } from '../records/accreditation.ts';
import { cwtDataUrlBytes, isCoseSign1TaggedBytes } from '../records/cwt-bytes.ts';
import {
  type DerRecordKind,
  derRecordKind,
  isDerRecordBytes,
  looksLikePem,
  PEM_LABELS,
  pemLengthBound,
  pemToDer,
} from '../records/der-record.ts';
import { EVIDENCE_TYPE } from '../records/evidence.ts';
import { GOVERNANCE_TYPE } from '../records/governance.ts';
import { type CompactJws, isCompactJwsBytes, looksLikeCompactJws, parseCompactJws } from '../records/jws.ts';
import { type ParsedCwtStatusList, readCwtStatusList } from '../status-list/cwt-status-list.ts';
import type { RecordKind } from '../store/types.ts';
import { CA_CERTIFICATE_CODES, MAX_CA_CERTIFICATE_BYTES } from '../x509/ca-certificate.ts';
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
  /** DER records (issue 14: CRLs, CA certificates): `bytes` are the DER as signed; `value` is empty. */
  der?: DerRecordKind;
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

/**
 * A DER record (records/der-record.ts): bounded first — a CRL by `maxLargeRecordBytes`, a CA
 * certificate by its 64 KiB — then recognised by a peek at its headers; the bytes are kept as given.
 */
function readDerRecord(der: Uint8Array, limits: InputLimits): SubmittedRecord {
  const largest = Math.max(largeRecordLimit(limits), MAX_CA_CERTIFICATE_BYTES);
  // [REJECT] docs/records.md Certificate revocation lists: the size bound before anything is read.
  if (der.byteLength > largest) {
    throw reject(
      INPUT_LIMIT_CODES.RECORD_TOO_LARGE,
      undefined,
      `record is ${der.byteLength} bytes; at most ${largest}`,
    );
  }
  const kind = derRecordKind(der);
  // [REJECT] DESIGN.md Records: DER is a CRL or a certificate, nothing else.
  if (kind === null) {
    throw reject(SUBMITTED_RECORD_CODES.RECORD_KIND_UNKNOWN, undefined, 'DER that is neither a CRL nor a certificate');
  }
  if (kind === 'crl' && der.byteLength > largeRecordLimit(limits)) {
    // [REJECT] docs/records.md Certificate revocation lists: at most maxLargeRecordBytes.
    throw reject(
      INPUT_LIMIT_CODES.RECORD_TOO_LARGE,
      undefined,
      `CRL is ${der.byteLength} bytes; the limit is ${largeRecordLimit(limits)}`,
    );
  }
  if (kind === 'ca-certificate' && der.byteLength > MAX_CA_CERTIFICATE_BYTES) {
    // [REJECT] docs/records.md Accreditation of a CA: a CA certificate is at most 64 KiB.
    throw reject(
      CA_CERTIFICATE_CODES.TOO_LARGE,
      undefined,
      `certificate is ${der.byteLength} bytes; at most ${MAX_CA_CERTIFICATE_BYTES}`,
    );
  }
  return { kind, value: {}, bytes: der, digest: sha256Hex(der), der: kind };
}

/** PEM (RFC 7468) of a CRL or a certificate: bounded, decoded to DER, then read as DER. */
function readPemRecord(input: string | Uint8Array, limits: InputLimits): SubmittedRecord {
  const bound = pemLengthBound(Math.max(largeRecordLimit(limits), MAX_CA_CERTIFICATE_BYTES));
  // [REJECT] docs/records.md Certificate revocation lists: PEM is bounded before it is decoded.
  if (input.length > bound) {
    throw reject(INPUT_LIMIT_CODES.RECORD_TOO_LARGE, undefined, `PEM record of ${input.length} characters`);
  }
  const text =
    typeof input === 'string'
      ? input
      : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1');
  const pem = pemToDer(text);
  const record = pem ? readDerRecord(pem.der, limits) : null;
  // [REJECT] RFC 7468 §5, §6: one `CERTIFICATE` or `X509 CRL` block, its label naming what it holds.
  if (!pem || !record || PEM_LABELS[record.kind as DerRecordKind] !== pem.label) {
    throw reject(
      SUBMITTED_RECORD_CODES.RECORD_KIND_UNKNOWN,
      undefined,
      'PEM must hold one X509 CRL or CERTIFICATE block whose label names its content',
    );
  }
  return record;
}

// Canonical JSON of CRL evidence starts so (members sorted: kind, records, type).
const CRL_EVIDENCE_PREFIX = new TextEncoder().encode('{"kind":"crl","records":[');

/**
 * The size bound of a JSON record: `maxRecordBytes`, except CRL evidence, which carries two CRLs as
 * PEM (validation/evidence.ts) and is bounded by twice the PEM of `maxLargeRecordBytes`.
 */
function jsonRecordLimit(input: Uint8Array | Record<string, unknown> | null, limits: InputLimits): number {
  const crlEvidence =
    input instanceof Uint8Array
      ? input.length > CRL_EVIDENCE_PREFIX.length && CRL_EVIDENCE_PREFIX.every((b, i) => input[i] === b)
      : input !== null && input.type === EVIDENCE_TYPE && input.kind === 'crl';
  return crlEvidence ? 2 * pemLengthBound(largeRecordLimit(limits)) + 4096 : limits.maxRecordBytes;
}

/** Parses untrusted input (bytes from the network, or an object in-process) within the limits. */
export function readSubmittedRecord(input: Uint8Array | unknown, limits: InputLimits): SubmittedRecord {
  // DER records (issue 14) first: a SEQUENCE is neither JSON nor a JWS. PEM text becomes its DER.
  if (input instanceof Uint8Array && isDerRecordBytes(input)) return readDerRecord(input, limits);
  if ((typeof input === 'string' || input instanceof Uint8Array) && looksLikePem(input)) {
    return readPemRecord(input, limits);
  }
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
    value = parseJsonBounded(input, { ...limits, maxRecordBytes: jsonRecordLimit(input, limits) });
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
  const max = jsonRecordLimit(value, limits);
  if (bytes.byteLength > max) {
    throw reject(
      INPUT_LIMIT_CODES.RECORD_TOO_LARGE,
      undefined,
      `record is ${bytes.byteLength} bytes; the limit is ${max}`,
    );
  }
  return { kind: kindOf(value), value, bytes, digest: sha256Hex(bytes) };
}

/**
 * Re-reads a stored record (validated on admission): JSON, or a JOSE record. No limits are applied
 * beyond the record size the store already enforced.
 */
export function readStoredRecord(bytes: Uint8Array, limits: InputLimits): SubmittedRecord {
  if (isDerRecordBytes(bytes)) {
    const kind = derRecordKind(bytes);
    if (kind !== null) return { kind, value: {}, bytes, digest: sha256Hex(bytes), der: kind };
  }
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
