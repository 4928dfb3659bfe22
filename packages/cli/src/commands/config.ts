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
import type { ConfigFlags, LoadedConfig } from '../config.ts';
import { NODE_SETTING_ENV, resolveNodeSettings } from '../node-settings.ts';
import { CliError, EXIT } from '../output.ts';

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
      Object.assign(settings, nodeSettingsShown(loaded, ctx.env, ctx.cwd));
      out.result(
        { configFile: loaded.file, configFileFound: loaded.fileFound, settings, unknownKeys: loaded.unknownKeys },
        (r) => [
          `config file: ${r.configFile}${r.configFileFound ? '' : ' (not found; defaults apply)'}`,
          ...Object.entries(r.settings).map(
            ([name, s]) =>
              `${name.padEnd(20)} ${s.value === null ? '(not set)' : Array.isArray(s.value) ? s.value.join(', ') || '(none)' : String(s.value)}  [${s.source}]`,
          ),
          ...(r.unknownKeys.length > 0 ? [`not used by this command: ${r.unknownKeys.join(', ')}`] : []),
        ],
      );
      return EXIT.OK;
    }),
  );
}

/**
 * The settings of the node `trustmesh start` would run here (node-settings.ts), each with its source:
 * a TRUSTMESH_* variable, config.json, or the default. Flags of `start` are not known here.
 */
function nodeSettingsShown(
  loaded: LoadedConfig,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): Record<string, { value: unknown; source: string }> {
  let node: ReturnType<typeof resolveNodeSettings>;
  try {
    node = resolveNodeSettings(loaded.fileValues, env, {}, { dataDir: loaded.values.dataDir, cwd, file: loaded.file });
  } catch (error) {
    // `start` would refuse these settings: show why, beside the settings that do resolve.
    if (!(error instanceof CliError)) throw error;
    return { nodeSettings: { value: `invalid: ${error.message}`, source: 'file' } };
  }
  const api = (loaded.fileValues.api ?? {}) as Record<string, unknown>;
  const source = (variable: string | null, inFile: boolean) =>
    variable && env[variable] ? 'env' : inFile ? 'file' : 'default';
  return {
    listen: { value: node.listen, source: source(NODE_SETTING_ENV.listen, 'listen' in loaded.fileValues) },
    bootstrap: { value: node.bootstrap, source: source(NODE_SETTING_ENV.bootstrap, 'bootstrap' in loaded.fileValues) },
    'api.host': { value: node.api.host, source: source(NODE_SETTING_ENV.apiHost, 'host' in api) },
    'api.port': { value: node.api.port, source: source(NODE_SETTING_ENV.apiPort, 'port' in api) },
    'api.publicBaseUrl': {
      value: node.api.publicBaseUrl,
      source: source(NODE_SETTING_ENV.publicUrl, api.publicBaseUrl != null),
    },
    'api.tls': {
      value: node.api.tls ? `${node.api.tls.cert}, ${node.api.tls.key}` : null,
      source: source(
        env[NODE_SETTING_ENV.tlsCert] ? NODE_SETTING_ENV.tlsCert : NODE_SETTING_ENV.tlsKey,
        'tlsCert' in api,
      ),
    },
    'api.rateLimit': {
      value:
        node.api.rateLimit === undefined
          ? '6000/60 (the node’s default)'
          : node.api.rateLimit === null
            ? 'off'
            : `${node.api.rateLimit.max}/${node.api.rateLimit.windowMs / 1000}`,
      source: source(NODE_SETTING_ENV.rateLimit, 'rateLimit' in api),
    },
    issuerKey: {
      value: node.issuerKey,
      source: source(NODE_SETTING_ENV.issuerKey, loaded.fileValues.issuerKey != null),
    },
    suspensionList: {
      value: node.suspensionList,
      source: source(NODE_SETTING_ENV.suspensionList, loaded.fileValues.suspensionList != null),
    },
    contexts: { value: node.contexts.map((c) => c.url), source: source(null, 'contexts' in loaded.fileValues) },
    didWeb: { value: node.didWeb ? 'on' : 'off', source: source(null, loaded.fileValues.didWeb != null) },
  };
}
