/**
 * The local network `trustmesh up` runs (issue 4, The first run): two agency nodes and one verifier
 * node on loopback, a governance of two authorities (threshold 2) and one accredited issuer whose key
 * lives on the first agency's node. Created once under the data directory, reused on every later run:
 *
 * ```
 * .trustmesh/
 *   up.json            what was created (format, network id, ports, authorities, issuer)
 *   network.json       the network file (genesis governance, pinned by digest)
 *   agency-jp/         a node data directory as `trustmesh init` makes it (config.json, token,
 *                      network.json, peer-key, db/), plus authority.key.json and issuer.key.json
 *   agency-tw/         the same, with authority.key.json and issuer.key.json (the TW DIW-shaped
 *                      issuer of SD-JWT VCs)
 *   verifier/          the same
 *   examples/          unsigned credentials to issue, fresh ids on every run
 *   up.log             the nodes' structured logs
 * ```
 *
 * Each node directory is an ordinary one: `trustmesh start --data .trustmesh/verifier` runs that
 * node alone, and `verify --data`, `export`, `issuers --data` read it while it is stopped.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { NetworkFile } from '@trustmesh/node';
import {
  createDocumentLoader,
  createGovernance,
  EXAMPLES_CONTEXT_V1_URL,
  exportKeyPair,
  generateKeyPair,
  issueAccreditation,
  type KeyPair,
  LevelRecordStore,
  pinnedKeyOf,
  Registry,
  signGovernance,
  VC_V2_CONTEXT_URL,
} from '@trustmesh/registry';
import { CONFIG_FILE_NAME, NETWORK_FILE_NAME, TOKEN_FILE_NAME } from './config.ts';
import { DB_DIR_NAME, loadNetworkFile } from './data-dir.ts';
import { writeFileAtomic, writeJsonFile } from './files.ts';
import { readKeyPairFile } from './key-files.ts';
import { localApiUrl } from './node-settings.ts';
import { CliError } from './output.ts';

/** The manifest file of a local network. */
export const UP_MANIFEST_FILE = 'up.json';
/** `format` of the manifest this version writes and reads. */
export const UP_FORMAT = 'trustmesh-up/1';
/** Network id of the local network. */
export const UP_NETWORK_ID = 'trustmesh-local';
/** Loopback interface every local node listens on. */
export const UP_HOST = '127.0.0.1';
/** File names of the keys inside node directories. */
export const AUTHORITY_KEY_FILE = 'authority.key.json';
/** The issuer's key, in the issuer's node directory. */
export const ISSUER_KEY_FILE = 'issuer.key.json';
/** Directory of the example credentials. */
export const EXAMPLES_DIR = 'examples';
/** Log file of the nodes. */
export const UP_LOG_FILE = 'up.log';

const YEAR_MS = 365 * 24 * 3600 * 1000;

/** The nodes of the local network, in start order. */
export const LOCAL_NODES = [
  { name: 'agency-jp', label: 'Digital Agency (JP)', defaultPort: 8701 },
  { name: 'agency-tw', label: 'Ministry of Digital Affairs (TW)', defaultPort: 8702 },
  { name: 'verifier', label: 'verifier (a pharmacy)', defaultPort: 8703 },
] as const;

/** Name of one of {@link LOCAL_NODES}. */
export type LocalNodeName = (typeof LOCAL_NODES)[number]['name'];

/** API ports of the local nodes. */
export type LocalPorts = Record<LocalNodeName, number>;

/** What `up` created, as recorded in up.json. */
export interface UpManifest {
  format: typeof UP_FORMAT;
  networkId: string;
  createdAt: string;
  ports: LocalPorts;
  authorities: { name: string; jurisdiction: string; did: string; node: LocalNodeName }[];
  issuer: { name: string; did: string; types: string[]; jurisdiction: string; node: LocalNodeName };
  /**
   * The TW DIW-shaped issuer (issue 13): a P-256 key on agency-tw issuing SD-JWT VCs on its Token
   * Status List. Absent from networks created before it existed (`up --fresh` adds it).
   */
  walletIssuer?: {
    name: string;
    did: string;
    types: string[];
    jurisdiction: string;
    node: LocalNodeName;
    format: 'dc+sd-jwt';
  };
}

