/**
 * Admission of a CRL against the one held for the same scope (issuer + issuingDistributionPoint):
 * RFC 5280 §5.2.3 (cRLNumber, monotonic, one sequence for complete and delta CRLs), §5.2.4 (delta CRLs
 * applied to their base), §5.3.1 and §3.3 (a revoked entry is never removed; a certificateHold may be
 * lifted — by removeFromCRL in a delta or by absence from a later complete CRL — unless the CA declares
 * holds final). Same number with different signed content is equivocation, kept as evidence
 * (DESIGN.md, principle 4); the same signed content re-encoded (another signature encoding) is a
 * duplicate.
 *
 * Every check is a linear merge over sorted indexes (a full CRL: held base ∪ held delta ∪ next; a delta:
 * the two deltas, with lookups into the base), never a Set of serials.
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { ignore, type ValidationError } from '../../errors.ts';
import { VALIDATION_CODES } from '../../validation/codes.ts';
import type { CrlStamp } from '../types.ts';
import { CRL_CODES, type CrlCode, crlIgnore, crlReject, crlUnresolved } from './codes.ts';
import type { ParsedCrl } from './crl-reader.ts';
import { bytesEqual } from './der-reader.ts';
import { rfc3339 } from './der-time.ts';
import { type CompactSerialIndex, CRL_REASON, walkUnion } from './serial-index.ts';

/** The delta CRL applied on top of a held complete CRL. */
export interface HeldDelta {
  crlNumber: bigint;
  baseCrlNumber: bigint;
  thisUpdateMs: number;
  nextUpdateMs: number | null;
  /** SHA-256 of its DER, hex. */
  digest: string;
  /** SHA-256 of its TBSCertList, hex. */
  tbsDigest: string;
  /** Its entries (reason 8 = removeFromCRL). */
  entries: CompactSerialIndex;
}

/** What the replica keeps of a scope's CRL: metadata and indexes, never the entries as objects. */
export interface HeldCrl {
  /** The issuer Name (DER). */
  issuer: Uint8Array;
  /** RFC 4514. */
  issuerName: string;
  /** issuingDistributionPoint extnValue (DER), null when absent: with the issuer, the scope. */
  issuingDistributionPoint: Uint8Array | null;
  authorityKeyIdentifier: Uint8Array | null;
  freshestCrl: { uris: string[] } | null;
  crlNumber: bigint;
  thisUpdateMs: number;
  nextUpdateMs: number | null;
  /** SHA-256 of the complete CRL's DER, hex. */
  digest: string;
  /** SHA-256 of its TBSCertList, hex. */
  tbsDigest: string;
  /** The complete CRL's entries. */
  entries: CompactSerialIndex;
  /** The delta applied on top, if any. */
  delta: HeldDelta | null;
  /** The as-of stamp answers carry (issue 14). */
  stamp: CrlStamp;
}

/** Options of {@link judgeCrl} and {@link applyDelta}. */
export interface SuccessionOptions {
  /** The CA declares certificateHold final (JPKI): a hold is never lifted. */
  holdFinal: boolean;
}

/** The outcome of admitting a CRL. */
export type CrlJudgement =
  /** Admit: `held` replaces the held state. `liftedHolds` counts the holds this CRL released. */
  | { status: 'accept'; held: HeldCrl; liftedHolds: number }
  /** The same signed content is already held (`ignore`, code DUPLICATE). */
  | { status: 'duplicate'; error: ValidationError }
  /** Same cRLNumber, other signed content: keep both as evidence (code CRL_EQUIVOCATION). */
  | { status: 'evidence'; error: ValidationError }
  | { status: 'ignore'; error: ValidationError }
  | { status: 'reject'; error: ValidationError };

/** A scope's key: SHA-256 (hex) of the issuer DER, then the issuingDistributionPoint DER when present. */
export function crlScopeKey(crl: { issuer: Uint8Array; issuingDistributionPoint: Uint8Array | null }): string {
  const h = createHash('sha256').update(crl.issuer);
  if (crl.issuingDistributionPoint) h.update(new Uint8Array([0])).update(crl.issuingDistributionPoint);
  return h.digest('hex');
}

