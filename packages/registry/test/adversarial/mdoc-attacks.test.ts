/**
 * Attacks on mdoc verification (issue 14), each built as an attacker would — altering bytes an
 * issuer signed, re-signing with another key, replaying a device signature in another session —
 * with the exact code asserted and the honest control beside it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Tag } from 'cbor-x';
import { CBOR_CODES } from '../../src/cose/bounded-cbor.ts';
import { COSE_CODES } from '../../src/cose/cose-sign1.ts';
import { ValidationError } from '../../src/errors.ts';
import { MDOC_CODES, type MdocVerification, readMdoc, verifyMdoc } from '../../src/mdoc/index.ts';
import {
  AT_MS,
  auth0DeviceResponse,
  auth0Mdoc,
  buildMdoc,
  CBOR,
  encode,
  FX,
  MDL,
  MDL_NS,
  MYNUMBER,
  PREVALIDATED_CHAIN,
  sessionTranscript,
} from '../helpers/mdoc-fixtures.ts';

const verify = (bytes: Uint8Array, extra: Partial<Parameters<typeof verifyMdoc>[1]> = {}) =>
  verifyMdoc(readMdoc(bytes), { atMs: AT_MS, validateChain: PREVALIDATED_CHAIN, ...extra });
const failed = (r: MdocVerification) => r.checks.filter((c) => c.outcome !== 'pass').map((c) => c.code);
const readCode = (bytes: Uint8Array): string => {
  try {
    readMdoc(bytes);
  } catch (e) {
    assert.ok(e instanceof ValidationError, String(e));
    assert.equal(e.action, 'reject');
    return e.code;
  }
  return 'accepted';
};
/** Replaces the first occurrence of `from` by `to` (same length) in the bytes. */
function replaceOnce(bytes: Uint8Array, from: string, to: string): Uint8Array {
  assert.equal(from.length, to.length);
  const b = Buffer.from(bytes);
  const at = b.indexOf(from);
  assert.ok(at >= 0, `${from} not found`);
  b.write(to, at);
  return new Uint8Array(b);
}
/** Decodes with cbor-x (tag 24 stays a Tag of its bytes), lets `fn` alter the DeviceResponse, re-encodes. */
function mutate(bytes: Uint8Array, fn: (doc: Map<string, unknown>) => void): Uint8Array {
  const top = CBOR.decode(bytes) as Map<string, unknown>;
  fn((top.get('documents') as Map<string, unknown>[])[0] as Map<string, unknown>);
  return encode(top);
}
const items = (doc: Map<string, unknown>) =>
  ((doc.get('issuerSigned') as Map<string, unknown>).get('nameSpaces') as Map<string, Tag[]>).get(MDL_NS) as Tag[];

