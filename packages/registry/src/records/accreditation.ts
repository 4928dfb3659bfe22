/**
 * Accreditations: W3C VC 2.0 credentials (EBSI-shaped) in which a governance authority or an
 * accreditor states that a subject DID may act as `issuer` (issue credential types T in jurisdiction
 * J) or as `accreditor` (accredit others within its own scope, up to `maxPathLength` further levels),
 * or that a certification authority, identified by its key, may act as `ca` (certify under
 * certificate policies, or sign mdocs of `docType`s, in jurisdiction J: issue 14).
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
import {
  CA_CERTIFICATE_CODES,
  CA_SUBJECT_PREFIX,
  caSubjectId,
  decodeCertificateBase64,
  parseCaCertificate,
} from '../x509/ca-certificate.ts';
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

/**
 * What an accreditation allows: issuing these credential types within this jurisdiction; for a CA
 * (and an accreditor that may accredit CAs), certifying under these certificate policies or signing
 * mdocs of these `docType`s within it. `types` is empty in a CA's scope.
 */
export interface AccreditationScope {
  types: string[];
  jurisdiction: string;
  /** Certificate-policy OIDs, dotted (RFC 5280 §4.2.1.4). Roles `ca` and `accreditor` only. */
  certificatePolicies?: string[];
  /** ISO 18013-5 `docType`s (e.g. `org.iso.18013.5.1.mDL`). Roles `ca` and `accreditor` only. */
  docTypes?: string[];
}

/** The roles of DESIGN.md: issue credentials, accredit others, or (issue 14) act as a certification authority. */
export type AccreditationRole = 'issuer' | 'accreditor' | 'ca';

/** The CA an accreditation of role `ca` names: its certificate and what the grant adds to it. */
export interface AccreditedCa {
  /** The CA certificate, DER, as the accreditation carries it. */
  certificate: Uint8Array;
  /** SHA-256 of its SubjectPublicKeyInfo, base64url: the pin (and the subject id's suffix). */
  spkiSha256: string;
  /** The CA declares certificateHold final (JPKI: a hold is never released). */
  holdFinal: boolean;
  /** The certificate's basicConstraints pathLenConstraint, or null (none). */
  pathLenConstraint: number | null;
  notBeforeMs: number;
  notAfterMs: number;
  /** Self-signed as its fields tell: its own signature is then its proof of possession. */
  selfSigned: boolean;
}

/** A parsed, shape-checked accreditation. Its proof and chain are checked by the validation pipeline. */
export interface ParsedAccreditation {
  id: string;
  /** The accreditor (an authority or an accredited accreditor). */
  issuer: string;
  /** The accredited party. */
  subject: string;
  role: AccreditationRole;
  accreditedFor: AccreditationScope[];
  /** Accreditors: further accreditor levels; CAs: an extra cap on intermediate CAs below it. */
  maxPathLength: number;
  /** Keys of the subject, pinned so the subject stays verifiable while its DID host is down (none for a CA). */
  publicKeys: PinnedKey[];
  /** Role `ca` only: the CA certificate and its pin. */
  ca?: AccreditedCa;
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
  const role = subjectObj.role;
  if (role !== 'issuer' && role !== 'accreditor' && role !== 'ca') {
    // [REJECT] DESIGN.md Records §2: the roles.
    throw reject(code, join(subjectPath, 'role'), 'must be "issuer", "accreditor" or "ca"');
  }
  const ca = role === 'ca' ? parseCaSubject(subjectObj, subjectPath) : undefined;
  const subject = ca ? caSubjectId(ca.spkiSha256) : subjectIdOf(subjectObj, subjectPath, code);
  // [REJECT] DESIGN.md Records §2: no self-accreditation.
  if (subject === issuer)
    throw reject(code, join(subjectPath, 'id'), 'must differ from the issuer (no self-accreditation)');
  const accreditedFor = requireArray(subjectObj, 'accreditedFor', subjectPath, code, 1, 32).map((item, i) =>
    parseScope(item, join(join(subjectPath, 'accreditedFor'), i), role),
  );
  const maxPathLength =
    subjectObj.maxPathLength === undefined
      ? 0
      : requireInteger(subjectObj, 'maxPathLength', subjectPath, code, 0, MAX_PATH_LENGTH);
  // [REJECT] VCDM 2.0 §4.7: an accreditor signs accreditations, which name DID issuers (issuerIdOf);
  // only an issuer may be a URL.
  if (role === 'accreditor' && !subject.startsWith('did:')) {
    throw reject(code, join(subjectPath, 'id'), 'a URL subject may only be accredited as an "issuer"');
  }
  if (role === 'issuer' && maxPathLength !== 0) {
    // [REJECT] DESIGN.md Records §2: an issuer cannot accredit (maxPathLength 0).
    throw reject(code, join(subjectPath, 'maxPathLength'), 'must be 0 for role "issuer" (issuers cannot accredit)');
  }
  if (ca) {
    // [REJECT] DESIGN.md Records §2: a CA's key is the one in its certificate; nothing else is pinned for it.
    if (subjectObj.publicKeys !== undefined) {
      throw reject(
        code,
        join(subjectPath, 'publicKeys'),
        'a CA is pinned by its certificate (caCertificate), not by publicKeys',
      );
    }
    return {
      id,
      issuer,
      subject,
      role,
      accreditedFor,
      maxPathLength,
      publicKeys: [],
      ca,
      validFromMs,
      validUntilMs,
      credential,
    };
  }
  const publicKeys = parsePinnedKeys(subjectObj, 'publicKeys', subjectPath, code, subject, { possession: true });
  return { id, issuer, subject, role, accreditedFor, maxPathLength, publicKeys, validFromMs, validUntilMs, credential };
}

