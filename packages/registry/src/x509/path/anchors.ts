/**
 * Trust anchors (RFC 5280 §6.1.1 (d)) from accredited CAs: each accredited certificate parsed once,
 * indexed by its subject name and by its key. Prepare them once per trust-view change and pass the
 * result to every validation.
 */
import type { CaTrustAnchor } from '../types.ts';
import { bytesEqual, derNamesEqual } from './der.ts';
import { type ParsedCertificate, parseCertificate } from './parse-certificate.ts';

/** An accredited CA with its certificate parsed. */
export interface PreparedAnchor {
  anchor: CaTrustAnchor;
  cert: ParsedCertificate;
}

/** Anchors ready for {@link validateCertificatePath}: made by {@link prepareAnchors}. */
export interface PreparedAnchors {
  readonly kind: 'prepared-anchors';
  readonly all: readonly PreparedAnchor[];
  /** By base64url SHA-256 of the SubjectPublicKeyInfo. */
  readonly bySpki: ReadonlyMap<string, readonly PreparedAnchor[]>;
  /** Anchors that could not serve: their certificate does not parse or its key is not the pinned one. */
  readonly unusable: readonly { accreditationId: string; reason: string }[];
}

/**
 * Parses each anchor's certificate once. An anchor whose certificate does not parse, or whose
 * SubjectPublicKeyInfo does not hash to its `spkiSha256` (the accreditation pins the key), is left
 * out and listed in `unusable`.
 */
export function prepareAnchors(anchors: readonly CaTrustAnchor[]): PreparedAnchors {
  const all: PreparedAnchor[] = [];
  const unusable: { accreditationId: string; reason: string }[] = [];
  const bySpki = new Map<string, PreparedAnchor[]>();
  for (const anchor of anchors) {
    const parsed = parseCertificate(anchor.certificate);
    if (!parsed.ok) {
      unusable.push({
        accreditationId: anchor.accreditationId,
        reason: `certificate does not parse: ${parsed.message}`,
      });
      continue;
    }
    if (parsed.cert.spkiSha256 !== anchor.spkiSha256) {
      unusable.push({
        accreditationId: anchor.accreditationId,
        reason: 'certificate key is not the pinned spkiSha256',
      });
      continue;
    }
    const prepared = { anchor, cert: parsed.cert };
    all.push(prepared);
    bySpki.set(anchor.spkiSha256, [...(bySpki.get(anchor.spkiSha256) ?? []), prepared]);
  }
  return { kind: 'prepared-anchors', all, bySpki, unusable };
}

/** True for the output of {@link prepareAnchors}. */
export function isPreparedAnchors(value: unknown): value is PreparedAnchors {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'prepared-anchors';
}

/**
 * §6.1.1 (d): the anchors that may have issued `cert`: subject name = its issuer name (§7.1). Those
 * whose subjectKeyIdentifier matches its authorityKeyIdentifier come first (§4.2.1.1: a hint only;
 * the signature decides, so a mismatch reports the signature, not a missing anchor).
 */
export function issuingAnchors(anchors: PreparedAnchors, cert: ParsedCertificate): PreparedAnchor[] {
  const named = anchors.all.filter(({ cert: ca }) => derNamesEqual(ca.subjectDer, cert.issuerDer));
  const keyed = (ca: ParsedCertificate) =>
    !ca.subjectKeyId || !cert.authorityKeyId || bytesEqual(ca.subjectKeyId, cert.authorityKeyId) ? 0 : 1;
  return named.sort((a, b) => keyed(a.cert) - keyed(b.cert));
}
