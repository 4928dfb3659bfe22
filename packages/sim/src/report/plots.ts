/**
 * Plots as SVG: Vega-Lite specifications compiled to Vega and rendered headless by `View.toSVG()`
 * (no canvas, no browser). Each function takes the runs of one experiment (seeds, sweep points).
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { RunMetrics, RunSeries } from '../metrics/summary.ts';

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

/** Empirical CDF of propagation latencies, one line per run. */
export function latencyCdfSpec(runs: PlotRun[]): TopLevelSpec {
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
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Propagation latency (CDF over update × node)',
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 'latencyMs', type: 'quantitative', scale: { type: 'log' }, title: 'latency (ms, log)' },
      y: { field: 'fraction', type: 'quantitative', title: 'fraction of deliveries' },
      color: { field: 'run', type: 'nominal', title: 'run' },
    },
  } as TopLevelSpec;
}

/** Coverage of each update over time (first run), with fault markers. */
export function coverageSpec(run: PlotRun, maxUpdates = 60): TopLevelSpec {
  const updates = run.series.coverage;
  const step = Math.max(1, Math.ceil(updates.length / maxUpdates));
  const lines = updates
    .filter((_, i) => i % step === 0)
    .flatMap((u) => [
      { update: u.update, t: u.publishedAt / 1000, coverage: 0 },
      ...u.deliveries.map((d, i) => ({ update: u.update, t: d / 1000, coverage: (i + 1) / Math.max(1, u.expected) })),
    ]);
  const faults = run.series.faults.map((f) => ({ t: f.t / 1000, label: f.label }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Coverage of each update over time (${run.label}; ${Math.ceil(updates.length / step)} of ${updates.length} updates)`,
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        data: { values: lines },
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1, opacity: 0.7 },
        encoding: {
          x: { field: 't', type: 'quantitative', title: 'time (s)' },
          y: {
            field: 'coverage',
            type: 'quantitative',
            title: 'fraction of nodes holding it',
            scale: { domain: [0, 1] },
          },
          detail: { field: 'update', type: 'nominal' },
          color: { value: '#3366aa' },
        },
      },
      {
        data: { values: faults },
        mark: { type: 'rule', color: '#cc3333', strokeDash: [4, 3] },
        encoding: { x: { field: 't', type: 'quantitative' } },
      },
      {
        data: { values: faults },
        mark: { type: 'text', align: 'left', dx: 3, dy: -4, angle: 0, fontSize: 9, color: '#cc3333' },
        encoding: { x: { field: 't', type: 'quantitative' }, y: { value: 8 }, text: { field: 'label' } },
      },
    ],
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
    encoding: {
      x: { field: 'partitionS', type: 'quantitative', title: 'partition length (s)' },
      y: { field: 'convergenceS', type: 'quantitative', title: 'convergence after heal (s)' },
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

/** Bytes per node (gossip, sync, wire) against the node count, one point per run. */
export function bytesPerNodeSpec(runs: PlotRun[]): TopLevelSpec {
  const values = runs.flatMap((run) =>
    (['gossip', 'sync', 'wire'] as const).map((kind) => ({
      run: run.label,
      nodes: run.nodes,
      kind,
      kilobytes: run.metrics.bytesPerNode[kind] / 1024,
    })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Bytes per node vs N',
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: 'point', filled: true, size: 70 },
    encoding: {
      x: { field: 'nodes', type: 'quantitative', title: 'nodes (N)', scale: { zero: false } },
      y: { field: 'kilobytes', type: 'quantitative', title: 'KiB per node (sent + received)' },
      color: { field: 'kind', type: 'nominal' },
      shape: { field: 'kind', type: 'nominal' },
    },
  } as TopLevelSpec;
}

/** Every plot of an experiment, as named SVG strings. */
export async function renderPlots(runs: PlotRun[]): Promise<{ name: string; title: string; svg: string }[]> {
  const first = runs[0];
  const specs: [string, string, TopLevelSpec | null][] = [
    ['latency-cdf', 'Propagation latency CDF', latencyCdfSpec(runs)],
    ['coverage', 'Coverage over time', first ? coverageSpec(first) : null],
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
