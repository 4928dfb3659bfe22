/**
 * Pipelined admission (admission-pipeline.ts) over real LevelDB with real signatures: the next
 * record is validated against the staged state (everything validated and on its way to disk) while
 * the earlier ones are written; readers and listeners see only the durable state; answers come in
 * submission order, each once what it rests on is durable; a failed write fails everything judged
 * on top of it and the staged state falls back to the durable one. Writes are held and failed at
 * the database the store opens (`createDatabase`), as the durability tests do.
 */
import * as assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createHeaderAndPayload, StatusList } from '@sd-jwt/jwt-status-list';
import { type KeyPair, signRaw } from '../../src/index.ts';
import { Registry, type SubmitOutcome } from '../../src/registry.ts';
import { TOKEN_STATUS_LIST_CODES as C } from '../../src/status-list/jose-lists.ts';
import { LevelRecordStore, type RecordStore, type StoreBatch } from '../../src/store/index.ts';
import { makeWorld, T0, type World } from '../fixtures.ts';
import { type Disk, faultyEngine, holdNextWrite } from '../helpers/faulty-level.ts';

const LIST = 'https://tw-issuer.example/token-status/pipelined';
const IAT = Math.floor(T0 / 1000) + 10;
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A Token Status List JWT (2 bits) made by the reference library, signed with the issuer's key. */
async function tokenStatusList(key: KeyPair, statuses: number[], iat: number): Promise<Uint8Array> {
  const header = { alg: 'ES256', typ: 'statuslist+jwt', kid: key.verificationMethod } as const;
  const { payload } = createHeaderAndPayload(new StatusList(statuses, 2), { iss: key.did, sub: LIST, iat }, header);
  const input = `${b64(header)}.${b64(payload)}`;
  const signature = await signRaw(new TextEncoder().encode(input), key);
  return new TextEncoder().encode(`${input}.${Buffer.from(signature).toString('base64url')}`);
}

/** The store's commits as the registry makes them (a pass-through fake of the interface, counting). */
class CountingStore implements RecordStore {
  readonly commits: StoreBatch[] = [];
  private waiters: Array<{ count: number; resolve: () => void }> = [];
  constructor(readonly inner: LevelRecordStore) {}
  /** Resolves once `count` commits have been made. */
  committed(count: number): Promise<void> {
    if (this.commits.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }
  commit(batch: StoreBatch): Promise<void> {
    this.commits.push(batch);
    for (const w of this.waiters.filter((w) => this.commits.length >= w.count)) w.resolve();
    return this.inner.commit(batch);
  }
  open = () => this.inner.open();
  close = () => this.inner.close();
  get = (key: string) => this.inner.get(key);
  records = (range?: Parameters<RecordStore['records']>[0]) => this.inner.records(range);
  index = (range?: Parameters<RecordStore['index']>[0]) => this.inner.index(range);
  getEvidence = (id: string) => this.inner.getEvidence(id);
  evidence = () => this.inner.evidence();
  getMeta = <T>(name: string) => this.inner.getMeta<T>(name);
  stats = () => this.inner.stats();
  faults = () => this.inner.faults();
}

const codeOf = (outcome: SubmitOutcome) =>
  outcome.status === 'accept' ? `accept:${outcome.value.kind}` : outcome.error.code;

describe('pipelined admission', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'trustmesh-pipelined-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function setup(options: { maxAdmissionsInFlight?: number } = {}) {
    const location = await mkdtemp(join(root, 'db-'));
    const disk: Disk = { full: false };
    const store = new CountingStore(new LevelRecordStore({ location }, { createDatabase: faultyEngine(disk) }));
    const world: World = await makeWorld(store, options);
    const issuer = world.net.keys.twHealthInsurer;
    const list = (statuses: number[], iat: number) => tokenStatusList(issuer, statuses, iat);
    const admitted: string[] = [];
    world.registry.onAdmitted((a) => admitted.push(`${a.kind} ${a.digest.slice(0, 8)}`));
    return { world, store, disk, list, admitted, location };
  }

