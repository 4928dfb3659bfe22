/**
 * The responder's side of one anti-entropy session (the exchange is documented in scheduler.ts).
 * It answers reconciliation, serves the records asked for (in dependency order, skipping slots the
 * peer holds in a newer version), and takes pushes only once reconciliation has shown they are
 * wanted:
 *
 * - [REJECT] no PUSH before a reconciliation found a difference (a PUSH as a first frame, or after
 *   agreeing sets, aborts the session: SYNC_UNWANTED_PUSH);
 * - [REJECT] every pushed record whose slot its JSON names must be one whose id this node learnt it
 *   lacks (the initiator lists its ids in every range where it holds what the responder lacks), and
 *   the others (evidence, lists signed by a pinned key) must fit in the ids left unmatched;
 * - pushes go to the admission layer as one batch and are never buffered; a peer whose pushes do
 *   not resolve here (an unknown signer, a missing dependency) is refused for `pushPenaltyMs`;
 * - records larger than a frame are served and taken in chunks (record-transfer.ts); each record
 *   served is read once from the store, and once the round's byte budget is spent (its first record
 *   may exceed it alone) the rest is not read but deferred to the next round (END's third count).
 */
import type { Stream } from '@libp2p/interface';
import { bySubmissionOrder, sha256Hex } from '@trustmesh/registry';
import { decodeCounts, decodeHeld, decodeIds, encodeCounts, encodeEnd, type FrameIo, SYNC_FRAME } from './frames.ts';
import { decodeClock, encodeClock } from './peer-clocks.ts';
import { decodeReconcileMessage, encodeReconcileMessage, Reconciler } from './reconciliation.ts';
import { RecordAssembler, RecordSender } from './record-transfer.ts';
import { addCounts, loadSyncRecord, type SessionContext } from './session.ts';
import { malformed, SYNC_CODES, SyncError } from './sync-errors.ts';
import { itemId } from './sync-index.ts';

/** What the responder reports to the scheduler. */
export interface ResponderResult {
  /** True when the peer pushed records that did not resolve here (the scheduler penalises it). */
  unresolvedPushes: boolean;
}

