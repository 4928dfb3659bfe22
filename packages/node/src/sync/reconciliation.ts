/**
 * Range-based set reconciliation (Aljoscha Meyer, "Range-Based Set Reconciliation", 2022,
 * arXiv:2212.13567), in the message shape of Negentropy (github.com/hoytech/negentropy): pure,
 * deterministic, no I/O.
 *
 * Both peers hold a sorted set of items (record key, version digest) — a {@link SyncSnapshot}. A
 * message is a sequence of ranges that partition the key space; each range says what its sender
 * knows about its items in that range:
 *
 * - `skip` — nothing to do here (already agreed or resolved);
 * - `fingerprint` — a 16-byte digest of the sender's items in the range: equal → agreed; different →
 *   the receiver splits its items into `branching` sub-ranges and answers with their fingerprints
 *   (Meyer's recursive step), or, if it holds at most `idListThreshold` items there, lists them;
 * - `ids` — the sender's item ids in the range: the receiver now knows the difference in the range;
 * - `diff` — the answer to an `ids` range (a refinement of Negentropy's reply with the full list):
 *   the ids the `ids` sender lacks, plus a bitmap over its list marking the ids the answerer lacks.
 *
 * Rounds alternate until the initiator has nothing left to send. Each difference costs at most
 * `branching` fingerprints per level of a tree of depth log_b(n / threshold), so the bytes exchanged
 * are O(d · log n) for d differences among n items, and an identical pair of sets costs one
 * fingerprint each way.
 *
 * At the end the initiator knows both directions of the difference: `have` (its items the responder
 * lacks or holds in another version) and `need` (the responder's item ids it lacks).
 *
 * Wire format of a message (all integers unsigned LEB128 varints):
 *
 *     message  = range*                          (implicit trailing skip to the end of the key space)
 *     range    = bound mode payload
 *     bound    = 0                               (the end of the key space; only as the last bound)
 *              | (suffixLength + 1) shared suffix  (UTF-8; `shared` bytes are taken from the previous
 *                                                   bound of the message: front coding)
 *     mode     = 0 skip | 1 fingerprint | 2 ids | 3 diff
 *     payload  = skip: —
 *              | fingerprint: 16 bytes
 *              | ids: count, count × 16-byte ids
 *              | diff: count, count × 16-byte ids, bitmapLength, bitmap (bit j = byte j>>3, 1 << (j&7))
 *
 * The lower bound of the first range is the empty key (below every key); each range's lower bound is
 * the previous one's upper. Bounds are the shortest key prefixes that separate two neighbouring items,
 * so a bound costs a few bytes after front coding even for long keys.
 */
import { compareKeys, MAX_STORE_KEY_BYTES } from '@trustmesh/registry';
import { ByteReader, ByteWriter } from './bytes.ts';
import { malformed, SYNC_CODES, SyncError } from './sync-errors.ts';
import { FINGERPRINT_BYTES, type SyncSnapshot, WIRE_ID_BYTES, wireIdHex } from './sync-index.ts';

/** A range's upper bound: a key, or `null` for the end of the key space. Exclusive. */
export type Bound = string | null;

/** One range of a reconciliation message. */
export type Range =
  | { upper: Bound; mode: 'skip' }
  | { upper: Bound; mode: 'fingerprint'; fingerprint: Uint8Array }
  | { upper: Bound; mode: 'ids'; ids: Uint8Array[] }
  | { upper: Bound; mode: 'diff'; missing: Uint8Array[]; lacks: Uint8Array };

/** A reconciliation message: ranges in key order covering [empty key, last upper). */
export interface ReconcileMessage {
  ranges: Range[];
}

/** Which side of a session a reconciler plays. */
export type ReconcileRole = 'initiator' | 'responder';

/** Tuning and hard limits of reconciliation. Limits are a network convention: keep them equal on all nodes. */
export interface ReconcileOptions {
  /** Sub-ranges a differing range is split into (Meyer's branching factor b). */
  branching: number;
  /** Ranges holding at most this many items are sent as explicit id lists instead of being split. */
  idListThreshold: number;
  /**
   * A responder answers an id list with a `diff` only if it holds at most this many items in the
   * range; otherwise it splits the range (a new node's empty list must not pull the whole set at once).
   */
  maxDiffItems: number;
  /** Most ranges in one message (sent and accepted). */
  maxRangesPerMessage: number;
  /** Most item ids (in `ids` and `diff` ranges together) in one message. */
  maxIdsPerMessage: number;
  /** Most bytes of one encoded message. */
  maxMessageBytes: number;
  /** Most messages one reconciler accepts in a session. */
  maxRounds: number;
}

