/**
 * Admission of a CRL record (issue 14; RFC 5280 §5; docs/records.md, Certificate revocation lists).
 * Cheap checks first: the size (before anything is decoded: validation/submitted-record.ts), the
 * header without its entries (readCrlHeader), the signer — a CA whose certificate's subject is the CRL
 * issuer: an accredited CA valid now, or a held sub-CA whose path to one is valid now — and the
 * signature over the TBSCertList; only then the entries, decoded in steps that yield to the event
 * loop, and judged against the scope's held CRL (x509/crl/crl-succession.ts). Same cRLNumber with
 * other signed content becomes equivocation evidence, with both DERs as held.
 */
import { setImmediate } from 'node:timers/promises';
import { sha256Hex } from '../canonical.ts';
import { ignore, reject, type ValidationError } from '../errors.ts';
import { type InputLimits, largeRecordLimit } from '../limits.ts';
import type { TrustView } from '../verification/trust-view.ts';
import { caSubjectId } from '../x509/ca-certificate.ts';
import { type CrlSignerKey, crlSignerKeys } from '../x509/ca-keys.ts';
import { CRL_CODES } from '../x509/crl/codes.ts';
import {
  type CrlHeader,
  type CrlLimits,
  DEFAULT_CRL_LIMITS,
  readCrlEntriesAsync,
  readCrlHeader,
} from '../x509/crl/crl-reader.ts';
import { checkCrlSignature } from '../x509/crl/crl-signature.ts';
import { crlScopeKey, judgeCrl } from '../x509/crl/crl-succession.ts';
import { type CrlHoldings, crlDeltaSlotKey, crlSlotKey, crlVersion } from '../x509/held-crls.ts';
import { VALIDATION_CODES } from './codes.ts';
import type { Admission, ValidationContext } from './context.ts';
import { equivocation } from './evidence.ts';
import type { SubmittedRecord } from './submitted-record.ts';

/** Codes of CRL records beside {@link CRL_CODES} (docs/records.md, Certificate revocation lists). */
export const CRL_RECORD_CODES = {
  /**
   * `reject` — no accredited CA valid now, nor held sub-CA whose path to one is valid now, has the CRL
   * issuer as its subject (an unaccredited or withdrawn CA; HTTP 422).
   */
  ISSUER_NOT_ACCREDITED: 'CRL_ISSUER_NOT_ACCREDITED',
} as const;

/** The CRL decoding limits of a registry's input limits (the size bound is `maxLargeRecordBytes`). */
export function crlLimitsOf(limits: InputLimits): CrlLimits {
  return { ...DEFAULT_CRL_LIMITS, maxBytes: largeRecordLimit(limits) };
}

/** The slot a CRL occupies: `crl/<scope>`, or `crl/<scope>/delta` for a delta CRL (RFC 5280 §5.2.4). */
export function crlRecordKey(header: Pick<CrlHeader, 'issuer' | 'issuingDistributionPoint' | 'baseCrlNumber'>): string {
  const scope = crlScopeKey(header);
  return header.baseCrlNumber === null ? crlSlotKey(scope) : crlDeltaSlotKey(scope);
}

/**
 * The key that signed `header`: the first CA key named by its issuer whose signature verifies.
 * @throws CRL_ISSUER_NOT_ACCREDITED when no candidate key exists, CRL_SIGNATURE_INVALID when none verifies.
 */
export function crlSigner(header: CrlHeader, view: TrustView, holdings: CrlHoldings, atMs: number): CrlSignerKey {
  const keys = crlSignerKeys(view, header.issuer, holdings.caCertificates(), atMs);
  // [REJECT] issue 14: a CRL is accepted only from an accredited CA (or a held sub-CA of one), valid now.
  if (keys.length === 0) {
    throw reject(
      CRL_RECORD_CODES.ISSUER_NOT_ACCREDITED,
      'tbsCertList.issuer',
      `no accredited CA or held sub-CA named "${header.issuerName}" is valid now`,
    );
  }
  let failure: ValidationError | null = null;
  for (const key of keys) {
    // [REJECT] RFC 5280 §5.1.1.3, §6.3.3 (f): the signature verifies under the CA's key.
    const error = checkCrlSignature(header, key.spkiDer);
    if (error === null) return key;
    failure ??= error;
  }
  throw failure!;
}

