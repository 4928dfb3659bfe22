/**
 * The fast subset of the shipped scenarios, end to end: real nodes, the simulated network, faults,
 * metrics, plots and the report. Each must meet its outcome assertions (delivery, counts); its
 * wall-clock SLOs are `simulate:all`'s (see run below). A scenario whose assertion cannot hold
 * must make the CLI exit non-zero. The regional-partition and byzantine-flood fast scenarios
 * (≈ 60 s of real time together) run in `test:long` (test/long/fault-scenarios.test.ts);
 * the node package's scenario tests cover the same product behaviour (partition and heal, a flooding
 * peer) within the test line.
 */
import * as assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runSimulationCli, SCENARIOS_DIR } from '../../src/cli.ts';
import { runExperiment } from '../../src/experiment.ts';
import { loadScenario } from '../../src/scenario/scenario.ts';

/** Metric paths whose values are wall-clock times, or rates that depend on them. */
const WALL_CLOCK_METRIC =
  /^(propagation|convergence|staleAnswerRate|staleWindow|eventLoop|windows\.[^.]+\.(propagation|stale))/;

describe('fast scenarios', () => {
  let out: string;
  before(async () => {
    out = await mkdtemp(join(tmpdir(), 'trustmesh-sim-test-'));
  });
  after(async () => {
    await rm(out, { recursive: true, force: true });
  });

  /**
   * Runs a shipped scenario and requires its outcome assertions (delivery ratio, counts) to hold.
   * Its wall-clock SLOs (propagation latency, stale-answer rate: both depend on how fast this
   * machine runs the nodes) are still evaluated and written to the report, but not asserted here:
   * they are `simulate:all`'s to enforce, which prints them per scenario (baseline.yaml holds
   * propagation.p99 <= 2000 for 30 nodes over 60 s; `simulate:all --include-fast` runs this
   * scenario with its own thresholds too).
   */
  async function run(name: string) {
    const scenario = await loadScenario(join(SCENARIOS_DIR, `${name}.yaml`));
    const result = await runExperiment(scenario, { seeds: 1, outDir: join(out, name) });
    const outcomes = result.runs.flatMap((r) => r.assertions.filter((a) => !WALL_CLOCK_METRIC.test(a.metric)));
    assert.ok(outcomes.length > 0, `${name} asserts an outcome`);
    const failed = outcomes.filter((a) => !a.passed).map((a) => `${a.text}: ${a.actual}`);
    assert.deepEqual(failed, [], `${name}: violated outcome assertions`);
    return result.runs[0]!.metrics;
  }

  it('baseline-fast: every revocation reaches every node, with a complete run directory', async () => {
    const metrics = await run('baseline-fast');
    assert.ok(metrics.updates >= 5, `${metrics.updates} updates`);
    assert.ok(metrics.verifications > 50, `${metrics.verifications} verifications`);
    assert.ok(metrics.bytesPerNode.gossip > 0 && metrics.bytesPerNode.wire > metrics.bytesPerNode.gossip);
    const dir = join(out, 'baseline-fast');
    assert.deepEqual((await readdir(dir)).sort(), [
      'plots',
      'report.html',
      'runs',
      'scenario.json',
      'summary.csv',
      'summary.json',
    ]);
    assert.deepEqual((await readdir(join(dir, 'plots'))).sort(), [
      'bytes-per-node-vs-n.svg',
      'coverage.svg',
      'latency-cdf.svg',
      'sync-bytes-vs-difference.svg',
    ]);
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    assert.equal(html.match(/<svg/g)?.length, 4);
    assert.doesNotMatch(html, /<script|src="http/);
    const events = (await readFile(join(dir, 'runs', 'seed-1', 'events.jsonl'), 'utf8')).trim().split('\n');
    const types = new Set(events.map((line) => (JSON.parse(line) as { type: string }).type));
    for (const type of ['run-start', 'publish', 'deliver', 'verify', 'run-end']) assert.ok(types.has(type), type);
    const csv = (await readFile(join(dir, 'summary.csv'), 'utf8')).trim().split('\n');
    assert.equal(csv.length, 1 + 1 + 3);
    assert.match(csv[0]!, /^run,seed,sweep,updates,deliveryRatio,/);
    const resolved = JSON.parse(await readFile(join(dir, 'scenario.json'), 'utf8')) as {
      seeds: number[];
      drain: number;
    };
    assert.deepEqual(resolved.seeds, [1]);
  });

  it('fails the run (exit 1) when an assertion is violated', async () => {
    const path = join(out, 'violated.yaml');
    await writeFile(
      path,
      [
        'name: violated',
        'seed: 2',
        'duration: 3',
        'drain: 1',
        'warmup: 1',
        'nodes: { count: 4, roles: { agency: 1, verifier: 1 } }',
        'topology: { kind: random-regular, degree: 2 }',
        'workload: { issuers: 1, revocationsPerSecond: 3, verificationsPerSecond: 2 }',
        'assertions: ["deliveryRatio >= 1.0", "propagation.p50 < 0"]',
      ].join('\n'),
    );
    const written: string[] = [];
    const sink = { write: (chunk: string) => written.push(chunk) > 0 } as unknown as NodeJS.WritableStream;
    const code = await runSimulationCli(['simulate', path, '--out', join(out, 'violated'), '--quiet'], {
      stdout: sink,
      stderr: sink,
    });
    assert.equal(code, 1, written.join(''));
    const summary = JSON.parse(await readFile(join(out, 'violated', 'summary.json'), 'utf8')) as {
      passed: boolean;
      runs: { assertions: { text: string; passed: boolean }[] }[];
    };
    assert.equal(summary.passed, false);
    assert.deepEqual(
      summary.runs[0]!.assertions.map((a) => [a.text, a.passed]),
      [
        ['deliveryRatio >= 1.0', true],
        ['propagation.p50 < 0', false],
      ],
    );
  });

  it('exits 2 on an invalid scenario, naming the path and rule', async () => {
    const path = join(out, 'invalid.yaml');
    await writeFile(
      path,
      'name: bad\nseed: -1\nduration: 3\nnodes: { count: 4 }\ntopology: { kind: ring }\nworkload: { issuers: 1 }\n',
    );
    const errors: string[] = [];
    const sink = { write: (chunk: string) => errors.push(chunk) > 0 } as unknown as NodeJS.WritableStream;
    assert.equal(await runSimulationCli(['simulate', path], { stdout: sink, stderr: sink }), 2);
    assert.match(errors.join(''), /\/seed: must be >= 0 \[minimum\]/);
    assert.match(errors.join(''), /\/topology\/kind/);
  });
});
