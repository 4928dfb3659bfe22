/**
 * Configuration of the `trustmesh` command (issue 4): a file in the data directory
 * (`<dataDir>/config.json`), then environment variables (`TRUSTMESH_*`), then flags — each later
 * source overriding the earlier ones. Every command reads its settings through {@link loadConfig},
 * and `trustmesh config show` prints the result with where each value came from.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { CliError } from './output.ts';

/** The data directory used when neither `--data` nor TRUSTMESH_DATA_DIR names one. */
export const DEFAULT_DATA_DIR = '.trustmesh';
/** Name of the configuration file inside the data directory. */
export const CONFIG_FILE_NAME = 'config.json';
/** Name of the network file inside the data directory. */
export const NETWORK_FILE_NAME = 'network.json';
/** Environment variable naming the data directory (the config file lives there, so it cannot name it). */
export const DATA_DIR_ENV = 'TRUSTMESH_DATA_DIR';
/** Name of the file holding the node's write token inside the data directory (mode 0600). */
export const TOKEN_FILE_NAME = 'token';
/** Environment variable naming a file that holds the write token (like `--token-file`). */
export const TOKEN_FILE_ENV = 'TRUSTMESH_TOKEN_FILE';
/** Keys of config.json that configure the node `trustmesh start` runs (node-settings.ts reads them). */
export const NODE_SETTING_KEYS: readonly string[] = [
  'listen',
  'bootstrap',
  'api',
  'issuerKey',
  'suspensionList',
  'messageList',
  'contexts',
  'didWeb',
  'mirrorSources',
];

/** Settings the commands share. */
export interface CliConfig {
  /** The node's data directory: `db/` (LevelDB), `network.json`, `config.json`. */
  dataDir: string;
  /** Path of the network file (default `<dataDir>/network.json`). */
  network: string;
  /** Base URL of a node's HTTP API, for commands that talk to a node. */
  node: string | null;
  /**
   * Bearer token for the node's write routes. A secret: `config show` masks it, and no command
   * prints it. Besides the usual sources, the data directory's `token` file (written by
   * `trustmesh init`) counts as the file source; `--token-file FILE` and TRUSTMESH_TOKEN_FILE name
   * a file to read it from, so it never has to appear on a command line (visible to `ps`).
   */
  token: string | null;
}

/** Where a setting's value came from. */
export type ConfigSource = 'default' | 'file' | 'env' | 'flag';

/** The settings with the source of each. */
export interface LoadedConfig {
  values: CliConfig;
  sources: Record<keyof CliConfig, ConfigSource>;
  /** Path of the config file, whether or not it exists. */
  file: string;
  /** Whether the config file exists. */
  fileFound: boolean;
  /** Keys of the config file this version does not use (shown by `config show`, otherwise ignored). */
  unknownKeys: string[];
  /** The config file's object as read (empty without a file): node-settings.ts reads the node's keys from it. */
  fileValues: Readonly<Record<string, unknown>>;
}

/** Flags that override configuration (commander option names). */
export interface ConfigFlags {
  data?: string;
  network?: string;
  node?: string;
  token?: string;
  /** `--token-file FILE`: read the write token from this file. */
  tokenFile?: string;
}

/** Settings the file, the environment and flags may set, with their variable names. */
const SETTINGS = {
  network: { env: 'TRUSTMESH_NETWORK', kind: 'path' },
  node: { env: 'TRUSTMESH_NODE', kind: 'url' },
  token: { env: 'TRUSTMESH_TOKEN', kind: 'string' },
} as const satisfies Record<Exclude<keyof CliConfig, 'dataDir'>, { env: string; kind: 'path' | 'url' | 'string' }>;

type SettingName = keyof typeof SETTINGS;

/** The data directory: `--data`, else TRUSTMESH_DATA_DIR, else `./.trustmesh`, resolved against `cwd`. */
export function resolveDataDir(
  flags: Pick<ConfigFlags, 'data'>,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): { dataDir: string; source: ConfigSource } {
  if (flags.data) return { dataDir: resolve(cwd, flags.data), source: 'flag' };
  const fromEnv = env[DATA_DIR_ENV];
  if (fromEnv) return { dataDir: resolve(cwd, fromEnv), source: 'env' };
  return { dataDir: resolve(cwd, DEFAULT_DATA_DIR), source: 'default' };
}

/**
 * Loads the settings: defaults, then `<dataDir>/config.json` (paths in it are relative to the data
 * directory), then TRUSTMESH_* variables, then flags (paths relative to `cwd`). The data directory
 * itself comes from `--data` or TRUSTMESH_DATA_DIR, since the file lives in it.
 * @param flags - The command's flags.
 * @param env - The environment (process.env).
 * @param cwd - The directory relative paths in flags and variables are resolved against.
 * @throws CliError `CONFIG_INVALID` for an unreadable or malformed config file, or a bad value.
 */
