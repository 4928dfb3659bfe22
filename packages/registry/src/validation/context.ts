/**
 * What every record validator is given, and what it returns. One pipeline per record type, shared by
 * gossip, anti-entropy, the HTTP API and the CLI (CONVENTIONS.md, Modules).
 */

import type { DocumentLoader } from '../crypto/types.ts';
import type { InputLimits } from '../limits.ts';
import type { ParsedAccreditation } from '../records/accreditation.ts';
import type { ParsedGovernance } from '../records/governance.ts';
import type { StatusListCredential } from '../records/status-list-credential.ts';
import type { EvidenceRecord, RecordKind } from '../store/types.ts';
import type { AdmittedJoseList } from '../status-list/jose-lists.ts';
import type { AdmittedCwtList } from '../status-list/cwt-list-kind.ts';
import type { TrustView } from '../verification/trust-view.ts';
import type { AdmittedCrl, CrlHoldings, HeldCaCertificate } from '../x509/held-crls.ts';

export type { DocumentLoader };

/** The environment of a validation: replicated state, the network it belongs to, and the clock. */
export interface ValidationContext {
  view: TrustView;
  networkId: string;
  /** SHA-256 (hex) of the genesis governance record's canonical bytes, from the network file. */
  genesisDigest: string;
  /** Governance version `v` as held, with its digest, or null. */
  governanceVersion(version: number): { parsed: ParsedGovernance; digest: string; bytes: Uint8Array } | null;
  /** The accreditation held under credential id `id`, with its digest, or null. */
  accreditation(id: string): { parsed: ParsedAccreditation; digest: string; bytes: Uint8Array } | null;
  /** Bytes of the status list version stored in slot `key` (statusListSlotKey), for equivocation evidence. */
  statusListBytes(key: string): Uint8Array | null;
  /** Loader that serves bundled contexts and keys pinned in the registry; never the network. */
  documentLoader: DocumentLoader;
  /** True when evidence with this id is already held. */
  hasEvidence(id: string): Promise<boolean>;
  /** How many evidence records against `signer` for slot `key` are held (for the per-slot cap). */
  evidenceCount(key: string, signer: string): Promise<number>;
  /** Input limits (record size, JSON depth, decoded list size). */
  limits: InputLimits;
  /** Current time, ms since the epoch. */
  now: number;
  /** The status list slots an issuer holds here and their inflated bytes, for the per-issuer quotas. */
  statusListUsage(issuer: string): { slots: ReadonlySet<string>; decodedBytes: number };
  /** Per-issuer quotas on status lists. */
  quotas: StatusListQuotas;
  /** How far in the future a record's validFrom may lie before it is held back (clock-skew allowance). */
  maxClockSkewMs: number;
  /** Every held accreditation (issue 13: a JOSE list without `iss` names its issuer by the key's `kid`). */
  accreditations?(): readonly ParsedAccreditation[];
  /** The JOSE status list slots an issuer holds here and their inflated bytes (issue 13 quotas). */
  joseStatusListUsage?(issuer: string): { slots: ReadonlySet<string>; decodedBytes: number };
  /** Held CRLs and sub-CA certificates (issue 14); a context without it admits no CRL. */
  crlHoldings?(): CrlHoldings;
  /**
   * The bytes held in slot `key` (staged or durable), read from the store: CRLs are not kept in memory,
   * and equivocation evidence needs the held DER (issue 14).
   */
  heldRecordBytes?(key: string): Promise<Uint8Array | null>;
  /** Gives the event loop a turn (decoding a large CRL yields every ~32k entries). */
  pause?(): Promise<unknown>;
}

/**
 * Per-issuer quotas on status lists (issue 11): how many list slots one issuer may hold, and how many
 * inflated bytes all of them together. Lists stay compressed in memory (status-list/decoded-cache.ts);
 * the byte quota bounds what one issuer can make every node inflate and scan.
 */
export interface StatusListQuotas {
  maxListsPerIssuer: number;
  maxDecodedBytesPerIssuer: number;
}

/** The parsed form of an admitted record, by kind. */
export type AdmittedValue =
  | { kind: 'governance'; parsed: ParsedGovernance }
  | { kind: 'accreditation'; parsed: ParsedAccreditation }
  | { kind: 'status-list'; parsed: StatusListCredential }
  | { kind: 'token-status-list' | 'status-list-2021'; parsed: AdmittedJoseList }
  | { kind: 'token-status-list-cwt'; parsed: AdmittedCwtList }
  | { kind: 'crl'; parsed: AdmittedCrl }
  | { kind: 'ca-certificate'; parsed: HeldCaCertificate };

/**
 * A record that passed validation: what to store and what to forward. `drop`: slots the same batch
 * removes (a complete CRL supersedes its scope's delta).
 */
export type Admission =
  | (AdmittedValue & { key: string; version: string; digest: string; bytes: Uint8Array; drop?: string[] })
  | { kind: 'evidence'; evidence: EvidenceRecord; digest: string; bytes: Uint8Array };

/** The kinds a submitted record may be. */
export type SubmittedKind = Exclude<RecordKind, never>;
