/**
 * Storage for the registry: the RecordStore contract, a LevelDB implementation and an in-memory one.
 * Both pass one compliance suite (test/store-compliance.ts).
 */

export { MAX_META_DEPTH, MAX_META_VALUE_BYTES, MAX_STORE_KEY_BYTES, RECORD_KINDS } from './batch.ts';
export { compareKeys } from './codec.ts';
export {
  createLevelDatabase,
  LEVEL_STORE_FORMAT,
  type LevelDatabase,
  LevelRecordStore,
  type LevelStoreModules,
  type LevelStoreOptions,
} from './level-store.ts';
export { MemoryRecordStore } from './memory-store.ts';
export { syncDirectory } from './sync-directory.ts';
export type {
  EvidenceRecord,
  IndexEntry,
  KeyRange,
  RecordKind,
  RecordStore,
  StoreBatch,
  StoredRecord,
  StoreFaults,
} from './types.ts';
