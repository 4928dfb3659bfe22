/**
 * `trustmesh export` and `trustmesh import`: offline bundles of signed records for air-gapped
 * verifiers (see bundle.ts). Import validates every record again through the registry and prints
 * what it accepted, ignored and rejected, by code.
 */
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { contentHash } from '@trustmesh/registry';
import { type Command, Option } from 'commander';
import {
  BUNDLE_FORMAT,
  type Bundle,
  bundleRecords,
  checkBundleNetwork,
  describeImport,
  type HeldRecords,
  importExitCode,
  importRecords,
  kindOf,
  parseBundle,
  storeRecords,
  withoutGenesis,
} from '../bundle.ts';
import {
  addOptions,
  type CommandContext,
  dataOption,
  forceOption,
  jsonOption,
  networkOption,
} from '../command-context.ts';
import { type CliConfig, type ConfigFlags, NETWORK_FILE_NAME } from '../config.ts';
import { loadNetworkFile, openDataDir } from '../data-dir.ts';
import { readJsonFile, writeJsonFile } from '../files.ts';
import { NodeClient } from '../node-client.ts';
import { CliError, EXIT } from '../output.ts';
import { createProgress } from '../progress.ts';
import { runningNodeApi } from '../running-node.ts';

interface ExportFlags extends ConfigFlags {
  out: string;
  force?: boolean;
  json?: boolean;
}

interface ImportFlags extends ConfigFlags {
  json?: boolean;
}

/** Registers `export` and `import`. */
export function registerExportImportCommands(program: Command, ctx: CommandContext): void {
  addOptions(
    program
      .command('export')
      .description(
        'write every signed record of a node to an offline bundle: from its running API, or a stopped node’s data directory',
      ),
    [
      new Option('--node <url>', 'export from this running node’s API (GET /records; or TRUSTMESH_NODE)'),
      dataOption('data directory to export (a stopped node’s, default ./.trustmesh)'),
      networkOption(),
      new Option('--out <file>', 'bundle file to write').makeOptionMandatory(),
      forceOption(),
      jsonOption(),
    ],
  ).action((flags: ExportFlags, command: Command) =>
    ctx.run(command, async (out) => {
      if (flags.node && flags.data) {
        throw new CliError('SOURCE_AMBIGUOUS', 'give --node or --data, not both', {
          hint: '--node exports from a running node; --data reads a stopped node’s data directory',
        });
      }
      const config = await ctx.config(flags);
      const node = config.values.node;
      let bundle: Bundle;
      let source: string;
      if (node && (!flags.data || flags.node)) {
        bundle = await exportFromNode(node, config.values.network);
        source = `node ${node}`;
      } else {
        try {
          bundle = await exportFromDataDir(config.values, ctx.now);
          source = `data directory ${config.values.dataDir}`;
        } catch (error) {
          // A running node holds its database: ask its API instead, where it answers (running.json:
          // the scheme and port it was started with), else where its config names it.
          if (!(error instanceof CliError && error.code === 'DATA_DIR_LOCKED')) throw error;
          const running = (await runningNodeApi(config.values.dataDir)) ?? node;
          if (!running) throw error;
          out.note(`${config.values.dataDir} is in use by its running node: exporting from it at ${running}`);
          bundle = await exportFromNode(running, config.values.network);
          source = `node ${running}`;
        }
      }
      await writeJsonFile(flags.out, bundle, { force: flags.force === true, what: 'bundle' });
      const kinds: Record<string, number> = {};
      for (const r of bundle.records) kinds[kindOf(r)] = (kinds[kindOf(r)] ?? 0) + 1;
      out.result(
        {
          file: flags.out,
          source,
          networkId: bundle.networkId,
          createdAt: bundle.createdAt,
          records: bundle.records.length,
          kinds,
        },
        (r) => [
          `wrote ${r.records} records of network ${r.networkId} to ${r.file} (from ${r.source}, as of ${r.createdAt})`,
          `  ${Object.entries(r.kinds)
            .map(([k, n]) => `${k} ${n}`)
            .join(', ')}`,
        ],
      );
      return EXIT.OK;
    }),
  );

  addOptions(
    program
      .command('import')
      .argument('<bundle>', 'bundle file (from `trustmesh export`), or - for standard input')
      .description('validate and store every record of a bundle in a data directory (the node must be stopped)'),
    [
      dataOption('data directory to import into (created if missing; default ./.trustmesh)'),
      networkOption(),
      jsonOption(),
    ],
  ).action((file: string, flags: ImportFlags, command: Command) =>
    ctx.run(command, async (out) => {
      const bundle = parseBundle(await readJsonFile(file, 'bundle', ctx), file);
      const config = await ctx.config(flags);
      const network = await loadNetworkFile(config.values.network);
      checkBundleNetwork(bundle, network, file);
      await adoptNetworkFile(config.values.dataDir, config.values.network, network.genesisDigest);
      const { registry } = await openDataDir(config.values, { now: ctx.now }, { create: true });
      const { rest, genesis } = withoutGenesis(bundle.records, network.genesisDigest);
      const progress = createProgress(ctx.stderr, 'importing records', rest.length);
      try {
        const summary = {
          ...(await importRecords(registry, rest, {
            onProgress: (done) => progress.update(done),
          })),
          genesis,
        };
        progress.finish();
        out.result({ file, dataDir: config.values.dataDir, ...summary }, (s) => [
          `imported ${s.file} into ${s.dataDir}`,
          ...describeImport(s),
        ]);
        return importExitCode(summary);
      } finally {
        progress.finish();
        await registry.close();
      }
    }),
  );
}

