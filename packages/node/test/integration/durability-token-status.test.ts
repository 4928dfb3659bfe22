/**
 * The SD-JWT VC issuer's Token Status List keeps the guarantees of issue 10 (DESIGN.md, Principles
 * §7): an issuer whose store lost its list never creates a new one its journal references (503
 * `ISSUER_STATE_BEHIND`), re-applies every acknowledged change on top of the version a peer brings
 * back, and merges a refused peer copy of its own list holding INVALID entries it lacks (a restored
 * backup whose journal is older) into a version newer than both. Real registries, real signatures,
 * the journal on disk.
 */
import * as assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  createSampleNetwork,
  MemoryRecordStore,
  Registry,
  type SampleNetwork,
  TOKEN_STATUS_LIST_CODES,
} from '@trustmesh/registry';
import { TokenStatusIssuer } from '../../src/issuer/token-status-issuer.ts';

const T0 = Date.parse('2026-06-01T00:00:00Z');
const BASE = 'https://tw-issuer.example';
const LIST = `${BASE}/status/token-status`;
const VCT = 'HealthInsuranceCredential';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function openRegistry(net: SampleNetwork, clock: { now: number }): Promise<Registry> {
  const registry = await Registry.open(
    { networkId: net.networkId, genesisDigest: net.genesisDigest },
    { store: new MemoryRecordStore(), now: () => clock.now },
  );
  for (const record of net.records) assert.equal((await registry.submit(record)).status, 'accept');
  return registry;
}

function openIssuer(net: SampleNetwork, registry: Registry, dataDir: string, clock: { now: number }) {
  return TokenStatusIssuer.open(
    { publicBaseUrl: BASE, dataDir },
    {
      keyPair: net.keys.twHealthInsurer,
      registry,
      publish: (record) => registry.submit(record),
      now: () => clock.now,
    },
  );
}

/** The entry's value in the registry's held version, and that version's bytes. */
function held(registry: Registry, idx: number): { value: number; bytes: Uint8Array; versionMs: number } {
  const state = registry.joseStatusListVersions(LIST)[0];
  assert.ok(state, 'the list is held');
  return { value: state.list.read(idx), bytes: state.bytes, versionMs: state.list.versionMs };
}

/** Resolves with the next Token Status List admitted (a condition, not a sleep). */
function nextListAdmitted(registry: Registry): Promise<void> {
  return new Promise((resolve) => {
    const stop = registry.onAdmitted((admission) => {
      if (admission.kind !== 'token-status-list') return;
      stop();
      resolve();
    });
  });
}

