/**
 * The registry's in-memory index of held Token Status Lists in CWT form (issue 14): one state per
 * slot (list `sub` and signing key), each uri's slots in arrival order, and each issuer's slots and
 * inflated bytes (counted with its JOSE lists for the quotas). States have the JOSE lists' shape
 * (verification/trust-view.ts, `format: 'token-status-list-cwt'`), so status queries, SD-JWT VC and
 * mdoc status references and the mirror read both forms alike. Lists stay compressed; reads inflate
 * through the registry's bounded DecodedListCache.
 */

import type { InputLimits } from '../limits.ts';
import type { ParsedAccreditation } from '../records/accreditation.ts';
import type { PinnedKey } from '../records/keys.ts';
import type { JoseStatusList } from '../verification/trust-view.ts';
import { type AdmittedCwtList, CWT_LIST_MEDIA_TYPE, type CwtListState } from './cwt-list-kind.ts';
import { inflateCwtStatusList } from './cwt-status-list.ts';
import type { ListCache } from './decoded-cache.ts';
import { IssuerListUsage, type ListUsage } from './issuer-usage.ts';
import { readJoseEntry } from './jose-lists.ts';

/** The registry's index of held CWT lists. */
export class CwtListIndex {
  private readonly states = new Map<string, CwtListState & { decodedBytes: number }>();
  private readonly slots = new Map<string, string[]>();
  private readonly usage = new IssuerListUsage();

  constructor(
    private readonly cache: ListCache,
    private readonly limits: InputLimits,
    /** Pinned keys of an issuer (to name a restored version's signer as pinned), and accreditations. */
    private readonly pinnedKeys: (issuer: string) => readonly PinnedKey[],
    private readonly accreditations: () => readonly ParsedAccreditation[],
  ) {}

  /** Makes an admitted (or restored) version visible. */
  apply(parsed: AdmittedCwtList, key: string, digest: string, bytes: Uint8Array, receivedAt: number): void {
    let issuer = parsed.issuer;
    let signer = parsed.signer;
    if (issuer === '') {
      // A restored list without `iss`: the subject whose pinned key signed it.
      const hit = this.accreditations().find((a) =>
        a.publicKeys.some((k) => k.publicKeyMultibase === signer.publicKeyMultibase),
      );
      issuer = hit?.subject ?? '';
    }
    const pinned = this.pinnedKeys(issuer).find((k) => k.publicKeyMultibase === signer.publicKeyMultibase);
    if (pinned) signer = pinned;
    const limits = this.limits;
    const compressed = parsed.compressed;
    const inflate = () => inflateCwtStatusList(compressed, limits);
    const decoded = parsed.decoded ?? inflate();
    this.cache.put(digest, decoded);
    const replaced = this.states.get(key);
    if (replaced) {
      this.cache.delete(replaced.digest);
      this.usage.release(replaced.list.issuer, key, replaced.decodedBytes);
    }
    const cache = this.cache;
    const size = Math.floor((decoded.byteLength * 8) / parsed.bits);
    const list: JoseStatusList = {
      format: 'token-status-list-cwt',
      uri: parsed.sub,
      issuer,
      bits: parsed.bits,
      purpose: null,
      versionMs: parsed.iat * 1000,
      expMs: parsed.exp === undefined ? null : parsed.exp * 1000,
      ttlSeconds: parsed.ttl ?? null,
      mediaType: CWT_LIST_MEDIA_TYPE,
      size: () => size,
      // draft §4.1: the same byte layout as the JWT form (LSB first, `bits` per entry).
      read: (index) => readJoseEntry('token-status-list', cache.get(digest, inflate), parsed.bits, index),
      decoded: () => cache.get(digest, inflate),
    };
    // The held token without its inflated copy (the cache holds that, bounded).
    const cwt = { ...parsed, statuses: null };
    this.states.set(key, { list, digest, receivedAt, key, signer, bytes, cwt, decodedBytes: decoded.byteLength });
    this.usage.add(issuer, key, decoded.byteLength);
    const slots = this.slots.get(parsed.sub) ?? [];
    if (!slots.includes(key)) this.slots.set(parsed.sub, [...slots, key]);
  }

  /** Makes this index hold what `other` holds (the staged state falling back to the durable one). */
  copyFrom(other: CwtListIndex): void {
    this.states.clear();
    this.slots.clear();
    for (const [key, state] of other.states) this.states.set(key, state);
    // Slot lists are replaced, never changed in place; usage is changed in place, so it is copied.
    for (const [uri, keys] of other.slots) this.slots.set(uri, keys);
    this.usage.copyFrom(other.usage);
  }

  /** Every held version of a list uri, one per signing key. */
  versions(uri: string): CwtListState[] {
    return (this.slots.get(uri) ?? []).flatMap((k) => {
      const s = this.states.get(k);
      return s ? [s] : [];
    });
  }

  /** Bytes held in slot `key`, or null. */
  bytes(key: string): Uint8Array | null {
    return this.states.get(key)?.bytes ?? null;
  }

  /** An issuer's CWT list slots and inflated bytes. */
  usageOf(issuer: string): ListUsage {
    return this.usage.of(issuer);
  }

  /** Uris of every held CWT list. */
  uris(): string[] {
    return [...this.slots.keys()];
  }
}
