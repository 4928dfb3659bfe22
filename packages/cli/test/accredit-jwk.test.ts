/**
 * `trustmesh accredit --subject-jwk` (issue 13): a TW DIW-style issuer's keys, held as private JWKs
 * (a JWK Set with separate credential and list keys), pinned as JsonWebKeys with their kid; a
 * public-only JWK carries no proof of possession and is refused, as a bare key is for --subject-key.
 */
import * as assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NetworkFile } from '@trustmesh/node';
import { importPrivateJwk, type SampleNetwork } from '@trustmesh/registry';
import { exportJWK, generateKeyPair } from 'jose';
import {
  makeDataDir,
  openRegistry,
  runInProcess as runCli,
  sampleNetwork,
  show,
  tempDir,
  writeKeyFile,
} from './helpers.ts';

const SUBJECT = 'did:web:diw-issuer.example.tw';

describe('trustmesh accredit --subject-jwk', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let net: SampleNetwork;
  let network: NetworkFile;
  const data = () => join(dir, 'node-data');
  const accredit = (jwkFile: string, out: string, subject = true) =>
    runCli(
      [
        'accredit',
        '--key',
        'ministry.key.json',
        ...(subject ? ['--subject', SUBJECT] : []),
        '--subject-jwk',
        jwkFile,
        '--role',
        'issuer',
        '--types',
        'urn:eudi:pid:1,EmployeeCredential',
        '--jurisdiction',
        'TW',
        '--out',
        out,
      ],
      { cwd: dir },
    );

  before(async () => {
    ({ dir, remove } = await tempDir());
    ({ net, network } = await sampleNetwork());
    await makeDataDir(data(), network, net.records);
    await writeKeyFile(join(dir, 'ministry.key.json'), net.keys.twMinistry);
    const credentialKey = await generateKeyPair('ES256', { extractable: true });
    const listKey = await generateKeyPair('EdDSA', { extractable: true, crv: 'Ed25519' });
    const keys = [
      { ...(await exportJWK(credentialKey.privateKey)), kid: 'credential-key' },
      { ...(await exportJWK(listKey.privateKey)), kid: 'list-key' },
    ];
    await writeFile(join(dir, 'issuer.jwks.json'), JSON.stringify({ keys }));
    await writeFile(
      join(dir, 'public.jwk.json'),
      JSON.stringify({ ...(await exportJWK(credentialKey.publicKey)), kid: 'k' }),
    );
  });
  after(() => remove());

  it('pins a JWK Set as JsonWebKeys named <subject>#<kid>, and a node admits the accreditation', async () => {
    const result = await accredit('issuer.jwks.json', 'jwk-accreditation.json');
    assert.equal(result.code, 0, show(result));
    const accreditation = JSON.parse(await readFile(join(dir, 'jwk-accreditation.json'), 'utf8'));
    const pinned = accreditation.credentialSubject.publicKeys as Record<string, unknown>[];
    assert.deepEqual(
      pinned.map((k) => [k.id, k.type, (k.publicKeyJwk as { kid?: string }).kid]),
      [
        [`${SUBJECT}#credential-key`, 'JsonWebKey', 'credential-key'],
        [`${SUBJECT}#list-key`, 'JsonWebKey', 'list-key'],
      ],
    );
    // Only public members are written: the private parts never leave the CLI.
    assert.ok(pinned.every((k) => (k.publicKeyJwk as { d?: string }).d === undefined));
    const registry = await openRegistry(data(), network);
    try {
      const outcome = await registry.submit(accreditation);
      assert.equal(outcome.status, 'accept', JSON.stringify(outcome));
      assert.deepEqual(
        registry.accreditationsOf(SUBJECT)[0]?.publicKeys.map((k) => k.publicKeyJwk?.kid),
        ['credential-key', 'list-key'],
      );
    } finally {
      await registry.close();
    }
  });

  it('a did:key subject with a second key (TW DIW: credentials key-1, lists key-2): the DID key consents with a controller proof, a node admits it', async () => {
    const didKey = await generateKeyPair('ES256', { extractable: true });
    const listKey = await generateKeyPair('ES256', { extractable: true });
    const didJwk = { ...(await exportJWK(didKey.privateKey)), kid: 'key-1' };
    const keys = [didJwk, { ...(await exportJWK(listKey.privateKey)), kid: 'key-2' }];
    await writeFile(join(dir, 'tw.jwks.json'), JSON.stringify({ keys }));
    const subject = (await importPrivateJwk(didJwk, {})).did;
    const run = (file: string, out: string) =>
      runCli(
        [
          'accredit',
          '--key',
          'ministry.key.json',
          '--subject',
          subject,
          '--subject-jwk',
          file,
          '--role',
          'issuer',
          '--types',
          'DriversLicenceCredential',
          '--jurisdiction',
          'TW',
          '--out',
          out,
        ],
        { cwd: dir },
      );
    const result = await run('tw.jwks.json', 'tw-accreditation.json');
    assert.equal(result.code, 0, show(result));
    const accreditation = JSON.parse(await readFile(join(dir, 'tw-accreditation.json'), 'utf8'));
    const pinned = accreditation.credentialSubject.publicKeys as Record<string, unknown>[];
    assert.deepEqual(
      pinned.map((k) => [k.id, typeof k.controllerProof]),
      [
        [`${subject}#${subject.slice(8)}`, 'undefined'],
        [`${subject}#key-2`, 'string'],
      ],
    );
    const registry = await openRegistry(data(), network);
    try {
      const outcome = await registry.submit(accreditation);
      assert.equal(outcome.status, 'accept', JSON.stringify(outcome));
    } finally {
      await registry.close();
    }
    // A set that does not hold the did:key's own key cannot consent for it.
    await writeFile(join(dir, 'stranger.jwks.json'), JSON.stringify({ keys: [keys[1], { ...keys[1], kid: 'key-3' }] }));
    const refused = await run('stranger.jwks.json', 'z.json');
    assert.notEqual(refused.code, 0, show(refused));
    assert.match(refused.stderr, /none of the keys of --subject-jwk stranger\.jwks\.json is the key/);
  });

  it('refuses a public-only JWK (no proof of possession) and a key set without --subject', async () => {
    const publicOnly = await accredit('public.jwk.json', 'x.json');
    assert.notEqual(publicOnly.code, 0, show(publicOnly));
    assert.match(publicOnly.stderr, /SUBJECT_KEY_POSSESSION_MISSING|public only/);
    const noSubject = await accredit('issuer.jwks.json', 'y.json', false);
    assert.notEqual(noSubject.code, 0, show(noSubject));
    assert.match(noSubject.stderr, /SUBJECT_MISSING|--subject/);
  });
});
