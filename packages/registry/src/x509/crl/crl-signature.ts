/**
 * The CRL's signature (RFC 5280 §5.1.1.3) over the DER of TBSCertList, checked with node:crypto under
 * the issuer's SubjectPublicKeyInfo. Algorithms: ECDSA with SHA-256/384/512 on P-256/P-384/P-521
 * (RFC 5758 §3.2), RSASSA-PKCS1-v1_5 with SHA-256/384/512 (RFC 4055 §5), RSASSA-PSS with
 * SHA-256/384/512 and MGF1 of the same hash (RFC 4055 §3.1), Ed25519 and Ed448 (RFC 8410 §3).
 * SHA-1 and MD5 are refused. An algorithm that does not fit the key's type is a failure, never a guess.
 */
import { Buffer } from 'node:buffer';
import { constants, createPublicKey, type KeyObject, verify } from 'node:crypto';
import type { ValidationError } from '../../errors.ts';
import { CRL_CODES, crlReject } from './codes.ts';
import type { CrlHeader } from './crl-reader.ts';
import { DER_TAG, DerReader } from './der-reader.ts';

const ECDSA: Record<string, string> = {
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};
const RSA_PKCS1: Record<string, string> = {
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
};
const HASHES: Record<string, string> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
const RSA_PSS = '1.2.840.113549.1.1.10';
const MGF1 = '1.2.840.113549.1.1.8';
const ED25519 = '1.3.101.112';
const ED448 = '1.3.101.113';
const EC_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);
const NULL_PARAMS = [DER_TAG.NULL, 0];

function fail(message: string): ValidationError {
  return crlReject(CRL_CODES.SIGNATURE_INVALID, 'signatureValue', message);
}

function isNull(p: Uint8Array | null): boolean {
  return p !== null && p.length === 2 && p[0] === NULL_PARAMS[0] && p[1] === NULL_PARAMS[1];
}

/** RSASSA-PSS-params (RFC 4055 §3.1): the hash, MGF1 of the same hash, the salt length, trailer 1. */
function pssParams(p: Uint8Array | null): { hash: string; saltLength: number } | null {
  if (p === null) return null; // The SHA-1 defaults are refused.
  try {
    const outer = new DerReader(p, 0, p.length, 0, 8);
    const seq = outer.enter(DER_TAG.SEQUENCE, 'pss');
    outer.finish('pss');
    let hash: string | undefined;
    let mgfHash: string | undefined;
    let saltLength = 20;
    const algorithmIn = (r: DerReader): [string, DerReader] => {
      const alg = r.child('pss').enter(DER_TAG.SEQUENCE, 'pss');
      const oid = alg.readOid('pss');
      return [oid, alg];
    };
    if (seq.optional(0xa0, 'pss.hashAlgorithm')) {
      const [oid, alg] = algorithmIn(seq);
      hash = HASHES[oid];
      if (alg.hasMore() && alg.next('pss') !== DER_TAG.NULL) return null;
    }
    if (seq.optional(0xa1, 'pss.maskGenAlgorithm')) {
      const [oid, alg] = algorithmIn(seq);
      if (oid !== MGF1) return null;
      const inner = alg.enter(DER_TAG.SEQUENCE, 'pss');
      mgfHash = HASHES[inner.readOid('pss')];
    }
    if (seq.optional(0xa2, 'pss.saltLength')) {
      const r = seq.child('pss');
      r.expect(DER_TAG.INTEGER, 'pss');
      if (r.checkInteger('pss') || r.valueEnd - r.valueStart > 2) return null;
      saltLength = 0;
      for (let i = r.valueStart; i < r.valueEnd; i++) saltLength = saltLength * 256 + p[i]!;
    }
    if (seq.optional(0xa3, 'pss.trailerField')) {
      const r = seq.child('pss');
      r.expect(DER_TAG.INTEGER, 'pss');
      if (r.valueEnd - r.valueStart !== 1 || p[r.valueStart] !== 1) return null;
    }
    seq.finish('pss');
    if (hash === undefined || hash !== mgfHash) return null;
    return { hash, saltLength };
  } catch {
    return null;
  }
}

/**
 * Checks the signature of `crl` under `issuerSpkiDer` (DER SubjectPublicKeyInfo). Returns null when it
 * verifies, else a `CRL_SIGNATURE_INVALID` error saying why (unsupported algorithm, key mismatch, bad
 * signature). Never throws.
 */
export function checkCrlSignature(crl: CrlHeader, issuerSpkiDer: Uint8Array): ValidationError | null {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(issuerSpkiDer), format: 'der', type: 'spki' });
  } catch {
    return fail('the issuer key is not a SubjectPublicKeyInfo node:crypto reads');
  }
  const { oid, parameters } = crl.signatureAlgorithm;
  const type = key.asymmetricKeyType;
  let ok: boolean;
  try {
    if (ECDSA[oid] !== undefined) {
      // RFC 5758 §3.2: the ECDSA identifiers have absent parameters.
      if (parameters !== null) return fail('ECDSA algorithm with parameters');
      if (type !== 'ec' || !EC_CURVES.has(String(key.asymmetricKeyDetails?.namedCurve))) {
        return fail(`ECDSA signature, ${type} key`);
      }
      ok = verify(ECDSA[oid], crl.tbs, key, crl.signature);
    } else if (RSA_PKCS1[oid] !== undefined) {
      // RFC 4055 §5: NULL parameters (absent is tolerated, as most verifiers do).
      if (parameters !== null && !isNull(parameters)) return fail('RSA PKCS#1 v1.5 algorithm with parameters');
      if (type !== 'rsa') return fail(`RSA PKCS#1 v1.5 signature, ${type} key`);
      ok = verify(RSA_PKCS1[oid], crl.tbs, { key, padding: constants.RSA_PKCS1_PADDING }, crl.signature);
    } else if (oid === RSA_PSS) {
      const pss = pssParams(parameters);
      if (pss === null) return fail('RSASSA-PSS parameters other than SHA-2 with MGF1 of the same hash');
      if (type !== 'rsa' && type !== 'rsa-pss') return fail(`RSASSA-PSS signature, ${type} key`);
      ok = verify(
        pss.hash,
        crl.tbs,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: pss.saltLength },
        crl.signature,
      );
    } else if (oid === ED25519 || oid === ED448) {
      // RFC 8410 §3: parameters MUST be absent.
      if (parameters !== null) return fail('EdDSA algorithm with parameters');
      if (type !== (oid === ED25519 ? 'ed25519' : 'ed448')) return fail(`EdDSA signature, ${type} key`);
      ok = verify(null, crl.tbs, key, crl.signature);
    } else {
      return fail(`signature algorithm ${oid} is not supported`);
    }
  } catch {
    return fail('the signature could not be checked (malformed signature or key)');
  }
  return ok ? null : fail('the signature does not verify under the issuer key');
}

/** Whether the signature of `crl` verifies under `issuerSpkiDer` (see {@link checkCrlSignature}). */
export function verifyCrlSignature(crl: CrlHeader, issuerSpkiDer: Uint8Array): boolean {
  return checkCrlSignature(crl, issuerSpkiDer) === null;
}