  it('judges the next update against what is staged while the earlier write is held; readers and listeners wait for disk', async () => {
    const { world, store, disk, list, admitted } = await setup();
    const v1 = await list([0, 0, 0, 0, 0, 1, 0, 0], IAT + 1); // entry 5 INVALID
    const undo = await list([0, 0, 0, 0, 0, 0, 0, 0], IAT + 2); // undoes it
    const v3 = await list([0, 0, 2, 0, 0, 1, 0, 0], IAT + 3); // a newer, honest version
    const v3Equivocation = await list([0, 0, 2, 0, 0, 1, 1, 0], IAT + 3); // same iat, other bits
    const base = store.commits.length;
    const held = holdNextWrite(disk);
    const settled: string[] = [];
    const answers = [v1, undo, v3, v3Equivocation].map((bytes, i) =>
      world.registry.submit(bytes).then((outcome) => {
        settled.push(`${i} ${codeOf(outcome)}`);
        return outcome;
      }),
    );
    await held.entered;
    // v3 and its equivocation were judged (and their writes queued) while v1 is not on disk: on top
    // of v1 as staged, the undo is a rollback, and the equivocation is evidence.
    await store.committed(base + 3);
    assert.deepEqual(
      store.commits.slice(base).map((b) => (b.put ? 'put' : b.evidence ? 'evidence' : '?')),
      ['put', 'put', 'evidence'],
    );
    assert.deepEqual(world.registry.joseStatusListVersions(LIST), [], 'readers see only what is durable');
    assert.equal(admitted.length, 0, 'listeners hear only of what is durable');
    assert.equal(settled.length, 0, 'no answer before what it rests on is on disk');
    held.release();
    const outcomes = await Promise.all(answers);
    assert.deepEqual(settled, [
      '0 accept:token-status-list',
      `1 ${C.ROLLBACK}`,
      '2 accept:token-status-list',
      '3 accept:evidence',
    ]);
    assert.deepEqual(
      admitted.map((a) => a.split(' ')[0]),
      ['token-status-list', 'token-status-list', 'evidence'],
    );
    const [state] = world.registry.joseStatusListVersions(LIST);
    assert.equal(state?.digest, outcomes[2]?.status === 'accept' ? outcomes[2].value.digest : '');
    assert.equal((await world.registry.evidence()).length, 1);
    await world.registry.close();
  });

  it('the same equivocation submitted twice while the first is held: the second is a duplicate', async () => {
    const { world, disk, list } = await setup();
    assert.equal(codeOf(await world.registry.submit(await list([0, 1], IAT + 1))), 'accept:token-status-list');
    const conflict = await list([1, 1], IAT + 1);
    const held = holdNextWrite(disk);
    const first = world.registry.submit(conflict);
    await held.entered;
    const second = world.registry.submit(conflict);
    held.release();
    assert.deepEqual([codeOf(await first), codeOf(await second)], ['accept:evidence', 'DUPLICATE']);
    assert.equal((await world.registry.evidence()).length, 1);
    await world.registry.close();
  });

  it('a failed write fails everything judged on top of it; the staged state falls back to the durable one', async () => {
    const { world, store, disk, list, admitted, location } = await setup();
    const v0 = await list([0, 0, 0, 0], IAT);
    assert.equal(codeOf(await world.registry.submit(v0)), 'accept:token-status-list');
    const durable = world.registry.joseStatusListVersions(LIST)[0]?.digest;
    admitted.length = 0;
    const v1 = await list([1, 0, 0, 0], IAT + 1);
    const v2 = await list([1, 2, 0, 0], IAT + 2);
    const undo = await list([0, 2, 0, 0], IAT + 3); // a rollback of v1: judged on top of it
    const base = store.commits.length;
    const held = holdNextWrite(disk);
    const answers = [v1, v2, undo].map((bytes) =>
      world.registry.submit(bytes).then(
        (outcome) => codeOf(outcome),
        (error: { code: string }) => `throws ${error.code}`,
      ),
    );
    await held.entered;
    await store.committed(base + 2);
    disk.full = true;
    held.release();
    assert.deepEqual(await Promise.all(answers), ['throws STORE_FULL', 'throws STORE_FAILED', 'throws STORE_FAILED']);
    assert.equal(admitted.length, 0, 'nothing failed is announced');
    assert.equal(world.registry.joseStatusListVersions(LIST)[0]?.digest, durable, 'readers still see v0');
    disk.full = false;
    await (store.inner as LevelRecordStore).settled();
    // The staged state is v0 again: without v1, v2 is a valid next version and the undo of v1 is not one.
    assert.equal(codeOf(await world.registry.submit(undo)), 'accept:token-status-list');
    assert.equal(codeOf(await world.registry.submit(v2)), C.STALE);
    assert.equal(codeOf(await world.registry.submit(v1)), C.STALE);
    await world.registry.close();
    const reopened = await Registry.open(
      { networkId: world.net.networkId, genesisDigest: world.net.genesisDigest },
      { store: new LevelRecordStore({ location }), now: () => world.clock.now },
    );
    assert.equal(reopened.joseStatusListVersions(LIST)[0]?.list.read(1), 2, 'the undo is what is on disk');
    await reopened.close();
  });

  it('bounds the submissions in flight: the next is judged only once one has settled', async () => {
    const { world, store, disk, list } = await setup({ maxAdmissionsInFlight: 2 });
    const versions = await Promise.all([1, 2, 3, 4, 5].map((v) => list([0, (v % 2) * 2, 0, 0], IAT + v)));
    const base = store.commits.length;
    const held = holdNextWrite(disk);
    const answers = versions.map((bytes) => world.registry.submit(bytes));
    await held.entered;
    await store.committed(base + 2);
    // The third waits for a settle, and none can happen while the write is held.
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(store.commits.length - base, 2);
    held.release();
    assert.deepEqual((await Promise.all(answers)).map(codeOf), new Array(5).fill('accept:token-status-list'));
    assert.equal(store.commits.length - base, 5);
    await world.registry.close();
  });
});
