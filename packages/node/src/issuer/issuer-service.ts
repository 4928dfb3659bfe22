/**
 * Issuer mode of a node: signs credentials with the node's issuer key, gives each one entries on the
 * issuer's Bitstring Status Lists, and publishes new list versions when a status changes
 * (https://www.w3.org/TR/vc-bitstring-status-list/).
 *
 * - Lists are created empty (131,072 entries, the Recommendation's minimum, §3.2 step 9) when the
 *   registry does not hold them yet, and are named `${publicBaseUrl}/status/${name}` so that they are
 *   dereferenceable at this node's mirror.
 * - Revocation and suspension live on separate lists: a list carrying the revocation purpose may
 *   never clear a bit (DESIGN.md, Principles §3), while suspension must be reversible.
 * - Indexes are drawn at random among the unused ones, never sequentially: sequential indexes would
 *   leak issuance order and let a verifier estimate when and how many credentials were issued
 *   (https://www.w3.org/TR/vc-bitstring-status-list/#privacy-considerations).
 * - Every allocation is persisted (see allocation-file.ts) before the signed credential is returned,
 *   so an index is never handed out twice, across restarts included.
 *
 * Operations run one at a time: "read the held list, set a bit, sign, publish" must not interleave.
 */
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import {
  createStatusList,
  issueStatusList,
  type KeyPair,
  nextStatusListVersion,
  type Registry,
  RegistryError,
  readStatus,
  reject,
  type SubmitOutcome,
  signCredential,
} from '@trustmesh/registry';
import type { Logger } from 'pino';
import type { NodeMetrics } from '../metrics/metrics.ts';
import { type AllocatedEntry, AllocationFile, type AllocationState, type ManagedPurpose } from './allocation-file.ts';

/** The status a caller can set through {@link IssuerService.updateStatus}. */
export type CredentialStatusValue = 'revoked' | 'suspended' | 'active';

/** Settings of the issuer mode. */
export interface IssuerServiceOptions {
  /** Public base URL of this node (no trailing slash); list ids are `${publicBaseUrl}/status/${name}`. */
  publicBaseUrl: string;
  /** Directory of the allocation file. */
  dataDir: string;
  /** Name of the revocation list. */
  revocationListName: string;
  /** Name of the suspension list, or null for an issuer that does not suspend. */
  suspensionListName: string | null;
  /** Entries of a new list (at least the Recommendation's 131,072). */
  listEntries: number;
  /** `ttl` (ms) written into each list version, or null to omit it. */
  listTtlMs: number | null;
  /** Random draws tried before scanning for a free index (a nearly full list). */
  maxRandomProbes: number;
}

/** Defaults: a revocation list only, 131,072 entries, no ttl. */
export const defaultIssuerServiceOptions: Omit<IssuerServiceOptions, 'publicBaseUrl' | 'dataDir'> = {
  revocationListName: 'revocation',
  suspensionListName: null,
  listEntries: 131_072,
  listTtlMs: null,
  maxRandomProbes: 64,
};

/** What the issuer mode depends on. */
export interface IssuerServiceModules {
  /** The issuer's signing key; its DID is the issuer of every credential and list. */
  keyPair: KeyPair;
  /** The local registry: held list versions are read from it. */
  registry: Registry;
  /** Submits a record locally and gossips it (the node's publishing pipeline). */
  publish(record: object): Promise<SubmitOutcome>;
  /** The clock, ms since the epoch. */
  now: () => number;
  /** Uniform random integer in [0, max); defaults to `crypto.randomInt`. Injected by tests. */
  randomIndex?: (max: number) => number;
  metrics?: NodeMetrics;
  logger?: Logger;
}

/** A signed credential and the entries it was given. */
export interface IssueResult {
  verifiableCredential: Record<string, unknown>;
  credentialId: string | null;
  /** Entries added by this service (empty when the caller supplied its own credentialStatus). */
  entries: AllocatedEntry[];
}

