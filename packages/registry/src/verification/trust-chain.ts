/**
 * Accreditation chains: from a subject up to a current governance authority (DESIGN.md, Records §2).
 *
 * A chain is valid at a set of instants when every link is within its validity period at each of
 * them, is not withdrawn through its accreditor's status list, narrows the scope of the link above
 * it, respects each accreditor's maxPathLength, and ends at an authority of the current governance
 * whose jurisdiction contains the scope.
 *
 * Keys are scoped (docs/records.md, Trust rules): a key counts for a subject in a scope only through
 * a link of the subject that pins it and starts a valid chain for that scope; an accreditor's
 * withdrawal list counts for a link only when signed by a key that counts for the accreditor in the
 * scope being checked (an authority's: a key of its governance entry).
 */

import { ANY_DEPENDENCY, type DependencyKey } from '../errors.ts';
import {
  type AccreditationRole,
  type AccreditationScope,
  accreditationValidAt,
  describeScope,
  MAX_PATH_LENGTH,
  type ParsedAccreditation,
  scopeWithin,
} from '../records/accreditation.ts';
import { listDependency, subjectDependency } from '../records/dependencies.ts';
import { type GovernanceAuthority, jurisdictionWithin } from '../records/governance.ts';
import { didKeyMultikey } from '../records/jwk.ts';
import { type PinnedKey, sameKey } from '../records/keys.ts';
import { isBitstringStatusListEntry, parseStatusEntries } from '../records/status-entry.ts';
import { readStatus } from '../status-list/bitstring.ts';
import type { StatusListState, TrustView } from './trust-view.ts';

/**
 * Codes of a chain that could not be built (DESIGN.md Records §2; docs/records.md, Trust rules).
 * "Not yet resolvable" is decided here, once: a failure that names the record it `awaits` is an
 * `ignore`, retried when that record arrives; validators treat the timing and withdrawal failures as
 * stale (`ignore`, not retried) and every other failure as unauthorised (`reject`). The verifier
 * reports them as the `issuer` check's code.
 */
export const TRUST_CHAIN_CODES = {
  /** `ignore` (awaits the subject's accreditation) — no accreditation of the subject covers the scope. */
  ISSUER_NOT_ACCREDITED: 'ISSUER_NOT_ACCREDITED',
  /** `ignore` (stale) — a link's validity period has not started at an instant checked. */
  ACCREDITATION_NOT_YET_VALID: 'ACCREDITATION_NOT_YET_VALID',
  /** `ignore` (stale) — a link's validity period has ended at an instant checked. */
  ACCREDITATION_EXPIRED: 'ACCREDITATION_EXPIRED',
  /** `ignore` (stale) — a link is revoked through its accreditor's status list. */
  ACCREDITATION_WITHDRAWN: 'ACCREDITATION_WITHDRAWN',
  /** `ignore` (stale) — a link is suspended through its accreditor's status list (newest version). */
  ACCREDITATION_SUSPENDED: 'ACCREDITATION_SUSPENDED',
  /**
   * `ignore` (awaits the list) when a link's withdrawal list is not held; `reject` when its
   * `credentialStatus` is malformed, of an unsupported type, or names an index outside the list.
   */
  ACCREDITATION_STATUS_UNKNOWN: 'ACCREDITATION_STATUS_UNKNOWN',
  /** `reject` — an accreditor's `maxPathLength` leaves no room for the levels below it. */
  ACCREDITATION_PATH_TOO_LONG: 'ACCREDITATION_PATH_TOO_LONG',
  /** `reject` — a link (or the anchoring authority's jurisdiction) does not cover the scope: scope only narrows. */
  ACCREDITATION_SCOPE_WIDENED: 'ACCREDITATION_SCOPE_WIDENED',
  /** `reject` — the signing key is not pinned by the link it would count through (scoped keys). */
  ACCREDITATION_KEY_NOT_PINNED: 'ACCREDITATION_KEY_NOT_PINNED',
  /** `ignore` (retryable) — no governance record is held yet, so no chain can end anywhere. */
  GOVERNANCE_UNKNOWN: 'GOVERNANCE_UNKNOWN',
  /** `ignore` (awaits the accreditor's accreditation) — a link's accreditor has no valid chain upwards. */
  CHAIN_BROKEN: 'CHAIN_BROKEN',
} as const;

