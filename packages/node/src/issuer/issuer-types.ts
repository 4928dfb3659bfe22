/**
 * The issuer mode's settings, dependencies, results and codes (issuer-service.ts implements it):
 * what the node, the HTTP API and the Token Status issuer share with it.
 */
import type { CodedError, KeyPair, Registry, SubmitOutcome } from '@trustmesh/registry';
import type { Logger } from 'pino';
import type { NodeMetrics } from '../metrics/metrics.ts';
import type { AllocatedEntry, ManagedPurpose } from './allocation-file.ts';
import type { JournalFileSystem } from './issuer-journal.ts';
import type { MessageListOptions } from './message-list.ts';

/**
 * The status a caller can set through `IssuerService.updateStatus`: a revocation or
 * suspension state, or a value of the message list (`0x2`, message-list.ts).
 */
export type CredentialStatusValue = 'revoked' | 'suspended' | 'active' | `0x${string}`;

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
  /**
   * Operator override after a total loss (docs/operators.md, Backup and recovery): create a managed
   * list the journal references but that no peer holds, from the journal alone. Off by default: a
   * list recreated while a peer still holds a newer version would split the issuer from the network.
   */
  recreateMissingLists: boolean;
  /**
   * At start, status changes wait (503 `ISSUER_STATE_BEHIND`) until `IssuerService.peerStateKnown`
   * — a first complete anti-entropy round with a peer, which brings the network's newest versions of
   * the issuer's lists — or until this many ms have passed; 0 turns the wait off. The node sets it
   * when it has peers to dial: a node restored from an older backup then publishes on top of the
   * network's versions, not of its own older ones.
   */
  startupSyncTimeoutMs: number;
  /**
   * A node-managed `message` list (Bitstring Status List §2.2), or null (the default): each new
   * credential then also gets a `message` entry with this statusSize and these messages.
   */
  messageList: MessageListOptions | null;
}

/** Defaults: a revocation list only, 131,072 entries, no ttl. */
export const defaultIssuerServiceOptions: Omit<IssuerServiceOptions, 'publicBaseUrl' | 'dataDir'> = {
  revocationListName: 'revocation',
  suspensionListName: null,
  listEntries: 131_072,
  listTtlMs: null,
  maxRandomProbes: 64,
  recreateMissingLists: false,
  startupSyncTimeoutMs: 0,
  messageList: null,
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
  /**
   * Why this node must not sign now, or null (e.g. its clock runs ahead of its peers', issue 10
   * problem 3). Asked before every signature; the error is thrown as is (503 in the API).
   */
  signingRefusal?: () => CodedError | null;
  /** File layer of the journal (fault injection in tests). */
  journalFs?: JournalFileSystem;
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
  /** The message of that value (a `message` entry). */
  message?: string;
  /** False when the entry already had that value (no new list version was published). */
  changed: boolean;
  /** validFrom of the list version that holds the value (the new one when changed). */
  validFrom: string;
}

/** Outcome of `IssuerService.updateStatus`. */
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

/** The journal (issuer-journal.ts). */
export const ISSUER_JOURNAL_FILE = 'issuer-journal.log';

/** Stable codes of the issuer mode's own faults (503 in the API). */
export const ISSUER_CODES = {
  /** A managed list the journal references is not held yet: waiting for a peer's copy. */
  BEHIND: 'ISSUER_STATE_BEHIND',
  /** A peer holds a version of a managed list with revocations this node's version lacks. */
  DIVERGENT: 'ISSUER_LIST_DIVERGENT',
  /** Journaled changes that no held version carries yet (publishing them failed). */
  UNPUBLISHED: 'ISSUER_CHANGES_UNPUBLISHED',
} as const;
