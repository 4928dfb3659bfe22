/**
 * One parse per certificate (RFC 5280 §4.1): the fields path validation reads, decoded once into a
 * plain object, with the exact signed bytes kept as views. Extensions are decoded by
 * @peculiar/asn1-x509; the raw slices come from the DER walker. A {@link CertificateCache} keeps
 * parsed certificates across calls, keyed by the DER's SHA-256, bounded (LRU).
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  CertificatePolicies,
  ExtendedKeyUsage,
  type GeneralName,
  InhibitAnyPolicy,
  KeyUsage,
  Name,
  NameConstraints,
  PolicyConstraints,
  PolicyMappings,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { bytesEqual, children, readTlv, tlvBytes } from './der.ts';
import { namesEqual } from './names.ts';

/** Extension OIDs (RFC 5280 §4.2.1) processed by path validation; any other critical one fails it (§6.1.4 (o)). */
export const EXT = {
  authorityKeyIdentifier: '2.5.29.35',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  certificatePolicies: '2.5.29.32',
  policyMappings: '2.5.29.33',
  subjectAltName: '2.5.29.17',
  issuerAltName: '2.5.29.18',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  policyConstraints: '2.5.29.36',
  extKeyUsage: '2.5.29.37',
  inhibitAnyPolicy: '2.5.29.54',
  // Revocation is read from the replica, so pointers to CRLs / OCSP are understood and not followed.
  crlDistributionPoints: '2.5.29.31',
  freshestCrl: '2.5.29.46',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
} as const;

const PROCESSED = new Set<string>(Object.values(EXT));

/** The fields of one certificate that path validation reads. */
export interface ParsedCertificate {
  der: Uint8Array;
  /** The signed bytes (tbsCertificate, header included). */
  tbs: Uint8Array;
  /** 1, 2 or 3. */
  version: number;
  /** serialNumber content octets (as the revocation source keys them). */
  serial: Uint8Array;
  /** tbsCertificate.signature and signatureAlgorithm, raw (§4.1.1.2: they must be equal). */
  tbsSignatureAlgorithm: Uint8Array;
  signatureAlgorithm: Uint8Array;
  signatureAlgorithmOid: string;
  signature: Uint8Array;
  issuerDer: Uint8Array;
  subjectDer: Uint8Array;
  issuer: Name;
  subject: Name;
  notBeforeMs: number;
  notAfterMs: number;
  spkiDer: Uint8Array;
  /** SHA-256 of the SubjectPublicKeyInfo DER, base64url (how accreditations pin a CA). */
  spkiSha256: string;
  /** §6.1: issuer and subject names match (§7.1). */
  selfIssued: boolean;
  basicConstraints?: { cA: boolean; pathLenConstraint?: number };
  /** keyUsage bits, KeyUsageFlags of @peculiar/asn1-x509 (digitalSignature = 1, …, keyCertSign = 32). */
  keyUsage?: number;
  extKeyUsage?: string[];
  subjectAltName?: GeneralName[];
  nameConstraints?: { value: NameConstraints; critical: boolean };
  /** Policy OIDs of certificatePolicies (qualifiers are not processed). */
  policies?: string[];
  policyMappings?: { issuerDomainPolicy: string; subjectDomainPolicy: string }[];
  policyConstraints?: { requireExplicitPolicy?: number; inhibitPolicyMapping?: number };
  inhibitAnyPolicy?: number;
  subjectKeyId?: Uint8Array;
  authorityKeyId?: Uint8Array;
  /** Critical extensions not in {@link EXT}. */
  unknownCritical: string[];
  /** The public key, made on first use. */
  key?: KeyObject;
  /** spkiSha256 of the keys this certificate's signature verified under (a fact of the DER: cached with it). */
  verifiedBy: Set<string>;
}

/** Parse outcome: never throws. */
export type ParseOutcome = { ok: true; cert: ParsedCertificate } | { ok: false; message: string };

/** SHA-256 base64url. */
export function sha256b64url(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64url');
}

