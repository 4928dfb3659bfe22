/**
 * The issuer's write-ahead journal: every acknowledged change of the issuer's private state — the
 * entries handed to a credential, and every status value it was asked to set — appended and synced
 * to disk before the API answers 2xx (DESIGN.md, Principles §7: a 2xx for a write means durable).
 *
 * Why a journal, not a file rewritten whole: the previous allocation file was rewritten and fsynced
 * in full on every issuance (hundreds of kB at a few thousand credentials, issue 10). An append costs
 * one small write and one fdatasync whatever the size. Why not the record store: the store holds
 * replicated public data and may be lost or rolled back (a deleted `db/`, a restored backup, a
 * truncated LevelDB log); the journal is what the issuer re-applies on top of whatever list version
 * is newest, so no acknowledged change is ever undone (issue 10, problem 1).
 *
 * Format: UTF-8 lines `<crc32 of the JSON, 8 hex digits> <JSON>\n`. The first line is a header naming
 * the issuer's DID. A last line that is incomplete or fails its checksum is a torn append (a crash
 * during a write that was never acknowledged) and is cut off at open; a bad line anywhere else is
 * corruption (`ISSUER_STATE_CORRUPT`). Writes go at an explicit offset, so a failed append (a full
 * disk) leaves nothing that a later append does not overwrite.
 */
import { constants } from 'node:fs';
import * as fsPromises from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import { CodedError, reject, StoreError, syncDirectory } from '@trustmesh/registry';
import type { AllocatedEntry } from './allocation-file.ts';

/**
 * An entry handed out, as journaled: a Bitstring Status List entry of the issuer service
 * (AllocatedEntry) or a Token Status List entry (`statusPurpose: 'token-status'`,
 * token-status-issuer.ts). Each journal file belongs to one of them.
 */
export type JournaledEntry =
  | AllocatedEntry
  | { statusPurpose: 'token-status'; statusListCredential: string; statusListIndex: number };

/** One journaled change. */
export type JournalEntry =
  /** Entries handed out; `credentialId` null when they were burned (the credential could not be signed). */
  | { op: 'alloc'; credentialId: string | null; entries: JournaledEntry[] }
  /** The value an entry of a managed list was set to (1 set, 0 cleared: suspension lifted). */
  | { op: 'set'; list: string; index: number; value: number };

interface Header {
  op: 'header';
  format: 1;
  issuer: string;
}

/** The file operations the journal uses; tests inject faults (a full disk) through them. */
export interface JournalFileSystem {
  open: typeof fsPromises.open;
}

/** Stable codes of journal failures: 503 / 507 in the API (api/errors.ts). */
export const JOURNAL_CODES = {
  /** A journal write or sync failed: the change was not acknowledged. */
  IO: 'ISSUER_JOURNAL_IO',
  /** The disk is full: the change was not acknowledged. */
  FULL: 'ISSUER_JOURNAL_FULL',
} as const;

const UTF8 = new TextEncoder();

/** The append-only journal of an issuer. Open with {@link IssuerJournal.open}. */
export class IssuerJournal {
  readonly path: string;
  private readonly handle: fsPromises.FileHandle;
  /** Length of the valid content: the next append goes here. */
  private size: number;
  private queue: Promise<void> = Promise.resolve();
  private failures = 0;
  private lastFailure: { at: number; code: string; message: string } | null = null;

  private constructor(path: string, handle: fsPromises.FileHandle, size: number) {
    this.path = path;
    this.handle = handle;
    this.size = size;
  }

