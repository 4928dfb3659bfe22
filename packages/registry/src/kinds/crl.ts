/**
 * CRLs (issue 14; DESIGN.md, Records §4; RFC 5280 §5): complete and delta CRLs, one module. A complete
 * CRL occupies `crl/<scope>`, a scope's newest delta `crl/<scope>/delta`; the version is the cRLNumber.
 * After status lists (their CA's accreditation and sub-CA certificate come first), a delta after the
 * complete CRLs it applies to.
 */

import { crlLimitsOf, crlRecordKey, validateCrl } from '../validation/crl.ts';
import { crlSignerKeys } from '../x509/ca-keys.ts';
import { readCrlEntriesAsync, readCrlHeader } from '../x509/crl/crl-reader.ts';
import { checkCrlSignature } from '../x509/crl/crl-signature.ts';
import { applyDelta, crlScopeKey, heldFromCrl } from '../x509/crl/crl-succession.ts';
import type { RecordKindModule } from './types.ts';

/** Rank of CRLs: after status lists (2), before evidence (3). */
export const CRL_RANK = 2.5;

/** The CRL kind. */
export const crlKind: RecordKindModule = {
  kind: 'crl',
  rank: CRL_RANK,
  jsonLd: false,
  slotOf(_value, _view, record) {
    if (record?.der !== 'crl') return { key: null, order: 0 };
    try {
      const header = readCrlHeader(record.bytes);
      return { key: crlRecordKey(header), order: header.baseCrlNumber === null ? 0 : 1 };
    } catch {
      return { key: null, order: 0 };
    }
  },
  validate: (record, ctx) => validateCrl(record, ctx),
  async restore(stored, _record, limits, env) {
    if (!env) throw new TypeError(`restoring CRL ${stored.key} needs the registry state`);
    const crlLimits = crlLimitsOf(limits);
    const header = readCrlHeader(stored.bytes, crlLimits);
    await env.pause();
    const holdings = env.crlHoldings();
    // Validated on admission; the signer is found again (any time: it may have expired since), so
    // lookups by the signing key find the CRL.
    const signer = crlSignerKeys(env.view, header.issuer, holdings.caCertificates(), 0, true).find(
      (k) => checkCrlSignature(header, k.spkiDer) === null,
    );
    if (!signer) return null;
    await env.pause();
    const parsed = await readCrlEntriesAsync(header, { pause: () => env.pause() }, crlLimits);
    const scope = crlScopeKey(header);
    const isDelta = header.baseCrlNumber !== null;
    let held = heldFromCrl(parsed);
    if (isDelta) {
      const base = holdings.crl(scope);
      const applied = base ? applyDelta(base.held, parsed, { holdFinal: signer.holdFinal }) : null;
      if (applied?.status !== 'accept') return null;
      held = applied.held;
    }
    return {
      kind: 'crl',
      parsed: { scope, held, signer: signer.spkiSha256, holdFinal: signer.holdFinal, delta: isDelta },
      key: stored.key,
      version: stored.version,
      digest: stored.digest,
      bytes: stored.bytes,
    };
  },
};
