/**
 * The registry: replicated state (governance, accreditations, status lists, evidence) over a
 * RecordStore, with one admission pipeline for every record and an in-memory index that verification
 * reads. A node is a relay and a cache, never a source of trust: everything admitted was validated
 * first, and every change is persisted in one atomic batch before it becomes visible.
 */
import { allowListOf, checkDocumentContexts, type PinnedContext } from './crypto/context-allow-list.ts';
import { createDocumentLoader } from './crypto/document-loader.ts';
import type { ControllerDocument, DidResolver, VerificationMethodDocument } from './crypto/types.ts';
import { outcomeOf, storeFault, type ValidationOutcome } from './errors.ts';
import { kindModule } from './kinds/index.ts';
import { DEFAULT_INPUT_LIMITS, type InputLimits, statusListEntryCap } from './limits.ts';
import type { ParsedAccreditation } from './records/accreditation.ts';
import type { ParsedGovernance } from './records/governance.ts';
import { withBitsSource } from './records/status-list-credential.ts';
import { decodeStatusList, inflatedSizeOf } from './status-list/codec.ts';
import { DecodedListCache } from './status-list/decoded-cache.ts';
import { JoseListIndex } from './status-list/jose-list-index.ts';
import type { EvidenceRecord, RecordStore, StoredRecord } from './store/types.ts';
import type { Admission, DocumentLoader, StatusListQuotas, ValidationContext } from './validation/context.ts';
import { pinnedKeyDocument, pinnedKeysOf, proofMethodOf } from './validation/pinned-keys.ts';
import { statusListSigner } from './validation/status-list.ts';
import { readStoredRecord, readSubmittedRecord } from './validation/submitted-record.ts';
import type { JoseStatusListState, StatusListState, TrustView } from './verification/trust-view.ts';

// The kinds kept as records in the store (evidence has its own space), in load order.
const KNOWN_KINDS = ['governance', 'accreditation', 'status-list', 'token-status-list', 'status-list-2021'] as const;

/** Settings of a registry. */
export interface RegistryOptions {
  /** The network this registry belongs to (from the network file). */
  networkId: string;
  /** SHA-256 (hex) of the genesis governance record, pinned in the network file. */
  genesisDigest: string;
  limits: InputLimits;
  /** Clock-skew allowance for records dated in the future. */
  maxClockSkewMs: number;
  /**
   * Contexts the operator adds to the bundled allow-list (issuers' own vocabularies), each a file's
   * bytes with its SHA-256 pinned; a digest mismatch or a context that redefines a term refuses to open.
   */
  contexts?: readonly PinnedContext[];
  /** Per-issuer quotas on status lists (validation/context.ts). */
  quotas: StatusListQuotas;
  /** Most inflated status-list bytes kept in memory; held lists are otherwise compressed. */
  decodedListCacheBytes: number;
}

/**
 * Defaults for the optional settings. Quotas: 16,384 lists per issuer (at TW DIW's 16 KB minimum,
 * 131,072 credentials each: two billion credentials, or many small per-batch lists), and 1 GiB
 * inflated per issuer (every one of those lists, or 128 full-cap lists of 8 MiB). The cache keeps
 * 64 MiB of inflated lists: every list of a small network, or the hot ones of a national one.
 */
export const defaultRegistryOptions: Pick<
  RegistryOptions,
  'limits' | 'maxClockSkewMs' | 'quotas' | 'decodedListCacheBytes'
> = {
  limits: DEFAULT_INPUT_LIMITS,
  maxClockSkewMs: 5 * 60_000,
  quotas: { maxListsPerIssuer: 16_384, maxDecodedBytesPerIssuer: 1024 * 1024 * 1024 },
  decodedListCacheBytes: 64 * 1024 * 1024,
};

/** What a registry depends on from its environment. */
export interface RegistryModules {
  store: RecordStore;
  /** The clock, ms since the epoch. */
  now: () => number;
  /** did:web resolution, opt-in (see crypto/did-resolution.ts); without it only pinned keys and did:key verify. */
  didResolver?: DidResolver;
}

/** Result of submitting a record: what was admitted, or why not. */
export type SubmitOutcome = ValidationOutcome<Admission>;

