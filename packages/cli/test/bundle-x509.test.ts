/**
 * Offline bundles with X.509 records (issue 14): a node holding a CA accreditation (hold final), a
 * sub-CA certificate and CRLs (complete + delta) is exported — from its running API and from its
 * data directory — and imported into a fresh data directory, which then gives the same
 * `Registry.lookup` answers and serves the same CRL bytes (`GET /crls/…`); `verify-cert --bundle`
 * verifies chains offline: 0 verified, 1 revoked, 2 when the bundle lacks the CRLs (fail closed).
 * The PKI comes from the registry's X.509 authoring helpers; certificates run 2025 … 2045.
 */
import * as assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApi, createMetrics, type NetworkFile } from '@trustmesh/node';
import {
  type CertificateAuthority,
  createCertificateAuthority,
  derToPem,
  type IssuedCertificate,
  issueAccreditation,
  issueEndEntityCertificate,
  type Registry,
  type SampleNetwork,
  signCrl,
} from '@trustmesh/registry';
import pino from 'pino';
import { makeDataDir, openRegistry, runInProcess, sampleNetwork, show, tempDir } from './helpers.ts';

const POLICY = '1.2.392.200149.8.5.1.3.10';
const DAY = 86_400_000;
const notBefore = new Date('2025-01-01T00:00:00Z');
const notAfter = new Date('2045-01-01T00:00:00Z');

/** A node API over `registry` (the node's clock is the real one: the sample network is dated now). */
async function serve(registry: Registry, net: SampleNetwork) {
  const api = await createApi(
    { host: '127.0.0.1', port: 0 },
    {
      registry,
      publish: (record) => registry.submit(record),
      node: { peerId: '12D3KooWBundle', networkId: net.networkId, peers: () => [], syncState: () => ({ rounds: 0 }) },
      metrics: createMetrics({ processMetrics: false }),
      now: Date.now,
      logger: pino({ level: 'silent' }),
    },
  );
  return { api, base: await api.listen() };
}

