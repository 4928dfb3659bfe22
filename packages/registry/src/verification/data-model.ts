/**
 * The VC Data Model's normative rules on a credential's shape, shared by the verifier (the
 * `credential` check) and the issuer (which must refuse what a verifier must reject): VC Data Model
 * 2.0 (https://www.w3.org/TR/vc-data-model-2.0/) and, for credentials whose first context is the 1.1
 * one, VC Data Model 1.1 (https://www.w3.org/TR/vc-data-model-1.1/).
 *
 * Every violation is a `MALFORMED_VALUE_ERROR` (VCDM 2.0 §7.1: "The value associated with a
 * particular property is malformed. The name of the property and the path to the property SHOULD be
 * provided") naming the field path and the rule, with its section. The rules read JSON names only:
 * the context check (crypto/context-allow-list.ts) has already fixed what each name means.
 *
 * Not checked here: the Bitstring Status List entry rules (records/status-entry.ts, run by the status
 * check and by {@link dataModelProblems}' caller through `parseStatusEntries`), the proof, and
 * fetching related resources (nothing is fetched: VCDM 2.0 §5.3 lets a verifier check a digest only
 * when it retrieves the resource).
 */
import { createHash } from 'node:crypto';
import { CREDENTIALS_CONTEXT_V1_URL, CREDENTIALS_CONTEXT_V2_URL } from '../contexts/index.ts';
import { type ValidationError, reject } from '../errors.ts';
import { describeValue, isUrl, parseStatusEntries } from '../records/status-entry.ts';
import { W3C_ERROR_CODES } from '../validation/codes.ts';

/** Code of every data model violation (VCDM 2.0 §7.1): {@link W3C_ERROR_CODES}.MALFORMED_VALUE_ERROR. */
export const MALFORMED_VALUE_ERROR = W3C_ERROR_CODES.MALFORMED_VALUE_ERROR;

/** Options of {@link dataModelProblems}. */
export interface DataModelOptions {
  /**
   * True for an issuer checking a credential before it signs: `issuer` may still be absent (the
   * issuer sets it), and so may the 1.1 `issuanceDate` (added by issuance/prepare-issuance.ts).
   */
  beforeIssuance?: boolean;
}

type Json = Record<string, unknown>;

/**
 * Every rule of the data model the credential breaks, in document order (empty when none).
 * @param credential - The untrusted credential (a JSON object).
 */
