/**
 * The simulator's command line, callable from the `trustmesh` CLI (`runSimulationCli(args)`) or on
 * its own (`tsx packages/sim/src/main.ts simulate <scenario>`):
 *
 *     simulate <scenario> [--seeds N] [--out DIR] [--quiet] [--processes K | --agents URL,…]
 *                                                             run one scenario; exit 1 if an assertion fails
 *     simulate-all [--dir DIR] [--out DIR] [--seeds N] [--include-fast] [--processes K | --agents URL,…]
 *     validate <scenario>...                                  check scenario files only
 *     agent [--listen HOST:PORT] [--advertise IP]             serve nodes to a coordinator (multi-process)
 */
import { readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startAgent } from './distributed/agent.ts';
import { agentDeployment, processDeployment } from './distributed/deployments.ts';
import { READY_PREFIX, TOKEN_ENV } from './distributed/protocol.ts';
import { AgentError } from './distributed/remote-host.ts';
import { runExperiment } from './experiment.ts';
import type { DeployNodes, ProgressSnapshot } from './harness/run-types.ts';
import { formatValue } from './report/html.ts';
import { loadScenario, ScenarioError } from './scenario/scenario.ts';

/** Somewhere to write text (process.stdout, or the trustmesh CLI's output stream). */
export interface SimOutput {
  write(text: string): unknown;
  /** True on a terminal: progress is a redrawn bar rather than lines. */
  isTTY?: boolean;
}

/** Where the CLI writes. */
export interface CliModules {
  stdout?: SimOutput;
  stderr?: SimOutput;
  /** The clock for default run-directory names. */
  now?: () => Date;
}

/** The directory of the shipped scenarios. */
export const SCENARIOS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'scenarios');

const USAGE = `usage:
  simulate <scenario.yaml> [--seeds N] [--out DIR] [--quiet] [--processes K | --agents URL,...]
  simulate-all [--dir DIR] [--out DIR] [--seeds N] [--include-fast] [--processes K | --agents URL,...]
  validate <scenario.yaml>...
  agent [--listen HOST:PORT] [--advertise IP]     (token in ${TOKEN_ENV})

  --processes K   run the nodes in K agent processes on this machine, over TCP on loopback
  --agents URLs   run the nodes on running agents (trustmesh simulate-agent), token in ${TOKEN_ENV}`;

