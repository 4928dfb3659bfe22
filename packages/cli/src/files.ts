/**
 * Reading and writing the files a user hands the CLI, with errors that say which file and what to
 * do. Writes go to a temporary file in the same directory and are renamed into place, so a crash
 * never leaves half a network file or key file behind, and a key file is 0600 from its first byte.
 */
import { randomBytes } from 'node:crypto';
import { chmod, lstat, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { syncDirectory } from '@trustmesh/registry';
import { CliError } from './output.ts';

/** Largest JSON file read (a bundle of many status lists); records inside keep their own limits. */
export const MAX_INPUT_FILE_BYTES = 512 * 1024 * 1024;

/** Where to read standard input from when a path is `-`. */
export interface StdinSource {
  stdin: AsyncIterable<Uint8Array | string>;
}

/**
 * Reads and parses a JSON file (or standard input for `-`).
 * @param path - The file, or `-`.
 * @param what - What the file is, for messages ("key file", "credential").
 * @throws CliError `FILE_NOT_FOUND`, `FILE_UNREADABLE`, `FILE_TOO_LARGE` or `FILE_NOT_JSON`.
 */
export async function readJsonFile(path: string, what: string, io: StdinSource): Promise<unknown> {
  const text = await readTextFile(path, what, io);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(
      'FILE_NOT_JSON',
      `${what} ${displayName(path)} is not valid JSON (${(error as Error).message})`,
      {
        hint: `check that ${displayName(path)} is the ${what} you meant`,
        cause: error,
      },
    );
  }
}

/** Reads a text file (or standard input for `-`), with the errors of {@link readJsonFile}. */
export async function readTextFile(path: string, what: string, io: StdinSource): Promise<string> {
  return (await readBinaryFile(path, what, io)).toString('utf8');
}

/** Reads a file's bytes (or standard input's for `-`): DER certificates, CBOR mdocs. */
export async function readBinaryFile(path: string, what: string, io: StdinSource): Promise<Buffer> {
  if (path === '-') return readStdin(io, what);
  let bytes: Buffer;
  try {
    const stats = await lstat(path);
    if (stats.isDirectory()) {
      throw new CliError('FILE_UNREADABLE', `${what} ${path} is a directory`, { hint: `give the path of the ${what}` });
    }
    if (stats.size > MAX_INPUT_FILE_BYTES) {
      throw new CliError('FILE_TOO_LARGE', `${what} ${path} is larger than ${MAX_INPUT_FILE_BYTES} bytes`, {
        hint: `check that ${path} is the ${what} you meant`,
      });
    }
    bytes = await readFile(path);
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new CliError('FILE_NOT_FOUND', `${what} ${path} does not exist`, {
        hint: 'check the path and the working directory',
        cause: error,
      });
    }
    throw new CliError('FILE_UNREADABLE', `cannot read ${what} ${path} (${(error as Error).message})`, {
      hint: 'check the file permissions',
      cause: error,
    });
  }
  return bytes;
}

async function readStdin(io: StdinSource, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of io.stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
    size += buffer.byteLength;
    if (size > MAX_INPUT_FILE_BYTES) {
      throw new CliError('FILE_TOO_LARGE', `${what} on standard input is larger than ${MAX_INPUT_FILE_BYTES} bytes`);
    }
    chunks.push(buffer);
  }
  if (size === 0) {
    throw new CliError('FILE_NOT_JSON', `${what} on standard input is empty`, {
      hint: `pipe the ${what} in, or give its file name instead of -`,
    });
  }
  return Buffer.concat(chunks);
}

/** Options of {@link writeFileAtomic}. */
export interface WriteOptions {
  /** Replace an existing file (otherwise refuse with `FILE_EXISTS`). */
  force: boolean;
  /** File mode, e.g. 0o600 for key files. */
  mode?: number;
  /** What the file is, for messages. */
  what: string;
}

/**
 * Writes `text` to `path` through a temporary file and a rename. Refuses to replace an existing
 * file unless `force`.
 * @throws CliError `FILE_EXISTS` or `FILE_UNWRITABLE`.
 */
export async function writeFileAtomic(path: string, text: string, options: WriteOptions): Promise<void> {
  if (!options.force && (await exists(path))) {
    throw new CliError('FILE_EXISTS', `${path} already exists; not overwriting the ${options.what}`, {
      hint: 'choose another --out path, or add --force to replace it',
    });
  }
  const mode = options.mode ?? 0o644;
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    // 'wx' with the final mode: the secret is never readable by others, not even for a moment.
    const handle = await open(temporary, 'wx', mode);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    // The umask may have narrowed the mode further; set exactly what was asked.
    await chmod(temporary, mode);
    await rename(temporary, path);
    // The rename is durable once the directory is: a key file written and acknowledged survives a power cut.
    await syncDirectory(dirname(path));
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw new CliError('FILE_UNWRITABLE', `cannot write ${options.what} ${path} (${(error as Error).message})`, {
      hint: 'check that the directory exists and is writable',
      cause: error,
    });
  }
}

/** Writes a JSON document (2-space indented, trailing newline); see {@link writeFileAtomic}. */
export function writeJsonFile(path: string, value: unknown, options: WriteOptions): Promise<void> {
  return writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, options);
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

function displayName(path: string): string {
  return path === '-' ? '(standard input)' : path;
}
