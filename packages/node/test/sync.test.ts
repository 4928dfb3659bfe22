/**
 * Anti-entropy between real libp2p nodes over the in-memory transport (Noise, Yamux), each with its
 * own registry (memory or LevelDB) holding a signed sample network: one round makes two nodes
 * identical in both directions, new nodes bootstrap on connect, bytes follow the difference, and
 * misbehaving peers are cut off with nothing stored.
 */
import * as assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Libp2p } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import {
  canonicalBytes,
  issueStatusList,
  LevelRecordStore,
  MemoryRecordStore,
  sha256Hex,
  statusListSlotKey,
} from '@trustmesh/registry';
import { syncProtocol } from '../src/network/protocols.ts';
import { ByteWriter } from '../src/sync/bytes.ts';
import { defaultReconcileOptions } from '../src/sync/reconciliation.ts';
import { SyncIndex } from '../src/sync/sync-index.ts';
import { SYNC_FRAME } from '../src/sync/scheduler.ts';
import {
  admit,
  connect,
  indexOf,
  makeHost,
  makeNetwork,
  newAccreditedIssuer,
  nextListVersion,
  type SyncPeer,
  startPeer,
  stopPeers,
  waitFor,
} from './sync-fixtures.ts';

describe('sync: anti-entropy between libp2p nodes', () => {
  const peers: SyncPeer[] = [];
  const hosts: Libp2p[] = [];
  const dirs: string[] = [];
  after(async () => {
    await stopPeers(peers);
    await Promise.all(hosts.map((h) => h.stop()));
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });
  const start = async (...args: Parameters<typeof startPeer>) => {
    const peer = await startPeer(...args);
    peers.push(peer);
    return peer;
  };
  const levelStore = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trustmesh-sync-'));
    dirs.push(dir);
    return new LevelRecordStore({ location: dir });
  };

  it('one round makes two nodes identical in both directions, in dependency order, with evidence', async () => {
    const { net, clock } = await makeNetwork();
    const a = await start(net, clock);
    const b = await start(net, clock);
    const { jpAgency, jpHealthInsurer, twHealthInsurer, twMinistry } = net.keys;

    // A moves ahead: two new list versions, a new issuer whose list depends on its accreditation, and
    // an equivocation by the agency (same version, different content) held as evidence.
    await admit(a, await nextListVersion(a, net, clock, jpHealthInsurer, net.lists.jpHealthInsurer, [3]));
    await admit(a, await nextListVersion(a, net, clock, twHealthInsurer, net.lists.twHealthInsurer, [5]));
    const newcomer = await newAccreditedIssuer(net, clock, 'osaka-clinic');
    await admit(a, newcomer.accreditation);
    await admit(a, newcomer.list);
    const when = clock.now + 1000;
    await admit(a, await nextListVersion(a, net, clock, jpAgency, net.lists.jpAgency, [1], when));
    await admit(a, await nextListVersion(a, net, clock, jpAgency, net.lists.jpAgency, [2], when));
    assert.equal((await a.registry.evidence()).length, 1);
    // B has something A lacks.
    await admit(b, await nextListVersion(b, net, clock, twMinistry, net.lists.twMinistry, [9]));

    await connect(b, a);
    const stats = await b.antiEntropy.syncWith(a.libp2p.peerId);

    assert.deepEqual(await indexOf(b.store), await indexOf(a.store));
    assert.deepEqual(b.index.snapshot().entries(), a.index.snapshot().entries());
    assert.equal((await b.registry.evidence()).length, 1, 'evidence replicated');
    // Anti-entropy kept B's sync index equal to what its store now holds.
    assert.deepEqual(b.index.snapshot().entries(), (await SyncIndex.fromStore(b.store)).snapshot().entries());
    // A: 3 newer list versions, its older twMinistry list, accreditation, new list, evidence (7);
    // B: its 3 older versions and 1 newer (4).
    assert.equal(stats.differences, 11);
    // A does not send its older twMinistry list: B said it holds a newer version (HELD).
    assert.deepEqual(
      [stats.recordsReceived, stats.recordsAccepted, stats.recordsIgnored, stats.recordsRejected],
      [6, 6, 0, 0],
    );
    // B's superseded versions are not pushed back; its newer list is.
    assert.deepEqual([stats.recordsPushed, stats.pushesAccepted, stats.complete], [1, 1, true]);
    assert.equal(a.registry.statusList(net.lists.twMinistry)?.list.bits[1], 0x40, 'A got B’s list version (bit 9)');
    assert.equal(a.antiEntropy.counters().pushedIn.accept, 1);
    assert.equal(b.antiEntropy.counters().pulled.accept, 6);
    assert.ok(stats.roundTrips >= 3, 'reconcile, want, push');

    // Now in sync: the next round is one fingerprint exchange.
    const again = await b.antiEntropy.syncWith(a.libp2p.peerId);
    assert.deepEqual([again.differences, again.roundTrips, again.recordsReceived, again.recordsPushed], [0, 1, 0, 0]);
    assert.ok(again.bytesSent + again.bytesReceived < 64, `${again.bytesSent + again.bytesReceived} bytes`);
  });

  it('a brand-new node bootstraps everything on connect (LevelDB), and a third node bootstraps from it', async () => {
    const { net, clock } = await makeNetwork();
    const a = await start(net, clock);
    await admit(a, await nextListVersion(a, net, clock, net.keys.jpHealthInsurer, net.lists.jpHealthInsurer, [42]));
    const genesisOnly = { records: [net.genesis], sync: { syncOnConnect: true } };
    const b = await start(net, clock, { ...genesisOnly, store: await levelStore() });
    // C pulls at most 3 records a round, so it needs several rounds; a record whose parent comes in a
    // later round is ignored at first and pulled again.
    const c = await start(net, clock, { records: [net.genesis], sync: { syncOnConnect: true, maxRecordsPerRound: 3 } });
    assert.equal((await indexOf(b.store)).length, 1);

    const expected = await indexOf(a.store);
    await connect(b, a);
    await waitFor(
      async () => JSON.stringify(await indexOf(b.store)) === JSON.stringify(expected),
      'B holds everything A holds',
    );
    // C knows only B, which only just bootstrapped.
    await connect(c, b);
    await waitFor(
      async () => JSON.stringify(await indexOf(c.store)) === JSON.stringify(expected),
      'C holds everything A holds',
    );
    assert.equal(
      c.registry.statusList(net.lists.jpHealthInsurer)?.list.bits[5],
      0x20,
      'C sees the revocation of index 42',
    );
    assert.equal(b.antiEntropy.counters().pulled.accept, expected.length - 1);
    // The store is complete before the last round has finished pushing and closing.
    const rounds = () => c.antiEntropy.counters().rounds;
    await waitFor(() => rounds().started === rounds().completed, "C's last round finished");
    // Six records to pull, three a round.
    assert.ok(rounds().completed >= 2, `C caught up over several rounds (${rounds().completed})`);
    assert.equal(rounds().failed, 0);
    // Only the dialler starts a round on connect.
    assert.equal(a.antiEntropy.counters().rounds.started, 0);
  });

  it('a capped catch-up defers records waiting on a later one instead of pulling them again', async () => {
    const { net, clock } = await makeNetwork();
    const a = await start(net, clock);
    // One record a round, in key order: the TW insurer's list (tw-health) sorts before the TW
    // ministry's withdrawal list (tw-ministry) that its chain needs, so it is not resolvable yet.
    const b = await start(net, clock, { records: [net.genesis], sync: { syncOnConnect: true, maxRecordsPerRound: 1 } });
    const expected = JSON.stringify(await indexOf(a.store));
    await connect(b, a);
    await waitFor(async () => JSON.stringify(await indexOf(b.store)) === expected, 'B holds everything A holds');
    // Every record was pulled once: the deferred one was retried locally, not requested again.
    assert.equal(a.antiEntropy.counters().served, JSON.parse(expected).length - 1);
  });

  it('periodic rounds pick a connected peer', async () => {
    const { net, clock } = await makeNetwork();
    const a = await start(net, clock);
    await admit(a, await nextListVersion(a, net, clock, net.keys.twHealthInsurer, net.lists.twHealthInsurer, [8]));
    const b = await start(net, clock, { sync: { intervalMs: 50 } });
    await connect(b, a);
    const expected = JSON.stringify(await indexOf(a.store));
    await waitFor(async () => JSON.stringify(await indexOf(b.store)) === expected, 'B caught up on its timer');
    assert.ok(b.antiEntropy.counters().rounds.completed >= 1);
  });

  it('bytes exchanged follow the difference, not the size of the state', async () => {
    const { net, clock } = await makeNetwork();
    const lists = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        issueStatusList(
          {
            issuer: net.keys.jpHealthInsurer,
            id: `https://status.example/lists/jp-health/batch-${i}`,
            statusPurpose: 'revocation',
            bits: new Uint8Array(16_384),
            validFrom: new Date(clock.now),
          },
          net.documentLoader,
        ),
      ),
    );
    const a = await start(net, clock, { records: [...net.records, ...lists] });
    const b = await start(net, clock, { records: [...net.records, ...lists] });
    await connect(b, a);
    const same = await b.antiEntropy.syncWith(a.libp2p.peerId);
    assert.deepEqual([same.differences, same.roundTrips], [0, 1]);

    const update = await nextListVersion(
      a,
      net,
      clock,
      net.keys.jpHealthInsurer,
      `https://status.example/lists/jp-health/batch-7`,
      [1],
    );
    await admit(a, update);
    const recordBytes = (await a.store.get(
      statusListSlotKey('https://status.example/lists/jp-health/batch-7', net.keys.jpHealthInsurer.publicKeyMultibase),
    ))!.bytes.byteLength;
    const state = (await a.store.stats()).bytes;
    const one = await b.antiEntropy.syncWith(a.libp2p.peerId);
    const total = one.bytesSent + one.bytesReceived;
    assert.deepEqual([one.differences, one.recordsAccepted, one.recordsPushed], [2, 1, 0]);
    assert.ok(total < recordBytes + 1024, `${total} bytes for a ${recordBytes}-byte record`);
    assert.ok(total * 10 < state, `${total} bytes against ${state} bytes of state`);
    assert.deepEqual(await indexOf(b.store), await indexOf(a.store));
  });

  it('a peer sending garbage or oversized frames has its stream closed, and nothing it pushed is stored', async () => {
    const { net, clock } = await makeNetwork();
    const a = await start(net, clock);
    const attacker = await makeHost();
    hosts.push(attacker);
    await attacker.dial(a.libp2p.getMultiaddrs());
    const before = await indexOf(a.store);
    const protocol = syncProtocol(net.networkId);
    const open = async () => lpStream(await attacker.dialProtocol(a.libp2p.peerId, protocol));
    const violations = () => a.antiEntropy.counters().violations;

    // A frame longer than the limit: refused from its length prefix alone.
    const bigStream = await attacker.dialProtocol(a.libp2p.peerId, protocol);
    bigStream.send(
      new ByteWriter()
        .varint(defaultReconcileOptions.maxMessageBytes + 100)
        .bytes(new Uint8Array(64))
        .finish(),
    );
    await waitFor(() => violations().SYNC_MESSAGE_TOO_LARGE === 1, 'oversized frame counted');
    await assert.rejects(lpStream(bigStream).read(), 'the stream was closed');

    // A reconciliation message that does not decode.
    const garbage = await open();
    await garbage.write(new Uint8Array([SYNC_FRAME.RECONCILE, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]));
    await waitFor(() => violations().SYNC_MALFORMED === 1, 'malformed message counted');
    await assert.rejects(garbage.read(), 'the stream was closed');

    // A valid record A lacks, pushed as the first frame: no reconciliation has shown it is wanted,
    // so the session is aborted before the record is even parsed, and nothing is stored.
    const valid = new TextEncoder().encode(
      JSON.stringify(await nextListVersion(a, net, clock, net.keys.jpHealthInsurer, net.lists.jpHealthInsurer, [7])),
    );
    const push = await open();
    await push.write(new Uint8Array([SYNC_FRAME.PUSH, ...valid]));
    await waitFor(() => violations().SYNC_UNWANTED_PUSH === 1, 'unwanted push counted');
    await assert.rejects(push.read(), 'the stream was closed');

    // A frame the protocol does not know.
    const unknown = await open();
    await unknown.write(new Uint8Array([0x42]));
    await waitFor(() => violations().SYNC_UNEXPECTED_FRAME === 1, 'unknown frame counted');
    await assert.rejects(unknown.read(), 'the stream was closed');

    // A request for more records than a round allows.
    const greedy = await open();
    const ids = new Uint8Array(3 + 4000 * 16);
    ids.set([SYNC_FRAME.WANT, 0xa0, 0x1f]);
    await greedy.write(ids);
    await waitFor(() => violations().SYNC_TOO_MANY_RECORDS === 1, 'excess request counted');
    await assert.rejects(greedy.read(), 'the stream was closed');

    assert.deepEqual(await indexOf(a.store), before);
    assert.equal(a.antiEntropy.counters().sessions.failed, 5);
    assert.equal(a.antiEntropy.counters().pushedIn.accept, 0);
  });

  it('a peer whose pushes do not resolve (a list from a signer no accreditation names) is refused for a while; control: pushes that resolve', async () => {
    const { net, clock } = await makeNetwork();
    const victim = await start(net, clock);
    // The attacker holds an issuer's validly signed list but not its accreditation.
    const stranger = await newAccreditedIssuer(net, clock, 'stranger');
    const bytes = canonicalBytes(stranger.list);
    const store = new MemoryRecordStore();
    await store.open();
    await store.commit({
      put: [
        {
          key: statusListSlotKey(stranger.list.id as string, stranger.issuer.publicKeyMultibase),
          kind: 'status-list',
          digest: sha256Hex(bytes),
          version: String(clock.now).padStart(16, '0'),
          bytes,
          receivedAt: clock.now,
        },
      ],
    });
    const attacker = await start(net, clock, { store });
    await connect(attacker, victim);
    const round = await attacker.antiEntropy.syncWith(victim.libp2p.peerId);
    assert.equal(round.recordsPushed, 1);
    await waitFor(() => victim.antiEntropy.counters().penalised === 1, 'the victim penalised the attacker');
    assert.equal(victim.registry.statusList(stranger.list.id as string), null, 'nothing stored');
    assert.equal(victim.admission.counters().pending.size, 0, 'pushes are never buffered');
    await assert.rejects(attacker.antiEntropy.syncWith(victim.libp2p.peerId));
    await waitFor(() => victim.antiEntropy.counters().violations.SYNC_PEER_PENALISED === 1, 'its next session refused');

    // Control: a peer that pushes the accreditation with the list gets both admitted, unpenalised.
    const honest = await start(net, clock);
    await admit(honest, stranger.accreditation);
    await admit(honest, stranger.list);
    await connect(honest, victim);
    const repair = await honest.antiEntropy.syncWith(victim.libp2p.peerId);
    assert.equal(repair.pushesAccepted, 2);
    assert.ok(victim.registry.statusList(stranger.list.id as string));
    assert.equal(victim.antiEntropy.counters().penalised, 1);
  });

  it('refuses rounds started too often, too many sessions at once, and sessions that stall', async () => {
    const { net, clock } = await makeNetwork();
    const a = await start(net, clock, {
      sync: { minRoundIntervalMs: 60_000, maxConcurrentSessions: 1, sessionTimeoutMs: 500 },
    });
    const b = await start(net, clock);
    await connect(b, a);

    await b.antiEntropy.syncWith(a.libp2p.peerId);
    // The responder finishes its side just after the initiator returns.
    await waitFor(() => a.antiEntropy.counters().sessions.served === 1, 'first session served');
    await assert.rejects(b.antiEntropy.syncWith(a.libp2p.peerId), { name: 'SyncError' });
    assert.equal(a.antiEntropy.counters().violations.SYNC_RATE_LIMITED, 1);

    // A peer that opens a round and then stalls holds the only session slot until the timeout.
    const silent = await makeHost();
    hosts.push(silent);
    await silent.dial(a.libp2p.getMultiaddrs());
    const stalled = lpStream(await silent.dialProtocol(a.libp2p.peerId, syncProtocol(net.networkId)));
    // An empty id list over the whole key space: a valid first message.
    await stalled.write(new Uint8Array([SYNC_FRAME.RECONCILE, 0, 2, 0]));
    assert.equal((await stalled.read()).subarray()[0], SYNC_FRAME.RECONCILE, 'the session is being served');
    const third = await makeHost();
    hosts.push(third);
    await third.dial(a.libp2p.getMultiaddrs());
    const refused = lpStream(await third.dialProtocol(a.libp2p.peerId, syncProtocol(net.networkId)));
    // The handler runs once the protocol is agreed; the refusal may close the stream before this write.
    await refused.write(new Uint8Array([SYNC_FRAME.RECONCILE, 0, 2, 0])).catch(() => undefined);
    await waitFor(
      () => a.antiEntropy.counters().violations.SYNC_TOO_MANY_SESSIONS === 1,
      'second concurrent session refused',
    );
    await assert.rejects(refused.read(), 'the refused stream was closed');
    await waitFor(() => a.antiEntropy.counters().violations.SYNC_TIMEOUT === 1, 'stalled session timed out');
    await assert.rejects(stalled.read(), 'the stalled stream was closed');
  });
});
