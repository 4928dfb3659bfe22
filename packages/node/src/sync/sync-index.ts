/**
 * The set anti-entropy reconciles: one item per record slot, (record key, version digest), ordered by
 * key in UTF-8 byte order exactly as the stores order them (`compareKeys`). Equivocation evidence joins
 * the set as `evidence/<id>` items, so it replicates like any record (DESIGN.md, Records §4).
 *
 * Range-based set reconciliation (A. Meyer, "Range-Based Set Reconciliation", 2022,
 * arXiv:2212.13567) needs the fingerprint of any range of consecutive items. Following the paper's
 * "monoid" construction (and Negentropy), the fingerprint combines the items' ids with an associative,
 * commutative operation — addition mod 2^256 — so a prefix-sum array answers any range in O(1) after
 * two O(log n) binary searches for its bounds.
 *
 * The index changes as records arrive (gossip, API, anti-entropy itself); a session works on an
 * immutable {@link SyncSnapshot} taken when it starts, so its answers stay consistent for its whole
 * length. Snapshots are cached until the next change, so sessions between changes share one.
 */
import { createHash } from 'node:crypto';
import { type Admission, compareKeys, type IndexEntry, type RecordStore } from '@trustmesh/registry';

/** Bytes of an item id (SHA-256). */
export const ITEM_ID_BYTES = 32;

/**
 * Bytes of an item id as it travels in id lists and requests. 128 bits keep accidental collisions out
 * of reach (~2^-128 per pair); forging one needs a second preimage of SHA-256 truncated to 128 bits.
 */
export const WIRE_ID_BYTES = 16;

/** Bytes of a range fingerprint, as in Negentropy. */
export const FINGERPRINT_BYTES = 16;

/** Prefix of the sync keys of equivocation evidence (never a store key namespace). */
export const EVIDENCE_SYNC_PREFIX = 'evidence/';

const LIMBS = ITEM_ID_BYTES / 4;
const NUL = new Uint8Array([0]);
const UTF8 = new TextEncoder();

/** The sync key of an evidence record: `evidence/<evidence id>`. */
export function evidenceSyncKey(evidenceId: string): string {
  return `${EVIDENCE_SYNC_PREFIX}${evidenceId}`;
}

/**
 * Item id: SHA-256 of the UTF-8 key, a NUL byte and the hex digest. The digest has a fixed length
 * (64 hex digits), so the input splits back into one (key, digest) pair only: distinct items, distinct ids.
 */
export function itemId(key: string, digest: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(UTF8.encode(key)).update(NUL).update(UTF8.encode(digest)).digest());
}

/** Hex of the wire form of an id, used as a map key. */
export function wireIdHex(id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, Math.min(id.byteLength, WIRE_ID_BYTES)).toString('hex');
}

interface Entry {
  digest: string;
  id: Uint8Array;
}

/**
 * An immutable, sorted view of the sync set with cumulative id sums. Positions are 0..size-1 in key
 * order; a range of positions [lo, hi) has a fingerprint computed in O(1).
 */
export class SyncSnapshot {
  /** Number of items. */
  readonly size: number;
  private readonly keys: readonly string[];
  private readonly digests: readonly string[];
  private readonly ids: Uint8Array;
  // sums[i] = (ids[0] + … + ids[i-1]) mod 2^256, as 8 little-endian 32-bit limbs per entry.
  private readonly sums: Uint32Array;
  private byWireId: Map<string, number> | null = null;

  /** Builds a snapshot from items already sorted by `compareKeys` with distinct keys. */
  constructor(keys: readonly string[], digests: readonly string[], ids: Uint8Array) {
    this.size = keys.length;
    this.keys = keys;
    this.digests = digests;
    this.ids = ids;
    this.sums = new Uint32Array((this.size + 1) * LIMBS);
    const view = new DataView(ids.buffer, ids.byteOffset, ids.byteLength);
    for (let i = 0; i < this.size; i++) {
      let carry = 0;
      for (let l = 0; l < LIMBS; l++) {
        const total = this.sums[i * LIMBS + l]! + view.getUint32(i * ITEM_ID_BYTES + l * 4, true) + carry;
        this.sums[(i + 1) * LIMBS + l] = total >>> 0;
        carry = total > 0xffff_ffff ? 1 : 0;
      }
    }
  }

  /** Key at position `i`. */
  key(i: number): string {
    return this.keys[i]!;
  }

  /** Version digest at position `i`. */
  digest(i: number): string {
    return this.digests[i]!;
  }

  /** Full item id at position `i` (a view). */
  id(i: number): Uint8Array {
    return this.ids.subarray(i * ITEM_ID_BYTES, (i + 1) * ITEM_ID_BYTES);
  }

  /** Wire form of the id at position `i` (a view). */
  wireId(i: number): Uint8Array {
    return this.ids.subarray(i * ITEM_ID_BYTES, i * ITEM_ID_BYTES + WIRE_ID_BYTES);
  }

