/**
 * Issuer mode for SD-JWT VC (issue 13): issues `dc+sd-jwt` credentials (draft-ietf-oauth-sd-jwt-vc)
 * each with an entry on the issuer's IETF Token Status List (draft-ietf-oauth-status-list §6.2,
 * `status.status_list {idx, uri}`), and revokes, suspends and reinstates them by publishing new
 * versions of that list in its JWT form (§5.1).
 *
 * The same guarantees as the Bitstring Status List issuer (issuer-service.ts), for one list of
 * 2-bit statuses (VALID 0x00, INVALID 0x01, SUSPENDED 0x02, §7.1):
 * - Indexes are drawn at random among the unused ones (§13.2 privacy: sequential indexes leak
 *   issuance order and volume; herd privacy needs a large list, 131,072 entries by default).
 * - Every allocation and every status change is journaled and synced before the answer (its own
 *   journal file, issuer-journal.ts), so no index is handed out twice and no acknowledged change is
 *   lost across restarts, a lost `db/` or a restored backup (DESIGN.md, Principles §7).
 * - INVALID is final (§7.1): a revoked credential is never suspended or reinstated, and every version
 *   published carries every INVALID entry the journal or any adopted version holds.
 * - The issuer never publishes from a state older than the network's: it never creates a list its
 *   journal references (503 `ISSUER_STATE_BEHIND` until a peer's copy arrives), waits at start for a
 *   first sync round when it has peers, re-applies the journal on top of every version it adopts, and
 *   merges a refused peer copy of its own list holding INVALID entries it lacks into a newer version.
 * - `iat` is a whole NumericDate (what every client reads), one second after the held version's at
 *   least; changes journaled while a version is signed go out together in the next one, and a burst
 *   never dates a version more than {@link MAX_IAT_LEAD_MS} ahead of the clock (it waits instead).
 */
import { randomInt, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  CodedError,
  createTokenStatusBytes,
  inflateJoseList,
  issueSdJwtVc,
  issueTokenStatusList,
  type JoseStatusListState,
  joseListSlotKey,
  jwsSignatureValid,
  type KeyPair,
  type PublicJwk,
  parseCompactJws,
  pinnedKeyOf,
  type Registry,
  readJoseEntry,
  reject,
  type SubmitOutcome,
  sha256Hex,
  TOKEN_STATUS,
  writeTokenStatus,
} from '@trustmesh/registry';
import type { Logger } from 'pino';
import type { NodeMetrics } from '../metrics/metrics.ts';
import { IssuerJournal, type JournalEntry, type JournalFileSystem } from './issuer-journal.ts';
import { ISSUER_CODES } from './issuer-types.ts';

/** Bits per status: VALID, INVALID and SUSPENDED need two (draft-ietf-oauth-status-list §4.1). */
const BITS = 2;
/** How far ahead of the clock a version's `iat` may run under a burst of changes. */
export const MAX_IAT_LEAD_MS = 2_000;
/** Journal file of the Token Status List issuer. */
export const TOKEN_STATUS_JOURNAL_FILE = 'issuer-token-status-journal.log';
/** Peer copies remembered as checked (see {@link TokenStatusIssuer.observeRefused}). */
const MAX_CHECKED_COPIES = 256;

/** The status a caller sets (VC-API names, as for Bitstring Status List credentials). */
export type TokenStatusValue = 'revoked' | 'suspended' | 'active';

const VALUE_OF: Record<TokenStatusValue, number> = {
  revoked: TOKEN_STATUS.INVALID,
  suspended: TOKEN_STATUS.SUSPENDED,
  active: TOKEN_STATUS.VALID,
};
const NAME_OF: Record<number, string> = { 0: 'VALID', 1: 'INVALID', 2: 'SUSPENDED' };