/** The certificate's public key as a KeyObject (made once). */
export function publicKeyOf(cert: ParsedCertificate): KeyObject {
  cert.key ??= createPublicKey({ key: Buffer.from(cert.spkiDer), format: 'der', type: 'spki' });
  return cert.key;
}

/** Small non-negative INTEGER content (SkipCerts, BaseDistance) as a number; huge values saturate. */
function smallInteger(buffer: ArrayBuffer): number {
  const bytes = new Uint8Array(buffer);
  if (bytes.length === 0 || (bytes[0]! & 0x80) !== 0) throw new Error('negative or empty INTEGER');
  let value = 0;
  for (const b of bytes) value = Math.min(value * 256 + b, Number.MAX_SAFE_INTEGER);
  return value;
}

/** Parses one DER certificate. */
export function parseCertificate(der: Uint8Array): ParseOutcome {
  try {
    return { ok: true, cert: parse(der) };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

function parse(der: Uint8Array): ParsedCertificate {
  // RFC 5280 §4.1: Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }.
  const outer = readTlv(der, 0);
  if (outer.tag !== 0x30 || outer.end !== der.length) throw new Error('not one DER SEQUENCE');
  const top = children(der, outer);
  if (top.length !== 3 || top[0]!.tag !== 0x30 || top[1]!.tag !== 0x30 || top[2]!.tag !== 0x03) {
    throw new Error('Certificate is not SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }');
  }
  const tbsTlv = top[0]!;
  const fields = children(der, tbsTlv);
  const hasVersion = fields[0]?.tag === 0xa0;
  const at = (i: number) => {
    const f = fields[i + (hasVersion ? 1 : 0)];
    if (!f) throw new Error('tbsCertificate is truncated');
    return f;
  };
  const serialTlv = at(0);
  if (serialTlv.tag !== 0x02) throw new Error('serialNumber is not an INTEGER');
  const asn = AsnConvert.parse(der, Certificate);
  const tbs = asn.tbsCertificate;
  const sigBits = der.subarray(top[2]!.valueStart, top[2]!.end);
  if (sigBits[0] !== 0) throw new Error('signatureValue has unused bits');
  const spkiDer = tlvBytes(der, at(5));
  const cert: ParsedCertificate = {
    der,
    tbs: tlvBytes(der, tbsTlv),
    version: tbs.version + 1,
    serial: der.subarray(serialTlv.valueStart, serialTlv.end),
    tbsSignatureAlgorithm: tlvBytes(der, at(1)),
    signatureAlgorithm: tlvBytes(der, top[1]!),
    signatureAlgorithmOid: asn.signatureAlgorithm.algorithm,
    signature: sigBits.subarray(1),
    issuerDer: tlvBytes(der, at(2)),
    subjectDer: tlvBytes(der, at(4)),
    issuer: tbs.issuer,
    subject: tbs.subject,
    notBeforeMs: tbs.validity.notBefore.getTime().getTime(),
    notAfterMs: tbs.validity.notAfter.getTime().getTime(),
    spkiDer,
    spkiSha256: sha256b64url(spkiDer),
    selfIssued: false,
    unknownCritical: [],
    verifiedBy: new Set(),
  };
  cert.selfIssued = bytesEqual(cert.issuerDer, cert.subjectDer) || namesEqual(cert.issuer, cert.subject);
  const seen = new Set<string>();
  for (const ext of tbs.extensions ?? []) {
    // §4.2: a certificate MUST NOT include more than one instance of a particular extension.
    if (seen.has(ext.extnID)) throw new Error(`duplicate extension ${ext.extnID}`);
    seen.add(ext.extnID);
    const value = ext.extnValue.buffer;
    switch (ext.extnID) {
      case EXT.basicConstraints: {
        const bc = AsnConvert.parse(value, BasicConstraints);
        cert.basicConstraints = {
          cA: bc.cA === true,
          ...(bc.pathLenConstraint !== undefined ? { pathLenConstraint: bc.pathLenConstraint } : {}),
        };
        if (bc.pathLenConstraint !== undefined && !(bc.pathLenConstraint >= 0)) throw new Error('bad pathLenConstraint');
        break;
      }
      case EXT.keyUsage:
        cert.keyUsage = AsnConvert.parse(value, KeyUsage).toNumber();
        break;
      case EXT.extKeyUsage:
        cert.extKeyUsage = [...AsnConvert.parse(value, ExtendedKeyUsage)];
        break;
      case EXT.subjectAltName:
        cert.subjectAltName = [...AsnConvert.parse(value, SubjectAlternativeName)];
        break;
      case EXT.nameConstraints:
        cert.nameConstraints = { value: AsnConvert.parse(value, NameConstraints), critical: ext.critical };
        break;
      case EXT.certificatePolicies: {
        const policies = [...AsnConvert.parse(value, CertificatePolicies)].map((p) => p.policyIdentifier);
        // §4.2.1.4: a policy OID MUST NOT appear more than once.
        if (new Set(policies).size !== policies.length) throw new Error('duplicate certificate policy');
        cert.policies = policies;
        break;
      }
      case EXT.policyMappings:
        cert.policyMappings = [...AsnConvert.parse(value, PolicyMappings)].map((m) => ({
          issuerDomainPolicy: m.issuerDomainPolicy,
          subjectDomainPolicy: m.subjectDomainPolicy,
        }));
        break;
      case EXT.policyConstraints: {
        const pc = AsnConvert.parse(value, PolicyConstraints);
        // §4.2.1.11: conforming CAs MUST NOT issue an empty policyConstraints.
        if (!pc.requireExplicitPolicy && !pc.inhibitPolicyMapping) throw new Error('empty policyConstraints');
        cert.policyConstraints = {
          ...(pc.requireExplicitPolicy ? { requireExplicitPolicy: smallInteger(pc.requireExplicitPolicy) } : {}),
          ...(pc.inhibitPolicyMapping ? { inhibitPolicyMapping: smallInteger(pc.inhibitPolicyMapping) } : {}),
        };
        break;
      }
      case EXT.inhibitAnyPolicy:
        cert.inhibitAnyPolicy = smallInteger(AsnConvert.parse(value, InhibitAnyPolicy).value);
        break;
      case EXT.subjectKeyIdentifier:
        cert.subjectKeyId = new Uint8Array(AsnConvert.parse(value, SubjectKeyIdentifier).buffer);
        break;
      case EXT.authorityKeyIdentifier: {
        const aki = AsnConvert.parse(value, AuthorityKeyIdentifier);
        if (aki.keyIdentifier) cert.authorityKeyId = new Uint8Array(aki.keyIdentifier.buffer);
        break;
      }
      default:
        if (ext.critical && !PROCESSED.has(ext.extnID)) cert.unknownCritical.push(ext.extnID);
    }
  }
  return cert;
}

/** Options of a {@link CertificateCache}. */
export interface CertificateCacheOptions {
  /** Most certificates held; the least recently used is dropped first. */
  maxEntries: number;
}

/**
 * Parsed certificates keyed by the SHA-256 of their DER, bounded, least recently used dropped first.
 * Pass one through {@link CertificatePathOptions.cache} to share work across validations (the same
 * intermediates appear in most chains). Holds only public, issuer-level data.
 */
export class CertificateCache {
  readonly #max: number;
  readonly #entries = new Map<string, ParsedCertificate>();

  constructor(options: CertificateCacheOptions = { maxEntries: 1024 }) {
    this.#max = Math.max(1, Math.floor(options.maxEntries));
  }

  /** The parsed certificate for this DER, parsing (and holding) it on a miss. */
  parse(der: Uint8Array): ParseOutcome {
    const key = createHash('sha256').update(der).digest('base64url');
    const hit = this.#entries.get(key);
    if (hit) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return { ok: true, cert: hit };
    }
    // Parse a copy: the caller's buffer may be reused after the call, the cache outlives it.
    const outcome = parseCertificate(Uint8Array.from(der));
    if (outcome.ok) {
      this.#entries.set(key, outcome.cert);
      if (this.#entries.size > this.#max) this.#entries.delete(this.#entries.keys().next().value!);
    }
    return outcome;
  }

  /** How many certificates are held. */
  get size(): number {
    return this.#entries.size;
  }
}
