import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { meanCi, quantile, tQuantile95 } from '../../src/metrics/stats.ts';
import { checkAssertions, type RunMetrics } from '../../src/metrics/summary.ts';
import { Rng } from '../../src/random.ts';
import { generateTopology, randomRegular, scaleFree } from '../../src/topology.ts';

describe('seeded random streams', () => {
  it('repeat for a seed and label, and differ across labels', () => {
    const a = new Rng(42, 'x');
    const b = new Rng(42, 'x');
    const c = new Rng(42, 'y');
    const xs = Array.from({ length: 5 }, () => a.next());
    assert.deepEqual(
      xs,
      Array.from({ length: 5 }, () => b.next()),
    );
    assert.notDeepEqual(
      xs,
      Array.from({ length: 5 }, () => c.next()),
    );
    for (const x of xs) assert.ok(x >= 0 && x < 1);
  });

  it('draws exponential gaps with the requested mean', () => {
    const rng = new Rng(7);
    const gaps = Array.from({ length: 20_000 }, () => rng.exponential(4));
    const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
    assert.ok(Math.abs(mean - 0.25) < 0.01, `mean ${mean}`);
  });
});

describe('statistics', () => {
  it('computes quantiles by linear interpolation', () => {
    assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
    assert.equal(quantile([5], 0.99), 5);
    assert.equal(quantile([], 0.5), null);
  });

  it('computes a 95 % t-interval', () => {
    assert.equal(tQuantile95(1), 12.706);
    const ci = meanCi([1, 2, 3, 4, 5]);
    assert.ok(ci);
    assert.equal(ci.mean, 3);
    // s = 1.5811, t(4) = 2.776: half-width = 2.776 · 1.5811 / √5 = 1.963.
    assert.ok(Math.abs((ci.halfWidth ?? 0) - 1.963) < 0.001, String(ci.halfWidth));
    assert.equal(meanCi([2, null])?.halfWidth, null);
    assert.equal(meanCi([null]), null);
  });

  it('checks assertions, failing on a missing value', () => {
    const metrics = { deliveryRatio: 0.9, propagation: { p99: null } } as unknown as RunMetrics;
    const results = checkAssertions(['deliveryRatio >= 1.0', 'deliveryRatio < 1', 'propagation.p99 <= 10'], metrics);
    assert.deepEqual(
      results.map((r) => r.passed),
      [false, true, false],
    );
  });
});

describe('topologies', () => {
  const degrees = (n: number, edges: [number, number][]) => {
    const d = Array<number>(n).fill(0);
    for (const [a, b] of edges) {
      d[a]!++;
      d[b]!++;
    }
    return d;
  };

  it('makes simple d-regular graphs', () => {
    const nodes = Array.from({ length: 50 }, (_, i) => i);
    const edges = randomRegular(nodes, 6, new Rng(1));
    assert.ok(degrees(50, edges).every((d) => d === 6));
    assert.equal(new Set(edges.map(([a, b]) => `${a}-${b}`)).size, edges.length);
    assert.ok(edges.every(([a, b]) => a < b));
  });

  it('makes scale-free graphs with m links per new node', () => {
    const nodes = Array.from({ length: 100 }, (_, i) => i);
    const edges = scaleFree(nodes, 2, new Rng(2));
    assert.equal(edges.length, 3 + 97 * 2);
    const d = degrees(100, edges);
    assert.ok(Math.max(...d) > 10, 'a hub emerges');
  });

  it('assigns regions by share and applies the latency matrix', () => {
    const topology = generateTopology(
      {
        kind: 'regions',
        regions: [
          { name: 'a', share: 0.5 },
          { name: 'b', share: 0.5 },
        ],
        latencyMs: [
          [1, 30],
          [30, 1],
        ],
        degree: 2,
      },
      10,
      10,
      new Rng(3),
    );
    assert.deepEqual(topology.regions, ['a', 'a', 'a', 'a', 'a', 'b', 'b', 'b', 'b', 'b']);
    assert.equal(topology.latencyMs(0, 9), 30);
    assert.equal(topology.latencyMs(6, 9), 1);
  });
});