export function dataModelProblems(credential: Readonly<Json>, options: DataModelOptions = {}): ValidationError[] {
  const problems: ValidationError[] = [];
  const fail = (field: string, rule: string) =>
    problems.push(reject(W3C_ERROR_CODES.MALFORMED_VALUE_ERROR, field, rule));
  const contexts = credential['@context'];
  const first = Array.isArray(contexts) ? contexts[0] : contexts;
  const v1 = first === CREDENTIALS_CONTEXT_V1_URL;
  // VCDM 2.0 §4.3: "The value of the @context property MUST be an ordered set where the first item
  // is a URL with the value https://www.w3.org/ns/credentials/v2" (1.1 §4.1: .../2018/credentials/v1).
  if (!v1 && first !== CREDENTIALS_CONTEXT_V2_URL) {
    fail(
      Array.isArray(contexts) ? '@context[0]' : '@context',
      `must be ${CREDENTIALS_CONTEXT_V2_URL} (VCDM 2.0 §4.3) or ${CREDENTIALS_CONTEXT_V1_URL} (VCDM 1.1 §4.1)`,
    );
  }
  // §4.4: "If present, the value of the id property MUST be a single URL".
  if (credential.id !== undefined && !isUrl(credential.id)) {
    fail('id', `must be a single URL when present (VCDM 2.0 §4.4), got ${describeValue(credential.id)}`);
  }
  // §4.5: type "MUST" include VerifiableCredential; its value is a string or an ordered set of strings.
  const types = typeList(credential.type);
  if (types === null) fail('type', 'must be a string or an array of strings (VCDM 2.0 §4.5)');
  else if (!types.includes('VerifiableCredential')) fail('type', 'must include "VerifiableCredential" (VCDM 2.0 §4.5)');
  // §4.7: "The value of the issuer property MUST be either a URL, or an object containing an id
  // property whose value is a URL".
  if (!(options.beforeIssuance && credential.issuer === undefined) && issuerUrlOf(credential) === null) {
    fail('issuer', 'must be a URL or an object whose id is a URL (VCDM 2.0 §4.7)');
  }
  // §4.8: "A verifiable credential MUST contain a credentialSubject property", objects only.
  const subjects = credential.credentialSubject;
  if (subjects === undefined) fail('credentialSubject', 'is required (VCDM 2.0 §4.8)');
  else objectsOf(subjects, 'credentialSubject', '§4.8', fail);
  // §4.9 validFrom/validUntil (2.0) and 1.1 §4.6/§4.7 issuanceDate/expirationDate: dateTimeStamps.
  for (const name of ['validFrom', 'validUntil', 'issuanceDate', 'expirationDate'] as const) {
    const value = credential[name];
    if (value !== undefined && !isDateTimeStamp(value)) {
      fail(
        name,
        `must be an XML Schema dateTimeStamp, e.g. 2026-06-01T00:00:00Z (VCDM 2.0 §4.9), got ${describeValue(value)}`,
      );
    }
  }
  // 1.1 §4.6: "A credential MUST have an issuanceDate property."
  if (v1 && !options.beforeIssuance && credential.issuanceDate === undefined) {
    fail('issuanceDate', 'is required in a VC 1.1 credential (VCDM 1.1 §4.6)');
  }
  const from = dateOf(credential.validFrom);
  const until = dateOf(credential.validUntil);
  if (from !== undefined && until !== undefined && until < from) {
    fail('validUntil', 'must not be earlier than validFrom (VCDM 2.0 §4.9)');
  }
  // §4.10: each status entry "MUST specify ... type"; id, when present, a URL. The Bitstring Status
  // List rules of each BitstringStatusListEntry (§2.1 of that Recommendation) come with it.
  if (credential.credentialStatus !== undefined) {
    for (const [entry, field] of objectsOf(credential.credentialStatus, 'credentialStatus', '§4.10', fail)) {
      typed(entry, field, '§4.10', fail);
      if (entry.id !== undefined && !isUrl(entry.id))
        fail(`${field}.id`, 'must be a URL when present (VCDM 2.0 §4.10)');
    }
    try {
      parseStatusEntries(credential);
    } catch (error) {
      problems.push(error as ValidationError);
    }
  }
  // §4.11: "Each credentialSchema MUST specify its type ... and an id property".
  if (credential.credentialSchema !== undefined) {
    for (const [entry, field] of objectsOf(credential.credentialSchema, 'credentialSchema', '§4.11', fail)) {
      typed(entry, field, '§4.11', fail);
      if (!isUrl(entry.id)) fail(`${field}.id`, 'is required: a URL (VCDM 2.0 §4.11)');
    }
  }
  // §5.4 refreshService, §5.5 termsOfUse, §5.6 evidence: each value "MUST specify its type".
  for (const [name, section] of [
    ['refreshService', '§5.4'],
    ['termsOfUse', '§5.5'],
    ['evidence', '§5.6'],
  ] as const) {
    if (credential[name] === undefined) continue;
    for (const [entry, field] of objectsOf(credential[name], name, section, fail)) typed(entry, field, section, fail);
  }
  if (credential.relatedResource !== undefined) relatedResourceProblems(credential.relatedResource, fail);
  return problems;
}

/** The issuer's URL (VCDM 2.0 §4.7), or null when the credential names none. */
export function issuerUrlOf(credential: Readonly<Json>): string | null {
  const issuer = credential.issuer;
  const id = isJson(issuer) ? issuer.id : issuer;
  return isUrl(id) ? id : null;
}

// §5.3 Integrity of Related Resources: "The value of the relatedResource property MUST be one or
// more objects of the following form": id (required, a URL), digestSRI and/or digestMultibase (at
// least one: "Each object associated with relatedResource MUST contain at least a digestSRI or a
// digestMultibase value"), mediaType; "Each id MUST be unique".
function relatedResourceProblems(value: unknown, fail: (field: string, rule: string) => void): void {
  const seen = new Set<string>();
  for (const [entry, field] of objectsOf(value, 'relatedResource', '§5.3', fail)) {
    if (!isUrl(entry.id)) fail(`${field}.id`, 'is required: a URL (VCDM 2.0 §5.3)');
    else if (seen.has(entry.id))
      fail(`${field}.id`, `${entry.id} appears twice; each id MUST be unique (VCDM 2.0 §5.3)`);
    else seen.add(entry.id);
    if (entry.digestSRI === undefined && entry.digestMultibase === undefined) {
      fail(field, 'must contain digestSRI or digestMultibase (VCDM 2.0 §5.3)');
    }
    if (entry.digestSRI !== undefined && !isSriDigest(entry.digestSRI)) {
      fail(
        `${field}.digestSRI`,
        'must be a Subresource Integrity value: sha256-, sha384- or sha512- and the base64 digest of that length (VCDM 2.0 §5.3)',
      );
    }
    if (entry.digestMultibase !== undefined && !isMultibaseDigest(entry.digestMultibase)) {
      fail(
        `${field}.digestMultibase`,
        'must be a multibase (base58btc "z" or base64url "u") multihash of sha2-256, sha2-384 or sha2-512 with its digest length (VCDM 2.0 §5.3)',
      );
    }
    if (
      entry.mediaType !== undefined &&
      (typeof entry.mediaType !== 'string' || !/^[\w.+-]+\/[\w.+-]+/.test(entry.mediaType))
    ) {
      fail(`${field}.mediaType`, 'must be a media type such as application/json (VCDM 2.0 §5.3)');
    }
  }
}

