/**
 * What every check of a verification reports (DESIGN.md, Verification): its outcome and code, and
 * the as-of stamp of the answer — the governance version and every status list version read.
 */
import type { StatusListState, TrustView } from './trust-view.ts';

/** pass: the check holds; fail: it does not; undetermined: the node cannot decide (fail closed). */
export type CheckOutcome = 'pass' | 'fail' | 'undetermined';

/** One check of a verification, with its outcome and reason code. */
export interface CheckResult {
  check: 'credential' | 'presentation' | 'proof' | 'issuer' | 'status' | 'validity';
  outcome: CheckOutcome;
  /** Stable reason code when the outcome is not pass (or a status value worth naming). */
  code?: string;
  message: string;
  /** Check-specific facts: the credential type, the chain, the list and index read, … */
  details?: Record<string, unknown>;
}

/** Freshness of the answer: what state it was computed from. */
export interface AsOf {
  /** When the answer was computed (ISO 8601). */
  time: string;
  governanceVersion: number | null;
  statusLists: { id: string; validFrom: string; digest: string; receivedAt: string; ttl?: number }[];
}

/** The as-of stamp of an answer: the governance version and every status list version read. */
export function asOfStamp(view: TrustView, lists: ReadonlyMap<string, StatusListState>, now: number): AsOf {
  return {
    time: new Date(now).toISOString(),
    governanceVersion: view.governance()?.record.version ?? null,
    statusLists: [...lists.values()].map((s) => ({
      id: s.list.id,
      validFrom: new Date(s.list.validFrom).toISOString(),
      digest: s.digest,
      receivedAt: new Date(s.receivedAt).toISOString(),
      ...(s.list.ttl !== undefined ? { ttl: s.list.ttl } : {}),
    })),
  };
}
