/**
 * The issuer journal on disk (issue 10): an append-only, checksummed file, synced per append. A torn
 * last append (a crash mid-write, never acknowledged) is cut off at open and the journal goes on; a
 * damaged line before the end is corruption and refuses to open (ISSUER_STATE_CORRUPT) rather than
 * silently forgetting acknowledged changes; a journal of another DID is refused; the allocation file
 * of earlier versions is read as the base the journal continues from. Real files in a temporary
 * directory.
 */
import * as assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSampleNetwork, MemoryRecordStore, Registry, type SampleNetwork } from '@trustmesh/registry';
import { IssuerJournal, type JournalEntry } from '../../src/issuer/issuer-journal.ts';
import { IssuerService } from '../../src/issuer/issuer-service.ts';
import { BASE, REVOCATION, unsignedCredential } from './durability-fixtures.ts';

const DID = 'did:key:z6MkIssuer';
const set = (index: number): JournalEntry => ({ op: 'set', list: REVOCATION, index, value: 1 });

describe('durability: the issuer journal file', () => {
  let root: string;
  let sample: SampleNetwork;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'trustmesh-journal-'));
    sample = await createSampleNetwork({ now: new Date(Date.now() - 60_000) });
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('compacts at open once many values were superseded: same final state, smaller file, appends go on', async () => {
    const path = join(await mkdtemp(join(root, 'j-')), 'issuer-journal.log');
    const { journal } = await IssuerJournal.open(path, DID);
    const SUSPENSION = `${BASE}/status/suspension`;
    const alloc: JournalEntry = { op: 'alloc', credentialId: 'urn:uuid:1', entries: [] };
    const toggles: JournalEntry[] = Array.from({ length: 40 }, (_, i) => ({
      op: 'set',
      list: SUSPENSION,
      index: 7,
      value: i % 2 === 0 ? 1 : 0,
    }));
    await journal.append([alloc, set(3), ...toggles, { op: 'set', list: SUSPENSION, index: 8, value: 1 }]);
    await journal.close();
    const before = (await readFile(path)).byteLength;
    let compacted: [number, number] | null = null;
    const reopened = await IssuerJournal.open(path, DID, {
      compactAfterSuperseded: 10,
      onCompacted: (from, to) => (compacted = [from, to]),
    });
    assert.deepEqual(compacted, [43, 4]);
    assert.deepEqual(reopened.entries, [
      alloc,
      set(3),
      { op: 'set', list: SUSPENSION, index: 7, value: 0 },
      { op: 'set', list: SUSPENSION, index: 8, value: 1 },
    ]);
    assert.ok((await readFile(path)).byteLength < before / 5);
    await reopened.journal.append([set(4)]);
    await reopened.journal.close();
    // Below the threshold nothing is rewritten; the appended entry is there.
    let again = false;
    const third = await IssuerJournal.open(path, DID, { onCompacted: () => (again = true) });
    assert.equal(again, false);
    assert.deepEqual(third.entries.at(-1), set(4));
    await third.journal.close();
  });

  it('cuts off a torn last append and goes on appending', async () => {
    const path = join(await mkdtemp(join(root, 'j-')), 'issuer-journal.log');
    const { journal } = await IssuerJournal.open(path, DID);
    await journal.append([set(1), set(2)]);
    await journal.close();
    await appendFile(path, '0badc0de {"op":"set","list":"x","ind'); // the crash mid-write
    let torn = 0;
    const reopened = await IssuerJournal.open(path, DID, { onTornTail: (bytes) => (torn = bytes) });
    assert.ok(torn > 0, 'the torn tail was noticed');
    assert.deepEqual(reopened.entries, [set(1), set(2)]);
    await reopened.journal.append([set(3)]);
    await reopened.journal.close();
    const again = await IssuerJournal.open(path, DID);
    assert.deepEqual(again.entries, [set(1), set(2), set(3)]);
    await again.journal.close();
  });

  it('refuses a journal damaged before its end, and one of another issuer', async () => {
    const path = join(await mkdtemp(join(root, 'j-')), 'issuer-journal.log');
    const { journal } = await IssuerJournal.open(path, DID);
    await journal.append([set(1)]);
    await journal.append([set(2)]);
    await journal.close();
    await assert.rejects(IssuerJournal.open(path, 'did:key:z6MkOther'), { code: 'ISSUER_STATE_MISMATCH' });
    const lines = (await readFile(path, 'utf8')).split('\n');
    lines[1] = lines[1]!.replace('"index":1', '"index":9'); // checksum no longer matches
    await writeFile(path, lines.join('\n'));
    await assert.rejects(IssuerJournal.open(path, DID), { code: 'ISSUER_STATE_CORRUPT' });
  });

  it('continues from the allocation file of earlier versions: no index handed out twice', async () => {
    const dir = await mkdtemp(join(root, 'legacy-'));
    const issuerDid = sample.keys.jpHealthInsurer.did;
    const entry = { statusPurpose: 'revocation', statusListCredential: REVOCATION, statusListIndex: 7 };
    await writeFile(
      join(dir, 'issuer-allocations.json'),
      JSON.stringify({
        version: 1,
        issuer: issuerDid,
        lists: { [REVOCATION]: [7] },
        credentials: { 'urn:old': [entry] },
      }),
    );
    const registry = await Registry.open(
      { networkId: sample.networkId, genesisDigest: sample.genesisDigest },
      { store: new MemoryRecordStore(), now: Date.now },
    );
    for (const record of sample.records) await registry.submit(record);
    // The list the old file refers to is held (published by this issuer before the upgrade).
    const first = await IssuerService.open(
      { publicBaseUrl: BASE, dataDir: await mkdtemp(join(root, 'first-')) },
      { keyPair: sample.keys.jpHealthInsurer, registry, publish: (r) => registry.submit(r), now: Date.now },
    );
    await first.close();
    const draws = [7, 7, 8];
    const issuer = await IssuerService.open(
      { publicBaseUrl: BASE, dataDir: dir },
      {
        keyPair: sample.keys.jpHealthInsurer,
        registry,
        publish: (r) => registry.submit(r),
        now: Date.now,
        randomIndex: () => draws.shift() ?? 9,
      },
    );
    assert.deepEqual(issuer.entriesOf('urn:old'), [entry]);
    const fresh = await issuer.issue(unsignedCredential());
    assert.equal(fresh.entries[0]?.statusListIndex, 8, 'index 7 is taken by the earlier allocation');
    // The old credential's status can still be set, and is journaled.
    await issuer.updateStatus('urn:old', 'revoked');
    await issuer.close();
    await registry.close();
  });
});
