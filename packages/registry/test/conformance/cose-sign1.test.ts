/**
 * COSE_Sign1 (src/cose/cose-sign1.ts, RFC 9052 §4.2, §4.4) and COSE_Key (src/cose/cose-key.ts):
 * every algorithm signs and verifies with openssl-made keys, external_aad and detached payloads are
 * bound, and each refusal carries its code, beside the honest case.
 */
import assert from 'node:assert/strict';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import { Tag } from 'cbor-x';
import { COSE_KEY_CODES, coseKeyToPublicKey } from '../../src/cose/cose-key.ts';
import {
  COSE_ALG,
  COSE_CODES,
  decodeCoseSign1,
  encodeBstr,
  signCoseSign1,
  sigStructure,
  verifyCoseSign1,
} from '../../src/cose/cose-sign1.ts';
import { ValidationError } from '../../src/errors.ts';
import { coseKeyOf, encode, FX } from '../helpers/mdoc-fixtures.ts';

const PAYLOAD = new Uint8Array(Buffer.from('payload bytes'));

function sign1(alg: number, key: KeyObject, o: { detached?: boolean; aad?: Uint8Array; tagged?: boolean } = {}) {
  const protectedBytes = encode(new Map([[1, alg]]));
  const sig = signCoseSign1(alg, protectedBytes, PAYLOAD, key, o.aad);
  const body = [protectedBytes, new Map([[33, FX.dsDer]]), o.detached ? null : PAYLOAD, sig];
  return encode(o.tagged === false ? body : new Tag(body, 18));
}

const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ValidationError);
    return e.code;
  }
  return 'accepted';
};

