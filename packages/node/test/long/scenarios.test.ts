/**
 * Whole-network scenarios of the node (issue 3, Tests): real TrustmeshNodes in one process over the
 * in-memory libp2p transport (Noise, Yamux, gossipsub), each on LevelDB in a temporary directory,
 * with real signed records.
 *
 * a. Accredit a new issuer on A, issue over A's HTTP API, verify on E over E's HTTP API; revoke on A,
 *    E answers revoked (gossip only: anti-entropy's timer is off).
 * b. Partition a ring into halves with a connection gater, revoke on each side, heal: every node
 *    converges to one state through gossip and anti-entropy, nobody re-publishing.
 * c. Stop a node, make 1,000 changes, restart it from its LevelDB directory: it catches up completely.
 * d. A misbehaving peer floods forged, rolled-back, oversized and malformed records: nothing is stored
 *    or forwarded, its score falls, and an honest update still reaches everyone.
 *
 * Every wait is a condition with a deadline; nothing sleeps for a fixed time.
 */
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ConnectionGater, PeerId } from '@libp2p/interface';
import {
  canonicalBytes,
  createSampleNetwork,
  EXAMPLES_CONTEXT_V1_URL,
  generateKeyPair,
  type IndexEntry,
  issueAccreditation,
  issueStatusList,
  type KeyPair,
  LevelRecordStore,
  type SampleNetwork,
  sha256Hex,
  signCredential,
  statusListSlotKey,
  verifyCredential,
  writeStatus,
} from '@trustmesh/registry';
import {
  defaultRecordGossipsubOptions,
  RECORD_SCORE_THRESHOLDS,
  recordGossipsubInit,
} from '../../src/gossip/gossipsub-config.ts';
import { createLibp2pNode, type TrustmeshLibp2p } from '../../src/network/libp2p.ts';
import { createNetworkFile, type NetworkFile } from '../../src/network/network-file.ts';
import { TrustmeshNode, type TrustmeshNodeModules, type TrustmeshNodeOptions } from '../../src/trustmesh-node.ts';
import { waitFor } from '../helpers.ts';

const TOKEN = 'scenario-write-token-0123456789';
const YEAR = 365 * 24 * 3600 * 1000;
/** Start of the sample network's validity: a little in the past, so versions dated after it are not in the future. */
const START = Date.now() - 10 * 60_000;

let sample: SampleNetwork;
let network: NetworkFile;
const dirs: string[] = [];
const running: { stop(): Promise<void> | void }[] = [];
const names = new Map<TrustmeshNode, string>();

before(async () => {
  sample = await createSampleNetwork({ now: new Date(START) });
  network = createNetworkFile({
    networkId: sample.networkId,
    genesis: sample.genesis as unknown as Record<string, unknown>,
  });
});

