/**
 * Validation of Bitstring Status List credentials (DESIGN.md, Records §3;
 * https://www.w3.org/TR/vc-bitstring-status-list/). Accept only from an accredited party signing
 * with a key that counts for it, only newer (order by validFrom within a slot), and never clearing a
 * revocation bit. Cheap checks first, the proof last.
 *
 * Slots (docs/records.md, Trust rules): one per list id AND signing key. Two accreditors that pin
 * different keys for one DID each get their own slot, so neither can overwrite the other's list;
 * verification reads only the slots signed by a key that counts in the credential's scope.
 */
import { type DependencyKey, ignore, reject, unresolved } from '../errors.ts';
import { subjectDependency } from '../records/dependencies.ts';
import { type PinnedKey, sameKey } from '../records/keys.ts';
import { inflateStatusList, type StatusListCredential } from '../records/status-list-credential.ts';
import { revocationBitsCleared } from '../status-list/bitstring.ts';
import {
  authorityKeys,
  type ChainFailure,
  countingKeysOf,
  didKeyOf,
  findChains,
  TRUST_CHAIN_CODES,
} from '../verification/trust-chain.ts';
import type { StatusListState } from '../verification/trust-view.ts';
import { VALIDATION_CODES } from './codes.ts';
import type { Admission, ValidationContext } from './context.ts';
import { equivocation, requireDistinctSignedContent } from './evidence.ts';
import { proofMethodOf, verifyProofWithKeys } from './pinned-keys.ts';

/**
 * Codes of status list validation (DESIGN.md Records §3; docs/records.md Status list). Shape and
 * `encodedList` codes are the parser's and the codec's; duplicates are {@link VALIDATION_CODES}.DUPLICATE.
 */
export const STATUS_LIST_CODES = {
  /** `ignore` — already past `validUntil`: it cannot answer anyone (stale). */
  EXPIRED: 'STATUS_LIST_EXPIRED',
  /** `ignore` — `validFrom` beyond the clock-skew allowance: it would block every honest update until then. */
  NOT_YET_VALID: 'STATUS_LIST_NOT_YET_VALID',
  /** `ignore` — older `validFrom` than the version held in its slot (stale). */
  STALE: 'STATUS_LIST_STALE',
  /** `reject` — the issuer would hold more list slots, or more inflated bytes, than its quota (issue 11). */
  QUOTA_EXCEEDED: 'STATUS_LIST_QUOTA_EXCEEDED',
  /** `reject` — a newer version names another issuer than the held one. */
  ISSUER_CHANGED: 'STATUS_LIST_ISSUER_CHANGED',
  /** `reject` — a newer version changes `statusSize` or the purposes, or shrinks the list. */
  SHAPE_CHANGED: 'STATUS_LIST_SHAPE_CHANGED',
  /** `reject` — a list with the `revocation` purpose clears a bit (revocation is irreversible). */
  ROLLBACK: 'STATUS_LIST_ROLLBACK',
  /** `ignore` (awaits the publisher's accreditation; signer unknown) — no authority or accreditation names the publisher yet. */
  ISSUER_UNKNOWN: 'STATUS_LIST_ISSUER_UNKNOWN',
  /** `ignore` (awaits a record) — the publisher's chain waits on a record not held yet. */
  ISSUER_UNRESOLVED: 'STATUS_LIST_ISSUER_UNRESOLVED',
  /** `ignore` (not retried) — the publisher's accreditation starts later: only time resolves it. */
  ISSUER_NOT_YET_ACCREDITED: 'STATUS_LIST_ISSUER_NOT_YET_ACCREDITED',
  /** `reject` — a known publisher none of whose accreditations starts a valid chain. */
  ISSUER_NOT_ACCREDITED: 'STATUS_LIST_ISSUER_NOT_ACCREDITED',
} as const;

// A link not valid yet: only time resolves it; ignore, never punish, never buffer.
const EARLY_CHAIN_FAILURES = new Set<ChainFailure>([TRUST_CHAIN_CODES.ACCREDITATION_NOT_YET_VALID]);

/**
 * Prefix of every slot of a status list id (and the label equivocation evidence of a list carries).
 * The slot itself is {@link statusListSlotKey}.
 */
export function statusListKey(id: string): string {
  return `status-list/${id}`;
}

