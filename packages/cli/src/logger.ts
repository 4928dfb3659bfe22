/**
 * Structured logs of a node run by the CLI (`start`, `up`): pino, one JSON object per line, or — on a
 * terminal — the same records as short readable lines. The readable form is a few lines here rather
 * than pino-pretty: it needs no worker thread and no extra dependency.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import type { OutputStream } from './output.ts';

/** How log records are written. */
export type LogFormat = 'json' | 'pretty';

/** Levels `--log-level` accepts. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  level: (typeof LOG_LEVELS)[number];
  format: LogFormat;
}

/** The format to use when none is asked for: readable on a terminal, JSON lines otherwise. */
export function defaultLogFormat(stream: OutputStream): LogFormat {
  return stream.isTTY ? 'pretty' : 'json';
}

/** A pino logger writing to `stream`. */
export function createLogger(stream: OutputStream, options: LoggerOptions): Logger {
  const destination: DestinationStream =
    options.format === 'json'
      ? { write: (line) => stream.write(line) }
      : { write: (line) => stream.write(pretty(line)) };
  return pino(
    {
      level: options.level,
      // No pid or hostname: one node per process, and the host is the operator's own.
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      // Level names rather than numbers: the lines are read by people and by log shippers alike.
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** Adapts a pino logger to the node's `{ warn, debug }` logger interfaces (gossip, anti-entropy). */
export function nodeLogger(logger: Logger): {
  warn(message: string, details?: Record<string, unknown>): void;
  debug(message: string, details?: Record<string, unknown>): void;
} {
  return {
    warn: (message, details) => logger.warn(details ?? {}, message),
    debug: (message, details) => logger.debug(details ?? {}, message),
  };
}

/** `12:34:56.789 INFO  message key=value …` from one JSON log line. */
export function pretty(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { time, level, msg, ...rest } = record;
  const clock = typeof time === 'string' ? time.slice(11, 23) : '';
  const fields = Object.entries(rest)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${clock} ${String(level ?? '')
    .toUpperCase()
    .padEnd(5)} ${String(msg ?? '')}${fields ? ` ${fields}` : ''}\n`;
}
