/**
 * `trustmesh governance propose|sign|publish`: new governance versions (DESIGN.md, Records §1, after
 * TUF root rotation). Version N+1 is valid only when signed by a threshold of version N's
 * authorities and a threshold of its own, so the proposal travels from authority to authority, each
 * adding one signature on its own machine, and is then published through any node.
 */
import { createGovernance, type GovernanceRecord, type ParsedGovernance, signGovernance } from '@trustmesh/registry';
import { type Command, Option } from 'commander';
import {
  addOptions,
  type CommandContext,
  collect,
  dataOption,
  days,
  forceOption,
  jsonOption,
  networkOption,
  nodeOptions,
  positiveInteger,
} from '../command-context.ts';
import type { ConfigFlags } from '../config.ts';
import { loadNetworkFile, openDataDir } from '../data-dir.ts';
import { readJsonFile, writeJsonFile } from '../files.ts';
import {
  checkNewGovernance,
  describeTally,
  parseGovernanceFile,
  readAuthorities,
  type SignatureTally,
  tallySignatures,
} from '../governance.ts';
import { readKeyPairFile } from '../key-files.ts';
import { CliError, EXIT } from '../output.ts';
import { DEFAULT_GOVERNANCE_VALID_DAYS } from './network.ts';
import { nodeClientFor, reportPublish } from './publish.ts';

interface ProposeFlags extends ConfigFlags {
  version?: number;
  previous?: string;
  authority?: string[];
  removeAuthority?: string[];
  threshold?: number;
  validDays: number;
  out: string;
  force?: boolean;
  json?: boolean;
}

interface SignFlags extends ConfigFlags {
  key: string;
  out?: string;
  previous?: string;
  json?: boolean;
}

interface PublishFlags extends ConfigFlags {
  json?: boolean;
}

