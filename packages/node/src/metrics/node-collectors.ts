/**
 * Prometheus collectors that read a node's live counters at scrape time: gossip outcomes by code,
 * anti-entropy rounds and bytes, store size. Values are read, not pushed, so the hot paths (gossip
 * validation, sync) keep plain counters and pay nothing for metrics.
 */
import type { AdmissionCounters } from '../admission/record-admission.ts';
import { Gauge } from 'prom-client';
import type { GossipCounters } from '../gossip/record-gossip.ts';
import type { AntiEntropyCounters } from '../sync/scheduler.ts';
import type { NodeMetrics } from './metrics.ts';

/** The parts of a node the collectors read. */
export interface CollectedNode {
  counters(): GossipCounters;
  admission: { counters(): AdmissionCounters };
  sync: { counters(): AntiEntropyCounters };
  syncIndex: { size: number };
  registry: {
    statusListIds(): string[];
    accreditations(): unknown[];
    governance(): { record: { version: number } } | null;
  };
}

/** Registers scrape-time collectors for a node into its metrics registry. */
export function registerNodeCollectors(metrics: NodeMetrics, node: CollectedNode): void {
  const { prefix, registry: registers } = metrics;
  // Monotonic totals are exposed as gauges set at scrape time: prom-client counters cannot be set,
  // and the node's own counters are the source of truth.
  new Gauge({
    name: `${prefix}gossip_messages_total`,
    help: 'Gossip messages validated, by outcome (accept | ignore | reject) and code (record kind for accept)',
    labelNames: ['outcome', 'code'] as const,
    registers: [registers],
    collect() {
      this.reset();
      const c = node.counters();
      for (const [code, n] of Object.entries(c.accepted)) this.set({ outcome: 'accept', code }, n);
      for (const [code, n] of Object.entries(c.ignored)) this.set({ outcome: 'ignore', code }, n);
      for (const [code, n] of Object.entries(c.rejected)) this.set({ outcome: 'reject', code }, n);
    },
  });
  new Gauge({
    name: `${prefix}gossip_pending_records`,
    help: 'Records held until a record they depend on arrives',
    registers: [registers],
    collect() {
      this.set(node.admission.counters().pending.size);
    },
  });
  new Gauge({
    name: `${prefix}sync_rounds_total`,
    help: 'Anti-entropy rounds started by this node, by result (started | completed | failed)',
    labelNames: ['result'] as const,
    registers: [registers],
    collect() {
      const { rounds } = node.sync.counters();
      this.set({ result: 'started' }, rounds.started);
      this.set({ result: 'completed' }, rounds.completed);
      this.set({ result: 'failed' }, rounds.failed);
    },
  });
  new Gauge({
    name: `${prefix}sync_bytes_total`,
    help: 'Anti-entropy bytes, by direction (sent | received)',
    labelNames: ['direction'] as const,
    registers: [registers],
    collect() {
      const c = node.sync.counters();
      this.set({ direction: 'sent' }, c.bytesSent);
      this.set({ direction: 'received' }, c.bytesReceived);
    },
  });
  new Gauge({
    name: `${prefix}sync_records_total`,
    help: 'Records received through anti-entropy, by outcome (accept | ignore | reject)',
    labelNames: ['outcome'] as const,
    registers: [registers],
    collect() {
      const { pulled, pushedIn } = node.sync.counters();
      for (const outcome of ['accept', 'ignore', 'reject'] as const)
        this.set({ outcome }, pulled[outcome] + pushedIn[outcome]);
    },
  });
  new Gauge({
    name: `${prefix}store_records`,
    help: 'Records held, by kind',
    labelNames: ['kind'] as const,
    registers: [registers],
    collect() {
      this.set({ kind: 'status-list' }, node.registry.statusListIds().length);
      this.set({ kind: 'accreditation' }, node.registry.accreditations().length);
      this.set({ kind: 'sync-index' }, node.syncIndex.size);
    },
  });
  new Gauge({
    name: `${prefix}governance_version`,
    help: 'Newest governance version held',
    registers: [registers],
    collect() {
      this.set(node.registry.governance()?.record.version ?? 0);
    },
  });
}
