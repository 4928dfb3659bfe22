/**
 * Governance records: the network's root of trust, modelled on TUF's root role
 * (https://theupdateframework.github.io/specification/latest/#root-role).
 *
 * Version 1 (genesis) is pinned by its content hash in the network file. Version N+1 is valid only if
 * signed by a threshold of version N's authorities and by a threshold of its own. Signatures are raw
 * Ed25519 / P-256 signatures over the RFC 8785 canonical bytes of the record without `signatures`.
 */
import { canonicalBytes } from '../canonical.ts';
import { reject } from '../errors.ts';
import {
  isObject,
  type JsonObject,
  join,
  requireArray,
  requireDateTime,
  requireDid,
  requireInteger,
  requireKnownMembers,
  requireObject,
  requireString,
} from '../validation/fields.ts';
import { type PinnedKey, parsePinnedKeys } from './keys.ts';

/** The `type` of every governance record. */
export const GOVERNANCE_TYPE = 'TrustmeshGovernance';
/** Codes of the governance parser (docs/records.md Governance). */
export const GOVERNANCE_RECORD_CODES = {
  /** `reject` — the record's shape: every field error, naming the field and the rule. */
  FIELD_INVALID: 'GOVERNANCE_FIELD_INVALID',
  /** `reject` — one public key listed under two authorities, or twice: it would count twice toward a threshold. */
  KEY_SHARED: 'GOVERNANCE_KEY_SHARED',
} as const;

/** {@link GOVERNANCE_RECORD_CODES}.FIELD_INVALID, kept for existing importers. */
export const GOVERNANCE_FIELD_INVALID = GOVERNANCE_RECORD_CODES.FIELD_INVALID;
/** Most authorities one governance may name. */
export const MAX_AUTHORITIES = 64;
/** {@link GOVERNANCE_RECORD_CODES}.KEY_SHARED, kept for existing importers. */
export const GOVERNANCE_KEY_SHARED = GOVERNANCE_RECORD_CODES.KEY_SHARED;

// The members each level of a governance record may have: exactly those parseGovernance reads.
const GOVERNANCE_MEMBERS = [
  'type',
  'networkId',
  'version',
  'authorities',
  'threshold',
  'validFrom',
  'validUntil',
  'signatures',
] as const;
const AUTHORITY_MEMBERS = ['id', 'name', 'jurisdiction', 'publicKeys'] as const;
const GOVERNANCE_KEY_MEMBERS = ['id', 'type', 'controller', 'publicKeyMultibase'] as const;
const SIGNATURE_MEMBERS = ['keyId', 'signature'] as const;

/** A governance authority: a party whose keys anchor every accreditation chain. */
export interface GovernanceAuthority {
  id: string;
  name: string;
  /** ISO 3166-1 alpha-2 code (or a subdivision such as `JP-13`) the authority may accredit within. */
  jurisdiction: string;
  publicKeys: PinnedKey[];
}

/** One signature over a governance record's signing bytes. */
export interface GovernanceSignature {
  keyId: string;
  /** Multibase (base58btc) signature. */
  signature: string;
}

/** A governance record as it travels. */
export interface GovernanceRecord {
  type: typeof GOVERNANCE_TYPE;
  networkId: string;
  version: number;
  authorities: GovernanceAuthority[];
  threshold: number;
  validFrom: string;
  validUntil: string;
  signatures: GovernanceSignature[];
}

/** A parsed governance record with its times in milliseconds. */
export interface ParsedGovernance {
  record: GovernanceRecord;
  validFromMs: number;
  validUntilMs: number;
}

