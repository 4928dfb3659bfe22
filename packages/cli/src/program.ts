/**
 * The `trustmesh` command: a commander program whose commands live in `commands/`, one file per
 * command group. {@link runCli} runs it against an explicit environment and returns the exit code
 * (0 ok / verified, 1 not verified, 2 usage error or could not decide).
 */
import { Command, CommanderError } from 'commander';
import { type CliEnvironment, createCommandContext } from './command-context.ts';
import { registerAccreditCommands } from './commands/accredit.ts';
import { registerConfigCommands } from './commands/config.ts';
import { registerDemoCommand } from './commands/demo.ts';
import { registerExportImportCommands } from './commands/export-import.ts';
import { registerGovernanceCommands } from './commands/governance.ts';
import { registerIssuerCommands } from './commands/issuer.ts';
import { registerKeysCommands } from './commands/keys.ts';
import { registerNetworkCommands } from './commands/network.ts';
import { registerNodeCommands } from './commands/node.ts';
import { registerPublishCommand } from './commands/publish.ts';
import { registerReadCommands } from './commands/read.ts';
import { registerSimulateCommand } from './commands/simulate.ts';
import { registerUpCommand } from './commands/up.ts';
import { registerVerifyCommand } from './commands/verify.ts';
import { registerVerifyCertCommand } from './commands/verify-cert.ts';
import { registerWithdrawCommand } from './commands/withdraw.ts';
import { EXIT, type ExitCode } from './output.ts';

/** Version printed by `trustmesh --version`. */
export const CLI_VERSION = '0.1.0';

/** Builds the program; `exit` receives the exit code of the action that ran. */
export function createProgram(environment: CliEnvironment, exit: (code: ExitCode) => void): Command {
  const program = new Command('trustmesh');
  // Set before adding commands: subcommands copy these settings when they are created.
  program
    .description('trustmesh: a decentralized trust registry and revocation network')
    .version(CLI_VERSION)
    // Program options only before the command name: `governance propose --version 3` is the
    // proposal's version, not a request for the CLI's.
    .enablePositionalOptions()
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({
      writeOut: (text) => environment.stdout.write(text),
      writeErr: (text) => environment.stderr.write(text),
    });
  const ctx = createCommandContext(environment, exit);
  registerUpCommand(program, ctx);
  registerDemoCommand(program, ctx);
  registerNodeCommands(program, ctx);
  registerKeysCommands(program, ctx);
  registerNetworkCommands(program, ctx);
  registerGovernanceCommands(program, ctx);
  registerAccreditCommands(program, ctx);
  registerWithdrawCommand(program, ctx);
  registerPublishCommand(program, ctx);
  registerIssuerCommands(program, ctx);
  registerVerifyCommand(program, ctx);
  registerVerifyCertCommand(program, ctx);
  registerReadCommands(program, ctx);
  registerExportImportCommands(program, ctx);
  registerConfigCommands(program, ctx);
  registerSimulateCommand(program, ctx);
  return program;
}

/** Runs the CLI on `argv` (without the node and script paths) and returns the exit code. */
export async function runCli(argv: readonly string[], environment: CliEnvironment): Promise<ExitCode> {
  let code: ExitCode = EXIT.OK;
  const program = createProgram(environment, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // --help and --version exit 0; help shown for a missing subcommand, and every parse error
    // (commander has printed it), are usage errors.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.OK;
    return error.exitCode === 0 ? EXIT.OK : EXIT.UNDECIDED;
  }
  return code;
}