/**
 * Store slot of a status list version: `status-list/<list id> <signing public key>`. One slot per
 * list id and signing key, holding that key's newest version (a list id is a URL, so it holds no
 * space; a multibase key holds none either).
 */
export function statusListSlotKey(id: string, signerMultibase: string): string {
  return `${statusListKey(id)} ${signerMultibase}`;
}

/**
 * The slot of a status list record read from its JSON alone, or null when that needs the registry:
 * a did:key signing key is written in its verification method (`did:key:z…#z…`); any other key's
 * public key is known only from the accreditation that pins it. For callers outside admission
 * (e.g. a sync buffer keyed like the store).
 */
export function statusListSlotKeyOf(value: unknown): string | null {
  if (value === null || typeof value !== 'object') return null;
  const id = (value as Record<string, unknown>).id;
  const method = proofMethodOf(value);
  if (typeof id !== 'string' || method === null || !method.startsWith('did:key:z')) return null;
  const [did, fragment] = method.split('#');
  const multibase = (did ?? '').slice('did:key:'.length);
  return fragment === multibase ? statusListSlotKey(id, multibase) : null;
}

/**
 * The key that signed a stored list version, from its slot key and its proof's verification method;
 * a slot key of the older form (no key) falls back to the did:key the method names, or `fallback`.
 */
export function statusListSigner(list: StatusListCredential, slotKey: string, fallback?: PinnedKey): PinnedKey {
  const method = proofMethodOf(list.credential) ?? '';
  const space = slotKey.lastIndexOf(' ');
  const multibase =
    space > 0
      ? slotKey.slice(space + 1)
      : (didKeyOf(list.issuer)?.publicKeyMultibase ?? fallback?.publicKeyMultibase ?? '');
  return { id: method, type: 'Multikey', controller: list.issuer, publicKeyMultibase: multibase };
}

/** Version string of a status list: its validFrom in ms, zero-padded so it sorts. */
export function statusListVersion(list: StatusListCredential): string {
  return String(list.validFrom).padStart(16, '0');
}

/** Validates a parsed status list credential against the replicated state. */
export async function validateStatusList(
  parsed: StatusListCredential,
  digest: string,
  bytes: Uint8Array,
  ctx: ValidationContext,
): Promise<Admission> {
  let list = parsed;
  const versions = ctx.view.statusListVersions(list.id);
  // [IGNORE] DESIGN.md Admission (dedupe): same bytes as a held version.
  if (versions.some((v) => v.digest === digest))
    throw ignore(VALIDATION_CODES.DUPLICATE, undefined, `status list ${list.id} is already held at this version`);
  // [IGNORE] issue 9: a held version of the same validFrom with the same signed content in other
  // JSON is a duplicate; decided before any signature.
  for (const v of versions) {
    const heldBytes = v.list.validFrom === list.validFrom ? ctx.statusListBytes(v.key) : null;
    if (heldBytes) await requireDistinctSignedContent('status-list', heldBytes, bytes, ctx);
  }
  // [IGNORE] docs/records.md Status list: already past validUntil, it cannot answer anyone (stale).
  if (list.validUntil !== undefined && list.validUntil < ctx.now) {
    throw ignore(STATUS_LIST_CODES.EXPIRED, 'validUntil', `expired at ${new Date(list.validUntil).toISOString()}`);
  }
  // [IGNORE] docs/records.md Status list: dated beyond the clock-skew allowance, it would block every
  // honest update until then.
  if (list.validFrom > ctx.now + ctx.maxClockSkewMs) {
    throw ignore(STATUS_LIST_CODES.NOT_YET_VALID, 'validFrom', `lies more than ${ctx.maxClockSkewMs} ms in the future`);
  }

  // [REJECT]/[IGNORE] docs/records.md Trust rules: the publisher is an authority or accredited, and the key it signs
  // with counts for it (governance keys; keys pinned by its valid accreditations).
  const keys = publisherKeys(list, ctx);
  const method = proofMethodOf(list.credential);
  const candidates = keys.filter((k) => k.id === method);
  // [IGNORE] DESIGN.md Records §3 (only newer): version order per slot is validFrom; when every slot
  // this version could land in holds a newer one, it is stale, before any signature work.
  const slots = candidates.map((k) => versions.find((v) => v.key === statusListSlotKey(list.id, k.publicKeyMultibase)));
  if (slots.length > 0 && slots.every((held) => held && list.validFrom < held.list.validFrom)) {
    const held = slots[0] as StatusListState;
    throw ignore(
      STATUS_LIST_CODES.STALE,
      'validFrom',
      `is older than the held version (${new Date(held.list.validFrom).toISOString()})`,
    );
  }

  const proof = await verifyProofWithKeys(list.credential, list.issuer, keys, ctx.documentLoader, 'now');
  if (!proof.verified) throw proof.error;
  // [REJECT] Bounded work per unauthenticated byte (issue 11): the list is inflated only now that its
  // publisher and proof are checked, off the event loop, under the decoded-bits cap (limits.ts).
  list = await inflateStatusList(list, ctx.limits);

  const key = statusListSlotKey(list.id, proof.key.publicKeyMultibase);
  const held = versions.find((v) => v.key === key);
  // [IGNORE] DESIGN.md Records §3 (only newer): older than the version held in its slot.
  if (held && list.validFrom < held.list.validFrom) {
    throw ignore(
      STATUS_LIST_CODES.STALE,
      'validFrom',
      `is older than the held version (${new Date(held.list.validFrom).toISOString()})`,
    );
  }
  if (held && list.validFrom > held.list.validFrom) requireCompatibleVersion(held.list, list);
  if (held && list.validFrom === held.list.validFrom) {
    // Same slot (same signing key), same version, different signed content: equivocation, kept as evidence.
    const heldBytes = ctx.statusListBytes(key);
    if (heldBytes) return equivocation('status-list', key, list.issuer, statusListVersion(list), heldBytes, bytes, ctx);
  }
  requireQuota(list, key, held, ctx);
  return { kind: 'status-list', parsed: list, key, version: statusListVersion(list), digest, bytes };
}

