/**
 * The leaf's purpose: keyUsage (RFC 5280 §4.2.1.3) and extendedKeyUsage (§4.2.1.12), with the
 * keyUsage bits §4.2.1.12 names as consistent with each key purpose.
 */
import { KeyUsageFlags } from '@peculiar/asn1-x509';
import { CERTIFICATE_PATH_CODES as CODES } from './codes.ts';
import type { ParsedCertificate } from './parse-certificate.ts';
import type { CertificatePurpose } from './types.ts';

const KEY_USAGE: Partial<Record<CertificatePurpose, number>> = {
  digitalSignature: KeyUsageFlags.digitalSignature,
  nonRepudiation: KeyUsageFlags.nonRepudiation,
  keyEncipherment: KeyUsageFlags.keyEncipherment,
  keyAgreement: KeyUsageFlags.keyAgreement,
};

// §4.2.1.12: each key purpose with the keyUsage bits consistent with it (any one suffices).
const KEY_PURPOSE: Partial<Record<CertificatePurpose, { oid: string; bits: number }>> = {
  serverAuth: {
    oid: '1.3.6.1.5.5.7.3.1',
    bits: KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment | KeyUsageFlags.keyAgreement,
  },
  clientAuth: { oid: '1.3.6.1.5.5.7.3.2', bits: KeyUsageFlags.digitalSignature | KeyUsageFlags.keyAgreement },
  codeSigning: { oid: '1.3.6.1.5.5.7.3.3', bits: KeyUsageFlags.digitalSignature },
  emailProtection: {
    oid: '1.3.6.1.5.5.7.3.4',
    bits:
      KeyUsageFlags.digitalSignature |
      KeyUsageFlags.nonRepudiation |
      KeyUsageFlags.keyEncipherment |
      KeyUsageFlags.keyAgreement,
  },
};

const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

/** The purposes a caller may ask for. */
export const CERTIFICATE_PURPOSES: readonly CertificatePurpose[] = [
  ...(Object.keys(KEY_USAGE) as CertificatePurpose[]),
  ...(Object.keys(KEY_PURPOSE) as CertificatePurpose[]),
];

/** Checks the leaf against every requested purpose; null when it serves all of them. */
export function checkPurposes(
  leaf: ParsedCertificate,
  purposes: readonly CertificatePurpose[],
): { code: string; message: string; purpose: string } | null {
  for (const purpose of purposes) {
    const bit = KEY_USAGE[purpose];
    const kp = KEY_PURPOSE[purpose];
    if (bit === undefined && kp === undefined) {
      return {
        code: CODES.KEY_USAGE_MISMATCH,
        message: `unknown purpose "${String(purpose)}"`,
        purpose: String(purpose),
      };
    }
    // §4.2.1.3: when keyUsage is present, only the usages it asserts are allowed.
    if (bit !== undefined && leaf.keyUsage !== undefined && (leaf.keyUsage & bit) === 0) {
      return { code: CODES.KEY_USAGE_MISMATCH, message: `keyUsage does not assert ${purpose}`, purpose };
    }
    if (kp !== undefined) {
      // §4.2.1.12: when extendedKeyUsage is present, only its purposes (or anyExtendedKeyUsage).
      const eku = leaf.extKeyUsage;
      if (eku !== undefined && !eku.includes(kp.oid) && !eku.includes(ANY_EXTENDED_KEY_USAGE)) {
        return {
          code: CODES.EXTENDED_KEY_USAGE_MISMATCH,
          message: `extendedKeyUsage does not include ${purpose}`,
          purpose,
        };
      }
      if (leaf.keyUsage !== undefined && (leaf.keyUsage & kp.bits) === 0) {
        return { code: CODES.KEY_USAGE_MISMATCH, message: `keyUsage has no bit consistent with ${purpose}`, purpose };
      }
    }
  }
  return null;
}
