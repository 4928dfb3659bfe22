/**
 * Certificate signature verification (RFC 5280 §6.1.3 (a)(1)) with node:crypto, synchronously, on
 * KeyObjects made once from the SubjectPublicKeyInfo DER. Algorithms: RSASSA-PKCS1-v1_5 and ECDSA
 * with SHA-256/384/512 (RFC 4055 §5, RFC 5758 §3.2), Ed25519 / Ed448 (RFC 8410 §6). SHA-1, RSASSA-PSS
 * and DSA are not verified (fail closed, SIGNATURE_ALGORITHM_UNSUPPORTED).
 */
import { verify } from 'node:crypto';
import { CERTIFICATE_PATH_CODES as CODES } from './codes.ts';
import { bytesEqual } from './der.ts';
import { type ParsedCertificate, publicKeyOf } from './parse-certificate.ts';

const ALGORITHMS: Record<string, { hash: string | null; keyType: string }> = {
  '1.2.840.113549.1.1.11': { hash: 'sha256', keyType: 'rsa' },
  '1.2.840.113549.1.1.12': { hash: 'sha384', keyType: 'rsa' },
  '1.2.840.113549.1.1.13': { hash: 'sha512', keyType: 'rsa' },
  '1.2.840.10045.4.3.2': { hash: 'sha256', keyType: 'ec' },
  '1.2.840.10045.4.3.3': { hash: 'sha384', keyType: 'ec' },
  '1.2.840.10045.4.3.4': { hash: 'sha512', keyType: 'ec' },
  '1.3.101.112': { hash: null, keyType: 'ed25519' },
  '1.3.101.113': { hash: null, keyType: 'ed448' },
};

/** Why a signature did not verify: a code and a message. */
export interface SignatureFailure {
  code: string;
  message: string;
}

/** Verifies `cert`'s signature under `issuer`'s public key; null when it verifies. Never throws. */
export function verifyCertificateSignature(
  cert: ParsedCertificate,
  issuer: ParsedCertificate,
): SignatureFailure | null {
  // The same DER verified under the same key before (the entry is cached with the DER's SHA-256).
  if (cert.verifiedBy.has(issuer.spkiSha256)) return null;
  // §4.1.1.2: signatureAlgorithm MUST be the same algorithm identifier as tbsCertificate.signature.
  if (!bytesEqual(cert.signatureAlgorithm, cert.tbsSignatureAlgorithm)) {
    return {
      code: CODES.SIGNATURE_ALGORITHM_MISMATCH,
      message: 'signatureAlgorithm differs from tbsCertificate.signature',
    };
  }
  const algorithm = ALGORITHMS[cert.signatureAlgorithmOid];
  if (!algorithm) {
    return {
      code: CODES.SIGNATURE_ALGORITHM_UNSUPPORTED,
      message: `signature algorithm ${cert.signatureAlgorithmOid} is not verified here`,
    };
  }
  try {
    const key = publicKeyOf(issuer);
    if (key.asymmetricKeyType !== algorithm.keyType) {
      return {
        code: CODES.SIGNATURE_ALGORITHM_MISMATCH,
        message: `a ${algorithm.keyType} signature under a ${key.asymmetricKeyType} key`,
      };
    }
    // ECDSA signatures in certificates are DER Ecdsa-Sig-Value (RFC 5758 §3.2): node's default encoding.
    if (!verify(algorithm.hash, cert.tbs, key, cert.signature)) {
      return { code: CODES.INVALID_SIGNATURE, message: "the signature does not verify under the issuer's key" };
    }
  } catch (error) {
    return {
      code: CODES.INVALID_SIGNATURE,
      message: `the signature cannot be verified: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  // Bounded: a certificate verifies under its one issuer key, rarely a few (re-keyed look-alikes).
  if (cert.verifiedBy.size < 4) cert.verifiedBy.add(issuer.spkiSha256);
  return null;
}
