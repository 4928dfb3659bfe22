/**
 * Test helpers: run the real `trustmesh` command as a child process (through tsx, as users run it)
 * in a temporary directory, and build data directories and credentials with the registry API.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createNetworkFile, type NetworkFile } from '@trustmesh/node';
import {
  createSampleNetwork,
  createStatusList,
  EXAMPLES_CONTEXT_V1_URL,
  exportKeyPair,
  issueStatusList,
  type KeyPair,
  LevelRecordStore,
  Registry,
  type SampleNetwork,
  signCredential,
  writeStatus,
} from '@trustmesh/registry';
import { runCli as runCliInProcess } from '../src/program.ts';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
// The package's bin: one process (tsx registered in-process), so a signal reaches the command itself
// (the tsx CLI would run it as a grandchild, which SIGKILL would orphan).
const BIN = join(PACKAGE_DIR, 'bin', 'trustmesh.js');

/** What a run of the command produced. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `trustmesh ...args` in `cwd`. The environment is cleared of TRUSTMESH_* variables (so the
 * developer's own settings never leak in) and then given `env`.
 */
export function runCli(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string>; stdin?: string },
): Promise<RunResult> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('TRUSTMESH_')) delete env[name];
  Object.assign(env, options.env);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

/**
 * Runs `trustmesh ...args` in this process through the same {@link runCliInProcess} entry the bin
 * calls (src/main.ts), with captured streams: no process start-up (~1 s of tsx and module loading),
 * for commands that need neither signals nor a process of their own. The environment holds only `env`.
 */
export async function runInProcess(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string>; stdin?: string },
): Promise<RunResult> {
  // Relative paths resolve against the process's directory, as in a real run: one call at a time.
  const run = inProcessQueue.then(async () => {
    let stdout = '';
    let stderr = '';
    const previous = process.cwd();
    process.chdir(options.cwd);
    try {
      const code = await runCliInProcess(args, {
        stdout: { write: (text: string) => (stdout += text) },
        stderr: { write: (text: string) => (stderr += text) },
        stdin: Readable.from([options.stdin ?? '']),
        env: { ...options.env },
        cwd: options.cwd,
        now: Date.now,
      });
      return { code, stdout, stderr };
    } finally {
      process.chdir(previous);
    }
  });
  inProcessQueue = run.catch(() => undefined);
  return run;
}

let inProcessQueue: Promise<unknown> = Promise.resolve();

/** A command left running (a node): its output so far, and its end. */
export interface Background {
  readonly child: ChildProcess;
  /** Output so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves when the process has exited. */
  readonly exited: Promise<RunResult>;
  /** Sends a signal (default SIGTERM) if it still runs. */
  kill(signal?: NodeJS.Signals): void;
}

/** Starts `trustmesh ...args` in the background; the environment is cleared as in {@link runCli}. */
export function startCli(args: readonly string[], options: { cwd: string; env?: Record<string, string> }): Background {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('TRUSTMESH_')) delete env[name];
  Object.assign(env, options.env);
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<RunResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? -1 : null), stdout, stderr }));
  });
  return {
    child,
    output: () => ({ stdout, stderr }),
    exited,
    kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** The workspace's bin: what `npx trustmesh` runs from the repository root. */
export const ROOT_BIN = join(PACKAGE_DIR, '..', '..', 'bin', 'trustmesh.js');

/** A documented shell line as `sh -c` runs it: `npx trustmesh …` is the workspace's bin. */
export function pastedCommand(line: string): string {
  return line.replaceAll(
    /(^|&& )npx trustmesh /g,
    `$1${JSON.stringify(process.execPath)} ${JSON.stringify(ROOT_BIN)} `,
  );
}

/** The environment of a pasted line: the test's, cleared of TRUSTMESH_* (as in {@link runCli}). */
function pastedEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('TRUSTMESH_')) delete env[name];
  return env;
}

/**
 * Runs a documented shell line in `cwd` as a user pasting it would (see {@link pastedCommand}),
 * with `env` added to the environment (what the user's shell has set, e.g. NODE_EXTRA_CA_CERTS).
 */
export function runPasted(line: string, options: { cwd: string; env?: Record<string, string> }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', pastedCommand(line)], {
      cwd: options.cwd,
      env: { ...pastedEnv(), ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end();
  });
}

/**
 * Starts a documented shell line (a node) in the background. The shell `exec`s the command, in a
 * process group of its own: the workspace's bin may run the CLI as its child on the pinned Node, and
 * a signal goes to the whole group, as systemd's default KillMode sends it, so nothing outlives a kill.
 */
export function startPasted(line: string, options: { cwd: string; env?: Record<string, string> }): Background {
  const child = spawn('sh', ['-c', `exec ${pastedCommand(line)}`], {
    cwd: options.cwd,
    env: { ...pastedEnv(), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<RunResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? -1 : null), stdout, stderr }));
  });
  return {
    child,
    output: () => ({ stdout, stderr }),
    exited,
    kill(signal = 'SIGTERM') {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch (error) {
        // The group is gone: everything in it has exited.
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    },
  };
}

