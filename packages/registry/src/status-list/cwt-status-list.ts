/**
 * IETF Token Status List in CWT form (draft-ietf-oauth-status-list-21 §5.2, §4.3): the status list
 * an mdoc's MSO refers to (§6.3). A COSE_Sign1_Tagged (tag 18; not CWT tag 61) whose protected
 * header `typ` (16, RFC 9596) is `application/statuslist+cwt`, carrying the claims `sub` (2, the
 * list URI), `iat` (6), `exp` (4), `ttl` (65534) and `status_list` (65533) = { bits, lst, ?
 * aggregation_uri } with `lst` the ZLIB (RFC 1950) compressed byte array (§4.1).
 *
 * Bounds come first: the whole token under the CBOR bounds, `lst` under `maxRecordBytes`, and the
 * inflated size capped before inflating (zlib `maxOutputLength` = `maxStatusListBits` / 8), so a
 * DEFLATE bomb stops at the cap. Entries are read as the JWT form reads them (LSB first, §4.1), and
 * a successor is compared with the same final-state rule (INVALID stays INVALID, issue 13).
 */
import type { KeyObject } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { type CborLimits, DEFAULT_CBOR_LIMITS, decodeCbor } from '../cose/bounded-cbor.ts';
import {
  COSE_HEADER,
  type CoseHeaderMap,
  type CoseSign1,
  type CoseVerdict,
  parseCoseSign1,
  verifyCoseSign1,
} from '../cose/cose-sign1.ts';
import { reject } from '../errors.ts';
import { DEFAULT_INPUT_LIMITS, type InputLimits } from '../limits.ts';
import { tokenStatusName } from '../verification/token-status-query.ts';
import { firstUndoneFinalEntry } from './final-states.ts';
import { readJoseEntry } from './jose-lists.ts';

/** Codes of Token Status List (CWT) reading. All are `reject` unless said otherwise. */
export const CWT_STATUS_LIST_CODES = {
  /** `reject` — protected header `typ` (16) is not `application/statuslist+cwt` (draft §5.2). */
  TYP_INVALID: 'CWT_STATUS_LIST_TYP_INVALID',
  /** `reject` — not COSE_Sign1_Tagged (tag 18), e.g. untagged or COSE_Mac0 (draft §5.2; MAC keys are not held here). */
  NOT_SIGN1: 'CWT_STATUS_LIST_NOT_SIGN1',
  /** `reject` — `sub` (2) missing or not a text string (draft §5.2: REQUIRED, the list URI). */
  SUB_MISSING: 'CWT_STATUS_LIST_SUB_MISSING',
  /** `reject` — `iat` (6) missing (draft §5.2: REQUIRED). */
  IAT_MISSING: 'CWT_STATUS_LIST_IAT_MISSING',
  /** `reject` — `bits` is not 1, 2, 4 or 8 (draft §4.3). */
  BITS_INVALID: 'CWT_STATUS_LIST_BITS_INVALID',
  /** `reject` — `lst` is not a byte string holding one complete ZLIB stream (draft §4.1, §4.3). */
  LST_INVALID: 'CWT_STATUS_LIST_LST_INVALID',
  /** `reject` — `lst` longer than maxRecordBytes, or inflating beyond maxStatusListBits (bomb). */
  TOO_LARGE: 'CWT_STATUS_LIST_TOO_LARGE',
  /** `reject` — a claim of the wrong type (`exp`, `ttl`, `status_list`, `aggregation_uri`, `iss`). */
  MALFORMED: 'CWT_STATUS_LIST_MALFORMED',
  /** `reject` — a successor changes an INVALID (0x01) entry (draft §7.1; issue 13: final). */
  ROLLBACK: 'CWT_STATUS_LIST_ROLLBACK',
  /** `reject` — a successor with fewer entries or another `bits`. */
  SHRUNK: 'CWT_STATUS_LIST_SHRUNK',
  /** fail — the index lies beyond the list (draft §8.3: the Referenced Token is rejected). */
  INDEX_OUT_OF_RANGE: 'CWT_STATUS_LIST_INDEX_OUT_OF_RANGE',
} as const;

