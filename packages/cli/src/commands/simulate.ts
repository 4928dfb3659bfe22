/**
 * `trustmesh simulate <scenario>`: runs an outage simulation (packages/sim); `trustmesh
 * simulate-agent` serves a share of a larger simulation's nodes to a coordinator on another machine.
 * The simulator is loaded only when these commands run, so no other command pays for it.
 */
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context.ts';
import type { ExitCode } from '../output.ts';

/** Registers `simulate` and `simulate-agent`. */
export function registerSimulateCommand(program: Command, ctx: CommandContext): void {
  program
    .command('simulate <scenario>')
    .description('run an outage simulation scenario (a file, or a shipped name such as regional-partition)')
    .option('--seeds <n>', 'number of seeds to run (means with 95 % confidence intervals)', '1')
    .option('--out <dir>', 'run directory (default ./.trustmesh/sim/<scenario>-<time>)')
    .option('--quiet', 'no progress lines')
    .option('--processes <n>', 'run the nodes in n agent processes on this machine, over TCP on loopback')
    .option('--agents <urls>', 'run the nodes on running agents (comma-separated URLs; token in TRUSTMESH_SIM_TOKEN)')
    .action(
      async (
        scenario: string,
        options: { seeds: string; out?: string; quiet?: boolean; processes?: string; agents?: string },
        command: Command,
      ) =>
        ctx.run(command, async () => {
          const { runSimulationCli, SCENARIOS_DIR } = await import('@trustmesh/sim');
          // A bare name (`regional-partition`, `scale/scale-100`) is a shipped scenario; else a path.
          const file = /^[a-z0-9-]+(\/[a-z0-9-]+)?$/.test(scenario)
            ? join(SCENARIOS_DIR, `${scenario}.yaml`)
            : resolve(ctx.cwd, scenario);
          const args = ['simulate', file, '--seeds', options.seeds];
          if (options.out) args.push('--out', options.out);
          if (options.quiet) args.push('--quiet');
          if (options.processes) args.push('--processes', options.processes);
          if (options.agents) args.push('--agents', options.agents);
          return (await runSimulationCli(args, { stdout: ctx.stdout, stderr: ctx.stderr })) as ExitCode;
        }),
    );
  program
    .command('simulate-agent')
    .description('serve simulation nodes to a coordinator (trustmesh simulate --agents); token in TRUSTMESH_SIM_TOKEN')
    .option('--listen <host:port>', 'control API address', '127.0.0.1:7900')
    .option('--advertise <ip>', 'address the nodes listen on and other machines dial (default: the listen host)')
    .action(async (options: { listen: string; advertise?: string }, command: Command) =>
      ctx.run(command, async () => {
        const { runSimulationCli } = await import('@trustmesh/sim');
        const args = ['agent', '--listen', options.listen];
        if (options.advertise) args.push('--advertise', options.advertise);
        return (await runSimulationCli(args, { stdout: ctx.stdout, stderr: ctx.stderr })) as ExitCode;
      }),
    );
}
