import { readFile } from 'node:fs/promises';
/**
 * Running a {@link TrustmeshNode} in the CLI's process (`start`, `up`, `demo`): start it from
 * resolved settings with the failures an operator meets turned into clear errors (API port taken,
 * peer port taken, data directory held by another node), report catching up from the node's
 * anti-entropy counters, and wait for Ctrl-C / SIGTERM to stop it gracefully.
 *
 * `@trustmesh/node` is loaded on demand: it brings libp2p, which commands that never run a node
 * should not pay for at start-up.
 */
import type { MessageListOptions, NetworkFile, TrustmeshNode, TrustmeshNodeOptions } from '@trustmesh/node';
import {
  type DidResolverOptions,
  type KeyPair,
  type PinnedContext,
  StoreError,
  ValidationError,
} from '@trustmesh/registry';
import type { Logger } from 'pino';
import { nodeLogger } from './logger.ts';
import { type ContextSetting, type DidWebSetting, localApiUrl, type MirrorSourceSetting } from './node-settings.ts';
import { CliError, type OutputStream } from './output.ts';

/** What a node is started with. */
export interface LaunchSettings {
  /** Data directory: peer key, `db/` (LevelDB), issuer allocations. */
  dataDir: string;
  /** The network file, with any extra bootstrap peers already merged in. */
  network: NetworkFile;
  listen: string[];
  api: {
    host: string;
    port: number;
    publicBaseUrl: string | null;
    tls?: { cert: string; key: string } | null;
    /** Per-client limit of the public routes; null for none; absent for the node's default. */
    rateLimit?: { max: number; windowMs: number } | null;
  };
  /** Write token of the API, or null (write routes then answer 403). */
  token: string | null;
  /** Issuer key for issuer mode, or null. */
  issuerKey: KeyPair | null;
  /** Issuer mode: name of the suspension list, or null/absent for none. */
  suspensionList?: string | null;
  /** Issuer mode: the message list's configuration (config.json `messageList`), or null/absent for none. */
  messageList?: Record<string, unknown> | null;
  /** mDNS discovery on the local network (labs; default off). */
  mdns?: boolean;
  /** libp2p transport (default tcp; the demo can run over memory). */
  transport?: 'tcp' | 'memory';
  /** Operator-added JSON-LD contexts (files read at launch, digests checked by the registry). */
  contexts?: readonly ContextSetting[];
  /** did:web resolution, or null/absent when off. */
  didWeb?: DidWebSetting | null;
  /** Status lists of issuers that run no node, polled and published (config.json `mirrorSources`). */
  mirrorSources?: readonly MirrorSourceSetting[];
  /** Node options beyond these (anti-entropy interval, peer keeper), for `up` and `demo`. */
  extra?: Partial<Pick<TrustmeshNodeOptions, 'sync' | 'peerKeeper'>>;
}

/** How to say which flag changes a port, in errors. */
export interface LaunchHints {
  /** E.g. "start it with --api-port N (or change api.port in DIR/config.json)". */
  apiPort: string;
  /** E.g. "start it with --listen /ip4/0.0.0.0/tcp/N". */
  listen: string;
}

/** A started node and where its API answers. */
export interface LaunchedNode {
  node: TrustmeshNode;
  /** Base URL of the API as bound (the real port when 0 was asked for), or null without an API. */
  apiUrl: string | null;
}

/**
 * Starts a node.
 * @throws CliError `API_PORT_IN_USE`, `P2P_PORT_IN_USE`, `DATA_DIR_LOCKED`, `GENESIS_REFUSED`,
 *   `PEER_KEY_INVALID`, `DATA_DIR_UNREADABLE`; other errors as they come.
 */