/** Why a chain could not be built, most specific first. */
export type ChainFailure = (typeof TRUST_CHAIN_CODES)[keyof typeof TRUST_CHAIN_CODES];

/** A found chain: accreditations from the subject upwards, and the authority that anchors it. */
export interface TrustChain {
  links: ParsedAccreditation[];
  authority: string;
  scope: AccreditationScope;
}

/**
 * Why no chain was found: the most specific failure, and the record it waits for when more records
 * may resolve it (`awaits`; null when no record will: unauthorised, or only time will tell).
 */
export interface ChainFailureResult {
  ok: false;
  code: ChainFailure;
  detail: string;
  awaits: DependencyKey | null;
}

/** Either a chain or the most specific reason there is none. */
export type ChainResult = { ok: true; chain: TrustChain } | ChainFailureResult;

/**
 * What to look for: a subject acting in `role` for `scope`, valid at every instant of `at`. Only
 * links of that role start a chain: a `ca` grant never counts as an issuer's or an accreditor's,
 * nor the other way round (issue 14).
 */
export interface ChainQuery {
  subject: string;
  role: AccreditationRole;
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
  /**
   * The key being checked (id and public key): only a link of the subject that pins it may start
   * the chain, since a key counts only through the accreditation that pins it (scoped keys).
   */
  key?: PinnedKey;
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
  ACCREDITATION_KEY_NOT_PINNED: 8,
  CHAIN_BROKEN: 9,
  ISSUER_NOT_ACCREDITED: 10,
};

/** Every valid chain the query admits (one per starting link), or the most specific reason there is none. */
export type ChainsResult = { ok: true; chains: TrustChain[] } | ChainFailureResult;

/** Finds a valid chain for the query, or the most specific reason none exists. */
export function findChain(view: TrustView, query: ChainQuery): ChainResult {
  const result = findChains(view, query);
  return result.ok ? { ok: true, chain: result.chains[0] as TrustChain } : result;
}

/**
 * Finds every valid chain for the query: one per link of the subject that starts one. The keys
 * pinned in those first links are the keys that count for the subject in the query's scope.
 */
