/**
 * What a simulation run reports and takes (harness/simulation.ts runs it): the raw measurements
 * before summarising (metrics/summary.ts), the progress snapshots, the run's settings and
 * environment, and where its nodes run (a {@link Deployment}: in this process by default, or agent
 * processes over TCP — distributed/deployments.ts).
 */
import type { Libp2pTransportFactory } from '@trustmesh/node';
import type { Scenario } from '../scenario/scenario.ts';
import type { Behaviour } from './byzantine.ts';
import type { TrackedUpdate } from './delivery-tracker.ts';
import {
  type HostEvent,
  type HostResources,
  LocalNodeHost,
  type NodeHost,
  type NodeTotals,
  type VerificationOutcome,
} from './node-host.ts';

export type { NodeTotals, VerificationOutcome };

/** One verification made during the run. */
export interface VerificationRecord {
  t: number;
  node: number;
  issuer: number;
  credential: number;
  outcome: VerificationOutcome;
  /** When the credential's revocation was published (ms since t = 0), if it was before `t`. */
  revokedAt: number | null;
  /** Answered "valid" although the credential was already revoked somewhere in the network. */
  stale: boolean;
}

/** One anti-entropy round as its initiator saw it. */
export interface RoundRecord {
  t: number;
  node: number;
  differences: number;
  bytes: number;
  roundTrips: number;
  durationMs: number;
}

/** A fault shown on plots. */
export interface FaultMarker {
  t: number;
  label: string;
}

/** Everything a run measured, before summarising. */
export interface RawRun {
  scenario: Scenario;
  nodes: number;
  /** Honest nodes up at the end (the denominator of the delivery ratio). */
  upAtEnd: number[];
  updates: TrackedUpdate[];
  deliveredAt: Map<number, Map<number, number>>;
  verifications: VerificationRecord[];
  rounds: RoundRecord[];
  totals: NodeTotals[];
  heals: { partitionAt: number; healAt: number }[];
  restarts: { node: number; at: number }[];
  joins: { node: number; at: number; convergedAt: number | null }[];
  faults: FaultMarker[];
  byzantine: { behaviour: Behaviour; sent: number; notSent: number; minScore: number | null; acceptedBad: number }[];
  /** CPU and RSS summed over the node processes, event-loop lag of the worst one. */
  resources: Omit<HostResources, 'nodes'> & {
    wallSeconds: number;
    /** Processes the nodes ran in, and each one's figures (one entry in the one-process mode). */
    processes: HostResources[];
    /** Each host's clock minus the coordinator's, ms (as measured at connection; 0 in-process). */
    clockOffsetsMs: number[];
  };
  /** Byzantine digests some honest node admitted (must be empty). */
  acceptedBad: number;
}

/** A snapshot for progress display. */
export interface ProgressSnapshot {
  t: number;
  total: number;
  phase: 'setup' | 'warmup' | 'run' | 'drain' | 'done';
  up: number;
  nodes: number;
  connections: number;
  updates: number;
  coverage: number;
  verifications: number;
  stale: number;
  lagP99Ms: number;
}

/** Settings of {@link runSimulation}. */
export interface RunOptions {
  /** Where to write the event log (`events.jsonl`); null keeps nothing but the result. */
  eventLogPath: string | null;
  /** Cache directory for pre-signed lists (cold-join). */
  cacheDir?: string;
}

/** Environment of {@link runSimulation}. */
export interface RunModules {
  /** Called about once a second with the run's state. */
  progress?: (snapshot: ProgressSnapshot) => void;
  /** Setup messages. */
  log?: (message: string) => void;
  /** Where the nodes run (default: {@link localDeployment}, every node in this process). */
  deploy?: DeployNodes;
}

/** Where a run's nodes run: the hosts, and how byzantine hosts in this process reach the nodes. */
export interface Deployment {
  hosts: NodeHost[];
  /** Each host's clock minus this process's clock, ms (events are stamped with the host's clock). */
  clockOffsetsMs: number[];
  /** The transport and a listen address for the k-th byzantine host (they run in this process). */
  byzantine: { transport: () => Libp2pTransportFactory; address: (k: number) => string };
  /** Waits until every host has reported the events its nodes produced so far. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Creates a deployment whose hosts report events to `onEvent` (with the host's position). */
export type DeployNodes = (onEvent: (host: number, event: HostEvent) => void) => Promise<Deployment>;

/** Every node in this process, over the simulated network: the one-process mode. */
export const localDeployment: DeployNodes = async (onEvent) => {
  const host = new LocalNodeHost({ transport: 'sim' }, (event) => onEvent(0, event));
  return {
    hosts: [host],
    clockOffsetsMs: [0],
    byzantine: { transport: () => host.byzantineTransport(), address: (k) => `/memory/sim-byzantine-${k}` },
    flush: async () => undefined,
    close: () => host.close(),
  };
};
