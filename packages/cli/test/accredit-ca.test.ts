/**
 * `trustmesh accredit --subject-cert FILE` (issue 14): accrediting a CA by its certificate, written
 * to a file that a node admits (and then lists as a CA trust anchor), or published through a node;
 * and the flag combinations it refuses, each with its code. The certificates are the openssl-made
 * fixtures of the registry (packages/registry/test/fixtures/x509/ca/make.sh).
 */
import * as assert from 'node:assert/strict';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NetworkFile } from '@trustmesh/node';
import { certificateSpkiSha256, generateKeyPair, type SampleNetwork } from '@trustmesh/registry';
import {
  makeDataDir,
  openRegistry,
  runInProcess as runCli,
  sampleNetwork,
  show,
  tempDir,
  writeKeyFile,
} from './helpers.ts';

const FIXTURES = resolve(import.meta.dirname, '../../registry/test/fixtures/x509/ca');
const POLICY = '1.2.392.200149.8.5.5.1';
const MDL = 'org.iso.18013.5.1.mDL';

/** The code of a `--json` run's error (stderr), and its message. */
function errorOf(stderr: string): { code: string; message: string } {
  return (JSON.parse(stderr.trim().split('\n').at(-1) ?? '{}') as { error: { code: string; message: string } }).error;
}

