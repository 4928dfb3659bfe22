/**
 * Plots as SVG: Vega-Lite specifications compiled to Vega and rendered headless by `View.toSVG()`
 * (no canvas, no browser). Each function takes the runs of one experiment (seeds, sweep points).
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { RunMetrics, RunSeries } from '../metrics/summary.ts';
import { isLatencyMetric, parseAssertion } from './units.ts';

/** One run as the plots see it. */
export interface PlotRun {
  label: string;
  nodes: number;
  metrics: RunMetrics;
  series: RunSeries;
}

/** Renders a Vega-Lite spec to an SVG string. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const WIDTH = 560;
const HEIGHT = 300;

/** A latency threshold from an assertion (e.g. `propagation.p99 < 2000`), drawn on the CDF. */
export interface LatencyThreshold {
  text: string;
  /** ms */
  value: number;
  /** The fraction of deliveries the metric is a percentile of (0.99 for p99; 1 for max). */
  fraction: number;
  passed: boolean | null;
}

/** Latency thresholds of the scenario's assertions, with whether each held in every run. */
export function latencyThresholds(
  assertions: readonly string[],
  results: readonly { text: string; passed: boolean }[] = [],
): LatencyThreshold[] {
  return assertions.flatMap((text) => {
    const parsed = parseAssertion(text);
    if (!parsed || !isLatencyMetric(parsed.metric)) return [];
    const percentile = /P?(\d+)$/.exec(parsed.metric.split('.').at(-1) ?? '')?.[1];
    const fraction = percentile ? Number(percentile) / 100 : 1;
    const same = results.filter((r) => r.text === text);
    return [{ text, value: parsed.value, fraction, passed: same.length === 0 ? null : same.every((r) => r.passed) }];
  });
}

/** Empirical CDF of propagation latencies, one line per run, with the assertions' thresholds. */
export function latencyCdfSpec(runs: PlotRun[], thresholds: readonly LatencyThreshold[] = []): TopLevelSpec {
  const values = runs.flatMap((run) => {
    const sorted = [...run.series.latencies].sort((a, b) => a - b);
    // Thinned to ≤ 400 points per run: the shape of a CDF needs no more.
    const step = Math.max(1, Math.floor(sorted.length / 400));
    return sorted
      .filter((_, i) => i % step === 0 || i === sorted.length - 1)
      .map((latency, i, all) => ({
        run: run.label,
        latencyMs: Math.max(latency, 0.1),
        fraction: (i + 1) / all.length,
      }));
  });
  const rules = thresholds.map((t) => ({
    latencyMs: Math.max(t.value, 0.1),
    label: `${t.text}${t.passed === null ? '' : t.passed ? ' ✓' : ' ✗'}`,
    colour: t.passed === false ? '#cf222e' : '#1a7f37',
  }));
  const line = {
    data: { values },
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 'latencyMs', type: 'quantitative', scale: { type: 'log' }, title: 'latency (ms, log)' },
      y: { field: 'fraction', type: 'quantitative', title: 'fraction of deliveries', scale: { domain: [0, 1] } },
      color: { field: 'run', type: 'nominal', title: 'run' },
    },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Propagation latency (CDF over update × node)${rules.length > 0 ? ', with the thresholds asserted' : ''}`,
    width: WIDTH,
    height: HEIGHT,
    layer: [
      line,
      ...(rules.length > 0
        ? [
            {
              data: { values: rules },
              mark: { type: 'rule', strokeDash: [4, 3], strokeWidth: 1.5 },
              encoding: {
                x: { field: 'latencyMs', type: 'quantitative' },
                color: { field: 'colour', type: 'nominal', scale: null },
              },
            },
            {
              data: { values: rules },
              mark: { type: 'text', align: 'left', dx: 3, dy: 10, fontSize: 9 },
              encoding: {
                x: { field: 'latencyMs', type: 'quantitative' },
                y: { value: 0 },
                text: { field: 'label' },
                color: { field: 'colour', type: 'nominal', scale: null },
              },
            },
          ]
        : []),
    ],
  } as TopLevelSpec;
}

/**
 * Coverage of each update against the time since its publication (first run): every update starts
 * at 0, so their shapes compare — how fast most nodes have it, and how long the last ones take.
 * Lines are coloured by when the update was published, so those published during a fault stand out.
 */
export function coverageSpec(run: PlotRun, maxUpdates = 60): TopLevelSpec {
  const updates = run.series.coverage;
  const step = Math.max(1, Math.ceil(updates.length / maxUpdates));
  const lines = updates
    .filter((_, i) => i % step === 0)
    .flatMap((u) =>
      [...u.deliveries]
        .sort((a, b) => a - b)
        .map((d, i) => ({
          update: u.update,
          publishedS: u.publishedAt / 1000,
          // Log axis: a delivery in the same millisecond is drawn at 0.1 ms.
          sinceMs: Math.max(0.1, d - u.publishedAt),
          coverage: (i + 1) / Math.max(1, u.expected),
        })),
    );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Coverage of each update since its publication (${run.label}; ${Math.ceil(updates.length / step)} of ${updates.length} updates)`,
    width: WIDTH,
    height: HEIGHT,
    data: { values: lines },
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1, opacity: 0.7 },
    encoding: {
      x: { field: 'sinceMs', type: 'quantitative', scale: { type: 'log' }, title: 'time since publication (ms, log)' },
      y: { field: 'coverage', type: 'quantitative', title: 'fraction of nodes holding it', scale: { domain: [0, 1] } },
      detail: { field: 'update', type: 'nominal' },
      color: {
        field: 'publishedS',
        type: 'quantitative',
        title: 'published at (s)',
        scale: { scheme: 'viridis' },
      },
    },
  } as TopLevelSpec;
}

