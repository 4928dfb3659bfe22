/**
 * Records larger than a frame (issue 14): anti-entropy carries them in RECORD_PART / PUSH_PART chunks
 * between real libp2p nodes over the in-memory transport. The frame bound is made small (16 KiB) and
 * the records are ordinary Bitstring Status Lists of ~110 KB (random bits do not compress), signed by
 * the sample network's issuer. Hostile peers are written at the frame level; each attack gets its
 * exact code and is followed by an honest transfer to the same node.
 */
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import type { Libp2p, Stream } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { issueStatusList, type SampleNetwork, statusListSlotKey } from '@trustmesh/registry';
import { syncProtocol } from '../src/network/protocols.ts';
import { ByteWriter } from '../src/sync/bytes.ts';
import { SYNC_FRAME } from '../src/sync/frames.ts';
import {
  decodeReconcileMessage,
  defaultReconcileOptions,
  encodeReconcileMessage,
  Reconciler,
} from '../src/sync/reconciliation.ts';
import { encodePartHeader } from '../src/sync/record-transfer.ts';
import type { AntiEntropyOptions } from '../src/sync/scheduler.ts';
import { SyncIndex } from '../src/sync/sync-index.ts';
import {
  admit,
  type Clock,
  connect,
  indexOf,
  makeHost,
  makeNetwork,
  type SyncPeer,
  startPeer,
  stopPeers,
  waitFor,
} from './sync-fixtures.ts';

const FRAME_BYTES = 16 * 1024;
const LARGE_BOUND = 512 * 1024;
// branching 4 and 512 ids keep every reconciliation message and WANT inside a 16 KiB frame.
const RECONCILE = { ...defaultReconcileOptions, branching: 4, maxIdsPerMessage: 512, maxMessageBytes: FRAME_BYTES };
/** Small frames; a round's budget below two large records, so each round moves one of them. */
const SMALL_FRAMES: Partial<AntiEntropyOptions> = {
  reconcile: RECONCILE,
  maxLargeRecordBytes: LARGE_BOUND,
  maxRoundBytes: 150 * 1024,
};

/** A revocation list of the sample network's JP health insurer with 80 KiB of random bits (~110 KB). */
async function largeList(net: SampleNetwork, clock: Clock, name: string): Promise<Record<string, unknown>> {
  return issueStatusList(
    {
      issuer: net.keys.jpHealthInsurer,
      id: `https://status.example/lists/jp-health/large-${name}`,
      statusPurpose: 'revocation',
      bits: new Uint8Array(randomBytes(80 * 1024)),
      validFrom: new Date(clock.now),
    },
    net.documentLoader,
  );
}

function slotOf(net: SampleNetwork, list: Record<string, unknown>): string {
  return statusListSlotKey(list.id as string, net.keys.jpHealthInsurer.publicKeyMultibase);
}

/** One chunk frame of `length` filler bytes. */
function part(type: number, transfer: number, total: number, offset: number, length: number): Uint8Array {
  return new ByteWriter(length + 16)
    .byte(type)
    .bytes(encodePartHeader(transfer, total, offset))
    .bytes(new Uint8Array(length).fill(0x20))
    .finish();
}

