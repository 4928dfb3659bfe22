/**
 * `trustmesh withdraw` (DESIGN.md, Records §2): withdrawing an accreditation sets its entry on the
 * accreditor's revocation list and publishes the new list version — the same mechanism as revoking
 * any credential.
 */
import { type Command, Option } from 'commander';
import {
  addOptions,
  type CommandContext,
  dataOption,
  forceOption,
  jsonOption,
  networkOption,
  nodeOptions,
  nonNegativeInteger,
} from '../command-context.ts';
import type { ConfigFlags } from '../config.ts';
import { openDataDir } from '../data-dir.ts';
import { readJsonFile } from '../files.ts';
import { readKeyPairFile } from '../key-files.ts';
import { NodeClient } from '../node-client.ts';
import { CliError, EXIT, type ExitCode, type Output } from '../output.ts';
import { nextOrFirstVersion, nextStatusListVersion, parseStatusListFrom } from '../status-lists.ts';
import { deliverRecord } from './publish.ts';

interface WithdrawFlags extends ConfigFlags {
  key: string;
  accreditation?: string;
  list?: string;
  index?: number;
  current?: string;
  newList?: boolean;
  out?: string;
  force?: boolean;
  json?: boolean;
}

/** Registers `withdraw`. */
export function registerWithdrawCommand(program: Command, ctx: CommandContext): void {
  addOptions(
    program
      .command('withdraw')
      .description('withdraw an accreditation: set its entry on your revocation list and publish the new list version'),
    [
      new Option('--key <file>', 'your key file (the accreditor, issuer of the list)').makeOptionMandatory(),
      new Option(
        '--accreditation <file>',
        'the accreditation to withdraw (its credentialStatus names the list and index)',
      ),
      new Option('--list <url>', 'your revocation list (instead of --accreditation)'),
      new Option('--index <n>', 'the entry to set (instead of --accreditation)').argParser(nonNegativeInteger),
      new Option('--current <file>', 'the current version of the list, as a file (instead of --data or --node)'),
      new Option(
        '--new-list',
        'if the list does not exist yet, publish its first version (131,072 entries) with this entry set',
      ),
      dataOption(
        'data directory to read the current list from (and, without --node/--out, to store the new version in)',
      ),
      networkOption(),
      new Option('--out <file>', 'write the new list version here (- for standard output)'),
      ...nodeOptions('to read the current list from and publish through'),
      forceOption(),
      jsonOption(),
    ],
  ).action((flags: WithdrawFlags, command: Command) =>
    ctx.run(command, async (out) => {
      const { list, index } = await withdrawalTarget(ctx, flags);
      const keyPair = await readKeyPairFile(flags.key, '--key', ctx);
      const config = await ctx.config(flags);
      const node = config.values.node;
      if (!flags.out && !node && !flags.data) {
        throw new CliError('OUTPUT_MISSING', 'nowhere to put the new list version', {
          hint: 'give --node URL (to publish it), --out FILE, or --data DIR (to store it in a stopped node’s data directory)',
        });
      }
      if (flags.current) {
        const held = parseStatusListFrom(await readJsonFile(flags.current, 'status list', ctx), flags.current);
        if (held.id !== list) {
          throw new CliError('STATUS_LIST_MISMATCH', `${flags.current} is status list ${held.id}, not ${list}`, {
            hint: 'give the current version of the list named by the accreditation',
          });
        }
        const next = await nextStatusListVersion(held, [{ index, value: 1 }], keyPair, { now: ctx.now() });
        if (!next.changed) return alreadyWithdrawn(out, list, index);
        return deliverRecord(
          out,
          ctx,
          next.credential,
          { ...flags, node: node ?? undefined },
          withdrawnSummary(list, index, next.validFrom),
          'status list',
        );
      }
      if (flags.data) {
        const { registry } = await openDataDir(config.values, { now: ctx.now });
        try {
          const state = registry.statusList(list);
          if (!state && !flags.newList) throw unknownList(list, config.values.dataDir);
          const next = await nextOrFirstVersion(
            state?.list ?? null,
            { id: list, purpose: 'revocation' },
            [{ index, value: 1 }],
            keyPair,
            { now: ctx.now() },
          );
          if (!next.changed) return alreadyWithdrawn(out, list, index);
          if (flags.out || node) {
            return deliverRecord(
              out,
              ctx,
              next.credential,
              { ...flags, node: node ?? undefined },
              withdrawnSummary(list, index, next.validFrom),
              'status list',
            );
          }
          // Stored through the registry's own validation, like any record; the node gossips it on start.
          const outcome = await registry.submit(next.credential);
          if (outcome.status !== 'accept') {
            throw new CliError(
              'STATUS_LIST_REFUSED',
              `the new list version was refused: ${outcome.error.code}: ${outcome.error.message}`,
              {
                exitCode: EXIT.NOT_VERIFIED,
              },
            );
          }
          out.result({ ...withdrawnSummary(list, index, next.validFrom), storedIn: config.values.dataDir }, (r) => [
            `withdrawn: entry ${r.index} of ${r.list} is set (version ${r.validFrom})`,
            `stored in ${r.storedIn}; the node publishes it to its peers when it starts`,
          ]);
          return EXIT.OK;
        } finally {
          await registry.close();
        }
      }
      if (!node) {
        throw new CliError('SOURCE_MISSING', `cannot read the current version of ${list}`, {
          hint: 'give --node URL, --data DIR, or --current FILE',
        });
      }
      const client = new NodeClient({ baseUrl: node, token: config.values.token });
      const fetched = await client.statusList(list);
      if (!fetched && !flags.newList) throw unknownList(list, node);
      const held = fetched ? parseStatusListFrom(fetched, `${node}: ${list}`) : null;
      const next = await nextOrFirstVersion(held, { id: list, purpose: 'revocation' }, [{ index, value: 1 }], keyPair, {
        now: ctx.now(),
      });
      if (!next.changed) return alreadyWithdrawn(out, list, index);
      return deliverRecord(
        out,
        ctx,
        next.credential,
        { ...flags, node },
        withdrawnSummary(list, index, next.validFrom),
        'status list',
      );
    }),
  );
}

