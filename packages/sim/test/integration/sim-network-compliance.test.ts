/** The simulated network (src/fabric/sim-network.ts) against the transport compliance suite. */
import { multiaddr } from '@multiformats/multiaddr';
import { SimNetwork } from '../../src/fabric/sim-network.ts';
import { runTransportCompliance } from '../transport-compliance/index.ts';

/** The network of the test running (one per test, as one per simulation). */
let network: SimNetwork | undefined;

runTransportCompliance('SimNetwork', {
  network: (links) => {
    network = new SimNetwork(links);
    return network.transport();
  },
  crash: (peer) => network?.kill(peer),
  listenAddress: () => multiaddr(`/memory/${crypto.randomUUID()}`),
  unreachable: async () => {
    const id = crypto.randomUUID();
    return { address: multiaddr(`/memory/${id}`), names: id };
  },
  // Everything is in process: a delivery that is due happens within a turn of the event loop.
  settle: async () => {
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  },
  libp2pTransport: 'memory',
});
