/**
 * The issuer chain of an mdoc against the replica (issue 14; ISO/IEC 18013-5 §9.3.1 step 1, Annex
 * B.1): RFC 5280 path validation of `x5chain` to an IACA accredited for the mdoc's `docType` and
 * its `issuing_country`, with revocation from the replica's CRLs (the IACA's). The anchors are the
 * CAs accredited at the time asked, FILTERED to that docType × country: a CA accredited for
 * another docType, for other countries only, or for certificate policies only, anchors nothing.
 */
import type { ChainContext, ChainVerdict } from '../../mdoc/codes.ts';
import { CERTIFICATE_PATH_CODES } from '../../x509/path/codes.ts';
import { parseCertificate } from '../../x509/path/parse-certificate.ts';
import type { CertificatePathResult } from '../../x509/path/types.ts';
import { validateCertificatePath } from '../../x509/path/validate-path.ts';
import type { CaTrustAnchor, CrlStamp } from '../../x509/types.ts';
import type { CertificateVerificationCache } from '../certificate-verification-cache.ts';
import type { TrustView } from '../trust-view.ts';
import { revocationSourceOf } from '../verify-certificate.ts';

/** Codes of the mdoc issuer chain (check results of the `issuer` check, never thrown). */
export const MDOC_CHAIN_CODES = {
  /** fail — neither a digest-verified `issuing_country` nor the DS certificate's countryName: no scope to check. */
  ISSUING_COUNTRY_MISSING: 'MDOC_ISSUING_COUNTRY_MISSING',
  /** fail — the chain reaches an accredited IACA, but not one accredited for this docType. */
  IACA_DOCTYPE_NOT_ACCREDITED: 'MDOC_IACA_DOCTYPE_NOT_ACCREDITED',
  /** fail — the chain reaches an IACA accredited for this docType, but not for the issuing country. */
  IACA_JURISDICTION_NOT_ACCREDITED: 'MDOC_IACA_JURISDICTION_NOT_ACCREDITED',
  /** fail — Annex B.1.4 (Table B.3): the DS certificate's extendedKeyUsage lacks 1.0.18013.5.1.2 (mdlDS). */
  DS_EXTENDED_KEY_USAGE: 'MDOC_DS_EXTENDED_KEY_USAGE',
} as const;

/** ISO 18013-5 Annex B.1.4: the DS certificate's extended key usage (id-mdl-kp-mdlDS). */
export const MDOC_DS_EKU = '1.0.18013.5.1.2';

/** What a chain validation read, for the answer's as-of stamp. */
export interface ChainReads {
  crls: Map<string, CrlStamp>;
  /**
   * The accredited IACA the DS certificate's path reached, set only when the whole chain check
   * passed: the issuer an mdoc's status list must be signed under (verify-mdoc-credential.ts).
   */
  anchor?: { accreditationId: string; spkiSha256: string };
}

/**
 * The `validateChain` callback of verifyMdoc over `view`: path validation to an IACA accredited
 * for `ctx.docType` × `ctx.issuingCountry` at `ctx.atMs`, the DS certificate's purpose
 * (digitalSignature, and the mdlDS extended key usage), revocation from the view's CRLs.
 */
export function replicaChainValidator(
  view: TrustView,
  reads: ChainReads,
  cache?: CertificateVerificationCache,
): (x5chain: Uint8Array[], ctx: ChainContext) => ChainVerdict {
  return (x5chain, ctx) => {
    // [REJECT] the scope needs a country: an mdoc's issuing_country must fall in the IACA's jurisdictions.
    if (ctx.issuingCountry === undefined) {
      return {
        outcome: 'fail',
        code: MDOC_CHAIN_CODES.ISSUING_COUNTRY_MISSING,
        message: 'the mdoc states no issuing_country and its DS certificate no countryName',
      };
    }
    const all = view.certificateAuthorities?.(ctx.atMs) ?? [];
    const inScope = (a: CaTrustAnchor) =>
      a.docTypes.includes(ctx.docType) && a.jurisdictions.includes(ctx.issuingCountry as string);
    const result = validate(x5chain, all.filter(inScope), view, ctx.atMs, reads, cache);
    const path = result.checks.find((c) => c.check === 'path');
    if (path?.code === CERTIFICATE_PATH_CODES.ANCHOR_NOT_FOUND) {
      // Say which part of the scope is missing when the chain reaches a CA accredited for something else.
      const wider = validate(x5chain, all, view, ctx.atMs, null, cache);
      if (wider.anchor) {
        const same = all.filter((a) => a.spkiSha256 === wider.anchor?.spkiSha256);
        const docTypeCovered = same.some((a) => a.docTypes.includes(ctx.docType));
        return {
          outcome: 'fail',
          code: docTypeCovered
            ? MDOC_CHAIN_CODES.IACA_JURISDICTION_NOT_ACCREDITED
            : MDOC_CHAIN_CODES.IACA_DOCTYPE_NOT_ACCREDITED,
          message: docTypeCovered
            ? `the IACA is accredited for ${ctx.docType}, but not in ${ctx.issuingCountry}`
            : `the IACA is not accredited for ${ctx.docType}`,
          details: { accreditationId: wider.anchor.accreditationId, docType: ctx.docType, country: ctx.issuingCountry },
        };
      }
    }
    const failed = result.checks.find((c) => c.outcome === 'fail');
    const undetermined = result.checks.find((c) => c.outcome === 'undetermined');
    const deciding = failed ?? undetermined;
    const details = {
      ...(result.anchor ? { anchor: result.anchor } : {}),
      docType: ctx.docType,
      country: ctx.issuingCountry,
      checks: result.checks,
    };
    if (deciding) {
      return {
        outcome: deciding.outcome,
        ...(deciding.code ? { code: deciding.code } : {}),
        message: `${deciding.check}: ${deciding.message}`,
        details,
      };
    }
    // Annex B.1.4: the DS certificate carries the mdlDS extended key usage.
    const leaf = x5chain[0] as Uint8Array;
    const ds = cache ? cache.certificates.parse(leaf) : parseCertificate(leaf);
    if (!ds.ok || !ds.cert.extKeyUsage?.includes(MDOC_DS_EKU)) {
      return {
        outcome: 'fail',
        code: MDOC_CHAIN_CODES.DS_EXTENDED_KEY_USAGE,
        message: `the DS certificate's extendedKeyUsage does not include ${MDOC_DS_EKU}`,
        details,
      };
    }
    if (result.anchor) reads.anchor = result.anchor;
    return {
      outcome: 'pass',
      message: `x5chain reaches an IACA accredited for ${ctx.docType} in ${ctx.issuingCountry}`,
      details,
    };
  };
}

function validate(
  x5chain: Uint8Array[],
  anchors: readonly CaTrustAnchor[],
  view: TrustView,
  atMs: number,
  reads: ChainReads | null,
  cache?: CertificateVerificationCache,
): CertificatePathResult {
  const result = validateCertificatePath(
    // Annex B.1.4: a DS certificate's keyUsage is digitalSignature.
    { chain: x5chain, atMs, purpose: 'digitalSignature' },
    cache ? cache.prepared(anchors) : anchors,
    revocationSourceOf(view),
    cache ? { cache: cache.certificates } : {},
  );
  if (reads) {
    for (const crl of result.crls) reads.crls.set(`${crl.issuer}|${crl.crlNumber}|${crl.deltaCrlNumber ?? ''}`, crl);
  }
  return result;
}
