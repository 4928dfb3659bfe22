/**
 * The on-disk value layout and key order shared by every RecordStore implementation.
 *
 * Both stores keep values in this encoded form, so the in-memory store returns exactly what the
 * LevelDB store would return after a restart (same copies, same JSON round-trip of numbers).
 */
import { storeFault } from '../errors.ts';
import type { EvidenceRecord, RecordKind, StoredRecord } from './types.ts';

/** First byte of every encoded record and evidence value; bump it when the layout changes. */
export const STORE_CODEC_VERSION = 1;

/** Header size: version byte + 32-bit big-endian header length. */
const PREFIX_BYTES = 5;

const UTF8 = new TextEncoder();
const UTF8_DECODER = new TextDecoder('utf-8', { fatal: true });

/**
 * Orders keys by their UTF-8 bytes, which is how LevelDB orders them.
 *
 * Plain `<` on JS strings compares UTF-16 code units and disagrees with UTF-8 byte order when a
 * surrogate pair (code point ≥ U+10000) meets a code unit in U+E000–U+FFFF; the rank below moves
 * surrogates above that block so the in-memory store iterates in the same order as the disk store.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return utf8Rank(x) - utf8Rank(y);
  }
  return a.length - b.length;
}

function utf8Rank(unit: number): number {
  if (unit < 0xd800) return unit;
  if (unit < 0xe000) return unit + 0x2000;
  return unit - 0x800;
}

/**
 * True if the string has no lone surrogate. A lone surrogate has no UTF-8 form: LevelDB's utf8
 * encoding would turn it into U+FFFD and two different keys would land in one slot.
 */
export function isWellFormed(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    if (unit > 0xdbff) return false;
    const next = text.charCodeAt(i + 1);
    if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
    i++;
  }
  return true;
}

/** Number of UTF-8 bytes of a well-formed string. */
export function utf8Length(text: string): number {
  return UTF8.encode(text).byteLength;
}

/** Encodes a JSON value as UTF-8 bytes. */
export function encodeJson(value: unknown): Uint8Array {
  return UTF8.encode(JSON.stringify(value));
}

/** Decodes bytes written by {@link encodeJson}; `what` names the entry in the error if they are corrupt. */
export function decodeJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(UTF8_DECODER.decode(bytes));
  } catch (cause) {
    throw corrupt(what, 'stored JSON does not parse', cause);
  }
}

/** The fields of a record that live in its value (the key is the storage key). */
interface RecordHeader {
  kind: RecordKind;
  digest: string;
  version: string;
  receivedAt: number;
}

/** Fields of an evidence record that live in its JSON header (the id is the storage key). */
interface EvidenceHeader {
  key: string;
  signer: string;
  version: string;
  receivedAt: number;
}

/** Layout: version byte, u32 header length, JSON header, then the record's bytes as they are. */
export function encodeRecord(record: StoredRecord): Uint8Array {
  const header: RecordHeader = {
    kind: record.kind,
    digest: record.digest,
    version: record.version,
    receivedAt: record.receivedAt,
  };
  return frame(header, [record.bytes]);
}

/** Inverse of {@link encodeRecord}; always returns fresh, plain `Uint8Array` bytes. */
export function decodeRecord(key: string, value: Uint8Array): StoredRecord {
  const what = `record ${JSON.stringify(key)}`;
  const { header, rest } = unframe(value, what);
  const h = header as Partial<RecordHeader>;
  if (
    typeof h.kind !== 'string' ||
    typeof h.digest !== 'string' ||
    typeof h.version !== 'string' ||
    typeof h.receivedAt !== 'number'
  ) {
    throw corrupt(what, 'stored header lacks a field');
  }
  return {
    key,
    kind: h.kind,
    digest: h.digest,
    version: h.version,
    bytes: copyBytes(rest),
    receivedAt: h.receivedAt,
  };
}

/** Layout: version byte, u32 header length, JSON header, u32 length of the first record, both records. */
export function encodeEvidence(evidence: EvidenceRecord): Uint8Array {
  const header: EvidenceHeader = {
    key: evidence.key,
    signer: evidence.signer,
    version: evidence.version,
    receivedAt: evidence.receivedAt,
  };
  const [first, second] = evidence.records;
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, first.byteLength);
  return frame(header, [length, first, second]);
}

/** Inverse of {@link encodeEvidence}. */
export function decodeEvidence(id: string, value: Uint8Array): EvidenceRecord {
  const what = `evidence ${JSON.stringify(id)}`;
  const { header, rest } = unframe(value, what);
  const h = header as Partial<EvidenceHeader>;
  if (
    typeof h.key !== 'string' ||
    typeof h.signer !== 'string' ||
    typeof h.version !== 'string' ||
    typeof h.receivedAt !== 'number' ||
    rest.byteLength < 4
  ) {
    throw corrupt(what, 'stored header lacks a field');
  }
  const firstLength = new DataView(rest.buffer, rest.byteOffset, 4).getUint32(0);
  if (4 + firstLength > rest.byteLength) throw corrupt(what, 'stored record length overruns the value');
  return {
    id,
    key: h.key,
    signer: h.signer,
    version: h.version,
    records: [copyBytes(rest.subarray(4, 4 + firstLength)), copyBytes(rest.subarray(4 + firstLength))],
    receivedAt: h.receivedAt,
  };
}

function frame(header: unknown, parts: Uint8Array[]): Uint8Array {
  const json = encodeJson(header);
  let total = PREFIX_BYTES + json.byteLength;
  for (const part of parts) total += part.byteLength;
  const out = new Uint8Array(total);
  out[0] = STORE_CODEC_VERSION;
  new DataView(out.buffer).setUint32(1, json.byteLength);
  out.set(json, PREFIX_BYTES);
  let offset = PREFIX_BYTES + json.byteLength;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

function unframe(value: Uint8Array, what: string): { header: unknown; rest: Uint8Array } {
  if (value.byteLength < PREFIX_BYTES) throw corrupt(what, 'stored value is truncated');
  if (value[0] !== STORE_CODEC_VERSION) {
    throw corrupt(what, `stored value has codec version ${value[0]}; this build reads ${STORE_CODEC_VERSION}`);
  }
  const headerLength = new DataView(value.buffer, value.byteOffset, value.byteLength).getUint32(1);
  const end = PREFIX_BYTES + headerLength;
  if (end > value.byteLength) throw corrupt(what, 'stored header length overruns the value');
  const header = decodeJson(value.subarray(PREFIX_BYTES, end), what);
  if (typeof header !== 'object' || header === null) throw corrupt(what, 'stored header is not an object');
  return { header, rest: value.subarray(end) };
}

/** A plain `Uint8Array` copy: LevelDB hands out Buffers, and callers must not share our memory. */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.byteLength);
  out.set(bytes);
  return out;
}

function corrupt(what: string, message: string, cause?: unknown) {
  return storeFault('STORE_CORRUPT', `${what}: ${message}`, cause);
}

/** `bytes.byteLength` of an encoded record, read from its header without copying the bytes. */
export function encodedRecordSize(key: string, value: Uint8Array): number {
  return unframe(value, `record ${JSON.stringify(key)}`).rest.byteLength;
}

/** A hex SHA-256 as its 32 raw bytes: the index stores digests at half the size of their hex. */
export function digestToBytes(digest: string): Uint8Array {
  const out = new Uint8Array(digest.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(digest.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Inverse of {@link digestToBytes}: lower-case hex. */
export function bytesToDigest(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
