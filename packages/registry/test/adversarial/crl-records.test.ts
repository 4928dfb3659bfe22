/**
 * CRLs as replicated records (issue 14; docs/records.md, Certificate revocation lists): each admission
 * rule attacked with the openssl-made fixtures (test/fixtures/x509/crl/make.sh) beside its honest
 * control — who may sign (an accredited CA valid now, by name and key), cRLNumber order, revoked
 * serials never dropped, holds (final or not), deltas and their base, equivocation, size bounds — and
 * the replica's answers (Registry.lookup).
 */
import * as assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  CRL_CODES,
  CRL_RECORD_CODES,
  crlDeltaSlotKey,
  crlScopeDependency,
  crlSlotKey,
  derToPem,
  EVIDENCE_CODES,
  INPUT_LIMIT_CODES,
  MemoryRecordStore,
  providedKeys,
  readCrl,
  SUBMITTED_RECORD_CODES,
  storedEvidenceWireBytes,
  VALIDATION_CODES,
} from '../../src/index.ts';
import { ED25519, encodeCrl, name } from '../fixtures/x509/crl/crl-encoder.ts';
import { expectOutcome, makeWorld, nextListVersion, snapshot, T0 } from '../fixtures.ts';
import {
  accreditInt,
  accreditRoot,
  caSpki,
  crl,
  leafSerial,
  scopeOf,
  stateOf,
  submitOk,
} from './crl-record-fixtures.ts';

describe('CRL records: who may sign', () => {
  it('accepts a CRL of an accredited CA, keyed by its scope and versioned by cRLNumber', async () => {
    const world = await makeWorld();
    await accreditInt(world);
    const outcome = await submitOk(world, crl('int-crl-1'));
    const admission = outcome.value;
    assert.equal(admission.kind, 'crl');
    if (admission.kind !== 'crl') return;
    assert.equal(admission.key, crlSlotKey(scopeOf('int-crl-1')));
    assert.equal(admission.version, '1'.padStart(49, '0'));
    assert.deepEqual(admission.bytes, crl('int-crl-1'), 'the DER exactly as signed');
    assert.equal(admission.parsed.signer, caSpki('int'));
    assert.equal(stateOf(world, 'L1'), 'revoked');
    assert.equal(stateOf(world, 'L2'), 'hold');
    assert.equal(stateOf(world, 'L4'), 'good');
    const stored = await world.store.get(admission.key);
    assert.deepEqual(stored?.bytes, crl('int-crl-1'));
  });

  it('[REJECT] CRL_SIGNATURE_INVALID: a CRL with the accredited CA’s name signed by another CA (evil)', async () => {
    const world = await makeWorld();
    await accreditInt(world);
    const before = await snapshot(world.store);
    await expectOutcome(world, crl('evil-crl-3'), 'reject', CRL_CODES.SIGNATURE_INVALID);
    assert.deepEqual(await snapshot(world.store), before);
    await expectOutcome(world, crl('int-crl-3'), 'accept');
  });

  it('[REJECT] CRL_ISSUER_NOT_ACCREDITED: a CRL of a CA no accreditation names', async () => {
    const world = await makeWorld();
    await expectOutcome(world, crl('int-crl-1'), 'reject', CRL_RECORD_CODES.ISSUER_NOT_ACCREDITED);
    await expectOutcome(world, crl('root-crl-1'), 'reject', CRL_RECORD_CODES.ISSUER_NOT_ACCREDITED);
    await accreditRoot(world);
    await expectOutcome(world, crl('root-crl-1'), 'accept');
    // The root's accreditation does not make its sub-CA's CRLs acceptable before its certificate is held.
    await expectOutcome(world, crl('int-crl-1'), 'reject', CRL_RECORD_CODES.ISSUER_NOT_ACCREDITED);
  });

  it('[REJECT] CRL_ISSUER_NOT_ACCREDITED: a CRL of a CA whose accreditation was withdrawn', async () => {
    const world = await makeWorld();
    const agency = world.net.keys.jpAgency;
    await accreditInt(world, { withdrawal: { list: world.net.lists.jpAgency, index: 6 } });
    await expectOutcome(world, crl('int-crl-1'), 'accept');
    await expectOutcome(world, await nextListVersion(world, agency, world.net.lists.jpAgency, { 6: 1 }), 'accept');
    await expectOutcome(world, crl('int-crl-2'), 'reject', CRL_RECORD_CODES.ISSUER_NOT_ACCREDITED);
  });

  it('[REJECT] CRL_ISSUER_NOT_ACCREDITED: a CRL of an accredited CA outside its accreditation’s validity', async () => {
    const world = await makeWorld();
    await accreditInt(world);
    world.clock.now += 2 * 365 * 24 * 3600 * 1000;
    await expectOutcome(world, crl('int-crl-1'), 'reject', CRL_RECORD_CODES.ISSUER_NOT_ACCREDITED);
  });
});

