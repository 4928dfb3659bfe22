/**
 * The VC-API verification answer (https://w3c-ccg.github.io/vc-api/#verify-credential), shared by
 * `POST /credentials/verify` and `POST /presentations/verify`:
 *
 * - `verified` — true only when every check that ran passed;
 * - `checks` — the names of the checks that ran: the caller's `options.checks` names as given, or
 *   every check (`proof`, `issuer` — the trust registry —, `status`, `validity`) by default;
 * - `warnings`, `errors` — one error per check that did not pass, with its stable code;
 * - `checkResults` — every check with its outcome (`pass` / `fail` / `undetermined`), code, message
 *   and details (trustmesh's detail; a generic client may ignore it), and `asOf`, the as-of stamp.
 */
import {
  type CheckResult,
  parseCheckSelection,
  type SelectableCheck,
  ValidationError,
  type VerificationResult,
} from '@trustmesh/registry';
import { ApiError } from '../errors.ts';
import { AS_OF_SCHEMA, CHECK_SCHEMA } from '../schemas.ts';
import type { RouteContext } from './route-context.ts';

/** One error of an answer: the check that did not pass, its code and message. */
export interface VerificationError {
  check: string;
  code: string;
  message: string;
}

/** Schema of one error. */
export const VERIFICATION_ERROR_SCHEMA = {
  type: 'object',
  required: ['check', 'code', 'message'],
  properties: { check: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } },
} as const;

/** Schema of a credential verification answer. */
export const VERIFICATION_RESULT_SCHEMA = {
  type: 'object',
  required: ['verified', 'checks', 'warnings', 'errors', 'checkResults', 'asOf'],
  properties: {
    verified: { type: 'boolean' },
    checks: { type: 'array', items: { type: 'string' }, description: 'The checks that ran (VC-API)' },
    warnings: { type: 'array', items: { type: 'string' } },
    errors: { type: 'array', description: 'The checks that did not pass', items: VERIFICATION_ERROR_SCHEMA },
    checkResults: { type: 'array', items: CHECK_SCHEMA, description: 'Every check run, with its outcome and code' },
    asOf: AS_OF_SCHEMA,
  },
} as const;

/** Schema of the `options.checks` request member. */
export const CHECKS_OPTION_SCHEMA = {
  type: 'array',
  maxItems: 16,
  items: { type: 'string', maxLength: 64 },
  description: 'Checks to run (proof, issuer / trust, status / credentialStatus, validity / expiration); default all',
} as const;

/** The checks a request selects, with the names to echo; 400 `VERIFY_CHECK_UNSUPPORTED` for an unknown name. */
export function selectedChecks(requested: unknown): { checks: SelectableCheck[]; names: string[] } {
  try {
    const checks = parseCheckSelection(requested);
    const names = Array.isArray(requested) ? [...new Set(requested as string[])] : [...checks];
    return { checks, names };
  } catch (error) {
    if (error instanceof ValidationError) throw new ApiError(400, error.code, stripField(error), error.field);
    throw error;
  }
}

/** The errors of a set of checks: one per check that did not pass. */
export function errorsOf(
  checks: readonly (Pick<CheckResult, 'outcome' | 'code' | 'message'> & { check: string })[],
): VerificationError[] {
  return checks
    .filter((c) => c.outcome !== 'pass')
    .map((c) => ({ check: c.check, code: c.code ?? 'CHECK_FAILED', message: c.message }));
}

/** The VC-API body of a credential verification, with metrics counted. */
export function credentialVerificationBody(ctx: RouteContext, result: VerificationResult, names: readonly string[]) {
  countVerification(ctx, result.verified, result.checks);
  return {
    verified: result.verified,
    checks: [...names],
    warnings: result.warnings,
    errors: errorsOf(result.checks),
    checkResults: result.checks,
    asOf: result.asOf,
  };
}

/** Counts one verification and its checks. */
export function countVerification(
  ctx: RouteContext,
  verified: boolean,
  checks: readonly { check: string; outcome: string; code?: string }[],
) {
  const { metrics } = ctx.modules;
  const failed = checks.filter((c) => c.outcome !== 'pass');
  metrics.verifications.inc({ result: verified ? 'verified' : 'not_verified', code: failed[0]?.code ?? 'OK' });
  for (const c of checks) metrics.verificationChecks.inc({ check: c.check, outcome: c.outcome, code: c.code ?? 'OK' });
}

function stripField(error: ValidationError): string {
  const prefix = error.field ? `${error.field}: ` : '';
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}
