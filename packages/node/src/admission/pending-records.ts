/**
 * The node's one buffer of records that arrived before what they depend on (a status list before
 * its issuer's accreditation, governance v3 before v2), whichever path brought them (gossip or an
 * anti-entropy pull). Each is kept under the dependency key the registry says it awaits
 * (`ValidationError.awaits`), and {@link PendingRecords.waitingFor} finds the ones to retry when a
 * record providing that key is admitted, by any path (admission/record-admission.ts).
 *
 * Bounded by count, bytes, entries per source peer and age: the buffer is a cache, never a queue a
 * peer can grow. What does not fit is dropped; anti-entropy still brings it eventually.
 */

/** Bounds of a {@link PendingRecords} buffer. */
export interface PendingRecordsOptions {
  /** Most records held. */
  maxRecords: number;
  /** Most bytes held (sum of record sizes). */
  maxBytes: number;
  /**
   * Most records held from one source peer by gossip: records that are "not yet resolvable" cost a
   * forger nothing, so one peer must not be able to push everyone else's out.
   */
  maxRecordsPerSource: number;
  /**
   * Most records held from one anti-entropy pull source (a peer this node chose to sync with): a
   * catch-up pulls thousands of records in key order, and those whose dependency sorts later (an
   * authority's withdrawal list after its issuers' lists) must wait here, not be pulled again.
   */
  maxPulledPerSource: number;
  /** How long a record is kept, in ms. */
  ttlMs: number;
}

/** Defaults of {@link PendingRecordsOptions}. */
export const defaultPendingRecordsOptions: PendingRecordsOptions = {
  maxRecords: 8_192,
  maxBytes: 32 * 1024 * 1024,
  maxRecordsPerSource: 32,
  maxPulledPerSource: 8_192,
  ttlMs: 10 * 60_000,
};

/** What a {@link PendingRecords} buffer depends on. */
export interface PendingRecordsModules {
  /** The clock, ms since the epoch. */
  now: () => number;
}

/** One buffered record. */
export interface PendingRecord {
  /** Content address of `bytes` (lower-case hex SHA-256): also its gossip message id. */
  id: string;
  bytes: Uint8Array;
  /** Peer id (string) the record came from. */
  source: string;
  /** True when an anti-entropy pull brought it (its source's bound is `maxPulledPerSource`). */
  pulled?: boolean;
  /** The code of the `ignore` outcome that put it here. */
  code: string;
  /** The dependency key it awaits (the registry's `ValidationError.awaits`; `any` when not known). */
  awaits: string;
  /** The store slot it would occupy, when known (anti-entropy does not ask for it again). */
  slotKey: string | null;
  /** When it was buffered (ms since epoch). */
  addedAt: number;
}

// Gossip and pulls from one peer are counted apart: each has its own bound.
function sourceKey(record: Pick<PendingRecord, 'source' | 'pulled'>): string {
  return record.pulled ? `pull ${record.source}` : record.source;
}

/** Why a record left the buffer without being resolved. */
export type PendingDropReason = 'expired' | 'evicted';

/** Insertion-ordered, bounded store of pending records. */
export class PendingRecords {
  readonly options: PendingRecordsOptions;
  private readonly modules: PendingRecordsModules;
  // Map iteration order is insertion order: the first entry is always the oldest.
  private readonly records = new Map<string, PendingRecord>();
  private readonly perSource = new Map<string, number>();
  private readonly byDependency = new Map<string, Set<string>>();
  private totalBytes = 0;

  constructor(options: Partial<PendingRecordsOptions>, modules: PendingRecordsModules) {
    this.options = { ...defaultPendingRecordsOptions, ...options };
    this.modules = modules;
  }

  /** Number of records held. */
  get size(): number {
    return this.records.size;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** True when a record with this id is held. */
  has(id: string): boolean {
    return this.records.has(id);
  }

  /**
   * Buffers a record, making room by dropping the same source's oldest record first, then the
   * oldest overall. Returns whether it was added (a record larger than `maxBytes`, or already held,
   * is not) and what was dropped to make room or because it expired.
   */
  add(record: Omit<PendingRecord, 'addedAt'>): {
    added: boolean;
    dropped: { record: PendingRecord; reason: PendingDropReason }[];
  } {
    const dropped: { record: PendingRecord; reason: PendingDropReason }[] = this.expire().map((r) => ({
      record: r,
      reason: 'expired',
    }));
    if (this.records.has(record.id) || record.bytes.byteLength > this.options.maxBytes || this.options.maxRecords < 1) {
      return { added: false, dropped };
    }
    const perSource = record.pulled ? this.options.maxPulledPerSource : this.options.maxRecordsPerSource;
    if ((this.perSource.get(sourceKey(record)) ?? 0) >= perSource) {
      const oldest = this.oldest((r) => sourceKey(r) === sourceKey(record));
      if (oldest) dropped.push({ record: this.take(oldest.id)!, reason: 'evicted' });
    }
    while (
      this.records.size >= this.options.maxRecords ||
      this.totalBytes + record.bytes.byteLength > this.options.maxBytes
    ) {
      const oldest = this.oldest(() => true);
      if (!oldest) break;
      dropped.push({ record: this.take(oldest.id)!, reason: 'evicted' });
    }
    const entry: PendingRecord = { ...record, addedAt: this.modules.now() };
    this.records.set(entry.id, entry);
    const waiting = this.byDependency.get(entry.awaits) ?? new Set<string>();
    this.byDependency.set(entry.awaits, waiting.add(entry.id));
    this.perSource.set(sourceKey(entry), (this.perSource.get(sourceKey(entry)) ?? 0) + 1);
    this.totalBytes += entry.bytes.byteLength;
    return { added: true, dropped };
  }

  /** Removes and returns a record, or undefined. */
  take(id: string): PendingRecord | undefined {
    const record = this.records.get(id);
    if (!record) return undefined;
    this.records.delete(id);
    const waiting = this.byDependency.get(record.awaits);
    waiting?.delete(id);
    if (waiting?.size === 0) this.byDependency.delete(record.awaits);
    const count = (this.perSource.get(sourceKey(record)) ?? 1) - 1;
    if (count > 0) this.perSource.set(sourceKey(record), count);
    else this.perSource.delete(sourceKey(record));
    this.totalBytes -= record.bytes.byteLength;
    return record;
  }

  /** Removes and returns every record older than `ttlMs`. */
  expire(): PendingRecord[] {
    const cutoff = this.modules.now() - this.options.ttlMs;
    const expired: PendingRecord[] = [];
    for (const record of this.records.values()) {
      // Oldest first: the first record young enough ends the scan.
      if (record.addedAt > cutoff) break;
      expired.push(record);
    }
    for (const record of expired) this.take(record.id);
    return expired;
  }

  /**
   * The held records that await one of `keys` (and those that await `any`), oldest first: the ones
   * worth retrying after an admission that provides those keys.
   */
  waitingFor(keys: readonly string[], any: string): PendingRecord[] {
    const ids = new Set<string>();
    for (const key of [...keys, any]) for (const id of this.byDependency.get(key) ?? []) ids.add(id);
    return this.list().filter((r) => ids.has(r.id));
  }

  /** A snapshot of the held records, oldest first. */
  list(): PendingRecord[] {
    return [...this.records.values()];
  }

  /** Removes and returns everything. */
  clear(): PendingRecord[] {
    const all = this.list();
    for (const record of all) this.take(record.id);
    return all;
  }

  private oldest(match: (record: PendingRecord) => boolean): PendingRecord | undefined {
    for (const record of this.records.values()) if (match(record)) return record;
    return undefined;
  }
}
