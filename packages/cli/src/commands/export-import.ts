/**
 * `trustmesh export` and `trustmesh import`: offline bundles of signed records for air-gapped
 * verifiers (see bundle.ts). Import validates every record again through the registry and prints
 * what it accepted, ignored and rejected, by code.
 */
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import {
  BUNDLE_FORMAT,
  type Bundle,
  checkBundleNetwork,
  describeImport,
  importExitCode,
  importRecords,
  kindOf,
  parseBundle,
  storeRecords,
} from '../bundle.ts';
import {
  addOptions,
  type CommandContext,
  dataOption,
  forceOption,
  jsonOption,
  networkOption,
} from '../command-context.ts';
import { type ConfigFlags, NETWORK_FILE_NAME } from '../config.ts';
import { loadNetworkFile, openDataDir } from '../data-dir.ts';
import { readJsonFile, writeJsonFile } from '../files.ts';
import { CliError, EXIT } from '../output.ts';
import { createProgress } from '../progress.ts';

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
    program.command('export').description('write every signed record of a data directory to an offline bundle'),
    [
      dataOption('data directory to export (a stopped node’s, default ./.trustmesh)'),
      networkOption(),
      new Option('--out <file>', 'bundle file to write').makeOptionMandatory(),
      forceOption(),
      jsonOption(),
    ],
  ).action((flags: ExportFlags, command: Command) =>
    ctx.run(command, async (out) => {
      const config = await ctx.config(flags);
      const { registry, store, network } = await openDataDir(config.values, { now: ctx.now });
      let records: Record<string, unknown>[];
      try {
        records = await storeRecords(store);
      } finally {
        await registry.close();
      }
      const bundle: Bundle = {
        format: BUNDLE_FORMAT,
        networkId: network.networkId,
        genesisDigest: network.genesisDigest,
        createdAt: new Date(ctx.now()).toISOString(),
        records,
      };
      await writeJsonFile(flags.out, bundle, { force: flags.force === true, what: 'bundle' });
      const kinds: Record<string, number> = {};
      for (const r of records) kinds[kindOf(r)] = (kinds[kindOf(r)] ?? 0) + 1;
      out.result(
        { file: flags.out, networkId: bundle.networkId, createdAt: bundle.createdAt, records: records.length, kinds },
        (r) => [
          `wrote ${r.records} records of network ${r.networkId} to ${r.file}`,
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
      const progress = createProgress(ctx.stderr, 'importing records', bundle.records.length);
      try {
        const { NOT_YET_RESOLVABLE_CODES } = await import('@trustmesh/node');
        const summary = await importRecords(registry, bundle.records, {
          retryCodes: NOT_YET_RESOLVABLE_CODES,
          onProgress: (done) => progress.update(done),
        });
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
