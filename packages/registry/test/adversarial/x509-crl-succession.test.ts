/**
 * CRL admission as an attacker would try it, on CRLs made by `openssl ca` (RFC 5280 §5.2.3–§5.3.1):
 * a forged signer, a lower cRLNumber, equivocation, a dropped serial, a revocation put back on hold,
 * a hold lifted on a CA whose hold is final, deltas that remove a revocation or lack their base, a CRL
 * of another scope. Each asserts its exact code beside the honest control.
 */
import * as assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { VALIDATION_CODES } from '../../src/validation/codes.ts';
import {
  applyDelta,
  CRL_CODES,
  type CrlJudgement,
  checkCrlSignature,
  type HeldCrl,
  heldFromCrl,
  judgeCrl,
  lookupCrl,
  readCrl,
  verifyCrlSignature,
} from '../../src/x509/crl/index.ts';
import { ECDSA_SHA256, encodeCrl, name, signTbs } from '../fixtures/x509/crl/crl-encoder.ts';
import { caSpki, fixture, leafSerial } from '../fixtures/x509/crl/fixtures.ts';

const crl = (n: string) => readCrl(fixture(n));
const OPEN = { holdFinal: false };
const FINAL = { holdFinal: true };
const AT = Date.UTC(2025, 5, 1);

function held(n: string): HeldCrl {
  return heldFromCrl(crl(n));
}

function accepted(j: CrlJudgement): HeldCrl {
  assert.equal(j.status, 'accept', j.status !== 'accept' ? j.error.message : '');
  return (j as { held: HeldCrl }).held;
}

function refused(j: CrlJudgement, status: CrlJudgement['status'], code: string): void {
  assert.equal(j.status, status);
  assert.equal((j as { error: { code: string } }).error.code, code);
}

describe('signer', () => {
  it('[REJECT] a CRL under the issuer name of int, signed by another key', () => {
    assert.equal(verifyCrlSignature(crl('evil-crl-3'), caSpki('int')), false);
    assert.equal(checkCrlSignature(crl('evil-crl-3'), caSpki('int'))?.code, CRL_CODES.SIGNATURE_INVALID);
    assert.equal(verifyCrlSignature(crl('int-crl-3'), caSpki('int')), true);
  });

  it('[REJECT] a CRL checked against a key of another type (algorithm/key mismatch)', () => {
    assert.equal(verifyCrlSignature(crl('int-crl-1'), caSpki('root')), false);
    assert.equal(verifyCrlSignature(crl('root-crl-1'), caSpki('pss')), false);
    assert.equal(verifyCrlSignature(crl('ed-crl-1'), caSpki('int')), false);
    for (const ca of ['root', 'p384', 'ed', 'pss']) assert.ok(verifyCrlSignature(crl(`${ca}-crl-1`), caSpki(ca)), ca);
  });
});

