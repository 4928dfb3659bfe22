/**
 * Validation of governance records (DESIGN.md, Records §1; TUF root rotation,
 * https://theupdateframework.github.io/specification/latest/#update-root).
 */
import { verifyBytes } from '../crypto/proofs.ts';
import { ignore, reject } from '../errors.ts';
import {
  type GovernanceAuthority,
  type GovernanceRecord,
  governanceKey,
  governanceSigningBytes,
  type ParsedGovernance,
} from '../records/governance.ts';
import type { Admission, ValidationContext } from './context.ts';
import { equivocation } from './evidence.ts';

/** Validates a parsed governance record against the versions already held. */
export async function validateGovernance(
  parsed: ParsedGovernance,
  digest: string,
  bytes: Uint8Array,
  ctx: ValidationContext,
): Promise<Admission> {
  const { record } = parsed;
  // Networks never mix: a record of another network is unauthorised here (reject).
  if (record.networkId !== ctx.networkId) {
    throw reject(
      'GOVERNANCE_WRONG_NETWORK',
      'networkId',
      `is "${record.networkId}", this node serves "${ctx.networkId}"`,
    );
  }
  const held = ctx.governanceVersion(record.version);
  // Same version, same bytes: a duplicate (ignore).
  if (held?.digest === digest)
    throw ignore('DUPLICATE', undefined, `governance version ${record.version} is already held`);

  await verifyGovernanceSignatures(record, digest, ctx);
  if (held)
    return equivocation(
      'governance',
      governanceKey(record.networkId, record.version),
      `governance:${record.networkId}`,
      String(record.version),
      held.bytes,
      bytes,
      ctx.now,
    );
  return {
    kind: 'governance',
    parsed,
    key: governanceKey(record.networkId, record.version),
    version: String(record.version).padStart(12, '0'),
    digest,
    bytes,
  };
}

/** Checks genesis pinning or the TUF double threshold against the previous version. */
export async function verifyGovernanceSignatures(
  record: GovernanceRecord,
  digest: string,
  ctx: ValidationContext,
): Promise<void> {
  if (record.version === 1) {
    // Genesis is pinned by hash in the network file (reject anything else claiming version 1).
    if (digest !== ctx.genesisDigest) {
      throw reject(
        'GOVERNANCE_GENESIS_MISMATCH',
        'version',
        `version 1 must be the genesis pinned by hash ${ctx.genesisDigest}`,
      );
    }
    await requireThreshold(record, record.authorities, record.threshold, 'its own');
  } else {
    const previous = ctx.governanceVersion(record.version - 1);
    // Versions step by exactly one; a gap is not yet resolvable (ignore, fetch the missing version).
    if (!previous) {
      throw ignore(
        'GOVERNANCE_VERSION_GAP',
        'version',
        `version ${record.version - 1} is not held yet; versions step by one`,
      );
    }
    // TUF: the new root must be signed by a threshold of the previous root's keys…
    const prev = previous.parsed.record;
    await requireThreshold(record, prev.authorities, prev.threshold, `version ${prev.version}'s`);
    // …and by a threshold of its own.
    await requireThreshold(record, record.authorities, record.threshold, 'its own');
  }
}

/** Which authorities validly signed a governance record, and which signature failed, if any. */
export interface SignatureTally {
  /** DIDs of authorities with at least one valid signature (each counts once). */
  signed: Set<string>;
  /** Index of the first signature by a listed key that does not verify (a forgery), or -1. */
  invalid: number;
}

/**
 * Tallies the signatures of a governance record against a set of authorities. A signature naming a
 * key of none of them is passed over (it may belong to the other set of a rotation).
 */
export async function tallyGovernanceSignatures(
  record: GovernanceRecord,
  authorities: readonly GovernanceAuthority[],
): Promise<SignatureTally> {
  const signingBytes = governanceSigningBytes(record);
  const signed = new Set<string>();
  for (const [i, signature] of record.signatures.entries()) {
    const authority = authorities.find((a) => a.publicKeys.some((k) => k.id === signature.keyId));
    const key = authority?.publicKeys.find((k) => k.id === signature.keyId);
    if (!authority || !key) continue;
    if (!(await verifyBytes(signingBytes, signature.signature, key.publicKeyMultibase))) return { signed, invalid: i };
    signed.add(authority.id);
  }
  return { signed, invalid: -1 };
}

/** Requires a threshold of distinct authorities' valid signatures; a forged signature is a reject. */
async function requireThreshold(
  record: GovernanceRecord,
  authorities: GovernanceAuthority[],
  threshold: number,
  whose: string,
): Promise<void> {
  const { signed, invalid } = await tallyGovernanceSignatures(record, authorities);
  if (invalid >= 0) {
    const keyId = record.signatures[invalid]?.keyId;
    throw reject(
      'GOVERNANCE_SIGNATURE_INVALID',
      `signatures[${invalid}].signature`,
      `does not verify with key ${keyId}`,
    );
  }
  if (signed.size < threshold) {
    throw reject(
      'GOVERNANCE_THRESHOLD_NOT_MET',
      'signatures',
      `carry valid signatures of ${signed.size} of ${whose} authorities; the threshold is ${threshold}`,
    );
  }
}
