/**
 * The versions of the issuer's managed Bitstring Status Lists (issuer-service.ts): what an issuer
 * publishes and never builds below — the held version with every journaled value re-applied
 * (revocation: the union of set bits; suspension and message: the journal's last value), a refused
 * peer copy holding revocations the held version lacks merged into a version newer than both, a
 * list the journal references never created afresh (`ISSUER_STATE_BEHIND` until a peer's copy
 * arrives), and a version dated beyond the skew allowance re-dated now (issue 10, problems 1 and 3).
 * Why a list is not usable is kept per list (`problems`, in `/health`).
 */
import {
  CodedError,
  createStatusList,
  issueStatusList,
  nextStatusListVersion,
  pinnedKeyOf,
  readStatus,
  type StatusChange,
  type StatusListCredential,
  verifyProofWithKeys,
  writeStatus,
} from '@trustmesh/registry';
import type { ManagedPurpose } from './allocation-file.ts';
import {
  ISSUER_CODES,
  type IssuerServiceModules,
  type IssuerServiceOptions,
  type ListProblem,
} from './issuer-types.ts';
import { MESSAGE_LIST_CODES, type MessageList, messageListMismatch } from './message-list.ts';

/** What the list versions read from the issuer service that owns them. */
export interface ManagedListsHost {
  readonly did: string;
  readonly lists: Readonly<Partial<Record<ManagedPurpose, string>>>;
  readonly options: IssuerServiceOptions;
  readonly modules: IssuerServiceModules;
  readonly messageList: MessageList | null;
  /** The journal's value of every entry it set, per list: what every published version must carry. */
  readonly values: ReadonlyMap<string, ReadonlyMap<number, number>>;
  /** At start, whether the network's newer versions may still be on their way. */
  waitingForPeers(): boolean;
  /** Throws when the node must not sign now (its clock runs ahead of its peers'). */
  refuseSigning(): void;
  /** Whether the journal references list `id` (it was published before). */
  referenced(id: string): boolean;
  /** Bits per entry of a managed list. */
  statusSizeOf(purpose: ManagedPurpose): number;
}

/** The managed lists' versions; every method runs inside the issuer service's one-at-a-time queue. */
export class ManagedListVersions {
  /** Why each list is not usable yet, when it is not. */
  readonly problems = new Map<string, ListProblem>();
  /** Journal changes re-applied on top of an adopted version, per list, and when (for health). */
  readonly reapplied = new Map<string, { changes: number; at: number }>();

  constructor(private readonly host: ManagedListsHost) {}

  heldList(id: string) {
    const held = this.host.modules.registry.statusList(id, this.host.modules.keyPair.publicKeyMultibase);
    if (!held || held.list.issuer !== this.host.did) {
      const problem = this.problems.get(id);
      if (problem?.code === ISSUER_CODES.BEHIND) throw new CodedError(ISSUER_CODES.BEHIND, problem.message);
      throw new CodedError(
        'ISSUER_LIST_UNAVAILABLE',
        `status list ${id} is not held${problem ? ` (${problem.code}: ${problem.message})` : ''}`,
      );
    }
    return held;
  }

  /** The changes that bring `held` in step with the journal (revocation bits are never cleared). */
  pendingChanges(id: string, held: StatusListCredential): StatusChange[] {
    const revocation = id === this.host.lists.revocation;
    const changes: StatusChange[] = [];
    for (const [index, value] of this.host.values.get(id) ?? []) {
      const listed = readStatus(held.bits, index, held.statusSize);
      if (revocation ? value === 1 && listed !== 1 : listed !== value) changes.push({ index, value });
    }
    return changes;
  }

