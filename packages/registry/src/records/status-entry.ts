/**
 * `credentialStatus` entries of a credential being verified: the BitstringStatusListEntry of the
 * Bitstring Status List v1.0 Recommendation §2.1 (https://www.w3.org/TR/vc-bitstring-status-list/).
 *
 * Error codes (all `reject`; verification turns them into a failed status check, not a crash):
 * - `MALFORMED_VALUE_ERROR` — §3: "If an implementation ... processes a property defined in Section 2
 *   whose value is malformed due to not complying with associated MUST statements, a
 *   MALFORMED_VALUE_ERROR MUST be raised." Raised for every §2.1 rule below, and for a
 *   `credentialStatus` that is not an object or an array of objects with a `type` (VC Data Model 2.0
 *   §4.10: each status entry "MUST specify ... type").
 * - `STATUS_SIZE_UNSUPPORTED` — `statusSize` above 8 (§1.3 lets processors support a subset).
 *
 * Entries of other types (e.g. `StatusList2021Entry`) are not errors: the VC Data Model allows any
 * status mechanism, so they come back as {@link UnsupportedStatusEntry} and the verifier decides —
 * it fails closed ("not verified: unsupported status type") rather than silently skipping them.
 */
import { reject } from '../errors.ts';
import { checkStatusSize } from '../status-list/bitstring.ts';
import { W3C_ERROR_CODES } from '../validation/codes.ts';

/** The `type` of a Bitstring Status List entry (§2.1: "The type property MUST be BitstringStatusListEntry"). */
export const BITSTRING_STATUS_LIST_ENTRY_TYPE = 'BitstringStatusListEntry';

/** One element of a `statusMessage` array (§2.1). */
export interface StatusMessage {
  /** The status as written: hexadecimal prefixed with `0x`, e.g. `"0x2"`. */
  readonly status: string;
  /** The status value `status` denotes. */
  readonly value: number;
  /** Developer-facing message (§2.1: "SHOULD NOT be displayed to end users"). */
  readonly message: string;
}

/** A validated BitstringStatusListEntry (§2.1). */
export interface BitstringStatusListEntry {
  /** Discriminant. */
  readonly type: typeof BITSTRING_STATUS_LIST_ENTRY_TYPE;
  /** JSON path of the entry in the credential, e.g. `credentialStatus[1]`, for error messages. */
  readonly field: string;
  /** Optional id of the entry; never the status list URL. */
  readonly id?: string;
  /** Purpose, matched against the list's `statusPurpose` values (§3.2 step 5). */
  readonly statusPurpose: string;
  /**
   * Entry index. The Recommendation allows an arbitrarily large integer; one above
   * `Number.MAX_SAFE_INTEGER` is kept as an unsafe number and later raises RANGE_ERROR, since no list
   * this implementation accepts can be that long.
   */
  readonly statusListIndex: number;
  /** URL of the BitstringStatusListCredential. */
  readonly statusListCredential: string;
  /** Bits per entry; 1 when absent (§2.1: "MUST be processed as 1"). */
  readonly statusSize: number;
  /** Messages for each possible status value; present whenever `statusSize` > 1. */
  readonly statusMessage?: readonly StatusMessage[];
  /** URLs of material related to the status (§2.1 `statusReference`). */
  readonly statusReference?: readonly string[];
}

/** A `credentialStatus` entry of a type this implementation does not process. */
export interface UnsupportedStatusEntry {
  /** The entry's type value(s). */
  readonly unsupported: readonly string[];
  /** JSON path of the entry in the credential. */
  readonly field: string;
}

/** One parsed `credentialStatus` entry. */
export type StatusEntry = BitstringStatusListEntry | UnsupportedStatusEntry;

/**
 * Narrows a parsed entry to a BitstringStatusListEntry.
 * @param entry - An element returned by {@link parseStatusEntries}.
 */
export function isBitstringStatusListEntry(entry: StatusEntry): entry is BitstringStatusListEntry {
  return !('unsupported' in entry);
}

/**
 * Parses the `credentialStatus` of a credential (an object or an array of objects; absent means no
 * status). Checks every §2.1 rule of each BitstringStatusListEntry.
 * @param credential - The untrusted credential.
 * @returns The entries in document order, frozen; empty when the credential has no `credentialStatus`.
 * @throws ValidationError `MALFORMED_VALUE_ERROR` naming the field path (e.g.
 *   `credentialStatus[1].statusListIndex`), or `STATUS_SIZE_UNSUPPORTED`.
 */
export function parseStatusEntries(credential: unknown): readonly StatusEntry[] {
  if (!isRecord(credential)) {
    // [REJECT] VCDM 2.0 §4: a credential is a JSON object.
    throw reject(
      W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
      undefined,
      `a credential must be a JSON object, got ${describeValue(credential)}`,
    );
  }
  const status = own(credential, 'credentialStatus');
  if (status === undefined) return Object.freeze([]);
  if (Array.isArray(status))
    return Object.freeze(status.map((entry, i) => parseEntry(entry, `credentialStatus[${i}]`)));
  if (isRecord(status)) return Object.freeze([parseEntry(status, 'credentialStatus')]);
  // [REJECT] VCDM 2.0 §4.10: credentialStatus is an object or an array of objects.
  throw reject(
    W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
    'credentialStatus',
    `must be an object or an array of objects (VC Data Model 2.0 §4.10), got ${describeValue(status)}`,
  );
}

