/**
 * The fast fault scenarios of the simulator, end to end (≈ 60 s of real time, so they run in
 * `test:long`, not in the test line): a regional partition with stale answers during the cut and
 * repair after the heal, and a byzantine flood that must be graylisted while honest traffic flows.
 * Each must meet its scenario's own assertions (SLOs) and the checks below.
 */
import * as assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SCENARIOS_DIR } from '../../src/cli.ts';
import { runExperiment } from '../../src/experiment.ts';
import { loadScenario } from '../../src/scenario/scenario.ts';

describe('fault scenarios (fast variants)', () => {
  let out: string;
  before(async () => {
    out = await mkdtemp(join(tmpdir(), 'trustmesh-sim-long-'));
  });
  after(async () => {
    await rm(out, { recursive: true, force: true });
  });

  async function run(name: string) {
    const scenario = await loadScenario(join(SCENARIOS_DIR, `${name}.yaml`));
    const result = await runExperiment(scenario, { seeds: 1, outDir: join(out, name) });
    const failed = result.runs.flatMap((r) =>
      r.assertions.filter((a) => !a.passed).map((a) => `${a.text}: ${a.actual}`),
    );
    assert.deepEqual(failed, [], `${name}: violated SLOs`);
    assert.equal(result.passed, true);
    return result.runs[0]!.metrics;
  }

  it('regional-partition-fast: stale answers during the cut, repaired after the heal', async () => {
    const metrics = await run('regional-partition-fast');
    const outage = metrics.windows.outage!;
    assert.ok(outage.updates > 0);
    // During the cut, revocations cannot cross it: not every node holds them by the window's end.
    assert.ok(metrics.propagation.max! > 5000, `max propagation ${metrics.propagation.max}`);
    // Verifiers on each side answered from their side's data while the cut lasted.
    assert.ok(outage.staleAnswers > 0, `${outage.staleAnswers} stale answers during the outage`);
    // …and well above the recovered window's, which the scenario's own SLO bounds at 5 %.
    assert.ok(outage.staleAnswerRate! > 0.05, `stale-answer rate ${outage.staleAnswerRate} during the outage`);
    assert.ok(metrics.convergence.afterHeal !== null);
  });

  it('byzantine-flood-fast: garbage rejected, the flooder graylisted, honest traffic unharmed', async () => {
    const metrics = await run('byzantine-flood-fast');
    assert.ok(metrics.byzantine.messagesSent > 100, `${metrics.byzantine.messagesSent} sent`);
    assert.ok(metrics.gossip.rejected > 0);
  });

});
