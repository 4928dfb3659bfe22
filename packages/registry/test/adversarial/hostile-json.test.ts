/**
 * Attack class 7 (issue 9): hostile JSON. A lone surrogate, an out-of-range number or bytes that are
 * not UTF-8 must be a typed reject (never a plain Error, never a 500), whichever way the record
 * arrives: as bytes (gossip, anti-entropy) or as an object (the HTTP API, the CLI).
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  canonicalBytes,
  parseJsonBounded,
  RECORD_INVALID_STRING,
  RECORD_NOT_JSON,
  RECORD_NUMBER_OUT_OF_RANGE,
  ValidationError,
} from '../../src/index.ts';
import { expectOutcome, makeWorld, snapshot } from '../fixtures.ts';

const enc = new TextEncoder();

/** A held record's canonical text with one member spliced in as raw JSON text. */
function withRawMember(record: object, member: string): Uint8Array {
  const text = new TextDecoder().decode(canonicalBytes(record));
  return enc.encode(`{${member},${text.slice(1)}`);
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ValidationError, `a plain ${(error as Error)?.name} escaped: ${String(error)}`);
    return error.code;
  }
  return 'NO_ERROR';
}

describe('attack: hostile JSON gets a typed reject on every path', () => {
  it('rejects a lone surrogate, in a value or a member name, sent as bytes', async () => {
    const world = await makeWorld();
    const held = world.net.records[0] as object;
    const before = await snapshot(world.store);
    await expectOutcome(world, withRawMember(held, '"note":"\\ud800"'), 'reject', RECORD_INVALID_STRING);
    await expectOutcome(world, withRawMember(held, '"note":"a\\udfffb"'), 'reject', RECORD_INVALID_STRING);
    await expectOutcome(world, withRawMember(held, '"\\ud800":1'), 'reject', RECORD_INVALID_STRING);
    assert.deepEqual(await snapshot(world.store), before);
  });

  it('rejects numbers beyond an IEEE 754 double (1e400, -1e400) sent as bytes', async () => {
    const world = await makeWorld();
    const held = world.net.records[0] as object;
    const before = await snapshot(world.store);
    await expectOutcome(world, withRawMember(held, '"note":1e400'), 'reject', RECORD_NUMBER_OUT_OF_RANGE);
    await expectOutcome(world, withRawMember(held, '"note":[-1e400]'), 'reject', RECORD_NUMBER_OUT_OF_RANGE);
    assert.deepEqual(await snapshot(world.store), before);
  });

  it('rejects bytes that are not UTF-8 instead of silently replacing them', async () => {
    const world = await makeWorld();
    const held = enc.encode('{"type":"TrustmeshGovernance","note":"x"}');
    const bad = new Uint8Array([...held.slice(0, 36), 0xff, 0xfe, ...held.slice(36)]);
    await expectOutcome(world, bad, 'reject', RECORD_NOT_JSON);
  });

  it('rejects the same faults in an object handed in-process (the HTTP API path)', async () => {
    const world = await makeWorld();
    const held = world.net.records[0] as Record<string, unknown>;
    const before = await snapshot(world.store);
    const surrogate = await expectOutcome(world, { ...held, note: '\ud800' }, 'reject', RECORD_INVALID_STRING);
    assert.equal(surrogate.status === 'reject' && surrogate.error.field, 'note');
    const nested = await expectOutcome(
      world,
      { ...held, extra: { list: [1, Number.POSITIVE_INFINITY] } },
      'reject',
      RECORD_NUMBER_OUT_OF_RANGE,
    );
    assert.equal(nested.status === 'reject' && nested.error.field, 'extra.list[1]');
    await expectOutcome(world, { ...held, note: Number.NaN }, 'reject', RECORD_NUMBER_OUT_OF_RANGE);
    await expectOutcome(world, { ...held, note: 10n }, 'reject', RECORD_NOT_JSON);
    await expectOutcome(world, { ...held, note: new Date(0) }, 'reject', RECORD_NOT_JSON);
    await expectOutcome(world, { ...held, note: () => 1 }, 'reject', RECORD_NOT_JSON);
    assert.deepEqual(await snapshot(world.store), before);
  });

  it('parseJsonBounded and canonicalBytes throw RegistryErrors, never plain Errors', () => {
    assert.equal(
      codeOf(() => parseJsonBounded('"\\ud800"')),
      RECORD_INVALID_STRING,
    );
    assert.equal(
      codeOf(() => parseJsonBounded('{"a":1e400}')),
      RECORD_NUMBER_OUT_OF_RANGE,
    );
    assert.equal(
      codeOf(() => parseJsonBounded(new Uint8Array([0x22, 0xc3, 0x22]))),
      RECORD_NOT_JSON,
    );
    assert.equal(
      codeOf(() => canonicalBytes({ a: '\udc00' })),
      RECORD_INVALID_STRING,
    );
    assert.equal(
      codeOf(() => canonicalBytes({ a: Number.NEGATIVE_INFINITY })),
      RECORD_NUMBER_OUT_OF_RANGE,
    );
    assert.equal(
      codeOf(() => canonicalBytes({ a: Number.NaN })),
      RECORD_NUMBER_OUT_OF_RANGE,
    );
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    assert.equal(
      codeOf(() => canonicalBytes(cycle)),
      RECORD_NOT_JSON,
    );
  });

  it('control: well-formed surrogate pairs, large finite numbers and a held record pass', async () => {
    assert.deepEqual(parseJsonBounded('{"a":"\\ud83d\\ude00","b":1e308}'), { a: '😀', b: 1e308 });
    assert.equal(new TextDecoder().decode(canonicalBytes({ a: '😀' })), '{"a":"😀"}');
    const world = await makeWorld();
    const held = world.net.records[0] as object;
    await expectOutcome(world, canonicalBytes(held), 'ignore', 'DUPLICATE');
  });
});
