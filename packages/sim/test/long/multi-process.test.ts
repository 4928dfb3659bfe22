/**
 * The multi-process mode: the same scenario files, with the nodes in agent processes over real TCP
 * (spawned with --processes, or running agents given with --agents), and the agents' control API
 * refusing what it must refuse.
 */
import * as assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { runSimulationCli, SCENARIOS_DIR } from '../../src/cli.ts';
import { type Agent, startAgent } from '../../src/distributed/agent.ts';
import { TOKEN_ENV } from '../../src/distributed/protocol.ts';

/** The workspace's `trustmesh` bin (what `npx trustmesh` runs): tsx registered in-process, no loader flags. */
const TRUSTMESH_BIN = join(import.meta.dirname, '..', '..', '..', '..', 'bin', 'trustmesh.js');

/** regional-partition-fast.yaml's seed: its run directory is runs/seed-7. */
const SEED = 7;

interface Output {
  text: string;
  write(chunk: string): boolean;
}
const output = (): Output => ({
  text: '',
  write(chunk: string) {
    this.text += chunk;
    return true;
  },
});

interface RunSummary {
  passed: boolean;
  metrics: Record<string, unknown>;
}

async function runsOf(dir: string): Promise<RunSummary[]> {
  return (JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')) as { runs: RunSummary[] }).runs;
}

describe('multi-process simulations', () => {
  let out: string;
  before(async () => {
    out = await mkdtemp(join(tmpdir(), 'trustmesh-sim-mp-'));
  });
  after(async () => {
    await rm(out, { recursive: true, force: true });
  });

  it('--processes 2: a regional partition over TCP between two agent processes meets its SLOs', async () => {
    const dir = join(out, 'partition');
    const stdout = output();
    const stderr = output();
    const code = await runSimulationCli(
      ['simulate', join(SCENARIOS_DIR, 'regional-partition-fast.yaml'), '--processes', '2', '--out', dir, '--quiet'],
      { stdout, stderr },
    );
    assert.equal(code, 0, `${stdout.text}\n${stderr.text}`);
    const [run] = await runsOf(dir);
    assert.ok(run);
    assert.equal(run.passed, true);
    assert.equal(run.metrics.processes, 2);
    assert.equal(run.metrics.deliveryRatio, 1);
    assert.ok(((run.metrics.bytesPerNode as { wire: number }).wire ?? 0) > 0, 'TCP wire bytes counted');
    const events = (await readFile(join(dir, 'runs', `seed-${SEED}`, 'events.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; hosts?: string[] });
    const start = events.find((e) => e.type === 'run-start');
    assert.equal(start?.hosts?.filter((h) => h.startsWith('agent http://127.0.0.1:')).length, 2);
    assert.ok(events.some((e) => e.type === 'partition') && events.some((e) => e.type === 'heal'));
  });

  it('--processes from the trustmesh bin: agents get tsx’s loader though the bin registered it in-process', async () => {
    // docs/researchers.md's `npx trustmesh simulate … --processes 2` failed here: the agents ran
    // main.ts on Node's own type stripping (ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX).
    const dir = join(out, 'from-bin');
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const args = ['simulate', join(SCENARIOS_DIR, 'baseline-fast.yaml'), '--processes', '2', '--out', dir, '--quiet'];
    const { stdout } = await promisify(execFile)(process.execPath, [TRUSTMESH_BIN, ...args], { env }).catch(
      (error: { stdout: string; stderr: string }) => assert.fail(`${error.stdout}\n${error.stderr}`),
    );
    assert.match(stdout, /^PASSED baseline-fast: report /m);
    const [run] = await runsOf(dir);
    assert.equal(run?.metrics.processes, 2);
  });

  it('simulate-agent through the trustmesh bin, after a run, stops cleanly when its process group is signalled (Ctrl-C)', async () => {
    // The terminal signals the whole group: the launcher (bin/trustmesh.js, which runs the CLI in a
    // child on the pinned Node) and the agent both get SIGTERM, and the launcher forwards it again.
    // An agent that has served a run takes long enough to stop for that second signal to arrive
    // mid-stop: it died of it (exit by signal) before (issue 15).
    const token = 'group-signal-token-0123456789';
    const agent = spawn(
      'sh',
      ['-c', `exec "${process.execPath}" "${TRUSTMESH_BIN}" simulate-agent --listen 127.0.0.1:0`],
      {
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, [TOKEN_ENV]: token },
      },
    );
    let printed = '';
    agent.stdout?.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
    });
    agent.stderr?.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      agent.on('close', (code, signal) => resolve({ code, signal })),
    );
    try {
      const deadline = Date.now() + 30_000;
      const listening = () => /trustmesh sim agent listening on (\S+)/.exec(printed)?.[1];
      while (!listening()) {
        assert.ok(Date.now() < deadline, `the agent did not start: ${printed}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const url = listening() ?? '';
      const stdout = output();
      const stderr = output();
      process.env[TOKEN_ENV] = token;
      try {
        const args = ['simulate', join(SCENARIOS_DIR, 'baseline-fast.yaml'), '--agents', url, '--quiet'];
        const code = await runSimulationCli([...args, '--out', join(out, 'signalled')], { stdout, stderr });
        assert.equal(code, 0, `${stdout.text}\n${stderr.text}`);
      } finally {
        delete process.env[TOKEN_ENV];
      }
      process.kill(-(agent.pid ?? 0), 'SIGTERM');
      assert.deepEqual(await exited, { code: 0, signal: null }, printed);
    } finally {
      if (agent.exitCode === null && agent.signalCode === null) process.kill(-(agent.pid ?? 0), 'SIGKILL');
    }
  });

  describe('running agents (--agents)', () => {
    const token = 'test-token-0123456789abcdef';
    let agent: Agent;
    before(async () => {
      agent = await startAgent({ host: '127.0.0.1', port: 0, token });
    });
    after(async () => {
      await agent.close();
    });

    it('refuses callers without the token and names bad calls', async () => {
      assert.equal((await fetch(`${agent.url}/hello`)).status, 401);
      assert.equal((await fetch(`${agent.url}/hello`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
      const call = (body: unknown) =>
        fetch(`${agent.url}/call`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const unknown = await call({ method: 'exec', args: [] });
      assert.equal(unknown.status, 400);
      assert.match(((await unknown.json()) as { error: string }).error, /^method: must be one of/);
      const noArgs = await call({ method: 'status' });
      assert.equal(noArgs.status, 400);
      assert.match(((await noArgs.json()) as { error: string }).error, /^args: must be an array/);
      const notSetUp = await call({ method: 'start', args: [0] });
      assert.equal(notSetUp.status, 500);
      assert.match(((await notSetUp.json()) as { error: string }).error, /node 0 does not run/);
    });

    it('a coordinator with another token is refused: exit 2, the agent named, what to do (not an internal error)', async () => {
      const stdout = output();
      const stderr = output();
      process.env[TOKEN_ENV] = 'another-token-0123456789';
      try {
        const code = await runSimulationCli(
          ['simulate', join(SCENARIOS_DIR, 'baseline-fast.yaml'), '--agents', agent.url, '--out', join(out, 'refused')],
          { stdout, stderr },
        );
        assert.equal(code, 2, `${stdout.text}\n${stderr.text}`);
      } finally {
        delete process.env[TOKEN_ENV];
      }
      assert.match(stderr.text, new RegExp(`^agent ${agent.url}/hello: missing or wrong bearer token`, 'm'));
      assert.match(stderr.text, /^hint: start every agent with the coordinator's TRUSTMESH_SIM_TOKEN/m);
    });

    it('runs a scenario on them, seed after seed, the coordinator keeping the workload and the bookkeeping', async () => {
      const dir = join(out, 'agents');
      const stdout = output();
      const stderr = output();
      process.env[TOKEN_ENV] = token;
      try {
        const code = await runSimulationCli(
          [
            'simulate',
            join(SCENARIOS_DIR, 'baseline-fast.yaml'),
            '--agents',
            agent.url,
            '--seeds',
            '2',
            '--out',
            dir,
            '--quiet',
          ],
          { stdout, stderr },
        );
        assert.equal(code, 0, `${stdout.text}\n${stderr.text}`);
      } finally {
        delete process.env[TOKEN_ENV];
      }
      // The second run reuses the agent: its events must not be mistaken for, or lost behind, the first's.
      for (const run of await runsOf(dir)) {
        assert.equal(run.passed, true);
        assert.equal(run.metrics.processes, 1);
        assert.equal(run.metrics.deliveryRatio, 1);
        assert.ok((run.metrics.verifications as number) > 50);
      }
    });
  });

  it('rejects bad deployment flags with exit 2 and the rule', async () => {
    const scenario = join(SCENARIOS_DIR, 'baseline-fast.yaml');
    const cases: [string[], RegExp][] = [
      [['--processes', '0'], /--processes must be an integer from 1 to 64, got "0"/],
      [['--processes', '2', '--agents', 'http://127.0.0.1:1'], /give one or the other/],
      [['--agents', 'ftp://x'], /--agents must be comma-separated URLs/],
      [['--agents', 'http://127.0.0.1:1'], new RegExp(`needs the agents' shared token in ${TOKEN_ENV}`)],
    ];
    for (const [flags, message] of cases) {
      const stderr = output();
      const code = await runSimulationCli(['simulate', scenario, ...flags], { stdout: output(), stderr });
      assert.equal(code, 2, flags.join(' '));
      assert.match(stderr.text, message);
    }
    const stderr = output();
    assert.equal(await runSimulationCli(['agent', '--listen', 'nowhere'], { stdout: output(), stderr }), 2);
    assert.match(stderr.text, /--listen must be HOST:PORT, got "nowhere"/);
  });
});
