/**
 * The time bound of one sync session. A session gets `sessionTimeoutMs`, plus time earned by the
 * chunked-record bytes it actually moves (record-transfer.ts) at `minTransferBytesPerSecond`: an
 * honest 100 MB transfer over a link at least that fast completes, while a peer moving bytes slower
 * than that earns less time than it spends and is cut off. The most a session can last is therefore
 * `sessionTimeoutMs + roundBytes / minTransferBytesPerSecond`, where a round carries at most
 * `max(maxRoundBytes, maxLargeRecordBytes)` of records — the same finite bound for an honest and a
 * hostile peer.
 */

/** A session's deadline: an abort signal whose timer can be pushed back by bytes moved. */
export class SessionDeadline {
  private readonly controller = new AbortController();
  private endsAt: number;
  private timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param timeoutMs the base time the session may last
   * @param bytesPerSecond the throughput that earns more time (0: none is earned)
   */
  constructor(
    timeoutMs: number,
    private readonly bytesPerSecond: number,
  ) {
    this.endsAt = performance.now() + timeoutMs;
    this.arm(timeoutMs);
  }

  /** Aborted once the deadline passes, with a `TimeoutError` as `AbortSignal.timeout` does. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Earns time for `bytes` of a chunked record sent or received. */
  credit(bytes: number): void {
    if (this.bytesPerSecond > 0 && !this.controller.signal.aborted) this.endsAt += (bytes * 1000) / this.bytesPerSecond;
  }

  /** Stops the timer (the session ended). */
  dispose(): void {
    clearTimeout(this.timer);
  }

  private arm(delayMs: number): void {
    this.timer = setTimeout(
      () => {
        const left = this.endsAt - performance.now();
        // Credit earned since the timer was set moves the deadline on: wait for the rest.
        if (left > 1) this.arm(left);
        else this.controller.abort(new DOMException('sync session deadline passed', 'TimeoutError'));
      },
      Math.max(0, delayMs),
    );
    // A pending deadline must not keep the process alive.
    this.timer.unref?.();
  }
}
