/**
 * Peer discovery that survives any node's outage (issue 15, item 1): five real TrustmeshNodes over
 * loopback TCP (Noise, Yamux, gossipsub, the network's Kademlia DHT), each on LevelDB, bootstrapped
 * as a star from node 1 (the documented pattern that used to make node 1 a single point of failure).
 *
 * Each node in turn is stopped while a revocation is published on another: every running node holds
 * it. The stopped node is then restarted from its data directory and rejoins; node 1, which has no
 * bootstrap peer at all, rejoins through its persisted peer store (`known-peers.json`).
 *
 * Every wait is a condition with a deadline; nothing sleeps for a fixed time.
 */
import * as assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  canonicalBytes,
  createSampleNetwork,
  issueStatusList,
  type SampleNetwork,
  sha256Hex,
  writeStatus,
} from '@trustmesh/registry';
import { readKnownPeers } from '../../src/network/known-peers.ts';
import { createNetworkFile, type NetworkFile } from '../../src/network/network-file.ts';
import { loadOrCreatePeerIdentity } from '../../src/network/peer-identity.ts';
import { TrustmeshNode } from '../../src/trustmesh-node.ts';
import { waitFor } from '../helpers.ts';

const START = Date.now() - 10 * 60_000;
const TOKEN = 'discovery-write-token-0123456789';
const COUNT = 5;

let sample: SampleNetwork;
const dirs: string[] = [];
const ports: number[] = [];
/** Index i: the running node i, or undefined while it is stopped. */
const nodes: (TrustmeshNode | undefined)[] = [];
/** Node 1 has no bootstrap peer; every other node bootstraps from node 1 only. */
let hubNetwork: NetworkFile;
let leafNetwork: NetworkFile;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  await new Promise((resolve) => server.close(resolve));
  return address.port;
}

async function start(i: number): Promise<TrustmeshNode> {
  const node = await TrustmeshNode.create({
    network: i === 0 ? hubNetwork : leafNetwork,
    transport: 'tcp',
    store: 'level',
    dataDir: dirs[i]!,
    listen: [`/ip4/127.0.0.1/tcp/${ports[i]}`],
    libp2p: { bootstrapDelayMs: 100 },
    peerKeeper: { intervalMs: 1_000 },
    // Anti-entropy's timer off: what is measured here is gossip over the discovered mesh.
    sync: { intervalMs: 0 },
    // Node 2 publishes through its HTTP API, as `trustmesh publish` does.
    api: i === 1 ? { port: 0, writeToken: TOKEN } : false,
  });
  nodes[i] = node;
  return node;
}

const running = () => nodes.filter((n): n is TrustmeshNode => n !== undefined);
const peersOf = (n: TrustmeshNode) => new Set(n.libp2p.getConnections().map((c) => c.remotePeer.toString()));

/** True when removing any one running node leaves the others connected (no single point of failure). */
function survivesAnyOutage(): boolean {
  const live = running();
  if (live.length < COUNT) return false;
  const adjacency = new Map(live.map((n) => [n.peerId.toString(), peersOf(n)]));
  for (const removed of adjacency.keys()) {
    const rest = [...adjacency.keys()].filter((id) => id !== removed);
    const seen = new Set([rest[0]!]);
    const queue = [rest[0]!];
    while (queue.length > 0) {
      for (const next of adjacency.get(queue.pop()!) ?? []) {
        if (next !== removed && adjacency.has(next) && !seen.has(next)) {
          seen.add(next);
          queue.push(next);
        }
      }
    }
    if (seen.size !== rest.length) return false;
  }
  return true;
}

