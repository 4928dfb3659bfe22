/**
 * Errors of the HTTP API: one body shape `{ code, message, field? }` for every failure, stable codes
 * (CONVENTIONS.md, Errors: codes, never free text, map to statuses), and logs that name the code and
 * the route but never echo request content — a parse error message can quote the body, and the body
 * of `/credentials/verify` is a holder's credential (DESIGN.md, Principles §2).
 */
import { STATUS_CODES } from 'node:http';
import { CodedError, ValidationError } from '@trustmesh/registry';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** The JSON body of every error response. */
export interface ErrorBody {
  /** Stable code, e.g. `REQUEST_INVALID`, `CREDENTIAL_REVOKED`. */
  code: string;
  message: string;
  /** Path of the offending field in the request (e.g. `credentialStatus[0].status`), when there is one. */
  field?: string;
}

declare module 'fastify' {
  /** Per-route flags read by the error handler (set in a route's `config`). */
  interface FastifyContextConfig {
    /** The body must never reach a log line, not even through a server error (credentials to verify). */
    sensitiveBody?: boolean;
    /** Errors as RFC 9457 Problem Details (TRQP routes). */
    problemDetails?: boolean;
  }
}

/** An error with its HTTP status, thrown by route handlers and hooks. */
export class ApiError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly field: string | undefined;

  constructor(statusCode: number, code: string, message: string, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = statusCode;
    this.code = code;
    this.field = field;
  }

  /** The response body. */
  toBody(): ErrorBody {
    return { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) };
  }
}

// HTTP status of each registry / issuer code that is not a plain bad request. Local faults (store,
// journal, clock) are never the client's fault: 503 (retry later), 507 for a full disk
// (CONVENTIONS.md, Errors: a store or clock fault maps to 503; issue 10, problem 4).
const STATUS_OF_CODE: Readonly<Record<string, number>> = {
  CREDENTIAL_UNKNOWN: 404,
  CREDENTIAL_REVOKED: 409,
  STATUS_PURPOSE_UNSUPPORTED: 409,
  ISSUER_LIST_UNAVAILABLE: 503,
  ISSUER_LIST_FULL: 503,
  ISSUER_STATE_BEHIND: 503,
  ISSUER_LIST_DIVERGENT: 503,
  ISSUER_CHANGES_UNPUBLISHED: 503,
  ISSUER_STATE_CORRUPT: 503,
  ISSUER_JOURNAL_IO: 503,
  ISSUER_JOURNAL_FULL: 507,
  STATUS_PUBLISH_FAILED: 503,
  STORE_IO: 503,
  STORE_FULL: 507,
  STORE_FAILED: 503,
  STORE_NOT_OPEN: 503,
  STORE_CORRUPT: 503,
  CLOCK_AHEAD_OF_PEERS: 503,
  RECORD_TOO_LARGE: 413,
};

/**
 * Status of a coded error. A record or request that failed validation is the caller's (400 unless
 * the code says otherwise); a store fault is this node's (503, 507 when the disk is full), as is any
 * other coded fault (issuer state, clock) without a status of its own. A failed publication whose
 * cause is a store fault answers like that fault.
 */
function statusOf(error: CodedError): number {
  const own = STATUS_OF_CODE[error.code];
  if (error.code === 'STATUS_PUBLISH_FAILED' && error.cause instanceof CodedError) {
    return STATUS_OF_CODE[error.cause.code] === 507 ? 507 : 503;
  }
  if (own !== undefined) return own;
  return error instanceof ValidationError ? 400 : 503;
}

/**
 * Maps any thrown value to a status and body. Unexpected errors become an opaque 500 that still
 * carries a code (`INTERNAL_ERROR`): nothing answers 500 without one.
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof CodedError) {
    const status = statusOf(error);
    // CodedError prefixes its message with the field; the body carries the field separately.
    const prefix = error.field ? `${error.field}: ` : '';
    const message = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
    return new ApiError(status, error.code, message, error.field || undefined);
  }
  const fastifyError = error as Partial<FastifyError>;
  switch (fastifyError.code) {
    case 'FST_ERR_VALIDATION':
      return validationError(fastifyError);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError(400, 'REQUEST_MALFORMED_JSON', 'the request body is not valid JSON');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError(400, 'REQUEST_BODY_EMPTY', 'the request body is empty; a JSON object is expected');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(413, 'REQUEST_TOO_LARGE', 'the request body exceeds the size limit');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(415, 'REQUEST_MEDIA_TYPE_UNSUPPORTED', 'send the body as application/json');
  }
  // Errors from the JSON parser itself (e.g. a SyntaxError marked 400): never echo their message.
  if (error instanceof SyntaxError)
    return new ApiError(400, 'REQUEST_MALFORMED_JSON', 'the request body is not valid JSON');
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new ApiError(status, 'REQUEST_ERROR', 'the request could not be processed');
  }
  return new ApiError(500, 'INTERNAL_ERROR', 'internal error');
}

/** Ajv's first error, with the field path written the way registry errors write it (`a.b[0].c`). */
function validationError(error: Partial<FastifyError>): ApiError {
  const first = error.validation?.[0];
  const part = error.validationContext ?? 'body';
  if (!first) return new ApiError(400, 'REQUEST_INVALID', `${part} is invalid`);
  const segments = first.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = first.params as { missingProperty?: string; additionalProperty?: string };
  if (params.missingProperty) segments.push(params.missingProperty);
  if (params.additionalProperty) segments.push(params.additionalProperty);
  const field = segments.reduce((path, s) => (/^\d+$/.test(s) ? `${path}[${s}]` : path ? `${path}.${s}` : s), '');
  const rule = params.additionalProperty ? 'is not an accepted property' : (first.message ?? 'is invalid');
  const where = field || part;
  return new ApiError(
    400,
    'REQUEST_INVALID',
    `${where} ${rule.replace(/^must have required property .*/, 'is required')}`,
    where,
  );
}

/**
 * The error handler of the API: status and body from {@link toApiError}; logs the code and route
 * only (server errors also log the error, except on routes whose body must never be logged).
 */
export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const mapped = toApiError(error);
  const route = request.routeOptions.url ?? '(unmatched)';
  const config = request.routeOptions.config;
  if (mapped.statusCode >= 500) {
    const sensitive = config?.sensitiveBody === true;
    const detail = sensitive ? { errorName: (error as Error)?.name } : { err: error };
    request.log.error({ route, code: mapped.code, ...detail }, 'request failed');
  } else {
    request.log.debug({ route, code: mapped.code, statusCode: mapped.statusCode }, 'request refused');
  }
  if (mapped.statusCode === 401) reply.header('www-authenticate', 'Bearer');
  if (config?.problemDetails) {
    // RFC 9457 Problem Details (the TRQP binding's error format), our fields as extension members.
    void reply
      .code(mapped.statusCode)
      .type('application/problem+json')
      .send({
        type: 'about:blank',
        title: STATUS_CODES[mapped.statusCode] ?? 'Error',
        status: mapped.statusCode,
        detail: mapped.message,
        ...mapped.toBody(),
      });
    return;
  }
  void reply.code(mapped.statusCode).send(mapped.toBody());
}
