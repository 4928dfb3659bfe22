/**
 * The read-only view of replicated state that trust and status checks need. The registry provides
 * it from its in-memory index; tests and offline bundles can provide their own. Verification is a
 * pure function of this view, the credential and the clock.
 */
import type { ParsedAccreditation } from '../records/accreditation.ts';
import type { ParsedGovernance } from '../records/governance.ts';
import type { PinnedKey } from '../records/keys.ts';
import type { StatusListCredential } from '../records/status-list-credential.ts';
import type { HeldCaCertificate } from '../x509/held-crls.ts';
import type { CaTrustAnchor, RevocationSource } from '../x509/types.ts';

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

/**
 * A held JOSE status list (issue 13): an IETF Token Status List (draft-ietf-oauth-status-list §5.1,
 * `statuslist+jwt`) or a StatusList2021 credential as a JWT (bare or in TW DIW's envelope). One
 * shape for both, so status checks and the mirror treat them alike. Held compressed; `read`
 * inflates through the registry's bounded cache.
 */
export interface JoseStatusList {
  /** `token-status-list-cwt`: the CWT form (draft-ietf-oauth-status-list §5.2), read as a TSL. */
  format: 'token-status-list' | 'status-list-2021' | 'token-status-list-cwt';
  /** List identity: TSL `sub`; StatusList2021: the list credential's id (TW DIW: `jti`). */
  uri: string;
  /** The accredited party that published it (`iss`, or the subject whose pinned key signed). */
  issuer: string;
  /** Bits per entry: TSL `status_list.bits` (1, 2, 4, 8); StatusList2021: 1. */
  bits: 1 | 2 | 4 | 8;
  /** StatusList2021 `statusPurpose` (`revocation`, `suspension`); null for a TSL (values carry meaning). */
  purpose: string | null;
  /** Version order: `iat`, else `nbf` (ms). */
  versionMs: number;
  /** `exp` (ms), or null. */
  expMs: number | null;
  /** TSL `ttl` in seconds, or null. */
  ttlSeconds: number | null;
  /** How the mirror serves it: `application/statuslist+jwt`, `…+cwt`, `application/jwt`, or `application/json` (envelope). */
  mediaType: string;
  /** Number of entries. */
  size(): number;
  /** The status value at `index` (TSL: 0x00 VALID, 0x01 INVALID, 0x02 SUSPENDED, …); RangeError beyond the list. */
  read(index: number): number;
  /** The inflated list (through the bounded cache): for comparing versions byte by byte. */
  decoded(): Uint8Array;
}

/** A stored JOSE status list version with what freshness reports need. */
export interface JoseStatusListState {
  list: JoseStatusList;
  digest: string;
  receivedAt: number;
  /** Store slot: one per list uri and signing key. */
  key: string;
  /** The pinned key that signed it: it counts for a credential only in the scopes it counts in. */
  signer: PinnedKey;
  /** The record exactly as held (compact JWS text, or the envelope): what the mirror serves. */
  bytes: Uint8Array;
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
  /**
   * Every stored version of a JOSE status list uri, one per signing key (issue 13). Optional for
   * views that hold none (offline bundles of Data Integrity records only).
   */
  joseStatusListVersions?(uri: string): readonly JoseStatusListState[];
  /** Every stored accreditation (what listing the CA anchors reads). Optional: a view without it lists no CA. */
  accreditations?(): readonly ParsedAccreditation[];
  /**
   * The accredited certification authorities valid at `atMs` (issue 14): one anchor per CA
   * accreditation (and group of its scopes) whose chain to governance is valid then — validity
   * windows, withdrawal and the accreditor chain honoured as for issuers. Optional for views that
   * hold no CA; the registry implements it with verification/ca-anchors.ts `caTrustAnchors`.
   */
  certificateAuthorities?(atMs: number): readonly CaTrustAnchor[];
  /** The anchors of the CA whose SubjectPublicKeyInfo hashes to `spkiSha256` (base64url), valid at `atMs`. */
  certificateAuthoritiesOf?(spkiSha256: string, atMs: number): readonly CaTrustAnchor[];
  /**
   * Revocation read from the CRLs this view holds (issue 14; RFC 5280 §6.1.3 (a)(3)). Optional: a
   * view without it holds no CRL, and certificate verification then answers `undetermined`
   * `CRL_MISSING` for every certificate (fail closed).
   */
  revocationSource?(): RevocationSource;
  /** The held subordinate CA certificates (issue 14), for chain completion. */
  caCertificates?(): readonly HeldCaCertificate[];
}
