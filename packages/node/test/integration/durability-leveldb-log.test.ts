/**
 * Issue 10, problems 1 and 4: a truncated or corrupted LevelDB log rolls the issuer's store back
 * (LevelDB drops what it cannot read at recovery, silently). The issuer's journal is what it
 * re-applies on top of whatever version survives or arrives from a peer: no acknowledged revocation
 * is lost or undone, and health names what happened.
 */
import * as assert from 'node:assert/strict';
import { open, readdir, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { entry, health, issue, link, REVOCATION, setStatus, World, waitForEntry } from './durability-fixtures.ts';

/** The LevelDB write-ahead log files of a database directory. */
async function logFiles(db: string): Promise<string[]> {
  return (await readdir(db)).filter((f) => /^\d+\.log$/.test(f)).map((f) => join(db, f));
}

const DAMAGE: Record<string, (file: string, size: number) => Promise<void>> = {
  // A lost tail: what a power cut does to unsynced writes, or a copy cut short.
  truncated: (file, size) => truncate(file, Math.floor(size * 0.6)),
  // Bytes overwritten in the middle: LevelDB skips the damaged block and everything after it in it.
  corrupted: async (file, size) => {
    const handle = await open(file, 'r+');
    try {
      await handle.write(Buffer.alloc(256, 0xa5), 0, 256, Math.floor(size * 0.5));
    } finally {
      await handle.close();
    }
  },
};

describe('durability: a damaged LevelDB log under an issuer', () => {
  let world: World;
  before(async () => {
    world = await World.create();
  });
  after(async () => {
    await world.close();
  });

  for (const [damage, apply] of Object.entries(DAMAGE)) {
    it(`${damage}: re-applies every acknowledged revocation from the journal and says so`, async () => {
      const dirA = await world.dir();
      const dirB = await world.dir();
      let a = await world.start(dirA, { issuer: true });
      let b = await world.start(dirB);
      await world.seed(a);
      await world.seed(b);
      await link(a, b);
      const credentials = [await issue(a), await issue(a), await issue(a), await issue(a)];
      const [c1, ...later] = credentials;
      assert.ok(c1);
      assert.equal((await setStatus(a, c1.id, 'revoked')).status, 200);
      await waitForEntry([a, b], REVOCATION, c1.index, 1, 'c1 revoked on both');
      // Acknowledged while the peer is down: only the issuer's store and journal hold these.
      await world.stop(b);
      for (const c of later) assert.equal((await setStatus(a, c.id, 'revoked')).status, 200);
      await world.stop(a);

      const logs = await logFiles(join(dirA, 'db'));
      assert.ok(logs.length > 0, 'the database has a log');
      for (const log of logs) await apply(log, (await stat(log)).size);

      a = await world.start(dirA, { issuer: true });
      const lost = credentials.filter((c) => entry(a, REVOCATION, c.index) !== 1);
      const report = await health(a);
      assert.equal(report.status, 'degraded');
      // The store says it came back with less than it held.
      assert.ok(
        report.warnings.some((w) => w.startsWith('STORE_ROLLED_BACK')),
        report.warnings.join('\n'),
      );
      // Either the surviving version got the journal re-applied, or none survived and the issuer
      // waits for a peer's copy: either way health names it.
      assert.ok(
        report.warnings.some(
          (w) =>
            (w.startsWith('ISSUER_STATE_REAPPLIED') || w.startsWith('ISSUER_STATE_BEHIND')) && w.includes(REVOCATION),
        ),
        `${lost.length} lost locally; ${report.warnings.join('\n')}`,
      );

      b = await world.start(dirB);
      await link(a, b);
      for (const c of credentials) await waitForEntry([a, b], REVOCATION, c.index, 1, `${c.id} revoked on both`);
      // The control: the damage did roll the store back, so the journal was what restored them.
      const afterReport = await health(a);
      assert.ok(
        afterReport.warnings.some((w) => w.startsWith('ISSUER_STATE_REAPPLIED')),
        afterReport.warnings.join('\n'),
      );
    });
  }
});
