/**
 * lookupCrl: the RevocationAnswer of x509/types.ts from a held CRL — good / revoked / hold, fail closed
 * past nextUpdate (CRL_STALE) and before thisUpdate (CRL_NOT_YET_VALID), revoked after `at` → good as
 * of `at`, the delta's entry first, and the as-of stamp.
 */
import * as assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { crlRevocationSource, heldFromCrl, judgeCrl, lookupCrl, readCrl } from '../../src/x509/crl/index.ts';
import { ECDSA_SHA256, encodeCrl, name } from '../fixtures/x509/crl/crl-encoder.ts';
import { fixture, leafSerial, opensslDump } from '../fixtures/x509/crl/fixtures.ts';

const held2 = heldFromCrl(readCrl(fixture('int-crl-2')));
const dump2 = opensslDump('int-crl-2');
const AT = dump2.lastUpdateMs + 86_400_000;

describe('lookupCrl', () => {
  it('revoked with its reason and date; hold; good', () => {
    const l1 = lookupCrl(held2, leafSerial('int', 'L1'), AT);
    assert.equal(l1.state, 'revoked');
    assert.equal(l1.state === 'revoked' && l1.reason, 1);
    assert.equal(l1.state === 'revoked' && l1.revokedAtMs, dump2.revoked.get('80000001')!.revokedAtMs);
    const l2 = lookupCrl(held2, leafSerial('int', 'L2'), AT);
    assert.equal(l2.state, 'hold');
    assert.equal(l2.state === 'hold' && l2.reason, 6);
    assert.equal(lookupCrl(held2, leafSerial('int', 'L6'), AT).state, 'good');
  });

  it('the serial as a certificate carries it (with its DER sign octet) or bare', () => {
    const bare = leafSerial('int', 'L1').subarray(1);
    assert.equal(lookupCrl(held2, bare, AT).state, 'revoked');
  });

  it('revoked after `at` is good as of `at`', () => {
    const revokedAt = dump2.revoked.get('80000004')!.revokedAtMs;
    // The fixture's entries predate its thisUpdate; a CRL valid from before the revocation shows the rule.
    const early = { ...held2, thisUpdateMs: revokedAt - 10_000 };
    assert.equal(lookupCrl(early, leafSerial('int', 'L4'), revokedAt - 1).state, 'good');
    assert.equal(lookupCrl(early, leafSerial('int', 'L4'), revokedAt).state, 'revoked');
  });

  it('fail closed: CRL_STALE past nextUpdate, CRL_NOT_YET_VALID before thisUpdate, CRL_MISSING with none', () => {
    const stale = lookupCrl(held2, leafSerial('int', 'L6'), held2.nextUpdateMs! + 1);
    assert.deepEqual(stale.state === 'undetermined' && stale.code, 'CRL_STALE');
    const early = lookupCrl(held2, leafSerial('int', 'L6'), held2.thisUpdateMs - 1);
    assert.deepEqual(early.state === 'undetermined' && early.code, 'CRL_NOT_YET_VALID');
    assert.deepEqual(lookupCrl(null, leafSerial('int', 'L6'), AT), { state: 'undetermined', code: 'CRL_MISSING' });
    assert.equal(lookupCrl(held2, leafSerial('int', 'L6'), held2.nextUpdateMs!).state, 'good');
  });

  it('a CRL without nextUpdate is never fresh (RFC 5280 §5.1.2.5)', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = encodeCrl(
      { issuer: name([['2.5.4.3', 'No Next CA']]), thisUpdateMs: AT, nextUpdateMs: null, crlNumber: 1n },
      { key: privateKey, algorithm: ECDSA_SHA256, hash: 'sha256' },
    );
    const answer = lookupCrl(heldFromCrl(readCrl(der)), new Uint8Array([1]), AT);
    assert.equal(answer.state === 'undetermined' && answer.code, 'CRL_STALE');
    assert.equal(answer.crl?.nextUpdate, undefined);
  });

  it('stamps issuer, cRLNumber, thisUpdate, nextUpdate (RFC 3339) and the applied delta', () => {
    assert.deepEqual(lookupCrl(held2, leafSerial('int', 'L6'), AT), {
      state: 'good',
      crl: {
        issuer: dump2.issuer,
        crlNumber: String(dump2.crlNumber),
        thisUpdate: new Date(dump2.lastUpdateMs).toISOString().replace('.000Z', 'Z'),
        nextUpdate: new Date(dump2.nextUpdateMs!).toISOString().replace('.000Z', 'Z'),
      },
    });
    const j = judgeCrl(held2, readCrl(fixture('int-delta-3')), { holdFinal: false });
    assert.equal(j.status, 'accept');
    const withDelta = (j as { held: typeof held2 }).held;
    const answer = lookupCrl(withDelta, leafSerial('int', 'L6'), AT + 86_400_000);
    assert.equal(answer.state, 'revoked');
    assert.equal(answer.crl?.deltaCrlNumber, '3');
    assert.equal(lookupCrl(withDelta, leafSerial('int', 'L1'), AT).state, 'revoked', 'base entries still answer');
  });

  it('as a RevocationSource', () => {
    const source = crlRevocationSource((spki) => (spki === 'int-spki' ? held2 : null));
    assert.equal(source.lookup('int-spki', leafSerial('int', 'L1'), AT).state, 'revoked');
    assert.equal(source.lookup('other', leafSerial('int', 'L1'), AT).state, 'undetermined');
  });
});