/** One list touched by a status update. */
export interface StatusUpdate {
  statusPurpose: ManagedPurpose;
  statusListCredential: string;
  statusListIndex: number;
  /** The entry's value after the update (1 = set). */
  value: number;
  /** False when the entry already had that value (no new list version was published). */
  changed: boolean;
  /** validFrom of the list version that holds the value (the new one when changed). */
  validFrom: string;
}

/** Outcome of {@link IssuerService.updateStatus}. */
export interface StatusUpdateResult {
  credentialId: string;
  status: CredentialStatusValue;
  updates: StatusUpdate[];
}

/** Why a list is not usable yet, when it is not. */
export interface ListProblem {
  statusListCredential: string;
  code: string;
  message: string;
}

const ALLOCATION_FILE = 'issuer-allocations.json';

/** The issuer mode: key, lists, allocations. Create with {@link IssuerService.open}. */
export class IssuerService {
  readonly options: IssuerServiceOptions;
  /** Ids of the managed lists by purpose (suspension only when configured). */
  readonly lists: Readonly<Partial<Record<ManagedPurpose, string>>>;
  private readonly modules: IssuerServiceModules;
  private readonly file: AllocationFile;
  private readonly used = new Map<string, Set<number>>();
  private readonly credentials = new Map<string, AllocatedEntry[]>();
  private readonly problems = new Map<string, ListProblem>();
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(options: IssuerServiceOptions, modules: IssuerServiceModules) {
    this.options = options;
    this.modules = modules;
    this.file = new AllocationFile(join(options.dataDir, ALLOCATION_FILE));
    const base = options.publicBaseUrl.replace(/\/+$/, '');
    this.lists = {
      revocation: `${base}/status/${options.revocationListName}`,
      ...(options.suspensionListName ? { suspension: `${base}/status/${options.suspensionListName}` } : {}),
    };
  }

  /**
   * Loads the allocations, then creates and publishes any managed list the registry does not hold.
   * A list that cannot be published yet (e.g. the issuer's accreditation has not arrived) is retried
   * before each issuance; {@link IssuerService.listProblems} says why.
   * @throws RegistryError `ISSUER_STATE_MISMATCH` when the allocation file belongs to another DID,
   *   `ISSUER_STATE_CORRUPT` when it cannot be read.
   */
  static async open(
    options: Partial<IssuerServiceOptions> & Pick<IssuerServiceOptions, 'publicBaseUrl' | 'dataDir'>,
    modules: IssuerServiceModules,
  ): Promise<IssuerService> {
    const service = new IssuerService({ ...defaultIssuerServiceOptions, ...options }, modules);
    const state = await service.file.load();
    if (state) {
      if (state.issuer !== modules.keyPair.did) {
        throw reject(
          'ISSUER_STATE_MISMATCH',
          'issuer',
          `${service.file.path} holds allocations of ${state.issuer}, not of ${modules.keyPair.did}`,
        );
      }
      for (const [list, indexes] of Object.entries(state.lists)) service.used.set(list, new Set(indexes));
      for (const [id, entries] of Object.entries(state.credentials)) service.credentials.set(id, entries);
    }
    await service.run(() => service.ensureLists());
    service.reportAllocations();
    return service;
  }

  /** DID of the issuer. */
  get did(): string {
    return this.modules.keyPair.did;
  }

  /** Lists that are not usable yet, with the reason. Empty when every managed list is held. */
  listProblems(): ListProblem[] {
    return [...this.problems.values()];
  }

  /** The entries a credential was given, or null when this service did not allocate any for it. */
  entriesOf(credentialId: string): readonly AllocatedEntry[] | null {
    return this.credentials.get(credentialId) ?? null;
  }

  /**
   * Signs a credential (VC-API issue). Sets `issuer` to this issuer's DID when absent and `validFrom`
   * to now when absent. When the credential has no `credentialStatus`, adds one
   * BitstringStatusListEntry per managed list at a random unused index, persisted before returning;
   * issuing again under the same credential id reuses that credential's entries.
   * @param credential - The unsigned credential.
   * @param options - `credentialId` names the credential for later status updates when it has no `id`.
   * @throws RegistryError with `field` relative to the request body: `CREDENTIAL_HAS_PROOF`,
   *   `ISSUER_MISMATCH`, `CREDENTIAL_ID_REQUIRED`, `ISSUER_LIST_UNAVAILABLE`, `ISSUER_LIST_FULL`, or
   *   a signing error (`CREDENTIAL_MALFORMED`, `DOCUMENT_LOADER_REFUSED`, …).
   */
  issue(credential: Record<string, unknown>, options: { credentialId?: string } = {}): Promise<IssueResult> {
    return this.run(() => this.issueNow(credential, options));
  }

