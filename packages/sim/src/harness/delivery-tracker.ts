/**
 * Who holds which update, and since when. An update is one published revocation (a new version of
 * an issuer's list); a node holds it once it has admitted that version *or a newer one* of the same
 * list — a newer version carries every earlier revocation bit, since revocation never goes 1 → 0.
 */

/** A published update as the harness knows it. */
export interface TrackedUpdate {
  id: number;
  issuer: number;
  listId: string;
  credential: number;
  /** The version's validFrom (ms since the epoch): the list's version order. */
  validFrom: number;
  /** When it was handed to a node, ms since t = 0. */
  publishedAt: number;
  /** Node it was published through. */
  via: number;
}

/** Delivery bookkeeping over node indices. */
export class DeliveryTracker {
  readonly updates: TrackedUpdate[] = [];
  /** deliveredAt[update id] → node index → ms since t = 0. */
  readonly deliveredAt = new Map<number, Map<number, number>>();
  private readonly byList = new Map<string, TrackedUpdate[]>();
  // Newest version (validFrom) of each list a node holds.
  private readonly held = new Map<number, Map<string, number>>();

  /** Registers a publication (before it is submitted, so the publishing node's own admission counts). */
  publish(update: Omit<TrackedUpdate, 'id'>): TrackedUpdate {
    const tracked = { ...update, id: this.updates.length };
    this.updates.push(tracked);
    this.deliveredAt.set(tracked.id, new Map());
    const list = this.byList.get(update.listId) ?? [];
    list.push(tracked);
    this.byList.set(update.listId, list);
    // A node that already holds a newer version (impossible for honest issuers, but cheap) holds this.
    for (const [node, versions] of this.held) {
      if ((versions.get(update.listId) ?? -Infinity) >= update.validFrom) this.mark(tracked, node, update.publishedAt);
    }
    return tracked;
  }

  /** A node admitted version `validFrom` of `listId` at `t`; returns the updates it newly delivered. */
  admit(node: number, listId: string, validFrom: number, t: number): TrackedUpdate[] {
    let versions = this.held.get(node);
    if (!versions) {
      versions = new Map();
      this.held.set(node, versions);
    }
    if ((versions.get(listId) ?? -Infinity) >= validFrom) return [];
    versions.set(listId, validFrom);
    const delivered: TrackedUpdate[] = [];
    for (const update of this.byList.get(listId) ?? []) {
      if (update.validFrom <= validFrom && !this.deliveredAt.get(update.id)!.has(node)) {
        this.mark(update, node, t);
        delivered.push(update);
      }
    }
    return delivered;
  }

  /** Forgets what a node holds (a joiner or a node restarted with an empty store). */
  reset(node: number): void {
    this.held.delete(node);
  }

  /** When `node` came to hold `update`, or undefined. */
  at(update: number, node: number): number | undefined {
    return this.deliveredAt.get(update)?.get(node);
  }

  private mark(update: TrackedUpdate, node: number, t: number): void {
    this.deliveredAt.get(update.id)!.set(node, t);
  }
}
