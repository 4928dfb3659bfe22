/**
 * Bounded work per unauthenticated byte (issue 11). A status list is inflated only once its
 * publisher may publish it and its proof verifies, and never past the decoded-bits cap; an issuer
 * holds at most its quota of lists. Every attack is built with real keys and real signatures, and
 * each has its honest control.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { base64url } from 'multiformats/bases/base64';
import { generateKeyPair, type KeyPair, MemoryRecordStore, Registry, signCredential } from '../../src/index.ts';
import { expectOutcome, makeWorld, nextListVersion, snapshot, type World } from '../fixtures.ts';

// 64 MiB of zeros: ~65 KB of GZIP, 2^29 bits, 8 × the decoded-bits cap (limits.ts).
const BOMB = base64url.encode(gzipSync(new Uint8Array(64 * 1024 * 1024), { level: 9 }));

/** A list credential whose encodedList inflates to 64 MiB, validly signed by `signer` in `issuer`'s name. */
async function bombList(world: World, signer: KeyPair, id: string, issuer = signer.did) {
  world.clock.now += 1000;
  const credential = {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    id,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer,
    validFrom: new Date(world.clock.now).toISOString(),
    credentialSubject: {
      id: `${id}#list`,
      type: 'BitstringStatusList',
      statusPurpose: 'revocation',
      encodedList: BOMB,
    },
  };
  return signCredential(credential, signer, { documentLoader: world.net.documentLoader });
}

describe('inflation bombs and per-issuer quotas', () => {
  it('an unknown issuer’s bomb is ignored before it is inflated (not STATUS_LIST_TOO_LARGE), and not buffered from strangers', async () => {
    const world = await makeWorld();
    const stranger = await generateKeyPair('Ed25519');
    const before = await snapshot(world.store);
    const outcome = await expectOutcome(
      world,
      await bombList(world, stranger, 'https://status.example/lists/bomb'),
      'ignore',
      'STATUS_LIST_ISSUER_UNKNOWN',
    );
    // Had it been inflated first, the cap would have answered STATUS_LIST_TOO_LARGE.
    assert.ok(outcome.status === 'ignore' && outcome.error.retryable && !outcome.error.signerKnown);
    assert.deepEqual(await snapshot(world.store), before);
  });

  it('a bomb in an accredited issuer’s name but signed by another key is rejected on its proof, before inflation', async () => {
    const world = await makeWorld();
    const mallory = await generateKeyPair('Ed25519');
    const forged = await bombList(world, mallory, world.net.lists.jpHealthInsurer, world.net.keys.jpHealthInsurer.did);
    const outcome = await expectOutcome(world, forged, 'reject');
    assert.notEqual(outcome.status !== 'accept' && outcome.error.code, 'STATUS_LIST_TOO_LARGE');
  });

  it('the accredited issuer’s own bomb is refused at the decoded-bits cap; control: its honest list is accepted', async () => {
    const world = await makeWorld();
    const { jpHealthInsurer } = world.net.keys;
    const before = await snapshot(world.store);
    await expectOutcome(
      world,
      await bombList(world, jpHealthInsurer, world.net.lists.jpHealthInsurer),
      'reject',
      'STATUS_LIST_TOO_LARGE',
    );
    assert.deepEqual(await snapshot(world.store), before);
    await expectOutcome(
      world,
      await nextListVersion(world, jpHealthInsurer, world.net.lists.jpHealthInsurer, { 3: 1 }),
      'accept',
    );
  });

  it('an issuer holds at most maxListsPerIssuer lists; a new version of a held list still passes', async () => {
    // The sample network's jpHealthInsurer holds one list already.
    const limited = await makeWorld(new MemoryRecordStore(), {
      quotas: { maxListsPerIssuer: 2, maxDecodedBytesPerIssuer: 512 * 1024 * 1024 },
    });
    const world = limited;
    const { jpHealthInsurer } = world.net.keys;
    await expectOutcome(
      limited,
      await nextListVersion(limited, jpHealthInsurer, 'https://status.example/lists/jp-2', {}),
      'accept',
    );
    await expectOutcome(
      limited,
      await nextListVersion(limited, jpHealthInsurer, 'https://status.example/lists/jp-3', {}),
      'reject',
      'STATUS_LIST_QUOTA_EXCEEDED',
    );
    await expectOutcome(
      limited,
      await nextListVersion(limited, jpHealthInsurer, 'https://status.example/lists/jp-2', { 5: 1 }),
      'accept',
    );
  });

  it('an issuer’s lists together inflate to at most maxDecodedBytesPerIssuer', async () => {
    // One 16 KB list held; room for one more.
    const limited = await makeWorld(new MemoryRecordStore(), {
      quotas: { maxListsPerIssuer: 100, maxDecodedBytesPerIssuer: 2 * 16_384 },
    });
    const world = limited;
    const { jpHealthInsurer } = world.net.keys;
    await expectOutcome(
      limited,
      await nextListVersion(limited, jpHealthInsurer, 'https://status.example/lists/jp-2', {}),
      'accept',
    );
    await expectOutcome(
      limited,
      await nextListVersion(limited, jpHealthInsurer, 'https://status.example/lists/jp-3', {}),
      'reject',
      'STATUS_LIST_QUOTA_EXCEEDED',
    );
  });

  it('held lists stay compressed: bits are inflated on read through a bounded cache, after a reopen too', async () => {
    const world = await makeWorld();
    const store = new MemoryRecordStore();
    const open = () =>
      Registry.open(
        // A cache smaller than one 16 KB list: every read inflates, nothing is kept.
        { networkId: world.net.networkId, genesisDigest: world.net.genesisDigest, decodedListCacheBytes: 1024 },
        { store, now: () => world.clock.now },
      );
    let registry = await open();
    for (const record of world.net.records) assert.equal((await registry.submit(record)).status, 'accept');
    const limited: World = { ...world, registry };
    await expectOutcome(
      limited,
      await nextListVersion(limited, world.net.keys.jpHealthInsurer, world.net.lists.jpHealthInsurer, { 9: 1 }),
      'accept',
    );
    const read = (r: Registry) => r.statusList(world.net.lists.jpHealthInsurer)?.list.bits;
    assert.equal(read(registry)?.length, 16_384);
    assert.equal((read(registry)?.[1] ?? 0) & 0x40, 0x40, 'bit 9 is set');
    await registry.close();
    registry = await open();
    assert.equal((read(registry)?.[1] ?? 0) & 0x40, 0x40, 'bit 9 is set after a reopen');
  });
});