/**
 * Validates a `statusMessage` array against `statusSize` (§2.1): an array of exactly 2^statusSize
 * objects, each with a `status` string (hexadecimal prefixed with `0x`) and a `message` string.
 * Because "the number of status messages MUST equal the number of possible values", each possible
 * value 0 .. 2^statusSize - 1 must appear exactly once; a duplicate or out-of-range status is refused.
 * @param value - The untrusted `statusMessage` value.
 * @param statusSize - The validated entry width.
 * @param field - JSON path of the array, named in errors.
 * @throws ValidationError `MALFORMED_VALUE_ERROR`.
 */
export function parseStatusMessage(value: unknown, statusSize: number, field: string): readonly StatusMessage[] {
  const possible = 2 ** statusSize;
  if (!Array.isArray(value)) {
    // [REJECT] Bitstring Status List §2.1 statusMessage: an array.
    throw reject(
      W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
      field,
      `must be an array (Bitstring Status List §2.1), got ${describeValue(value)}`,
    );
  }
  if (value.length !== possible) {
    // [REJECT] Bitstring Status List §2.1: "the number of status messages MUST equal the number of possible values".
    throw reject(
      W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
      field,
      `must have ${possible} elements, one per possible value of a ${statusSize}-bit status (Bitstring Status List §2.1), got ${value.length}`,
    );
  }
  const seen = new Set<number>();
  const messages = value.map((item: unknown, i): StatusMessage => {
    const itemField = `${field}[${i}]`;
    if (!isRecord(item)) {
      // [REJECT] Bitstring Status List §2.1: each message is an object with status and message.
      throw reject(
        W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
        itemField,
        `must be an object with "status" and "message", got ${describeValue(item)}`,
      );
    }
    const status = own(item, 'status');
    if (typeof status !== 'string' || !/^0x[0-9a-fA-F]+$/.test(status)) {
      // [REJECT] Bitstring Status List §2.1: status is a hexadecimal string prefixed with 0x.
      throw reject(
        W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
        `${itemField}.status`,
        `must be a hexadecimal string prefixed with 0x, e.g. "0x1" (Bitstring Status List §2.1), got ${describeValue(status)}`,
      );
    }
    const statusValue = Number.parseInt(status.slice(2), 16);
    if (statusValue >= possible) {
      // [REJECT] Bitstring Status List §2.1: one message per possible value, so no value beyond 2^statusSize − 1.
      throw reject(
        W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
        `${itemField}.status`,
        `${status} does not fit in ${statusSize} bit(s)`,
      );
    }
    if (seen.has(statusValue)) {
      // [REJECT] Bitstring Status List §2.1: one message per possible value, so none twice.
      throw reject(
        W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
        `${itemField}.status`,
        `${status} appears twice; each possible value needs one message`,
      );
    }
    seen.add(statusValue);
    const message = own(item, 'message');
    if (typeof message !== 'string') {
      // [REJECT] Bitstring Status List §2.1: message is a string.
      throw reject(
        W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
        `${itemField}.message`,
        `must be a string (Bitstring Status List §2.1), got ${describeValue(message)}`,
      );
    }
    return Object.freeze({ status, value: statusValue, message });
  });
  return Object.freeze(messages);
}

/**
 * True for an absolute URL without whitespace or control characters (the VC Data Model's "URL" for
 * `id`, `issuer` and `statusListCredential`; DIDs and URNs qualify).
 * @param value - The untrusted value.
 */
export function isUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  // URL.canParse alone would accept and silently strip or escape whitespace and control characters.
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return false;
  }
  return URL.canParse(value);
}

