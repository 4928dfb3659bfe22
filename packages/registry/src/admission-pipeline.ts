/**
 * Pipelined admission (issue 13, Benchmark): the next record is validated while the earlier ones
 * are on their way to disk, so a synced write (an fsync) is paid once per group of records
 * (store/group-commit.ts) instead of once per record, one after the other.
 *
 * Two stages, each strictly in submission order:
 * 1. *judge*, one at a time, against the staged state (durable + everything judged and queued):
 *    a change it admits is staged at once and its commit issued at once;
 * 2. *settle*, in the same order: a change is made durable (applied to the durable state, what
 *    readers and listeners see) once its commit resolved, and its caller answered only then. An
 *    answer without a change (ignore, reject) also waits for the changes judged before it, since
 *    it was judged on top of them.
 *
 * On a failed commit, that caller gets the store's error, and so does every answer judged on top of
 * it that no durable state backs: a change whose commit fails too (the store is fail-stop,
 * store/types.ts), and an answer without a change. Judging stops until everything in flight has
 * settled; then the staged state falls back to the durable one (`resync`) and judging resumes.
 * A judgement that was in progress when a failure was seen issues no commit: it gets the error.
 * At most `maxInFlight` records are between judged and settled; the next waits (back-pressure).
 */
import type { StoreBatch } from './store/types.ts';

/** A change a judgement admits: what to write, and what to do in memory before and after it lands. */
export interface StagedChange {
  batch: StoreBatch;
  /** Applies it to the staged state (right after judging, before the commit is issued). */
  stage: () => void;
  /** Applies it to the durable state, once its commit resolved. */
  apply: () => void;
  /** Tells listeners, after `apply`; a listener's error reaches the caller, not the pipeline. */
  announce?: () => void;
}

/** The outcome of judging one submission: its answer, and the change it admits, if any. */
export interface Judgement<T> {
  value: T;
  change?: StagedChange;
}

/** Settings of an {@link AdmissionPipeline}. */
export interface AdmissionPipelineOptions {
  /** Most submissions judged and not yet settled. */
  maxInFlight: number;
}

/** Defaults of {@link AdmissionPipelineOptions}: 256 records in flight (gossip and anti-entropy deliver many at once). */
export const defaultAdmissionPipelineOptions: AdmissionPipelineOptions = { maxInFlight: 256 };

/** What the pipeline runs on. */
export interface AdmissionPipelineModules {
  /** Persists a batch (the store's commit, which groups concurrent commits). */
  commit: (batch: StoreBatch) => Promise<void>;
  /** Makes the staged state what the durable state is (after a failed commit, once nothing is in flight). */
  resync: () => void;
}

/** Runs submissions through judge → commit → settle (see the module documentation). */
/** Settles a link of the chains to `undefined`, whatever the submission's outcome. */
const NOTHING = (): undefined => undefined;

export class AdmissionPipeline {
  private readonly options: AdmissionPipelineOptions;
  private readonly modules: AdmissionPipelineModules;
  private judging: Promise<unknown> = Promise.resolve();
  private settling: Promise<unknown> = Promise.resolve();
  private inFlight = 0;
  // Bumped by each failed commit; a judgement made in an earlier epoch may rest on what failed.
  private epoch = 0;
  private lastFailure: unknown = null;
  private resyncPending = false;
  private wakeUp: (() => void) | null = null;

  constructor(options: Partial<AdmissionPipelineOptions>, modules: AdmissionPipelineModules) {
    this.options = { ...defaultAdmissionPipelineOptions, ...options };
    this.modules = modules;
  }

  /** Judges `judge` after every earlier submission was judged; resolves once its answer is durable. */
  run<T>(judge: () => Promise<Judgement<T>>): Promise<T> {
    // The ticket is wrapped so that judging resolves at staging, not at settling.
    const ticket = this.judging.then(() => this.judgeNext(judge));
    // Chained as `undefined`: the chain must not keep the last submission's answer (its bytes: a
    // CRL's are tens of MB) alive until the next submission comes.
    this.judging = ticket.then(NOTHING, NOTHING);
    return ticket.then((t) => t.settled);
  }

  /** Settles once every submission made so far has settled. */
  async idle(): Promise<void> {
    await this.judging;
    await this.settling;
  }

  private async judgeNext<T>(judge: () => Promise<Judgement<T>>): Promise<{ settled: Promise<T> }> {
    while (this.inFlight >= this.options.maxInFlight || this.resyncPending) {
      await new Promise<void>((resolve) => {
        this.wakeUp = resolve;
      });
    }
    const epoch = this.epoch;
    this.inFlight++;
    let judgement: Judgement<T>;
    try {
      judgement = await judge();
    } catch (error) {
      // A store fault while judging (reading evidence), or a bug: that caller's error, in order.
      return { settled: this.settle(epoch, null, () => Promise.reject(error)) };
    }
    const { change } = judgement;
    if (change && epoch !== this.epoch) {
      // A commit failed while this was being judged, on a staged state that did not become durable.
      return { settled: this.settle(epoch, null, () => Promise.reject(this.lastFailure)) };
    }
    let commit: Promise<void> | null = null;
    if (change) {
      try {
        change.stage();
        commit = this.modules.commit(change.batch);
      } catch (error) {
        // A bug: the staged state may be half changed, so nothing more is judged on it until it is
        // rebuilt; the failure itself is recorded in order, when this settles.
        this.resyncPending = true;
        commit = Promise.reject(error);
      }
      // Observed in settle; this keeps an early rejection from being reported as unhandled.
      commit.catch(() => undefined);
    }
    return { settled: this.settle(epoch, commit, async () => judgement) };
  }

  /** Queues the settling of one submission behind every earlier one. */
  private settle<T>(epoch: number, commit: Promise<void> | null, answer: () => Promise<Judgement<T>>): Promise<T> {
    const settled = this.settling.then(async () => {
      try {
        const judgement = await answer();
        if (commit) {
          try {
            await commit;
          } catch (error) {
            this.failed(error);
            throw error;
          }
          // Landed: the durable state mirrors the store, whatever failed before it.
          judgement.change?.apply();
        } else if (epoch !== this.epoch) {
          // Judged on top of a change that failed: nothing durable backs this answer.
          throw this.lastFailure;
        }
        judgement.change?.announce?.();
        return judgement.value;
      } finally {
        this.inFlight--;
        if (this.inFlight === 0 && this.resyncPending) {
          this.modules.resync();
          this.resyncPending = false;
        }
        const wake = this.wakeUp;
        this.wakeUp = null;
        wake?.();
      }
    });
    this.settling = settled.then(NOTHING, NOTHING);
    return settled;
  }

  private failed(error: unknown): void {
    this.epoch++;
    this.lastFailure = error;
    this.resyncPending = true;
  }
}
