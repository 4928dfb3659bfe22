/**
 * One parse per certificate (RFC 5280 §4.1): the fields path validation reads, decoded once into a
 * plain object, with the exact signed bytes kept as views. A {@link CertificateCache} keeps
 * parsed certificates across calls, keyed by the DER's SHA-256, bounded (LRU).
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { type GeneralName, Name, NameConstraints, PolicyMappings, SubjectAlternativeName } from '@peculiar/asn1-x509';
import {
  assertName,
  children,
  decodeOid,
  decodeSmallInteger,
  decodeTime,
  derNamesEqual,
  readTlv,
  tlvBytes,
} from './der.ts';

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

/** Parses one DER certificate. */
export function parseCertificate(der: Uint8Array): ParseOutcome {
  try {
    return { ok: true, cert: parse(der) };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

// The hot fields are read with the DER walker (asn1js costs ~300 µs per certificate); the rarer,
// richer structures (names, subjectAltName, nameConstraints, policyMappings) by @peculiar/asn1-x509,
// names only when a rule or a message needs them.
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
  // §4.1.2.1: version [0] EXPLICIT INTEGER DEFAULT v1.
  let version = 1;
  let k = 0;
  if (fields[0]?.tag === 0xa0) {
    const v = children(der, fields[0]);
    if (v.length !== 1 || v[0]!.tag !== 0x02) throw new Error('bad version');
    version = decodeSmallInteger(der, v[0]!) + 1;
    if (version < 2 || version > 3) throw new Error('bad version');
    k = 1;
  }
  const field = (i: number, tag: number, what: string) => {
    const f = fields[k + i];
    if (!f || f.tag !== tag) throw new Error(`tbsCertificate.${what} is missing or malformed`);
    return f;
  };
  const serialTlv = field(0, 0x02, 'serialNumber');
  const sigAlgTlv = field(1, 0x30, 'signature');
  const issuerTlv = field(2, 0x30, 'issuer');
  const validity = children(der, field(3, 0x30, 'validity'));
  const subjectTlv = field(4, 0x30, 'subject');
  const spkiTlv = field(5, 0x30, 'subjectPublicKeyInfo');
  if (validity.length !== 2) throw new Error('bad validity');
  const outerAlg = children(der, top[1]!);
  if (!outerAlg[0]) throw new Error('bad signatureAlgorithm');
  const sigBits = der.subarray(top[2]!.valueStart, top[2]!.end);
  if (sigBits[0] !== 0) throw new Error('signatureValue has unused bits');
  const spkiDer = tlvBytes(der, spkiTlv);
  const issuerDer = tlvBytes(der, issuerTlv);
  const subjectDer = tlvBytes(der, subjectTlv);
  let issuer: Name | undefined;
  let subject: Name | undefined;
  const cert = {
    der,
    tbs: tlvBytes(der, tbsTlv),
    version,
    serial: der.subarray(serialTlv.valueStart, serialTlv.end),
    tbsSignatureAlgorithm: tlvBytes(der, sigAlgTlv),
    signatureAlgorithm: tlvBytes(der, top[1]!),
    signatureAlgorithmOid: decodeOid(der, outerAlg[0]),
    signature: sigBits.subarray(1),
    issuerDer,
    subjectDer,
    get issuer() {
      issuer ??= AsnConvert.parse(issuerDer, Name);
      return issuer;
    },
    get subject() {
      subject ??= AsnConvert.parse(subjectDer, Name);
      return subject;
    },
    notBeforeMs: decodeTime(der, validity[0]!),
    notAfterMs: decodeTime(der, validity[1]!),
    spkiDer,
    spkiSha256: sha256b64url(spkiDer),
    selfIssued: derNamesEqual(issuerDer, subjectDer),
    unknownCritical: [],
    verifiedBy: new Set(),
  } as ParsedCertificate;
  assertName(issuerDer);
  assertName(subjectDer);
  const extensions = fields.slice(k + 6).find((f) => f.tag === 0xa3);
  if (extensions) {
    if (version !== 3) throw new Error('extensions in a certificate that is not v3');
    const list = children(der, extensions);
    if (list.length !== 1 || list[0]!.tag !== 0x30) throw new Error('bad extensions');
    const seen = new Set<string>();
    for (const ext of children(der, list[0]!)) {
      const parts = children(der, ext);
      const id = decodeOid(der, parts[0] ?? ext);
      const critical = parts.length === 3 && parts[1]!.tag === 0x01 && der[parts[1]!.valueStart] !== 0;
      const octets = parts[parts.length - 1]!;
      if (ext.tag !== 0x30 || parts.length < 2 || parts.length > 3 || octets.tag !== 0x04)
        throw new Error('bad Extension');
      // §4.2: a certificate MUST NOT include more than one instance of a particular extension.
      if (seen.has(id)) throw new Error(`duplicate extension ${id}`);
      seen.add(id);
      const value = der.subarray(octets.valueStart, octets.end);
      decodeExtension(cert, id, critical, value);
    }
  }
  return cert;
}

function only(value: Uint8Array, tag: number): { tlv: ReturnType<typeof readTlv>; items: ReturnType<typeof children> } {
  const tlv = readTlv(value, 0);
  if (tlv.tag !== tag || tlv.end !== value.length) throw new Error('bad extension value');
  return { tlv, items: tag === 0x30 ? children(value, tlv) : [] };
}

function decodeExtension(cert: ParsedCertificate, id: string, critical: boolean, value: Uint8Array): void {
  switch (id) {
    case EXT.basicConstraints: {
      // §4.2.1.9: SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER (0..MAX) OPTIONAL }.
      const { items } = only(value, 0x30);
      let i = 0;
      let cA = false;
      if (items[i]?.tag === 0x01) cA = value[items[i++]!.valueStart] !== 0;
      const pathLen = items[i]?.tag === 0x02 ? decodeSmallInteger(value, items[i++]!) : undefined;
      if (i !== items.length) throw new Error('bad basicConstraints');
      cert.basicConstraints = { cA, ...(pathLen !== undefined ? { pathLenConstraint: pathLen } : {}) };
      return;
    }
    case EXT.keyUsage: {
      // §4.2.1.3: a BIT STRING; bit 0 (digitalSignature) is the first octet's high bit.
      const { tlv } = only(value, 0x03);
      let flags = 0;
      for (let bit = 0; bit < 9 && tlv.valueStart + 1 + (bit >> 3) < tlv.end; bit++) {
        if (value[tlv.valueStart + 1 + (bit >> 3)]! & (0x80 >> (bit & 7))) flags |= 1 << bit;
      }
      cert.keyUsage = flags;
      return;
    }
    case EXT.extKeyUsage:
      cert.extKeyUsage = only(value, 0x30).items.map((t) => decodeOid(value, t));
      return;
    case EXT.certificatePolicies: {
      const policies = only(value, 0x30).items.map((info) => decodeOid(value, children(value, info)[0] ?? info));
      // §4.2.1.4: a policy OID MUST NOT appear more than once.
      if (new Set(policies).size !== policies.length) throw new Error('duplicate certificate policy');
      cert.policies = policies;
      return;
    }
    case EXT.policyConstraints: {
      // §4.2.1.11: [0] requireExplicitPolicy, [1] inhibitPolicyMapping; MUST NOT be empty.
      const { items } = only(value, 0x30);
      if (items.length === 0) throw new Error('empty policyConstraints');
      const pc: NonNullable<ParsedCertificate['policyConstraints']> = {};
      for (const item of items) {
        if (item.tag === 0x80) pc.requireExplicitPolicy = decodeSmallInteger(value, item);
        else if (item.tag === 0x81) pc.inhibitPolicyMapping = decodeSmallInteger(value, item);
        else throw new Error('bad policyConstraints');
      }
      cert.policyConstraints = pc;
      return;
    }
    case EXT.inhibitAnyPolicy:
      cert.inhibitAnyPolicy = decodeSmallInteger(value, only(value, 0x02).tlv);
      return;
    case EXT.subjectKeyIdentifier: {
      const { tlv } = only(value, 0x04);
      cert.subjectKeyId = value.subarray(tlv.valueStart, tlv.end);
      return;
    }
    case EXT.authorityKeyIdentifier: {
      const key = only(value, 0x30).items.find((t) => t.tag === 0x80);
      if (key) cert.authorityKeyId = value.subarray(key.valueStart, key.end);
      return;
    }
    case EXT.subjectAltName:
      cert.subjectAltName = [...AsnConvert.parse(value, SubjectAlternativeName)];
      return;
    case EXT.nameConstraints:
      cert.nameConstraints = { value: AsnConvert.parse(value, NameConstraints), critical };
      return;
    case EXT.policyMappings:
      cert.policyMappings = [...AsnConvert.parse(value, PolicyMappings)].map((m) => ({
        issuerDomainPolicy: m.issuerDomainPolicy,
        subjectDomainPolicy: m.subjectDomainPolicy,
      }));
      return;
    default:
      if (critical && !PROCESSED.has(id)) cert.unknownCritical.push(id);
  }
}

/** Options of a {@link CertificateCache}. */
export interface CertificateCacheOptions {
  /** Most certificates held; the least recently used is dropped first. */
  maxEntries: number;
  /**
   * Which parsed certificates to hold (default: all). A verifier holds CA certificates only, so
   * that no holder's certificate outlives its verification (DESIGN.md Principles §3).
   */
  retain?: (cert: ParsedCertificate) => boolean;
}

/**
 * Parsed certificates keyed by the SHA-256 of their DER, bounded, least recently used dropped first.
 * Pass one through {@link CertificatePathOptions.cache} to share work across validations (the same
 * intermediates appear in most chains). Holds only public, issuer-level data.
 */
export class CertificateCache {
  readonly #max: number;
  readonly #entries = new Map<string, ParsedCertificate>();
  readonly #retain: ((cert: ParsedCertificate) => boolean) | undefined;

  constructor(options: CertificateCacheOptions = { maxEntries: 1024 }) {
    this.#max = Math.max(1, Math.floor(options.maxEntries));
    this.#retain = options.retain;
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
    if (outcome.ok && (this.#retain?.(outcome.cert) ?? true)) {
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
