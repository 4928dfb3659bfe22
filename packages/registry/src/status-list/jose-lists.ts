/**
 * JOSE status lists (issue 13): IETF Token Status Lists in JWT form (draft-ietf-oauth-status-list
 * §5.1, `typ: statuslist+jwt`) and StatusList2021 credentials as JWTs (`jwt_vc_json`: payload `vc`
 * with type StatusList2021Credential), bare or inside TW DIW's envelope `{"statusList": "<JWT>"}`.
 *
 * The same invariants as Bitstring Status Lists (validation/status-list.ts): published by an
 * accredited party with a key that counts for it, only newer, a final state never undone,
 * equivocation kept as evidence, per-issuer quotas, and a decoded-size cap enforced while inflating
 * (zlib `maxOutputLength`), so a DEFLATE bomb stops at the cap. Lists are held as signed (compact
 * text or envelope) and compressed; {@link JoseStatusList.read} inflates through the registry's
 * bounded {@link DecodedListCache}.
 */
import { gunzipSync, inflateSync } from 'node:zlib';
import { sha256Hex } from '../canonical.ts';
import { type DependencyKey, ignore, reject, unresolved } from '../errors.ts';
import type { RecordKindModule } from '../kinds/types.ts';
import type { InputLimits } from '../limits.ts';
import { subjectDependency } from '../records/dependencies.ts';
import { evidenceWireBytes } from '../records/evidence.ts';
import { type CompactJws, numericDateMs } from '../records/jws.ts';
import { type PinnedKey, sameKey } from '../records/keys.ts';
import type { RecordKind, StoredRecord } from '../store/types.ts';
import { VALIDATION_CODES } from '../validation/codes.ts';
import type { Admission, ValidationContext } from '../validation/context.ts';
import { EVIDENCE_CODES, MAX_EVIDENCE_PER_SLOT } from '../validation/evidence.ts';
import { isObject } from '../validation/fields.ts';
import { verifyJwsWithKeys } from '../validation/jose-keys.ts';
import { pinnedKeysOf } from '../validation/pinned-keys.ts';
import type { SubmittedRecord } from '../validation/submitted-record.ts';
import { authorityKeys, countingKeysOf, didKeyOf, findChains } from '../verification/trust-chain.ts';
import type { JoseStatusListState, TrustView } from '../verification/trust-view.ts';
import { firstUndoneFinalEntry } from './final-states.ts';
import { requireFormsAgree } from './token-status-forms.ts';

/** The two JOSE status list kinds. */
export type JoseListKind = 'token-status-list' | 'status-list-2021';

/** Codes of Token Status List validation (docs/records.md, JOSE status lists). */
export const TOKEN_STATUS_LIST_CODES = {
  /** `reject` — header `typ` is not `statuslist+jwt` (draft §5.1). */
  TYP_INVALID: 'TOKEN_STATUS_LIST_TYP_INVALID',
  /** `reject` — `status_list.bits` is not 1, 2, 4 or 8 (draft §4.1). */
  BITS_INVALID: 'TOKEN_STATUS_LIST_BITS_INVALID',
  /** `reject` — `status_list.lst` is not base64url of a complete zlib stream (draft §4.1). */
  LST_INVALID: 'TOKEN_STATUS_LIST_LST_INVALID',
  /** `reject` — the list inflates beyond InputLimits.maxStatusListBits (decompression bomb). */
  TOO_LARGE: 'TOKEN_STATUS_LIST_TOO_LARGE',
  /** `ignore` — not newer (iat) than the version held in its slot. */
  STALE: 'TOKEN_STATUS_LIST_STALE',
  /** `reject` — an INVALID (0x01) entry changed: INVALID is final (draft §7.1). */
  ROLLBACK: 'TOKEN_STATUS_LIST_ROLLBACK',
  /** `reject` — fewer entries than the held version, or another `bits`. */
  SHRUNK: 'TOKEN_STATUS_LIST_SHRUNK',
  /** `ignore` (awaits an accreditation) — no authority or accreditation names the issuer yet. */
  ISSUER_UNKNOWN: 'TOKEN_STATUS_LIST_ISSUER_UNKNOWN',
  /** `reject` — a known issuer none of whose accreditations starts a valid chain. */
  ISSUER_NOT_ACCREDITED: 'TOKEN_STATUS_LIST_ISSUER_NOT_ACCREDITED',
  /** `ignore` — `exp` already past (draft §5.1). */
  EXPIRED: 'TOKEN_STATUS_LIST_EXPIRED',
  /** `ignore` — `iat` beyond the clock-skew allowance. */
  NOT_YET_VALID: 'TOKEN_STATUS_LIST_NOT_YET_VALID',
  /** `reject` — `sub` missing (draft §5.1: REQUIRED, the list's URI). */
  SUB_MISSING: 'TOKEN_STATUS_LIST_SUB_MISSING',
  /** `reject` — `iat` missing (draft §5.1: REQUIRED). */
  IAT_MISSING: 'TOKEN_STATUS_LIST_IAT_MISSING',
  /** `reject` — the issuer would hold more list slots or inflated bytes than its quota (issue 11). */
  QUOTA_EXCEEDED: 'TOKEN_STATUS_LIST_QUOTA_EXCEEDED',
  /** `reject` — `status_list` is not an object with `bits` and `lst`, or a claim is malformed. */
  MALFORMED: 'TOKEN_STATUS_LIST_MALFORMED',
} as const;

