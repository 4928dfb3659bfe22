/**
 * The initiator's side of one anti-entropy round (the exchange is documented in scheduler.ts):
 *
 * 1. Reconciliation (reconciliation.ts) leaves it knowing both directions of the difference: the ids
 *    it lacks (`need`) and its items the responder lacks or holds in another version (`have`).
 * 2. It names the slots it holds in a version the responder lacks (HELD), so the responder skips
 *    any it holds only in an older version (except slots of records this node signs itself, whose
 *    older copies its issuer mode checks for a divergence: `ownSlot`), and asks for what it needs by
 *    id (WANT). What arrives goes to the admission layer as one batch (dependency order, retries,
 *    the one pending buffer); records the admission layer already holds as pending are not asked
 *    for again.
 * 3. Only then does it push what the responder lacks, skipping items that a pulled record has just
 *    superseded, so a lagging node never pushes its stale versions back.
 *
 * Records larger than a frame come and go in chunks (record-transfer.ts). A round moves at most
 * `maxRoundBytes` of records each way, except that its first record may exceed that alone; what the
 * responder deferred for the budget (END's third count) is left to the next round.
 */
import type { PeerId, Stream } from '@libp2p/interface';
import type { SyncRoundStats } from './anti-entropy-types.ts';
import {
  decodeCounts,
  decodeEnd,
  encodeCounts,
  encodeHeld,
  encodeIds,
  type FrameIo,
  type HeldHint,
  SYNC_FRAME,
} from './frames.ts';
import { decodeClock, encodeClock } from './peer-clocks.ts';
import { decodeReconcileMessage, encodeReconcileMessage, type ReconcileMessage, Reconciler } from './reconciliation.ts';
import { RecordAssembler, RecordSender } from './record-transfer.ts';
import { addCounts, loadSyncRecord, type SessionContext } from './session.ts';
import { malformed, SYNC_CODES, SyncError } from './sync-errors.ts';
import { EVIDENCE_SYNC_PREFIX, itemId, type SyncSnapshot, wireIdHex } from './sync-index.ts';

/** Runs the initiator's side of a round over an open stream; fills and returns `stats`. */
export async function runInitiator(
  ctx: SessionContext,
  peer: PeerId,
  stream: Stream,
  io: FrameIo,
  signal: AbortSignal,
  stats: SyncRoundStats,
): Promise<SyncRoundStats> {
  const { reconcile, maxRecordsPerRound } = ctx.options;
  // 0. Clocks: ours, then the peer's, timed by the monotonic clock (midpoint of the exchange).
  const clocks = ctx.modules.clocks;
  if (clocks) {
    const sentAt = clocks.monotonic();
    await io.send(SYNC_FRAME.CLOCK, encodeClock(ctx.now()));
    const theirs = decodeClock(await io.expect(SYNC_FRAME.CLOCK, 'CLOCK'));
    if (theirs === null) throw malformed('CLOCK: not an 8-byte clock reading');
    clocks.record(peer.toString(), theirs, (sentAt + clocks.monotonic()) / 2);
    stats.roundTrips++;
  }
  // Records buffered by the admission layer, waiting for a dependency, are not asked for again.
  const pending = new Set(
    ctx.modules.admission.pendingSlots().map(({ slotKey, digest }) => wireIdHex(itemId(slotKey, digest))),
  );
  const wantedCount = (ids: readonly Uint8Array[]) =>
    pending.size === 0 ? ids.length : ids.filter((id) => !pending.has(wireIdHex(id))).length;

  // 1. Reconcile over a snapshot that stays fixed for the whole round.
  const snapshot = ctx.modules.index.snapshot();
  const reconciler = new Reconciler(snapshot, 'initiator', reconcile);
  let message: ReconcileMessage | null = reconciler.initiate();
  while (message) {
    await io.send(SYNC_FRAME.RECONCILE, encodeReconcileMessage(message));
    stats.roundTrips++;
    message = reconciler.receive(decodeReconcileMessage(await io.expect(SYNC_FRAME.RECONCILE, 'RECONCILE'), reconcile));
    // Enough to fill this round: stop reconciling, the next round finds the rest. Pending records
    // do not count: they will not be asked for, and what they wait for may lie further on.
    if (message && reconciler.needCount >= maxRecordsPerRound && wantedCount(reconciler.need) >= maxRecordsPerRound) {
      stats.complete = false;
      break;
    }
  }
  const have = reconciler.have;
  const needAll = reconciler.need;
  stats.differences = have.length + needAll.length;
  const wanted = needAll.filter((id) => !pending.has(wireIdHex(id)));
  const need = wanted.slice(0, maxRecordsPerRound);
  if (need.length < wanted.length) stats.complete = false;

  // 2. Pull what we lack. A slot can only be held in two versions if it is in `have` too, so hints
  // are needed only then.
  if (need.length > 0 && have.length > 0) {
    const hints = await heldHints(ctx, snapshot, have);
    for (const payload of encodeHeld(hints, reconcile.maxIdsPerMessage, reconcile.maxMessageBytes / 2)) {
      await io.send(SYNC_FRAME.HELD, payload);
    }
  }
  const received = await pull(ctx, io, need, stats);
  stats.recordsReceived = received.length;
  // One batch through the admission layer: dependency order, retries, and a repair is re-announced.
  const outcome = await ctx.modules.admission.submitBatch(received, { path: 'pull', peer: peer.toString() });
  stats.recordsAccepted = outcome.accept;
  stats.recordsIgnored = outcome.ignore;
  stats.recordsRejected = outcome.reject;
  addCounts(ctx.stats.pulled, outcome);
  if (outcome.fault > 0) throw new SyncError(SYNC_CODES.LOCAL_FAULT, 'the store failed while admitting pulled records');
  signal.throwIfAborted();

  // 3. Push what the peer lacks, unless a record pulled just now superseded ours.
  const pushes = await pushable(ctx, snapshot, have);
  if (pushes.truncated) stats.complete = false;
  const sender = new RecordSender(io, SYNC_FRAME.PUSH, SYNC_FRAME.PUSH_PART, ctx.stats.chunked);
  for (const bytes of pushes.records) await sender.send(bytes);
  await io.send(SYNC_FRAME.DONE, encodeCounts(pushes.records.length));
  stats.recordsPushed = pushes.records.length;
  ctx.stats.pushedOut += pushes.records.length;
  if (pushes.records.length > 0) {
    stats.roundTrips++;
    const [accepted] = decodeCounts(await io.expect(SYNC_FRAME.RESULT, 'RESULT'), 3, 'RESULT');
    stats.pushesAccepted = accepted!;
  }
  await stream.close({ signal });
  return stats;
}

