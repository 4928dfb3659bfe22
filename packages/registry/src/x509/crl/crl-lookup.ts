/**
 * The replica's revocation answer about one serial from a held CRL (issue 14; `RevocationAnswer` of
 * x509/types.ts): the applied delta's entry first, else the complete CRL's (RFC 5280 §5.2.4, §6.3.3).
 * Fail closed: past nextUpdate, or no nextUpdate at all, is `undetermined` CRL_STALE (RFC 5280
 * §5.1.2.5); before thisUpdate is `undetermined` CRL_NOT_YET_VALID. An entry revoked after `atMs` is
 * good as of `atMs`. Two binary searches and no allocation but the answer.
 */
import type { RevocationAnswer, RevocationSource } from '../types.ts';
import type { HeldCrl } from './crl-succession.ts';
import { CRL_REASON, REASON_NONE } from './serial-index.ts';

/** Codes of `undetermined` answers (the strings x509/types.ts fixes). */
export const CRL_LOOKUP_CODES = {
  /** No CRL of that CA is held. */
  MISSING: 'CRL_MISSING',
  /** `atMs` is past the freshest nextUpdate held (the delta's when one is applied), or there is none. */
  STALE: 'CRL_STALE',
  /** `atMs` is before the complete CRL's thisUpdate. */
  NOT_YET_VALID: 'CRL_NOT_YET_VALID',
} as const;

/**
 * The state of `serial` (DER INTEGER contents of the certificate's serialNumber) as of `atMs` (ms since
 * the epoch) according to `held` (null when no CRL of that CA is held).
 */
export function lookupCrl(held: HeldCrl | null, serial: Uint8Array, atMs: number): RevocationAnswer {
  if (held === null) return { state: 'undetermined', code: CRL_LOOKUP_CODES.MISSING };
  const crl = held.stamp;
  if (atMs < held.thisUpdateMs) return { state: 'undetermined', code: CRL_LOOKUP_CODES.NOT_YET_VALID, crl };
  // The delta is the fresher statement; when it is stale, newer revocations may exist (fail closed).
  const nextUpdate = held.delta ? held.delta.nextUpdateMs : held.nextUpdateMs;
  if (nextUpdate === null || atMs > nextUpdate) return { state: 'undetermined', code: CRL_LOOKUP_CODES.STALE, crl };
  let index = held.entries;
  let entry = -1;
  if (held.delta) {
    entry = held.delta.entries.find(serial);
    if (entry >= 0) {
      // RFC 5280 §5.2.4: removeFromCRL in the delta releases the base's hold.
      if (held.delta.entries.reasonAt(entry) === CRL_REASON.removeFromCRL) return { state: 'good', crl };
      index = held.delta.entries;
    }
  }
  if (entry < 0) entry = index.find(serial);
  if (entry < 0) return { state: 'good', crl };
  const revokedAtMs = index.revokedAtMs(entry);
  if (revokedAtMs > atMs) return { state: 'good', crl };
  const reason = index.reasonAt(entry);
  const state = reason === CRL_REASON.certificateHold ? 'hold' : 'revoked';
  return reason === REASON_NONE ? { state, revokedAtMs, crl } : { state, reason, revokedAtMs, crl };
}

/**
 * A {@link RevocationSource} over held CRLs: `heldFor(issuerSpkiSha256)` returns the CRL held for the
 * CA with that key (the caller maps accredited CAs to their CRL scope), or null.
 */
export function crlRevocationSource(heldFor: (issuerSpkiSha256: string) => HeldCrl | null): RevocationSource {
  return { lookup: (spki, serial, atMs) => lookupCrl(heldFor(spki), serial, atMs) };
}
