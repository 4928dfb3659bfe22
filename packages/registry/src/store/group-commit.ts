/**
 * Group commit: commits that arrive while a write is on its way to disk are coalesced into the next
 * write, so many concurrent callers share one synced LevelDB batch (one fsync) instead of paying one
 * each, one after the other. Nothing waits for company: a commit that finds the writer idle goes at
 * once, alone; the ones that queue meanwhile go together next.
 *
 * Each caller's promise settles only when the write that carries it has settled: resolved once it
 * is on disk, rejected with the write's error when it failed. A failed write fails every member of
 * its group, and every commit queued behind it is refused with `refuse(error)` (a store is
 * fail-stop after a failed write: issue 10, problem 2), so no commit queued before a failure is
 * known can land after it. Members are written in the order they were submitted.
 */

interface Member<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Settings of a {@link GroupCommit}. */
export interface GroupCommitOptions {
  /** Most commits written in one group; the rest wait for the next. */
  maxGroup: number;
  /** Most bytes (as `weigh` counts them) in one group, past its first commit: bounds one write. */
  maxGroupBytes: number;
}

/** Defaults of {@link GroupCommitOptions}: 1,024 commits or 16 MiB (64 records at the 256 KiB record limit). */
export const defaultGroupCommitOptions: GroupCommitOptions = { maxGroup: 1024, maxGroupBytes: 16 * 1024 * 1024 };

/** What a {@link GroupCommit} runs: the write of one group, and the refusal of those queued behind a failed one. */
export interface GroupCommitModules<T> {
  /** Writes a group atomically, in order; rejects when nothing of it was written. */
  write: (group: readonly T[]) => Promise<void>;
  /** The bytes a commit adds to a write. */
  weigh: (item: T) => number;
  /**
   * The error every commit queued behind a failed group gets (given that group's error), or null
   * when the failure leaves the store writable (a failed read) and they may still be written.
   */
  refuse: (error: unknown) => unknown;
}

/** A queue of commits written in groups, one group at a time (see the module documentation). */
export class GroupCommit<T> {
  private readonly options: GroupCommitOptions;
  private readonly modules: GroupCommitModules<T>;
  private waiting: Member<T>[] = [];
  private running: Promise<void> | null = null;

  constructor(options: Partial<GroupCommitOptions>, modules: GroupCommitModules<T>) {
    this.options = { ...defaultGroupCommitOptions, ...options };
    this.modules = modules;
  }

  /** Queues `item`; settles when the group carrying it has been written (or has failed). */
  submit(item: T): Promise<void> {
    const settled = new Promise<void>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
    });
    this.running ??= this.drain();
    return settled;
  }

  /** Settles once nothing is queued or being written. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** How many of the waiting commits the next group takes: at least one, within both bounds. */
  private groupLength(): number {
    let bytes = 0;
    let length = 0;
    for (const member of this.waiting) {
      if (length >= this.options.maxGroup) break;
      bytes += this.modules.weigh(member.item);
      if (length > 0 && bytes > this.options.maxGroupBytes) break;
      length++;
    }
    return length;
  }

  private async drain(): Promise<void> {
    // Starts a microtask later: `running` is set before the loop can end, and the commits made in
    // the same synchronous run as the first one go with it.
    await undefined;
    try {
      while (this.waiting.length > 0) {
        const group = this.waiting.splice(0, this.groupLength());
        try {
          await this.modules.write(group.map((member) => member.item));
        } catch (error) {
          for (const member of group) member.reject(error);
          // Fail-stop: whatever queued behind a failed write never lands on top of it.
          const refusal = this.waiting.length > 0 ? this.modules.refuse(error) : null;
          if (refusal !== null) for (const member of this.waiting.splice(0)) member.reject(refusal);
          continue;
        }
        for (const member of group) member.resolve();
      }
    } finally {
      this.running = null;
    }
  }
}