/** Settings of the SD-JWT VC issuer mode. */
export interface TokenStatusIssuerOptions {
  /** Public base URL of this node; the list URI is `${publicBaseUrl}/status/${listName}`. */
  publicBaseUrl: string;
  /** Directory of the journal. */
  dataDir: string;
  /** Name of the Token Status List. */
  listName: string;
  /** Entries of a new list. */
  listEntries: number;
  /** `ttl` (seconds) written into each list version, or null to omit it (§5.1). */
  ttlSeconds: number | null;
  /** Random draws tried before scanning for a free index. */
  maxRandomProbes: number;
  /** Operator override after a total loss: create the list from the journal alone (issuer-service.ts). */
  recreateMissingList: boolean;
  /** As for the Bitstring issuer: status changes wait this long at start for a first sync round; 0: off. */
  startupSyncTimeoutMs: number;
}

export const defaultTokenStatusIssuerOptions: Omit<TokenStatusIssuerOptions, 'publicBaseUrl' | 'dataDir'> = {
  listName: 'token-status',
  listEntries: 131_072,
  ttlSeconds: null,
  maxRandomProbes: 64,
  recreateMissingList: false,
  startupSyncTimeoutMs: 0,
};

/** What the SD-JWT VC issuer depends on (as {@link IssuerServiceModules}). */
export interface TokenStatusIssuerModules {
  keyPair: KeyPair;
  registry: Registry;
  publish(record: object | Uint8Array): Promise<SubmitOutcome>;
  now: () => number;
  randomIndex?: (max: number) => number;
  signingRefusal?: () => CodedError | null;
  journalFs?: JournalFileSystem;
  metrics?: NodeMetrics;
  logger?: Logger;
}

/** What to issue (the `credential` of POST /credentials/issue with `options.format: "dc+sd-jwt"`). */
export interface SdJwtVcRequest {
  vct: string;
  claims: Record<string, unknown>;
  disclosable: readonly string[];
  holderJwk?: PublicJwk;
  /** Validity end (ms) and start (ms), when the caller gives them. */
  expiresAt?: number;
  notBefore?: number;
  /** The handle to update the status through; a fresh urn:uuid when absent. */
  credentialId?: string;
}

/** An issued SD-JWT VC. */
export interface SdJwtVcIssued {
  /** The compact SD-JWT (`<JWT>~<Disclosure>~…~`). */
  compact: string;
  credentialId: string;
  status: { uri: string; idx: number };
  /** The entry's status when the credential id was issued before and is not VALID. */
  warnings: string[];
}

/** One list change of {@link TokenStatusIssuer.updateStatus} (the shape of the Bitstring one). */
export interface TokenStatusUpdate {
  statusPurpose: 'token-status';
  statusListCredential: string;
  statusListIndex: number;
  value: number;
  /** The Status Type name (§7.1). */
  message: string;
  changed: boolean;
  /** `iat` of the list version holding the value, as RFC 3339. */
  validFrom: string;
}

/** The SD-JWT VC issuer mode. Create with {@link TokenStatusIssuer.open}. */
export class TokenStatusIssuer {
  readonly options: TokenStatusIssuerOptions;
  /** The list URI (`sub`). */
  readonly uri: string;
  private readonly modules: TokenStatusIssuerModules;
  private journal!: IssuerJournal;
  private readonly used = new Set<number>();
  private readonly credentials = new Map<string, number>();
  /** The journal's value of each entry it set (INVALID never lowered). */
  private readonly values = new Map<number, number>();
  private problem: { code: string; message: string } | null = null;
  private reapplied: { changes: number; at: number } | null = null;
  private startupWaitUntil: number | null = null;
  private readonly checkedCopies = new Set<string>();
  private flushing: Promise<string | null> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;

  private constructor(options: TokenStatusIssuerOptions, modules: TokenStatusIssuerModules) {
    this.options = options;
    this.modules = modules;
    this.uri = `${options.publicBaseUrl.replace(/\/+$/, '')}/status/${options.listName}`;
  }

