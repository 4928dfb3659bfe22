/**
 * BitstringStatusListCredential records (DESIGN.md, Records §3): a W3C VC 2.0 credential carrying a
 * status list, exactly as the Bitstring Status List v1.0 Recommendation §2.2 defines it
 * (https://www.w3.org/TR/vc-bitstring-status-list/#bitstringstatuslistcredential).
 *
 * This module checks shape and content only; the proof is verified by the validation pipeline, last
 * (CONVENTIONS.md: cheap checks first). The rules run cheapest first and the `encodedList` is inflated
 * last, under the decompression cap of {@link InputLimits}.
 *
 * Error codes (every one `reject`: the record is malformed, whoever relays it):
 * - `MALFORMED_VALUE_ERROR` — Recommendation §3: a property of §2 (or of the VC Data Model 2.0 it
 *   builds on) "whose value is malformed due to not complying with associated MUST statements".
 * - `STATUS_LIST_FIELD_MISSING` — a field trustmesh requires although the specifications leave it
 *   optional: `id` (the store keys lists by it and entries point to it), `validFrom` (version order
 *   per list, DESIGN.md Records §3) and `proof` (records are self-authenticating, Principles §1).
 * - `STATUS_SIZE_UNSUPPORTED` — `credentialSubject.statusSize` above 8 (§1.3 allows a subset).
 * - `STATUS_LIST_BAD_MULTIBASE`, `STATUS_LIST_BAD_GZIP`, `STATUS_LIST_TOO_LARGE`,
 *   `STATUS_LIST_LENGTH_ERROR` — the `encodedList`, see `status-list/codec.ts`.
 * - `RECORD_TOO_DEEP` — nesting beyond `InputLimits.maxJsonDepth` (limits.ts).
 */
import { reject } from '../errors.ts';
import { assertValueDepth, DEFAULT_INPUT_LIMITS, type InputLimits, statusListEntryCap } from '../limits.ts';
import { checkStatusSize } from '../status-list/bitstring.ts';
import { checkEncodedList, decodeStatusList, decodeStatusListAsync } from '../status-list/codec.ts';
import { W3C_ERROR_CODES } from '../validation/codes.ts';
import { describeValue, isUrl, parseStatusMessage, type StatusMessage } from './status-entry.ts';

/**
 * Codes of the status list parser beside the specification's own ({@link W3C_ERROR_CODES}, and the
 * codec's for `encodedList`). Every one is `reject`.
 */
export const STATUS_LIST_CREDENTIAL_CODES = {
  /**
   * `reject` — a field trustmesh requires although the specifications leave it optional: `id`,
   * `validFrom` or `proof` (see the module documentation).
   */
  FIELD_MISSING: 'STATUS_LIST_FIELD_MISSING',
} as const;

/** The VC Data Model 2.0 base context, which also defines the Bitstring Status List terms. */
export const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
/** The credential type of a status list (§2.2). */
export const BITSTRING_STATUS_LIST_CREDENTIAL_TYPE = 'BitstringStatusListCredential';
/** The credential subject type of a status list (§2.2). */
export const BITSTRING_STATUS_LIST_TYPE = 'BitstringStatusList';

