/**
 * The trust side of a simulation: a governance network (the registry's sample network: two
 * authorities), the scenario's issuers accredited by the agencies, one revocation list per issuer,
 * credentials issued against those lists, and optionally thousands of extra signed lists (cold-join).
 * Real keys and real signatures throughout: what the nodes validate is what production validates.
 *
 * The records every node starts with are validated once, in a template registry, and then copied
 * into each node's store as stored records — the same shortcut the anti-entropy benchmark takes:
 * each node would otherwise re-verify the same signatures N times before the run even starts.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetworkFile, type NetworkFile } from '@trustmesh/node';
import {
  canonicalBytes,
  createSampleNetwork,
  createStatusList,
  EXAMPLES_CONTEXT_V1_URL,
  exportKeyPair,
  generateKeyPair,
  importKeyPair,
  issueAccreditation,
  issueStatusList,
  type KeyPair,
  MemoryRecordStore,
  parseStatusListCredential,
  Registry,
  type SampleNetwork,
  type StoredRecord,
  sha256Hex,
  signCredential,
  statusListSlotKey,
  statusListVersion,
  writeStatus,
} from '@trustmesh/registry';

const STATUS_LIST_ENTRIES = 131_072;
const YEAR_MS = 365 * 24 * 3600 * 1000;

/** One issuer of the simulation. */
export interface SimIssuer {
  index: number;
  key: KeyPair;
  /** The issuer's revocation list (its id). */
  listId: string;
  /** Index of the agency (authority) that accredited it. */
  agency: number;
  /** Bits of the newest list version. */
  bits: Uint8Array;
  /** validFrom (ms) of the newest version: versions must strictly increase. */
  lastValidFrom: number;
  /** Credential indices revoked so far. */
  revoked: Set<number>;
}

/** A published revocation: one new version of an issuer's list. */
export interface Revocation {
  issuer: number;
  listId: string;
  /** Credential index revoked by this version. */
  credential: number;
  validFrom: number;
  record: Record<string, unknown>;
  bytes: Uint8Array;
}

/** Settings of {@link TrustWorld.create}. */
export interface TrustWorldOptions {
  seed: number;
  issuers: number;
  /** Agencies (authorities of the sample network accredit issuers in turn). */
  agencies: number;
  credentialsPerIssuer: number;
  /** Extra status lists every initial node holds (cold-join); cached on disk by seed. */
  preloadLists: number;
  /** Start of every validity period (ms). */
  now: number;
  /** Cache directory for pre-signed lists (default: the OS temp directory). */
  cacheDir?: string;
  /** Progress messages (signing thousands of lists takes a while). */
  log?: (message: string) => void;
}

interface PreloadCache {
  version: number;
  seed: number;
  count: number;
  startMs: number;
  keys: { jpAgency: unknown; twMinistry: unknown; jpHealthInsurer: unknown; twHealthInsurer: unknown };
  genesis: Record<string, unknown>;
  records: string[];
  lists: string[];
}

// 2: accreditations carry proofs of possession and list slots name their signing key (issue 9).
const CACHE_VERSION = 2;

/** Keys, records and credentials of one simulation. */
export class TrustWorld {
  readonly network: NetworkFile;
  readonly sample: SampleNetwork;
  readonly issuers: SimIssuer[];
  /** Records every initial node starts with, as a store holds them. */
  readonly baseRecords: StoredRecord[];
  private readonly credentials = new Map<string, Record<string, unknown>>();
  private readonly options: TrustWorldOptions;

  private constructor(
    options: TrustWorldOptions,
    sample: SampleNetwork,
    issuers: SimIssuer[],
    baseRecords: StoredRecord[],
  ) {
    this.options = options;
    this.sample = sample;
    this.network = createNetworkFile({
      networkId: sample.networkId,
      genesis: sample.genesis as unknown as Record<string, unknown>,
    });
    this.issuers = issuers;
    this.baseRecords = baseRecords;
  }