export function findChains(view: TrustView, query: ChainQuery): ChainsResult {
  const governance = view.governance();
  if (!governance) {
    return {
      ok: false,
      code: TRUST_CHAIN_CODES.GOVERNANCE_UNKNOWN,
      detail: 'no governance record is loaded',
      awaits: ANY_DEPENDENCY,
    };
  }
  // Not yet resolvable is decided here, once: a missing link, a missing withdrawal list or a missing
  // governance may arrive; every other failure is final for these records (only time changes a
  // not-yet-valid link, and anti-entropy brings a record again when it does).
  let best: { code: ChainFailure; detail: string; awaits: DependencyKey | null } = {
    code: TRUST_CHAIN_CODES.ISSUER_NOT_ACCREDITED,
    detail: `${query.subject} holds no ${query.role} accreditation for ${describeScope(query.scope)}`,
    awaits: subjectDependency(query.subject),
  };
  const note = (code: ChainFailure, detail: string, awaits: DependencyKey | null = null) => {
    if (RANK[code] < RANK[best.code]) best = { code, detail, awaits };
  };
  const authorities = governance.record.authorities;

  // Depth-first search upwards; `below` counts accreditors already under the current link. Every
  // valid link is collected (not just the first), because the keys that count for an accreditor in
  // this scope — the ones its withdrawal lists must be signed with — are those of all its valid links.
  const search = (
    subject: string,
    role: AccreditationRole,
    below: number,
    seen: Set<string>,
    key: PinnedKey | undefined,
  ): { links: ParsedAccreditation[]; authority: string }[] => {
    if (seen.size > MAX_PATH_LENGTH) return [];
    const found: { links: ParsedAccreditation[]; authority: string }[] = [];
    for (const link of view.accreditationsOf(subject)) {
      if (link.role !== role || seen.has(link.id)) continue;
      const covering = link.accreditedFor.find((s) => scopeWithin(query.scope, s));
      if (!covering) {
        note(TRUST_CHAIN_CODES.ACCREDITATION_SCOPE_WIDENED, `${link.id} does not cover ${describeScope(query.scope)}`);
        continue;
      }
      // A key counts only through the link that pins it (scoped keys).
      if (key && !link.publicKeys.some((k) => sameKey(k, key))) {
        note(TRUST_CHAIN_CODES.ACCREDITATION_KEY_NOT_PINNED, `${link.id} does not pin ${key.id} for ${subject}`);
        continue;
      }
      if (role === 'accreditor' && link.maxPathLength < below) {
        note(
          TRUST_CHAIN_CODES.ACCREDITATION_PATH_TOO_LONG,
          `${link.id} allows ${link.maxPathLength} accreditor level(s) below it`,
        );
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
      // Who signs for the link's accreditor in this scope: an authority's governance keys, or the
      // keys pinned by the accreditor's own valid links.
      let above: { links: ParsedAccreditation[]; authority: string };
      let accreditorKeys: PinnedKey[];
      const authority = authorities.find((a) => a.id === link.issuer);
      if (authority) {
        if (!jurisdictionWithin(query.scope.jurisdiction, authority.jurisdiction)) {
          note(
            TRUST_CHAIN_CODES.ACCREDITATION_SCOPE_WIDENED,
            `authority ${authority.id} governs ${authority.jurisdiction}, not ${query.scope.jurisdiction}`,
          );
          continue;
        }
        above = { links: [], authority: authority.id };
        accreditorKeys = authorityKeys(authority);
      } else {
        const next = new Set(seen).add(link.id);
        const aboves = search(link.issuer, 'accreditor', role === 'accreditor' ? below + 1 : 0, next, undefined);
        if (aboves.length === 0) {
          note(
            TRUST_CHAIN_CODES.CHAIN_BROKEN,
            `no valid chain from ${link.issuer} (accreditor of ${link.id}) to a governance authority`,
            subjectDependency(link.issuer),
          );
          continue;
        }
        above = aboves[0] as { links: ParsedAccreditation[]; authority: string };
        accreditorKeys = countingKeysOf(
          link.issuer,
          aboves.map((a) => a.links[0] as ParsedAccreditation),
        );
      }
      const withdrawal = withdrawalFailure(view, link, accreditorKeys);
      if (withdrawal) {
        note(withdrawal.code, withdrawal.detail, withdrawal.awaits ?? null);
        continue;
      }
      found.push({ links: [link, ...above.links], authority: above.authority });
    }
    return found;
  };

  const chains = search(query.subject, query.role, query.below ?? 0, new Set(), query.key);
  return chains.length > 0
    ? { ok: true, chains: chains.map((c) => ({ ...c, scope: query.scope })) }
    : { ok: false, ...best };
}

/**
 * Keys that count for an authority: only those of its governance entry (never an accreditation's).
 * A did:key authority's key is its own key only.
 */
export function authorityKeys(authority: GovernanceAuthority): PinnedKey[] {
  return authority.publicKeys.filter((k) => didKeyAllows(authority.id, k));
}

/**
 * Keys that count for `subject` through the given links (the first links of its valid chains):
 * the keys those links pin. For a did:key subject only its own key can ever count.
 */
export function countingKeysOf(subject: string, links: readonly ParsedAccreditation[]): PinnedKey[] {
  const keys: PinnedKey[] = [];
  for (const link of links) {
    for (const key of link.publicKeys) {
      if (didKeyAllows(subject, key) && !keys.some((k) => sameKey(k, key))) keys.push(key);
    }
  }
  return keys;
}

/**
 * The key a did:key DID stands for: `did:key:z…#z…` with public key `z…` (a Multikey did:key), or the
 * Multikey form of the JWK a `jwk_jcs-pub` did:key carries (TW DIW's issuers and holders). A did:key
 * whose key cannot be read still names one key — one that matches nothing — so no other key ever
 * counts for it.
 */
export function didKeyOf(did: string): PinnedKey | null {
  if (!did.startsWith('did:key:z')) return null;
  const multibase = did.slice('did:key:'.length);
  const publicKeyMultibase = didKeyMultikey(multibase) ?? multibase;
  return { id: `${did}#${multibase}`, type: 'Multikey', controller: did, publicKeyMultibase };
}

// A did:key names its one key: any other key "for" it is somebody else's — unless the did:key's key
// consented to it in the accreditation that pins it (a controllerProof, verified at admission:
// validation/pinned-keys.ts; issue 13, TW DIW's list key).
function didKeyAllows(did: string, key: PinnedKey): boolean {
  const own = didKeyOf(did);
  return own === null || sameKey(own, key) || key.controllerProof !== undefined;
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
    return time < link.validFromMs
      ? TRUST_CHAIN_CODES.ACCREDITATION_NOT_YET_VALID
      : TRUST_CHAIN_CODES.ACCREDITATION_EXPIRED;
  }
  return null;
}