/** Defaults: b = 16 and a threshold of 16 (Negentropy's), limits sized for registries of 10^5 slots. */
export const defaultReconcileOptions: ReconcileOptions = {
  branching: 16,
  idListThreshold: 16,
  maxDiffItems: 256,
  maxRangesPerMessage: 2048,
  maxIdsPerMessage: 4096,
  maxMessageBytes: 512 * 1024,
  maxRounds: 64,
};

const MODE_CODES = { skip: 0, fingerprint: 1, ids: 2, diff: 3 } as const;
const UTF8 = new TextEncoder();
const UTF8_STRICT = new TextDecoder('utf-8', { fatal: true });
// Upper bound of the varints in front of a bound (tag ≤ 5 bytes, shared ≤ 5 bytes).
const BOUND_OVERHEAD = 10;

/** Throws unless the options allow every message to make progress. */
export function checkReconcileOptions(options: ReconcileOptions): void {
  const { branching, idListThreshold, maxDiffItems, maxRangesPerMessage, maxIdsPerMessage, maxMessageBytes } = options;
  const need = (ok: boolean, rule: string) => {
    if (!ok) throw new RangeError(`reconcile options: ${rule}`);
  };
  need(Number.isInteger(branching) && branching >= 2, 'branching must be an integer ≥ 2');
  need(Number.isInteger(idListThreshold) && idListThreshold >= 1, 'idListThreshold must be an integer ≥ 1');
  need(maxDiffItems >= idListThreshold, 'maxDiffItems must be ≥ idListThreshold');
  // A split may list `branching` single items; a diff lists up to maxDiffItems.
  need(
    maxIdsPerMessage >= Math.max(maxDiffItems, branching),
    'maxIdsPerMessage must be ≥ maxDiffItems and ≥ branching',
  );
  // A split emits `branching` ranges plus a leading skip, and room is kept for the overflow fingerprint.
  need(maxRangesPerMessage >= branching + 3, 'maxRangesPerMessage must be ≥ branching + 3');
  // The largest single answer: a split with full-length bounds, or a diff of maxDiffItems ids.
  const split = (branching + 3) * (MAX_STORE_KEY_BYTES + BOUND_OVERHEAD + 1 + FINGERPRINT_BYTES);
  const diff = 3 * (MAX_STORE_KEY_BYTES + BOUND_OVERHEAD) + maxDiffItems * WIRE_ID_BYTES + maxIdsPerMessage / 8 + 64;
  need(maxMessageBytes >= Math.max(split, diff), `maxMessageBytes must be ≥ ${Math.max(split, diff)}`);
  need(Number.isInteger(options.maxRounds) && options.maxRounds >= 1, 'maxRounds must be an integer ≥ 1');
}

/** Encodes a message (see the module comment for the layout). */
export function encodeReconcileMessage(message: ReconcileMessage): Uint8Array {
  const out = new ByteWriter(64);
  let previous = new Uint8Array(0);
  for (const range of message.ranges) {
    if (range.upper === null) {
      out.varint(0);
    } else {
      const bound = UTF8.encode(range.upper);
      let shared = 0;
      const max = Math.min(previous.byteLength, bound.byteLength);
      while (shared < max && previous[shared] === bound[shared]) shared++;
      out
        .varint(bound.byteLength - shared + 1)
        .varint(shared)
        .bytes(bound.subarray(shared));
      previous = bound;
    }
    out.byte(MODE_CODES[range.mode]);
    switch (range.mode) {
      case 'skip':
        break;
      case 'fingerprint':
        out.bytes(range.fingerprint);
        break;
      case 'ids':
        out.varint(range.ids.length);
        for (const id of range.ids) out.bytes(id.subarray(0, WIRE_ID_BYTES));
        break;
      case 'diff':
        out.varint(range.missing.length);
        for (const id of range.missing) out.bytes(id.subarray(0, WIRE_ID_BYTES));
        out.varint(range.lacks.byteLength).bytes(range.lacks);
        break;
    }
  }
  return out.finish().slice();
}

/** Limits applied while decoding. */
export type ReconcileDecodeLimits = Pick<
  ReconcileOptions,
  'maxRangesPerMessage' | 'maxIdsPerMessage' | 'maxMessageBytes'
