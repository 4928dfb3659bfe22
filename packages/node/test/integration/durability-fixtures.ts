/**
 * Shared setup of the durability, clock and health tests (issue 10): whole nodes on LevelDB in
 * temporary directories over the in-memory transport, one of them in issuer mode with its HTTP API
 * (requests through fastify's inject), and helpers to read what each node holds.
 */
import * as assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createSampleNetwork,
  EXAMPLES_CONTEXT_V1_URL,
  LevelRecordStore,
  type LevelStoreModules,
  readStatus,
  type SampleNetwork,
} from '@trustmesh/registry';
import { createNetworkFile, type NetworkFile } from '../../src/network/network-file.ts';
import { TrustmeshNode, type TrustmeshNodeModules, type TrustmeshNodeOptions } from '../../src/trustmesh-node.ts';
import { waitFor } from '../helpers.ts';

export const TOKEN = 'durability-write-token-0123456789';
export const BASE = 'https://issuer.example';
export const REVOCATION = `${BASE}/status/revocation`;
export const SUSPENSION = `${BASE}/status/suspension`;

/** A small world: the sample network, temporary directories, and every node started (stopped at the end). */
export class World {
  sample!: SampleNetwork;
  network!: NetworkFile;
  private readonly dirs: string[] = [];
  private readonly running = new Set<TrustmeshNode>();

  static async create(now = Date.now()): Promise<World> {
    const world = new World();
    world.sample = await createSampleNetwork({ now: new Date(now - 60_000) });
    world.network = createNetworkFile({
      networkId: world.sample.networkId,
      genesis: world.sample.genesis as unknown as Record<string, unknown>,
    });
    return world;
  }

  async dir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'trustmesh-durability-'));
    this.dirs.push(dir);
    return dir;
  }

  /** Starts a node on LevelDB in `dataDir`; issuer mode (jpHealthInsurer's key) when `issuer`. */
  async start(
    dataDir: string,
    options: {
      issuer?: boolean;
      storeModules?: LevelStoreModules;
      suspension?: boolean;
      issuerOptions?: { startupSyncTimeoutMs?: number };
    } & Partial<TrustmeshNodeOptions> = {},
    modules: TrustmeshNodeModules = {},
  ): Promise<TrustmeshNode> {
    const { issuer, storeModules, suspension, issuerOptions, ...rest } = options;
    const node = await TrustmeshNode.create(
      {
        network: this.network,
        transport: 'memory',
        store: 'level',
        dataDir,
        ...(issuer
          ? {
              api: { port: 0, writeToken: TOKEN, publicBaseUrl: BASE },
              issuer: { ...(suspension ? { suspensionListName: 'suspension' } : {}), ...issuerOptions },
            }
          : {}),
        ...rest,
      },
      {
        ...(issuer ? { issuerKey: this.sample.keys.jpHealthInsurer } : {}),
        ...(storeModules ? { store: new LevelRecordStore({ location: join(dataDir, 'db') }, storeModules) } : {}),
        ...modules,
      },
    );
    this.running.add(node);
    return node;
  }

  async stop(node: TrustmeshNode): Promise<void> {
    await node.stop();
    this.running.delete(node);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.running].map((n) => n.stop()));
    await Promise.all(this.dirs.map((d) => rm(d, { recursive: true, force: true })));
  }

  /** Admits the sample network's records (beyond the genesis): setup, not the point under test. */
  async seed(node: TrustmeshNode): Promise<void> {
    for (const record of this.sample.records.slice(1)) {
      const outcome = await node.registry.submit(record);
      if (outcome.status !== 'accept' && outcome.error.code !== 'DUPLICATE') {
        throw new Error(`seed refused: ${outcome.error.code}`);
      }
    }
  }
}

/** Dials `b` from `a` and waits until each sees the other subscribed to the records topic. */
export async function link(a: TrustmeshNode, b: TrustmeshNode): Promise<void> {
  const address = b.multiaddrs()[0];
  assert.ok(address);
  await a.connect(address);
  await waitFor(
    () =>
      a.gossip.subscribers().some((p) => p.equals(b.peerId)) && b.gossip.subscribers().some((p) => p.equals(a.peerId)),
    'nodes subscribed to each other',
  );
}

/** An unsigned credential for the issuer mode. */
export function unsignedCredential(): Record<string, unknown> {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2', EXAMPLES_CONTEXT_V1_URL],
    id: `urn:uuid:${crypto.randomUUID()}`,
    type: ['VerifiableCredential', 'HealthInsuranceCredential'],
    credentialSubject: { id: 'did:example:holder', insuredNumber: '87654321' },
  };
}

/** POST through the node's API (fastify inject). */
export async function post(node: TrustmeshNode, url: string, payload: object) {
  assert.ok(node.api, 'the node runs its API');
  const response = await node.api.app.inject({
    method: 'POST',
    url,
    payload,
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  return { status: response.statusCode, body: response.json() as Record<string, unknown> };
}

/** GET /health through the node's API. */
export async function health(node: TrustmeshNode): Promise<{ status: string; warnings: string[] }> {
  assert.ok(node.api, 'the node runs its API');
  const response = await node.api.app.inject({ method: 'GET', url: '/health' });
  return response.json() as { status: string; warnings: string[] };
}

/** Issues a credential through the API; returns its id and revocation index. */
export async function issue(
  node: TrustmeshNode,
): Promise<{ id: string; index: number; status: number; body: Record<string, unknown> }> {
  const credential = unsignedCredential();
  const response = await post(node, '/credentials/issue', { credential });
  const entries = ((response.body.verifiableCredential as Record<string, unknown> | undefined)?.credentialStatus ??
    []) as { statusPurpose: string; statusListIndex: string }[];
  const list = Array.isArray(entries) ? entries : [entries];
  const index = Number(list.find((e) => e.statusPurpose === 'revocation')?.statusListIndex ?? -1);
  return { id: credential.id as string, index, status: response.status, body: response.body };
}

/** Sets a credential's status through the API. */
export function setStatus(node: TrustmeshNode, credentialId: string, status: 'revoked' | 'suspended' | 'active') {
  return post(node, '/credentials/status', {
    credentialId,
    credentialStatus: [{ type: 'BitstringStatusListEntry', status }],
  });
}

/** The value of entry `index` of list `id` as `node` holds it (issuer's slot), or null when not held. */
export function entry(node: TrustmeshNode, id: string, index: number): number | null {
  const held = node.registry.statusList(id);
  return held ? readStatus(held.list.bits, index, 1) : null;
}

/** Waits until every node holds entry `index` of list `id` set to `value`. */
export async function waitForEntry(
  nodes: TrustmeshNode[],
  id: string,
  index: number,
  value: number,
  what: string,
): Promise<void> {
  await waitFor(() => nodes.every((n) => entry(n, id, index) === value), what, { timeoutMs: 8_000 });
}
