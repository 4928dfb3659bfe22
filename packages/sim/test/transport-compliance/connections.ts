/**
 * The transport's own contract, below Noise and Yamux: listening, dialling, the bytes of both
 * directions, close and abort, dial failures and aborts, concurrent connections, listener close.
 * Cases follow libp2p's Transport and MultiaddrConnection interfaces (@libp2p/interface
 * transport.ts, message-stream.ts) and the cases of js-libp2p's interface-compliance-tests.
 */
import * as assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ByteSink, connect, dialRaw, listen, patternBytes, sendAll } from './kit.ts';
import { type TransportFixture, World } from './world.ts';

const T = { timeout: 10_000 };

export function describeConnections(fixture: TransportFixture): void {
  describe('connections', () => {
    let world: World;
    beforeEach(() => {
      world = new World(fixture);
    });
    afterEach(async () => {
      await world.close();
    });

    it('listens on the address given and reports addresses its own filters accept, without a peer id', T, async () => {
      const host = await world.host();
      const listener = await listen(host, fixture.listenAddress());
      const addrs = listener.getAddrs();
      assert.ok(addrs.length > 0);
      for (const addr of addrs) {
        assert.deepEqual(host.transport.listenFilter([addr]), [addr], `${addr} passes the listen filter`);
        assert.deepEqual(host.transport.dialFilter([addr]), [addr], `${addr} passes the dial filter`);
        assert.doesNotMatch(addr.toString(), /\/p2p\//);
      }
    });

    it('dials a listener: an open outbound end at the dialer, an open inbound end at the listener', T, async () => {
      const [a, b] = [await world.host(), await world.host()];
      await listen(b, fixture.listenAddress());
      const { dialer, accepter } = await connect(a, b);
      assert.equal(dialer.direction, 'outbound');
      assert.equal(accepter.direction, 'inbound');
      assert.equal(dialer.status, 'open');
      assert.equal(accepter.status, 'open');
      assert.equal(b.inbound.count, 1);
    });

    it('carries both directions at once, every byte intact and in order (4 MiB each way)', T, async () => {
      const [a, b] = [await world.host(), await world.host()];
      await listen(b, fixture.listenAddress());
      const { dialer, accepter, atDialer, atAccepter } = await connect(a, b);
      const forward = patternBytes(4 * 1024 * 1024, 1);
      const backward = patternBytes(4 * 1024 * 1024, 2);
      // Uneven chunk sizes, so that chunk boundaries do not line up with anything.
      await Promise.all([sendAll(dialer, forward, 65_519), sendAll(accepter, backward, 12_289)]);
      await Promise.all([atAccepter.received(forward.byteLength), atDialer.received(backward.byteLength)]);
      assert.ok(Buffer.from(atAccepter.bytes()).equals(forward), 'dialer → listener bytes');
      assert.ok(Buffer.from(atDialer.bytes()).equals(backward), 'listener → dialer bytes');
    });

    it('keeps many small writes in order', T, async () => {
      const [a, b] = [await world.host(), await world.host()];
      await listen(b, fixture.listenAddress());
      const { dialer, atAccepter } = await connect(a, b);
      const expected: number[] = [];
      for (let i = 0; i < 2000; i++) {
        const bytes = Uint8Array.of(i & 0xff, (i >> 8) & 0xff);
        expected.push(...bytes);
        if (!dialer.send(bytes)) await dialer.onDrain();
      }
      await atAccepter.received(expected.length);
      assert.deepEqual([...atAccepter.bytes()], expected);
    });

    for (const side of ['dialer', 'listener'] as const) {
      it(`close at the ${side}: what was sent arrives, then both ends close without error`, T, async () => {
        const [a, b] = [await world.host(), await world.host()];
        await listen(b, fixture.listenAddress());
        const ends = await connect(a, b);
        const [closing, other] = side === 'dialer' ? [ends.dialer, ends.accepter] : [ends.accepter, ends.dialer];
        const atOther = side === 'dialer' ? ends.atAccepter : ends.atDialer;
        const atClosing = side === 'dialer' ? ends.atDialer : ends.atAccepter;
        const data = patternBytes(256 * 1024, 3);
        await sendAll(closing, data);
        await closing.close();
        const [closedOther, closedLocal] = await Promise.all([atOther.closed, atClosing.closed]);
        assert.ok(Buffer.from(atOther.bytes()).equals(data), 'everything sent before the close arrived');
        assert.equal(closedOther.error, undefined, 'the remote end closed cleanly');
        assert.equal(closedLocal.error, undefined, 'the local end closed cleanly');
        assert.equal(closing.status, 'closed');
        assert.equal(other.status, 'closed');
      });

      it(`close at both ends at once (the ${side} first): both close without error`, T, async () => {
        const [a, b] = [await world.host(), await world.host()];
        await listen(b, fixture.listenAddress());
        const ends = await connect(a, b);
        const [first, second] = side === 'dialer' ? [ends.dialer, ends.accepter] : [ends.accepter, ends.dialer];
        await Promise.all([first.close(), second.close()]);
        const [atDialer, atAccepter] = await Promise.all([ends.atDialer.closed, ends.atAccepter.closed]);
        assert.equal(atDialer.error, undefined);
        assert.equal(atAccepter.error, undefined);
      });

      it(`abort at the ${side}: the remote end closes with an error`, T, async () => {
        const [a, b] = [await world.host(), await world.host()];
        await listen(b, fixture.listenAddress());
        const ends = await connect(a, b);
        const [aborting, other] = side === 'dialer' ? [ends.dialer, ends.accepter] : [ends.accepter, ends.dialer];
        const atOther = side === 'dialer' ? ends.atAccepter : ends.atDialer;
        aborting.abort(new Error('crash'));
        assert.equal(aborting.status, 'aborted');
        const closed = await atOther.closed;
        assert.ok(closed.error instanceof Error, 'the remote end learns of the abort as an error');
        assert.ok(other.status === 'aborted' || other.status === 'reset', `remote status ${other.status}`);
      });
    }

    it('dialling an address nobody listens on fails with an error naming it', T, async () => {
      const a = await world.host();
      const { address, names } = await fixture.unreachable();
      await assert.rejects(dialRaw(a, address), (error: Error) => {
        assert.ok(error.message.includes(names), `"${error.message}" names ${names}`);
        return true;
      });
    });

    it('an already aborted signal fails the dial with an AbortError and opens nothing', T, async () => {
      const [a, b] = [await world.host(), await world.host()];
      await listen(b, fixture.listenAddress());
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(dialRaw(a, b, controller.signal), { name: 'AbortError' });
      await fixture.settle();
      assert.equal(b.inbound.count, 0, 'the listener accepted nothing');
    });

    it('aborting the signal while the dial is under way fails it with the reason and opens nothing', T, async () => {
      const [a, b] = [await world.host(), await world.host()];
      await listen(b, fixture.listenAddress());
      // A minute of link latency: the dial is still waiting on its SYN when the signal aborts.
      world.links.setBoth(a, b, { latencyMs: 60_000 });
      const controller = new AbortController();
      const dial = dialRaw(a, b, controller.signal);
      await fixture.settle();
      const reason = new Error('the caller gave up');
      controller.abort(reason);
      await assert.rejects(dial, (error) => error === reason);
      await fixture.settle();
      assert.equal(b.inbound.count, 0, 'the listener accepted nothing');
    });

    it('keeps concurrent connections apart (3 dialers × 2 connections, both directions)', T, async () => {
      const listenerHost = await world.host();
      await listen(listenerHost, fixture.listenAddress());
      const dialers = [await world.host(), await world.host(), await world.host()];
      const outbound = await Promise.all(dialers.flatMap((d) => [dialRaw(d, listenerHost), dialRaw(d, listenerHost)]));
      const inbound = await Promise.all(outbound.map(() => listenerHost.inbound.next()));
      const atListener = inbound.map((c) => new ByteSink(c));
      const atDialers = outbound.map((c) => new ByteSink(c));
      // Each connection carries its own tag one way, and the tag + 100 back once its tag arrived.
      const size = 64 * 1024;
      await Promise.all(outbound.map((c, i) => sendAll(c, new Uint8Array(size).fill(i))));
      await Promise.all(atListener.map((s) => s.received(size)));
      const tags = atListener.map((s) => {
        const bytes = s.bytes();
        assert.equal(bytes.byteLength, size);
        assert.ok(
          bytes.every((x) => x === bytes[0]),
          'one connection’s bytes only',
        );
        return bytes[0]!;
      });
      assert.deepEqual([...tags].sort(), [0, 1, 2, 3, 4, 5]);
      await Promise.all(inbound.map((c, i) => sendAll(c, new Uint8Array(size).fill(tags[i]! + 100))));
      await Promise.all(atDialers.map((s) => s.received(size)));
      for (const [i, s] of atDialers.entries()) {
        assert.ok(
          s.bytes().every((x) => x === i + 100),
          `connection ${i} got its own answer`,
        );
      }
    });

    it('a closed listener accepts no more dials, and says so', T, async () => {
      const [a, b] = [await world.host(), await world.host()];
      const listener = await listen(b, fixture.listenAddress());
      await connect(a, b);
      const closed = new Promise((resolve) => listener.addEventListener('close', resolve, { once: true }));
      await listener.close();
      await closed;
      await assert.rejects(dialRaw(a, b));
      await fixture.settle();
      assert.equal(b.inbound.count, 1, 'only the dial before the close was accepted');
    });

    it('closing the listener ends the connections it accepted, at both ends', T, async () => {
      // Listener.close: "emitted when the listener has been shut down, has no open connections"
      // (@libp2p/interface transport.ts); @libp2p/tcp destroys its sockets, @libp2p/memory aborts.
      const [a, b] = [await world.host(), await world.host()];
      const listener = await listen(b, fixture.listenAddress());
      const { dialer, accepter, atDialer, atAccepter } = await connect(a, b);
      await listener.close();
      await Promise.all([atDialer.closed, atAccepter.closed]);
      assert.notEqual(dialer.status, 'open');
      assert.notEqual(accepter.status, 'open');
    });

    it('refuses to listen on an address already in use', T, async () => {
      const [a, b] = [await world.host(), await world.host()];
      const first = await listen(a, fixture.listenAddress());
      const listener = b.transport.createListener({ upgrader: b.upgrader });
      await assert.rejects(listener.listen(first.getAddrs()[0]!));
      await listener.close().catch(() => undefined);
    });
  });
}
