/**
 * Subordinate CA certificates as records (issue 14): admitted by RFC 5280 §6.1 path validation to an
 * accredited CA within its scope and path length, each rule attacked with openssl-made certificates
 * (test/fixtures/x509/crl, test/fixtures/x509/chains) beside the honest control; a held sub-CA's CRLs
 * are then accepted, with the anchor's hold declaration.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  CA_CERTIFICATE_CODES,
  CA_CERTIFICATE_RECORD_CODES,
  CERTIFICATE_PATH_CODES,
  CRL_CODES,
  CRL_RECORD_CODES,
  caCertificateSlotKey,
  certificateDerOf,
  derToPem,
  sha256Hex,
  VALIDATION_CODES,
  type ValidationError,
} from '../../src/index.ts';
import { expectOutcome, makeWorld, type World } from '../fixtures.ts';
import { accreditCa } from './ca-fixtures.ts';
import { accreditRoot, caSpki, crl, stateOf, submitOk } from './crl-record-fixtures.ts';

const SIGNING_POLICY = '1.2.392.200149.8.5.1.3.10';

function chainCert(name: string): Uint8Array {
  return certificateDerOf(readFileSync(new URL(`../fixtures/x509/chains/${name}.pem`, import.meta.url)));
}

/** Submits and asserts CA_CERTIFICATE_PATH_INVALID with the path code `pathCode`. */
async function expectPathInvalid(world: World, der: Uint8Array, pathCode: string) {
  const outcome = await expectOutcome(world, der, 'reject', CA_CERTIFICATE_RECORD_CODES.PATH_INVALID);
  const cause = (outcome.status === 'reject' ? (outcome.error as ValidationError).cause : undefined) as
    | { code?: string }
    | undefined;
  assert.equal(cause?.code, pathCode, outcome.status === 'reject' ? outcome.error.message : '');
}

describe('sub-CA certificates', () => {
  it('admits a sub-CA of an accredited root; its CRLs are then accepted and answer lookups', async () => {
    const world = await makeWorld();
    await accreditRoot(world);
    await expectOutcome(world, crl('int-crl-1'), 'reject', CRL_RECORD_CODES.ISSUER_NOT_ACCREDITED);
    const outcome = await submitOk(world, crl('int-ca'));
    assert.equal(outcome.value.kind, 'ca-certificate');
    if (outcome.value.kind !== 'ca-certificate') return;
    assert.equal(outcome.value.key, caCertificateSlotKey(caSpki('int'), sha256Hex(crl('int-ca'))));
    assert.equal(outcome.value.version, '1');
    assert.deepEqual(
      world.registry.caCertificates().map((c) => c.spkiSha256),
      [caSpki('int')],
    );
    await expectOutcome(world, crl('int-ca'), 'ignore', VALIDATION_CODES.DUPLICATE);
    await expectOutcome(world, derToPem('ca-certificate', crl('int-ca')), 'ignore', VALIDATION_CODES.DUPLICATE);
    await expectOutcome(world, crl('int-crl-1'), 'accept');
    assert.equal(stateOf(world, 'L1'), 'revoked');
    await expectOutcome(world, crl('evil-crl-3'), 'reject', CRL_CODES.SIGNATURE_INVALID);
  });

  it('[REJECT] CRL_HOLD_FINAL: a sub-CA inherits its anchor’s final holds', async () => {
    const world = await makeWorld();
    await accreditRoot(world, { holdFinal: true });
    await submitOk(world, crl('int-ca'));
    await expectOutcome(world, crl('int-crl-2'), 'accept');
    await expectOutcome(world, crl('int-crl-3'), 'reject', CRL_CODES.HOLD_FINAL);
  });

  it('[REJECT] CA_CERTIFICATE_PATH_INVALID (ANCHOR_NOT_FOUND): a sub-CA of an unaccredited root', async () => {
    const world = await makeWorld();
    await expectPathInvalid(world, crl('int-ca'), CERTIFICATE_PATH_CODES.ANCHOR_NOT_FOUND);
    await accreditRoot(world);
    await expectOutcome(world, crl('int-ca'), 'accept');
  });

  it('[REJECT] CA_CERTIFICATE_PATH_INVALID (NO_VALID_POLICY): a sub-CA outside the anchor’s policies', async () => {
    const world = await makeWorld();
    const agency = world.net.keys.jpAgency;
    const other = await accreditCa(
      world,
      agency,
      chainCert('root'),
      [{ certificatePolicies: ['1.2.392.200149.8.5.1.3.99'], jurisdiction: 'JP' }],
      { maxPathLength: 1 },
    );
    await submitOk(world, other);
    await expectPathInvalid(world, chainCert('inter'), CERTIFICATE_PATH_CODES.NO_VALID_POLICY);

    const honest = await makeWorld();
    await submitOk(
      honest,
      await accreditCa(
        honest,
        honest.net.keys.jpAgency,
        chainCert('root'),
        [{ certificatePolicies: [SIGNING_POLICY], jurisdiction: 'JP' }],
        { maxPathLength: 1 },
      ),
    );
    await expectOutcome(honest, chainCert('inter'), 'accept');
  });

  it('[REJECT] CA_CERTIFICATE_PATH_INVALID (PATH_LENGTH_EXCEEDED): an anchor that allows no sub-CA', async () => {
    const world = await makeWorld();
    await accreditRoot(world, { maxPathLength: 0 });
    await expectPathInvalid(world, crl('int-ca'), CERTIFICATE_PATH_CODES.PATH_LENGTH_EXCEEDED);
  });

  it('[REJECT] CA_CERTIFICATE_PATH_INVALID (CERTIFICATE_EXPIRED): an expired intermediate', async () => {
    const world = await makeWorld();
    await submitOk(
      world,
      await accreditCa(
        world,
        world.net.keys.jpAgency,
        chainCert('root'),
        [{ docTypes: ['org.iso.18013.5.1.mDL'], jurisdiction: 'JP' }],
        {
          maxPathLength: 1,
        },
      ),
    );
    await expectPathInvalid(world, chainCert('inter-expired'), CERTIFICATE_PATH_CODES.CERTIFICATE_EXPIRED);
  });

  it('[REJECT] CA_CERTIFICATE_NOT_CA / CA_CERTIFICATE_TOO_LARGE: a leaf, and a 10 MB certificate before parsing', async () => {
    const world = await makeWorld();
    await accreditRoot(world);
    await expectOutcome(world, chainCert('leaf-sign'), 'reject', CA_CERTIFICATE_CODES.NOT_CA);
    const size = 10 * 1024 * 1024;
    const huge = new Uint8Array(size);
    huge.set([0x30, 0x84, ...be32(size - 6), 0x30, 0x84, ...be32(size - 12), 0xa0, 0x03, 0x02, 0x01, 0x02]);
    await expectOutcome(world, huge, 'reject', CA_CERTIFICATE_CODES.TOO_LARGE);
  });
});

function be32(n: number): number[] {
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}