/**
 * Short description of an untrusted value for error messages. Never serialises the value, so it
 * cannot throw (BigInt, cycles) nor echo large input.
 * @param value - Any value.
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `"${value.length > 60 ? `${value.slice(0, 60)}…` : value}"`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

/** A JSON object: not null, not an array. */
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An own property only, so inherited names (`constructor`, `toString`) never count as fields. */
function own(obj: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

// §2.1 statusListIndex: "an arbitrary size integer greater than or equal to 0, expressed as a string
// in base 10".
const BASE10_INTEGER = /^[0-9]+$/;

function parseEntry(entry: unknown, field: string): StatusEntry {
  if (!isRecord(entry)) {
    // [REJECT] VCDM 2.0 §4.10: each status entry is an object.
    throw reject(
      W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
      field,
      `must be an object (VC Data Model 2.0 §4.10), got ${describeValue(entry)}`,
    );
  }
  const type = own(entry, 'type');
  if (typeof type === 'string') {
    if (type !== BITSTRING_STATUS_LIST_ENTRY_TYPE) return Object.freeze({ unsupported: Object.freeze([type]), field });
  } else if (Array.isArray(type) && type.length > 0 && type.every((t) => typeof t === 'string')) {
    // [REJECT] Bitstring Status List §2.1: "The type property MUST be BitstringStatusListEntry" — the value itself,
    // so an array that merely includes it is malformed rather than a different mechanism.
    if (type.includes(BITSTRING_STATUS_LIST_ENTRY_TYPE)) {
      throw reject(
        W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
        `${field}.type`,
        `must be the string "${BITSTRING_STATUS_LIST_ENTRY_TYPE}", not an array`,
      );
    }
    return Object.freeze({ unsupported: Object.freeze([...(type as string[])]), field });
  } else {
    // [REJECT] VCDM 2.0 §4.10: each status entry has a type.
    throw reject(
      W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
      `${field}.type`,
      `is required: a string or a non-empty array of strings (VC Data Model 2.0 §4.10), got ${describeValue(type)}`,
    );
  }

  // [REJECT] Bitstring Status List §2.1 statusPurpose: "MUST be a string".
  const statusPurpose = own(entry, 'statusPurpose');
  if (typeof statusPurpose !== 'string') {
    throw reject(
      W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
      `${field}.statusPurpose`,
      `must be a string (Bitstring Status List §2.1), got ${describeValue(statusPurpose)}`,
    );
  }

  const rawIndex = own(entry, 'statusListIndex');
  if (typeof rawIndex !== 'string' || !BASE10_INTEGER.test(rawIndex)) {
    // [REJECT] Bitstring Status List §2.1 statusListIndex: a base-10 string of a non-negative integer.
    throw reject(
      W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
      `${field}.statusListIndex`,
      `must be a non-negative integer expressed as a base-10 string, e.g. "94567" (Bitstring Status List §2.1), got ${describeValue(rawIndex)}`,
    );
  }

  // [REJECT] Bitstring Status List §2.1 statusListCredential: "MUST be a URL to a verifiable credential".
  const statusListCredential = own(entry, 'statusListCredential');
  if (!isUrl(statusListCredential)) {
    throw reject(
      W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
      `${field}.statusListCredential`,
      `must be a URL (Bitstring Status List §2.1), got ${describeValue(statusListCredential)}`,
    );
  }

  // [REJECT] Bitstring Status List §2.1 id: optional; "It MUST NOT be the URL for the status list."
  const id = own(entry, 'id');
  if (id !== undefined) {
    if (!isUrl(id)) {
      // [REJECT] VCDM 2.0 §4.4: an id is a URL.
      throw reject(
        W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
        `${field}.id`,
        `must be a URL (VC Data Model 2.0 §4.4), got ${describeValue(id)}`,
      );
    }
    if (id === statusListCredential) {
      // [REJECT] Bitstring Status List §2.1 id: "It MUST NOT be the URL for the status list."
      throw reject(
        W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
        `${field}.id`,
        'must not be the URL of the status list (Bitstring Status List §2.1)',
      );
    }
  }

  // [REJECT] Bitstring Status List §2.1 statusSize: "If statusSize is not present ..., then statusSize MUST be
  // processed as 1. If present, statusSize MUST be an integer greater than zero."
  const rawSize = own(entry, 'statusSize');
  const statusSize = rawSize === undefined ? 1 : checkStatusSize(rawSize, `${field}.statusSize`);

  // [REJECT] Bitstring Status List §2.1 statusMessage: "MAY be present if statusSize is 1, and MUST be present if
  // statusSize is greater than 1."
  const rawMessages = own(entry, 'statusMessage');
  if (rawMessages === undefined && statusSize > 1) {
    throw reject(
      W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
      `${field}.statusMessage`,
      `is required when statusSize is greater than 1 (Bitstring Status List §2.1); statusSize is ${statusSize}`,
    );
  }
  const statusMessage =
    rawMessages === undefined ? undefined : parseStatusMessage(rawMessages, statusSize, `${field}.statusMessage`);

  // [REJECT] Bitstring Status List §2.1 statusReference: "If present, its value MUST be a URL or an array of URLs".
  const rawReference = own(entry, 'statusReference');
  let statusReference: readonly string[] | undefined;
  if (rawReference !== undefined) {
    const references = Array.isArray(rawReference) ? rawReference : [rawReference];
    references.forEach((reference, i) => {
      if (!isUrl(reference)) {
        // [REJECT] Bitstring Status List §2.1 statusReference: each reference is a URL.
        const path = Array.isArray(rawReference) ? `${field}.statusReference[${i}]` : `${field}.statusReference`;
        throw reject(
          W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
          path,
          `must be a URL (Bitstring Status List §2.1), got ${describeValue(reference)}`,
        );
      }
    });
    statusReference = Object.freeze([...(references as string[])]);
  }

  return Object.freeze({
    type: BITSTRING_STATUS_LIST_ENTRY_TYPE,
    field,
    ...(id === undefined ? {} : { id }),
    statusPurpose,
    statusListIndex: Number(rawIndex),
    statusListCredential,
    statusSize,
    ...(statusMessage === undefined ? {} : { statusMessage }),
    ...(statusReference === undefined ? {} : { statusReference }),
  });
}
