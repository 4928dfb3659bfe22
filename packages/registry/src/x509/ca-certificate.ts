/**
 * CA certificates as accreditation subjects (issue 14; DESIGN.md, Records §2): an accreditation of
 * role `ca` carries the whole CA certificate (DER) and pins the CA by the SHA-256 of its
 * SubjectPublicKeyInfo. This module reads such a certificate — bounded before it is parsed, exactly
 * DER, a CA certificate by RFC 5280 — and checks a self-signed certificate's own signature, which is
 * the CA's proof of possession of its key.
 */
import 'reflect-metadata';
import { createHash, webcrypto } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  CertificatePolicies,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_certificatePolicies,
  id_ce_keyUsage,
  id_ce_subjectKeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  SubjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { X509Certificate } from '@peculiar/x509';
import { reject } from '../errors.ts';

/** Largest CA certificate an accreditation may carry (DER bytes); checked before any parsing. */
export const MAX_CA_CERTIFICATE_BYTES = 64 * 1024;

/** URN prefix of a CA accreditation's subject: `urn:trustmesh:ca:<spkiSha256>` (docs/records.md). */
export const CA_SUBJECT_PREFIX = 'urn:trustmesh:ca:';

/** Codes of CA certificates in accreditations (docs/records.md, Accreditation of a CA). All `reject`. */
export const CA_CERTIFICATE_CODES = {
  /** `reject` — the certificate exceeds {@link MAX_CA_CERTIFICATE_BYTES} (refused before parsing). */
  TOO_LARGE: 'CA_CERTIFICATE_TOO_LARGE',
  /** `reject` — not canonical base64, or not exactly one DER X.509 certificate (RFC 5280 §4.1). */
  MALFORMED: 'CA_CERTIFICATE_MALFORMED',
  /** `reject` — not a CA certificate: basicConstraints cA is not TRUE, or keyUsage lacks keyCertSign. */
  NOT_CA: 'CA_CERTIFICATE_NOT_CA',
  /** `reject` — the pinned `spkiSha256` (or the subject id) is not the certificate's. */
  SPKI_MISMATCH: 'CA_SPKI_MISMATCH',
  /** `reject` — a self-signed certificate whose own signature does not verify (no proof of possession). */
  SIGNATURE_INVALID: 'CA_CERTIFICATE_SIGNATURE_INVALID',
  /** `reject` — the certificate's validity does not overlap the accreditation's. */
  VALIDITY_DISJOINT: 'CA_CERTIFICATE_VALIDITY_DISJOINT',
} as const;

/** A CA certificate as an accreditation carries it, read and checked. */
export interface CaCertificate {
  /** The certificate, DER, exactly as carried. */
  der: Uint8Array;
  /** SHA-256 of the SubjectPublicKeyInfo (DER), base64url without padding. */
  spkiSha256: string;
  /** Subject and issuer distinguished names (RFC 4514 strings), for messages. */
  subject: string;
  issuer: string;
  /** basicConstraints pathLenConstraint (RFC 5280 §4.2.1.9), or null when absent (no limit). */
  pathLenConstraint: number | null;
  /** certificatePolicies OIDs (dotted) the certificate itself asserts (RFC 5280 §4.2.1.4). */
  policies: string[];
  notBeforeMs: number;
  notAfterMs: number;
  /**
   * Self-signed as far as its fields tell (issuer = subject, and no authorityKeyIdentifier naming
   * another key than its subjectKeyIdentifier): then its own signature must verify. A self-issued
   * key-rollover certificate (RFC 5280 §3.2, AKI ≠ SKI) is not self-signed.
   */
  selfSigned: boolean;
}

/** The accreditation subject id of the CA whose SubjectPublicKeyInfo hashes to `spkiSha256`. */
export function caSubjectId(spkiSha256: string): string {
  return `${CA_SUBJECT_PREFIX}${spkiSha256}`;
}

/** SHA-256 of a DER SubjectPublicKeyInfo, base64url without padding (how CAs are pinned and looked up). */
export function spkiSha256Of(spkiDer: Uint8Array): string {
  return createHash('sha256').update(spkiDer).digest('base64url');
}