/** The `typ` value of draft §5.2 (RFC 9596 content type form). */
export const CWT_STATUS_LIST_TYP = 'application/statuslist+cwt';
/** Media type under which a mirror serves it (draft §14.2). */
export const CWT_STATUS_LIST_MEDIA_TYPE = 'application/statuslist+cwt';

/** CWT claim keys (RFC 8392 §4, draft §14.1). */
const CLAIM = { ISS: 1, SUB: 2, EXP: 4, IAT: 6, STATUS_LIST: 65533, TTL: 65534 } as const;

/** A read Status List Token in CWT form, claims checked, nothing verified. */
export interface ParsedCwtStatusList {
  /** The list URI (`sub`). */
  sub: string;
  iss?: string;
  /** NumericDate seconds (RFC 8392 §2). */
  iat: number;
  exp?: number;
  /** Seconds a copy may be cached (draft §5.2). */
  ttl?: number;
  bits: 1 | 2 | 4 | 8;
  aggregationUri?: string;
  /** The `lst` bytes as signed (ZLIB). */
  compressed: Uint8Array;
  /** The inflated byte array (draft §4.1), or null when read with `inflate: false`. */
  statuses: Uint8Array | null;
  protectedHeader: CoseHeaderMap;
  alg: number;
  x5chain?: Uint8Array[];
  kid?: Uint8Array;
  /** The COSE_Sign1, for {@link verifyCwtStatusListSignature}. */
  sign1: CoseSign1;
  /** The token's bytes as received: what a mirror serves and what the record digest is over. */
  signedBytes: Uint8Array;
}

/** Options of {@link readCwtStatusList}. */
export interface ReadCwtOptions {
  /** CBOR bounds of the token (defaults: DEFAULT_CBOR_LIMITS with maxBytes = limits.maxRecordBytes). */
  cbor?: CborLimits;
  /** Inflate `lst` now (default) or leave it for {@link inflateCwtStatusList}, e.g. after the signature. */
  inflate?: boolean;
}

const numericDate = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/**
 * Reads a Status List Token in CWT form under `limits`. Throws a `reject` ValidationError with a
 * {@link CWT_STATUS_LIST_CODES}, CBOR or COSE code; never inflates past `limits.maxStatusListBits`.
 */