describe('durability of the SD-JWT VC issuer’s Token Status List', () => {
  it('a lost store: 503 ISSUER_STATE_BEHIND, no new list; the peer’s older copy gets the journal re-applied', async () => {
    const net = await createSampleNetwork({ now: new Date(T0) });
    const clock = { now: T0 + 60_000 };
    const dataDir = await mkdtemp(join(tmpdir(), 'trustmesh-tsl-'));
    dirs.push(dataDir);
    const first = await openRegistry(net, clock);
    let issuer = await openIssuer(net, first, dataDir, clock);
    const c1 = await issuer.issue({ vct: VCT, claims: { n: 1 }, disclosable: [] });
    const c2 = await issuer.issue({ vct: VCT, claims: { n: 2 }, disclosable: [] });
    // What a peer still holds: the version before any revocation.
    const peerCopy = held(first, c1.status.idx).bytes;
    clock.now += 1_000;
    await issuer.updateStatus(c1.credentialId, 'revoked');
    clock.now += 1_000;
    await issuer.updateStatus(c2.credentialId, 'suspended');
    assert.equal(held(first, c1.status.idx).value, 1);
    await issuer.close();

    // Restarted over an empty store: the journal references the list, so it is not recreated.
    const second = await openRegistry(net, clock);
    issuer = await openIssuer(net, second, dataDir, clock);
    assert.equal(second.joseStatusListVersions(LIST).length, 0, 'no brand-new list was published');
    await assert.rejects(issuer.issue({ vct: VCT, claims: {}, disclosable: [] }), { code: 'ISSUER_STATE_BEHIND' });
    await assert.rejects(issuer.updateStatus(c2.credentialId, 'active'), { code: 'ISSUER_STATE_BEHIND' });
    assert.match(issuer.healthWarnings(60_000).join('\n'), /ISSUER_STATE_BEHIND/);

    // The peer's copy arrives (anti-entropy): the revocation and the suspension are re-applied on top.
    const reapplied = nextListAdmitted(second);
    clock.now += 1_000;
    assert.equal((await second.submit(peerCopy)).status, 'accept');
    await reapplied; // the peer's copy
    if (held(second, c1.status.idx).value !== 1) await nextListAdmitted(second); // the re-applied version
    assert.equal(held(second, c1.status.idx).value, 1, 'the acknowledged revocation holds');
    assert.equal(held(second, c2.status.idx).value, 2, 'the acknowledged suspension holds');
    // And the issuer works again (queued after the re-application, so health now names it).
    clock.now += 1_000;
    assert.equal((await issuer.updateStatus(c2.credentialId, 'active')).updates[0]?.value, 0);
    assert.match(issuer.healthWarnings(60_000).join('\n'), /ISSUER_STATE_REAPPLIED: issuer list \S+: 2 acknowledged/);
    await issuer.close();
    await first.close();
    await second.close();
  });

  it('names the store slot of its list as its own, and no other (anti-entropy then pulls a peer’s older copy of it)', async () => {
    const net = await createSampleNetwork({ now: new Date(T0) });
    const clock = { now: T0 + 60_000 };
    const dataDir = await mkdtemp(join(tmpdir(), 'trustmesh-tsl-'));
    dirs.push(dataDir);
    const store = new MemoryRecordStore();
    const registry = await Registry.open(
      { networkId: net.networkId, genesisDigest: net.genesisDigest },
      { store, now: () => clock.now },
    );
    for (const record of net.records) assert.equal((await registry.submit(record)).status, 'accept');
    const issuer = await openIssuer(net, registry, dataDir, clock);
    await issuer.issue({ vct: VCT, claims: { n: 1 }, disclosable: [] }); // the list is created for it
    const keys: string[] = [];
    for await (const record of store.records()) keys.push(record.key);
    const own = keys.filter((key) => issuer.ownsSlot(key));
    assert.deepEqual(own, [`token-status-list/${LIST} ${net.keys.twHealthInsurer.publicKeyMultibase}`]);
    // The sample network's lists, another issuer's, are not.
    assert.ok(keys.some((key) => key.startsWith('status-list/')) && keys.length > own.length);
    await issuer.close();
    await registry.close();
  });

  it('a restored backup with an older journal: a refused peer copy holding an INVALID entry is merged, never undone', async () => {
    const net = await createSampleNetwork({ now: new Date(T0) });
    const clock = { now: T0 + 60_000 };
    const dataDir = await mkdtemp(join(tmpdir(), 'trustmesh-tsl-'));
    const backup = await mkdtemp(join(tmpdir(), 'trustmesh-tsl-backup-'));
    dirs.push(dataDir, backup);
    const registry = await openRegistry(net, clock);
    let issuer = await openIssuer(net, registry, dataDir, clock);
    const c1 = await issuer.issue({ vct: VCT, claims: { n: 1 }, disclosable: [] });
    const c2 = await issuer.issue({ vct: VCT, claims: { n: 2 }, disclosable: [] });
    const beforeRevocation = held(registry, c1.status.idx).bytes;
    await issuer.close();
    await cp(dataDir, backup, { recursive: true });
    issuer = await openIssuer(net, registry, dataDir, clock);
    clock.now += 1_000;
    await issuer.updateStatus(c1.credentialId, 'revoked');
    // The version a peer keeps: c1 INVALID.
    const peerCopy = held(registry, c1.status.idx).bytes;
    await issuer.close();
    await registry.close();

    // The operator restores the backup (journal and store both older): c1's revocation is unknown.
    const restored = await openRegistry(net, clock);
    assert.equal((await restored.submit(beforeRevocation)).status, 'accept');
    issuer = await openIssuer(net, restored, backup, clock);
    clock.now += 5_000;
    await issuer.updateStatus(c2.credentialId, 'suspended'); // a version newer than the peer's, lacking c1
    assert.equal(held(restored, c1.status.idx).value, 0);

    // The peer's copy is older: the registry refuses it; the issuer sees it is its own and merges.
    const outcome = await restored.submit(peerCopy);
    assert.equal(outcome.status, 'ignore');
    assert.equal(outcome.error.code, TOKEN_STATUS_LIST_CODES.STALE);
    const merged = nextListAdmitted(restored);
    issuer.observeRefused(peerCopy, outcome.error.code);
    await merged;
    assert.equal(held(restored, c1.status.idx).value, 1, 'the revocation the peer saw holds again');
    assert.equal(held(restored, c2.status.idx).value, 2, 'the newer suspension is kept');
    // INVALID is final from now on, journal or not.
    clock.now += 1_000;
    await assert.rejects(issuer.updateStatus(c1.credentialId, 'active'), { code: 'CREDENTIAL_REVOKED' });

    // A copy signed by another key is no evidence: nothing is merged.
    const forged = Buffer.from(peerCopy).toString().split('.');
    forged[2] = Buffer.alloc(64, 7).toString('base64url');
    const versionBefore = held(restored, 0).versionMs;
    issuer.observeRefused(new TextEncoder().encode(forged.join('.')), TOKEN_STATUS_LIST_CODES.STALE);
    await issuer.close(); // waits for the queued check
    assert.equal(held(restored, 0).versionMs, versionBefore);
    await restored.close();
  });
});
