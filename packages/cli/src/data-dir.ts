/**
 * A node's data directory, opened by the CLI without a running node: `<dataDir>/db` (the LevelDB
 * record store) and the network file. Used to verify, export and import offline. LevelDB allows one
 * process at a time, so a running node's directory is refused with a pointer to `--node`.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { NetworkFile } from '@trustmesh/node';
import { LevelRecordStore, Registry, StoreError } from '@trustmesh/registry';
import type { CliConfig } from './config.ts';
import { CliError } from './output.ts';

/** Name of the database directory inside a data directory (as the node lays it out). */
export const DB_DIR_NAME = 'db';

/** A registry opened over a data directory's store. Close it when done. */
export interface OpenDataDir {
  registry: Registry;
  store: LevelRecordStore;
  network: NetworkFile;
}

/**
 * Reads and checks a network file. `@trustmesh/node` is loaded only here, on demand: it brings
 * libp2p with it, which commands that never read a network file should not pay for at start-up.
 * @throws CliError `NETWORK_FILE_MISSING`; NetworkFileError for a file that is not a valid network file.
 */
export async function loadNetworkFile(path: string, flag = '--network'): Promise<NetworkFile> {
  if (!(await exists(path))) {
    throw new CliError('NETWORK_FILE_MISSING', `network file ${path} does not exist`, {
      hint: `pass ${flag} FILE, or create one with \`trustmesh network init\``,
    });
  }
  const { readNetworkFile } = await import('@trustmesh/node');
  return readNetworkFile(path);
}

/**
 * Opens the registry of a data directory.
 * @param config - `dataDir` and `network` (the network file) are read.
 * @param options - `create`: allow a data directory without a database yet (import), and admit the
 *   network's genesis into it.
 * @throws CliError `DATA_DIR_EMPTY`, `DATA_DIR_LOCKED`, `DATA_DIR_UNREADABLE`, `NETWORK_FILE_MISSING`.
 */
export async function openDataDir(
  config: Pick<CliConfig, 'dataDir' | 'network'>,
  modules: { now: () => number },
  options: { create: boolean } = { create: false },
): Promise<OpenDataDir> {
  const location = join(config.dataDir, DB_DIR_NAME);
  if (!options.create && !(await exists(location))) {
    throw new CliError('DATA_DIR_EMPTY', `${config.dataDir} holds no registry database (${location} is missing)`, {
      hint: 'point --data at a node’s data directory, or fill one with `trustmesh import BUNDLE --data DIR --network FILE`',
    });
  }
  const network = await loadNetworkFile(config.network);
  const store = new LevelRecordStore({ location });
  let registry: Registry;
  try {
    registry = await Registry.open(
      { networkId: network.networkId, genesisDigest: network.genesisDigest },
      { store, now: modules.now },
    );
  } catch (error) {
    await store.close().catch(() => undefined);
    throw storeError(error, config.dataDir);
  }
  if (options.create) {
    // The genesis is pinned by the network file; a database without it can verify nothing.
    const outcome = await registry.submit(network.genesis);
    if (outcome.status !== 'accept' && outcome.error.code !== 'DUPLICATE') {
      await registry.close();
      throw new CliError('GENESIS_REFUSED', `the network file's genesis was refused: ${outcome.error.message}`, {
        hint: 'check that the network file is the one this data directory belongs to',
      });
    }
  }
  const held = registry.governance();
  if (held && held.record.networkId !== network.networkId) {
    await registry.close();
    throw new CliError(
      'NETWORK_MISMATCH',
      `${config.dataDir} holds network "${held.record.networkId}", but the network file is for "${network.networkId}"`,
      { hint: 'pass the network file this data directory was created with (--network FILE)' },
    );
  }
  return { registry, store, network };
}

function storeError(error: unknown, dataDir: string): unknown {
  if (error instanceof StoreError && error.code === 'STORE_LOCKED') {
    return new CliError(
      'DATA_DIR_LOCKED',
      `the database in ${dataDir} is in use by another process (a running node?)`,
      {
        hint: 'ask the running node instead with --node URL, or stop it first',
        cause: error,
      },
    );
  }
  if (error instanceof StoreError) {
    return new CliError('DATA_DIR_UNREADABLE', `cannot open the database in ${dataDir}: ${error.message}`, {
      hint: 'check that --data names a trustmesh data directory',
      cause: error,
    });
  }
  return error;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