  /** Loads the journal, creates or adopts the list (see the module comment). */
  static async open(
    options: Partial<TokenStatusIssuerOptions> & Pick<TokenStatusIssuerOptions, 'publicBaseUrl' | 'dataDir'>,
    modules: TokenStatusIssuerModules,
  ): Promise<TokenStatusIssuer> {
    const issuer = new TokenStatusIssuer({ ...defaultTokenStatusIssuerOptions, ...options }, modules);
    const { journal, entries } = await IssuerJournal.open(
      join(issuer.options.dataDir, TOKEN_STATUS_JOURNAL_FILE),
      modules.keyPair.did,
      {
        ...(modules.journalFs ? { fs: modules.journalFs } : {}),
        onTornTail: (bytes) =>
          modules.logger?.warn({ bytes }, 'cut off a torn append at the end of the token status journal'),
      },
    );
    issuer.journal = journal;
    for (const entry of entries) issuer.applyEntry(entry);
    issuer.unsubscribe = modules.registry.onAdmitted((admission) => {
      if (admission.kind === 'accreditation' && admission.parsed.subject === issuer.did && issuer.problem) {
        void issuer.run(() => issuer.ensureList()).catch(() => undefined);
      } else if (admission.kind === 'token-status-list' && admission.parsed.uri === issuer.uri) {
        void issuer.run(() => issuer.adopt()).catch(() => undefined);
      }
    });
    if (issuer.options.startupSyncTimeoutMs > 0) {
      issuer.startupWaitUntil = modules.now() + issuer.options.startupSyncTimeoutMs;
    }
    // The list is created with the first SD-JWT VC (an issuer of Data Integrity credentials only
    // publishes none); one the journal references is adopted, or waited for.
    await issuer.run(async () => {
      if (issuer.referenced() || issuer.held()) await issuer.ensureList();
      await issuer.adopt();
    });
    return issuer;
  }

  get did(): string {
    return this.modules.keyPair.did;
  }

  /** Whether store slot `key` holds this issuer's list as signed by its own key (anti-entropy `ownSlot`). */
  ownsSlot(key: string): boolean {
    return key === joseListSlotKey('token-status-list', this.uri, this.modules.keyPair.publicKeyMultibase);
  }

  /** Whether `credentialId` names a credential this issuer gave a Token Status List entry. */
  knows(credentialId: string): boolean {
    return this.credentials.has(credentialId);
  }

  /** The entry of a credential, or null. */
  entryOf(credentialId: string): { uri: string; idx: number } | null {
    const idx = this.credentials.get(credentialId);
    return idx === undefined ? null : { uri: this.uri, idx };
  }

  /** Why the list is not usable or not in step, or null. */
  listProblem(): { statusListCredential: string; code: string; message: string } | null {
    return this.problem ? { statusListCredential: this.uri, ...this.problem } : null;
  }

  /** Named warnings for `/health` (as the Bitstring issuer's). */
  healthWarnings(recentMs: number): string[] {
    const now = this.modules.now();
    const warnings: string[] = [];
    if (this.problem) warnings.push(`${this.problem.code}: issuer list ${this.uri}: ${this.problem.message}`);
    if (this.startupWaitUntil !== null && now < this.startupWaitUntil) {
      warnings.push(
        `${ISSUER_CODES.BEHIND}: issuer list ${this.uri}: status changes wait for a first sync round with a peer`,
      );
    }
    const faults = this.journal.faults();
    if (faults.last && now - faults.last.at < recentMs) {
      warnings.push(
        `${faults.last.code}: ${faults.failures} token status journal append(s) failed since start: ${faults.last.message}`,
      );
    }
    if (this.reapplied && now - this.reapplied.at < recentMs) {
      warnings.push(
        `ISSUER_STATE_REAPPLIED: issuer list ${this.uri}: ${this.reapplied.changes} acknowledged change(s) were missing from the version held or seen and were re-published from the journal`,
      );
    }
    const held = this.held();
    if (held?.list.expMs != null && held.list.expMs < now) {
      warnings.push(
        `ISSUER_LIST_EXPIRED: issuer list ${this.uri} expired at ${new Date(held.list.expMs).toISOString()}`,
      );
    }
    return warnings;
  }

  /** Ends the start-up wait: a first anti-entropy round brought the network's newest versions. */
  peerStateKnown(): void {
    if (this.startupWaitUntil === null) return;
    this.startupWaitUntil = null;
    this.refresh();
  }

  /** Re-checks the list against the journal (after an anti-entropy round). Never throws. */
  refresh(): void {
    void this.run(async () => {
      if (this.problem) await this.ensureList();
      await this.adopt();
    }).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    await this.queue.catch(() => undefined);
    await this.journal.close();
  }

