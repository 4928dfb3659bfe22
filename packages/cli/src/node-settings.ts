/**
 * Settings of the node `trustmesh start` runs: listen addresses, extra bootstrap peers, the HTTP API
 * (host, port, public base URL) and the issuer key. `trustmesh init` writes them into the data
 * directory's config.json; TRUSTMESH_* variables and flags override them, in that order (issue 4,
 * Configuration), like the settings of config.ts.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { CliError } from './output.ts';

/** What the node runs with. */
export interface NodeSettings {
  /** libp2p listen multiaddrs. */
  listen: string[];
  /** Bootstrap peers beyond those of the network file (each ending in /p2p/<peer id>). */
  bootstrap: string[];
  api: {
    /** Interface the HTTP API listens on (loopback unless the operator opens it up). */
    host: string;
    /** TCP port of the HTTP API. */
    port: number;
    /** Public base URL (status lists of issuer mode are named under it), or null for `http://host:port`. */
    publicBaseUrl: string | null;
    /** PEM certificate and key files (absolute paths): the API serves HTTPS when both are set. */
    tls: { cert: string; key: string } | null;
    /**
     * Requests one client may make on the public routes per window (429 beyond), null for no limit,
     * or undefined for the node's default (6,000 a minute). config.json `api.rateLimit`:
     * `{"max": 6000, "windowSeconds": 60}` or `false`.
     */
    rateLimit?: { max: number; windowMs: number } | null;
  };
  /** Absolute path of the issuer key file (issuer mode), or null. */
  issuerKey: string | null;
  /**
   * Issuer mode: name of the suspension list kept beside the revocation list (its id is
   * `<publicBaseUrl>/status/<name>`), or null for none, when `suspend` is refused with
   * STATUS_PURPOSE_UNSUPPORTED. config.json `suspensionList`.
   */
  suspensionList: string | null;
  /**
   * Issuer mode: the multi-valued `message` list (docs/issuers.md, "Multi-valued status"), as
   * config.json `messageList` gives it — `{"statusSize": 2, "messages": [{"status": "0x0", "message":
   * "valid"}, …], "statusReference"?: url, "name"?: …}` — or null for none. The node checks it at
   * start (ISSUER_MESSAGE_LIST_INVALID names the field).
   */
  messageList: Record<string, unknown> | null;
  /**
   * JSON-LD contexts the operator adds to the allow-list (issuers' own vocabularies), in order: the
   * URL credentials name, the file holding it (absolute path) and its pinned SHA-256
   * (docs/operators.md, Adding an issuer's context). config.json `contexts`.
   */
  contexts: ContextSetting[];
  /** did:web resolution, or null when off (the default). config.json `didWeb` with `"enabled": true`. */
  didWeb: DidWebSetting | null;
  /**
   * Status lists of issuers that run no node, polled and published (issue 13; docs/operators.md,
   * Mirroring an issuer): config.json `mirrorSources`, `[{"url", "redirectHosts"?, "intervalSeconds"?,
   * "allowHttp"?, "maxBytes"?}]`. The only URLs the node fetches.
   */
  mirrorSources: MirrorSourceSetting[];
}

/** One mirrored list source. */
export interface MirrorSourceSetting {
  url: string;
  redirectHosts?: string[];
  intervalMs?: number;
  allowHttp?: boolean;
  /** Largest body taken from this source (default: the record size limit). */
  maxBytes?: number;
}

/** One operator-added context: `{"url": …, "file": …, "sha256": …}` in config.json. */
export interface ContextSetting {
  url: string;
  /** Absolute path of the context file. */
  file: string;
  sha256: string;
}

/** did:web limits from config.json; unset members keep the registry's defaults (5 s, 64 KiB, public only). */
export interface DidWebSetting {
  timeoutMs?: number;
  maxResponseBytes?: number;
  /** Allow intranet hosts (loopback, RFC 1918, link-local, ULA); off by default. */
  allowPrivateAddresses?: boolean;
  /** PEM file of a CA trusted for did:web hosts besides Node's roots (absolute path). */
  caFile?: string;
}

