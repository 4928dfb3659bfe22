/**
 * An mdoc's status, read only from a list its own issuer signed (issue 14; DESIGN.md Principles §2:
 * a key counts only for the scope that pinned it). The MSO's `status.status_list {uri, idx}`
 * (draft-ietf-oauth-status-list §6.3) names a uri, not a signer; any accredited party could publish
 * a list under the same uri. So the versions read for an mdoc are exactly the CWT lists signed
 * through an `x5chain` whose path ended at the SAME accredited IACA (same spkiSha256) that anchored
 * the mdoc's DS certificate (status-list/cwt-x5chain-signer.ts) — draft §11: the Referenced Token's
 * and the Status List Token's certificates come from the same CA. A list at that uri signed by a
 * pinned (DID or JWK) key, or under another IACA, is not read for this mdoc.
 *
 * A JWT list with an `x5c` header is not admitted by the JWT kind (its signer is a pinned key), so
 * no JWT list is ever bound to an mdoc.
 */
import type { MdocVerification } from '../../mdoc/verify-mdoc.ts';
import { parseX5chainSignerId } from '../../status-list/cwt-x5chain-signer.ts';
import type { CheckResult } from '../check-result.ts';
import { JOSE_STATUS_CODES } from '../jose/jose-status-check.ts';
import { queryTokenStatus, TOKEN_STATUS_QUERY_CODES } from '../token-status-query.ts';
import type { JoseStatusListState, TrustView } from '../trust-view.ts';

/** Codes of the mdoc status binding (`undetermined` outcomes of the `status` check). */
export const MDOC_STATUS_BINDING_CODES = {
  /** `undetermined` — lists are held at the uri, but none signed under the IACA that anchored the mdoc. */
  LIST_NOT_BOUND: 'MDOC_STATUS_LIST_NOT_BOUND',
  /** `undetermined` — the mdoc's chain reached no accredited IACA, so no list can be bound to it. */
  ISSUER_UNBOUND: 'MDOC_STATUS_ISSUER_UNBOUND',
} as const;
const B = MDOC_STATUS_BINDING_CODES;

/** Whether a held list version was signed under the IACA whose key hashes to `anchorSpkiSha256`. */
export function signedUnderIaca(anchorSpkiSha256: string): (state: JoseStatusListState) => boolean {
  return (state) =>
    state.list.format === 'token-status-list-cwt' &&
    parseX5chainSignerId(state.signer.publicKeyMultibase)?.anchorSpkiSha256 === anchorSpkiSha256;
}

/**
 * draft §6.3 / §8.3: the MSO's reference read from the held lists bound to the mdoc's IACA
 * (`anchor`, from the issuer chain). A final INVALID in any bound version wins; SUSPENDED fails; no
 * bound list held (or its newest version expired) is undetermined — fail closed, said why.
 */
export function mdocStatusCheck(
  v: MdocVerification,
  view: TrustView,
  now: number,
  listsRead: Map<string, JoseStatusListState>,
  anchor: { spkiSha256: string } | undefined,
): CheckResult {
  if (!v.status) return { check: 'status', outcome: 'pass', message: 'the credential carries no status reference' };
  const { uri, idx } = v.status;
  if (!anchor) {
    return {
      check: 'status',
      outcome: 'undetermined',
      code: B.ISSUER_UNBOUND,
      message: `the issuer chain reached no accredited IACA: no list at ${uri} can be bound to this mdoc`,
      details: { uri, idx },
    };
  }
  const bound = signedUnderIaca(anchor.spkiSha256);
  const answer = queryTokenStatus(view, uri, idx, now, bound);
  const state = answer.asOf && view.joseStatusListVersions?.(uri).find((s) => s.digest === answer.asOf?.digest);
  if (state) listsRead.set(uri, state);
  const details = { uri, idx, ...(answer.value !== undefined ? { value: answer.value } : {}) };
  if (answer.status === undefined) {
    if (answer.code === TOKEN_STATUS_QUERY_CODES.UNKNOWN && (view.joseStatusListVersions?.(uri) ?? []).length > 0) {
      return {
        check: 'status',
        outcome: 'undetermined',
        code: B.LIST_NOT_BOUND,
        message: `lists are held at ${uri}, but none signed under the IACA that issued this mdoc`,
        details,
      };
    }
    const outcome = answer.code === TOKEN_STATUS_QUERY_CODES.INDEX_OUT_OF_RANGE ? 'fail' : 'undetermined';
    return {
      check: 'status',
      outcome,
      code: answer.code ?? TOKEN_STATUS_QUERY_CODES.UNKNOWN,
      message: answer.message,
      details,
    };
  }
  if (answer.status === 'VALID') return { check: 'status', outcome: 'pass', message: 'status VALID', details };
  const code =
    answer.status === 'INVALID'
      ? JOSE_STATUS_CODES.STATUS_INVALID
      : answer.status === 'SUSPENDED'
        ? JOSE_STATUS_CODES.STATUS_SUSPENDED
        : JOSE_STATUS_CODES.STATUS_OTHER;
  return { check: 'status', outcome: 'fail', code, message: `status ${answer.status}`, details };
}
