/**
 * Validation of accreditations (DESIGN.md, Records §2). Rules in order, cheap first, proof last.
 */
import { verifyCredentialProof } from '../crypto/proofs.ts';
import { ignore, reject } from '../errors.ts';
import { accreditationKey, type ParsedAccreditation } from '../records/accreditation.ts';
import { jurisdictionWithin } from '../records/governance.ts';
import { findChain } from '../verification/trust-chain.ts';
import type { Admission, ValidationContext } from './context.ts';
import { equivocation } from './evidence.ts';
import { requireAuthorisedKey } from './pinned-keys.ts';

// Chain failures that may resolve once more records arrive, or that mean the record is merely old:
// ignore them (never punish a peer that was partitioned). Everything else is unauthorised: reject.
const NOT_YET_RESOLVABLE = new Set([
  'ISSUER_NOT_ACCREDITED',
  'ACCREDITATION_STATUS_UNKNOWN',
  'GOVERNANCE_UNKNOWN',
  'CHAIN_BROKEN',
]);
const STALE = new Set([
  'ACCREDITATION_EXPIRED',
  'ACCREDITATION_WITHDRAWN',
  'ACCREDITATION_SUSPENDED',
  'ACCREDITATION_NOT_YET_VALID',
]);

/** Validates a parsed accreditation against the replicated state. */
export async function validateAccreditation(
  parsed: ParsedAccreditation,
  digest: string,
  bytes: Uint8Array,
  ctx: ValidationContext,
): Promise<Admission> {
  const key = accreditationKey(parsed.id);
  const held = ctx.accreditation(parsed.id);
  // Same id, same bytes: duplicate (ignore).
  if (held?.digest === digest) throw ignore('DUPLICATE', undefined, `accreditation ${parsed.id} is already held`);
  // An accreditation already past validUntil grants nothing: stale (ignore).
  if (parsed.validUntilMs < ctx.now) {
    throw ignore('ACCREDITATION_EXPIRED', 'validUntil', `expired at ${new Date(parsed.validUntilMs).toISOString()}`);
  }

  // The accreditor must be a current governance authority for the scope, or hold an accreditor
  // accreditation that covers every scope granted here (scope only narrows down a chain).
  const governance = ctx.view.governance();
  if (!governance) throw ignore('GOVERNANCE_UNKNOWN', undefined, 'no governance record is held yet');
  const authority = governance.record.authorities.find((a) => a.id === parsed.issuer);
  for (const [i, scope] of parsed.accreditedFor.entries()) {
    const field = `credentialSubject.accreditedFor[${i}]`;
    if (authority) {
      // An authority accredits within its own jurisdiction only (reject).
      if (jurisdictionWithin(scope.jurisdiction, authority.jurisdiction)) continue;
      throw reject(
        'ACCREDITATION_SCOPE_WIDENED',
        `${field}.jurisdiction`,
        `${scope.jurisdiction} is outside authority ${authority.id}'s jurisdiction ${authority.jurisdiction}`,
      );
    }
    const chain = findChain(ctx.view, {
      subject: parsed.issuer,
      role: 'accreditor',
      scope,
      at: [ctx.now],
      skewMs: ctx.maxClockSkewMs,
      // An accreditor granting maxPathLength m needs room for 1 + m levels below its own link.
      below: parsed.role === 'accreditor' ? 1 + parsed.maxPathLength : 0,
    });
    if (chain.ok) continue;
    if (NOT_YET_RESOLVABLE.has(chain.code) || STALE.has(chain.code))
      throw ignore(`ACCREDITOR_${chain.code}`, field, chain.detail);
    throw reject(chain.code, field, chain.detail);
  }

  // Proof last: the most expensive check. The key must be pinned for the accreditor.
  const proof = await verifyCredentialProof(parsed.credential, {
    documentLoader: ctx.documentLoader,
    expectedController: parsed.issuer,
  });
  if (!proof.verified) throw proof.error;
  requireAuthorisedKey(ctx.view, parsed.issuer, proof.verificationMethod);

  // Same id, different validly signed content: equivocation by the accreditor, kept as evidence.
  if (held) return equivocation('accreditation', key, parsed.issuer, '0', held.bytes, bytes, ctx.now);
  return { kind: 'accreditation', parsed, key, version: '0', digest, bytes };
}