/** Flags that override node settings (commander option names). */
export interface NodeSettingFlags {
  listen?: string[];
  bootstrap?: string[];
  apiHost?: string;
  apiPort?: number;
  publicUrl?: string;
  issuerKey?: string;
  suspensionList?: string;
  tlsCert?: string;
  tlsKey?: string;
  /** `--rate-limit N/SECONDS` or `off`. */
  rateLimit?: string;
}

/** Default libp2p listen address: every interface, the customary port of a peer node. */
export const DEFAULT_LISTEN = '/ip4/0.0.0.0/tcp/4001';
/** Default API interface: loopback (DESIGN.md, Interfaces: writes listen on loopback by default). */
export const DEFAULT_API_HOST = '127.0.0.1';
/** Default API port. */
export const DEFAULT_API_PORT = 8080;

/** Defaults of {@link NodeSettings}. */
export const defaultNodeSettings: NodeSettings = {
  listen: [DEFAULT_LISTEN],
  bootstrap: [],
  api: { host: DEFAULT_API_HOST, port: DEFAULT_API_PORT, publicBaseUrl: null, tls: null },
  issuerKey: null,
  suspensionList: null,
  messageList: null,
  contexts: [],
  didWeb: null,
  mirrorSources: [],
};

/** Variables that override node settings. Lists are comma-separated. */
export const NODE_SETTING_ENV = {
  listen: 'TRUSTMESH_LISTEN',
  bootstrap: 'TRUSTMESH_BOOTSTRAP',
  apiHost: 'TRUSTMESH_API_HOST',
  apiPort: 'TRUSTMESH_API_PORT',
  publicUrl: 'TRUSTMESH_PUBLIC_URL',
  issuerKey: 'TRUSTMESH_ISSUER_KEY',
  suspensionList: 'TRUSTMESH_SUSPENSION_LIST',
  tlsCert: 'TRUSTMESH_TLS_CERT',
  tlsKey: 'TRUSTMESH_TLS_KEY',
  rateLimit: 'TRUSTMESH_RATE_LIMIT',
} as const satisfies Record<keyof NodeSettingFlags, string>;

// A TCP multiaddr a node can listen on; the node checks the rest (libp2p refuses what it cannot bind).
const LISTEN_PATTERN = /^\/(ip4|ip6|dns4|dns6|dns)\/[^/]+\/tcp\/\d{1,5}(\/.*)?$/;

/**
 * Resolves the node settings: defaults, then config.json's `listen`, `bootstrap`, `api` and
 * `issuerKey` (paths relative to the data directory), then variables, then flags (paths relative to
 * `cwd`).
 * @throws CliError `CONFIG_INVALID` naming the setting and where it came from.
 */