describe('trustmesh accredit --subject-cert', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let net: SampleNetwork;
  let network: NetworkFile;
  const data = () => join(dir, 'node-data');

  before(async () => {
    ({ dir, remove } = await tempDir());
    ({ net, network } = await sampleNetwork());
    await makeDataDir(data(), network, net.records);
    await writeKeyFile(join(dir, 'agency.key.json'), net.keys.jpAgency);
    for (const name of ['root-ca.pem', 'iaca.der', 'leaf.pem']) await copyFile(join(FIXTURES, name), join(dir, name));
  });
  after(() => remove());

  it('signs a CA accreditation (PEM certificate) that a node admits and lists as a trust anchor', async () => {
    const result = await runCli(
      [
        'accredit',
        '--key',
        'agency.key.json',
        '--subject-cert',
        'root-ca.pem',
        '--policy',
        POLICY,
        '--policy',
        '1.2.392.200149.8.5.5.2',
        '--jurisdiction',
        'JP',
        '--hold-final',
        '--out',
        'ca.json',
      ],
      { cwd: dir },
    );
    assert.equal(result.code, 0, show(result));
    assert.match(result.stdout, /role: ca/);
    const record = JSON.parse(await readFile(join(dir, 'ca.json'), 'utf8'));
    const der = await readFile(join(FIXTURES, 'root-ca.der'));
    const spki = certificateSpkiSha256(new Uint8Array(der));
    assert.equal(record.credentialSubject.id, `urn:trustmesh:ca:${spki}`);
    assert.equal(record.credentialSubject.role, 'ca');
    assert.equal(record.credentialSubject.caCertificate, der.toString('base64'));
    assert.equal(record.credentialSubject.holdFinal, true);
    assert.deepEqual(record.credentialSubject.accreditedFor, [
      { certificatePolicies: [POLICY, '1.2.392.200149.8.5.5.2'], jurisdiction: 'JP' },
    ]);
    const registry = await openRegistry(data(), network);
    try {
      const outcome = await registry.submit(record);
      assert.equal(outcome.status, 'accept', JSON.stringify(outcome));
      const [anchor] = registry.certificateAuthoritiesOf(spki, Date.now());
      assert.equal(anchor?.holdFinal, true);
      assert.deepEqual(anchor?.jurisdictions, ['JP']);
    } finally {
      await registry.close();
    }
  });

  it('publishes a CA accreditation (DER certificate, docTypes, path length) through a node', async () => {
    const received: unknown[] = [];
    const server: Server = createServer((request, response) => {
      let text = '';
      request.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
      });
      request.on('end', () => {
        received.push({ url: request.url, body: JSON.parse(text) });
        response
          .writeHead(202, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: 'accepted', kind: 'accreditation', key: 'k', digest: 'abc' }));
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await writeFile(join(dir, 'token'), 's3cret\n');
      const result = await runCli(
        [
          'accredit',
          '--key',
          'agency.key.json',
          '--subject-cert',
          'iaca.der',
          '--doc-type',
          MDL,
          '--jurisdiction',
          'JP',
          '--max-path-length',
          '1',
          '--node',
          url,
          '--token-file',
          'token',
        ],
        { cwd: dir },
      );
      assert.equal(result.code, 0, show(result));
      const [sent] = received as { url: string; body: Record<string, Record<string, unknown>> }[];
      assert.equal(sent?.url, '/records');
      assert.equal(sent?.body.credentialSubject?.role, 'ca');
      assert.equal(sent?.body.credentialSubject?.maxPathLength, 1);
      assert.equal(sent?.body.credentialSubject?.holdFinal, false);
      assert.deepEqual(sent?.body.credentialSubject?.accreditedFor, [{ docTypes: [MDL], jurisdiction: 'JP' }]);
    } finally {
      await new Promise((done) => server.close(done));
    }
  });

  it('refuses a DID subject beside the certificate, credential types, or no scope, naming the flags', async () => {
    const base = ['accredit', '--key', 'agency.key.json', '--subject-cert', 'root-ca.pem', '--jurisdiction', 'JP'];
    const cases: [string[], string, RegExp][] = [
      [
        ['--subject-key', 'agency.key.json', '--policy', POLICY],
        'SUBJECT_CONFLICT',
        /--subject-cert and --subject-key cannot go together/,
      ],
      [
        ['--subject', 'did:web:ca.example', '--policy', POLICY],
        'SUBJECT_CONFLICT',
        /--subject-cert and --subject cannot/,
      ],
      [['--types', 'NationalIdCredential'], 'SCOPE_INVALID', /--types/],
      [['--role', 'issuer', '--policy', POLICY], 'ROLE_INVALID', /--role issuer/],
      [[], 'SCOPE_MISSING', /--policy or --doc-type/],
    ];
    for (const [extra, code, message] of cases) {
      const result = await runCli([...base, ...extra, '--out', 'refused.json', '--json'], { cwd: dir });
      assert.equal(result.code, 2, show(result));
      const error = errorOf(result.stderr);
      assert.equal(error.code, code, show(result));
      assert.match(error.message, message);
    }
    const noCert = await runCli(
      [
        'accredit',
        '--key',
        'agency.key.json',
        '--role',
        'ca',
        '--policy',
        POLICY,
        '--jurisdiction',
        'JP',
        '--out',
        'x.json',
        '--json',
      ],
      { cwd: dir },
    );
    assert.equal(errorOf(noCert.stderr).code, 'SUBJECT_CERT_MISSING', show(noCert));
  });

  it('lets an accreditor be given CA policies only, and that accreditor accredit a CA within them', async () => {
    const pki = await generateKeyPair('Ed25519');
    await writeKeyFile(join(dir, 'pki.key.json'), pki);
    const granted = await runCli(
      [
        'accredit',
        '--key',
        'agency.key.json',
        '--subject-key',
        'pki.key.json',
        '--role',
        'accreditor',
        '--policy',
        POLICY,
        '--jurisdiction',
        'JP',
        '--out',
        'pki.json',
      ],
      { cwd: dir },
    );
    assert.equal(granted.code, 0, show(granted));
    const byPki = await runCli(
      [
        'accredit',
        '--key',
        'pki.key.json',
        '--subject-cert',
        'iaca.der',
        '--policy',
        POLICY,
        '--jurisdiction',
        'JP-13',
        '--out',
        'pki-ca.json',
      ],
      { cwd: dir },
    );
    assert.equal(byPki.code, 0, show(byPki));
    const registry = await openRegistry(data(), network);
    try {
      for (const file of ['pki.json', 'pki-ca.json']) {
        const outcome = await registry.submit(JSON.parse(await readFile(join(dir, file), 'utf8')));
        assert.equal(outcome.status, 'accept', JSON.stringify(outcome));
      }
      const spki = certificateSpkiSha256(new Uint8Array(await readFile(join(FIXTURES, 'iaca.der'))));
      assert.deepEqual(registry.certificateAuthoritiesOf(spki, Date.now())[0]?.jurisdictions, ['JP-13']);
    } finally {
      await registry.close();
    }
  });

  it('refuses a certificate that is not a CA’s, and a 10 MB file without reading it', async () => {
    const leaf = await runCli(
      [
        'accredit',
        '--key',
        'agency.key.json',
        '--subject-cert',
        'leaf.pem',
        '--policy',
        POLICY,
        '--jurisdiction',
        'JP',
        '--out',
        'x.json',
        '--json',
      ],
      { cwd: dir },
    );
    assert.equal(leaf.code, 2, show(leaf));
    assert.equal(errorOf(leaf.stderr).code, 'SUBJECT_CERT_INVALID');
    assert.match(errorOf(leaf.stderr).message, /leaf\.pem: .*is not a CA certificate .*\(CA_CERTIFICATE_NOT_CA\)/);
    await writeFile(join(dir, 'huge.der'), new Uint8Array(10 * 1024 * 1024));
    const huge = await runCli(
      [
        'accredit',
        '--key',
        'agency.key.json',
        '--subject-cert',
        'huge.der',
        '--policy',
        POLICY,
        '--jurisdiction',
        'JP',
        '--out',
        'x.json',
        '--json',
      ],
      { cwd: dir },
    );
    assert.equal(huge.code, 2, show(huge));
    assert.equal(errorOf(huge.stderr).code, 'SUBJECT_CERT_INVALID');
    assert.match(errorOf(huge.stderr).message, /huge\.der is 10485760 bytes/);
  });
});
