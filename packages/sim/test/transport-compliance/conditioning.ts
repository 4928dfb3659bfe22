/**
 * The link model as each transport applies it (link-delay.ts): the dial costs one latency, each
 * direction is held for its own latency, a lost write waits one retransmission timeout with the
 * writes behind it, jitter never reorders, a crash loses what is in flight. All in virtual time
 * (node:test's mocked timers): what is checked is what has arrived at which virtual millisecond,
 * never how long the wall clock took.
 */
import * as assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { connect, dialRaw, listen, withVirtualTime } from './kit.ts';
import { type TransportFixture, World } from './world.ts';

const T = { timeout: 10_000 };

export function describeConditioning(fixture: TransportFixture): void {
  describe('link conditioning (virtual time)', () => {
    let world: World;
    beforeEach(() => {
      world = new World(fixture);
    });
    afterEach(async () => {
      await world.close();
    });

    /** Two hosts, the second listening. */
    async function pair() {
      const [a, b] = [await world.host(), await world.host()];
      await listen(b, fixture.listenAddress());
      return { a, b };
    }

    it('the dial takes one link latency (the SYN)', T, async () => {
      const { a, b } = await pair();
      world.links.setBoth(a, b, { latencyMs: 100 });
      await withVirtualTime(world.links, async (advance) => {
        let dialled = false;
        const dial = dialRaw(a, b).then((c) => {
          dialled = true;
          return c;
        });
        await fixture.settle();
        await advance(99);
        await fixture.settle();
        assert.equal(dialled, false, 'not connected after 99 ms');
        assert.equal(b.inbound.count, 0, 'the listener has seen nothing after 99 ms');
        await advance(1);
        await dial;
        await b.inbound.next();
      });
    });

    it('a dial whose SYN is still on its way when the listener closes fails, and opens nothing', T, async () => {
      const { a, b } = await pair();
      world.links.setBoth(a, b, { latencyMs: 100 });
      await withVirtualTime(world.links, async (advance) => {
        const dial = dialRaw(a, b).then(
          () => 'connected',
          () => 'failed',
        );
        await fixture.settle();
        await advance(50);
        await b.listener!.close();
        await advance(50);
        assert.equal(await dial, 'failed');
        await fixture.settle();
        assert.equal(b.inbound.count, 0, 'the closed listener accepted nothing');
      });
    });

    it('holds each direction for its own latency: 100 ms out, 30 ms back', T, async () => {
      const { a, b } = await pair();
      const { dialer, accepter, atDialer, atAccepter } = await connect(a, b);
      world.links.set(a, b, { latencyMs: 100 });
      world.links.set(b, a, { latencyMs: 30 });
      await withVirtualTime(world.links, async (advance) => {
        dialer.send(Uint8Array.of(1));
        accepter.send(Uint8Array.of(2));
        await fixture.settle();
        await advance(29);
        await fixture.settle();
        assert.equal(atDialer.length, 0, 'listener → dialer: nothing after 29 ms');
        await advance(1);
        await atDialer.received(1);
        await advance(69);
        await fixture.settle();
        assert.equal(atAccepter.length, 0, 'dialer → listener: nothing after 99 ms');
        await advance(1);
        await atAccepter.received(1);
        assert.deepEqual([...atAccepter.bytes(), ...atDialer.bytes()], [1, 2]);
      });
    });

    it('holds a lost write one retransmission timeout, and the write behind it with it', T, async () => {
      const { a, b } = await pair();
      const { dialer, atAccepter } = await connect(a, b);
      world.links.set(a, b, { latencyMs: 0, loss: 0.5 });
      // The first write draws 0 (< 0.5: lost once, RTO = max(200 ms, 3 × 0)), then 0.99 (sent); the
      // second draws 0.99 (not lost) and still waits behind the first, as TCP's in-order delivery does.
      world.links.script = [0];
      await withVirtualTime(world.links, async (advance) => {
        dialer.send(Uint8Array.of(1));
        dialer.send(Uint8Array.of(2));
        await fixture.settle();
        assert.equal(world.links.script.length, 0, 'the scripted loss was drawn');
        await advance(199);
        await fixture.settle();
        assert.equal(atAccepter.length, 0, 'nothing after 199 ms');
        await advance(1);
        await atAccepter.received(2);
        assert.deepEqual([...atAccepter.bytes()], [1, 2]);
      });
    });

    it('never reorders a direction, whatever the jitter draws', T, async () => {
      const { a, b } = await pair();
      const { dialer, atAccepter } = await connect(a, b);
      world.links.set(a, b, { latencyMs: 10, jitterMs: 100 });
      // Delays drawn: 10 + 0.9 × 100 = 100 ms for the first write, 10 + 0 = 10 ms for the second.
      world.links.script = [0.9, 0];
      await withVirtualTime(world.links, async (advance) => {
        dialer.send(Uint8Array.of(1));
        dialer.send(Uint8Array.of(2));
        await fixture.settle();
        await advance(99);
        await fixture.settle();
        assert.equal(atAccepter.length, 0, 'the second write did not overtake the first');
        await advance(1);
        await atAccepter.received(2);
        assert.deepEqual([...atAccepter.bytes()], [1, 2]);
      });
    });

    it('a close travels behind the data the link still holds', T, async () => {
      const { a, b } = await pair();
      const { dialer, atAccepter } = await connect(a, b);
      world.links.setBoth(a, b, { latencyMs: 100 });
      await withVirtualTime(world.links, async (advance) => {
        let remoteClosed = false;
        void atAccepter.closed.then(() => {
          remoteClosed = true;
        });
        dialer.send(Uint8Array.of(1, 2, 3));
        const closing = dialer.close();
        await fixture.settle();
        await advance(99);
        await fixture.settle();
        assert.equal(atAccepter.length, 0, 'nothing after 99 ms');
        assert.equal(remoteClosed, false, 'the close did not overtake the data');
        await advance(1);
        const closed = await atAccepter.closed;
        await closing;
        assert.deepEqual([...atAccepter.bytes()], [1, 2, 3], 'the data arrived before the close');
        assert.equal(closed.error, undefined);
      });
    });

    it('conditions are per pair: a slow link from one host does not hold back another’s writes', T, async () => {
      const { a, b } = await pair();
      const c = await world.host();
      const slow = await connect(a, b);
      const fast = await connect(c, b);
      world.links.set(a, b, { latencyMs: 100 });
      await withVirtualTime(world.links, async (advance) => {
        slow.dialer.send(Uint8Array.of(1));
        fast.dialer.send(Uint8Array.of(2));
        await fast.atAccepter.received(1);
        await fixture.settle();
        assert.equal(slow.atAccepter.length, 0, 'the slow link still holds its write');
        await advance(100);
        await slow.atAccepter.received(1);
      });
    });

    it('a crash loses the data in flight, and the remote end closes with an error', T, async () => {
      const { a, b } = await pair();
      const { dialer, atAccepter } = await connect(a, b);
      world.links.setBoth(a, b, { latencyMs: 100 });
      await withVirtualTime(world.links, async (advance) => {
        dialer.send(Uint8Array.of(1));
        await fixture.settle();
        await advance(50);
        fixture.crash(a.id, [dialer]);
        await advance(200);
        const closed = await atAccepter.closed;
        await fixture.settle();
        assert.ok(closed.error instanceof Error, 'the remote end learns of the crash as an error');
        assert.equal(atAccepter.length, 0, 'what was in flight was lost');
      });
    });

    it('applies a change of conditions to the writes made after it', T, async () => {
      const { a, b } = await pair();
      const { dialer, atAccepter } = await connect(a, b);
      await withVirtualTime(world.links, async (advance) => {
        dialer.send(Uint8Array.of(1));
        await atAccepter.received(1);
        world.links.set(a, b, { latencyMs: 50 });
        dialer.send(Uint8Array.of(2));
        await fixture.settle();
        await advance(49);
        await fixture.settle();
        assert.equal(atAccepter.length, 1, 'the write after the change is held');
        await advance(1);
        await atAccepter.received(2);
        assert.deepEqual([...atAccepter.bytes()], [1, 2]);
      });
    });
  });
}
