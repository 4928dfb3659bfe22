/**
 * docs/researchers.md, run as written (issue 15: "Every documented command executed verbatim by a
 * test"): both ```sh blocks, each line pasted into `sh -c` with the workspace's bin in place of
 * `npx trustmesh`, the shipped scenarios at their full length. Only what cannot exist on a test
 * machine is replaced: `./my-scenario.yaml` is the researcher's own file (here a copy of the shipped
 * baseline-fast.yaml), and the two machines of "several machines" are two agent processes on
 * loopback, on ports that were free a moment ago (10.0.0.2:7900 and 10.0.0.3:7900 → 127.0.0.1:A and
 * 127.0.0.1:B), sharing the secret the guide's `export` line made, as the guide says to copy it.
 * Every run must exit 0 (every assertion of its scenario held) and leave its report.
 *
 * The slowest test of test:long: the runs are wall-clock (regional-partition ~150 s, twice; baseline
 * with 5 seeds ~6.5 min; scale-200-short, 200 nodes in 2 processes, 2–7 min on 2 shared cores): about
 * 15–20 minutes.
 */
import * as assert from 'node:assert/strict';
import { copyFile, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type Background,
  freePort,
  type RunResult,
  runPasted,
  shellBlocks,
  show,
  startPasted,
  tempDir,
  waitFor,
} from '../helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..', '..');
const GUIDE = await readFile(join(ROOT, 'docs', 'researchers.md'), 'utf8');
const SCENARIOS = join(ROOT, 'packages', 'sim', 'scenarios');
/** What the agent prints once it listens (packages/sim/src/distributed/protocol.ts, READY_PREFIX). */
const AGENT_READY = 'trustmesh sim agent listening on ';

/** The report a run printed (`PASSED <name>: report <dir>/report.html`), checked to exist. */
async function passedReport(result: RunResult, name: string): Promise<string> {
  assert.equal(result.code, 0, show(result));
  const report = new RegExp(`^PASSED ${name}: report (\\S+report\\.html)$`, 'm').exec(result.stdout)?.[1];
  assert.ok(report, show(result));
  assert.ok((await stat(report)).size > 0, `${report} is empty`);
  return report;
}

describe('docs/researchers.md, every sh block run as written', { timeout: 1_800_000 }, () => {
  let dir: string;
  let remove: () => Promise<void>;
  const background: Background[] = [];
  const [local, larger] = shellBlocks(GUIDE) as [string[], string[]];
  const run = (line: string, env?: Record<string, string>) => runPasted(line, { cwd: dir, ...(env ? { env } : {}) });

  before(async () => {
    ({ dir, remove } = await tempDir());
  });
  after(async () => {
    for (const child of background) child.kill('SIGKILL');
    await Promise.all(background.map((c) => c.exited));
    await remove();
  });

  it('has the blocks this test runs (a new block or line must be run here too)', () => {
    assert.deepEqual(
      [local, larger],
      [
        [
          'npx trustmesh simulate regional-partition',
          'npx trustmesh simulate baseline --seeds 5 --out ./.trustmesh/sim/baseline',
          'npx trustmesh simulate ./my-scenario.yaml --quiet',
        ],
        [
          'npx trustmesh simulate scale/scale-200-short --processes 2',
          'export TRUSTMESH_SIM_TOKEN=$(openssl rand -hex 24)',
          'npx trustmesh simulate-agent --listen 10.0.0.2:7900 --advertise 10.0.0.2',
          'npx trustmesh simulate regional-partition --agents http://10.0.0.2:7900,http://10.0.0.3:7900',
        ],
      ],
    );
  });

  it('a shipped scenario by its bare name: regional-partition, its report under ./.trustmesh/sim/', async () => {
    const report = await passedReport(await run(local[0] ?? ''), 'regional-partition');
    assert.ok(report.startsWith(join(dir, '.trustmesh', 'sim', 'regional-partition-')), report);
  });

  it('baseline with 5 seeds into --out: five runs, means with confidence intervals', async () => {
    const result = await run(local[1] ?? '');
    const report = await passedReport(result, 'baseline');
    assert.equal(report, join(dir, '.trustmesh', 'sim', 'baseline', 'report.html'));
    const runs = (await readdir(join(dir, '.trustmesh', 'sim', 'baseline', 'runs'))).filter((d) =>
      d.startsWith('seed-'),
    );
    assert.equal(runs.length, 5, runs.join(', '));
    assert.match(result.stdout, /^ {2}propagation\.p99 +\S+ ± \S+$/m);
  });

  it('a scenario file of one’s own, by path, --quiet: only the figures and the verdict', async () => {
    // The researcher's own file: here the shipped baseline-fast.yaml under the guide's name.
    await copyFile(join(SCENARIOS, 'baseline-fast.yaml'), join(dir, 'my-scenario.yaml'));
    const result = await run(local[2] ?? '');
    await passedReport(result, 'baseline-fast');
    assert.doesNotMatch(result.stdout, /^simulating /m, 'quiet printed the progress');
  });

  it('this machine: scale-200-short in 2 agent processes over TCP on loopback', async () => {
    await passedReport(await run(larger[0] ?? ''), 'scale-200-short');
  });

  it('several machines: agents sharing the exported secret, and the coordinator running on them', async () => {
    const [exportLine, agentLine, coordinatorLine] = larger.slice(1) as [string, string, string];
    // The guide's export, run once; its secret is what each machine is given.
    const exported = await run(`${exportLine} && printf %s "$TRUSTMESH_SIM_TOKEN"`);
    assert.equal(exported.code, 0, show(exported));
    const token = exported.stdout;
    assert.match(token, /^[0-9a-f]{48}$/);
    const env = { TRUSTMESH_SIM_TOKEN: token };
    const machines = [
      { address: '10.0.0.2', port: await freePort() },
      { address: '10.0.0.3', port: await freePort() },
    ];
    const on = (line: string, m: (typeof machines)[number]) =>
      line.replaceAll(`${m.address}:7900`, `127.0.0.1:${m.port}`).replaceAll(m.address, '127.0.0.1');
    for (const machine of machines) {
      // The second machine runs the same line with its own address.
      const line = on(agentLine.replaceAll('10.0.0.2', machine.address), machine);
      assert.doesNotMatch(line, /10\.0\.0\./, line);
      const agent = startPasted(line, { cwd: dir, env });
      background.push(agent);
      await waitFor('the agent to listen', () => agent.output().stdout.includes(AGENT_READY), {
        background: agent,
      });
    }
    const coordinator = machines.reduce((line, m) => on(line, m), coordinatorLine);
    assert.doesNotMatch(coordinator, /10\.0\.0\./, coordinator);
    await passedReport(await run(coordinator, env), 'regional-partition');
    // A coordinator with another secret is refused by the agents: exit 2, saying what to do.
    const refused = await run(coordinator, { TRUSTMESH_SIM_TOKEN: `${token.slice(1)}0` });
    assert.equal(refused.code, 2, show(refused));
    assert.match(refused.stderr, /missing or wrong bearer token[\s\S]*hint: start every agent with the coordinator's/);
    for (const agent of background) {
      agent.kill('SIGTERM');
      const stopped = await agent.exited;
      assert.equal(stopped.code, 0, `the agent stops cleanly on SIGTERM\n${show(stopped)}`);
    }
  });
});
