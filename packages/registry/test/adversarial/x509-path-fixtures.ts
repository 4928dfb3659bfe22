/**
 * The committed openssl fixtures of test/fixtures/x509/chains (made by its make.sh) as DER, an
 * accredited-CA anchor over a fixture root, and a revocation source over a Map (a fake of the
 * replica's CRL index, keyed as RevocationSource is: issuer key hash and serial).
 */
import { readFileSync } from 'node:fs';
import { readCertificateInput } from '../../src/x509/certificate-input.ts';
import { parseCertificate } from '../../src/x509/path/parse-certificate.ts';
import type { CaTrustAnchor, CrlStamp, RevocationAnswer, RevocationSource } from '../../src/x509/types.ts';

const DIR = new URL('../fixtures/x509/chains/', import.meta.url);

/** 2030-01-01: inside every fixture's validity but the expired intermediate's. */
export const AT = Date.parse('2030-01-01T00:00:00Z');

/** A fixture certificate (file name without `.pem`) as DER. */
export function der(name: string): Uint8Array {
  return readCertificateInput(readFileSync(new URL(`${name}.pem`, DIR), 'utf8'));
}

/** A chain of fixture certificates, leaf first. */
export function chain(...names: string[]): Uint8Array[] {
  return names.map(der);
}

/** The base64url SHA-256 of a fixture certificate's SubjectPublicKeyInfo. */
export function spkiOf(name: string): string {
  const parsed = parseCertificate(der(name));
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.cert.spkiSha256;
}

/** The serial content octets of a fixture certificate, hex. */
export function serialOf(name: string): string {
  const parsed = parseCertificate(der(name));
  if (!parsed.ok) throw new Error(parsed.message);
  return Buffer.from(parsed.cert.serial).toString('hex');
}

/** An accreditation of a fixture CA as a trust anchor (defaults: no policies, path length 4, 2025–2045). */
export function anchorOf(name: string, overrides: Partial<CaTrustAnchor> = {}): CaTrustAnchor {
  return {
    certificate: der(name),
    spkiSha256: spkiOf(name),
    accreditationId: `urn:accreditation:${name}`,
    policies: [],
    docTypes: [],
    jurisdictions: ['JP'],
    maxPathLength: 4,
    holdFinal: true,
    validFromMs: Date.parse('2025-01-01T00:00:00Z'),
    validUntilMs: Date.parse('2045-01-01T00:00:00Z'),
    ...overrides,
  };
}

/** A CRL stamp of a CA. */
export function stampOf(issuer: string, crlNumber = '1'): CrlStamp {
  return { issuer, crlNumber, thisUpdate: '2029-12-31T00:00:00Z', nextUpdate: '2030-01-07T00:00:00Z' };
}

/**
 * A RevocationSource over a Map: `crls` names the CAs (by key hash) with a CRL held, `entries` the
 * listed serials. A CA without a CRL answers CRL_MISSING.
 */
export class MapRevocationSource implements RevocationSource {
  readonly crls = new Map<string, CrlStamp>();
  readonly entries = new Map<string, Exclude<RevocationAnswer, { state: 'good' | 'undetermined' }>>();
  readonly asked: { issuer: string; serial: string; atMs: number }[] = [];

  lookup(issuerSpkiSha256: string, serial: Uint8Array, atMs: number): RevocationAnswer {
    const hex = Buffer.from(serial).toString('hex');
    this.asked.push({ issuer: issuerSpkiSha256, serial: hex, atMs });
    const crl = this.crls.get(issuerSpkiSha256);
    if (!crl) return { state: 'undetermined', code: 'CRL_MISSING' };
    return this.entries.get(`${issuerSpkiSha256}:${hex}`) ?? { state: 'good', crl };
  }

  /** Holds a CRL for each named CA (fixture names). */
  static holding(...cas: string[]): MapRevocationSource {
    const source = new MapRevocationSource();
    for (const ca of cas) source.crls.set(spkiOf(ca), stampOf(`CN=${ca}`));
    return source;
  }
}
