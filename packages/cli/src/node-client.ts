/**
 * The calls the CLI makes to a node's HTTP API (DESIGN.md, Interfaces): publish a signed record
 * (`POST /records`), verify a credential (`POST /credentials/verify`), fetch a held status list
 * (`GET /status-lists/:id`), issuer mode (`POST /credentials/issue`, `POST /credentials/status`) and
 * the read routes (`GET /issuers`, `/credentials/status`, `/peers`, `/evidence`, `/health`). Every
 * failure becomes a CliError saying what to check.
 */
import {
  type AsOf,
  type CertificatePurpose,
  type CertificateVerificationResult,
  type CheckResult,
  EVIDENCE_TYPE,
  type PresentationVerificationResult,
  type VerificationResult,
} from '@trustmesh/registry';
import { CliError, EXIT } from './output.ts';

/** How to give the write token (the file form first: a command line is visible to other users). */
export const TOKEN_HINT =
  'pass --token-file DATA_DIR/token (the node’s data directory holds it), or set TRUSTMESH_TOKEN_FILE or TRUSTMESH_TOKEN';

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
  | {
      status: 'accepted';
      kind: string;
      key?: string;
      digest: string;
      /** Peers the node gossiped the record to (absent from nodes that do not report it). */
      gossipPeers?: number;
      /**
       * True when the record sent was not evidence but the node admitted evidence: it holds another
       * record with other signed content from the same signer for the same slot and version, and
       * keeps the pair as equivocation evidence (DESIGN.md, Principles 4). The record itself was not
       * taken: publishing failed.
       */
      equivocation?: boolean;
    }
  | { status: 'ignored'; code: string; message: string; field?: string }
  | { status: 'rejected'; code: string; message: string; field?: string };

/** The status a credential can be set to through issuer mode. */
export type CredentialStatusChange = 'revoked' | 'suspended' | 'active';

/** One list touched by `POST /credentials/status`. */
export interface StatusUpdateReport {
  statusPurpose: string;
  statusListCredential: string;
  statusListIndex: number;
  value: number;
  changed: boolean;
  validFrom: string;
}

/** A node's answer to `POST /credentials/status`. */
export interface StatusChangeReport {
  credentialId: string;
  status: string;
  updates: StatusUpdateReport[];
  /** Peers the node gossiped the new list versions to (absent from nodes that do not report it). */
  gossipPeers?: number;
}

