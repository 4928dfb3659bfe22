/**
 * Accreditations: W3C VC 2.0 credentials (EBSI-shaped) in which a governance authority or an
 * accreditor states that a subject DID may act as `issuer` (issue credential types T in jurisdiction
 * J) or as `accreditor` (accredit others within its own scope, up to `maxPathLength` further levels).
 * See DESIGN.md, Records §2, and https://hub.ebsi.eu/vc-framework/trust-model.
 */
import { reject } from '../errors.ts';
import {
  isObject,
  issuerIdOf,
  type JsonObject,
  join,
  requireArray,
  requireDateTime,
  requireDid,
  requireInteger,
  requireObject,
  requireString,
  typesOf,
} from '../validation/fields.ts';
import { jurisdictionWithin, requireJurisdiction } from './governance.ts';
import { type PinnedKey, parsePinnedKeys } from './keys.ts';

/** The credential type that marks an accreditation. */
export const ACCREDITATION_TYPE = 'VerifiableAccreditation';
/** Our JSON-LD context, bundled in the package (never fetched). */
export const TRUSTMESH_CONTEXT_URL = 'https://w3id.org/trustmesh/v1';
/** The VC Data Model 2.0 base context. */
export const VC_V2_CONTEXT_URL = 'https://www.w3.org/ns/credentials/v2';
/** Codes of the accreditation parser (docs/records.md Accreditation). */
export const ACCREDITATION_RECORD_CODES = {
  /** `reject` — the accreditation's shape: every field error, naming the field and the rule. */
  FIELD_INVALID: 'ACCREDITATION_FIELD_INVALID',
} as const;

/** {@link ACCREDITATION_RECORD_CODES}.FIELD_INVALID, kept for existing importers. */
export const ACCREDITATION_FIELD_INVALID = ACCREDITATION_RECORD_CODES.FIELD_INVALID;
/**
 * A credential type term (`type` values of VCs, matched exactly): letters, digits and `_`. It may
 * begin with a digit: TW DIW's types lead with the issuer's 8-digit business id, e.g.
 * `00000000_vpms_20250506_1217` (Docs/TWDIW_API_Specification.md DWVC-101, CredentialService.transfer).
 */