/** The dependency key a delta whose base is not held awaits: any complete CRL of its scope. */
export function crlScopeDependency(crl: ParsedCrl | HeldCrl): string {
  return `crl:${crlScopeKey(crl)}`;
}

function stampOf(base: HeldCrl | ParsedCrl, delta: HeldDelta | null): CrlStamp {
  const next = delta ? delta.nextUpdateMs : base.nextUpdateMs;
  return {
    issuer: base.issuerName,
    crlNumber: base.crlNumber.toString(),
    thisUpdate: rfc3339(base.thisUpdateMs),
    ...(next !== null ? { nextUpdate: rfc3339(next) } : {}),
    ...(delta ? { deltaCrlNumber: delta.crlNumber.toString() } : {}),
  };
}

/** The held state of a complete CRL just admitted (it pins no byte of the DER). */
export function heldFromCrl(crl: ParsedCrl): HeldCrl {
  return {
    issuer: crl.issuer,
    issuerName: crl.issuerName,
    issuingDistributionPoint: crl.issuingDistributionPoint,
    authorityKeyIdentifier: crl.authorityKeyIdentifier,
    freshestCrl: crl.freshestCrl,
    crlNumber: crl.crlNumber,
    thisUpdateMs: crl.thisUpdateMs,
    nextUpdateMs: crl.nextUpdateMs,
    digest: crl.digest,
    tbsDigest: crl.tbsDigest,
    entries: crl.entries,
    delta: null,
    stamp: stampOf(crl, null),
  };
}

function withDelta(base: HeldCrl, delta: ParsedCrl): HeldCrl {
  const d: HeldDelta = {
    crlNumber: delta.crlNumber,
    baseCrlNumber: delta.baseCrlNumber!,
    thisUpdateMs: delta.thisUpdateMs,
    nextUpdateMs: delta.nextUpdateMs,
    digest: delta.digest,
    tbsDigest: delta.tbsDigest,
    entries: delta.entries,
  };
  return { ...base, delta: d, stamp: stampOf(base, d) };
}

function sameScope(held: HeldCrl, next: ParsedCrl): boolean {
  const a = held.issuingDistributionPoint;
  const b = next.issuingDistributionPoint;
  return bytesEqual(held.issuer, next.issuer) && (a === null ? b === null : b !== null && bytesEqual(a, b));
}

const ABSENT = -1;
const HOLD: number = CRL_REASON.certificateHold;
const REMOVE: number = CRL_REASON.removeFromCRL;

/**
 * The rule a change of one serial's state breaks, or null. `before`/`after`: a reason octet, or ABSENT.
 * `after === REMOVE` is an explicit removeFromCRL of a delta.
 */
function transitionRule(before: number, after: number, holdFinal: boolean): CrlCode | null {
  if (before === ABSENT || before === REMOVE) return null;
  const lifted = after === ABSENT || after === REMOVE;
  if (before === HOLD) {
    // [REJECT] a CA that declares certificateHold final never releases a hold (issue 14, JPKI).
    return lifted && holdFinal ? CRL_CODES.HOLD_FINAL : null;
  }
  // [REJECT] RFC 5280 §5.3.1: removeFromCRL is for an entry whose hold was released, not a revocation.
  if (after === REMOVE) return CRL_CODES.DELTA_REMOVES_REVOKED;
  // [REJECT] RFC 5280 §3.3 / §5.3.1: a revoked entry stays until after the certificate expires; we keep it.
  if (after === ABSENT) return CRL_CODES.SERIAL_DROPPED;
  // [REJECT] revocation is final (DESIGN.md principle 4): hold → revoked is allowed, revoked → hold is not.
  if (after === HOLD) return CRL_CODES.REVOKED_TO_HOLD;
  return null;
}

function violation(code: CrlCode, index: CompactSerialIndex, entry: number, what: string): CrlJudgement {
  const serial = Buffer.from(index.serialAt(entry)).toString('hex');
  return { status: 'reject', error: crlReject(code, 'tbsCertList.revokedCertificates', `serial ${serial}: ${what}`) };
}