export function readCwtStatusList(
  bytes: Uint8Array,
  limits: InputLimits = DEFAULT_INPUT_LIMITS,
  options: ReadCwtOptions = {},
): ParsedCwtStatusList {
  const cbor = options.cbor ?? { ...DEFAULT_CBOR_LIMITS, maxBytes: limits.maxRecordBytes };
  const value = decodeCbor(bytes, cbor);
  const sign1 = parseCoseSign1(value, cbor);
  // [REJECT] draft §5.2: COSE_Sign1_Tagged (18), not CWT-tagged (61, refused by the CBOR tag list) nor untagged.
  if (!sign1.tagged) throw reject(CWT_STATUS_LIST_CODES.NOT_SIGN1, undefined, 'must be COSE_Sign1_Tagged (tag 18)');
  const typ = sign1.protectedHeader.get(COSE_HEADER.TYP);
  // [REJECT] draft §5.2: protected `typ` is application/statuslist+cwt (a CoAP Content-Format id is not taken: none is assigned yet).
  if (typ !== CWT_STATUS_LIST_TYP)
    throw reject(CWT_STATUS_LIST_CODES.TYP_INVALID, 'protected.typ', `must be ${CWT_STATUS_LIST_TYP}`);
  if (sign1.payload === null) throw reject(CWT_STATUS_LIST_CODES.MALFORMED, 'payload', 'is detached');
  const claims = decodeCbor(sign1.payload, cbor);
  if (!(claims instanceof Map)) throw reject(CWT_STATUS_LIST_CODES.MALFORMED, 'payload', 'must be a CWT claims map');
  const sub = claims.get(CLAIM.SUB);
  // [REJECT] draft §5.2: `sub` (2) REQUIRED, the list URI.
  if (typeof sub !== 'string' || sub === '') throw reject(CWT_STATUS_LIST_CODES.SUB_MISSING, 'sub', 'is required');
  const iat = claims.get(CLAIM.IAT);
  // [REJECT] draft §5.2: `iat` (6) REQUIRED, a NumericDate (RFC 8392 §2).
  if (!numericDate(iat)) throw reject(CWT_STATUS_LIST_CODES.IAT_MISSING, 'iat', 'is required (NumericDate)');
  const exp = claims.get(CLAIM.EXP);
  if (exp !== undefined && !numericDate(exp))
    throw reject(CWT_STATUS_LIST_CODES.MALFORMED, 'exp', 'must be a NumericDate');
  const ttl = claims.get(CLAIM.TTL);
  // [REJECT] draft §5.2: `ttl` (65534) an unsigned integer, positive.
  if (ttl !== undefined && (!Number.isSafeInteger(ttl) || (ttl as number) <= 0))
    throw reject(CWT_STATUS_LIST_CODES.MALFORMED, 'ttl', 'must be a positive integer');
  const iss = claims.get(CLAIM.ISS);
  if (iss !== undefined && typeof iss !== 'string')
    throw reject(CWT_STATUS_LIST_CODES.MALFORMED, 'iss', 'must be a text string');
  const list = claims.get(CLAIM.STATUS_LIST);
  // [REJECT] draft §4.3: StatusList = { bits: uint, lst: bstr, ? aggregation_uri: tstr }.
  if (!(list instanceof Map)) throw reject(CWT_STATUS_LIST_CODES.MALFORMED, 'status_list', 'must be a map');
  const bits = list.get('bits');
  if (bits !== 1 && bits !== 2 && bits !== 4 && bits !== 8)
    throw reject(CWT_STATUS_LIST_CODES.BITS_INVALID, 'status_list.bits', 'must be 1, 2, 4 or 8');
  const lst = list.get('lst');
  if (!(lst instanceof Uint8Array) || lst.byteLength === 0)
    throw reject(CWT_STATUS_LIST_CODES.LST_INVALID, 'status_list.lst', 'must be a non-empty byte string');
  const aggregationUri = list.get('aggregation_uri');
  if (aggregationUri !== undefined && typeof aggregationUri !== 'string')
    throw reject(CWT_STATUS_LIST_CODES.MALFORMED, 'status_list.aggregation_uri', 'must be a text string');
  const compressed = new Uint8Array(lst);
  return {
    sub,
    ...(iss !== undefined ? { iss } : {}),
    iat: iat as number,
    ...(exp !== undefined ? { exp: exp as number } : {}),
    ...(ttl !== undefined ? { ttl: ttl as number } : {}),
    bits,
    ...(aggregationUri !== undefined ? { aggregationUri } : {}),
    compressed,
    statuses: options.inflate === false ? null : inflateCwtStatusList(compressed, limits),
    protectedHeader: sign1.protectedHeader,
    alg: sign1.alg,
    ...(sign1.x5chain ? { x5chain: sign1.x5chain } : {}),
    ...(sign1.kid ? { kid: sign1.kid } : {}),
    sign1,
    signedBytes: bytes,
  };
}

/**
 * Inflates `lst` (ZLIB, RFC 1950; draft §4.1) with the output capped before inflating:
 * `maxOutputLength` = maxStatusListBits / 8, so zlib stops allocating at the cap.
 */
