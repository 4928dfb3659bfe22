/**
 * The registry: replicated state (governance, accreditations, status lists, evidence) over a
 * RecordStore, with one admission pipeline for every record and an in-memory index that verification
 * reads. A node is a relay and a cache, never a source of trust: everything admitted was validated
 * first, and every change is persisted in one atomic batch before it becomes visible.
 */

import { setImmediate } from 'node:timers/promises';
import { AdmissionPipeline, type Judgement } from './admission-pipeline.ts';
import { allowListOf, checkDocumentContexts, type PinnedContext } from './crypto/context-allow-list.ts';
import { createDocumentLoader } from './crypto/document-loader.ts';
import type { ControllerDocument, DidResolver, VerificationMethodDocument } from './crypto/types.ts';
import { outcomeOf, storeFault, type ValidationOutcome } from './errors.ts';
import { kindModule } from './kinds/index.ts';
import { DEFAULT_INPUT_LIMITS, type InputLimits } from './limits.ts';
import type { ParsedAccreditation } from './records/accreditation.ts';
import type { ParsedGovernance } from './records/governance.ts';
import { RegistryState } from './registry-state.ts';
import { DecodedListCache } from './status-list/decoded-cache.ts';
import type { EvidenceRecord, RecordStore, StoredRecord } from './store/types.ts';
import type { Admission, DocumentLoader, StatusListQuotas, ValidationContext } from './validation/context.ts';
import { pinnedKeyDocument } from './validation/pinned-keys.ts';
import { readStoredRecord, readSubmittedRecord } from './validation/submitted-record.ts';
import { caTrustAnchors } from './verification/ca-anchors.ts';
import type { JoseStatusListState, StatusListState, TrustView } from './verification/trust-view.ts';
import type { HeldCaCertificate, HeldCrlState } from './x509/held-crls.ts';
import type { CaTrustAnchor, RevocationAnswer, RevocationSource } from './x509/types.ts';

// The kinds kept as records in the store (evidence has its own space), in load order.
const KNOWN_KINDS = [
  'governance',
  'accreditation',
  'status-list',
  'token-status-list',
  'status-list-2021',
  'token-status-list-cwt',
  'ca-certificate',
  'crl',
] as const;

/** Settings of a registry. */
export interface RegistryOptions {
  /** The network this registry belongs to (from the network file). */
  networkId: string;
  /** SHA-256 (hex) of the genesis governance record, pinned in the network file. */
  genesisDigest: string;
  limits: InputLimits;
  /** Clock-skew allowance for records dated in the future. */
  maxClockSkewMs: number;
  /**
   * Contexts the operator adds to the bundled allow-list (issuers' own vocabularies), each a file's
   * bytes with its SHA-256 pinned; a digest mismatch or a context that redefines a term refuses to open.
   */
  contexts?: readonly PinnedContext[];
  /** Per-issuer quotas on status lists (validation/context.ts). */
  quotas: StatusListQuotas;
  /** Most inflated status-list bytes kept in memory; held lists are otherwise compressed. */
  decodedListCacheBytes: number;
  /**
   * Most submissions validated and not yet durable (admission-pipeline.ts): while they are being
   * written, the next ones are validated, and their writes share synced batches.
   */
  maxAdmissionsInFlight: number;
}

/**
 * Defaults for the optional settings. Quotas: 16,384 lists per issuer (at TW DIW's 16 KB minimum,
 * 131,072 credentials each: two billion credentials, or many small per-batch lists), and 1 GiB
 * inflated per issuer (every one of those lists, or 128 full-cap lists of 8 MiB). The cache keeps
 * 64 MiB of inflated lists: every list of a small network, or the hot ones of a national one.
 */
export const defaultRegistryOptions: Pick<
  RegistryOptions,
  'limits' | 'maxClockSkewMs' | 'quotas' | 'decodedListCacheBytes' | 'maxAdmissionsInFlight'