function ordering(held: HeldCrl, next: ParsedCrl, heldNumber: bigint, heldTbs: string): CrlJudgement | null {
  if (!sameScope(held, next)) {
    return { status: 'reject', error: crlReject(CRL_CODES.SCOPE_MISMATCH, 'tbsCertList.issuer', 'not the held scope') };
  }
  // [IGNORE] the same signed content is a duplicate, never evidence (another encoding of the signature).
  if (next.tbsDigest === heldTbs) {
    return { status: 'duplicate', error: ignore(VALIDATION_CODES.DUPLICATE, undefined, 'this CRL is already held') };
  }
  // [IGNORE] RFC 5280 §5.2.3: CRL numbers increase; an older CRL is stale (an honest, late peer sends it).
  if (next.crlNumber < heldNumber) {
    return {
      status: 'ignore',
      error: crlIgnore(CRL_CODES.NUMBER_STALE, 'cRLNumber', `${next.crlNumber} is below the held ${heldNumber}`),
    };
  }
  // Equivocation: one number, two signed contents (DESIGN.md principle 4).
  if (next.crlNumber === heldNumber) {
    return {
      status: 'evidence',
      error: crlReject(CRL_CODES.EQUIVOCATION, 'cRLNumber', `a different CRL with number ${heldNumber} is held`),
    };
  }
  const heldThisUpdate = Math.max(held.thisUpdateMs, held.delta?.thisUpdateMs ?? 0);
  // [REJECT] a later number with an earlier thisUpdate contradicts the order it was issued in (§5.1.2.4):
  // answers stamp thisUpdate, so a CRL dated before the held one would make the replica look older.
  if (next.thisUpdateMs < heldThisUpdate) {
    return {
      status: 'reject',
      error: crlReject(CRL_CODES.THIS_UPDATE_REGRESSED, 'tbsCertList.thisUpdate', 'earlier than the held CRL'),
    };
  }
  return null;
}

/**
 * Judges `next` against the CRL held for its scope (null: none). A delta CRL goes to {@link applyDelta}.
 */
export function judgeCrl(held: HeldCrl | null, next: ParsedCrl, options: SuccessionOptions): CrlJudgement {
  if (next.baseCrlNumber !== null) {
    if (held === null) return baseMissing(next);
    return applyDelta(held, next, options);
  }
  if (held === null) return { status: 'accept', held: heldFromCrl(next), liftedHolds: 0 };
  // RFC 5280 §5.2.3: complete and delta CRLs share one numbering; a complete CRL may share the
  // number of a delta issued with it, so only a lower one than the applied delta is stale.
  if (held.delta && next.crlNumber < held.delta.crlNumber) {
    return {
      status: 'ignore',
      error: crlIgnore(
        CRL_CODES.NUMBER_STALE,
        'cRLNumber',
        `${next.crlNumber} is below the applied delta ${held.delta.crlNumber}`,
      ),
    };
  }
  const early = ordering(held, next, held.crlNumber, held.tbsDigest);
  if (early) return early;
  const base = held.entries;
  const delta = held.delta?.entries ?? null;
  const after = next.entries;
  let lifted = 0;
  let bad: CrlJudgement | null = null;
  walkUnion([base, delta, after], (at) => {
    const before = at[1]! >= 0 ? delta!.reasonAt(at[1]!) : at[0]! >= 0 ? base.reasonAt(at[0]!) : ABSENT;
    const now = at[2]! >= 0 ? after.reasonAt(at[2]!) : ABSENT;
    const rule = transitionRule(before, now, options.holdFinal);
    if (rule !== null) {
      const [ix, e] = at[1]! >= 0 ? [delta!, at[1]!] : at[0]! >= 0 ? [base, at[0]!] : [after, at[2]!];
      bad = violation(rule, ix, e, describe(rule));
      return false;
    }
    if (before === HOLD && now === ABSENT) lifted++;
    return true;
  });
  return bad ?? { status: 'accept', held: heldFromCrl(next), liftedHolds: lifted };
}

