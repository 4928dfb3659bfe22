import * as assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { after, describe, it } from 'node:test';
import { createLibp2pNode, type TrustmeshLibp2p } from '@trustmesh/node';
import { type ConditionedTcpModules, conditionedTcp } from '../../src/fabric/conditioned-tcp.ts';
import { DelayQueue, type LinkState, linkDelay } from '../../src/fabric/link-delay.ts';
import type { WireCounters } from '../../src/fabric/sim-network.ts';

/**
 * Timers resolve to the millisecond and the queues deliver what is due within one, so a delay of
 * d ms may be observed as d - 1 on each leg.
 */
const TIMER_SLACK_MS = 1;

/** Polls `condition` until it holds, failing after `timeoutMs`. */
async function waitFor(condition: () => boolean, message: string, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for: ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Link conditions the test sets, the same for every pair and direction, and a scripted random source. */
class FakeLinks {
  state: LinkState = { latencyMs: 0, jitterMs: 0, loss: 0 };
  /** Values `random` returns first; after them it returns 0.99 (no loss, near-maximal jitter). */
  script: number[] = [];
  private readonly wire = new Map<string, WireCounters>();

  readonly modules: ConditionedTcpModules = {
    now: () => performance.now(),
    random: () => this.script.shift() ?? 0.99,
    link: () => ({ ...this.state }),
    counters: (peer) => {
      let counters = this.wire.get(peer);
      if (!counters) {
        counters = { sent: 0, received: 0 };
        this.wire.set(peer, counters);
      }
      return counters;
    },
  };

  counters(host: TrustmeshLibp2p): WireCounters {
    return { ...this.modules.counters(host.peerId.toString()) };
  }
}

const hosts: TrustmeshLibp2p[] = [];

/** A dialer and a listener on loopback TCP, both through the conditioned transport, connected. */
async function connectedPair(links: FakeLinks): Promise<{ dialer: TrustmeshLibp2p; listener: TrustmeshLibp2p }> {
  const create = async () => {
    const host = await createLibp2pNode(
      { transport: 'tcp', listen: ['/ip4/127.0.0.1/tcp/0'], pingIntervalMs: 0, gossipsub: {} },
      { transport: conditionedTcp(links.modules) },
    );
    hosts.push(host);
    return host;
  };
  const [dialer, listener] = [await create(), await create()];
  const address = listener.getMultiaddrs()[0];
  assert.ok(address, 'the listener listens');
  assert.ok(address.toString().endsWith(`/p2p/${listener.peerId}`), 'the listen address ends in its peer id');
  await dialer.dial(address);
  return { dialer, listener };
}

/** Runs `action` and returns how long it took, ms. */
async function timed(action: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await action();
  return performance.now() - start;
}

after(async () => {
  await Promise.all(hosts.map((host) => host.stop()));
});

describe('link delay', () => {
  const scripted = (values: number[]) => () => values.shift() ?? assert.fail('random drawn too often');

  it('is latency, plus jitter, plus one doubling retransmission timeout per loss', () => {
    assert.equal(linkDelay({ latencyMs: 80, jitterMs: 0, loss: 0 }, scripted([])), 80);
    assert.equal(linkDelay({ latencyMs: 80, jitterMs: 10, loss: 0 }, scripted([0.5])), 85);
    // RTO = max(200, 3 × 80) = 240, then 480; the third draw (0.9 ≥ 0.5) ends the losses.
    assert.equal(linkDelay({ latencyMs: 80, jitterMs: 0, loss: 0.5 }, scripted([0, 0.1, 0.9])), 80 + 240 + 480);
    // At most six losses: 200 + 400 + … + 6400.
    assert.equal(
      linkDelay({ latencyMs: 0, jitterMs: 0, loss: 1 }, () => 0),
      12_600,
    );
  });

  it('delivers a direction in order even when a later write draws a shorter delay', async () => {
    const delivered: number[] = [];
    const queue = new DelayQueue<number>({ now: () => performance.now(), deliver: (item) => delivered.push(item) });
    queue.push(1, 30);
    queue.push(2, 0);
    queue.push(3, 10);
    assert.deepEqual(delivered, [], 'nothing is delivered inside the pusher’s call stack');
    await waitFor(() => delivered.length === 3, 'all three are delivered');
    assert.deepEqual(delivered, [1, 2, 3]);
  });
});

describe('conditioned TCP transport', () => {
  it('carries libp2p traffic at latency 0 and counts wire bytes on both hosts', async () => {
    const links = new FakeLinks();
    const { dialer, listener } = await connectedPair(links);

    // Answered is what counts here (that latency 0 adds no delay is checked in virtual time by the
    // transport compliance suite, test/transport-compliance/conditioning.ts).
    const rtt = await dialer.services.ping.ping(listener.peerId);
    assert.ok(Number.isFinite(rtt) && rtt >= 0, `ping RTT ${rtt}`);

    // Every byte one host sends over the connection is one the other receives, once it has arrived.
    await waitFor(() => {
      const d = links.counters(dialer);
      const l = links.counters(listener);
      return d.sent === l.received && l.sent === d.received;
    }, 'byte counters of both ends agree');
    const d = links.counters(dialer);
    const l = links.counters(listener);
    assert.ok(d.sent > 0 && d.received > 0, `dialer counters ${JSON.stringify(d)}`);
    assert.ok(l.sent > 0 && l.received > 0, `listener counters ${JSON.stringify(l)}`);
  });

  it('delays the dial and both directions of the dialer’s connection by the link latency', async () => {
    const links = new FakeLinks();
    links.state = { latencyMs: 80, jitterMs: 0, loss: 0 };
    const { dialer, listener } = await connectedPair(links);
    // connectedPair already dialled; a second host measures the dial: SYN, then Noise's first round trip.
    const other = await createLibp2pNode(
      { transport: 'tcp', listen: ['/ip4/127.0.0.1/tcp/0'], pingIntervalMs: 0, gossipsub: {} },
      { transport: conditionedTcp(links.modules) },
    );
    hosts.push(other);
    const dialMs = await timed(() => dialer.dial(other.getMultiaddrs()[0]!));
    assert.ok(dialMs >= 80 + 160 - 3 * TIMER_SLACK_MS, `dial took ${dialMs} ms`);

    // Floors only: a delay is never shorter than configured, however slow the machine; a ceiling
    // would be a wall-clock SLO (the exact delays are checked in virtual time by the compliance suite).
    const forward = await dialer.services.ping.ping(listener.peerId);
    assert.ok(forward >= 160 - 2 * TIMER_SLACK_MS, `dialer → listener ping RTT ${forward} ms`);

    // The listener pings back over the same (inbound, for it) connection: the dialer delays both ways.
    const connections = listener.getConnections(dialer.peerId);
    assert.equal(connections.length, 1);
    assert.equal(connections[0]!.direction, 'inbound');
    const reverse = await listener.services.ping.ping(dialer.peerId);
    assert.ok(reverse >= 160 - 2 * TIMER_SLACK_MS, `listener → dialer ping RTT ${reverse} ms`);
    assert.equal(listener.getConnections(dialer.peerId).length, 1, 'no second connection was opened');
  });

  it('holds a lost write back by one retransmission timeout, and the writes behind it', async () => {
    const links = new FakeLinks();
    const { dialer, listener } = await connectedPair(links);
    await dialer.services.ping.ping(listener.peerId);

    // From now on each write is lost with probability 0.5; the script makes the next write lost once
    // (draw 0 < 0.5), and every later draw (0.99) delivered: one RTO of max(200 ms, 3 × 0) = 200 ms.
    links.state = { latencyMs: 0, jitterMs: 0, loss: 0.5 };
    links.script = [0];
    const pingMs = await timed(() => dialer.services.ping.ping(listener.peerId));
    assert.equal(links.script.length, 0, 'the scripted loss was drawn');
    // A floor, as above: the RTO's exact length is checked in virtual time by the compliance suite.
    assert.ok(pingMs >= 200 - TIMER_SLACK_MS, `ping with one lost write took ${pingMs} ms`);
  });

  it('aborting a connection resets the socket, drops data in flight and leaves no timer behind', async () => {
    const links = new FakeLinks();
    const { dialer, listener } = await connectedPair(links);
    await waitFor(() => {
      const d = links.counters(dialer);
      const l = links.counters(listener);
      return d.sent === l.received && l.sent === d.received;
    }, 'the connection is quiet');

    // Every write from now on is lost six times over (12.6 s in flight): the ping cannot arrive.
    const timers = trackTimers('link-delay.ts');
    try {
      links.state = { latencyMs: 0, jitterMs: 0, loss: 1 };
      const sentBefore = links.counters(dialer).sent;
      const receivedBefore = links.counters(listener).received;
      const ping = dialer.services.ping.ping(listener.peerId).then(
        () => 'answered',
        () => 'failed',
      );
      await waitFor(() => links.counters(dialer).sent > sentBefore, 'the ping is on its way');
      assert.ok(timers.alive.size > 0, 'a delivery timer holds the ping');

      const [connection] = dialer.getConnections(listener.peerId);
      assert.ok(connection);
      connection.abort(new Error('simulated crash'));
      assert.equal(await ping, 'failed');
      // The listener's socket sees the reset at once (not 12.6 s later, behind the dropped data).
      await waitFor(() => listener.getConnections(dialer.peerId).length === 0, 'the listener sees the connection end');
      assert.equal(links.counters(listener).received, receivedBefore, 'nothing queued was delivered');
      assert.equal(dialer.getConnections(listener.peerId).length, 0);
      // Timers report their end (cleared or fired) asynchronously.
      await waitFor(() => timers.alive.size === 0, `the ${timers.alive.size} delivery timers are cleared`);
    } finally {
      timers.disable();
    }
  });
});

/** Tracks the timers set from code in `file` (by their creation stack) until they are cleared or fire. */
function trackTimers(file: string): { alive: Set<number>; disable: () => void } {
  const alive = new Set<number>();
  const hook = createHook({
    init(asyncId, type) {
      if (type !== 'Timeout') return;
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 30;
      const stack = new Error().stack ?? '';
      Error.stackTraceLimit = limit;
      if (stack.includes(file)) alive.add(asyncId);
    },
    destroy(asyncId) {
      alive.delete(asyncId);
    },
  }).enable();
  return { alive, disable: () => hook.disable() };
}
