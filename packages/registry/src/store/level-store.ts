/**
 * The LevelDB RecordStore (via `level`). Layout, one sublevel per namespace (CONVENTIONS.md, Storage:
 * a namespace, once used, is never reused for something else):
 *
 * - `rec`  record key → encoded record (codec.ts: small JSON header + the canonical bytes)
 * - `idx`  record key → 32-byte digest (what anti-entropy walks, without reading record bytes)
 * - `evd`  evidence id → encoded evidence
 * - `meta` name → JSON text (UTF-8)
 * - `sys`  `format` and `stats` (record/byte/evidence counters, kept in step by every batch)
 *
 * Keys are UTF-8, so LevelDB orders them by UTF-8 bytes; the memory store uses the same order.
 *
 * Durability (issue 10, problem 2; DESIGN.md, Principles §7: a 2xx for a write means durable):
 * - every commit is written with `sync: true`, so it is on disk before `commit` resolves; commits
 *   made while a write is in flight share the next synced write (group-commit.ts), and a failed
 *   write fails every commit it carried;
 * - after any failed write the store is fail-stop: it refuses further writes (`STORE_FAILED`) and
 *   reopens the database, so LevelDB recovers its log from what is on disk and starts a new one.
 *   The bundled LevelDB does not enter an error state when a log write fails, and later records
 *   would be appended misaligned and dropped at the next recovery; a reopen never builds on a
 *   failed write. If the reopen fails, the store stays failed (health says so) until restarted.
 * - `faults()` reports failed writes for health; a full disk comes out as `STORE_FULL` (507).
 * - A store that comes back with less than it held is reported (`faults().recovery`), not silent:
 *   LevelDB's recovery notes in its info log (`LOG`) the bytes it dropped as corrupt, and a clean
 *   close leaves a mark (`TRUSTMESH-CLOSED`) with the commit count the next open must find — a
 *   truncated log or an older `db/` copied over shows as fewer commits.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Level } from 'level';
import { CodedError, type StoreError, storeFault } from '../errors.ts';
import { type CheckedRange, checkRange, isStorableKey, type PreparedBatch, prepareBatch } from './batch.ts';
import {
  bytesToDigest,
  decodeEvidence,
  decodeJson,
  decodeRecord,
  digestToBytes,
  encodedRecordSize,
  encodeJson,
} from './codec.ts';
import { GroupCommit } from './group-commit.ts';
import type {
  EvidenceRecord,
  IndexEntry,
  KeyRange,
  RecordKind,
  RecordStore,
  StoreBatch,
  StoredRecord,
  StoreFaults,
} from './types.ts';

/** Options of {@link LevelRecordStore}. */
export interface LevelStoreOptions {
  /** Directory of the LevelDB database; created if missing. */
  location: string;
  /**
   * Sync every commit to disk before it resolves (default true). Only benchmarks and throw-away
   * stores turn it off: without it a power cut loses acknowledged writes.
   */
  sync?: boolean;
}

/** The LevelDB database type the store runs on. */
export type LevelDatabase = Level<string, Uint8Array>;

/** The database the store opens by default at `location` (UTF-8 keys, binary values). */
export function createLevelDatabase(location: string): LevelDatabase {
  return new Level<string, Uint8Array>(location, { keyEncoding: 'utf8', valueEncoding: 'view' });
}

/** What the store depends on: how a database is opened (tests inject file-layer faults here). */
export interface LevelStoreModules {
  /** Creates the (unopened) database at `location`; defaults to `new Level(location, …)`. */
  createDatabase?: (location: string) => LevelDatabase;
  /** The clock, ms since the epoch, for fault timestamps (default `Date.now`). */
  now?: () => number;
}

/** Layout version written to `sys/format`; a store refuses a directory written in another layout. */
export const LEVEL_STORE_FORMAT = 1;

/** Counters reported by `stats()`. */
interface Counts {
  records: number;
  bytes: number;
  evidence: number;
  /** Commits since the directory was created (0 for directories from before it was counted). */
  commits: number;
}

/** The size of a slot that holds no record, in the store's memory of slot sizes. */
const ABSENT = -1;

/** Most slot sizes remembered (about 40 MB of keys at worst); a slot forgotten is read once again. */
const MAX_KNOWN_SIZES = 262_144;

