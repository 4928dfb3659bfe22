/**
 * The registry's in-memory index of held JOSE status lists (issue 13): one state per slot (list uri
 * and signing key), each uri's slots in arrival order, and each issuer's slots and inflated bytes
 * (quotas). Lists stay compressed; reads inflate through the registry's bounded DecodedListCache.
 * Record semantics (parsing, validation) live in jose-lists.ts.
 */

import type { InputLimits } from '../limits.ts';
import type { ParsedAccreditation } from '../records/accreditation.ts';
import type { CompactJws } from '../records/jws.ts';
import type { PinnedKey } from '../records/keys.ts';
import type { JoseStatusList, JoseStatusListState } from '../verification/trust-view.ts';
import type { ListCache } from './decoded-cache.ts';
import { IssuerListUsage, type ListUsage } from './issuer-usage.ts';
import {
  type AdmittedJoseList,
  inflateJoseList,
  type JoseListKind,
  joseListMediaType,
  readJoseEntry,
} from './jose-lists.ts';

/** The registry's index of held JOSE lists: one state per slot, each uri's slots in arrival order. */
export class JoseListIndex {
  private readonly states = new Map<string, JoseStatusListState & { jws: CompactJws; decodedBytes: number }>();
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
  apply(
    kind: JoseListKind,
    parsed: AdmittedJoseList,
    key: string,
    digest: string,
    bytes: Uint8Array,
    receivedAt: number,
  ): void {
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
    const decoded = parsed.decoded ?? inflateJoseList(parsed, this.limits);
    this.cache.put(digest, decoded);
    const replaced = this.states.get(key);
    if (replaced) {
      this.cache.delete(replaced.digest);
      this.usage.release(replaced.list.issuer, key, replaced.decodedBytes);
    }
    const cache = this.cache;
    const limits = this.limits;
    const size = Math.floor((decoded.byteLength * 8) / parsed.bits);
    const list: JoseStatusList = {
      format: kind,
      uri: parsed.uri,
      issuer,
      bits: parsed.bits,
      purpose: parsed.purpose,
      versionMs: parsed.versionMs,
      expMs: parsed.expMs,
      ttlSeconds: parsed.ttlSeconds,
      mediaType: joseListMediaType(kind, parsed.form),
      size: () => size,
      read: (index) =>
        readJoseEntry(
          kind,
          cache.get(digest, () => inflateJoseList(parsed, limits)),
          parsed.bits,
          index,
        ),
      decoded: () => cache.get(digest, () => inflateJoseList(parsed, limits)),
    };
    this.states.set(key, {
      list,
      digest,
      receivedAt,
      key,
      signer,
      bytes,
      jws: parsed.jws,
      decodedBytes: decoded.byteLength,
    });
    this.usage.add(issuer, key, decoded.byteLength);
    const uriKey = `${kind} ${parsed.uri}`;
    const slots = this.slots.get(uriKey) ?? [];
    if (!slots.includes(key)) this.slots.set(uriKey, [...slots, key]);
  }

  /** Makes this index hold what `other` holds (the registry's staged state falling back to the durable one). */
  copyFrom(other: JoseListIndex): void {
    this.states.clear();
    this.slots.clear();
    for (const [key, state] of other.states) this.states.set(key, state);
    // Slot lists are replaced, never changed in place; usage is changed in place, so it is copied.
    for (const [uri, keys] of other.slots) this.slots.set(uri, keys);
    this.usage.copyFrom(other.usage);
  }

  /** Every held version of a list uri (both kinds), one per signing key. */
  versions(uri: string): JoseStatusListState[] {
    const keys = [
      ...(this.slots.get(`token-status-list ${uri}`) ?? []),
      ...(this.slots.get(`status-list-2021 ${uri}`) ?? []),
    ];
    return keys.flatMap((k) => {
      const s = this.states.get(k);
      return s ? [s] : [];
    });
  }

  /** Bytes held in slot `key`, or null. */
  bytes(key: string): Uint8Array | null {
    return this.states.get(key)?.bytes ?? null;
  }

  /** An issuer's JOSE list slots and inflated bytes (quotas). */
  usageOf(issuer: string): ListUsage {
    return this.usage.of(issuer);
  }

  /** Uris of every held JOSE list. */
  uris(): string[] {
    return [...new Set([...this.slots.keys()].map((k) => k.slice(k.indexOf(' ') + 1)))];
  }
}
