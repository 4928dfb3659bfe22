/**
 * Validation of batches and ranges, shared by every RecordStore so they accept and refuse exactly the
 * same input. A batch is checked completely before anything is written (CONVENTIONS.md, Errors: a bad
 * input "leaves stored state as it was"), then turned into encoded values ready to store.
 */
import { StoreError } from '../errors.ts';
import { compareKeys, encodeEvidence, encodeJson, encodeRecord, isWellFormed, utf8Length } from './codec.ts';
import type { KeyRange, RecordKind, StoreBatch } from './types.ts';

/** Longest accepted record key, evidence id or meta name, in UTF-8 bytes. */
export const MAX_STORE_KEY_BYTES = 2048;

/** Largest accepted metadata value, in bytes of its JSON text ("small metadata values"). */
export const MAX_META_VALUE_BYTES = 64 * 1024;

/** Deepest accepted nesting of a metadata value. */
export const MAX_META_DEPTH = 16;

/** Every record kind, for validating `kind` (mirrors {@link RecordKind}). */
export const RECORD_KINDS: readonly RecordKind[] = [
  'governance',
  'accreditation',
  'status-list',
  'token-status-list',
  'status-list-2021',
  'token-status-list-cwt',
  'evidence',
  'crl',
  'ca-certificate',
];

const BATCH_FIELDS = new Set(['put', 'del', 'evidence', 'meta']);
const HEX_SHA256 = /^[0-9a-f]{64}$/;

/** A record ready to store: its encoded value plus what the index and the counters need. */
export interface PreparedPut {
  key: string;
  kind: RecordKind;
  digest: string;
  /** `bytes.byteLength` of the record, for the `bytes` counter. */
  size: number;
  value: Uint8Array;
}

/** A validated batch, deduplicated, with values encoded by the shared codec. */
export interface PreparedBatch {
  put: PreparedPut[];
  /** Distinct slot keys to remove; none of them is also in `put`. */
  del: string[];
  /** Distinct evidence ids with their encoded values (the first occurrence of an id wins). */
  evidence: Array<{ id: string; value: Uint8Array }>;
  /** Metadata changes; `value: null` removes the entry (reading it gives null either way). */
  meta: Array<{ name: string; value: Uint8Array | null }>;
}

/**
 * Checks a whole batch and encodes it. Throws `STORE_BAD_BATCH` naming the first offending field
 * (e.g. `put[1].digest`) before any store has touched its state.
 */
export function prepareBatch(batch: StoreBatch): PreparedBatch {
  if (!isPlainObject(batch)) throw bad(undefined, 'a batch must be an object');
  for (const field of Object.keys(batch)) {
    if (!BATCH_FIELDS.has(field)) throw bad(field, 'is not a batch field (put, del, evidence, meta)');
  }
  const prepared: PreparedBatch = { put: [], del: [], evidence: [], meta: [] };

  const putKeys = new Set<string>();
  for (const [i, record] of arrayField(batch.put, 'put').entries()) {
    const at = `put[${i}]`;
    if (!isPlainObject(record)) throw bad(at, 'must be a StoredRecord object');
    checkKey(record.key, `${at}.key`);
    if (putKeys.has(record.key))
      throw bad(`${at}.key`, `slot ${JSON.stringify(record.key)} appears twice in one batch`);
    putKeys.add(record.key);
    if (!isRecordKind(record.kind)) throw bad(`${at}.kind`, `must be one of ${RECORD_KINDS.join(', ')}`);
    checkDigest(record.digest, `${at}.digest`);
    checkText(record.version, `${at}.version`);
    checkBytes(record.bytes, `${at}.bytes`);
    checkTime(record.receivedAt, `${at}.receivedAt`);
    prepared.put.push({
      key: record.key,
      kind: record.kind,
      digest: record.digest,
      size: record.bytes.byteLength,
      value: encodeRecord({
        key: record.key,
        kind: record.kind,
        digest: record.digest,
        version: record.version,
        bytes: record.bytes,
        receivedAt: record.receivedAt,
      }),
    });
  }

  const delKeys = new Set<string>();
  for (const [i, key] of arrayField(batch.del, 'del').entries()) {
    checkKey(key, `del[${i}]`);
    // Put and delete of one slot in one batch has no meaningful order: refuse rather than guess.
    if (putKeys.has(key)) throw bad(`del[${i}]`, `slot ${JSON.stringify(key)} is both put and deleted`);
    if (!delKeys.has(key)) prepared.del.push(key);
    delKeys.add(key);
  }

  const evidenceIds = new Set<string>();
  for (const [i, evidence] of arrayField(batch.evidence, 'evidence').entries()) {
    const at = `evidence[${i}]`;
    if (!isPlainObject(evidence)) throw bad(at, 'must be an EvidenceRecord object');
    checkDigest(evidence.id, `${at}.id`);
    checkKey(evidence.key, `${at}.key`);
    checkText(evidence.signer, `${at}.signer`, true);
    checkText(evidence.version, `${at}.version`);
    if (!Array.isArray(evidence.records) || evidence.records.length !== 2) {
      throw bad(`${at}.records`, 'must hold exactly two conflicting records');
    }
    checkBytes(evidence.records[0], `${at}.records[0]`);
    checkBytes(evidence.records[1], `${at}.records[1]`);
    checkTime(evidence.receivedAt, `${at}.receivedAt`);
    // Evidence is idempotent on its id, within a batch as across batches.
    if (evidenceIds.has(evidence.id)) continue;
    evidenceIds.add(evidence.id);
    const records: [Uint8Array, Uint8Array] = [evidence.records[0], evidence.records[1]];
    const value = encodeEvidence({
      id: evidence.id,
      key: evidence.key,
      signer: evidence.signer,
      version: evidence.version,
      records,
      receivedAt: evidence.receivedAt,
    });
    prepared.evidence.push({ id: evidence.id, value });
  }

  if (batch.meta !== undefined) {
    if (!isPlainObject(batch.meta)) throw bad('meta', 'must be an object of name → JSON value');
    for (const [name, value] of Object.entries(batch.meta)) {
      const at = `meta.${name}`;
      checkKey(name, at);
      if (value === null) {
        prepared.meta.push({ name, value: null });
        continue;
      }
      checkJson(value, at, 0);
      const encoded = encodeJson(value);
      if (encoded.byteLength > MAX_META_VALUE_BYTES) {
        throw bad(at, `is ${encoded.byteLength} bytes of JSON; the limit is ${MAX_META_VALUE_BYTES}`);
      }
      prepared.meta.push({ name, value: encoded });
    }
  }
  return prepared;
}

