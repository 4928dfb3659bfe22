/**
 * One node of a run as the coordinator (harness/simulation.ts) and its workload (harness/workload.ts)
 * see it: its place in the topology, the host it runs on, and whether it is up.
 */
import type { NodeRole } from '../scenario/scenario.ts';
import type { NodeHost, NodeTotals } from './node-host.ts';

/** One node of a run. */
export interface SimNode {
  index: number;
  role: NodeRole;
  region: string;
  peerId: string;
  /** Protobuf-encoded private key, base64 (as hosts take it). */
  privateKey: string;
  address: string;
  neighbours: number[];
  joiner: boolean;
  host: NodeHost;
  hostIndex: number;
  up: boolean;
  starts: number;
  busy: Promise<void>;
  silent: boolean;
  totals: NodeTotals;
}
