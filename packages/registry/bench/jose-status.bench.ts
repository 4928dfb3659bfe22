/**
 * Token Status List benchmark (issue 13), side by side with the reference library in one run:
 *
 * 1. Lookups: an entry read from the replica (`queryTokenStatus`, the list held and inflated once)
 *    against `@sd-jwt/jwt-status-list` as a verifier uses it per check — fetch (in memory, no
 *    network), decode the JWT, inflate `lst`, read the entry. Target ≥ 1,000×.
 * 2. List updates validated and persisted per second on one core: pre-signed versions of one list
 *    (a changed entry each, newer `iat`) submitted to a Registry over LevelDB on disk, side by side:
 *    one at a time (each waits for its own synced write), and 64 in flight (as gossip and
 *    anti-entropy deliver: the registry validates the next while earlier ones are written, and the
 *    store writes them in shared synced batches), synced and unsynced, with the process CPU time
 *    per update (LevelDB's writer threads included). Target ≥ 2,000/s, judged synced, 64 in flight.
 *
 * Run: `npx -y pnpm@10 --filter @trustmesh/registry run bench:jose`. Prints the machine and its load.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createHeaderAndPayload, getListFromStatusListJWT, StatusList } from '@sd-jwt/jwt-status-list';
import {
  createSampleNetwork,
  type KeyPair,
  LevelRecordStore,
  MemoryRecordStore,
  queryTokenStatus,
  Registry,
  signRaw,
} from '../src/index.ts';

const ENTRIES = 1 << 20; // a national-size list: 1,048,576 credentials at 2 bits (256 KiB inflated)
const BITS = 2;
const LOOKUPS = 200_000;
const REFERENCE_LOOKUPS = 200;
const UPDATES = 2_000;
const T0 = Date.parse('2026-06-01T00:00:00Z');
const LIST = 'https://tw-issuer.example/token-status/bench';
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A Token Status List JWT made by the reference library, signed with the issuer's key (ES256). */
async function tokenStatusList(key: KeyPair, statuses: number[], iat: number): Promise<string> {
  const { payload } = createHeaderAndPayload(
    new StatusList(statuses, BITS),
    { iss: key.did, sub: LIST, iat, ttl: 300 },
    { alg: 'ES256', typ: 'statuslist+jwt', kid: key.verificationMethod },
  );
  const input = `${b64({ alg: 'ES256', typ: 'statuslist+jwt', kid: key.verificationMethod })}.${b64(payload)}`;
  const signature = await signRaw(new TextEncoder().encode(input), key);
  return `${input}.${Buffer.from(signature).toString('base64url')}`;
}

const net = await createSampleNetwork({ now: new Date(T0) });
const issuer = net.keys.twHealthInsurer; // a P-256 did:key issuer of the sample network
const clock = { now: T0 + 60_000 };
const statuses = new Array<number>(ENTRIES).fill(0);
for (let i = 0; i < ENTRIES; i += 97) statuses[i] = (i / 97) % 3;

