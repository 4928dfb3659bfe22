/**
 * A real LevelDB engine (createLevelDatabase, in a temporary directory) with faults injected at its
 * write and its opening, in the form LevelDB reports them (`IO error: … No space left on device`),
 * for the durability and admission tests. Test-only: never imported from `src/`.
 */
import { createLevelDatabase, type LevelDatabase } from '../../src/store/index.ts';

/** What the faulty engine does: fail writes, refuse to open, hold the next write until released. */
export interface Disk {
  full: boolean;
  unopenable?: boolean;
  /** Counts openings. */
  opened?: number;
  /** When set, the next write waits: `entered` is called when it starts, and it goes on at `released`. */
  hold?: { entered: () => void; released: Promise<void> };
}

/** A `createDatabase` for LevelRecordStore whose writes fail while `disk.full` and whose opening fails while `disk.unopenable`. */
export function faultyEngine(disk: Disk) {
  return (location: string): LevelDatabase => {
    disk.opened = (disk.opened ?? 0) + 1;
    if (disk.unopenable) throw new Error(`IO error: ${location}/LOCK: Input/output error`);
    const db = createLevelDatabase(location);
    const write = db.batch.bind(db) as (...args: unknown[]) => Promise<void>;
    (db as unknown as { batch: (...args: unknown[]) => Promise<void> }).batch = async (...args: unknown[]) => {
      const hold = disk.hold;
      if (hold) {
        disk.hold = undefined;
        hold.entered();
        await hold.released;
      }
      if (disk.full) {
        throw Object.assign(new Error(`IO error: ${location}/000003.log: No space left on device`), {
          code: 'LEVEL_IO_ERROR',
        });
      }
      return write(...args);
    };
    return db;
  };
}

/** Holds the engine's next write: `entered` resolves when it starts; it goes on at `release()`. */
export function holdNextWrite(disk: Disk): { entered: Promise<void>; release: () => void } {
  let entered = () => {};
  let release = () => {};
  const started = new Promise<void>((resolve) => {
    entered = resolve;
  });
  disk.hold = {
    entered: () => entered(),
    released: new Promise<void>((resolve) => {
      release = resolve;
    }),
  };
  return { entered: started, release };
}