describe('sync: records larger than a frame', () => {
  const peers: SyncPeer[] = [];
  const hosts: Libp2p[] = [];
  after(async () => {
    await stopPeers(peers);
    await Promise.all(hosts.map((h) => h.stop()));
  });
  const start = async (...args: Parameters<typeof startPeer>) => {
    const peer = await startPeer(...args);
    peers.push(peer);
    return peer;
  };

  it('a record bigger than the frame is pulled and pushed in chunks, byte-identical; with the default frame it goes in one RECORD frame', async () => {
    const { net, clock } = await makeNetwork();
    const pulled = await largeList(net, clock, 'pulled');
    const pushed = await largeList(net, clock, 'pushed');
    const a = await start(net, clock, { sync: SMALL_FRAMES });
    const b = await start(net, clock, { sync: SMALL_FRAMES });
    await admit(a, pulled);
    await admit(b, pushed);
    const size = (await a.store.get(slotOf(net, pulled)))!.bytes.byteLength;
    assert.ok(size > 6 * FRAME_BYTES, `the list is ${size} bytes`);
    await connect(b, a);

    const round = await b.antiEntropy.syncWith(a.libp2p.peerId);
    assert.deepEqual([round.recordsAccepted, round.recordsPushed, round.pushesAccepted], [1, 1, 1]);
    for (const list of [pulled, pushed]) {
      const key = slotOf(net, list);
      assert.deepEqual((await b.store.get(key))!.bytes, (await a.store.get(key))!.bytes, `${key} byte-identical`);
    }
    assert.deepEqual(await indexOf(b.store), await indexOf(a.store));
    const chunks = Math.ceil(size / (FRAME_BYTES + 1 - 1 - 15));
    assert.deepEqual(a.antiEntropy.counters().chunked, {
      recordsSent: 1,
      recordsReceived: 1,
      chunksSent: chunks,
      chunksReceived: b.antiEntropy.counters().chunked.chunksSent,
    });
    // Bytes counters count the chunk frames.
    assert.ok(round.bytesReceived > size && round.bytesSent > size);

    // Wire compatibility: with the default 512 KiB frame the same record goes in one RECORD frame.
    const c = await start(net, clock);
    const d = await start(net, clock);
    await admit(c, pulled);
    await connect(d, c);
    assert.equal((await d.antiEntropy.syncWith(c.libp2p.peerId)).recordsAccepted, 1);
    assert.equal(c.antiEntropy.counters().chunked.chunksSent, 0);
  });

  it('a round carries one record over its byte budget alone and defers the rest to the next round', async () => {
    const { net, clock } = await makeNetwork();
    const a = await start(net, clock, { sync: SMALL_FRAMES });
    const b = await start(net, clock, { sync: SMALL_FRAMES });
    for (const name of ['one', 'two', 'three']) await admit(a, await largeList(net, clock, name));
    await connect(b, a);
    const rounds = [];
    for (let i = 0; i < 3; i++) rounds.push(await b.antiEntropy.syncWith(a.libp2p.peerId));
    assert.deepEqual(
      rounds.map((r) => [r.recordsAccepted, r.complete]),
      [
        [1, false],
        [1, false],
        [1, true],
      ],
    );
    assert.deepEqual(await indexOf(b.store), await indexOf(a.store));
  });

  it('a hostile pusher: declared total over the bound, past the total, a gap, an overlap, a second transfer, another frame mid-transfer, a stop — each its code, then an honest transfer', async () => {
    const { net, clock } = await makeNetwork();
    // One session at a time: an attack that held its session would block the honest one after it.
    const victim = await start(net, clock, {
      sync: { ...SMALL_FRAMES, maxConcurrentSessions: 1, sessionTimeoutMs: 1000 },
    });
    const honest = await start(net, clock, { sync: SMALL_FRAMES });
    const attacker = await makeHost();
    hosts.push(attacker);
    await attacker.dial(victim.libp2p.getMultiaddrs());
    await connect(honest, victim);
    const protocol = syncProtocol(net.networkId);
    const violations = () => victim.antiEntropy.counters().violations;
    const P = SYNC_FRAME.PUSH_PART;
    const cases: [string, Uint8Array[]][] = [
      ['SYNC_RECORD_TOO_LARGE', [part(P, 0, LARGE_BOUND + 1, 0, 16_000)]],
      ['SYNC_CHUNK_OVERFLOW', [part(P, 0, 20_000, 0, 16_000), part(P, 0, 20_000, 16_000, 8_000)]],
      ['SYNC_CHUNK_OUT_OF_ORDER', [part(P, 0, 40_000, 0, 16_000), part(P, 0, 40_000, 17_000, 1_000)]],
      ['SYNC_CHUNK_OUT_OF_ORDER', [part(P, 0, 40_000, 0, 16_000), part(P, 0, 40_000, 8_000, 16_000)]],
      ['SYNC_CONCURRENT_TRANSFER', [part(P, 0, 40_000, 0, 16_000), part(P, 1, 40_000, 0, 16_000)]],
      ['SYNC_TRANSFER_INCOMPLETE', [part(P, 0, 40_000, 0, 16_000), new Uint8Array([SYNC_FRAME.DONE, 1])]],
      // Stops mid-transfer: the session deadline (1 s + what 16 KB earn) ends it.
      ['SYNC_TIMEOUT', [part(P, 0, 40_000, 0, 16_000)]],
    ];
    const before = await indexOf(victim.store);
    const expected: Record<string, number> = {};
    for (const [index, [code, frames]] of cases.entries()) {
      const stream = lpStream(await attacker.dialProtocol(victim.libp2p.peerId, protocol));
      // A valid first message (an empty id list over the whole key space): pushes are allowed after it.
      await stream.write(new Uint8Array([SYNC_FRAME.RECONCILE, 0, 2, 0]));
      assert.equal((await stream.read()).subarray()[0], SYNC_FRAME.RECONCILE);
      for (const frame of frames) await stream.write(frame).catch(() => undefined);
      expected[code] = (expected[code] ?? 0) + 1;
      await waitFor(() => violations()[code] === expected[code], `${code} counted`, 5_000);
      await assert.rejects(stream.read(), 'the stream was closed');
      assert.deepEqual(await indexOf(victim.store), before, 'nothing stored');

      // Control: an honest peer pushes a large record to the same node, in chunks, right after.
      const list = await largeList(net, clock, `control-${index}`);
      await admit(honest, list);
      const round = await honest.antiEntropy.syncWith(victim.libp2p.peerId);
      assert.equal(round.pushesAccepted, 1, `honest push after ${code}`);
      assert.deepEqual(
        (await victim.store.get(slotOf(net, list)))!.bytes,
        (await honest.store.get(slotOf(net, list)))!.bytes,
      );
      before.splice(0, before.length, ...(await indexOf(victim.store)));
    }
    assert.equal(victim.antiEntropy.counters().sessions.failed, cases.length);
    assert.equal(victim.antiEntropy.counters().pushedIn.accept, cases.length);
    assert.equal(victim.admission.counters().pending.size, 0);
  });

  it('node-wide, open transfers declare at most maxAssemblyBytes: a transfer that does not fit is refused as SYNC_BUSY (not a violation) until the room is returned', async () => {
    const { net, clock } = await makeNetwork();
    const victim = await start(net, clock, {
      sync: { ...SMALL_FRAMES, maxAssemblyBytes: LARGE_BOUND, sessionTimeoutMs: 1000 },
    });
    const honest = await start(net, clock, { sync: SMALL_FRAMES });
    const attacker = await makeHost();
    hosts.push(attacker);
    await attacker.dial(victim.libp2p.getMultiaddrs());
    await connect(honest, victim);
    const list = await largeList(net, clock, 'busy');
    await admit(honest, list);

    // The attacker opens a transfer declaring nearly all the room, and stalls.
    const stalled = lpStream(await attacker.dialProtocol(victim.libp2p.peerId, syncProtocol(net.networkId)));
    await stalled.write(new Uint8Array([SYNC_FRAME.RECONCILE, 0, 2, 0]));
    await stalled.read();
    await stalled.write(part(SYNC_FRAME.PUSH_PART, 0, LARGE_BOUND - 20_000, 0, 16_000));
    await waitFor(() => victim.antiEntropy.counters().chunked.chunksReceived === 1, 'the stalled transfer opened');
    await assert.rejects(honest.antiEntropy.syncWith(victim.libp2p.peerId));
    assert.equal(victim.antiEntropy.counters().failures.SYNC_BUSY, 1);
    assert.equal(victim.antiEntropy.counters().violations.SYNC_BUSY, undefined, "not the honest peer's fault");

    // The stalled session ends at its deadline and returns its room: the honest push goes through.
    await waitFor(
      () => victim.antiEntropy.counters().violations.SYNC_TIMEOUT === 1,
      'stalled session timed out',
      5_000,
    );
    assert.equal((await honest.antiEntropy.syncWith(victim.libp2p.peerId)).pushesAccepted, 1);
    assert.deepEqual(
      (await victim.store.get(slotOf(net, list)))!.bytes,
      (await honest.store.get(slotOf(net, list)))!.bytes,
    );
  });

  it('a hostile responder: a declared total over the bound, then a stop mid-transfer — the initiator aborts with the code; control: an honest pull', async () => {
    const { net, clock } = await makeNetwork();
    const victim = await start(net, clock, { sync: { ...SMALL_FRAMES, sessionTimeoutMs: 1000 } });
    const honest = await start(net, clock, { sync: SMALL_FRAMES });
    const attacker = await makeHost();
    hosts.push(attacker);
    // The attacker claims one item the victim lacks, so the victim asks for it, then answers with chunks.
    const fake = { key: 'status-list/https://status.example/fake', digest: '00'.repeat(32) };
    const index = SyncIndex.fromEntries([...(await indexOf(victim.store)), fake]);
    let answer: Uint8Array[] = [];
    await attacker.handle(syncProtocol(net.networkId), async (raw: Stream) => {
      const stream = lpStream(raw, { maxDataLength: FRAME_BYTES + 1 });
      const reconciler = new Reconciler(index.snapshot(), 'responder', RECONCILE);
      try {
        for (;;) {
          const frame = (await stream.read()).subarray();
          if (frame[0] === SYNC_FRAME.RECONCILE) {
            const reply = reconciler.receive(decodeReconcileMessage(frame.subarray(1), RECONCILE)) ?? { ranges: [] };
            await stream.write(
              new ByteWriter().byte(SYNC_FRAME.RECONCILE).bytes(encodeReconcileMessage(reply)).finish(),
            );
          } else if (frame[0] === SYNC_FRAME.WANT) {
            for (const chunk of answer) await stream.write(chunk);
          }
        }
      } catch {
        // The victim aborted the stream.
      }
    });
    await attacker.dial(victim.libp2p.getMultiaddrs());
    const R = SYNC_FRAME.RECORD_PART;
    const before = await indexOf(victim.store);

    answer = [part(R, 0, LARGE_BOUND + 1, 0, 16_000)];
    await assert.rejects(victim.antiEntropy.syncWith(attacker.peerId), { code: 'SYNC_RECORD_TOO_LARGE' });
    answer = [part(R, 0, 60_000, 0, 16_000)];
    await assert.rejects(victim.antiEntropy.syncWith(attacker.peerId), { code: 'SYNC_TIMEOUT' });
    assert.deepEqual(victim.antiEntropy.counters().violations, { SYNC_RECORD_TOO_LARGE: 1, SYNC_TIMEOUT: 1 });
    assert.deepEqual(await indexOf(victim.store), before, 'nothing stored');

    const list = await largeList(net, clock, 'control');
    await admit(honest, list);
    await connect(victim, honest);
    assert.equal((await victim.antiEntropy.syncWith(honest.libp2p.peerId)).recordsAccepted, 1);
    assert.deepEqual(
      (await victim.store.get(slotOf(net, list)))!.bytes,
      (await honest.store.get(slotOf(net, list)))!.bytes,
    );
  });
});