function stamp(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** A progress printer: a redrawn bar on a TTY, one line a second otherwise. */
function progressPrinter(out: SimOutput, quiet: boolean) {
  let lastLine = -1;
  return (label: string, s: ProgressSnapshot) => {
    if (quiet) return;
    const text = `${label} ${s.phase.padEnd(5)} t=${s.t.toFixed(0)}/${s.total}s up ${s.up}/${s.nodes} conn ${s.connections.toFixed(1)} updates ${s.updates} coverage ${(s.coverage * 100).toFixed(1)}% verifications ${s.verifications} stale ${s.stale} lag p99 ${s.lagP99Ms.toFixed(0)}ms`;
    if (out.isTTY) {
      const width = 24;
      const filled = Math.min(width, Math.round((s.t / Math.max(1, s.total)) * width));
      out.write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\x1b[K${s.phase === 'done' ? '\n' : ''}`,
      );
      return;
    }
    const second = Math.floor(s.t);
    if (second === lastLine && s.phase !== 'done') return;
    lastLine = second;
    out.write(`${text}\n`);
  };
}

async function simulateOne(
  path: string,
  flags: { seeds: number; out?: string; quiet: boolean; deploy?: DeployNodes; atLeastScenarioSeeds?: boolean },
  modules: Required<Pick<CliModules, 'stdout' | 'stderr' | 'now'>>,
): Promise<boolean> {
  const scenario = await loadScenario(path);
  // simulate-all runs at least the seeds a scenario asks for (faults whose outcome varies by seed).
  const seeds = flags.atLeastScenarioSeeds ? Math.max(flags.seeds, scenario.seeds) : flags.seeds;
  const outDir = resolve(flags.out ?? join('.trustmesh', 'sim', `${scenario.name}-${stamp(modules.now())}`));
  const say = (line: string) => {
    if (!flags.quiet) modules.stdout.write(`${line}\n`);
  };
  say(
    `simulating ${scenario.name}: ${scenario.nodes.count} nodes, ${scenario.duration} s, ${seeds} seed(s) → ${outDir}`,
  );
  const result = await runExperiment(
    scenario,
    { seeds, outDir },
    {
      progress: progressPrinter(modules.stdout, flags.quiet),
      log: say,
      ...(flags.deploy ? { deploy: flags.deploy } : {}),
    },
  );
  const key = [
    'deliveryRatio',
    'propagation.p50',
    'propagation.p99',
    'convergence.afterHeal',
    'staleAnswerRate',
    'bytesPerNode.gossip',
    'bytesPerNode.sync',
    'eventLoop.lagP99Ms',
  ];
  for (const path of key) {
    const ci = result.aggregate[path];
    if (!ci) continue;
    const interval = ci.halfWidth === null ? '' : ` ± ${formatValue(ci.halfWidth)}`;
    modules.stdout.write(`  ${path.padEnd(24)} ${formatValue(ci.mean)}${interval}\n`);
  }
  modules.stdout.write(
    `${result.passed ? 'PASSED' : 'FAILED'} ${scenario.name}: report ${join(outDir, 'report.html')}\n`,
  );
  return result.passed;
}

/**
 * Runs the simulator's CLI with `args` (without the program name); resolves to the exit code:
 * 0 all assertions held, 1 an assertion failed, 2 bad usage or an invalid scenario.
 */
export async function runSimulationCli(args: string[], modules: CliModules = {}): Promise<number> {
  const stdout: SimOutput = modules.stdout ?? process.stdout;
  const stderr: SimOutput = modules.stderr ?? process.stderr;
  const io = { stdout, stderr, now: modules.now ?? (() => new Date()) };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        seeds: { type: 'string' },
        out: { type: 'string' },
        dir: { type: 'string' },
        quiet: { type: 'boolean' },
        'include-fast': { type: 'boolean' },
        processes: { type: 'string' },
        agents: { type: 'string' },
        listen: { type: 'string' },
        advertise: { type: 'string' },
        'exit-on-stdin-close': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  const values = parsed.values as {
    seeds?: string;
    out?: string;
    dir?: string;
    quiet?: boolean;
    'include-fast'?: boolean;
    processes?: string;
    agents?: string;
    listen?: string;
    advertise?: string;
    'exit-on-stdin-close'?: boolean;
    help?: boolean;
  };
  if (values.help || !command) {
    stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  const seeds = values.seeds === undefined ? 1 : Number(values.seeds);
  if (!Number.isInteger(seeds) || seeds < 1 || seeds > 1000) {
    stderr.write(`--seeds must be an integer from 1 to 1000, got "${values.seeds}"\n`);
    return 2;
  }
  const deploy = deploymentOf(values, stderr);
  if (deploy === 'invalid') return 2;
  try {
    switch (command) {
      case 'agent':
        return await serveAgent(values, { stdout, stderr }, values['exit-on-stdin-close'] ?? false);
      case 'simulate': {
        if (rest.length !== 1) {
          stderr.write(`simulate takes one scenario file\n${USAGE}\n`);
          return 2;
        }
        const ok = await simulateOne(
          rest[0]!,
          {
            seeds,
            ...(values.out ? { out: values.out } : {}),
            quiet: values.quiet ?? false,
            ...(deploy ? { deploy } : {}),
          },
          io,
        );
        return ok ? 0 : 1;
      }
      case 'simulate-all': {
        const dir = resolve(values.dir ?? SCENARIOS_DIR);
        const files = (await readdir(dir))
          .filter((f) => /\.(ya?ml|json)$/.test(f))
          .filter((f) => values['include-fast'] || !/-fast\.(ya?ml|json)$/.test(f))
          .sort();
        const base = resolve(values.out ?? join('.trustmesh', 'sim', `all-${stamp(io.now())}`));
        const results: [string, boolean][] = [];
        for (const file of files) {
          const name = file.replace(/\.(ya?ml|json)$/, '');
          results.push([
            name,
            await simulateOne(
              join(dir, file),
              {
                seeds,
                atLeastScenarioSeeds: true,
                out: join(base, name),
                quiet: values.quiet ?? false,
                ...(deploy ? { deploy } : {}),
              },
              io,
            ),
          ]);
        }
        for (const [name, ok] of results) stdout.write(`${ok ? 'PASSED' : 'FAILED'}  ${name}\n`);
        return results.every(([, ok]) => ok) ? 0 : 1;
      }
      case 'validate': {
        let ok = true;
        for (const file of rest) {
          try {
            const scenario = await loadScenario(file);
            stdout.write(
              `ok  ${file}: ${scenario.name}, ${scenario.nodes.count} nodes, ${scenario.timeline.length} timeline actions\n`,
            );
          } catch (error) {
            if (!(error instanceof ScenarioError)) throw error;
            ok = false;
            stderr.write(`${error.message}\n`);
          }
        }
        return ok ? 0 : 2;
      }
      default:
        stderr.write(`unknown command "${command}"\n${USAGE}\n`);
        return 2;
    }
  } catch (error) {
    if (error instanceof ScenarioError) {
      stderr.write(`${error.message}\n`);
      return 2;
    }
    // An agent that refuses the token or cannot be reached is the deployment's fault, not a bug.
    if (error instanceof AgentError) {
      const hint = /bearer token/.test(error.message)
        ? `start every agent with the coordinator's ${TOKEN_ENV}`
        : /unreachable/.test(error.message)
          ? 'check that every agent runs (trustmesh simulate-agent), and give --agents the URLs they print'
          : 'see the agent’s output';
      stderr.write(`${error.message}\nhint: ${hint}\n`);
      return 2;
    }
    throw error;
  }
}

/** The deployment the flags ask for: undefined (one process), or 'invalid' after writing why. */
function deploymentOf(
  values: { processes?: string; agents?: string },
  stderr: SimOutput,
): DeployNodes | undefined | 'invalid' {
  if (values.processes !== undefined && values.agents !== undefined) {
    stderr.write('--processes and --agents: give one or the other\n');
    return 'invalid';
  }
  if (values.processes !== undefined) {
    const count = Number(values.processes);
    if (!Number.isInteger(count) || count < 1 || count > 64) {
      stderr.write(`--processes must be an integer from 1 to 64, got "${values.processes}"\n`);
      return 'invalid';
    }
    return processDeployment(count);
  }
  if (values.agents !== undefined) {
    const urls = values.agents.split(',').map((u) => u.trim().replace(/\/+$/, ''));
    const bad = urls.find((u) => !/^https?:\/\/[^/]+$/.test(u));
    if (bad !== undefined) {
      stderr.write(`--agents must be comma-separated URLs such as http://10.0.0.2:7900, got "${bad}"\n`);
      return 'invalid';
    }
    const token = process.env[TOKEN_ENV];
    if (!token) {
      stderr.write(`--agents needs the agents' shared token in ${TOKEN_ENV}\n`);
      return 'invalid';
    }
    return agentDeployment(urls, token);
  }
  return undefined;
}

/** Runs an agent until SIGINT/SIGTERM (or, when spawned by a coordinator, until its stdin closes). */
async function serveAgent(
  values: { listen?: string; advertise?: string },
  io: { stdout: SimOutput; stderr: SimOutput },
  exitOnStdinClose: boolean,
): Promise<number> {
  const listen = values.listen ?? '127.0.0.1:7900';
  const match = /^(.+):(\d+)$/.exec(listen);
  const port = match ? Number(match[2]) : Number.NaN;
  if (!match || port > 65535) {
    io.stderr.write(`--listen must be HOST:PORT, got "${listen}"\n`);
    return 2;
  }
  const token = process.env[TOKEN_ENV];
  if (!token || token.length < 16) {
    io.stderr.write(`an agent needs a shared token of at least 16 characters in ${TOKEN_ENV}\n`);
    return 2;
  }
  const agent = await startAgent({
    host: match[1]!,
    port,
    token,
    ...(values.advertise ? { advertise: values.advertise } : {}),
  });
  io.stdout.write(`${READY_PREFIX}${agent.url}\n`);
  // `on`, not `once`, and kept to the end: Ctrl-C (or a signal to the process group) reaches both the
  // workspace's `trustmesh` launcher and this process, and the launcher forwards it again; that second
  // signal, arriving during the stop or (the stop of an idle agent takes a millisecond) just after it
  // while the process drains, must not kill the agent by signal (issue 15). Nothing keeps the process
  // alive once the agent has closed, so it exits on its own.
  let stop = () => {};
  const stopping = () => stop();
  process.on('SIGINT', stopping);
  process.on('SIGTERM', stopping);
  await new Promise<void>((resolve) => {
    stop = resolve;
    if (exitOnStdinClose) {
      process.stdin.once('end', resolve);
      process.stdin.once('close', resolve);
      process.stdin.resume();
    }
  });
  await agent.close();
  return 0;
}