/** Replicated registry state with its admission pipeline. */
export class Registry implements TrustView {
  readonly options: RegistryOptions;
  readonly documentLoader: DocumentLoader;
  private readonly modules: RegistryModules;
  private readonly governanceVersions = new Map<
    number,
    { parsed: ParsedGovernance; digest: string; bytes: Uint8Array }
  >();
  private latestGovernance: ParsedGovernance | null = null;
  private readonly accreditationsById = new Map<
    string,
    { parsed: ParsedAccreditation; digest: string; bytes: Uint8Array }
  >();
  private readonly accreditationsBySubject = new Map<string, ParsedAccreditation[]>();
  // Status list versions by slot (list id + signing key), and each list id's slots in arrival order.
  private readonly lists = new Map<string, StatusListState & { bytes: Uint8Array }>();
  private readonly listSlots = new Map<string, string[]>();
  // Inflated lists in use (bounded), and each issuer's slots and inflated bytes (quotas).
  private readonly decoded: DecodedListCache;
  private readonly usage = new Map<string, { slots: Set<string>; decodedBytes: number }>();
  // JOSE status lists (issue 13): Token Status Lists and StatusList2021 JWTs (status-list/jose-lists.ts).
  private readonly joseLists: JoseListIndex;
  private readonly listeners = new Set<(admission: Admission) => void>();
  // Admissions run one at a time so "is this newer than what is held" and the write stay consistent.
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(options: RegistryOptions, modules: RegistryModules) {
    this.options = options;
    this.modules = modules;
    this.decoded = new DecodedListCache({ maxBytes: options.decodedListCacheBytes });
    this.joseLists = new JoseListIndex(
      this.decoded,
      options.limits,
      (issuer) => pinnedKeysOf(this, issuer),
      () => this.accreditations(),
    );
    // Bundled contexts only; keys pinned in this registry are asked first, then did:key, then
    // did:web if the caller opted in. Nothing read from the network makes the node fetch a URL.
    this.documentLoader = createDocumentLoader(
      { contexts: options.contexts ?? [] },
      {
        keyResolver: async (id) =>
          pinnedKeyDocument(this, id) as VerificationMethodDocument | ControllerDocument | null,
        ...(modules.didResolver ? { didResolver: modules.didResolver } : {}),
      },
    );
  }

  /** Opens the store and loads its state into memory. Records in the store were validated on admission. */
  static async open(
    options: Partial<RegistryOptions> & Pick<RegistryOptions, 'networkId' | 'genesisDigest'>,
    modules: RegistryModules,
  ): Promise<Registry> {
    const registry = new Registry({ ...defaultRegistryOptions, ...options }, modules);
    await modules.store.open();
    // Governance first (ascending versions), then accreditations, then lists: each depends on the former.
    for (const kind of KNOWN_KINDS) {
      for await (const record of modules.store.records({ kind })) registry.load(record);
    }
    return registry;
  }