  /**
   * Issues an SD-JWT VC with an entry at a random unused index, journaled before returning; the same
   * credentialId again reuses its entry (and says when that entry is not VALID).
   * @throws ValidationError `SD_JWT_CLAIM_RESERVED`, `SD_JWT_DISCLOSABLE_UNKNOWN`; CodedError
   *   `ISSUER_LIST_UNAVAILABLE`, `ISSUER_STATE_BEHIND`, `ISSUER_LIST_FULL`, journal faults, a signing refusal.
   */
  issue(request: SdJwtVcRequest): Promise<SdJwtVcIssued> {
    return this.run(async () => {
      const credentialId = request.credentialId ?? `urn:uuid:${randomUUID()}`;
      let idx = this.credentials.get(credentialId);
      const warnings: string[] = [];
      const fresh = idx === undefined;
      if (idx === undefined) {
        await this.ensureList();
        const held = this.heldOrThrow();
        idx = this.drawIndex(held.list.size());
      } else {
        const value = this.values.get(idx) ?? TOKEN_STATUS.VALID;
        if (value !== TOKEN_STATUS.VALID) {
          warnings.push(
            `${credentialId} was issued before and its entry ${idx} is ${NAME_OF[value] ?? value}: the new credential shares it`,
          );
        }
      }
      this.refuseSigning();
      let compact: string;
      try {
        compact = await issueSdJwtVc({
          issuer: this.modules.keyPair,
          vct: request.vct,
          claims: request.claims,
          disclosable: request.disclosable,
          status: { uri: this.uri, idx },
          issuedAt: this.modules.now(),
          ...(request.holderJwk ? { holderJwk: request.holderJwk } : {}),
          ...(request.expiresAt !== undefined ? { expiresAt: request.expiresAt } : {}),
          ...(request.notBefore !== undefined ? { notBefore: request.notBefore } : {}),
        });
      } catch (error) {
        // An index drawn for a credential that could not be signed stays burned, as in issuer-service.ts.
        if (fresh) await this.commit({ op: 'alloc', credentialId: null, entries: [this.entry(idx)] });
        throw error;
      }
      if (fresh) await this.commit({ op: 'alloc', credentialId, entries: [this.entry(idx)] });
      this.modules.metrics?.credentialsIssued.inc();
      return { compact, credentialId, status: { uri: this.uri, idx }, warnings };
    });
  }

  /**
   * Sets a credential's status and publishes the next list version (changes journaled meanwhile
   * share it). INVALID is final.
   * @throws ValidationError `CREDENTIAL_UNKNOWN` (404), `CREDENTIAL_REVOKED` (409); CodedError
   *   `ISSUER_STATE_BEHIND`, `ISSUER_LIST_UNAVAILABLE`, journal faults, a signing refusal, `STATUS_PUBLISH_FAILED`.
   */
  async updateStatus(
    credentialId: string,
    status: TokenStatusValue,
  ): Promise<{ credentialId: string; status: TokenStatusValue; updates: TokenStatusUpdate[] }> {
    const { idx, value, changed } = await this.run(async () => {
      const idx = this.credentials.get(credentialId);
      if (idx === undefined) {
        throw reject(
          'CREDENTIAL_UNKNOWN',
          'credentialId',
          `this issuer gave no Token Status List entry to ${credentialId}`,
        );
      }
      const value = VALUE_OF[status];
      const current = this.values.get(idx) ?? this.heldOrThrow().list.read(idx);
      if (current === TOKEN_STATUS.INVALID && value !== TOKEN_STATUS.INVALID) {
        throw reject(
          'CREDENTIAL_REVOKED',
          'credentialStatus',
          `${credentialId} is revoked and cannot be ${status === 'active' ? 'reinstated' : status}: INVALID is final`,
        );
      }
      this.requireStartupSync();
      this.heldOrThrow();
      if (current === value && this.values.has(idx)) return { idx, value, changed: false };
      await this.commit({ op: 'set', list: this.uri, index: idx, value });
      return { idx, value, changed: true };
    });
    const published = await this.flush();
    const held = this.heldOrThrow();
    this.modules.metrics?.statusUpdates.inc({ purpose: 'token-status', status });
    return {
      credentialId,
      status,
      updates: [
        {
          statusPurpose: 'token-status',
          statusListCredential: this.uri,
          statusListIndex: idx,
          value,
          message: NAME_OF[value] ?? `0x${value.toString(16).padStart(2, '0')}`,
          changed: changed || published !== null,
          validFrom: published ?? new Date(held.list.versionMs).toISOString(),
        },
      ],
    };
  }