function baseMissing(delta: ParsedCrl): CrlJudgement {
  // [IGNORE] RFC 5280 §5.2.4: a delta is applied to a complete CRL numbered ≥ its BaseCRLNumber; retry then.
  return {
    status: 'ignore',
    error: crlUnresolved(
      CRL_CODES.DELTA_BASE_MISSING,
      'deltaCRLIndicator',
      `no complete CRL numbered ${delta.baseCrlNumber} or later is held`,
      crlScopeDependency(delta),
    ),
  };
}

/**
 * Applies the delta CRL `delta` to the held complete CRL `base` (RFC 5280 §5.2.4). A delta lists the
 * changes since its BaseCRLNumber, so it replaces any delta applied before; the state it yields
 * (delta entry, else base entry) must follow the same rules as a later complete CRL.
 */
export function applyDelta(base: HeldCrl, delta: ParsedCrl, options: SuccessionOptions): CrlJudgement {
  if (delta.baseCrlNumber === null) {
    return { status: 'reject', error: crlReject(CRL_CODES.NOT_DELTA, 'deltaCRLIndicator', 'not a delta CRL') };
  }
  if (!sameScope(base, delta)) {
    return { status: 'reject', error: crlReject(CRL_CODES.SCOPE_MISMATCH, 'tbsCertList.issuer', 'not the held scope') };
  }
  if (delta.baseCrlNumber > base.crlNumber) return baseMissing(delta);
  // [IGNORE] RFC 5280 §5.2.4: a delta numbered no higher than the held complete CRL says nothing newer.
  if (delta.crlNumber <= base.crlNumber) {
    return {
      status: 'ignore',
      error: crlIgnore(
        CRL_CODES.NUMBER_STALE,
        'cRLNumber',
        `delta ${delta.crlNumber} is not above the base ${base.crlNumber}`,
      ),
    };
  }
  const prior = base.delta;
  if (prior) {
    const early = ordering(base, delta, prior.crlNumber, prior.tbsDigest);
    if (early) return early;
  } else if (delta.thisUpdateMs < base.thisUpdateMs) {
    return {
      status: 'reject',
      error: crlReject(CRL_CODES.THIS_UPDATE_REGRESSED, 'tbsCertList.thisUpdate', 'earlier than the base CRL'),
    };
  }
  const full = base.entries;
  const old = prior?.entries ?? null;
  const fresh = delta.entries;
  let lifted = 0;
  let bad: CrlJudgement | null = null;
  // Only serials some delta names can change state: walk the deltas, look the base up.
  walkUnion([old, fresh], (at) => {
    const lead = at[0]! >= 0 ? old! : fresh;
    const entry = at[0]! >= 0 ? at[0]! : at[1]!;
    const inBase = full.findEntryOf(lead, entry);
    const baseState = inBase >= 0 ? full.reasonAt(inBase) : ABSENT;
    const before = at[0]! >= 0 ? old!.reasonAt(at[0]!) : baseState;
    let now = at[1]! >= 0 ? fresh.reasonAt(at[1]!) : baseState;
    // A removeFromCRL of a serial the state does not list changes nothing.
    if (now === REMOVE && (before === ABSENT || before === REMOVE)) now = ABSENT;
    const rule = transitionRule(before, now, options.holdFinal);
    if (rule !== null) {
      bad = violation(rule, lead, entry, describe(rule));
      return false;
    }
    if (before === HOLD && (now === ABSENT || now === REMOVE)) lifted++;
    return true;
  });
  return bad ?? { status: 'accept', held: withDelta(base, delta), liftedHolds: lifted };
}

function describe(code: CrlCode): string {
  switch (code) {
    case CRL_CODES.HOLD_FINAL:
      return 'a hold lifted, but this CA declares certificateHold final';
    case CRL_CODES.DELTA_REMOVES_REVOKED:
      return 'removeFromCRL on a revoked (not held) entry';
    case CRL_CODES.SERIAL_DROPPED:
      return 'revoked, and missing from the later CRL';
    case CRL_CODES.REVOKED_TO_HOLD:
      return 'revoked, and put back on hold';
    default:
      return code;
  }
}