  /** Closes the underlying store. */
  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    await this.modules.store.close();
  }

  /**
   * Validates a record and, if admitted, persists it atomically and makes it visible. Never throws
   * for bad input: the outcome says accept / ignore / reject with a stable code.
   */
  submit(input: Uint8Array | unknown): Promise<SubmitOutcome> {
    const run = this.queue.then(() => this.admit(input));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async admit(input: Uint8Array | unknown): Promise<SubmitOutcome> {
    let admission: Admission;
    try {
      const record = readSubmittedRecord(input, this.options.limits);
      const kind = kindModule(record.kind);
      // [REJECT] JSON-LD records name allowed contexts only and use terms only (context-allow-list.ts).
      if (kind.jsonLd) checkDocumentContexts(record.value, allowListOf(this.documentLoader));
      admission = await kind.validate(record, this.context());
    } catch (error) {
      return outcomeOf(error);
    }
    await this.persist(admission);
    // Listeners (anti-entropy's index, metrics) learn of every admission, whatever path it came by.
    for (const listener of this.listeners) listener(admission);
    return { status: 'accept', value: admission };
  }

  private async persist(admission: Admission): Promise<void> {
    const receivedAt = this.modules.now();
    if (admission.kind === 'evidence') {
      await this.modules.store.commit({ evidence: [{ ...admission.evidence, receivedAt }] });
      return;
    }
    const record: StoredRecord = {
      key: admission.key,
      kind: admission.kind,
      digest: admission.digest,
      version: admission.version,
      bytes: admission.bytes,
      receivedAt,
    };
    await this.modules.store.commit({ put: [record] });
    this.apply(admission, receivedAt, true);
  }

  private load(record: StoredRecord): void {
    if (record.kind === 'evidence' || !(KNOWN_KINDS as readonly string[]).includes(record.kind)) {
      throw storeFault('STORE_UNKNOWN_KIND', `stored record ${record.key} has unknown kind ${record.kind}`);
    }
    const read = readStoredRecord(record.bytes, this.options.limits);
    this.apply(kindModule(record.kind).restore(record, read, this.options.limits), record.receivedAt, false);
  }

  /** Makes an admission visible; `inflated` when its status list was just inflated by admission. */
  private apply(admission: Admission, receivedAt: number, inflated: boolean): void {
    switch (admission.kind) {
      case 'governance': {
        const { parsed, digest, bytes } = admission;
        this.governanceVersions.set(parsed.record.version, { parsed, digest, bytes });
        if (!this.latestGovernance || parsed.record.version > this.latestGovernance.record.version)
          this.latestGovernance = parsed;
        break;
      }
      case 'accreditation': {
        const { parsed, digest, bytes } = admission;
        this.accreditationsById.set(parsed.id, { parsed, digest, bytes });
        const list = this.accreditationsBySubject.get(parsed.subject) ?? [];
        this.accreditationsBySubject.set(parsed.subject, [...list.filter((a) => a.id !== parsed.id), parsed]);
        break;
      }
      case 'status-list': {
        const { parsed, key, digest } = admission;
        // A key from the older slot form (no signing key in it) names its signer by the proof alone.
        const fallback = pinnedKeysOf(this, parsed.issuer).find((k) => k.id === proofMethodOf(parsed.credential));
        // Held compressed: admission inflated it once (that copy seeds the cache); a stored version
        // is only measured from its GZIP trailer. Reads inflate through the bounded cache.
        const decodedBytes = inflated ? parsed.bits.byteLength : inflatedSizeOf(parsed.encodedList);
        if (inflated) this.decoded.put(digest, parsed.bits);
        const replaced = this.lists.get(key);
        if (replaced) {
          this.decoded.delete(replaced.digest);
          this.releaseUsage(replaced);
        }
        const decodeOptions = {
          maxEntries: statusListEntryCap(this.options.limits, parsed.statusSize),
          statusSize: parsed.statusSize,
        };
        const list = withBitsSource(parsed, () =>
          this.decoded.get(digest, () => decodeStatusList(parsed.encodedList, decodeOptions)),
        );
        const state = {
          list,
          digest,
          receivedAt,
          key,
          signer: statusListSigner(parsed, key, fallback),
          bytes: admission.bytes,
          decodedBytes,
        };
        this.lists.set(key, state);
        const usage = this.usage.get(parsed.issuer) ?? { slots: new Set<string>(), decodedBytes: 0 };
        usage.slots.add(key);
        usage.decodedBytes += decodedBytes;
        this.usage.set(parsed.issuer, usage);
        const slots = this.listSlots.get(parsed.id) ?? [];
        if (!slots.includes(key)) this.listSlots.set(parsed.id, [...slots, key]);
        break;
      }
      case 'token-status-list':
      case 'status-list-2021':
        this.joseLists.apply(
          admission.kind,
          admission.parsed,
          admission.key,
          admission.digest,
          admission.bytes,
          receivedAt,
        );
        break;
      case 'evidence':
        break;
    }
  }

  private context(): ValidationContext {
    return {
      view: this,
      networkId: this.options.networkId,
      genesisDigest: this.options.genesisDigest,
      governanceVersion: (v) => this.governanceVersions.get(v) ?? null,
      accreditation: (id) => this.accreditationsById.get(id) ?? null,
      statusListBytes: (key) => this.lists.get(key)?.bytes ?? this.joseLists.bytes(key),
      hasEvidence: async (id) => (await this.modules.store.getEvidence(id)) !== null,
      evidenceCount: async (key, signer) => {
        // Evidence is rare and capped per slot (validation/evidence.ts), so a scan is cheap.
        let count = 0;
        for await (const e of this.modules.store.evidence()) if (e.key === key && e.signer === signer) count++;
        return count;
      },
      documentLoader: this.documentLoader,
      limits: this.options.limits,
      statusListUsage: (issuer) => this.usage.get(issuer) ?? { slots: new Set(), decodedBytes: 0 },
      quotas: this.options.quotas,
      now: this.modules.now(),
      maxClockSkewMs: this.options.maxClockSkewMs,
      accreditations: () => this.accreditations(),
      joseStatusListUsage: (issuer) => this.joseLists.usageOf(issuer),
    };
  }

  /**
   * Drops the held version of list `id` signed by the key `signerMultibase` when it is dated more
   * than the clock-skew allowance ahead of this registry's clock: a version this registry would
   * itself refuse today (STATUS_LIST_NOT_YET_VALID), that no peer accepts, and that would block
   * every version dated now until real time catches up. It is what an issuer whose clock was stepped
   * forward and then corrected holds of its own list (issue 10, problem 3); the issuer drops it
   * right before publishing the version dated now that carries the same bits. Removed from the store
   * in one batch; returns whether a version was dropped.
   */
  dropFutureStatusList(id: string, signerMultibase: string): Promise<boolean> {
    const run = this.queue.then(async () => {
      const key = (this.listSlots.get(id) ?? []).find(
        (k) => this.lists.get(k)?.signer.publicKeyMultibase === signerMultibase,
      );
      const held = key === undefined ? undefined : this.lists.get(key);
      if (key === undefined || !held) return false;
      if (held.list.validFrom <= this.modules.now() + this.options.maxClockSkewMs) return false;
      await this.modules.store.commit({ del: [key] });
      this.lists.delete(key);
      this.decoded.delete(held.digest);
      this.releaseUsage(held);
      const slots = (this.listSlots.get(id) ?? []).filter((k) => k !== key);
      if (slots.length > 0) this.listSlots.set(id, slots);
      else this.listSlots.delete(id);
      return true;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private releaseUsage(state: StatusListState): void {
    const usage = this.usage.get(state.list.issuer);
    if (!usage) return;
    usage.slots.delete(state.key);
    usage.decodedBytes -= state.decodedBytes;
    if (usage.slots.size === 0) this.usage.delete(state.list.issuer);
  }

  /**
   * Calls `listener` after each admitted record is persisted (including evidence). Returns a function
   * that removes the listener.
   */
  onAdmitted(listener: (admission: Admission) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The newest governance version held, or null. */
  governance(): ParsedGovernance | null {
    return this.latestGovernance;
  }

  /** Governance version `v` as held, or null. */
  governanceVersion(version: number): ParsedGovernance | null {
    return this.governanceVersions.get(version)?.parsed ?? null;
  }

  /** Accreditations whose subject is `did`. */
  accreditationsOf(did: string): readonly ParsedAccreditation[] {
    return this.accreditationsBySubject.get(did) ?? [];
  }

  /** Every held accreditation. */
  accreditations(): ParsedAccreditation[] {
    return [...this.accreditationsById.values()].map((a) => a.parsed);
  }

  /**
   * The held version of a status list, or null: the one signed by the key with public key
   * `signerMultibase` when given, otherwise the first slot held for the id. Verification does not
   * use this; it reads {@link statusListVersions} filtered by the keys that count.
   */
  statusList(id: string, signerMultibase?: string): StatusListState | null {
    const slots = this.listSlots.get(id) ?? [];
    const key =
      signerMultibase === undefined
        ? slots[0]
        : slots.find((k) => this.lists.get(k)?.signer.publicKeyMultibase === signerMultibase);
    return key === undefined ? null : (this.lists.get(key) ?? null);
  }

  /** Every held version of a status list id, one per signing key, in arrival order of their slots. */
  statusListVersions(id: string): StatusListState[] {
    return (this.listSlots.get(id) ?? []).flatMap((k) => {
      const state = this.lists.get(k);
      return state ? [state] : [];
    });
  }

  /**
   * Every held version of a JOSE status list uri (issue 13), one per signing key. A mirror serves a
   * state's `bytes` (as signed) with `list.mediaType`.
   */
  joseStatusListVersions(uri: string): JoseStatusListState[] {
    return this.joseLists.versions(uri);
  }

  /** Uris of every held JOSE status list. */
  joseStatusListUris(): string[] {
    return this.joseLists.uris();
  }

  /** Ids of every held status list. */
  statusListIds(): string[] {
    return [...this.listSlots.keys()];
  }

  /** Equivocation evidence held. */
  async evidence(): Promise<EvidenceRecord[]> {
    const all: EvidenceRecord[] = [];
    for await (const e of this.modules.store.evidence()) all.push(e);
    return all;
  }

  /**
   * Loud warnings an operator must see: a governance past validUntil (freeze-attack defence,
   * DESIGN.md Records §1).
   */
  warnings(): string[] {
    const governance = this.latestGovernance;
    if (!governance) return ['no governance record is held: nothing can be verified'];
    if (governance.validUntilMs < this.modules.now()) {
      return [
        `governance version ${governance.record.version} expired at ${governance.record.validUntil}: a newer version may be withheld (freeze attack)`,
      ];
    }
    return [];
  }
}
