import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { defaultRecordGossipsubOptions, recordGossipsubInit } from '../../src/gossip/gossipsub-config.ts';
import { createLibp2pNode, type TrustmeshLibp2p } from '../../src/network/libp2p.ts';
import { PeerKeeper } from '../../src/network/peer-keeper.ts';
import { waitFor } from '../helpers.ts';

const gossipsub = recordGossipsubInit({ ...defaultRecordGossipsubOptions, topic: '/trustmesh/keeper/records/1' });

describe('peer keeper', () => {
  const hosts: TrustmeshLibp2p[] = [];
  after(() => Promise.allSettled(hosts.map((h) => h.stop())));

  it('reaches a bootstrap peer that was down when the node started', async () => {
    const bootstrapKey = await generateKeyPair('Ed25519');
    const address = `/memory/${randomUUID()}`;
    const bootstrapAddress = `${address}/p2p/${peerIdFromPrivateKey(bootstrapKey)}`;

    const node = await createLibp2pNode({ transport: 'memory', gossipsub });
    hosts.push(node);
    const keeper = new PeerKeeper(
      { peers: [bootstrapAddress], intervalMs: 50, dialTimeoutMs: 1_000 },
      { libp2p: node },
    );
    // The bootstrap peer is down: a check dials and fails quietly.
    assert.equal(await keeper.check(), 1);
    assert.equal(node.getConnections().length, 0);

    keeper.start();
    const peer = await createLibp2pNode(
      { transport: 'memory', listen: [address], gossipsub },
      { privateKey: bootstrapKey },
    );
    hosts.push(peer);
    await waitFor(() => node.getConnections(peer.peerId).length > 0, 'connected to the bootstrap peer');
    // Connected peers are not dialled again.
    assert.equal(await keeper.check(), 0);
    await keeper.stop();
  });

  it('dials its peers shortly after start, not an interval later (the bootstrap module skips /memory/ addresses)', async () => {
    const peer = await createLibp2pNode({ transport: 'memory', gossipsub });
    hosts.push(peer);
    const address = peer.getMultiaddrs()[0]?.toString() ?? '';
    assert.ok(address.includes('/p2p/'), address);
    // As a node restarted with its peers up: the list is given to libp2p's bootstrap module too.
    const node = await createLibp2pNode({ transport: 'memory', gossipsub, bootstrap: [address], bootstrapDelayMs: 50 });
    hosts.push(node);
    const keeper = new PeerKeeper({ peers: [address], intervalMs: 60_000, dialTimeoutMs: 1_000 }, { libp2p: node });
    keeper.start();
    await waitFor(() => node.getConnections(peer.peerId).length > 0, 'connected within the first check', {
      timeoutMs: 10_000,
    });
    await keeper.stop();
  });

  it('redials a known peer after a partition heals, even with no bootstrap list', async () => {
    const [a, b] = await Promise.all([
      createLibp2pNode({ transport: 'memory', gossipsub }),
      createLibp2pNode({ transport: 'memory', gossipsub }),
    ]);
    hosts.push(a, b);
    await a.dial(b.getMultiaddrs()[0]!);
    // The partition: the connection drops; a still knows b's address from before.
    await a.hangUp(b.peerId);
    await waitFor(() => a.getConnections(b.peerId).length === 0, 'disconnected');
    const off = new PeerKeeper({ peers: [], exploreBelowConnections: 0 }, { libp2p: a });
    assert.equal(await off.check(), 0);
    assert.equal(a.getConnections(b.peerId).length, 0);
    const keeper = new PeerKeeper({ peers: [], intervalMs: 50 }, { libp2p: a });
    assert.equal(await keeper.check(), 1);
    await waitFor(() => a.getConnections(b.peerId).length > 0, 'reconnected to the known peer');
  });
});
