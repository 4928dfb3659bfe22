/**
 * Hard limits on untrusted input (DESIGN.md, Network: "Hard limits everywhere"). Every parser takes
 * these as options so a deployment can tighten them; none can be switched off.
 */
import { reject } from './errors.ts';

/** Limits applied to any record before it is parsed further. */
export interface InputLimits {
  /** Largest accepted serialized record, in bytes. */
  maxRecordBytes: number;
  /** Deepest accepted JSON nesting (objects and arrays). */
  maxJsonDepth: number;
  /** Most entries a decoded status list may have (decompression-bomb cap). */
  maxStatusListEntries: number;
}

/** Defaults: a 131,072-entry list at ~1 % revoked gzips to a few KB; 2^26 entries is DESIGN.md's cap. */
export const DEFAULT_INPUT_LIMITS: InputLimits = {
  maxRecordBytes: 256 * 1024,
  maxJsonDepth: 32,
  maxStatusListEntries: 2 ** 26,
};

/**
 * Parses untrusted JSON bytes, enforcing size and nesting limits.
 * Depth is checked on the raw text before JSON.parse so a deeply nested payload never reaches the
 * recursive parser.
 */
export function parseJsonBounded(input: Uint8Array | string, limits: InputLimits = DEFAULT_INPUT_LIMITS): unknown {
  const bytes = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (bytes > limits.maxRecordBytes) {
    throw reject('RECORD_TOO_LARGE', undefined, `record is ${bytes} bytes; the limit is ${limits.maxRecordBytes}`);
  }
  const text = typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: false }).decode(input);
  assertJsonDepth(text, limits.maxJsonDepth);
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw reject('RECORD_NOT_JSON', undefined, `record is not valid JSON (${(cause as Error).message})`, cause);
  }
}

/** Scans JSON text for bracket depth, skipping string contents. */
function assertJsonDepth(text: string, maxDepth: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) {
        throw reject('RECORD_TOO_DEEP', undefined, `JSON nesting exceeds the limit of ${maxDepth}`);
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

/** Checks nesting depth of an already-parsed value (for objects handed in-process). */
export function assertValueDepth(value: unknown, maxDepth: number, depth = 0): void {
  if (value === null || typeof value !== 'object') return;
  if (depth + 1 > maxDepth) throw reject('RECORD_TOO_DEEP', undefined, `JSON nesting exceeds the limit of ${maxDepth}`);
  for (const child of Array.isArray(value) ? value : Object.values(value)) assertValueDepth(child, maxDepth, depth + 1);
}
