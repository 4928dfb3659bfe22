/**
 * URL issuers (issue 12, item 3; VCDM 2.0 §4.7: an issuer is any URL): an https URL subject is
 * accredited like a DID, its keys pinned there with proofs of possession; its status lists and
 * credentials then verify, revocation works, and a key not pinned for it forges nothing. Real keys,
 * real signatures.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  exportKeyPair,
  generateKeyPair,
  importKeyPair,
  issueAccreditation,
  issueStatusList,
  type KeyPair,
} from '../../src/index.ts';
import { expectOutcome, issueCredential, makeWorld, nextListVersion, T0, verify, type World } from '../fixtures.ts';

const YEAR = 365 * 24 * 3600 * 1000;
const ISSUER = 'https://pharmacy.example.jp/issuer';
const LIST = 'https://pharmacy.example.jp/status/1';

async function urlKey(url: string, fragment = 'key-1'): Promise<KeyPair> {
  const base = exportKeyPair(await generateKeyPair('Ed25519'));
  return importKeyPair({ ...base, did: url, verificationMethod: `${url}#${fragment}` });
}

function accredit(world: World, subject: string, keys: KeyPair[], role: 'issuer' | 'accreditor' = 'issuer') {
  return issueAccreditation(
    {
      accreditor: world.net.keys.jpAgency,
      subject,
      role,
      accreditedFor: [{ types: ['HealthInsuranceCredential'], jurisdiction: 'JP' }],
      subjectKeys: keys,
      validFrom: new Date(T0),
      validUntil: new Date(T0 + YEAR),
    },
    world.net.documentLoader,
  );
}

async function stage() {
  const world = await makeWorld();
  const key = await urlKey(ISSUER);
  await expectOutcome(world, await accredit(world, ISSUER, [key]), 'accept');
  world.clock.now += 1000;
  const list = await issueStatusList(
    {
      issuer: key,
      id: LIST,
      statusPurpose: 'revocation',
      bits: new Uint8Array(131_072 / 8),
      validFrom: new Date(world.clock.now),
    },
    world.net.documentLoader,
  );
  await expectOutcome(world, list, 'accept');
  return { world, key };
}

describe('URL issuers', () => {
  it('an accredited https URL issuer’s credential verifies, and its revocation is honoured', async () => {
    const { world, key } = await stage();
    const credential = await issueCredential(world, key, { list: LIST, index: 5 });
    assert.equal((credential as { issuer: string }).issuer, ISSUER);
    const result = await verify(world, credential);
    assert.equal(result.verified, true, JSON.stringify(result.checks));
    await expectOutcome(world, await nextListVersion(world, key, LIST, { 5: 1 }), 'accept');
    const revoked = await verify(world, credential);
    assert.equal(revoked.verified, false);
    assert.equal(revoked.checks.find((c) => c.check === 'status')?.code, 'CREDENTIAL_REVOKED');
  });

  it('a key not pinned for the URL, even under its key id, forges nothing', async () => {
    const { world } = await stage();
    const forger = await urlKey(ISSUER);
    const forged = await issueCredential(world, forger, { list: LIST, index: 6 });
    const result = await verify(world, forged);
    assert.equal(result.verified, false);
    assert.equal(result.checks.find((c) => c.check === 'proof')?.outcome, 'fail');
  });

  it('an unaccredited URL issuer fails trust like a DID: ISSUER_NOT_ACCREDITED', async () => {
    const { world } = await stage();
    const other = await urlKey('https://unknown.example/issuer');
    const result = await verify(world, await issueCredential(world, other, { list: LIST, index: 7 }));
    assert.equal(result.verified, false);
    assert.equal(result.checks.find((c) => c.check === 'issuer')?.code, 'ISSUER_NOT_ACCREDITED');
  });

  it('refuses URL subjects that would not compare by string, and URL accreditors', async () => {
    const world = await makeWorld();
    for (const subject of [
      'https://Pharmacy.example.jp/issuer',
      'https://pharmacy.example.jp:443/issuer',
      'https://user@pharmacy.example.jp/issuer',
    ]) {
      const key = await urlKey(subject);
      await expectOutcome(world, await accredit(world, subject, [key]), 'reject', 'ACCREDITATION_FIELD_INVALID');
    }
    const accreditorKey = await urlKey(ISSUER);
    await expectOutcome(
      world,
      await accredit(world, ISSUER, [accreditorKey], 'accreditor'),
      'reject',
      'ACCREDITATION_FIELD_INVALID',
    );
  });
});
