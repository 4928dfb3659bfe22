/**
 * Validation of accreditations (DESIGN.md, Records §2). Rules in order, cheap first, proof last.
 */
import { ignore, reject, unresolved } from '../errors.ts';
import { accreditationKey, type ParsedAccreditation } from '../records/accreditation.ts';
import { jurisdictionWithin } from '../records/governance.ts';
import { type PinnedKey, sameKey } from '../records/keys.ts';
import { authorityKeys, countingKeysOf, findChains } from '../verification/trust-chain.ts';
import type { Admission, ValidationContext } from './context.ts';
import { equivocation, requireDistinctSignedContent } from './evidence.ts';
import { requireKeyPossession, verifyProofWithKeys } from './pinned-keys.ts';

// Chain failures that mean the record is merely old or early: ignore them (never punish a peer
// that was partitioned), without buffering. Those that more records may resolve are the trust
// chain's to say (`awaits`); everything else is unauthorised: reject.
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
  // [IGNORE] issue 9: same signed content in other JSON is a duplicate; decided before any signature.
  if (held) await requireDistinctSignedContent('accreditation', held.bytes, bytes, ctx);
  // An accreditation already past validUntil grants nothing: stale (ignore).
  if (parsed.validUntilMs < ctx.now) {
    throw ignore('ACCREDITATION_EXPIRED', 'validUntil', `expired at ${new Date(parsed.validUntilMs).toISOString()}`);
  }

  // The accreditor must be a current governance authority for the scope, or hold an accreditor
  // accreditation that covers every scope granted here (scope only narrows down a chain).
  const governance = ctx.view.governance();
  // [IGNORE] DESIGN.md Network: a record that depends on one not held yet is not yet resolvable.
  if (!governance) throw unresolved('GOVERNANCE_UNKNOWN', undefined, 'no governance record is held yet');
  const authority = governance.record.authorities.find((a) => a.id === parsed.issuer);
  // The keys that may sign this accreditation: an authority's come only from governance; an
  // accreditor's are those pinned by its links that start a valid chain for EVERY scope granted here.
  let signingKeys: PinnedKey[] | null = authority ? authorityKeys(authority) : null;
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
    const chains = findChains(ctx.view, {
      subject: parsed.issuer,
      role: 'accreditor',
      scope,
      at: [ctx.now],
      skewMs: ctx.maxClockSkewMs,
      // An accreditor granting maxPathLength m needs room for 1 + m levels below its own link.
      below: parsed.role === 'accreditor' ? 1 + parsed.maxPathLength : 0,
    });
    if (chains.ok) {
      const keys = countingKeysOf(
        parsed.issuer,
        chains.chains.map((c) => c.links[0] as ParsedAccreditation),
      );
      signingKeys = signingKeys === null ? keys : signingKeys.filter((k) => keys.some((o) => sameKey(o, k)));
      continue;
    }
    // [IGNORE] the accreditor's chain waits on a record not held yet (retried when it arrives).
    if (chains.awaits !== null) {
      throw unresolved(`ACCREDITOR_${chains.code}`, field, chains.detail, chains.awaits, {
        // An accreditor no accreditation names yet is an unknown signer.
        signerKnown: chains.code !== 'ISSUER_NOT_ACCREDITED',
      });
    }
    // [IGNORE] the accreditor's link is expired, withdrawn, suspended or not yet valid: stale.
    if (STALE.has(chains.code)) throw ignore(`ACCREDITOR_${chains.code}`, field, chains.detail);
    // [REJECT] Trust rules: every other chain failure is an unauthorised accreditor.
    throw reject(chains.code, field, chains.detail);
  }

  // [REJECT] Trust rules: did:key subjects pinned with their own key; proof of possession per key.
  await requireKeyPossession(parsed);

  // Proof last: the most expensive check. [REJECT] Trust rules: the key must count for the
  // accreditor in every scope granted (an authority: a key of its governance entry).
  const proof = await verifyProofWithKeys(
    parsed.credential,
    parsed.issuer,
    signingKeys ?? [],
    ctx.documentLoader,
    authority ? 'as a governance authority' : 'in every scope this accreditation grants',
  );
  if (!proof.verified) throw proof.error;

  // Same id, different validly signed content: equivocation by the accreditor, kept as evidence.
  if (held) return equivocation('accreditation', key, parsed.issuer, '0', held.bytes, bytes, ctx);
  return { kind: 'accreditation', parsed, key, version: '0', digest, bytes };
}