/** A parsed, validated BitstringStatusListCredential. Frozen, except `bits` (typed arrays cannot be). */
export interface StatusListCredential {
  /** The credential `id`: the URL entries name in `statusListCredential`, and the store's list key. */
  readonly id: string;
  /** The issuer's id, whether `issuer` was a string or an object with an `id`. */
  readonly issuer: string;
  /** `validFrom`, in ms since the epoch: the version order of a list (DESIGN.md, Records §3). */
  readonly validFrom: number;
  /** `validUntil`, in ms since the epoch, when present. */
  readonly validUntil?: number;
  /** `credentialSubject.id`, when present. */
  readonly subjectId?: string;
  /** `credentialSubject.statusPurpose` as a list (§2.2 allows one string or several). */
  readonly statusPurpose: readonly string[];
  /** Bits per entry: `credentialSubject.statusSize`, or 1 when absent. */
  readonly statusSize: number;
  /** `credentialSubject.statusMessage` (or `statusMessages`), when present. */
  readonly statusMessage?: readonly StatusMessage[];
  /** `credentialSubject.ttl` in milliseconds, when present (§2.2). */
  readonly ttl?: number;
  /** `credentialSubject.encodedList` as received. */
  readonly encodedList: string;
  /**
   * The uncompressed bitstring (MSB-first), inflated on first read (held lists stay compressed; see
   * {@link withBitsSource}). Do not mutate: shared with whoever holds this record. Admission inflates
   * it with {@link inflateStatusList} after the issuer and the proof are checked.
   */
  readonly bits: Uint8Array;
  /** The credential as received (not copied; callers must not mutate it), for proof checking and relaying. */
  readonly credential: Readonly<Record<string, unknown>>;
}

/**
 * Parses and checks a BitstringStatusListCredential.
 * @param value - The untrusted credential (already JSON-parsed, e.g. by `parseJsonBounded`).
 * @param limits - Input limits; `maxStatusListEntries` caps the decoded list, `maxJsonDepth` the nesting.
 * @returns The typed, frozen record.
 * @throws ValidationError naming the field and the rule; codes are listed in this module's documentation.
 */
