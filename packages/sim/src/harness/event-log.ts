/**
 * The run's JSONL event log: one JSON object per line, `t` in ms since t = 0 (negative during
 * warm-up), written as the run goes so a crashed run still leaves its events.
 */
import { createWriteStream, type WriteStream } from 'node:fs';

/** One logged event. */
export interface SimEvent {
  t: number;
  type: string;
  [field: string]: unknown;
}

/** Appends events to a file (or only counts them, without a path). */
export class EventLog {
  private readonly stream: WriteStream | null;
  count = 0;

  constructor(path: string | null) {
    this.stream = path ? createWriteStream(path, { flags: 'w' }) : null;
  }

  write(event: SimEvent): void {
    this.count++;
    this.stream?.write(`${JSON.stringify({ ...event, t: Math.round(event.t * 10) / 10 })}\n`);
  }

  /** Flushes and closes the file. */
  close(): Promise<void> {
    const stream = this.stream;
    if (!stream) return Promise.resolve();
    return new Promise((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
}