>;

/**
 * Decodes a message from an untrusted peer, enforcing the limits and the structure: bounds strictly
 * increasing, the end bound last, valid UTF-8, known modes, no trailing bytes.
 */
export function decodeReconcileMessage(bytes: Uint8Array, limits: ReconcileDecodeLimits): ReconcileMessage {
  if (bytes.byteLength > limits.maxMessageBytes) {
    throw new SyncError(
      SYNC_CODES.MESSAGE_TOO_LARGE,
      `message of ${bytes.byteLength} bytes exceeds ${limits.maxMessageBytes}`,
    );
  }
  const reader = new ByteReader(bytes);
  const ranges: Range[] = [];
  let previousBytes = new Uint8Array(0);
  let previous: Bound = '';
  let ids = 0;
  const takeIds = (count: number, what: string): Uint8Array[] => {
    ids += count;
    if (ids > limits.maxIdsPerMessage)
      throw new SyncError(SYNC_CODES.TOO_MANY_IDS, `more than ${limits.maxIdsPerMessage} ids in a message`);
    if (count * WIRE_ID_BYTES > reader.remaining) throw malformed(`${what}: ${count} ids do not fit in the message`);
    const list: Uint8Array[] = [];
    for (let i = 0; i < count; i++) list.push(reader.bytes(WIRE_ID_BYTES, what));
    return list;
  };
  while (!reader.done) {
    if (ranges.length >= limits.maxRangesPerMessage) {
      throw new SyncError(SYNC_CODES.TOO_MANY_RANGES, `more than ${limits.maxRangesPerMessage} ranges in a message`);
    }
    if (previous === null) throw new SyncError(SYNC_CODES.BAD_BOUNDS, 'a range follows the end of the key space');
    const tag = reader.varint('bound');
    let upper: Bound = null;
    if (tag > 0) {
      const shared = reader.varint('bound prefix');
      const suffixLength = tag - 1;
      if (shared > previousBytes.byteLength)
        throw malformed(`bound shares ${shared} bytes with a ${previousBytes.byteLength}-byte bound`);
      if (shared + suffixLength > MAX_STORE_KEY_BYTES)
        throw malformed(`bound longer than ${MAX_STORE_KEY_BYTES} bytes`);
      const bound = new Uint8Array(shared + suffixLength);
      bound.set(previousBytes.subarray(0, shared));
      bound.set(reader.bytes(suffixLength, 'bound'), shared);
      try {
        upper = UTF8_STRICT.decode(bound);
      } catch {
        throw malformed('bound is not valid UTF-8');
      }
      if (compareKeys(upper, previous) <= 0)
        throw new SyncError(SYNC_CODES.BAD_BOUNDS, 'range bounds must be strictly increasing');
      previousBytes = bound;
    }
    const mode = reader.byte('mode');
    switch (mode) {
      case MODE_CODES.skip:
        ranges.push({ upper, mode: 'skip' });
        break;
      case MODE_CODES.fingerprint:
        ranges.push({ upper, mode: 'fingerprint', fingerprint: reader.bytes(FINGERPRINT_BYTES, 'fingerprint') });
        break;
      case MODE_CODES.ids:
        ranges.push({ upper, mode: 'ids', ids: takeIds(reader.varint('id count'), 'ids') });
        break;
      case MODE_CODES.diff: {
        const missing = takeIds(reader.varint('id count'), 'diff');
        const lacksLength = reader.varint('bitmap length');
        if (lacksLength * 8 > limits.maxIdsPerMessage + 7)
          throw new SyncError(SYNC_CODES.TOO_MANY_IDS, 'diff bitmap longer than an id list may be');
        ranges.push({ upper, mode: 'diff', missing, lacks: reader.bytes(lacksLength, 'bitmap') });
        break;
      }
      default:
        throw malformed(`unknown range mode ${mode}`);
    }
    previous = upper;
  }
  return { ranges };
}

/** The shortest prefix of `next` that sorts after `previous` (which sorts before `next`). */
export function separator(previous: string, next: string): string {
  const n = Math.min(previous.length, next.length);
  let i = 0;
  while (i < n && previous.charCodeAt(i) === next.charCodeAt(i)) i++;
  let end = i + 1;
  // Never cut a surrogate pair: the bound must have a UTF-8 form.
  const unit = next.charCodeAt(i);
  if (unit >= 0xd800 && unit <= 0xdbff && end < next.length) end++;
  return next.slice(0, end);
}

