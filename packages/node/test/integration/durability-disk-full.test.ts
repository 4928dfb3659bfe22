/**
 * Issue 10, problems 2 and 4: a full disk. Faults are injected at the file layer each component
 * writes through — the LevelDB engine's write (as LevelDB reports ENOSPC: an `IO error` naming
 * "No space left on device") and the issuer journal's file handle (ENOSPC) — over real LevelDB and
 * real files in temporary directories.
 *
 * While the disk is full: writes answer 507 with the code (STORE_FULL, ISSUER_JOURNAL_FULL), never
 * 400 or an uncoded 500; the store refuses writes and reopens; health names the fault. Once space is
 * free: writes are acknowledged again, and after a restart every acknowledged revocation is held.
 */
import * as assert from 'node:assert/strict';
import type { FileHandle } from 'node:fs/promises';
import * as fs from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import {
  createLevelDatabase,
  type LevelDatabase,
  MemoryRecordStore,
  Registry,
  readStatus,
  StoreError,
  ValidationError,
} from '@trustmesh/registry';
import { toApiError } from '../../src/api/errors.ts';
import { IssuerService } from '../../src/issuer/issuer-service.ts';
import { waitFor } from '../helpers.ts';
import { BASE, entry, health, issue, REVOCATION, setStatus, unsignedCredential, World } from './durability-fixtures.ts';

/** A LevelDB write that fails the way the engine reports a full disk. */
function diskFull(location: string): Error {
  return Object.assign(new Error(`IO error: ${location}/000005.log: No space left on device`), {
    code: 'LEVEL_IO_ERROR',
  });
}

