/**
 * An experiment: one scenario run for each seed (and each value of its sweep), summarised, checked
 * against its assertions, and written to a run directory:
 *
 *     <out>/scenario.json           the scenario as run (defaults resolved) with the seeds
 *     <out>/runs/<label>/events.jsonl   the event log of each run
 *     <out>/runs/<label>/metrics.json   its metrics and assertion results
 *     <out>/summary.json, summary.csv   every run's metrics and the means with 95 % CIs
 *     <out>/plots/*.svg             the plots
 *     <out>/report.html             everything above in one self-contained page
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeployNodes, ProgressSnapshot } from './harness/run-types.ts';
import { runSimulation } from './harness/simulation.ts';
import { METRIC_PATHS, metricAt, WINDOW_METRICS } from './metrics/metric-paths.ts';
import { type MeanCi, meanCi } from './metrics/stats.ts';
import { type AssertionResult, checkAssertions, type RunMetrics, summarize } from './metrics/summary.ts';
import { renderHtmlReport } from './report/html.ts';
import { type PlotRun, renderPlots } from './report/plots.ts';
import { type Scenario, withValue } from './scenario/scenario.ts';

/** Settings of {@link runExperiment}. */
export interface ExperimentOptions {
  /** Number of seeds: the scenario's seed, seed + 1, … */
  seeds: number;
  /** The run directory. */
  outDir: string;
  /** Cache directory for pre-signed lists (default: the OS temp directory). */
  cacheDir?: string;
}

/** Environment of {@link runExperiment}. */
export interface ExperimentModules {
  progress?: (label: string, snapshot: ProgressSnapshot) => void;
  log?: (message: string) => void;
  /** Where the nodes run (default: all in this process). */
  deploy?: DeployNodes;
}

/** One run of an experiment. */
export interface ExperimentRun {
  label: string;
  seed: number;
  sweepValue: number | null;
  metrics: RunMetrics;
  assertions: AssertionResult[];
  passed: boolean;
}

/** What an experiment produced. */
export interface ExperimentResult {
  scenario: Scenario;
  outDir: string;
  runs: ExperimentRun[];
  aggregate: Record<string, MeanCi | null>;
  passed: boolean;
}

/** Notes every report carries: how to read the figures. */
export const REPORT_NOTES = [
  'Nodes share their process (one process by default; `processes` says how many ran them): CPU contention inflates latencies. Read propagation figures together with eventLoop.lag* (the worst process): when lag p99 approaches the latencies, the processes, not the protocol, are the bottleneck.',
  'CPU is summed over the node processes (process.cpuUsage; the coordinator that signs the workload is not included): the share of one node is not separable. memory.rssPerNodeMB is (RSS at the end − RSS before the nodes started), summed over processes, / N.',
  'Gossip bytes are gossipsub RPC bytes as gossipsub counts them (its metrics register); sync bytes are anti-entropy frame bytes (AntiEntropy counters); wire bytes are everything on the simulated links after Noise and Yamux. Each is counted at both ends and divided by N.',
  'Runs are in wall-clock time and gossipsub draws its own randomness: seeds make workloads, topologies and faults reproducible, not the exact timings; compare means with their confidence intervals.',
];

function runValues(metrics: RunMetrics, windowNames: string[]): Record<string, number | null> {
  const values: Record<string, number | null> = {};
  const paths = [...METRIC_PATHS, ...windowNames.flatMap((w) => WINDOW_METRICS.map((m) => `windows.${w}.${m}`))];
  for (const path of paths) {
    const value = metricAt(metrics, path);
    values[path] = typeof value === 'number' && Number.isFinite(value) ? value : null;
  }
  return values;
}