/** SHA-256 of a DER certificate's SubjectPublicKeyInfo, base64url (see {@link spkiSha256Of}). */
export function certificateSpkiSha256(der: Uint8Array): string {
  const asn = AsnConvert.parse(der, Certificate);
  return spkiSha256Of(new Uint8Array(AsnConvert.serialize(asn.tbsCertificate.subjectPublicKeyInfo)));
}

// Base64 of at most MAX_CA_CERTIFICATE_BYTES: the length to refuse before decoding anything.
const MAX_BASE64_LENGTH = 4 * Math.ceil(MAX_CA_CERTIFICATE_BYTES / 3);

/**
 * Decodes the `caCertificate` member: canonical standard base64 (RFC 4648 §4, padded, as JWK `x5c`,
 * RFC 7517 §4.7) of at most {@link MAX_CA_CERTIFICATE_BYTES}, length checked before decoding.
 */
export function decodeCertificateBase64(value: string, field: string): Uint8Array {
  // [REJECT] docs/records.md Accreditation of a CA: at most 64 KiB, refused before decoding or parsing.
  if (value.length > MAX_BASE64_LENGTH) {
    throw reject(
      CA_CERTIFICATE_CODES.TOO_LARGE,
      field,
      `is ${value.length} base64 characters; a CA certificate is at most ${MAX_CA_CERTIFICATE_BYTES} bytes`,
    );
  }
  const bytes = Buffer.from(value, 'base64');
  // [REJECT] RFC 4648 §4: canonical base64 only, so one certificate has one signed form.
  if (value.length === 0 || bytes.toString('base64') !== value) {
    throw reject(
      CA_CERTIFICATE_CODES.MALFORMED,
      field,
      'must be the canonical base64 (RFC 4648 §4) of a DER certificate',
    );
  }
  return new Uint8Array(bytes);
}

/**
 * A certificate file's bytes (PEM `CERTIFICATE` or DER) as DER, bounded before parsing: what the
 * CLI and the authoring helpers accept.
 */
export function certificateDerOf(input: Uint8Array | string, field = 'certificate'): Uint8Array {
  // [REJECT] docs/records.md Accreditation of a CA: a PEM file holds at most the base64 of 64 KiB plus its armour.
  if (input.length > MAX_BASE64_LENGTH + Math.ceil(MAX_BASE64_LENGTH / 64) * 2 + 128) {
    throw reject(CA_CERTIFICATE_CODES.TOO_LARGE, field, `is ${input.length} bytes; a CA certificate is at most 64 KiB`);
  }
  const text = typeof input === 'string' ? input : new TextDecoder('latin1').decode(input);
  const pem = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(text);
  if (pem) return decodeCertificateBase64((pem[1] ?? '').replace(/\s+/g, ''), field);
  if (typeof input === 'string') throw reject(CA_CERTIFICATE_CODES.MALFORMED, field, 'is neither PEM nor DER');
  if (input.length > MAX_CA_CERTIFICATE_BYTES) {
    throw reject(CA_CERTIFICATE_CODES.TOO_LARGE, field, `is ${input.length} bytes; a CA certificate is at most 64 KiB`);
  }
  return input;
}

/**
 * Reads a DER CA certificate and checks that it is one (RFC 5280 §4.2.1.9, §4.2.1.3).
 * @throws ValidationError (`reject`) with a {@link CA_CERTIFICATE_CODES} code, naming `field`.
 */
