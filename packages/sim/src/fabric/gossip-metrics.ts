/**
 * A gossipsub metrics register that only counts: gossipsub reports every RPC it sends and receives
 * with its encoded size, and classifies each received message before validation as valid (first
 * delivery), duplicate or invalid. Those are exactly the figures a simulation needs for "gossip
 * bytes" and "duplicates per delivery", measured by gossipsub itself rather than estimated.
 *
 * Only gauges are kept (summed over labels); histograms and min/max summaries are ignored, and the
 * scrape-time collectors gossipsub registers are never called (nothing scrapes).
 */
import type { GossipsubOpts } from '@libp2p/gossipsub';

type Register = NonNullable<GossipsubOpts['metricsRegister']>;

/** The counters a simulation reads. */
export interface GossipTraffic {
  /** Encoded RPC bytes sent (messages and control: IHAVE, IWANT, GRAFT, PRUNE, subscriptions). */
  rpcSentBytes: number;
  rpcReceivedBytes: number;
  /** Messages received for the first time (before validation). */
  firstDeliveries: number;
  /** Messages received again (already in the seen cache): the cost of redundancy. */
  duplicates: number;
  /** Messages gossipsub itself found invalid before the topic validator (bad framing, signatures). */
  invalidBeforeValidation: number;
}

const WANTED: Record<string, keyof GossipTraffic> = {
  gossipsub_rpc_sent_bytes_total: 'rpcSentBytes',
  gossipsub_rpc_recv_bytes_total: 'rpcReceivedBytes',
  gossipsub_pre_validation_valid_total: 'firstDeliveries',
  gossipsub_pre_validation_duplicate_total: 'duplicates',
  gossipsub_pre_validation_invalid_total: 'invalidBeforeValidation',
};

/** A counting register for one gossipsub instance. */
export class GossipMetricsRegister {
  readonly traffic: GossipTraffic = {
    rpcSentBytes: 0,
    rpcReceivedBytes: 0,
    firstDeliveries: 0,
    duplicates: 0,
    invalidBeforeValidation: 0,
  };

  /** The register to hand to gossipsub (`TrustmeshNodeModules.libp2p.gossipsubMetrics`). */
  register(): Register {
    const traffic = this.traffic;
    const noop = () => undefined;
    // Gauges are called as inc(value?) without labels and inc(labels, value?) with them.
    const amount = (first: unknown, second: unknown): number =>
      typeof first === 'number' ? first : typeof second === 'number' ? second : 1;
    const register = {
      gauge(config: { name: string }) {
        const field = WANTED[config.name];
        const add = (first?: unknown, second?: unknown) => {
          if (field) traffic[field] += amount(first, second);
        };
        return { inc: add, set: noop, addCollect: noop };
      },
      histogram() {
        return { startTimer: () => noop, observe: noop, reset: noop };
      },
      avgMinMax() {
        return { set: noop };
      },
    };
    return register as unknown as Register;
  }
}