/** Codes of StatusList2021-as-JWT validation (docs/records.md, JOSE status lists). */
export const STATUS_LIST_2021_CODES = {
  /** `reject` — `vc.credentialSubject.encodedList` is not base64url of a complete GZIP stream. */
  LST_INVALID: 'STATUS_LIST_2021_LST_INVALID',
  /** `reject` — the list inflates beyond InputLimits.maxStatusListBits (decompression bomb). */
  TOO_LARGE: 'STATUS_LIST_2021_TOO_LARGE',
  /** `ignore` — not newer (iat, else nbf) than the version held in its slot. */
  STALE: 'STATUS_LIST_2021_STALE',
  /** `reject` — a list with the `revocation` purpose clears a bit (revocation is irreversible). */
  ROLLBACK: 'STATUS_LIST_2021_ROLLBACK',
  /** `reject` — shorter than the held version (TW lists grow by whole bytes), or another purpose. */
  SHRUNK: 'STATUS_LIST_2021_SHRUNK',
  /** `ignore` (awaits an accreditation) — no authority or accreditation names the issuer yet. */
  ISSUER_UNKNOWN: 'STATUS_LIST_2021_ISSUER_UNKNOWN',
  /** `reject` — a known issuer none of whose accreditations starts a valid chain. */
  ISSUER_NOT_ACCREDITED: 'STATUS_LIST_2021_ISSUER_NOT_ACCREDITED',
  /** `ignore` — `exp` already past. */
  EXPIRED: 'STATUS_LIST_2021_EXPIRED',
  /** `ignore` — iat/nbf beyond the clock-skew allowance. */
  NOT_YET_VALID: 'STATUS_LIST_2021_NOT_YET_VALID',
  /** `reject` — neither `vc.id`, `jti` nor `sub` names the list. */
  SUB_MISSING: 'STATUS_LIST_2021_SUB_MISSING',
  /** `reject` — neither `iat` nor `nbf`: no version order. */
  IAT_MISSING: 'STATUS_LIST_2021_IAT_MISSING',
  /** `reject` — the issuer would hold more list slots or inflated bytes than its quota (issue 11). */
  QUOTA_EXCEEDED: 'STATUS_LIST_2021_QUOTA_EXCEEDED',
  /** `reject` — `vc.credentialSubject` is not a StatusList2021 subject with `statusPurpose` and `encodedList`. */
  MALFORMED: 'STATUS_LIST_2021_MALFORMED',
} as const;

type Codes = typeof TOKEN_STATUS_LIST_CODES | typeof STATUS_LIST_2021_CODES;
const CODES: Record<JoseListKind, Codes> = {
  'token-status-list': TOKEN_STATUS_LIST_CODES,
  'status-list-2021': STATUS_LIST_2021_CODES,
};

/** TSL media type (draft §5.1 / §13). */
export const TOKEN_STATUS_LIST_MEDIA_TYPE = 'application/statuslist+jwt';

