/**
 * Making X.509 material the way a CA does (issue 14), for the demo, the simulator, tests and an
 * operator's lab: a CA certificate (a root, or a subordinate CA signed by another), an end-entity
 * certificate (a JPKI-style signing certificate: digitalSignature + nonRepudiation under a
 * certificate policy), and CRLs (RFC 5280 §5: full or delta, with cRLNumber and reason codes), signed
 * with real ECDSA P-256 keys by @peculiar/x509, the reference library. Nothing here is consulted by
 * validation: what it makes is admitted and verified exactly like a CA's own files.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  CertificatePolicyExtension,
  Extension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectKeyIdentifierExtension,
  X509CertificateGenerator,
  type X509CrlEntryParams,
  X509CrlGenerator,
  X509CrlReason,
} from '@peculiar/x509';

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
// @peculiar/x509 takes a WebCrypto provider; Node's is passed explicitly (no global lookup).
const crypto = webcrypto as unknown as NonNullable<Parameters<typeof X509CrlGenerator.create>[1]>;
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

/** Signs a CRL (v2, with cRLNumber and the CA's authorityKeyIdentifier), DER. */
export async function signCrl(options: CrlOptions): Promise<Uint8Array> {
  const extensions: Extension[] = [
    await AuthorityKeyIdentifierExtension.create(options.issuer.keys.publicKey, false, crypto),
    // RFC 5280 §5.2.3: CRLNumber ::= INTEGER (0..MAX), non-critical.
    new Extension('2.5.29.20', false, derInteger(options.crlNumber)),
  ];
  // RFC 5280 §5.2.4: deltaCRLIndicator ::= BaseCRLNumber, critical.
  if (options.deltaBase !== undefined) extensions.push(new Extension('2.5.29.27', true, derInteger(options.deltaBase)));
  const entries: X509CrlEntryParams[] = options.entries.map((entry) => ({
    serialNumber: entry.serial,
    revocationDate: entry.revokedAt,
    ...(entry.reason ? { reason: X509CrlReason[entry.reason] } : {}),
  }));
  const crl = await X509CrlGenerator.create(
    {
      issuer: options.issuer.name,
      thisUpdate: options.thisUpdate,
      nextUpdate: options.nextUpdate,
      entries,
      extensions,
      signingAlgorithm: ECDSA_P256,
      signingKey: options.issuer.keys.privateKey,
    },
    crypto,
  );
  return new Uint8Array(crl.rawData);
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

/** DER INTEGER of a non-negative bigint (minimal, with a leading 0x00 when the top bit is set). */
function derInteger(value: bigint): ArrayBuffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let content = Buffer.from(hex, 'hex');
  if ((content[0] ?? 0) & 0x80) content = Buffer.concat([Buffer.from([0]), content]);
  const der = Buffer.concat([Buffer.from([0x02, content.length]), content]);
  return der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength) as ArrayBuffer;
}