> = {
  limits: DEFAULT_INPUT_LIMITS,
  maxClockSkewMs: 5 * 60_000,
  quotas: { maxListsPerIssuer: 16_384, maxDecodedBytesPerIssuer: 1024 * 1024 * 1024 },
  decodedListCacheBytes: 64 * 1024 * 1024,
  maxAdmissionsInFlight: 256,
};

/** What a registry depends on from its environment. */
export interface RegistryModules {
  store: RecordStore;
  /** The clock, ms since the epoch. */
  now: () => number;
  /** did:web resolution, opt-in (see crypto/did-resolution.ts); without it only pinned keys and did:key verify. */
  didResolver?: DidResolver;
}

/** Result of submitting a record: what was admitted, or why not. */
export type SubmitOutcome = ValidationOutcome<Admission>;

/** Replicated registry state with its admission pipeline. */
export class Registry implements TrustView {
  readonly options: RegistryOptions;
  /** The document loader readers use: keys pinned in the durable state. */
  readonly documentLoader: DocumentLoader;
  private readonly modules: RegistryModules;
  // What is on disk (every reader sees this), and that plus what is validated and on its way to
  // disk (the next record is validated against this): registry-state.ts, admission-pipeline.ts.
  private readonly durable: RegistryState;
  private readonly staged: RegistryState;
  private readonly stagedLoader: DocumentLoader;
  private readonly pipeline: AdmissionPipeline;
  // Evidence staged and not yet durable (the store does not see it yet), by id.
  private readonly stagedEvidence = new Map<string, { key: string; signer: string }>();
  // Bytes of CRLs staged and not yet durable, by slot: CRLs are read back from the store (they are
  // not kept in memory), and equivocation evidence may need one still on its way there.
  private readonly stagedBytes = new Map<string, Uint8Array>();
  private readonly listeners = new Set<(admission: Admission) => void>();
  private readonly validationBase: Omit<ValidationContext, 'now'>;

  private constructor(options: RegistryOptions, modules: RegistryModules) {
    this.options = options;
    this.modules = modules;
    const decoded = new DecodedListCache({ maxBytes: options.decodedListCacheBytes });
    this.durable = new RegistryState({ cache: decoded, limits: options.limits });
    // The staged state only adds to the shared cache: durable readers may still read what it replaced.
    const adding = { get: decoded.get.bind(decoded), put: decoded.put.bind(decoded), delete: () => undefined };
    this.staged = new RegistryState({ cache: adding, limits: options.limits });
    this.documentLoader = this.loaderOf(this.durable, options, modules);
    this.stagedLoader = this.loaderOf(this.staged, options, modules);
    this.pipeline = new AdmissionPipeline(
      { maxInFlight: options.maxAdmissionsInFlight },
      {
        commit: (batch) => modules.store.commit(batch),
        resync: () => {
          this.staged.copyFrom(this.durable);
          this.stagedEvidence.clear();
          this.stagedBytes.clear();
        },
      },
    );
    this.validationBase = this.validationContextBase();
  }

  /**
   * Bundled contexts only; keys pinned in `state` are asked first, then did:key, then did:web if the
   * caller opted in. Nothing read from the network makes the node fetch a URL.
   */
  private loaderOf(state: RegistryState, options: RegistryOptions, modules: RegistryModules): DocumentLoader {
    return createDocumentLoader(
      { contexts: options.contexts ?? [] },
      {
        keyResolver: async (id) =>
          pinnedKeyDocument(state, id) as VerificationMethodDocument | ControllerDocument | null,
        ...(modules.didResolver ? { didResolver: modules.didResolver } : {}),
      },
    );
  }

  /** Opens the store and loads its state into memory. Records in the store were validated on admission. */
  static async open(
    options: Partial<RegistryOptions> & Pick<RegistryOptions, 'networkId' | 'genesisDigest'>,
    modules: RegistryModules,
  ): Promise<Registry> {
    const registry = new Registry({ ...defaultRegistryOptions, ...options }, modules);
    await modules.store.open();
    // Governance first (ascending versions), then accreditations, then lists: each depends on the former.
    for (const kind of KNOWN_KINDS) {
      for await (const record of modules.store.records({ kind })) await registry.load(record);
    }
    registry.staged.copyFrom(registry.durable);
    return registry;
  }