/** A parsed (not yet verified) JOSE status list: claims read, list still compressed. */
export interface ParsedJoseList {
  kind: JoseListKind;
  jws: CompactJws;
  form: 'compact' | 'envelope';
  uri: string;
  /** `iss`, or null when the issuer is found from the header `kid`. */
  iss: string | null;
  bits: 1 | 2 | 4 | 8;
  purpose: string | null;
  versionMs: number;
  expMs: number | null;
  ttlSeconds: number | null;
  /** The compressed list (zlib for a TSL, GZIP for StatusList2021). */
  compressed: Uint8Array;
}

/** The slot of a JOSE list: `<kind>/<uri> <signer multibase>`. */
export function joseListSlotKey(kind: JoseListKind, uri: string, signerMultibase: string): string {
  return `${kind}/${uri} ${signerMultibase}`;
}

/** Version string: iat/nbf in ms, zero-padded so it sorts (as statusListVersion). */
export function joseListVersion(versionMs: number): string {
  return String(versionMs).padStart(16, '0');
}

/** Media type under which the mirror serves a held list. */
export function joseListMediaType(kind: JoseListKind, form: 'compact' | 'envelope'): string {
  if (form === 'envelope') return 'application/json';
  return kind === 'token-status-list' ? TOKEN_STATUS_LIST_MEDIA_TYPE : 'application/jwt';
}

/** Recognises a Token Status List JWS: typ statuslist+jwt, or a `status_list` claim (then typ is checked). */
export function isTokenStatusListJws(jws: CompactJws): boolean {
  return jws.header.typ === 'statuslist+jwt' || jws.payload.status_list !== undefined;
}

/** Recognises a StatusList2021 credential JWT: `vc.type` includes StatusList2021Credential. */
export function isStatusList2021Jws(jws: CompactJws): boolean {
  const vc = jws.payload.vc;
  if (!isObject(vc)) return false;
  const type = vc.type;
  return type === 'StatusList2021Credential' || (Array.isArray(type) && type.includes('StatusList2021Credential'));
}

const B64URL = /^[A-Za-z0-9_-]+$/;

function dateOf(payload: Record<string, unknown>, claim: string, code: string): number | null {
  return numericDateMs(payload, claim, code);
}