/** Parses and shape-checks a governance record. Signatures are checked by the validation pipeline. */
export function parseGovernance(value: unknown): ParsedGovernance {
  const code = GOVERNANCE_RECORD_CODES.FIELD_INVALID;
  const obj = requireObject(value, '', code);
  // [REJECT] docs/records.md Governance: type TrustmeshGovernance.
  if (obj.type !== GOVERNANCE_TYPE) throw reject(code, 'type', `must be "${GOVERNANCE_TYPE}"`);
  // [REJECT] issue 9: members outside the signed bytes, at every level (top, authorities, their
  // keys, signatures), so what is stored and served is exactly what was signed.
  requireKnownMembers(obj, GOVERNANCE_MEMBERS, '', code);
  const networkId = requireString(obj, 'networkId', '', code, 128);
  // [REJECT] docs/records.md Governance: a networkId of lower-case letters, digits and dashes.
  if (!/^[a-z0-9][a-z0-9-]*$/.test(networkId))
    throw reject(code, 'networkId', 'must be lower-case letters, digits and dashes');
  const version = requireInteger(obj, 'version', '', code, 1, Number.MAX_SAFE_INTEGER);
  const authorities = requireArray(obj, 'authorities', '', code, 1, MAX_AUTHORITIES).map((item, i) =>
    parseAuthority(item, join('authorities', i)),
  );
  const ids = new Set<string>();
  const keyOwners = new Map<string, string>();
  authorities.forEach((a, i) => {
    // [REJECT] DESIGN.md Records §1: each authority is listed once.
    if (ids.has(a.id)) throw reject(code, join(join('authorities', i), 'id'), `duplicates authority ${a.id}`);
    ids.add(a.id);
    a.publicKeys.forEach((k, j) => {
      // [REJECT] issue 9 (DESIGN.md, Records §1: thresholds count distinct keys): one key listed under
      // two authorities would let one private key count twice toward the threshold.
      const owner = keyOwners.get(k.publicKeyMultibase);
      if (owner !== undefined) {
        throw reject(
          GOVERNANCE_RECORD_CODES.KEY_SHARED,
          join(join(join('authorities', i), 'publicKeys'), j),
          `key ${k.publicKeyMultibase.slice(0, 16)}… is already listed under ${owner === a.id ? 'this authority' : `authority ${owner}`}`,
        );
      }
      keyOwners.set(k.publicKeyMultibase, a.id);
    });
  });
  const threshold = requireInteger(obj, 'threshold', '', code, 1, authorities.length);
  const validFromMs = requireDateTime(obj, 'validFrom', '', code);
  const validUntilMs = requireDateTime(obj, 'validUntil', '', code);
  // [REJECT] DESIGN.md Records §1: the validity period is not empty.
  if (validUntilMs <= validFromMs) throw reject(code, 'validUntil', 'must be after validFrom');
  const signatures = requireArray(obj, 'signatures', '', code, 0, MAX_AUTHORITIES * 4).map((item, i) => {
    const field = join('signatures', i);
    const sig = requireObject(item, field, code);
    requireKnownMembers(sig, SIGNATURE_MEMBERS, field, code);
    return {
      keyId: requireString(sig, 'keyId', field, code),
      signature: requireString(sig, 'signature', field, code, 256),
    };
  });
  const signers = new Set<string>();
  signatures.forEach((sig, i) => {
    // [REJECT] each key signs once: a repeated signature adds nothing a threshold could count, and a
    // relay could otherwise pad a held record with copies (issue 9).
    if (signers.has(sig.keyId)) throw reject(code, join(join('signatures', i), 'keyId'), `repeats key ${sig.keyId}`);
    signers.add(sig.keyId);
  });
  const record: GovernanceRecord = {
    type: GOVERNANCE_TYPE,
    networkId,
    version,
    authorities,
    threshold,
    validFrom: obj.validFrom as string,
    validUntil: obj.validUntil as string,
    signatures,
  };
  return { record, validFromMs, validUntilMs };
}

function parseAuthority(value: unknown, path: string): GovernanceAuthority {
  const code = GOVERNANCE_RECORD_CODES.FIELD_INVALID;
  const obj = requireObject(value, path, code);
  requireKnownMembers(obj, AUTHORITY_MEMBERS, path, code);
  const id = requireDid(obj, 'id', path, code);
  // Governance keys carry no proof of possession (governance itself is what authorities sign).
  const keys = obj.publicKeys;
  if (Array.isArray(keys)) {
    keys.forEach((key, i) => {
      if (isObject(key)) requireKnownMembers(key, GOVERNANCE_KEY_MEMBERS, join(join(path, 'publicKeys'), i), code);
    });
  }
  return {
    id,
    name: requireString(obj, 'name', path, code, 256),
    jurisdiction: requireJurisdiction(obj, 'jurisdiction', path, code),
    publicKeys: parsePinnedKeys(obj, 'publicKeys', path, code, id),
  };
}

/** Requires an ISO 3166-1 alpha-2 country code, optionally with an ISO 3166-2 subdivision (`JP-13`). */
export function requireJurisdiction(obj: JsonObject, key: string, path: string, code: string): string {
  const value = requireString(obj, key, path, code, 16);
  if (!/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/.test(value)) {
    // [REJECT] DESIGN.md Records §1: a jurisdiction is ISO 3166-1 alpha-2, optionally with an ISO 3166-2 subdivision.
    throw reject(code, join(path, key), `must be an ISO 3166 code such as "JP" or "JP-13", got "${value}"`);
  }
  return value;
}

/** True when jurisdiction `inner` lies within `outer` ("JP" contains "JP" and "JP-13"). */
export function jurisdictionWithin(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(`${outer}-`);
}

/** The bytes authorities sign: the canonical record without its signatures. */
export function governanceSigningBytes(record: GovernanceRecord | Omit<GovernanceRecord, 'signatures'>): Uint8Array {
  const { signatures: _ignored, ...body } = record as GovernanceRecord;
  return canonicalBytes(body);
}

/** Store slot of a governance version: one slot per version, so history replicates and verifies from genesis. */
export function governanceKey(networkId: string, version: number): string {
  return `governance/${networkId}/${String(version).padStart(12, '0')}`;
}