// SRI (https://www.w3.org/TR/SRI/#the-integrity-attribute): hash-algo "-" base64 digest.
const SRI_LENGTHS: Readonly<Record<string, number>> = { sha256: 32, sha384: 48, sha512: 64 };

function isSriDigest(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const match = /^(sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})$/.exec(value);
  if (!match) return false;
  return Buffer.from(match[2] as string, 'base64').length === SRI_LENGTHS[match[1] as string];
}

// Multihash codes (https://github.com/multiformats/multicodec): sha2-256, sha2-512, sha2-384.
const MULTIHASH_LENGTHS: ReadonlyMap<number, number> = new Map([
  [0x12, 32],
  [0x13, 64],
  [0x20, 48],
]);
const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function isMultibaseDigest(value: unknown): boolean {
  if (typeof value !== 'string' || value.length < 2 || value.length > 200) return false;
  let bytes: Uint8Array | null = null;
  if (value[0] === 'u' && /^[A-Za-z0-9_-]+$/.test(value.slice(1))) bytes = Buffer.from(value.slice(1), 'base64url');
  else if (value[0] === 'z') bytes = base58Decode(value.slice(1));
  if (!bytes || bytes.length < 2) return false;
  const length = MULTIHASH_LENGTHS.get(bytes[0] as number);
  return length !== undefined && bytes[1] === length && bytes.length === length + 2;
}

function base58Decode(text: string): Uint8Array | null {
  let n = 0n;
  for (const c of text) {
    const digit = BASE58_ALPHABET.indexOf(c);
    if (digit === -1) return null;
    n = n * 58n + BigInt(digit);
  }
  const bytes: number[] = [];
  while (n > 0n) {
    bytes.unshift(Number(n % 256n));
    n /= 256n;
  }
  for (const c of text) {
    if (c !== '1') break;
    bytes.unshift(0);
  }
  return Uint8Array.from(bytes);
}

/** The SRI value (`sha256-…`) of some bytes: what an issuer writes as a related resource's digestSRI. */
export function sriDigest(bytes: Uint8Array, algorithm: 'sha256' | 'sha384' | 'sha512' = 'sha256'): string {
  return `${algorithm}-${createHash(algorithm).update(bytes).digest('base64')}`;
}

function typed(entry: Json, field: string, section: string, fail: (field: string, rule: string) => void): void {
  if (typeList(entry.type) === null || (typeList(entry.type) as string[]).length === 0) {
    fail(`${field}.type`, `is required: a string or an array of strings (VCDM 2.0 ${section})`);
  }
}

// A value that is one object or an array of objects; non-objects are reported and skipped.
function objectsOf(
  value: unknown,
  name: string,
  section: string,
  fail: (field: string, rule: string) => void,
): [Json, string][] {
  const items = Array.isArray(value) ? value : [value];
  if (Array.isArray(value) && value.length === 0) fail(name, `must hold at least one object (VCDM 2.0 ${section})`);
  const out: [Json, string][] = [];
  items.forEach((item, i) => {
    const field = Array.isArray(value) ? `${name}[${i}]` : name;
    if (isJson(item)) out.push([item, field]);
    else fail(field, `must be an object (VCDM 2.0 ${section}), got ${describeValue(item)}`);
  });
  return out;
}

function typeList(value: unknown): string[] | null {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((t) => typeof t === 'string')) return value as string[];
  return null;
}

// XML Schema 1.1 dateTimeStamp: a dateTime with a mandatory timezone (VCDM 2.0 §4.9 "dateTimeStamp").
const DATE_TIME_STAMP = /^-?\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

function isDateTimeStamp(value: unknown): boolean {
  return typeof value === 'string' && DATE_TIME_STAMP.test(value) && !Number.isNaN(Date.parse(value));
}

function dateOf(value: unknown): number | undefined {
  if (!isDateTimeStamp(value)) return undefined;
  return Date.parse(value as string);
}

function isJson(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
