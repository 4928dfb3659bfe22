/**
 * Equivocation evidence: two different validly signed records from one signer for the same slot and
 * version (DESIGN.md, Principles §3). Kept and served, never silently dropped.
 */
import { canonicalBytes, sha256Hex } from '../canonical.ts';
import { verifyCredentialProof } from '../crypto/proofs.ts';
import { ignore, reject } from '../errors.ts';
import type { InputLimits } from '../limits.ts';
import { accreditationKey, parseAccreditation } from '../records/accreditation.ts';
import { governanceKey, parseGovernance } from '../records/governance.ts';
import { parseStatusListCredential } from '../records/status-list-credential.ts';
import type { RecordKind } from '../store/types.ts';
import type { Admission, ValidationContext } from './context.ts';
import { verifyGovernanceSignatures } from './governance.ts';
import { requireAuthorisedKey } from './pinned-keys.ts';
import { statusListKey, statusListVersion } from './status-list.ts';
import { readSubmittedRecord, type SubmittedRecord } from './submitted-record.ts';

/** The `type` of a gossiped evidence record. */
export const EVIDENCE_TYPE = 'TrustmeshEquivocationEvidence';

/** Builds the admission of equivocation evidence from the held and the newly received record bytes. */
export function equivocation(
  kind: RecordKind,
  key: string,
  signer: string,
  version: string,
  heldBytes: Uint8Array,
  newBytes: Uint8Array,
  now: number,
): Admission {
  const pair = [heldBytes, newBytes].map((b) => ({ b, d: sha256Hex(b) })).sort((x, y) => (x.d < y.d ? -1 : 1));
  const [first, second] = pair as [{ b: Uint8Array; d: string }, { b: Uint8Array; d: string }];
  const id = sha256Hex(new TextEncoder().encode(`${first.d}${second.d}`));
  const decoder = new TextDecoder();
  // The gossiped form carries both signed records, so any peer can re-check the misbehaviour.
  const wire = canonicalBytes({
    type: EVIDENCE_TYPE,
    kind,
    records: [JSON.parse(decoder.decode(first.b)), JSON.parse(decoder.decode(second.b))],
  });
  return {
    kind: 'evidence',
    evidence: { id, key, signer, version, records: [first.b, second.b], receivedAt: now },
    digest: id,
    bytes: wire,
  };
}

/**
 * Validates gossiped evidence: two records of one kind for the same slot and version, different
 * content, each validly signed by the same signer. Anything less is a false accusation (reject).
 */
export async function validateEvidence(
  value: Record<string, unknown>,
  ctx: ValidationContext,
  limits: InputLimits,
): Promise<Admission> {
  const code = 'EVIDENCE_INVALID';
  const records = value.records;
  if (!Array.isArray(records) || records.length !== 2) throw reject(code, 'records', 'must hold exactly two records');
  const [a, b] = records.map((r, i) => {
    const read = readSubmittedRecord(r, limits);
    if (read.kind === 'evidence') throw reject(code, `records[${i}]`, 'must not be evidence itself');
    return read;
  }) as [SubmittedRecord, SubmittedRecord];
  if (a.kind !== b.kind || a.kind !== value.kind) throw reject(code, 'kind', 'both records must be of the stated kind');
  if (a.digest === b.digest) throw reject(code, 'records', 'the two records are identical');
  const [sa, sb] = [await signedSlot(a, ctx), await signedSlot(b, ctx)];
  if (sa.key !== sb.key || sa.version !== sb.version || sa.signer !== sb.signer) {
    throw reject(code, 'records', 'the two records must share slot, version and signer');
  }
  const admission = equivocation(a.kind, sa.key, sa.signer, sa.version, a.bytes, b.bytes, ctx.now);
  if (admission.kind === 'evidence' && (await ctx.hasEvidence(admission.evidence.id))) {
    throw ignore('DUPLICATE', undefined, `evidence ${admission.evidence.id} is already held`);
  }
  return admission;
}

/** Slot, version and signer of a record whose signature has been checked. */
async function signedSlot(record: SubmittedRecord, ctx: ValidationContext) {
  switch (record.kind) {
    case 'governance': {
      const { record: gov } = parseGovernance(record.value);
      await verifyGovernanceSignatures(gov, record.digest, ctx);
      return {
        key: governanceKey(gov.networkId, gov.version),
        version: String(gov.version),
        signer: `governance:${gov.networkId}`,
      };
    }
    case 'accreditation': {
      const parsed = parseAccreditation(record.value);
      await requireProof(parsed.credential, parsed.issuer, ctx);
      return { key: accreditationKey(parsed.id), version: '0', signer: parsed.issuer };
    }
    case 'status-list': {
      const list = parseStatusListCredential(record.value, ctx.limits);
      await requireProof(list.credential, list.issuer, ctx);
      return { key: statusListKey(list.id), version: statusListVersion(list), signer: list.issuer };
    }
    default:
      throw reject('EVIDENCE_INVALID', 'kind', `cannot hold evidence of kind ${record.kind}`);
  }
}

async function requireProof(
  credential: Record<string, unknown>,
  signer: string,
  ctx: ValidationContext,
): Promise<void> {
  const proof = await verifyCredentialProof(credential, {
    documentLoader: ctx.documentLoader,
    expectedController: signer,
  });
  if (!proof.verified) throw proof.error;
  requireAuthorisedKey(ctx.view, signer, proof.verificationMethod);
}