export function resolveNodeSettings(
  fileValues: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
  flags: NodeSettingFlags,
  where: { dataDir: string; cwd: string; file: string },
): NodeSettings {
  const settings: NodeSettings = structuredClone(defaultNodeSettings);
  const inFile = (key: string) => `"${key}" in ${where.file}`;
  const tls: { cert?: string; key?: string } = {};

  if (fileValues.listen !== undefined) settings.listen = stringList(fileValues.listen, inFile('listen'));
  if (fileValues.bootstrap !== undefined) settings.bootstrap = stringList(fileValues.bootstrap, inFile('bootstrap'));
  if (fileValues.api !== undefined) {
    const api = fileValues.api;
    if (api === null || typeof api !== 'object' || Array.isArray(api)) {
      throw invalid(inFile('api'), 'must be an object like {"host": "127.0.0.1", "port": 8080}');
    }
    const { host, port, publicBaseUrl, tlsCert, tlsKey, rateLimit } = api as Record<string, unknown>;
    if (rateLimit !== undefined) settings.api.rateLimit = rateLimitFromFile(rateLimit, inFile('api.rateLimit'));
    if (tlsCert !== undefined && tlsCert !== null)
      tls.cert = pathIn(where.dataDir, nonEmpty(tlsCert, inFile('api.tlsCert')));
    if (tlsKey !== undefined && tlsKey !== null)
      tls.key = pathIn(where.dataDir, nonEmpty(tlsKey, inFile('api.tlsKey')));
    if (host !== undefined) settings.api.host = nonEmpty(host, inFile('api.host'));
    if (port !== undefined) settings.api.port = portNumber(port, inFile('api.port'));
    if (publicBaseUrl !== undefined && publicBaseUrl !== null) {
      settings.api.publicBaseUrl = baseUrl(publicBaseUrl, inFile('api.publicBaseUrl'));
    }
  }
  if (fileValues.issuerKey !== undefined && fileValues.issuerKey !== null) {
    settings.issuerKey = pathIn(where.dataDir, nonEmpty(fileValues.issuerKey, inFile('issuerKey')));
  }
  if (fileValues.suspensionList !== undefined && fileValues.suspensionList !== null) {
    settings.suspensionList = listName(fileValues.suspensionList, inFile('suspensionList'));
  }

  if (fileValues.messageList !== undefined && fileValues.messageList !== null) {
    const value = fileValues.messageList;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw invalid(inFile('messageList'), 'must be an object', '{"statusSize": 2, "messages": [...]}');
    }
    settings.messageList = value as Record<string, unknown>;
  }

  if (fileValues.contexts !== undefined) {
    settings.contexts = contextSettings(fileValues.contexts, inFile('contexts'), where.dataDir);
  }
  if (fileValues.didWeb !== undefined && fileValues.didWeb !== null) {
    settings.didWeb = didWebSetting(fileValues.didWeb, inFile('didWeb'), where.dataDir);
  }
  if (fileValues.mirrorSources !== undefined && fileValues.mirrorSources !== null) {
    settings.mirrorSources = mirrorSourceSettings(fileValues.mirrorSources, inFile('mirrorSources'));
  }

  const fromEnv = (name: keyof NodeSettingFlags) => {
    const value = env[NODE_SETTING_ENV[name]];
    return value ? value : undefined;
  };
  const envListen = fromEnv('listen');
  if (envListen) settings.listen = splitList(envListen);
  const envBootstrap = fromEnv('bootstrap');
  if (envBootstrap) settings.bootstrap = [...settings.bootstrap, ...splitList(envBootstrap)];
  const envHost = fromEnv('apiHost');
  if (envHost) settings.api.host = envHost;
  const envPort = fromEnv('apiPort');
  if (envPort) settings.api.port = portNumber(envPort, NODE_SETTING_ENV.apiPort);
  const envUrl = fromEnv('publicUrl');
  if (envUrl) settings.api.publicBaseUrl = baseUrl(envUrl, NODE_SETTING_ENV.publicUrl);
  const envKey = fromEnv('issuerKey');
  if (envKey) settings.issuerKey = pathIn(where.cwd, envKey);
  const envSuspension = fromEnv('suspensionList');
  if (envSuspension) settings.suspensionList = listName(envSuspension, NODE_SETTING_ENV.suspensionList);

  if (flags.listen && flags.listen.length > 0) settings.listen = flags.listen;
  // Bootstrap flags add peers: the network file's and the config's stay.
  if (flags.bootstrap) settings.bootstrap = [...settings.bootstrap, ...flags.bootstrap];
  if (flags.apiHost) settings.api.host = flags.apiHost;
  if (flags.apiPort !== undefined) settings.api.port = flags.apiPort;
  if (flags.publicUrl) settings.api.publicBaseUrl = baseUrl(flags.publicUrl, '--public-url');
  if (flags.issuerKey) settings.issuerKey = pathIn(where.cwd, flags.issuerKey);
  if (flags.suspensionList) settings.suspensionList = listName(flags.suspensionList, '--suspension-list');
  const envCert = fromEnv('tlsCert');
  if (envCert) tls.cert = pathIn(where.cwd, envCert);
  const envTlsKey = fromEnv('tlsKey');
  if (envTlsKey) tls.key = pathIn(where.cwd, envTlsKey);
  if (flags.tlsCert) tls.cert = pathIn(where.cwd, flags.tlsCert);
  if (flags.tlsKey) tls.key = pathIn(where.cwd, flags.tlsKey);
  const envRate = fromEnv('rateLimit');
  if (envRate) settings.api.rateLimit = parseRateLimit(envRate, NODE_SETTING_ENV.rateLimit);
  if (flags.rateLimit) settings.api.rateLimit = parseRateLimit(flags.rateLimit, '--rate-limit');
  // HTTPS needs both halves; one alone is a mistake worth naming, not a silent fallback to HTTP.
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw invalid('--tls-cert/--tls-key', 'HTTPS needs both a certificate and its key');
  }
  if (tls.cert !== undefined && tls.key !== undefined) settings.api.tls = { cert: tls.cert, key: tls.key };

  for (const address of settings.listen) checkListenAddress(address);
  settings.bootstrap = [...new Set(settings.bootstrap)];
  return settings;
}