/** Serves one session over an accepted stream. Throws {@link SyncError} when the peer breaks the protocol. */
export async function runResponder(
  ctx: SessionContext,
  peer: string,
  stream: Stream,
  io: FrameIo,
  signal: AbortSignal,
): Promise<ResponderResult> {
  const { reconcile, maxRecordsPerRound, maxRoundBytes } = ctx.options;
  const snapshot = ctx.modules.index.snapshot();
  const reconciler = new Reconciler(snapshot, 'responder', reconcile);
  let phase: 'start' | 'reconcile' | 'serve' | 'push' = 'start';
  let served = 0;
  const held = new Map<string, string>();
  const pushes: Uint8Array[] = [];
  let pushBytes = 0;
  // Pushes matched to an id this node learnt it lacks, and pushes it cannot match (their slot is not
  // in their JSON: evidence, lists signed by a pinned key), which must fit in the ids left unmatched.
  let matched = 0;
  let unmatched = 0;
  let result: ResponderResult = { unresolvedPushes: false };
  // Records larger than a frame go out and come in as chunks, one at a time (record-transfer.ts).
  const sender = new RecordSender(io, SYNC_FRAME.RECORD, SYNC_FRAME.RECORD_PART, ctx.stats.chunked);
  const assembler = new RecordAssembler(ctx.options.maxLargeRecordBytes, io, ctx.stats.chunked, ctx.assembly);
  // Record bytes served this session: the round's budget, which its first record may exceed alone.
  let servedBytes = 0;
  let servedRecords = 0;
  try {
    for (;;) {
      const frame = await io.read();
      if (frame.type === SYNC_FRAME.PUSH_PART && phase !== 'start') {
        phase = 'push';
        const record = assembler.take(frame.payload, (total) => claimPush(total));
        if (record !== null) takePush(record.bytes, record.digest);
        continue;
      }
      assembler.idle(`frame type ${frame.type}`);
      if (frame.type === SYNC_FRAME.CLOCK && phase === 'start') {
        const theirs = decodeClock(frame.payload);
        if (theirs === null) throw malformed('CLOCK: not an 8-byte clock reading');
        ctx.modules.clocks?.record(peer, theirs);
        await io.send(SYNC_FRAME.CLOCK, encodeClock(ctx.now()));
      } else if (frame.type === SYNC_FRAME.RECONCILE && (phase === 'start' || phase === 'reconcile')) {
        phase = 'reconcile';
        const reply = reconciler.receive(decodeReconcileMessage(frame.payload, reconcile));
        await io.send(SYNC_FRAME.RECONCILE, encodeReconcileMessage(reply ?? { ranges: [] }));
      } else if (frame.type === SYNC_FRAME.HELD && phase !== 'push') {
        for (const { key, version } of decodeHeld(frame.payload, reconcile.maxIdsPerMessage)) held.set(key, version);
        if (held.size > maxRecordsPerRound)
          throw new SyncError(SYNC_CODES.TOO_MANY_RECORDS, `peer sent more than ${maxRecordsPerRound} hints`);
      } else if (frame.type === SYNC_FRAME.WANT && phase !== 'push') {
        phase = 'serve';
        const ids = decodeIds(frame.payload, reconcile.maxIdsPerMessage);
        served += ids.length;
        if (served > maxRecordsPerRound)
          throw new SyncError(SYNC_CODES.TOO_MANY_RECORDS, `peer asked for more than ${maxRecordsPerRound} records`);
        let missing = 0;
        let older = 0;
        let deferred = 0;
        const records: Uint8Array[] = [];
        for (const id of ids) {
          // The budget is spent: the rest is not even read from the store; the next round asks again.
          if (deferred > 0) {
            deferred++;
            continue;
          }
          const position = snapshot.positionOf(id);
          const key = position < 0 ? null : snapshot.key(position);
          const record = key === null ? null : await loadSyncRecord(ctx.modules.store, key);
          if (record === null) {
            missing++;
            continue;
          }
          // The peer holds a newer version of this slot: ours would only be ignored as stale.
          const theirs = held.get(key!);
          if (record.version !== null && theirs !== undefined && record.version < theirs) {
            older++;
            continue;
          }
          const size = record.bytes.byteLength;
          // Over the chunked bound the peer would refuse it: served by nobody, reported as not found.
          if (size > ctx.options.maxLargeRecordBytes) {
            missing++;
            continue;
          }
          // The round's byte budget, as the initiator counts it: its first record may exceed it alone.
          if (servedRecords > 0 && servedBytes + size > maxRoundBytes) {
            deferred++;
            continue;
          }
          servedRecords++;
          servedBytes += size;
          records.push(record.bytes);
        }
        // Dependencies first, so the initiator admits most of a batch in its first pass.
        for (const bytes of bySubmissionOrder(records, (b) => b)) await sender.send(bytes);
        ctx.stats.served += records.length;
        await io.send(SYNC_FRAME.END, encodeEnd({ missing, older, deferred }));
      } else if (frame.type === SYNC_FRAME.PUSH && phase !== 'start') {
        phase = 'push';
        claimPush(frame.payload.byteLength);
        takePush(frame.payload, sha256Hex(frame.payload));
      } else if (frame.type === SYNC_FRAME.DONE && phase !== 'start') {
        const [count] = decodeCounts(frame.payload, 1, 'DONE');
        if (count !== pushes.length) throw malformed(`DONE announces ${count} pushes, ${pushes.length} arrived`);
        if (pushes.length > 0) {
          const outcome = await ctx.modules.admission.submitBatch(pushes, { path: 'push', peer });
          addCounts(ctx.stats.pushedIn, outcome);
          if (outcome.fault > 0) throw new SyncError(SYNC_CODES.LOCAL_FAULT, 'the store failed while admitting pushes');
          result = { unresolvedPushes: outcome.unresolved > 0 };
          await io.send(SYNC_FRAME.RESULT, encodeCounts(outcome.accept, outcome.ignore, outcome.reject));
        }
        break;
      } else {
        const push = frame.type === SYNC_FRAME.PUSH || frame.type === SYNC_FRAME.PUSH_PART;
        const code = push ? SYNC_CODES.UNWANTED_PUSH : SYNC_CODES.UNEXPECTED_FRAME;
        throw new SyncError(code, `frame type ${frame.type} not allowed in the ${phase} phase`);
      }
    }
  } finally {
    // A transfer cut short returns its share of the node-wide assembly bound.
    assembler.dispose();
  }
  await stream.close({ signal });
  return result;

  /**
   * [REJECT] at most `maxRecordsPerRound` pushes and `maxRoundBytes` bytes, the first push excepted
   * (it may exceed the budget alone); checked before a chunked push's bytes arrive.
   */
  function claimPush(size: number): void {
    if (pushes.length >= maxRecordsPerRound || (pushes.length > 0 && pushBytes + size > maxRoundBytes)) {
      throw new SyncError(
        SYNC_CODES.TOO_MANY_RECORDS,
        `peer pushed more than ${maxRecordsPerRound} records or ${maxRoundBytes} bytes`,
      );
    }
  }

  /** Keeps a pushed record (whole or assembled) if the reconciliation showed it is wanted. */
  function takePush(bytes: Uint8Array, digest: string): void {
    if (wantedPush(bytes, digest)) matched++;
    else if (++unmatched > reconciler.needCount - matched) {
      throw new SyncError(
        SYNC_CODES.UNWANTED_PUSH,
        'the peer pushed records the reconciliation did not show to be wanted',
      );
    }
    pushBytes += bytes.byteLength;
    pushes.push(bytes);
  }

  /**
   * True for a push whose id this node learnt it lacks; throws for one it holds. Records whose slot
   * their JSON does not name (evidence, lists signed by a pinned key) cannot be matched: false.
   */
  function wantedPush(bytes: Uint8Array, digest: string): boolean {
    const key = ctx.modules.admission.slotKeyOf(bytes);
    if (key === null) return false;
    const id = itemId(key, digest);
    if (snapshot.positionOf(id) >= 0) {
      throw new SyncError(SYNC_CODES.UNWANTED_PUSH, `the peer pushed ${key}, which this node holds in that version`);
    }
    if (!reconciler.needs(id)) {
      throw new SyncError(SYNC_CODES.UNWANTED_PUSH, `the peer pushed ${key}, which the reconciliation did not show`);
    }
    return true;
  }
}
