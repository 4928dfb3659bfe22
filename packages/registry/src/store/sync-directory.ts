/**
 * Durability of renamed files: a rename is on disk only once its directory is synced (POSIX leaves
 * the directory entry in the page cache otherwise), so every "write a temporary file, sync it,
 * rename it into place" in the node and the CLI ends with this. It lives with the store, the one
 * module of the registry that does I/O.
 */
import { constants, promises as fsPromises } from 'node:fs';

/** Syncs a directory, so a file created or renamed in it survives a power cut. */
export async function syncDirectory(path: string): Promise<void> {
  const handle = await fsPromises.open(path, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