describe('CRL records: succession', () => {
  it('[IGNORE] CRL_NUMBER_STALE: a lower cRLNumber than the held one', async () => {
    const world = await makeWorld();
    await accreditInt(world);
    await expectOutcome(world, crl('int-crl-3'), 'accept');
    await expectOutcome(world, crl('int-crl-2-lowered'), 'ignore', CRL_CODES.NUMBER_STALE);
    await expectOutcome(world, crl('int-crl-1'), 'ignore', CRL_CODES.NUMBER_STALE);
  });

  it('[IGNORE] DUPLICATE: the same CRL again, before its entries are decoded', async () => {
    const world = await makeWorld();
    await accreditInt(world);
    await expectOutcome(world, crl('int-crl-1'), 'accept');
    await expectOutcome(world, crl('int-crl-1'), 'ignore', VALIDATION_CODES.DUPLICATE);
    await expectOutcome(world, derToPem('crl', crl('int-crl-1')), 'ignore', VALIDATION_CODES.DUPLICATE);
  });

  it('[REJECT] CRL_SERIAL_DROPPED: a revoked serial missing from a later CRL; a hold turned revoked passes', async () => {
    const world = await makeWorld();
    await accreditInt(world);
    await expectOutcome(world, crl('int-crl-2'), 'accept');
    await expectOutcome(world, crl('int-crl-3'), 'accept');
    await expectOutcome(world, crl('int-crl-4-dropped'), 'reject', CRL_CODES.SERIAL_DROPPED);
    await expectOutcome(world, crl('int-crl-4-revoked-hold'), 'reject', CRL_CODES.REVOKED_TO_HOLD);
    assert.equal(stateOf(world, 'L5'), 'hold');
    await expectOutcome(world, crl('int-crl-4-hold-revoked'), 'accept');
    assert.equal(stateOf(world, 'L5'), 'revoked');
    assert.equal(stateOf(world, 'L1'), 'revoked');
  });

  it('[REJECT] CRL_HOLD_FINAL: a hold lifted by a CA that declares holds final; accepted for one that does not', async () => {
    const final = await makeWorld();
    await accreditInt(final, { holdFinal: true });
    await expectOutcome(final, crl('int-crl-2'), 'accept');
    await expectOutcome(final, crl('int-crl-3'), 'reject', CRL_CODES.HOLD_FINAL);
    await expectOutcome(final, crl('int-delta-3'), 'reject', CRL_CODES.HOLD_FINAL);
    assert.equal(stateOf(final, 'L2'), 'hold');

    const lenient = await makeWorld();
    await accreditInt(lenient, { holdFinal: false });
    await expectOutcome(lenient, crl('int-crl-2'), 'accept');
    await expectOutcome(lenient, crl('int-crl-3'), 'accept');
    assert.equal(stateOf(lenient, 'L2'), 'good');
  });
});

