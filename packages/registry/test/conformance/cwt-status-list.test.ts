/**
 * Token Status List in CWT form (src/status-list/cwt-status-list.ts, draft-ietf-oauth-status-list-21
 * §5.2): the draft's own example token and test vectors decode to the statuses the draft lists, and
 * lists built with cbor-x + this project's COSE signer read, verify and answer per index.
 */
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { describe, it } from 'node:test';
import { decodeCbor } from '../../src/cose/bounded-cbor.ts';
import { COSE_CODES } from '../../src/cose/cose-sign1.ts';
import {
  CWT_STATUS_LIST_CODES,
  cwtStatusAt,
  cwtStatusListSize,
  cwtSuccessorKeepsFinalStates,
  inflateCwtStatusList,
  readCwtStatusList,
  verifyCwtStatusListSignature,
} from '../../src/status-list/cwt-status-list.ts';
import { buildCwtStatusList, FX } from '../helpers/mdoc-fixtures.ts';

const hex = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

// draft-ietf-oauth-status-list-21 §5.2, "non-normative example of a Status List Token in CWT format".
const DRAFT_EXAMPLE = hex(`
d2845820a2012610781a6170706c69636174696f6e2f7374617475736c6973742b63
7774a1044231325850a502782168747470733a2f2f6578616d706c652e636f6d2f73
74617475736c697374732f31061a648c5bea041a8898dfea19fffe19a8c019fffda2
646269747301636c73744a78dadbb918000217015d584093fa4d01032b18c35e2fe1
101b77fd6cc9440022caa4694450c4e4e9feab4e99d1fa6d9772ce2bf3a12e0323de
d7c982c5e101a5e67f0cbc1e2b6f57ce99c279`);

// draft-21 Appendix C.1, 1-bit list of 2^20 entries, CBOR encoding.
const C1 = hex(`
a2646269747301636c737458bd78daeddc010dc0200c0041a88249400ad2903e0f4b
ba00bd93f002beb7a2a2010000a91e09000000000000000000000000000000807296
04000000000000000000000000000000000000000000000000000000000000000000
000000000000005c6f4800000000000000fc2c240000000000000000000000be1b12
000000000000000000ecaa4b000000000000000000000000000000009b0b09000000
00000000000038de9400000000000000002a30cc010000000080642f0bd8011b`);
const C1_SET = [0, 1993, 25460, 159495, 495669, 554353, 645645, 723232, 854545, 934534, 1000345];

// draft-21 Appendix C.2, 2-bit list.
const C2 = hex(`
a2646269747302636c737459013d78daeddb310d00211000412ea1a04004fe5520ed
357c28c81d3312b6df68bc65480000000000406e2101000000000000000000000000
0000000000000000000000000000000000000040795b020000000000000000000000
00000000000000000000000000000000000000000000000000000000000000000000
00000000000000000000000000000000000000000000000000000000000000000000
0080f4ba0400000000000000000000000000406d764a000000000000000000000000
000000000000000000e0922101000000000000000000000000000000000000fc1312
00000000000000000000000000000000000000000000000000000000000000c0912e
01000000000000000000000000000000000000c07d4b020000000000000000000000
00000000a8614a0000000000000000000000406a1fcd60010c`);
const C2_SET: [number, number][] = [
  [0, 1],
  [1993, 2],
  [25460, 1],
  [159495, 3],
  [495669, 1],
  [554353, 1],
  [645645, 2],
  [723232, 1],
  [854545, 1],
  [934534, 2],
  [1000345, 3],
];