/** Registers `governance propose`, `governance sign` and `governance publish`. */
export function registerGovernanceCommands(program: Command, ctx: CommandContext): void {
  const governance = program
    .command('governance')
    .description('propose, sign and publish governance versions (each authority signs on its own machine)');

  addOptions(
    governance
      .command('propose')
      .description(
        'write an unsigned next governance version, based on the previous one (from --previous, --data, or the network file)',
      ),
    [
      new Option('--version <n>', 'version to propose (default: the previous version + 1)').argParser(positiveInteger),
      new Option('--previous <file>', 'the previous governance version (a governance record or a network file)'),
      networkOption(),
      dataOption('data directory to read the newest governance version from'),
      new Option(
        '--authority <spec>',
        'add an authority: "name=…,jurisdiction=JP,key=FILE_OR_PUBLIC_KEY" (repeatable)',
      ).argParser(collect),
      new Option('--remove-authority <did>', 'remove the authority with this DID (repeatable)').argParser(collect),
      new Option('--threshold <n>', 'new threshold (default: unchanged)').argParser(positiveInteger),
      new Option('--valid-days <n>', 'days the new version stays valid')
        .argParser(positiveInteger)
        .default(DEFAULT_GOVERNANCE_VALID_DAYS),
      new Option('--out <file>', 'proposal file to write').makeOptionMandatory(),
      forceOption(),
      jsonOption(),
    ],
  ).action((flags: ProposeFlags, command: Command) =>
    ctx.run(command, async (out) => {
      const previous = await previousGovernance(ctx, flags);
      const version = flags.version ?? previous.version + 1;
      if (version !== previous.version + 1) {
        throw new CliError(
          'GOVERNANCE_VERSION_GAP',
          `--version ${version} does not follow the previous version ${previous.version}: versions step by exactly one`,
          { hint: `propose version ${previous.version + 1}, or give the previous version with --previous FILE` },
        );
      }
      let authorities = [...previous.authorities];
      for (const did of flags.removeAuthority ?? []) {
        if (!authorities.some((a) => a.id === did)) {
          throw new CliError(
            'AUTHORITY_UNKNOWN',
            `--remove-authority ${did} is not an authority of version ${previous.version}`,
            {
              hint: `authorities: ${previous.authorities.map((a) => `${a.name} ${a.id}`).join('; ')}`,
            },
          );
        }
        authorities = authorities.filter((a) => a.id !== did);
      }
      for (const { authority } of await readAuthorities(flags.authority ?? [], { needSecret: false }, ctx)) {
        if (authorities.some((a) => a.id === authority.id)) {
          throw new CliError('AUTHORITY_DUPLICATE', `${authority.id} (${authority.name}) is already an authority`, {
            hint: 'remove it first with --remove-authority to change its name or jurisdiction',
          });
        }
        authorities.push(authority);
      }
      const threshold = flags.threshold ?? previous.threshold;
      if (threshold > authorities.length) {
        throw new CliError(
          'THRESHOLD_TOO_HIGH',
          `threshold ${threshold} is more than the ${authorities.length} authorities`,
          {
            hint: 'lower --threshold, or keep more authorities',
          },
        );
      }
      const now = ctx.now();
      const record = createGovernance({
        networkId: previous.networkId,
        version,
        authorities,
        threshold,
        validFrom: new Date(now),
        validUntil: new Date(now + days(flags.validDays)),
      });
      checkNewGovernance(record);
      await writeJsonFile(flags.out, record, { force: flags.force === true, what: 'proposal' });
      out.result(
        {
          file: flags.out,
          networkId: record.networkId,
          version,
          threshold,
          previousThreshold: previous.threshold,
          authorities: authorities.map((a) => ({ name: a.name, jurisdiction: a.jurisdiction, did: a.id })),
        },
        (r) => [
          `wrote governance version ${r.version} of ${r.networkId} (unsigned) to ${r.file}`,
          `it needs signatures of ${r.previousThreshold} authorities of version ${r.version - 1} and ${r.threshold} of its own:`,
          `  npx trustmesh governance sign ${r.file} --key KEY_FILE     (each authority, on its own machine)`,
          `  npx trustmesh governance publish ${r.file} --node URL --token-file TOKEN_FILE`,
        ],
      );
      return EXIT.OK;
    }),
  );

  addOptions(
    governance
      .command('sign')
      .argument('<proposal>', 'governance proposal (a governance record)')
      .description('add your signature to a governance proposal (in place, unless --out)'),
    [
      new Option('--key <file>', 'your authority key file').makeOptionMandatory(),
      new Option('--out <file>', 'write the signed proposal here instead of in place'),
      new Option(
        '--previous <file>',
        'the version before the proposal (a governance record, or a network file for version 1), to count its signatures too',
      ),
      dataOption('read the version before the proposal from this stopped node’s data directory'),
      networkOption(),
      jsonOption(),
    ],
  ).action((file: string, flags: SignFlags, command: Command) =>
    ctx.run(command, async (out) => {
      const { record } = parseGovernanceFile(await readJsonFile(file, 'proposal', ctx), file);
      const keyPair = await readKeyPairFile(flags.key, '--key', ctx);
      const own = record.authorities.some((a) => a.publicKeys.some((k) => k.id === keyPair.verificationMethod));
      if (!own && record.version === 1) {
        throw new CliError(
          'KEY_NOT_AUTHORITY',
          `${flags.key} (${keyPair.did}) is not a key of any authority in ${file}`,
          {
            hint: 'sign with the key named in one of the proposal’s authorities',
          },
        );
      }
      if (!own) {
        // Outgoing authorities of version N must sign N+1 too; the node checks them against version N.
        out.warn(
          `${keyPair.did} is not an authority of version ${record.version}; the signature counts only if it is one of version ${record.version - 1}`,
        );
      }
      const signed = await signGovernance(record, keyPair);
      const target = flags.out ?? file;
      // Signing in place is the point of the flow: the file travels on to the next authority.
      await writeJsonFile(target, signed, { force: true, what: 'proposal' });
      const tally = await tallySignatures(signed, signed.authorities, signed.threshold);
      // Version N+1 needs a threshold of version N's authorities too (DESIGN.md, Records §1): count
      // them when version N is at hand, so "next" is said only when the node would admit it.
      const before = signed.version > 1 ? await versionBefore(ctx, flags, signed.version) : null;
      const prior = before ? await tallySignatures(signed, before.authorities, before.threshold) : null;
      const ready = tally.met && (signed.version === 1 || prior?.met === true);
      out.result(
        {
          file: target,
          signer: keyPair.did,
          version: signed.version,
          ...tallyJson(tally),
          ...(prior ? { previousVersion: tallyJson(prior) } : {}),
          readyToPublish: ready,
        },
        (r) => [
          `signed ${r.file} as ${r.signer}`,
          describeTally(tally, `version ${r.version}`),
          ...(prior ? [describeTally(prior, `version ${r.version - 1}`)] : []),
          ...(r.version === 1 && tally.met
            ? [`next: npx trustmesh network finalize ${r.file} --out network.json`]
            : []),
          ...(r.version > 1 && ready
            ? [`next: npx trustmesh governance publish ${r.file} --node URL --token-file TOKEN_FILE`]
            : []),
          ...(r.version > 1 && tally.met && !prior
            ? [
                `version ${r.version}'s own threshold is met; a threshold of version ${r.version - 1}'s authorities must sign too (give --previous FILE to count them), then: npx trustmesh governance publish ${r.file} --node URL --token-file TOKEN_FILE`,
              ]
            : []),
        ],
      );
      return EXIT.OK;
    }),
  );

  addOptions(
    governance
      .command('publish')
      .argument('<proposal>', 'signed governance version')
      .description('publish a signed governance version through a node (POST /records)'),
    [...nodeOptions('to publish through'), jsonOption()],
  ).action((file: string, flags: PublishFlags, command: Command) =>
    ctx.run(command, async (out) => {
      const value = await readJsonFile(file, 'proposal', ctx);
      const { record } = parseGovernanceFile(value, file);
      const tally = await tallySignatures(record, record.authorities, record.threshold);
      if (!tally.met) {
        throw new CliError('THRESHOLD_NOT_MET', `${file}: ${describeTally(tally, `version ${record.version}`)}`, {
          hint: `collect the missing signatures with \`trustmesh governance sign ${file} --key KEY_FILE\``,
          exitCode: EXIT.NOT_VERIFIED,
        });
      }
      const client = await nodeClientFor(ctx, flags);
      return reportPublish(out, await client.publishRecord(value), client.options.baseUrl);
    }),
  );
}