describe('COSE_Sign1', () => {
  const cases: [string, number, KeyObject][] = [
    ['ES256', COSE_ALG.ES256, FX.dsKey],
    ['ES384', COSE_ALG.ES384, FX.p384Key],
    ['ES512', COSE_ALG.ES512, FX.p521Key],
    ['EdDSA', COSE_ALG.EDDSA, FX.ed25519Key],
  ];
  for (const [name, alg, key] of cases) {
    it(`${name}: verifies, and fails under another key (COSE_SIGNATURE_INVALID / COSE_KEY_MISMATCH)`, () => {
      const m = decodeCoseSign1(sign1(alg, key));
      assert.equal(m.alg, alg);
      assert.equal(m.tagged, true);
      assert.deepEqual(verifyCoseSign1(m, createPublicKey(key)), { ok: true });
      const other = alg === COSE_ALG.ES256 ? FX.attackerKey : FX.dsKey;
      const verdict = verifyCoseSign1(m, createPublicKey(other));
      assert.equal(verdict.ok, false);
      assert.equal(
        !verdict.ok && verdict.code,
        alg === COSE_ALG.ES256 ? COSE_CODES.SIGNATURE_INVALID : COSE_CODES.KEY_MISMATCH,
      );
    });
  }

  it('untagged messages decode too; the x5chain bstr becomes a one-certificate chain (RFC 9360 §2)', () => {
    const m = decodeCoseSign1(sign1(COSE_ALG.ES256, FX.dsKey, { tagged: false }));
    assert.equal(m.tagged, false);
    assert.equal(m.x5chain?.length, 1);
    assert.ok(Buffer.from(m.x5chain?.[0] ?? []).equals(Buffer.from(FX.dsDer)));
  });

  it('external_aad is bound (RFC 9052 §4.3): the wrong one fails, the right one passes', () => {
    const aad = new Uint8Array([1, 2, 3]);
    const m = decodeCoseSign1(sign1(COSE_ALG.ES256, FX.dsKey, { aad }));
    assert.deepEqual(verifyCoseSign1(m, createPublicKey(FX.dsKey), { externalAad: aad }), { ok: true });
    assert.equal(verifyCoseSign1(m, createPublicKey(FX.dsKey)).ok, false);
  });

  it('a detached payload needs the payload (COSE_PAYLOAD_MISSING), and verifies with it', () => {
    const m = decodeCoseSign1(sign1(COSE_ALG.ES256, FX.dsKey, { detached: true }));
    assert.equal(m.payload, null);
    const missing = verifyCoseSign1(m, createPublicKey(FX.dsKey));
    assert.equal(!missing.ok && missing.code, COSE_CODES.PAYLOAD_MISSING);
    assert.deepEqual(verifyCoseSign1(m, createPublicKey(FX.dsKey), { detachedPayload: PAYLOAD }), { ok: true });
    const wrong = verifyCoseSign1(m, createPublicKey(FX.dsKey), { detachedPayload: new Uint8Array(3) });
    assert.equal(!wrong.ok && wrong.code, COSE_CODES.SIGNATURE_INVALID);
  });

  it('Sig_structure is ["Signature1", protected, external_aad, payload] (RFC 9052 §4.4)', () => {
    const s = sigStructure(Uint8Array.of(0xa1, 0x01, 0x26), Uint8Array.of(9));
    assert.equal(Buffer.from(s).toString('hex'), `846a${Buffer.from('Signature1').toString('hex')}43a101264041${'09'}`);
    assert.equal(
      Buffer.from(encodeBstr(new Uint8Array(300)))
        .subarray(0, 3)
        .toString('hex'),
      '59012c',
    );
  });

  it('alg only in the unprotected header is refused (COSE_ALG_NOT_PROTECTED); protected passes', () => {
    const sig = signCoseSign1(COSE_ALG.ES256, new Uint8Array(0), PAYLOAD, FX.dsKey);
    const bytes = encode([new Uint8Array(0), new Map([[1, COSE_ALG.ES256]]), PAYLOAD, sig]);
    assert.equal(
      codeOf(() => decodeCoseSign1(bytes)),
      COSE_CODES.ALG_NOT_PROTECTED,
    );
    assert.equal(
      codeOf(() => decodeCoseSign1(sign1(COSE_ALG.ES256, FX.dsKey))),
      'accepted',
    );
  });

  it('refuses unsupported algorithms, labels in both headers, unknown crit, bad x5chain, bad shapes', () => {
    const p = (m: Map<number, unknown>) => encode(m);
    const sig = new Uint8Array(64);
    const msg = (prot: Uint8Array, unprot: Map<number, unknown>) => encode([prot, unprot, PAYLOAD, sig]);
    assert.equal(
      codeOf(() => decodeCoseSign1(msg(p(new Map([[1, -257]])), new Map()))),
      COSE_CODES.ALG_UNSUPPORTED,
    );
    assert.equal(
      codeOf(() => decodeCoseSign1(msg(p(new Map([[1, 5]])), new Map()))),
      COSE_CODES.ALG_UNSUPPORTED,
    );
    assert.equal(
      codeOf(() => decodeCoseSign1(msg(p(new Map([[1, -7]])), new Map([[1, -7]])))),
      COSE_CODES.MALFORMED,
    );
    assert.equal(
      codeOf(() =>
        decodeCoseSign1(
          msg(
            p(
              new Map<number, unknown>([
                [1, -7],
                [2, [99]],
              ]),
            ),
            new Map(),
          ),
        ),
      ),
      COSE_CODES.CRIT_UNSUPPORTED,
    );
    assert.equal(
      codeOf(() => decodeCoseSign1(msg(p(new Map([[1, -7]])), new Map([[33, []]])))),
      COSE_CODES.X5CHAIN_INVALID,
    );
    assert.equal(
      codeOf(() => decodeCoseSign1(encode([1, 2, 3]))),
      COSE_CODES.MALFORMED,
    );
    assert.equal(
      codeOf(() => decodeCoseSign1(encode([new Uint8Array(0), new Map(), 'text', sig]))),
      COSE_CODES.MALFORMED,
    );
  });
});

describe('COSE_Key', () => {
  it('EC2 P-256/P-384/P-521 and OKP Ed25519 become the same public keys', () => {
    for (const k of [FX.deviceKey, FX.p384Key, FX.p521Key, FX.ed25519Key]) {
      const back = coseKeyToPublicKey(coseKeyOf(k));
      assert.deepEqual(back.export({ format: 'jwk' }), createPublicKey(k).export({ format: 'jwk' }));
    }
  });

  it('refuses private keys, unknown curves, short coordinates and points off the curve (COSE_KEY_INVALID)', () => {
    const good = coseKeyOf(FX.deviceKey);
    const variants: Map<number, unknown>[] = [
      new Map([...good, [-4, new Uint8Array(32)]]),
      new Map([...good, [-1, 9]]),
      new Map([...good, [-2, new Uint8Array(31)]]),
      new Map([...good, [-3, new Uint8Array(32).fill(7)]]),
      new Map([...good, [1, 4]]),
    ];
    for (const v of variants)
      assert.equal(
        codeOf(() => coseKeyToPublicKey(v)),
        COSE_KEY_CODES.INVALID,
      );
    assert.equal(
      codeOf(() => coseKeyToPublicKey(good)),
      'accepted',
    );
  });
});
