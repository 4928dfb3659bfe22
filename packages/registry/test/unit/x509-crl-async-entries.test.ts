/**
 * readCrlEntriesAsync (issue 14): the entries of a large CRL are decoded, sorted and packed in steps,
 * with the event loop given a turn between them, into exactly the index the synchronous reader builds.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readCrlEntries, readCrlEntriesAsync, readCrlHeader } from '../../src/index.ts';
import { largeCrl, randomEntries, selfSignedCa } from '../fixtures/x509/crl-kind/big-crl.ts';

describe('readCrlEntriesAsync', () => {
  it('yields every chunk of entries and builds the same index as readCrlEntries', async () => {
    const ca = await selfSignedCa();
    const count = 50_000;
    const header = readCrlHeader(largeCrl(ca, randomEntries(count), 1n, Date.UTC(2025, 0, 2)));
    let pauses = 0;
    const chunk = 4096;
    const parsed = await readCrlEntriesAsync(header, { chunk, pause: async () => void pauses++ });
    assert.equal(parsed.entryCount, count);
    assert.deepEqual(parsed.entries.toBytes(), readCrlEntries(header).entries.toBytes());
    // Counting, filling, sorting and packing each take a turn per chunk.
    assert.ok(pauses >= (3 * count) / chunk, `${pauses} pauses`);
  });

  it('decodes an empty CRL with no work to yield for', async () => {
    const ca = await selfSignedCa();
    const header = readCrlHeader(largeCrl(ca, new Uint8Array(0), 1n, Date.UTC(2025, 0, 2)));
    const parsed = await readCrlEntriesAsync(header, { pause: async () => undefined });
    assert.equal(parsed.entryCount, 0);
  });
});