/** A local network ready to start: its manifest, network file and, per node, directory and keys. */
export interface LocalNetwork {
  dataDir: string;
  manifest: UpManifest;
  network: NetworkFile;
  /** Whether this run created it. */
  created: boolean;
  nodes: { name: LocalNodeName; label: string; dir: string; token: string; issuerKey: KeyPair | null }[];
}

/** Files the suggested commands write (the issued credentials), inside the data directory. */
export const OUTPUTS = ['credential.json', 'issued.json', 'licence.sd-jwt'] as const;

/** Names (inside the data directory) that belong to the local network; `--fresh` removes exactly these. */
const OWNED = [
  UP_MANIFEST_FILE,
  NETWORK_FILE_NAME,
  EXAMPLES_DIR,
  UP_LOG_FILE,
  ...OUTPUTS,
  ...LOCAL_NODES.map((n) => n.name),
];

/** The ports of the previous run (or the defaults), with `override` applied. */
export function portsFor(manifest: UpManifest | null, override: readonly number[] | undefined): LocalPorts {
  const ports = Object.fromEntries(
    LOCAL_NODES.map((n, i) => [n.name, override?.[i] ?? manifest?.ports[n.name] ?? n.defaultPort]),
  ) as LocalPorts;
  const values = Object.values(ports);
  if (new Set(values).size !== values.length) {
    throw new CliError('UP_PORTS_INVALID', `the three API ports must differ (got ${values.join(', ')})`, {
      hint: 'e.g. --ports 8701,8702,8703',
    });
  }
  return ports;
}