describe('offline bundles with CA certificates and CRLs (issue 14)', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let net: SampleNetwork;
  let network: NetworkFile;
  let root: CertificateAuthority;
  let signing: CertificateAuthority;
  let good: IssuedCertificate;
  let revoked: IssuedCertificate;
  let held: IssuedCertificate;
  const crls: Uint8Array[] = [];

  before(async () => {
    ({ dir, remove } = await tempDir());
    ({ net, network } = await sampleNetwork());
    root = await createCertificateAuthority({
      name: 'CN=Bundle Root CA, O=J-LIS, C=JP',
      notBefore,
      notAfter,
      pathLength: 1,
    });
    signing = await createCertificateAuthority({
      name: 'CN=Bundle Signing CA, O=J-LIS, C=JP',
      notBefore,
      notAfter,
      issuer: root,
      pathLength: 0,
      policies: [POLICY],
    });
    const leaf = (subject: string) =>
      issueEndEntityCertificate({ issuer: signing, subject, notBefore, notAfter, policies: [POLICY] });
    [good, revoked, held] = [await leaf('CN=Good, C=JP'), await leaf('CN=Revoked, C=JP'), await leaf('CN=Held, C=JP')];
    const now = Date.now();
    const accreditation = await issueAccreditation(
      {
        accreditor: net.keys.jpAgency,
        role: 'ca',
        subjectCertificate: root.certificate,
        accreditedFor: [{ certificatePolicies: [POLICY], jurisdiction: 'JP' }],
        maxPathLength: 1,
        holdFinal: true,
        validFrom: new Date(now - 30_000),
        validUntil: new Date(now + 365 * DAY),
      },
      net.documentLoader,
    );
    const thisUpdate = new Date(now - 60_000);
    const nextUpdate = new Date(now + 30 * DAY);
    crls.push(
      await signCrl({ issuer: root, crlNumber: 1n, thisUpdate, nextUpdate, entries: [] }),
      await signCrl({
        issuer: signing,
        crlNumber: 5n,
        thisUpdate,
        nextUpdate,
        entries: [{ serial: revoked.serial, revokedAt: thisUpdate, reason: 'keyCompromise' }],
      }),
      await signCrl({
        issuer: signing,
        crlNumber: 6n,
        deltaBase: 5n,
        thisUpdate: new Date(now - 30_000),
        nextUpdate,
        entries: [{ serial: held.serial, revokedAt: thisUpdate, reason: 'certificateHold' }],
      }),
    );
    await makeDataDir(join(dir, 'agency'), network, [...net.records, accreditation, signing.certificate, ...crls]);
    await writeFile(join(dir, 'network.json'), JSON.stringify(network));
    const chain = (leafOf: IssuedCertificate) =>
      derToPem('ca-certificate', leafOf.certificate) + derToPem('ca-certificate', signing.certificate);
    await writeFile(join(dir, 'good.pem'), chain(good));
    await writeFile(join(dir, 'revoked.pem'), chain(revoked));
    await writeFile(join(dir, 'held.pem'), chain(held));
  });
  after(() => remove());

  it('exports from the running node and from its data directory alike; imports into a fresh directory with the same answers and CRL bytes', async () => {
    const agency = await openRegistry(join(dir, 'agency'), network);
    const serials = [good, revoked, held].map((c) => new Uint8Array(Buffer.from(c.serial, 'hex')));
    const signer = agency.crls().find((c) => c.held.delta)?.signer as string;
    const answers = (registry: Registry) => serials.map((s) => registry.lookup(signer, s, Date.now()));
    const expected = answers(agency);
    assert.deepEqual(
      expected.map((a) => a.state),
      ['good', 'revoked', 'hold'],
    );
    const node = await serve(agency, net);
    try {
      const fromNode = await runInProcess(['export', '--node', node.base, '--out', 'node.json', '--json'], {
        cwd: dir,
      });
      assert.equal(fromNode.code, 0, show(fromNode));
      assert.deepEqual(JSON.parse(fromNode.stdout).kinds['ca-certificate'], 1);
      assert.deepEqual(JSON.parse(fromNode.stdout).kinds.crl, 3);
    } finally {
      await node.api.close();
      await agency.close();
    }
    const fromData = await runInProcess(['export', '--data', 'agency', '--out', 'data.json', '--json'], { cwd: dir });
    assert.equal(fromData.code, 0, show(fromData));
    const nodeBundle = JSON.parse(await readFile(join(dir, 'node.json'), 'utf8'));
    const dataBundle = JSON.parse(await readFile(join(dir, 'data.json'), 'utf8'));
    const pems = (bundle: { records: unknown[] }) => bundle.records.filter((r) => typeof r === 'string').sort();
    assert.deepEqual(pems(nodeBundle), pems(dataBundle));
    assert.deepEqual(
      pems(nodeBundle),
      [signing.certificate, ...crls].map((d, i) => derToPem(i === 0 ? 'ca-certificate' : 'crl', d)).sort(),
    );

    const imported = await runInProcess(
      ['import', 'node.json', '--data', 'verifier', '--network', 'network.json', '--json'],
      {
        cwd: dir,
      },
    );
    assert.equal(imported.code, 0, show(imported));
    const summary = JSON.parse(imported.stdout);
    assert.deepEqual(summary.rejected, {});
    assert.deepEqual(summary.ignored, {});
    assert.equal(summary.accepted, nodeBundle.records.length - 1);

    const verifier = await openRegistry(join(dir, 'verifier'), network);
    const mirror = await serve(verifier, net);
    try {
      assert.deepEqual(answers(verifier), expected);
      assert.deepEqual(
        verifier.caCertificates().map((c) => c.der),
        [signing.certificate],
      );
      const list = (await (await fetch(`${mirror.base}/crls`)).json()) as {
        crls: { href: string; deltaHref?: string }[];
      };
      const served: Buffer[] = [];
      for (const crl of list.crls) {
        for (const href of [crl.href, crl.deltaHref].filter((h): h is string => h !== undefined)) {
          const response = await fetch(new URL(href, mirror.base));
          assert.equal(response.status, 200);
          served.push(Buffer.from(await response.arrayBuffer()));
        }
      }
      assert.deepEqual(
        served.map((b) => b.toString('hex')).sort(),
        crls.map((c) => Buffer.from(c).toString('hex')).sort(),
      );
    } finally {
      await mirror.api.close();
      await verifier.close();
    }
  });

  it('verify-cert --bundle: verified (0), revoked or held (1), CRLs missing from the bundle (2)', async () => {
    const verify = (file: string, bundle: string, ...rest: string[]) =>
      runInProcess(['verify-cert', file, '--bundle', bundle, '--network', 'network.json', ...rest], { cwd: dir });
    let result = await verify('good.pem', 'data.json');
    assert.equal(result.code, 0, show(result));
    assert.match(result.stdout, /^✓ verified/);
    assert.match(result.stdout, /source: bundle data\.json/);
    result = await verify('revoked.pem', 'data.json', '--json');
    assert.equal(result.code, 1, show(result));
    assert.ok(JSON.stringify(JSON.parse(result.stdout).checks).includes('CERTIFICATE_REVOKED'), result.stdout);
    result = await verify('held.pem', 'data.json', '--json');
    assert.equal(result.code, 1, show(result));
    assert.ok(JSON.stringify(JSON.parse(result.stdout).checks).includes('CERTIFICATE_ON_HOLD'), result.stdout);
    // The same bundle without its CRLs: the replica cannot decide (fail closed), never "verified".
    const bundle = JSON.parse(await readFile(join(dir, 'data.json'), 'utf8'));
    bundle.records = bundle.records.filter((r: unknown) => !(typeof r === 'string' && r.includes('X509 CRL')));
    await writeFile(join(dir, 'no-crls.json'), JSON.stringify(bundle));
    result = await verify('good.pem', 'no-crls.json', '--json');
    assert.equal(result.code, 2, show(result));
    assert.ok(JSON.stringify(JSON.parse(result.stdout).checks).includes('CRL_MISSING'), result.stdout);
    // One source only.
    result = await verify('good.pem', 'data.json', '--data', 'verifier');
    assert.equal(result.code, 2, show(result));
    assert.match(result.stderr, /give one of --bundle, --node and --data/);
  });
});
