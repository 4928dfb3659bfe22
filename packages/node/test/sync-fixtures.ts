/**
 * Fixtures of the anti-entropy tests: real registries over a signed sample network, each behind a
 * real libp2p host on the in-memory transport (Noise, Yamux), with anti-entropy started.
 */
import { randomUUID } from 'node:crypto';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import type { Libp2p } from '@libp2p/interface';
import { memory } from '@libp2p/memory';
import {
  createSampleNetwork,
  generateKeyPair,
  type IndexEntry,
  issueAccreditation,
  issueStatusList,
  type KeyPair,
  MemoryRecordStore,
  type RecordStore,
  Registry,
  type SampleNetwork,
  writeStatus,
} from '@trustmesh/registry';
import { createLibp2p } from 'libp2p';
import { syncProtocol } from '../src/network/protocols.ts';
import { SyncIndex } from '../src/sync/sync-index.ts';
import { RecordAdmission } from '../src/admission/record-admission.ts';
import { AntiEntropy, type AntiEntropyOptions } from '../src/sync/scheduler.ts';

/** A fixed start time: tests never depend on the wall clock for record validity. */
export const T0 = Date.parse('2026-06-01T00:00:00Z');
const YEAR = 365 * 24 * 3600 * 1000;

/** A clock shared by every node of a test, moved by the test. */
export interface Clock {
  now: number;
}

/** One node: registry, store, sync index, libp2p host and anti-entropy. */
export interface SyncPeer {
  registry: Registry;
  admission: RecordAdmission;
  store: RecordStore;
  index: SyncIndex;
  libp2p: Libp2p;
  antiEntropy: AntiEntropy;
}

/** A signed sample network and a clock just after its records' validFrom. */
export async function makeNetwork(): Promise<{ net: SampleNetwork; clock: Clock }> {
  return { net: await createSampleNetwork({ now: new Date(T0) }), clock: { now: T0 + 60_000 } };
}

/** A bare libp2p host on the in-memory transport with Noise and Yamux. */
export async function makeHost(): Promise<Libp2p> {
  return createLibp2p({
    addresses: { listen: [`/memory/${randomUUID()}`] },
    transports: [memory()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  });
}

/**
 * Starts a node holding `records` (default: the whole sample network) in `store` (default: memory),
 * with anti-entropy on `protocol`.
 */
export async function startPeer(
  net: SampleNetwork,
  clock: Clock,
  options: {
    store?: RecordStore;
    records?: unknown[];
    sync?: Partial<AntiEntropyOptions>;
  } = {},
): Promise<SyncPeer> {
  const store = options.store ?? new MemoryRecordStore();
  const registry = await Registry.open(
    { networkId: net.networkId, genesisDigest: net.genesisDigest },
    { store, now: () => clock.now },
  );
  for (const record of options.records ?? net.records) {
    const outcome = await registry.submit(record);
    if (outcome.status !== 'accept')
      throw new Error(`fixture record refused: ${JSON.stringify(outcome.error.toJSON())}`);
  }
  const index = await SyncIndex.fromStore(store);
  // As the node wires it: whatever the registry admits (gossip, API, anti-entropy) joins the sync set.
  registry.onAdmitted((admission) => index.admit(admission));
  const libp2p = await makeHost();
  const admission = new RecordAdmission({}, { registry, now: () => clock.now });
  const antiEntropy = new AntiEntropy(
    {
      protocol: syncProtocol(net.networkId),
      intervalMs: 0,
      syncOnConnect: false,
      minRoundIntervalMs: 0,
      ...options.sync,
    },
    { libp2p, admission, store, index, now: () => clock.now },
  );
  await antiEntropy.start();
  return { registry, admission, store, index, libp2p, antiEntropy };
}

/** Submits a record to a node (its sync index follows through the registry's admission listener). */
export async function admit(peer: SyncPeer, record: unknown): Promise<void> {
  const outcome = await peer.registry.submit(record);
  if (outcome.status !== 'accept') throw new Error(`record refused: ${JSON.stringify(outcome.error.toJSON())}`);
}

/** A new version of a list held by `peer`, with `set` bits set, dated at the (advanced) clock. */
export async function nextListVersion(
  peer: SyncPeer,
  net: SampleNetwork,
  clock: Clock,
  issuer: KeyPair,
  listId: string,
  set: number[],
  validFrom?: number,
): Promise<Record<string, unknown>> {
  const held = peer.registry.statusList(listId);
  const bits = held ? new Uint8Array(held.list.bits) : new Uint8Array(131_072 / 8);
  for (const index of set) writeStatus(bits, index, 1, 1);
  clock.now += 1000;
  return issueStatusList(
    { issuer, id: listId, statusPurpose: 'revocation', bits, validFrom: new Date(validFrom ?? clock.now) },
    net.documentLoader,
  );
}

/** A new issuer accredited by the JP agency, and its first status list (which depends on it). */
export async function newAccreditedIssuer(net: SampleNetwork, clock: Clock, name: string) {
  const issuer = await generateKeyPair('Ed25519');
  const accreditation = await issueAccreditation(
    {
      accreditor: net.keys.jpAgency,
      subject: issuer.did,
      role: 'issuer',
      accreditedFor: [{ types: ['HealthInsuranceCredential'], jurisdiction: 'JP' }],
      subjectKeys: [issuer],
      validFrom: new Date(T0),
      validUntil: new Date(T0 + YEAR),
    },
    net.documentLoader,
  );
  const list = await issueStatusList(
    {
      issuer,
      id: `https://status.example/lists/${name}/revocation`,
      statusPurpose: 'revocation',
      bits: new Uint8Array(131_072 / 8),
      validFrom: new Date(clock.now),
    },
    net.documentLoader,
  );
  return { issuer, accreditation, list };
}

/** Every (key, digest) of a store's index, in order. */
export async function indexOf(store: RecordStore): Promise<IndexEntry[]> {
  const entries: IndexEntry[] = [];
  for await (const entry of store.index()) entries.push(entry);
  return entries;
}

/** Resolves once `condition` holds; fails after `timeoutMs` naming what it waited for. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Dials `to` from `from` over the memory transport. */
export async function connect(from: { libp2p: Libp2p }, to: { libp2p: Libp2p }): Promise<void> {
  await from.libp2p.dial(to.libp2p.getMultiaddrs());
}

/** Stops nodes: anti-entropy, libp2p, then the registry (closing its store). */
export async function stopPeers(peers: SyncPeer[]): Promise<void> {
  for (const peer of peers) {
    await peer.antiEntropy.stop();
    await peer.libp2p.stop();
    await peer.registry.close();
  }
}