  /**
   * Opens (creating, with its header) the journal at `path` and reads every entry in order.
   * @throws ValidationError `ISSUER_STATE_MISMATCH` when the journal belongs to another DID,
   *   `ISSUER_STATE_CORRUPT` when a line before the last is damaged.
   */
  static async open(
    path: string,
    issuer: string,
    options: {
      fs?: JournalFileSystem;
      onTornTail?: (bytes: number) => void;
      onCompacted?: (from: number, to: number) => void;
      /** Entries superseded (status values set again later) beyond which the journal is rewritten. */
      compactAfterSuperseded?: number;
    } = {},
  ): Promise<{ journal: IssuerJournal; entries: JournalEntry[] }> {
    const opened = await IssuerJournal.openFile(path, issuer, options);
    const compacted = compactEntries(opened.entries);
    const superseded = opened.entries.length - compacted.length;
    if (superseded < (options.compactAfterSuperseded ?? DEFAULT_COMPACT_AFTER)) return opened;
    // Rewrite it holding the same state: a new file synced, renamed over the old one, its directory
    // synced (a crash at any point leaves the old journal or the new one, both complete).
    await opened.journal.close();
    const temporary = `${path}.compacting`;
    const text = [{ op: 'header', format: 1, issuer } satisfies Header, ...compacted].map(line).join('');
    const handle = await fsPromises.open(temporary, constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC, 0o600);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsPromises.rename(temporary, path);
    await syncDirectory(dirname(path));
    options.onCompacted?.(opened.entries.length, compacted.length);
    return IssuerJournal.openFile(path, issuer, options);
  }