/** A node's answer to `POST /presentations/verify`. */
interface NodePresentationVerification {
  verified: boolean;
  presentationResults: CheckResult[];
  credentialResults: { verified: boolean; checkResults: CheckResult[] }[];
  asOf: AsOf;
  warnings: string[];
}

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
  async publishRecord(record: unknown, raw?: { bytes: Uint8Array; mediaType: string }): Promise<PublishResult> {
    if (!this.options.token) {
      throw new CliError('NODE_TOKEN_MISSING', `publishing to ${this.options.baseUrl} needs the node's write token`, {
        hint: TOKEN_HINT,
      });
    }
    const { status, body } = await this.request('POST', '/records', record, raw);
    if (status === 202 && isObject(body)) {
      return {
        status: 'accepted',
        kind: String(body.kind),
        digest: String(body.digest),
        ...(typeof body.key === 'string' ? { key: body.key } : {}),
        ...(typeof body.gossipPeers === 'number' ? { gossipPeers: body.gossipPeers } : {}),
        ...(body.kind === 'evidence' && !(isObject(record) && record.type === EVIDENCE_TYPE)
          ? { equivocation: true }
          : {}),
      };
    }
    if (status === 200 && isObject(body)) return { status: 'ignored', ...errorFields(body) };
    if ((status === 422 || status === 413 || status === 400) && isObject(body)) {
      return { status: 'rejected', ...errorFields(body) };
    }
    throw this.unexpected('POST /records', status, body);
  }

  /** Verifies a credential against the node's replica. */
  async verifyCredential(
    credential: unknown,
    options: { challenge?: string; domain?: string; sessionTranscript?: string } = {},
  ): Promise<NodeVerification> {
    const { status, body } = await this.request('POST', '/credentials/verify', {
      verifiableCredential: credential,
      ...(Object.keys(options).length > 0 ? { options } : {}),
    });
    // 200 verified, 400 not verified — both with the full result; a 400 without checks is a bad request.
    // VC-API `checks` names the checks that ran; each check's outcome is in `checkResults`.
    if ((status === 200 || status === 400) && isObject(body) && Array.isArray(body.checkResults)) {
      const { checkResults, checks, ...rest } = body;
      return { ...rest, checks: checkResults, checksRun: checks } as unknown as NodeVerification;
    }
    throw this.unexpected('POST /credentials/verify', status, body);
  }

  /**
   * Verifies a certificate chain against the node's replica (`POST /certificates/verify`, issue 14):
   * 200 verified, 400 not verified — both with the full result, in the registry's shape.
   */
  async verifyCertificate(request: {
    chain: string[];
    at?: string;
    purpose?: CertificatePurpose[];
  }): Promise<CertificateVerificationResult> {
    const { status, body } = await this.request('POST', '/certificates/verify', request);
    if ((status === 200 || status === 400) && isObject(body) && Array.isArray(body.checkResults)) {
      return {
        verified: body.verified === true,
        checks: body.checkResults,
        ...(isObject(body.anchor) ? { anchor: body.anchor } : {}),
        asOf: body.asOf,
      } as CertificateVerificationResult;
    }
    throw this.unexpected('POST /certificates/verify', status, body);
  }

  /**
   * Verifies a presentation and every credential in it (`POST /presentations/verify`, 200 whatever
   * the verdict), answered in the registry's PresentationVerificationResult shape.
   */
  async verifyPresentation(
    presentation: unknown,
    options: { challenge?: string; domain?: string } = {},
  ): Promise<PresentationVerificationResult> {
    const { status, body } = await this.request('POST', '/presentations/verify', {
      verifiablePresentation: presentation,
      ...(Object.keys(options).length > 0 ? { options } : {}),
    });
    if (status === 200 && isObject(body) && Array.isArray(body.presentationResults)) {
      const answer = body as unknown as NodePresentationVerification;
      return {
        verified: answer.verified,
        checks: answer.presentationResults,
        credentials: answer.credentialResults.map((c) => ({
          verified: c.verified,
          checks: c.checkResults,
          checksRun: [],
          asOf: answer.asOf,
          warnings: [],
        })),
        asOf: answer.asOf,
        warnings: answer.warnings,
      };
    }
    throw this.unexpected('POST /presentations/verify', status, body);
  }

  /** The signed status list credential the node holds under `id`, or null if it holds none. */
  async statusList(id: string): Promise<Record<string, unknown> | null> {
    const { status, body } = await this.request('GET', `/status-lists/${encodeURIComponent(id)}`);
    if (status === 404) return null;
    if (status === 200 && isObject(body)) return body;
    throw this.unexpected('GET /status-lists/:id', status, body);
  }

  /**
   * Signs a credential with the node's issuer key (`POST /credentials/issue`, issuer mode); the node
   * adds status entries when the credential has none, and answers the handle to change their status by.
   */
  async issueCredential(
    credential: unknown,
    credentialId?: string,
    options: Record<string, unknown> = {},
  ): Promise<{
    credential: Record<string, unknown>;
    credentialId: string | null;
    /** An SD-JWT VC's Token Status List entry (`options.format: "dc+sd-jwt"`). */
    tokenStatus?: { uri: string; idx: number };
    warnings: string[];
  }> {
    this.needToken('issuing');
    const requestOptions = { ...options, ...(credentialId ? { credentialId } : {}) };
    const { status, body } = await this.request('POST', '/credentials/issue', {
      credential,
      ...(Object.keys(requestOptions).length > 0 ? { options: requestOptions } : {}),
    });
    if (status === 201 && isObject(body) && isObject(body.verifiableCredential)) {
      // The handle its status is updated by (POST /credentials/status): options.credentialId, else
      // the credential's id, else one the node made up; absent when the node added no entries.
      const handle = typeof body.credentialId === 'string' ? body.credentialId : null;
      const entry =
        isObject(body.credentialStatus) && isObject(body.credentialStatus.status_list)
          ? body.credentialStatus.status_list
          : null;
      return {
        credential: body.verifiableCredential,
        credentialId: handle,
        ...(entry && typeof entry.uri === 'string' && typeof entry.idx === 'number'
          ? { tokenStatus: { uri: entry.uri, idx: entry.idx } }
          : {}),
        warnings: Array.isArray(body.warnings) ? body.warnings.map(String) : [],
      };
    }
    throw this.refused('POST /credentials/issue', status, body);
  }

  /** Revokes, suspends or reinstates a credential the node issued (`POST /credentials/status`, issuer mode). */
  async updateStatus(credentialId: string, change: CredentialStatusChange): Promise<StatusChangeReport> {
    this.needToken('changing a credential’s status');
    const { status, body } = await this.request('POST', '/credentials/status', {
      credentialId,
      credentialStatus: [{ type: 'BitstringStatusListEntry', status: change }],
    });
    if (status === 200 && isObject(body) && Array.isArray(body.updates)) return body as unknown as StatusChangeReport;
    throw this.refused('POST /credentials/status', status, body);
  }

  /**
   * A read route's JSON answer. `accept` lists statuses whose body is an answer (e.g. 503 from
   * `/health`: unavailable, with the same body); 404 gives null.
   */
  async read(path: string, accept: readonly number[] = [200]): Promise<Record<string, unknown> | null> {
    const { status, body } = await this.request('GET', path);
    if (accept.includes(status) && isObject(body)) return body;
    if (status === 404 && isObject(body) && body.code !== 'ROUTE_NOT_FOUND') return null;
    throw this.unexpected(`GET ${path.split('?')[0]}`, status, body);
  }

  private needToken(what: string): void {
    if (!this.options.token) {
      throw new CliError('NODE_TOKEN_MISSING', `${what} through ${this.options.baseUrl} needs the node's write token`, {
        hint: TOKEN_HINT,
      });
    }
  }

  /** A node's refusal of a write, with its code, and what to do about the common ones. */
  private refused(route: string, status: number, body: unknown): CliError {
    if (!isObject(body) || typeof body.code !== 'string') return this.unexpected(route, status, body);
    const code = body.code;
    const field = typeof body.field === 'string' ? ` (${body.field})` : '';
    const hints: Record<string, string> = {
      ISSUER_MODE_DISABLED: 'this node has no issuer key: start the issuer’s node with --issuer-key FILE',
      CREDENTIAL_UNKNOWN: 'give the id of a credential this node issued (the "id" of the issued credential)',
      CREDENTIAL_REVOKED: 'revocation is final: a revoked credential cannot be suspended or reinstated',
      ISSUER_LIST_UNAVAILABLE:
        'the issuer’s status list cannot be published yet: is the issuer accredited? see `trustmesh health --node URL`',
      ISSUER_MISMATCH: 'leave "issuer" out of the credential, or set it to the node’s issuer DID',
      CREDENTIAL_HAS_PROOF: 'give the unsigned credential',
      STATUS_PURPOSE_UNSUPPORTED: 'this issuer keeps no suspension list; revoke instead',
    };
    // A refusal on the merits (revoked is final) is a "no" (1); anything else is bad input (2).
    const exitCode = status === 409 ? EXIT.NOT_VERIFIED : EXIT.UNDECIDED;
    return new CliError(
      code,
      `${route} on ${this.options.baseUrl} refused: ${code}${field}: ${String(body.message ?? '')}`,
      { hint: hints[code] ?? 'see the message; the node’s logs say more', exitCode },
    );
  }

  private async request(
    method: string,
    path: string,
    body?: unknown,
    raw?: { bytes: Uint8Array; mediaType: string },
  ): Promise<{ status: number; body: unknown }> {
    const url = `${this.options.baseUrl}${path}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (raw) headers['content-type'] = raw.mediaType;
    else if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.token && method !== 'GET') headers.authorization = `Bearer ${this.options.token}`;
    let response: Response;
    try {
      response = await this.fetch(url, {
        method,
        headers,
        ...(raw ? { body: raw.bytes } : body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (error as Error).message;
      // A certificate this machine does not trust, or that does not name the host asked.
      const certificate = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(String(reason));
      throw new CliError('NODE_UNREACHABLE', `cannot reach the node at ${this.options.baseUrl} (${reason})`, {
        hint: certificate
          ? 'give --node the https URL with the name its certificate carries, and trust its CA here (NODE_EXTRA_CA_CERTS=CA.pem)'
          : 'check that the node is running and that --node (or TRUSTMESH_NODE) is its API URL',
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
        hint: `check the node’s write token: ${TOKEN_HINT}`,
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
