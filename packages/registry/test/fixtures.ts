/**
 * Shared test fixtures: a sample network loaded into a registry with a controllable clock, and
 * helpers to issue credentials and new list versions with real keys and real signatures.
 */
import * as assert from 'node:assert/strict';
import {
  createSampleNetwork,
  EXAMPLES_CONTEXT_V1_URL,
  issueStatusList,
  type KeyPair,
  MemoryRecordStore,
  type RecordStore,
  Registry,
  type RegistryOptions,
  type SampleNetwork,
  signCredential,
  verifyCredential,
  writeStatus,
} from '../src/index.ts';

/** A fixed start time, so tests never depend on the wall clock. */
export const T0 = Date.parse('2026-06-01T00:00:00Z');

/** A registry over a sample network, with a clock the test moves. */
export interface World {
  net: SampleNetwork;
  registry: Registry;
  store: RecordStore;
  clock: { now: number };
}

/** Builds a sample network and a registry holding all of it, with `options` (quotas, cache…) if given. */
export async function makeWorld(
  store: RecordStore = new MemoryRecordStore(),
  options: Partial<RegistryOptions> = {},
): Promise<World> {
  const clock = { now: T0 + 60_000 };
  const net = await createSampleNetwork({ now: new Date(T0) });
  const registry = await Registry.open(
    { ...options, networkId: net.networkId, genesisDigest: net.genesisDigest },
    { store, now: () => clock.now },
  );
  for (const record of net.records) {
    const outcome = await registry.submit(record);
    assert.equal(outcome.status, 'accept', outcome.status === 'accept' ? '' : JSON.stringify(outcome.error.toJSON()));
  }
  return { net, registry, store, clock };
}

/** Issues a credential with a revocation entry at `index` of `list`. */
export async function issueCredential(
  world: World,
  issuer: KeyPair,
  options: {
    type?: string;
    list?: string;
    index?: number;
    validFrom?: number;
    validUntil?: number;
    purpose?: string;
  } = {},
) {
  const list = options.list ?? world.net.lists.jpHealthInsurer;
  const credential: Record<string, unknown> = {
    '@context': ['https://www.w3.org/ns/credentials/v2', EXAMPLES_CONTEXT_V1_URL],
    id: `urn:uuid:${crypto.randomUUID()}`,
    type: ['VerifiableCredential', options.type ?? 'HealthInsuranceCredential'],
    issuer: issuer.did,
    validFrom: new Date(options.validFrom ?? T0 + 1000).toISOString(),
    credentialSubject: { id: 'did:example:holder', insuredNumber: '12345678' },
    credentialStatus: {
      id: `${list}#${options.index ?? 42}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: options.purpose ?? 'revocation',
      statusListIndex: String(options.index ?? 42),
      statusListCredential: list,
    },
  };
  if (options.validUntil !== undefined) credential.validUntil = new Date(options.validUntil).toISOString();
  return signCredential(credential, issuer, { documentLoader: world.net.documentLoader });
}

/** A new version of `listId` with the given entries set (or cleared), signed by `issuer`. */
export async function nextListVersion(
  world: World,
  issuer: KeyPair,
  listId: string,
  changes: Record<number, number>,
  options: { validFrom?: number; purpose?: string | string[] } = {},
) {
  const held = world.registry.statusList(listId);
  const bits = held ? new Uint8Array(held.list.bits) : new Uint8Array(131_072 / 8);
  for (const [index, value] of Object.entries(changes)) writeStatus(bits, Number(index), 1, value);
  world.clock.now += 1000;
  return issueStatusList(
    {
      issuer,
      id: listId,
      statusPurpose: options.purpose ?? 'revocation',
      bits,
      validFrom: new Date(options.validFrom ?? world.clock.now),
    },
    world.net.documentLoader,
  );
}

/** Verifies against the world's registry at its clock. */
export function verify(world: World, credential: unknown) {
  return verifyCredential(credential, {
    view: world.registry,
    documentLoader: world.registry.documentLoader,
    now: world.clock.now,
  });
}

/** Submits and asserts the outcome status and code. */
export async function expectOutcome(
  world: World,
  record: unknown,
  status: 'accept' | 'ignore' | 'reject',
  code?: string,
) {
  const outcome = await world.registry.submit(record);
  const detail =
    outcome.status === 'accept' ? `accepted ${outcome.value.kind}` : JSON.stringify(outcome.error.toJSON());
  assert.equal(outcome.status, status, detail);
  if (code && outcome.status !== 'accept') assert.equal(outcome.error.code, code, detail);
  return outcome;
}

/** Snapshot of everything stored, to prove a rejected input changed nothing. */
export async function snapshot(store: RecordStore) {
  const records: string[] = [];
  for await (const r of store.records()) records.push(`${r.key}@${r.digest}`);
  const evidence: string[] = [];
  for await (const e of store.evidence()) evidence.push(e.id);
  return { records, evidence, stats: await store.stats() };
}