/** Reads up.json, or null when the directory holds no local network. */
export async function readManifest(dataDir: string): Promise<UpManifest | null> {
  const file = join(dataDir, UP_MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let manifest: UpManifest;
  try {
    manifest = JSON.parse(text) as UpManifest;
  } catch {
    throw incomplete(dataDir, `${file} is not valid JSON`);
  }
  if (manifest.format !== UP_FORMAT) throw incomplete(dataDir, `${file} is not a ${UP_FORMAT} manifest`);
  return manifest;
}

/**
 * Opens the local network in `dataDir`, creating it when there is none (or when `fresh`).
 * @throws CliError `UP_DIR_IS_NODE` (the directory is a single node's), `UP_INCOMPLETE`.
 */
export async function openLocalNetwork(
  dataDir: string,
  options: { fresh: boolean; ports: readonly number[] | undefined; now: number },
): Promise<LocalNetwork> {
  if (options.fresh) await Promise.all(OWNED.map((name) => rm(join(dataDir, name), { recursive: true, force: true })));
  if (await exists(join(dataDir, CONFIG_FILE_NAME))) {
    throw new CliError('UP_DIR_IS_NODE', `${dataDir} is a single node’s data directory (made by \`trustmesh init\`)`, {
      hint: 'give `up` a directory of its own: trustmesh up --data .trustmesh-local',
    });
  }
  let manifest = await readManifest(dataDir);
  const created = manifest === null;
  const ports = portsFor(manifest, options.ports);
  if (manifest === null) manifest = await createLocalNetwork(dataDir, ports, options.now);
  else manifest = { ...manifest, ports };
  // Rewritten on every run, so each node directory's config names the ports in use.
  await writeJsonFile(join(dataDir, UP_MANIFEST_FILE), manifest, { force: true, what: 'manifest' });
  const issuerNodes = issuerNodesOf(manifest);
  for (const node of LOCAL_NODES) {
    await writeNodeConfig(join(dataDir, node.name), ports[node.name], issuerNodes.includes(node.name));
  }

  const network = await loadNetworkFile(join(dataDir, NETWORK_FILE_NAME), 'the local network');
  const nodes: LocalNetwork['nodes'] = [];
  for (const node of LOCAL_NODES) {
    const dir = join(dataDir, node.name);
    const token = (await readFile(join(dir, TOKEN_FILE_NAME), 'utf8').catch(() => '')).trim();
    if (!token) throw incomplete(dataDir, `${join(dir, TOKEN_FILE_NAME)} is missing`);
    const issuerKey = issuerNodes.includes(node.name)
      ? await readKeyPairFile(join(dir, ISSUER_KEY_FILE), 'issuer key', { stdin: emptyStdin() }).catch(() => {
          throw incomplete(dataDir, `${join(dir, ISSUER_KEY_FILE)} is missing or unreadable`);
        })
      : null;
    nodes.push({ name: node.name, label: node.label, dir, token, issuerKey });
  }
  return { dataDir, manifest, network, created, nodes };
}

/** An unsigned health insurance credential the local issuer may issue (the examples context defines its terms). */
export function exampleCredential(id: string): Record<string, unknown> {
  return {
    '@context': [VC_V2_CONTEXT_URL, EXAMPLES_CONTEXT_V1_URL],
    id,
    type: ['VerifiableCredential', 'HealthInsuranceCredential'],
    credentialSubject: {
      id: `did:example:holder-${id.slice(-12)}`,
      insurerNumber: '06130012',
      insuredNumber: String(10_000_000 + (Number.parseInt(id.slice(-6), 16) % 90_000_000)),
    },
  };
}

/**
 * Writes fresh example credentials (new ids on every run, so each try starts unrevoked): the VC-API
 * request body for curl, and the bare credential for `trustmesh issue`.
 */
export async function writeExamples(
  dataDir: string,
): Promise<{
  request: string;
  requestId: string;
  credential: string;
  credentialId: string;
  walletClaims: string;
  walletCredentialId: string;
}> {
  const dir = join(dataDir, EXAMPLES_DIR);
  await mkdir(dir, { recursive: true });
  // What the suggested commands wrote on an earlier run (issued.json, credential.json) stays: it is
  // the user's. The suggestions overwrite it only when pasted again (curl -o, issue --out --force).
  const requestId = `urn:uuid:${randomUUID()}`;
  const credentialId = `urn:uuid:${randomUUID()}`;
  const request = join(dir, 'issue-request.json');
  const credential = join(dir, 'health-insurance-credential.json');
  await writeJsonFile(request, { credential: exampleCredential(requestId) }, { force: true, what: 'example' });
  await writeJsonFile(credential, exampleCredential(credentialId), { force: true, what: 'example' });
  // The SD-JWT VC claim set (`trustmesh issue --format dc+sd-jwt`): vct and the claims.
  const walletCredentialId = `urn:uuid:${randomUUID()}`;
  const walletClaims = join(dir, 'drivers-licence-claims.json');
  await writeJsonFile(
    walletClaims,
    { vct: 'DriversLicenceCredential', given_name: 'Mei-Ling', licence_number: `TW-B${walletCredentialId.slice(-9)}` },
    { force: true, what: 'example' },
  );
  return { request, requestId, credential, credentialId, walletClaims, walletCredentialId };
}

async function createLocalNetwork(dataDir: string, ports: LocalPorts, now: number): Promise<UpManifest> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  for (const node of LOCAL_NODES) await mkdir(join(dataDir, node.name), { recursive: true, mode: 0o700 });
  const [jp, tw, insurer, licenceOffice] = await Promise.all([
    generateKeyPair('Ed25519'),
    generateKeyPair('Ed25519'),
    generateKeyPair('Ed25519'),
    // TW DIW signs with ES256: a P-256 key.
    generateKeyPair('P-256'),
  ]);
  const saveKey = (path: string, key: KeyPair) =>
    writeJsonFile(path, exportKeyPair(key), { force: true, mode: 0o600, what: 'key file' });
  await saveKey(join(dataDir, 'agency-jp', AUTHORITY_KEY_FILE), jp);
  await saveKey(join(dataDir, 'agency-tw', AUTHORITY_KEY_FILE), tw);
  await saveKey(join(dataDir, 'agency-jp', ISSUER_KEY_FILE), insurer);
  await saveKey(join(dataDir, 'agency-tw', ISSUER_KEY_FILE), licenceOffice);

  const validFrom = new Date(now - 60_000);
  const validUntil = new Date(now + YEAR_MS);
  const authorities = [
    { key: jp, name: 'Digital Agency (JP)', jurisdiction: 'JP', node: 'agency-jp' as const },
    { key: tw, name: 'Ministry of Digital Affairs (TW)', jurisdiction: 'TW', node: 'agency-tw' as const },
  ];
  let genesis = createGovernance({
    networkId: UP_NETWORK_ID,
    version: 1,
    authorities: authorities.map((a) => ({
      id: a.key.did,
      name: a.name,
      jurisdiction: a.jurisdiction,
      publicKeys: [pinnedKeyOf(a.key)],
    })),
    threshold: 2,
    validFrom,
    validUntil,
  });
  genesis = await signGovernance(await signGovernance(genesis, jp), tw);
  const { createNetworkFile } = await import('@trustmesh/node');
  const network = createNetworkFile({
    networkId: UP_NETWORK_ID,
    genesis: genesis as unknown as Record<string, unknown>,
  });
  await writeJsonFile(join(dataDir, NETWORK_FILE_NAME), network, { force: true, what: 'network file' });

  const issuer = {
    name: 'health insurer (JP)',
    did: insurer.did,
    types: ['HealthInsuranceCredential'],
    jurisdiction: 'JP',
    node: 'agency-jp' as const,
  };
  const accreditation = await issueAccreditation(
    {
      accreditor: jp,
      subject: insurer.did,
      role: 'issuer',
      accreditedFor: [{ types: issuer.types, jurisdiction: issuer.jurisdiction }],
      subjectKeys: [insurer],
      validFrom,
      validUntil,
    },
    createDocumentLoader({}, {}),
  );

  const walletIssuer = {
    name: 'Motor Vehicles Office (TW)',
    did: licenceOffice.did,
    types: ['DriversLicenceCredential'],
    jurisdiction: 'TW',
    node: 'agency-tw' as const,
    format: 'dc+sd-jwt' as const,
  };
  const walletAccreditation = await issueAccreditation(
    {
      accreditor: tw,
      subject: licenceOffice.did,
      role: 'issuer',
      accreditedFor: [{ types: walletIssuer.types, jurisdiction: walletIssuer.jurisdiction }],
      subjectKeys: [licenceOffice],
      validFrom,
      validUntil,
    },
    createDocumentLoader({}, {}),
  );

  for (const node of LOCAL_NODES) {
    const dir = join(dataDir, node.name);
    await writeJsonFile(join(dir, NETWORK_FILE_NAME), network, { force: true, what: 'network file' });
    await writeFileAtomic(join(dir, TOKEN_FILE_NAME), `${randomBytes(32).toString('base64url')}\n`, {
      force: true,
      mode: 0o600,
      what: 'write token',
    });
  }
  // The accreditation goes into the issuer's node before it first starts, so issuer mode can publish
  // the issuer's status list at once; the other nodes get both by anti-entropy when they connect.
  for (const [node, records] of [
    ['agency-jp', [network.genesis, accreditation]],
    ['agency-tw', [network.genesis, walletAccreditation]],
  ] as const) {
    const registry = await Registry.open(
      { networkId: network.networkId, genesisDigest: network.genesisDigest },
      { store: new LevelRecordStore({ location: join(dataDir, node, DB_DIR_NAME) }), now: () => now },
    );
    try {
      for (const record of records) {
        const outcome = await registry.submit(record);
        if (outcome.status !== 'accept') throw new Error(`local network: record refused: ${outcome.error.code}`);
      }
    } finally {
      await registry.close();
    }
  }

  return {
    format: UP_FORMAT,
    networkId: UP_NETWORK_ID,
    createdAt: new Date(now).toISOString(),
    ports,
    authorities: authorities.map((a) => ({ name: a.name, jurisdiction: a.jurisdiction, did: a.key.did, node: a.node })),
    issuer,
    walletIssuer,
  };
}