export function inflateCwtStatusList(compressed: Uint8Array, limits: InputLimits = DEFAULT_INPUT_LIMITS): Uint8Array {
  // [REJECT] issue 11 (bounded work): the compressed list is bounded like a record.
  if (compressed.byteLength > limits.maxRecordBytes)
    throw reject(CWT_STATUS_LIST_CODES.TOO_LARGE, 'status_list.lst', `is ${compressed.byteLength} bytes`);
  const maxOutputLength = Math.max(1, Math.floor(limits.maxStatusListBits / 8));
  let out: Buffer;
  try {
    out = inflateSync(compressed, { maxOutputLength });
  } catch (cause) {
    if ((cause as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || cause instanceof RangeError)
      // [REJECT] issue 11: the inflated list exceeds maxStatusListBits (checked as it inflates, never after).
      throw reject(
        CWT_STATUS_LIST_CODES.TOO_LARGE,
        'status_list.lst',
        `inflates beyond ${limits.maxStatusListBits} bits`,
        cause,
      );
    // [REJECT] draft §4.1: one complete ZLIB stream (a truncated one fails here).
    throw reject(CWT_STATUS_LIST_CODES.LST_INVALID, 'status_list.lst', 'is not a complete ZLIB stream', cause);
  }
  // [REJECT] draft §4.1: at least one byte of statuses.
  if (out.byteLength === 0) throw reject(CWT_STATUS_LIST_CODES.LST_INVALID, 'status_list.lst', 'inflates to nothing');
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Verifies the token's COSE_Sign1 with the issuer's key (sync). A result, not a throw. */
export function verifyCwtStatusListSignature(parsed: ParsedCwtStatusList, publicKey: KeyObject): CoseVerdict {
  return verifyCoseSign1(parsed.sign1, publicKey);
}

/** The entry count of a read list. */
export function cwtStatusListSize(parsed: ParsedCwtStatusList, limits: InputLimits = DEFAULT_INPUT_LIMITS): number {
  const statuses = parsed.statuses ?? inflateCwtStatusList(parsed.compressed, limits);
  return Math.floor((statuses.byteLength * 8) / parsed.bits);
}

/** One entry: its value and Status Type name (draft §7.1), or why there is none. */
export type CwtStatusEntry = { ok: true; value: number; name: string } | { ok: false; code: string; message: string };

/** Reads entry `idx` (LSB first, `bits` per entry; draft §4.1). Never throws. */
export function cwtStatusAt(
  parsed: ParsedCwtStatusList,
  idx: number,
  limits: InputLimits = DEFAULT_INPUT_LIMITS,
): CwtStatusEntry {
  let statuses: Uint8Array;
  try {
    statuses = parsed.statuses ?? inflateCwtStatusList(parsed.compressed, limits);
  } catch (e) {
    return { ok: false, code: (e as { code: string }).code, message: (e as Error).message };
  }
  const size = Math.floor((statuses.byteLength * 8) / parsed.bits);
  // draft §8.3: an index beyond the list → the Referenced Token is rejected.
  if (!Number.isSafeInteger(idx) || idx < 0 || idx >= size)
    return {
      ok: false,
      code: CWT_STATUS_LIST_CODES.INDEX_OUT_OF_RANGE,
      message: `index ${idx} outside ${size} entries`,
    };
  const value = readJoseEntry('token-status-list', statuses, parsed.bits, idx);
  return { ok: true, value, name: tokenStatusName(value) };
}

/** Whether a successor keeps the held version's shape and final states. */
export type CwtSuccessorVerdict = { ok: true } | { ok: false; code: string; message: string; index?: number };

/**
 * Whether `next` may replace `held` (same `sub`): same `bits`, no fewer entries, and no INVALID
 * (0x01) entry changed — issue 13's rule for the JWT form (final-states.ts), in the TSL layout.
 * Version order (newer `iat`) is the record kind's to check.
 */
export function cwtSuccessorKeepsFinalStates(
  held: ParsedCwtStatusList,
  next: ParsedCwtStatusList,
  limits: InputLimits = DEFAULT_INPUT_LIMITS,
): CwtSuccessorVerdict {
  if (held.bits !== next.bits)
    return { ok: false, code: CWT_STATUS_LIST_CODES.SHRUNK, message: `bits changed from ${held.bits} to ${next.bits}` };
  const a = held.statuses ?? inflateCwtStatusList(held.compressed, limits);
  const b = next.statuses ?? inflateCwtStatusList(next.compressed, limits);
  if (b.byteLength < a.byteLength)
    return { ok: false, code: CWT_STATUS_LIST_CODES.SHRUNK, message: `${b.byteLength} bytes after ${a.byteLength}` };
  const index = firstUndoneFinalEntry('token-status-list', held.bits, a, b);
  if (index !== -1)
    return {
      ok: false,
      code: CWT_STATUS_LIST_CODES.ROLLBACK,
      message: `entry ${index} was INVALID and changed`,
      index,
    };
  return { ok: true };
}
