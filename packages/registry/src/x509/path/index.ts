/**
 * Certificate path validation against accredited CAs (issue 14; RFC 5280 §6.1): the public surface
 * of this folder, for `src/index.ts` to re-export.
 */
export { type PreparedAnchor, type PreparedAnchors, prepareAnchors } from './anchors.ts';
export { CERTIFICATE_PATH_CODES, type CertificatePathCode } from './codes.ts';
export { CertificateCache, type CertificateCacheOptions } from './parse-certificate.ts';
export { CERTIFICATE_PURPOSES } from './purpose.ts';
export type {
  CertificateCheckName,
  CertificateCheckResult,
  CertificatePathInput,
  CertificatePathOptions,
  CertificatePathResult,
  CertificatePurpose,
} from './types.ts';
export { validateCertificatePath } from './validate-path.ts';