describe('durability: a full disk', () => {
  let world: World;
  before(async () => {
    world = await World.create();
  });
  after(async () => {
    await world.close();
  });

  it('store: 507 STORE_FULL while full, health names it, nothing acknowledged is lost after a restart', async () => {
    const dir = await world.dir();
    const disk = { full: false, failed: 0 };
    // The engine's write is where LevelDB meets the disk: fail it while the disk is "full".
    const createDatabase = (location: string): LevelDatabase => {
      const db = createLevelDatabase(location);
      const write = db.batch.bind(db) as (...args: unknown[]) => Promise<void>;
      (db as unknown as { batch: (...args: unknown[]) => Promise<void> }).batch = (...args: unknown[]) => {
        if (!disk.full) return write(...args);
        disk.failed++;
        return Promise.reject(diskFull(location));
      };
      return db;
    };
    let a = await world.start(dir, { issuer: true, storeModules: { createDatabase } });
    await world.seed(a);
    const [c1, c2, c3] = [await issue(a), await issue(a), await issue(a)];
    assert.equal((await setStatus(a, c1.id, 'revoked')).status, 200);

    disk.full = true;
    const refused = await setStatus(a, c2.id, 'revoked');
    assert.deepEqual([refused.status, refused.body.code], [507, 'STORE_FULL']);
    assert.ok(disk.failed > 0, 'the fault was injected');
    const during = await health(a);
    assert.equal(during.status, 'degraded');
    assert.ok(
      during.warnings.some((w) => /^STORE_(WRITE_)?FAILED: .*STORE_FULL/.test(w)),
      during.warnings.join('\n'),
    );
    // A second write while full: refused again with a code, still never a 400 or an uncoded 500.
    const again = await setStatus(a, c3.id, 'revoked');
    assert.ok([503, 507].includes(again.status), String(again.status));
    assert.match(String(again.body.code), /^STORE_(FULL|FAILED)$/);

    // Space is freed: writes are acknowledged again (the refused ones are retried by the client).
    disk.full = false;
    await waitFor(async () => (await setStatus(a, c2.id, 'revoked')).status === 200, 'c2 acknowledged once freed');
    assert.equal((await setStatus(a, c3.id, 'revoked')).status, 200);
    assert.deepEqual(
      [c1, c2, c3].map((c) => entry(a, REVOCATION, c.index)),
      [1, 1, 1],
    );
    const recovered = await health(a);
    assert.ok(
      recovered.warnings.some((w) => w.startsWith('STORE_WRITE_FAILED') && /reopened [1-9]/.test(w)),
      recovered.warnings.join('\n'),
    );

    // A clean restart: every acknowledged revocation is still held (5 of 11 were lost before).
    await world.stop(a);
    a = await world.start(dir, { issuer: true });
    assert.deepEqual(
      [c1, c2, c3].map((c) => entry(a, REVOCATION, c.index)),
      [1, 1, 1],
    );
  });

  it('journal: 507 ISSUER_JOURNAL_FULL while full, nothing published, acknowledged changes survive a restart', async () => {
    const dir = await world.dir();
    const disk = { full: false };
    // The journal's file layer: every write on its handles fails with ENOSPC while "full".
    const journalFs = {
      open: async (...args: Parameters<typeof fs.open>): Promise<FileHandle> => {
        const handle = await fs.open(...args);
        const write = handle.write.bind(handle) as (...a: unknown[]) => Promise<unknown>;
        (handle as unknown as { write: (...a: unknown[]) => Promise<unknown> }).write = (...a: unknown[]) =>
          disk.full
            ? Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }))
            : write(...a);
        return handle;
      },
    } as typeof fs;
    const registry = await Registry.open(
      { networkId: world.sample.networkId, genesisDigest: world.sample.genesisDigest },
      { store: new MemoryRecordStore(), now: Date.now },
    );
    for (const record of world.sample.records) await registry.submit(record);
    const publish = (record: object) => registry.submit(record);
    const open = () =>
      IssuerService.open(
        { publicBaseUrl: BASE, dataDir: dir },
        { keyPair: world.sample.keys.jpHealthInsurer, registry, publish, now: Date.now, journalFs },
      );
    let issuer = await open();
    const c1 = await issuer.issue(unsignedCredential());
    const c2 = await issuer.issue(unsignedCredential());
    await issuer.updateStatus(c1.credentialId!, 'revoked');

    disk.full = true;
    const before = registry.statusList(REVOCATION)?.digest;
    const error = await issuer.updateStatus(c2.credentialId!, 'revoked').catch((e: unknown) => e);
    // A local fault: a StoreError (never a ValidationError that could penalise a peer).
    assert.ok(error instanceof StoreError && !(error instanceof ValidationError));
    assert.deepEqual([error.code, toApiError(error).statusCode], ['ISSUER_JOURNAL_FULL', 507]);
    assert.equal(registry.statusList(REVOCATION)?.digest, before, 'nothing unjournaled was published');
    const issued = await issuer.issue(unsignedCredential()).catch((e: unknown) => e);
    assert.deepEqual([(issued as StoreError).code, toApiError(issued).statusCode], ['ISSUER_JOURNAL_FULL', 507]);
    assert.ok(
      issuer.healthWarnings(60_000).some((w) => w.startsWith('ISSUER_JOURNAL_FULL')),
      issuer.healthWarnings(60_000).join('\n'),
    );

    disk.full = false;
    await issuer.updateStatus(c2.credentialId!, 'revoked');
    const c3 = await issuer.issue(unsignedCredential());
    await issuer.close();
    // Restart on the same journal: allocations and revocations are all there, none handed out twice.
    issuer = await open();
    assert.deepEqual(issuer.entriesOf(c3.credentialId!), c3.entries);
    const fresh = await issuer.issue(unsignedCredential());
    assert.ok(
      [c1, c2, c3].every((c) => c.entries[0]?.statusListIndex !== fresh.entries[0]?.statusListIndex),
      'no index handed out twice',
    );
    const held = registry.statusList(REVOCATION);
    assert.ok(held);
    for (const c of [c1, c2]) {
      const index = c.entries[0]?.statusListIndex ?? -1;
      assert.equal(readStatus(held.list.bits, index, 1), 1);
    }
    await issuer.close();
    await registry.close();
  });
});
