/**
 * The simulator's command line, callable from the `trustmesh` CLI (`runSimulationCli(args)`) or on
 * its own (`tsx packages/sim/src/main.ts simulate <scenario>`):
 *
 *     simulate <scenario> [--seeds N] [--out DIR] [--quiet]   run one scenario; exit 1 if an assertion fails
 *     simulate-all [--dir DIR] [--out DIR] [--seeds N] [--include-fast]   every shipped scenario
 *     validate <scenario>...                                  check scenario files only
 */
import { readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runExperiment } from './experiment.ts';
import type { ProgressSnapshot } from './harness/simulation.ts';
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
  simulate <scenario.yaml> [--seeds N] [--out DIR] [--quiet]
  simulate-all [--dir DIR] [--out DIR] [--seeds N] [--include-fast]
  validate <scenario.yaml>...`;

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
  flags: { seeds: number; out?: string; quiet: boolean },
  modules: Required<Pick<CliModules, 'stdout' | 'stderr' | 'now'>>,
): Promise<boolean> {
  const scenario = await loadScenario(path);
  const outDir = resolve(flags.out ?? join('.trustmesh', 'sim', `${scenario.name}-${stamp(modules.now())}`));
  const say = (line: string) => {
    if (!flags.quiet) modules.stdout.write(`${line}\n`);
  };
  say(
    `simulating ${scenario.name}: ${scenario.nodes.count} nodes, ${scenario.duration} s, ${flags.seeds} seed(s) → ${outDir}`,
  );
  const result = await runExperiment(
    scenario,
    { seeds: flags.seeds, outDir },
    { progress: progressPrinter(modules.stdout, flags.quiet), log: say },
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
  try {
    switch (command) {
      case 'simulate': {
        if (rest.length !== 1) {
          stderr.write(`simulate takes one scenario file\n${USAGE}\n`);
          return 2;
        }
        const ok = await simulateOne(
          rest[0]!,
          { seeds, ...(values.out ? { out: values.out } : {}), quiet: values.quiet ?? false },
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
            await simulateOne(join(dir, file), { seeds, out: join(base, name), quiet: values.quiet ?? false }, io),
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
    throw error;
  }
}
