/**
 * Issue 10, problem 2 (the cost of syncing): status changes that arrive while a version is being
 * signed and admitted are journaled one by one (each synced before its answer) and published
 * together in the next version — one signature, one synced store write, one gossip message for all
 * of them — so syncing every write does not cap an issuer at one version per fsync. Over a real
 * LevelDB registry in a temporary directory.
 */
import * as assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSampleNetwork, LevelRecordStore, Registry, readStatus, type SampleNetwork } from '@trustmesh/registry';
import { IssuerService } from '../../src/issuer/issuer-service.ts';
import { BASE, REVOCATION, unsignedCredential } from './durability-fixtures.ts';

describe('durability: concurrent status changes share list versions', () => {
  let sample: SampleNetwork;
  let dir: string;
  let registry: Registry;
  let issuer: IssuerService;
  let versions = 0;
  before(async () => {
    sample = await createSampleNetwork({ now: new Date(Date.now() - 60_000) });
    dir = await mkdtemp(join(tmpdir(), 'trustmesh-batching-'));
    registry = await Registry.open(
      { networkId: sample.networkId, genesisDigest: sample.genesisDigest },
      { store: new LevelRecordStore({ location: join(dir, 'db') }), now: Date.now },
    );
    for (const record of sample.records) await registry.submit(record);
    const publish = async (record: object) => {
      if ((record as { id?: unknown }).id === REVOCATION) versions++;
      return registry.submit(record);
    };
    issuer = await IssuerService.open(
      { publicBaseUrl: BASE, dataDir: dir },
      { keyPair: sample.keys.jpHealthInsurer, registry, publish, now: Date.now },
    );
  });
  after(async () => {
    await issuer.close();
    await registry.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('20 concurrent revocations: every one acknowledged and held, in far fewer than 20 versions', async () => {
    const credentials = [];
    for (let i = 0; i < 22; i++) credentials.push(await issuer.issue(unsignedCredential()));
    const [first, second, ...rest] = credentials;
    assert.ok(first && second);
    // The control: one at a time, each revocation is a version of its own.
    const before = versions;
    await issuer.updateStatus(first.credentialId!, 'revoked');
    await issuer.updateStatus(second.credentialId!, 'revoked');
    assert.equal(versions - before, 2);

    const concurrent = versions;
    const results = await Promise.all(rest.map((c) => issuer.updateStatus(c.credentialId!, 'revoked')));
    assert.ok(results.every((r) => r.updates[0]?.changed === true && r.updates[0]?.value === 1));
    const used = versions - concurrent;
    assert.ok(used >= 1 && used <= 3, `${used} versions for ${rest.length} revocations`);
    const held = registry.statusList(REVOCATION);
    assert.ok(held);
    for (const c of credentials) assert.equal(readStatus(held.list.bits, c.entries[0]!.statusListIndex, 1), 1);
    // Every answer names the version that carries it: the newest one, or one before it.
    const validFroms = new Set(results.map((r) => r.updates[0]?.validFrom));
    assert.ok(validFroms.size <= used);
  });
});