/**
 * The CA of an accreditation of role `ca` (docs/records.md, Accreditation of a CA): `id` is
 * `urn:trustmesh:ca:<spkiSha256>`, `caCertificate` the certificate (canonical base64 of its DER),
 * `spkiSha256` the SHA-256 of its SubjectPublicKeyInfo (base64url), `holdFinal` a boolean. Cheap
 * checks first: the subject id and the certificate's size before any base64 or ASN.1 decoding.
 */
function parseCaSubject(subjectObj: JsonObject, subjectPath: string): AccreditedCa {
  const code = ACCREDITATION_RECORD_CODES.FIELD_INVALID;
  const id = requireString(subjectObj, 'id', subjectPath, code, 128);
  if (!id.startsWith(CA_SUBJECT_PREFIX) || !/^[A-Za-z0-9_-]{43}$/.test(id.slice(CA_SUBJECT_PREFIX.length))) {
    // [REJECT] docs/records.md Accreditation of a CA: the subject is the URN of its key's hash.
    throw reject(
      code,
      join(subjectPath, 'id'),
      `must be ${CA_SUBJECT_PREFIX}<SHA-256 of the SubjectPublicKeyInfo, base64url>`,
    );
  }
  const pinned = requireString(subjectObj, 'spkiSha256', subjectPath, code, 64);
  const field = join(subjectPath, 'caCertificate');
  const raw = subjectObj.caCertificate;
  // [REJECT] docs/records.md Accreditation of a CA: the whole certificate, as base64 DER.
  if (typeof raw !== 'string') throw reject(code, field, 'must be the base64 of the DER CA certificate');
  const cert = parseCaCertificate(decodeCertificateBase64(raw, field), field);
  // [REJECT] DESIGN.md Records §2: the CA is pinned by the SHA-256 of its SubjectPublicKeyInfo.
  if (pinned !== cert.spkiSha256 || id !== caSubjectId(cert.spkiSha256)) {
    throw reject(
      CA_CERTIFICATE_CODES.SPKI_MISMATCH,
      pinned !== cert.spkiSha256 ? join(subjectPath, 'spkiSha256') : join(subjectPath, 'id'),
      `${cert.subject}'s SubjectPublicKeyInfo hashes to ${cert.spkiSha256}`,
    );
  }
  const holdFinal = subjectObj.holdFinal;
  // [REJECT] docs/records.md Accreditation of a CA: whether certificateHold is final is stated, never assumed.
  if (typeof holdFinal !== 'boolean') throw reject(code, join(subjectPath, 'holdFinal'), 'must be true or false');
  return {
    certificate: cert.der,
    spkiSha256: cert.spkiSha256,
    holdFinal,
    pathLenConstraint: cert.pathLenConstraint,
    notBeforeMs: cert.notBeforeMs,
    notAfterMs: cert.notAfterMs,
    selfSigned: cert.selfSigned,
  };
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

// A certificate-policy OID, dotted (X.660): at most 64 arcs' worth of text.
const POLICY_OID = /^[0-2](\.(0|[1-9][0-9]{0,19})){1,40}$/;
// RFC 5280 §4.2.1.4: anyPolicy. A scope names specific policies, as it names specific types.
const ANY_POLICY = '2.5.29.32.0';
// An ISO 18013-5 docType: reverse-domain names, e.g. `org.iso.18013.5.1.mDL`, `eu.europa.ec.eudi.pid.1`.
const DOC_TYPE = /^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)+$/;

