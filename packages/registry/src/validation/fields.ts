/**
 * Small field readers for untrusted JSON. Each failure is a `reject` ValidationError whose message
 * names the field path and the rule it broke, so every bad input gets a precise answer.
 */
import { reject } from '../errors.ts';

/** A JSON object (not an array, not null). */
export type JsonObject = Record<string, unknown>;

/** True for a plain JSON object. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Requires `value` to be an object; `code` names the record kind's field error. */
export function requireObject(value: unknown, path: string, code: string): JsonObject {
  // [REJECT] the record kind's schema: this member is an object.
  if (!isObject(value)) throw reject(code, path || undefined, `must be a JSON object, got ${describe(value)}`);
  return value;
}

/**
 * Requires every member of `obj` to be one of `allowed` (reject `code`, naming the first stranger).
 * A member outside the parsed form is outside what was signed (governance signs the parsed record),
 * so a relay could add one to a held record and have it stored and served — or call the variant
 * "equivocation". Rejecting strangers keeps what is served exactly what was signed (issue 9).
 */
export function requireKnownMembers(obj: JsonObject, allowed: readonly string[], path: string, code: string): void {
  for (const key of Object.keys(obj)) {
    // [REJECT] every level of every record: no members outside the record kind's schema.
    if (!allowed.includes(key)) throw reject(code, join(path, key), 'is not a member this record kind defines');
  }
}

/** Requires a non-empty string of at most `maxLength` characters. */
export function requireString(obj: JsonObject, key: string, path: string, code: string, maxLength = 2048): string {
  const value = obj[key];
  const field = join(path, key);
  // [REJECT] the record kind's schema: a required, non-empty string, bounded in length.
  if (value === undefined) throw reject(code, field, 'is required');
  if (typeof value !== 'string') throw reject(code, field, `must be a string, got ${describe(value)}`);
  if (value.length === 0) throw reject(code, field, 'must not be empty');
  if (value.length > maxLength) throw reject(code, field, `must be at most ${maxLength} characters`);
  return value;
}

/** Like requireString, but returns undefined when the field is absent. */
export function optionalString(obj: JsonObject, key: string, path: string, code: string, maxLength = 2048) {
  return obj[key] === undefined ? undefined : requireString(obj, key, path, code, maxLength);
}

/** Requires an integer within [min, max]. */
export function requireInteger(obj: JsonObject, key: string, path: string, code: string, min: number, max: number) {
  const value = obj[key];
  const field = join(path, key);
  // [REJECT] the record kind's schema: a required safe integer within [min, max].
  if (value === undefined) throw reject(code, field, 'is required');
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw reject(code, field, `must be an integer, got ${describe(value)}`);
  }
  if (value < min || value > max) throw reject(code, field, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** Requires an array of length within [minItems, maxItems]. */
export function requireArray(
  obj: JsonObject,
  key: string,
  path: string,
  code: string,
  minItems: number,
  maxItems: number,
) {
  const value = obj[key];
  const field = join(path, key);
  // [REJECT] the record kind's schema: a required array of [minItems, maxItems] items.
  if (value === undefined) throw reject(code, field, 'is required');
  if (!Array.isArray(value)) throw reject(code, field, `must be an array, got ${describe(value)}`);
  if (value.length < minItems) throw reject(code, field, `must have at least ${minItems} item(s)`);
  if (value.length > maxItems) throw reject(code, field, `must have at most ${maxItems} items`);
  return value as unknown[];
}

// XML Schema dateTime with a mandatory time zone, as VC 2.0 requires for validFrom/validUntil
// (https://www.w3.org/TR/vc-data-model-2.0/#validity-period).
const DATE_TIME = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Requires an XML Schema dateTime string with a time zone; returns milliseconds since the epoch. */
export function requireDateTime(obj: JsonObject, key: string, path: string, code: string): number {
  const text = requireString(obj, key, path, code, 64);
  const ms = Date.parse(text);
  if (!DATE_TIME.test(text) || Number.isNaN(ms)) {
    // [REJECT] VCDM 2.0 §4.9: an XML Schema dateTimeStamp (time zone required).
    throw reject(code, join(path, key), `must be an XML Schema dateTime with a time zone, got "${text}"`);
  }
  return ms;
}

/** Like requireDateTime, but returns undefined when the field is absent. */
export function optionalDateTime(obj: JsonObject, key: string, path: string, code: string): number | undefined {
  return obj[key] === undefined ? undefined : requireDateTime(obj, key, path, code);
}

/** Requires a DID (did:method:specific-id), per https://www.w3.org/TR/did-core/#did-syntax. */
export function requireDid(obj: JsonObject, key: string, path: string, code: string): string {
  const value = requireString(obj, key, path, code);
  if (!/^did:[a-z0-9]+:[A-Za-z0-9._:%-]*[A-Za-z0-9._%-]$/.test(value)) {
    // [REJECT] DID Core §3.1: DID syntax.
    throw reject(code, join(path, key), `must be a DID (did:<method>:<id>), got "${value.slice(0, 80)}"`);
  }
  return value;
}

/** The `type` of a credential as an array, whether given as a string or an array of strings. */
export function typesOf(obj: JsonObject, path: string, code: string): string[] {
  const value = obj.type;
  const field = join(path, 'type');
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.length > 0 && value.length <= 16 && value.every((t) => typeof t === 'string')) {
    return value as string[];
  }
  // [REJECT] VCDM 2.0 §4.5: `type` is a string or a list of strings (at most 16 here).
  throw reject(code, field, 'must be a string or a non-empty array of at most 16 strings');
}

/** The issuer id of a credential whose issuer is a string or an object with an id. */
export function issuerIdOf(credential: JsonObject, code: string): string {
  const issuer = credential.issuer;
  if (isObject(issuer)) return requireDid(issuer, 'id', 'issuer', code);
  return requireDid(credential, 'issuer', '', code);
}

/** Joins a JSON path and a key. */
export function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