/** [REJECT] issue 11: an issuer holds at most so many list slots, and so many inflated bytes in all. */
function requireQuota(
  list: StatusListCredential,
  key: string,
  held: StatusListState | undefined,
  ctx: ValidationContext,
): void {
  const usage = ctx.statusListUsage(list.issuer);
  const { maxListsPerIssuer, maxDecodedBytesPerIssuer } = ctx.quotas;
  // [REJECT] DESIGN.md Network (per-issuer quotas): list slots per issuer.
  if (!usage.slots.has(key) && usage.slots.size >= maxListsPerIssuer) {
    throw reject(
      STATUS_LIST_CODES.QUOTA_EXCEEDED,
      'id',
      `${list.issuer} already holds ${usage.slots.size} status lists here; the quota is ${maxListsPerIssuer}`,
    );
  }
  const after = usage.decodedBytes - (held?.decodedBytes ?? 0) + list.bits.byteLength;
  // [REJECT] DESIGN.md Network (per-issuer quotas): inflated bytes per issuer.
  if (after > maxDecodedBytesPerIssuer) {
    throw reject(
      STATUS_LIST_CODES.QUOTA_EXCEEDED,
      'credentialSubject.encodedList',
      `${list.issuer}'s lists would inflate to ${after} bytes here; the quota is ${maxDecodedBytesPerIssuer}`,
    );
  }
}

