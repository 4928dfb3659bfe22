/**
 * One entry of a held JOSE status list, read from the replica (issue 13): what
 * `GET /credentials/status?uri=…&idx=…` answers for a verifier that already parsed a Referenced
 * Token's `status.status_list` (draft-ietf-oauth-status-list §6.2) or a StatusList2021Entry.
 */
import type { JoseStatusListState, TrustView } from './trust-view.ts';

/** Status Types of draft-ietf-oauth-status-list §7.1; other values are application-specific. */
export const TOKEN_STATUS_NAMES: Readonly<Record<number, string>> = Object.freeze({
  0: 'VALID',
  1: 'INVALID',
  2: 'SUSPENDED',
});

/** Codes of a status query. */
export const TOKEN_STATUS_QUERY_CODES = {
  /** `undetermined` — no version of the list is held here. */
  UNKNOWN: 'STATUS_LIST_UNKNOWN',
  /** `fail` — the index lies beyond the list (draft §8.3 step 6: reject). */
  INDEX_OUT_OF_RANGE: 'STATUS_INDEX_OUT_OF_RANGE',
  /** `undetermined` — the newest held version is past its `exp` (draft §8.3 step 4c). */
  EXPIRED: 'STATUS_LIST_EXPIRED',
} as const;

/** The answer to one query. */
export interface TokenStatusAnswer {
  uri: string;
  idx: number;
  /** `VALID`, `INVALID`, `SUSPENDED`, or `0x03`… for application-specific values; absent when undetermined. */
  status?: string;
  value?: number;
  /** Set when no value can be given: why. */
  code?: string;
  message: string;
  /** The version read: its issuer, version time and digest, and when this node received it. */
  asOf?: { issuer: string; version: string; expires: string | null; digest: string; receivedAt: string };
}

/** The name of a status value: the draft's Status Type, or its hex form. */
export function tokenStatusName(value: number): string {
  return TOKEN_STATUS_NAMES[value] ?? `0x${value.toString(16).padStart(2, '0').toUpperCase()}`;
}

/**
 * Reads entry `idx` of list `uri` among the held versions: an INVALID (final) value in any version
 * wins (a later version never undoes it, so an older one showing it is proof enough); otherwise
 * the newest version answers. A Token Status List's versions in both forms (JWT, §5.1, and CWT,
 * §5.2) are read together: the reference does not say which form its list is in, and admission
 * keeps the two forms of one uri agreeing on final states (status-list/cwt-list-kind.ts). StatusList2021 lists answer 0/1 as VALID/INVALID for revocation and
 * VALID/SUSPENDED for suspension.
 *
 * `accept` narrows the versions read to those a caller may trust for its credential (e.g. an mdoc
 * reads only lists signed under its own IACA, verification/mdoc/mdoc-status-binding.ts): the others
 * are not read at all, so they can neither answer nor supply a final state.
 */
export function queryTokenStatus(
  view: TrustView,
  uri: string,
  idx: number,
  now: number,
  accept?: (state: JoseStatusListState) => boolean,
): TokenStatusAnswer {
  const held = view.joseStatusListVersions?.(uri) ?? [];
  const versions = (accept ? held.filter(accept) : [...held]).sort((a, b) => b.list.versionMs - a.list.versionMs);
  const newest = versions[0];
  if (!newest) {
    return { uri, idx, code: TOKEN_STATUS_QUERY_CODES.UNKNOWN, message: `status list ${uri} is not held by this node` };
  }
  let read: { state: JoseStatusListState; value: number } | null = null;
  for (const state of versions) {
    let value: number;
    try {
      value = state.list.read(idx);
    } catch {
      continue;
    }
    const final =
      state.list.format !== 'status-list-2021' ? value === 1 : state.list.purpose === 'revocation' && value === 1;
    if (read === null) read = { state, value };
    if (final) {
      read = { state, value };
      break;
    }
  }
  if (read === null) {
    return {
      uri,
      idx,
      code: TOKEN_STATUS_QUERY_CODES.INDEX_OUT_OF_RANGE,
      message: `index ${idx} lies beyond the list (${newest.list.size()} entries)`,
      asOf: asOfOf(newest),
    };
  }
  const { state, value } = read;
  if (state === newest && newest.list.expMs !== null && newest.list.expMs < now && value !== 1) {
    return {
      uri,
      idx,
      code: TOKEN_STATUS_QUERY_CODES.EXPIRED,
      message: `the newest version expired`,
      asOf: asOfOf(newest),
    };
  }
  const status =
    state.list.format === 'status-list-2021'
      ? value === 0
        ? 'VALID'
        : state.list.purpose === 'suspension'
          ? 'SUSPENDED'
          : 'INVALID'
      : tokenStatusName(value);
  return { uri, idx, status, value, message: `entry ${idx} is ${status}`, asOf: asOfOf(state) };
}

function asOfOf(state: JoseStatusListState): NonNullable<TokenStatusAnswer['asOf']> {
  return {
    issuer: state.list.issuer,
    version: new Date(state.list.versionMs).toISOString(),
    expires: state.list.expMs === null ? null : new Date(state.list.expMs).toISOString(),
    digest: state.digest,
    receivedAt: new Date(state.receivedAt).toISOString(),
  };
}