  private static async openFile(
    path: string,
    issuer: string,
    options: { fs?: JournalFileSystem; onTornTail?: (bytes: number) => void },
  ): Promise<{ journal: IssuerJournal; entries: JournalEntry[] }> {
    const fs = options.fs ?? fsPromises;
    await fsPromises.mkdir(dirname(path), { recursive: true });
    let created = false;
    let handle: fsPromises.FileHandle;
    try {
      handle = await fs.open(path, constants.O_RDWR);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError('open', path, error);
      handle = await fs.open(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
      created = true;
    }
    try {
      const text = created ? '' : (await handle.readFile()).toString('utf8');
      const { entries, validBytes, header } = parse(text, path);
      if (header && header.issuer !== issuer) {
        throw reject('ISSUER_STATE_MISMATCH', 'issuer', `${path} is the journal of ${header.issuer}, not of ${issuer}`);
      }
      const bytes = UTF8.encode(text).byteLength;
      if (validBytes < bytes) {
        // A torn last append: it was never synced, so never acknowledged. Cut it off.
        await handle.truncate(validBytes);
        await handle.sync();
        options.onTornTail?.(bytes - validBytes);
      }
      const journal = new IssuerJournal(path, handle, validBytes);
      if (!header) {
        await journal.write([{ op: 'header', format: 1, issuer } satisfies Header]);
        // A new file's name lives in its directory: sync that too, or a power cut can lose the file.
        await syncDirectory(dirname(path));
      }
      return { journal, entries };
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Appends entries and syncs them to disk; resolves once they are durable. Appends run one at a
   * time. @throws ValidationError `ISSUER_JOURNAL_FULL` (no space) or `ISSUER_JOURNAL_IO`.
   */
  append(entries: readonly JournalEntry[]): Promise<void> {
    const run = this.queue.then(() => this.write(entries));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Failed appends since open, and the last one (for health). */
  faults(): { failures: number; last: { at: number; code: string; message: string } | null } {
    return { failures: this.failures, last: this.lastFailure };
  }

  /** Closes the file. */
  async close(): Promise<void> {
    await this.queue;
    await this.handle.close();
  }

  private async write(entries: readonly (JournalEntry | Header)[]): Promise<void> {
    if (entries.length === 0) return;
    const text = entries.map(line).join('');
    const bytes = UTF8.encode(text);
    try {
      let written = 0;
      while (written < bytes.byteLength) {
        const { bytesWritten } = await this.handle.write(
          bytes,
          written,
          bytes.byteLength - written,
          this.size + written,
        );
        written += bytesWritten;
      }
      await this.handle.datasync();
      this.size += bytes.byteLength;
    } catch (error) {
      // Whatever part landed lies past `size`: the next append overwrites it, and a restart cuts it
      // off as a torn tail. Nothing of this append was acknowledged.
      await this.handle.truncate(this.size).catch(() => undefined);
      const failure = ioError('append to', this.path, error);
      this.failures++;
      this.lastFailure = { at: Date.now(), code: failure.code, message: failure.message };
      throw failure;
    }
  }
}

/** Superseded entries beyond which {@link IssuerJournal.open} compacts (a suspension toggled often). */
const DEFAULT_COMPACT_AFTER = 4096;

/**
 * The same state in fewer entries: every allocation kept in order (each is state), and of the
 * status values set for one entry of one list only the last (what re-applying the journal yields:
 * the final value of each entry; a revocation is only ever set to 1). Kept at its last position.
 */
export function compactEntries(entries: readonly JournalEntry[]): JournalEntry[] {
  const lastSet = new Map<string, number>();
  entries.forEach((entry, i) => {
    if (entry.op === 'set') lastSet.set(`${entry.list}\u0000${entry.index}`, i);
  });
  return entries.filter((entry, i) => entry.op !== 'set' || lastSet.get(`${entry.list}\u0000${entry.index}`) === i);
}

function line(value: JournalEntry | Header): string {
  const json = JSON.stringify(value);
  return `${(crc32(json) >>> 0).toString(16).padStart(8, '0')} ${json}\n`;
}

function parse(text: string, path: string): { entries: JournalEntry[]; validBytes: number; header: Header | null } {
  const entries: JournalEntry[] = [];
  let header: Header | null = null;
  let offset = 0;
  let validBytes = 0;
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const last = i === lines.length - 1;
    // The text after the final newline: empty, or a torn append.
    if (last) break;
    const value = decodeLine(raw);
    if (value === null) {
      // Damage followed only by more damage or nothing is a torn tail; valid lines after it are not.
      const rest = lines.slice(i + 1).filter((l) => l.length > 0);
      if (rest.some((l) => decodeLine(l) !== null)) {
        throw new StoreError('ISSUER_STATE_CORRUPT', `${path}: line ${i + 1} fails its checksum`, {
          field: `line ${i + 1}`,
        });
      }
      return { entries, validBytes, header };
    }
    if (i === 0) {
      if ((value as { op?: unknown }).op !== 'header' || typeof (value as Header).issuer !== 'string') {
        throw new StoreError('ISSUER_STATE_CORRUPT', `${path}: the first line is not a journal header`);
      }
      header = value as Header;
    } else {
      entries.push(checkEntry(value, path, i + 1));
    }
    offset += UTF8.encode(raw).byteLength + 1;
    validBytes = offset;
  }
  return { entries, validBytes, header };
}

function decodeLine(raw: string): unknown {
  const space = raw.indexOf(' ');
  if (space !== 8) return null;
  const json = raw.slice(9);
  if ((crc32(json) >>> 0).toString(16).padStart(8, '0') !== raw.slice(0, 8)) return null;
  try {
    return JSON.parse(json);
  } catch {
    return null;
  }
}

function checkEntry(value: unknown, path: string, lineNumber: number): JournalEntry {
  const entry = value as Partial<Record<string, unknown>>;
  const fail = () =>
    new StoreError('ISSUER_STATE_CORRUPT', `${path}: line ${lineNumber} is not a journal entry`, {
      field: `line ${lineNumber}`,
    });
  if (entry.op === 'alloc') {
    if (!(entry.credentialId === null || typeof entry.credentialId === 'string')) throw fail();
    if (!Array.isArray(entry.entries)) throw fail();
    return entry as JournalEntry;
  }
  if (entry.op === 'set') {
    if (typeof entry.list !== 'string' || !Number.isSafeInteger(entry.index) || !Number.isSafeInteger(entry.value))
      throw fail();
    return entry as JournalEntry;
  }
  throw fail();
}

function ioError(what: string, path: string, cause: unknown): CodedError {
  if (cause instanceof CodedError) return cause;
  const code = (cause as NodeJS.ErrnoException | null)?.code;
  const message = `cannot ${what} ${path}: ${cause instanceof Error ? cause.message : String(cause)}`;
  return new StoreError(code === 'ENOSPC' || code === 'EDQUOT' ? JOURNAL_CODES.FULL : JOURNAL_CODES.IO, message, {
    cause,
  });
}
