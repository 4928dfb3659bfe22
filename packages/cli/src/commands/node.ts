/**
 * `trustmesh init` and `trustmesh start` (issue 4): an agency operator creates a node's data
 * directory — network file, config.json, write token — then runs the node in the foreground with
 * structured logs and a graceful stop on Ctrl-C / SIGTERM (API first, then sync and gossip, then the
 * store: no lost writes).
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { NetworkFile } from '@trustmesh/node';
import { type Command, Option } from 'commander';
import {
  addOptions,
  type CommandContext,
  collect,
  dataOption,
  forceOption,
  jsonOption,
  networkOption,
  tcpPort,
} from '../command-context.ts';
import { CONFIG_FILE_NAME, type ConfigFlags, NETWORK_FILE_NAME, TOKEN_FILE_NAME } from '../config.ts';
import { loadNetworkFile } from '../data-dir.ts';
import { writeFileAtomic, writeJsonFile } from '../files.ts';
import { readKeyPairFile } from '../key-files.ts';
import { UP_MANIFEST_FILE } from '../local-network.ts';
import { createLogger, defaultLogFormat, LOG_LEVELS, type LogFormat, type LoggerOptions } from '../logger.ts';
import { launchNode, reportCatchUp, waitForShutdown } from '../node-runner.ts';
import {
  DEFAULT_API_HOST,
  DEFAULT_API_PORT,
  DEFAULT_LISTEN,
  localApiUrl,
  type NodeSettingFlags,
  nodeSettingsForFile,
  resolveNodeSettings,
} from '../node-settings.ts';
import { CliError, EXIT } from '../output.ts';
import { removeRunningNode, writeRunningNode } from '../running-node.ts';

interface InitFlags extends NodeSettingFlags {
  data?: string;
  network: string;
  force?: boolean;
  json?: boolean;
}

interface StartFlags extends ConfigFlags, NodeSettingFlags {
  logLevel: LoggerOptions['level'];
  logFormat?: LogFormat;
  /** mDNS discovery of peers on the local network (labs; off by default). */
  mdns?: boolean;
}

/** Mode of a data directory: it holds the peer key and the write token. */
const DATA_DIR_MODE = 0o700;
/** Mode of the token file. */
const TOKEN_FILE_MODE = 0o600;
/** How often `start` looks at the sync counters to report catching up. */
const CATCH_UP_POLL_MS = 1000;

