import { MemoryRecordStore } from '../../src/store/index.ts';
import { runStoreCompliance } from '../store-compliance.ts';

runStoreCompliance('MemoryRecordStore', async () => ({
  store: new MemoryRecordStore(),
  cleanup: async () => {},
}));
