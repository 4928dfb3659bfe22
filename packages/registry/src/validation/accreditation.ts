/**
 * Validation of accreditations (DESIGN.md, Records §2). Rules in order, cheap first, proof last.
 */
import { ignore, reject, unresolved } from '../errors.ts';
import { accreditationKey, type ParsedAccreditation } from '../records/accreditation.ts';
import { jurisdictionWithin } from '../records/governance.ts';
import { type PinnedKey, sameKey } from '../records/keys.ts';
import {
  authorityKeys,
  type ChainFailure,
  countingKeysOf,
  findChains,
  TRUST_CHAIN_CODES,
} from '../verification/trust-chain.ts';
import { CA_CERTIFICATE_CODES, verifiesUnderOwnKey } from '../x509/ca-certificate.ts';
import { VALIDATION_CODES } from './codes.ts';
import type { Admission, ValidationContext } from './context.ts';
import { equivocation, requireDistinctSignedContent } from './evidence.ts';
import { requireKeyPossession, verifyProofWithKeys } from './pinned-keys.ts';

/**
 * Codes of an accreditation whose accreditor's own chain fails: `ACCREDITOR_` and the trust chain's
 * code (e.g. `ACCREDITOR_CHAIN_BROKEN`). `ignore` when the chain awaits a record (retried) or is
 * stale (expired, withdrawn, suspended, not yet valid); the others are raised under the chain's own
 * code as `reject`. The accreditation's own codes are the trust chain's ({@link TRUST_CHAIN_CODES}).
 */
export const ACCREDITOR_CHAIN_CODES = Object.freeze(
  Object.fromEntries(Object.values(TRUST_CHAIN_CODES).map((code) => [code, `ACCREDITOR_${code}`])),
) as { readonly [K in ChainFailure]: `ACCREDITOR_${K}` };

// Chain failures that mean the record is merely old or early: ignore them (never punish a peer
// that was partitioned), without buffering. Those that more records may resolve are the trust
// chain's to say (`awaits`); everything else is unauthorised: reject.
const STALE = new Set<ChainFailure>([
  TRUST_CHAIN_CODES.ACCREDITATION_EXPIRED,
  TRUST_CHAIN_CODES.ACCREDITATION_WITHDRAWN,
  TRUST_CHAIN_CODES.ACCREDITATION_SUSPENDED,
  TRUST_CHAIN_CODES.ACCREDITATION_NOT_YET_VALID,
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
  // [IGNORE] DESIGN.md Admission (dedupe): same id, same bytes.
  if (held?.digest === digest)
    throw ignore(VALIDATION_CODES.DUPLICATE, undefined, `accreditation ${parsed.id} is already held`);
  // [IGNORE] issue 9: same signed content in other JSON is a duplicate; decided before any signature.
  if (held) await requireDistinctSignedContent('accreditation', held.bytes, bytes, ctx);
  // [IGNORE] docs/records.md Accreditation: already past validUntil, it grants nothing (stale).
  if (parsed.validUntilMs < ctx.now) {
    throw ignore(
      TRUST_CHAIN_CODES.ACCREDITATION_EXPIRED,
      'validUntil',
      `expired at ${new Date(parsed.validUntilMs).toISOString()}`,
    );
  }

  const ca = parsed.ca;
  if (ca && (ca.notAfterMs < parsed.validFromMs || ca.notBeforeMs > parsed.validUntilMs)) {
    // [REJECT] docs/records.md Accreditation of a CA: the certificate's validity (RFC 5280 §4.1.2.5)
    // overlaps the grant's; a grant outside it would anchor a certificate no path may use.
    throw reject(
      CA_CERTIFICATE_CODES.VALIDITY_DISJOINT,
      'credentialSubject.caCertificate',
      `is valid ${new Date(ca.notBeforeMs).toISOString()} – ${new Date(ca.notAfterMs).toISOString()}, outside the accreditation's validity`,
    );
  }

  // The accreditor must be a current governance authority for the scope, or hold an accreditor
  // accreditation that covers every scope granted here (scope only narrows down a chain).
  const governance = ctx.view.governance();
  // [IGNORE] DESIGN.md Network: a record that depends on one not held yet is not yet resolvable.
  if (!governance)
    throw unresolved(TRUST_CHAIN_CODES.GOVERNANCE_UNKNOWN, undefined, 'no governance record is held yet');
  const authority = governance.record.authorities.find((a) => a.id === parsed.issuer);
  // The keys that may sign this accreditation: an authority's come only from governance; an
  // accreditor's are those pinned by its links that start a valid chain for EVERY scope granted here.
  let signingKeys: PinnedKey[] | null = authority ? authorityKeys(authority) : null;
  for (const [i, scope] of parsed.accreditedFor.entries()) {
    const field = `credentialSubject.accreditedFor[${i}]`;
    if (authority) {
      if (jurisdictionWithin(scope.jurisdiction, authority.jurisdiction)) continue;
      // [REJECT] docs/records.md Accreditation: an authority accredits within its own jurisdiction only.
      throw reject(
        TRUST_CHAIN_CODES.ACCREDITATION_SCOPE_WIDENED,
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
    // [IGNORE] DESIGN.md Admission: the accreditor's chain waits on a record not held yet (retried when it arrives).
    if (chains.awaits !== null) {
      throw unresolved(ACCREDITOR_CHAIN_CODES[chains.code], field, chains.detail, chains.awaits, {
        // An accreditor no accreditation names yet is an unknown signer.
        signerKnown: chains.code !== TRUST_CHAIN_CODES.ISSUER_NOT_ACCREDITED,
      });
    }
    // [IGNORE] docs/records.md Accreditation: the accreditor's link is expired, withdrawn, suspended or not yet valid
    // (stale).
    if (STALE.has(chains.code)) throw ignore(ACCREDITOR_CHAIN_CODES[chains.code], field, chains.detail);
    // [REJECT] docs/records.md Trust rules: every other chain failure is an unauthorised accreditor.
    throw reject(chains.code, field, chains.detail);
  }

  // [REJECT] Trust rules: did:key subjects pinned with their own key; proof of possession per key.
  await requireKeyPossession(parsed);
  // [REJECT] docs/records.md Accreditation of a CA: a self-signed CA certificate's own signature
  // (RFC 5280 §6.1.3(a)(1) with its own key) is its proof of possession. A CA certificate that is not
  // self-signed is accredited without one: its subject id is its key's hash, so there is no
  // identifier of somebody else to bind a key to, and the grant counts only for that key.
  if (ca?.selfSigned && !(await verifiesUnderOwnKey(ca.certificate))) {
    throw reject(
      CA_CERTIFICATE_CODES.SIGNATURE_INVALID,
      'credentialSubject.caCertificate',
      'is self-signed but its signature does not verify under its own key',
    );
  }

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
