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
  type KeyPair,
  type NextStatusListVersion,
  nextStatusListVersion as nextVersion,
  parseStatusListCredential,
  ValidationError,
  type StatusChange,
  type StatusListCredential,
} from '@trustmesh/registry';
import { CliError } from './output.ts';

/**
 * Builds and signs the next version of `held` with `changes` applied (the registry's
 * `nextStatusListVersion`), turning its errors into messages with a hint.
 * @throws CliError `STATUS_LIST_NOT_YOURS` when `keyPair` is not the list's issuer;
 *   `STATUS_INDEX_INVALID` for an index outside the list.
 */
export async function nextStatusListVersion(
  held: StatusListCredential,
  changes: readonly StatusChange[],
  keyPair: KeyPair,
  options: { now: number; documentLoader?: DocumentLoader },
): Promise<NextStatusListVersion> {
  try {
    return await nextVersion(held, changes, keyPair, {
      now: options.now,
      documentLoader: options.documentLoader ?? createDocumentLoader({}, {}),
    });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    if (error.code === 'STATUS_LIST_NOT_YOURS') {
      throw new CliError('STATUS_LIST_NOT_YOURS', error.message, {
        hint: 'sign with the key of the list’s issuer (the accreditor that issued the accreditation)',
      });
    }
    throw new CliError('STATUS_INDEX_INVALID', `${held.id}: ${error.message}`, {
      hint: 'check the status list index (the statusListIndex of the credential’s credentialStatus)',
    });
  }
}

/** Parses a status list credential from a file or a node, naming where it came from. */
export function parseStatusListFrom(value: unknown, origin: string): StatusListCredential {
  try {
    return parseStatusListCredential(value);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new CliError('STATUS_LIST_INVALID', `${origin} is not a valid status list credential: ${error.message}`, {
      hint: 'give the BitstringStatusListCredential as the node serves it',
      cause: error,
    });
  }
}