/** Version `version - 1`, from --previous, --data or the network file's genesis; null when none is at hand. */
async function versionBefore(ctx: CommandContext, flags: SignFlags, version: number): Promise<GovernanceRecord | null> {
  if (!flags.previous && !flags.data) {
    const config = await ctx.config(flags);
    const network = await loadNetworkFile(config.values.network).catch(() => null);
    const genesis = network ? parseGovernanceFile(network.genesis, config.values.network).record : null;
    return genesis?.version === version - 1 ? genesis : null;
  }
  const previous = await previousGovernance(ctx, { ...flags, validDays: 0, out: '' });
  if (previous.version !== version - 1) {
    throw new CliError(
      'GOVERNANCE_NOT_PREVIOUS',
      `the previous version given is version ${previous.version}, but the proposal is version ${version}`,
      { hint: `give version ${version - 1} with --previous FILE` },
    );
  }
  return previous;
}

/** The governance version a proposal builds on. */
async function previousGovernance(ctx: CommandContext, flags: ProposeFlags): Promise<GovernanceRecord> {
  if (flags.previous) {
    const value = await readJsonFile(flags.previous, 'previous governance', ctx);
    // A network file carries the genesis: accept it here too.
    const record = isObject(value) && isObject(value.genesis) ? value.genesis : value;
    return parseGovernanceFile(record, flags.previous).record;
  }
  const config = await ctx.config(flags);
  if (flags.data) {
    const { registry } = await openDataDir(config.values, { now: ctx.now });
    let latest: ParsedGovernance | null;
    try {
      latest = registry.governance();
    } finally {
      await registry.close();
    }
    if (!latest) {
      throw new CliError('GOVERNANCE_UNKNOWN', `${config.values.dataDir} holds no governance record`, {
        hint: 'give the previous version with --previous FILE',
      });
    }
    return latest.record;
  }
  const network = await loadNetworkFile(config.values.network);
  return parseGovernanceFile(network.genesis, config.values.network).record;
}

function tallyJson(tally: SignatureTally) {
  return {
    threshold: tally.threshold,
    thresholdMet: tally.met,
    signed: tally.signed.map((a) => a.id),
    unsigned: tally.unsigned.map((a) => a.id),
    invalidSignatures: tally.invalid,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
