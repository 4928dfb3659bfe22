/**
 * A CRL published on one node is held by the other (issue 14): two whole nodes (real registries,
 * LevelDB in temporary directories) over the in-memory transport; the CA's accreditation and its
 * CRL are published on one, gossiped, validated and stored by the other, which serves the same DER.
 */
import * as assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { certificateSpkiSha256, createSampleNetwork, type SampleNetwork } from '@trustmesh/registry';
import { createNetworkFile, type NetworkFile } from '../../src/network/network-file.ts';
import { TrustmeshNode } from '../../src/trustmesh-node.ts';
import { waitFor } from '../helpers.ts';
import { accreditCaOf, crlFixture } from './crl-fixtures.ts';

describe('CRLs between nodes (issue 14)', () => {
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

  async function startNode(): Promise<TrustmeshNode> {
    const dataDir = await mkdtemp(join(tmpdir(), 'trustmesh-crl-node-'));
    dirs.push(dataDir);
    const node = await TrustmeshNode.create({ network, transport: 'memory', dataDir });
    nodes.push(node);
    return node;
  }

  it('gossips a CRL to a peer, which validates, holds and serves it byte-identical', async () => {
    const [a, b] = await Promise.all([startNode(), startNode()]);
    assert.ok(a && b);
    await a.connect(b.multiaddrs()[0]!);
    await waitFor(
      () =>
        a.gossip.subscribers().some((p) => p.equals(b.peerId)) &&
        b.gossip.subscribers().some((p) => p.equals(a.peerId)),
      'nodes subscribed to each other',
    );
    for (const record of sample.records.slice(1)) assert.equal((await a.publish(record)).status, 'published');
    const accreditation = await accreditCaOf(
      sample,
      crlFixture('int-ca'),
      { certificatePolicies: ['1.2.392.200149.8.5.5.1'] },
      Date.now() - 60_000,
    );
    assert.equal((await a.publish(accreditation)).status, 'published');
    const report = await a.publish(crlFixture('int-crl-2'));
    assert.equal(report.status, 'published', JSON.stringify(report));
    await waitFor(() => b.registry.crls().length === 1, 'b holds the CRL');
    const [held] = b.registry.crls();
    assert.equal(held?.signer, certificateSpkiSha256(crlFixture('int-ca')));
    assert.equal(held?.held.crlNumber, 2n);
    assert.deepEqual((await b.registry.crlBytes(held!.scope))?.bytes, crlFixture('int-crl-2'));
    assert.equal(b.counters().accepted.crl, 1);
  });
});
