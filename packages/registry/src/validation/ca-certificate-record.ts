/**
 * Admission of a subordinate CA certificate record (issue 14; docs/records.md, Certificate revocation
 * lists): bounded and read as a CA certificate (cA TRUE, keyUsage with keyCertSign: RFC 5280
 * §4.2.1.9, §4.2.1.3), then RFC 5280 §6.1 path validation to an accredited CA valid now, within its
 * scope (the sub-CA's certificatePolicies within the anchor's accredited policies) and its path length.
 * Once held, the sub-CA's CRLs are accepted (validation/crl.ts) and its certificate completes chains.
 */
import { ignore, reject } from '../errors.ts';
import { CA_CERTIFICATE_CODES, parseCaCertificate } from '../x509/ca-certificate.ts';
import { checkSubCaPath } from '../x509/ca-keys.ts';
import type { HeldCaCertificate } from '../x509/held-crls.ts';
import { parseCertificate } from '../x509/path/parse-certificate.ts';
import { VALIDATION_CODES } from './codes.ts';
import type { Admission, ValidationContext } from './context.ts';
import type { SubmittedRecord } from './submitted-record.ts';

/** Codes of sub-CA certificate records beside {@link CA_CERTIFICATE_CODES}. */
export const CA_CERTIFICATE_RECORD_CODES = {
  /**
   * `reject` — RFC 5280 §6.1 path validation to an accredited CA failed, or the sub-CA would exceed a
   * path length: the message starts with the path code (e.g. `ANCHOR_NOT_FOUND`, `NO_VALID_POLICY`,
   * `PATH_LENGTH_EXCEEDED`), which the error's `cause.code` carries, with `cause.details`.
   */
  PATH_INVALID: 'CA_CERTIFICATE_PATH_INVALID',
} as const;

const KEY_CERT_SIGN = 32; // KeyUsageFlags.keyCertSign

/** The slot of a sub-CA certificate: one per key and certificate (a re-issued certificate is another). */
export function caCertificateSlotKey(spkiSha256: string, digest: string): string {
  return `ca-certificate/${spkiSha256}/${digest}`;
}

/** The held form of a CA certificate record (its DER checked by parseCaCertificate on admission). */
export function heldCaCertificateOf(der: Uint8Array, digest: string): HeldCaCertificate {
  const parsed = parseCertificate(der);
  if (!parsed.ok) throw reject(CA_CERTIFICATE_CODES.MALFORMED, 'certificate', parsed.message);
  const { cert } = parsed;
  return {
    key: caCertificateSlotKey(cert.spkiSha256, digest),
    digest,
    der,
    spkiSha256: cert.spkiSha256,
    subjectDer: cert.subjectDer,
    issuerDer: cert.issuerDer,
    subject: parseCaCertificate(der, 'certificate').subject,
    notBeforeMs: cert.notBeforeMs,
    notAfterMs: cert.notAfterMs,
  };
}

/** Validates a sub-CA certificate record (see the module documentation). */
export async function validateCaCertificateRecord(record: SubmittedRecord, ctx: ValidationContext): Promise<Admission> {
  // [REJECT] RFC 5280 §4.1, §4.2.1.9: one DER certificate of at most 64 KiB, with cA TRUE.
  parseCaCertificate(record.bytes, 'certificate');
  const held = heldCaCertificateOf(record.bytes, record.digest);
  const parsed = parseCertificate(record.bytes);
  const usage = parsed.ok ? parsed.cert.keyUsage : undefined;
  // [REJECT] RFC 5280 §4.2.1.3: a CA certificate whose key signs certificates and CRLs has keyUsage
  // with keyCertSign (parseCaCertificate allows an absent keyUsage; a sub-CA record does not).
  if (usage === undefined || (usage & KEY_CERT_SIGN) === 0) {
    throw reject(CA_CERTIFICATE_CODES.NOT_CA, 'certificate', `${held.subject} has no keyUsage with keyCertSign`);
  }
  const holdings = ctx.crlHoldings?.();
  // [IGNORE] DESIGN.md Admission (dedupe): the slot names the certificate, so a held one is a duplicate.
  if (holdings?.caCertificate(held.key)) {
    throw ignore(VALIDATION_CODES.DUPLICATE, undefined, 'this CA certificate is already held');
  }
  const anchors = ctx.view.certificateAuthorities?.(ctx.now) ?? [];
  const path = checkSubCaPath(record.bytes, anchors, holdings?.caCertificates() ?? [], ctx.now);
  if (!path.ok) {
    // [REJECT] RFC 5280 §6.1 / issue 14: a sub-CA is admitted by a valid path to an accredited CA in scope.
    throw reject(CA_CERTIFICATE_RECORD_CODES.PATH_INVALID, 'certificate', `${path.code}: ${path.message}`, {
      code: path.code,
      ...(path.details ? { details: path.details } : {}),
    });
  }
  return {
    kind: 'ca-certificate',
    parsed: held,
    key: held.key,
    version: '1',
    digest: record.digest,
    bytes: record.bytes,
  };
}