/** A newer version keeps the list's shape and never clears a revocation bit (reject otherwise). */
function requireCompatibleVersion(held: StatusListCredential, next: StatusListCredential): void {
  // [REJECT] docs/records.md Status list: the issuer stays.
  if (next.issuer !== held.issuer) {
    throw reject(STATUS_LIST_CODES.ISSUER_CHANGED, 'issuer', `list ${next.id} belongs to ${held.issuer}`);
  }
  // [REJECT] docs/records.md Status list: statusSize stays.
  if (next.statusSize !== held.statusSize) {
    throw reject(STATUS_LIST_CODES.SHAPE_CHANGED, 'credentialSubject.statusSize', `must stay ${held.statusSize}`);
  }
  // [REJECT] docs/records.md Status list: the purposes stay.
  if ([...next.statusPurpose].sort().join() !== [...held.statusPurpose].sort().join()) {
    throw reject(
      STATUS_LIST_CODES.SHAPE_CHANGED,
      'credentialSubject.statusPurpose',
      `must stay ${held.statusPurpose.join(', ')}`,
    );
  }
  // [REJECT] docs/records.md Status list: the list never shrinks.
  if (next.bits.length < held.bits.length) {
    throw reject(
      STATUS_LIST_CODES.SHAPE_CHANGED,
      'credentialSubject.encodedList',
      `must not shrink below ${held.bits.length * 8} bits`,
    );
  }
  // [REJECT] DESIGN.md Principles §3: revocation is irreversible. A list that carries the revocation
  // purpose never clears a bit; reversible states (suspension) belong on a list of their own.
  if (next.statusPurpose.includes('revocation')) {
    const cleared = revocationBitsCleared(held.bits, next.bits);
    if (cleared >= 0) {
      throw reject(
        STATUS_LIST_CODES.ROLLBACK,
        'credentialSubject.encodedList',
        `clears revoked bit ${cleared} (revocation is irreversible)`,
      );
    }
  }
}

/**
 * Status lists are published by accredited issuers (credential status) and by authorities and
 * accreditors (to withdraw accreditations). An unknown publisher may become known once its
 * accreditation arrives (ignore); a known one whose every accreditation fails is unauthorised (reject).
 * Returns the keys that count for the publisher now: an authority's governance keys, and the keys
 * pinned by each of its accreditations that starts a valid chain.
 */
function publisherKeys(list: StatusListCredential, ctx: ValidationContext): PinnedKey[] {
  const governance = ctx.view.governance();
  // [IGNORE] DESIGN.md Network: not yet resolvable without a governance record.
  if (!governance)
    throw unresolved(TRUST_CHAIN_CODES.GOVERNANCE_UNKNOWN, undefined, 'no governance record is held yet');
  const authority = governance.record.authorities.find((a) => a.id === list.issuer);
  const keys: PinnedKey[] = authority ? authorityKeys(authority) : [];
  const accreditations = ctx.view.accreditationsOf(list.issuer);
  if (!authority && accreditations.length === 0) {
    // [IGNORE] DESIGN.md Admission: its accreditation may not have arrived yet (retried when one of this subject does).
    throw unresolved(
      STATUS_LIST_CODES.ISSUER_UNKNOWN,
      'issuer',
      `${list.issuer} holds no accreditation known to this node yet`,
      subjectDependency(list.issuer),
      { signerKnown: false },
    );
  }
  let last = '';
  let awaits: DependencyKey | null = null;
  let early = false;
  for (const accreditation of accreditations) {
    for (const scope of accreditation.accreditedFor) {
      const chains = findChains(ctx.view, {
        subject: list.issuer,
        role: accreditation.role,
        scope,
        at: [ctx.now],
        skewMs: ctx.maxClockSkewMs,
      });
      if (chains.ok) {
        const found = countingKeysOf(
          list.issuer,
          chains.chains.map((c) => c.links[0]).filter((l) => l !== undefined),
        );
        for (const k of found) if (!keys.some((o) => sameKey(o, k))) keys.push(k);
        continue;
      }
      last = `${chains.code}: ${chains.detail}`;
      // A chain waiting on a record not yet held (an accreditor's list, a link) may still resolve.
      awaits ??= chains.awaits;
      early ||= EARLY_CHAIN_FAILURES.has(chains.code);
    }
  }
  if (keys.length > 0) return keys;
  // [IGNORE] DESIGN.md Admission: the issuer's chain waits on a record not held yet (retried when it arrives).
  if (awaits !== null)
    throw unresolved(STATUS_LIST_CODES.ISSUER_UNRESOLVED, 'issuer', `${list.issuer}: ${last}`, awaits);
  // [IGNORE] docs/records.md Status list: its accreditation starts later; only time resolves it.
  if (early) throw ignore(STATUS_LIST_CODES.ISSUER_NOT_YET_ACCREDITED, 'issuer', `${list.issuer}: ${last}`);
  // [REJECT] docs/records.md Trust rules: a known publisher with no valid accreditation is unauthorised.
  throw reject(
    STATUS_LIST_CODES.ISSUER_NOT_ACCREDITED,
    'issuer',
    `${list.issuer} has no valid accreditation (${last})`,
  );
}
