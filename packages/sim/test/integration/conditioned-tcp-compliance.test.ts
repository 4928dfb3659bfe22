/** Conditioned TCP (src/fabric/conditioned-tcp.ts) over loopback against the transport compliance suite. */
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { after } from 'node:test';
import { multiaddr } from '@multiformats/multiaddr';
import { conditionedTcp } from '../../src/fabric/conditioned-tcp.ts';
import type { WireCounters } from '../../src/fabric/sim-network.ts';
import { runTransportCompliance } from '../transport-compliance/index.ts';

/**
 * A loopback echo socket: a byte's round trip through it passes at least one poll of the event
 * loop after anything written to another loopback socket before it was already readable, so the
 * transports' sockets have delivered what they were given.
 */
let probe: Promise<{ socket: Socket; close: () => Promise<void> }> | undefined;
function echoProbe() {
  probe ??= (async () => {
    const server = createServer((s) => s.pipe(s));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    await once(socket, 'connect');
    return {
      socket,
      close: async () => {
        socket.destroy();
        server.close();
      },
    };
  })();
  return probe;
}

after(async () => {
  await (await probe)?.close();
});

runTransportCompliance('conditioned TCP', {
  network: (links) => {
    const wire = new Map<string, WireCounters>();
    return conditionedTcp({
      ...links,
      counters: (peer) => {
        let counters = wire.get(peer);
        if (!counters) {
          counters = { sent: 0, received: 0 };
          wire.set(peer, counters);
        }
        return counters;
      },
    });
  },
  // As NodeHost stops a node abruptly over TCP: every connection aborted (a socket reset).
  crash: (_peer, connections) => {
    for (const connection of connections) connection.abort(new Error('simulated crash'));
  },
  listenAddress: () => multiaddr('/ip4/127.0.0.1/tcp/0'),
  unreachable: async () => {
    // A port just released: nothing listens on it.
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    server.close();
    await once(server, 'close');
    return { address: multiaddr(`/ip4/127.0.0.1/tcp/${port}`), names: `127.0.0.1:${port}` };
  },
  settle: async () => {
    const { socket } = await echoProbe();
    for (let i = 0; i < 2; i++) {
      socket.write(Uint8Array.of(0));
      await once(socket, 'data');
      await new Promise((resolve) => setImmediate(resolve));
    }
  },
  libp2pTransport: 'tcp',
});
