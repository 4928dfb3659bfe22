/**
 * `trustmesh verify-cert` and `trustmesh verify` of an mdoc (issue 14), running the lines of
 * docs/verifiers.md "Certificates and mdocs" as written, against a node's API (a real registry with
 * the openssl fixtures' JPKI-like root and mdoc IACA accredited, and their real CRLs) and against a
 * data directory that holds no CRL (fail closed: exit 2). Until the CRL record kind implements
 * `TrustView.revocationSource` on the Registry, the node's registry gets that member set on the
 * instance (a fake of the interface member over the registry's CRL index).
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApi, createMetrics } from '@trustmesh/node';
import {
  createSampleNetwork,
  crlRevocationSource,
  type HeldCrl,
  heldFromCrl,
  issueAccreditation,
  type KeyPair,
  MemoryRecordStore,
  parseCaCertificate,
  Registry,
  readCrl,
  type SampleNetwork,
  type TrustView,
} from '@trustmesh/registry';
import pino from 'pino';
import { makeDataDir, runInProcess, sampleNetwork, shellBlocks, show, tempDir } from './helpers.ts';

const DOCS = join(import.meta.dirname, '..', '..', '..', 'docs', 'verifiers.md');
const X509 = join(import.meta.dirname, '..', '..', 'registry', 'test', 'fixtures', 'x509');
const file = (path: string) => new Uint8Array(readFileSync(join(X509, path)));
const T0 = Date.parse('2026-06-01T00:00:00Z');
// The fixture CRLs' thisUpdate is their make.sh run (2026-12-03); the node's grants run T0 … T0 + 1 year.
const NOW = Date.parse('2027-01-15T00:00:00Z');
const MDL = 'org.iso.18013.5.1.mDL';
const POLICIES = ['1.2.392.200149.8.5.1.3.10', '1.2.392.200149.8.5.1.3.30'];

function der(pem: string, label = 'CERTIFICATE'): Uint8Array {
  const body = pem.split(`-----BEGIN ${label}-----`)[1]?.split(`-----END ${label}-----`)[0] ?? '';
  return new Uint8Array(Buffer.from(body.replace(/\s+/g, ''), 'base64'));
}
const pem = (name: string) => readFileSync(join(X509, 'chains', `${name}.pem`), 'utf8');

/** CA accreditations of the JPKI-like root and the mdoc IACA, by JP's authority. */
async function caAccreditations(net: SampleNetwork, accreditor: KeyPair, from: number, until: number) {
  const accredit = (certificate: Uint8Array, scope: Record<string, unknown>, maxPathLength: number) =>
    issueAccreditation(
      {
        accreditor,
        role: 'ca',
        subjectCertificate: certificate,
        accreditedFor: [scope as { jurisdiction: string }],
        maxPathLength,
        validFrom: new Date(from),
        validUntil: new Date(until),
      },
      net.documentLoader,
    );
  return [
    await accredit(der(pem('root')), { certificatePolicies: POLICIES, jurisdiction: 'JP' }, 1),
    await accredit(file('mdoc/iaca-jp.der'), { docTypes: [MDL], jurisdiction: 'JP' }, 0),
  ];
}

/** A node API whose replica holds the accreditations and the fixtures' CRLs, at a fixed clock. */
async function startNode(): Promise<{ api: Awaited<ReturnType<typeof createApi>>; base: string; registry: Registry }> {
  const clock = { now: T0 + 60_000 };
  const net = await createSampleNetwork({ now: new Date(T0) });
  const registry = await Registry.open(
    { networkId: net.networkId, genesisDigest: net.genesisDigest },
    { store: new MemoryRecordStore(), now: () => clock.now },
  );
  for (const record of [
    ...net.records,
    ...(await caAccreditations(net, net.keys.jpAgency, T0, T0 + 365 * 86_400_000)),
  ]) {
    assert.equal((await registry.submit(record)).status, 'accept');
  }
  clock.now = NOW;
  const held = new Map<string, HeldCrl>();
  const hold = (ca: Uint8Array, crl: Uint8Array) =>
    held.set(parseCaCertificate(ca, 'ca').spkiSha256, heldFromCrl(readCrl(crl)));
  hold(der(pem('root')), der(readFileSync(join(X509, 'chains', 'root.crl.pem'), 'utf8'), 'X509 CRL'));
  hold(der(pem('inter')), file('chains/inter.crl.der'));
  hold(file('mdoc/iaca-jp.der'), file('verify/iaca-jp.crl.der'));
  (registry as TrustView).revocationSource = () => crlRevocationSource((spki) => held.get(spki) ?? null);
  const api = await createApi(
    { host: '127.0.0.1', port: 0 },
    {
      registry,
      publish: (record) => registry.submit(record),
      node: { peerId: '12D3KooWCliCert', networkId: net.networkId, peers: () => [], syncState: () => ({ rounds: 0 }) },
      metrics: createMetrics({ processMetrics: false }),
      now: () => clock.now,
      logger: pino({ level: 'silent' }),
    },
  );
  return { api, base: await api.listen(), registry };
}