function csvCell(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Runs every seed (and sweep value) of a scenario and writes the run directory. */
export async function runExperiment(
  scenario: Scenario,
  options: ExperimentOptions,
  modules: ExperimentModules = {},
): Promise<ExperimentResult> {
  const startedAt = new Date().toISOString();
  const seeds = Array.from({ length: Math.max(1, options.seeds) }, (_, i) => (scenario.seed + i) >>> 0);
  await mkdir(join(options.outDir, 'plots'), { recursive: true });
  await writeFile(join(options.outDir, 'scenario.json'), `${JSON.stringify({ ...scenario, seeds }, null, 2)}\n`);
  const points: (number | null)[] = scenario.sweep ? scenario.sweep.values : [null];
  const runs: ExperimentRun[] = [];
  const plotRuns: PlotRun[] = [];
  const windowNames = scenario.windows.map((w) => w.name);
  for (const point of points) {
    for (const seed of seeds) {
      const variant =
        point === null ? { ...scenario, seed } : { ...withValue(scenario, scenario.sweep!.path, point), seed };
      const label = point === null ? `seed-${seed}` : `seed-${seed}-${scenario.sweep!.path}=${point}`;
      const dir = join(options.outDir, 'runs', label);
      await mkdir(dir, { recursive: true });
      modules.log?.(`run ${label}`);
      const raw = await runSimulation(
        variant,
        { eventLogPath: join(dir, 'events.jsonl'), ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}) },
        {
          ...(modules.progress ? { progress: (s: ProgressSnapshot) => modules.progress!(label, s) } : {}),
          ...(modules.log ? { log: modules.log } : {}),
          ...(modules.deploy ? { deploy: modules.deploy } : {}),
        },
      );
      const { metrics, series } = summarize(raw);
      const assertions = checkAssertions(variant.assertions, metrics);
      const passed = assertions.every((a) => a.passed);
      await writeFile(
        join(dir, 'metrics.json'),
        `${JSON.stringify({ label, seed, sweepValue: point, passed, assertions, metrics }, null, 2)}\n`,
      );
      runs.push({ label, seed, sweepValue: point, metrics, assertions, passed });
      plotRuns.push({ label, nodes: raw.nodes, metrics, series });
      for (const a of assertions)
        modules.log?.(`  ${a.passed ? 'pass' : 'FAIL'}  ${a.text}  (value ${a.actual ?? 'none'})`);
    }
  }

  const values = runs.map((r) => runValues(r.metrics, windowNames));
  const paths = Object.keys(values[0] ?? {});
  const aggregate: Record<string, MeanCi | null> = {};
  for (const path of paths) aggregate[path] = meanCi(values.map((v) => v[path]));
  const passed = runs.every((r) => r.passed);

  await writeFile(
    join(options.outDir, 'summary.json'),
    `${JSON.stringify({ scenario: scenario.name, seeds, startedAt, passed, runs, aggregate }, null, 2)}\n`,
  );
  const header = ['run', 'seed', 'sweep', ...paths];
  const rows = runs.map((r, i) => [r.label, r.seed, r.sweepValue, ...paths.map((p) => values[i]![p] ?? null)]);
  for (const [name, pick] of [
    ['mean', (c: MeanCi | null) => c?.mean ?? null],
    ['ci95_low', (c: MeanCi | null) => c?.low ?? null],
    ['ci95_high', (c: MeanCi | null) => c?.high ?? null],
  ] as const) {
    rows.push([name, null, null, ...paths.map((p) => pick(aggregate[p] ?? null))]);
  }
  await writeFile(
    join(options.outDir, 'summary.csv'),
    `${[header, ...rows].map((row) => row.map((c) => csvCell(c as string | number | null)).join(',')).join('\n')}\n`,
  );

  const plots = await renderPlots(plotRuns, {
    assertions: scenario.assertions,
    results: runs.flatMap((r) => r.assertions),
  });
  for (const plot of plots) await writeFile(join(options.outDir, 'plots', `${plot.name}.svg`), plot.svg);
  const html = renderHtmlReport({
    scenario,
    seeds,
    startedAt,
    runs: runs.map((r, i) => ({ label: r.label, passed: r.passed, assertions: r.assertions, values: values[i]! })),
    aggregate,
    plots,
    passed,
    notes: REPORT_NOTES,
  });
  await writeFile(join(options.outDir, 'report.html'), html);
  return { scenario, outDir: options.outDir, runs, aggregate, passed };
}