/** The nodes that run in issuer mode: the health insurer's, and the TW DIW-shaped issuer's when there is one. */
function issuerNodesOf(manifest: UpManifest): LocalNodeName[] {
  return [manifest.issuer.node, ...(manifest.walletIssuer ? [manifest.walletIssuer.node] : [])];
}

/** A node directory's config.json, as `trustmesh init` writes it. */
async function writeNodeConfig(dir: string, port: number, issuer: boolean): Promise<void> {
  const api = { host: UP_HOST, port, publicBaseUrl: null };
  await writeJsonFile(
    join(dir, CONFIG_FILE_NAME),
    {
      network: NETWORK_FILE_NAME,
      node: localApiUrl(api),
      listen: [`/ip4/${UP_HOST}/tcp/0`],
      bootstrap: [],
      api,
      ...(issuer ? { issuerKey: ISSUER_KEY_FILE } : {}),
    },
    { force: true, what: 'config file' },
  );
}

function incomplete(dataDir: string, problem: string): CliError {
  return new CliError('UP_INCOMPLETE', `the local network in ${dataDir} is incomplete: ${problem}`, {
    hint: 'create it anew with `trustmesh up --fresh` (this replaces its keys and data)',
  });
}

function emptyStdin(): AsyncIterable<Uint8Array> {
  return (async function* () {})();
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
