/**
 * Fixtures of the CA-accreditation tests (issue 14): the openssl-made certificates of
 * test/fixtures/x509/ca (make.sh), CA accreditations built with the authoring helper, raw ones
 * signed exactly as an attacker would write them, and a self-signed CA whose key is also a did:key.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BasicConstraintsExtension, KeyUsageFlags, KeyUsagesExtension, X509CertificateGenerator } from '@peculiar/x509';
import {
  type CaScopeInput,
  certificateSpkiSha256,
  importPrivateJwk,
  issueAccreditation,
  type KeyPair,
  signCredential,
  TRUSTMESH_CONTEXT_URL,
  VC_V2_CONTEXT_URL,
} from '../../src/index.ts';
import { T0, type World } from '../fixtures.ts';

export const YEAR = 365 * 24 * 3600 * 1000;
/** The JPKI-style policy the root fixture asserts. */
export const JPKI_POLICY = '1.2.392.200149.8.5.5.1';
export const MDL = 'org.iso.18013.5.1.mDL';

/** A fixture certificate: `name.der` or `name.pem` from test/fixtures/x509/ca. */
export function fixture(name: string, form: 'der' | 'pem' = 'der'): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`../fixtures/x509/ca/${name}.${form}`, import.meta.url)));
}

/** SHA-256 of a fixture's SubjectPublicKeyInfo, base64url. */
export function spkiOf(name: string): string {
  return certificateSpkiSha256(fixture(name));
}

/** A CA accreditation made with the authoring helper (what `trustmesh accredit --subject-cert` signs). */
export function accreditCa(
  world: World,
  accreditor: KeyPair,
  certificate: Uint8Array | string,
  scopes: CaScopeInput[],
  options: {
    holdFinal?: boolean;
    maxPathLength?: number;
    validFrom?: number;
    validUntil?: number;
    withdrawal?: { list: string; index: number };
  } = {},
) {
  return issueAccreditation(
    {
      accreditor,
      role: 'ca',
      subjectCertificate: certificate,
      accreditedFor: scopes,
      ...(options.holdFinal !== undefined ? { holdFinal: options.holdFinal } : {}),
      ...(options.maxPathLength !== undefined ? { maxPathLength: options.maxPathLength } : {}),
      validFrom: new Date(options.validFrom ?? T0),
      validUntil: new Date(options.validUntil ?? T0 + YEAR),
      ...(options.withdrawal
        ? { withdrawal: { statusListCredential: options.withdrawal.list, statusListIndex: options.withdrawal.index } }
        : {}),
    },
    world.net.documentLoader,
  );
}

/**
 * A CA accreditation with its subject written exactly as given (no authoring checks), signed by
 * `accreditor`: how an attacker or a careless accreditor writes one.
 */
export function rawCaAccreditation(world: World, accreditor: KeyPair, subject: Record<string, unknown>) {
  return signCredential(
    {
      '@context': [VC_V2_CONTEXT_URL, TRUSTMESH_CONTEXT_URL],
      id: `urn:uuid:${crypto.randomUUID()}`,
      type: ['VerifiableCredential', 'VerifiableAccreditation'],
      issuer: accreditor.did,
      validFrom: new Date(T0).toISOString().replace('.000', ''),
      validUntil: new Date(T0 + YEAR).toISOString().replace('.000', ''),
      credentialSubject: subject,
    },
    accreditor,
    { documentLoader: world.net.documentLoader },
  );
}

/** The credentialSubject of an honest CA accreditation of fixture `name`, to tamper with. */
export function caSubjectOf(name: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const spki = spkiOf(name);
  return {
    id: `urn:trustmesh:ca:${spki}`,
    role: 'ca',
    caCertificate: Buffer.from(fixture(name)).toString('base64'),
    spkiSha256: spki,
    accreditedFor: [{ certificatePolicies: [JPKI_POLICY], jurisdiction: 'JP' }],
    maxPathLength: 0,
    holdFinal: true,
    ...overrides,
  };
}

/**
 * A self-signed P-256 CA certificate made with @peculiar/x509, and the same key as a did:key key
 * pair: one key an attacker holds both as a CA and as a would-be DID issuer.
 */
export async function caWithDidKey(): Promise<{ der: Uint8Array; keyPair: KeyPair }> {
  const crypto = webcrypto as unknown as Parameters<typeof X509CertificateGenerator.createSelfSigned>[1];
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const cert = await X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: '01',
      name: 'C=JP, CN=Dual-use CA',
      notBefore: new Date('2025-01-01T00:00:00Z'),
      notAfter: new Date('2045-01-01T00:00:00Z'),
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [
        new BasicConstraintsExtension(true, 0, true),
        new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
      ],
    },
    crypto,
  );
  const jwk = await webcrypto.subtle.exportKey('jwk', keys.privateKey);
  return { der: new Uint8Array(cert.rawData), keyPair: await importPrivateJwk(jwk) };
}
