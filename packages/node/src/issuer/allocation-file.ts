/**
 * Durable record of the status-list entries an issuer has handed out.
 *
 * Why a file of its own and not the record store's meta: the store holds replicated, public,
 * issuer-level data (DESIGN.md, Principles §2), and its meta is the registry's. Which credential id
 * sits at which index is the issuer's private bookkeeping — it links a credential to its entry — so
 * it lives beside the issuer's key, is never replicated, and can be backed up (and destroyed) with
 * the key. It is written atomically (write a temporary file, flush it to disk, rename over the old
 * one), so a crash leaves either the previous or the new state, never a torn file, and an index once
 * handed out is never handed out again after a restart.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RegistryError, reject } from '@trustmesh/registry';

/** Status purposes the issuer manages (Bitstring Status List §2.1 statusPurpose). */
export type ManagedPurpose = 'revocation' | 'suspension';

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

/** Reads and atomically rewrites the allocation file at `path`. */
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

  /** Replaces the stored state: temporary file, flushed, then renamed over the old one. */
  async save(state: AllocationState): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(state));
      // Flush before the rename: otherwise a power cut can leave the new name on an empty file.
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, this.path);
  }
}

function checkState(value: unknown, path: string): AllocationState {
  const fail = (field: string, message: string) =>
    new RegistryError('ISSUER_STATE_CORRUPT', `${path}: ${message}`, { field });
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
