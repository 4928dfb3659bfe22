/**
 * The registry's in-memory index of replicated state: governance versions, accreditations, status
 * lists (Bitstring and JOSE) and per-issuer usage. The registry keeps two (registry.ts): the
 * *durable* state, what is on disk, which every reader sees (verification, the HTTP API, listeners);
 * and the *staged* state, the durable one plus every admission validated and on its way to disk,
 * against which the next record is validated. Both see the same admissions in the same order; the
 * staged one sees each a little earlier.
 */

import type { InputLimits } from './limits.ts';
import { statusListEntryCap } from './limits.ts';
import type { ParsedAccreditation } from './records/accreditation.ts';
import type { ParsedGovernance } from './records/governance.ts';
import { withBitsSource } from './records/status-list-credential.ts';
import { decodeStatusList, inflatedSizeOf } from './status-list/codec.ts';
import { CwtListIndex } from './status-list/cwt-list-index.ts';
import type { ListCache } from './status-list/decoded-cache.ts';
import { IssuerListUsage, type ListUsage } from './status-list/issuer-usage.ts';
import { JoseListIndex } from './status-list/jose-list-index.ts';
import type { Admission } from './validation/context.ts';
import { pinnedKeysOf, proofMethodOf } from './validation/pinned-keys.ts';
import { statusListSigner } from './validation/status-list.ts';
import { caTrustAnchors } from './verification/ca-anchors.ts';
import type { JoseStatusListState, StatusListState, TrustView } from './verification/trust-view.ts';
import { type CrlHoldings, CrlIndex, type HeldCaCertificate } from './x509/held-crls.ts';
import type { CaTrustAnchor, RevocationAnswer, RevocationSource } from './x509/types.ts';

/** A governance version or an accreditation as held: parsed, with its digest and bytes. */
export interface HeldRecord<T> {
  parsed: T;
  digest: string;
  bytes: Uint8Array;
}

/** What a state shares with the registry: the inflated-list cache and the limits. */
export interface RegistryStateModules {
  /**
   * The cache of inflated lists, shared by both states. Only the durable state forgets a replaced
   * version; the staged one passes a cache whose `delete` does nothing, since durable readers may
   * still read the version it replaced.
   */
  cache: ListCache;
  limits: InputLimits;
}

/** One view of replicated state (see the module documentation). */
export class RegistryState implements TrustView {
  private readonly governanceVersions = new Map<number, HeldRecord<ParsedGovernance>>();
  private latestGovernance: ParsedGovernance | null = null;
  private readonly accreditationsById = new Map<string, HeldRecord<ParsedAccreditation>>();
  private readonly accreditationsBySubject = new Map<string, ParsedAccreditation[]>();
  // Status list versions by slot (list id + signing key), and each list id's slots in arrival order.
  private readonly lists = new Map<string, StatusListState & { bytes: Uint8Array }>();
  private readonly listSlots = new Map<string, string[]>();
  // Each issuer's slots and inflated bytes (quotas).
  private readonly usage = new IssuerListUsage();
  // JOSE status lists (issue 13): Token Status Lists and StatusList2021 JWTs.
  private readonly joseLists: JoseListIndex;
  // CRLs and sub-CA certificates (issue 14): indexes only, the DER stays in the store.
  private readonly crlIndex = new CrlIndex();
  // Token Status Lists in CWT form (issue 14), read alongside the JOSE ones.
  private readonly cwtLists: CwtListIndex;
  private readonly modules: RegistryStateModules;

  constructor(modules: RegistryStateModules) {
    this.modules = modules;
    this.joseLists = new JoseListIndex(
      modules.cache,
      modules.limits,
      (issuer) => pinnedKeysOf(this, issuer),
      () => this.accreditations(),
    );
    this.cwtLists = new CwtListIndex(
      modules.cache,
      modules.limits,
      (issuer) => pinnedKeysOf(this, issuer),
      () => this.accreditations(),
    );
  }

  /**
   * Makes this state hold exactly what `other` holds. Held objects are shared: they are replaced,
   * never changed in place, except usage counters, which are copied.
   */
  copyFrom(other: RegistryState): void {
    copyMap(this.governanceVersions, other.governanceVersions);
    this.latestGovernance = other.latestGovernance;
    copyMap(this.accreditationsById, other.accreditationsById);
    copyMap(this.accreditationsBySubject, other.accreditationsBySubject);
    copyMap(this.lists, other.lists);
    copyMap(this.listSlots, other.listSlots);
    this.usage.copyFrom(other.usage);
    this.joseLists.copyFrom(other.joseLists);
    this.crlIndex.copyFrom(other.crlIndex);
    this.cwtLists.copyFrom(other.cwtLists);
  }

