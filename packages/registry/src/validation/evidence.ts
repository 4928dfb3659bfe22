/**
 * Equivocation evidence: two validly signed records from one signer for the same slot and version
 * whose *signed content* differs (DESIGN.md, Principles §4; docs/records.md, What counts as
 * equivocation). Kept and served, bounded per signer and slot. A re-serialisation of the same signed
 * content is a duplicate, never evidence.
 */
import { sha256Hex } from '../canonical.ts';
import { signedContentDigest, verifyCredentialProof } from '../crypto/proofs.ts';
import { ignore, reject } from '../errors.ts';
import type { InputLimits } from '../limits.ts';
import { accreditationKey, parseAccreditation } from '../records/accreditation.ts';
import { evidenceWireBytes } from '../records/evidence.ts';
import { governanceKey, parseGovernance } from '../records/governance.ts';
import { parseStatusListCredential } from '../records/status-list-credential.ts';
import { joseSignedContent, joseSignedSlot } from '../status-list/jose-lists.ts';
import type { RecordKind } from '../store/types.ts';
import { readCrlHeader } from '../x509/crl/crl-reader.ts';
import { VALIDATION_CODES } from './codes.ts';
import type { Admission, ValidationContext } from './context.ts';
import { crlLimitsOf, crlSignedSlot } from './crl.ts';
import { requireKnownMembers } from './fields.ts';
import { governanceSignedDigest, verifyGovernanceSignatures } from './governance.ts';
import { requireAuthorisedKey } from './pinned-keys.ts';
import { statusListKey, statusListVersion } from './status-list.ts';
import { readStoredRecord, readSubmittedRecord, type SubmittedRecord } from './submitted-record.ts';
import { cwtSignedContent, cwtSignedSlot } from '../status-list/cwt-list-kind.ts';

/** The `type` of a gossiped evidence record. */
export { EVIDENCE_TYPE } from '../records/evidence.ts';

/**
 * Most evidence records kept per signer and slot. One pair already proves that a signer equivocated
 * on a slot; every further pair says nothing new, yet a signer that equivocates once can sign any
 * number of conflicting versions, and each would be stored and gossiped by every node forever. A few
 * (not one) so that nodes that first saw different pairs during a partition each still take the
 * others' pair; beyond that, more pairs are ignored (`EVIDENCE_CAP_REACHED`), never stored.
 */
export const MAX_EVIDENCE_PER_SLOT = 4;

/** Codes of evidence validation (docs/records.md Evidence; duplicates are {@link VALIDATION_CODES}.DUPLICATE). */
export const EVIDENCE_CODES = {
  /** `ignore` — evidence for this slot and signer is already held MAX_EVIDENCE_PER_SLOT times. */
  CAP_REACHED: 'EVIDENCE_CAP_REACHED',
  /** `reject` — not two distinct, validly signed, conflicting records of one signer, slot and version. */
  INVALID: 'EVIDENCE_INVALID',
} as const;

/** {@link EVIDENCE_CODES}.CAP_REACHED, kept for existing importers. */
export const EVIDENCE_CAP_REACHED = EVIDENCE_CODES.CAP_REACHED;

/**
 * SHA-256 (hex) of what a record's signer signed — the content that equivocation compares (issue 9):
 * for governance, its signing bytes; for Data Integrity records, the suite's verify data (hash of
 * the canonical proof options and of the canonical N-Quads of the document). JSON that differs only
 * in what no signature covers (type order, member order, multibase form, signature order or an
 * ECDSA re-signature) has the same value. Falls back to the bytes' digest when the content cannot
 * be computed (then the caller's proof check gives the precise error).
 */
