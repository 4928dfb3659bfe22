/**
 * `trustmesh network init|finalize`: create the network file every node starts from — the genesis
 * governance record (version 1), its digest, and bootstrap peers (DESIGN.md, Records §1).
 *
 * Two ways: when every authority's key is at hand, `network init` signs with all of them and writes
 * the network file at once. Across machines, `network init --proposal` writes the unsigned genesis,
 * each authority adds its signature with `governance sign`, and `network finalize` writes the network
 * file once the threshold is met.
 */
import { createGovernance, type GovernanceRecord, signGovernance } from '@trustmesh/registry';
import { type Command, Option } from 'commander';
import {
  addOptions,
  type CommandContext,
  collect,
  days,
  forceOption,
  jsonOption,
  positiveInteger,
} from '../command-context.ts';
import { readJsonFile, writeJsonFile } from '../files.ts';
import {
  checkNewGovernance,
  describeTally,
  parseGovernanceFile,
  readAuthorities,
  tallySignatures,
} from '../governance.ts';
import { CliError, EXIT, type Output } from '../output.ts';

/** Validity of a genesis unless `--valid-days` says otherwise. */
export const DEFAULT_GOVERNANCE_VALID_DAYS = 365;

interface InitFlags {
  id: string;
  authority: string[];
  threshold: number;
  validDays: number;
  bootstrap?: string[];
  out: string;
  proposal?: boolean;
  force?: boolean;
  json?: boolean;
}

interface FinalizeFlags {
  bootstrap?: string[];
  out: string;
  force?: boolean;
  json?: boolean;
}

/** Registers `network init` and `network finalize`. */
export function registerNetworkCommands(program: Command, ctx: CommandContext): void {
  const network = program.command('network').description('create a network file (genesis governance)');

  addOptions(
    network
      .command('init')
      .description(
        'build and sign the genesis governance and write the network file (or, with --proposal, an unsigned genesis to collect signatures on)',
      ),
    [
      new Option('--id <network>', 'network id (lower-case letters, digits, dashes)').makeOptionMandatory(),
      new Option(
        '--authority <spec>',
        'a governance authority: "name=…,jurisdiction=JP,key=FILE" (repeat for each); with --proposal, key= may be a public key',
      )
        .argParser(collect)
        .makeOptionMandatory(),
      new Option('--threshold <n>', 'authorities whose signatures a new governance version needs')
        .argParser(positiveInteger)
        .makeOptionMandatory(),
      new Option('--valid-days <n>', 'days the genesis stays valid')
        .argParser(positiveInteger)
        .default(DEFAULT_GOVERNANCE_VALID_DAYS),
      new Option('--bootstrap <multiaddr>', 'bootstrap peer, ending in /p2p/<peer id> (repeatable)').argParser(collect),
      new Option('--proposal', 'write the unsigned genesis for `governance sign` instead of a network file'),
      new Option('--out <file>', 'file to write (network file, or proposal with --proposal)').makeOptionMandatory(),
      forceOption(),
      jsonOption(),
    ],
  ).action((flags: InitFlags, command: Command) =>
    ctx.run(command, async (out) => {
      const authorities = await readAuthorities(flags.authority, { needSecret: !flags.proposal }, ctx);
      if (flags.threshold > authorities.length) {
        throw new CliError(
          'THRESHOLD_TOO_HIGH',
          `--threshold ${flags.threshold} is more than the ${authorities.length} authorities given`,
          { hint: 'lower --threshold, or add authorities with --authority' },
        );
      }
      const now = ctx.now();
      let record: GovernanceRecord = createGovernance({
        networkId: flags.id,
        version: 1,
        authorities: authorities.map((a) => a.authority),
        threshold: flags.threshold,
        validFrom: new Date(now),
        validUntil: new Date(now + days(flags.validDays)),
      });
      checkNewGovernance(record);
      if (flags.proposal) {
        await writeJsonFile(flags.out, record, { force: flags.force === true, what: 'proposal' });
        out.result({ file: flags.out, networkId: record.networkId, version: 1, threshold: record.threshold }, (r) => [
          `wrote the unsigned genesis of network ${r.networkId} to ${r.file}`,
          'next: each authority signs it on its own machine:',
          `  npx trustmesh governance sign ${r.file} --key KEY_FILE`,
          `then, once ${r.threshold} have signed:`,
          `  npx trustmesh network finalize ${r.file} --out network.json`,
        ]);
        return EXIT.OK;
      }
      for (const { keyPair } of authorities) if (keyPair) record = await signGovernance(record, keyPair);
      return writeNetworkFile(out, record, flags);
    }),
  );

  addOptions(
    network
      .command('finalize')
      .argument('<proposal>', 'genesis proposal signed by a threshold of its authorities')
      .description('check the signatures on a genesis proposal and write the network file'),
    [
      new Option('--bootstrap <multiaddr>', 'bootstrap peer, ending in /p2p/<peer id> (repeatable)').argParser(collect),
      new Option('--out <file>', 'network file to write').makeOptionMandatory(),
      forceOption(),
      jsonOption(),
    ],
  ).action((file: string, flags: FinalizeFlags, command: Command) =>
    ctx.run(command, async (out) => {
      const { record } = parseGovernanceFile(await readJsonFile(file, 'proposal', ctx), file);
      if (record.version !== 1) {
        throw new CliError('GOVERNANCE_NOT_GENESIS', `${file} is governance version ${record.version}, not a genesis`, {
          hint: 'publish later versions with `trustmesh governance publish`',
        });
      }
      const tally = await tallySignatures(record, record.authorities, record.threshold);
      if (!tally.met) {
        throw new CliError('THRESHOLD_NOT_MET', `${file}: ${describeTally(tally, 'the genesis')}`, {
          hint: `each missing authority runs \`trustmesh governance sign ${file} --key KEY_FILE\``,
          exitCode: EXIT.NOT_VERIFIED,
        });
      }
      return writeNetworkFile(out, record, flags);
    }),
  );
}