export async function loadConfig(
  flags: ConfigFlags,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): Promise<LoadedConfig> {
  const dataDir = resolveDataDir(flags, env, cwd);
  const file = join(dataDir.dataDir, CONFIG_FILE_NAME);
  const values: CliConfig = {
    dataDir: dataDir.dataDir,
    network: join(dataDir.dataDir, NETWORK_FILE_NAME),
    node: null,
    token: null,
  };
  const sources: LoadedConfig['sources'] = {
    dataDir: dataDir.source,
    network: 'default',
    node: 'default',
    token: 'default',
  };

  const fromFile = await readConfigFile(file);
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    const raw = fromFile.values[name];
    if (raw === undefined) continue;
    if (typeof raw !== 'string' || raw === '') {
      throw new CliError('CONFIG_INVALID', `${file}: "${name}" must be a non-empty string`, {
        hint: `fix or remove "${name}" in ${file}`,
      });
    }
    set(name, raw, 'file', dataDir.dataDir, `"${name}" in ${file}`);
  }
  if (values.token === null) {
    const token = await readTokenFile(join(dataDir.dataDir, TOKEN_FILE_NAME));
    if (token !== null) {
      values.token = token;
      sources.token = 'file';
    }
  }
  const envTokenFile = env[TOKEN_FILE_ENV];
  if (envTokenFile && env[SETTINGS.token.env]) {
    throw new CliError('TOKEN_AMBIGUOUS', `both ${SETTINGS.token.env} and ${TOKEN_FILE_ENV} are set`, {
      hint: `unset one of them (${TOKEN_FILE_ENV} keeps the token off the environment)`,
    });
  }
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    const raw = env[SETTINGS[name].env];
    if (raw) set(name, raw, 'env', cwd, SETTINGS[name].env);
  }
  if (envTokenFile) {
    values.token = await readNamedTokenFile(resolve(cwd, envTokenFile), TOKEN_FILE_ENV);
    sources.token = 'env';
  }
  if (flags.token && flags.tokenFile) {
    throw new CliError('TOKEN_AMBIGUOUS', 'give --token or --token-file, not both', {
      hint: '--token-file FILE keeps the token off the command line',
    });
  }
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    const raw = flags[name];
    if (raw) set(name, raw, 'flag', cwd, `--${name}`);
  }
  if (flags.tokenFile) {
    values.token = await readNamedTokenFile(resolve(cwd, flags.tokenFile), '--token-file');
    sources.token = 'flag';
  }
  return {
    values,
    sources,
    file,
    fileFound: fromFile.found,
    unknownKeys: fromFile.unknownKeys,
    fileValues: fromFile.values,
  };

  function set(name: SettingName, raw: string, source: ConfigSource, base: string, origin: string): void {
    const kind = SETTINGS[name].kind;
    if (kind === 'path') values[name] = isAbsolute(raw) ? raw : resolve(base, raw);
    else if (kind === 'url') values[name] = checkUrl(raw, origin);
    else values[name] = raw;
    sources[name] = source;
  }
}

/** A node API base URL without trailing slash; http(s) only. */
export function checkUrl(raw: string, origin: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError('CONFIG_INVALID', `${origin}: "${raw}" is not a URL`, {
      hint: 'give the node API base URL, e.g. http://127.0.0.1:8080',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError('CONFIG_INVALID', `${origin}: "${raw}" must be an http: or https: URL`, {
      hint: 'give the node API base URL, e.g. http://127.0.0.1:8080',
    });
  }
  return raw.replace(/\/+$/, '');
}

/** The token in a data directory's `token` file, or null when there is none. */
async function readTokenFile(path: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CliError('CONFIG_INVALID', `cannot read the write token ${path} (${(error as Error).message})`, {
      hint: 'check the permissions of the data directory',
      cause: error,
    });
  }
  const token = text.trim();
  return token === '' ? null : token;
}

/** The token in a file the user named (`--token-file`, TRUSTMESH_TOKEN_FILE): it must exist and hold one. */
async function readNamedTokenFile(path: string, origin: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(
      'TOKEN_FILE_UNREADABLE',
      `${origin}: cannot read ${path} (${code ?? (error as Error).message})`,
      {
        hint: 'give the node’s token file: `token` in its data directory, written by `trustmesh init`',
        cause: error,
      },
    );
  }
  const token = text.trim();
  // The token is a single word (it goes into an Authorization header); say what is wrong, never what is in it.
  if (token === '' || /\s/.test(token)) {
    throw new CliError('TOKEN_FILE_INVALID', `${origin}: ${path} must hold the token alone, on one line`, {
      hint: 'give the node’s token file: `token` in its data directory, written by `trustmesh init`',
    });
  }
  return token;
}

async function readConfigFile(
  file: string,
): Promise<{ found: boolean; values: Record<string, unknown>; unknownKeys: string[] }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    // No config file is the normal case: every setting has a default.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { found: false, values: {}, unknownKeys: [] };
    throw new CliError('CONFIG_INVALID', `cannot read ${file} (${(error as Error).message})`, {
      hint: 'check the permissions of the data directory',
      cause: error,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliError('CONFIG_INVALID', `${file} is not valid JSON (${(error as Error).message})`, {
      hint: `fix the file, or remove it to use defaults`,
      cause: error,
    });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new CliError('CONFIG_INVALID', `${file} must hold a JSON object`, {
      hint: 'e.g. {"node": "http://127.0.0.1:8080"}',
    });
  }
  const values = value as Record<string, unknown>;
  // The node's own settings (written by `trustmesh init`) share the file; anything else is unknown.
  const unknownKeys = Object.keys(values).filter((k) => !(k in SETTINGS) && !NODE_SETTING_KEYS.includes(k));
  return { found: true, values, unknownKeys };
}