  /** First position whose key is ≥ `bound` (`null` = past the end of the key space). */
  lowerBound(bound: string | null): number {
    if (bound === null) return this.size;
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(this.keys[mid]!, bound) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Fingerprint of positions [lo, hi): SHA-256 of (sum of ids mod 2^256, little-endian, ‖ varint
   * count), truncated to 16 bytes. Hashing the sum hides its linear structure, so a peer cannot craft
   * items whose ids cancel out in the sum (Meyer 2022; Negentropy's fingerprint).
   */
  fingerprint(lo: number, hi: number): Uint8Array {
    const out = new Uint8Array(ITEM_ID_BYTES + 5);
    const view = new DataView(out.buffer);
    let borrow = 0;
    for (let l = 0; l < LIMBS; l++) {
      const diff = this.sums[hi * LIMBS + l]! - this.sums[lo * LIMBS + l]! - borrow;
      view.setUint32(l * 4, diff >>> 0, true);
      borrow = diff < 0 ? 1 : 0;
    }
    let length = ITEM_ID_BYTES;
    let count = hi - lo;
    while (count >= 0x80) {
      out[length++] = (count & 0x7f) | 0x80;
      count >>>= 7;
    }
    out[length++] = count;
    return new Uint8Array(createHash('sha256').update(out.subarray(0, length)).digest().subarray(0, FINGERPRINT_BYTES));
  }

  /** Position of the item whose id starts with the given wire id, or -1. */
  positionOf(wireId: Uint8Array): number {
    if (this.byWireId === null) {
      const map = new Map<string, number>();
      for (let i = 0; i < this.size; i++) map.set(wireIdHex(this.wireId(i)), i);
      this.byWireId = map;
    }
    return this.byWireId.get(wireIdHex(wireId)) ?? -1;
  }

  /** The items in key order. */
  entries(): IndexEntry[] {
    return this.keys.map((key, i) => ({ key, digest: this.digests[i]! }));
  }
}

/**
 * The live sync set of a node: loaded from the store at start, then kept current by `upsert` (the
 * node calls it whenever the registry admits something). Snapshots are immutable and cached.
 */
export class SyncIndex {
  // Keys in compareKeys order beside a hash map: inserts are a binary search plus a splice, which for
  // registry-sized sets (10^4–10^5 slots) is cheaper than maintaining a balanced tree.
  private readonly order: string[] = [];
  private readonly items = new Map<string, Entry>();
  private cached: SyncSnapshot | null = null;

  /** Loads every record slot (`store.index()`) and every evidence record of a store. */
  static async fromStore(store: Pick<RecordStore, 'index' | 'evidence'>): Promise<SyncIndex> {
    const entries: IndexEntry[] = [];
    for await (const entry of store.index()) entries.push(entry);
    for await (const evidence of store.evidence())
      entries.push({ key: evidenceSyncKey(evidence.id), digest: evidence.id });
    return SyncIndex.fromEntries(entries);
  }

  /** Builds an index from (key, digest) entries in any order; a repeated key keeps its last digest. */
  static fromEntries(entries: Iterable<IndexEntry>): SyncIndex {
    const index = new SyncIndex();
    for (const { key, digest } of entries) {
      if (!index.items.has(key)) index.order.push(key);
      index.items.set(key, { digest, id: itemId(key, digest) });
    }
    index.order.sort(compareKeys);
    return index;
  }

  /** Number of items. */
  get size(): number {
    return this.order.length;
  }

  /** The digest held for `key`, or null. */
  digestOf(key: string): string | null {
    return this.items.get(key)?.digest ?? null;
  }

  /** Records that slot `key` now holds version `digest`. Returns false if nothing changed. */
  upsert(key: string, digest: string): boolean {
    const held = this.items.get(key);
    if (held?.digest === digest) return false;
    if (!held) this.order.splice(this.lowerBound(key), 0, key);
    this.items.set(key, { digest, id: itemId(key, digest) });
    this.cached = null;
    return true;
  }

  /** Removes slot `key`. Returns false if it was not held. */
  delete(key: string): boolean {
    if (!this.items.delete(key)) return false;
    this.order.splice(this.lowerBound(key), 1);
    this.cached = null;
    return true;
  }

  /**
   * Records what the registry admitted: a record's slot and digest, or evidence under its sync key.
   * Call it with `outcome.value` whenever `registry.submit` accepts.
   */
  admit(admission: Admission): boolean {
    if (admission.kind === 'evidence')
      return this.upsert(evidenceSyncKey(admission.evidence.id), admission.evidence.id);
    return this.upsert(admission.key, admission.digest);
  }

  /** An immutable view of the current set (shared until the next change). */
  snapshot(): SyncSnapshot {
    if (this.cached) return this.cached;
    const ids = new Uint8Array(this.order.length * ITEM_ID_BYTES);
    const digests: string[] = [];
    this.order.forEach((key, i) => {
      const entry = this.items.get(key)!;
      ids.set(entry.id, i * ITEM_ID_BYTES);
      digests.push(entry.digest);
    });
    this.cached = new SyncSnapshot([...this.order], digests, ids);
    return this.cached;
  }

  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(this.order[mid]!, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
