/**
 * The transport compliance suite (CONVENTIONS: a compliance suite for every interface with more
 * than one implementation): the simulator's two hand-written libp2p transports — the in-process
 * network (src/fabric/sim-network.ts) and conditioned TCP (src/fabric/conditioned-tcp.ts) — each run
 * it and must pass it unchanged. Three parts: the transport's own contract on raw multiaddr
 * connections (connections.ts), the link model each applies, in virtual time (conditioning.ts),
 * and the production stack over it — Noise, Yamux, streams, the partition gater (stack.ts).
 *
 * js-libp2p's own suite (@libp2p/interface-compliance-tests 7, for libp2p 3) was not used: it is
 * written for mocha and chai through aegir (a whole release toolchain as a dependency), and its
 * cases run for minutes (10 MiB writes, 1,000 sequential echoes, fixed sleeps). Its cases are
 * covered here in node:test, within seconds.
 */
import { describe } from 'node:test';
import { describeConditioning } from './conditioning.ts';
import { describeConnections } from './connections.ts';
import { describeStack } from './stack.ts';
import type { TransportFixture } from './world.ts';

export type { TransportFixture } from './world.ts';

/** Runs the transport compliance suite against one implementation. */
export function runTransportCompliance(name: string, fixture: TransportFixture): void {
  describe(`Transport compliance: ${name}`, () => {
    describeConnections(fixture);
    describeConditioning(fixture);
    describeStack(fixture);
  });
}