async function postRecord(
  node: TrustmeshNode,
  record: object,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const address = node.api?.app.server.address();
  assert.ok(address && typeof address === 'object', 'the node has an HTTP API');
  const response = await fetch(`http://127.0.0.1:${address.port}/records`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(record),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

before(async () => {
  sample = await createSampleNetwork({ now: new Date(START) });
  for (let i = 0; i < COUNT; i++) {
    dirs.push(await mkdtemp(join(tmpdir(), `trustmesh-discovery-${i}-`)));
    ports.push(await freePort());
  }
  const hubId = (await loadOrCreatePeerIdentity({ dataDir: dirs[0]! })).peerId.toString();
  const base = { networkId: sample.networkId, genesis: sample.genesis as unknown as Record<string, unknown> };
  hubNetwork = createNetworkFile(base);
  leafNetwork = createNetworkFile({ ...base, bootstrap: [`/ip4/127.0.0.1/tcp/${ports[0]}/p2p/${hubId}`] });
});

after(async () => {
  await Promise.allSettled(running().map((n) => n.stop()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('discovery: a star-bootstrapped TCP network survives any one node being down', () => {
  it('every running node takes each revocation while any one node (the bootstrap one included) is stopped', async () => {
    for (let i = 0; i < COUNT; i++) {
      const node = await start(i);
      for (const record of sample.records.slice(1)) {
        const outcome = await node.registry.submit(record);
        if (outcome.status !== 'accept' && outcome.error.code !== 'DUPLICATE')
          throw new Error(`seed refused: ${outcome.error.code}: ${outcome.error.message}`);
      }
    }
    // Bootstrapped as a star, the DHT's self-queries turn it into a mesh.
    await waitFor(survivesAnyOutage, 'no node is a single point of failure', { timeoutMs: 20_000 });

    const { jpHealthInsurer } = sample.keys;
    const listId = sample.lists.jpHealthInsurer;
    for (let down = 0; down < COUNT; down++) {
      await nodes[down]!.stop();
      nodes[down] = undefined;
      const publisher = nodes[(down + 1) % COUNT]!;
      const held = publisher.registry.statusList(listId);
      assert.ok(held, 'the publisher holds the list');
      const bits = new Uint8Array(held.list.bits);
      writeStatus(bits, 100 + down, 1, 1);
      const revocation = await issueStatusList(
        {
          issuer: jpHealthInsurer,
          id: listId,
          statusPurpose: 'revocation',
          bits,
          validFrom: new Date(START + 5_000 + down * 1_000),
        },
        sample.documentLoader,
      );
      if (publisher.api) {
        // With node 1 down, node 2's API says how many peers took the record: at least one (the
        // mesh may still be re-forming around the stopped node; delivery is checked below).
        const answer = await postRecord(publisher, revocation);
        assert.equal(answer.status, 202, JSON.stringify(answer.body));
        assert.ok(Number(answer.body.gossipPeers) >= 1, `gossipPeers: ${answer.body.gossipPeers}`);
      } else {
        const report = await publisher.publish(revocation);
        assert.equal(report.status, 'published', `round ${down}: ${JSON.stringify(report)}`);
        assert.ok(report.status === 'published' && report.recipients >= 1);
      }
      const digest = sha256Hex(canonicalBytes(revocation));
      await waitFor(
        () => running().every((n) => n.registry.statusList(listId)?.digest === digest),
        `with node ${down + 1} down, every running node holds revocation ${down + 1}`,
        { timeoutMs: 5_000 },
      );

      // The stopped node comes back from its data directory and rejoins the mesh.
      const restarted = await start(down);
      if (down === 0) {
        // Node 1 lists no bootstrap peer: only its persisted peer store brings it back.
        assert.ok((await readKnownPeers(dirs[0]!)).length >= 1, 'node 1 persisted its peers at stop');
        await waitFor(
          () => restarted.libp2p.getConnections().length > 0,
          'node 1 reconnects without a bootstrap list',
          {
            timeoutMs: 10_000,
          },
        );
      }
      await waitFor(survivesAnyOutage, `after node ${down + 1}'s restart, no single point of failure`, {
        timeoutMs: 20_000,
      });
    }
  });

  it('a lone node answers that no peer took the record (gossipPeers: 0), which the CLI turns into NO_PEERS', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'trustmesh-discovery-lone-'));
    dirs.push(dataDir);
    const lone = await TrustmeshNode.create({
      network: hubNetwork,
      transport: 'tcp',
      store: 'level',
      dataDir,
      sync: { intervalMs: 0 },
      api: { port: 0, writeToken: TOKEN },
    });
    try {
      for (const record of sample.records.slice(1)) await lone.registry.submit(record);
      const listId = sample.lists.jpHealthInsurer;
      const bits = new Uint8Array(lone.registry.statusList(listId)!.list.bits);
      writeStatus(bits, 7, 1, 1);
      const revocation = await issueStatusList(
        {
          issuer: sample.keys.jpHealthInsurer,
          id: listId,
          statusPurpose: 'revocation',
          bits,
          validFrom: new Date(START + 60_000),
        },
        sample.documentLoader,
      );
      const answer = await postRecord(lone, revocation);
      assert.equal(answer.status, 202, JSON.stringify(answer.body));
      assert.equal(answer.body.gossipPeers, 0);
    } finally {
      await lone.stop();
    }
  });
});

describe('discovery: mDNS behind a flag (labs)', () => {
  it('two nodes with no bootstrap peer and mdns: true find each other on the local network and share a revocation', async () => {
    // No bootstrap list, no known peers (no data directory): only mDNS can bring them together.
    const lab = () =>
      TrustmeshNode.create({
        network: hubNetwork,
        transport: 'tcp',
        store: 'memory',
        listen: ['/ip4/127.0.0.1/tcp/0'],
        mdns: true,
        sync: { intervalMs: 0 },
        api: false,
      });
    const [a, b] = [await lab(), await lab()];
    try {
      for (const node of [a, b]) for (const record of sample.records.slice(1)) await node.registry.submit(record);
      await waitFor(() => a.libp2p.getConnections(b.peerId).length > 0, 'the nodes to find each other by mDNS', {
        timeoutMs: 10_000,
      });
      const listId = sample.lists.jpHealthInsurer;
      const bits = new Uint8Array(a.registry.statusList(listId)!.list.bits);
      writeStatus(bits, 4242, 1, 1);
      const revocation = await issueStatusList(
        {
          issuer: sample.keys.jpHealthInsurer,
          id: listId,
          statusPurpose: 'revocation',
          bits,
          validFrom: new Date(START + 120_000),
        },
        sample.documentLoader,
      );
      // Admitted on a; sent at once, or (the mesh forming a heartbeat after the connection) kept
      // and sent when b joins the topic.
      const report = await a.publish(revocation);
      assert.ok(report.status === 'published' || report.status === 'stored', JSON.stringify(report));
      const digest = sha256Hex(canonicalBytes(revocation));
      await waitFor(() => b.registry.statusList(listId)?.digest === digest, 'b to hold the revocation', {
        timeoutMs: 5_000,
      });
    } finally {
      await Promise.allSettled([a.stop(), b.stop()]);
    }
  });
});
