/**
 * Typed errors and validation outcomes shared by every pipeline (CONVENTIONS.md, Errors).
 *
 * Codes are stable strings: metrics label them and the HTTP API maps them to statuses, so a code,
 * once published, keeps its meaning. Each module declares its codes in a table of its own.
 *
 * The hierarchy is small on purpose:
 * - {@link CodedError}: a code, the field it concerns and a message. Faults of this node that are not
 *   about a record (issuer state, clock) use it as is.
 * - {@link ValidationError}: a record did not pass validation. It carries the `action` a relay takes
 *   (DESIGN.md, Network): stale, duplicate or not-yet-resolvable input is `ignore` (never punish an
 *   honest peer that was partitioned); malformed, forged or unauthorised input is `reject`. It says
 *   whether it is `retryable` (the record may pass once another arrives) and, when known, which
 *   record it `awaits` (a {@link DependencyKey}), so a pending buffer can release it when that arrives.
 * - {@link StoreError}: this node's storage failed. It carries no action: it is never a peer's fault
 *   (gossip ignores, the API answers 503, the CLI says what to do).
 */

/** What a relay should do with a record that did not pass validation. */
export type ValidationAction = 'ignore' | 'reject';

/**
 * What a not-yet-resolvable record waits for, as a string both sides compute the same way:
 * `governance:<version>` (that governance version), `subject:<did or URL>` (an accreditation of that
 * subject), `list:<status list id>` (a version of that list). A record's admission *provides* keys
 * (see `providedKeys` in records/kinds); a record that waits on something no key names awaits
 * `any` and is retried after any admission.
 */
export type DependencyKey = string;

/** The dependency key of a record that waits for something not named precisely. */
export const ANY_DEPENDENCY: DependencyKey = 'any';

/** An error with a stable code and, when there is one, the field it concerns. */
export class CodedError extends Error {
  /** Stable, namespaced code such as `STATUS_LIST_ROLLBACK`. */
  readonly code: string;
  /** JSON path of the offending field (e.g. `credentialSubject.encodedList`), when there is one. */
  readonly field: string | undefined;

  constructor(code: string, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(options.field ? `${options.field}: ${message}` : message, { cause: options.cause });
    this.name = 'CodedError';
    this.code = code;
    this.field = options.field;
  }

  /** A plain object for logs and API responses. */
  toJSON(): { code: string; field?: string; message: string } {
    return { code: this.code, ...(this.field ? { field: this.field } : {}), message: this.message };
  }
}

/** Options of a {@link ValidationError}. */
export interface ValidationErrorOptions {
  action?: ValidationAction;
  field?: string;
  cause?: unknown;
  /** The record may pass once another record arrives (only with `ignore`). */
  retryable?: boolean;
  /** What it waits for, when known (implies `retryable`). */
  awaits?: DependencyKey;
  /**
   * False when the record's signer itself is unknown here (no accreditation names it yet): such a
   * record costs a forger nothing, so a relay buffers it only from a peer it trusts.
   */
  signerKnown?: boolean;
}

/** A record that did not pass validation: the code, the field and what a relay should do. */
export class ValidationError extends CodedError {
  /** `ignore` or `reject`, for gossip validators and peer scoring. */
  readonly action: ValidationAction;
  /** True when the record may pass once another record arrives: buffer and retry it. */
  readonly retryable: boolean;
  /** The record it waits for, when retryable ({@link ANY_DEPENDENCY} when not known precisely). */
  readonly awaits: DependencyKey | undefined;
  /** False when the record's signer is unknown here (see {@link ValidationErrorOptions.signerKnown}). */
  readonly signerKnown: boolean;

  constructor(code: string, message: string, options: ValidationErrorOptions = {}) {
    super(code, message, options);
    this.name = 'ValidationError';
    this.action = options.action ?? 'reject';
    this.retryable = this.action === 'ignore' && (options.retryable === true || options.awaits !== undefined);
    this.awaits = this.retryable ? (options.awaits ?? ANY_DEPENDENCY) : undefined;
    this.signerKnown = options.signerKnown ?? true;
  }

  /** A plain object for logs and API responses. */
  override toJSON(): { code: string; action: ValidationAction; field?: string; message: string } {
    return {
      code: this.code,
      action: this.action,
      ...(this.field ? { field: this.field } : {}),
      message: this.message,
    };
  }
}

/** This node's storage failed: never a peer's fault, never an answer about a record. */
export class StoreError extends CodedError {
  constructor(code: string, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'StoreError';
  }
}

/** Shorthand for a `reject` error. */
export function reject(code: string, field: string | undefined, message: string, cause?: unknown): ValidationError {
  return new ValidationError(code, message, { action: 'reject', ...(field ? { field } : {}), cause });
}

/** Shorthand for an `ignore` error that waiting will not change (stale, duplicate, expired). */
export function ignore(code: string, field: string | undefined, message: string, cause?: unknown): ValidationError {
  return new ValidationError(code, message, { action: 'ignore', ...(field ? { field } : {}), cause });
}

/**
 * Shorthand for a not-yet-resolvable record: `ignore`, retryable, waiting for `awaits`. The only
 * way a validator says "this may pass later"; what that covers is decided by the trust chain
 * (verification/trust-chain.ts, `isResolvableChainFailure`) and the validators' own dependency checks.
 */
export function unresolved(
  code: string,
  field: string | undefined,
  message: string,
  awaits: DependencyKey = ANY_DEPENDENCY,
  options: { signerKnown?: boolean } = {},
): ValidationError {
  return new ValidationError(code, message, { action: 'ignore', ...(field ? { field } : {}), awaits, ...options });
}

/** Outcome of a validation pipeline: accepted with a value, or not with a typed error. */
export type ValidationOutcome<T> =
  | { status: 'accept'; value: T }
  | { status: ValidationAction; error: ValidationError };

/**
 * Turns a thrown value into an outcome. A store fault ({@link StoreError}) and anything that is not
 * a ValidationError (a bug) are rethrown: neither is an answer about the record.
 */
export function outcomeOf(error: unknown): { status: ValidationAction; error: ValidationError } {
  if (error instanceof ValidationError) return { status: error.action, error };
  throw error;
}

/** Shorthand for a {@link StoreError}. */
export function storeFault(code: string, message: string, cause?: unknown): StoreError {
  return new StoreError(code, message, { cause });
}
