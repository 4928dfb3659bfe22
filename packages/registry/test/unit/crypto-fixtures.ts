import type { DidWebLookup, PinnedFetch, PinnedFetchInit } from '../../src/crypto/did-web-types.ts';
/**
 * Shared fixtures for the crypto tests: credentials of the shapes the registry signs, and a fake
 * `fetch` serving canned responses (a fake of the interface, not a module mock).
 */
import type { KeyPair } from '../../src/crypto/index.ts';

/** An accreditation credential (DESIGN.md, Records §2) issued by `issuer` to `subject`. */
export function accreditation(issuer: string, subject: string, subjectKey: string): Record<string, unknown> {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/trustmesh/v1'],
    id: 'urn:uuid:5b0c8f3e-2a61-4c1e-9d7a-0f3b2c4d5e6f',
    type: ['VerifiableCredential', 'VerifiableAccreditation'],
    issuer,
    validFrom: '2025-01-01T00:00:00Z',
    validUntil: '2027-01-01T00:00:00Z',
    credentialSubject: {
      id: subject,
      role: 'issuer',
      accreditedFor: [{ types: ['HealthInsuranceCredential'], jurisdiction: 'JP' }],
      maxPathLength: 0,
      publicKeys: [{ id: `${subject}#key-1`, type: 'Multikey', controller: subject, publicKeyMultibase: subjectKey }],
    },
    credentialStatus: {
      id: 'https://authority.example.jp/status/accreditations#42',
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: '42',
      statusListCredential: 'https://authority.example.jp/status/accreditations',
    },
  };
}

/** A small BitstringStatusListCredential issued by `issuer` (encodedList: 131,072 zero bits, gzip). */
export function statusList(issuer: string): Record<string, unknown> {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    id: 'https://issuer.example.jp/status/1',
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer,
    validFrom: '2025-06-01T00:00:00Z',
    validUntil: '2025-06-08T00:00:00Z',
    credentialSubject: {
      id: 'https://issuer.example.jp/status/1#list',
      type: 'BitstringStatusList',
      statusPurpose: 'revocation',
      encodedList: 'uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA',
      ttl: 300000,
    },
  };
}

/** A did:web controller document pinning `keyPair`'s public key under `<did>#key-1`. */
export function controllerDocument(did: string, keyPair: KeyPair): Record<string, unknown> {
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: did,
    verificationMethod: [
      { id: `${did}#key-1`, type: 'Multikey', controller: did, publicKeyMultibase: keyPair.publicKeyMultibase },
    ],
    assertionMethod: [`${did}#key-1`],
  };
}

/** One recorded call of a {@link fakeFetch}. */
export interface FetchCall {
  url: string;
  init: PinnedFetchInit;
}

/**
 * A fake pinned fetch (did-web-fetch.ts) answering each call with `respond(url, init)`, recording
 * the calls, with a lookup that answers every host with one public address. Stands in for the
 * network only in unit tests of the resolver's logic; test/integration/did-web.test.ts uses a real
 * HTTPS server.
 */
export function fakeFetch(respond: (url: string, init: PinnedFetchInit) => Promise<Response>): {
  fetch: PinnedFetch;
  lookup: DidWebLookup;
  calls: FetchCall[];
} {
  const calls: FetchCall[] = [];
  const fetchFn: PinnedFetch = async (url, init) => {
    calls.push({ url, init });
    return respond(url, init);
  };
  return { fetch: fetchFn, lookup: async () => [PUBLIC_ADDRESS], calls };
}

/** A public unicast address (example.com's, as of writing) the fake lookup answers with. */
export const PUBLIC_ADDRESS = { address: '93.184.215.14', family: 4 } as const;

/** A promise that never settles on its own but rejects with the signal's reason when it aborts. */
export function untilAborted(signal: AbortSignal | null | undefined): Promise<never> {
  return new Promise<never>((_, reject) => {
    if (!signal) return;
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
