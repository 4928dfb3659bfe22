/**
 * Whole nodes — real registry, LevelDB in temporary directories, real signed records — over the
 * in-memory transport.
 */
import * as assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { canonicalBytes, createSampleNetwork, type SampleNetwork } from '@trustmesh/registry';
import { createNetworkFile, type NetworkFile } from '../../src/network/network-file.ts';
import { TrustmeshNode, type TrustmeshNodeOptions } from '../../src/trustmesh-node.ts';
import { waitFor } from '../helpers.ts';

describe('trustmesh node', () => {
  let sample: SampleNetwork;
  let network: NetworkFile;
  const dirs: string[] = [];
  const nodes: TrustmeshNode[] = [];

  before(async () => {
    sample = await createSampleNetwork({ now: new Date() });
    network = createNetworkFile({
      networkId: sample.networkId,
      genesis: sample.genesis as unknown as Record<string, unknown>,
    });
  });
  after(async () => {
    await Promise.allSettled(nodes.map((n) => n.stop()));
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  async function startNode(options: Partial<TrustmeshNodeOptions> = {}): Promise<TrustmeshNode> {
    let { dataDir } = options;
    if (!dataDir) {
      dataDir = await mkdtemp(join(tmpdir(), 'trustmesh-node-'));
      dirs.push(dataDir);
    }
    const node = await TrustmeshNode.create({ network, transport: 'memory', ...options, dataDir });
    nodes.push(node);
    return node;
  }

  async function link(a: TrustmeshNode, b: TrustmeshNode): Promise<void> {
    const address = b.multiaddrs()[0];
    assert.ok(address);
    await a.connect(address);
    await waitFor(
      () =>
        a.gossip.subscribers().some((p) => p.equals(b.peerId)) &&
        b.gossip.subscribers().some((p) => p.equals(a.peerId)),
      'nodes subscribed to each other',
    );
  }

  const held = (node: TrustmeshNode) => node.registry.statusListIds().length + node.registry.accreditations().length;
  const ALL = 6; // 4 status lists + 2 accreditations in the sample network (besides the genesis)

  it('admits the genesis of its network file at start', async () => {
    const node = await startNode();
    assert.equal(node.registry.governance()?.record.version, 1);
    assert.deepEqual(node.registry.warnings(), []);
    await node.stop();
  });

  it('gossips signed records from one node to the others', async () => {
    const [a, b, c] = await Promise.all([startNode(), startNode(), startNode()]);
    assert.ok(a && b && c);
    await link(a, b);
    await link(b, c);
    for (const record of sample.records.slice(1)) {
      const report = await a.publish(record);
      assert.equal(report.status, 'published', JSON.stringify(report));
    }
    await waitFor(() => held(b) === ALL && held(c) === ALL, 'b and c hold every record');
    assert.equal(c.counters().accepted.accreditation, 2);
    assert.equal(c.counters().accepted['status-list'], 4);
    assert.deepEqual(c.counters().rejected, {});
    await Promise.all([a.stop(), b.stop(), c.stop()]);
  });

  it('recovers records that arrive before the records they depend on, from a peer it trusts', async () => {
    // Gossip only: anti-entropy would carry everything at connect.
    const gossipOnly = { sync: { syncOnConnect: false, intervalMs: 0 } };
    const [a, b] = await Promise.all([startNode(gossipOnly), startNode(gossipOnly)]);
    assert.ok(a && b);
    for (const record of sample.records.slice(1)) assert.equal((await a.registry.submit(record)).status, 'accept');
    await link(a, b);
    // a first relays the authorities' own lists (their signers are known from governance): valid
    // first deliveries, so b's gossip score of a turns positive and b trusts a for records whose
    // signer it does not know yet.
    const [jpAgencyList, twMinistryList, ...rest] = sample.records.slice(1);
    for (const record of [jpAgencyList, twMinistryList]) {
      await a.libp2p.services.pubsub.publish(a.gossip.topic, canonicalBytes(record));
    }
    await waitFor(() => (b.gossip.peerScore(a.peerId) ?? 0) > 0, "b's score of a is positive");
    // Then the rest newest-first: every issuer list precedes its issuer's accreditation.
    for (const record of rest.reverse()) {
      await a.libp2p.services.pubsub.publish(a.gossip.topic, canonicalBytes(record));
    }
    await waitFor(() => held(b) === ALL, 'b holds every record');
    assert.ok(b.admission.counters().pending.recovered >= 2, JSON.stringify(b.admission.counters()));
    assert.equal(b.admission.counters().pending.size, 0);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('does not buffer records whose signer is unknown from a peer it does not trust yet', async () => {
    const gossipOnly = { sync: { syncOnConnect: false, intervalMs: 0 } };
    const [a, b] = await Promise.all([startNode(gossipOnly), startNode(gossipOnly)]);
    assert.ok(a && b);
    for (const record of sample.records.slice(1)) assert.equal((await a.registry.submit(record)).status, 'accept');
    await link(a, b);
    // An issuer's list before its accreditation, from a peer with no valid delivery yet.
    const issuerList = sample.records.at(-1);
    assert.equal(b.gossip.peerScore(a.peerId), 0);
    await a.libp2p.services.pubsub.publish(a.gossip.topic, canonicalBytes(issuerList));
    await waitFor(() => b.admission.counters().pending.untrusted === 1, 'b refused to buffer it');
    assert.equal(b.admission.counters().pending.size, 0);
    assert.equal(b.gossip.counters().ignored.STATUS_LIST_ISSUER_UNKNOWN, 1);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('keeps its peer identity and its records across a restart from the same data directory', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'trustmesh-node-'));
    dirs.push(dataDir);
    const first = await startNode({ dataDir });
    const peerId = first.peerId.toString();
    for (const record of sample.records.slice(1)) await first.publish(record);
    assert.equal(held(first), ALL);
    await first.stop();

    const second = await startNode({ dataDir });
    assert.equal(second.peerId.toString(), peerId);
    assert.equal(held(second), ALL);
    await second.stop();
  });

  it('collects process metrics unless told not to (many nodes in one process)', async () => {
    const names = async (node: TrustmeshNode) =>
      (await node.metrics.registry.getMetricsAsJSON()).map((m) => m.name).filter((n) => n.includes('eventloop'));
    const [withProcess, without] = await Promise.all([startNode(), startNode({ metrics: { processMetrics: false } })]);
    assert.ok((await names(withProcess)).length > 0);
    assert.deepEqual(await names(without), []);
    await Promise.all([withProcess.stop(), without.stop()]);
  });

  it('refuses to start on a network file whose genesis the registry refuses', async () => {
    const forged = { ...(sample.genesis as unknown as Record<string, unknown>), threshold: 1 };
    const bad = createNetworkFile({ networkId: sample.networkId, genesis: forged });
    await assert.rejects(TrustmeshNode.create({ network: bad, store: 'memory', transport: 'memory' }), {
      code: 'NODE_GENESIS_REFUSED',
    });
  });
});