/** A bundle of a stopped node's data directory. */
async function exportFromDataDir(config: Pick<CliConfig, 'dataDir' | 'network'>, now: () => number): Promise<Bundle> {
  const { registry, store, network } = await openDataDir(config, { now });
  let held: HeldRecords;
  try {
    held = await storeRecords(store);
  } finally {
    await registry.close();
  }
  return {
    format: BUNDLE_FORMAT,
    networkId: network.networkId,
    genesisDigest: network.genesisDigest,
    createdAt: new Date(now()).toISOString(),
    records: bundleRecords(held),
  };
}

/**
 * A bundle of a running node's records (`GET /records`). The genesis digest is computed from the
 * node's governance version 1, and checked against the local network file when there is one.
 */
async function exportFromNode(node: string, networkPath: string): Promise<Bundle> {
  const client = new NodeClient({ baseUrl: node, token: null });
  const body = await client.read('/records');
  const arrays = ['governance', 'accreditations', 'statusLists', 'evidence'] as const;
  // caCertificates and crls (issue 14, PEM strings) are optional: nodes before issue 14 have none.
  const pemArrays = ['caCertificates', 'crls'] as const;
  if (
    !body ||
    arrays.some((k) => !Array.isArray(body[k])) ||
    pemArrays.some((k) => body[k] !== undefined && !isStringArray(body[k])) ||
    // joseStatusLists (JWS text, TW envelope objects, CWT data: URLs) is optional as well: older nodes have none.
    (body.joseStatusLists !== undefined && !isCarriedListArray(body.joseStatusLists)) ||
    typeof body.networkId !== 'string'
  ) {
    throw new CliError('NODE_UNEXPECTED_RESPONSE', `GET /records on ${node} did not answer with the node’s records`, {
      hint: 'check that --node is a trustmesh node API URL (a node of this version: older ones have no GET /records)',
    });
  }
  const held = body as unknown as HeldRecords & { networkId: string; time: string };
  const genesis = held.governance.find((g) => g.version === 1);
  if (!genesis) {
    throw new CliError('GOVERNANCE_UNKNOWN', `${node} holds no genesis governance record`, {
      hint: 'export from a node that has joined its network',
    });
  }
  const genesisDigest = contentHash(genesis);
  const local = await loadNetworkFile(networkPath).catch((error: unknown) => {
    if (error instanceof CliError && error.code === 'NETWORK_FILE_MISSING') return null;
    throw error;
  });
  if (local && local.genesisDigest !== genesisDigest) {
    throw new CliError(
      'NETWORK_MISMATCH',
      `${node} belongs to network "${held.networkId}" (genesis ${genesisDigest.slice(0, 12)}…), not to the network of ${networkPath} ("${local.networkId}")`,
      { hint: 'export from a node of your network, or pass that node’s network file with --network FILE' },
    );
  }
  return {
    format: BUNDLE_FORMAT,
    networkId: held.networkId,
    genesisDigest,
    createdAt: typeof held.time === 'string' ? held.time : new Date().toISOString(),
    records: bundleRecords(held),
  };
}

/**
 * Gives a new data directory its network file (so `verify --data DIR` works afterwards), and
 * refuses to mix networks in an existing one.
 */
async function adoptNetworkFile(dataDir: string, networkPath: string, genesisDigest: string): Promise<void> {
  const own = join(dataDir, NETWORK_FILE_NAME);
  if (resolve(own) === resolve(networkPath)) return;
  let ownExists = true;
  try {
    await stat(own);
  } catch {
    ownExists = false;
  }
  if (ownExists) {
    const existing = await loadNetworkFile(own);
    if (existing.genesisDigest !== genesisDigest) {
      throw new CliError(
        'NETWORK_MISMATCH',
        `${dataDir} belongs to another network (its ${NETWORK_FILE_NAME} differs from ${networkPath})`,
        {
          hint: 'import into a new data directory, or drop --network to use the directory’s own network file',
        },
      );
    }
    return;
  }
  await mkdir(dataDir, { recursive: true });
  await copyFile(networkPath, own);
}

function isCarriedListArray(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.every((v) => typeof v === 'string' || (v !== null && typeof v === 'object' && !Array.isArray(v)))
  );
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}
