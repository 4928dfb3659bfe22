/**
 * The network file: what every node of one network starts from (DESIGN.md, Records §1). It names the
 * network, carries the genesis governance record and pins it by hash, and lists bootstrap peers.
 *
 * ```json
 * { "networkId": "jp-mynumber", "genesis": { ...governance v1... },
 *   "genesisDigest": "<sha256 hex of the genesis's canonical bytes>",
 *   "bootstrap": ["/dns4/node1.example.jp/tcp/4001/p2p/12D3Koo..."] }
 * ```
 */
import { readFile } from 'node:fs/promises';
import { multiaddr } from '@multiformats/multiaddr';
import { contentHash } from '@trustmesh/registry';
import { isValidNetworkId, NETWORK_ID_PATTERN } from './protocols.ts';

/** A parsed, digest-checked network file. */
export interface NetworkFile {
  /** The network's id; it names the gossip topic and protocols, and must equal `genesis.networkId`. */
  networkId: string;
  /** The genesis (version 1) governance record, as signed. */
  genesis: Record<string, unknown>;
  /** Lower-case hex SHA-256 of the genesis record's canonical (RFC 8785) bytes. */
  genesisDigest: string;
  /** Multiaddrs of bootstrap peers, each ending in `/p2p/<peer id>`. */
  bootstrap: string[];
}

/** Stable codes of {@link NetworkFileError}. */
export type NetworkFileErrorCode =
  | 'NETWORK_FILE_UNREADABLE'
  | 'NETWORK_FILE_TOO_LARGE'
  | 'NETWORK_FILE_NOT_JSON'
  | 'NETWORK_FILE_INVALID'
  | 'NETWORK_FILE_DIGEST_MISMATCH';

/** A network file that cannot be used; `field` names the offending field when there is one. */
export class NetworkFileError extends Error {
  readonly code: NetworkFileErrorCode;
  readonly field: string | undefined;

  constructor(
    code: NetworkFileErrorCode,
    field: string | undefined,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(field ? `network file: ${field}: ${message}` : `network file: ${message}`, options);
    this.name = 'NetworkFileError';
    this.code = code;
    this.field = field;
  }
}

/** Largest network file read: a genesis with dozens of authorities is a few KB. */
export const MAX_NETWORK_FILE_BYTES = 1024 * 1024;

/** Most bootstrap peers accepted; more is a mistake, and each is dialled at start. */
export const MAX_BOOTSTRAP_PEERS = 64;

const DIGEST_PATTERN = /^[0-9a-f]{64}$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(field: string | undefined, message: string, cause?: unknown): NetworkFileError {
  return new NetworkFileError('NETWORK_FILE_INVALID', field, message, { cause });
}

/**
 * Checks a network file's parsed JSON: shape, network id, the genesis digest against the genesis
 * record, and bootstrap multiaddrs. Throws {@link NetworkFileError} naming the field and the rule.
 */
export function parseNetworkFile(value: unknown): NetworkFile {
  if (!isObject(value)) throw invalid(undefined, 'must be a JSON object');

  const { networkId, genesis, genesisDigest, bootstrap } = value;
  if (typeof networkId !== 'string') throw invalid('networkId', 'must be a string');
  // The id becomes a path segment of the topic and protocol names (network/protocols.ts).
  if (!isValidNetworkId(networkId)) throw invalid('networkId', `must match ${NETWORK_ID_PATTERN}`);

  if (!isObject(genesis)) throw invalid('genesis', 'must be the genesis governance record (a JSON object)');
  // A genesis of another network would make every record of this one fail validation later, with a
  // less helpful message; catch it here.
  if (genesis.networkId !== networkId) {
    throw invalid('genesis.networkId', `must equal networkId (${JSON.stringify(networkId)})`);
  }

  if (typeof genesisDigest !== 'string' || !DIGEST_PATTERN.test(genesisDigest)) {
    throw invalid('genesisDigest', 'must be 64 lower-case hex digits (SHA-256)');
  }
  let actual: string;
  try {
    actual = contentHash(genesis);
  } catch (cause) {
    throw invalid('genesis', 'has no canonical JSON form', cause);
  }
  // The digest pins the root of trust: a genesis that does not match it is not this network's.
  if (actual !== genesisDigest) {
    throw new NetworkFileError(
      'NETWORK_FILE_DIGEST_MISMATCH',
      'genesisDigest',
      `does not match the genesis record (its canonical bytes hash to ${actual})`,
    );
  }

  const peers = bootstrap ?? [];
  if (!Array.isArray(peers)) throw invalid('bootstrap', 'must be an array of multiaddr strings');
  if (peers.length > MAX_BOOTSTRAP_PEERS) throw invalid('bootstrap', `lists more than ${MAX_BOOTSTRAP_PEERS} peers`);
  const addresses = peers.map((entry, i) => parseBootstrapAddress(entry, `bootstrap[${i}]`));

  return { networkId, genesis, genesisDigest, bootstrap: addresses };
}

function parseBootstrapAddress(entry: unknown, field: string): string {
  if (typeof entry !== 'string') throw invalid(field, 'must be a multiaddr string');
  let components: { name: string; value?: string }[];
  try {
    components = multiaddr(entry).getComponents();
  } catch (cause) {
    throw invalid(field, `is not a valid multiaddr (${(cause as Error).message})`, cause);
  }
  // libp2p's bootstrap module silently drops addresses without a peer id; say so up front instead.
  if (components.at(-1)?.name !== 'p2p') throw invalid(field, 'must end in /p2p/<peer id>');
  return entry;
}

/** Parses network file text (JSON). */
export function parseNetworkFileText(text: string): NetworkFile {
  if (Buffer.byteLength(text) > MAX_NETWORK_FILE_BYTES) {
    throw new NetworkFileError('NETWORK_FILE_TOO_LARGE', undefined, `is larger than ${MAX_NETWORK_FILE_BYTES} bytes`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new NetworkFileError('NETWORK_FILE_NOT_JSON', undefined, `is not valid JSON (${(cause as Error).message})`, {
      cause,
    });
  }
  return parseNetworkFile(value);
}

/** Reads and parses a network file from disk. */
export async function readNetworkFile(path: string): Promise<NetworkFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new NetworkFileError(
      'NETWORK_FILE_UNREADABLE',
      undefined,
      `cannot read ${path} (${(cause as Error).message})`,
      {
        cause,
      },
    );
  }
  return parseNetworkFileText(text);
}

/** Builds a network file for a genesis record, computing its digest (what `trustmesh network init` writes). */
export function createNetworkFile(input: {
  networkId: string;
  genesis: Record<string, unknown>;
  bootstrap?: string[];
}): NetworkFile {
  return parseNetworkFile({
    networkId: input.networkId,
    genesis: input.genesis,
    genesisDigest: contentHash(input.genesis),
    bootstrap: input.bootstrap ?? [],
  });
}
