/**
 * Two nodes' APIs over one sample network, for the VC-API conformance tests: an issuing node (issuer
 * mode with the Ed25519 key of jpHealthInsurer or the P-256 key of twHealthInsurer) and a verifying
 * node that holds its own replica. Every record the issuer publishes reaches both replicas, as gossip
 * would. Real keys, real signatures, real registries; requests go through fastify's `inject`.
 */
import * as assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createSampleNetwork,
  type KeyPair,
  MemoryRecordStore,
  Registry,
  type SampleNetwork,
} from '@trustmesh/registry';
import pino from 'pino';
import { type ApiServer, createApi, createMetrics, IssuerService, TokenStatusIssuer } from '../../src/api/index.ts';

/** Start of the sample network; the tests' clock starts a minute later. */
export const T0 = Date.parse('2026-06-01T00:00:00Z');
export const TOKEN = 'test-write-token-0123456789';
export const AUTH = { authorization: `Bearer ${TOKEN}` };

/** Which sample issuer the issuing node runs as, by cryptosuite. */
export const SUITES = [
  { cryptosuite: 'eddsa-rdfc-2022', party: 'jpHealthInsurer', base: 'https://jp-issuer.example' },
  { cryptosuite: 'ecdsa-rdfc-2019', party: 'twHealthInsurer', base: 'https://tw-issuer.example' },
] as const;

/** An issuing node and a verifying node. */
export interface VcApiWorld {
  net: SampleNetwork;
  clock: { now: number };
  issuerKey: KeyPair;
  issuing: { registry: Registry; api: ApiServer; issuer: IssuerService; tokenIssuer: TokenStatusIssuer };
  verifying: { registry: Registry; api: ApiServer };
  close(): Promise<void>;
}

/** A JSON response: status and parsed body. */
export interface JsonResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected field by field
  body: any;
}

async function openRegistry(net: SampleNetwork, clock: { now: number }): Promise<Registry> {
  const registry = await Registry.open(
    { networkId: net.networkId, genesisDigest: net.genesisDigest },
    { store: new MemoryRecordStore(), now: () => clock.now },
  );
  for (const record of net.records) assert.equal((await registry.submit(record)).status, 'accept');
  return registry;
}

function nodeInfo(net: SampleNetwork, peerId: string) {
  return { peerId, networkId: net.networkId, peers: () => [], syncState: () => ({ rounds: 0 }) };
}

/** Builds the two nodes; the issuing one signs as `party`. */
export async function makeVcApiWorld(
  party: 'jpHealthInsurer' | 'twHealthInsurer',
  base: string,
  net?: SampleNetwork,
): Promise<VcApiWorld> {
  const clock = { now: T0 + 60_000 };
  const network = net ?? (await createSampleNetwork({ now: new Date(T0) }));
  const now = () => clock.now;
  const issuingRegistry = await openRegistry(network, clock);
  const verifyingRegistry = await openRegistry(network, clock);
  const logger = pino({ level: 'silent' });
  const publish = async (record: object | Uint8Array) => {
    const outcome = await issuingRegistry.submit(record);
    await verifyingRegistry.submit(record);
    return outcome;
  };
  const dataDir = await mkdtemp(join(tmpdir(), 'trustmesh-vc-api-'));
  const issuerKey = network.keys[party];
  const issuer = await IssuerService.open(
    { publicBaseUrl: base, dataDir, suspensionListName: 'suspension' },
    { keyPair: issuerKey, registry: issuingRegistry, publish, now, logger },
  );
  const tokenIssuer = await TokenStatusIssuer.open(
    { publicBaseUrl: base, dataDir },
    { keyPair: issuerKey, registry: issuingRegistry, publish, now, logger },
  );
  const issuingApi = await createApi(
    { writeToken: TOKEN, publicBaseUrl: base, port: 0 },
    {
      registry: issuingRegistry,
      publish,
      node: nodeInfo(network, '12D3KooWIssuing'),
      issuer,
      tokenStatusIssuer: tokenIssuer,
      metrics: createMetrics({ processMetrics: false }),
      now,
      logger,
    },
  );
  const verifyingApi = await createApi(
    { writeToken: TOKEN, publicBaseUrl: 'https://verifier.example', port: 0 },
    {
      registry: verifyingRegistry,
      publish: (record) => verifyingRegistry.submit(record),
      node: nodeInfo(network, '12D3KooWVerifying'),
      metrics: createMetrics({ processMetrics: false }),
      now,
      logger,
    },
  );
  return {
    net: network,
    clock,
    issuerKey,
    issuing: { registry: issuingRegistry, api: issuingApi, issuer, tokenIssuer },
    verifying: { registry: verifyingRegistry, api: verifyingApi },
    async close() {
      await issuingApi.close();
      await tokenIssuer.close();
      await issuer.close();
      await verifyingApi.close();
      await issuingRegistry.close();
      await verifyingRegistry.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** POSTs JSON to one node's API. */
export async function post(
  api: ApiServer,
  url: string,
  payload: unknown,
  headers: Record<string, string> = {},
): Promise<JsonResponse> {
  const response = await api.app.inject({ method: 'POST', url, payload: payload as object, headers });
  return { status: response.statusCode, body: response.json() };
}
