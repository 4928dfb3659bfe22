/**
 * Subordinate CA certificates (issue 14): admitted by RFC 5280 path validation to an accredited CA;
 * one slot per key and certificate, version 1 (a certificate never changes). Right after
 * accreditations: the CRLs and chains of a sub-CA need its certificate.
 */
import { sha256Hex } from '../canonical.ts';
import {
  caCertificateSlotKey,
  heldCaCertificateOf,
  validateCaCertificateRecord,
} from '../validation/ca-certificate-record.ts';
import { parseCertificate } from '../x509/path/parse-certificate.ts';
import type { RecordKindModule } from './types.ts';

/** Rank of sub-CA certificates: after accreditations (1), before status lists (2). */
export const CA_CERTIFICATE_RANK = 1.5;

/** The sub-CA certificate kind. */
export const caCertificateKind: RecordKindModule = {
  kind: 'ca-certificate',
  rank: CA_CERTIFICATE_RANK,
  jsonLd: false,
  slotOf(_value, _view, record) {
    if (record?.der !== 'ca-certificate') return { key: null, order: 0 };
    const parsed = parseCertificate(record.bytes);
    return { key: parsed.ok ? caCertificateSlotKey(parsed.cert.spkiSha256, sha256Hex(record.bytes)) : null, order: 0 };
  },
  validate: (record, ctx) => validateCaCertificateRecord(record, ctx),
  restore: (stored) => ({
    kind: 'ca-certificate',
    parsed: heldCaCertificateOf(stored.bytes, stored.digest),
    key: stored.key,
    version: stored.version,
    digest: stored.digest,
    bytes: stored.bytes,
  }),
};