  /**
   * A record the local registry refused: a copy of this issuer's list signed by its own key, refused
   * as older or as undoing INVALID entries while holding INVALID entries the held version lacks,
   * is merged into a version newer than both (as issuer-service.ts does). Never throws.
   */
  observeRefused(bytes: Uint8Array, code: string): void {
    if (code !== 'TOKEN_STATUS_LIST_STALE' && code !== 'TOKEN_STATUS_LIST_ROLLBACK') return;
    const digest = sha256Hex(bytes);
    if (this.checkedCopies.has(digest)) return;
    this.checkedCopies.add(digest);
    if (this.checkedCopies.size > MAX_CHECKED_COPIES) {
      const oldest = this.checkedCopies.values().next().value;
      if (oldest !== undefined) this.checkedCopies.delete(oldest);
    }
    void this.run(() => this.merge(bytes)).catch(() => this.checkedCopies.delete(digest));
  }

  private async merge(bytes: Uint8Array): Promise<void> {
    const limits = this.modules.registry.options.limits;
    let jws: ReturnType<typeof parseCompactJws>;
    try {
      jws = parseCompactJws(new TextDecoder().decode(bytes), limits);
    } catch {
      return;
    }
    if (jws.payload.sub !== this.uri) return;
    // Only entries this issuer's own key signed count: a copy signed by anyone else is no evidence.
    if (!jwsSignatureValid(jws, pinnedKeyOf(this.modules.keyPair))) return;
    const held = this.held();
    if (!held) return;
    const statusList = jws.payload.status_list as { bits?: unknown; lst?: unknown } | undefined;
    if (statusList?.bits !== BITS || typeof statusList.lst !== 'string') return;
    let copy: Uint8Array;
    try {
      copy = inflateJoseList(
        { kind: 'token-status-list', compressed: Buffer.from(statusList.lst, 'base64url') },
        limits,
      );
    } catch {
      return;
    }
    const size = Math.min(held.list.size(), Math.floor((copy.byteLength * 8) / BITS));
    let missing = 0;
    for (let idx = 0; idx < size; idx++) {
      if (
        readJoseEntry('token-status-list', copy, BITS, idx) === TOKEN_STATUS.INVALID &&
        held.list.read(idx) !== TOKEN_STATUS.INVALID
      ) {
        this.values.set(idx, TOKEN_STATUS.INVALID);
        missing++;
      }
    }
    const copyIat = typeof jws.payload.iat === 'number' ? jws.payload.iat * 1000 : 0;
    if (missing === 0 && copyIat <= held.list.versionMs) return;
    this.problem = {
      code: ISSUER_CODES.DIVERGENT,
      message: `a peer holds a version with ${missing} INVALID entr(ies) the held one lacks: merging`,
    };
    await this.publishJournal(Math.max(copyIat, held.list.versionMs));
    this.problem = null;
    this.noteReapplied(missing);
    this.modules.logger?.warn(
      { list: this.uri, invalid: missing },
      'merged a divergent peer copy of the token status list',
    );
  }

  private run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private entry(idx: number) {
    return { statusPurpose: 'token-status' as const, statusListCredential: this.uri, statusListIndex: idx };
  }

  private applyEntry(entry: JournalEntry): void {
    if (entry.op === 'alloc') {
      for (const e of entry.entries) this.used.add(e.statusListIndex);
      const first = entry.entries[0];
      if (entry.credentialId !== null && first) this.credentials.set(entry.credentialId, first.statusListIndex);
      return;
    }
    if (entry.list !== this.uri) return;
    // INVALID is final: no later entry lowers it.
    const before = this.values.get(entry.index);
    this.values.set(entry.index, before === TOKEN_STATUS.INVALID ? before : entry.value);
  }