  /** Makes an admission part of this state; `inflated` when its status list was just inflated by admission. */
  apply(admission: Admission, receivedAt: number, inflated: boolean): void {
    switch (admission.kind) {
      case 'governance': {
        const { parsed, digest, bytes } = admission;
        this.governanceVersions.set(parsed.record.version, { parsed, digest, bytes });
        if (!this.latestGovernance || parsed.record.version > this.latestGovernance.record.version)
          this.latestGovernance = parsed;
        break;
      }
      case 'accreditation': {
        const { parsed, digest, bytes } = admission;
        this.accreditationsById.set(parsed.id, { parsed, digest, bytes });
        const list = this.accreditationsBySubject.get(parsed.subject) ?? [];
        this.accreditationsBySubject.set(parsed.subject, [...list.filter((a) => a.id !== parsed.id), parsed]);
        break;
      }
      case 'status-list':
        this.applyStatusList(admission, receivedAt, inflated);
        break;
      case 'token-status-list':
      case 'status-list-2021':
        this.joseLists.apply(
          admission.kind,
          admission.parsed,
          admission.key,
          admission.digest,
          admission.bytes,
          receivedAt,
        );
        break;
      case 'token-status-list-cwt':
        this.cwtLists.apply(admission.parsed, admission.key, admission.digest, admission.bytes, receivedAt);
        break;
      case 'evidence':
        break;
      case 'crl':
        this.crlIndex.applyCrl(admission.parsed, receivedAt);
        break;
      case 'ca-certificate':
        this.crlIndex.applyCaCertificate(admission.parsed);
        break;
    }
  }

  private applyStatusList(
    admission: Extract<Admission, { kind: 'status-list' }>,
    receivedAt: number,
    inflated: boolean,
  ): void {
    const { parsed, key, digest } = admission;
    const { cache, limits } = this.modules;
    // A key from the older slot form (no signing key in it) names its signer by the proof alone.
    const fallback = pinnedKeysOf(this, parsed.issuer).find((k) => k.id === proofMethodOf(parsed.credential));
    // Held compressed: admission inflated it once (that copy seeds the cache); a stored version
    // is only measured from its GZIP trailer. Reads inflate through the bounded cache.
    const decodedBytes = inflated ? parsed.bits.byteLength : inflatedSizeOf(parsed.encodedList);
    if (inflated) cache.put(digest, parsed.bits);
    const replaced = this.lists.get(key);
    if (replaced) {
      cache.delete(replaced.digest);
      this.releaseUsage(replaced);
    }
    const decodeOptions = { maxEntries: statusListEntryCap(limits, parsed.statusSize), statusSize: parsed.statusSize };
    const list = withBitsSource(parsed, () =>
      cache.get(digest, () => decodeStatusList(parsed.encodedList, decodeOptions)),
    );
    const state = {
      list,
      digest,
      receivedAt,
      key,
      signer: statusListSigner(parsed, key, fallback),
      bytes: admission.bytes,
      decodedBytes,
    };
    this.lists.set(key, state);
    this.usage.add(parsed.issuer, key, decodedBytes);
    const slots = this.listSlots.get(parsed.id) ?? [];
    if (!slots.includes(key)) this.listSlots.set(parsed.id, [...slots, key]);
  }

  /** The slot of list `id` signed by `signerMultibase` when its version is dated after `notAfter` (ms), or null. */
  futureStatusListSlot(id: string, signerMultibase: string, notAfter: number): string | null {
    const key = (this.listSlots.get(id) ?? []).find(
      (k) => this.lists.get(k)?.signer.publicKeyMultibase === signerMultibase,
    );
    const held = key === undefined ? undefined : this.lists.get(key);
    return key !== undefined && held && held.list.validFrom > notAfter ? key : null;
  }

  /** Forgets the status list version held in slot `key` (it was removed from the store). */
  dropStatusList(key: string): void {
    const held = this.lists.get(key);
    if (!held) return;
    this.lists.delete(key);
    this.modules.cache.delete(held.digest);
    this.releaseUsage(held);
    const id = held.list.id;
    const slots = (this.listSlots.get(id) ?? []).filter((k) => k !== key);
    if (slots.length > 0) this.listSlots.set(id, slots);
    else this.listSlots.delete(id);
  }

  private releaseUsage(state: StatusListState): void {
    this.usage.release(state.list.issuer, state.key, state.decodedBytes);
  }

  /** The newest governance version held, or null. */
  governance(): ParsedGovernance | null {
    return this.latestGovernance;
  }

