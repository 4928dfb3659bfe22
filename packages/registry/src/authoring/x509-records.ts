/**
 * Making X.509 material the way a CA does (issue 14), for the demo, the simulator, tests and an
 * operator's lab: a CA certificate (a root, or a subordinate CA signed by another), an end-entity
 * certificate (a JPKI-style signing certificate: digitalSignature + nonRepudiation under a
 * certificate policy), and CRLs (RFC 5280 §5: full or delta, with cRLNumber and reason codes), signed
 * with real ECDSA P-256 keys by @peculiar/x509, the reference library. Nothing here is consulted by
 * validation: what it makes is admitted and verified exactly like a CA's own files.
 */
import 'reflect-metadata';
import { KeyObject, sign, webcrypto } from 'node:crypto';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  CertificatePolicyExtension,
  CRLDistributionPointsExtension,
  type Extension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
} from '@peculiar/x509';
import { concat, extension, integer, oid, reasonCode, seq, serialInteger, time, tlv } from './der-writer.ts';

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
// @peculiar/x509 takes a WebCrypto provider; Node's is passed explicitly (no global lookup).
const crypto = webcrypto as unknown as NonNullable<Parameters<typeof X509CertificateGenerator.create>[1]>;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** A CA that can sign: its certificate, its name and its key pair. */
export interface CertificateAuthority {
  /** RFC 4514 name, e.g. `CN=JPKI Signing CA, O=J-LIS, C=JP`. */
  name: string;
  /** The CA certificate (DER). */
  certificate: Uint8Array;
  keys: CryptoKeyPair;
}

/** A certificate and its key pair. */
export interface IssuedCertificate {
  certificate: Uint8Array;
  keys: CryptoKeyPair;
  /** The serial number, lower-case hex (as CRL entries name it). */
  serial: string;
}

/** Options of {@link createCertificateAuthority}. */
export interface CertificateAuthorityOptions {
  /** RFC 4514 name of the CA. */
  name: string;
  notBefore: Date;
  notAfter: Date;
  /** The CA that signs this one (a subordinate CA); absent for a self-signed root. */
  issuer?: CertificateAuthority;
  /** basicConstraints pathLenConstraint (RFC 5280 §4.2.1.9); absent for no limit. */
  pathLength?: number;
  /** Certificate policies it asserts (dotted OIDs, RFC 5280 §4.2.1.4). */
  policies?: readonly string[];
  /** Serial number, hex (default: 16 random octets). */
  serial?: string;
}

/** Creates a CA certificate: a self-signed root, or a subordinate CA signed by `issuer`. */
export async function createCertificateAuthority(options: CertificateAuthorityOptions): Promise<CertificateAuthority> {
  const keys = await newKeyPair();
  const extensions: Extension[] = [
    new BasicConstraintsExtension(true, options.pathLength, true),
    new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
    await SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
  ];
  if (options.policies && options.policies.length > 0) {
    extensions.push(new CertificatePolicyExtension([...options.policies], false));
  }
  const common = {
    serialNumber: options.serial ?? randomSerial(),
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    signingAlgorithm: ECDSA_P256,
  };
  if (!options.issuer) {
    const certificate = await X509CertificateGenerator.createSelfSigned(
      { ...common, name: options.name, keys, extensions },
      crypto,
    );
    return { name: options.name, certificate: new Uint8Array(certificate.rawData), keys };
  }
  extensions.push(await AuthorityKeyIdentifierExtension.create(options.issuer.keys.publicKey, false, crypto));
  const certificate = await X509CertificateGenerator.create(
    {
      ...common,
      subject: options.name,
      issuer: options.issuer.name,
      publicKey: keys.publicKey,
      signingKey: options.issuer.keys.privateKey,
      extensions,
    },
    crypto,
  );
  return { name: options.name, certificate: new Uint8Array(certificate.rawData), keys };
}

/** Options of {@link issueEndEntityCertificate}. */
export interface EndEntityCertificateOptions {
  issuer: CertificateAuthority;
  /** RFC 4514 subject name. */
  subject: string;
  notBefore: Date;
  notAfter: Date;
  /** keyUsage bits (RFC 5280 §4.2.1.3); default digitalSignature + nonRepudiation (a signing certificate). */
  keyUsage?: readonly ('digitalSignature' | 'nonRepudiation' | 'keyEncipherment' | 'keyAgreement')[];
  /** Certificate policies (dotted OIDs). */
  policies?: readonly string[];
  /** The CA's CRL distribution point (RFC 5280 §4.2.1.13), where a verifier without a replica would fetch the CRL. */
  crlDistributionPoint?: string;
  serial?: string;
}

