import * as assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SCENARIOS_DIR } from '../../src/cli.ts';
import { loadScenario, parseScenario, ScenarioError, withValue } from '../../src/scenario/scenario.ts';

const VALID = `
name: tiny
seed: 5
duration: 10
nodes: { count: 6, roles: { agency: 1, verifier: 2 } }
topology: { kind: random-regular, degree: 3 }
workload: { issuers: 2, revocationsPerSecond: 1 }
timeline:
  - { at: 2, action: partition, groups: [{ ids: [0, 1] }], until: 4 }
windows: [{ name: outage, from: 2, to: 4 }]
assertions: ["deliveryRatio >= 1", "windows.outage.staleAnswerRate <= 0.5"]
`;

function issuesOf(text: string) {
  try {
    parseScenario(text, 'test.yaml');
  } catch (error) {
    assert.ok(error instanceof ScenarioError, String(error));
    return error.issues;
  }
  assert.fail('the scenario was accepted');
}

describe('scenario files', () => {
  it('resolves defaults for a valid scenario', () => {
    const scenario = parseScenario(VALID);
    assert.equal(scenario.nodes.store, 'memory');
    assert.equal(scenario.nodes.roles['issuer-host'], 0);
    assert.equal(scenario.workload.verification, 'full');
    assert.equal(scenario.drain, 10);
    assert.deepEqual(scenario.timeline[0], { at: 2, action: 'partition', groups: [{ ids: [0, 1] }], until: 4 });
  });

  it('reads JSON as well as YAML', () => {
    const json = JSON.stringify({
      name: 'json-one',
      seed: 1,
      duration: 5,
      nodes: { count: 4 },
      topology: { kind: 'scale-free', m: 2 },
      workload: { issuers: 1 },
    });
    assert.equal(parseScenario(json).topology.kind, 'scale-free');
  });

  it('names the path and the rule of every schema violation', () => {
    const issues = issuesOf(
      VALID.replace('count: 6', 'count: 6, colour: red').replace(
        'kind: random-regular, degree: 3',
        'kind: random-regular',
      ),
    );
    assert.deepEqual(
      issues.map((i) => [i.path, i.rule]),
      [
        ['/nodes', 'additionalProperties'],
        ['/topology', 'required'],
      ],
    );
    assert.match(issues[0]!.message, /unknown property "colour"/);
  });

  it('checks timeline actions against their own schema', () => {
    const issues = issuesOf(VALID.replace('action: partition, groups: [{ ids: [0, 1] }]', 'action: partition'));
    assert.deepEqual(
      issues.map((i) => [i.path, i.rule]),
      [['/timeline/0', 'required']],
    );
    const unknown = issuesOf(VALID.replace('action: partition', 'action: meteor'));
    assert.equal(unknown[0]?.path, '/timeline/0/action');
  });

  it('reports semantic rules: unknown metrics, nodes, regions and misfitting roles', () => {
    const issues = issuesOf(
      VALID.replace('"deliveryRatio >= 1"', '"deliveryRation >= 1"')
        .replace('ids: [0, 1]', 'ids: [0, 9], region: west')
        .replace('verifier: 2', 'verifier: 9'),
    );
    const rules = issues.map((i) => `${i.path} ${i.rule}`);
    assert.ok(rules.includes('/nodes/roles roles-fit'), rules.join('\n'));
    assert.ok(rules.includes('/timeline/0/groups/0/region known-region'), rules.join('\n'));
    assert.ok(rules.includes('/timeline/0/groups/0/ids node-exists'), rules.join('\n'));
    assert.ok(rules.includes('/assertions/0 known-metric'), rules.join('\n'));
  });

  it('rejects unparseable text with a syntax issue', () => {
    assert.deepEqual(
      issuesOf('name: [unclosed').map((i) => i.rule),
      ['syntax'],
    );
  });

  it('sets a swept value on a copy', () => {
    const scenario = parseScenario(VALID);
    const swept = withValue(scenario, 'timeline.0.until', 9);
    assert.equal((swept.timeline[0] as { until?: number }).until, 9);
    assert.equal((scenario.timeline[0] as { until?: number }).until, 4);
    assert.throws(() => withValue(scenario, 'timeline.0.groups', 1), /not a number/);
  });

  it('accepts every shipped scenario', async () => {
    const files = [
      ...(await readdir(SCENARIOS_DIR)).filter((f) => f.endsWith('.yaml')).map((f) => join(SCENARIOS_DIR, f)),
      ...(await readdir(join(SCENARIOS_DIR, 'scale'))).map((f) => join(SCENARIOS_DIR, 'scale', f)),
    ];
    assert.ok(files.length >= 12);
    for (const file of files) {
      const scenario = await loadScenario(file);
      assert.ok(scenario.assertions.length > 0, `${file} has assertions`);
    }
  });
});
