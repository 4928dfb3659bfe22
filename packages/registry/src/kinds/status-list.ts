/**
 * Bitstring Status List credentials (DESIGN.md, Records §3): one slot per list id and signing key;
 * after accreditations, and the lists of authorities and accreditors (which withdraw accreditations)
 * before issuers' lists (which only answer credential status).
 */
import { parseStatusListCredential } from '../records/status-list-credential.ts';
import { proofMethodOf } from '../validation/pinned-keys.ts';
import { statusListSlotKey, statusListSlotKeyOf, validateStatusList } from '../validation/status-list.ts';
import type { TrustView } from '../verification/trust-view.ts';
import type { RecordKindModule } from './types.ts';

/** The status list kind. */
export const statusListKind: RecordKindModule = {
  kind: 'status-list',
  rank: 2,
  jsonLd: true,
  slotOf(value, view) {
    const id = value.id;
    const issuer = typeof value.issuer === 'string' ? value.issuer : (value.issuer as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || typeof issuer !== 'string') return { key: null, order: 1 };
    // The slot names the signing key: a did:key names it in the proof; a pinned key is found by its
    // id among the keys held for the issuer (unknown here: no slot).
    const key = statusListSlotKeyOf(value) ?? pinnedSlotKey(view, id, issuer, proofMethodOf(value));
    return { key, order: view && publishesWithdrawals(view, issuer) ? 0 : 1 };
  },
  validate: (record, ctx) =>
    validateStatusList(parseStatusListCredential(record.value, ctx.limits), record.digest, record.bytes, ctx),
  restore: (stored, { value }, limits) => ({
    kind: 'status-list',
    parsed: parseStatusListCredential(value, limits),
    key: stored.key,
    version: stored.version,
    digest: stored.digest,
    bytes: stored.bytes,
  }),
};

/** The slot of a list signed by key `method` pinned for `issuer` in `view`, or null. */
function pinnedSlotKey(view: TrustView | undefined, id: string, issuer: string, method: string | null): string | null {
  if (!view || method === null) return null;
  const authority = view.governance()?.record.authorities.find((a) => a.id === issuer);
  const keys = [...(authority?.publicKeys ?? []), ...view.accreditationsOf(issuer).flatMap((a) => a.publicKeys)];
  const key = keys.find((k) => k.id === method);
  return key ? statusListSlotKey(id, key.publicKeyMultibase) : null;
}

/** True for an authority or an accreditor: its lists withdraw accreditations others depend on. */
function publishesWithdrawals(view: TrustView, issuer: string): boolean {
  if (view.governance()?.record.authorities.some((a) => a.id === issuer)) return true;
  return view.accreditationsOf(issuer).some((a) => a.role === 'accreditor');
}