  /** Waits for every submission made so far to settle, then closes the underlying store. */
  async close(): Promise<void> {
    await this.pipeline.idle();
    await this.modules.store.close();
  }

  /**
   * Validates a record and, if admitted, persists it atomically and makes it visible. Never throws
   * for bad input: the outcome says accept / ignore / reject with a stable code. Resolves once the
   * record is durable (and visible to readers); a store fault rejects. Submissions are validated
   * one at a time in call order, each against everything admitted before it, while earlier ones
   * are still being written (admission-pipeline.ts); they are answered in call order.
   */
  submit(input: Uint8Array | unknown): Promise<SubmitOutcome> {
    return this.pipeline.run(() => this.judge(input));
  }

  private async judge(input: Uint8Array | unknown): Promise<Judgement<SubmitOutcome>> {
    let admission: Admission;
    try {
      const record = readSubmittedRecord(input, this.options.limits);
      const kind = kindModule(record.kind);
      // [REJECT] JSON-LD records name allowed contexts only and use terms only (context-allow-list.ts).
      if (kind.jsonLd) checkDocumentContexts(record.value, allowListOf(this.stagedLoader));
      admission = await kind.validate(record, this.context());
    } catch (error) {
      return { value: outcomeOf(error) };
    }
    const outcome: SubmitOutcome = { status: 'accept', value: admission };
    // Listeners (anti-entropy's index, metrics) learn of every admission, whatever path it came by.
    const announce = () => {
      for (const listener of this.listeners) listener(admission);
    };
    const receivedAt = this.modules.now();
    if (admission.kind === 'evidence') {
      const { id, key, signer } = admission.evidence;
      return {
        value: outcome,
        change: {
          batch: { evidence: [{ ...admission.evidence, receivedAt }] },
          stage: () => this.stagedEvidence.set(id, { key, signer }),
          apply: () => this.stagedEvidence.delete(id),
          announce,
        },
      };
    }
    const record: StoredRecord = {
      key: admission.key,
      kind: admission.kind,
      digest: admission.digest,
      version: admission.version,
      bytes: admission.bytes,
      receivedAt,
    };
    const isCrl = admission.kind === 'crl';
    return {
      value: outcome,
      change: {
        batch: { put: [record], ...(admission.drop ? { del: admission.drop } : {}) },
        stage: () => {
          this.staged.apply(admission, receivedAt, true);
          if (isCrl) this.stagedBytes.set(admission.key, admission.bytes);
        },
        apply: () => {
          this.durable.apply(admission, receivedAt, true);
          if (isCrl && this.stagedBytes.get(admission.key) === admission.bytes) this.stagedBytes.delete(admission.key);
        },
        announce,
      },
    };
  }

  private async load(record: StoredRecord): Promise<void> {
    if (record.kind === 'evidence' || !(KNOWN_KINDS as readonly string[]).includes(record.kind)) {
      throw storeFault('STORE_UNKNOWN_KIND', `stored record ${record.key} has unknown kind ${record.kind}`);
    }
    const read = readStoredRecord(record.bytes, this.options.limits);
    const state = this.durable;
    const admission = await kindModule(record.kind).restore(record, read, this.options.limits, {
      view: state,
      crlHoldings: () => state.crlHoldings(),
      pause: () => setImmediate(),
    });
    if (admission !== null) state.apply(admission, record.receivedAt, false);
  }

  /** What validation reads: the staged state, and evidence held or staged; `now` is read per record. */
  private context(): ValidationContext {
    return { ...this.validationBase, now: this.modules.now() };
  }