  /**
   * Publishes the next version of list `id` carrying every journaled value, plus `extra` changes
   * (a merge), after `after` (ms, exclusive) when given. Returns its validFrom, or null when the held
   * version already carries them all.
   */
  async publishJournal(id: string, extra: StatusChange[] = [], after?: number, force = false): Promise<string | null> {
    const held = this.heldList(id);
    const changes = [...this.pendingChanges(id, held.list)];
    for (const change of extra) if (!changes.some((c) => c.index === change.index)) changes.push(change);
    if (changes.length === 0 && after === undefined && !force) {
      if (this.problems.get(id)?.code === ISSUER_CODES.UNPUBLISHED) this.problems.delete(id);
      return null;
    }
    this.host.refuseSigning();
    const next = await nextStatusListVersion(held.list, changes, this.host.modules.keyPair, {
      now: this.host.modules.now(),
      documentLoader: this.host.modules.registry.documentLoader,
      maxClockSkewMs: this.host.modules.registry.options.maxClockSkewMs,
      force,
      ...(after !== undefined ? { after } : {}),
    });
    if (!next.changed) return null;
    // A held version dated beyond the skew allowance (a clock stepped forward, then corrected): the
    // next version is dated now (nextStatusListVersion) with the same bits and the changes; the
    // unusable future one must go first or it would shadow it (issue 10, problem 3).
    const limit = this.host.modules.now() + this.host.modules.registry.options.maxClockSkewMs;
    if (held.list.validFrom > limit) {
      await this.host.modules.registry.dropFutureStatusList(id, this.host.modules.keyPair.publicKeyMultibase);
      this.host.modules.logger?.warn(
        { list: id, validFrom: new Date(held.list.validFrom).toISOString() },
        'the held version of a managed list was dated in the future (clock stepped back): republished as of now',
      );
    }
    try {
      await this.publish(id, next.credential, next.validFrom);
    } catch (error) {
      this.problems.set(id, {
        statusListCredential: id,
        code: ISSUER_CODES.UNPUBLISHED,
        message: `${changes.length} journaled change(s) are not in a published version yet: ${(error as Error).message}`,
      });
      throw error;
    }
    if (this.problems.get(id)?.code === ISSUER_CODES.UNPUBLISHED) this.problems.delete(id);
    return next.validFrom;
  }

  /**
   * Adopts the held version of list `id` (after start, or when a newer copy was admitted): clears a
   * "behind" problem, and re-applies the journal on top when the version lacks journaled changes.
   */
  async adopt(id: string): Promise<void> {
    const held = this.host.modules.registry.statusList(id, this.host.modules.keyPair.publicKeyMultibase);
    if (!held || held.list.issuer !== this.host.did) return;
    if (this.problems.get(id)?.code === ISSUER_CODES.BEHIND) {
      this.problems.delete(id);
      this.host.modules.logger?.info({ list: id }, 'adopted the newest version of a managed list from a peer');
    }
    const pending = this.pendingChanges(id, held.list).length;
    // Dated beyond what any peer accepts (the clock was stepped forward, then corrected): whatever
    // it carries reaches nobody until re-dated now.
    const future = held.list.validFrom > this.host.modules.now() + this.host.modules.registry.options.maxClockSkewMs;
    if (pending === 0 && !future) return;
    // At start, the network's newer version may be on its way: re-apply on top of that one.
    if (this.host.waitingForPeers()) return;
    try {
      await this.publishJournal(id, [], undefined, future);
      if (pending > 0) this.noteReapplied(id, pending);
      this.host.modules.logger?.warn(
        { list: id, changes: pending },
        'the held version of a managed list lacked journaled changes: re-applied them',
      );
    } catch (error) {
      this.host.modules.logger?.warn({ list: id, code: (error as CodedError).code }, 'cannot re-apply the journal yet');
    }
  }

  /** Merges a refused peer copy of our own list (see IssuerService.observeRefused). */
  async merge(copy: StatusListCredential): Promise<boolean> {
    const id = copy.id;
    const held = this.host.modules.registry.statusList(id, this.host.modules.keyPair.publicKeyMultibase);
    if (!held || !copy.statusPurpose.includes('revocation') || id !== this.host.lists.revocation) return true;
    // Only bits this issuer's own key signed count: a copy signed by anyone else is no evidence.
    const proof = await verifyProofWithKeys(
      copy.credential,
      this.host.did,
      [pinnedKeyOf(this.host.modules.keyPair)],
      this.host.modules.registry.documentLoader,
    );
    if (!proof.verified) return true;
    const missing: StatusChange[] = [];
    const entries = Math.min(copy.bits.length, held.list.bits.length) * 8;
    for (let index = 0; index < entries; index++) {
      if (readStatus(copy.bits, index, 1) === 1 && readStatus(held.list.bits, index, 1) !== 1) {
        missing.push({ index, value: 1 });
      }
    }
    if (missing.length === 0 && copy.validFrom <= held.list.validFrom) return true;
    this.problems.set(id, {
      statusListCredential: id,
      code: ISSUER_CODES.DIVERGENT,
      message: `a peer holds version ${new Date(copy.validFrom).toISOString()} with ${missing.length} revocation(s) the held version ${new Date(held.list.validFrom).toISOString()} lacks: merging`,
    });
    try {
      // Newer than both versions, holding the union: every peer and this node accept it.
      await this.publishJournal(id, missing, Math.max(copy.validFrom, held.list.validFrom));
      this.problems.delete(id);
      this.noteReapplied(id, missing.length);
      this.host.modules.logger?.warn(
        { list: id, revocations: missing.length },
        'merged a divergent peer copy of a managed list',
      );
      return true;
    } catch (error) {
      this.host.modules.logger?.warn({ list: id, code: (error as CodedError).code }, 'cannot merge the peer copy yet');
      return false;
    }
  }