export function parseStatusListCredential(
  value: unknown,
  limits: InputLimits = DEFAULT_INPUT_LIMITS,
): StatusListCredential {
  if (!isRecord(value)) {
    // [REJECT] VCDM 2.0 §4: a credential is a JSON object.
    throw reject(
      W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
      undefined,
      `a credential must be a JSON object, got ${describeValue(value)}`,
    );
  }
  assertValueDepth(value, limits.maxJsonDepth);

  checkContext(own(value, '@context'));
  checkTypes(own(value, 'type'));

  // [REJECT] VC DM 2.0 §4.4: "If present, the value of the id property MUST be a single URL". §2.2 makes it
  // optional (MAY); trustmesh requires it (see the module documentation).
  const id = own(value, 'id');
  if (id === undefined) {
    // [REJECT] docs/records.md Status list: trustmesh requires `id` (lists are stored and looked up by it).
    throw reject(
      STATUS_LIST_CREDENTIAL_CODES.FIELD_MISSING,
      'id',
      'is required: trustmesh stores and looks up status lists by their id',
    );
  }
  // [REJECT] VC DM 2.0 §4.4: `id` is a single URL.
  if (!isUrl(id))
    throw reject(
      W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
      'id',
      `must be a URL (VC Data Model 2.0 §4.4), got ${describeValue(id)}`,
    );

  const issuer = issuerId(own(value, 'issuer'));

  // [REJECT] Bitstring Status List §2.2 validFrom/validUntil are the VC DM 2.0 §4.9 validity period: "If present, the
  // value of the validFrom property MUST be an [XMLSCHEMA11-2] dateTimeStamp string value". Required here because the
  // store orders the versions of a list by it.
  const rawValidFrom = own(value, 'validFrom');
  if (rawValidFrom === undefined) {
    // [REJECT] DESIGN.md Records §3: trustmesh requires `validFrom` (it orders the versions of a list).
    throw reject(
      STATUS_LIST_CREDENTIAL_CODES.FIELD_MISSING,
      'validFrom',
      'is required: it orders the versions of a status list',
    );
  }
  const validFrom = parseDateTimeStamp(rawValidFrom, 'validFrom');
  const rawValidUntil = own(value, 'validUntil');
  const validUntil = rawValidUntil === undefined ? undefined : parseDateTimeStamp(rawValidUntil, 'validUntil');
  // [REJECT] VC DM 2.0 §4.9: "If a validUntil value also exists, the validFrom value MUST express a datetime
  // that is temporally the same or earlier than the datetime expressed by the validUntil value."
  if (validUntil !== undefined && validUntil < validFrom) {
    throw reject(
      W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
      'validUntil',
      'must not be earlier than validFrom (VC Data Model 2.0 §4.9)',
    );
  }

  const subject = own(value, 'credentialSubject');
  // [REJECT] Bitstring Status List §2.2: one list per credential; the subject is the list itself, so an
  // array is malformed.
  if (!isRecord(subject)) {
    throw reject(
      W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
      'credentialSubject',
      `must be a single object, the status list (Bitstring Status List §2.2), got ${describeValue(subject)}`,
    );
  }
  const subjectId = own(subject, 'id');
  if (subjectId !== undefined && !isUrl(subjectId)) {
    // [REJECT] VC DM 2.0 §4.4: a subject `id` is a URL.
    throw reject(
      W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
      'credentialSubject.id',
      `must be a URL (VC Data Model 2.0 §4.4), got ${describeValue(subjectId)}`,
    );
  }
  // [REJECT] Bitstring Status List §2.2 credentialSubject.type: "MUST be BitstringStatusList".
  const subjectType = own(subject, 'type');
  if (subjectType !== BITSTRING_STATUS_LIST_TYPE) {
    throw reject(
      W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
      'credentialSubject.type',
      `must be "${BITSTRING_STATUS_LIST_TYPE}" (Bitstring Status List §2.2), got ${describeValue(subjectType)}`,
    );
  }
  const statusPurpose = parsePurposes(own(subject, 'statusPurpose'));

  // [REJECT] Bitstring Status List §2.1/§2.2: statusSize and statusMessage belong to the entry in §2.1, but §2.2 (the
  // `message` purpose) also names credentialSubject.statusSize and credentialSubject.statusMessages. Note that the VC
  // 2.0 context defines neither term inside BitstringStatusList, so a Data Integrity proof over them needs an extra
  // context. Read with the §2.1 rules; absent means 1 (§2.1: "MUST be processed as 1").
  const rawSize = own(subject, 'statusSize');
  const statusSize = rawSize === undefined ? 1 : checkStatusSize(rawSize, 'credentialSubject.statusSize');
  const statusMessage = parseListMessages(subject, statusSize);
  // [REJECT] Bitstring Status List §2.2 `message` purpose: "The status message descriptions MUST be defined in
  // credentialSubject.statusMessages. credentialSubject.statusSize MUST be specified when this
  // statusPurpose value is used."
  if (statusPurpose.includes('message')) {
    if (rawSize === undefined) {
      // [REJECT] Bitstring Status List §2.2: the `message` purpose needs statusSize.
      throw reject(
        W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
        'credentialSubject.statusSize',
        'is required when statusPurpose includes "message" (Bitstring Status List §2.2)',
      );
    }
    if (statusMessage === undefined) {
      // [REJECT] Bitstring Status List §2.2: the `message` purpose needs statusMessages.
      throw reject(
        W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
        'credentialSubject.statusMessages',
        'is required when statusPurpose includes "message" (Bitstring Status List §2.2)',
      );
    }
  }

  // [REJECT] Bitstring Status List §2.2 credentialSubject.ttl: "time to live" in milliseconds.
  const ttl = own(subject, 'ttl');
  if (ttl !== undefined && (typeof ttl !== 'number' || !Number.isSafeInteger(ttl) || ttl < 0)) {
    throw reject(
      W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
      'credentialSubject.ttl',
      `must be a non-negative integer number of milliseconds (Bitstring Status List §2.2), got ${describeValue(ttl)}`,
    );
  }

  checkProofShape(own(value, 'proof'));

  // [REJECT] Bounded work per unauthenticated byte (issue 11): every check of the encoded list that
  // needs no inflation runs now; inflating — the costly step, up to the decoded-bits cap — waits
  // until the issuer and its proof are checked (inflateStatusList), or until the bits are first read.
  const encodedList = own(subject, 'encodedList');
  const decodeOptions = { maxEntries: statusListEntryCap(limits, statusSize), statusSize };
  checkEncodedList(encodedList, decodeOptions);
  const parsed = {
    id,
    issuer,
    validFrom,
    ...(validUntil === undefined ? {} : { validUntil }),
    ...(subjectId === undefined ? {} : { subjectId }),
    statusPurpose,
    statusSize,
    ...(statusMessage === undefined ? {} : { statusMessage }),
    ...(ttl === undefined ? {} : { ttl }),
    encodedList: encodedList as string,
    credential: value,
  };
  return withBitsSource(
    parsed as Omit<StatusListCredential, 'bits'>,
    memoised(() => decodeStatusList(encodedList, decodeOptions)),
  );
}