/** The config.json keys `trustmesh init` writes for `settings` (paths relative to the data directory when inside it). */
export function nodeSettingsForFile(settings: NodeSettings, dataDir: string): Record<string, unknown> {
  let issuerKey: string | null = null;
  if (settings.issuerKey) {
    const inside = relative(dataDir, settings.issuerKey);
    issuerKey = inside.startsWith('..') || isAbsolute(inside) ? settings.issuerKey : inside;
  }
  return {
    listen: settings.listen,
    bootstrap: settings.bootstrap,
    api: {
      host: settings.api.host,
      port: settings.api.port,
      publicBaseUrl: settings.api.publicBaseUrl,
      ...(settings.api.tls ? { tlsCert: settings.api.tls.cert, tlsKey: settings.api.tls.key } : {}),
      ...(settings.api.rateLimit === null
        ? { rateLimit: false }
        : settings.api.rateLimit
          ? { rateLimit: { max: settings.api.rateLimit.max, windowSeconds: settings.api.rateLimit.windowMs / 1000 } }
          : {}),
    },
    ...(issuerKey ? { issuerKey } : {}),
    ...(settings.suspensionList ? { suspensionList: settings.suspensionList } : {}),
    ...(settings.messageList ? { messageList: settings.messageList } : {}),
    ...(settings.contexts.length > 0 ? { contexts: settings.contexts } : {}),
    ...(settings.didWeb ? { didWeb: { enabled: true, ...settings.didWeb } } : {}),
    ...(settings.mirrorSources.length > 0
      ? {
          mirrorSources: settings.mirrorSources.map(({ intervalMs, ...rest }) => ({
            ...rest,
            ...(intervalMs !== undefined ? { intervalSeconds: intervalMs / 1000 } : {}),
          })),
        }
      : {}),
  };
}

/** Largest `maxBytes` a mirrored source may be given (a national CA's CRL fits well within it). */
const MAX_SOURCE_BYTES = 256 * 1024 * 1024;

