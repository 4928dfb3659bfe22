/**
 * The MobileSecurityObject (ISO/IEC 18013-5 §9.1.2.4): the issuer-signed payload of issuerAuth,
 * `MobileSecurityObjectBytes = #6.24(bstr .cbor MobileSecurityObject)`. Read under the same CBOR
 * bounds as the rest of the mdoc; nothing here is trusted until the issuerAuth signature verifies.
 */

import { type CborLimits, decodeCbor, EncodedCbor } from '../cose/bounded-cbor.ts';
import { reject } from '../errors.ts';
import { MDOC_CODES } from './codes.ts';

/** Digest algorithms of §9.1.2.5, with their node:crypto names. */
export const MDOC_DIGEST_ALGORITHMS: Readonly<Record<string, string>> = Object.freeze({
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
});

/** The status reference of an MSO (draft-ietf-oauth-status-list §6.3: `status` → `status_list`). */
export interface MdocStatusReference {
  idx: number;
  uri: string;
}

/** A read MobileSecurityObject. */
export interface MobileSecurityObject {
  version: string;
  digestAlgorithm: 'SHA-256' | 'SHA-384' | 'SHA-512';
  /** namespace → digestID → digest. */
  valueDigests: Map<string, Map<number, Uint8Array>>;
  /** `deviceKeyInfo.deviceKey`, still a decoded COSE_Key map. */
  deviceKey: unknown;
  docType: string;
  validity: { signedMs: number; validFromMs: number; validUntilMs: number; expectedUpdateMs?: number };
  status?: MdocStatusReference;
}

/** A tdate (RFC 8949 §3.4.1, tag 0) as ms since the epoch; cbor-x has made it a Date. */
function tdate(value: unknown, field: string): number {
  // [REJECT] §9.1.2.4: validityInfo dates are tdate (tag 0, RFC 3339).
  if (!(value instanceof Date) || Number.isNaN(value.getTime()))
    throw reject(MDOC_CODES.MSO_MALFORMED, `validityInfo.${field}`, 'must be a tdate (tag 0)');
  return value.getTime();
}

/** Reads the MSO from the issuerAuth payload (tag 24 wrapped; a bare map is tolerated). */
export function readMso(payload: Uint8Array | null, limits: CborLimits): MobileSecurityObject {
  if (payload === null) throw reject(MDOC_CODES.MSO_MALFORMED, 'issuerAuth.payload', 'is detached');
  let value = decodeCbor(payload, limits);
  if (value instanceof EncodedCbor) value = decodeCbor(value.content, limits);
  const bad = (field: string, why: string) => reject(MDOC_CODES.MSO_MALFORMED, field, why);
  if (!(value instanceof Map)) throw bad('mso', 'must be a map');
  const version = value.get('version');
  // [REJECT] §9.1.2.4: version "1.0" (later 1.x editions keep the structure).
  if (typeof version !== 'string' || !/^1\.\d+$/.test(version))
    throw reject(MDOC_CODES.MSO_VERSION_UNSUPPORTED, 'version', `version ${String(version)} is not supported`);
  const digestAlgorithm = value.get('digestAlgorithm');
  // [REJECT] §9.1.2.5: SHA-256, SHA-384 or SHA-512.
  if (typeof digestAlgorithm !== 'string' || !(digestAlgorithm in MDOC_DIGEST_ALGORITHMS))
    throw reject(
      MDOC_CODES.DIGEST_ALGORITHM_UNSUPPORTED,
      'digestAlgorithm',
      `${String(digestAlgorithm)} is not supported`,
    );
  const docType = value.get('docType');
  if (typeof docType !== 'string' || docType === '') throw bad('docType', 'must be a text string');
  const digests = value.get('valueDigests');
  if (!(digests instanceof Map)) throw bad('valueDigests', 'must be a map');
  const valueDigests = new Map<string, Map<number, Uint8Array>>();
  for (const [ns, byId] of digests) {
    // [REJECT] §9.1.2.4: valueDigests = { NameSpace => { DigestID => Digest } }.
    if (typeof ns !== 'string' || !(byId instanceof Map)) throw bad('valueDigests', 'must map namespaces to digests');
    const ids = new Map<number, Uint8Array>();
    for (const [id, digest] of byId) {
      if (!Number.isSafeInteger(id) || (id as number) < 0 || !(digest instanceof Uint8Array))
        throw bad(`valueDigests.${ns}`, 'must map unsigned digestIDs to byte strings');
      ids.set(id as number, digest);
    }
    valueDigests.set(ns, ids);
  }
  const keyInfo = value.get('deviceKeyInfo');
  if (!(keyInfo instanceof Map) || !keyInfo.has('deviceKey')) throw bad('deviceKeyInfo', 'must hold deviceKey');
  const vi = value.get('validityInfo');
  if (!(vi instanceof Map)) throw bad('validityInfo', 'must be a map');
  const validity = {
    signedMs: tdate(vi.get('signed'), 'signed'),
    validFromMs: tdate(vi.get('validFrom'), 'validFrom'),
    validUntilMs: tdate(vi.get('validUntil'), 'validUntil'),
    ...(vi.has('expectedUpdate') ? { expectedUpdateMs: tdate(vi.get('expectedUpdate'), 'expectedUpdate') } : {}),
  };
  const status = value.has('status') ? statusOf(value.get('status')) : undefined;
  return {
    version,
    digestAlgorithm: digestAlgorithm as MobileSecurityObject['digestAlgorithm'],
    valueDigests,
    deviceKey: keyInfo.get('deviceKey'),
    docType,
    validity,
    ...(status ? { status } : {}),
  };
}

/** draft-ietf-oauth-status-list §6.3: Status = { "status_list": StatusListInfo { idx: uint, uri: tstr } }. */
function statusOf(value: unknown): MdocStatusReference | undefined {
  const bad = (why: string) => reject(MDOC_CODES.STATUS_MALFORMED, 'status', why);
  if (!(value instanceof Map)) throw bad('must be a map');
  const info = value.get('status_list');
  // Other status mechanisms (§6.1: other members) are not read; without status_list there is no reference.
  if (info === undefined) return undefined;
  if (!(info instanceof Map)) throw bad('status_list must be a map');
  const idx = info.get('idx');
  const uri = info.get('uri');
  // [REJECT] draft §6.3: idx a non-negative integer, uri a text string (RFC 3986 URI).
  if (!Number.isSafeInteger(idx) || (idx as number) < 0) throw bad('status_list.idx must be an unsigned integer');
  if (typeof uri !== 'string' || !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(uri)) throw bad('status_list.uri must be a URI');
  return { idx: idx as number, uri };
}
