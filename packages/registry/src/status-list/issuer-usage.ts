/**
 * Per-issuer usage of status lists (issue 11 quotas): the slots an issuer holds and their inflated
 * bytes, kept by each list index (Bitstring, JOSE, CWT) and read by the admission rules.
 */

/** One issuer's usage, as the quota rules read it. */
export interface ListUsage {
  slots: ReadonlySet<string>;
  decodedBytes: number;
}

/** The usage of every issuer of one list index. */
export class IssuerListUsage {
  private readonly byIssuer = new Map<string, { slots: Set<string>; decodedBytes: number }>();

  /** Counts slot `key` of `issuer` with its inflated bytes (a replaced version is released first). */
  add(issuer: string, key: string, decodedBytes: number): void {
    const usage = this.byIssuer.get(issuer) ?? { slots: new Set<string>(), decodedBytes: 0 };
    usage.slots.add(key);
    usage.decodedBytes += decodedBytes;
    this.byIssuer.set(issuer, usage);
  }

  /** Stops counting slot `key` of `issuer` and its inflated bytes. */
  release(issuer: string, key: string, decodedBytes: number): void {
    const usage = this.byIssuer.get(issuer);
    if (!usage) return;
    usage.slots.delete(key);
    usage.decodedBytes -= decodedBytes;
    if (usage.slots.size === 0) this.byIssuer.delete(issuer);
  }

  /** An issuer's usage (empty when it holds nothing). */
  of(issuer: string): ListUsage {
    return this.byIssuer.get(issuer) ?? { slots: new Set(), decodedBytes: 0 };
  }

  /** Makes this hold what `other` holds; counters are changed in place, so they are copied. */
  copyFrom(other: IssuerListUsage): void {
    this.byIssuer.clear();
    for (const [issuer, usage] of other.byIssuer) {
      this.byIssuer.set(issuer, { slots: new Set(usage.slots), decodedBytes: usage.decodedBytes });
    }
  }
}
