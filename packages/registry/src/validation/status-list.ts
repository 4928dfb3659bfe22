/**
 * Validation of Bitstring Status List credentials (DESIGN.md, Records §3;
 * https://www.w3.org/TR/vc-bitstring-status-list/). Accept only from an accredited party, only newer
 * (order by validFrom), and never clearing a revocation bit. Cheap checks first, the proof last.
 */
import { verifyCredentialProof } from '../crypto/proofs.ts';
import { ignore, reject } from '../errors.ts';
import type { StatusListCredential } from '../records/status-list-credential.ts';
import { revocationBitsCleared } from '../status-list/bitstring.ts';
import { findChain } from '../verification/trust-chain.ts';
import type { Admission, ValidationContext } from './context.ts';
import { equivocation } from './evidence.ts';
import { requireAuthorisedKey } from './pinned-keys.ts';

// Chain failures that more records, or a little more time, may resolve: ignore, never punish.
const RESOLVABLE_CHAIN_FAILURES = new Set([
  'ACCREDITATION_STATUS_UNKNOWN',
  'CHAIN_BROKEN',
  'ACCREDITATION_NOT_YET_VALID',
]);

/** Store slot of a status list: one slot per list id, holding its newest version. */
export function statusListKey(id: string): string {
  return `status-list/${id}`;
}

/** Version string of a status list: its validFrom in ms, zero-padded so it sorts. */
export function statusListVersion(list: StatusListCredential): string {
  return String(list.validFrom).padStart(16, '0');
}

/** Validates a parsed status list credential against the replicated state. */
export async function validateStatusList(
  list: StatusListCredential,
  digest: string,
  bytes: Uint8Array,
  ctx: ValidationContext,
): Promise<Admission> {
  const held = ctx.view.statusList(list.id);
  // Same bytes: duplicate (ignore).
  if (held?.digest === digest)
    throw ignore('DUPLICATE', undefined, `status list ${list.id} is already held at this version`);
  // Version order per list id is validFrom (DESIGN.md); an older version is stale (ignore).
  if (held && list.validFrom < held.list.validFrom) {
    throw ignore(
      'STATUS_LIST_STALE',
      'validFrom',
      `is older than the held version (${new Date(held.list.validFrom).toISOString()})`,
    );
  }
  // A version that is already past validUntil cannot be used to answer anyone: stale (ignore).
  if (list.validUntil !== undefined && list.validUntil < ctx.now) {
    throw ignore('STATUS_LIST_EXPIRED', 'validUntil', `expired at ${new Date(list.validUntil).toISOString()}`);
  }
  // Far-future versions would block every honest update until then: not yet usable (ignore).
  if (list.validFrom > ctx.now + ctx.maxClockSkewMs) {
    throw ignore('STATUS_LIST_NOT_YET_VALID', 'validFrom', `lies more than ${ctx.maxClockSkewMs} ms in the future`);
  }
  if (held && list.validFrom > held.list.validFrom) requireCompatibleVersion(held.list, list);

  requireAccreditedPublisher(list, ctx);

  const proof = await verifyCredentialProof(list.credential, {
    documentLoader: ctx.documentLoader,
    expectedController: list.issuer,
  });
  if (!proof.verified) throw proof.error;
  requireAuthorisedKey(ctx.view, list.issuer, proof.verificationMethod);

  const key = statusListKey(list.id);
  if (held && list.validFrom === held.list.validFrom) {
    // Same version, different signed content, same signer: equivocation, kept as evidence.
    const heldBytes = ctx.statusListBytes(list.id);
    if (heldBytes)
      return equivocation('status-list', key, list.issuer, statusListVersion(list), heldBytes, bytes, ctx.now);
  }
  return { kind: 'status-list', parsed: list, key, version: statusListVersion(list), digest, bytes };
}

/** A newer version keeps the list's shape and never clears a revocation bit (reject otherwise). */
function requireCompatibleVersion(held: StatusListCredential, next: StatusListCredential): void {
  if (next.issuer !== held.issuer) {
    throw reject('STATUS_LIST_ISSUER_CHANGED', 'issuer', `list ${next.id} belongs to ${held.issuer}`);
  }
  if (next.statusSize !== held.statusSize) {
    throw reject('STATUS_LIST_SHAPE_CHANGED', 'credentialSubject.statusSize', `must stay ${held.statusSize}`);
  }
  if ([...next.statusPurpose].sort().join() !== [...held.statusPurpose].sort().join()) {
    throw reject(
      'STATUS_LIST_SHAPE_CHANGED',
      'credentialSubject.statusPurpose',
      `must stay ${held.statusPurpose.join(', ')}`,
    );
  }
  if (next.bits.length < held.bits.length) {
    throw reject(
      'STATUS_LIST_SHAPE_CHANGED',
      'credentialSubject.encodedList',
      `must not shrink below ${held.bits.length * 8} bits`,
    );
  }
  // Revocation is irreversible (DESIGN.md, Principles §3). A list that carries the revocation
  // purpose never clears a bit; reversible states (suspension) belong on a list of their own.
  if (next.statusPurpose.includes('revocation')) {
    const cleared = revocationBitsCleared(held.bits, next.bits);
    if (cleared >= 0) {
      throw reject(
        'STATUS_LIST_ROLLBACK',
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
 */
function requireAccreditedPublisher(list: StatusListCredential, ctx: ValidationContext): void {
  const governance = ctx.view.governance();
  if (!governance) throw ignore('GOVERNANCE_UNKNOWN', undefined, 'no governance record is held yet');
  if (governance.record.authorities.some((a) => a.id === list.issuer)) return;
  const accreditations = ctx.view.accreditationsOf(list.issuer);
  if (accreditations.length === 0) {
    throw ignore(
      'STATUS_LIST_ISSUER_UNKNOWN',
      'issuer',
      `${list.issuer} holds no accreditation known to this node yet`,
    );
  }
  let last = '';
  let resolvable = false;
  for (const accreditation of accreditations) {
    for (const scope of accreditation.accreditedFor) {
      const chain = findChain(ctx.view, {
        subject: list.issuer,
        role: accreditation.role,
        scope,
        at: [ctx.now],
        skewMs: ctx.maxClockSkewMs,
      });
      if (chain.ok) return;
      last = `${chain.code}: ${chain.detail}`;
      // A chain waiting on a record not yet held (an accreditor's list, a link) may still resolve.
      resolvable ||= RESOLVABLE_CHAIN_FAILURES.has(chain.code);
    }
  }
  if (resolvable) throw ignore('STATUS_LIST_ISSUER_UNRESOLVED', 'issuer', `${list.issuer}: ${last}`);
  throw reject('STATUS_LIST_ISSUER_NOT_ACCREDITED', 'issuer', `${list.issuer} has no valid accreditation (${last})`);
}
