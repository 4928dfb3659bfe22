/**
 * The fixture each transport gives the compliance suite, and the per-test world built from it: the
 * links, the hosts and every raw connection, torn down after the test.
 */
import type { MultiaddrConnection } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';
import { createHost as createKitHost, type Host, type LinkModules, Links, type TransportFactory } from './kit.ts';

/** How the compliance suite makes and reaches one transport implementation. */
export interface TransportFixture {
  /** A network for one test: the factory of its hosts' transports, over the links given. */
  network: (links: LinkModules) => TransportFactory;
  /** A fresh address to listen on. */
  listenAddress: () => Multiaddr;
  /** An address nobody listens on, and the part of it a clear dial error names. */
  unreachable: () => Promise<{ address: Multiaddr; names: string }>;
  /**
   * Resolves once whatever a transport handed to its wire (socket, in-process queue) has reached the
   * other end, so that "nothing arrived" afterwards means the transport held it back.
   */
  settle: () => Promise<void>;
  /**
   * A crash of the host `peer` (its peer id) whose raw connections are `connections`: how the
   * simulation stops a node abruptly with this transport (SimNetwork.kill, or aborting each one).
   */
  crash: (peer: string, connections: MultiaddrConnection[]) => void;
  /** The transport kind createLibp2pNode gets along with the factory (default listen addresses). */
  libp2pTransport: 'memory' | 'tcp';
  /** Releases what the fixture holds (its settle socket, for instance). */
  cleanup?: () => Promise<void>;
}

/** One test's network: links, hosts, and every connection they made, for teardown. */
export class World {
  readonly links = new Links();
  readonly factory: TransportFactory;
  private readonly hosts: Host[] = [];

  constructor(readonly fixture: TransportFixture) {
    this.factory = fixture.network(this.links.modules);
  }

  async host(): Promise<Host> {
    const host = await createKitHost(this.factory);
    // Every inbound connection is kept for teardown as it is accepted.
    const push = host.inbound.push.bind(host.inbound);
    host.inbound.push = (maConn: MultiaddrConnection) => {
      this.connections.push(maConn);
      push(maConn);
    };
    const dial = host.transport.dial.bind(host.transport);
    host.transport.dial = async (...args) => {
      const connection = await dial(...args);
      this.connections.push(connection as unknown as MultiaddrConnection);
      return connection;
    };
    this.hosts.push(host);
    return host;
  }

  readonly connections: MultiaddrConnection[] = [];

  async close(): Promise<void> {
    for (const connection of this.connections) connection.abort(new Error('test over'));
    await Promise.all(this.hosts.map((host) => host.listener?.close()));
  }
}