function mirrorSourceSettings(value: unknown, origin: string): MirrorSourceSetting[] {
  const example = 'e.g. [{"url": "https://issuer.example.tw/status-list/1", "intervalSeconds": 60}]';
  if (!Array.isArray(value))
    throw invalid(origin, 'must be an array of {url, redirectHosts?, intervalSeconds?}', example);
  return value.map((item: unknown, i) => {
    const at = `${origin}[${i}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item))
      throw invalid(at, 'must be an object', example);
    const { url, redirectHosts, intervalSeconds, allowHttp, maxBytes } = item as Record<string, unknown>;
    const text = nonEmpty(url, `${at}.url`);
    const http = allowHttp === true;
    if (!(http ? /^https?:\/\/\S+$/ : /^https:\/\/\S+$/).test(text)) {
      throw invalid(`${at}.url`, `"${text}" must be an https URL (or set "allowHttp": true)`);
    }
    const setting: MirrorSourceSetting = { url: text, ...(http ? { allowHttp: true } : {}) };
    if (redirectHosts !== undefined) {
      if (!Array.isArray(redirectHosts) || !redirectHosts.every((h) => typeof h === 'string' && h !== '')) {
        throw invalid(`${at}.redirectHosts`, 'must be an array of host names', '["cdn.issuer.example.tw"]');
      }
      setting.redirectHosts = redirectHosts as string[];
    }
    if (intervalSeconds !== undefined) {
      if (typeof intervalSeconds !== 'number' || !Number.isInteger(intervalSeconds) || intervalSeconds < 10) {
        throw invalid(`${at}.intervalSeconds`, 'must be a whole number of seconds, at least 10');
      }
      setting.intervalMs = intervalSeconds * 1000;
    }
    if (maxBytes !== undefined) {
      // Bounded above too: a mistyped limit must not let one source make the node hold gigabytes.
      if (typeof maxBytes !== 'number' || !Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > MAX_SOURCE_BYTES) {
        throw invalid(`${at}.maxBytes`, `must be a whole number of bytes, 1 … ${MAX_SOURCE_BYTES}`, '67108864');
      }
      setting.maxBytes = maxBytes;
    }
    return setting;
  });
}

function contextSettings(value: unknown, origin: string, dataDir: string): ContextSetting[] {
  const example =
    'e.g. [{"url": "https://agency.example/ns/v1", "file": "contexts/agency-v1.jsonld", "sha256": "<64 hex>"}]';
  if (!Array.isArray(value)) throw invalid(origin, 'must be an array of {url, file, sha256}', example);
  return value.map((item: unknown, i) => {
    const at = `${origin}[${i}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item))
      throw invalid(at, 'must be an object', example);
    const { url, file, sha256 } = item as Record<string, unknown>;
    const text = nonEmpty(url, `${at}.url`);
    if (!/^https:\/\/\S+$/.test(text)) throw invalid(`${at}.url`, `"${text}" must be an https URL`);
    const digest = nonEmpty(sha256, `${at}.sha256`);
    if (!/^[0-9a-f]{64}$/.test(digest)) {
      throw invalid(`${at}.sha256`, 'must be the SHA-256 of the file in lowercase hex', '`sha256sum FILE`');
    }
    return { url: text, file: pathIn(dataDir, nonEmpty(file, `${at}.file`)), sha256: digest };
  });
}

function didWebSetting(value: unknown, origin: string, dataDir: string): DidWebSetting | null {
  if (typeof value !== 'object' || Array.isArray(value) || value === null) {
    throw invalid(origin, 'must be an object like {"enabled": true}');
  }
  const { enabled, timeoutMs, maxResponseBytes, allowPrivateAddresses, caFile, ...rest } = value as Record<
    string,
    unknown
  >;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw invalid(`${origin}.${unknown[0]}`, 'is not a did:web setting');
  if (typeof enabled !== 'boolean') throw invalid(`${origin}.enabled`, 'must be true or false');
  if (!enabled) return null;
  const setting: DidWebSetting = {};
  if (timeoutMs !== undefined) {
    if (!Number.isInteger(timeoutMs) || (timeoutMs as number) < 1 || (timeoutMs as number) > 60_000) {
      throw invalid(`${origin}.timeoutMs`, 'must be an integer from 1 to 60000');
    }
    setting.timeoutMs = timeoutMs as number;
  }
  if (maxResponseBytes !== undefined) {
    const n = maxResponseBytes as number;
    if (!Number.isInteger(n) || n < 256 || n > 1024 * 1024) {
      throw invalid(`${origin}.maxResponseBytes`, 'must be an integer from 256 to 1048576');
    }
    setting.maxResponseBytes = n;
  }
  if (allowPrivateAddresses !== undefined) {
    if (typeof allowPrivateAddresses !== 'boolean')
      throw invalid(`${origin}.allowPrivateAddresses`, 'must be true or false');
    setting.allowPrivateAddresses = allowPrivateAddresses;
  }
  if (caFile !== undefined) setting.caFile = pathIn(dataDir, nonEmpty(caFile, `${origin}.caFile`));
  return setting;
}

