/**
 * The issuer's `message` list: a node-managed Bitstring Status List whose entries hold one of
 * several states, each with its message (https://www.w3.org/TR/vc-bitstring-status-list/: §2.1
 * `statusSize`, `statusMessage`, `statusReference`; §2.2 the `message` purpose; issue 12 item 9).
 *
 * Off unless the operator configures it (issuer option `messageList`). When on, every credential
 * the node issues gets a `message` entry beside its revocation entry, and `POST /credentials/status`
 * sets the entry to any of the configured values (`"0x2"`). Unlike a revocation, a message value is
 * not final: a list that does not carry the `revocation` purpose may change any entry in either
 * direction (validation/status-list.ts only keeps revocation lists monotonic), so the journal's last
 * value of each entry is what every published version carries, as for suspension.
 *
 * This module holds what is specific to the message list: the configuration and its §2.1 rules, the
 * entry fields, the values a caller may set, and whether a held list still matches the
 * configuration. The issuer service (issuer-service.ts) allocates, journals and publishes it like
 * its other lists.
 */
import {
  CodedError,
  checkStatusSize,
  isUrl,
  parseStatusMessage,
  reject,
  type StatusListCredential,
  ValidationError,
} from '@trustmesh/registry';

/** The message list's configuration (issuer option `messageList`). */
export interface MessageListOptions {
  /** Name of the list: its id is `${publicBaseUrl}/status/${name}`. Default `messages`. */
  name?: string;
  /** Bits per entry (§2.1 statusSize): 1 to 8; each entry then holds one of 2^statusSize values. */
  statusSize: number;
  /**
   * One message per possible value (§2.1: "the number of status messages MUST equal the number of
   * possible values"), each `{ status: '0x…', message }`.
   */
  messages: { status: string; message: string }[];
  /** URL(s) of material that explains the states (§2.1 statusReference), copied into each entry. */
  statusReference?: string | string[];
}

/** A checked message-list configuration. */
export interface MessageList {
  name: string;
  statusSize: number;
  /** The messages as configured (the entry's `statusMessage` and the list's). */
  messages: { status: string; message: string }[];
  /** Each message by the value its `status` denotes. */
  byValue: ReadonlyMap<number, string>;
  statusReference?: string | string[];
}

/** Stable codes of the message list. */
export const MESSAGE_LIST_CODES = {
  /** The `messageList` option breaks a §2.1 rule (field named). */
  CONFIG_INVALID: 'ISSUER_MESSAGE_LIST_INVALID',
  /** A status update names a value that is not hexadecimal or does not fit in statusSize bits (400). */
  VALUE_INVALID: 'STATUS_MESSAGE_VALUE_INVALID',
  /** The held list's statusSize or messages differ from the configuration (503: an operator fault). */
  MISMATCH: 'ISSUER_MESSAGE_LIST_MISMATCH',
} as const;

/** Default name of the message list. */
export const DEFAULT_MESSAGE_LIST_NAME = 'messages';

// A list name becomes a URL path segment: keep it to characters that need no escaping.
const LIST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
// §2.1 statusMessage.status: "a string representing the hexadecimal value of the status prefixed with 0x".
const HEX_STATUS = /^0x[0-9a-fA-F]+$/;

/**
 * Checks the `messageList` option against §2.1 (statusSize an integer 1–8; exactly one message per
 * possible value, each `status` a `0x` hexadecimal string that fits; statusReference URLs).
 * @param value - The untrusted option.
 * @param field - Path of the option, named in errors.
 * @throws ValidationError `ISSUER_MESSAGE_LIST_INVALID` naming the field and the rule.
 */