describe('complete CRLs', () => {
  it('accepts the first CRL of a scope, then a later one', () => {
    const h = accepted(judgeCrl(null, crl('int-crl-1'), OPEN));
    assert.equal(accepted(judgeCrl(h, crl('int-crl-2'), OPEN)).crlNumber, 2n);
  });

  it('[IGNORE] CRL_NUMBER_STALE: a lower cRLNumber, even re-issued later', () => {
    refused(judgeCrl(held('int-crl-2'), crl('int-crl-1'), OPEN), 'ignore', CRL_CODES.NUMBER_STALE);
    refused(judgeCrl(held('int-crl-3'), crl('int-crl-2-lowered'), OPEN), 'ignore', CRL_CODES.NUMBER_STALE);
    accepted(judgeCrl(held('int-crl-2'), crl('int-crl-3'), OPEN));
  });

  it('evidence CRL_EQUIVOCATION: the same number, other content; the same bytes are a duplicate', () => {
    refused(judgeCrl(held('int-crl-1'), crl('int-crl-1-equivocal'), OPEN), 'evidence', CRL_CODES.EQUIVOCATION);
    refused(judgeCrl(held('int-crl-1'), crl('int-crl-1'), OPEN), 'duplicate', VALIDATION_CODES.DUPLICATE);
  });

  it('a re-encoded signature over the same TBSCertList is a duplicate, never evidence', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const signer = { key: privateKey, algorithm: ECDSA_SHA256, hash: 'sha256' };
    const spec = { issuer: name([['2.5.4.3', 'Resigning CA']]), thisUpdateMs: AT, crlNumber: 4n };
    const a = readCrl(encodeCrl(spec, signer));
    const b = readCrl(signTbs(a.tbs, signer)); // ECDSA is randomised: other signature bytes
    assert.notEqual(a.digest, b.digest);
    refused(judgeCrl(heldFromCrl(a), b, OPEN), 'duplicate', VALIDATION_CODES.DUPLICATE);
  });

  it('[REJECT] CRL_SERIAL_DROPPED: a keyCompromise serial missing from a later CRL', () => {
    refused(judgeCrl(held('int-crl-3'), crl('int-crl-4-dropped'), OPEN), 'reject', CRL_CODES.SERIAL_DROPPED);
    accepted(judgeCrl(held('int-crl-3'), crl('int-crl-4-hold-revoked'), OPEN));
  });

  it('a hold lifted by absence from a later CRL is allowed; [REJECT] CRL_HOLD_FINAL when the CA declares it final', () => {
    const j = judgeCrl(held('int-crl-2'), crl('int-crl-3'), OPEN);
    assert.equal(accepted(j) && (j as { liftedHolds: number }).liftedHolds, 1);
    refused(judgeCrl(held('int-crl-2'), crl('int-crl-3'), FINAL), 'reject', CRL_CODES.HOLD_FINAL);
    // Control: a CA with final holds may still turn a hold into a revocation.
    accepted(judgeCrl(held('int-crl-3'), crl('int-crl-4-hold-revoked'), FINAL));
  });

  it('[REJECT] CRL_REVOKED_TO_HOLD: a superseded serial put on hold', () => {
    refused(judgeCrl(held('int-crl-3'), crl('int-crl-4-revoked-hold'), OPEN), 'reject', CRL_CODES.REVOKED_TO_HOLD);
  });

  it('[REJECT] CRL_SCOPE_MISMATCH: a CRL of another issuer or another distribution point', () => {
    refused(judgeCrl(held('int-crl-1'), crl('root-crl-1'), OPEN), 'reject', CRL_CODES.SCOPE_MISMATCH);
    refused(judgeCrl(held('int-crl-2'), crl('int-crl-idp'), OPEN), 'reject', CRL_CODES.SCOPE_MISMATCH);
  });

  it('[REJECT] CRL_THIS_UPDATE_REGRESSED: a higher number dated before the held CRL', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const signer = { key: privateKey, algorithm: ECDSA_SHA256, hash: 'sha256' };
    const issuer = name([['2.5.4.3', 'Dated CA']]);
    const h = heldFromCrl(readCrl(encodeCrl({ issuer, thisUpdateMs: AT, crlNumber: 5n }, signer)));
    const earlier = readCrl(encodeCrl({ issuer, thisUpdateMs: AT - 1000, crlNumber: 6n }, signer));
    refused(judgeCrl(h, earlier, OPEN), 'reject', CRL_CODES.THIS_UPDATE_REGRESSED);
    accepted(judgeCrl(h, readCrl(encodeCrl({ issuer, thisUpdateMs: AT, crlNumber: 6n }, signer)), OPEN));
  });
});