/** Where a parsed list's bits come from: a function called on each read of `bits`. */
export type BitsSource = () => Uint8Array;

/** A source that inflates once and keeps the result (a list not held by a registry). */
function memoised(decode: BitsSource): BitsSource {
  let bits: Uint8Array | undefined;
  return () => {
    bits ??= decode();
    return bits;
  };
}

/**
 * The same parsed list with its bits read from `source`: a registry gives the lists it holds a
 * source backed by its bounded cache of inflated lists, so held lists stay compressed in memory.
 */
export function withBitsSource(
  list: Omit<StatusListCredential, 'bits'> | StatusListCredential,
  source: BitsSource,
): StatusListCredential {
  // Copy the fields without reading `bits` (reading it would inflate the list).
  const descriptors = Object.getOwnPropertyDescriptors(list) as PropertyDescriptorMap;
  delete descriptors.bits;
  descriptors.bits = { get: source, enumerable: true, configurable: false };
  return Object.freeze(Object.defineProperties({}, descriptors) as StatusListCredential);
}

/**
 * Inflates a parsed list off the event loop (zlib's thread pool), under the decoded-bits cap, and
 * returns it with those bits: what admission does once the issuer and the proof are checked.
 * @throws ValidationError (STATUS_LIST_TOO_LARGE, STATUS_LIST_BAD_GZIP, STATUS_LIST_LENGTH_ERROR).
 */
export async function inflateStatusList(
  list: StatusListCredential,
  limits: InputLimits = DEFAULT_INPUT_LIMITS,
): Promise<StatusListCredential> {
  const bits = await decodeStatusListAsync(list.encodedList, {
    maxEntries: statusListEntryCap(limits, list.statusSize),
    statusSize: list.statusSize,
  });
  return withBitsSource(list, () => bits);
}

