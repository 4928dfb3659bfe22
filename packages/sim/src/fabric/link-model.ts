/**
 * The simulation's view of the network between honest nodes: base link conditions from the topology,
 * link faults layered on top, and partition groups enforced through libp2p connection gaters.
 */
import type { ConnectionGater, PeerId } from '@libp2p/interface';
import type { LinkConditions } from '../scenario/scenario.ts';
import type { LinkState } from './sim-network.ts';

interface LinkFault {
  id: number;
  applies: (a: number, b: number) => boolean;
  conditions: LinkConditions;
}

/** What a {@link LinkModel} depends on. */
export interface LinkModelModules {
  /** Base latency of the pair (topology), ms. */
  baseLatencyMs: (a: number, b: number) => number;
  baseJitterMs: (a: number, b: number) => number;
}

/** Link conditions and partitions, by node index; peers not registered (byzantine hosts) are ungated. */
export class LinkModel {
  private readonly indexOf = new Map<string, number>();
  private readonly faults: LinkFault[] = [];
  private groupOf: Map<number, number> | null = null;
  private nextId = 1;

  constructor(private readonly modules: LinkModelModules) {}

  /** Registers an honest node's peer id. */
  register(peer: string, index: number): void {
    this.indexOf.set(peer, index);
  }

  /** Node index of a peer id, or undefined for hosts that are not honest nodes. */
  index(peer: string): number | undefined {
    return this.indexOf.get(peer);
  }

  /** Conditions from `from` to `to` (peer ids); faults added later override earlier ones, field by field. */
  state(from: string, to: string): LinkState {
    const a = this.indexOf.get(from);
    const b = this.indexOf.get(to);
    if (a === undefined || b === undefined) return { latencyMs: 0, jitterMs: 0, loss: 0 };
    const state: LinkState = {
      latencyMs: this.modules.baseLatencyMs(a, b),
      jitterMs: this.modules.baseJitterMs(a, b),
      loss: 0,
    };
    for (const fault of this.faults) {
      if (!fault.applies(a, b)) continue;
      if (fault.conditions.latencyMs !== undefined) state.latencyMs = fault.conditions.latencyMs;
      if (fault.conditions.jitterMs !== undefined) state.jitterMs = fault.conditions.jitterMs;
      if (fault.conditions.loss !== undefined) state.loss = fault.conditions.loss;
    }
    return state;
  }

  /** Adds a link fault; returns its id for {@link removeFault}. */
  addFault(applies: (a: number, b: number) => boolean, conditions: LinkConditions): number {
    const id = this.nextId++;
    this.faults.push({ id, applies, conditions });
    return id;
  }

  removeFault(id: number): void {
    const i = this.faults.findIndex((f) => f.id === id);
    if (i >= 0) this.faults.splice(i, 1);
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Splits the nodes into groups (node index → group); nodes not listed form one more group. */
  partition(groups: readonly (readonly number[])[]): void {
    const map = new Map<number, number>();
    groups.forEach((members, g) => {
      for (const m of members) map.set(m, g);
    });
    this.groupOf = map;
  }

  heal(): void {
    this.groupOf = null;
  }

  get partitioned(): boolean {
    return this.groupOf !== null;
  }

  /** Whether two nodes are on different sides of the current partition. */
  separated(a: number, b: number): boolean {
    if (!this.groupOf) return false;
    return (this.groupOf.get(a) ?? -1) !== (this.groupOf.get(b) ?? -1);
  }

  /** Whether traffic between two peer ids is cut by the partition. */
  blocked(from: string, to: string): boolean {
    const a = this.indexOf.get(from);
    const b = this.indexOf.get(to);
    if (a === undefined || b === undefined) return false;
    return this.separated(a, b);
  }

  /**
   * A libp2p connection gater for the node with peer id `self`: denies dials to, and connections
   * from, peers across the partition (checked again on every dial, so healing needs no restart).
   */
  gater(self: string): ConnectionGater {
    const deny = (peer: PeerId) => this.blocked(self, peer.toString());
    return {
      denyDialPeer: deny,
      denyInboundEncryptedConnection: deny,
      denyOutboundEncryptedConnection: deny,
    };
  }
}