/** Registers `init` and `start`. */
export function registerNodeCommands(program: Command, ctx: CommandContext): void {
  addOptions(
    program
      .command('init')
      .description('create a node’s data directory: network file, config.json, a random write token'),
    [
      dataOption('data directory to create (default ./.trustmesh, or TRUSTMESH_DATA_DIR)'),
      new Option('--network <file>', 'the network file (from `trustmesh network init`)').makeOptionMandatory(),
      new Option(
        '--listen <multiaddr>',
        `peer-to-peer listen address (repeatable; default ${DEFAULT_LISTEN})`,
      ).argParser(collect),
      new Option(
        '--bootstrap <multiaddr>',
        'bootstrap peer beyond the network file’s, ending in /p2p/<peer id> (repeatable)',
      ).argParser(collect),
      new Option('--api-host <host>', `interface of the HTTP API (default ${DEFAULT_API_HOST}: loopback only)`),
      new Option('--api-port <port>', `port of the HTTP API (default ${DEFAULT_API_PORT})`).argParser(tcpPort),
      new Option('--public-url <url>', 'public base URL of the API (issuer mode names its status lists under it)'),
      new Option('--tls-cert <file>', 'PEM certificate: the API serves HTTPS (with --tls-key)'),
      new Option('--tls-key <file>', 'PEM private key of --tls-cert'),
      new Option('--issuer-key <file>', 'issuer key file: run the node in issuer mode (POST /credentials/issue)'),
      suspensionListOption(),
      rateLimitOption(),
      forceOption(),
      jsonOption(),
    ],
  ).action((flags: InitFlags, command: Command) =>
    ctx.run(command, async (out) => {
      const config = await ctx.config({ ...(flags.data ? { data: flags.data } : {}) });
      const { dataDir } = config.values;
      const configFile = join(dataDir, CONFIG_FILE_NAME);
      if (!flags.force && (await exists(configFile))) {
        throw new CliError('DATA_DIR_EXISTS', `${dataDir} is already a node data directory (${configFile} exists)`, {
          hint: 'start it with `trustmesh start --data DIR`, choose another --data, or add --force to rewrite its config',
        });
      }
      if (await exists(join(dataDir, UP_MANIFEST_FILE))) {
        throw new CliError('DATA_DIR_IS_LOCAL_NETWORK', `${dataDir} holds the local network of \`trustmesh up\``, {
          hint: 'give this node a directory of its own: trustmesh init --data DIR --network FILE',
        });
      }
      const network = await loadNetworkFile(flags.network);
      const settings = resolveNodeSettings({}, {}, flags, { dataDir, cwd: ctx.cwd, file: configFile });
      await withBootstrap(network, settings.bootstrap);
      const issuer = settings.issuerKey ? await readKeyPairFile(settings.issuerKey, '--issuer-key', ctx) : null;

      await mkdir(dataDir, { recursive: true, mode: DATA_DIR_MODE });
      await copyFile(flags.network, join(dataDir, NETWORK_FILE_NAME));
      const nodeUrl = localApiUrl(settings.api);
      await writeJsonFile(
        configFile,
        { network: NETWORK_FILE_NAME, node: nodeUrl, ...nodeSettingsForFile(settings, dataDir) },
        { force: true, what: 'config file' },
      );
      const token = randomBytes(32).toString('base64url');
      const tokenFile = join(dataDir, TOKEN_FILE_NAME);
      await writeFileAtomic(tokenFile, `${token}\n`, { force: true, mode: TOKEN_FILE_MODE, what: 'write token' });
      // The peer identity is made now, so the operator can hand out this node's bootstrap address
      // before it first starts.
      const { loadOrCreatePeerIdentity } = await import('@trustmesh/node');
      const { peerId } = await loadOrCreatePeerIdentity({ dataDir });
      const shown = displayPath(ctx.cwd, dataDir);
      out.result(
        {
          dataDir,
          networkId: network.networkId,
          peerId: peerId.toString(),
          listen: settings.listen,
          bootstrapAddresses: settings.listen.map((a) => `${a}/p2p/${peerId.toString()}`),
          api: nodeUrl,
          tokenFile,
          issuer: issuer?.did ?? null,
          suspensionList: issuer ? settings.suspensionList : null,
        },
        (r) => [
          `created node data directory ${r.dataDir} for network ${r.networkId}`,
          `peer id:     ${r.peerId}`,
          `listen:      ${r.listen.join(', ')}`,
          `API:         ${r.api}`,
          ...(r.issuer
            ? [
                `issuer mode: ${r.issuer}`,
                r.suspensionList
                  ? `suspension:  list "${r.suspensionList}" (suspend / reinstate)`
                  : 'suspension:  none (revoke only; add one with --suspension-list suspension)',
              ]
            : []),
          `write token: ${r.tokenFile} (mode 0600)`,
          '',
          ...describeBootstrap(r.listen, r.bootstrapAddresses),
          '',
          'next:',
          `  npx trustmesh start --data ${shown}`,
          'write commands read the token from the data directory (TRUSTMESH_DATA_DIR, default ./.trustmesh), or from a file:',
          `  npx trustmesh publish RECORD.json --node ${r.api} --token-file ${displayPath(ctx.cwd, r.tokenFile)}`,
          `  export TRUSTMESH_NODE=${r.api} TRUSTMESH_TOKEN_FILE=${r.tokenFile}`,
        ],
      );
      return EXIT.OK;
    }),
  );

  addOptions(
    program
      .command('start')
      .description(
        'run a node in the foreground (logs on stdout: JSON lines, readable on a terminal); Ctrl-C or SIGTERM stops it gracefully',
      ),
    [
      dataOption('the node’s data directory, made by `trustmesh init` (default ./.trustmesh)'),
      networkOption(),
      new Option('--listen <multiaddr>', 'peer-to-peer listen address, replacing the config’s (repeatable)').argParser(
        collect,
      ),
      new Option('--bootstrap <multiaddr>', 'an extra bootstrap peer (repeatable)').argParser(collect),
      new Option('--mdns', 'also find peers on the local network by mDNS (labs; off by default)'),
      new Option('--api-host <host>', 'interface of the HTTP API'),
      new Option('--api-port <port>', 'port of the HTTP API').argParser(tcpPort),
      new Option('--public-url <url>', 'public base URL of the API'),
      new Option('--tls-cert <file>', 'PEM certificate: the API serves HTTPS (with --tls-key)'),
      new Option('--tls-key <file>', 'PEM private key of --tls-cert'),
      new Option('--issuer-key <file>', 'issuer key file: issuer mode'),
      suspensionListOption(),
      rateLimitOption(),
      new Option(
        '--token-file <file>',
        'file holding the write token of the API (default: the data directory’s token file)',
      ),
      new Option(
        '--token <token>',
        'write token of the API (prefer --token-file: a command line is visible to other users)',
      ),
      new Option('--log-level <level>', 'least severe level logged').choices(LOG_LEVELS).default('info'),
      new Option('--log-format <format>', 'json, or pretty (default: pretty on a terminal)').choices([
        'json',
        'pretty',
      ]),
    ],
  ).action((flags: StartFlags, command: Command) =>
    ctx.run(command, async () => {
      const config = await ctx.config(flags);
      const { dataDir } = config.values;
      if (!config.fileFound) {
        throw new CliError(
          'DATA_DIR_NOT_INITIALISED',
          `${dataDir} is not a node data directory (no ${CONFIG_FILE_NAME})`,
          {
            hint: `create it with \`trustmesh init --data ${displayPath(ctx.cwd, dataDir)} --network NETWORK_FILE\``,
          },
        );
      }
      const settings = resolveNodeSettings(config.fileValues, ctx.env, flags, {
        dataDir,
        cwd: ctx.cwd,
        file: config.file,
      });
      const network = await withBootstrap(await loadNetworkFile(config.values.network), settings.bootstrap);
      const issuerKey = settings.issuerKey ? await readKeyPairFile(settings.issuerKey, 'issuer key', ctx) : null;
      const logger = createLogger(ctx.stdout, {
        level: flags.logLevel,
        format: flags.logFormat ?? defaultLogFormat(ctx.stdout),
      });
      if (!config.values.token) {
        logger.warn(`no write token (${join(dataDir, TOKEN_FILE_NAME)} is missing): write routes answer 403`);
      }
      const shownDir = displayPath(ctx.cwd, dataDir);
      const { node, apiUrl } = await launchNode(
        {
          dataDir,
          network,
          listen: settings.listen,
          api: settings.api,
          token: config.values.token,
          issuerKey,
          suspensionList: settings.suspensionList,
          messageList: settings.messageList,
          contexts: settings.contexts,
          didWeb: settings.didWeb,
          mirrorSources: settings.mirrorSources,
          ...(flags.mdns ? { mdns: true } : {}),
        },
        { logger, now: ctx.now },
        {
          apiPort: `start it with --api-port N, or change "api"."port" in ${join(shownDir, CONFIG_FILE_NAME)}`,
          listen: `start it with --listen /ip4/0.0.0.0/tcp/N, or change "listen" in ${join(shownDir, CONFIG_FILE_NAME)}`,
        },
      );
      // Commands given this data directory while the node holds it ask the node here (running-node.ts).
      if (apiUrl) {
        await writeRunningNode(dataDir, apiUrl).catch((error: unknown) =>
          logger.warn(`cannot write ${join(dataDir, 'running.json')}: ${(error as Error).message}`),
        );
      }
      const governance = node.registry.governance();
      logger.info(
        {
          networkId: network.networkId,
          peerId: node.peerId.toString(),
          multiaddrs: node.multiaddrs().map(String),
          api: apiUrl,
          governanceVersion: governance?.record.version ?? null,
          records: node.syncIndex.size,
          ...(node.issuer ? { issuer: node.issuer.did, statusLists: node.issuer.lists } : {}),
        },
        `node started: API ${apiUrl ?? '(none)'}, peer ${node.peerId.toString()}`,
      );
      for (const warning of node.registry.warnings()) logger.warn(warning);
      const catchUp = reportCatchUp(node, logger, { intervalMs: CATCH_UP_POLL_MS, terminal: ctx.stderr });
      let shutdown: Awaited<ReturnType<typeof waitForShutdown>>;
      try {
        shutdown = await waitForShutdown(ctx.onShutdown);
      } catch (error) {
        catchUp.stop();
        await node.stop();
        throw error;
      }
      catchUp.stop();
      logger.info({ signal: shutdown.signal }, 'stopping: closing the API, then sync and gossip, then the store');
      try {
        await node.stop();
        await removeRunningNode(dataDir);
      } finally {
        shutdown.release();
      }
      logger.info('stopped');
      return EXIT.OK;
    }),
  );
}