async function withdrawalTarget(ctx: CommandContext, flags: WithdrawFlags): Promise<{ list: string; index: number }> {
  if (flags.accreditation) {
    if (flags.list || flags.index !== undefined) {
      throw new CliError('WITHDRAWAL_AMBIGUOUS', 'give --accreditation, or --list with --index, not both', {
        hint: '--accreditation reads the list and index from the accreditation’s credentialStatus',
      });
    }
    const value = await readJsonFile(flags.accreditation, 'accreditation', ctx);
    const status = (value as { credentialStatus?: unknown }).credentialStatus;
    const entry = Array.isArray(status) ? status[0] : status;
    const list = (entry as { statusListCredential?: unknown } | undefined)?.statusListCredential;
    const index = Number((entry as { statusListIndex?: unknown } | undefined)?.statusListIndex);
    if (typeof list !== 'string' || !Number.isSafeInteger(index)) {
      throw new CliError('ACCREDITATION_NOT_WITHDRAWABLE', `${flags.accreditation} names no status list entry`, {
        hint: 'an accreditation issued without --withdrawal-list cannot be withdrawn; it lapses at its validUntil',
      });
    }
    return { list, index };
  }
  if (!flags.list || flags.index === undefined) {
    throw new CliError(
      'WITHDRAWAL_TARGET_MISSING',
      'which accreditation? give --accreditation FILE, or --list URL and --index N',
      {
        hint: 'the list and index are the accreditation’s credentialStatus (set by accredit --withdrawal-list/--withdrawal-index)',
      },
    );
  }
  return { list: flags.list, index: flags.index };
}

function withdrawnSummary(list: string, index: number, validFrom: string) {
  return { list, index, validFrom };
}

function alreadyWithdrawn(out: Output, list: string, index: number): ExitCode {
  out.result(
    { list, index, changed: false },
    (r) => `entry ${r.index} of ${r.list} is already set: nothing to publish`,
  );
  return EXIT.OK;
}

function unknownList(list: string, where: string): CliError {
  return new CliError('STATUS_LIST_UNKNOWN', `${where} holds no status list ${list}`, {
    hint: 'check the list URL; for the first withdrawal on a list of your own, add --new-list',
  });
}