describe('readCwtStatusList — the draft’s examples', () => {
  it('reads the §5.2 example token: claims, kid, and the §4.1 statuses 0xB9 0xA3', () => {
    const p = readCwtStatusList(DRAFT_EXAMPLE);
    assert.equal(p.sub, 'https://example.com/statuslists/1');
    assert.equal(p.iat, 1686920170);
    assert.equal(p.exp, 2291720170);
    assert.equal(p.ttl, 43200);
    assert.equal(p.bits, 1);
    assert.equal(p.alg, -7);
    assert.equal(Buffer.from(p.kid ?? []).toString(), '12');
    assert.deepEqual([...(p.statuses ?? [])], [0xb9, 0xa3]);
    // §4.1: status[0]=1, [1]=0, [2]=0, [3]=1, [4]=1, [5]=1, [6]=0, [7]=1, [8]=1, [9]=1, …, [15]=1.
    const expected = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1];
    assert.deepEqual(
      expected.map((_, i) => (cwtStatusAt(p, i) as { value: number }).value),
      expected,
    );
    assert.equal(cwtStatusListSize(p), 16);
    // The draft's signing key is not published with the example: another key does not verify it.
    const verdict = verifyCwtStatusListSignature(p, createPublicKey(FX.cwtSignerKey));
    assert.equal(!verdict.ok && verdict.code, COSE_CODES.SIGNATURE_INVALID);
  });

  for (const [name, vector, set, bits] of [
    ['C.1 (1 bit)', C1, C1_SET.map((i) => [i, 1] as [number, number]), 1],
    ['C.2 (2 bits)', C2, C2_SET, 2],
  ] as const) {
    it(`inflates Appendix ${name} to 2^20 entries with exactly the listed statuses`, () => {
      const list = decodeCbor(vector) as Map<string, unknown>;
      assert.equal(list.get('bits'), bits);
      const token = readCwtStatusList(buildCwtStatusList({ bits, lst: list.get('lst') as Uint8Array }));
      assert.equal(cwtStatusListSize(token), 2 ** 20);
      const want = new Map(set);
      const statuses = token.statuses as Uint8Array;
      let nonZero = 0;
      for (let i = 0; i < statuses.length; i++) if (statuses[i] !== 0) nonZero++;
      assert.ok(nonZero <= set.length);
      for (const [idx, value] of want)
        assert.deepEqual(cwtStatusAt(token, idx), {
          ok: true,
          value,
          name: value === 1 ? 'INVALID' : value === 2 ? 'SUSPENDED' : '0x03',
        });
      assert.equal((cwtStatusAt(token, 1) as { value: number }).value, want.get(1) ?? 0);
    });
  }
});

describe('readCwtStatusList — lists issued here', () => {
  it('reads, verifies with the issuer key and answers per index; refuses another key', () => {
    const bytes = buildCwtStatusList({ statuses: Uint8Array.of(0b0000_0010, 0), exp: 2_000_000_000, ttl: 300 });
    const p = readCwtStatusList(bytes);
    assert.deepEqual(verifyCwtStatusListSignature(p, createPublicKey(FX.cwtSignerKey)), { ok: true });
    const other = verifyCwtStatusListSignature(p, createPublicKey(FX.attackerKey));
    assert.equal(!other.ok && other.code, COSE_CODES.SIGNATURE_INVALID);
    assert.deepEqual(cwtStatusAt(p, 1), { ok: true, value: 1, name: 'INVALID' });
    assert.deepEqual(cwtStatusAt(p, 0), { ok: true, value: 0, name: 'VALID' });
    assert.equal(p.ttl, 300);
    assert.equal(p.exp, 2_000_000_000);
    assert.ok(Buffer.from(p.signedBytes).equals(Buffer.from(bytes)));
  });

  it('an index beyond the list is CWT_STATUS_LIST_INDEX_OUT_OF_RANGE (draft §8.3), never an exception', () => {
    const p = readCwtStatusList(buildCwtStatusList());
    for (const idx of [16, -1, 1.5, Number.MAX_SAFE_INTEGER + 2])
      assert.equal((cwtStatusAt(p, idx) as { code: string }).code, CWT_STATUS_LIST_CODES.INDEX_OUT_OF_RANGE);
  });

  it('inflate: false leaves lst compressed until asked', () => {
    const p = readCwtStatusList(buildCwtStatusList(), undefined, { inflate: false });
    assert.equal(p.statuses, null);
    assert.deepEqual([...inflateCwtStatusList(p.compressed)], [0xb9, 0xa3]);
    assert.equal((cwtStatusAt(p, 0) as { value: number }).value, 1);
  });
});

describe('cwtSuccessorKeepsFinalStates', () => {
  const list = (bits: 1 | 2 | 4 | 8, statuses: number[]) =>
    readCwtStatusList(buildCwtStatusList({ bits, statuses: Uint8Array.from(statuses) }));
  it('keeps INVALID; lets SUSPENDED return to VALID; grows freely', () => {
    // 2 bits: entry 0 INVALID (01), entry 1 SUSPENDED (10) → byte 0b0000_1001.
    const held = list(2, [0b0000_1001]);
    assert.deepEqual(cwtSuccessorKeepsFinalStates(held, list(2, [0b0000_0001, 0])), { ok: true });
    const undone = cwtSuccessorKeepsFinalStates(held, list(2, [0b0000_1000]));
    assert.deepEqual(undone, {
      ok: false,
      code: CWT_STATUS_LIST_CODES.ROLLBACK,
      message: 'entry 0 was INVALID and changed',
      index: 0,
    });
  });
  it('refuses fewer entries or another bits (CWT_STATUS_LIST_SHRUNK)', () => {
    const held = list(1, [1, 0]);
    assert.equal(
      (cwtSuccessorKeepsFinalStates(held, list(1, [1])) as { code: string }).code,
      CWT_STATUS_LIST_CODES.SHRUNK,
    );
    assert.equal(
      (cwtSuccessorKeepsFinalStates(held, list(2, [1, 0])) as { code: string }).code,
      CWT_STATUS_LIST_CODES.SHRUNK,
    );
  });
});
