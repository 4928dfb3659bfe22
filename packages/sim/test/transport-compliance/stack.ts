/**
 * The production stack over the transport, as the simulation runs it: Noise, Yamux and libp2p
 * streams on two TrustmeshNode libp2p hosts (createLibp2pNode), gated by the simulation's link
 * model (link-model.ts), which is how both transports are partitioned.
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateKeyPair } from '@libp2p/crypto/keys';
import type { Connection, PeerId, Stream } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { createLibp2pNode, type TrustmeshLibp2p } from '@trustmesh/node';
import { LinkModel } from '../../src/fabric/link-model.ts';
import { ByteSink, Inbox, patternBytes, sendAll } from './kit.ts';
import type { TransportFixture } from './world.ts';

const ECHO = '/trustmesh-compliance/echo/1.0.0';
const SINK = '/trustmesh-compliance/sink/1.0.0';
const T = { timeout: 10_000 };

/** Sends every chunk back, and closes its write end once the remote closed theirs. */
async function echo(stream: Stream): Promise<void> {
  try {
    for await (const chunk of stream) if (!stream.send(chunk)) await stream.onDrain();
    await stream.close();
  } catch (error) {
    stream.abort(error as Error);
  }
}

/** Sends `data` on a new echo stream, half-closes it, and returns what came back before the stream closed. */
async function echoRoundTrip(from: TrustmeshLibp2p, to: PeerId, data: Uint8Array): Promise<Uint8Array> {
  const stream = await from.dialProtocol(to, ECHO, { signal: AbortSignal.timeout(10_000) });
  const sink = new ByteSink(stream);
  await sendAll(stream, data);
  // Our write end only: the echo keeps arriving until the remote closes theirs.
  await stream.close();
  const closed = await sink.closed;
  assert.equal(closed.error, undefined, 'the stream closed cleanly');
  return sink.bytes();
}

export function describeStack(fixture: TransportFixture): void {
  describe('the libp2p stack over it (Noise, Yamux, streams, partitions)', () => {
    const model = new LinkModel({ baseLatencyMs: () => 0, baseJitterMs: () => 0 });
    let a: TrustmeshLibp2p;
    let b: TrustmeshLibp2p;
    const atB = new Inbox<{ stream: Stream; sink: ByteSink }>();

    before(async () => {
      const factory = fixture.network({
        now: () => performance.now(),
        random: () => 0.5,
        link: (from, to) => model.state(from, to),
      });
      const create = async (index: number) => {
        const privateKey = await generateKeyPair('Ed25519');
        const peerId = peerIdFromPrivateKey(privateKey).toString();
        model.register(peerId, index);
        return createLibp2pNode(
          {
            transport: fixture.libp2pTransport,
            listen: [fixture.listenAddress().toString()],
            pingIntervalMs: 0,
            gossipsub: {},
          },
          { transport: factory, privateKey, connectionGater: model.gater(peerId) },
        );
      };
      [a, b] = [await create(0), await create(1)];
      for (const host of [a, b]) await host.handle(ECHO, (stream) => void echo(stream));
      await b.handle(SINK, (stream) => atB.push({ stream, sink: new ByteSink(stream) }));
      await a.dial(b.getMultiaddrs()[0]!);
    });

    after(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
    });

    it('a stream carries 1 MiB each way, and half-closing its write end still lets the echo in', T, async () => {
      const data = patternBytes(1024 * 1024, 7);
      const back = await echoRoundTrip(a, b.peerId, data);
      assert.ok(Buffer.from(back).equals(data));
    });

    it('the listener opens streams back over the same inbound connection', T, async () => {
      const data = patternBytes(64 * 1024, 8);
      assert.ok(Buffer.from(await echoRoundTrip(b, a.peerId, data)).equals(data));
      const connections = b.getConnections(a.peerId);
      assert.equal(connections.length, 1, 'no second connection was opened');
      assert.equal(connections[0]!.direction, 'inbound');
    });

    it('carries 10 concurrent streams, each with its own payload intact', T, async () => {
      const payloads = Array.from({ length: 10 }, (_, i) => patternBytes(32 * 1024 + i * 1000, 100 + i));
      const backs = await Promise.all(payloads.map((p) => echoRoundTrip(a, b.peerId, p)));
      for (const [i, back] of backs.entries()) assert.ok(Buffer.from(back).equals(payloads[i]!), `stream ${i}`);
    });

    it('a stream abort reaches the remote as a reset, and the connection stays up', T, async () => {
      const stream = await a.dialProtocol(b.peerId, SINK, { signal: AbortSignal.timeout(10_000) });
      stream.send(Uint8Array.of(1, 2, 3));
      const remote = await atB.next();
      await remote.sink.received(3);
      stream.abort(new Error('changed my mind'));
      const closed = await remote.sink.closed;
      assert.ok(closed.error instanceof Error, 'the remote stream ended with an error');
      assert.equal(remote.stream.status, 'reset');
      const data = patternBytes(1000, 9);
      assert.ok(Buffer.from(await echoRoundTrip(a, b.peerId, data)).equals(data), 'the connection still carries');
    });

    it('closing the connection closes it at the remote too', T, async () => {
      const gone = new Promise<void>((resolve) => {
        const onClose = (event: CustomEvent<Connection>) => {
          if (!event.detail.remotePeer.equals(a.peerId)) return;
          b.removeEventListener('connection:close', onClose);
          resolve();
        };
        b.addEventListener('connection:close', onClose);
      });
      await a.getConnections(b.peerId)[0]!.close();
      await gone;
      assert.equal(b.getConnections(a.peerId).length, 0);
    });

    it('partitioned by the link model, the hosts cannot connect either way; healed, they do and carry', T, async () => {
      model.partition([[0], [1]]);
      try {
        await assert.rejects(a.dial(b.getMultiaddrs()[0]!));
        await assert.rejects(b.dial(a.getMultiaddrs()[0]!));
        assert.equal(a.getConnections(b.peerId).length, 0);
        assert.equal(b.getConnections(a.peerId).length, 0);
      } finally {
        model.heal();
      }
      await a.dial(b.getMultiaddrs()[0]!);
      const data = patternBytes(4096, 10);
      assert.ok(Buffer.from(await echoRoundTrip(a, b.peerId, data)).equals(data));
    });
  });
}