/** Issues an end-entity certificate signed by `issuer` (e.g. a JPKI-style signing certificate). */
export async function issueEndEntityCertificate(options: EndEntityCertificateOptions): Promise<IssuedCertificate> {
  const keys = await newKeyPair();
  const usage = (options.keyUsage ?? ['digitalSignature', 'nonRepudiation']).reduce(
    (flags, name) => flags | KeyUsageFlags[name],
    0,
  );
  const extensions: Extension[] = [
    new BasicConstraintsExtension(false, undefined, true),
    new KeyUsagesExtension(usage, true),
    await AuthorityKeyIdentifierExtension.create(options.issuer.keys.publicKey, false, crypto),
  ];
  if (options.policies && options.policies.length > 0) {
    extensions.push(new CertificatePolicyExtension([...options.policies], false));
  }
  if (options.crlDistributionPoint) extensions.push(new CRLDistributionPointsExtension([options.crlDistributionPoint]));
  const serial = options.serial ?? randomSerial();
  const certificate = await X509CertificateGenerator.create(
    {
      serialNumber: serial,
      subject: options.subject,
      issuer: options.issuer.name,
      notBefore: options.notBefore,
      notAfter: options.notAfter,
      publicKey: keys.publicKey,
      signingKey: options.issuer.keys.privateKey,
      signingAlgorithm: ECDSA_P256,
      extensions,
    },
    crypto,
  );
  return { certificate: new Uint8Array(certificate.rawData), keys, serial: serial.toLowerCase() };
}

/** One revoked certificate of a CRL. */
export interface CrlEntryInput {
  /** Serial number, hex. */
  serial: string;
  revokedAt: Date;
  /** RFC 5280 §5.3.1 reason; absent for none. `certificateHold` suspends; `removeFromCRL` (deltas only) releases. */
  reason?:
    | 'keyCompromise'
    | 'cACompromise'
    | 'affiliationChanged'
    | 'superseded'
    | 'cessationOfOperation'
    | 'certificateHold'
    | 'removeFromCRL'
    | 'privilegeWithdrawn';
}

/** Options of {@link signCrl}. */
export interface CrlOptions {
  issuer: CertificateAuthority;
  /** cRLNumber (RFC 5280 §5.2.3): strictly increasing per CA. */
  crlNumber: bigint;
  thisUpdate: Date;
  nextUpdate: Date;
  entries: readonly CrlEntryInput[];
  /** For a delta CRL: the cRLNumber of its base (deltaCRLIndicator, RFC 5280 §5.2.4). */
  deltaBase?: bigint;
}

/** RFC 5280 §5.3.1 CRLReason codes. */
const REASON_CODES: Record<NonNullable<CrlEntryInput['reason']>, number> = {
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
};
/** ecdsa-with-SHA256 (RFC 5758 §3.2): AlgorithmIdentifier without parameters. */
const ECDSA_WITH_SHA256 = seq(oid('1.2.840.10045.4.3.2'));

/**
 * Signs a CRL (v2, RFC 5280 §5.1) of `issuer`: its subject as the CRL issuer, authorityKeyIdentifier
 * (§5.2.1, the CA's subjectKeyIdentifier), cRLNumber (§5.2.3) and, for a delta, deltaCRLIndicator
 * (§5.2.4); entries with their reasonCode (§5.3.1). Encoded here in one linear pass (a national CRL has
 * millions of entries; @peculiar/x509's generator takes tens of seconds for tens of thousands) and
 * signed with ECDSA P-256 / SHA-256 over the TBSCertList. DER.
 */
export async function signCrl(options: CrlOptions): Promise<Uint8Array> {
  const ca = new X509Certificate(options.issuer.certificate);
  const keyId = ca.getExtension(SubjectKeyIdentifierExtension)?.keyId;
  const extensions = [
    ...(keyId ? [extension('2.5.29.35', false, seq(tlv(0x80, Buffer.from(keyId, 'hex'))))] : []),
    extension('2.5.29.20', false, integer(options.crlNumber)),
    ...(options.deltaBase !== undefined ? [extension('2.5.29.27', true, integer(options.deltaBase))] : []),
  ];
  const entries = options.entries.map((entry) =>
    seq(
      serialInteger(Buffer.from(entry.serial.length % 2 ? `0${entry.serial}` : entry.serial, 'hex')),
      time(entry.revokedAt.getTime()),
      ...(entry.reason ? [seq(reasonCode(REASON_CODES[entry.reason]))] : []),
    ),
  );
  const tbs = seq(
    tlv(0x02, new Uint8Array([1])),
    ECDSA_WITH_SHA256,
    new Uint8Array(ca.subjectName.toArrayBuffer()),
    time(options.thisUpdate.getTime()),
    time(options.nextUpdate.getTime()),
    ...(entries.length > 0 ? [seq(concat(entries))] : []),
    tlv(0xa0, seq(...extensions)),
  );
  // X.509 signatures carry ECDSA as DER (r, s): node:crypto's default encoding.
  const signature = sign('sha256', tbs, KeyObject.from(options.issuer.keys.privateKey));
  return seq(tbs, ECDSA_WITH_SHA256, tlv(0x03, new Uint8Array([0]), signature));
}

async function newKeyPair(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** 16 random octets, positive (RFC 5280 §4.1.2.2: at most 20 octets, non-negative). */
function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return Buffer.from(bytes).toString('hex');
}
