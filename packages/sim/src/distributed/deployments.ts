/**
 * Multi-process deployments of a simulation's nodes (see harness/run-types.ts, `Deployment`):
 *
 * - {@link processDeployment}: spawns `count` agent processes on this machine; the nodes talk over
 *   TCP on loopback. Uses several cores where the one-process mode uses one.
 * - {@link agentDeployment}: agents already running, on this machine or others
 *   (`trustmesh simulate-agent`), given by URL.
 *
 * Nodes are dealt to hosts in turn; byzantine hosts run in the coordinator's process over plain TCP.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tcp } from '@libp2p/tcp';
import type { HostEvent } from '../harness/node-host.ts';
import type { Deployment, DeployNodes } from '../harness/run-types.ts';
import { READY_PREFIX, TOKEN_ENV } from './protocol.ts';
import { RemoteNodeHost } from './remote-host.ts';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'main.ts');
const READY_TIMEOUT_MS = 60_000;

/** Connects to agents at `urls`; `byzantineHost` is the address byzantine hosts listen on here. */
async function connectAgents(
  urls: string[],
  token: string,
  byzantineHost: string,
  onEvent: (host: number, event: HostEvent) => void,
  cleanup: () => Promise<void>,
): Promise<Deployment> {
  const hosts: RemoteNodeHost[] = [];
  try {
    for (const [i, url] of urls.entries()) {
      hosts.push(await RemoteNodeHost.connect(url, token, (event) => onEvent(i, event)));
    }
  } catch (error) {
    await Promise.allSettled(hosts.map((h) => h.close()));
    await cleanup();
    throw error;
  }
  return {
    hosts,
    clockOffsetsMs: hosts.map((h) => h.clockOffsetMs),
    byzantine: { transport: () => tcp(), address: () => `/ip4/${byzantineHost}/tcp/0` },
    flush: async () => {
      await Promise.all(hosts.map((h) => h.flush()));
    },
    close: async () => {
      await Promise.allSettled(hosts.map((h) => h.close()));
      await cleanup();
    },
  };
}

/** Agents already running (`trustmesh simulate-agent`), sharing `token`. */
export function agentDeployment(urls: string[], token: string, byzantineHost = '0.0.0.0'): DeployNodes {
  return (onEvent) => connectAgents(urls, token, byzantineHost, onEvent, async () => undefined);
}

/** `count` agent processes spawned on this machine, over TCP on loopback; stopped with the run. */
export function processDeployment(count: number): DeployNodes {
  return async (onEvent) => {
    const token = randomBytes(24).toString('base64url');
    const children: ChildProcess[] = [];
    const stopAll = async () => {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGTERM');
            }),
        ),
      );
    };
    let urls: string[];
    try {
      urls = await Promise.all(
        Array.from({ length: count }, () => {
          const child = spawnAgent(token);
          children.push(child);
          return readyUrl(child);
        }),
      );
    } catch (error) {
      await stopAll();
      throw error;
    }
    return connectAgents(urls, token, '127.0.0.1', onEvent, stopAll);
  };
}

/**
 * Node flags for an agent: this process's, and tsx's loader when this process registered it in-process
 * (the `trustmesh` bin: packages/cli/bin/trustmesh.js) rather than by a flag (`tsx …`). Without it the
 * agent's Node would strip the types of main.ts itself, and refuse its parameter properties
 * (ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX): `trustmesh simulate --processes` failed as docs/researchers.md
 * shows it (issue 15).
 */
export function agentExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  if (execArgv.some((flag) => flag.includes('tsx'))) return [...execArgv];
  return [...execArgv, '--import', import.meta.resolve('tsx')];
}

function spawnAgent(token: string): ChildProcess {
  // Its stdin stays open while this process lives: if this process dies, the agent exits too.
  return spawn(
    process.execPath,
    [...agentExecArgv(), MAIN, 'agent', '--listen', '127.0.0.1:0', '--exit-on-stdin-close'],
    { env: { ...process.env, [TOKEN_ENV]: token }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
}

/** Waits for a spawned agent's ready line; fails with its stderr if it exits first. */
function readyUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => fail(new Error(`agent not ready after ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((l) => l.startsWith(READY_PREFIX));
      if (line) {
        clearTimeout(timer);
        resolve(line.slice(READY_PREFIX.length).trim());
      }
    });
    child.once('exit', (code) => fail(new Error(`agent exited (code ${code}) before it was ready: ${stderr.trim()}`)));
  });
}