  /**
   * Sets the status of a credential this service allocated entries for, publishing new versions of
   * the lists concerned (VC-API update status). `revoked` is final: a revoked credential can be
   * neither suspended nor reinstated.
   * @throws RegistryError `CREDENTIAL_UNKNOWN`, `CREDENTIAL_REVOKED` (reinstating or suspending a
   *   revoked credential: revocation is irreversible), `STATUS_PURPOSE_UNSUPPORTED` (no suspension
   *   entry), `ISSUER_LIST_UNAVAILABLE`, `STATUS_PUBLISH_FAILED`.
   */
  updateStatus(credentialId: string, status: CredentialStatusValue): Promise<StatusUpdateResult> {
    return this.run(() => this.updateStatusNow(credentialId, status));
  }

  private run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async issueNow(
    credential: Record<string, unknown>,
    options: { credentialId?: string },
  ): Promise<IssueResult> {
    const { keyPair, registry, now } = this.modules;
    if (credential.proof !== undefined) {
      throw reject('CREDENTIAL_HAS_PROOF', 'credential.proof', 'an unsigned credential is expected');
    }
    const issuerValue = credential.issuer;
    const issuer =
      issuerValue !== null && typeof issuerValue === 'object' ? (issuerValue as { id?: unknown }).id : issuerValue;
    // VC-API: the issuer is the service's configured one; a different value is a bad request.
    if (issuer !== undefined && issuer !== keyPair.did) {
      throw reject('ISSUER_MISMATCH', 'credential.issuer', `this node issues as ${keyPair.did}`);
    }
    const credentialId = options.credentialId ?? (typeof credential.id === 'string' ? credential.id : null);
    const unsigned: Record<string, unknown> = { ...credential };
    if (issuer === undefined) unsigned.issuer = keyPair.did;
    // The issuance time anchors the trust-chain check "accredited at issuance" during verification.
    if (unsigned.validFrom === undefined && unsigned.issuanceDate === undefined) {
      unsigned.validFrom = `${new Date(now()).toISOString().slice(0, 19)}Z`;
    }

    let entries: AllocatedEntry[] = [];
    let fresh = false;
    if (credential.credentialStatus === undefined) {
      if (credentialId === null) {
        throw reject(
          'CREDENTIAL_ID_REQUIRED',
          'options.credentialId',
          'give credential.id or options.credentialId: without one the status of this credential could never be updated',
        );
      }
      const existing = this.credentials.get(credentialId);
      if (existing) {
        entries = existing;
      } else {
        await this.ensureLists();
        entries = this.allocate();
        fresh = true;
      }
      const status = entries.map((e) => ({
        id: `${e.statusListCredential}#${e.statusListIndex}`,
        type: 'BitstringStatusListEntry',
        statusPurpose: e.statusPurpose,
        statusListIndex: String(e.statusListIndex),
        statusListCredential: e.statusListCredential,
      }));
      unsigned.credentialStatus = status.length === 1 ? status[0] : status;
    }

    let signed: Record<string, unknown>;
    try {
      signed = await signCredential(unsigned, keyPair, { documentLoader: registry.documentLoader });
    } catch (error) {
      // Indexes drawn for a credential that could not be signed stay burned (marked used, below):
      // handing them to the next credential is harmless, but keeping them out is simpler to reason about.
      if (fresh) await this.commit(null, entries);
      if (error instanceof RegistryError) {
        throw new RegistryError(error.code, error.message, {
          field: error.field ? `credential.${error.field}` : 'credential',
          cause: error,
        });
      }
      throw error;
    }
    if (fresh && credentialId !== null) await this.commit(credentialId, entries);
    this.modules.metrics?.credentialsIssued.inc();
    return { verifiableCredential: signed, credentialId, entries };
  }

