/**
 * Anti-entropy (DESIGN.md, Principles §4 and Network): range-based set reconciliation of the record
 * index between two peers, then transfer of exactly what differs.
 */

export {
  type ClockEstimate,
  decodeClock,
  defaultPeerClocksOptions,
  encodeClock,
  PeerClocks,
  type PeerClocksModules,
  type PeerClocksOptions,
} from './peer-clocks.ts';
export {
  type Bound,
  checkReconcileOptions,
  decodeReconcileMessage,
  defaultReconcileOptions,
  encodeReconcileMessage,
  type Range,
  type ReconcileDecodeLimits,
  type ReconcileMessage,
  type ReconcileOptions,
  type ReconcileRole,
  Reconciler,
  separator,
} from './reconciliation.ts';
export { SYNC_CODES, type SyncCode, SyncError } from './sync-errors.ts';
export {
  EVIDENCE_SYNC_PREFIX,
  evidenceSyncKey,
  FINGERPRINT_BYTES,
  ITEM_ID_BYTES,
  itemId,
  SyncIndex,
  SyncSnapshot,
  WIRE_ID_BYTES,
} from './sync-index.ts';
export {
  AntiEntropy,
  type AntiEntropyCounters,
  type AntiEntropyModules,
  type AntiEntropyOptions,
  defaultAntiEntropyOptions,
  type OutcomeCounts,
  SYNC_FRAME,
  type SyncLibp2p,
  type SyncLogger,
  type SyncRoundStats,
} from './scheduler.ts';