interface Piece {
  lower: string;
  range: Range;
}

interface Cost {
  ranges: number;
  ids: number;
  bytes: number;
}

function boundCost(bound: Bound): number {
  return bound === null ? 1 : Buffer.byteLength(bound) + BOUND_OVERHEAD;
}

function rangeCost(range: Range): Cost {
  const head = boundCost(range.upper) + 1;
  switch (range.mode) {
    case 'skip':
      return { ranges: 1, ids: 0, bytes: head };
    case 'fingerprint':
      return { ranges: 1, ids: 0, bytes: head + FINGERPRINT_BYTES };
    case 'ids':
      return { ranges: 1, ids: range.ids.length, bytes: head + 5 + range.ids.length * WIRE_ID_BYTES };
    case 'diff':
      return {
        ranges: 1,
        ids: range.missing.length,
        bytes: head + 10 + range.missing.length * WIRE_ID_BYTES + range.lacks.byteLength,
      };
  }
}

/** Collects output ranges within the message limits, inserting skips over gaps. */
class OutputBuilder {
  readonly ranges: Range[] = [];
  private covered: Bound = '';
  private used: Cost = { ranges: 0, ids: 0, bytes: 0 };

  constructor(private readonly limits: ReconcileOptions) {}

  /** True if `pieces`, plus an overflow fingerprint from `reserveFrom`, fit in the message. */
  fits(pieces: Piece[], reserveFrom: string): boolean {
    const total = { ...this.used };
    let covered = this.covered;
    for (const piece of pieces) {
      if (piece.lower !== covered) add(total, { ranges: 1, ids: 0, bytes: boundCost(piece.lower) + 1 });
      add(total, rangeCost(piece.range));
      covered = piece.range.upper;
    }
    // Room for "skip to reserveFrom, then fingerprint of the rest", should the next range not fit.
    add(total, { ranges: 2, ids: 0, bytes: boundCost(reserveFrom) + 1 + boundCost(null) + 1 + FINGERPRINT_BYTES });
    return (
      total.ranges <= this.limits.maxRangesPerMessage &&
      total.ids <= this.limits.maxIdsPerMessage &&
      total.bytes <= this.limits.maxMessageBytes
    );
  }

  push(piece: Piece): void {
    if (piece.lower !== this.covered) {
      this.ranges.push({ upper: piece.lower, mode: 'skip' });
      add(this.used, { ranges: 1, ids: 0, bytes: boundCost(piece.lower) + 1 });
    }
    this.ranges.push(piece.range);
    add(this.used, rangeCost(piece.range));
    this.covered = piece.range.upper;
  }
}