/** A JSON object: not null, not an array. */
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An own property only, so inherited names never count as fields. */
function own(obj: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/**
 * VC DM 2.0 §4.3: "The value of the @context property MUST be an ordered set where the first item is a
 * URL with the value https://www.w3.org/ns/credentials/v2." The Bitstring Status List terms are defined
 * in that context, so no status-list context (such as the 2021 one for VC 1.1) is needed or accepted.
 */
function checkContext(context: unknown): void {
  if (!Array.isArray(context) || context.length === 0) {
    // [REJECT] VC DM 2.0 §4.3: @context is an ordered set.
    throw reject(
      W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
      '@context',
      `must be an array whose first item is "${VC_V2_CONTEXT}" (VC Data Model 2.0 §4.3), got ${describeValue(context)}`,
    );
  }
  if (context[0] !== VC_V2_CONTEXT) {
    // [REJECT] VC DM 2.0 §4.3: the first context is the v2 one.
    throw reject(
      W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
      '@context[0]',
      `must be "${VC_V2_CONTEXT}" (VC Data Model 2.0 §4.3), got ${describeValue(context[0])}`,
    );
  }
  context.forEach((item: unknown, i) => {
    // [REJECT] JSON-LD 1.1 §9.15: each context is a URL string or a context definition object.
    if (typeof item !== 'string' && !isRecord(item)) {
      throw reject(
        W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
        `@context[${i}]`,
        `must be a URL or an object (JSON-LD 1.1), got ${describeValue(item)}`,
      );
    }
  });
}

/**
 * VC DM 2.0 §4.5 requires `VerifiableCredential`; §2.2: the type "MUST ... include the
 * BitstringStatusListCredential value". Needing two values, it must be an array of strings.
 */
function checkTypes(type: unknown): void {
  if (!Array.isArray(type) || !type.every((t) => typeof t === 'string')) {
    // [REJECT] VC DM 2.0 §4.5: `type` lists VerifiableCredential and BitstringStatusListCredential.
    throw reject(
      W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
      'type',
      `must be an array of strings including "VerifiableCredential" and "${BITSTRING_STATUS_LIST_CREDENTIAL_TYPE}", got ${describeValue(type)}`,
    );
  }
  for (const required of ['VerifiableCredential', BITSTRING_STATUS_LIST_CREDENTIAL_TYPE]) {
    if (!type.includes(required)) {
      // [REJECT] Bitstring Status List §2.2: type includes BitstringStatusListCredential (and VerifiableCredential).
      throw reject(
        W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
        'type',
        `must include "${required}" (Bitstring Status List §2.2, VC Data Model 2.0 §4.5)`,
      );
    }
  }
}

/** VC DM 2.0 §4.7: issuer "MUST be either a URL, or an object containing an id property whose value is a URL". */
function issuerId(issuer: unknown): string {
  if (isRecord(issuer)) {
    const id = own(issuer, 'id');
    // [REJECT] VC DM 2.0 §4.7: an issuer object's id is a URL.
    if (!isUrl(id))
      throw reject(
        W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
        'issuer.id',
        `must be a URL (VC Data Model 2.0 §4.7), got ${describeValue(id)}`,
      );
    return id;
  }
  if (!isUrl(issuer)) {
    // [REJECT] VC DM 2.0 §4.7: the issuer is a URL or an object with a URL id.
    throw reject(
      W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
      'issuer',
      `is required: a URL or an object with a URL id (VC Data Model 2.0 §4.7), got ${describeValue(issuer)}`,
    );
  }
  return issuer;
}

/** §2.2 credentialSubject.statusPurpose: "MUST be one or more strings". */
function parsePurposes(value: unknown): readonly string[] {
  if (typeof value === 'string') return Object.freeze([value]);
  if (Array.isArray(value) && value.length > 0 && value.every((p) => typeof p === 'string')) {
    return Object.freeze([...(value as string[])]);
  }
  // [REJECT] Bitstring Status List §2.2: statusPurpose is one or more strings.
  throw reject(
    W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
    'credentialSubject.statusPurpose',
    `must be a string or a non-empty array of strings (Bitstring Status List §2.2), got ${describeValue(value)}`,
  );
}

/**
 * The list's status messages: `statusMessage` (the §2.1 term) or `statusMessages` (the §2.2 spelling),
 * never both. Required when statusSize > 1 (§2.1: "MUST be present if statusSize is greater than 1").
 */
function parseListMessages(subject: Record<string, unknown>, statusSize: number): readonly StatusMessage[] | undefined {
  const singular = own(subject, 'statusMessage');
  const plural = own(subject, 'statusMessages');
  if (singular !== undefined && plural !== undefined) {
    // [REJECT] Bitstring Status List §2.1/§2.2: one spelling of the messages, not both.
    throw reject(
      W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
      'credentialSubject.statusMessages',
      'must not be given together with credentialSubject.statusMessage: the two would be ambiguous',
    );
  }
  const [raw, field] =
    plural === undefined ? [singular, 'credentialSubject.statusMessage'] : [plural, 'credentialSubject.statusMessages'];
  if (raw === undefined) {
    if (statusSize > 1) {
      // [REJECT] Bitstring Status List §2.1: statusMessage MUST be present when statusSize > 1.
      throw reject(
        W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
        'credentialSubject.statusMessage',
        `is required when statusSize is greater than 1 (Bitstring Status List §2.1); statusSize is ${statusSize}`,
      );
    }
    return undefined;
  }
  return parseStatusMessage(raw, statusSize, field);
}

/**
 * VC Data Integrity 1.0 §2.1: a proof is an object with a `type`; `proof` may hold one or a set of
 * them. Only the shape is checked here; signatures are verified by the validation pipeline.
 */
function checkProofShape(proof: unknown): void {
  if (proof === undefined) {
    // [REJECT] DESIGN.md Principles §1: records are self-authenticating, so a proof is required.
    throw reject(
      STATUS_LIST_CREDENTIAL_CODES.FIELD_MISSING,
      'proof',
      'is required: status lists are relayed only as signed records',
    );
  }
  const proofs = Array.isArray(proof) ? proof : [proof];
  // [REJECT] VC Data Integrity 1.0 §2.1: a proof set holds at least one proof.
  if (proofs.length === 0) throw reject(W3C_ERROR_CODES.MALFORMED_VALUE_ERROR, 'proof', 'must not be an empty array');
  proofs.forEach((item: unknown, i) => {
    const field = Array.isArray(proof) ? `proof[${i}]` : 'proof';
    if (!isRecord(item)) {
      // [REJECT] VC Data Integrity 1.0 §2.1: a proof is an object.
      throw reject(
        W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
        field,
        `must be an object (VC Data Integrity 1.0 §2.1), got ${describeValue(item)}`,
      );
    }
    const type = own(item, 'type');
    if (typeof type !== 'string' || type.length === 0) {
      // [REJECT] VC Data Integrity 1.0 §2.1: a proof has a type.
      throw reject(
        W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
        `${field}.type`,
        `must be a non-empty string (VC Data Integrity 1.0 §2.1), got ${describeValue(type)}`,
      );
    }
  });
}

// XML Schema 1.1 Part 2 §3.4.28 dateTimeStamp: a dateTime whose time zone is mandatory.
const DATE_TIME_STAMP =
  /^(-?(?:[1-9][0-9]{4,}|[0-9]{4}))-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?(Z|[+-][0-9]{2}:[0-9]{2})$/;

/**
 * Parses an XML Schema dateTimeStamp (VC DM 2.0 §4.9) to ms since the epoch, checking the calendar
 * (month lengths, leap years), `24:00:00` as the end of a day, and time zones within ±14:00. Digits
 * beyond milliseconds are truncated.
 */
function parseDateTimeStamp(value: unknown, field: string): number {
  const match = typeof value === 'string' ? DATE_TIME_STAMP.exec(value) : null;
  // [REJECT] VC DM 2.0 §4.9: validFrom/validUntil are XML Schema dateTimeStamps (every failure below).
  const bad = (why: string) =>
    reject(
      W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
      field,
      `must be an XML Schema dateTimeStamp such as "2025-05-15T00:00:00Z" (VC Data Model 2.0 §4.9): ${why}, got ${describeValue(value)}`,
    );
  if (!match) throw bad('not of the form YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm)');
  const [, yearText, monthText, dayText, hourText, minuteText, secondText, fraction = '', zone] = match;
  const year = Number(yearText);
  const month = Number(monthText);
  const day = Number(dayText);
  const hour = Number(hourText);
  const minute = Number(minuteText);
  const second = Number(secondText);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (monthDays === undefined || day < 1 || day > monthDays) throw bad('no such calendar date');
  const endOfDay = hour === 24 && minute === 0 && second === 0 && /^0*$/.test(fraction);
  if ((hour > 23 && !endOfDay) || minute > 59 || second > 59) throw bad('no such time of day');
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== undefined) {
    const zoneHours = Number(zone.slice(1, 3));
    const zoneMinutes = Number(zone.slice(4, 6));
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (zoneHours * 60 + zoneMinutes);
    if (zoneMinutes > 59 || Math.abs(offsetMinutes) > 14 * 60) throw bad('time zone outside -14:00..+14:00');
  }
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0..99 to 1900..1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, Number(`${fraction}00`.slice(0, 3)));
  const ms = date.getTime() - offsetMinutes * 60_000;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) throw bad('outside the representable range of dates');
  return ms;
}
