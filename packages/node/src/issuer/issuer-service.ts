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
 * - Every allocation and every status change is appended to the issuer's journal and synced before
 *   the answer (issuer-journal.ts), so an index is never handed out twice and no acknowledged change
 *   is lost, across restarts, a lost `db/` or a restored backup included (issue 10, problem 1).
 * - An issuer never publishes from a state older than the network's (DESIGN.md, Principles §7): it
 *   never creates a list its journal already references (it answers 503 `ISSUER_STATE_BEHIND` until a
 *   peer's copy arrives through anti-entropy); every version it adopts — its own, a peer's copy of its
 *   list, an older one after a rollback — gets the journal re-applied on top (revocation: the union of
 *   set bits, never cleared; suspension: the journal's last value of each entry); and a peer's copy of
 *   its list holding revocations its own version lacks (a divergence, e.g. after a restored backup) is
 *   merged into a version newer than both.
 * - With a message list configured (message-list.ts), each credential also gets a `message` entry
 *   (statusSize > 1, statusMessage, statusReference) whose value the caller sets and may set back.
 *
 * Operations run one at a time: "read the held list, set a bit, sign, publish" must not interleave.
 */
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import {
  CodedError,
  parseJsonBounded,
  parseStatusListCredential,
  readStatus,
  reject,
  type StatusListCredential,
  sha256Hex,
  signCredential,
  statusListSlotKey,
  ValidationError,
} from '@trustmesh/registry';
import { type AllocatedEntry, AllocationFile, type ManagedPurpose } from './allocation-file.ts';
import { IssuerJournal, type JournalEntry } from './issuer-journal.ts';
import {
  type CredentialStatusValue,
  defaultIssuerServiceOptions,
  ISSUER_CODES,
  ISSUER_JOURNAL_FILE,
  type IssueResult,
  type IssuerServiceModules,
  type IssuerServiceOptions,
  type ListProblem,
  type StatusUpdate,
  type StatusUpdateResult,
} from './issuer-types.ts';
import { ManagedListVersions } from './managed-list-versions.ts';
import {
  checkMessageListOptions,
  isMessageValue,
  MESSAGE_LIST_CODES,
  type MessageList,
  messageEntryFields,
  parseMessageValue,
  requireMatchingMessageList,
} from './message-list.ts';

/** Peer copies of managed lists remembered as checked (see {@link IssuerService.observeRefused}). */
const MAX_CHECKED_COPIES = 256;

/** Legacy allocation file (before the journal): read once as the base state, never rewritten. */
const ALLOCATION_FILE = 'issuer-allocations.json';

/** The issuer mode: key, lists, allocations. Create with {@link IssuerService.open}. */
export class IssuerService {
  readonly options: IssuerServiceOptions;
  /** Ids of the managed lists by purpose (suspension only when configured). */
  readonly lists: Readonly<Partial<Record<ManagedPurpose, string>>>;
  private readonly modules: IssuerServiceModules;
  /** The checked message-list configuration, or null. */
  private readonly messageList: MessageList | null;
  private journal!: IssuerJournal;
  private readonly used = new Map<string, Set<number>>();
  private readonly credentials = new Map<string, AllocatedEntry[]>();
  /** The journal's value of every entry it set, per list: what every published version must carry. */
  private readonly values = new Map<string, Map<number, number>>();
  /** The managed lists' versions, and why each is not usable yet (managed-list-versions.ts). */
  private readonly versions: ManagedListVersions;
  private unsubscribe: (() => void) | undefined;
  /** Digests of peer copies of managed lists already checked for a divergence (bounded). */
  private readonly checkedCopies = new Set<string>();
  /** Until when (ms, the module clock) status changes wait for a first sync round; null: not waiting. */
  private startupWaitUntil: number | null = null;
  /** The queued publication of each list (see {@link IssuerService.flush}). */
  private readonly flushes = new Map<string, Promise<string | null>>();
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(options: IssuerServiceOptions, modules: IssuerServiceModules) {
    this.options = options;
    this.modules = modules;
    const base = options.publicBaseUrl.replace(/\/+$/, '');
    this.messageList = options.messageList ? checkMessageListOptions(options.messageList) : null;
    this.lists = {
      revocation: `${base}/status/${options.revocationListName}`,
      ...(options.suspensionListName ? { suspension: `${base}/status/${options.suspensionListName}` } : {}),
      ...(this.messageList ? { message: `${base}/status/${this.messageList.name}` } : {}),
    };
    // One list, one purpose: a message list named like another managed list would be both.
    if (this.lists.message && [this.lists.revocation, this.lists.suspension].includes(this.lists.message)) {
      throw reject(
        MESSAGE_LIST_CODES.CONFIG_INVALID,
        'issuer.messageList.name',
        `issuer.messageList.name: ${this.lists.message} is already the revocation or suspension list`,
      );
    }
    this.versions = new ManagedListVersions({
      did: modules.keyPair.did,
      lists: this.lists,
      options,
      modules,
      messageList: this.messageList,
      values: this.values,
      waitingForPeers: () => this.waitingForPeers(),
      refuseSigning: () => this.refuseSigning(),
      referenced: (id) => this.referenced(id),
      statusSizeOf: (purpose) => this.statusSizeOf(purpose),
    });
  }

  /**
   * Loads the allocation state (legacy file, then the journal), then creates and publishes any
   * managed list the registry does not hold and nothing references, and re-applies the journal to
   * every held one. A list that cannot be published yet (e.g. the issuer's accreditation has not
   * arrived, or its newest version must come from a peer) is retried before each write;
   * {@link IssuerService.listProblems} says why.
   * @throws ValidationError `ISSUER_STATE_MISMATCH` when the state belongs to another DID,
   *   `ISSUER_STATE_CORRUPT` when it cannot be read.
   */
  static async open(
    options: Partial<IssuerServiceOptions> & Pick<IssuerServiceOptions, 'publicBaseUrl' | 'dataDir'>,
    modules: IssuerServiceModules,
  ): Promise<IssuerService> {
    const service = new IssuerService({ ...defaultIssuerServiceOptions, ...options }, modules);
    const legacy = new AllocationFile(join(service.options.dataDir, ALLOCATION_FILE));
    const state = await legacy.load();
    if (state) {
      if (state.issuer !== modules.keyPair.did) {
        throw reject(
          'ISSUER_STATE_MISMATCH',
          'issuer',
          `${legacy.path} holds allocations of ${state.issuer}, not of ${modules.keyPair.did}`,
        );
      }
      for (const [list, indexes] of Object.entries(state.lists)) service.used.set(list, new Set(indexes));
      for (const [id, entries] of Object.entries(state.credentials)) service.credentials.set(id, entries);
    }
    const { journal, entries } = await IssuerJournal.open(
      join(service.options.dataDir, ISSUER_JOURNAL_FILE),
      modules.keyPair.did,
      {
        ...(modules.journalFs ? { fs: modules.journalFs } : {}),
        onTornTail: (bytes) =>
          modules.logger?.warn({ bytes }, 'cut off a torn, unacknowledged append at the end of the issuer journal'),
        onCompacted: (from, to) =>
          modules.logger?.info?.({ from, to }, 'compacted the issuer journal (superseded status values dropped)'),
      },
    );
    service.journal = journal;
    for (const entry of entries) service.applyEntry(entry);
    // Any version of a managed list admitted later (a peer's copy through anti-entropy or gossip)
    // gets the journal re-applied on top.
    service.unsubscribe = modules.registry.onAdmitted((admission) => {
      // The issuer's accreditation arriving may be what its lists waited for: publish them now.
      if (admission.kind === 'accreditation' && admission.parsed.subject === service.did) {
        if (service.versions.problems.size > 0)
          void service.run(() => service.versions.ensureLists()).catch(() => undefined);
        return;
      }
      if (admission.kind !== 'status-list') return;
      const id = admission.parsed.id;
      if (admission.parsed.issuer !== service.did || !service.isManaged(id)) return;
      void service.run(() => service.versions.adopt(id)).catch(() => undefined);
    });
    if (service.options.startupSyncTimeoutMs > 0) {
      service.startupWaitUntil = modules.now() + service.options.startupSyncTimeoutMs;
    }
    await service.run(async () => {
      await service.versions.ensureLists();
      for (const id of Object.values(service.lists)) await service.versions.adopt(id);
    });
    service.reportAllocations();
    return service;
  }

  /**
   * The network's newest versions of the managed lists have been fetched (a complete anti-entropy
   * round with a peer): status changes no longer wait, and the journal is re-applied where needed.
   */
  peerStateKnown(): void {
    if (this.startupWaitUntil === null) return;
    this.startupWaitUntil = null;
    this.modules.logger?.info('synced with a peer at start: status changes are published');
    this.refresh();
  }

  /** Whether publishing still waits for a first sync round at start (ends it once the time is up). */
  private waitingForPeers(): boolean {
    if (this.startupWaitUntil === null) return false;
    if (this.modules.now() < this.startupWaitUntil) return true;
    this.startupWaitUntil = null;
    this.modules.logger?.warn('no sync round with a peer at start: publishing from the state held locally');
    return false;
  }

  /** Throws `ISSUER_STATE_BEHIND` while status changes wait for a first sync round (see the option). */
  private requireStartupSync(): void {
    if (!this.waitingForPeers() || this.startupWaitUntil === null) return;
    throw new CodedError(
      ISSUER_CODES.BEHIND,
      `waiting for a first sync round with a peer (at most ${Math.ceil((this.startupWaitUntil - this.modules.now()) / 1000)} s more) before publishing: it brings the network's newest versions of this issuer's lists`,
    );
  }

  /** Stops listening to the registry and closes the journal. */
  async close(): Promise<void> {
    this.unsubscribe?.();
    await this.queue.catch(() => undefined);
    await this.journal.close();
  }

  /** DID of the issuer. */
  get did(): string {
    return this.modules.keyPair.did;
  }

  /** Whether store slot `key` holds a managed list as signed by this issuer's key (anti-entropy `ownSlot`). */
  ownsSlot(key: string): boolean {
    const own = this.modules.keyPair.publicKeyMultibase;
    return Object.values(this.lists).some((id) => key === statusListSlotKey(id, own));
  }

  /** Lists that are not usable yet or not in step with the journal or the network, with the reason. */
  listProblems(): ListProblem[] {
    return [...this.versions.problems.values()];
  }

  /** Journal faults (failed appends since start), for health. */
  journalFaults(): { failures: number; last: { at: number; code: string; message: string } | null } {
    return this.journal.faults();
  }

  /** Changes re-applied from the journal on top of an adopted version, per list id, since start. */
  reappliedChanges(): Readonly<Record<string, { changes: number; at: number }>> {
    return Object.fromEntries(this.versions.reapplied);
  }

  /**
   * Named warnings for `/health` (issue 10, problem 4): each list problem under its code (behind the
   * network, divergent from a peer, changes not published, conflict), failed journal appends and
   * journal changes re-applied within `recentMs`, and managed lists past their validUntil.
   */
  healthWarnings(recentMs: number): string[] {
    const now = this.modules.now();
    const warnings = this.listProblems().map((p) => `${p.code}: issuer list ${p.statusListCredential}: ${p.message}`);
    if (this.startupWaitUntil !== null && now < this.startupWaitUntil) {
      warnings.push(
        `${ISSUER_CODES.BEHIND}: issuer lists ${Object.values(this.lists).join(', ')}: status changes wait for a first sync round with a peer (until ${new Date(this.startupWaitUntil).toISOString()})`,
      );
    }
    const faults = this.journal.faults();
    if (faults.last && now - faults.last.at < recentMs) {
      warnings.push(
        `${faults.last.code}: ${faults.failures} issuer journal append(s) failed since start, the last at ${new Date(faults.last.at).toISOString()}: ${faults.last.message}`,
      );
    }
    for (const [id, { changes, at }] of this.versions.reapplied) {
      if (now - at >= recentMs) continue;
      warnings.push(
        `ISSUER_STATE_REAPPLIED: issuer list ${id}: ${changes} acknowledged change(s) were missing from the version held or seen at ${new Date(at).toISOString()} (lost or rolled-back store, restored backup, or a divergent peer copy) and were re-published from the journal`,
      );
    }
    for (const id of Object.values(this.lists)) {
      const held = this.modules.registry.statusList(id, this.modules.keyPair.publicKeyMultibase);
      if (held?.list.validUntil !== undefined && held.list.validUntil < now) {
        warnings.push(
          `ISSUER_LIST_EXPIRED: issuer list ${id} expired at ${new Date(held.list.validUntil).toISOString()}: verifiers cannot use it`,
        );
      }
    }
    return warnings;
  }

  /** The entries a credential was given, or null when this service did not allocate any for it. */
  entriesOf(credentialId: string): readonly AllocatedEntry[] | null {
    return this.credentials.get(credentialId) ?? null;
  }

  /**
   * Signs a credential (VC-API issue). Sets `issuer` to this issuer's DID when absent and `validFrom`
   * to now when absent. When the credential has no `credentialStatus`, adds one
   * BitstringStatusListEntry per managed list at a random unused index, journaled before returning;
   * issuing again under the same credential id reuses that credential's entries.
   * @param credential - The unsigned credential.
   * @param options - `credentialId` names the credential for later status updates when it has no `id`.
   * @throws ValidationError with `field` relative to the request body: `CREDENTIAL_HAS_PROOF`,
   *   `ISSUER_MISMATCH`, `CREDENTIAL_ID_REQUIRED`, `ISSUER_LIST_UNAVAILABLE`, `ISSUER_STATE_BEHIND`,
   *   `ISSUER_LIST_FULL`, `ISSUER_JOURNAL_IO` / `ISSUER_JOURNAL_FULL`, a signing refusal (clock), or
   *   a signing error (`CREDENTIAL_MALFORMED`, `DOCUMENT_LOADER_REFUSED`, …).
   */
  issue(credential: Record<string, unknown>, options: { credentialId?: string } = {}): Promise<IssueResult> {
    return this.run(() => this.issueNow(credential, options));
  }

  /**
   * Sets the status of a credential this service allocated entries for, publishing new versions of
   * the lists concerned (VC-API update status). `revoked` is final: a revoked credential can be
   * neither suspended nor reinstated. A `0x…` value sets the credential's message entry (any value
   * of the message list, in either direction, revoked or not: message-list.ts). The change is
   * journaled (synced) before it is published.
   * @throws ValidationError `CREDENTIAL_UNKNOWN`, `CREDENTIAL_REVOKED` (reinstating or suspending a
   *   revoked credential: revocation is irreversible), `STATUS_PURPOSE_UNSUPPORTED` (no suspension
   *   or message entry), `STATUS_MESSAGE_VALUE_INVALID` (a value outside the message list),
   *   `ISSUER_LIST_UNAVAILABLE`, `ISSUER_STATE_BEHIND`, `ISSUER_JOURNAL_IO` / `ISSUER_JOURNAL_FULL`,
   *   a signing refusal (clock), `STATUS_PUBLISH_FAILED`.
   */
  async updateStatus(credentialId: string, status: CredentialStatusValue): Promise<StatusUpdateResult> {
    // 1. Checked and journaled one at a time; 2. published in a coalesced version: changes journaled
    // while a version is being signed and admitted go out together in the next one (group commit:
    // one signature, one synced store write and one gossip message for all of them).
    const { wanted, changes } = await this.run(() => this.journalStatus(credentialId, status));
    const published = new Map<string, string | null>();
    for (const { entry } of wanted) {
      const id = entry.statusListCredential;
      if (!published.has(id)) published.set(id, await this.flush(id));
    }
    const updates: StatusUpdate[] = wanted.map(({ entry, value }) => {
      const validFrom = published.get(entry.statusListCredential) ?? null;
      return {
        statusPurpose: entry.statusPurpose,
        statusListCredential: entry.statusListCredential,
        statusListIndex: entry.statusListIndex,
        value,
        ...(entry.statusPurpose === 'message' && this.messageList?.byValue.has(value)
          ? { message: this.messageList.byValue.get(value) }
          : {}),
        changed: validFrom !== null || changes.some((c) => c.entry === entry),
        validFrom:
          validFrom ?? new Date(this.versions.heldList(entry.statusListCredential).list.validFrom).toISOString(),
      };
    });
    this.modules.metrics?.statusUpdates.inc({
      purpose: updates[0]?.statusPurpose ?? 'none',
      // One label for every message value: values are not a label's business (bounded, but noisy).
      status: isMessageValue(status) ? 'message' : status,
    });
    return { credentialId, status, updates };
  }

  /**
   * Publishes what the journal holds that list `id`'s held version lacks, in the next version: a
   * call while one is queued (not started) shares it. Resolves with the validFrom of a version
   * carrying every change journaled before the call, or null when the held one already did.
   */
  private flush(id: string): Promise<string | null> {
    const queued = this.flushes.get(id);
    if (queued) return queued;
    const next = this.run(() => {
      this.flushes.delete(id);
      return this.versions.publishJournal(id);
    });
    this.flushes.set(id, next);
    return next;
  }

  /**
   * Tells the issuer about a record the local registry refused (from a peer, by gossip or
   * anti-entropy). A copy of a managed list signed by this issuer's own key that was refused as
   * older (`STATUS_LIST_STALE`) or as clearing bits (`STATUS_LIST_ROLLBACK`) while it holds
   * revocations the held version lacks means the two have diverged: they are merged into a version
   * newer than both (issue 10, problem 1). Anything else is ignored. Never throws.
   */
  observeRefused(bytes: Uint8Array, code: string): void {
    if (code !== 'STATUS_LIST_STALE' && code !== 'STATUS_LIST_ROLLBACK') return;
    let list: StatusListCredential;
    try {
      list = parseStatusListCredential(
        parseJsonBounded(bytes, this.modules.registry.options.limits),
        this.modules.registry.options.limits,
      );
    } catch {
      return;
    }
    if (list.issuer !== this.did || !this.isManaged(list.id)) return;
    // A lagging peer offers the same old copy again and again: check each copy once.
    const digest = sha256Hex(bytes);
    if (this.checkedCopies.has(digest)) return;
    this.checkedCopies.add(digest);
    if (this.checkedCopies.size > MAX_CHECKED_COPIES) {
      const oldest = this.checkedCopies.values().next().value;
      if (oldest !== undefined) this.checkedCopies.delete(oldest);
    }
    // A merge that could not be published yet is checked again when the copy comes back.
    void this.run(() => this.versions.merge(list)).then(
      (merged) => {
        if (!merged) this.checkedCopies.delete(digest);
      },
      () => this.checkedCopies.delete(digest),
    );
  }

  /**
   * Re-checks every managed list against the journal and the clock (after an anti-entropy round):
   * re-applies what a held version lacks, and re-dates a version dated in the future once the clock
   * is corrected. Never throws.
   */
  refresh(): void {
    if (this.versions.problems.size > 0) void this.run(() => this.versions.ensureLists()).catch(() => undefined);
    for (const id of Object.values(this.lists)) void this.run(() => this.versions.adopt(id)).catch(() => undefined);
  }

  private run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private isManaged(id: string): boolean {
    return Object.values(this.lists).includes(id);
  }

  private applyEntry(entry: JournalEntry): void {
    if (entry.op === 'alloc') {
      for (const e of entry.entries) {
        const used = this.used.get(e.statusListCredential) ?? new Set<number>();
        used.add(e.statusListIndex);
        this.used.set(e.statusListCredential, used);
      }
      // This service's journal holds only its own Bitstring Status List entries.
      if (entry.credentialId !== null) this.credentials.set(entry.credentialId, entry.entries as AllocatedEntry[]);
      return;
    }
    const values = this.values.get(entry.list) ?? new Map<number, number>();
    // A revocation is final: no later entry can clear it (DESIGN.md, Principles §3).
    const revocation = entry.list === this.lists.revocation;
    values.set(entry.index, revocation ? Math.max(values.get(entry.index) ?? 0, entry.value) : entry.value);
    this.values.set(entry.list, values);
  }

  /** Whether the journal proves the list existed (entries handed out on it, or values set). */
  private referenced(id: string): boolean {
    return (this.used.get(id)?.size ?? 0) > 0 || (this.values.get(id)?.size ?? 0) > 0;
  }

  private refuseSigning(): void {
    const refusal = this.modules.signingRefusal?.();
    if (refusal) throw refusal;
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
        await this.versions.ensureLists();
        entries = this.allocate();
        fresh = true;
      }
      const status = entries.map((e) => ({
        id: `${e.statusListCredential}#${e.statusListIndex}`,
        type: 'BitstringStatusListEntry',
        statusPurpose: e.statusPurpose,
        statusListIndex: String(e.statusListIndex),
        statusListCredential: e.statusListCredential,
        ...(e.statusPurpose === 'message' && this.messageList ? messageEntryFields(this.messageList) : {}),
      }));
      unsigned.credentialStatus = status.length === 1 ? status[0] : status;
    }

    this.refuseSigning();
    let signed: Record<string, unknown>;
    try {
      signed = await signCredential(unsigned, keyPair, { documentLoader: registry.documentLoader });
    } catch (error) {
      // Indexes drawn for a credential that could not be signed stay burned (marked used, below):
      // handing them to the next credential is harmless, but keeping them out is simpler to reason about.
      if (fresh) await this.commit(null, entries);
      if (error instanceof ValidationError) {
        throw new ValidationError(error.code, error.message, {
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

  /** Checks a status change against the journal and the held lists, and journals it (synced). */
  private async journalStatus(
    credentialId: string,
    status: CredentialStatusValue,
  ): Promise<{
    wanted: Array<{ entry: AllocatedEntry; value: number }>;
    changes: Array<{ entry: AllocatedEntry; value: number }>;
  }> {
    const entries = this.credentials.get(credentialId);
    if (!entries) {
      throw reject(
        'CREDENTIAL_UNKNOWN',
        'credentialId',
        `no credential ${credentialId} was issued with entries of this node`,
      );
    }
    this.requireStartupSync();
    const revocation = entries.find((e) => e.statusPurpose === 'revocation');
    const suspension = entries.find((e) => e.statusPurpose === 'suspension');
    const revoked = revocation ? this.valueOf(revocation) === 1 : false;
    const wanted: Array<{ entry: AllocatedEntry; value: number }> = [];
    // A message value matches no case below (message-list.ts).
    if (isMessageValue(status)) wanted.push(this.messageChange(entries, status));
    switch (status) {
      case 'revoked':
        if (!revocation) throw unsupported('revocation');
        wanted.push({ entry: revocation, value: 1 });
        break;
      case 'suspended':
        if (revoked) throw revokedAlready(credentialId, 'suspended');
        if (!suspension) throw unsupported('suspension');
        wanted.push({ entry: suspension, value: 1 });
        break;
      case 'active':
        // Revocation is irreversible (DESIGN.md, Principles §3): no list version may clear the bit.
        if (revoked) throw revokedAlready(credentialId, 'reinstated');
        if (suspension) wanted.push({ entry: suspension, value: 0 });
        break;
    }
    // Every list touched must be held: a change is never published on top of a missing list.
    for (const { entry } of wanted) this.versions.heldList(entry.statusListCredential);
    const changes = wanted.filter(({ entry, value }) => this.valueOf(entry) !== value);
    if (changes.length > 0) {
      this.refuseSigning();
      // Write-ahead: durable before it is published, so a version lost with `db/` is rebuilt from it.
      const journaled: JournalEntry[] = changes.map(({ entry, value }) => ({
        op: 'set',
        list: entry.statusListCredential,
        index: entry.statusListIndex,
        value,
      }));
      await this.journal.append(journaled);
      for (const entry of journaled) this.applyEntry(entry);
    }
    return { wanted, changes };
  }

  /** The message entry of `entries` set to `status` (`0x…`): a value of the configured message list. */
  private messageChange(entries: AllocatedEntry[], status: string): { entry: AllocatedEntry; value: number } {
    const entry = entries.find((e) => e.statusPurpose === 'message');
    // Only the configured list: an entry of a list no longer configured is not published to.
    if (!entry || !this.messageList || entry.statusListCredential !== this.lists.message) throw unsupported('message');
    // Not a revocation state: it stays settable after a revocation (message-list.ts).
    return { entry, value: parseMessageValue(status, this.messageList) };
  }

  /** Value of an entry: the journal's when it set one (a revocation also when the held list has it), else the held list's. */
  private valueOf(entry: AllocatedEntry): number {
    const journaled = this.values.get(entry.statusListCredential)?.get(entry.statusListIndex);
    const held = this.versions.heldList(entry.statusListCredential);
    const listed = readStatus(held.list.bits, entry.statusListIndex, held.list.statusSize);
    if (journaled === undefined) return listed;
    return entry.statusPurpose === 'revocation' ? Math.max(journaled, listed) : journaled;
  }

  /** Draws one random unused index on every managed list. */
  private allocate(): AllocatedEntry[] {
    return (Object.entries(this.lists) as [ManagedPurpose, string][]).map(([purpose, id]) => {
      const held = this.versions.heldList(id);
      // A message list whose statusSize or messages changed in the configuration takes no entries.
      if (purpose === 'message' && this.messageList) requireMatchingMessageList(held.list, this.messageList);
      const size = Math.floor((held.list.bits.length * 8) / held.list.statusSize);
      return { statusPurpose: purpose, statusListCredential: id, statusListIndex: this.drawIndex(id, size) };
    });
  }

  /** Bits per entry of a managed list: the message list's statusSize, else 1. */
  private statusSizeOf(purpose: ManagedPurpose): number {
    return purpose === 'message' && this.messageList ? this.messageList.statusSize : 1;
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
      throw new CodedError('ISSUER_LIST_FULL', `every one of the ${size} entries of ${list} is allocated`);
    }
    return index;
  }

  /** Journals entries (synced), then marks them used and maps them to the credential. */
  private async commit(credentialId: string | null, entries: AllocatedEntry[]): Promise<void> {
    const entry: JournalEntry = { op: 'alloc', credentialId, entries };
    await this.journal.append([entry]);
    this.applyEntry(entry);
    this.reportAllocations();
  }

  private reportAllocations(): void {
    const gauge = this.modules.metrics?.statusEntriesAllocated;
    if (!gauge) return;
    for (const [purpose, id] of Object.entries(this.lists)) gauge.set({ purpose }, this.used.get(id)?.size ?? 0);
  }
}

function unsupported(purpose: ManagedPurpose): ValidationError {
  const why =
    purpose === 'suspension'
      ? 'the issuer does not suspend'
      : purpose === 'message'
        ? 'no message list is configured, or the credential was issued before it was'
        : 'the issuer did not allocate one';
  return reject('STATUS_PURPOSE_UNSUPPORTED', 'credentialStatus', `this credential has no ${purpose} entry (${why})`);
}

function revokedAlready(credentialId: string, wanted: string): ValidationError {
  return reject(
    'CREDENTIAL_REVOKED',
    'credentialStatus',
    `${credentialId} is revoked and cannot be ${wanted}: revocation is irreversible`,
  );
}