  private validationContextBase(): Omit<ValidationContext, 'now'> {
    // Built once: the staged state is one object for the registry's life (it falls back in place).
    const state = this.staged;
    const staged = this.stagedEvidence;
    const store = this.modules.store;
    return {
      view: state,
      networkId: this.options.networkId,
      genesisDigest: this.options.genesisDigest,
      governanceVersion: (v) => state.governanceEntry(v),
      accreditation: (id) => state.accreditationEntry(id),
      statusListBytes: (key) => state.statusListBytes(key),
      // Staged first: evidence that landed meanwhile is found in the store (it is never removed).
      hasEvidence: async (id) => staged.has(id) || (await store.getEvidence(id)) !== null,
      evidenceCount: async (key, signer) => {
        // Evidence is rare and capped per slot (validation/evidence.ts), so a scan is cheap. Counted
        // by id: a staged one may land while the store is read.
        const ids = new Set<string>();
        for (const [id, e] of staged) if (e.key === key && e.signer === signer) ids.add(id);
        for await (const e of store.evidence()) if (e.key === key && e.signer === signer) ids.add(e.id);
        return ids.size;
      },
      documentLoader: this.stagedLoader,
      limits: this.options.limits,
      statusListUsage: (issuer) => state.statusListUsage(issuer),
      quotas: this.options.quotas,
      maxClockSkewMs: this.options.maxClockSkewMs,
      accreditations: () => state.accreditations(),
      joseStatusListUsage: (issuer) => state.joseStatusListUsage(issuer),
      crlHoldings: () => state.crlHoldings(),
      heldRecordBytes: async (key) => this.stagedBytes.get(key) ?? (await store.get(key))?.bytes ?? null,
      pause: () => setImmediate(),
    };
  }

  /**
   * Drops the held version of list `id` signed by the key `signerMultibase` when it is dated more
   * than the clock-skew allowance ahead of this registry's clock: a version this registry would
   * itself refuse today (STATUS_LIST_NOT_YET_VALID), that no peer accepts, and that would block
   * every version dated now until real time catches up. It is what an issuer whose clock was stepped
   * forward and then corrected holds of its own list (issue 10, problem 3); the issuer drops it
   * right before publishing the version dated now that carries the same bits. Removed from the store
   * in one batch, in turn with submissions (what is judged after it no longer sees it); returns
   * whether a version was dropped.
   */
  dropFutureStatusList(id: string, signerMultibase: string): Promise<boolean> {
    return this.pipeline.run(async () => {
      const key = this.staged.futureStatusListSlot(
        id,
        signerMultibase,
        this.modules.now() + this.options.maxClockSkewMs,
      );
      if (key === null) return { value: false };
      return {
        value: true,
        change: {
          batch: { del: [key] },
          stage: () => this.staged.dropStatusList(key),
          apply: () => this.durable.dropStatusList(key),
        },
      };
    });
  }