/** Parses the claims of a JOSE status list (cheap; nothing inflated, no signature checked). */
export function parseJoseList(record: SubmittedRecord, limits: InputLimits): ParsedJoseList {
  const jose = record.jose;
  if (!jose) throw reject(TOKEN_STATUS_LIST_CODES.MALFORMED, undefined, 'not a JWS record');
  const kind = record.kind as JoseListKind;
  const { jws, form } = jose;
  const p = jws.payload;
  const codes = CODES[kind];
  const iss = p.iss;
  // [REJECT] RFC 7519 §4.1.1: `iss` is a StringOrURI when present.
  if (iss !== undefined && typeof iss !== 'string') throw reject(codes.MALFORMED, 'iss', 'must be a string');
  const expMs = dateOf(p, 'exp', codes.MALFORMED);
  const maxCompressed = limits.maxRecordBytes;
  if (kind === 'token-status-list') {
    // [REJECT] draft-ietf-oauth-status-list §5.1: the JWT header `typ` MUST be `statuslist+jwt`.
    if (jws.header.typ !== 'statuslist+jwt')
      throw reject(TOKEN_STATUS_LIST_CODES.TYP_INVALID, 'header.typ', 'must be statuslist+jwt');
    // [REJECT] draft §5.1: `sub` is REQUIRED and is the Status List Token's URI.
    if (typeof p.sub !== 'string' || p.sub === '')
      throw reject(TOKEN_STATUS_LIST_CODES.SUB_MISSING, 'sub', 'must name the status list URI');
    const iat = dateOf(p, 'iat', TOKEN_STATUS_LIST_CODES.MALFORMED);
    // [REJECT] draft §5.1: `iat` is REQUIRED (it orders versions here).
    if (iat === null) throw reject(TOKEN_STATUS_LIST_CODES.IAT_MISSING, 'iat', 'is required');
    const sl = p.status_list;
    // [REJECT] draft §4.1: `status_list` is an object with `bits` and `lst`.
    if (!isObject(sl)) throw reject(TOKEN_STATUS_LIST_CODES.MALFORMED, 'status_list', 'must be an object');
    // [REJECT] draft §4.1: `bits` MUST be 1, 2, 4 or 8.
    if (sl.bits !== 1 && sl.bits !== 2 && sl.bits !== 4 && sl.bits !== 8)
      throw reject(TOKEN_STATUS_LIST_CODES.BITS_INVALID, 'status_list.bits', 'must be 1, 2, 4 or 8');
    // [REJECT] draft §4.1: `lst` is the base64url-encoded (no padding) zlib-compressed list.
    if (typeof sl.lst !== 'string' || !B64URL.test(sl.lst) || sl.lst.length > maxCompressed)
      throw reject(TOKEN_STATUS_LIST_CODES.LST_INVALID, 'status_list.lst', 'must be base64url without padding');
    const ttl = p.ttl;
    // [REJECT] draft §5.1: `ttl` is a positive number of seconds when present.
    if (ttl !== undefined && (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 0))
      throw reject(TOKEN_STATUS_LIST_CODES.MALFORMED, 'ttl', 'must be a non-negative integer');
    return {
      kind,
      jws,
      form,
      uri: p.sub,
      iss: typeof iss === 'string' ? iss : null,
      bits: sl.bits,
      purpose: null,
      versionMs: iat,
      expMs,
      ttlSeconds: typeof ttl === 'number' ? ttl : null,
      compressed: new Uint8Array(Buffer.from(sl.lst, 'base64url')),
    };
  }
  const vc = p.vc as Record<string, unknown>;
  const subject = vc.credentialSubject;
  // [REJECT] StatusList2021 §2.1: the subject carries `statusPurpose` and `encodedList`.
  if (!isObject(subject) || typeof subject.statusPurpose !== 'string' || typeof subject.encodedList !== 'string')
    throw reject(STATUS_LIST_2021_CODES.MALFORMED, 'vc.credentialSubject', 'must carry statusPurpose and encodedList');
  const encoded = subject.encodedList;
  // [REJECT] StatusList2021 §2.1: encodedList is base64(url) of the GZIP-compressed bitstring.
  if (!/^[A-Za-z0-9_+/-]+=*$/.test(encoded) || encoded.length > maxCompressed)
    throw reject(STATUS_LIST_2021_CODES.LST_INVALID, 'vc.credentialSubject.encodedList', 'must be base64url');
  const uri = [vc.id, p.jti, p.sub].find((v): v is string => typeof v === 'string' && v !== '');
  // [REJECT] jwt_vc_json: the list is named by `vc.id` (TW DIW: `jti`), else `sub`.
  if (uri === undefined) throw reject(STATUS_LIST_2021_CODES.SUB_MISSING, 'jti', 'must name the list');
  const versionMs =
    dateOf(p, 'iat', STATUS_LIST_2021_CODES.MALFORMED) ?? dateOf(p, 'nbf', STATUS_LIST_2021_CODES.MALFORMED);
  // [REJECT] issue 13: iat, else nbf, orders the versions of a list.
  if (versionMs === null) throw reject(STATUS_LIST_2021_CODES.IAT_MISSING, 'iat', 'iat or nbf is required');
  const vcIssuer = typeof vc.issuer === 'string' ? vc.issuer : null;
  return {
    kind,
    jws,
    form,
    uri,
    iss: typeof iss === 'string' ? iss : vcIssuer,
    bits: 1,
    purpose: subject.statusPurpose,
    versionMs,
    expMs,
    ttlSeconds: null,
    compressed: new Uint8Array(Buffer.from(encoded, 'base64')),
  };
}

/**
 * Inflates a list under the cap: zlib's `maxOutputLength` is the cap in bytes, so a DEFLATE bomb
 * stops allocating there (issue 11). TSL: zlib (RFC 1950); StatusList2021: GZIP (RFC 1952).
 */
