/**
 * Fixtures of the CRL record tests (issue 14): the openssl-made CAs and CRLs of
 * test/fixtures/x509/crl (make.sh) accredited in a sample network — the issuing CA `int` directly,
 * or the root with `int` as a sub-CA record — and helpers to read lookups and submit.
 */
import * as assert from 'node:assert/strict';
import { certificateSpkiSha256, crlScopeKey, readCrlHeader, type SubmitOutcome } from '../../src/index.ts';
import { fixture, leafSerial } from '../fixtures/x509/crl/fixtures.ts';
import type { World } from '../fixtures.ts';
import { accreditCa, JPKI_POLICY, MDL } from './ca-fixtures.ts';

export { fixture as crl, leafSerial };

/** The SubjectPublicKeyInfo hash of fixture CA `ca` (`<ca>-ca.der`), base64url. */
export function caSpki(ca: string): string {
  return certificateSpkiSha256(fixture(`${ca}-ca`));
}

/** The scope key of a fixture CRL. */
export function scopeOf(name: string): string {
  return crlScopeKey(readCrlHeader(fixture(name)));
}

/** Accredits the issuing CA `int` directly (an anchor), its hold final or not. */
export async function accreditInt(
  world: World,
  options: { holdFinal?: boolean; withdrawal?: { list: string; index: number } } = {},
) {
  const record = await accreditCa(
    world,
    world.net.keys.jpAgency,
    fixture('int-ca'),
    [{ certificatePolicies: [JPKI_POLICY], jurisdiction: 'JP' }],
    { holdFinal: options.holdFinal ?? false, ...(options.withdrawal ? { withdrawal: options.withdrawal } : {}) },
  );
  await submitOk(world, record);
  return record;
}

/** Accredits the root CA (an anchor for mdoc docTypes: no policy constraint), allowing `maxPathLength` sub-CAs. */
export async function accreditRoot(world: World, options: { holdFinal?: boolean; maxPathLength?: number } = {}) {
  const record = await accreditCa(
    world,
    world.net.keys.jpAgency,
    fixture('root-ca'),
    [{ docTypes: [MDL], jurisdiction: 'JP' }],
    { holdFinal: options.holdFinal ?? false, maxPathLength: options.maxPathLength ?? 1 },
  );
  await submitOk(world, record);
  return record;
}

/** Submits and asserts acceptance; returns the outcome. */
export async function submitOk(world: World, record: unknown): Promise<Extract<SubmitOutcome, { status: 'accept' }>> {
  const outcome = await world.registry.submit(record);
  assert.equal(outcome.status, 'accept', outcome.status === 'accept' ? '' : JSON.stringify(outcome.error.toJSON()));
  return outcome as Extract<SubmitOutcome, { status: 'accept' }>;
}

/** The replica's state of leaf `leaf` of CA `int` at the world's clock. */
export function stateOf(world: World, leaf: string): string {
  return world.registry.lookup(caSpki('int'), leafSerial('int', leaf), world.clock.now).state;
}
