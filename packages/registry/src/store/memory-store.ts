/**
 * An in-memory RecordStore for tests, simulation and ephemeral nodes. It keeps values in the same
 * encoded form as the LevelDB store and iterates in the same (UTF-8 byte) key order, so both pass one
 * compliance suite and give identical answers for the same history.
 */
import { storeFault } from '../errors.ts';
import { type CheckedRange, checkRange, isStorableKey, prepareBatch } from './batch.ts';
import { compareKeys, decodeEvidence, decodeJson, decodeRecord } from './codec.ts';
import type {
  EvidenceRecord,
  IndexEntry,
  KeyRange,
  RecordKind,
  RecordStore,
  StoreBatch,
  StoredRecord,
} from './types.ts';

/** What the memory store keeps per slot: the encoded record plus what index and counters read. */
interface Slot {
  kind: RecordKind;
  digest: string;
  size: number;
  value: Uint8Array;
}

/**
 * A RecordStore held in memory. Closing keeps the data (like a directory on disk), so `close()` then
 * `open()` behaves as a restart; a new instance starts empty.
 */
export class MemoryRecordStore implements RecordStore {
  private readonly slots = new SortedMap<Slot>();
  private readonly evidenceById = new SortedMap<Uint8Array>();
  private readonly meta = new Map<string, Uint8Array>();
  private bytes = 0;
  private isOpen = false;

  /** Opens the store; opening an open store does nothing. */
  async open(): Promise<void> {
    this.isOpen = true;
  }

  /** Closes the store; the data stays for a later `open()`. */
  async close(): Promise<void> {
    this.isOpen = false;
  }

  /** The current version of a slot, or null. */
  async get(key: string): Promise<StoredRecord | null> {
    this.assertOpen();
    const slot = isStorableKey(key) ? this.slots.get(key) : undefined;
    return slot ? decodeRecord(key, slot.value) : null;
  }

  /**
   * Applies a batch atomically: it is validated and encoded in full first (throwing
   * `STORE_BAD_BATCH`), then applied synchronously, so no reader sees half of it.
   */
  async commit(batch: StoreBatch): Promise<void> {
    this.assertOpen();
    const prepared = prepareBatch(batch);
    for (const put of prepared.put) {
      const previous = this.slots.get(put.key);
      this.bytes += put.size - (previous?.size ?? 0);
      this.slots.set(put.key, { kind: put.kind, digest: put.digest, size: put.size, value: put.value });
    }
    for (const key of prepared.del) {
      const previous = this.slots.get(key);
      if (!previous) continue;
      this.bytes -= previous.size;
      this.slots.delete(key);
    }
    for (const { id, value } of prepared.evidence) {
      if (!this.evidenceById.get(id)) this.evidenceById.set(id, value);
    }
    for (const { name, value } of prepared.meta) {
      if (value === null) this.meta.delete(name);
      else this.meta.set(name, value);
    }
  }

  /** Current records in key order; `limit` counts records that pass the `kind` filter. */
  async *records(range?: KeyRange & { kind?: RecordKind }): AsyncGenerator<StoredRecord> {
    const checked = checkRange(range);
    this.assertOpen();
    let count = 0;
    // The entries are taken up front: like a LevelDB iterator, iteration reads one snapshot.
    // With a kind filter the limit counts matches, so the whole range may be needed.
    const max = checked.kind === undefined ? checked.limit : Number.POSITIVE_INFINITY;
    for (const [key, slot] of this.slots.entries(checked, max)) {
      if (count >= checked.limit) return;
      if (checked.kind !== undefined && slot.kind !== checked.kind) continue;
      count++;
      yield decodeRecord(key, slot.value);
    }
  }

  /** The (key, digest) index in key order. */
  async *index(range?: KeyRange): AsyncGenerator<IndexEntry> {
    const checked = checkRange(range === undefined ? undefined : { ...range, kind: undefined });
    this.assertOpen();
    for (const [key, slot] of this.slots.entries(checked, checked.limit)) {
      yield { key, digest: slot.digest };
    }
  }

  /** One evidence record by id, or null. */
  async getEvidence(id: string): Promise<EvidenceRecord | null> {
    this.assertOpen();
    const value = isStorableKey(id) ? this.evidenceById.get(id) : undefined;
    return value ? decodeEvidence(id, value) : null;
  }

  /** All evidence, ordered by id. */
  async *evidence(): AsyncGenerator<EvidenceRecord> {
    this.assertOpen();
    for (const [id, value] of this.evidenceById.entries(checkRange(undefined), Number.POSITIVE_INFINITY))
      yield decodeEvidence(id, value);
  }

  /** A metadata value (a fresh copy, as parsed from its stored JSON), or null. */
  async getMeta<T = unknown>(name: string): Promise<T | null> {
    this.assertOpen();
    const value = isStorableKey(name) ? this.meta.get(name) : undefined;
    return value ? (decodeJson(value, `meta ${JSON.stringify(name)}`) as T) : null;
  }

  /** Counts kept up to date by `commit`. */
  async stats(): Promise<{ records: number; bytes: number; evidence: number }> {
    this.assertOpen();
    return { records: this.slots.size, bytes: this.bytes, evidence: this.evidenceById.size };
  }

  private assertOpen(): void {
    if (!this.isOpen) throw storeFault('STORE_NOT_OPEN', 'the memory store is not open');
  }
}

/** A map that iterates in UTF-8 byte order of its keys (a sorted key array beside a hash map). */
class SortedMap<V> {
  private readonly order: string[] = [];
  private readonly values = new Map<string, V>();

  get size(): number {
    return this.values.size;
  }

  get(key: string): V | undefined {
    return this.values.get(key);
  }

  set(key: string, value: V): void {
    if (!this.values.has(key)) this.order.splice(this.lowerBound(key), 0, key);
    this.values.set(key, value);
  }

  delete(key: string): void {
    if (!this.values.delete(key)) return;
    this.order.splice(this.lowerBound(key), 1);
  }

  /** A snapshot of at most `max` entries whose keys lie in `[gte, lt)`, in order. */
  entries(range: CheckedRange, max: number): Array<[string, V]> {
    const start = range.gte === undefined ? 0 : this.lowerBound(range.gte);
    const end = Math.min(range.lt === undefined ? this.order.length : this.lowerBound(range.lt), start + max);
    const out: Array<[string, V]> = [];
    for (let i = start; i < end; i++) {
      const key = this.order[i]!;
      out.push([key, this.values.get(key)!]);
    }
    return out;
  }

  /** Index of the first key not below `key`. */
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
