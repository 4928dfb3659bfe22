/**
 * The registry's openssl-made CRL and certificate fixtures (packages/registry/test/fixtures/x509,
 * make.sh there), read as files, and CA accreditations of them signed by a sample network's agency.
 */
import { readFileSync } from 'node:fs';
import { certificateDerOf, issueAccreditation, type SampleNetwork } from '@trustmesh/registry';

const X509 = new URL('../../../registry/test/fixtures/x509/', import.meta.url);

/** A DER file of packages/registry/test/fixtures/x509/crl (`name` without `.der`). */
export function crlFixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`crl/${name}.der`, X509)));
}

/** A certificate of packages/registry/test/fixtures/x509/chains as DER. */
export function chainFixture(name: string): Uint8Array {
  return certificateDerOf(readFileSync(new URL(`chains/${name}.pem`, X509)));
}

/** The PEM text of a chains fixture. */
export function chainPem(name: string): string {
  return readFileSync(new URL(`chains/${name}.pem`, X509), 'utf8');
}

/** An accreditation of CA certificate `der` by the agency of `net`, valid a year from `fromMs`. */
export function accreditCaOf(
  net: SampleNetwork,
  der: Uint8Array,
  scope: { certificatePolicies?: string[]; docTypes?: string[] },
  fromMs: number,
  options: { maxPathLength?: number; holdFinal?: boolean } = {},
) {
  return issueAccreditation(
    {
      accreditor: net.keys.jpAgency,
      role: 'ca',
      subjectCertificate: der,
      accreditedFor: [{ ...scope, jurisdiction: 'JP' }],
      maxPathLength: options.maxPathLength ?? 0,
      holdFinal: options.holdFinal ?? false,
      validFrom: new Date(fromMs),
      validUntil: new Date(fromMs + 365 * 24 * 3600 * 1000),
    },
    net.documentLoader,
  );
}