export async function signedContentOf(kind: RecordKind, bytes: Uint8Array, ctx: ValidationContext): Promise<string> {
  if (kind === 'token-status-list' || kind === 'status-list-2021') {
    // A JOSE record (issue 13): what its signature covers, the same bare or enveloped.
    const jose = readStoredRecord(bytes, ctx.limits).jose;
    return jose ? joseSignedContent(jose.jws) : sha256Hex(bytes);
  }
  if (kind === 'crl') {
    // A CRL (issue 14): what its signature covers, the TBSCertList (another signature encoding of the
    // same content is a duplicate).
    try {
      return readCrlHeader(bytes, crlLimitsOf(ctx.limits)).tbsDigest;
    } catch {
      return sha256Hex(bytes);
    }
  }
  if (kind === 'token-status-list-cwt') {
    // A CWT record (issue 14): its Sig_structure (RFC 9052 §4.4), whatever the unprotected header or signature.
    try {
      const cwt = readStoredRecord(bytes, ctx.limits).cwt;
      return cwt ? cwtSignedContent(cwt) : sha256Hex(bytes);
    } catch {
      return sha256Hex(bytes);
    }
  }
  const value = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  if (kind === 'governance') {
    try {
      return governanceSignedDigest(parseGovernance(value).record);
    } catch {
      return sha256Hex(bytes);
    }
  }
  return (await signedContentDigest(value, ctx.documentLoader)) ?? sha256Hex(bytes);
}

/**
 * [IGNORE] issue 9: a record for a held slot and version whose signed content equals the held
 * record's is a re-serialisation — a duplicate, never evidence. Call it before checking signatures,
 * so a relay's variants cost no signature work and are never mistaken for a conflict.
 */
export async function requireDistinctSignedContent(
  kind: RecordKind,
  heldBytes: Uint8Array,
  newBytes: Uint8Array,
  ctx: ValidationContext,
): Promise<void> {
  if ((await signedContentOf(kind, heldBytes, ctx)) === (await signedContentOf(kind, newBytes, ctx))) {
    // [IGNORE] issue 9: same signed content as the held record is a re-serialisation (a duplicate).
    throw ignore(VALIDATION_CODES.DUPLICATE, undefined, `the held ${kind} record carries the same signed content`);
  }
}

/**
 * Builds the admission of equivocation evidence from the held and the newly received record bytes,
 * both validly signed by `signer` for slot `key` and `version`. Throws `DUPLICATE` (ignore) when the
 * two carry the same signed content or this conflict is already held, and `EVIDENCE_CAP_REACHED`
 * (ignore) past {@link MAX_EVIDENCE_PER_SLOT}. The evidence id is derived from the two signed
 * contents, so re-serialisations of one conflict are one evidence record.
 */
export async function equivocation(
  kind: RecordKind,
  key: string,
  signer: string,
  version: string,
  heldBytes: Uint8Array,
  newBytes: Uint8Array,
  ctx: ValidationContext,
): Promise<Admission> {
  const pair = await Promise.all(
    [heldBytes, newBytes].map(async (b) => ({ b, d: await signedContentOf(kind, b, ctx) })),
  );
  pair.sort((x, y) => (x.d < y.d ? -1 : x.d > y.d ? 1 : 0));
  const [first, second] = pair as [{ b: Uint8Array; d: string }, { b: Uint8Array; d: string }];
  // [IGNORE] issue 9: same signed content is a re-serialisation, not a conflict.
  if (first.d === second.d)
    throw ignore(VALIDATION_CODES.DUPLICATE, undefined, `the held ${kind} record carries the same signed content`);
  const id = evidenceId(first.d, second.d);
  // [IGNORE] DESIGN.md Admission (dedupe): this conflict is already held as evidence.
  if (await ctx.hasEvidence(id)) throw ignore(VALIDATION_CODES.DUPLICATE, undefined, `evidence ${id} is already held`);
  // [IGNORE] DESIGN.md Records §5 (bounded): a real conflict, but the slot's evidence is full (MAX_EVIDENCE_PER_SLOT).
  const held = await ctx.evidenceCount(key, signer);
  if (held >= MAX_EVIDENCE_PER_SLOT) {
    throw ignore(
      EVIDENCE_CODES.CAP_REACHED,
      undefined,
      `${held} evidence records against ${signer} for ${key} are held; the cap is ${MAX_EVIDENCE_PER_SLOT}`,
    );
  }
  // The gossiped form carries both signed records, so any peer can re-check the misbehaviour.
  const wire = evidenceWireBytes(kind as Exclude<RecordKind, 'evidence'>, [first.b, second.b]);
  return {
    kind: 'evidence',
    evidence: { id, key, signer, version, records: [first.b, second.b], receivedAt: ctx.now },
    digest: id,
    bytes: wire,
  };
}