const CREDENTIAL_TYPE_TERM = /^[A-Za-z0-9][A-Za-z0-9_]{0,127}$/;
/** A credential type URI (RFC 3986 scheme, then no spaces): SD-JWT VC `vct` values, e.g. `urn:eudi:pid:1`. */
const CREDENTIAL_TYPE_URI = /^[A-Za-z][A-Za-z0-9+.-]{0,31}:[!#-~]{1,480}$/;
/** Deepest accreditor chain the registry follows: bounds work on untrusted data. */
export const MAX_PATH_LENGTH = 8;

/** What an accreditation allows: issuing these credential types within this jurisdiction. */
export interface AccreditationScope {
  types: string[];
  jurisdiction: string;
}

/** The two roles of DESIGN.md: issue credentials, or accredit others. */
export type AccreditationRole = 'issuer' | 'accreditor';

/** A parsed, shape-checked accreditation. Its proof and chain are checked by the validation pipeline. */
export interface ParsedAccreditation {
  id: string;
  /** The accreditor (an authority or an accredited accreditor). */
  issuer: string;
  /** The accredited party. */
  subject: string;
  role: AccreditationRole;
  accreditedFor: AccreditationScope[];
  maxPathLength: number;
  /** Keys of the subject, pinned so the subject stays verifiable while its DID host is down. */
  publicKeys: PinnedKey[];
  validFromMs: number;
  validUntilMs: number;
  credential: JsonObject;
}

/** Parses and shape-checks an accreditation credential. */
export function parseAccreditation(value: unknown): ParsedAccreditation {
  const code = ACCREDITATION_RECORD_CODES.FIELD_INVALID;
  const credential = requireObject(value, '', code);
  const contexts = credential['@context'];
  if (!Array.isArray(contexts) || contexts[0] !== VC_V2_CONTEXT_URL || !contexts.includes(TRUSTMESH_CONTEXT_URL)) {
    // [REJECT] VCDM 2.0 §4.3: the v2 context first; ours is needed for the accreditation terms.
    throw reject(code, '@context', `must start with "${VC_V2_CONTEXT_URL}" and include "${TRUSTMESH_CONTEXT_URL}"`);
  }
  const types = typesOf(credential, '', code);
  if (!types.includes('VerifiableCredential') || !types.includes(ACCREDITATION_TYPE)) {
    // [REJECT] docs/records.md Accreditation: type VerifiableCredential and VerifiableAccreditation.
    throw reject(code, 'type', `must include "VerifiableCredential" and "${ACCREDITATION_TYPE}"`);
  }
  const id = requireString(credential, 'id', '', code, 512);
  if (!/^(urn:uuid:[0-9a-f-]{36}|https:\/\/\S+|did:\S+)$/i.test(id)) {
    // [REJECT] VCDM 2.0 §4.4: `id` is a URL (urn:uuid:, https: or did: here).
    throw reject(code, 'id', 'must be a urn:uuid:, https: or did: URI');
  }
  const issuer = issuerIdOf(credential, code);
  const validFromMs = requireDateTime(credential, 'validFrom', '', code);
  // [REJECT] DESIGN.md Records §2: accreditations must expire; an unbounded grant cannot be
  // re-checked (freeze-attack defence).
  const validUntilMs = requireDateTime(credential, 'validUntil', '', code);
  // [REJECT] VCDM 2.0 §4.9: the validity period is not empty.
  if (validUntilMs <= validFromMs) throw reject(code, 'validUntil', 'must be after validFrom');
  // [REJECT] DESIGN.md Records: all records are signed.
  if (!isObject(credential.proof) && !Array.isArray(credential.proof)) throw reject(code, 'proof', 'is required');

  const subjectPath = 'credentialSubject';
  const subjectObj = requireObject(credential.credentialSubject, subjectPath, code);
  const subject = subjectIdOf(subjectObj, subjectPath, code);
  // [REJECT] DESIGN.md Records §2: no self-accreditation.
  if (subject === issuer)
    throw reject(code, join(subjectPath, 'id'), 'must differ from the issuer (no self-accreditation)');
  const role = subjectObj.role;
  if (role !== 'issuer' && role !== 'accreditor') {
    // [REJECT] DESIGN.md Records §2: the two roles.
    throw reject(code, join(subjectPath, 'role'), 'must be "issuer" or "accreditor"');
  }
  const accreditedFor = requireArray(subjectObj, 'accreditedFor', subjectPath, code, 1, 32).map((item, i) =>
    parseScope(item, join(join(subjectPath, 'accreditedFor'), i)),
  );
  const maxPathLength =
    subjectObj.maxPathLength === undefined
      ? 0
      : requireInteger(subjectObj, 'maxPathLength', subjectPath, code, 0, MAX_PATH_LENGTH);
  // [REJECT] VCDM 2.0 §4.7: an accreditor signs accreditations, which name DID issuers (issuerIdOf);
  // only an issuer may be a URL.
  if (role !== 'issuer' && !subject.startsWith('did:')) {
    throw reject(code, join(subjectPath, 'id'), 'a URL subject may only be accredited as an "issuer"');
  }
  if (role === 'issuer' && maxPathLength !== 0) {
    // [REJECT] DESIGN.md Records §2: an issuer cannot accredit (maxPathLength 0).
    throw reject(code, join(subjectPath, 'maxPathLength'), 'must be 0 for role "issuer" (issuers cannot accredit)');
  }
  const publicKeys = parsePinnedKeys(subjectObj, 'publicKeys', subjectPath, code, subject, { possession: true });
  return { id, issuer, subject, role, accreditedFor, maxPathLength, publicKeys, validFromMs, validUntilMs, credential };
}

/**
 * The accredited subject: a DID, or — for an issuer — an https URL (VCDM 2.0 §4.7: an issuer is any
 * URL). A URL must be in its canonical form (WHATWG URL serialisation) and carry no fragment, so the
 * subject compares by string with a credential's `issuer` and its keys are `<URL>#<fragment>`.
 */
function subjectIdOf(subjectObj: JsonObject, subjectPath: string, code: string): string {
  const raw = subjectObj.id;
  if (typeof raw !== 'string' || !raw.startsWith('https://')) return requireDid(subjectObj, 'id', subjectPath, code);
  const field = join(subjectPath, 'id');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // [REJECT] VCDM 2.0 §4.7: a URL subject is an https URL.
    throw reject(code, field, 'must be a DID or an https URL');
  }
  if (raw.length > 512 || url.hash !== '' || raw.includes('#') || url.username !== '' || url.password !== '') {
    // [REJECT] docs/records.md Accreditation: canonical https URL, no fragment, no credentials.
    throw reject(code, field, 'an https URL subject has no fragment and no credentials, and at most 512 characters');
  }
  // [REJECT] docs/records.md Accreditation: the WHATWG serialisation, so it compares by string.
  if (url.href !== raw) throw reject(code, field, `must be written in canonical form (${url.href.slice(0, 200)})`);
  return raw;
}

function parseScope(value: unknown, path: string): AccreditationScope {
  const code = ACCREDITATION_RECORD_CODES.FIELD_INVALID;
  const obj = requireObject(value, path, code);
  const types = requireArray(obj, 'types', path, code, 1, 32).map((t, i) => {
    if (typeof t !== 'string' || !(CREDENTIAL_TYPE_TERM.test(t) || CREDENTIAL_TYPE_URI.test(t))) {
      // [REJECT] docs/records.md Accreditation: scopes name credential types — a W3C type term, or a
      // URI such as an SD-JWT VC `vct` (issue 13, matched exactly as a string).
      throw reject(
        code,
        join(join(path, 'types'), i),
        'must be a credential type name (letters, digits, _) or a type URI (e.g. urn:eudi:pid:1)',
      );
    }
    return t;
  });
  if (types.includes('VerifiableCredential')) {
    // [REJECT] DESIGN.md Records §2: a scope names specific types, not every credential.
    throw reject(code, join(path, 'types'), 'must name specific credential types, not "VerifiableCredential"');
  }
  return { types, jurisdiction: requireJurisdiction(obj, 'jurisdiction', path, code) };
}

/** True when `inner` is within `outer`: a subset of its types, within its jurisdiction. */
export function scopeWithin(inner: AccreditationScope, outer: AccreditationScope): boolean {
  return (
    jurisdictionWithin(inner.jurisdiction, outer.jurisdiction) && inner.types.every((t) => outer.types.includes(t))
  );
}

/** True when every scope of `inner` lies within some scope of `outer` (scope only narrows down a chain). */
export function scopesWithin(inner: AccreditationScope[], outer: AccreditationScope[]): boolean {
  return inner.every((s) => outer.some((o) => scopeWithin(s, o)));
}

/** True at `time` when the accreditation's validity period contains it. */
export function accreditationValidAt(accreditation: ParsedAccreditation, time: number): boolean {
  return accreditation.validFromMs <= time && time <= accreditation.validUntilMs;
}

/** Store slot of an accreditation: accreditations are immutable, one slot per credential id. */
export function accreditationKey(id: string): string {
  return `accreditation/${id}`;
}
