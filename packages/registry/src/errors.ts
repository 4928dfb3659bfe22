/**
 * Typed errors and validation outcomes shared by every pipeline.
 *
 * Codes are stable strings: metrics label them and the HTTP API maps them to statuses, so a code,
 * once published, keeps its meaning. `action` follows DESIGN.md (Network): stale, duplicate or
 * not-yet-resolvable input is `ignore` (never punish an honest peer that was partitioned);
 * malformed, forged or unauthorised input is `reject`.
 */

/** What a relay should do with a record that did not pass validation. */
export type ValidationAction = 'ignore' | 'reject';

/** An error with a stable code, the field it concerns and the action a relay should take. */
export class RegistryError extends Error {
  /** Stable, namespaced code such as `STATUS_LIST_ROLLBACK`. */
  readonly code: string;
  /** `ignore` or `reject`, for gossip validators and peer scoring. */
  readonly action: ValidationAction;
  /** JSON path of the offending field (e.g. `credentialSubject.encodedList`), when there is one. */
  readonly field: string | undefined;

  constructor(
    code: string,
    message: string,
    options: { action?: ValidationAction; field?: string; cause?: unknown } = {},
  ) {
    super(options.field ? `${options.field}: ${message}` : message, { cause: options.cause });
    this.name = 'RegistryError';
    this.code = code;
    this.action = options.action ?? 'reject';
    this.field = options.field;
  }

  /** A plain object for logs and API responses. */
  toJSON(): { code: string; action: ValidationAction; field?: string; message: string } {
    return {
      code: this.code,
      action: this.action,
      ...(this.field ? { field: this.field } : {}),
      message: this.message,
    };
  }
}

/** Shorthand for a `reject` error. */
export function reject(code: string, field: string | undefined, message: string, cause?: unknown): RegistryError {
  return new RegistryError(code, message, { action: 'reject', field, cause });
}

/** Shorthand for an `ignore` error. */
export function ignore(code: string, field: string | undefined, message: string, cause?: unknown): RegistryError {
  return new RegistryError(code, message, { action: 'ignore', field, cause });
}

/** Outcome of a validation pipeline: accepted with a value, or not with a typed error. */
export type ValidationOutcome<T> = { status: 'accept'; value: T } | { status: ValidationAction; error: RegistryError };

/** Turns a thrown value into an outcome; anything that is not a RegistryError is a bug and rethrown. */
export function outcomeOf(error: unknown): { status: ValidationAction; error: RegistryError } {
  if (error instanceof RegistryError) return { status: error.action, error };
  throw error;
}
