/**
 * What the two sides of a sync session share: the settings, the dependencies, the node-wide
 * counters, and how a sync key's current record is read for sending.
 */
import { type RecordStore, storedEvidenceWireBytes } from '@trustmesh/registry';
import type {
  AntiEntropyCounters,
  AntiEntropyModules,
  AntiEntropyOptions,
  OutcomeCounts,
} from './anti-entropy-types.ts';
import type { AssemblyBudget } from './record-transfer.ts';
import { EVIDENCE_SYNC_PREFIX } from './sync-index.ts';

/** The environment of one session (initiator.ts, responder.ts), provided by the scheduler. */
export interface SessionContext {
  options: AntiEntropyOptions;
  modules: AntiEntropyModules;
  /** The node-wide counters, updated by the session. */
  stats: AntiEntropyCounters;
  now: () => number;
  /** The node-wide bound on chunked records being assembled (record-transfer.ts). */
  assembly: AssemblyBudget;
}

/** A record as sent: canonical bytes, and the store's version string (evidence has none). */
export interface SyncRecord {
  bytes: Uint8Array;
  version: string | null;
}

/** Canonical bytes (and version, for records) of what a sync key holds now, or null. */
export async function loadSyncRecord(
  store: Pick<RecordStore, 'get' | 'getEvidence'>,
  key: string,
): Promise<SyncRecord | null> {
  if (key.startsWith(EVIDENCE_SYNC_PREFIX)) {
    const evidence = await store.getEvidence(key.slice(EVIDENCE_SYNC_PREFIX.length));
    const bytes = evidence ? storedEvidenceWireBytes(evidence) : null;
    return bytes ? { bytes, version: null } : null;
  }
  const record = await store.get(key);
  return record ? { bytes: record.bytes, version: record.version } : null;
}

/** Adds a batch's outcome counts to a total. */
export function addCounts(total: OutcomeCounts, outcome: OutcomeCounts): void {
  total.accept += outcome.accept;
  total.ignore += outcome.ignore;
  total.reject += outcome.reject;
}
