/**
 * Options and modules of the HTTP API. The API is built against these interfaces only, so it runs
 * the same over a full libp2p node, a node in a simulation, or a fake in tests.
 */
import type { Registry, SubmitOutcome } from '@trustmesh/registry';
import type { Logger } from 'pino';
import type { IssuerService } from '../issuer/issuer-service.ts';
import type { TokenStatusIssuer } from '../issuer/token-status-issuer.ts';
import type { NodeMetrics } from '../metrics/metrics.ts';

/** Settings of the HTTP API. */
export interface ApiOptions {
  /** Interface to listen on. Loopback by default (DESIGN.md, Interfaces: writes listen on loopback). */
  host: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /**
   * Bearer token required by write routes (`POST /records`, `/credentials/issue`,
   * `/credentials/status`). When null, write routes answer 403 `WRITES_DISABLED`.
   */
  writeToken: string | null;
  /** Largest accepted request body, in bytes (larger: 413). */
  bodyLimit: number;
  /** Deepest accepted JSON nesting of a request body (deeper: 400), bounding work on hostile input. */
  maxJsonDepth: number;
  /**
   * Public base URL of this node (no trailing slash). Status lists whose id lies under
   * `${publicBaseUrl}/status/` are also served at that path. Defaults to `http://${host}:${port}`.
   */
  publicBaseUrl: string | null;
  /** TLS certificate and key (PEM); plain HTTP when null. */
  https: { cert: string | Buffer; key: string | Buffer } | null;
  /**
   * Per-client request limit on the public routes (DESIGN.md, Network: "HTTP rate limits on public
   * routes"), or null for none. Write routes (guarded by the token) are not counted. Over the limit:
   * 429 `RATE_LIMITED` with `Retry-After`.
   */
  rateLimit: RateLimitOptions | null;
}

/** How many requests one client (one IP address) may make per window. */
export interface RateLimitOptions {
  max: number;
  windowMs: number;
}

/** Defaults: loopback, port 8080, writes disabled until a token is configured, 1 MiB bodies. */
export const defaultApiOptions: ApiOptions = {
  host: '127.0.0.1',
  port: 8080,
  writeToken: null,
  bodyLimit: 1024 * 1024,
  // A record may nest 32 levels (registry DEFAULT_INPUT_LIMITS); the request envelope adds one.
  maxJsonDepth: 33,
  publicBaseUrl: null,
  https: null,
  // 6,000 a minute (100/s sustained) per client: far above a verifier's pace, well below a flood.
  rateLimit: { max: 6000, windowMs: 60_000 },
};

/** A connected peer as `GET /peers` reports it. */
export interface PeerInfo {
  id: string;
  addrs: string[];
}

/** What the API reads about the node it belongs to. */
export interface NodeInfo {
  peerId: string;
  /** Network id from the network file. */
  networkId: string;
  /** Currently connected peers. */
  peers(): PeerInfo[];
  /**
   * Peers subscribed to the network's records topic: those a record published now is sent to
   * (gossipsub flood-publishes a node's own records). Publishing answers report it, so a publisher
   * learns when nobody took its record (issue 15). Absent in API tests without a network.
   */
  gossipPeers?(): number;
  /** Anti-entropy state for `GET /sync` (last rounds, differences, errors), JSON-serialisable. */
  syncState(): Record<string, unknown>;
  /**
   * The node's own named warnings for `GET /health` (health/node-health.ts: store faults, clock skew
   * against peers, no peers or mesh peers). Absent in API tests without a node.
   */
  healthWarnings?(): string[];
}

/** What the HTTP API depends on. */
export interface ApiModules {
  /** The local replica every answer is computed from. */
  registry: Registry;
  /**
   * Submits a record through the node's pipeline: validate and store locally, then gossip. In tests
   * a fake that calls `registry.submit`.
   */
  publish(record: object): Promise<SubmitOutcome>;
  node: NodeInfo;
  /** Present only in issuer mode (`POST /credentials/issue` and `POST /credentials/status`). */
  issuer?: IssuerService;
  /** Present in issuer mode: SD-JWT VC issuance on a Token Status List (issue 13). */
  tokenStatusIssuer?: TokenStatusIssuer;
  metrics: NodeMetrics;
  /** The clock, ms since the epoch. */
  now: () => number;
  /** Never receives request bodies: credentials submitted for verification are not logged (DESIGN.md, Principles §2). */
  logger: Logger;
}