/** The ```sh lines of the docs' section, as argv after `npx trustmesh`, with the node and data dir substituted. */
async function documentedLines(base: string, data: string): Promise<string[][][]> {
  const markdown = await readFile(DOCS, 'utf8');
  const start = markdown.indexOf('\n## Certificates and mdocs (issue 14)\n');
  assert.ok(start >= 0, 'docs/verifiers.md has no section "Certificates and mdocs (issue 14)"');
  const rest = markdown.slice(start + 1);
  const section = rest.slice(0, rest.indexOf('\n## ', 3));
  return shellBlocks(section).map((block) =>
    block.map((line) => {
      assert.match(line, /^npx trustmesh /);
      const pasted = line
        .replaceAll('http://127.0.0.1:8703', base)
        .replaceAll('/var/lib/trustmesh', data)
        .replace(/^npx trustmesh /, '');
      return pasted.split(/\s+/).filter(Boolean);
    }),
  );
}

describe('trustmesh verify-cert and verify of an mdoc (docs/verifiers.md, as written)', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let node: Awaited<ReturnType<typeof startNode>>;

  before(async () => {
    ({ dir, remove } = await tempDir());
    node = await startNode();
    // The data directory of a stopped node: accredited CAs, no CRL held.
    const { net, network } = await sampleNetwork();
    const from = Date.now() - 30_000;
    await makeDataDir(join(dir, 'data'), network, [
      ...net.records,
      ...(await caAccreditations(net, net.keys.jpAgency, from, from + 365 * 86_400_000)),
    ]);
    // The files the guide names.
    await writeFile(join(dir, 'jpki-chain.pem'), pem('leaf-sign') + pem('inter'));
    await writeFile(join(dir, 'leaf.der'), der(pem('leaf-sign')));
    await writeFile(join(dir, 'intermediate.der'), der(pem('inter')));
    await writeFile(join(dir, 'other.pem'), pem('other-leaf') + pem('other-root'));
    await writeFile(join(dir, 'mdl.mdoc'), file('verify/mdl-jp.mdoc'));
    await writeFile(join(dir, 'mdl.b64'), `${Buffer.from(file('verify/mdl-jp.mdoc')).toString('base64url')}\n`);
    await writeFile(join(dir, 'device-response.mdoc'), file('verify/mdl-jp-device.mdoc'));
    await writeFile(join(dir, 'session-transcript.cbor'), file('verify/session-transcript.cbor'));
    const other = Buffer.from(file('verify/session-transcript.cbor'));
    other[other.length - 1] = (other[other.length - 1] as number) ^ 1;
    await writeFile(join(dir, 'other-transcript.cbor'), other);
  });
  after(async () => {
    await node.api.close();
    await node.registry.close();
    await remove();
  });

  it('runs the documented lines: node answers verified (0), the CRL-less data directory could not decide (2)', async () => {
    const [certificates, mdocs] = await documentedLines(node.base, join(dir, 'data'));
    assert.ok(certificates && mdocs, 'two sh blocks');
    const [chain, der_, data] = certificates as [string[], string[], string[]];
    let result = await runInProcess(chain, { cwd: dir });
    assert.equal(result.code, 0, show(result));
    assert.match(result.stdout, /^✓ verified/);
    assert.match(result.stdout, /✓ keyUsage/);
    assert.match(result.stdout, /CRL of .*Signing CA.*: number \d+, this update /);
    result = await runInProcess(der_, { cwd: dir });
    assert.equal(result.code, 0, show(result));
    const report = JSON.parse(result.stdout);
    assert.equal(report.verdict, 'verified');
    assert.equal(report.asOf.at, '2027-02-01T00:00:00.000Z');
    result = await runInProcess(data, { cwd: dir });
    assert.equal(result.code, 2, show(result));
    assert.match(result.stdout, /^\? could not decide/);
    assert.match(result.stdout, /\? revocation .*\[CRL_MISSING\]/);
    for (const line of mdocs as string[][]) {
      result = await runInProcess(line, { cwd: dir });
      assert.equal(result.code, 0, `${line.join(' ')}\n${show(result)}`);
      assert.match(result.stdout, /^✓ verified/);
    }
  });

  it('exits 1 for a chain to an unaccredited root and for a replayed device signature; 2 for an mdoc without CRL', async () => {
    let result = await runInProcess(['verify-cert', 'other.pem', '--node', node.base], { cwd: dir });
    assert.equal(result.code, 1, show(result));
    assert.match(result.stdout, /✗ path .*\[ANCHOR_NOT_FOUND\]/);
    result = await runInProcess(
      ['verify', 'device-response.mdoc', '--session-transcript', 'other-transcript.cbor', '--node', node.base],
      { cwd: dir },
    );
    assert.equal(result.code, 1, show(result));
    assert.match(result.stdout, /\[MDOC_DEVICE_SIGNATURE_INVALID\]/);
    result = await runInProcess(['verify', 'mdl.mdoc', '--data', join(dir, 'data'), '--json'], { cwd: dir });
    assert.equal(result.code, 2, show(result));
    const issuer = JSON.parse(result.stdout).checks.find((c: { check: string }) => c.check === 'issuer');
    assert.equal(issuer.code, 'CRL_MISSING');
  });

  it('reads an mdoc given as base64url text, and refuses a purpose it does not know (usage, 2)', async () => {
    let result = await runInProcess(['verify', 'mdl.b64', '--node', node.base, '--json'], { cwd: dir });
    assert.equal(result.code, 0, show(result));
    assert.equal(JSON.parse(result.stdout).checks[0].details.deviceAuth, 'not-requested');
    result = await runInProcess(['verify-cert', 'jpki-chain.pem', '--purpose', 'keyCertSign', '--node', node.base], {
      cwd: dir,
    });
    assert.equal(result.code, 2, show(result));
  });
});