  private async updateStatusNow(credentialId: string, status: CredentialStatusValue): Promise<StatusUpdateResult> {
    const entries = this.credentials.get(credentialId);
    if (!entries) {
      throw reject(
        'CREDENTIAL_UNKNOWN',
        'credentialId',
        `no credential ${credentialId} was issued with entries of this node`,
      );
    }
    const revocation = entries.find((e) => e.statusPurpose === 'revocation');
    const suspension = entries.find((e) => e.statusPurpose === 'suspension');
    const revoked = revocation ? this.valueOf(revocation) === 1 : false;
    const updates: StatusUpdate[] = [];
    switch (status) {
      case 'revoked':
        if (!revocation) throw unsupported('revocation');
        updates.push(await this.setEntry(revocation, 1));
        break;
      case 'suspended':
        if (revoked) throw revokedAlready(credentialId, 'suspended');
        if (!suspension) throw unsupported('suspension');
        updates.push(await this.setEntry(suspension, 1));
        break;
      case 'active':
        // Revocation is irreversible (DESIGN.md, Principles §3): no list version may clear the bit.
        if (revoked) throw revokedAlready(credentialId, 'reinstated');
        if (suspension) updates.push(await this.setEntry(suspension, 0));
        break;
    }
    this.modules.metrics?.statusUpdates.inc({ purpose: updates[0]?.statusPurpose ?? 'none', status });
    return { credentialId, status, updates };
  }

  /** Current value of an entry in the held list version. */
  private valueOf(entry: AllocatedEntry): number {
    const held = this.heldList(entry.statusListCredential);
    return readStatus(held.list.bits, entry.statusListIndex, 1);
  }

  private heldList(id: string) {
    const held = this.modules.registry.statusList(id);
    if (!held || held.list.issuer !== this.did) {
      const problem = this.problems.get(id);
      throw new RegistryError(
        'ISSUER_LIST_UNAVAILABLE',
        `status list ${id} is not held${problem ? ` (${problem.code}: ${problem.message})` : ''}`,
      );
    }
    return held;
  }

  /** Publishes the next version of the entry's list with the entry set to `value`, unless it already is. */
  private async setEntry(entry: AllocatedEntry, value: number): Promise<StatusUpdate> {
    const held = this.heldList(entry.statusListCredential);
    const base = {
      statusPurpose: entry.statusPurpose,
      statusListCredential: entry.statusListCredential,
      statusListIndex: entry.statusListIndex,
      value,
    };
    const next = await nextStatusListVersion(
      held.list,
      [{ index: entry.statusListIndex, value }],
      this.modules.keyPair,
      {
        now: this.modules.now(),
        documentLoader: this.modules.registry.documentLoader,
      },
    );
    if (!next.changed) return { ...base, changed: false, validFrom: new Date(held.list.validFrom).toISOString() };
    await this.publish(entry.statusListCredential, next.credential, next.validFrom);
    return { ...base, changed: true, validFrom: next.validFrom };
  }

  private async publishList(id: string, purpose: ManagedPurpose, bits: Uint8Array, validFrom: Date): Promise<void> {
    const record = await issueStatusList(
      {
        issuer: this.modules.keyPair,
        id,
        statusPurpose: purpose,
        bits,
        validFrom,
        ...(this.options.listTtlMs !== null ? { ttl: this.options.listTtlMs } : {}),
      },
      this.modules.registry.documentLoader,
    );
    await this.publish(id, record, validFrom.toISOString());
  }

  private async publish(id: string, record: Record<string, unknown>, validFrom: string): Promise<void> {
    const outcome = await this.modules.publish(record);
    if (outcome.status !== 'accept') {
      throw new RegistryError(
        'STATUS_PUBLISH_FAILED',
        `the node did not accept version ${validFrom} of ${id}: ${outcome.error.code}: ${outcome.error.message}`,
        { cause: outcome.error },
      );
    }
  }

