/**
 * TCP ports for a host's nodes, reserved from the moment their addresses are handed out until each
 * node binds its own (issue 15). The addresses are known before the nodes start (peers dial them, and
 * a restarted node comes back on the same one), so a port is picked early; releasing it at once let
 * the ports of nodes not yet started be taken in between — as the source port of another node's
 * outgoing connection (the OS hands those out from the same range, and 200 nodes dial a lot), or by
 * another agent process on the machine — and a node then failed with EADDRINUSE
 * (`trustmesh simulate scale/scale-200-short --processes 2`, docs/researchers.md). A port held by a
 * listening socket is neither handed out to `listen(0)` nor used as a source port.
 */
import { createServer, type Server } from 'node:net';

/** Listening sockets that hold ports until {@link PortReservations.release}. */
export class PortReservations {
  private readonly held = new Map<string, Server>();

  /** `count` ports free on `host` now, each held until released. */
  async reserve(count: number, host: string): Promise<number[]> {
    const servers = await Promise.all(
      Array.from(
        { length: count },
        () =>
          new Promise<Server>((resolve, reject) => {
            const server = createServer();
            server.once('error', reject);
            server.listen(0, host, () => resolve(server));
          }),
      ),
    );
    return servers.map((server) => {
      const { port } = server.address() as { port: number };
      this.held.set(`${host}:${port}`, server);
      return port;
    });
  }

  /** Frees `host:port` for the node about to bind it (nothing when it is not held: a restart). */
  async release(host: string, port: number): Promise<void> {
    const server = this.held.get(`${host}:${port}`);
    if (!server) return;
    this.held.delete(`${host}:${port}`);
    await new Promise((resolve) => server.close(resolve));
  }

  /** Frees every port still held (nodes that never started). */
  async releaseAll(): Promise<void> {
    const servers = [...this.held.values()];
    this.held.clear();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }

  /** How many ports are held. */
  get size(): number {
    return this.held.size;
  }
}