  /** Governance version `v` as held, with its digest and bytes, or null. */
  governanceEntry(version: number): HeldRecord<ParsedGovernance> | null {
    return this.governanceVersions.get(version) ?? null;
  }

  /** The accreditation held under credential id `id`, with its digest and bytes, or null. */
  accreditationEntry(id: string): HeldRecord<ParsedAccreditation> | null {
    return this.accreditationsById.get(id) ?? null;
  }

  /** Accreditations whose subject is `did`. */
  accreditationsOf(did: string): readonly ParsedAccreditation[] {
    return this.accreditationsBySubject.get(did) ?? [];
  }

  /** Every held accreditation. */
  accreditations(): ParsedAccreditation[] {
    return [...this.accreditationsById.values()].map((a) => a.parsed);
  }

  /** The held version of a status list: the one signed by `signerMultibase` when given, else the first slot's. */
  statusList(id: string, signerMultibase?: string): StatusListState | null {
    const slots = this.listSlots.get(id) ?? [];
    const key =
      signerMultibase === undefined
        ? slots[0]
        : slots.find((k) => this.lists.get(k)?.signer.publicKeyMultibase === signerMultibase);
    return key === undefined ? null : (this.lists.get(key) ?? null);
  }

  /** Every held version of a status list id, one per signing key, in arrival order of their slots. */
  statusListVersions(id: string): StatusListState[] {
    return (this.listSlots.get(id) ?? []).flatMap((k) => {
      const state = this.lists.get(k);
      return state ? [state] : [];
    });
  }

  /**
   * Every held version of a JOSE status list uri (issue 13), one per signing key, then those of a
   * Token Status List in CWT form (issue 14): a reference names a uri, not a form
   * (status-list/token-status-forms.ts).
   */
  joseStatusListVersions(uri: string): JoseStatusListState[] {
    return [...this.joseLists.versions(uri), ...this.cwtLists.versions(uri)];
  }

  /** Uris of every held JOSE status list (either form of a Token Status List). */
  joseStatusListUris(): string[] {
    return [...new Set([...this.joseLists.uris(), ...this.cwtLists.uris()])];
  }

  /** Ids of every held status list. */
  statusListIds(): string[] {
    return [...this.listSlots.keys()];
  }

  /** Bytes of the list version (Bitstring or JOSE) held in slot `key`, or null. */
  statusListBytes(key: string): Uint8Array | null {
    return this.lists.get(key)?.bytes ?? this.joseLists.bytes(key) ?? this.cwtLists.bytes(key);
  }

  /** An issuer's Bitstring status list slots and inflated bytes (quotas). */
  statusListUsage(issuer: string): ListUsage {
    return this.usage.of(issuer);
  }

  /** The accredited CAs valid at `atMs` (issue 14): verification/ca-anchors.ts over this state. */
  certificateAuthorities(atMs: number): CaTrustAnchor[] {
    return caTrustAnchors(this, atMs);
  }

  /** The anchors of the CA pinned by `spkiSha256`, valid at `atMs`. */
  certificateAuthoritiesOf(spkiSha256: string, atMs: number): CaTrustAnchor[] {
    return caTrustAnchors(this, atMs, spkiSha256);
  }

  /** Held CRLs and sub-CA certificates (issue 14). */
  crlHoldings(): CrlHoldings {
    return this.crlIndex;
  }

  /** Revocation from the held CRLs of the CA key `issuerSpkiSha256` (x509/held-crls.ts). */
  lookup(issuerSpkiSha256: string, serial: Uint8Array, atMs: number): RevocationAnswer {
    return this.crlIndex.lookup(issuerSpkiSha256, serial, atMs);
  }

  /** The replica's CRLs as a RevocationSource (for validateCertificatePath). */
  revocationSource(): RevocationSource {
    return this.crlIndex;
  }

  /** The held sub-CA certificates. */
  caCertificates(): HeldCaCertificate[] {
    return this.crlIndex.caCertificates();
  }

  /** An issuer's JOSE status list slots and inflated bytes (quotas), its CWT lists included (issue 14). */
  joseStatusListUsage(issuer: string): ListUsage {
    const jose = this.joseLists.usageOf(issuer);
    const cwt = this.cwtLists.usageOf(issuer);
    if (cwt.slots.size === 0) return jose;
    return { slots: new Set([...jose.slots, ...cwt.slots]), decodedBytes: jose.decodedBytes + cwt.decodedBytes };
  }
}

function copyMap<K, V>(into: Map<K, V>, from: ReadonlyMap<K, V>): void {
  into.clear();
  for (const [key, value] of from) into.set(key, value);
}