function parseScope(value: unknown, path: string, role: AccreditationRole): AccreditationScope {
  const code = ACCREDITATION_RECORD_CODES.FIELD_INVALID;
  const obj = requireObject(value, path, code);
  const jurisdiction = requireJurisdiction(obj, 'jurisdiction', path, code);
  const has = (key: string) => obj[key] !== undefined;
  if (role === 'ca' && has('types')) {
    // [REJECT] docs/records.md Accreditation of a CA: a CA's scope is certificate policies or docTypes, not credential types.
    throw reject(code, join(path, 'types'), 'a CA scope names certificatePolicies or docTypes, not credential types');
  }
  if (role === 'issuer' && (has('certificatePolicies') || has('docTypes'))) {
    // [REJECT] docs/records.md Accreditation: policies and docTypes are a CA's scope (or an accreditor's, to pass on).
    throw reject(code, path, 'certificatePolicies and docTypes apply to roles "ca" and "accreditor" only');
  }
  const scope: AccreditationScope = {
    types: role === 'issuer' || has('types') ? parseTypes(obj, path) : [],
    jurisdiction,
  };
  if (has('certificatePolicies')) {
    scope.certificatePolicies = requireArray(obj, 'certificatePolicies', path, code, 1, 32).map((p, i) => {
      const field = join(join(path, 'certificatePolicies'), i);
      // [REJECT] RFC 5280 §4.2.1.4: a policy is an OID, here dotted; anyPolicy is not a scope.
      if (typeof p !== 'string' || p.length > 256 || !POLICY_OID.test(p) || p === ANY_POLICY) {
        throw reject(code, field, 'must be a dotted certificate-policy OID other than anyPolicy (2.5.29.32.0)');
      }
      return p;
    });
  }
  if (has('docTypes')) {
    scope.docTypes = requireArray(obj, 'docTypes', path, code, 1, 32).map((t, i) => {
      // [REJECT] ISO 18013-5 §8.3.2.1.2.1: a docType is a reverse-domain string, matched exactly.
      if (typeof t !== 'string' || t.length > 128 || !DOC_TYPE.test(t)) {
        throw reject(code, join(join(path, 'docTypes'), i), 'must be an mdoc docType such as org.iso.18013.5.1.mDL');
      }
      return t;
    });
  }
  if (scope.types.length === 0 && !scope.certificatePolicies && !scope.docTypes) {
    // [REJECT] DESIGN.md Records §2: a scope grants something.
    throw reject(
      code,
      path,
      role === 'ca' ? 'must name certificatePolicies or docTypes' : 'must name types, certificatePolicies or docTypes',
    );
  }
  return scope;
}

function parseTypes(obj: JsonObject, path: string): string[] {
  const code = ACCREDITATION_RECORD_CODES.FIELD_INVALID;
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
  return types;
}

/**
 * True when `inner` is within `outer`: within its jurisdiction, and a subset of its types, of its
 * certificate policies and of its docTypes (an accreditor passes on only what it was granted).
 */
export function scopeWithin(inner: AccreditationScope, outer: AccreditationScope): boolean {
  const subset = (a: readonly string[] | undefined, b: readonly string[] | undefined) =>
    (a ?? []).every((x) => (b ?? []).includes(x));
  return (
    jurisdictionWithin(inner.jurisdiction, outer.jurisdiction) &&
    subset(inner.types, outer.types) &&
    subset(inner.certificatePolicies, outer.certificatePolicies) &&
    subset(inner.docTypes, outer.docTypes)
  );
}

/** A scope in words, for messages: its types, policies and docTypes in its jurisdiction. */
export function describeScope(scope: AccreditationScope): string {
  const names = [...scope.types, ...(scope.certificatePolicies ?? []), ...(scope.docTypes ?? [])];
  return `${names.join(', ')} in ${scope.jurisdiction}`;
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