export async function launchNode(
  settings: LaunchSettings,
  modules: { logger: Logger; now: () => number },
  hints: LaunchHints,
): Promise<LaunchedNode> {
  const { TrustmeshNode } = await import('@trustmesh/node');
  const issuerMode = settings.issuerKey !== null;
  // Issuer mode names its status lists under the public base URL: default it to where the API is.
  const publicBaseUrl = settings.api.publicBaseUrl ?? (issuerMode ? localApiUrl(settings.api) : null);
  let https: { cert: Buffer; key: Buffer } | null = null;
  if (settings.api.tls) {
    const { cert, key } = settings.api.tls;
    try {
      https = { cert: await readFile(cert), key: await readFile(key) };
    } catch (error) {
      throw new CliError('TLS_FILE_UNREADABLE', `cannot read the TLS certificate or key (${cert}, ${key})`, {
        hint: 'give PEM files with --tls-cert and --tls-key (or api.tlsCert / api.tlsKey in config.json)',
        cause: error,
      });
    }
  }
  const contexts = await readContextFiles(settings.contexts ?? []);
  const didWeb = settings.didWeb ? await didWebOptions(settings.didWeb) : false;
  let node: TrustmeshNode;
  try {
    node = await TrustmeshNode.create(
      {
        network: settings.network,
        dataDir: settings.dataDir,
        store: 'level',
        transport: settings.transport ?? 'tcp',
        listen: settings.listen,
        mdns: settings.mdns ?? false,
        api: {
          host: settings.api.host,
          port: settings.api.port,
          writeToken: settings.token,
          publicBaseUrl,
          https,
          ...(settings.api.rateLimit !== undefined ? { rateLimit: settings.api.rateLimit } : {}),
        },
        issuer: issuerMode
          ? {
              ...(settings.suspensionList ? { suspensionListName: settings.suspensionList } : {}),
              ...(settings.messageList ? { messageList: settings.messageList as unknown as MessageListOptions } : {}),
            }
          : false,
        ...(contexts.length > 0 ? { registry: { contexts } } : {}),
        didWeb,
        ...(settings.mirrorSources && settings.mirrorSources.length > 0
          ? { mirror: { sources: [...settings.mirrorSources] } }
          : {}),
        ...settings.extra,
      },
      {
        now: modules.now,
        logger: nodeLogger(modules.logger.child({ component: 'p2p' })),
        httpLogger: modules.logger,
        ...(settings.issuerKey ? { issuerKey: settings.issuerKey } : {}),
      },
    );
  } catch (error) {
    throw launchError(error, settings, hints);
  }
  const address = node.api?.app.server.address();
  // The scheme follows what the API serves: a node started with --tls-cert logs and reports https.
  const apiUrl =
    address && typeof address === 'object'
      ? localApiUrl({ host: settings.api.host, port: address.port, tls: settings.api.tls })
      : null;
  return { node, apiUrl };
}

async function readContextFiles(contexts: readonly ContextSetting[]): Promise<PinnedContext[]> {
  return Promise.all(
    contexts.map(async ({ url, file, sha256 }) => {
      try {
        return { url, sha256, document: new Uint8Array(await readFile(file)) };
      } catch (error) {
        throw new CliError('CONTEXT_FILE_UNREADABLE', `cannot read the context file ${file} (for ${url})`, {
          hint: 'fix "contexts" in config.json: each "file" is a path relative to the data directory',
          cause: error,
        });
      }
    }),
  );
}

async function didWebOptions(setting: DidWebSetting): Promise<Partial<Omit<DidResolverOptions, 'allowWeb'>>> {
  let caCertificates: string[] = [];
  if (setting.caFile) {
    try {
      caCertificates = [await readFile(setting.caFile, 'utf8')];
    } catch (error) {
      throw new CliError('TLS_FILE_UNREADABLE', `cannot read the did:web CA file ${setting.caFile}`, {
        hint: 'fix "didWeb"."caFile" in config.json (a PEM file)',
        cause: error,
      });
    }
  }
  return {
    ...(setting.timeoutMs !== undefined ? { webTimeoutMs: setting.timeoutMs } : {}),
    ...(setting.maxResponseBytes !== undefined ? { maxResponseBytes: setting.maxResponseBytes } : {}),
    ...(setting.allowPrivateAddresses !== undefined ? { allowPrivateAddresses: setting.allowPrivateAddresses } : {}),
    caCertificates,
  };
}