  /** Builds the world: keys, accreditations, lists; validates everything once in a template registry. */
  static async create(options: TrustWorldOptions): Promise<TrustWorld> {
    const { sample, preloaded, start } =
      options.preloadLists > 0
        ? await loadPreloaded(options)
        : { sample: await createSampleNetwork({ now: new Date(options.now) }), preloaded: [], start: options.now };
    const validFrom = new Date(start);
    const validUntil = new Date(start + YEAR_MS);
    const authorities = [
      { key: sample.keys.jpAgency, list: sample.lists.jpAgency, jurisdiction: 'JP' },
      { key: sample.keys.twMinistry, list: sample.lists.twMinistry, jurisdiction: 'TW' },
    ];
    const issuers: SimIssuer[] = [];
    const extra: Record<string, unknown>[] = [];
    for (let i = 0; i < options.issuers; i++) {
      const agency = i % options.agencies;
      const authority = authorities[agency % authorities.length]!;
      const key = await generateKeyPair('Ed25519');
      const listId = `https://status.example/sim/issuer-${i}/revocation`;
      extra.push(
        await issueAccreditation(
          {
            accreditor: authority.key,
            subject: key.did,
            role: 'issuer',
            accreditedFor: [{ types: ['HealthInsuranceCredential'], jurisdiction: authority.jurisdiction }],
            subjectKeys: [key],
            validFrom,
            validUntil,
            // Index 1000 + i of the authority's list: never revoked by the simulation.
            withdrawal: { statusListCredential: authority.list, statusListIndex: 1000 + i },
          },
          sample.documentLoader,
        ),
      );
      const bits = createStatusList(STATUS_LIST_ENTRIES);
      extra.push(
        await issueStatusList(
          { issuer: key, id: listId, statusPurpose: 'revocation', bits, validFrom },
          sample.documentLoader,
        ),
      );
      issuers.push({ index: i, key, listId, agency, bits, lastValidFrom: validFrom.getTime(), revoked: new Set() });
    }
    // The template registry validates everything once; its clock is the run's.
    const store = new MemoryRecordStore();
    const registry = await Registry.open(
      { networkId: sample.networkId, genesisDigest: sample.genesisDigest },
      { store, now: () => Math.max(Date.now(), start + 1000) },
    );
    for (const record of [...sample.records, ...extra]) {
      const outcome = await registry.submit(record);
      if (outcome.status !== 'accept')
        throw new Error(`world record refused: ${outcome.error.code}: ${outcome.error.message}`);
    }
    const baseRecords: StoredRecord[] = [];
    for (const kind of ['governance', 'accreditation', 'status-list'] as const) {
      for await (const record of store.records({ kind })) baseRecords.push(record);
    }
    await registry.close();
    baseRecords.push(...preloaded);
    return new TrustWorld(options, sample, issuers, baseRecords);
  }

  /** A signed credential of issuer `issuer` with status index `index` (signed on first use, then cached). */
  async credential(issuer: number, index: number): Promise<Record<string, unknown>> {
    const key = `${issuer}:${index}`;
    const cached = this.credentials.get(key);
    if (cached) return cached;
    const state = this.issuers[issuer]!;
    const credential = await signCredential(
      {
        '@context': ['https://www.w3.org/ns/credentials/v2', EXAMPLES_CONTEXT_V1_URL],
        id: `urn:uuid:sim-${issuer}-${index}`,
        type: ['VerifiableCredential', 'HealthInsuranceCredential'],
        issuer: state.key.did,
        validFrom: new Date(this.options.now).toISOString(),
        credentialSubject: { id: `did:example:holder-${issuer}-${index}`, insuredNumber: String(index) },
        credentialStatus: {
          id: `${state.listId}#${index}`,
          type: 'BitstringStatusListEntry',
          statusPurpose: 'revocation',
          statusListIndex: String(index),
          statusListCredential: state.listId,
        },
      },
      state.key,
      { documentLoader: this.sample.documentLoader },
    );
    this.credentials.set(key, credential);
    return credential;
  }

  /**
   * Revokes credential `credential` of `issuer`: a new list version with the bit set, dated `at` (or
   * 1 ms after the previous version, so versions strictly increase).
   */
  async revoke(issuer: number, credential: number, at: number): Promise<Revocation> {
    const state = this.issuers[issuer]!;
    writeStatus(state.bits, credential, 1, 1);
    state.revoked.add(credential);
    const validFrom = Math.max(at, state.lastValidFrom + 1);
    state.lastValidFrom = validFrom;
    const record = await issueStatusList(
      {
        issuer: state.key,
        id: state.listId,
        statusPurpose: 'revocation',
        bits: new Uint8Array(state.bits),
        validFrom: new Date(validFrom),
      },
      this.sample.documentLoader,
    );
    return { issuer, listId: state.listId, credential, validFrom, record, bytes: canonicalBytes(record) };
  }

  /**
   * A version of `issuer`'s list signed with the issuer's key and the same validFrom as its newest
   * version but different bits: the equivocation a compromised issuer key allows.
   */
  async equivocation(issuer: number, flip: number): Promise<Record<string, unknown>> {
    const state = this.issuers[issuer]!;
    const bits = new Uint8Array(state.bits);
    writeStatus(bits, flip, 1, 1);
    return issueStatusList(
      {
        issuer: state.key,
        id: state.listId,
        statusPurpose: 'revocation',
        bits,
        validFrom: new Date(state.lastValidFrom),
      },
      this.sample.documentLoader,
    );
  }
}

