/**
 * An offline bundle opened as an in-memory registry (issue 4; issue 14 for certificates): the
 * verifier's network file pins the bundle's genesis, every record goes through `Registry.submit`
 * again, and what does not validate is named. What `verify --bundle` and `verify-cert --bundle`
 * verify against; nothing is written to disk.
 */
import { MemoryRecordStore, Registry } from '@trustmesh/registry';
import { checkBundleNetwork, importRecords, parseBundle } from './bundle.ts';
import type { CommandContext } from './command-context.ts';
import type { LoadedConfig } from './config.ts';
import { loadNetworkFile } from './data-dir.ts';
import { readJsonFile } from './files.ts';
import { CliError, type Output } from './output.ts';

/** A bundle's records in a registry, and the words naming it as a source. The caller closes `registry`. */
export interface BundleRegistry {
  registry: Registry;
  source: string;
}

/** Opens `file` (a bundle, or - for standard input) as a registry, warning about records that do not validate. */
export async function openBundleRegistry(
  ctx: CommandContext,
  out: Output,
  file: string,
  config: LoadedConfig,
): Promise<BundleRegistry> {
  const bundle = parseBundle(await readJsonFile(file, 'bundle', ctx), file);
  // The network file pins the genesis; without one the bundle's own claim is all there is.
  let pinned = false;
  try {
    const network = await loadNetworkFile(config.values.network);
    checkBundleNetwork(bundle, network, file);
    pinned = true;
  } catch (error) {
    if (!(error instanceof CliError && error.code === 'NETWORK_FILE_MISSING') || config.sources.network !== 'default') {
      throw error;
    }
    out.warn(
      `no network file at ${config.values.network}: trusting the bundle's own genesis digest; pass --network FILE to pin it`,
    );
  }
  const registry = await Registry.open(
    { networkId: bundle.networkId, genesisDigest: bundle.genesisDigest },
    { store: new MemoryRecordStore(), now: ctx.now },
  );
  try {
    const summary = await importRecords(registry, bundle.records);
    const rejected = Object.entries(summary.rejected);
    if (rejected.length > 0) {
      out.warn(`the bundle holds records that do not validate: ${rejected.map(([c, n]) => `${c} ${n}`).join(', ')}`);
    }
  } catch (error) {
    await registry.close();
    throw error;
  }
  return {
    registry,
    source: `bundle ${file} (created ${bundle.createdAt}${pinned ? '' : '; genesis not pinned by a network file'})`,
  };
}