console.log(
  `trustmesh Token Status List benchmark — ${cpus()[0]?.model ?? 'cpu'} ×${cpus().length}, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

// 1. Lookups.
const memory = await Registry.open(
  { networkId: net.networkId, genesisDigest: net.genesisDigest },
  { store: new MemoryRecordStore(), now: () => clock.now },
);
for (const record of net.records) await memory.submit(record);
const jwt = await tokenStatusList(issuer, statuses, Math.floor(clock.now / 1000));
const admitted = await memory.submit(new TextEncoder().encode(jwt));
if (admitted.status !== 'accept') throw new Error(`list not admitted: ${JSON.stringify(admitted.error.toJSON())}`);
let checksum = 0;
queryTokenStatus(memory, LIST, 0, clock.now); // inflates once, as the first verification would
let start = performance.now();
for (let i = 0; i < LOOKUPS; i++)
  checksum += queryTokenStatus(memory, LIST, (i * 7919) % ENTRIES, clock.now).value ?? 0;
const oursPerSecond = LOOKUPS / ((performance.now() - start) / 1000);
const fetchList = async (_uri: string) => jwt; // in memory: the reference pays no network
let referenceChecksum = 0;
start = performance.now();
for (let i = 0; i < REFERENCE_LOOKUPS; i++) {
  const list = getListFromStatusListJWT(await fetchList(LIST));
  referenceChecksum += list.getStatus((i * 7919) % ENTRIES);
}
const referencePerSecond = REFERENCE_LOOKUPS / ((performance.now() - start) / 1000);
// The two read the same entries the same way: the sums over the first REFERENCE_LOOKUPS agree.
let check = 0;
for (let i = 0; i < REFERENCE_LOOKUPS; i++)
  check += queryTokenStatus(memory, LIST, (i * 7919) % ENTRIES, clock.now).value ?? 0;
if (check !== referenceChecksum) throw new Error(`lookups disagree: ${check} vs ${referenceChecksum}`);
await memory.close();

// 2. Updates validated and persisted over LevelDB: synced per write (what a 2xx promises), and
// without sync (the validation and write cost alone); one at a time, and 64 in flight.
const small = new Array<number>(16_384 * 4).fill(0); // TW DIW's 16 KB minimum, at 2 bits
const versions: Uint8Array[] = [];
for (let v = 0; v < UPDATES; v++) {
  small[(v * 31) % small.length] = 1;
  versions.push(new TextEncoder().encode(await tokenStatusList(issuer, small, Math.floor(clock.now / 1000) + v + 1)));
}
clock.now += (UPDATES + 10) * 1000;
interface UpdateRun {
  perSecond: number;
  cpuMicrosPerUpdate: number;
}
async function updates(sync: boolean, inFlight: number): Promise<UpdateRun> {
  const dir = await mkdtemp(join(tmpdir(), 'trustmesh-jose-bench-'));
  const disk = await Registry.open(
    { networkId: net.networkId, genesisDigest: net.genesisDigest },
    { store: new LevelRecordStore({ location: join(dir, 'db'), sync }), now: () => clock.now },
  );
  for (const record of net.records) await disk.submit(record);
  let accepted = 0;
  const pending = new Set<Promise<void>>();
  const cpu = process.cpuUsage();
  const begin = performance.now();
  for (const version of versions) {
    const submitted = disk.submit(version).then((outcome) => {
      if (outcome.status === 'accept') accepted++;
    });
    pending.add(submitted);
    void submitted.finally(() => pending.delete(submitted));
    if (pending.size >= inFlight) await Promise.race(pending);
  }
  await Promise.all(pending);
  const seconds = (performance.now() - begin) / 1000;
  const used = process.cpuUsage(cpu);
  await disk.close();
  await rm(dir, { recursive: true, force: true });
  if (accepted !== UPDATES) throw new Error(`only ${accepted} of ${UPDATES} updates were admitted`);
  return { perSecond: accepted / seconds, cpuMicrosPerUpdate: (used.user + used.system) / accepted };
}
const synced = await updates(true, 1);
const syncedConcurrent = await updates(true, 64);
const unsynced = await updates(false, 1);
const unsyncedConcurrent = await updates(false, 64);
const updateRow = (label: string, run: UpdateRun, target: boolean): string[] => [
  label,
  run.perSecond.toFixed(0),
  `${run.cpuMicrosPerUpdate.toFixed(0)} µs CPU/update`,
  '—',
  target ? `≥ 2,000/s ${run.perSecond >= 2000 ? 'OK' : 'MISS'}` : '—',
];

const rows = [
  ['measure', 'trustmesh', 'reference / cost', 'ratio', 'target'],
  [
    `TSL lookups/s (${ENTRIES.toLocaleString('en')} entries, ${BITS} bits)`,
    oursPerSecond.toFixed(0),
    `${referencePerSecond.toFixed(0)} (@sd-jwt/jwt-status-list fetch+decode+read)`,
    `${(oursPerSecond / referencePerSecond).toFixed(0)}×`,
    `≥ 1,000× ${oursPerSecond / referencePerSecond >= 1000 ? 'OK' : 'MISS'}`,
  ],
  updateRow(
    'TSL list updates validated + persisted/s (LevelDB synced, 64 in flight) — the target',
    syncedConcurrent,
    true,
  ),
  updateRow('TSL list updates validated + persisted/s (LevelDB synced, one at a time)', synced, false),
  updateRow('TSL list updates validated + written/s (LevelDB, no sync, 64 in flight)', unsyncedConcurrent, false),
  updateRow('TSL list updates validated + written/s (LevelDB, no sync, one at a time)', unsynced, false),
];
const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  '));
console.log(
  `(checksum ${checksum}; load after ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')})`,
);