/** The URL a client on this machine reaches the API at (a wildcard host means loopback). */
export function localApiUrl(api: Pick<NodeSettings['api'], 'host' | 'port'> & { tls?: unknown }): string {
  let host = api.host;
  if (host === '0.0.0.0' || host === '') host = '127.0.0.1';
  if (host === '::') host = '::1';
  return `${api.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${api.port}`;
}

/** Parser of a TCP port option (0–65535). */
export function portNumber(value: unknown, origin: string): number {
  const text = typeof value === 'number' ? String(value) : value;
  const n = Number(text);
  if (typeof text !== 'string' || !/^\d{1,5}$/.test(text) || n > 65_535) {
    throw invalid(origin, `"${String(value)}" is not a TCP port (0–65535)`);
  }
  return n;
}

/** Checks a listen multiaddr. */
export function checkListenAddress(address: string, origin = 'listen address'): void {
  if (!LISTEN_PATTERN.test(address)) {
    throw invalid(`${origin} ${address}`, 'is not a TCP multiaddr', 'e.g. /ip4/0.0.0.0/tcp/4001');
  }
}

function invalid(origin: string, problem: string, example?: string): CliError {
  return new CliError('CONFIG_INVALID', `${origin}: ${problem}`, {
    hint: example ? `give ${example}` : `fix ${origin}`,
  });
}

/** `N/SECONDS` (N requests per SECONDS per client) or `off`, from a flag or a variable. */
export function parseRateLimit(value: string, origin: string): { max: number; windowMs: number } | null {
  if (value === 'off') return null;
  const match = /^(\d{1,9})\/(\d{1,6})$/.exec(value);
  const max = Number(match?.[1]);
  const seconds = Number(match?.[2]);
  if (!match || max < 1 || seconds < 1) {
    throw invalid(origin, `"${value}" is not a rate limit`, 'e.g. 6000/60 (requests per client per 60 s), or off');
  }
  return { max, windowMs: seconds * 1000 };
}

function rateLimitFromFile(value: unknown, origin: string): { max: number; windowMs: number } | null {
  if (value === false) return null;
  const { max, windowSeconds, ...rest } = (value ?? {}) as Record<string, unknown>;
  if (
    typeof value !== 'object' ||
    value === null ||
    Object.keys(rest).length > 0 ||
    !Number.isSafeInteger(max) ||
    (max as number) < 1 ||
    !Number.isSafeInteger(windowSeconds) ||
    (windowSeconds as number) < 1
  ) {
    throw invalid(
      origin,
      'must be false or {"max": N, "windowSeconds": S} (whole numbers ≥ 1)',
      'e.g. {"max": 6000, "windowSeconds": 60}',
    );
  }
  return { max: max as number, windowMs: (windowSeconds as number) * 1000 };
}

/** The revocation list's name in issuer mode (IssuerService's default): a suspension list needs another. */
const REVOCATION_LIST_NAME = 'revocation';

/** A status list name: one URL path segment (`<publicBaseUrl>/status/<name>`). */
function listName(value: unknown, origin: string): string {
  const name = nonEmpty(value, origin);
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(name)) {
    throw invalid(origin, `"${name}" must be a list name: lower-case letters, digits and dashes`, 'e.g. suspension');
  }
  if (name === REVOCATION_LIST_NAME)
    throw invalid(origin, `"${name}" is the revocation list's name`, 'e.g. suspension');
  return name;
}

function stringList(value: unknown, origin: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) {
    throw invalid(origin, 'must be an array of non-empty strings');
  }
  return value as string[];
}

function nonEmpty(value: unknown, origin: string): string {
  if (typeof value !== 'string' || value === '') throw invalid(origin, 'must be a non-empty string');
  return value;
}

function baseUrl(value: unknown, origin: string): string {
  const text = nonEmpty(value, origin);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(origin, `"${text}" is not a URL`, 'e.g. https://trust.example.jp');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(origin, `"${text}" must be an http: or https: URL`);
  }
  return text.replace(/\/+$/, '');
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function pathIn(base: string, path: string): string {
  return isAbsolute(path) ? path : resolve(base, path);
}