describe('delta CRLs (RFC 5280 §5.2.4)', () => {
  it('applies a delta to its base: removeFromCRL lifts a hold, new entries add', () => {
    const j = judgeCrl(held('int-crl-2'), crl('int-delta-3'), OPEN);
    const h = accepted(j);
    assert.equal((j as { liftedHolds: number }).liftedHolds, 1);
    assert.equal(h.delta?.crlNumber, 3n);
    assert.equal(h.stamp.deltaCrlNumber, '3');
    assert.equal(lookupCrl(h, leafSerial('int', 'L2'), AT).state, 'good');
    assert.equal(lookupCrl(h, leafSerial('int', 'L6'), AT).state, 'revoked');
    assert.equal(lookupCrl(held('int-crl-2'), leafSerial('int', 'L2'), AT).state, 'hold');
    assert.equal(applyDelta(held('int-crl-2'), crl('int-delta-3'), OPEN).status, 'accept');
  });

  it('[REJECT] CRL_HOLD_FINAL: a delta lifting a hold of a CA whose hold is final', () => {
    refused(judgeCrl(held('int-crl-2'), crl('int-delta-3'), FINAL), 'reject', CRL_CODES.HOLD_FINAL);
  });

  it('[REJECT] CRL_DELTA_REMOVES_REVOKED: removeFromCRL on a keyCompromise entry', () => {
    refused(
      judgeCrl(held('int-crl-2'), crl('int-delta-3-removes-revoked'), OPEN),
      'reject',
      CRL_CODES.DELTA_REMOVES_REVOKED,
    );
  });

  it('[REJECT] CRL_REVOKED_TO_HOLD: a delta putting a superseded entry on hold', () => {
    refused(judgeCrl(held('int-crl-2'), crl('int-delta-3-revoked-hold'), OPEN), 'reject', CRL_CODES.REVOKED_TO_HOLD);
  });

  it('[IGNORE] CRL_DELTA_BASE_MISSING (retryable): no base held, or a base older than BaseCRLNumber', () => {
    const none = judgeCrl(null, crl('int-delta-3'), OPEN);
    refused(none, 'ignore', CRL_CODES.DELTA_BASE_MISSING);
    assert.equal((none as { error: { retryable: boolean } }).error.retryable, true);
    refused(judgeCrl(held('int-crl-3'), crl('int-delta-9-base-8'), OPEN), 'ignore', CRL_CODES.DELTA_BASE_MISSING);
  });

  it('[IGNORE] CRL_NUMBER_STALE: a delta not above the held base, or below the applied delta', () => {
    refused(judgeCrl(held('int-crl-3'), crl('int-delta-3'), OPEN), 'ignore', CRL_CODES.NUMBER_STALE);
    const h = accepted(judgeCrl(held('int-crl-2'), crl('int-delta-3'), OPEN));
    refused(judgeCrl(h, crl('int-delta-3'), OPEN), 'duplicate', VALIDATION_CODES.DUPLICATE);
    refused(judgeCrl(h, crl('int-delta-3-removes-revoked'), OPEN), 'evidence', CRL_CODES.EQUIVOCATION);
    // A complete CRL below the applied delta is stale; one sharing its number (RFC 5280 §5.2.3) is not.
    refused(judgeCrl(h, crl('int-crl-2-lowered'), OPEN), 'ignore', CRL_CODES.NUMBER_STALE);
    const full = accepted(judgeCrl(h, crl('int-crl-3-with-delta'), OPEN));
    assert.equal(full.delta, null);
    assert.equal(lookupCrl(full, leafSerial('int', 'L6'), AT).state, 'revoked');
  });

  it('[REJECT] CRL_NOT_DELTA: applyDelta given a complete CRL', () => {
    refused(applyDelta(held('int-crl-2'), crl('int-crl-3'), OPEN), 'reject', CRL_CODES.NOT_DELTA);
  });

  it('a later complete CRL must keep what the applied delta revoked', () => {
    const h = accepted(judgeCrl(held('int-crl-2'), crl('int-delta-3'), OPEN));
    // int-crl-3 was made without L6 (revoked only in the delta): dropping it is refused.
    refused(judgeCrl(h, crl('int-crl-3'), OPEN), 'reject', CRL_CODES.SERIAL_DROPPED);
  });
});