/** Asks for `need` by id (WANT) and collects what the responder sends, whole or in chunks. */
async function pull(
  ctx: SessionContext,
  io: FrameIo,
  need: readonly Uint8Array[],
  stats: SyncRoundStats,
): Promise<Uint8Array[]> {
  const { reconcile, maxRoundBytes } = ctx.options;
  const received: Uint8Array[] = [];
  let receivedBytes = 0;
  // Records larger than a frame arrive in chunks, one transfer at a time (record-transfer.ts).
  const assembler = new RecordAssembler(ctx.options.maxLargeRecordBytes, io, ctx.stats.chunked, ctx.assembly);
  try {
    for (let i = 0; i < need.length; i += reconcile.maxIdsPerMessage) {
      const batch = need.slice(i, i + reconcile.maxIdsPerMessage);
      await io.send(SYNC_FRAME.WANT, encodeIds(batch));
      stats.roundTrips++;
      let inBatch = 0;
      // [REJECT] no more records than asked for, and no more bytes than the round's budget — except
      // the round's first record, which may exceed it alone (a large record travels by itself).
      const claim = (size: number) => {
        if (++inBatch > batch.length || (received.length > 0 && receivedBytes + size > maxRoundBytes)) {
          throw new SyncError(SYNC_CODES.TOO_MANY_RECORDS, 'the peer sent more records or bytes than asked for');
        }
      };
      let deferred = 0;
      for (;;) {
        const frame = await io.read();
        let bytes: Uint8Array;
        if (frame.type === SYNC_FRAME.RECORD_PART) {
          const record = assembler.take(frame.payload, claim);
          if (record === null) continue;
          bytes = record.bytes;
        } else {
          assembler.idle(`frame type ${frame.type}`);
          if (frame.type === SYNC_FRAME.END) {
            deferred = decodeEnd(frame.payload).deferred;
            break;
          }
          if (frame.type !== SYNC_FRAME.RECORD)
            throw new SyncError(SYNC_CODES.UNEXPECTED_FRAME, `expected RECORD or END, got ${frame.type}`);
          claim(frame.payload.byteLength);
          bytes = frame.payload;
        }
        receivedBytes += bytes.byteLength;
        received.push(bytes);
      }
      // The responder spent the round's byte budget: the next round asks for the rest.
      if (deferred > 0) {
        stats.complete = false;
        break;
      }
    }
    return received;
  } finally {
    assembler.dispose();
  }
}

/** Versions of the record slots in `have` that we still hold as reconciled (evidence has none). */
async function heldHints(ctx: SessionContext, snapshot: SyncSnapshot, have: number[]): Promise<HeldHint[]> {
  const hints: HeldHint[] = [];
  for (const position of have.slice(0, ctx.options.maxRecordsPerRound)) {
    const key = snapshot.key(position);
    if (key.startsWith(EVIDENCE_SYNC_PREFIX)) continue;
    // The responder's older copy of our own list may hold what ours lacks: let it come (ownSlot).
    if (ctx.modules.ownSlot?.(key)) continue;
    const record = await ctx.modules.store.get(key);
    if (record?.digest === snapshot.digest(position)) hints.push({ key, version: record.version });
  }
  return hints;
}

/** The records to push: items the peer lacks that we still hold in the same version. */
async function pushable(
  ctx: SessionContext,
  snapshot: SyncSnapshot,
  have: number[],
): Promise<{ records: Uint8Array[]; truncated: boolean }> {
  const records: Uint8Array[] = [];
  let bytes = 0;
  for (const position of have) {
    const key = snapshot.key(position);
    if (ctx.modules.index.digestOf(key) !== snapshot.digest(position)) continue;
    const record = await loadSyncRecord(ctx.modules.store, key);
    // A record over the chunked bound would only be refused: the peer pulls it, or nobody does.
    if (record === null || record.bytes.byteLength > ctx.options.maxLargeRecordBytes) continue;
    // The round's first push may exceed the byte budget alone, as a pulled record may.
    if (
      records.length >= ctx.options.maxRecordsPerRound ||
      (records.length > 0 && bytes + record.bytes.byteLength > ctx.options.maxRoundBytes)
    ) {
      return { records, truncated: true };
    }
    bytes += record.bytes.byteLength;
    records.push(record.bytes);
  }
  return { records, truncated: false };
}
