/**
 * What every check of a verification reports (DESIGN.md, Verification): its outcome and code, and
 * the as-of stamp of the answer — the governance version and every status list version read.
 */
import type { CrlStamp } from '../x509/types.ts';
import type { JoseStatusListState, StatusListState, TrustView } from './trust-view.ts';

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

/**
 * One status list version an answer read, in one shape for every list format: a Bitstring Status
 * List credential, or a JOSE list (IETF Token Status List, StatusList2021 as a JWT).
 */
export interface AsOfStatusList {
  /** The list: its credential id (Bitstring), TSL `sub`, StatusList2021 list credential id. */
  id: string;
  /** Version time (ISO 8601): `validFrom` (Bitstring); `iat`, else `nbf` (JOSE lists). */
  validFrom: string;
  /** Until when the issuer vouches for it (ISO 8601): `validUntil` (Bitstring), `exp` (JOSE); absent when open-ended. */
  validUntil?: string;
  /** Content hash of the version read. */
  digest: string;
  /** When this node accepted it (ISO 8601). */
  receivedAt: string;
  /** How long a copy may be relied on, in milliseconds: Bitstring `ttl`, TSL `ttl` (seconds there) × 1000. */
  ttl?: number;
}

/** Freshness of the answer: what state it was computed from. */
export interface AsOf {
  /** When the answer was computed (ISO 8601). */
  time: string;
  governanceVersion: number | null;
  statusLists: AsOfStatusList[];
  /** Every CRL read (issue 14: an mdoc's issuer chain), when any was. */
  crls?: CrlStamp[];
}

/**
 * The as-of stamp of an answer: the governance version and every status list version read —
 * Bitstring lists in `lists`, JOSE lists in `joseLists`.
 */
export function asOfStamp(
  view: TrustView,
  lists: ReadonlyMap<string, StatusListState>,
  now: number,
  joseLists: ReadonlyMap<string, JoseStatusListState> = new Map(),
): AsOf {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    time: iso(now),
    governanceVersion: view.governance()?.record.version ?? null,
    statusLists: [
      ...[...lists.values()].map((s) => ({
        id: s.list.id,
        validFrom: iso(s.list.validFrom),
        ...(s.list.validUntil !== undefined ? { validUntil: iso(s.list.validUntil) } : {}),
        digest: s.digest,
        receivedAt: iso(s.receivedAt),
        ...(s.list.ttl !== undefined ? { ttl: s.list.ttl } : {}),
      })),
      ...[...joseLists.values()].map((s) => ({
        id: s.list.uri,
        validFrom: iso(s.list.versionMs),
        ...(s.list.expMs !== null ? { validUntil: iso(s.list.expMs) } : {}),
        digest: s.digest,
        receivedAt: iso(s.receivedAt),
        ...(s.list.ttlSeconds !== null ? { ttl: s.list.ttlSeconds * 1000 } : {}),
      })),
    ],
  };
}
