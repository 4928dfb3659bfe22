/**
 * Next versions of a party's own Bitstring Status List (https://www.w3.org/TR/vc-bitstring-status-list/),
 * signed with local keys: what withdrawing an accreditation (and, later, revoking or suspending a
 * credential without a node) comes down to. The held version is copied as signed — contexts, purposes,
 * messages, ttl kept — with the new bits and a later `validFrom` (the version order of a list,
 * DESIGN.md Records §3), then signed again.
 */
import {
  createDocumentLoader,
  type DocumentLoader,
  encodeStatusList,
  type KeyPair,
  parseStatusListCredential,
  RegistryError,
  readStatus,
  type StatusListCredential,
  signCredential,
  writeStatus,
} from '@trustmesh/registry';
import { CliError } from './output.ts';

/** One entry to set. */
export interface StatusChange {
  index: number;
  value: number;
}

/** The outcome of {@link nextStatusListVersion}. */
export type NextVersion =
  | { changed: false }
  | { changed: true; credential: Record<string, unknown>; validFrom: string; previous: Record<number, number> };

/**
 * Builds and signs the next version of `held` with `changes` applied, or says nothing changed.
 * @throws CliError `STATUS_LIST_NOT_YOURS` when `keyPair` is not the list's issuer;
 *   `STATUS_INDEX_INVALID` for an index outside the list.
 */
export async function nextStatusListVersion(
  held: StatusListCredential,
  changes: readonly StatusChange[],
  keyPair: KeyPair,
  options: { now: number; documentLoader?: DocumentLoader },
): Promise<NextVersion> {
  if (held.issuer !== keyPair.did) {
    throw new CliError(
      'STATUS_LIST_NOT_YOURS',
      `status list ${held.id} is issued by ${held.issuer}, not by ${keyPair.did}`,
      {
        hint: 'sign with the key of the list’s issuer (the accreditor that issued the accreditation)',
      },
    );
  }
  const bits = new Uint8Array(held.bits);
  const previous: Record<number, number> = {};
  for (const change of changes) {
    let current: number;
    try {
      current = readStatus(bits, change.index, held.statusSize);
      writeStatus(bits, change.index, held.statusSize, change.value);
    } catch (error) {
      if (!(error instanceof RegistryError)) throw error;
      throw new CliError('STATUS_INDEX_INVALID', `index ${change.index} of ${held.id}: ${error.message}`, {
        hint: 'check the status list index (the statusListIndex of the credential’s credentialStatus)',
      });
    }
    previous[change.index] = current;
  }
  if (changes.every((c) => previous[c.index] === c.value)) return { changed: false };

  // Strictly after the held version, even if the clock is behind it: nodes keep only newer versions.
  const validFromMs = Math.max(options.now, held.validFrom + 1);
  const { proof: _proof, ...unsigned } = structuredClone(held.credential) as Record<string, unknown>;
  const subject = unsigned.credentialSubject as Record<string, unknown>;
  subject.encodedList = encodeStatusList(bits);
  unsigned.validFrom = new Date(validFromMs).toISOString();
  // Same lifetime as the held version, counted from the new validFrom.
  if (held.validUntil !== undefined) {
    unsigned.validUntil = new Date(validFromMs + (held.validUntil - held.validFrom)).toISOString();
  }
  const credential = await signCredential(unsigned, keyPair, {
    documentLoader: options.documentLoader ?? createDocumentLoader({}, {}),
  });
  return { changed: true, credential, validFrom: unsigned.validFrom as string, previous };
}

/** Parses a status list credential from a file or a node, naming where it came from. */
export function parseStatusListFrom(value: unknown, origin: string): StatusListCredential {
  try {
    return parseStatusListCredential(value);
  } catch (error) {
    if (!(error instanceof RegistryError)) throw error;
    throw new CliError('STATUS_LIST_INVALID', `${origin} is not a valid status list credential: ${error.message}`, {
      hint: 'give the BitstringStatusListCredential as the node serves it',
      cause: error,
    });
  }
}
