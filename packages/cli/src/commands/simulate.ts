/**
 * `trustmesh simulate <scenario>`: runs an outage simulation (packages/sim). The simulator is
 * loaded only when this command runs, so no other command pays for it (vega, many nodes).
 */
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context.ts';
import type { ExitCode } from '../output.ts';

/** Registers `simulate`. */
export function registerSimulateCommand(program: Command, ctx: CommandContext): void {
  program
    .command('simulate <scenario>')
    .description('run an outage simulation scenario (a file, or a shipped name such as regional-partition)')
    .option('--seeds <n>', 'number of seeds to run (means with 95 % confidence intervals)', '1')
    .option('--out <dir>', 'run directory (default ./.trustmesh/sim/<scenario>-<time>)')
    .option('--quiet', 'no progress lines')
    .action(async (scenario: string, options: { seeds: string; out?: string; quiet?: boolean }, command: Command) =>
      ctx.run(command, async () => {
        const { runSimulationCli, SCENARIOS_DIR } = await import('@trustmesh/sim');
        // A bare name (`regional-partition`) means a shipped scenario; anything else is a path.
        const file = /^[a-z0-9-]+$/.test(scenario)
          ? join(SCENARIOS_DIR, `${scenario}.yaml`)
          : resolve(ctx.cwd, scenario);
        const args = ['simulate', file, '--seeds', options.seeds];
        if (options.out) args.push('--out', options.out);
        if (options.quiet) args.push('--quiet');
        return (await runSimulationCli(args, { stdout: ctx.stdout, stderr: ctx.stderr })) as ExitCode;
      }),
    );
}