/** Evidence id: SHA-256 of the two signed-content digests, sorted and joined. */
function evidenceId(first: string, second: string): string {
  return sha256Hex(new TextEncoder().encode(`${first}${second}`));
}

/**
 * Validates gossiped evidence: two records of one kind for the same slot and version, different
 * signed content, each validly signed by the same signer. Anything less is a false accusation
 * (reject); re-serialisations of one signed content are the commonest such accusation.
 */
export async function validateEvidence(
  value: Record<string, unknown>,
  ctx: ValidationContext,
  limits: InputLimits,
): Promise<Admission> {
  const code = EVIDENCE_CODES.INVALID;
  requireKnownMembers(value, ['type', 'kind', 'records'], '', code);
  const records = value.records;
  // [REJECT] docs/records.md Evidence: exactly two records.
  if (!Array.isArray(records) || records.length !== 2) throw reject(code, 'records', 'must hold exactly two records');
  const [a, b] = records.map((r, i) => {
    const read = readSubmittedRecord(r, limits);
    // [REJECT] docs/records.md Evidence: evidence holds records, not evidence.
    if (read.kind === 'evidence') throw reject(code, `records[${i}]`, 'must not be evidence itself');
    return read;
  }) as [SubmittedRecord, SubmittedRecord];
  // [REJECT] docs/records.md Evidence: both records of the stated kind.
  if (a.kind !== b.kind || a.kind !== value.kind) throw reject(code, 'kind', 'both records must be of the stated kind');
  // [REJECT] docs/records.md Evidence: the two records differ.
  if (a.digest === b.digest) throw reject(code, 'records', 'the two records are identical');
  // Before any signature: the same signed content is no conflict (a false accusation, reject), and a
  // conflict already held is a duplicate (ignore).
  const [da, db] = [await signedContentOf(a.kind, a.bytes, ctx), await signedContentOf(b.kind, b.bytes, ctx)];
  if (da === db) {
    // [REJECT] issue 9: the same signed content is no conflict (a false accusation).
    throw reject(code, 'records', 'the two records carry the same signed content: a re-serialisation, not a conflict');
  }
  const id = da < db ? evidenceId(da, db) : evidenceId(db, da);
  // [IGNORE] DESIGN.md Admission (dedupe): this conflict is already held as evidence.
  if (await ctx.hasEvidence(id)) throw ignore(VALIDATION_CODES.DUPLICATE, undefined, `evidence ${id} is already held`);
  const [sa, sb] = [await signedSlot(a, ctx), await signedSlot(b, ctx)];
  if (sa.key !== sb.key || sa.version !== sb.version || sa.signer !== sb.signer) {
    // [REJECT] docs/records.md Evidence: both share slot, version and signer.
    throw reject(code, 'records', 'the two records must share slot, version and signer');
  }
  return equivocation(a.kind, sa.key, sa.signer, sa.version, a.bytes, b.bytes, ctx);
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
    case 'token-status-list':
    case 'status-list-2021':
      return joseSignedSlot(record, ctx);
    case 'crl':
      // Same issuer scope, same cRLNumber, both signatures by the same accredited CA key (issue 14).
      return crlSignedSlot(record, ctx);
    case 'token-status-list-cwt':
      return cwtSignedSlot(record, ctx);
    default:
      // [REJECT] docs/records.md Evidence: only governance, accreditation and status-list records conflict.
      throw reject(EVIDENCE_CODES.INVALID, 'kind', `cannot hold evidence of kind ${record.kind}`);
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