describe('mdoc attacks', () => {
  it('a tampered IssuerSignedItem fails MDOC_DIGEST_MISMATCH; the untouched one passes', async () => {
    const honest = await auth0Mdoc();
    assert.equal(verify(honest).verified, true);
    const r = verify(replaceOnce(honest, 'Yamada', 'Tanaka'));
    assert.equal(r.verified, false);
    assert.deepEqual(failed(r), [MDOC_CODES.DIGEST_MISMATCH, MDOC_CODES.DEVICE_AUTH_NOT_REQUESTED]);
  });

  it('an item the MSO has no digest for fails MDOC_DIGEST_MISSING; a repeated digestID MDOC_DIGEST_ID_DUPLICATE', () => {
    const honest = buildMdoc();
    const extra = mutate(honest, (doc) => {
      const item = new Map<string, unknown>([
        ['digestID', 99],
        ['random', new Uint8Array(32)],
        ['elementIdentifier', 'age_over_18'],
        ['elementValue', true],
      ]);
      items(doc).push(new Tag(encode(item), 24));
    });
    assert.ok(failed(verify(extra)).includes(MDOC_CODES.DIGEST_MISSING));
    const twice = mutate(honest, (doc) => items(doc).push(items(doc)[0] as Tag));
    assert.ok(failed(verify(twice)).includes(MDOC_CODES.DIGEST_ID_DUPLICATE));
    assert.equal(verify(honest).verified, true);
  });

  it('a document whose docType differs from the MSO’s fails MDOC_DOCTYPE_MISMATCH (the outer docType is unsigned)', async () => {
    const honest = await auth0Mdoc();
    const relabelled = replaceOnce(honest, MDL, 'jp.go.digital.mynum.1');
    assert.deepEqual(failed(verify(relabelled)), [MDOC_CODES.DOCTYPE_MISMATCH, MDOC_CODES.DEVICE_AUTH_NOT_REQUESTED]);
    const built = buildMdoc({ docType: MYNUMBER, msoDocType: MDL });
    assert.ok(failed(verify(built)).includes(MDOC_CODES.DOCTYPE_MISMATCH));
    // A verifier expecting another docType is not fooled either; the expected one passes.
    assert.ok(failed(verify(honest, { expectedDocType: MYNUMBER })).includes(MDOC_CODES.DOCTYPE_MISMATCH));
    assert.equal(verify(honest, { expectedDocType: MDL }).verified, true);
  });

  it('an expired validityInfo fails MDOC_EXPIRED, a future one MDOC_NOT_YET_VALID; inside the window passes', async () => {
    const v = {
      signed: new Date('2025-02-01T00:00:00Z'),
      validFrom: new Date('2025-03-01T00:00:00Z'),
      validUntil: new Date('2025-12-31T00:00:00Z'),
    };
    const bytes = await auth0Mdoc(MDL, MDL_NS, { issuing_country: 'JP' }, v);
    assert.ok(failed(verify(bytes)).includes(MDOC_CODES.EXPIRED));
    assert.ok(failed(verify(bytes, { atMs: Date.parse('2025-02-15T00:00:00Z') })).includes(MDOC_CODES.NOT_YET_VALID));
    assert.equal(verify(bytes, { atMs: Date.parse('2025-06-01T00:00:00Z') }).verified, true);
  });

  it('an MSO signed before the DS certificate was valid fails MDOC_SIGNED_OUTSIDE_CERTIFICATE', () => {
    const v = {
      signed: new Date('2024-06-01T00:00:00Z'),
      validFrom: new Date('2026-01-01T00:00:00Z'),
      validUntil: new Date('2030-01-01T00:00:00Z'),
    };
    assert.ok(failed(verify(buildMdoc({ validity: v }))).includes(MDOC_CODES.SIGNED_OUTSIDE_CERTIFICATE));
  });

  it('an MSO signed by another key under the DS certificate fails MDOC_ISSUER_SIGNATURE_INVALID', () => {
    const r = verify(buildMdoc({ signer: FX.attackerKey }));
    assert.deepEqual(failed(r), [MDOC_CODES.ISSUER_SIGNATURE_INVALID, MDOC_CODES.DEVICE_AUTH_NOT_REQUESTED]);
    assert.equal(r.checks.find((c) => c.check === 'issuer-signature')?.details?.coseCode, COSE_CODES.SIGNATURE_INVALID);
    assert.equal(verify(buildMdoc({ signer: FX.dsKey })).verified, true);
  });

  it('alg only in the unprotected header is refused at reading (COSE_ALG_NOT_PROTECTED)', () => {
    assert.equal(readCode(buildMdoc({ algUnprotected: true })), COSE_CODES.ALG_NOT_PROTECTED);
    assert.equal(readCode(buildMdoc()), 'accepted');
  });

  it('no x5chain: MDOC_X5CHAIN_MISSING', () => {
    const stripped = mutate(buildMdoc(), (doc) => {
      const auth = (doc.get('issuerSigned') as Map<string, unknown>).get('issuerAuth') as unknown[];
      auth[1] = new Map();
    });
    assert.ok(failed(verify(stripped)).includes(MDOC_CODES.X5CHAIN_MISSING));
  });

  it('issuing_country TW under a JP DS certificate fails MDOC_COUNTRY_MISMATCH', () => {
    const r = verify(buildMdoc({ elements: { family_name: 'Lin', issuing_country: 'TW' } }));
    assert.ok(failed(r).includes(MDOC_CODES.COUNTRY_MISMATCH));
  });

  it('CBOR bombs fail at reading: a huge array or byte string claimed by a few bytes, deep nesting, a 10 MB certificate', () => {
    assert.equal(readCode(Uint8Array.of(0x9b, 0, 0, 0, 1, 0, 0, 0, 0, 0)), CBOR_CODES.TOO_LARGE);
    assert.equal(readCode(Uint8Array.of(0xa1, 0x5a, 0xff, 0xff, 0xff, 0xff)), CBOR_CODES.TOO_LARGE);
    const deep = new Uint8Array(5000).fill(0x81);
    assert.equal(readCode(deep), CBOR_CODES.TOO_DEEP);
    const huge = mutate(buildMdoc(), (doc) => {
      const auth = (doc.get('issuerSigned') as Map<string, unknown>).get('issuerAuth') as unknown[];
      auth[1] = new Map([[33, new Uint8Array(10 * 1024 * 1024)]]);
    });
    assert.equal(readCode(huge), CBOR_CODES.TOO_LARGE);
    // A bomb inside an item's tag 24 bytes is caught when that item is decoded.
    const inner = mutate(buildMdoc(), (doc) => {
      items(doc)[0] = new Tag(Uint8Array.of(0x9b, 0, 0, 0, 1, 0, 0, 0, 0, 0), 24);
    });
    assert.equal(readCode(inner), CBOR_CODES.TOO_LARGE);
  });
});