  private async commit(entry: JournalEntry): Promise<void> {
    await this.journal.append([entry]);
    this.applyEntry(entry);
  }

  private refuseSigning(): void {
    const refusal = this.modules.signingRefusal?.();
    if (refusal) throw refusal;
  }

  private waitingForPeers(): boolean {
    if (this.startupWaitUntil === null) return false;
    if (this.modules.now() < this.startupWaitUntil) return true;
    this.startupWaitUntil = null;
    return false;
  }

  private requireStartupSync(): void {
    if (this.waitingForPeers()) {
      throw new CodedError(
        ISSUER_CODES.BEHIND,
        `waiting for a first sync round with a peer before publishing ${this.uri}`,
      );
    }
  }

  /** The held version signed by this issuer's key, or null. */
  private held(): JoseStatusListState | null {
    const own = this.modules.keyPair.publicKeyMultibase;
    return (
      this.modules.registry
        .joseStatusListVersions(this.uri)
        .find(
          (s) =>
            s.list.format === 'token-status-list' && s.list.issuer === this.did && s.signer.publicKeyMultibase === own,
        ) ?? null
    );
  }

  private heldOrThrow(): JoseStatusListState {
    const held = this.held();
    if (held) return held;
    if (this.problem?.code === ISSUER_CODES.BEHIND) throw new CodedError(ISSUER_CODES.BEHIND, this.problem.message);
    throw new CodedError(
      'ISSUER_LIST_UNAVAILABLE',
      `token status list ${this.uri} is not held${this.problem ? ` (${this.problem.code}: ${this.problem.message})` : ''}`,
    );
  }

  /** Journal values the held version lacks (INVALID entries of the held version are kept). */
  private pending(held: JoseStatusListState): Array<[number, number]> {
    const changes: Array<[number, number]> = [];
    for (const [idx, value] of this.values) {
      const listed = held.list.read(idx);
      if (listed !== value && listed !== TOKEN_STATUS.INVALID) changes.push([idx, value]);
    }
    return changes;
  }

  /** Whether the journal proves the list was published (entries handed out or values set). */
  private referenced(): boolean {
    return this.used.size > 0 || this.values.size > 0;
  }

  /** Creates the list when nothing references it; otherwise says why it waits. */
  private async ensureList(): Promise<void> {
    if (this.held()) {
      if (this.problem?.code !== ISSUER_CODES.DIVERGENT && this.problem?.code !== ISSUER_CODES.UNPUBLISHED)
        this.problem = null;
      return;
    }
    const other = this.modules.registry.joseStatusListVersions(this.uri).find((s) => s.list.issuer !== this.did);
    if (other) {
      this.problem = {
        code: 'ISSUER_LIST_CONFLICT',
        message: `the registry holds ${this.uri} issued by ${other.list.issuer}`,
      };
      return;
    }
    if (this.waitingForPeers()) {
      this.problem = {
        code: ISSUER_CODES.BEHIND,
        message: `${this.uri} is not held: waiting for a first sync round with a peer before creating it`,
      };
      return;
    }
    if (this.referenced() && !this.options.recreateMissingList) {
      this.problem = {
        code: ISSUER_CODES.BEHIND,
        message: `${this.uri} was published before (the token status journal references it) but is not held: waiting for a peer's copy (docs/operators.md, Backup and recovery)`,
      };
      return;
    }
    try {
      const statuses = createTokenStatusBytes(this.options.listEntries, BITS);
      for (const [idx, value] of this.values) writeTokenStatus(statuses, BITS, idx, value);
      await this.publishVersion(statuses, this.modules.now());
      this.problem = null;
      this.modules.logger?.info({ list: this.uri }, 'published a new token status list');
    } catch (error) {
      const cause = error instanceof CodedError && error.cause instanceof CodedError ? error.cause : error;
      this.problem = {
        code: cause instanceof CodedError ? cause.code : 'STATUS_PUBLISH_FAILED',
        message: (cause as Error).message,
      };
      this.modules.logger?.warn(
        { list: this.uri, code: this.problem.code },
        'cannot publish the token status list yet',
      );
    }
  }

