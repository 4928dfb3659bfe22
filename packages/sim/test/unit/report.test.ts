/**
 * The simulator's report (issue 15 item 9): coverage plotted against the time since publication,
 * no degenerate single-point plots, the assertions' thresholds on the latency CDF, units and
 * highlighting in the tables, and a warning when the simulator was the bottleneck.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunMetrics, RunSeries } from '../../src/metrics/summary.ts';
import { renderHtmlReport } from '../../src/report/html.ts';
import { coverageSpec, type PlotRun, renderPlots } from '../../src/report/plots.ts';
import { bottleneckWarnings, unitOf } from '../../src/report/units.ts';
import type { Scenario } from '../../src/scenario/scenario.ts';

function plotRun(label: string): PlotRun {
  const series: RunSeries = {
    latencies: [12, 15, 40, 80, 150, 900],
    // Published at 9 s: delivered 10 ms, 50 ms and 3 s later.
    coverage: [{ update: 1, publishedAt: 9000, deliveries: [9050, 9010, 12_000], expected: 3 }],
    convergence: [{ partitionMs: 20_000, convergenceMs: 4200 }],
    rounds: [{ differences: 3, bytes: 2048 }],
    faults: [{ t: 5000, label: 'partition' }],
    staleWindows: [],
  };
  const metrics = { bytesPerNode: { gossip: 40_960, sync: 8192, wire: 65_536 } } as unknown as RunMetrics;
  return { label, nodes: 20, metrics, series };
}

describe('the simulation report', () => {
  it('plots coverage against the time since each update’s publication', () => {
    const spec = coverageSpec(plotRun('seed-1')) as { data: { values: { sinceMs: number; coverage: number }[] } };
    assert.deepEqual(
      spec.data.values.map((v) => [v.sinceMs, Number(v.coverage.toFixed(2))]),
      [
        [10, 0.33],
        [50, 0.67],
        [3000, 1],
      ],
    );
  });

  it('draws single-run plots without degenerate axes, and the asserted thresholds on the CDF', async () => {
    const plots = await renderPlots([plotRun('seed-1')], {
      assertions: ['propagation.p99 < 2000', 'deliveryRatio >= 0.99'],
      results: [{ text: 'propagation.p99 < 2000', passed: true }],
    });
    // Tick labels, not coordinates (which are floats): a degenerate axis labels its one tick 0.000000.
    for (const plot of plots) assert.doesNotMatch(plot.svg, /<text[^>]*>[^<]*0\.000000[^<]*<\/text>/, plot.name);
    const cdf = plots.find((p) => p.name === 'latency-cdf')?.svg ?? '';
    assert.match(cdf, /propagation\.p99 &lt; 2000 ✓/);
    assert.doesNotMatch(cdf, /deliveryRatio/, 'only latency thresholds belong on the CDF');
    assert.match(plots.find((p) => p.name === 'bytes-per-node-vs-n')?.svg ?? '', /Bytes per node \(N = 20\)/);
  });

  it('gives units, highlights asserted and attention rows, and flags a bottlenecked simulator', () => {
    assert.equal(unitOf('propagation.p99'), 'ms');
    assert.equal(unitOf('windows.outage.propagationP99'), 'ms');
    assert.equal(unitOf('bytesPerNode.sync'), 'bytes');
    assert.equal(unitOf('staleAnswerRate'), 'fraction (0–1)');
    assert.equal(unitOf('eventLoop.lagP99Ms'), 'ms');
    assert.equal(unitOf('verifications'), 'count');
    const values = { 'propagation.p99': 1000, 'eventLoop.lagP99Ms': 600, staleAnswers: 3, deliveryRatio: 1 };
    const runs = [
      {
        label: 'seed-1',
        passed: false,
        values,
        assertions: [
          {
            text: 'propagation.p99 < 500',
            metric: 'propagation.p99',
            op: '<',
            expected: 500,
            actual: 1000,
            passed: false,
          },
          { text: 'deliveryRatio >= 0.99', metric: 'deliveryRatio', op: '>=', expected: 0.99, actual: 1, passed: true },
        ],
      },
    ];
    assert.equal(bottleneckWarnings(runs).length, 1);
    assert.equal(bottleneckWarnings([{ label: 'quiet', values: { ...values, 'eventLoop.lagP99Ms': 20 } }]).length, 0);
    const scenario = {
      name: 'unit',
      description: 'd',
      nodes: { count: 20, store: 'memory' },
      topology: { kind: 'random' },
      duration: 10,
      drain: 5,
      timeline: [],
    } as unknown as Scenario;
    const html = renderHtmlReport({
      scenario,
      seeds: [1],
      startedAt: '2026-12-02T00:00:00Z',
      runs,
      aggregate: Object.fromEntries(
        Object.entries(values).map(([k, v]) => [k, { mean: v, halfWidth: null, low: null, high: null, n: 1 }]),
      ),
      plots: [],
      passed: false,
      notes: [],
    });
    assert.match(html, /<tr class="asserted-fail"><td><code>propagation\.p99<\/code><\/td><td>ms<\/td>/);
    assert.match(html, /<tr class="asserted-pass"><td><code>deliveryRatio<\/code><\/td><td>fraction \(0–1\)<\/td>/);
    assert.match(html, /<tr class="attention"><td><code>staleAnswers<\/code><\/td><td>count<\/td>/);
    assert.match(html, /The simulator was the bottleneck/);
  });
});
