/**
 * Where a running node's API answers, kept in its data directory (`running.json`) while
 * `trustmesh start` runs it. A command given a data directory the running node holds (LevelDB
 * allows one process) asks that node instead, and must ask it where it really answers: `start` may
 * serve HTTPS (`--tls-cert`) or another port than the `node` URL `init` wrote into config.json
 * (issue 15: `export --data` on a TLS-started node went to its http:// URL).
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './files.ts';

/** Name of the file, inside a data directory, naming the API of the node running on it. */
export const RUNNING_FILE_NAME = 'running.json';

/** Records that a node runs on `dataDir` with its API at `apiUrl` (replacing a stale file). */
export async function writeRunningNode(dataDir: string, apiUrl: string, pid = process.pid): Promise<void> {
  await writeFileAtomic(join(dataDir, RUNNING_FILE_NAME), `${JSON.stringify({ api: apiUrl, pid })}\n`, {
    force: true,
    what: 'running-node file',
  });
}

/** Removes the file at a graceful stop; a node killed with -9 leaves it, and the next start replaces it. */
export async function removeRunningNode(dataDir: string): Promise<void> {
  await rm(join(dataDir, RUNNING_FILE_NAME), { force: true });
}

/**
 * The API URL of the node running on `dataDir`, or null when no file (or no usable URL) is there.
 * Read only when the directory's database is locked, so a file left by a killed node is not
 * mistaken for a running one.
 */
export async function runningNodeApi(dataDir: string): Promise<string | null> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(join(dataDir, RUNNING_FILE_NAME), 'utf8'));
  } catch {
    // Absent (a node started by `up`, or by an older version) or unreadable: the config's URL stands.
    return null;
  }
  const api = (value as { api?: unknown } | null)?.api;
  if (typeof api !== 'string' || !/^https?:\/\/[^\s/]+$/.test(api)) return null;
  return api;
}
