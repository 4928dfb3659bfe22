/**
 * A small, realistic network for the demo, tests and benchmarks: two governance authorities (a
 * digital agency for Japan, a ministry of digital affairs for Taiwan), threshold 2, each accrediting
 * an issuer in its own jurisdiction, each party with a revocation list of its own. Real keys, real
 * signatures: the records are exactly what an operator would publish.
 */
import { contentHash } from '../canonical.ts';
import { createDocumentLoader } from '../crypto/document-loader.ts';
import { generateKeyPair, type KeyPair } from '../crypto/keys.ts';
import type { DocumentLoader } from '../crypto/types.ts';
import type { GovernanceRecord } from '../records/governance.ts';
import { createStatusList } from '../status-list/bitstring.ts';
import { createGovernance, issueAccreditation, issueStatusList, pinnedKeyOf, signGovernance } from './records.ts';

/** Everything a sample network is made of: keys, the records to publish, and a loader to sign more. */
export interface SampleNetwork {
  networkId: string;
  genesis: GovernanceRecord;
  genesisDigest: string;
  keys: { jpAgency: KeyPair; twMinistry: KeyPair; jpHealthInsurer: KeyPair; twHealthInsurer: KeyPair };
  /** Records in publishing order: governance, authority lists, accreditations, issuer lists. */
  records: Record<string, unknown>[];
  /** Status list URLs of each party. */
  lists: { jpAgency: string; twMinistry: string; jpHealthInsurer: string; twHealthInsurer: string };
  /** Loader for signing (bundled contexts and did:key only). */
  documentLoader: DocumentLoader;
}

/** Options of {@link createSampleNetwork}. */
export interface SampleNetworkOptions {
  networkId: string;
  /** Start of every validity period. */
  now: Date;
  /** Base URL under which status lists get their ids. */
  statusBaseUrl: string;
}

/** Defaults: a network id and a base URL on a reserved domain. */
export const defaultSampleNetworkOptions: Omit<SampleNetworkOptions, 'now'> = {
  networkId: 'trustmesh-demo',
  statusBaseUrl: 'https://status.example/lists',
};

const YEAR_MS = 365 * 24 * 3600 * 1000;

/** Builds and signs a sample network. */
export async function createSampleNetwork(
  options: Partial<SampleNetworkOptions> & Pick<SampleNetworkOptions, 'now'>,
): Promise<SampleNetwork> {
  const { networkId, now, statusBaseUrl } = { ...defaultSampleNetworkOptions, ...options };
  const documentLoader = createDocumentLoader({}, {});
  const [jpAgency, twMinistry, jpHealthInsurer, twHealthInsurer] = await Promise.all([
    generateKeyPair('Ed25519'),
    generateKeyPair('Ed25519'),
    generateKeyPair('Ed25519'),
    generateKeyPair('P-256'),
  ]);
  const validUntil = new Date(now.getTime() + YEAR_MS);
  let genesis = createGovernance({
    networkId,
    version: 1,
    authorities: [
      { id: jpAgency.did, name: 'Digital Agency (JP)', jurisdiction: 'JP', publicKeys: [pinnedKeyOf(jpAgency)] },
      {
        id: twMinistry.did,
        name: 'Ministry of Digital Affairs (TW)',
        jurisdiction: 'TW',
        publicKeys: [pinnedKeyOf(twMinistry)],
      },
    ],
    threshold: 2,
    validFrom: now,
    validUntil,
  });
  genesis = await signGovernance(await signGovernance(genesis, jpAgency), twMinistry);

  const lists = {
    jpAgency: `${statusBaseUrl}/jp-agency/revocation`,
    twMinistry: `${statusBaseUrl}/tw-ministry/revocation`,
    jpHealthInsurer: `${statusBaseUrl}/jp-health/revocation`,
    twHealthInsurer: `${statusBaseUrl}/tw-health/revocation`,
  };
  const emptyList = (issuer: KeyPair, id: string) =>
    issueStatusList(
      { issuer, id, statusPurpose: 'revocation', bits: createStatusList(131_072), validFrom: now },
      documentLoader,
    );
  const accredit = (
    accreditor: KeyPair,
    subject: KeyPair,
    types: string[],
    jurisdiction: string,
    list: string,
    index: number,
  ) =>
    issueAccreditation(
      {
        accreditor,
        subject: subject.did,
        role: 'issuer',
        accreditedFor: [{ types, jurisdiction }],
        subjectKeys: [subject],
        validFrom: now,
        validUntil,
        withdrawal: { statusListCredential: list, statusListIndex: index },
      },
      documentLoader,
    );

  const records: Record<string, unknown>[] = [
    genesis as unknown as Record<string, unknown>,
    await emptyList(jpAgency, lists.jpAgency),
    await emptyList(twMinistry, lists.twMinistry),
    await accredit(
      jpAgency,
      jpHealthInsurer,
      ['HealthInsuranceCredential', 'NationalIdCredential'],
      'JP',
      lists.jpAgency,
      7,
    ),
    await accredit(
      twMinistry,
      twHealthInsurer,
      ['HealthInsuranceCredential', 'DriversLicenceCredential'],
      'TW',
      lists.twMinistry,
      11,
    ),
    await emptyList(jpHealthInsurer, lists.jpHealthInsurer),
    await emptyList(twHealthInsurer, lists.twHealthInsurer),
  ];
  return {
    networkId,
    genesis,
    genesisDigest: contentHash(genesis),
    keys: { jpAgency, twMinistry, jpHealthInsurer, twHealthInsurer },
    records,
    lists,
    documentLoader,
  };
}