/**
 * The versions of a status list that count for a party holding `keys` (the keys that count for it
 * in the scope being checked): issued by `issuer` and signed by one of those keys. Versions signed
 * under a key somebody else pinned for the same DID, in another scope, are never read.
 */
export function countingListVersions(
  view: TrustView,
  listId: string,
  issuer: string,
  keys: readonly PinnedKey[],
): StatusListState[] {
  return view
    .statusListVersions(listId)
    .filter((v) => v.list.issuer === issuer && keys.some((k) => sameKey(k, v.signer)));
}

/**
 * An accreditation is withdrawn through a status list of its accreditor (DESIGN.md, Records §2),
 * read only from versions signed by a key that counts for the accreditor in this scope. A referenced
 * list with no such version fails closed. Revocation is final: any counting version that has the
 * bit set withdraws the link.
 */
function withdrawalFailure(
  view: TrustView,
  link: ParsedAccreditation,
  accreditorKeys: readonly PinnedKey[],
): { code: ChainFailure; detail: string; awaits?: DependencyKey } | null {
  let entries: ReturnType<typeof parseStatusEntries>;
  try {
    entries = parseStatusEntries(link.credential);
  } catch {
    return {
      code: TRUST_CHAIN_CODES.ACCREDITATION_STATUS_UNKNOWN,
      detail: `${link.id} has a malformed credentialStatus`,
    };
  }
  for (const entry of entries) {
    if (!isBitstringStatusListEntry(entry)) {
      return {
        code: TRUST_CHAIN_CODES.ACCREDITATION_STATUS_UNKNOWN,
        detail: `${link.id} uses an unsupported status type ${entry.unsupported.join(', ')}`,
      };
    }
    const versions = countingListVersions(view, entry.statusListCredential, link.issuer, accreditorKeys);
    if (versions.length === 0) {
      return {
        code: TRUST_CHAIN_CODES.ACCREDITATION_STATUS_UNKNOWN,
        detail: `status list ${entry.statusListCredential} of ${link.id} is not held (signed by a key of ${link.issuer} that counts here)`,
        awaits: listDependency(entry.statusListCredential),
      };
    }
    // Newest first: a suspension is read from the newest version, a revocation from any.
    const ordered = [...versions].sort((a, b) => b.list.validFrom - a.list.validFrom);
    for (const [i, state] of ordered.entries()) {
      let value: number;
      try {
        value = readStatus(state.list.bits, entry.statusListIndex, state.list.statusSize);
      } catch {
        return {
          code: TRUST_CHAIN_CODES.ACCREDITATION_STATUS_UNKNOWN,
          detail: `index ${entry.statusListIndex} is outside ${entry.statusListCredential}`,
        };
      }
      if (value !== 0 && entry.statusPurpose === 'revocation') {
        return {
          code: TRUST_CHAIN_CODES.ACCREDITATION_WITHDRAWN,
          detail: `${link.id} was withdrawn by ${link.issuer}`,
        };
      }
      if (i === 0 && value !== 0 && entry.statusPurpose === 'suspension') {
        return { code: TRUST_CHAIN_CODES.ACCREDITATION_SUSPENDED, detail: `${link.id} is suspended by ${link.issuer}` };
      }
    }
  }
  return null;
}

/** An accreditation with, for each scope it grants, whether a valid chain to governance backs it. */
export interface AccreditationStatus {
  id: string;
  subject: string;
  issuer: string;
  role: AccreditationRole;
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
