/**
 * Ports reserved for a host's nodes stay held until each node binds its own (issue 15): released at
 * once, they were taken in between (EADDRINUSE for `simulate scale/scale-200-short --processes 2`).
 * Real sockets on loopback.
 */
import * as assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { describe, it } from 'node:test';
import { PortReservations } from '../../src/harness/port-reservations.ts';

const HOST = '127.0.0.1';

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, HOST, () => resolve(server));
  });
}

const close = (server: Server) => new Promise((resolve) => server.close(resolve));

describe('port reservations', () => {
  it('hold their ports against anyone else binding them, and free each for its node', async () => {
    const reservations = new PortReservations();
    const ports = await reservations.reserve(20, HOST);
    try {
      assert.equal(new Set(ports).size, 20);
      assert.equal(reservations.size, 20);
      // Held: another socket cannot bind one (a node of another process, on the same port).
      await assert.rejects(listen(ports[0]!), { code: 'EADDRINUSE' });
      // And the OS hands none of them to others asking for any port (as outgoing connections do).
      const others = await Promise.all(Array.from({ length: 200 }, () => listen(0)));
      const given = others.map((s) => (s.address() as { port: number }).port);
      await Promise.all(others.map(close));
      assert.deepEqual(
        given.filter((p) => ports.includes(p)),
        [],
      );
      // Released for its node: the node binds it.
      await reservations.release(HOST, ports[0]!);
      const node = await listen(ports[0]!);
      await close(node);
      // Releasing a port not held (a restarted node) is nothing.
      await reservations.release(HOST, ports[0]!);
      assert.equal(reservations.size, 19);
    } finally {
      await reservations.releaseAll();
    }
    assert.equal(reservations.size, 0);
    const again = await listen(ports[1]!);
    await close(again);
  });
});
