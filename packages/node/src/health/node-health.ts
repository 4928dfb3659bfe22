/**
 * What makes a node untrustworthy right now, as named warnings for `/health` (DESIGN.md, Principles
 * §7: `/health` is degraded, with reasons, when the node cannot be trusted; issue 10, problem 4).
 * Each warning starts with a stable code, then says what is wrong in words:
 *
 * - `STORE_WRITE_FAILED` — the record store failed a write (refusing writes while it reopens, or
 *   recently recovered); `STORE_FAILED` — it could not reopen: restart the node;
 *   `STORE_ROLLED_BACK` — it came back from its last open with less than it held (until restart).
 * - `CLOCK_AHEAD_OF_PEERS` / `CLOCK_BEHIND_PEERS` — this clock is more than the skew allowance away
 *   from the median of the peers' clocks (exchanged during sync); ahead, the node refuses to sign.
 * - `NO_PEERS` / `NO_MESH_PEERS` — nothing connected, or nobody in the gossip mesh of the records
 *   topic: what this node publishes reaches nobody until anti-entropy runs.
 *
 * - `CRL_STALE` — a held CRL (issue 14) is past its nextUpdate (the applied delta's when there is
 *   one), or carries none: every lookup against it is undetermined (fail closed, RFC 5280 §5.1.2.5)
 *   until a newer CRL arrives ({@link crlHealthWarnings}).
 *
 * Registry and issuer warnings (governance or lists past validity, issuer state) are added by the
 * route (api/routes/node-info.ts).
 */
import { CodedError, type HeldCrlState, type StoreFaults } from '@trustmesh/registry';
import type { PeerClocks } from '../sync/peer-clocks.ts';

/** How long a recovered fault is still reported (ms). */
export const RECENT_FAULT_MS = 15 * 60_000;

/** What the node's health is computed from. */
export interface NodeHealthModules {
  now: () => number;
  /** The record store's write faults, when it reports them. */
  storeFaults?: () => StoreFaults;
  /** Peers' clocks from sync. */
  clocks?: PeerClocks;
  /** Clock-skew allowance (the registry's `maxClockSkewMs`). */
  maxClockSkewMs: number;
  /** Connected peers. */
  peers: () => number;
  /** Peers in this node's gossip mesh of the records topic. */
  meshPeers?: () => number;
}

/** The node's own warnings (store, clock, connectivity). */
export function nodeHealthWarnings(modules: NodeHealthModules): string[] {
  const warnings: string[] = [];
  const faults = modules.storeFaults?.();
  if (faults) {
    const last = faults.lastFailure;
    if (faults.state === 'failed') {
      warnings.push(
        `STORE_FAILED: the record store refuses writes after a failed write (${last?.code ?? 'unknown'}: ${last?.message ?? ''}); restart the node if this lasts`,
      );
    } else if (last && modules.now() - last.at < RECENT_FAULT_MS) {
      warnings.push(
        `STORE_WRITE_FAILED: ${faults.failedWrites} record store write(s) failed since start, the last at ${new Date(last.at).toISOString()} (${last.code}: ${last.message}); the store reopened ${faults.reopens} time(s)`,
      );
    }
  }
  if (faults?.recovery) {
    warnings.push(
      `STORE_ROLLED_BACK: ${faults.recovery.message} (at ${new Date(faults.recovery.at).toISOString()}); what peers hold comes back through anti-entropy, an issuer re-applies its journal`,
    );
  }
  const skew = clockSkew(modules.clocks, modules.maxClockSkewMs);
  if (skew) warnings.push(`${skew.code}: ${skew.message}`);
  const peers = modules.peers();
  if (peers === 0) {
    warnings.push('NO_PEERS: no peer is connected: this node neither receives nor sends updates');
  } else if (modules.meshPeers && modules.meshPeers() === 0) {
    warnings.push(
      'NO_MESH_PEERS: no peer is in the gossip mesh of the records topic: updates travel only by anti-entropy',
    );
  }
  return warnings;
}

/**
 * One `CRL_STALE` warning per held CRL scope that lookups answer undetermined for at `nowMs`: past the
 * freshest nextUpdate held — the applied delta's, the fresher statement (RFC 5280 §5.2.4) — or with
 * no nextUpdate at all (RFC 5280 §5.1.2.5 requires one; the registry never treats such a CRL as
 * fresh). The same rule as the registry's lookup (x509/crl/crl-lookup.ts), so /health names exactly
 * the CRLs whose certificates cannot be decided now.
 */
export function crlHealthWarnings(crls: readonly HeldCrlState[], nowMs: number): string[] {
  const warnings: string[] = [];
  for (const { held } of crls) {
    const delta = held.delta;
    const nextUpdateMs = delta ? delta.nextUpdateMs : held.nextUpdateMs;
    if (nextUpdateMs !== null && nowMs <= nextUpdateMs) continue;
    const which = delta ? `CRL #${held.crlNumber} with delta CRL #${delta.crlNumber}` : `CRL #${held.crlNumber}`;
    const past =
      nextUpdateMs === null ? 'carries no nextUpdate' : `past its nextUpdate ${new Date(nextUpdateMs).toISOString()}`;
    warnings.push(
      `CRL_STALE: ${held.issuerName} ${which} ${past}: certificates of this CA are undetermined until a newer CRL arrives`,
    );
  }
  return warnings;
}

/** This clock against the peers' median, when it is off by more than the allowance. */
export function clockSkew(
  clocks: PeerClocks | undefined,
  allowanceMs: number,
): { code: 'CLOCK_AHEAD_OF_PEERS' | 'CLOCK_BEHIND_PEERS'; message: string } | null {
  const estimate = clocks?.estimate();
  if (!estimate || Math.abs(estimate.offsetMs) <= allowanceMs) return null;
  const seconds = Math.round(Math.abs(estimate.offsetMs) / 1000);
  const of = `the median of ${estimate.peers} peer clock(s) (allowance ${Math.round(allowanceMs / 1000)} s)`;
  return estimate.offsetMs < 0
    ? {
        code: 'CLOCK_AHEAD_OF_PEERS',
        message: `this node's clock is ${seconds} s ahead of ${of}: it refuses to sign until the clock is corrected`,
      }
    : {
        code: 'CLOCK_BEHIND_PEERS',
        message: `this node's clock is ${seconds} s behind ${of}: newer records from peers look not yet valid`,
      };
}

/**
 * The error to refuse signing with, or null: a clock ahead of the peers' median by more than the
 * allowance would date every version in their future, where all of them ignore it.
 */
export function clockRefusal(clocks: PeerClocks | undefined, allowanceMs: number): CodedError | null {
  const skew = clockSkew(clocks, allowanceMs);
  if (skew?.code !== 'CLOCK_AHEAD_OF_PEERS') return null;
  return new CodedError(skew.code, skew.message);
}