function add(total: Cost, cost: Cost): void {
  total.ranges += cost.ranges;
  total.ids += cost.ids;
  total.bytes += cost.bytes;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

function rangeName(lower: string, upper: Bound): string {
  return JSON.stringify([lower, upper]);
}

/**
 * One side of a reconciliation session over a fixed snapshot. The initiator calls `initiate()` and
 * then `receive()` on each reply until it returns null; the responder answers each message with
 * `receive()`. Throws {@link SyncError} on a message that breaks the protocol.
 */
export class Reconciler {
  readonly role: ReconcileRole;
  private readonly snapshot: SyncSnapshot;
  private readonly options: ReconcileOptions;
  private readonly haveSet = new Set<number>();
  private readonly needIds = new Map<string, Uint8Array>();
  // Id lists sent in the last message: only those may be answered with a diff.
  private idListsSent = new Map<string, number>();
  private listedTotal = 0;
  private rounds = 0;
  private started = false;
  private finished = false;

  constructor(snapshot: SyncSnapshot, role: ReconcileRole, options: ReconcileOptions = defaultReconcileOptions) {
    checkReconcileOptions(options);
    this.snapshot = snapshot;
    this.role = role;
    this.options = options;
  }

  /** Positions (in the snapshot) of this side's items the peer lacks or holds in another version, ascending. */
  get have(): number[] {
    return [...this.haveSet].sort((a, b) => a - b);
  }

  /** Wire ids of the peer's items this side lacks (a missing slot or another version of a held one). */
  get need(): Uint8Array[] {
    return [...this.needIds.values()];
  }

  /** Number of peer ids this side lacks so far. */
  get needCount(): number {
    return this.needIds.size;
  }

  /** True when a peer id is one this side lacks (learnt from the peer's id lists). */
  needs(id: Uint8Array): boolean {
    return this.needIds.has(wireIdHex(id));
  }

  /**
   * Ids this side sent as id lists so far: ranges that differ and that the peer resolved on its
   * side, so it may hold items there that this side lacks without this side learning their ids.
   */
  get listedCount(): number {
    return this.listedTotal;
  }

  /** True once the initiator has nothing left to ask. */
  get done(): boolean {
    return this.finished;
  }

  /**
   * The initiator's first message: its whole set as one fingerprint (most rounds find nothing to
   * do, and then cost one fingerprint each way), or an empty id list if it holds nothing.
   */
  initiate(): ReconcileMessage {
    if (this.role !== 'initiator' || this.started) throw new Error('initiate() is for a fresh initiator');
    this.started = true;
    const out = new OutputBuilder(this.options);
    const size = this.snapshot.size;
    const piece =
      size === 0
        ? this.idList('', null, 0, 0)
        : {
            lower: '',
            range: { upper: null, mode: 'fingerprint', fingerprint: this.snapshot.fingerprint(0, size) } as Range,
          };
    this.emit(out, piece);
    return { ranges: out.ranges };
  }

  /**
   * Processes the peer's message and returns the answer. For the initiator, null means reconciliation
   * is complete; a responder always answers (an empty message when everything is agreed).
   */
  receive(message: ReconcileMessage): ReconcileMessage | null {
    if (this.role === 'initiator' && !this.started)
      throw new SyncError(SYNC_CODES.UNEXPECTED_FRAME, 'initiator received before initiating');
    if (this.finished) throw new SyncError(SYNC_CODES.UNEXPECTED_FRAME, 'reconciliation is already complete');
    if (++this.rounds > this.options.maxRounds) {
      throw new SyncError(SYNC_CODES.TOO_MANY_ROUNDS, `reconciliation exceeded ${this.options.maxRounds} rounds`);
    }
    const sent = this.idListsSent;
    this.idListsSent = new Map();
    const out = new OutputBuilder(this.options);
    const size = this.snapshot.size;
    let lower = '';
    let loPos = 0;
    for (const range of message.ranges) {
      // The decoder checks this; checked again for messages built in-process.
      if (range.upper !== null && compareKeys(range.upper, lower) <= 0) {
        throw new SyncError(SYNC_CODES.BAD_BOUNDS, 'range bounds must be strictly increasing');
      }
      const hiPos = this.snapshot.lowerBound(range.upper);
      const pieces = this.process(range, lower, loPos, hiPos, sent);
      if (pieces.length > 0) {
        // The options guarantee that the first answer of a message always fits, so every message
        // makes progress and a session cannot loop on overflow.
        if (!out.fits(pieces, lower)) {
          // The answer would exceed the message limits: everything from here on is summarised as one
          // fingerprint, which the peer compares and splits again next round (Negentropy's frame
          // size limit handling). The message still made progress on the ranges before this one.
          this.emit(out, {
            lower,
            range: { upper: null, mode: 'fingerprint', fingerprint: this.snapshot.fingerprint(loPos, size) },
          });
          break;
        }
        for (const piece of pieces) this.emit(out, piece);
      }
      if (range.upper === null) break;
      lower = range.upper;
      loPos = hiPos;
    }
    if (this.role === 'initiator' && out.ranges.length === 0) {
      this.finished = true;
      return null;
    }
    return { ranges: out.ranges };
  }

  private emit(out: OutputBuilder, piece: Piece): void {
    if (piece.range.mode === 'ids') {
      this.idListsSent.set(rangeName(piece.lower, piece.range.upper), piece.range.ids.length);
      this.listedTotal += piece.range.ids.length;
    }
    out.push(piece);
  }

  /** What to answer for one incoming range: nothing (agreed or resolved) or the pieces to send. */
  private process(range: Range, lower: string, loPos: number, hiPos: number, sent: Map<string, number>): Piece[] {
    switch (range.mode) {
      case 'skip':
        return [];
      case 'fingerprint':
        if (sameBytes(range.fingerprint, this.snapshot.fingerprint(loPos, hiPos))) return [];
        return this.split(lower, range.upper, loPos, hiPos);
      case 'ids': {
        // The initiator resolves the range locally. When it holds items there that the responder
        // lacks, it answers with its own id list, so that the responder learns their ids: a
        // responder takes pushes only of ids it learnt it lacks (responder.ts).
        if (this.role === 'initiator') {
          const { missing } = this.resolve(range.ids, loPos, hiPos);
          // Our side of the range: an id list if few, else sub-ranges that narrow down to id lists.
          return missing.length === 0 ? [] : this.split(lower, range.upper, loPos, hiPos);
        }
        if (hiPos - loPos > this.options.maxDiffItems) return this.split(lower, range.upper, loPos, hiPos);
        const { missing, lacks } = this.resolve(range.ids, loPos, hiPos);
        if (missing.length === 0 && lacks.every((b) => b === 0)) return [];
        return [{ lower, range: { upper: range.upper, mode: 'diff', missing, lacks } }];
      }
      case 'diff': {
        if (this.role === 'responder')
          throw new SyncError(SYNC_CODES.UNEXPECTED_FRAME, 'a responder never receives a diff');
        const listed = sent.get(rangeName(lower, range.upper));
        if (listed === undefined)
          throw new SyncError(SYNC_CODES.UNEXPECTED_FRAME, 'diff for a range that was not sent as an id list');
        // Same snapshot, same bounds: the list sent is exactly positions [loPos, hiPos).
        if (range.lacks.byteLength !== Math.ceil(listed / 8))
          throw malformed(`diff bitmap must be ${Math.ceil(listed / 8)} bytes`);
        for (let j = 0; j < listed; j++) {
          if ((range.lacks[j >> 3]! >> (j & 7)) & 1) this.haveSet.add(loPos + j);
        }
        for (const id of range.missing) {
          if (this.snapshot.positionOf(id) < 0) this.needIds.set(wireIdHex(id), id);
        }
        return [];
      }
    }
  }

  /** Compares the peer's id list with this side's items in [loPos, hiPos) and records the difference. */
  private resolve(theirs: Uint8Array[], loPos: number, hiPos: number): { missing: Uint8Array[]; lacks: Uint8Array } {
    const mine = new Map<string, number>();
    for (let p = loPos; p < hiPos; p++) mine.set(wireIdHex(this.snapshot.wireId(p)), p);
    const theirSet = new Set<string>();
    const lacks = new Uint8Array(Math.ceil(theirs.length / 8));
    theirs.forEach((id, j) => {
      const hex = wireIdHex(id);
      theirSet.add(hex);
      if (!mine.has(hex)) {
        lacks[j >> 3]! |= 1 << (j & 7);
        // An id held elsewhere in the set can only come from a dishonest peer: never ask for it.
        if (this.snapshot.positionOf(id) < 0) this.needIds.set(hex, id);
      }
    });
    const missing: Uint8Array[] = [];
    for (const [hex, p] of mine) {
      if (theirSet.has(hex)) continue;
      missing.push(this.snapshot.wireId(p));
      this.haveSet.add(p);
    }
    return { missing, lacks };
  }

  /** This side's items in a differing range: an id list if few, else `branching` sub-ranges. */
  private split(lower: string, upper: Bound, loPos: number, hiPos: number): Piece[] {
    const count = hiPos - loPos;
    if (count <= this.options.idListThreshold) return [this.idList(lower, upper, loPos, hiPos)];
    const buckets = Math.min(this.options.branching, count);
    const pieces: Piece[] = [];
    let subLower = lower;
    for (let j = 0; j < buckets; j++) {
      const start = loPos + Math.floor((count * j) / buckets);
      const end = loPos + Math.floor((count * (j + 1)) / buckets);
      const subUpper = j === buckets - 1 ? upper : separator(this.snapshot.key(end - 1), this.snapshot.key(end));
      // A single item costs the same as a fingerprint as an id list, and resolves a round earlier.
      pieces.push(
        end - start <= 1
          ? this.idList(subLower, subUpper, start, end)
          : {
              lower: subLower,
              range: { upper: subUpper, mode: 'fingerprint', fingerprint: this.snapshot.fingerprint(start, end) },
            },
      );
      if (subUpper !== null) subLower = subUpper;
    }
    return pieces;
  }

  private idList(lower: string, upper: Bound, loPos: number, hiPos: number): Piece {
    const ids: Uint8Array[] = [];
    for (let p = loPos; p < hiPos; p++) ids.push(this.snapshot.wireId(p));
    return { lower, range: { upper, mode: 'ids', ids } };
  }
}
