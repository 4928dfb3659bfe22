/**
 * Disk-full trials of the LevelDB store on a real, small filesystem (issue 10, problem 2): each trial
 * mounts a fresh tmpfs, fills it, commits until the disk refuses, frees the space, commits again,
 * closes, reopens, and counts the acknowledged commits that are missing. Before the fix, 5 of 11
 * commits acknowledged after such an episode were lost at the next restart.
 *
 * Needs root (it mounts tmpfs); prints "skipped" otherwise. Not a test: run it with
 * `npx -y pnpm@10 --filter @trustmesh/registry exec tsx bench/durability.bench.ts [trials]`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LevelRecordStore, ValidationError, type StoredRecord, sha256Hex } from '../src/index.ts';

const TRIALS = Number(process.argv[2] ?? 10);
const AFTER = 11;
const RECORD_BYTES = 3_500;

function record(key: string, n: number): StoredRecord {
  const bytes = new TextEncoder().encode(JSON.stringify({ key, n, pad: 'x'.repeat(RECORD_BYTES) }));
  return {
    key,
    kind: 'status-list',
    digest: sha256Hex(bytes),
    version: String(n).padStart(16, '0'),
    bytes,
    receivedAt: 1,
  };
}

async function trial(index: number): Promise<{ acked: number; lost: number; refused: number; codes: Set<string> }> {
  const mount = await mkdtemp(join(tmpdir(), 'trustmesh-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mount]);
  const codes = new Set<string>();
  try {
    const location = join(mount, 'db');
    let store = new LevelRecordStore({ location });
    await store.open();
    const acked = new Set<string>();
    let n = 0;
    const commit = async (key: string) => {
      try {
        await store.commit({ put: [record(key, n++)] });
        acked.add(key);
        return true;
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        codes.add(error.code);
        return false;
      }
    };
    for (let i = 0; i < 20; i++) await commit(`status-list/before-${index}-${i}`);
    // Leave a little room, then write until the disk refuses.
    const free = (await statfs(mount)).bavail * (await statfs(mount)).bsize;
    const filler = join(mount, 'filler');
    await writeFile(filler, Buffer.alloc(Math.max(0, free - 64 * 1024)));
    let refused = 0;
    for (let i = 0; i < 200 && refused < 5; i++) if (!(await commit(`status-list/full-${index}-${i}`))) refused++;
    await rm(filler);
    await store.settled();
    // Once space is free, commits are acknowledged again (retrying the refused ones is the client's part).
    let after = 0;
    for (let i = 0; after < AFTER && i < 100; i++) {
      if (await commit(`status-list/after-${index}-${after}`)) after++;
      else await store.settled();
    }
    await store.close();
    store = new LevelRecordStore({ location });
    await store.open();
    let lost = 0;
    for (const key of acked) if ((await store.get(key)) === null) lost++;
    await store.close();
    return { acked: acked.size, lost, refused, codes };
  } finally {
    execFileSync('umount', [mount]);
    await rm(mount, { recursive: true, force: true });
  }
}

if (process.getuid?.() !== 0) {
  console.log('durability bench skipped: mounting a small tmpfs needs root');
} else {
  let acked = 0;
  let lost = 0;
  let refused = 0;
  const codes = new Set<string>();
  for (let i = 0; i < TRIALS; i++) {
    const result = await trial(i);
    acked += result.acked;
    lost += result.lost;
    refused += result.refused;
    for (const c of result.codes) codes.add(c);
  }
  console.log(
    `disk-full trials: ${TRIALS}, acknowledged commits ${acked}, lost after restart ${lost}, refused while full ${refused} (${[...codes].join(', ')})`,
  );
}
