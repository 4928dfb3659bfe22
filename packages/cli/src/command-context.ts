/**
 * What every command gets: the process environment passed in explicitly (streams, variables, working
 * directory, clock — CONVENTIONS.md, Modules), a runner that turns errors into exit codes, and the
 * option parsers commands share.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type ConfigFlags, type LoadedConfig, loadConfig } from './config.ts';
import type { StdinSource } from './files.ts';
import { type ExitCode, Output, type OutputStream, reportError } from './output.ts';

/** The process environment of one CLI run. */
export interface CliEnvironment extends StdinSource {
  stdout: OutputStream;
  stderr: OutputStream;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** The clock, ms since the epoch. */
  now: () => number;
  /**
   * Calls `handler` when the user asks the process to stop (SIGINT, SIGTERM), for commands that run
   * in the foreground (`start`, `up`, `demo`); returns a function that removes the handler. Absent
   * where the process's signals are not the command's to take (embedding, in-process tests).
   */
  onShutdown?: (handler: (signal: string) => void) => () => void;
}

/** What a command's action receives. */
export interface CommandContext extends CliEnvironment {
  /**
   * Runs an action: creates its {@link Output} from `--json`, and turns a thrown error into a
   * message and an exit code. The action returns its exit code (default 0).
   */
  run(command: Command, action: (out: Output) => Promise<ExitCode | undefined>): Promise<void>;
  /** Loads the configuration for these flags (see config.ts). */
  config(flags: ConfigFlags): Promise<LoadedConfig>;
}

/** Creates the context of one run; `exit` receives the run's exit code. */
export function createCommandContext(environment: CliEnvironment, exit: (code: ExitCode) => void): CommandContext {
  return {
    ...environment,
    async run(command, action) {
      const json = command.opts().json === true;
      const out = new Output(environment, { json });
      try {
        exit((await action(out)) ?? 0);
      } catch (error) {
        exit(reportError(error, environment, { json, debug: Boolean(environment.env.TRUSTMESH_DEBUG) }));
      }
    },
    config(flags) {
      return loadConfig(flags, environment.env, environment.cwd);
    },
  };
}

/** `--json`: print the result as one JSON document. */
export function jsonOption(): Option {
  return new Option('--json', 'print the result as JSON');
}

/** `--data DIR`: a node's data directory. */
export function dataOption(description = 'data directory (default ./.trustmesh, or TRUSTMESH_DATA_DIR)'): Option {
  return new Option('--data <dir>', description);
}

/** `--network FILE`: the network file. */
export function networkOption(): Option {
  return new Option('--network <file>', 'network file (default <data>/network.json, or TRUSTMESH_NETWORK)');
}

/** `--node URL`, and `--token-file FILE` or `--token TOKEN`: a node's HTTP API. */
export function nodeOptions(purpose: string): Option[] {
  return [
    new Option('--node <url>', `node API base URL ${purpose} (or TRUSTMESH_NODE)`),
    new Option(
      '--token-file <file>',
      'file holding the node’s write token, e.g. DATA_DIR/token (or TRUSTMESH_TOKEN_FILE)',
    ),
    new Option(
      '--token <token>',
      'the node’s write token (or TRUSTMESH_TOKEN); prefer --token-file: a command line is visible to other users',
    ),
  ];
}

/** `--force`: replace an existing output file. */
export function forceOption(): Option {
  return new Option('--force', 'replace the output file if it exists');
}

/** Adds options to a command. */
export function addOptions(command: Command, options: readonly Option[]): Command {
  for (const option of options) command.addOption(option);
  return command;
}

/** Parser of a positive integer option. */
export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError('must be a positive integer.');
  }
  return n;
}

/** Parser of a TCP port option (0–65535). */
export function tcpPort(value: string): number {
  const n = Number(value);
  if (!/^\d{1,5}$/.test(value) || n > 65_535) throw new InvalidArgumentError('must be a TCP port (0–65535).');
  return n;
}

/** Parser of a non-negative integer option. */
export function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('must be an integer ≥ 0.');
  return n;
}

/** Collector of a repeatable option. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Parser of a comma-separated list option. */
export function commaList(value: string): string[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0) throw new InvalidArgumentError('must list at least one item, separated by commas.');
  return items;
}

/** Milliseconds in `days` days. */
export function days(n: number): number {
  return n * 24 * 3600 * 1000;
}
