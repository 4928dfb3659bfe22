/**
 * Record gossip between real libp2p hosts over the in-memory transport, with fake sinks: propagation,
 * validation before forwarding, network separation, pending records, evidence.
 */
import * as assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { GOSSIP_CODES } from '../../src/gossip/record-gossip.ts';
import { recordsTopic } from '../../src/network/protocols.ts';
import { connect, dial, FakeSink, type GossipPeer, record, startGossipPeer, stopAll, waitFor } from '../helpers.ts';

describe('record gossip over the memory transport', () => {
  const peers: GossipPeer[] = [];
  after(() => stopAll(peers));

  /** Whether `b` is in `a`'s gossip mesh (getMeshPeers is public on gossipsub's class, not its interface). */
  function inMesh(a: GossipPeer, b: GossipPeer): boolean {
    const pubsub = a.libp2p.services.pubsub as unknown as { getMeshPeers(topic: string): string[] };
    return pubsub.getMeshPeers(a.gossip.topic).includes(b.libp2p.peerId.toString());
  }

  async function start(...args: Parameters<typeof startGossipPeer>): Promise<GossipPeer> {
    const peer = await startGossipPeer(...args);
    peers.push(peer);
    return peer;
  }

  it('a record published on one node reaches every node of a line of four (multi-hop forwarding)', async () => {
    const [a, b, c, d] = await Promise.all([1, 2, 3, 4].map(() => start('line')));
    assert.ok(a && b && c && d);
    await connect(a, b);
    await connect(b, c);
    await connect(c, d);

    const bytes = record({ id: 'list-1' });
    const report = await a.admission.publish(bytes);
    assert.equal(report.status, 'published');
    // Only b is a direct peer of a: c and d can only get it by forwarding.
    assert.equal(report.status === 'published' && report.recipients, 1);
    await waitFor(() => [b, c, d].every((p) => p.sink.held.has('list-1')), 'list-1 held by b, c and d');
    assert.equal(d.gossip.counters().accepted['status-list'], 1);
    assert.equal(a.gossip.counters().published, 1);
  });

  it('publishing a record the local sink refuses sends nothing and says why', async () => {
    const a = await start('refuse');
    const report = await a.admission.publish(new TextEncoder().encode('not json'));
    assert.deepEqual(report, { status: 'reject', code: 'RECORD_NOT_JSON', message: 'not JSON' });
    assert.equal(a.gossip.counters().published, 0);
  });

  it('a record admitted with no peer subscribed is stored and reported, not thrown', async () => {
    const a = await start('alone');
    const report = await a.admission.publish(record({ id: 'solo' }));
    assert.equal(report.status, 'stored');
    assert.equal(report.status === 'stored' && report.code, GOSSIP_CODES.NO_PEERS);
    assert.ok(a.sink.held.has('solo'));
    assert.equal(a.gossip.counters().publishFailed[GOSSIP_CODES.NO_PEERS], 1);
  });

  it('a record published before any peer subscribed goes out as soon as one does (a node just restarted)', async () => {
    const a = await start('restarted');
    const b = await start('restarted');
    const report = await a.admission.publish(record({ id: 'early' }));
    assert.equal(report.status === 'stored' && report.code, GOSSIP_CODES.NO_PEERS);
    assert.equal(a.gossip.unsentCount, 1);
    // No anti-entropy here: only gossip can bring it to b.
    await connect(a, b);
    await waitFor(() => b.sink.held.has('early'), 'b received the record published before it subscribed');
    assert.equal(a.gossip.unsentCount, 0);
  });

  it('a record rejected by validation is not forwarded, and its sender is penalised', async () => {
    // bad — relay — victim: bad bypasses its own validation by publishing on the raw pubsub.
    const [bad, relay, victim] = await Promise.all([start('reject'), start('reject'), start('reject')]);
    assert.ok(bad && relay && victim);
    await connect(bad, relay);
    await connect(relay, victim);
    const topic = recordsTopic('reject');

    // First prove the path bad → relay → victim forwards valid records.
    await bad.admission.publish(record({ id: 'valid-1' }));
    await waitFor(() => victim.sink.held.has('valid-1'), 'victim got valid-1 through relay');

    const garbage = new TextEncoder().encode('{"this is": not a record');
    await bad.libp2p.services.pubsub.publish(topic, garbage);
    await bad.admission.publish(record({ id: 'valid-2' }));
    await waitFor(
      () => relay.gossip.counters().rejected.RECORD_NOT_JSON === 1 && victim.sink.held.has('valid-2'),
      'relay rejected the garbage and victim got valid-2',
    );
    assert.ok(relay.sink.saw(garbage), 'the relay validated the garbage');
    assert.ok(!victim.sink.saw(garbage), 'the victim never received the garbage');
    // Scores are cached by gossipsub for up to one decay interval (1 s).
    await waitFor(() => (relay.gossip.peerScore(bad.libp2p.peerId) ?? 0) < 0, "bad peer's score turns negative");
    // One invalid message: -150 (P4), below zero but above the gossip threshold (-400).
    assert.ok((relay.gossip.peerScore(bad.libp2p.peerId) ?? 0) > -400);
    assert.ok((relay.gossip.peerScore(victim.libp2p.peerId) ?? -1) >= 0, 'the honest peer is not penalised');
  });

  it('a message over the size bound is rejected before the sink sees it; our own oversize record is a logged, counted skip', async () => {
    const logged: { message: string; details?: Record<string, unknown> }[] = [];
    const logger = {
      warn: () => undefined,
      info: (message: string, details?: Record<string, unknown>) =>
        logged.push({ message, ...(details ? { details } : {}) }),
    };
    const [bad, relay] = await Promise.all([start('size', { logger }), start('size')]);
    assert.ok(bad && relay);
    await connect(bad, relay);
    // Over the 512 KiB message bound, under the RPC frame bound (so the validator, not the stream, refuses it).
    const big = new Uint8Array(520 * 1024).fill(0x20);
    await bad.libp2p.services.pubsub.publish(recordsTopic('size'), big);
    await waitFor(
      () => relay.gossip.counters().rejected[GOSSIP_CODES.MESSAGE_TOO_LARGE] === 1,
      'relay rejected the oversized message',
    );
    assert.equal(relay.sink.submitted.length, 0);
    // Our own oversized records are never sent (peers would penalise us): stored, skipped with a
    // reason, counted and logged; anti-entropy carries them.
    const published = bad.gossip.counters().published;
    const report = await bad.admission.publish(record({ id: 'x', pad: ' '.repeat(520 * 1024) }));
    assert.equal(report.status === 'stored' && report.code, GOSSIP_CODES.TOO_LARGE_FOR_GOSSIP);
    assert.ok(bad.sink.held.has('x'), 'stored all the same');
    assert.equal(bad.gossip.counters().skipped[GOSSIP_CODES.TOO_LARGE_FOR_GOSSIP], 1);
    assert.equal(
      bad.gossip.counters().publishFailed[GOSSIP_CODES.TOO_LARGE_FOR_GOSSIP],
      undefined,
      'a skip, not a failure',
    );
    assert.equal(bad.gossip.counters().published, published);
    assert.equal(logged.length, 1);
    assert.equal(logged[0]?.details?.code, GOSSIP_CODES.TOO_LARGE_FOR_GOSSIP);
    assert.equal(logged[0]?.details?.digest, report.status === 'stored' && report.digest);
  });

  it('two networks never exchange records, even over a direct connection', async () => {
    const [a1, b1, c2] = await Promise.all([start('net-one'), start('net-one'), start('net-two')]);
    assert.ok(a1 && b1 && c2);
    await connect(a1, b1);
    await dial(a1, c2);
    await dial(b1, c2);
    await waitFor(() => c2.libp2p.getConnections().length === 2, 'c2 connected to both');

    const one = record({ id: 'from-net-one' });
    const two = record({ id: 'from-net-two' });
    const sentOne = await a1.admission.publish(one);
    const sentTwo = await c2.admission.publish(two);
    await waitFor(() => b1.sink.held.has('from-net-one'), 'b1 got net-one record');
    // c2 has peers, but none subscribed to net-two's topic.
    assert.equal(sentTwo.status === 'stored' && sentTwo.code, GOSSIP_CODES.NO_PEERS);
    assert.equal(sentOne.status === 'published' && sentOne.recipients, 1, 'only b1 received net-one record');
    assert.ok(!c2.sink.saw(one));
    assert.ok(!a1.sink.saw(two) && !b1.sink.saw(two));
    assert.deepEqual(
      a1.gossip.subscribers().map(String),
      [b1.libp2p.peerId.toString()],
      'a1 does not track c2 as a subscriber of its topic',
    );
  });

  it('a record that arrives before its parent is held, then admitted and forwarded when the parent comes', async () => {
    // origin holds everything; middle and edge check dependencies.
    const origin = await start('pending');
    const middle = await start('pending', {
      sink: new FakeSink({ checkDependencies: true }),
      gossip: { holdMs: 2_500 },
    });
    const edge = await start('pending', { sink: new FakeSink({ checkDependencies: true }) });
    await connect(origin, middle);
    await connect(middle, edge);

    await origin.admission.publish(record({ id: 'child', requires: 'parent' }));
    await waitFor(() => middle.admission.counters().pending.buffered === 1, 'middle buffered the child');
    assert.ok(!middle.sink.held.has('child'));
    await origin.admission.publish(record({ id: 'parent' }));

    await waitFor(() => middle.sink.held.has('child'), 'middle recovered the child');
    // The child's validation was still held: gossipsub forwarded it to the edge.
    await waitFor(() => edge.sink.held.has('child') && edge.sink.held.has('parent'), 'edge holds child and parent');
    const counters = middle.gossip.counters();
    assert.equal(middle.admission.counters().pending.recovered, 1);
    assert.equal(middle.admission.counters().pending.size, 0);
    assert.equal(counters.accepted['status-list'], 2);
  });

  it('a record recovered after its hold ended is admitted locally (gossipsub will not resend it yet)', async () => {
    const origin = await start('late');
    const middle = await start('late', { sink: new FakeSink({ checkDependencies: true }), gossip: { holdMs: 0 } });
    await connect(origin, middle);

    await origin.admission.publish(record({ id: 'child', requires: 'parent' }));
    await waitFor(() => middle.gossip.counters().ignored.STATUS_LIST_ISSUER_UNKNOWN === 1, 'child ignored');
    await origin.admission.publish(record({ id: 'parent' }));
    await waitFor(() => middle.sink.held.has('child'), 'middle recovered the child');
    assert.equal(middle.admission.counters().pending.recovered, 1);
    // Seen within gossipsub's seen-cache window: not re-sent; anti-entropy will carry it.
    await waitFor(
      () => middle.gossip.counters().publishFailed[GOSSIP_CODES.DUPLICATE] === 1,
      'the re-publication was refused as a duplicate',
    );
  });

  it('a peer stopped gracefully and restarted at once, with the same peer id, is back in the mesh (stop sends no PRUNE)', async () => {
    const key = await generateKeyPair('Ed25519');
    const a = await start('restart');
    const b = await start('restart', { privateKey: key });
    await connect(a, b);
    await waitFor(() => inMesh(a, b) && inMesh(b, a), 'a and b in each other’s mesh');
    await b.stop();
    await waitFor(() => a.libp2p.getConnections(b.libp2p.peerId).length === 0, 'a saw b go');
    const restarted = await start('restart', { privateKey: key });
    await connect(a, restarted);
    // Had b left the topic on stop, a would hold a backoff for b's peer id and answer the restarted
    // b's GRAFT with a PRUNE of gossipsub's full backoff (60 s): this wait would time out.
    await waitFor(() => inMesh(a, restarted) && inMesh(restarted, a), 'the restarted b back in a’s mesh', {
      timeoutMs: 20_000,
    });
  });

  it('a record that proves equivocation is not forwarded; the evidence is published instead', async () => {
    const origin = await start('evidence');
    const middle = await start('evidence');
    const edge = await start('evidence');
    middle.sink.equivocations.add('forked');
    await connect(origin, middle);
    await connect(middle, edge);

    const forked = record({ id: 'forked' });
    await origin.admission.publish(forked);
    await waitFor(() => edge.sink.evidence.length === 1, 'edge received the evidence');
    assert.deepEqual(edge.sink.evidence[0], middle.sink.evidence[0]);
    assert.ok(!edge.sink.saw(forked), 'the equivocating record itself was not forwarded');
    assert.equal(middle.gossip.counters().ignored[GOSSIP_CODES.EQUIVOCATION], 1);
    assert.equal(middle.gossip.counters().evidencePublished, 1);
    assert.equal(edge.gossip.counters().accepted.evidence, 1);
  });
});
