/**
 * Validation of governance records (DESIGN.md, Records §1; TUF root rotation,
 * https://theupdateframework.github.io/specification/latest/#update-root).
 */
import { sha256Hex } from '../canonical.ts';
import { keyTypeOf } from '../crypto/keys.ts';
import { decodeMultibaseSignature, isHighS, SIGNATURE_CODES } from '../crypto/low-s.ts';
import { verifyBytes } from '../crypto/proofs.ts';
import { ignore, reject, unresolved } from '../errors.ts';
import { governanceDependency } from '../records/dependencies.ts';
import {
  type GovernanceAuthority,
  type GovernanceRecord,
  governanceKey,
  governanceSigningBytes,
  type ParsedGovernance,
} from '../records/governance.ts';
import { VALIDATION_CODES } from './codes.ts';
import type { Admission, ValidationContext } from './context.ts';
import { equivocation } from './evidence.ts';

/** Codes of governance validation (DESIGN.md Records §1; docs/records.md Governance). */
export const GOVERNANCE_CODES = {
  /** `reject` — the record's `networkId` is not this node's network. */
  WRONG_NETWORK: 'GOVERNANCE_WRONG_NETWORK',
  /** `reject` — a version 1 that is not the genesis pinned by hash in the network file. */
  GENESIS_MISMATCH: 'GOVERNANCE_GENESIS_MISMATCH',
  /** `ignore` (awaits version N−1) — versions step by one and the previous one is not held yet. */
  VERSION_GAP: 'GOVERNANCE_VERSION_GAP',
  /** `reject` — a signature names a key of no authority the record is checked against. */
  SIGNATURE_KEY_UNKNOWN: 'GOVERNANCE_SIGNATURE_KEY_UNKNOWN',
  /** `reject` — a signature by a listed key does not verify. */
  SIGNATURE_INVALID: 'GOVERNANCE_SIGNATURE_INVALID',
  /** `reject` — fewer distinct authorities signed than a threshold requires (TUF root rotation). */
  THRESHOLD_NOT_MET: 'GOVERNANCE_THRESHOLD_NOT_MET',
} as const;

/** {@link GOVERNANCE_CODES}.SIGNATURE_KEY_UNKNOWN, kept for existing importers. */
export const GOVERNANCE_SIGNATURE_KEY_UNKNOWN = GOVERNANCE_CODES.SIGNATURE_KEY_UNKNOWN;

