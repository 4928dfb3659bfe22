/**
 * Next versions of a party's own Bitstring Status List (https://www.w3.org/TR/vc-bitstring-status-list/),
 * signed with local keys: what withdrawing an accreditation (and, later, revoking or suspending a
 * credential without a node) comes down to. The held version is copied as signed — contexts, purposes,
 * messages, ttl kept — with the new bits and a later `validFrom` (the version order of a list,
 * DESIGN.md Records §3), then signed again.
 */
import {
  createDocumentLoader,
  createStatusList,
  type DocumentLoader,
  issueStatusList,
  type KeyPair,
  type NextStatusListVersion,
  nextStatusListVersion as nextVersion,
  parseStatusListCredential,
  type StatusChange,
  type StatusListCredential,
  ValidationError,
  writeStatus,
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

/** Entries of a list created by `--new-list`: the Recommendation's minimum (§3.2 step 9), for herd privacy. */
export const NEW_LIST_ENTRIES = 131_072;

/**
 * The first version of a party's own list (`--new-list`): `NEW_LIST_ENTRIES` entries of one bit with
 * `changes` set, purpose `purpose`. Only ever on request: a node that merely lags behind the list
 * would otherwise make the CLI publish an empty list over it (every peer refuses that one as
 * STATUS_LIST_ROLLBACK for a revocation list, but it must not be the default).
 */
export async function firstStatusListVersion(
  id: string,
  purpose: string,
  changes: readonly StatusChange[],
  keyPair: KeyPair,
  options: { now: number },
): Promise<{ credential: Record<string, unknown>; validFrom: string }> {
  const bits = createStatusList(NEW_LIST_ENTRIES);
  for (const change of changes) {
    if (!Number.isInteger(change.index) || change.index < 0 || change.index >= NEW_LIST_ENTRIES) {
      throw new CliError(
        'STATUS_INDEX_INVALID',
        `${id}: index ${change.index} is outside a new list of ${NEW_LIST_ENTRIES} entries`,
        {
          hint: `choose an index below ${NEW_LIST_ENTRIES}`,
        },
      );
    }
    writeStatus(bits, change.index, 1, change.value);
  }
  const validFrom = new Date(options.now);
  const credential = await issueStatusList(
    { issuer: keyPair, id, statusPurpose: purpose, bits, validFrom },
    createDocumentLoader({}, {}),
  );
  return { credential, validFrom: validFrom.toISOString() };
}

/**
 * The next version of `held` with `changes` applied, or, when no version is held (the caller checked
 * `--new-list`), the list's first version with them: what `withdraw` and `revoke/suspend/reinstate
 * --key` publish.
 */
export async function nextOrFirstVersion(
  held: StatusListCredential | null,
  list: { id: string; purpose: string },
  changes: readonly StatusChange[],
  keyPair: KeyPair,
  options: { now: number },
): Promise<{ changed: false } | { changed: true; credential: Record<string, unknown>; validFrom: string }> {
  if (held) return nextStatusListVersion(held, changes, keyPair, options);
  return { ...(await firstStatusListVersion(list.id, list.purpose, changes, keyPair, options)), changed: true };
}