after(async () => {
  await Promise.allSettled(running.map(async (n) => n.stop()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'trustmesh-scenario-'));
  dirs.push(dir);
  return dir;
}

/** Starts a node on LevelDB in `dataDir` (a new temporary directory by default) over the memory transport. */
async function startNode(
  name: string,
  options: Partial<TrustmeshNodeOptions> = {},
  modules: TrustmeshNodeModules = {},
): Promise<TrustmeshNode> {
  const dataDir = options.dataDir ?? (await tempDir());
  const node = await TrustmeshNode.create(
    { network, transport: 'memory', store: 'level', ...options, dataDir },
    modules,
  );
  running.push(node);
  names.set(node, name);
  return node;
}

const nameOf = (node: TrustmeshNode) => names.get(node) ?? node.peerId.toString();

/** Admits the sample network's records (beyond the genesis) directly: setup, not the point under test. */
async function seed(node: TrustmeshNode): Promise<void> {
  for (const record of sample.records.slice(1)) {
    const outcome = await node.registry.submit(record);
    if (outcome.status !== 'accept' && outcome.error.code !== 'DUPLICATE')
      throw new Error(`seed refused: ${outcome.error.code}`);
  }
}

function inMesh(a: TrustmeshNode, b: TrustmeshNode): boolean {
  // getMeshPeers is public on gossipsub's class but not on its exported interface.
  const pubsub = a.libp2p.services.pubsub as unknown as { getMeshPeers(topic: string): string[] };
  return pubsub.getMeshPeers(a.gossip.topic).includes(b.peerId.toString());
}

/** Dials `b` from `a` and waits until each has the other in its gossipsub mesh. */
async function link(a: TrustmeshNode, b: TrustmeshNode): Promise<void> {
  const address = b.multiaddrs()[0];
  assert.ok(address, `${nameOf(b)} has no listen address`);
  await a.connect(address);
  await waitFor(() => inMesh(a, b) && inMesh(b, a), `${nameOf(a)} and ${nameOf(b)} in each other's mesh`);
}

/** The node's sync set: every (slot, digest) it holds, in key order. */
const indexOf = (node: TrustmeshNode): IndexEntry[] => node.syncIndex.snapshot().entries();
const sameIndex = (a: TrustmeshNode, b: TrustmeshNode) => JSON.stringify(indexOf(a)) === JSON.stringify(indexOf(b));
const listDigest = (node: TrustmeshNode, listId: string) => node.registry.statusList(listId)?.digest ?? null;
/** The content address the registry gives a record: SHA-256 of its canonical bytes. */
const digestOf = (record: object) => sha256Hex(canonicalBytes(record));

/** A new version of `listId` (as `holder` holds it) with `set` bits set and `clear` bits cleared. */
async function nextVersion(
  holder: TrustmeshNode,
  issuer: KeyPair,
  listId: string,
  validFrom: number,
  change: { set?: number[]; clear?: number[] },
): Promise<Record<string, unknown>> {
  const held = holder.registry.statusList(listId);
  assert.ok(held, `${nameOf(holder)} holds ${listId}`);
  const bits = new Uint8Array(held.list.bits);
  for (const index of change.set ?? []) writeStatus(bits, index, 1, 1);
  for (const index of change.clear ?? []) writeStatus(bits, index, 1, 0);
  return issueStatusList(
    { issuer, id: listId, statusPurpose: 'revocation', bits, validFrom: new Date(validFrom) },
    sample.documentLoader,
  );
}

/** A credential of `issuer` with a revocation entry at `index` of `listId`, signed outside any node. */
function credentialOn(issuer: KeyPair, listId: string, index: number): Promise<Record<string, unknown>> {
  return signCredential(
    {
      '@context': ['https://www.w3.org/ns/credentials/v2', EXAMPLES_CONTEXT_V1_URL],
      id: `urn:uuid:${crypto.randomUUID()}`,
      type: ['VerifiableCredential', 'HealthInsuranceCredential'],
      issuer: issuer.did,
      validFrom: new Date(START + 1000).toISOString(),
      credentialSubject: { id: 'did:example:holder', insuredNumber: '12345678' },
      credentialStatus: {
        id: `${listId}#${index}`,
        type: 'BitstringStatusListEntry',
        statusPurpose: 'revocation',
        statusListIndex: String(index),
        statusListCredential: listId,
      },
    },
    issuer,
    { documentLoader: sample.documentLoader },
  );
}

/** Error codes of verifying `credential` against `node`'s replica ([] when verified). */
async function verifyOn(node: TrustmeshNode, credential: unknown): Promise<string[]> {
  const result = await verifyCredential(credential, {
    view: node.registry,
    documentLoader: node.registry.documentLoader,
    now: Date.now(),
  });
  return result.verified ? [] : result.checks.filter((c) => c.outcome !== 'pass').map((c) => c.code ?? c.check);
}

/** The base URL of a node's HTTP API (listening on 127.0.0.1, port 0). */
function apiUrl(node: TrustmeshNode): string {
  const address = node.api?.app.server.address();
  assert.ok(address && typeof address === 'object', `${nameOf(node)} has no HTTP API listening`);
  return `http://127.0.0.1:${address.port}`;
}

/** A JSON POST over real HTTP. */
async function post(
  base: string,
  path: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; body: Record<string, unknown> & { [key: string]: unknown } }> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/**
 * A network partition: a libp2p connection gater per node that, while the partition is active,
 * refuses dials and connections between nodes on different sides.
 */
class Partition {
  private readonly sides = new Map<string, number>();
  private active = false;

  /** The gater of one node; `self` names the node once it exists. */
  gater(self: () => PeerId | undefined): ConnectionGater {
    const deny = (peer: PeerId) => this.separates(self(), peer);
    return { denyDialPeer: deny, denyInboundEncryptedConnection: deny, denyOutboundEncryptedConnection: deny };
  }

  /** Activates the partition and hangs up every connection that crosses it. */
  async split(sides: TrustmeshNode[][]): Promise<void> {
    this.sides.clear();
    sides.forEach((nodes, side) => {
      for (const node of nodes) this.sides.set(node.peerId.toString(), side);
    });
    this.active = true;
    const all = sides.flat();
    for (const node of all) {
      for (const other of all) if (this.separates(node.peerId, other.peerId)) await node.libp2p.hangUp(other.peerId);
    }
    await waitFor(
      () => all.every((n) => n.libp2p.getConnections().every((c) => !this.separates(n.peerId, c.remotePeer))),
      'no connection crosses the partition',
    );
  }

  heal(): void {
    this.active = false;
  }

  private separates(a: PeerId | undefined, b: PeerId): boolean {
    if (!this.active || !a) return false;
    const sideA = this.sides.get(a.toString());
    const sideB = this.sides.get(b.toString());
    return sideA !== undefined && sideB !== undefined && sideA !== sideB;
  }
}

/** A node whose gater follows `partition`. */
async function startPartitionedNode(
  name: string,
  partition: Partition,
  options: Partial<TrustmeshNodeOptions>,
): Promise<TrustmeshNode> {
  const holder: { node?: TrustmeshNode } = {};
  const node = await startNode(name, options, { connectionGater: partition.gater(() => holder.node?.peerId) });
  holder.node = node;
  return node;
}

describe('network scenarios', () => {
  it('a: an issuer accredited on A issues and revokes over HTTP; E verifies, then answers revoked', async (t) => {
    const issuerKey = await generateKeyPair('Ed25519');
    const publicBaseUrl = 'https://issuer-a.example';
    const listId = `${publicBaseUrl}/status/revocation`;
    // Anti-entropy only at connection time, before the issuer exists: what E learns later, gossip brought.
    const sync = { intervalMs: 0 };
    const a = await startNode(
      'A',
      { sync, api: { port: 0, writeToken: TOKEN, publicBaseUrl }, issuer: {} },
      { issuerKey },
    );
    const [b, c, d] = await Promise.all([startNode('B', { sync }), startNode('C', { sync }), startNode('D', { sync })]);
    const e = await startNode('E', { sync, api: { port: 0 } });
    const nodes = [a, b, c, d, e];
    for (const node of nodes) await seed(node);
    // A line with a chord: E is three hops from A (A–B–D–E).
    await link(a, b);
    await link(b, c);
    await link(c, d);
    await link(d, e);
    await link(b, d);
    const [aUrl, eUrl] = [apiUrl(a), apiUrl(e)];

    // A new issuer, accredited by a governance authority, published through A's write API.
    const accreditation = await issueAccreditation(
      {
        accreditor: sample.keys.jpAgency,
        subject: issuerKey.did,
        role: 'issuer',
        accreditedFor: [{ types: ['HealthInsuranceCredential'], jurisdiction: 'JP' }],
        subjectKeys: [issuerKey],
        validFrom: new Date(START),
        validUntil: new Date(START + YEAR),
      },
      sample.documentLoader,
    );
    assert.equal((await post(aUrl, '/records', accreditation)).status, 401, 'writes need the token');
    const published = await post(aUrl, '/records', accreditation, TOKEN);
    assert.equal(published.status, 202, JSON.stringify(published.body));

    // Issuer mode signs, allocates a random index and publishes the issuer's (empty) list.
    const issued = await post(
      aUrl,
      '/credentials/issue',
      {
        credential: {
          '@context': ['https://www.w3.org/ns/credentials/v2', EXAMPLES_CONTEXT_V1_URL],
          id: `urn:uuid:${crypto.randomUUID()}`,
          type: ['VerifiableCredential', 'HealthInsuranceCredential'],
          credentialSubject: { id: 'did:example:holder', insuredNumber: '87654321' },
        },
      },
      TOKEN,
    );
    assert.equal(issued.status, 201, JSON.stringify(issued.body));
    const credential = issued.body.verifiableCredential as Record<string, unknown> & {
      id: string;
      credentialStatus: { statusListCredential: string }[] | { statusListCredential: string };
    };
    const entries = [credential.credentialStatus].flat();
    assert.deepEqual(
      entries.map((s) => s.statusListCredential),
      [listId],
    );

    await waitFor(
      () => e.registry.accreditationsOf(issuerKey.did).length === 1 && e.registry.statusList(listId) !== null,
      'E holds the new accreditation and list',
    );
    const valid = await post(eUrl, '/credentials/verify', { verifiableCredential: credential });
    assert.equal(valid.status, 200, JSON.stringify(valid.body));
    assert.equal(valid.body.verified, true);

    const revoked = await post(
      aUrl,
      '/credentials/status',
      { credentialId: credential.id, credentialStatus: [{ type: 'BitstringStatusListEntry', status: 'revoked' }] },
      TOKEN,
    );
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    const [update] = revoked.body.updates as { validFrom: string; changed: boolean }[];
    assert.ok(update?.changed);
    const revokedAt = Date.parse(update.validFrom);
    await waitFor(() => e.registry.statusList(listId)?.list.validFrom === revokedAt, 'E holds the revoking version');
    const answer = await post(eUrl, '/credentials/verify', { verifiableCredential: credential });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.verified, false);
    assert.deepEqual(
      (answer.body.errors as { code: string }[]).map((x) => x.code),
      ['CREDENTIAL_REVOKED'],
    );

    // Gossip carried it: E accepted the accreditation and both list versions from the topic, and
    // anti-entropy admitted nothing on E.
    const gossip = e.counters();
    assert.equal(gossip.accepted.accreditation, 1);
    assert.equal(gossip.accepted['status-list'], 2);
    assert.deepEqual(gossip.rejected, {});
    const antiEntropy = e.sync.counters();
    assert.equal(antiEntropy.pulled.accept + antiEntropy.pushedIn.accept, 0);
    await waitFor(() => nodes.every((n) => sameIndex(n, a)), 'every node holds the same records');
    t.diagnostic(`E verified over HTTP at ${eUrl}; revocation reached E three hops away by gossip`);
  });

  it('b: a partition into halves, one revocation on each side, then a heal: every node converges', async (t) => {
    const partition = new Partition();
    // Periodic anti-entropy every second (minRoundIntervalMs lowered to match): after the heal only
    // the nodes at the cut talk to the other side; the others catch up from their neighbours.
    const sync = { intervalMs: 1_000, minRoundIntervalMs: 250 };
    const nodes = await Promise.all(
      ['A', 'B', 'C', 'D', 'E', 'F'].map((name) => startPartitionedNode(name, partition, { sync })),
    );
    const [a, b, c, d, e, f] = nodes as [
      TrustmeshNode,
      TrustmeshNode,
      TrustmeshNode,
      TrustmeshNode,
      TrustmeshNode,
      TrustmeshNode,
    ];
    for (const node of nodes) await seed(node);
    // A ring A–B–C–D–E–F–A; the halves {A, B, C} and {D, E, F} meet at C–D and F–A.
    for (const [x, y] of [
      [a, b],
      [b, c],
      [c, d],
      [d, e],
      [e, f],
      [f, a],
    ] as const)
      await link(x, y);
    const left = [a, b, c];
    const right = [d, e, f];

    const { jpHealthInsurer, twHealthInsurer } = sample.keys;
    const { jpHealthInsurer: jpList, twHealthInsurer: twList } = sample.lists;
    const jpCredential = await credentialOn(jpHealthInsurer, jpList, 101);
    const twCredential = await credentialOn(twHealthInsurer, twList, 202);
    for (const node of nodes) {
      assert.deepEqual(await verifyOn(node, jpCredential), [], `${nameOf(node)} verifies the JP credential`);
      assert.deepEqual(await verifyOn(node, twCredential), [], `${nameOf(node)} verifies the TW credential`);
    }

    await partition.split([left, right]);
    const jpRevocation = await nextVersion(a, jpHealthInsurer, jpList, START + 5_000, { set: [101] });
    const twRevocation = await nextVersion(d, twHealthInsurer, twList, START + 6_000, { set: [202] });
    assert.equal((await a.submitAndPublish(jpRevocation)).status, 'accept');
    assert.equal((await d.submitAndPublish(twRevocation)).status, 'accept');
    const jpDigest = digestOf(jpRevocation);
    const twDigest = digestOf(twRevocation);
    await waitFor(
      () =>
        left.every((n) => listDigest(n, jpList) === jpDigest) && right.every((n) => listDigest(n, twList) === twDigest),
      'each side holds its own revocation',
    );
    // Each side sees only its own.
    for (const node of left) {
      assert.notEqual(listDigest(node, twList), twDigest);
      assert.deepEqual(await verifyOn(node, jpCredential), ['CREDENTIAL_REVOKED'], nameOf(node));
      assert.deepEqual(await verifyOn(node, twCredential), [], nameOf(node));
    }
    for (const node of right) {
      assert.notEqual(listDigest(node, jpList), jpDigest);
      assert.deepEqual(await verifyOn(node, jpCredential), [], nameOf(node));
      assert.deepEqual(await verifyOn(node, twCredential), ['CREDENTIAL_REVOKED'], nameOf(node));
    }

    partition.heal();
    const healedAt = performance.now();
    await link(c, d);
    await link(f, a);
    await waitFor(
      () =>
        nodes.every((n) => listDigest(n, jpList) === jpDigest && listDigest(n, twList) === twDigest) &&
        nodes.every((n) => sameIndex(n, a)),
      'every node holds both revocations and the same records',
      { timeoutMs: 30_000 },
    );
    const convergedMs = performance.now() - healedAt;
    for (const node of nodes) {
      assert.deepEqual(await verifyOn(node, jpCredential), ['CREDENTIAL_REVOKED'], nameOf(node));
      assert.deepEqual(await verifyOn(node, twCredential), ['CREDENTIAL_REVOKED'], nameOf(node));
      assert.deepEqual(node.counters().rejected, {}, `${nameOf(node)} rejected nothing`);
    }
    // The origins published once each; a node that pulled the other side's revocation through
    // anti-entropy re-announced it on gossip (a repair), so each node published at most both once.
    const published = nodes.map((n) => n.counters().published);
    assert.ok(published[0]! >= 1 && published[3]! >= 1, `origins published: ${published.join(', ')}`);
    assert.ok(
      published.every((p) => p <= 2),
      `no node published a record more than once: ${published.join(', ')}`,
    );
    const bySync = nodes.map((n) => {
      const s = n.sync.counters();
      return `${nameOf(n)} ${s.pulled.accept + s.pushedIn.accept}`;
    });
    t.diagnostic(
      `converged ${Math.round(convergedMs)} ms after the heal; records admitted by anti-entropy: ${bySync.join(', ')}`,
    );
  });

  it('c: a node stopped through 1,000 changes restarts from its LevelDB directory and catches up completely', async (t) => {
    // Catch-up must come from the round at reconnection, not from a timer.
    const sync = { intervalMs: 0 };
    const a = await startNode('A', { sync });
    const b = await startNode('B', { sync });
    const cDir = await tempDir();
    let c = await startNode('C', { sync, dataDir: cDir });
    for (const node of [a, b, c]) await seed(node);
    await link(a, b);
    await link(b, c);
    const cPeerId = c.peerId.toString();
    const cIndex = indexOf(c);
    await c.stop();

    // 1,000 changes: 100 new lists per issuer, each published in 5 versions (the first creates the
    // list, each later one revokes one more entry), A publishing the JP lists and B the TW lists.
    const issuers = [
      { key: sample.keys.jpHealthInsurer, origin: a, prefix: 'https://status.example/lists/bulk/jp' },
      { key: sample.keys.twHealthInsurer, origin: b, prefix: 'https://status.example/lists/bulk/tw' },
    ];
    const LISTS = 100;
    const VERSIONS = 5;
    const bits = issuers.map(() => Array.from({ length: LISTS }, () => new Uint8Array(131_072 / 8)));
    const started = performance.now();
    let changes = 0;
    for (let v = 0; v < VERSIONS; v++) {
      for (let i = 0; i < LISTS; i++) {
        await Promise.all(
          issuers.map(async ({ key, origin, prefix }, k) => {
            const list = bits[k]![i]!;
            writeStatus(list, v * LISTS + i, 1, 1);
            const record = await issueStatusList(
              {
                issuer: key,
                id: `${prefix}/${i}`,
                statusPurpose: 'revocation',
                bits: list,
                validFrom: new Date(START + 60_000 + v * 1000),
              },
              sample.documentLoader,
            );
            const outcome = await origin.submitAndPublish(record);
            assert.equal(outcome.status, 'accept', JSON.stringify(outcome));
            changes++;
          }),
        );
      }
    }
    assert.equal(changes, 1000);
    await waitFor(() => sameIndex(a, b), 'A and B hold the same records', { timeoutMs: 60_000 });
    const publishedMs = performance.now() - started;
    assert.equal(indexOf(a).length, cIndex.length + 2 * LISTS);

    c = await startNode('C', { sync, dataDir: cDir });
    assert.equal(c.peerId.toString(), cPeerId, 'same data directory, same peer id');
    assert.deepEqual(indexOf(c), cIndex, 'same data directory, same records');
    const restartedAt = performance.now();
    await link(c, a);
    await waitFor(() => sameIndex(c, a), 'C holds what A holds', { timeoutMs: 30_000 });
    const caughtUpMs = performance.now() - restartedAt;
    for (const { prefix } of issuers) {
      for (let i = 0; i < LISTS; i++) {
        assert.equal(
          c.registry.statusList(`${prefix}/${i}`)?.list.validFrom,
          START + 60_000 + (VERSIONS - 1) * 1000,
          `C holds the last version of ${prefix}/${i}`,
        );
      }
    }
    const syncCounters = c.sync.counters();
    assert.ok(syncCounters.pulled.accept > 0, JSON.stringify(syncCounters));
    assert.equal(syncCounters.pulled.reject, 0);

    // What is on disk agrees: reopen the three LevelDB stores and compare their indexes.
    await Promise.all([a.stop(), b.stop(), c.stop()]);
    const onDisk = async (node: TrustmeshNode) => {
      assert.ok(node.options.dataDir);
      const store = new LevelRecordStore({ location: join(node.options.dataDir, 'db') });
      await store.open();
      const entries: IndexEntry[] = [];
      for await (const entry of store.index()) entries.push(entry);
      await store.close();
      return entries;
    };
    const [diskA, diskB, diskC] = [await onDisk(a), await onDisk(b), await onDisk(c)];
    assert.equal(diskA.length, cIndex.length + 2 * LISTS);
    assert.deepEqual(diskB, diskA);
    assert.deepEqual(diskC, diskA);
    t.diagnostic(
      `1,000 changes published and replicated to B in ${Math.round(publishedMs)} ms; C caught up in ${Math.round(caughtUpMs)} ms ` +
        `(${syncCounters.rounds.completed} round(s), ${syncCounters.pulled.accept} records pulled, ` +
        `${syncCounters.bytesSent + syncCounters.bytesReceived} bytes; gossip accepted ${c.counters().accepted['status-list'] ?? 0})`,
    );
  });

  it('d: a misbehaving peer’s flood is neither stored nor forwarded, its score falls, honest updates get through', async (t) => {
    const sync = { intervalMs: 0 };
    const [a, b, c] = await Promise.all([startNode('A', { sync }), startNode('B', { sync }), startNode('C', { sync })]);
    const honest = [a, b, c];
    for (const node of honest) await seed(node);
    await link(a, b);
    await link(b, c);

    // The attacker: a bare libp2p host with gossipsub on the records topic and no validator, connected
    // to B only, publishing through its own pubsub.
    const topic = a.gossip.topic;
    const attacker: TrustmeshLibp2p = await createLibp2pNode({
      transport: 'memory',
      gossipsub: recordGossipsubInit({ ...defaultRecordGossipsubOptions, topic }),
    });
    running.push(attacker);
    attacker.services.pubsub.subscribe(topic);
    const address = b.multiaddrs()[0];
    assert.ok(address);
    await attacker.dial(address);
    await waitFor(
      () =>
        b.gossip.subscribers().some((p) => p.equals(attacker.peerId)) &&
        attacker.services.pubsub.getSubscribers(topic).some((p) => p.equals(b.peerId)),
      'attacker and B subscribed to each other',
    );

    const { jpHealthInsurer } = sample.keys;
    const jpList = sample.lists.jpHealthInsurer;
    // An honest revocation first, so that there is a revoked bit to roll back.
    const revoking = await nextVersion(a, jpHealthInsurer, jpList, START + 5_000, { set: [9] });
    assert.equal((await a.submitAndPublish(revoking)).status, 'accept');
    const revokingDigest = digestOf(revoking);
    await waitFor(() => honest.every((n) => listDigest(n, jpList) === revokingDigest), 'every honest node holds v2');
    const before = indexOf(a);
    for (const node of honest) assert.deepEqual(indexOf(node), before);

    const wrongKey = await generateKeyPair('Ed25519');
    let nonce = 0;
    /** A newer version of the JP list claiming the accredited issuer, signed by another key. */
    const forged = async () => {
      const genuine = await nextVersion(a, wrongKey, jpList, START + 20_000 + ++nonce, { set: [500 + nonce] });
      const { proof: _proof, ...unsigned } = genuine;
      return signCredential({ ...unsigned, issuer: jpHealthInsurer.did }, wrongKey, {
        documentLoader: sample.documentLoader,
      });
    };
    /** A newer version validly signed by the issuer that clears the revoked bit 9. */
    const rolledBack = () =>
      nextVersion(a, jpHealthInsurer, jpList, START + 20_000 + ++nonce, { clear: [9], set: [700 + nonce] });
    const oversized = () => {
      const bytes = new Uint8Array(defaultRecordGossipsubOptions.maxMessageBytes + 8 * 1024).fill(0x20);
      bytes.set(randomBytes(32));
      return bytes;
    };
    const malformed = () => [
      randomBytes(200),
      new TextEncoder().encode(`{"type":"BitstringStatusListCredential","n":${++nonce},`),
      new TextEncoder().encode(`${'['.repeat(64)}${++nonce}${']'.repeat(64)}`),
      canonicalBytes({ type: 'NotARecord', n: ++nonce }),
      canonicalBytes({
        type: ['VerifiableCredential', 'BitstringStatusListCredential'],
        pad: 'x'.repeat(300 * 1024),
        n: ++nonce,
      }),
    ];
    const bytes = (record: object) => canonicalBytes(record);
    const send = async (message: Uint8Array) => {
      try {
        await attacker.services.pubsub.publish(topic, message);
      } catch {
        // Once B stops listening the attacker may have nobody to publish to; the flood goes on.
      }
    };

    // The first wave: a real older version (a replay), then one of each reject-worthy kind. Four
    // rejects take the attacker past the graylist threshold; wait until B has judged them all.
    const stale = sample.records.find((r) => r.id === jpList);
    assert.ok(stale);
    await send(bytes(stale));
    await send(bytes(await forged()));
    await send(bytes(await rolledBack()));
    await send(oversized());
    await send(malformed()[0]!);
    await waitFor(() => {
      const { rejected, ignored } = b.counters();
      return (
        (ignored.STATUS_LIST_STALE ?? 0) >= 1 &&
        Object.keys(rejected).some((code) => code.startsWith('PROOF_')) &&
        (rejected.STATUS_LIST_ROLLBACK ?? 0) >= 1 &&
        (rejected.GOSSIP_MESSAGE_TOO_LARGE ?? 0) >= 1 &&
        (rejected.RECORD_NOT_JSON ?? 0) >= 1
      );
    }, 'B judged the first wave');
    // Gossipsub caches scores for up to a decay interval (1 s), so the fall shows shortly after.
    const scoreAtB = () => b.gossip.peerScore(attacker.peerId) ?? 0;
    await waitFor(
      () => scoreAtB() < RECORD_SCORE_THRESHOLDS.graylistThreshold,
      'the attacker’s score at B falls below the graylist threshold',
      { timeoutMs: 5_000 },
    );
    const score = scoreAtB();

    // The flood goes on, and an honest update is published in the middle of it.
    const honestUpdate = await nextVersion(a, jpHealthInsurer, jpList, START + 10_000, { set: [10] });
    const honestDigest = digestOf(honestUpdate);
    let sent = 5;
    for (let round = 0; round < 40; round++) {
      if (round === 20) assert.equal((await a.submitAndPublish(honestUpdate)).status, 'accept');
      const wave = [bytes(await forged()), bytes(await rolledBack()), ...malformed()];
      if (round % 10 === 0) wave.push(oversized());
      for (const message of wave) await send(message);
      sent += wave.length;
    }
    await waitFor(
      () => honest.every((n) => listDigest(n, jpList) === honestDigest),
      'the honest update reached everyone',
    );

    // The premise of "not forwarded": A and C never had a connection to the attacker.
    for (const node of [a, c]) assert.equal(node.libp2p.getConnections(attacker.peerId).length, 0, nameOf(node));

    // Cut the attacker off and let B finish whatever it had read, then compare what is stored.
    await attacker.stop();
    await waitFor(() => b.libp2p.getConnections(attacker.peerId).length === 0, 'attacker disconnected');
    await new Promise((resolve) => setImmediate(resolve));
    await b.registry.submit(sample.genesis); // the admission queue is FIFO: this settles after the flood
    const expected = before.map((entry) =>
      entry.key === statusListSlotKey(jpList, sample.keys.jpHealthInsurer.publicKeyMultibase)
        ? { key: entry.key, digest: honestDigest }
        : entry,
    );
    for (const node of honest)
      assert.deepEqual(indexOf(node), expected, `${nameOf(node)} stored only the honest update`);
    assert.deepEqual(await b.registry.evidence(), [], 'no evidence was fabricated');

    // Not forwarded: A and C, not connected to the attacker, never judged any of it.
    for (const node of [a, c]) {
      assert.deepEqual(node.counters().rejected, {}, nameOf(node));
      assert.deepEqual(node.counters().ignored, {}, nameOf(node));
    }
    assert.equal(c.counters().accepted['status-list'], 2, 'C accepted exactly the two honest versions');
    const judged = b.counters();
    const rejects = Object.values(judged.rejected).reduce((s, n) => s + n, 0);
    t.diagnostic(
      `attacker sent ${sent} messages; B rejected ${rejects} (${JSON.stringify(judged.rejected)}), ignored ${JSON.stringify(judged.ignored)}, ` +
        `dropped the rest unread once the attacker's score reached ${score.toFixed(0)} (graylist < ${RECORD_SCORE_THRESHOLDS.graylistThreshold})`,
    );
  });
});
