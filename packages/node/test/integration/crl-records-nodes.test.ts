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
import {
  certificateSpkiSha256,
  createCertificateAuthority,
  createSampleNetwork,
  issueAccreditation,
  type SampleNetwork,
  signCrl,
} from '@trustmesh/registry';
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

  it('carries a CRL larger than a gossip message by anti-entropy, in chunks, to a node that was away', async () => {
    const [a, b] = await Promise.all([startNode(), startNode()]);
    assert.ok(a && b);
    // a runs alone for now: what it publishes is stored, for peers to fetch.
    for (const record of sample.records.slice(1)) assert.equal((await a.publish(record)).status, 'stored');
    const validFrom = new Date(Date.now() - 60_000);
    const validUntil = new Date(Date.now() + 365 * 24 * 3600 * 1000);
    const ca = await createCertificateAuthority({
      name: 'CN=Large CRL CA, C=JP',
      notBefore: validFrom,
      notAfter: validUntil,
    });
    const accreditation = await issueAccreditation(
      {
        accreditor: sample.keys.jpAgency,
        role: 'ca',
        subjectCertificate: ca.certificate,
        accreditedFor: [{ certificatePolicies: ['1.2.392.200149.8.5.1.3.10'], jurisdiction: 'JP' }],
        holdFinal: true,
        validFrom,
        validUntil,
      },
      sample.documentLoader,
    );
    assert.equal((await a.publish(accreditation)).status, 'stored');
    // 24,000 entries: about 0.9 MB of DER, beyond gossip's 512 KiB message and the 512 KiB sync frame.
    const revokedAt = new Date(Date.now() - 1000);
    const entries = Array.from({ length: 24_000 }, (_, i) => ({
      serial: (0x10000000 + i).toString(16),
      revokedAt,
      reason: 'keyCompromise' as const,
    }));
    const crl = await signCrl({ issuer: ca, crlNumber: 1n, thisUpdate: revokedAt, nextUpdate: validUntil, entries });
    assert.ok(crl.byteLength > 512 * 1024, `${crl.byteLength} bytes`);
    assert.equal((await a.publish(crl)).status, 'stored');
    // b comes back and reconciles with a: the CRL arrives in chunks, validated and stored.
    await b.connect(a.multiaddrs()[0]!);
    await waitFor(async () => {
      await b.sync.syncWith(a.peerId).catch(() => undefined);
      return b.registry.crls().length === 1;
    }, 'b holds the large CRL');
    assert.deepEqual((await b.registry.crlBytes(b.registry.crls()[0]!.scope))?.bytes, crl);
    assert.ok(b.sync.counters().chunked.recordsReceived >= 1, 'carried in chunks');
  });
});