/** Turns the start-up failures an operator can fix into CliErrors (exit 2) that say how. */
export function launchError(
  error: unknown,
  settings: Pick<LaunchSettings, 'api' | 'dataDir' | 'listen'>,
  hints: LaunchHints,
): unknown {
  const code = (error as { code?: unknown }).code;
  const name = (error as { name?: unknown }).name;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'EADDRINUSE') {
    return new CliError(
      'API_PORT_IN_USE',
      `the API port ${settings.api.port} on ${settings.api.host} is already in use (another node, or another program, listens on it)`,
      { hint: hints.apiPort, cause: error },
    );
  }
  if (code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    return new CliError(
      'API_PORT_UNAVAILABLE',
      `cannot listen on ${settings.api.host}:${settings.api.port} (${String(code)})`,
      {
        hint: `${hints.apiPort}; ports below 1024 need privileges, and the host must be an address of this machine`,
        cause: error,
      },
    );
  }
  if (name === 'UnsupportedListenAddressesError' || /listen EADDRINUSE/.test(message)) {
    const busy = /EADDRINUSE/.test(message);
    return new CliError(
      busy ? 'P2P_PORT_IN_USE' : 'P2P_LISTEN_FAILED',
      busy
        ? `the peer-to-peer port of ${settings.listen.join(', ')} is already in use (another node, or another program, listens on it)`
        : `cannot listen on ${settings.listen.join(', ')}: ${message.split('\n')[0]}`,
      { hint: hints.listen, cause: error },
    );
  }
  if (error instanceof StoreError && error.code === 'STORE_LOCKED') {
    return new CliError(
      'DATA_DIR_LOCKED',
      `another node is running on the data directory ${settings.dataDir} (its database is locked by another process)`,
      {
        hint: 'stop that node first (Ctrl-C, or SIGTERM to its process), or give this node its own --data DIR',
        cause: error,
      },
    );
  }
  if (error instanceof StoreError) {
    return new CliError('DATA_DIR_UNREADABLE', `cannot open the database in ${settings.dataDir}: ${error.message}`, {
      hint: 'check that --data names a trustmesh data directory and that it is writable',
      cause: error,
    });
  }
  if (error instanceof ValidationError && error.code.startsWith('CONTEXT_')) {
    return new CliError(error.code, `an added context cannot be used: ${error.message}`, {
      hint: 'fix "contexts" in config.json: the file must be the one whose SHA-256 is pinned, and define only new terms',
      cause: error,
    });
  }
  if (error instanceof ValidationError && error.code === 'DOCUMENT_LOADER_CONTEXT_INVALID') {
    return new CliError(error.code, `an added context is not a usable context file: ${error.message}`, {
      hint: 'an added context is a JSON file {"@context": {…}} that imports no other context',
      cause: error,
    });
  }
  if (name === 'TrustmeshNodeError' && code === 'NODE_GENESIS_REFUSED') {
    return new CliError('GENESIS_REFUSED', message, {
      hint: 'check the network file: its genesis must be signed by a threshold of its authorities',
      cause: error,
    });
  }
  if (name === 'PeerIdentityError') {
    return new CliError(String(code), `${message}`, {
      hint: `the node's identity is ${settings.dataDir}/peer-key; restore it from a backup, or remove it to start under a new peer id`,
      cause: error,
    });
  }
  return error;
}

/** Counts anti-entropy admissions (from the node's counters) and reports catching up. */
export interface CatchUpReporter {
  /** Stops polling (prints nothing more). */
  stop(): void;
}

/** Options of {@link reportCatchUp}. */
export interface CatchUpOptions {
  /** Poll interval. */
  intervalMs: number;
  /** Where a terminal shows the in-place progress line (stderr); without a TTY the logger gets plain lines. */
  terminal: OutputStream;
}

/**
 * Polls the node's sync counters and reports records admitted through anti-entropy: a line redrawn
 * in place on a terminal, and log lines otherwise; then "caught up" once a poll sees nothing new.
 */
export function reportCatchUp(node: TrustmeshNode, logger: Logger, options: CatchUpOptions): CatchUpReporter {
  const admitted = () => {
    const c = node.sync.counters();
    return c.pulled.accept + c.pushedIn.accept;
  };
  // Counted from the node's start (its counters begin at zero): the first round may well have
  // finished before this reporter polls.
  const start = 0;
  let last = start;
  let active = false;
  const timer = setInterval(() => {
    const now = admitted();
    const held = node.syncIndex.size;
    if (now > last) {
      active = true;
      last = now;
      const line = `catching up: ${now - start} records admitted via sync (holding ${held})`;
      if (options.terminal.isTTY) options.terminal.write(`\r\u001b[2K${line}`);
      else logger.info({ admitted: now - start, held }, line);
      return;
    }
    if (active) {
      active = false;
      if (options.terminal.isTTY) options.terminal.write('\r\u001b[2K');
      logger.info(
        { admitted: now - start, held },
        `caught up: ${now - start} records admitted via sync, holding ${held}`,
      );
    }
  }, options.intervalMs);
  // Polling must not keep a stopping process alive.
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      if (active && options.terminal.isTTY) options.terminal.write('\r\u001b[2K');
    },
  };
}

/**
 * Resolves with the signal's name when the user asks to stop (Ctrl-C, SIGTERM). Later signals are
 * absorbed until `release()`: under `pnpm`, `npx` and tsx, one Ctrl-C can arrive several times
 * (the terminal signals the whole process group and each wrapper relays it), and none of them may
 * cut the graceful stop short.
 * @throws CliError `NO_SIGNALS` when the environment cannot deliver signals (an embedding without them).
 */
export function waitForShutdown(
  onShutdown: ((handler: (signal: string) => void) => () => void) | undefined,
): Promise<{ signal: string; release: () => void }> {
  if (!onShutdown) {
    return Promise.reject(
      new CliError('NO_SIGNALS', 'this environment cannot stop a foreground node', {
        hint: 'run the trustmesh command itself',
      }),
    );
  }
  return new Promise((resolve) => {
    const release = onShutdown((signal) => resolve({ signal, release }));
  });
}
