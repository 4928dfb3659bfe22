/**
 * packages/cli/README.md, run as written (issue 15: "Every documented command executed verbatim by a
 * test", README included): each ```sh block, each line pasted into `sh -c` with the workspace's bin
 * in place of `npx trustmesh`, from the repository root (where the README says the first block runs)
 * or an operator's directory. Only what cannot exist on a test machine is replaced: /var/lib (not
 * writable), and ports that may be taken on a shared machine (8080, 4001, and up's 8701–8703, which
 * `--ports` moves). The network file `init` reads is made beforehand, as docs/operators.md makes it.
 * The root README's lines are checked to be the `up` run here and what CI runs (install, test line).
 */
import * as assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type Background,
  freePort,
  runPasted,
  sampleNetwork,
  shellBlocks,
  show,
  startPasted,
  tempDir,
  waitFor,
  waitForHealth,
} from '../helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..', '..');
const README = await readFile(join(ROOT, 'packages', 'cli', 'README.md'), 'utf8');

describe('packages/cli/README.md, every sh block run as written', { timeout: 180_000 }, () => {
  let dir: string;
  let remove: () => Promise<void>;
  const background: Background[] = [];
  const [help, firstRun, runningANode] = shellBlocks(README) as [string[], string[], string[]];

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
      [help.length, firstRun, runningANode.length],
      [2, ['npx trustmesh up'], 2],
      shellBlocks(README).join('\n---\n'),
    );
  });

  it('the root README’s two lines are the install with up (up runs below) and the test line CI runs', async () => {
    const root = shellBlocks(await readFile(join(ROOT, 'README.md'), 'utf8'));
    assert.deepEqual(root, [
      ['npx -y pnpm@10 install && npx trustmesh up'],
      ['npx -y pnpm@10 install --frozen-lockfile && npx -y pnpm@10 test'],
    ]);
    assert.equal(root[0]?.[0]?.split(' && ')[1], firstRun[0], 'the same up as this README’s');
  });

  it('--help from the repository root, through the workspace bin and the package’s bin', async () => {
    for (const line of help) {
      const result = await runPasted(line, { cwd: ROOT });
      assert.equal(result.code, 0, show(result));
      assert.match(result.stdout, /^Usage: trustmesh /, line);
      assert.equal(result.stderr, '', `${line}: nothing but the help`);
    }
  });

  it('up: the local network starts, says what to try, and stops cleanly on Ctrl-C', async () => {
    const ports = [await freePort(), await freePort(), await freePort()];
    const up = startPasted(`${firstRun[0]} --ports ${ports.join(',')}`, { cwd: dir });
    background.push(up);
    await waitFor('up to be ready', () => up.output().stdout.includes('Ctrl-C stops the three nodes'), {
      background: up,
      timeoutMs: 90_000,
    });
    up.kill('SIGINT');
    const stopped = await up.exited;
    assert.equal(stopped.code, 0, show(stopped));
  });

  it('Running a node: init, then start in the foreground until SIGTERM', async () => {
    const operator = join(dir, 'operator');
    const root = join(dir, 'root');
    await mkdir(operator);
    const { network } = await sampleNetwork();
    await writeFile(join(operator, 'network.json'), JSON.stringify(network));
    const [api, p2p] = [await freePort(), await freePort()];
    const substitute = (line: string) => {
      const pasted = line
        .replaceAll('/var/lib/trustmesh', `${root}/var/lib/trustmesh`)
        .replaceAll('--api-port 8080', `--api-port ${api}`)
        .replaceAll('/tcp/4001', `/tcp/${p2p}`);
      assert.doesNotMatch(pasted, /(^|\s)\/var\/|\b8080\b|\/tcp\/4001\b/, pasted);
      return pasted;
    };
    const [initLine, startLine] = runningANode as [string, string];
    const init = await runPasted(substitute(initLine), { cwd: operator });
    assert.equal(init.code, 0, show(init));
    assert.match(init.stdout, new RegExp(`^API: +http://127\\.0\\.0\\.1:${api}$`, 'm'));
    const node = startPasted(substitute(startLine), { cwd: operator });
    background.push(node);
    await waitForHealth(`http://127.0.0.1:${api}`, node);
    assert.match(node.output().stdout, new RegExp(`node started: API http://127\\.0\\.0\\.1:${api},`));
    node.kill('SIGTERM');
    const stopped = await node.exited;
    assert.equal(stopped.code, 0, show(stopped));
    assert.match(stopped.stdout, /"msg":"stopped"/);
  });
});
