/**
 * Progress of long work (importing, catching up): a bar redrawn in place on a terminal, plain lines
 * at every tenth otherwise (logs, CI), nothing for short work. Written to stderr so results on
 * stdout stay clean.
 */
import type { OutputStream } from './output.ts';

/** Below this many steps, work is short enough to need no progress report. */
export const PROGRESS_MIN_TOTAL = 100;

const BAR_WIDTH = 30;

/** A progress report for `total` steps. */
export interface Progress {
  /** Reports that `done` of the steps are finished. */
  update(done: number): void;
  /** Ends the report (clears the bar's line on a terminal). */
  finish(): void;
}

/** Creates a progress report on `stream`; `label` names the work ("importing records"). */
export function createProgress(stream: OutputStream, label: string, total: number): Progress {
  if (total < PROGRESS_MIN_TOTAL) return { update: () => undefined, finish: () => undefined };
  let shown = -1;
  if (stream.isTTY) {
    return {
      update(done) {
        const percent = Math.floor((done / total) * 100);
        // Redraw only when the figure changes: a terminal write per record would slow the import.
        if (percent === shown) return;
        shown = percent;
        const filled = Math.round((done / total) * BAR_WIDTH);
        stream.write(
          `\r${label} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${done}/${total} ${percent}%`,
        );
      },
      finish() {
        if (shown >= 0) stream.write('\r\u001b[2K');
        shown = -1;
      },
    };
  }
  return {
    update(done) {
      const tenth = Math.floor((done / total) * 10);
      if (tenth === shown || tenth === 0) return;
      shown = tenth;
      stream.write(`${label}: ${done}/${total} (${tenth * 10}%)\n`);
    },
    finish: () => undefined,
  };
}