export function parseCaCertificate(der: Uint8Array, field: string): CaCertificate {
  // [REJECT] docs/records.md Accreditation of a CA: bounded before parsing (a 10 MB certificate costs nothing).
  if (der.length > MAX_CA_CERTIFICATE_BYTES) {
    throw reject(CA_CERTIFICATE_CODES.TOO_LARGE, field, `is ${der.length} bytes; at most ${MAX_CA_CERTIFICATE_BYTES}`);
  }
  let asn: Certificate;
  let cert: X509Certificate;
  try {
    asn = AsnConvert.parse(der, Certificate);
    cert = new X509Certificate(asn);
  } catch (error) {
    // [REJECT] RFC 5280 §4.1: an X.509 certificate.
    throw reject(CA_CERTIFICATE_CODES.MALFORMED, field, `is not an X.509 certificate (${(error as Error).message})`);
  }
  // [REJECT] RFC 5280 §4.1 (X.690 DER): exactly one DER certificate — re-encoding gives the same
  // bytes, so no trailing data and no BER variant of a signed structure.
  if (!sameBytes(new Uint8Array(AsnConvert.serialize(asn)), der)) {
    throw reject(
      CA_CERTIFICATE_CODES.MALFORMED,
      field,
      'is not exactly one DER-encoded certificate (BER or trailing bytes)',
    );
  }
  const extensions = asn.tbsCertificate.extensions ?? [];
  const seen = new Set<string>();
  for (const ext of extensions) {
    // [REJECT] RFC 5280 §4.2: a certificate MUST NOT include more than one instance of an extension.
    if (seen.has(ext.extnID)) throw reject(CA_CERTIFICATE_CODES.MALFORMED, field, `repeats extension ${ext.extnID}`);
    seen.add(ext.extnID);
  }
  const value = <T>(id: string, type: new () => T): T | null => {
    const ext = extensions.find((e) => e.extnID === id);
    if (!ext) return null;
    try {
      return AsnConvert.parse(ext.extnValue, type);
    } catch {
      // [REJECT] RFC 5280 §4.2: each extension's value is the DER of its ASN.1 type.
      throw reject(CA_CERTIFICATE_CODES.MALFORMED, field, `has a malformed extension ${id}`);
    }
  };
  const basic = value(id_ce_basicConstraints, BasicConstraints);
  // [REJECT] RFC 5280 §4.2.1.9: a CA certificate carries basicConstraints with cA TRUE (and
  // §6.1.4(k): a certificate without it is not a CA certificate).
  if (!basic?.cA) {
    throw reject(
      CA_CERTIFICATE_CODES.NOT_CA,
      field,
      `${cert.subject} is not a CA certificate (basicConstraints cA is not TRUE)`,
    );
  }
  const usage = value(id_ce_keyUsage, KeyUsage);
  // [REJECT] RFC 5280 §4.2.1.3 and §6.1.4(n): when keyUsage is present, keyCertSign is set.
  if (usage && (usage.toNumber() & KeyUsageFlags.keyCertSign) === 0) {
    throw reject(CA_CERTIFICATE_CODES.NOT_CA, field, `${cert.subject}'s keyUsage lacks keyCertSign`);
  }
  const ski = value(id_ce_subjectKeyIdentifier, SubjectKeyIdentifier);
  const aki = value(id_ce_authorityKeyIdentifier, AuthorityKeyIdentifier);
  const sameName = sameBytes(
    new Uint8Array(AsnConvert.serialize(asn.tbsCertificate.subject)),
    new Uint8Array(AsnConvert.serialize(asn.tbsCertificate.issuer)),
  );
  const otherKey =
    ski !== null &&
    aki?.keyIdentifier !== undefined &&
    !sameBytes(new Uint8Array(ski.buffer), new Uint8Array(aki.keyIdentifier.buffer));
  const policies = value(id_ce_certificatePolicies, CertificatePolicies) ?? [];
  return {
    der,
    spkiSha256: spkiSha256Of(new Uint8Array(AsnConvert.serialize(asn.tbsCertificate.subjectPublicKeyInfo))),
    subject: cert.subject,
    issuer: cert.issuer,
    pathLenConstraint: basic.pathLenConstraint ?? null,
    policies: policies.map((p) => p.policyIdentifier),
    notBeforeMs: cert.notBefore.getTime(),
    notAfterMs: cert.notAfter.getTime(),
    selfSigned: sameName && !otherKey,
  };
}

/**
 * True when a certificate's signature verifies under its own public key (RFC 5280 §6.1.3(a)(1)
 * applied to a self-signed certificate). False for a bad signature or an algorithm WebCrypto cannot
 * verify (fail closed).
 */
export async function verifiesUnderOwnKey(der: Uint8Array): Promise<boolean> {
  try {
    const cert = new X509Certificate(der);
    return await cert.verify({ signatureOnly: true }, webcrypto as unknown as Parameters<X509Certificate['verify']>[1]);
  } catch {
    return false;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