/** Validates a CRL record against the held state (see the module documentation). */
export async function validateCrl(record: SubmittedRecord, ctx: ValidationContext): Promise<Admission> {
  const holdings = ctx.crlHoldings?.();
  if (!holdings) {
    throw reject(CRL_RECORD_CODES.ISSUER_NOT_ACCREDITED, undefined, 'this registry holds no CRLs');
  }
  const limits = crlLimitsOf(ctx.limits);
  const pause = ctx.pause ?? (() => setImmediate());
  // A turn of the event loop between the steps that each hash a national CRL once (~20–40 ms).
  const header = readCrlHeader(record.bytes, limits);
  await pause();
  const signer = crlSigner(header, ctx.view, holdings, ctx.now);
  await pause();
  const scope = crlScopeKey(header);
  const held = holdings.crl(scope);
  const isDelta = header.baseCrlNumber !== null;
  // [IGNORE] before the entries are decoded: the same signed content is a duplicate (a re-gossiped
  // national CRL costs a header read, not a second of decoding). judgeCrl says the same later.
  if (held && (held.held.tbsDigest === header.tbsDigest || held.held.delta?.tbsDigest === header.tbsDigest)) {
    throw ignore(VALIDATION_CODES.DUPLICATE, undefined, 'this CRL is already held');
  }
  const parsed = await readCrlEntriesAsync(header, { pause }, limits);
  const judgement = judgeCrl(held?.held ?? null, parsed, { holdFinal: signer.holdFinal });
  const key = isDelta ? crlDeltaSlotKey(scope) : crlSlotKey(scope);
  const version = crlVersion(header.crlNumber);
  if (judgement.status === 'evidence') {
    const heldDigest = isDelta ? held?.held.delta?.digest : held?.held.digest;
    const heldBytes = (await ctx.heldRecordBytes?.(key)) ?? null;
    // The held DER is read back from the store (CRLs are not kept in memory); a version replaced
    // meanwhile is no longer the one the judgement compared with.
    if (heldBytes === null || heldDigest === undefined || sha256Hex(heldBytes) !== heldDigest) {
      throw ignore(
        CRL_CODES.EQUIVOCATION,
        'cRLNumber',
        'a conflicting CRL is held, but its bytes are not readable now',
      );
    }
    return equivocation('crl', key, caSubjectId(signer.spkiSha256), version, heldBytes, record.bytes, ctx);
  }
  if (judgement.status !== 'accept') throw judgement.error;
  return {
    kind: 'crl',
    parsed: { scope, held: judgement.held, signer: signer.spkiSha256, holdFinal: signer.holdFinal, delta: isDelta },
    key,
    version,
    digest: record.digest,
    bytes: record.bytes,
    // A complete CRL supersedes the scope's delta (RFC 5280 §5.2.4): its slot goes in the same batch.
    ...(!isDelta && held?.held.delta ? { drop: [crlDeltaSlotKey(scope)] } : {}),
  };
}

/**
 * Slot, version and signer of a CRL carried in evidence from a peer, its signature checked: both
 * CRLs of a conflict must share them (same issuer scope, same cRLNumber, same accredited CA key).
 */
export function crlSignedSlot(
  record: SubmittedRecord,
  ctx: ValidationContext,
): { key: string; version: string; signer: string } {
  const holdings = ctx.crlHoldings?.();
  if (!holdings) throw reject(CRL_RECORD_CODES.ISSUER_NOT_ACCREDITED, undefined, 'this registry holds no CRLs');
  const header = readCrlHeader(record.bytes, crlLimitsOf(ctx.limits));
  const signer = crlSigner(header, ctx.view, holdings, ctx.now);
  return { key: crlRecordKey(header), version: crlVersion(header.crlNumber), signer: caSubjectId(signer.spkiSha256) };
}