  /** Creates and publishes each managed list the registry does not hold; remembers why one failed. */
  private async ensureLists(): Promise<void> {
    for (const [purpose, id] of Object.entries(this.lists) as [ManagedPurpose, string][]) {
      const held = this.modules.registry.statusList(id);
      if (held) {
        if (held.list.issuer === this.did) this.problems.delete(id);
        else {
          this.problems.set(id, {
            statusListCredential: id,
            code: 'ISSUER_LIST_CONFLICT',
            message: `the registry holds ${id} issued by ${held.list.issuer}`,
          });
        }
        continue;
      }
      try {
        const bits = createStatusList(this.options.listEntries);
        await this.publishList(id, purpose, bits, new Date(this.modules.now()));
        this.problems.delete(id);
        this.modules.logger?.info({ list: id, purpose }, 'published a new empty status list');
      } catch (error) {
        const cause = error instanceof RegistryError && error.cause instanceof RegistryError ? error.cause : error;
        const code = cause instanceof RegistryError ? cause.code : 'STATUS_PUBLISH_FAILED';
        this.problems.set(id, { statusListCredential: id, code, message: (cause as Error).message });
        this.modules.logger?.warn({ list: id, code }, 'cannot publish status list yet');
      }
    }
  }

  /** Draws one random unused index on every managed list. */
  private allocate(): AllocatedEntry[] {
    return (Object.entries(this.lists) as [ManagedPurpose, string][]).map(([purpose, id]) => {
      const held = this.heldList(id);
      const size = held.list.bits.length * 8;
      return { statusPurpose: purpose, statusListCredential: id, statusListIndex: this.drawIndex(id, size) };
    });
  }

  private drawIndex(list: string, size: number): number {
    const used = this.used.get(list) ?? new Set<number>();
    const random = this.modules.randomIndex ?? ((max: number) => randomInt(max));
    for (let probe = 0; probe < this.options.maxRandomProbes; probe++) {
      const index = random(size);
      if (!used.has(index)) return index;
    }
    // A nearly full list: draw among the free indexes instead of probing forever.
    const free: number[] = [];
    for (let i = 0; i < size; i++) if (!used.has(i)) free.push(i);
    const index = free[random(free.length)];
    if (free.length === 0 || index === undefined) {
      throw new RegistryError('ISSUER_LIST_FULL', `every one of the ${size} entries of ${list} is allocated`);
    }
    return index;
  }

  /** Marks entries used (and maps them to the credential), then persists before anything is returned. */
  private async commit(credentialId: string | null, entries: AllocatedEntry[]): Promise<void> {
    for (const entry of entries) {
      const used = this.used.get(entry.statusListCredential) ?? new Set<number>();
      used.add(entry.statusListIndex);
      this.used.set(entry.statusListCredential, used);
    }
    if (credentialId !== null) this.credentials.set(credentialId, entries);
    await this.file.save(this.snapshot());
    this.reportAllocations();
  }

  private snapshot(): AllocationState {
    return {
      version: 1,
      issuer: this.did,
      lists: Object.fromEntries([...this.used].map(([list, set]) => [list, [...set].sort((a, b) => a - b)])),
      credentials: Object.fromEntries(this.credentials),
    };
  }

  private reportAllocations(): void {
    const gauge = this.modules.metrics?.statusEntriesAllocated;
    if (!gauge) return;
    for (const [purpose, id] of Object.entries(this.lists)) gauge.set({ purpose }, this.used.get(id)?.size ?? 0);
  }
}

function unsupported(purpose: ManagedPurpose): RegistryError {
  return reject(
    'STATUS_PURPOSE_UNSUPPORTED',
    'credentialStatus',
    `this credential has no ${purpose} entry (the issuer ${purpose === 'suspension' ? 'does not suspend' : 'did not allocate one'})`,
  );
}

function revokedAlready(credentialId: string, wanted: string): RegistryError {
  return reject(
    'CREDENTIAL_REVOKED',
    'credentialStatus',
    `${credentialId} is revoked and cannot be ${wanted}: revocation is irreversible`,
  );
}