  /**
   * Calls `listener` after each admitted record is durable (including evidence), in admission
   * order. Returns a function that removes the listener.
   */
  onAdmitted(listener: (admission: Admission) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The newest governance version held, or null. */
  governance(): ParsedGovernance | null {
    return this.durable.governance();
  }

  /** Governance version `v` as held, or null. */
  governanceVersion(version: number): ParsedGovernance | null {
    return this.durable.governanceEntry(version)?.parsed ?? null;
  }

  /** Accreditations whose subject is `did`. */
  accreditationsOf(did: string): readonly ParsedAccreditation[] {
    return this.durable.accreditationsOf(did);
  }

  /** Every held accreditation. */
  accreditations(): ParsedAccreditation[] {
    return this.durable.accreditations();
  }

  /** The accredited CAs valid at `atMs` (issue 14): see {@link TrustView.certificateAuthorities}. */
  certificateAuthorities(atMs: number): CaTrustAnchor[] {
    return caTrustAnchors(this, atMs);
  }

  /** The anchors of the CA pinned by `spkiSha256`, valid at `atMs`: see {@link TrustView.certificateAuthoritiesOf}. */
  certificateAuthoritiesOf(spkiSha256: string, atMs: number): CaTrustAnchor[] {
    return caTrustAnchors(this, atMs, spkiSha256);
  }

  /**
   * Revocation of the certificate with `serial` issued by the CA key `issuerSpkiSha256`, as of `atMs`,
   * from the replica's CRLs (issue 14; x509/types.ts RevocationSource). With several scopes of one CA
   * (issuingDistributionPoint), revoked or on hold in any is so (x509/held-crls.ts).
   */
  lookup(issuerSpkiSha256: string, serial: Uint8Array, atMs: number): RevocationAnswer {
    return this.durable.lookup(issuerSpkiSha256, serial, atMs);
  }

  /** The replica's CRLs as a RevocationSource for validateCertificatePath (issue 14). */
  revocationSource(): RevocationSource {
    return { lookup: (spki, serial, atMs) => this.durable.lookup(spki, serial, atMs) };
  }

  /** The held subordinate CA certificates (issue 14). */
  caCertificates(): HeldCaCertificate[] {
    return this.durable.caCertificates();
  }

  /** Every held CRL scope: its complete CRL, the delta applied, the signing key (issue 14). */
  crls(): HeldCrlState[] {
    return this.durable.crlHoldings().crls();
  }

  /**
   * The DER of a held CRL, exactly as signed, read from the store (what the mirror serves): the
   * scope's complete CRL, or its applied delta; null when none is held.
   */
  async crlBytes(
    scope: string,
    which: 'complete' | 'delta' = 'complete',
  ): Promise<{ bytes: Uint8Array; digest: string } | null> {
    const held = this.durable.crlHoldings().crl(scope);
    const digest = which === 'complete' ? held?.held.digest : held?.held.delta?.digest;
    if (!held || digest === undefined) return null;
    const stored = await this.modules.store.get(which === 'complete' ? `crl/${scope}` : `crl/${scope}/delta`);
    return stored && stored.digest === digest ? { bytes: stored.bytes, digest } : null;
  }

  /**
   * The held version of a status list, or null: the one signed by the key with public key
   * `signerMultibase` when given, otherwise the first slot held for the id. Verification does not
   * use this; it reads {@link statusListVersions} filtered by the keys that count.
   */
  statusList(id: string, signerMultibase?: string): StatusListState | null {
    return this.durable.statusList(id, signerMultibase);
  }

  /** Every held version of a status list id, one per signing key, in arrival order of their slots. */
  statusListVersions(id: string): StatusListState[] {
    return this.durable.statusListVersions(id);
  }

  /**
   * Every held version of a JOSE status list uri (issue 13), one per signing key. A mirror serves a
   * state's `bytes` (as signed) with `list.mediaType`.
   */
  joseStatusListVersions(uri: string): JoseStatusListState[] {
    return this.durable.joseStatusListVersions(uri);
  }

  /** Uris of every held JOSE status list. */
  joseStatusListUris(): string[] {
    return this.durable.joseStatusListUris();
  }

  /** Ids of every held status list. */
  statusListIds(): string[] {
    return this.durable.statusListIds();
  }

  /** Equivocation evidence held. */
  async evidence(): Promise<EvidenceRecord[]> {
    const all: EvidenceRecord[] = [];
    for await (const e of this.modules.store.evidence()) all.push(e);
    return all;
  }

  /**
   * Loud warnings an operator must see: a governance past validUntil (freeze-attack defence,
   * DESIGN.md Records §1).
   */
  warnings(): string[] {
    const governance = this.durable.governance();
    if (!governance) return ['NO_GOVERNANCE: no governance record is held: nothing can be verified'];
    if (governance.validUntilMs < this.modules.now()) {
      return [
        `GOVERNANCE_EXPIRED: governance version ${governance.record.version} expired at ${governance.record.validUntil}: a newer version may be withheld (freeze attack)`,
      ];
    }
    return [];
  }
}