/** `--rate-limit N/SECONDS|off`: requests one client may make on the public routes per window. */
function rateLimitOption(): Option {
  return new Option(
    '--rate-limit <n/seconds>',
    'requests one client may make on the public API routes per window (default 6000/60), or off',
  );
}

/** `--suspension-list NAME`: issuer mode keeps a suspension list of that name beside the revocation list. */
function suspensionListOption(): Option {
  return new Option(
    '--suspension-list <name>',
    'issuer mode: also keep a suspension list of this name (e.g. suspension), for suspend / reinstate',
  );
}

/**
 * What `init` says about the addresses other nodes bootstrap from: a wildcard listen address is to
 * be replaced by this machine's address; a loopback one cannot be reached from another machine.
 */
export function describeBootstrap(listen: readonly string[], addresses: readonly string[]): string[] {
  const wildcard = listen.some((a) => /^\/ip[46]\/(0\.0\.0\.0|::)\//.test(a));
  const loopback = listen.every((a) => /^\/ip4\/127\.|^\/ip6\/::1\//.test(a));
  return [
    wildcard
      ? 'other nodes bootstrap from (replace 0.0.0.0 by this machine’s address):'
      : 'other nodes bootstrap from:',
    ...addresses.map((a) => `  ${a}`),
    ...(loopback
      ? [
          '(these are loopback addresses: only nodes on this machine reach them; for other machines, --listen /ip4/0.0.0.0/tcp/4001)',
        ]
      : []),
  ];
}

/** The network file with `extra` bootstrap peers added (each checked like the file's own). */
async function withBootstrap(network: NetworkFile, extra: readonly string[]): Promise<NetworkFile> {
  if (extra.length === 0) return network;
  const { createNetworkFile } = await import('@trustmesh/node');
  const bootstrap = [...new Set([...network.bootstrap, ...extra])];
  try {
    return createNetworkFile({ networkId: network.networkId, genesis: network.genesis, bootstrap });
  } catch (error) {
    const field = (error as { field?: unknown }).field;
    if (typeof field !== 'string' || !field.startsWith('bootstrap')) throw error;
    const index = Number(/\[(\d+)\]/.exec(field)?.[1] ?? 0);
    const reason = (error as Error).message.replace(`network file: ${field}: `, '');
    throw new CliError('BOOTSTRAP_INVALID', `bootstrap peer ${bootstrap[index] ?? ''}: ${reason}`, {
      hint: 'give the multiaddr a node prints at start, e.g. /ip4/192.0.2.10/tcp/4001/p2p/12D3KooW…',
    });
  }
}

/** `path` relative to `cwd` when inside it (shorter commands to paste), else absolute. */
export function displayPath(cwd: string, path: string): string {
  const inside = relative(cwd, path);
  return inside === '' ? '.' : inside.startsWith('..') ? path : inside;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