describe('device authentication attacks', () => {
  it('a DeviceResponse replayed with another session transcript fails MDOC_DEVICE_SIGNATURE_INVALID', async () => {
    const t1 = sessionTranscript('session-1');
    const response = await auth0DeviceResponse(await auth0Mdoc(), t1);
    assert.equal(verify(response, { sessionTranscript: t1 }).deviceAuth, 'verified');
    const r = verify(response, { sessionTranscript: sessionTranscript('session-2') });
    assert.equal(r.verified, false);
    assert.equal(r.deviceAuth, 'failed');
    assert.deepEqual(failed(r), [MDOC_CODES.DEVICE_SIGNATURE_INVALID]);
  });

  it('a device signature by a key other than the MSO deviceKey fails MDOC_DEVICE_SIGNATURE_INVALID', () => {
    const t = sessionTranscript('s');
    assert.deepEqual(
      failed(verify(buildMdoc({ sessionTranscript: t, deviceSigner: FX.attackerKey }), { sessionTranscript: t })),
      [MDOC_CODES.DEVICE_SIGNATURE_INVALID],
    );
    assert.equal(verify(buildMdoc({ sessionTranscript: t }), { sessionTranscript: t }).verified, true);
  });

  it('a transcript asked of an issuer-signed-only mdoc fails MDOC_DEVICE_AUTH_MISSING; garbage MDOC_SESSION_TRANSCRIPT_INVALID', () => {
    assert.ok(
      failed(verify(buildMdoc(), { sessionTranscript: sessionTranscript('x') })).includes(
        MDOC_CODES.DEVICE_AUTH_MISSING,
      ),
    );
    assert.ok(
      failed(verify(buildMdoc(), { sessionTranscript: Uint8Array.of(0xff) })).includes(
        MDOC_CODES.SESSION_TRANSCRIPT_INVALID,
      ),
    );
  });

  it('deviceMac is undetermined (MDOC_DEVICE_MAC_UNSUPPORTED), never a pass', () => {
    const t = sessionTranscript('mac');
    const mac = mutate(buildMdoc({ sessionTranscript: t }), (doc) => {
      const signed = doc.get('deviceSigned') as Map<string, unknown>;
      signed.set(
        'deviceAuth',
        new Map([['deviceMac', [encode(new Map([[1, 5]])), new Map(), null, new Uint8Array(32)]]]),
      );
    });
    const r = verify(mac, { sessionTranscript: t });
    assert.equal(r.verified, false);
    assert.equal(r.deviceAuth, 'unsupported');
    assert.equal(r.checks.find((c) => c.check === 'device-auth')?.outcome, 'undetermined');
    assert.deepEqual(failed(r), [MDOC_CODES.DEVICE_MAC_UNSUPPORTED]);
  });
});
