/**
 * The read-only view of replicated state that trust and status checks need. The registry provides
 * it from its in-memory index; tests and offline bundles can provide their own. Verification is a
 * pure function of this view, the credential and the clock.
 */
import type { ParsedAccreditation } from '../records/accreditation.ts';
import type { ParsedGovernance } from '../records/governance.ts';
import type { PinnedKey } from '../records/keys.ts';
import type { StatusListCredential } from '../records/status-list-credential.ts';

/** A stored status list with what freshness reports need. */
export interface StatusListState {
  list: StatusListCredential;
  /** Content hash of the stored version. */
  digest: string;
  /** When this node accepted the version (ms since epoch). */
  receivedAt: number;
  /** Store slot of this version: one per list id and signing key (docs/records.md, Trust rules). */
  key: string;
  /** The key that signed this version. It counts for a credential only in the scopes it counts in. */
  signer: PinnedKey;
  /** Inflated size of the list in bytes (held compressed; for the per-issuer quota). */
  decodedBytes: number;
}

/** Read access to governance, accreditations and status lists. */
export interface TrustView {
  /** The newest governance version, or null before genesis is loaded. */
  governance(): ParsedGovernance | null;
  /** Every stored accreditation whose subject is `did`. */
  accreditationsOf(did: string): readonly ParsedAccreditation[];
  /**
   * The stored version of a status list, by its credential id: the one signed by the key with public
   * key `signerMultibase` when given, otherwise the first slot held for that id (what mirrors serve).
   */
  statusList(id: string, signerMultibase?: string): StatusListState | null;
  /**
   * Every stored version of a status list id, one per signing key (docs/records.md, Trust rules):
   * verification reads only those signed by a key that counts in the credential's scope.
   */
  statusListVersions(id: string): readonly StatusListState[];
}