export function inflateJoseList(list: Pick<ParsedJoseList, 'kind' | 'compressed'>, limits: InputLimits): Uint8Array {
  const codes = CODES[list.kind];
  const maxOutputLength = Math.max(1, Math.floor(limits.maxStatusListBits / 8));
  try {
    const out =
      list.kind === 'token-status-list'
        ? inflateSync(list.compressed, { maxOutputLength })
        : gunzipSync(list.compressed, { maxOutputLength });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (cause) {
    if ((cause as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || cause instanceof RangeError) {
      // [REJECT] issue 11 (bounded work): the inflated list exceeds maxStatusListBits.
      throw reject(codes.TOO_LARGE, 'lst', `inflates beyond ${limits.maxStatusListBits} bits`, cause);
    }
    // [REJECT] draft §4.1 / StatusList2021 §2.1: a complete, valid zlib (GZIP) stream.
    throw reject(codes.LST_INVALID, 'lst', 'is not a valid compressed stream', cause);
  }
}

/** Reads entry `index` (TSL: LSB-first, `bits` per entry, draft §4.1; StatusList2021: MSB-first, 1 bit). */
export function readJoseEntry(kind: JoseListKind, bytes: Uint8Array, bits: number, index: number): number {
  const size = Math.floor((bytes.byteLength * 8) / bits);
  if (!Number.isInteger(index) || index < 0 || index >= size) throw new RangeError(`index ${index} outside ${size}`);
  if (kind === 'status-list-2021') return ((bytes[index >> 3] ?? 0) >> (7 - (index & 7))) & 1;
  const bit = index * bits;
  return ((bytes[bit >> 3] ?? 0) >> (bit & 7)) & ((1 << bits) - 1);
}

/** The issuer of a list: `iss`, else the accredited subject whose pinned key the header `kid` names. */
function issuerOf(list: ParsedJoseList, ctx: ValidationContext): string | null {
  if (list.iss !== null) return list.iss;
  const kid = list.jws.header.kid;
  if (typeof kid !== 'string') return null;
  const all = ctx.accreditations?.() ?? [];
  const hit = all.find((a) => a.publicKeys.some((k) => k.publicKeyJwk?.kid === kid || k.id === kid));
  if (hit) return hit.subject;
  const authority = ctx.view
    .governance()
    ?.record.authorities.find((a) => authorityKeys(a).some((k) => k.publicKeyJwk?.kid === kid || k.id === kid));
  return authority?.id ?? null;
}

/**
 * Keys that count for `issuer` now: governance keys, its did:key, keys of accreditations with a
 * valid chain. Shared with the CWT form (cwt-list-kind.ts), which passes its own codes.
 */
export function issuerKeys(
  issuer: string,
  codes: { ISSUER_UNKNOWN: string; ISSUER_NOT_ACCREDITED: string },
  ctx: ValidationContext,
): PinnedKey[] {
  const governance = ctx.view.governance();
  const authority = governance?.record.authorities.find((a) => a.id === issuer);
  const keys: PinnedKey[] = authority ? authorityKeys(authority) : [];
  const accreditations = ctx.view.accreditationsOf(issuer);
  if (!authority && accreditations.length === 0) {
    // [IGNORE] DESIGN.md Admission: its accreditation may not have arrived yet.
    throw unresolved(
      codes.ISSUER_UNKNOWN,
      'iss',
      `${issuer} holds no accreditation known here yet`,
      subjectDependency(issuer),
      {
        signerKnown: false,
      },
    );
  }
  let awaits: DependencyKey | null = null;
  let last = '';
  let chained = false;
  for (const accreditation of accreditations) {
    for (const scope of accreditation.accreditedFor) {
      const chains = findChains(ctx.view, {
        subject: issuer,
        role: accreditation.role,
        scope,
        at: [ctx.now],
        skewMs: ctx.maxClockSkewMs,
      });
      if (!chains.ok) {
        last = `${chains.code}: ${chains.detail}`;
        awaits ??= chains.awaits;
        continue;
      }
      chained = true;
      const found = countingKeysOf(
        issuer,
        chains.chains.map((c) => c.links[0]).filter((l) => l !== undefined),
      );
      for (const k of found) if (!keys.some((o) => sameKey(o, k))) keys.push(k);
    }
  }
  if (chained || authority) {
    // A did:key issuer's own key counts for it (it names exactly one key).
    const own = didKeyOf(issuer);
    if (own && !keys.some((o) => sameKey(o, own))) keys.push(own);
    return keys;
  }
  // [IGNORE] a chain waiting on a record not held yet may still resolve.
  if (awaits) throw unresolved(codes.ISSUER_UNKNOWN, 'iss', `${issuer}'s chain is not resolvable yet: ${last}`, awaits);
  // [REJECT] docs/records.md Trust rules: a known issuer none of whose accreditations is valid now.
  throw reject(codes.ISSUER_NOT_ACCREDITED, 'iss', `${issuer} holds no valid accreditation: ${last}`);
}

/** Validates a JOSE status list against the replicated state. */
export async function validateJoseList(record: SubmittedRecord, ctx: ValidationContext): Promise<Admission> {
  const list = parseJoseList(record, ctx.limits);
  const codes = CODES[list.kind];
  const versions = ctx.view.joseStatusListVersions?.(list.uri) ?? [];
  // [IGNORE] DESIGN.md Admission (dedupe): same bytes as a held version.
  if (versions.some((v) => v.digest === record.digest))
    throw ignore(VALIDATION_CODES.DUPLICATE, undefined, `list ${list.uri} is already held at this version`);
  // [IGNORE] draft §5.1 `exp`: past expiry it cannot answer anyone.
  if (list.expMs !== null && list.expMs < ctx.now) throw ignore(codes.EXPIRED, 'exp', 'is in the past');
  // [IGNORE] docs/records.md Status list: dated beyond the clock-skew allowance.
  if (list.versionMs > ctx.now + ctx.maxClockSkewMs)
    throw ignore(codes.NOT_YET_VALID, 'iat', `lies more than ${ctx.maxClockSkewMs} ms in the future`);
  const issuer = issuerOf(list, ctx);
  if (issuer === null) {
    // [IGNORE] the key the header names is pinned by no accreditation held yet.
    throw unresolved(codes.ISSUER_UNKNOWN, 'header.kid', 'no held accreditation pins the key the header names');
  }
  const keys = issuerKeys(issuer, codes, ctx);
  // [REJECT] docs/records.md Trust rules: the signing key counts for the issuer (RFC 7515 §5.2).
  const verified = verifyJwsWithKeys(list.jws, issuer, keys, 'as a status list publisher');
  if (!verified.verified) throw verified.error;
  // [REJECT] issue 11: inflated only after the signature, under the cap.
  const bytes = inflateJoseList(list, ctx.limits);
  const key = joseListSlotKey(list.kind, list.uri, verified.key.publicKeyMultibase);
  const held = versions.find((v) => v.key === key);
  if (held) {
    // [IGNORE] DESIGN.md Records §3 (only newer): not newer than the version held in its slot.
    if (list.versionMs < held.list.versionMs) throw ignore(codes.STALE, 'iat', 'is older than the held version');
    if (list.versionMs === held.list.versionMs)
      return joseEquivocation(list.kind, key, issuer, list, held, record, ctx);
    requireCompatible(list, bytes, held, ctx);
  }
  // [REJECT] issue 14: a Token Status List held in CWT form too agrees with it (token-status-forms.ts).
  if (list.kind === 'token-status-list')
    requireFormsAgree(
      { format: list.kind, issuer, versionMs: list.versionMs, bits: list.bits, decoded: bytes },
      versions,
    );
  requireJoseListQuota(issuer, key, held, bytes.byteLength, ctx, codes.QUOTA_EXCEEDED, 'lst');
  return {
    kind: list.kind,
    parsed: { ...list, issuer, signer: verified.key, decoded: bytes },
    key,
    version: joseListVersion(list.versionMs),
    digest: record.digest,
    bytes: record.bytes,
  };
}

/** A newer version keeps `bits`/purpose, never shrinks, and never undoes a final state. */
function requireCompatible(
  list: ParsedJoseList,
  next: Uint8Array,
  held: JoseStatusListState,
  ctx: ValidationContext,
): void {
  const codes = CODES[list.kind];
  const prev = held.list;
  // [REJECT] issue 13: the shape stays (bits per entry; StatusList2021 purpose).
  if (list.bits !== prev.bits || list.purpose !== prev.purpose)
    throw reject(
      codes.SHRUNK,
      'status_list.bits',
      `must stay ${prev.bits} bits${prev.purpose ? `, ${prev.purpose}` : ''}`,
    );
  const size = Math.floor((next.byteLength * 8) / list.bits);
  // [REJECT] issue 13: lists grow (TW DIW appends whole bytes), never shrink.
  if (size < prev.size()) throw reject(codes.SHRUNK, 'lst', `must not shrink below ${prev.size()} entries`);
  void ctx;
  // Only a TSL and a revocation list hold final states; a suspension list's bits may change freely.
  if (list.kind === 'status-list-2021' && prev.purpose !== 'revocation') return;
  // Compared 32 bits at a time (final-states.ts): a national list has millions of entries and an
  // update changes a few.
  const index = firstUndoneFinalEntry(list.kind, list.bits, prev.decoded(), next, (prev.size() * list.bits) / 8);
  // [REJECT] draft §7.1: INVALID (0x01) is final. StatusList2021 §2.1 revocation: a set bit is final.
  if (index !== -1) {
    const after = readJoseEntry(list.kind, next, list.bits, index);
    throw reject(codes.ROLLBACK, 'lst', `entry ${index} was final (1); now ${after}`);
  }
}

/**
 * [REJECT] issue 11: per-issuer list slots and inflated bytes, over the issuer's JOSE lists of every
 * form (JWT and CWT count together); `code` and `lstField` name the kind's code and its list field.
 */
export function requireJoseListQuota(
  issuer: string,
  key: string,
  held: JoseStatusListState | undefined,
  decodedBytes: number,
  ctx: ValidationContext,
  code: string,
  lstField: string,
): void {
  const usage = ctx.joseStatusListUsage?.(issuer) ?? { slots: new Set<string>(), decodedBytes: 0 };
  const { maxListsPerIssuer, maxDecodedBytesPerIssuer } = ctx.quotas;
  // [REJECT] DESIGN.md Network (per-issuer quotas): list slots per issuer.
  if (!usage.slots.has(key) && usage.slots.size >= maxListsPerIssuer)
    throw reject(code, 'sub', `${issuer} holds ${usage.slots.size} lists; the quota is ${maxListsPerIssuer}`);
  const heldBytes = held ? Math.ceil((held.list.size() * held.list.bits) / 8) : 0;
  const after = usage.decodedBytes - heldBytes + decodedBytes;
  // [REJECT] DESIGN.md Network (per-issuer quotas): inflated bytes per issuer.
  if (after > maxDecodedBytesPerIssuer)
    throw reject(code, lstField, `${issuer}'s lists would inflate to ${after} bytes`);
}

/**
 * Slot, version and signer of a JOSE list in gossiped evidence (validation/evidence.ts), its
 * signature checked against the keys pinned for its issuer (unscoped, as for other evidence: it is
 * kept, not trusted).
 */
export function joseSignedSlot(
  record: SubmittedRecord,
  ctx: ValidationContext,
): { key: string; version: string; signer: string } {
  const list = parseJoseList(record, ctx.limits);
  const issuer = issuerOf(list, ctx);
  // [REJECT] docs/records.md Evidence: each record validly signed by a key pinned for its issuer.
  if (issuer === null) throw reject(EVIDENCE_CODES.INVALID, 'records', 'names no issuer whose keys are held');
  const own = didKeyOf(issuer);
  const keys = [...pinnedKeysOf(ctx.view, issuer), ...(own ? [own] : [])];
  const verified = verifyJwsWithKeys(list.jws, issuer, keys, 'for evidence');
  if (!verified.verified) throw verified.error;
  return {
    key: joseListSlotKey(list.kind, list.uri, verified.key.publicKeyMultibase),
    version: joseListVersion(list.versionMs),
    signer: issuer,
  };
}

/** What a JOSE list's signature covers (RFC 7515 §5.2): equal for the bare and enveloped forms. */
export function joseSignedContent(jws: CompactJws): string {
  return signedDigest(jws);
}

/** What each signer signed: the JWS signing input (RFC 7515 §5.2), whatever form carries it. */
function signedDigest(jws: CompactJws): string {
  return sha256Hex(jws.signingInput);
}

/**
 * Same slot, same version, different signed content from the same key: equivocation evidence
 * (validation/evidence.ts), whose records are the two JWS texts (or envelopes) as held.
 */
async function joseEquivocation(
  kind: JoseListKind,
  key: string,
  signer: string,
  list: ParsedJoseList,
  held: JoseStatusListState,
  record: SubmittedRecord,
  ctx: ValidationContext,
): Promise<Admission> {
  const heldDigest = signedDigest(parseHeldJws(held));
  const newDigest = signedDigest(list.jws);
  // [IGNORE] issue 9: same signed content (e.g. bare vs enveloped) is a re-serialisation.
  if (heldDigest === newDigest)
    throw ignore(VALIDATION_CODES.DUPLICATE, undefined, `the held ${kind} record carries the same signed content`);
  const pair = [
    { b: held.bytes, d: heldDigest },
    { b: record.bytes, d: newDigest },
  ].sort((x, y) => (x.d < y.d ? -1 : 1)) as [{ b: Uint8Array; d: string }, { b: Uint8Array; d: string }];
  const id = sha256Hex(new TextEncoder().encode(`${pair[0].d}${pair[1].d}`));
  // [IGNORE] DESIGN.md Admission (dedupe): this conflict is already held.
  if (await ctx.hasEvidence(id)) throw ignore(VALIDATION_CODES.DUPLICATE, undefined, `evidence ${id} is already held`);
  const count = await ctx.evidenceCount(key, signer);
  // [IGNORE] DESIGN.md Records §5 (bounded): the slot's evidence is full.
  if (count >= MAX_EVIDENCE_PER_SLOT) throw ignore(EVIDENCE_CODES.CAP_REACHED, undefined, `${count} held for ${key}`);
  const wire = evidenceWireBytes(kind, [pair[0].b, pair[1].b]);
  return {
    kind: 'evidence',
    evidence: {
      id,
      key,
      signer,
      version: joseListVersion(list.versionMs),
      records: [pair[0].b, pair[1].b],
      receivedAt: ctx.now,
    },
    digest: id,
    bytes: wire,
  };
}

function parseHeldJws(held: JoseStatusListState): CompactJws {
  return (held as JoseStatusListState & { jws: CompactJws }).jws;
}

/** What a JOSE list admission carries: the parsed list with its issuer, signing key and (fresh) bits. */
export type AdmittedJoseList = ParsedJoseList & { issuer: string; signer: PinnedKey; decoded?: Uint8Array };

function kindModuleOf(kind: JoseListKind): RecordKindModule {
  return {
    kind,
    rank: 2,
    jsonLd: false,
    slotOf(_value, view, record) {
      // The slot names the signing key, known only from the pinned key the header names.
      if (!record?.jose || !view) return { key: null, order: 1 };
      try {
        const list = parseJoseList(record, { maxRecordBytes: Number.MAX_SAFE_INTEGER } as InputLimits);
        const kid = list.jws.header.kid;
        const issuer = list.iss;
        if (issuer === null || typeof kid !== 'string') return { key: null, order: 1 };
        const key = view
          .accreditationsOf(issuer)
          .flatMap((a) => a.publicKeys)
          .find((k) => k.publicKeyJwk?.kid === kid || k.id === kid);
        return { key: key ? joseListSlotKey(kind, list.uri, key.publicKeyMultibase) : null, order: 1 };
      } catch {
        return { key: null, order: 1 };
      }
    },
    validate: (record, ctx) => validateJoseList(record, ctx),
    restore(stored: StoredRecord, record: SubmittedRecord, limits: InputLimits): Admission {
      const list = parseJoseList(record, limits);
      const space = stored.key.lastIndexOf(' ');
      const multibase = stored.key.slice(space + 1);
      const issuer = list.iss ?? '';
      const kid = typeof list.jws.header.kid === 'string' ? list.jws.header.kid : '';
      return {
        kind,
        parsed: {
          ...list,
          issuer,
          signer: { id: kid, type: 'Multikey', controller: issuer, publicKeyMultibase: multibase },
        },
        key: stored.key,
        version: stored.version,
        digest: stored.digest,
        bytes: stored.bytes,
      };
    },
  };
}

/** The Token Status List kind. */
export const tokenStatusListKind = kindModuleOf('token-status-list');
/** The StatusList2021-as-JWT kind. */
export const statusList2021Kind = kindModuleOf('status-list-2021');

/** Kinds of the JOSE lists, for the store and the registry. */
export const JOSE_LIST_KINDS: readonly RecordKind[] = ['token-status-list', 'status-list-2021'];
export type { TrustView };
