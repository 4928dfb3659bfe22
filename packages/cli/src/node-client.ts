/**
 * The few calls the CLI makes to a node's HTTP API (DESIGN.md, Interfaces): publish a signed record
 * (`POST /records`), verify a credential (`POST /credentials/verify`), fetch a held status list
 * (`GET /status-lists/:id`). Every failure becomes a CliError saying what to check.
 */
import type { VerificationResult } from '@trustmesh/registry';
import { CliError, EXIT } from './output.ts';

/** Settings of a {@link NodeClient}. */
export interface NodeClientOptions {
  /** Base URL of the node's API, without trailing slash. */
  baseUrl: string;
  /** Bearer token for write routes, or null. */
  token: string | null;
  /** Per-request timeout. */
  timeoutMs: number;
}

/** Defaults of {@link NodeClientOptions}. */
export const defaultNodeClientOptions: Pick<NodeClientOptions, 'timeoutMs'> = { timeoutMs: 15_000 };

/** What a node said about a published record (`POST /records`: 202, 200 or 422). */
export type PublishResult =
  | { status: 'accepted'; kind: string; key?: string; digest: string }
  | { status: 'ignored'; code: string; message: string; field?: string }
  | { status: 'rejected'; code: string; message: string; field?: string };

/** A node's answer to `POST /credentials/verify`. */
export type NodeVerification = VerificationResult & { errors?: { check: string; code: string; message: string }[] };

/** HTTP client of one node. */
export class NodeClient {
  readonly options: NodeClientOptions;
  private readonly fetch: typeof globalThis.fetch;

  constructor(
    options: Partial<NodeClientOptions> & Pick<NodeClientOptions, 'baseUrl' | 'token'>,
    modules: { fetch?: typeof globalThis.fetch } = {},
  ) {
    this.options = { ...defaultNodeClientOptions, ...options };
    this.fetch = modules.fetch ?? globalThis.fetch;
  }

  /** Publishes a signed record through the node's validation pipeline and gossip. */
  async publishRecord(record: unknown): Promise<PublishResult> {
    if (!this.options.token) {
      throw new CliError('NODE_TOKEN_MISSING', `publishing to ${this.options.baseUrl} needs the node's write token`, {
        hint: 'pass --token TOKEN or set TRUSTMESH_TOKEN',
      });
    }
    const { status, body } = await this.request('POST', '/records', record);
    if (status === 202 && isObject(body)) {
      return {
        status: 'accepted',
        kind: String(body.kind),
        digest: String(body.digest),
        ...(typeof body.key === 'string' ? { key: body.key } : {}),
      };
    }
    if (status === 200 && isObject(body)) return { status: 'ignored', ...errorFields(body) };
    if ((status === 422 || status === 413 || status === 400) && isObject(body)) {
      return { status: 'rejected', ...errorFields(body) };
    }
    throw this.unexpected('POST /records', status, body);
  }

  /** Verifies a credential against the node's replica. */
  async verifyCredential(credential: unknown): Promise<NodeVerification> {
    const { status, body } = await this.request('POST', '/credentials/verify', { verifiableCredential: credential });
    // 200 verified, 400 not verified — both with the full result; a 400 without checks is a bad request.
    if ((status === 200 || status === 400) && isObject(body) && Array.isArray(body.checks)) {
      return body as unknown as NodeVerification;
    }
    throw this.unexpected('POST /credentials/verify', status, body);
  }

  /** The signed status list credential the node holds under `id`, or null if it holds none. */
  async statusList(id: string): Promise<Record<string, unknown> | null> {
    const { status, body } = await this.request('GET', `/status-lists/${encodeURIComponent(id)}`);
    if (status === 404) return null;
    if (status === 200 && isObject(body)) return body;
    throw this.unexpected('GET /status-lists/:id', status, body);
  }

  private async request(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const url = `${this.options.baseUrl}${path}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.token && method !== 'GET') headers.authorization = `Bearer ${this.options.token}`;
    let response: Response;
    try {
      response = await this.fetch(url, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new CliError('NODE_UNREACHABLE', `cannot reach the node at ${this.options.baseUrl} (${reason})`, {
        hint: 'check that the node is running and that --node (or TRUSTMESH_NODE) is its API URL',
        cause: error,
      });
    }
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      // Not JSON (a proxy's error page, another server): reported by the caller as unexpected.
      parsed = text.slice(0, 200);
    }
    if (response.status === 401 || response.status === 403) {
      const detail =
        isObject(parsed) && typeof parsed.message === 'string' ? parsed.message : `HTTP ${response.status}`;
      throw new CliError('NODE_UNAUTHORIZED', `the node at ${this.options.baseUrl} refused the request: ${detail}`, {
        hint: 'pass the node’s write token with --token or TRUSTMESH_TOKEN',
      });
    }
    return { status: response.status, body: parsed };
  }

  private unexpected(route: string, status: number, body: unknown): CliError {
    const detail =
      isObject(body) && typeof body.message === 'string'
        ? `${String(body.code ?? '')} ${body.message}`.trim()
        : JSON.stringify(body);
    return new CliError(
      'NODE_UNEXPECTED_RESPONSE',
      `${route} on ${this.options.baseUrl} answered HTTP ${status}: ${detail}`,
      {
        hint: status === 404 ? 'check that --node is a trustmesh node API URL' : 'see the node’s logs',
        exitCode: EXIT.UNDECIDED,
      },
    );
  }
}

function errorFields(body: Record<string, unknown>): { code: string; message: string; field?: string } {
  return {
    code: String(body.code ?? 'UNKNOWN'),
    message: String(body.message ?? ''),
    ...(typeof body.field === 'string' ? { field: body.field } : {}),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
