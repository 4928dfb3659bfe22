/**
 * Accreditation chains: from a subject up to a current governance authority (DESIGN.md, Records §2).
 *
 * A chain is valid at a set of instants when every link is within its validity period at each of
 * them, is not withdrawn through its accreditor's status list, narrows the scope of the link above
 * it, respects each accreditor's maxPathLength, and ends at an authority of the current governance
 * whose jurisdiction contains the scope.
 */
import {
  type AccreditationScope,
  accreditationValidAt,
  MAX_PATH_LENGTH,
  type ParsedAccreditation,
  scopeWithin,
} from '../records/accreditation.ts';
import { jurisdictionWithin } from '../records/governance.ts';
import { isBitstringStatusListEntry, parseStatusEntries } from '../records/status-entry.ts';
import { readStatus } from '../status-list/bitstring.ts';
import type { TrustView } from './trust-view.ts';

/** Why a chain could not be built, most specific first. */
export type ChainFailure =
  | 'ISSUER_NOT_ACCREDITED'
  | 'ACCREDITATION_NOT_YET_VALID'
  | 'ACCREDITATION_EXPIRED'
  | 'ACCREDITATION_WITHDRAWN'
  | 'ACCREDITATION_SUSPENDED'
  | 'ACCREDITATION_STATUS_UNKNOWN'
  | 'ACCREDITATION_PATH_TOO_LONG'
  | 'ACCREDITATION_SCOPE_WIDENED'
  | 'GOVERNANCE_UNKNOWN'
  | 'CHAIN_BROKEN';

/** A found chain: accreditations from the subject upwards, and the authority that anchors it. */
export interface TrustChain {
  links: ParsedAccreditation[];
  authority: string;
  scope: AccreditationScope;
}

/** Either a chain or the most specific reason there is none. */
export type ChainResult = { ok: true; chain: TrustChain } | { ok: false; code: ChainFailure; detail: string };

/** What to look for: a subject acting in `role` for `scope`, valid at every instant of `at`. */
export interface ChainQuery {
  subject: string;
  role: 'issuer' | 'accreditor';
  scope: AccreditationScope;
  at: number[];
  /** Accreditor levels already below the subject (1 when checking who may accredit an accreditor). */
  below?: number;
  /**
   * Clock-skew allowance in ms (admission only): a link counts as valid at t when validFrom ≤ t + skew
   * and t − skew ≤ validUntil, so a relay whose clock lags does not refuse an honest record.
   * Verification answers use 0.
   */
  skewMs?: number;
}

// Lower rank = more specific; when no chain exists the most specific failure seen is reported.
const RANK: Record<ChainFailure, number> = {
  ACCREDITATION_WITHDRAWN: 0,
  ACCREDITATION_SUSPENDED: 1,
  ACCREDITATION_EXPIRED: 2,
  ACCREDITATION_NOT_YET_VALID: 3,
  ACCREDITATION_STATUS_UNKNOWN: 4,
  ACCREDITATION_PATH_TOO_LONG: 5,
  ACCREDITATION_SCOPE_WIDENED: 6,
  GOVERNANCE_UNKNOWN: 7,
  CHAIN_BROKEN: 8,
  ISSUER_NOT_ACCREDITED: 9,
};

/** Finds a valid chain for the query, or the most specific reason none exists. */
export function findChain(view: TrustView, query: ChainQuery): ChainResult {
  const governance = view.governance();
  if (!governance) return { ok: false, code: 'GOVERNANCE_UNKNOWN', detail: 'no governance record is loaded' };
  let best: { code: ChainFailure; detail: string } = {
    code: 'ISSUER_NOT_ACCREDITED',
    detail: `${query.subject} holds no ${query.role} accreditation for ${query.scope.types.join(', ')} in ${query.scope.jurisdiction}`,
  };
  const note = (code: ChainFailure, detail: string) => {
    if (RANK[code] < RANK[best.code]) best = { code, detail };
  };
  const authorities = governance.record.authorities;

  // Depth-first search upwards; `below` counts accreditors already under the current link.
  const search = (
    subject: string,
    role: 'issuer' | 'accreditor',
    below: number,
    seen: Set<string>,
  ): TrustChain | null => {
    if (seen.size > MAX_PATH_LENGTH) return null;
    for (const link of view.accreditationsOf(subject)) {
      if (link.role !== role || seen.has(link.id)) continue;
      const covering = link.accreditedFor.find((s) => scopeWithin(query.scope, s));
      if (!covering) {
        note(
          'ACCREDITATION_SCOPE_WIDENED',
          `${link.id} does not cover ${query.scope.types.join(', ')} in ${query.scope.jurisdiction}`,
        );
        continue;
      }
      if (role === 'accreditor' && link.maxPathLength < below) {
        note('ACCREDITATION_PATH_TOO_LONG', `${link.id} allows ${link.maxPathLength} accreditor level(s) below it`);
        continue;
      }
      const timing = timingFailure(link, query.at, query.skewMs ?? 0);
      if (timing) {
        note(
          timing,
          `${link.id} is valid from ${new Date(link.validFromMs).toISOString()} to ${new Date(link.validUntilMs).toISOString()}`,
        );
        continue;
      }
      const withdrawal = withdrawalFailure(view, link);
      if (withdrawal) {
        note(withdrawal.code, withdrawal.detail);
        continue;
      }
      const authority = authorities.find((a) => a.id === link.issuer);
      if (authority) {
        if (jurisdictionWithin(query.scope.jurisdiction, authority.jurisdiction)) {
          return { links: [link], authority: authority.id, scope: query.scope };
        }
        note(
          'ACCREDITATION_SCOPE_WIDENED',
          `authority ${authority.id} governs ${authority.jurisdiction}, not ${query.scope.jurisdiction}`,
        );
        continue;
      }
      const next = new Set(seen).add(link.id);
      const above = search(link.issuer, 'accreditor', role === 'accreditor' ? below + 1 : 0, next);
      if (above) return { links: [link, ...above.links], authority: above.authority, scope: query.scope };
      note('CHAIN_BROKEN', `no valid chain from ${link.issuer} (accreditor of ${link.id}) to a governance authority`);
    }
    return null;
  };

  const chain = search(query.subject, query.role, query.below ?? 0, new Set());
  return chain ? { ok: true, chain } : { ok: false, ...best };
}

