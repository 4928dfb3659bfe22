/**
 * `trustmesh health --node` tells the truth about a running node (issue 10, "Health that tells the
 * truth": `trustmesh health` exits 1 when the node is degraded): real nodes over the in-memory
 * transport, their HTTP API on loopback. A lone node is degraded (NO_PEERS): exit 1 with the named
 * warning; the control, the same node linked to a peer and in its gossip mesh: ok, exit 0.
 */
import * as assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { TrustmeshNode } from '@trustmesh/node';
import { runInProcess as runCli, sampleNetwork, show, tempDir, waitFor } from './helpers.ts';

describe('trustmesh health against a running node', () => {
  let dir: string;
  let remove: () => Promise<void>;
  const nodes: TrustmeshNode[] = [];

  before(async () => {
    ({ dir, remove } = await tempDir());
  });
  after(async () => {
    await Promise.allSettled(nodes.map((n) => n.stop()));
    await remove();
  });

  it('exits 1 with the named warning while the node is degraded, 0 once it is ok', async () => {
    const { network } = await sampleNetwork();
    const start = async (api: boolean) => {
      const node = await TrustmeshNode.create({
        network,
        transport: 'memory',
        store: 'memory',
        ...(api ? { api: { host: '127.0.0.1', port: 0, writeToken: null, publicBaseUrl: null } } : {}),
      });
      nodes.push(node);
      return node;
    };
    const a = await start(true);
    assert.ok(a.api, 'the node runs its API');
    const url = `http://127.0.0.1:${(a.api.app.server.address() as AddressInfo).port}`;

    const alone = await runCli(['health', '--node', url, '--json'], { cwd: dir });
    assert.equal(alone.code, 1, show(alone));
    const degraded = JSON.parse(alone.stdout) as { status: string; warnings: string[] };
    assert.equal(degraded.status, 'degraded');
    assert.ok(
      degraded.warnings.some((w) => w.startsWith('NO_PEERS:')),
      degraded.warnings.join('\n'),
    );

    const b = await start(false);
    const address = b.multiaddrs()[0];
    assert.ok(address);
    await a.connect(address);
    const ok = await waitFor('the node to say ok (linked, in the mesh)', async () => {
      const run = await runCli(['health', '--node', url, '--json'], { cwd: dir });
      return run.code === 0 ? run : null;
    });
    assert.equal((JSON.parse(ok.stdout) as { status: string }).status, 'ok', show(ok));
  });
});