/** Signs (or reads from the cache) `preloadLists` lists of the sample network's two issuers. */
async function loadPreloaded(
  options: TrustWorldOptions,
): Promise<{ sample: SampleNetwork; preloaded: StoredRecord[]; start: number }> {
  const path = join(
    options.cacheDir ?? tmpdir(),
    `trustmesh-sim-lists-v${CACHE_VERSION}-seed${options.seed}-${options.preloadLists}.json`,
  );
  let cache: PreloadCache | null = null;
  if (existsSync(path)) {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as PreloadCache;
    // A cache older than half the validity period would expire during runs; regenerate.
    if (parsed.version === CACHE_VERSION && Date.now() - parsed.startMs < YEAR_MS / 2) cache = parsed;
  }
  if (!cache) cache = await generatePreloaded(options, path);
  const keys = {
    jpAgency: await importKeyPair(cache.keys.jpAgency),
    twMinistry: await importKeyPair(cache.keys.twMinistry),
    jpHealthInsurer: await importKeyPair(cache.keys.jpHealthInsurer),
    twHealthInsurer: await importKeyPair(cache.keys.twHealthInsurer),
  };
  // The sample network's shape, rebuilt around the cached keys and records.
  const fresh = await createSampleNetwork({ now: new Date(cache.startMs) });
  const sample: SampleNetwork = {
    ...fresh,
    genesis: cache.genesis as unknown as SampleNetwork['genesis'],
    genesisDigest: createNetworkFile({ networkId: fresh.networkId, genesis: cache.genesis }).genesisDigest,
    keys,
    records: cache.records.map((r) => JSON.parse(r) as Record<string, unknown>),
  };
  const utf8 = new TextEncoder();
  const preloaded = cache.lists.map((json): StoredRecord => {
    const bytes = utf8.encode(json);
    const list = parseStatusListCredential(JSON.parse(json));
    return {
      // Slot: list id + signing key; the sample network's issuers are did:keys, signing with their own key.
      key: statusListSlotKey(list.id, list.issuer.slice('did:key:'.length)),
      kind: 'status-list',
      digest: sha256Hex(bytes),
      version: statusListVersion(list),
      bytes,
      receivedAt: cache.startMs,
    };
  });
  return { sample, preloaded, start: cache.startMs };
}

async function generatePreloaded(options: TrustWorldOptions, path: string): Promise<PreloadCache> {
  const started = performance.now();
  const startMs = options.now;
  const sample = await createSampleNetwork({ now: new Date(startMs) });
  const issuers = [
    { key: sample.keys.jpHealthInsurer, base: 'https://status.example/lists/jp-health/bulk' },
    { key: sample.keys.twHealthInsurer, base: 'https://status.example/lists/tw-health/bulk' },
  ];
  const bits = createStatusList(STATUS_LIST_ENTRIES);
  const text = (record: unknown) => new TextDecoder().decode(canonicalBytes(record));
  const lists: string[] = [];
  for (let i = 0; i < options.preloadLists; i++) {
    const issuer = issuers[i % issuers.length]!;
    const record = await issueStatusList(
      {
        issuer: issuer.key,
        id: `${issuer.base}/${String(i).padStart(6, '0')}`,
        statusPurpose: 'revocation',
        bits,
        validFrom: new Date(startMs + 1000),
      },
      sample.documentLoader,
    );
    lists.push(text(record));
    if (i % 1000 === 999)
      options.log?.(
        `signed ${i + 1}/${options.preloadLists} lists (${((performance.now() - started) / 1000).toFixed(0)} s)`,
      );
  }
  const cache: PreloadCache = {
    version: CACHE_VERSION,
    seed: options.seed,
    count: options.preloadLists,
    startMs,
    keys: {
      jpAgency: exportKeyPair(sample.keys.jpAgency),
      twMinistry: exportKeyPair(sample.keys.twMinistry),
      jpHealthInsurer: exportKeyPair(sample.keys.jpHealthInsurer),
      twHealthInsurer: exportKeyPair(sample.keys.twHealthInsurer),
    },
    genesis: sample.genesis as unknown as Record<string, unknown>,
    records: sample.records.map(text),
    lists,
  };
  await writeFile(path, JSON.stringify(cache));
  options.log?.(`cached ${options.preloadLists} signed lists in ${path}`);
  return cache;
}