function timingFailure(link: ParsedAccreditation, at: number[], skewMs: number): ChainFailure | null {
  for (const time of at) {
    if (
      accreditationValidAt(link, time) ||
      accreditationValidAt(link, time + skewMs) ||
      accreditationValidAt(link, time - skewMs)
    ) {
      continue;
    }
    return time < link.validFromMs ? 'ACCREDITATION_NOT_YET_VALID' : 'ACCREDITATION_EXPIRED';
  }
  return null;
}

/**
 * An accreditation is withdrawn through a status list of its accreditor (DESIGN.md, Records §2).
 * A referenced list that is not held, or not signed by the accreditor, fails closed.
 */
function withdrawalFailure(view: TrustView, link: ParsedAccreditation): { code: ChainFailure; detail: string } | null {
  let entries: ReturnType<typeof parseStatusEntries>;
  try {
    entries = parseStatusEntries(link.credential);
  } catch {
    return { code: 'ACCREDITATION_STATUS_UNKNOWN', detail: `${link.id} has a malformed credentialStatus` };
  }
  for (const entry of entries) {
    if (!isBitstringStatusListEntry(entry)) {
      return {
        code: 'ACCREDITATION_STATUS_UNKNOWN',
        detail: `${link.id} uses an unsupported status type ${entry.unsupported.join(', ')}`,
      };
    }
    const state = view.statusList(entry.statusListCredential);
    if (!state || state.list.issuer !== link.issuer) {
      return {
        code: 'ACCREDITATION_STATUS_UNKNOWN',
        detail: `status list ${entry.statusListCredential} of ${link.id} is not held`,
      };
    }
    let value: number;
    try {
      value = readStatus(state.list.bits, entry.statusListIndex, state.list.statusSize);
    } catch {
      return {
        code: 'ACCREDITATION_STATUS_UNKNOWN',
        detail: `index ${entry.statusListIndex} is outside ${entry.statusListCredential}`,
      };
    }
    if (value !== 0 && entry.statusPurpose === 'revocation') {
      return { code: 'ACCREDITATION_WITHDRAWN', detail: `${link.id} was withdrawn by ${link.issuer}` };
    }
    if (value !== 0 && entry.statusPurpose === 'suspension') {
      return { code: 'ACCREDITATION_SUSPENDED', detail: `${link.id} is suspended by ${link.issuer}` };
    }
  }
  return null;
}

/** An accreditation with, for each scope it grants, whether a valid chain to governance backs it. */
export interface AccreditationStatus {
  id: string;
  subject: string;
  issuer: string;
  role: 'issuer' | 'accreditor';
  maxPathLength: number;
  validFrom: string;
  validUntil: string;
  scopes: (
    | {
        scope: AccreditationScope;
        valid: true;
        authority: string;
        chain: { id: string; issuer: string; subject: string }[];
      }
    | { scope: AccreditationScope; valid: false; code: ChainFailure; message: string }
  )[];
}

/** Describes an accreditation and checks the chain of each of its scopes at `at` (registry queries). */
export function accreditationStatus(view: TrustView, a: ParsedAccreditation, at: number): AccreditationStatus {
  return {
    id: a.id,
    subject: a.subject,
    issuer: a.issuer,
    role: a.role,
    maxPathLength: a.maxPathLength,
    validFrom: new Date(a.validFromMs).toISOString(),
    validUntil: new Date(a.validUntilMs).toISOString(),
    scopes: a.accreditedFor.map((scope) => {
      const result = findChain(view, { subject: a.subject, role: a.role, scope, at: [at] });
      return result.ok
        ? {
            scope,
            valid: true as const,
            authority: result.chain.authority,
            chain: result.chain.links.map((l) => ({ id: l.id, issuer: l.issuer, subject: l.subject })),
          }
        : { scope, valid: false as const, code: result.code, message: result.detail };
    }),
  };
}
