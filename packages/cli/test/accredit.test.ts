import * as assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NetworkFile } from '@trustmesh/node';
import { generateKeyPair, type KeyPair, readStatus, type SampleNetwork } from '@trustmesh/registry';
import { makeDataDir, openRegistry, runCli, sampleNetwork, show, tempDir, writeKeyFile } from './helpers.ts';

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
