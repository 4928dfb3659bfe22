/**
 * The storage contract. Two implementations (LevelDB on disk, in-memory) pass one compliance suite.
 *
 * A record key names one single-writer slot (e.g. `status-list/<list id>`); the store keeps the newest
 * accepted version of each slot, plus an ordered index of (record key, version digest) that
 * anti-entropy compares between peers, plus equivocation evidence and governance history.
 */

/** The record kinds the registry replicates (DESIGN.md, Records). */
export type RecordKind =
  | 'governance'
  | 'accreditation'
  | 'status-list'
  | 'token-status-list'
  | 'status-list-2021'
  | 'token-status-list-cwt'
  | 'evidence'
  | 'crl'
  | 'ca-certificate';

/** One stored record version. `bytes` are its canonical JSON bytes; `digest` their SHA-256 (hex). */
export interface StoredRecord {
  /** Slot key, e.g. `governance/<network id>`, `accreditation/<credential id>`, `status-list/<list id>`. */
  key: string;
  kind: RecordKind;
  /** Lower-case hex SHA-256 of `bytes`: the content address. */
  digest: string;
  /** Version within the slot, as a string that sorts in version order (zero-padded). */
  version: string;
  /** Canonical (RFC 8785) JSON bytes of the signed record. */
  bytes: Uint8Array;
  /** When this node accepted it (ms since epoch), for freshness reports. */
  receivedAt: number;
}

/** One entry of the anti-entropy index. */
export interface IndexEntry {
  key: string;
  digest: string;
}

/** Two conflicting signed records from one signer for the same slot and version. */
export interface EvidenceRecord {
  /** SHA-256 (hex) of the two digests sorted and joined: stable whichever order they arrived in. */
  id: string;
  /** The slot the conflict is about. */
  key: string;
  /** DID of the signer that equivocated. */
  signer: string;
  version: string;
  /** Canonical bytes of both conflicting records, ordered by digest. */
  records: [Uint8Array, Uint8Array];
  receivedAt: number;
}

/** An atomic set of changes. Everything in one batch is applied together or not at all. */
export interface StoreBatch {
  /** Records to store as the current version of their slot (replacing the previous one). */
  put?: StoredRecord[];
  /** Slots to remove entirely. */
  del?: string[];
  /** Equivocation evidence to keep (idempotent on `id`). */
  evidence?: EvidenceRecord[];
  /** Small metadata values (e.g. peer id, governance version seen), JSON-serialisable. */
  meta?: Record<string, unknown>;
}

/** Range over record keys: `gte` inclusive, `lt` exclusive, both optional. */
export interface KeyRange {
  gte?: string;
  lt?: string;
  limit?: number;
}

/** A store's write faults since it was opened (issue 10, problems 2 and 4), for health. */
export interface StoreFaults {
  /** `ok`; `failed` (a write failed and the store refuses writes until it has reopened); `closed`. */
  state: 'ok' | 'failed' | 'closed';
  /** Failed writes since open. */
  failedWrites: number;
  /** Reopens after a failed write that succeeded. */
  reopens: number;
  /** The last failure: when (ms since epoch), its code (`STORE_IO`, `STORE_FULL`) and message. */
  lastFailure: { at: number; code: string; message: string } | null;
  /**
   * The store came back from its last open with less than it held (corrupt log data dropped, or
   * fewer commits than at the last clean close): when, and what.
   */
  recovery: { at: number; message: string } | null;
}

/** Storage used by the registry. Its only I/O; storage quirks stay inside and come out as null or a clear error. */
export interface RecordStore {
  /** Opens the store; a LevelDB directory locked by another process fails with STORE_LOCKED. */
  open(): Promise<void>;
  close(): Promise<void>;
  /** The current version of a slot, or null. */
  get(key: string): Promise<StoredRecord | null>;
  /**
   * Applies a batch atomically; resolves once it is durable. Concurrent commits are applied and
   * settle in call order. A failed write is fail-stop: every commit made before the failure was
   * reported and not yet written fails too, so a caller that pipelines commits (the registry)
   * never sees a later one land after an earlier one failed. A batch refused for its own content
   * (`STORE_BAD_BATCH`) fails alone, before anything is written.
   */
  commit(batch: StoreBatch): Promise<void>;
  /** Current records in key order, optionally limited to a key range and/or kind. */
  records(range?: KeyRange & { kind?: RecordKind }): AsyncIterable<StoredRecord>;
  /** The (key, digest) index in key order: what anti-entropy reconciles. */
  index(range?: KeyRange): AsyncIterable<IndexEntry>;
  /** One evidence record by id, or null. */
  getEvidence(id: string): Promise<EvidenceRecord | null>;
  /** All evidence, ordered by id. */
  evidence(): AsyncIterable<EvidenceRecord>;
  /** A metadata value, or null. */
  getMeta<T = unknown>(name: string): Promise<T | null>;
  /** Number of current records and their total bytes. */
  stats(): Promise<{ records: number; bytes: number; evidence: number }>;
  /** Write faults since open (a store without any I/O of its own may leave it out). */
  faults?(): StoreFaults;
}
