/**
 * The allocation file of earlier versions: the status-list entries an issuer handed out, as one JSON
 * document that was rewritten (and fsynced) whole on every issuance. It is now read once, as the
 * base state the issuer journal (issuer-journal.ts) continues from, and never written again: an
 * append-only journal costs one small synced write per change whatever the number of credentials
 * (issue 10).
 *
 * Why not the record store: the store holds replicated, public, issuer-level data (DESIGN.md,
 * Principles §2). Which credential id sits at which index is the issuer's private bookkeeping — it
 * links a credential to its entry — so it lives beside the issuer's key and is never replicated.
 */
import { readFile } from 'node:fs/promises';
import { reject, StoreError } from '@trustmesh/registry';

/**
 * Status purposes the issuer manages (Bitstring Status List §2.1 statusPurpose); `message` only
 * when a message list is configured (message-list.ts).
 */
export type ManagedPurpose = 'revocation' | 'suspension' | 'message';

/** One entry handed to a credential. */
export interface AllocatedEntry {
  statusPurpose: ManagedPurpose;
  /** The list credential's id (its URL). */
  statusListCredential: string;
  statusListIndex: number;
}

/** Everything the file holds. */
export interface AllocationState {
  /** Format version of this file. */
  version: 1;
  /** DID of the issuer the allocations belong to: a file is never reused with another key. */
  issuer: string;
  /** Every index ever handed out (or burned), per list id. */
  lists: Record<string, number[]>;
  /** Entries of each credential, by credential id, so status updates can name the credential. */
  credentials: Record<string, AllocatedEntry[]>;
}

/** Reads the allocation file at `path` (never writes it). */
export class AllocationFile {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  /** The stored state, or null when the file does not exist yet. Throws `ISSUER_STATE_CORRUPT` on an unreadable file. */
  async load(): Promise<AllocationState | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (cause) {
      throw reject('ISSUER_STATE_CORRUPT', undefined, `${this.path} is not valid JSON`, cause);
    }
    return checkState(value, this.path);
  }
}

function checkState(value: unknown, path: string): AllocationState {
  const fail = (field: string, message: string) =>
    new StoreError('ISSUER_STATE_CORRUPT', `${path}: ${message}`, { field });
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw fail('', 'must be a JSON object');
  const state = value as Record<string, unknown>;
  if (state.version !== 1) throw fail('version', 'must be 1');
  if (typeof state.issuer !== 'string') throw fail('issuer', 'must be a DID');
  const lists = state.lists;
  if (lists === null || typeof lists !== 'object' || Array.isArray(lists)) throw fail('lists', 'must be an object');
  for (const [id, indexes] of Object.entries(lists)) {
    if (!Array.isArray(indexes) || !indexes.every((i) => Number.isSafeInteger(i) && i >= 0)) {
      throw fail(`lists.${id}`, 'must be an array of entry indexes');
    }
  }
  const credentials = state.credentials;
  if (credentials === null || typeof credentials !== 'object' || Array.isArray(credentials)) {
    throw fail('credentials', 'must be an object');
  }
  for (const [id, entries] of Object.entries(credentials)) {
    if (!Array.isArray(entries)) throw fail(`credentials.${id}`, 'must be an array of entries');
  }
  return state as unknown as AllocationState;
}
