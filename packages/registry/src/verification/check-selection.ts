/**
 * Which checks a verification runs (VC-API `options.checks`,
 * https://w3c-ccg.github.io/vc-api/#verify-credential): the caller may ask for a subset; by default
 * every check runs, the trust registry's included. The names VC-API clients send are mapped onto
 * trustmesh's checks; a name that names no check is refused rather than ignored, so a caller never
 * believes a check ran that did not.
 */

import { reject } from '../errors.ts';
import { describeValue } from '../records/status-entry.ts';

/** A check the caller may select. The `credential` check (data model, contexts) always runs. */
export type SelectableCheck = 'proof' | 'issuer' | 'status' | 'validity';

/** Every selectable check, in the order they run and are reported. */
export const SELECTABLE_CHECKS: readonly SelectableCheck[] = Object.freeze(['proof', 'issuer', 'status', 'validity']);

/** Codes of a check selection. */
export const CHECK_SELECTION_CODES = {
  /** `reject` — a check name that names no check, or a selection that is not a list of names. */
  UNSUPPORTED: 'VERIFY_CHECK_UNSUPPORTED',
} as const;

/** {@link CHECK_SELECTION_CODES}.UNSUPPORTED, kept for existing importers. */
export const VERIFY_CHECK_UNSUPPORTED = CHECK_SELECTION_CODES.UNSUPPORTED;

// VC-API and reference verifiers' names for each check (Digital Bazaar's verifiers say
// "credentialStatus", test suites "status"; "expiration" is the VC 1.1 era's validity check).
const ALIASES: Readonly<Record<string, SelectableCheck>> = Object.freeze({
  proof: 'proof',
  issuer: 'issuer',
  trust: 'issuer',
  trustRegistry: 'issuer',
  status: 'status',
  credentialStatus: 'status',
  validity: 'validity',
  expiration: 'validity',
  validFrom: 'validity',
  validUntil: 'validity',
});

/**
 * Parses a requested selection: an array of check names, each mapped to its check.
 * @param value - The untrusted `options.checks` value; `undefined` selects every check.
 * @param field - Path named in errors.
 * @returns The selected checks in run order, without duplicates.
 * @throws ValidationError `VERIFY_CHECK_UNSUPPORTED` naming the offending element.
 */
export function parseCheckSelection(value: unknown, field = 'options.checks'): SelectableCheck[] {
  if (value === undefined) return [...SELECTABLE_CHECKS];
  if (!Array.isArray(value) || value.length === 0) {
    throw reject(
      CHECK_SELECTION_CODES.UNSUPPORTED,
      field,
      `must be a non-empty array of check names (${Object.keys(ALIASES).join(', ')}), got ${describeValue(value)}`,
    );
  }
  const selected = new Set<SelectableCheck>();
  value.forEach((name: unknown, i) => {
    const check = typeof name === 'string' && Object.hasOwn(ALIASES, name) ? ALIASES[name] : undefined;
    if (!check) {
      throw reject(
        CHECK_SELECTION_CODES.UNSUPPORTED,
        `${field}[${i}]`,
        `${describeValue(name)} is not a check this verifier runs (${Object.keys(ALIASES).join(', ')})`,
      );
    }
    selected.add(check);
  });
  return SELECTABLE_CHECKS.filter((c) => selected.has(c));
}