export function checkMessageListOptions(value: unknown, field = 'issuer.messageList'): MessageList {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(field, 'must be an object { statusSize, messages, statusReference?, name? }');
  }
  const options = value as Partial<Record<keyof MessageListOptions, unknown>>;
  const name = options.name ?? DEFAULT_MESSAGE_LIST_NAME;
  if (typeof name !== 'string' || !LIST_NAME.test(name)) {
    throw invalid(`${field}.name`, 'must be 1 to 64 letters, digits, ".", "_" or "-" (it names the list URL)');
  }
  const statusSize = rethrown(() => checkStatusSize(options.statusSize, `${field}.statusSize`));
  const parsed = rethrown(() => parseStatusMessage(options.messages, statusSize, `${field}.messages`));
  const reference = options.statusReference;
  if (reference !== undefined) {
    const urls = Array.isArray(reference) ? reference : [reference];
    // §2.1 statusReference: "If present, its value MUST be a URL or an array of URLs".
    if (urls.length === 0 || !urls.every(isUrl)) {
      throw invalid(
        `${field}.statusReference`,
        'must be a URL or a non-empty array of URLs (Bitstring Status List §2.1)',
      );
    }
  }
  return {
    name,
    statusSize,
    messages: parsed.map(({ status, message }) => ({ status, message })),
    byValue: new Map(parsed.map((m) => [m.value, m.message])),
    ...(reference !== undefined ? { statusReference: reference as string | string[] } : {}),
  };
}

/** The fields a `message` BitstringStatusListEntry carries besides the common ones (§2.1). */
export function messageEntryFields(list: MessageList): Record<string, unknown> {
  return {
    // §2.1: statusSize "MUST be an integer greater than zero"; statusMessage "MUST be present if
    // statusSize is greater than 1" — given whatever the size: it is what a verifier reports.
    statusSize: list.statusSize,
    statusMessage: list.messages.map((m) => ({ ...m })),
    ...(list.statusReference !== undefined ? { statusReference: list.statusReference } : {}),
  };
}

/** Whether a status update value names a message value (`0x…`) rather than revoked/suspended/active. */
export function isMessageValue(status: string): status is `0x${string}` {
  return status.startsWith('0x');
}

/**
 * The value a status update sets: a `0x` hexadecimal string that fits in statusSize bits.
 * @throws ValidationError `STATUS_MESSAGE_VALUE_INVALID` on field `credentialStatus`.
 */
export function parseMessageValue(status: string, list: MessageList): number {
  if (!HEX_STATUS.test(status) || status.length > 18) {
    throw reject(
      MESSAGE_LIST_CODES.VALUE_INVALID,
      'credentialStatus',
      `must be one of the list's status values, a hexadecimal string prefixed with 0x from 0x0 to 0x${(2 ** list.statusSize - 1).toString(16)} (Bitstring Status List §2.1), got "${status.slice(0, 20)}"`,
    );
  }
  const value = Number.parseInt(status.slice(2), 16);
  if (!list.byValue.has(value)) {
    throw reject(
      MESSAGE_LIST_CODES.VALUE_INVALID,
      'credentialStatus',
      `${status} does not fit in the message list's ${list.statusSize}-bit entries: the values are 0x0 to 0x${(2 ** list.statusSize - 1).toString(16)}`,
    );
  }
  return value;
}

/**
 * Why a held version of the message list cannot take entries under the configuration, or null. The
 * list's statusSize and messages are signed into every version (and into every entry handed out):
 * a configuration that changed them needs a list of another name.
 */
export function messageListMismatch(held: StatusListCredential, list: MessageList): string | null {
  if (!held.statusPurpose.includes('message')) {
    return `${held.id} has purpose ${held.statusPurpose.join(', ')}, not message`;
  }
  if (held.statusSize !== list.statusSize) {
    return `${held.id} has ${held.statusSize}-bit entries; the configuration says statusSize ${list.statusSize} (give the message list another name)`;
  }
  const differs = (held.statusMessage ?? []).some((m) => list.byValue.get(m.value) !== m.message);
  if (differs || (held.statusMessage?.length ?? 0) !== list.byValue.size) {
    return `${held.id} carries other status messages than the configuration (give the message list another name)`;
  }
  return null;
}

/** Throws `ISSUER_MESSAGE_LIST_MISMATCH` when the held list does not match the configuration. */
export function requireMatchingMessageList(held: StatusListCredential, list: MessageList): void {
  const mismatch = messageListMismatch(held, list);
  if (mismatch) throw new CodedError(MESSAGE_LIST_CODES.MISMATCH, mismatch);
}

function invalid(field: string, message: string, cause?: unknown): ValidationError {
  return reject(MESSAGE_LIST_CODES.CONFIG_INVALID, field, `${field}: ${message}`, cause);
}

function rethrown<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw invalid(error.field ?? 'issuer.messageList', error.message, error);
  }
}
