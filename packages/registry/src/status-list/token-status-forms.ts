/**
 * One Token Status List URI held in both forms (draft-ietf-oauth-status-list §5.1 JWT, §5.2 CWT).
 * A Referenced Token's `status.status_list.uri` (§6.1, §6.3) does not say which form its list is
 * in, and §8.1 lets a client ask for either with Accept: both are the same list. So admission keeps
 * the two forms of one uri by one issuer agreeing — the same `bits`, and every INVALID (0x01, final
 * by §7.1) of the older version, whichever its form, still INVALID in the newer one — and readers
 * take the newest version by `iat` whatever its form (a final state in any version wins, as for one
 * form: verification/token-status-query.ts).
 */
import { reject } from '../errors.ts';
import type { JoseStatusListState } from '../verification/trust-view.ts';
import { firstUndoneFinalEntry } from './final-states.ts';

/** Codes of the two-form rule. */
export const TOKEN_STATUS_FORMS_CODES = {
  /** `reject` — the other form of the list (same uri, same issuer) has another `bits` or holds an INVALID this one undoes (or the reverse). */
  FORMS_DISAGREE: 'TOKEN_STATUS_LIST_FORMS_DISAGREE',
} as const;

/** The candidate version: its form, issuer, version time (ms), bits and inflated list. */
export interface TokenStatusCandidate {
  format: 'token-status-list' | 'token-status-list-cwt';
  issuer: string;
  versionMs: number;
  bits: 1 | 2 | 4 | 8;
  decoded: Uint8Array;
}

/**
 * [REJECT] draft §5.1/§5.2 (one list, two forms): `candidate` agrees with every held version of the
 * other form by the same issuer (`versions` are the held versions of its uri, any form).
 */
export function requireFormsAgree(candidate: TokenStatusCandidate, versions: readonly JoseStatusListState[]): void {
  const other = candidate.format === 'token-status-list' ? 'token-status-list-cwt' : 'token-status-list';
  for (const held of versions) {
    if (held.list.format !== other || held.list.issuer !== candidate.issuer) continue;
    // [REJECT] draft §4.1: one list has one `bits`, in either form.
    if (held.list.bits !== candidate.bits)
      throw reject(
        TOKEN_STATUS_FORMS_CODES.FORMS_DISAGREE,
        'status_list.bits',
        `the ${other} form of this list has ${held.list.bits} bits, not ${candidate.bits}`,
      );
    const heldBytes = held.list.decoded();
    const [older, newer] =
      held.list.versionMs <= candidate.versionMs ? [heldBytes, candidate.decoded] : [candidate.decoded, heldBytes];
    const index = firstUndoneFinalEntry('token-status-list', candidate.bits, older, newer);
    // [REJECT] draft §7.1: INVALID is final across both forms (the older version's, whichever form).
    if (index !== -1)
      throw reject(
        TOKEN_STATUS_FORMS_CODES.FORMS_DISAGREE,
        'status_list.lst',
        `entry ${index} is INVALID in the older version and not in the newer one (forms ${held.list.format} and ${candidate.format})`,
      );
  }
}
