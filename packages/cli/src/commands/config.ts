/**
 * `trustmesh config show`: the settings every command would use here, and where each came from
 * (the data directory's config.json, a TRUSTMESH_* variable, a flag, or the default). The token is
 * masked.
 */
import type { Command } from 'commander';
import {
  addOptions,
  type CommandContext,
  dataOption,
  jsonOption,
  networkOption,
  nodeOptions,
} from '../command-context.ts';
import type { ConfigFlags } from '../config.ts';
import { EXIT } from '../output.ts';

interface ShowFlags extends ConfigFlags {
  json?: boolean;
}

/** Registers `config show`. */
export function registerConfigCommands(program: Command, ctx: CommandContext): void {
  const config = program.command('config').description('inspect configuration');
  addOptions(
    config
      .command('show')
      .description(
        'print the settings in effect and their sources: config.json in the data directory < TRUSTMESH_* variables < flags',
      ),
    [dataOption(), networkOption(), ...nodeOptions('to talk to'), jsonOption()],
  ).action((flags: ShowFlags, command: Command) =>
    ctx.run(command, async (out) => {
      const loaded = await ctx.config(flags);
      const settings = Object.fromEntries(
        (Object.keys(loaded.values) as (keyof typeof loaded.values)[]).map((name) => {
          const value = loaded.values[name];
          // The token authorises writes: show that it is set, never what it is.
          const shown = name === 'token' && value !== null ? '(set)' : value;
          return [name, { value: shown, source: loaded.sources[name] }];
        }),
      );
      out.result(
        { configFile: loaded.file, configFileFound: loaded.fileFound, settings, unknownKeys: loaded.unknownKeys },
        (r) => [
          `config file: ${r.configFile}${r.configFileFound ? '' : ' (not found; defaults apply)'}`,
          ...Object.entries(r.settings).map(
            ([name, s]) => `${name.padEnd(8)} ${s.value === null ? '(not set)' : String(s.value)}  [${s.source}]`,
          ),
          ...(r.unknownKeys.length > 0 ? [`not used by this command: ${r.unknownKeys.join(', ')}`] : []),
        ],
      );
      return EXIT.OK;
    }),
  );
}
