import * as assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NetworkFile } from '@trustmesh/node';
import {
  EXAMPLES_CONTEXT_V1_URL,
  generateKeyPair,
  type KeyPair,
  readStatus,
  type SampleNetwork,
  signCredential,
  verifyCredential,
} from '@trustmesh/registry';
import { accreditorValidity, checkValidFrom, parseValidFrom } from '../src/accreditor-validity.ts';
import {
  makeDataDir,
  openRegistry,
  runInProcess as runCli,
  sampleNetwork,
  show,
  tempDir,
  writeKeyFile,
} from './helpers.ts';

describe('trustmesh accredit and withdraw', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let net: SampleNetwork;
  let network: NetworkFile;
  let newIssuer: KeyPair;
  const data = () => join(dir, 'node-data');

  before(async () => {
    ({ dir, remove } = await tempDir());
    ({ net, network } = await sampleNetwork());
    await makeDataDir(data(), network, net.records);
    newIssuer = await generateKeyPair('Ed25519');
    await writeKeyFile(join(dir, 'agency.key.json'), net.keys.jpAgency);
    await writeKeyFile(join(dir, 'insurer.key.json'), net.keys.jpHealthInsurer);
    await writeKeyFile(join(dir, 'new-issuer.key.json'), newIssuer);
  });
  after(() => remove());

  it('refuses a bare public key: it carries no proof of possession', async () => {
    const result = await runCli(
      [
        'accredit',
        '--key',
        'agency.key.json',
        '--subject-key',
        newIssuer.publicKeyMultibase,
        '--role',
        'issuer',
        '--types',
        'NationalIdCredential',
        '--jurisdiction',
        'JP',
        '--out',
        'bare.json',
      ],
      { cwd: dir },
    );
    assert.notEqual(result.code, 0, show(result));
    assert.match(result.stderr, /SUBJECT_KEY_POSSESSION_MISSING|no proof of possession/);
  });

  it('signs an accreditation to a file that a node admits', async () => {
    // The subject proves possession of its key on its own machine and hands the file over.
    const proved = await runCli(['keys', 'prove', 'new-issuer.key.json', '--out', 'possession.json'], { cwd: dir });
    assert.equal(proved.code, 0, show(proved));
    const result = await runCli(
      [
        'accredit',
        '--key',
        'agency.key.json',
        '--subject-key',
        'possession.json',
        '--role',
        'issuer',
        '--types',
        'NationalIdCredential,HealthInsuranceCredential',
        '--jurisdiction',
        'JP',
        '--withdrawal-list',
        net.lists.jpAgency,
        '--withdrawal-index',
        '99',
        '--out',
        'accreditation.json',
      ],
      { cwd: dir },
    );
    assert.equal(result.code, 0, show(result));
    assert.match(result.stdout, /trustmesh publish accreditation\.json --node URL/);
    const accreditation = JSON.parse(await readFile(join(dir, 'accreditation.json'), 'utf8'));
    assert.equal(accreditation.issuer, net.keys.jpAgency.did);
    assert.equal(accreditation.credentialSubject.id, newIssuer.did);

    const registry = await openRegistry(data(), network);
    try {
      const outcome = await registry.submit(accreditation);
      assert.equal(outcome.status, 'accept', JSON.stringify(outcome));
      assert.equal(registry.accreditationsOf(newIssuer.did).length, 1);
    } finally {
      await registry.close();
    }
  });

  it('withdraws it by setting its entry on the accreditor’s list in a data directory', async () => {
    const result = await runCli(
      ['withdraw', '--key', 'agency.key.json', '--accreditation', 'accreditation.json', '--data', data()],
      { cwd: dir },
    );
    assert.equal(result.code, 0, show(result));
    assert.match(result.stdout, /withdrawn: entry 99 of/);
    const registry = await openRegistry(data(), network);
    try {
      const state = registry.statusList(net.lists.jpAgency);
      assert.ok(state);
      assert.equal(readStatus(state.list.bits, 99, 1), 1);
      assert.equal(readStatus(state.list.bits, 7, 1), 0, 'another accreditation was withdrawn too');
    } finally {
      await registry.close();
    }
  });

  it('--valid-from lets an issuer bring credentials it issued before joining, never from before the accreditor (issue 15)', async () => {
    const genesisFrom = Date.parse(net.genesis.validFrom);
    const [joining, control] = [await generateKeyPair('Ed25519'), await generateKeyPair('Ed25519')];
    await writeKeyFile(join(dir, 'joining.key.json'), joining);
    await writeKeyFile(join(dir, 'control.key.json'), control);
    const accredit = (subject: string, out: string, extra: string[]) =>
      runCli(
        [
          'accredit',
          '--key',
          'agency.key.json',
          '--subject-key',
          subject,
          '--role',
          'issuer',
          '--types',
          'HealthInsuranceCredential',
          '--jurisdiction',
          'JP',
          '--network',
          join(data(), 'network.json'),
          '--out',
          out,
          ...extra,
        ],
        { cwd: dir },
      );
    const tooEarly = await accredit('joining.key.json', 'early.json', [
      '--valid-from',
      new Date(genesisFrom - 60_000).toISOString(),
    ]);
    assert.equal(tooEarly.code, 2, show(tooEarly));
    assert.match(tooEarly.stderr, /is before did:key:\S+ itself may accredit \(from .*, per the genesis in /);
    const [backdated, fromNow] = await Promise.all([
      accredit('joining.key.json', 'backdated.json', ['--valid-from', new Date(genesisFrom + 1000).toISOString()]),
      accredit('control.key.json', 'from-now.json', []),
    ]);
    assert.equal(backdated.code, 0, show(backdated));
    assert.equal(fromNow.code, 0, show(fromNow));

    // Credentials both issuers signed before their accreditation was written (15 s after the genesis).
    const old = (issuer: KeyPair) =>
      signCredential(
        {
          '@context': ['https://www.w3.org/ns/credentials/v2', EXAMPLES_CONTEXT_V1_URL],
          id: `urn:uuid:${crypto.randomUUID()}`,
          type: ['VerifiableCredential', 'HealthInsuranceCredential'],
          issuer: issuer.did,
          validFrom: new Date(genesisFrom + 15_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          credentialSubject: { id: 'did:example:holder', insuredNumber: '12345678' },
        },
        issuer,
        { documentLoader: net.documentLoader },
      );
    const registry = await openRegistry(data(), network);
    try {
      for (const file of ['backdated.json', 'from-now.json']) {
        const outcome = await registry.submit(JSON.parse(await readFile(join(dir, file), 'utf8')));
        assert.equal(outcome.status, 'accept', JSON.stringify(outcome));
      }
      const verify = async (issuer: KeyPair) =>
        verifyCredential(await old(issuer), {
          view: registry,
          documentLoader: registry.documentLoader,
          now: Date.now(),
        });
      const brought = await verify(joining);
      assert.equal(brought.verified, true, JSON.stringify(brought.checks));
      const unbrought = await verify(control);
      assert.equal(unbrought.verified, false, 'the control accreditation (from now) covers an older credential');
      assert.match(JSON.stringify(unbrought.checks), /ACCREDITATION_NOT_YET_VALID/);
    } finally {
      await registry.close();
    }
  });

  it('bounds --valid-from by an accredited accreditor’s own accreditations', () => {
    const accreditations = {
      origin: 'node http://n',
      list: [
        { role: 'issuer', validFrom: '2026-01-01T00:00:00Z', validUntil: '2027-01-01T00:00:00Z' },
        { role: 'accreditor', validFrom: '2026-03-01T00:00:00Z', validUntil: '2026-12-01T00:00:00Z' },
      ],
    };
    const validity = accreditorValidity('did:example:acc', { accreditations });
    assert.equal(new Date(validity.validFromMs).toISOString(), '2026-03-01T00:00:00.000Z', 'issuer links do not count');
    assert.throws(() => checkValidFrom(Date.parse('2026-02-01T00:00:00Z'), validity, 'did:example:acc'), {
      code: 'ACCREDITATION_BEFORE_ACCREDITOR',
    });
    assert.throws(() => checkValidFrom(Date.parse('2026-12-02T00:00:00Z'), validity, 'did:example:acc'), {
      code: 'ACCREDITATION_AFTER_ACCREDITOR',
    });
    checkValidFrom(Date.parse('2026-03-01T00:00:00Z'), validity, 'did:example:acc');
    assert.throws(() => accreditorValidity('did:example:other', {}), { code: 'ACCREDITOR_VALIDITY_UNKNOWN' });
    assert.throws(() => parseValidFrom('yesterday'), { code: 'VALID_FROM_INVALID' });
    assert.throws(() => parseValidFrom('2026-04-01T00:00:00'), { code: 'VALID_FROM_INVALID' }, 'no offset');
  });

  it('refuses to sign a list with a key that is not the list’s issuer', async () => {
    const result = await runCli(
      ['withdraw', '--key', 'insurer.key.json', '--list', net.lists.jpAgency, '--index', '7', '--data', data()],
      { cwd: dir },
    );
    assert.equal(result.code, 2, show(result));
    assert.match(
      result.stderr,
      new RegExp(`is issued by ${net.keys.jpAgency.did}, not by ${net.keys.jpHealthInsurer.did}`),
    );
  });
});
