/**
 * A bounded cache of inflated status lists, by content digest: the lists a registry holds stay
 * compressed (their `encodedList`), and are inflated on demand for the few in use. Bounded by bytes,
 * least recently used out first, so what a registry holds in RAM does not grow with what issuers
 * publish (issue 11: an accredited issuer could pin ~64 MiB per ~97 KB list).
 */

/** Settings of a {@link DecodedListCache}. */
export interface DecodedListCacheOptions {
  /** Most inflated bytes kept. A list larger than this is inflated on every read and never kept. */
  maxBytes: number;
}

/** What holders of lists use of the cache (the registry's staged state forgets nothing: it only adds). */
export type ListCache = Pick<DecodedListCache, 'get' | 'put' | 'delete'>;

/** Least-recently-used cache of inflated lists. */
export class DecodedListCache {
  private readonly entries = new Map<string, Uint8Array>();
  private total = 0;

  constructor(readonly options: DecodedListCacheOptions) {}

  /** Inflated bytes held. */
  get bytes(): number {
    return this.total;
  }

  /** The bits of list version `digest`, inflating them with `decode` when not held. */
  get(digest: string, decode: () => Uint8Array): Uint8Array {
    const held = this.entries.get(digest);
    if (held) {
      // Map order is recency order: move to the end.
      this.entries.delete(digest);
      this.entries.set(digest, held);
      return held;
    }
    const bits = decode();
    this.put(digest, bits);
    return bits;
  }

  /** Keeps `bits` for `digest` (e.g. just inflated by admission), evicting the least recently used. */
  put(digest: string, bits: Uint8Array): void {
    if (bits.byteLength > this.options.maxBytes) return;
    const old = this.entries.get(digest);
    if (old) {
      this.total -= old.byteLength;
      this.entries.delete(digest);
    }
    this.entries.set(digest, bits);
    this.total += bits.byteLength;
    for (const [key, value] of this.entries) {
      if (this.total <= this.options.maxBytes) break;
      this.entries.delete(key);
      this.total -= value.byteLength;
    }
  }

  /** Forgets a version (it was replaced or dropped). */
  delete(digest: string): void {
    const held = this.entries.get(digest);
    if (!held) return;
    this.entries.delete(digest);
    this.total -= held.byteLength;
  }
}
