/**
 * What a command prints and how it exits. Results go to stdout (one JSON document with `--json`,
 * readable lines otherwise); notes, warnings, progress and errors go to stderr, so `--json` output
 * can be piped. Exit codes (issue 4): 0 ok / verified, 1 not verified / refused, 2 usage error or
 * could not decide. A user's mistake prints what was wrong and what to do — never a stack trace.
 */
import { CodedError, StoreError } from '@trustmesh/registry';

/** Exit codes of every command. */
export const EXIT = {
  /** Done; or verified. */
  OK: 0,
  /** The command ran but the answer is no: not verified, a record refused, a threshold not met. */
  NOT_VERIFIED: 1,
  /** Usage error, bad input, unreachable node, or verification could not decide. */
  UNDECIDED: 2,
} as const;

/** One of {@link EXIT}'s values. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A stream the CLI writes to (process.stdout / stderr, or a buffer in tests). */
export interface OutputStream {
  write(text: string): unknown;
  /** True on a terminal: progress is drawn as a bar rather than printed as lines. */
  isTTY?: boolean;
  columns?: number;
}

/**
 * A failure the user can act on: `message` says what was wrong, `hint` what to do. `code` is
 * stable (shown with `--json`), like the registry's codes.
 */
export class CliError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;

  constructor(code: string, message: string, options: { hint?: string; exitCode?: ExitCode; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'CliError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? EXIT.UNDECIDED;
  }
}

/** Printing for one command run, in human or JSON form. */
export class Output {
  readonly json: boolean;
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;

  constructor(streams: { stdout: OutputStream; stderr: OutputStream }, options: { json: boolean }) {
    this.stdout = streams.stdout;
    this.stderr = streams.stderr;
    this.json = options.json;
  }

  /** Prints a command's result: `data` as JSON with `--json`, otherwise the lines `human` makes of it. */
  result<T>(data: T, human: (data: T) => string | readonly string[]): void {
    if (this.json) {
      this.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
      return;
    }
    const text = human(data);
    const lines = typeof text === 'string' ? [text] : text;
    if (lines.length > 0) this.stdout.write(`${lines.join('\n')}\n`);
  }

  /** A line for the person at the terminal (stderr, so it never mixes with results). */
  note(line: string): void {
    this.stderr.write(`${line}\n`);
  }

  /** A warning (stderr), in either mode. */
  warn(line: string): void {
    this.stderr.write(`warning: ${line}\n`);
  }
}

/**
 * Prints an error and returns its exit code. Errors the user can act on print their message and
 * hint; anything else is a bug, printed as such (with the stack only when TRUSTMESH_DEBUG is set).
 */
export function reportError(
  error: unknown,
  streams: { stderr: OutputStream },
  options: { json: boolean; debug: boolean },
): ExitCode {
  const known = describeError(error);
  if (options.json) {
    streams.stderr.write(
      `${JSON.stringify({ error: { code: known.code, message: known.message, ...(known.hint ? { hint: known.hint } : {}) } })}\n`,
    );
  } else {
    streams.stderr.write(`error: ${known.message}\n`);
    if (known.hint) streams.stderr.write(`hint: ${known.hint}\n`);
  }
  if (options.debug && error instanceof Error && error.stack) streams.stderr.write(`${error.stack}\n`);
  return known.exitCode;
}

function describeError(error: unknown): { code: string; message: string; hint?: string; exitCode: ExitCode } {
  if (error instanceof CliError) {
    return { code: error.code, message: error.message, exitCode: error.exitCode, ...hintOf(error.hint) };
  }
  // A store fault is this machine's, not the input's: say where to look.
  if (error instanceof StoreError) {
    return {
      code: error.code,
      message: `${error.code}: ${error.message}`,
      hint: 'check the data directory: free disk space, permissions, and that no other node uses it',
      exitCode: EXIT.UNDECIDED,
    };
  }
  // Registry errors name the field and the rule; they come from the user's files or flags.
  if (error instanceof CodedError) {
    return { code: error.code, message: `${error.code}: ${error.message}`, exitCode: EXIT.UNDECIDED };
  }
  // Network file errors (from @trustmesh/node) carry a stable code too; matched by shape so this
  // module does not load the node package.
  if (error instanceof Error && error.name === 'NetworkFileError' && 'code' in error) {
    return {
      code: String(error.code),
      message: error.message,
      hint: 'check the network file, or create one with `trustmesh network init`',
      exitCode: EXIT.UNDECIDED,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    code: 'INTERNAL_ERROR',
    message: `internal error: ${message}`,
    hint: 'this is a bug in trustmesh; rerun with TRUSTMESH_DEBUG=1 for the stack trace and report it',
    exitCode: EXIT.UNDECIDED,
  };
}

function hintOf(hint: string | undefined): { hint?: string } {
  return hint ? { hint } : {};
}