/** A validated key range; `limit` is `Infinity` when absent. */
export interface CheckedRange {
  gte: string | undefined;
  lt: string | undefined;
  limit: number;
  kind: RecordKind | undefined;
}

/** Checks a range given to `records()` or `index()`; throws `STORE_BAD_RANGE` naming the field. */
export function checkRange(range: (KeyRange & { kind?: RecordKind }) | undefined): CheckedRange {
  if (range === undefined) return { gte: undefined, lt: undefined, limit: Number.POSITIVE_INFINITY, kind: undefined };
  if (typeof range !== 'object' || range === null) throw badRange(undefined, 'a range must be an object');
  const { gte, lt, limit, kind } = range;
  for (const [name, bound] of [
    ['gte', gte],
    ['lt', lt],
  ] as const) {
    if (bound !== undefined && (typeof bound !== 'string' || !isWellFormed(bound))) {
      throw badRange(name, 'must be a well-formed string');
    }
  }
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 0) && limit !== Number.POSITIVE_INFINITY) {
    throw badRange('limit', 'must be a non-negative integer');
  }
  if (kind !== undefined && !isRecordKind(kind)) {
    throw badRange('kind', `must be one of ${RECORD_KINDS.join(', ')}`);
  }
  return { gte, lt, limit: limit ?? Number.POSITIVE_INFINITY, kind };
}

/** True if `key` lies inside the range's bounds (in UTF-8 byte order). */
export function inRange(key: string, range: CheckedRange): boolean {
  if (range.gte !== undefined && compareKeys(key, range.gte) < 0) return false;
  if (range.lt !== undefined && compareKeys(key, range.lt) >= 0) return false;
  return true;
}

/**
 * True if `key` could name a stored slot, evidence id or meta entry. Lookups of anything else answer
 * null without reaching the storage engine, where a number would be coerced to a string key and a
 * lone surrogate would become U+FFFD.
 */
export function isStorableKey(key: unknown): key is string {
  return typeof key === 'string' && key.length > 0 && isWellFormed(key) && utf8Length(key) <= MAX_STORE_KEY_BYTES;
}

function isRecordKind(value: unknown): value is RecordKind {
  return (RECORD_KINDS as readonly unknown[]).includes(value);
}

function arrayField(value: unknown, field: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw bad(field, 'must be an array');
  return value;
}

function checkKey(value: unknown, field: string): asserts value is string {
  if (isStorableKey(value)) return;
  if (typeof value !== 'string' || value.length === 0) throw bad(field, 'must be a non-empty string');
  if (!isWellFormed(value)) throw bad(field, 'contains a lone surrogate (no UTF-8 form)');
  if (utf8Length(value) > MAX_STORE_KEY_BYTES) throw bad(field, `is longer than ${MAX_STORE_KEY_BYTES} UTF-8 bytes`);
}

function checkDigest(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string' || !HEX_SHA256.test(value)) throw bad(field, 'must be a lower-case hex SHA-256');
}

function checkText(value: unknown, field: string, nonEmpty = false): asserts value is string {
  if (typeof value !== 'string' || !isWellFormed(value) || (nonEmpty && value.length === 0)) {
    throw bad(field, nonEmpty ? 'must be a non-empty well-formed string' : 'must be a well-formed string');
  }
}

function checkBytes(value: unknown, field: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw bad(field, 'must be a Uint8Array');
}

function checkTime(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw bad(field, 'must be a non-negative integer (ms since epoch)');
  }
}

/** Accepts only values that survive a JSON round trip unchanged (no undefined, NaN, Date, class…). */
function checkJson(value: unknown, field: string, depth: number): void {
  if (depth > MAX_META_DEPTH) throw bad(field, `nests deeper than ${MAX_META_DEPTH}`);
  if (value === null || typeof value === 'boolean') return;
  if (typeof value === 'string') {
    if (!isWellFormed(value)) throw bad(field, 'contains a lone surrogate');
    return;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw bad(field, 'must be a finite number');
    return;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) checkJson(item, `${field}[${i}]`, depth + 1);
    return;
  }
  if (isPlainObject(value)) {
    for (const [name, item] of Object.entries(value)) checkJson(item, `${field}.${name}`, depth + 1);
    return;
  }
  throw bad(field, `${typeof value} is not a JSON value`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function bad(field: string | undefined, message: string) {
  return new StoreError('STORE_BAD_BATCH', message, { field });
}

function badRange(field: string | undefined, message: string) {
  return new StoreError('STORE_BAD_RANGE', message, { field });
}
