/**
 * Which keys count for a credential's issuer (docs/records.md, Trust rules): for the proof, the keys
 * pinned by the issuer's accreditations that cover one of the credential's types; for the issuer
 * check, only a link that pins the key that signed and starts a valid chain for the type; for status,
 * only list versions signed by a key that counts for the issuer in the scope the credential passed in.
 */
import type { ParsedAccreditation } from '../records/accreditation.ts';
import { type PinnedKey, sameKey } from '../records/keys.ts';
import { readStatus } from '../status-list/bitstring.ts';
import { countingKeysOf, countingListVersions, didKeyOf, findChains } from './trust-chain.ts';
import type { StatusListState, TrustView } from './trust-view.ts';

/** A scope a credential passed the issuer check in: one type, one jurisdiction. */
export interface PassedScope {
  type: string;
  jurisdiction: string;
}

/**
 * Keys a credential's proof may be checked with: those pinned for `issuer` by its issuer
 * accreditations covering at least one of `types` (validity and withdrawal are the issuer check's
 * business), plus a did:key issuer's own key. A key pinned for the DID only in other scopes is not
 * among them.
 */
export function proofKeysFor(view: TrustView, issuer: string, types: readonly string[]): PinnedKey[] {
  const links = view
    .accreditationsOf(issuer)
    .filter((a) => a.role === 'issuer' && a.accreditedFor.some((s) => types.some((t) => s.types.includes(t))));
  const keys = countingKeysOf(issuer, links);
  const own = didKeyOf(issuer);
  if (own && !keys.some((k) => sameKey(k, own))) keys.push(own);
  return keys;
}

/**
 * Keys whose status lists count for a credential that passed the issuer check in `passed`: for each
 * passed scope, the keys pinned by every link that starts a valid chain for it; a key must count in
 * all of them.
 */
export function statusKeysFor(
  view: TrustView,
  issuer: string,
  passed: readonly PassedScope[],
  at: number[],
): PinnedKey[] {
  let keys: PinnedKey[] = [];
  for (const [i, { type, jurisdiction }] of passed.entries()) {
    const chains = findChains(view, { subject: issuer, role: 'issuer', scope: { types: [type], jurisdiction }, at });
    const found = chains.ok
      ? countingKeysOf(
          issuer,
          chains.chains.map((c) => c.links[0] as ParsedAccreditation),
        )
      : [];
    keys = i === 0 ? found : keys.filter((k) => found.some((o) => sameKey(o, k)));
  }
  return keys;
}

/**
 * The version of list `listId` to read entry `index` from, among those signed by `keys` for
 * `issuer`: for revocation, any counting version with the entry set (revocation is final), else the
 * newest; for other purposes the newest. `none` when no version counts, `foreign` when versions are
 * held but none counts.
 */
export function countingStatusVersion(
  view: TrustView,
  listId: string,
  issuer: string,
  keys: readonly PinnedKey[],
  entry: { statusPurpose: string; statusListIndex: number; statusSize: number },
): StatusListState | 'none' | 'foreign' {
  const versions = countingListVersions(view, listId, issuer, keys).sort((a, b) => b.list.validFrom - a.list.validFrom);
  if (versions.length === 0) return view.statusListVersions(listId).length > 0 ? 'foreign' : 'none';
  if (entry.statusPurpose === 'revocation') {
    for (const state of versions) {
      try {
        if (readStatus(state.list.bits, entry.statusListIndex, entry.statusSize) !== 0) return state;
      } catch {
        // Out of range here: the caller reports it on the newest version.
      }
    }
  }
  return versions[0] as StatusListState;
}