describe('CRL records: delta CRLs', () => {
  it('applies a delta to its base (removeFromCRL lifts a hold), then a complete CRL supersedes it', async () => {
    const world = await makeWorld();
    await accreditInt(world);
    await expectOutcome(world, crl('int-crl-2'), 'accept');
    assert.equal(stateOf(world, 'L2'), 'hold');
    const delta = await submitOk(world, crl('int-delta-3'));
    const scope = scopeOf('int-delta-3');
    assert.equal(delta.value.kind === 'crl' && delta.value.key, crlDeltaSlotKey(scope));
    assert.equal(stateOf(world, 'L2'), 'good', 'removeFromCRL');
    assert.equal(stateOf(world, 'L6'), 'revoked', 'added by the delta');
    assert.equal(world.registry.crls()[0]?.held.stamp.deltaCrlNumber, '3');
    assert.ok(await world.store.get(crlDeltaSlotKey(scope)));
    // RFC 5280 §5.2.4: the complete CRL issued with the delta (same number) replaces base and delta.
    await expectOutcome(world, crl('int-crl-3-with-delta'), 'accept');
    assert.equal(await world.store.get(crlDeltaSlotKey(scope)), null, 'the superseded delta is dropped');
    assert.equal(world.registry.crls()[0]?.held.delta, null);
    assert.equal(stateOf(world, 'L6'), 'revoked');
  });

  it('[REJECT] CRL_DELTA_REMOVES_REVOKED / CRL_REVOKED_TO_HOLD: a delta undoing a revocation', async () => {
    const world = await makeWorld();
    await accreditInt(world);
    await expectOutcome(world, crl('int-crl-2'), 'accept');
    await expectOutcome(world, crl('int-delta-3-removes-revoked'), 'reject', CRL_CODES.DELTA_REMOVES_REVOKED);
    await expectOutcome(world, crl('int-delta-3-revoked-hold'), 'reject', CRL_CODES.REVOKED_TO_HOLD);
    await expectOutcome(world, crl('int-delta-3'), 'accept');
  });

  it('[IGNORE] CRL_DELTA_BASE_MISSING: a delta before its base waits for the scope, then is admitted', async () => {
    const world = await makeWorld();
    await accreditInt(world);
    const early = await expectOutcome(world, crl('int-delta-3'), 'ignore', CRL_CODES.DELTA_BASE_MISSING);
    assert.ok(early.status === 'ignore' && early.error.retryable);
    const awaits = early.status === 'ignore' ? early.error.awaits : undefined;
    assert.equal(awaits, crlScopeDependency(readCrl(crl('int-delta-3'))));
    const base = await submitOk(world, crl('int-crl-2'));
    assert.ok(providedKeys(base.value).includes(awaits!), 'the base provides what the delta awaits');
    await expectOutcome(world, crl('int-delta-3'), 'accept');
    assert.equal(stateOf(world, 'L2'), 'good');
    // A delta on a base not held (8) keeps waiting.
    await expectOutcome(world, crl('int-delta-9-base-8'), 'ignore', CRL_CODES.DELTA_BASE_MISSING);
  });
});

describe('CRL records: equivocation', () => {
  it('same cRLNumber, other content: evidence with both DERs, re-verified when it comes from a peer', async () => {
    const world = await makeWorld();
    await accreditInt(world);
    await expectOutcome(world, crl('int-crl-1'), 'accept');
    const outcome = await submitOk(world, crl('int-crl-1-equivocal'));
    assert.equal(outcome.value.kind, 'evidence');
    const [evidence] = await world.registry.evidence();
    assert.ok(evidence);
    assert.equal(evidence.key, crlSlotKey(scopeOf('int-crl-1')));
    assert.deepEqual(
      [...evidence.records].map((r) => Buffer.from(r).toString('hex')).sort(),
      [crl('int-crl-1'), crl('int-crl-1-equivocal')].map((r) => Buffer.from(r).toString('hex')).sort(),
    );
    assert.equal(stateOf(world, 'L1'), 'revoked', 'the held CRL stays');
    await expectOutcome(world, crl('int-crl-1-equivocal'), 'ignore', VALIDATION_CODES.DUPLICATE);

    // A peer that holds the CA checks the evidence again: same issuer, number and CA key.
    const wire = storedEvidenceWireBytes(evidence)!;
    const peer = await makeWorld();
    await accreditInt(peer);
    const relayed = await submitOk(peer, wire);
    assert.equal(relayed.value.kind, 'evidence');
  });

  it('[REJECT] EVIDENCE_INVALID: two CRLs of different numbers, or one signed by another CA, are no conflict', async () => {
    const world = await makeWorld();
    await accreditInt(world);
    const { evidenceWireBytes } = await import('../../src/records/evidence.ts');
    await expectOutcome(
      world,
      evidenceWireBytes('crl', [crl('int-crl-1'), crl('int-crl-2')]),
      'reject',
      EVIDENCE_CODES.INVALID,
    );
    await expectOutcome(
      world,
      evidenceWireBytes('crl', [crl('int-crl-3'), crl('evil-crl-3')]),
      'reject',
      CRL_CODES.SIGNATURE_INVALID,
    );
  });
});