/** Validates a parsed governance record against the versions already held. */
export async function validateGovernance(
  parsed: ParsedGovernance,
  digest: string,
  bytes: Uint8Array,
  ctx: ValidationContext,
): Promise<Admission> {
  const { record } = parsed;
  // [REJECT] docs/records.md Governance: networks never mix; `networkId` is this node's network.
  if (record.networkId !== ctx.networkId) {
    throw reject(
      GOVERNANCE_CODES.WRONG_NETWORK,
      'networkId',
      `is "${record.networkId}", this node serves "${ctx.networkId}"`,
    );
  }
  const held = ctx.governanceVersion(record.version);
  // [IGNORE] docs/records.md Governance: same version, same bytes (a duplicate).
  if (held?.digest === digest)
    throw ignore(VALIDATION_CODES.DUPLICATE, undefined, `governance version ${record.version} is already held`);
  // [IGNORE] issue 9: same version, same signing bytes (signatures reordered, a subset, an ECDSA
  // re-signature): the same signed content, so a duplicate, never evidence. Checked before any
  // signature, so a relay's re-serialisations cost no verification.
  if (held && governanceSignedDigest(held.parsed.record) === governanceSignedDigest(record)) {
    throw ignore(
      VALIDATION_CODES.DUPLICATE,
      'signatures',
      `governance version ${record.version} is already held with these signing bytes`,
    );
  }

  await verifyGovernanceSignatures(record, digest, ctx);
  if (held)
    return equivocation(
      'governance',
      governanceKey(record.networkId, record.version),
      `governance:${record.networkId}`,
      String(record.version),
      held.bytes,
      bytes,
      ctx,
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

/** SHA-256 (hex) of a governance record's signing bytes: its signed content. */
export function governanceSignedDigest(record: GovernanceRecord): string {
  return sha256Hex(governanceSigningBytes(record));
}

/** Checks genesis pinning or the TUF double threshold against the previous version. */
export async function verifyGovernanceSignatures(
  record: GovernanceRecord,
  digest: string,
  ctx: ValidationContext,
): Promise<void> {
  if (record.version === 1) {
    // [REJECT] DESIGN.md Records §1: genesis is pinned by hash in the network file.
    if (digest !== ctx.genesisDigest) {
      throw reject(
        GOVERNANCE_CODES.GENESIS_MISMATCH,
        'version',
        `version 1 must be the genesis pinned by hash ${ctx.genesisDigest}`,
      );
    }
    requireKnownSigners(record, record.authorities);
    await requireThreshold(record, record.authorities, record.threshold, 'its own');
  } else {
    const previous = ctx.governanceVersion(record.version - 1);
    if (!previous) {
      // [IGNORE] TUF root rotation: versions step by one; a gap is not yet resolvable (retried when
      // the missing version arrives).
      throw unresolved(
        GOVERNANCE_CODES.VERSION_GAP,
        'version',
        `version ${record.version - 1} is not held yet; versions step by one`,
        governanceDependency(record.version - 1),
      );
    }
    // TUF: the new root must be signed by a threshold of the previous root's keys…
    const prev = previous.parsed.record;
    requireKnownSigners(record, [...prev.authorities, ...record.authorities]);
    await requireThreshold(record, prev.authorities, prev.threshold, `version ${prev.version}'s`);
    // …and by a threshold of its own.
    await requireThreshold(record, record.authorities, record.threshold, 'its own');
  }
}

/**
 * [REJECT] issue 9: every signature names a key of the authorities that count (the record's own, and
 * the previous version's in a rotation). A signature by any other key counts for nobody; kept, it
 * would be a member outside what any threshold checked, stored and served.
 */
function requireKnownSigners(record: GovernanceRecord, authorities: readonly GovernanceAuthority[]): void {
  for (const [i, signature] of record.signatures.entries()) {
    if (authorities.some((a) => a.publicKeys.some((k) => k.id === signature.keyId))) continue;
    // [REJECT] issue 9: a signature by a key of no authority that counts.
    throw reject(
      GOVERNANCE_CODES.SIGNATURE_KEY_UNKNOWN,
      `signatures[${i}].keyId`,
      `${signature.keyId} is not a key of any authority this record is checked against`,
    );
  }
}

/** Which authorities validly signed a governance record, and which signature failed, if any. */
export interface SignatureTally {
  /**
   * DIDs of authorities with a valid signature by a key of their own that no other authority of the
   * set lists (each authority counts once, each key for at most one authority).
   */
  signed: Set<string>;
  /** Index of the first signature by a listed key that does not verify (a forgery), or -1. */
  invalid: number;
  /** Index of the first high-S P-256 signature (a malleated copy, low-s.ts), or -1. */
  highS: number;
}

/**
 * Tallies the signatures of a governance record against a set of authorities, counting signers by
 * distinct key (DESIGN.md, Records §1). A key listed under two authorities of the set counts for
 * neither: one private key must never stand for two authorities (parseGovernance refuses such a
 * record; this keeps the count safe for versions admitted before that rule). A signature naming a
 * key of none of them is passed over here (it may belong to the other set of a rotation).
 */
export async function tallyGovernanceSignatures(
  record: GovernanceRecord,
  authorities: readonly GovernanceAuthority[],
): Promise<SignatureTally> {
  const signingBytes = governanceSigningBytes(record);
  const owners = new Map<string, Set<string>>();
  for (const a of authorities) {
    for (const k of a.publicKeys)
      owners.set(k.publicKeyMultibase, (owners.get(k.publicKeyMultibase) ?? new Set()).add(a.id));
  }
  const signed = new Set<string>();
  const countedKeys = new Set<string>();
  for (const [i, signature] of record.signatures.entries()) {
    const authority = authorities.find((a) => a.publicKeys.some((k) => k.id === signature.keyId));
    const key = authority?.publicKeys.find((k) => k.id === signature.keyId);
    if (!authority || !key) continue;
    if (keyTypeOf(key.publicKeyMultibase) === 'P-256') {
      const raw = decodeMultibaseSignature(signature.signature);
      if (raw && isHighS(raw)) return { signed, invalid: -1, highS: i };
    }
    if (!(await verifyBytes(signingBytes, signature.signature, key.publicKeyMultibase)))
      return { signed, invalid: i, highS: -1 };
    // Count by distinct key: a shared key, or one already counted, adds no signer.
    if ((owners.get(key.publicKeyMultibase)?.size ?? 0) !== 1 || countedKeys.has(key.publicKeyMultibase)) continue;
    countedKeys.add(key.publicKeyMultibase);
    signed.add(authority.id);
  }
  return { signed, invalid: -1, highS: -1 };
}

/** Requires a threshold of distinct authorities' valid signatures; a forged signature is a reject. */
async function requireThreshold(
  record: GovernanceRecord,
  authorities: GovernanceAuthority[],
  threshold: number,
  whose: string,
): Promise<void> {
  const { signed, invalid, highS } = await tallyGovernanceSignatures(record, authorities);
  if (highS >= 0) {
    // [REJECT] issue 9 (BIP 62 low-S): a high-S ECDSA signature is a malleated copy.
    throw reject(
      SIGNATURE_CODES.HIGH_S,
      `signatures[${highS}].signature`,
      'is a high-S ECDSA signature; only s ≤ n/2 is accepted',
    );
  }
  if (invalid >= 0) {
    const keyId = record.signatures[invalid]?.keyId;
    // [REJECT] docs/records.md Governance: a signature by a listed key must verify.
    throw reject(
      GOVERNANCE_CODES.SIGNATURE_INVALID,
      `signatures[${invalid}].signature`,
      `does not verify with key ${keyId}`,
    );
  }
  if (signed.size < threshold) {
    // [REJECT] DESIGN.md Records §1: a threshold of N's authorities and of its own, by distinct key.
    throw reject(
      GOVERNANCE_CODES.THRESHOLD_NOT_MET,
      'signatures',
      `carry valid signatures of ${signed.size} of ${whose} authorities; the threshold is ${threshold}`,
    );
  }
}