/** Convergence time after a heal against the partition's length, over all runs. */
export function convergenceSpec(runs: PlotRun[]): TopLevelSpec {
  const values = runs.flatMap((run) =>
    run.series.convergence
      .filter((c) => c.convergenceMs !== null)
      .map((c) => ({ run: run.label, partitionS: c.partitionMs / 1000, convergenceS: c.convergenceMs! / 1000 })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Convergence after heal vs partition length',
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: 'point', filled: true, size: 60 },
    // From zero, with plain tick labels: a single point otherwise gets a zero-width domain and ticks
    // like 0.000000 (issue 15 item 9).
    encoding: {
      x: {
        field: 'partitionS',
        type: 'quantitative',
        title: 'partition length (s)',
        scale: { zero: true, nice: true },
        axis: { format: '~g' },
      },
      y: {
        field: 'convergenceS',
        type: 'quantitative',
        title: 'convergence after heal (s)',
        scale: { zero: true, nice: true },
        axis: { format: '~g' },
      },
      color: { field: 'run', type: 'nominal' },
    },
  } as TopLevelSpec;
}

/** Bytes of each anti-entropy round against the number of differing items. */
export function syncBytesSpec(runs: PlotRun[]): TopLevelSpec {
  const values = runs.flatMap((run) =>
    run.series.rounds
      .slice(0, 2000)
      .map((r) => ({ run: run.label, differences: r.differences, bytes: Math.max(1, r.bytes) })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Anti-entropy: bytes per round vs differences',
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: 'point', opacity: 0.6 },
    encoding: {
      x: { field: 'differences', type: 'quantitative', title: 'differing items in the round' },
      y: { field: 'bytes', type: 'quantitative', scale: { type: 'log' }, title: 'bytes (both ways, log)' },
      color: { field: 'run', type: 'nominal' },
    },
  } as TopLevelSpec;
}

/**
 * Bytes per node (gossip, sync, wire) against the node count, one point per run; with a single node
 * count (no sweep over N) a scatter would be one column of dots, so it is bars per kind and run.
 */
export function bytesPerNodeSpec(runs: PlotRun[]): TopLevelSpec {
  const values = runs.flatMap((run) =>
    (['gossip', 'sync', 'wire'] as const).map((kind) => ({
      run: run.label,
      nodes: run.nodes,
      kind,
      kilobytes: run.metrics.bytesPerNode[kind] / 1024,
    })),
  );
  const counts = new Set(runs.map((r) => r.nodes));
  if (counts.size <= 1) {
    return {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: `Bytes per node (N = ${[...counts][0] ?? 0})`,
      width: WIDTH,
      height: HEIGHT,
      data: { values },
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'kind', type: 'nominal', title: null, axis: { labelAngle: 0 } },
        xOffset: { field: 'run', type: 'nominal' },
        y: {
          field: 'kilobytes',
          type: 'quantitative',
          title: 'KiB per node (sent + received)',
          axis: { format: '~s' },
        },
        color: { field: 'run', type: 'nominal' },
      },
    } as TopLevelSpec;
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Bytes per node vs N',
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: 'point', filled: true, size: 70 },
    encoding: {
      x: { field: 'nodes', type: 'quantitative', title: 'nodes (N)', scale: { zero: false }, axis: { format: '~g' } },
      y: { field: 'kilobytes', type: 'quantitative', title: 'KiB per node (sent + received)', axis: { format: '~s' } },
      color: { field: 'kind', type: 'nominal' },
      shape: { field: 'kind', type: 'nominal' },
    },
  } as TopLevelSpec;
}

/** What the plots draw besides the runs: the scenario's assertions and how each run fared. */
export interface PlotOptions {
  assertions?: readonly string[];
  results?: readonly { text: string; passed: boolean }[];
}

/** Every plot of an experiment, as named SVG strings. */
export async function renderPlots(
  runs: PlotRun[],
  options: PlotOptions = {},
): Promise<{ name: string; title: string; svg: string }[]> {
  const first = runs[0];
  const thresholds = latencyThresholds(options.assertions ?? [], options.results ?? []);
  const specs: [string, string, TopLevelSpec | null][] = [
    ['latency-cdf', 'Propagation latency CDF', latencyCdfSpec(runs, thresholds)],
    ['coverage', 'Coverage since publication', first ? coverageSpec(first) : null],
    [
      'convergence-vs-partition',
      'Convergence vs partition length',
      runs.some((r) => r.series.convergence.length > 0) ? convergenceSpec(runs) : null,
    ],
    [
      'sync-bytes-vs-difference',
      'Sync bytes vs difference',
      runs.some((r) => r.series.rounds.length > 0) ? syncBytesSpec(runs) : null,
    ],
    ['bytes-per-node-vs-n', 'Bytes per node vs N', bytesPerNodeSpec(runs)],
  ];
  const out: { name: string; title: string; svg: string }[] = [];
  for (const [name, title, spec] of specs) if (spec) out.push({ name, title, svg: await renderSvg(spec) });
  return out;
}