  noteReapplied(id: string, changes: number): void {
    const before = this.reapplied.get(id)?.changes ?? 0;
    this.reapplied.set(id, { changes: before + changes, at: this.host.modules.now() });
  }

  async publishList(id: string, purpose: ManagedPurpose, bits: Uint8Array, validFrom: Date): Promise<void> {
    this.host.refuseSigning();
    const record = await issueStatusList(
      {
        issuer: this.host.modules.keyPair,
        id,
        statusPurpose: purpose,
        bits,
        ...(purpose === 'message' && this.host.messageList
          ? { statusSize: this.host.messageList.statusSize, statusMessage: this.host.messageList.messages }
          : {}),
        validFrom,
        ...(this.host.options.listTtlMs !== null ? { ttl: this.host.options.listTtlMs } : {}),
      },
      this.host.modules.registry.documentLoader,
    );
    await this.publish(id, record, validFrom.toISOString());
  }

  async publish(id: string, record: Record<string, unknown>, validFrom: string): Promise<void> {
    const outcome = await this.host.modules.publish(record);
    if (outcome.status !== 'accept') {
      throw new CodedError(
        'STATUS_PUBLISH_FAILED',
        `the node did not accept version ${validFrom} of ${id}: ${outcome.error.code}: ${outcome.error.message}`,
        { cause: outcome.error },
      );
    }
  }

  /**
   * Creates and publishes each managed list the registry does not hold, unless the journal
   * references it (then its newest version must come from a peer: `ISSUER_STATE_BEHIND`);
   * remembers why one failed.
   */
  async ensureLists(): Promise<void> {
    for (const [purpose, id] of Object.entries(this.host.lists) as [ManagedPurpose, string][]) {
      const held = this.host.modules.registry.statusList(id, this.host.modules.keyPair.publicKeyMultibase);
      if (held) {
        if (held.list.issuer === this.host.did) {
          const code = this.problems.get(id)?.code;
          if (code !== ISSUER_CODES.DIVERGENT && code !== ISSUER_CODES.UNPUBLISHED) this.problems.delete(id);
          const mismatch =
            purpose === 'message' && this.host.messageList && messageListMismatch(held.list, this.host.messageList);
          if (mismatch)
            this.problems.set(id, { statusListCredential: id, code: MESSAGE_LIST_CODES.MISMATCH, message: mismatch });
        } else {
          this.problems.set(id, {
            statusListCredential: id,
            code: 'ISSUER_LIST_CONFLICT',
            message: `the registry holds ${id} issued by ${held.list.issuer}`,
          });
        }
        continue;
      }
      const other = this.host.modules.registry.statusList(id);
      if (other && other.list.issuer !== this.host.did) {
        this.problems.set(id, {
          statusListCredential: id,
          code: 'ISSUER_LIST_CONFLICT',
          message: `the registry holds ${id} issued by ${other.list.issuer}`,
        });
        continue;
      }
      // At start with peers to dial, the list may exist on the network (even if the journal was
      // lost with the store): wait for the first round before creating one.
      if (this.host.waitingForPeers()) {
        this.problems.set(id, {
          statusListCredential: id,
          code: ISSUER_CODES.BEHIND,
          message: `${id} is not held: waiting for a first sync round with a peer before creating it`,
        });
        continue;
      }
      // The journal proves this list was published: a brand-new empty one would be older state
      // than the network's (every peer would refuse its versions as STATUS_LIST_ROLLBACK).
      if (this.host.referenced(id) && !this.host.options.recreateMissingLists) {
        this.problems.set(id, {
          statusListCredential: id,
          code: ISSUER_CODES.BEHIND,
          message: `${id} was published before (the issuer journal references it) but is not held: waiting for a peer's copy (docs/operators.md, Backup and recovery)`,
        });
        continue;
      }
      try {
        const statusSize = this.host.statusSizeOf(purpose);
        const bits = createStatusList(this.host.options.listEntries, { statusSize });
        const revocation = purpose === 'revocation';
        // With the override, the journal alone rebuilds it.
        for (const [index, value] of this.host.values.get(id) ?? []) {
          if (!revocation || value === 1) writeStatus(bits, index, statusSize, value);
        }
        await this.publishList(id, purpose, bits, new Date(this.host.modules.now()));
        this.problems.delete(id);
        this.host.modules.logger?.info({ list: id, purpose }, 'published a new status list');
      } catch (error) {
        const cause = error instanceof CodedError && error.cause instanceof CodedError ? error.cause : error;
        const code = cause instanceof CodedError ? cause.code : 'STATUS_PUBLISH_FAILED';
        this.problems.set(id, { statusListCredential: id, code, message: (cause as Error).message });
        this.host.modules.logger?.warn({ list: id, code }, 'cannot publish status list yet');
      }
    }
  }
}