/** Written beside the database at a clean close: the commit count the next open must find. */
const CLOSE_MARK = 'TRUSTMESH-CLOSED';

type Database = Level<string, Uint8Array>;
type Sublevels = ReturnType<typeof sublevels>;

interface OpenState {
  db: Database;
  sub: Sublevels;
  counts: Counts;
}

/** One root-batch operation on one of our sublevels. */
type Operation =
  | { type: 'put'; sublevel: Sublevels[keyof Sublevels]; key: string; value: Uint8Array }
  | { type: 'del'; sublevel: Sublevels[keyof Sublevels]; key: string };

/** Every sublevel: UTF-8 keys and binary values, so one root batch can write to all of them. */
function sublevels(db: Database) {
  const options = { keyEncoding: 'utf8', valueEncoding: 'view' } as const;
  return {
    rec: db.sublevel<string, Uint8Array>('rec', options),
    idx: db.sublevel<string, Uint8Array>('idx', options),
    evd: db.sublevel<string, Uint8Array>('evd', options),
    meta: db.sublevel<string, Uint8Array>('meta', options),
    sys: db.sublevel<string, Uint8Array>('sys', options),
  };
}

/**
 * A RecordStore on LevelDB. Every `commit` lands in one atomic LevelDB write across all sublevels
 * (with the commits that queued beside it), and writes run one at a time so the counters they
 * start from are still true when they land.
 */
export class LevelRecordStore implements RecordStore {
  private readonly options: LevelStoreOptions;
  private readonly modules: LevelStoreModules;
  private state: OpenState | undefined;
  /** Set after a failed write until the reopen succeeds: commits are refused meanwhile. */
  private failure: StoreError | undefined;
  private reopening: Promise<void> | undefined;
  private readonly faultLog: Omit<StoreFaults, 'state'> = {
    failedWrites: 0,
    reopens: 0,
    lastFailure: null,
    recovery: null,
  };
  private opening: Promise<void> | undefined;
  /** Set while `close()` lets the commits already queued land before the database closes. */
  private closing: OpenState | undefined;
  /** Commits, written in groups. */
  private readonly group = new GroupCommit<PreparedBatch>(
    {},
    {
      write: (group) => this.writeGroup(group),
      weigh: weighBatch,
      refuse: (error) => (this.failure ? this.refusal(error) : null),
    },
  );
  /**
   * What each slot written (or read for a write) since open holds: its record's size in bytes, or
   * ABSENT. The counters are kept from it with no read per commit; bounded (least recent forgotten).
   */
  private readonly sizes = new Map<string, number>();

  /** Creates the store; nothing touches the disk until `open()`. */
  constructor(options: LevelStoreOptions, modules: LevelStoreModules = {}) {
    this.options = { ...options };
    this.modules = modules;
  }

  /** Write faults since open, for health. */
  faults(): StoreFaults {
    const state = this.failure ? 'failed' : this.state ? 'ok' : 'closed';
    return { state, ...structuredClone(this.faultLog) };
  }

  /** The directory this store reads and writes. */
  get location(): string {
    return this.options.location;
  }