/** A TCP port that was free a moment ago (listen on 0, read the port, close). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * Polls `probe` until it returns something other than null/false, and returns that. Fails after
 * `timeoutMs`, or as soon as `background` exits (with its output, which says why).
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | false> | T | null | false,
  options: { timeoutMs?: number; background?: Background } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let exited: RunResult | null = null;
  void options.background?.exited.then((result) => {
    exited = result;
  });
  for (;;) {
    const value = await probe();
    if (value !== null && value !== false) return value;
    if (exited) throw new Error(`waiting for ${what}: the process exited\n${show(exited)}`);
    if (Date.now() > deadline) {
      const output = options.background?.output();
      throw new Error(
        `timed out waiting for ${what}${output ? `\n--- stdout\n${output.stdout}\n--- stderr\n${output.stderr}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** GETs a JSON route, or null when nothing answers (yet). */
export async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> } | null> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  } catch {
    return null;
  }
}

/** POSTs JSON. */
export async function postJson(
  url: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Waits until a node started in `background` answers `GET /health`. */
export function waitForHealth(api: string, background: Background, timeoutMs = 30_000) {
  return waitFor(`${api}/health`, () => getJson(`${api}/health`), { timeoutMs, background });
}

/** Describes a run for assertion messages. */
export function show(result: RunResult): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

/** A temporary directory, removed by the returned function. */
export async function tempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'trustmesh-cli-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes a key pair as `keys generate` would (secret included). */
export async function writeKeyFile(path: string, keyPair: KeyPair): Promise<void> {
  await writeFile(path, JSON.stringify(exportKeyPair(keyPair)), { mode: 0o600 });
}

/** A sample network (two authorities, two accredited issuers) dated now, with its network file. */
export async function sampleNetwork(): Promise<{ net: SampleNetwork; network: NetworkFile }> {
  const net = await createSampleNetwork({ now: new Date(Date.now() - 60_000) });
  const network = createNetworkFile({
    networkId: net.networkId,
    genesis: net.genesis as unknown as Record<string, unknown>,
  });
  return { net, network };
}

/**
 * Creates a node data directory as a node would leave it: `network.json` and `db/` holding the
 * genesis and `records`, each admitted through the registry.
 */
export async function makeDataDir(dir: string, network: NetworkFile, records: readonly unknown[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'network.json'), JSON.stringify(network));
  const registry = await Registry.open(
    { networkId: network.networkId, genesisDigest: network.genesisDigest },
    { store: new LevelRecordStore({ location: join(dir, 'db') }), now: Date.now },
  );
  try {
    for (const record of [network.genesis, ...records]) {
      const outcome = await registry.submit(record);
      if (outcome.status !== 'accept' && outcome.error.code !== 'DUPLICATE') {
        throw new Error(`test setup: record refused: ${JSON.stringify(outcome.error.toJSON())}`);
      }
    }
  } finally {
    await registry.close();
  }
}

/** Reads a data directory's registry, for assertions. Close it when done. */
export function openRegistry(dir: string, network: NetworkFile): Promise<Registry> {
  return Registry.open(
    { networkId: network.networkId, genesisDigest: network.genesisDigest },
    { store: new LevelRecordStore({ location: join(dir, 'db') }), now: Date.now },
  );
}

/** A health insurance credential by `issuer` with a revocation entry at `index` of `list`. */
export function issueCredential(net: SampleNetwork, issuer: KeyPair, list: string, index: number) {
  return signCredential(
    {
      '@context': ['https://www.w3.org/ns/credentials/v2', EXAMPLES_CONTEXT_V1_URL],
      id: `urn:uuid:${crypto.randomUUID()}`,
      type: ['VerifiableCredential', 'HealthInsuranceCredential'],
      issuer: issuer.did,
      validFrom: new Date(Date.now() - 30_000).toISOString(),
      credentialSubject: { id: 'did:example:holder', insuredNumber: '12345678' },
      credentialStatus: {
        id: `${list}#${index}`,
        type: 'BitstringStatusListEntry',
        statusPurpose: 'revocation',
        statusListIndex: String(index),
        statusListCredential: list,
      },
    },
    issuer,
    { documentLoader: net.documentLoader },
  );
}

/** A version of `list` (issued by `issuer`) with the given entries set, dated after the sample's. */
export function revokedListVersion(net: SampleNetwork, issuer: KeyPair, list: string, indexes: readonly number[]) {
  const bits = createStatusList(131_072);
  for (const index of indexes) writeStatus(bits, index, 1, 1);
  return issueStatusList(
    { issuer, id: list, statusPurpose: 'revocation', bits, validFrom: new Date(Date.now() - 30_000) },
    net.documentLoader,
  );
}

/**
 * Every ```sh block of a Markdown text, in order, as its command lines: blank and comment-only lines
 * left out, a trailing `  # comment` cut (what a shell would not run anyway); continuation lines kept
 * as written. The doc tests paste these lines as a user would.
 */
export function shellBlocks(markdown: string): string[][] {
  const blocks: string[][] = [];
  let current: string[] | null = null;
  for (const line of markdown.split('\n')) {
    if (current === null) {
      if (/^```sh\s*$/.test(line)) current = [];
    } else if (line.startsWith('```')) {
      blocks.push(current);
      current = null;
    } else if (line.trim() !== '' && !line.trim().startsWith('#')) current.push(line.replace(/\s+#.*$/, ''));
  }
  return blocks;
}
