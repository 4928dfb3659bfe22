/**
 * Attacks on Token Status Lists in CWT form (draft-ietf-oauth-status-list-21 §5.2): a JWT-typed or
 * untyped token, a DEFLATE bomb whose decoded size exceeds the bound (stopped as it inflates, by the
 * cap set before inflating), a truncated `lst`, an untagged or CWT-tagged message, a forged
 * signature. The exact code each time, the honest control beside it.
 */
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { describe, it } from 'node:test';
import { deflateRawSync, deflateSync } from 'node:zlib';
import { CBOR_CODES } from '../../src/cose/bounded-cbor.ts';
import { COSE_CODES } from '../../src/cose/cose-sign1.ts';
import { ValidationError } from '../../src/errors.ts';
import { DEFAULT_INPUT_LIMITS, type InputLimits } from '../../src/limits.ts';
import {
  CWT_STATUS_LIST_CODES,
  readCwtStatusList,
  verifyCwtStatusListSignature,
} from '../../src/status-list/cwt-status-list.ts';
import { buildCwtStatusList, FX } from '../helpers/mdoc-fixtures.ts';

const codeOf = (bytes: Uint8Array, limits: InputLimits = DEFAULT_INPUT_LIMITS): string => {
  try {
    readCwtStatusList(bytes, limits);
  } catch (e) {
    assert.ok(e instanceof ValidationError, String(e));
    assert.equal(e.action, 'reject');
    return e.code;
  }
  return 'accepted';
};

describe('CWT status list attacks', () => {
  it('a wrong or missing typ fails CWT_STATUS_LIST_TYP_INVALID; application/statuslist+cwt passes', () => {
    for (const typ of ['application/statuslist+jwt', 'statuslist+jwt', 'application/cwt', 61, null])
      assert.equal(codeOf(buildCwtStatusList({ typ })), CWT_STATUS_LIST_CODES.TYP_INVALID, String(typ));
    assert.equal(codeOf(buildCwtStatusList({ typ: 'application/statuslist+cwt' })), 'accepted');
  });

  it('a list whose decoded size exceeds the bound fails CWT_STATUS_LIST_TOO_LARGE before it is all inflated', () => {
    // 16 MiB of zeros deflate to ~16 KB: a 1000:1 bomb against the default 8 MiB cap.
    const bomb = new Uint8Array(deflateSync(new Uint8Array(16 * 1024 * 1024), { level: 9 }));
    assert.ok(bomb.byteLength < 64 * 1024);
    assert.equal(codeOf(buildCwtStatusList({ lst: bomb })), CWT_STATUS_LIST_CODES.TOO_LARGE);
    // A tighter operator cap (2^20 bits = 128 KiB) stops a 256 KiB list; the same list within the cap passes.
    const limits: InputLimits = { ...DEFAULT_INPUT_LIMITS, maxStatusListBits: 2 ** 20 };
    const quarter = new Uint8Array(deflateSync(new Uint8Array(256 * 1024)));
    assert.equal(codeOf(buildCwtStatusList({ lst: quarter }), limits), CWT_STATUS_LIST_CODES.TOO_LARGE);
    const within = new Uint8Array(deflateSync(new Uint8Array(128 * 1024)));
    assert.equal(codeOf(buildCwtStatusList({ lst: within }), limits), 'accepted');
  });

  it('a compressed lst beyond maxRecordBytes fails before inflating (CWT_STATUS_LIST_TOO_LARGE or CBOR_TOO_LARGE)', () => {
    const limits: InputLimits = { ...DEFAULT_INPUT_LIMITS, maxRecordBytes: 1024 };
    const big = new Uint8Array(
      deflateSync(
        new Uint8Array(4096).map((_, i) => (i * 2654435761) >>> 24),
        { level: 0 },
      ),
    );
    assert.equal(codeOf(buildCwtStatusList({ lst: big }), limits), CBOR_CODES.TOO_LARGE);
  });

  it('a truncated lst fails CWT_STATUS_LIST_LST_INVALID; raw DEFLATE (not ZLIB, RFC 1950) too', () => {
    const full = new Uint8Array(deflateSync(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)));
    assert.equal(codeOf(buildCwtStatusList({ lst: full })), 'accepted');
    assert.equal(
      codeOf(buildCwtStatusList({ lst: full.subarray(0, full.length - 3) })),
      CWT_STATUS_LIST_CODES.LST_INVALID,
    );
    const raw = new Uint8Array(deflateRawSync(Uint8Array.of(1, 2, 3, 4)));
    assert.equal(codeOf(buildCwtStatusList({ lst: raw })), CWT_STATUS_LIST_CODES.LST_INVALID);
  });

  it('untagged (not COSE_Sign1_Tagged) fails CWT_STATUS_LIST_NOT_SIGN1', () => {
    assert.equal(codeOf(buildCwtStatusList({ tagged: false })), CWT_STATUS_LIST_CODES.NOT_SIGN1);
    // CWT tag 61 around it (draft §5.2: MUST NOT) is refused by the CBOR tag list.
    const tagged61 = new Uint8Array([0xd8, 0x3d, ...buildCwtStatusList()]);
    assert.equal(codeOf(tagged61), CBOR_CODES.TAG_NOT_ALLOWED);
  });

  it('missing sub / iat, or bits 3, are refused with their codes', () => {
    assert.equal(codeOf(buildCwtStatusList({ sub: '' })), CWT_STATUS_LIST_CODES.SUB_MISSING);
    assert.equal(codeOf(buildCwtStatusList({ iat: -5 })), CWT_STATUS_LIST_CODES.IAT_MISSING);
    assert.equal(codeOf(buildCwtStatusList({ bits: 3 as 1 })), CWT_STATUS_LIST_CODES.BITS_INVALID);
    assert.equal(codeOf(buildCwtStatusList({ ttl: 0 })), CWT_STATUS_LIST_CODES.MALFORMED);
  });

  it('a list signed by another key does not verify with the issuer’s (COSE_SIGNATURE_INVALID)', () => {
    const forged = readCwtStatusList(buildCwtStatusList({ signer: FX.attackerKey }));
    const v = verifyCwtStatusListSignature(forged, createPublicKey(FX.cwtSignerKey));
    assert.equal(!v.ok && v.code, COSE_CODES.SIGNATURE_INVALID);
    const honest = readCwtStatusList(buildCwtStatusList());
    assert.deepEqual(verifyCwtStatusListSignature(honest, createPublicKey(FX.cwtSignerKey)), { ok: true });
  });
});