async function writeNetworkFile(
  out: Output,
  genesis: GovernanceRecord,
  flags: { bootstrap?: string[]; out: string; force?: boolean },
): Promise<0> {
  // Loaded on demand: @trustmesh/node brings libp2p (slow to load) with it.
  const { createNetworkFile } = await import('@trustmesh/node');
  let networkFile: ReturnType<typeof createNetworkFile>;
  try {
    networkFile = createNetworkFile({
      networkId: genesis.networkId,
      genesis: genesis as unknown as Record<string, unknown>,
      bootstrap: flags.bootstrap ?? [],
    });
  } catch (error) {
    const field = (error as { field?: unknown }).field;
    if (typeof field === 'string' && field.startsWith('bootstrap')) {
      const index = Number(/\[(\d+)\]/.exec(field)?.[1] ?? 0);
      const reason = (error as Error).message.replace(`network file: ${field}: `, '');
      throw new CliError('BOOTSTRAP_INVALID', `--bootstrap ${flags.bootstrap?.[index] ?? ''}: ${reason}`, {
        hint: 'give the multiaddr a node prints at start, e.g. /ip4/192.0.2.10/tcp/4001/p2p/12D3KooW…',
      });
    }
    throw error;
  }
  await writeJsonFile(flags.out, networkFile, { force: flags.force === true, what: 'network file' });
  out.result(
    {
      file: flags.out,
      networkId: networkFile.networkId,
      genesisDigest: networkFile.genesisDigest,
      threshold: genesis.threshold,
      validUntil: genesis.validUntil,
      authorities: genesis.authorities.map((a) => ({ name: a.name, jurisdiction: a.jurisdiction, did: a.id })),
      bootstrap: networkFile.bootstrap,
    },
    (r) => [
      `wrote network file ${r.file}`,
      `network:        ${r.networkId}`,
      `genesis digest: ${r.genesisDigest}`,
      `threshold:      ${r.threshold} of ${r.authorities.length}, valid until ${r.validUntil}`,
      ...r.authorities.map((a) => `authority:      ${a.name} (${a.jurisdiction}) ${a.did}`),
      `bootstrap:      ${r.bootstrap.length === 0 ? '(none yet; add peers with --bootstrap)' : r.bootstrap.join(', ')}`,
    ],
  );
  return EXIT.OK;
}