  /** Adopts the held version: re-applies the journal on top when it lacks journaled changes. */
  private async adopt(): Promise<void> {
    const held = this.held();
    if (!held) return;
    if (this.problem?.code === ISSUER_CODES.BEHIND) this.problem = null;
    const pending = this.pending(held).length;
    if (pending === 0 || this.waitingForPeers()) return;
    try {
      await this.publishJournal();
      this.noteReapplied(pending);
      this.modules.logger?.warn(
        { list: this.uri, changes: pending },
        'the held token status list lacked journaled changes: re-applied them',
      );
    } catch (error) {
      this.modules.logger?.warn(
        { list: this.uri, code: (error as CodedError).code },
        'cannot re-apply the token status journal yet',
      );
    }
  }

  /** Publishes what the journal holds in the next version; a call while one is queued shares it. */
  private flush(): Promise<string | null> {
    if (this.flushing) return this.flushing;
    const next = this.run(() => {
      this.flushing = null;
      return this.publishJournal();
    });
    this.flushing = next;
    return next;
  }

  /** The next version with every journaled value, dated after `after` (ms) when given; its iat, or null. */
  private async publishJournal(after?: number): Promise<string | null> {
    const held = this.heldOrThrow();
    const changes = this.pending(held);
    if (changes.length === 0 && after === undefined) {
      if (this.problem?.code === ISSUER_CODES.UNPUBLISHED) this.problem = null;
      return null;
    }
    const statuses = new Uint8Array(held.list.decoded());
    for (const [idx, value] of changes) writeTokenStatus(statuses, BITS, idx, value);
    // Whole seconds, strictly after the held version (and the merged copy).
    const floor = Math.max(held.list.versionMs, after ?? 0);
    const iatMs = Math.max(Math.floor(this.modules.now() / 1000) * 1000, (Math.floor(floor / 1000) + 1) * 1000);
    const lead = iatMs - this.modules.now();
    // A burst of versions: wait rather than date them ever further ahead of the clock.
    if (lead > MAX_IAT_LEAD_MS) await new Promise((resolve) => setTimeout(resolve, lead - MAX_IAT_LEAD_MS));
    try {
      await this.publishVersion(statuses, iatMs);
    } catch (error) {
      this.problem = {
        code: ISSUER_CODES.UNPUBLISHED,
        message: `${changes.length} journaled change(s) are not in a published version yet: ${(error as Error).message}`,
      };
      throw error;
    }
    if (this.problem?.code === ISSUER_CODES.UNPUBLISHED) this.problem = null;
    return new Date(iatMs).toISOString();
  }

  private async publishVersion(statuses: Uint8Array, iatMs: number): Promise<void> {
    this.refuseSigning();
    const jwt = await issueTokenStatusList({
      issuer: this.modules.keyPair,
      uri: this.uri,
      bits: BITS,
      statuses,
      issuedAt: iatMs,
      ...(this.options.ttlSeconds !== null ? { ttlSeconds: this.options.ttlSeconds } : {}),
    });
    const outcome = await this.modules.publish(new TextEncoder().encode(jwt));
    if (outcome.status !== 'accept') {
      throw new CodedError(
        'STATUS_PUBLISH_FAILED',
        `the node did not accept version ${new Date(iatMs).toISOString()} of ${this.uri}: ${outcome.error.code}: ${outcome.error.message}`,
        { cause: outcome.error },
      );
    }
  }

  private noteReapplied(changes: number): void {
    if (changes === 0) return;
    this.reapplied = { changes: (this.reapplied?.changes ?? 0) + changes, at: this.modules.now() };
  }

  private drawIndex(size: number): number {
    const random = this.modules.randomIndex ?? ((max: number) => randomInt(max));
    for (let probe = 0; probe < this.options.maxRandomProbes; probe++) {
      const idx = random(size);
      if (!this.used.has(idx)) return idx;
    }
    const free: number[] = [];
    for (let i = 0; i < size; i++) if (!this.used.has(i)) free.push(i);
    const idx = free[random(free.length)];
    if (free.length === 0 || idx === undefined) {
      throw new CodedError('ISSUER_LIST_FULL', `every one of the ${size} entries of ${this.uri} is allocated`);
    }
    return idx;
  }
}
