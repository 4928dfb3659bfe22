/**
 * Bounded binary reading and writing for the anti-entropy wire format: unsigned LEB128 varints (as in
 * libp2p's length prefixes) and raw byte runs. Every read checks what is left, so a truncated or
 * hostile message fails with `SYNC_MALFORMED` instead of reading past the end.
 */
import { malformed } from './sync-errors.ts';

/** Largest varint accepted: counts and lengths never need more than 32 bits. */
const MAX_VARINT = 0xffff_ffff;

/** Number of bytes the varint encoding of `value` takes. */
export function varintLength(value: number): number {
  let length = 1;
  let rest = value;
  while (rest >= 0x80) {
    rest = Math.floor(rest / 128);
    length++;
  }
  return length;
}

/** An append-only byte buffer that grows as needed. */
export class ByteWriter {
  private buffer: Uint8Array;
  private length = 0;

  constructor(initialCapacity = 256) {
    this.buffer = new Uint8Array(initialCapacity);
  }

  /** Appends one byte. */
  byte(value: number): this {
    this.reserve(1);
    this.buffer[this.length++] = value;
    return this;
  }

  /** Appends an unsigned varint (at most 32 bits). */
  varint(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > MAX_VARINT)
      throw new RangeError(`varint out of range: ${value}`);
    this.reserve(5);
    let rest = value;
    while (rest >= 0x80) {
      this.buffer[this.length++] = (rest % 128) | 0x80;
      rest = Math.floor(rest / 128);
    }
    this.buffer[this.length++] = rest;
    return this;
  }

  /** Appends raw bytes. */
  bytes(value: Uint8Array): this {
    this.reserve(value.byteLength);
    this.buffer.set(value, this.length);
    this.length += value.byteLength;
    return this;
  }

  /** The bytes written so far (a view, valid until the next write). */
  finish(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.byteLength) return;
    const next = new Uint8Array(Math.max(this.buffer.byteLength * 2, this.length + extra));
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }
}

/** A cursor over received bytes; every read is bounds-checked. */
export class ByteReader {
  private offset = 0;

  constructor(private readonly input: Uint8Array) {}

  /** True when every byte has been read. */
  get done(): boolean {
    return this.offset >= this.input.byteLength;
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.input.byteLength - this.offset;
  }

  /** Reads one byte. */
  byte(what: string): number {
    if (this.offset >= this.input.byteLength) throw malformed(`${what}: message ends early`);
    return this.input[this.offset++]!;
  }

  /** Reads an unsigned varint of at most 32 bits, in its shortest form. */
  varint(what: string): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      const b = this.byte(what);
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        // A trailing zero group means a longer-than-needed encoding: two byte strings for one value.
        if (i > 0 && b === 0) throw malformed(`${what}: varint is not minimally encoded`);
        if (value > MAX_VARINT) break;
        return value;
      }
      scale *= 128;
    }
    throw malformed(`${what}: varint is longer than 32 bits`);
  }

  /** Reads `length` raw bytes (a view into the input). */
  bytes(length: number, what: string): Uint8Array {
    if (length > this.remaining) throw malformed(`${what}: needs ${length} bytes, ${this.remaining} left`);
    const out = this.input.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  /** Everything not read yet (a view into the input). */
  rest(): Uint8Array {
    return this.bytes(this.remaining, 'rest');
  }
}