  /**
   * Opens (creating if needed) the directory. A directory held by another process or another open
   * store fails with `STORE_LOCKED`; other failures with `STORE_OPEN_FAILED`, and a directory written
   * in another layout with `STORE_FORMAT_UNSUPPORTED`. Opening an open store does nothing.
   */
  async open(): Promise<void> {
    if (this.state) return;
    this.opening ??= this.openNow().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  /** Waits for queued commits, then closes the database. Closing a closed store does nothing. */
  async close(): Promise<void> {
    if (this.opening) await this.opening.catch(() => undefined);
    if (this.reopening) await this.reopening.catch(() => undefined);
    const state = this.state;
    if (!state) return;
    // Refuse new work at once; commits already queued still land before the database closes.
    this.state = undefined;
    this.closing = state;
    try {
      await this.group.idle();
    } finally {
      this.closing = undefined;
    }
    this.sizes.clear();
    await state.db.close();
    // Best effort: without the mark the next open just cannot tell a rollback.
    await writeDurably(
      join(this.options.location, CLOSE_MARK),
      JSON.stringify({ commits: state.counts.commits }),
    ).catch(() => undefined);
  }

  /** The current version of a slot, or null. */
  async get(key: string): Promise<StoredRecord | null> {
    const { sub } = this.requireOpen();
    if (!isStorableKey(key)) return null;
    const value = await this.io('get', () => sub.rec.get(key));
    return value === undefined ? null : decodeRecord(key, value);
  }

  /**
   * Applies a batch as one atomic LevelDB write. The batch is validated and encoded in full first
   * (throwing `STORE_BAD_BATCH` naming the field), so a refused batch writes nothing. Commits made
   * while a write is on its way to disk go together in the next one (group-commit.ts): each resolves
   * once the write carrying it is on disk, and a failed write fails every commit in it.
   */
  async commit(batch: StoreBatch): Promise<void> {
    this.requireWritable();
    this.requireOpen();
    return this.group.submit(prepareBatch(batch));
  }

  /**
   * Writes a group of batches as one atomic LevelDB write, in order (a slot put twice keeps the
   * last). The counters are kept from the sizes of the records replaced, known in memory for every
   * slot this store has written or read for a write since it opened; only the others are read.
   */
  private async writeGroup(group: readonly PreparedBatch[]): Promise<void> {
    // A commit queued behind a failed one must not land on the failed handle.
    this.requireWritable();
    const state = this.state ?? this.closing ?? this.requireOpen();
    const { db, sub, counts } = state;
    const unknown = new Set<string>();
    const ids = new Set<string>();
    for (const batch of group) {
      for (const put of batch.put) if (!this.sizes.has(put.key)) unknown.add(put.key);
      for (const key of batch.del) if (!this.sizes.has(key)) unknown.add(key);
      for (const evidence of batch.evidence) ids.add(evidence.id);
    }
    // Sizes as the group goes: a slot's size after the batches so far, ABSENT when it holds nothing.
    const sizes = new Map<string, number>();
    if (unknown.size > 0) {
      const keys = [...unknown];
      const previous = await this.io('read', () => sub.rec.getMany(keys));
      keys.forEach((key, i) => {
        const old = previous[i];
        sizes.set(key, old === undefined ? ABSENT : encodedRecordSize(key, old));
      });
    }
    const known = new Set<string>();
    if (ids.size > 0) {
      const list = [...ids];
      const held = await this.io('read', () => sub.evd.hasMany(list));
      list.forEach((id, i) => {
        if (held[i]) known.add(id);
      });
    }
    const sizeOf = (key: string) => sizes.get(key) ?? this.sizes.get(key) ?? ABSENT;

    const next: Counts = { ...counts };
    const operations: Operation[] = [];
    for (const batch of group) {
      const before = operations.length;
      for (const put of batch.put) {
        const old = sizeOf(put.key);
        if (old === ABSENT) next.records++;
        next.bytes += put.size - (old === ABSENT ? 0 : old);
        sizes.set(put.key, put.size);
        operations.push({ type: 'put', sublevel: sub.rec, key: put.key, value: put.value });
        operations.push({ type: 'put', sublevel: sub.idx, key: put.key, value: digestToBytes(put.digest) });
      }
      for (const key of batch.del) {
        const old = sizeOf(key);
        if (old === ABSENT) continue;
        next.records--;
        next.bytes -= old;
        sizes.set(key, ABSENT);
        operations.push({ type: 'del', sublevel: sub.rec, key });
        operations.push({ type: 'del', sublevel: sub.idx, key });
      }
      for (const { id, value } of batch.evidence) {
        // Idempotent on id: the first copy stored is kept, with its original receivedAt.
        if (known.has(id)) continue;
        known.add(id);
        next.evidence++;
        operations.push({ type: 'put', sublevel: sub.evd, key: id, value });
      }
      for (const { name, value } of batch.meta) {
        operations.push(
          value === null
            ? { type: 'del', sublevel: sub.meta, key: name }
            : { type: 'put', sublevel: sub.meta, key: name, value },
        );
      }
      // Each batch that changes something counts as a commit (the close mark compares the count).
      if (operations.length > before) next.commits++;
    }
    if (operations.length === 0) return;
    operations.push({ type: 'put', sublevel: sub.sys, key: 'stats', value: encodeJson(next) });
    try {
      await db.batch(operations, { sync: this.options.sync ?? true });
    } catch (cause) {
      throw this.writeFailed(cause);
    }
    state.counts = next;
    for (const [key, size] of sizes) this.rememberSize(key, size);
  }

  /** Keeps what a slot holds now (its record's size, or ABSENT), forgetting the least recent past the cap. */
  private rememberSize(key: string, size: number): void {
    this.sizes.delete(key);
    this.sizes.set(key, size);
    if (this.sizes.size > MAX_KNOWN_SIZES) this.sizes.delete(this.sizes.keys().next().value as string);
  }

  /** Current records in key order; `limit` counts records that pass the `kind` filter. */
  async *records(range?: KeyRange & { kind?: RecordKind }): AsyncGenerator<StoredRecord> {
    const checked = checkRange(range);
    const { sub } = this.requireOpen();
    if (checked.limit === 0) return;
    // The kind lives inside the value, so a kind filter reads the range and counts matches itself.
    // Keys start with their kind (`status-list/…`), so callers can narrow the range to avoid that.
    const options = iteratorOptions(checked, checked.kind === undefined);
    let count = 0;
    yield* this.iterate('records', sub.rec, options, (key, value) => {
      if (count >= checked.limit) return STOP;
      const record = decodeRecord(key, value);
      if (checked.kind !== undefined && record.kind !== checked.kind) return SKIP;
      count++;
      return record;
    });
  }

  /** The (key, digest) index in key order, read from `idx` without touching record bytes. */
  async *index(range?: KeyRange): AsyncGenerator<IndexEntry> {
    const checked = checkRange(range === undefined ? undefined : { ...range, kind: undefined });
    const { sub } = this.requireOpen();
    if (checked.limit === 0) return;
    yield* this.iterate('index', sub.idx, iteratorOptions(checked, true), (key, value) => ({
      key,
      digest: bytesToDigest(value),
    }));
  }

  /** One evidence record by id, or null. */
  async getEvidence(id: string): Promise<EvidenceRecord | null> {
    const { sub } = this.requireOpen();
    if (!isStorableKey(id)) return null;
    const value = await this.io('get', () => sub.evd.get(id));
    return value === undefined ? null : decodeEvidence(id, value);
  }

  /** All evidence, ordered by id. */
  async *evidence(): AsyncGenerator<EvidenceRecord> {
    const { sub } = this.requireOpen();
    yield* this.iterate('evidence', sub.evd, {}, decodeEvidence);
  }

  /** A metadata value, or null. */
  async getMeta<T = unknown>(name: string): Promise<T | null> {
    const { sub } = this.requireOpen();
    if (!isStorableKey(name)) return null;
    const value = await this.io('get', () => sub.meta.get(name));
    return value === undefined ? null : (decodeJson(value, `meta ${JSON.stringify(name)}`) as T);
  }

  /** Counters kept in `sys/stats` and updated in the same batch as the data: no scan. */
  async stats(): Promise<{ records: number; bytes: number; evidence: number }> {
    const { counts } = this.requireOpen();
    return { records: counts.records, bytes: counts.bytes, evidence: counts.evidence };
  }

  /**
   * A write failed: refuse writes, count it, and reopen the database in the background (the failing
   * commit answers at once with the write's error). Returns the error to throw.
   */
  private writeFailed(cause: unknown): StoreError {
    const full = isDiskFull(cause);
    const error = storeFault(
      full ? 'STORE_FULL' : 'STORE_IO',
      `LevelDB write failed in ${this.options.location}${full ? ' (disk full)' : ''}: ${describe(cause)}`,
      cause,
    );
    this.faultLog.failedWrites++;
    this.faultLog.lastFailure = { at: (this.modules.now ?? Date.now)(), code: error.code, message: error.message };
    this.failure = error;
    this.reopening ??= this.reopen().finally(() => {
      this.reopening = undefined;
    });
    return error;
  }

  /** Closes and reopens the database (LevelDB recovers from its log); clears the failure if it works. */
  private async reopen(): Promise<void> {
    const state = this.state;
    if (!state) return;
    try {
      await state.db.close();
    } catch {
      // Reopen anyway: a failed close leaves nothing to build on.
    }
    this.state = undefined;
    // What is on disk now is what recovery kept: slot sizes are learnt again.
    this.sizes.clear();
    try {
      await this.openNow();
      this.failure = undefined;
      this.faultLog.reopens++;
    } catch (error) {
      // Stays failed: every commit answers STORE_FAILED, health says so, the operator restarts.
      this.failure = storeFault(
        'STORE_FAILED',
        `the LevelDB store at ${this.options.location} could not be reopened after a failed write: ${describe(error)}`,
        error,
      );
    }
  }

  /** Notes what this open's recovery lost: bytes LevelDB dropped as corrupt, commits below the close mark. */
  private async checkRecovery(counts: Counts): Promise<void> {
    const { location } = this.options;
    const lost: string[] = [];
    const info = await readFile(join(location, 'LOG'), 'utf8').catch(() => '');
    // Written by this open's recovery (LevelDB starts a fresh LOG at each open).
    const dropped = info
      .slice(0, 64 * 1024)
      .split('\n')
      .filter((line) => /Corruption|dropping \d+ bytes/.test(line));
    if (dropped.length > 0)
      lost.push(`LevelDB dropped corrupt log data at recovery (${dropped.length} note(s) in LOG)`);
    const mark = await readFile(join(location, CLOSE_MARK), 'utf8').catch(() => null);
    if (mark !== null) {
      const closed = Number((JSON.parse(mark) as { commits?: unknown } | null)?.commits ?? Number.NaN);
      if (Number.isSafeInteger(closed) && counts.commits < closed) {
        lost.push(`${closed - counts.commits} commit(s) acknowledged before the last clean close are missing`);
      }
      // Consumed: after this open, only the next clean close may vouch for the count.
      await unlink(join(location, CLOSE_MARK)).catch(() => undefined);
    }
    if (lost.length > 0) {
      this.faultLog.recovery = {
        at: (this.modules.now ?? Date.now)(),
        message: `the store at ${location} came back with less than it held: ${lost.join('; ')}`,
      };
    }
  }

  /** Waits for a reopen after a failed write to finish (tests, health). */
  async settled(): Promise<void> {
    await this.reopening?.catch(() => undefined);
  }

  private requireWritable(): void {
    if (this.failure) throw this.refusal(this.failure);
  }

  /** The error of a write refused after the failed write `failure`. */
  private refusal(failure: unknown): StoreError {
    const code = failure instanceof CodedError ? failure.code : 'STORE_IO';
    return storeFault(
      'STORE_FAILED',
      `the LevelDB store at ${this.options.location} refuses writes after a failed write (${code}); it is reopening`,
      failure,
    );
  }

  private async openNow(): Promise<void> {
    const { location } = this.options;
    const db: Database = (this.modules.createDatabase ?? createLevelDatabase)(location);
    try {
      await db.open();
    } catch (cause) {
      throw openError(location, cause);
    }
    try {
      const sub = sublevels(db);
      const counts = await this.io('open', () => loadCounts(db, sub, location));
      // After a failed write, LevelDB dropping that write's torn tail is expected: it was never acknowledged.
      if (!this.failure) await this.checkRecovery(counts);
      this.state = { db, sub, counts };
    } catch (error) {
      // The original error says why; a failure to close on top of it would only hide that.
      await db.close().catch(() => undefined);
      throw error;
    }
  }

  private requireOpen(): OpenState {
    if (!this.state) {
      if (this.reopening || this.failure) {
        throw storeFault(
          'STORE_FAILED',
          `the LevelDB store at ${this.options.location} ${this.reopening ? 'is reopening after a failed write' : 'could not reopen after a failed write'}`,
        );
      }
      throw storeFault('STORE_NOT_OPEN', `the LevelDB store at ${this.options.location} is not open`);
    }
    return this.state;
  }

  /** Iterates one sublevel, mapping each entry; engine errors come out as `STORE_IO`. */
  private async *iterate<T>(
    what: string,
    sublevel: Sublevels[keyof Sublevels],
    options: { gte?: string; lt?: string; limit?: number },
    map: (key: string, value: Uint8Array) => T | typeof SKIP | typeof STOP,
  ): AsyncGenerator<T> {
    const iterator = sublevel.iterator(options);
    try {
      while (true) {
        const entry = await this.io(what, () => iterator.next());
        if (entry === undefined) return;
        const mapped = map(entry[0], entry[1]);
        if (mapped === STOP) return;
        if (mapped !== SKIP) yield mapped;
      }
    } finally {
      // Runs on early `break` by the consumer too, releasing the LevelDB iterator (and its snapshot).
      await iterator.close();
    }
  }

  /** Wraps an engine call so its failures come out as `STORE_IO` naming the directory. */
  private async io<T>(what: string, task: () => Promise<T>): Promise<T> {
    try {
      return await task();
    } catch (cause) {
      if (cause instanceof CodedError) throw cause;
      throw storeFault('STORE_IO', `LevelDB ${what} failed in ${this.options.location}: ${describe(cause)}`, cause);
    }
  }
}

const SKIP: unique symbol = Symbol('skip');
const STOP: unique symbol = Symbol('stop');

/** The bytes a prepared batch adds to a LevelDB write (its encoded records and evidence). */
function weighBatch(batch: PreparedBatch): number {
  let bytes = 0;
  for (const put of batch.put) bytes += put.value.byteLength;
  for (const evidence of batch.evidence) bytes += evidence.value.byteLength;
  return bytes;
}

function iteratorOptions(range: CheckedRange, withLimit: boolean): { gte?: string; lt?: string; limit?: number } {
  return {
    ...(range.gte === undefined ? {} : { gte: range.gte }),
    ...(range.lt === undefined ? {} : { lt: range.lt }),
    ...(withLimit && Number.isFinite(range.limit) ? { limit: range.limit } : {}),
  };
}

/** Reads the counters, or (first open of a directory) computes and writes them with the format. */
async function loadCounts(db: Database, sub: Sublevels, location: string): Promise<Counts> {
  const [format, stats] = await sub.sys.getMany(['format', 'stats']);
  if (format !== undefined) {
    const version = decodeJson(format, 'sys format');
    if (version !== LEVEL_STORE_FORMAT) {
      throw storeFault(
        'STORE_FORMAT_UNSUPPORTED',
        `${location} holds store format ${JSON.stringify(version)}; this build reads format ${LEVEL_STORE_FORMAT}`,
      );
    }
  }
  if (format !== undefined && stats !== undefined) return parseCounts(decodeJson(stats, 'sys stats'));
  const counts: Counts = { records: 0, bytes: 0, evidence: 0, commits: 0 };
  for await (const [key, value] of sub.rec.iterator()) {
    counts.records++;
    counts.bytes += encodedRecordSize(key, value);
  }
  for await (const _ of sub.evd.keys()) counts.evidence++;
  await db.batch(
    [
      { type: 'put', sublevel: sub.sys, key: 'format', value: encodeJson(LEVEL_STORE_FORMAT) },
      { type: 'put', sublevel: sub.sys, key: 'stats', value: encodeJson(counts) },
    ],
    { sync: true },
  );
  return counts;
}

function parseCounts(value: unknown): Counts {
  const counts = value as Partial<Counts> | null;
  if (typeof counts?.records !== 'number' || typeof counts.bytes !== 'number' || typeof counts.evidence !== 'number') {
    throw storeFault('STORE_CORRUPT', 'sys stats: stored counters lack a field');
  }
  const commits = typeof counts.commits === 'number' && Number.isSafeInteger(counts.commits) ? counts.commits : 0;
  return { records: counts.records, bytes: counts.bytes, evidence: counts.evidence, commits };
}

/** Writes a small file and syncs it and its directory (a new name must survive a power cut too). */
async function writeDurably(path: string, text: string): Promise<void> {
  const handle = await open(path, 'w', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  const directory = await open(dirname(path), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

/** Maps level's open failure to STORE_LOCKED (level: LEVEL_DATABASE_NOT_OPEN caused by LEVEL_LOCKED). */
function openError(location: string, cause: unknown): StoreError {
  const inner = (cause as { cause?: unknown } | null)?.cause;
  if (codeOf(cause) === 'LEVEL_LOCKED' || codeOf(inner) === 'LEVEL_LOCKED') {
    return storeFault(
      'STORE_LOCKED',
      `LevelDB directory ${location} is locked: another process (or another store in this process) has it open`,
      cause,
    );
  }
  return storeFault(
    'STORE_OPEN_FAILED',
    `cannot open LevelDB directory ${location}: ${describe(inner ?? cause)}`,
    cause,
  );
}

/** True when a LevelDB error (or its cause) says the disk is full. */
function isDiskFull(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = codeOf(e);
    if (code === 'ENOSPC' || code === 'EDQUOT') return true;
    if (/no space left on device|ENOSPC|disk quota exceeded/i.test(describe(e))) return true;
  }
  return false;
}

function codeOf(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