describe('CRL records: input', () => {
  it('takes PEM and stores the DER it holds: same digest, same slot', async () => {
    const world = await makeWorld();
    await accreditInt(world);
    const pem = derToPem('crl', crl('int-crl-1'));
    const outcome = await submitOk(world, new TextEncoder().encode(pem));
    assert.deepEqual(outcome.value.bytes, crl('int-crl-1'));
  });

  it('[REJECT] RECORD_TOO_LARGE: a CRL over maxLargeRecordBytes, before anything is decoded', async () => {
    const world = await makeWorld(new MemoryRecordStore(), {
      limits: {
        maxRecordBytes: 256 * 1024,
        maxJsonDepth: 32,
        maxStatusListEntries: 2 ** 26,
        maxStatusListBits: 2 ** 26,
        maxLargeRecordBytes: 512,
      },
    });
    await accreditInt(world);
    await expectOutcome(world, crl('int-crl-2'), 'reject', INPUT_LIMIT_CODES.RECORD_TOO_LARGE);
    await expectOutcome(world, crl('root-crl-1'), 'reject', CRL_RECORD_CODES.ISSUER_NOT_ACCREDITED);
  });

  it('[REJECT] RECORD_KIND_UNKNOWN / CRL_VERSION_UNSUPPORTED: DER that is no record, a PEM whose label lies', async () => {
    const world = await makeWorld();
    await accreditInt(world);
    await expectOutcome(
      world,
      new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]),
      'reject',
      SUBMITTED_RECORD_CODES.RECORD_KIND_UNKNOWN,
    );
    const lying = derToPem('ca-certificate', crl('int-crl-1'));
    await expectOutcome(world, lying, 'reject', SUBMITTED_RECORD_CODES.RECORD_KIND_UNKNOWN);
    // A v1 CRL (TBSCertList starting with its AlgorithmIdentifier) is recognised, then refused.
    const signer = { key: generateKeyPairSync('ed25519').privateKey, algorithm: ED25519, hash: null };
    const v1 = encodeCrl({ issuer: name([['2.5.4.3', 'v1 CA']]), thisUpdateMs: T0, version: null }, signer);
    await expectOutcome(world, v1, 'reject', CRL_CODES.VERSION_UNSUPPORTED);
  });

  it('answers undetermined CRL_MISSING for a CA with no CRL held, CRL_STALE past nextUpdate', async () => {
    const world = await makeWorld();
    await accreditInt(world);
    const serial = leafSerial('int', 'L1');
    assert.equal(world.registry.lookup(caSpki('root'), serial, world.clock.now).state, 'undetermined');
    await expectOutcome(world, crl('int-crl-1'), 'accept');
    const late = world.registry.lookup(caSpki('int'), serial, Date.parse('2046-01-01T00:00:00Z'));
    assert.deepEqual(late.state === 'undetermined' && late.code, 'CRL_STALE');
    const source = world.registry.revocationSource();
    assert.equal(source.lookup(caSpki('int'), serial, world.clock.now).state, 'revoked');
  });
});
