/**
 * @trustmesh/cli — the `trustmesh` command. Exposed for tests and for embedding (the demo): run it
 * with {@link runCli}, or read settings the way every command does with {@link loadConfig}.
 */
export { BUNDLE_FORMAT, type Bundle, type ImportSummary } from './bundle.ts';
export type { CliEnvironment } from './command-context.ts';
export { type CliConfig, type ConfigFlags, type ConfigSource, type LoadedConfig, loadConfig } from './config.ts';
export { EXIT, type ExitCode } from './output.ts';
export { CLI_VERSION, createProgram, runCli } from './program.ts';
