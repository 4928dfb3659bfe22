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
  const signingBytes = governanceSigningBytes(record);
  if (record.version === 1) {
    // Genesis is pinned by hash in the network file (reject anything else claiming version 1).
    if (digest !== ctx.genesisDigest) {
      throw reject(
        'GOVERNANCE_GENESIS_MISMATCH',
        'version',
        `version 1 must be the genesis pinned by hash ${ctx.genesisDigest}`,
      );
    }
    await requireThreshold(record, record.authorities, record.threshold, signingBytes, 'its own');
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
    await requireThreshold(record, prev.authorities, prev.threshold, signingBytes, `version ${prev.version}'s`);
    // …and by a threshold of its own.
    await requireThreshold(record, record.authorities, record.threshold, signingBytes, 'its own');
  }
}

/**
 * Counts distinct authorities with a valid signature. A signature that names a key of neither set is
 * ignored (it may belong to the other set); a signature by a known key that does not verify is a
 * forgery (reject).
 */
async function requireThreshold(
  record: GovernanceRecord,
  authorities: GovernanceAuthority[],
  threshold: number,
  signingBytes: Uint8Array,
  whose: string,
): Promise<void> {
  const signed = new Set<string>();
  for (const [i, signature] of record.signatures.entries()) {
    const authority = authorities.find((a) => a.publicKeys.some((k) => k.id === signature.keyId));
    const key = authority?.publicKeys.find((k) => k.id === signature.keyId);
    if (!authority || !key) continue;
    if (!(await verifyBytes(signingBytes, signature.signature, key.publicKeyMultibase))) {
      throw reject('GOVERNANCE_SIGNATURE_INVALID', `signatures[${i}].signature`, `does not verify with key ${key.id}`);
    }
    // Each authority counts once, however many of its keys signed.
    signed.add(authority.id);
  }
  if (signed.size < threshold) {
    throw reject(
      'GOVERNANCE_THRESHOLD_NOT_MET',
      'signatures',
      `carry valid signatures of ${signed.size} of ${whose} authorities; the threshold is ${threshold}`,
    );
  }
}
