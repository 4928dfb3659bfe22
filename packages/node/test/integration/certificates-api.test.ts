/**
 * `POST /certificates/verify` and mdocs in `POST /credentials/verify` (issue 14) over real HTTP: a
 * node's API listening on 127.0.0.1, its registry holding the sample network plus real CA
 * accreditations of the openssl fixtures (a JPKI-like root; the mdoc fixtures' IACA for mDL × JP),
 * with revocation read from real CRLs. Until the CRL record kind implements
 * `TrustView.revocationSource` on the Registry, the test sets that member on the instance (a fake of
 * the interface member over the registry's own CRL index, not a module mock).
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  createSampleNetwork,
  crlRevocationSource,
  type HeldCrl,
  heldFromCrl,
  issueAccreditation,
  MemoryRecordStore,
  parseCaCertificate,
  Registry,
  readCrl,
  type TrustView,
} from '@trustmesh/registry';
import pino from 'pino';
import { type ApiServer, createApi, createMetrics } from '../../src/api/index.ts';

const T0 = Date.parse('2026-06-01T00:00:00Z');
// The fixture CRLs' thisUpdate is their make.sh run (2026-12-03); the grants run T0 … T0 + 1 year.
const NOW = Date.parse('2027-01-15T00:00:00Z');
const X509 = new URL('../../../registry/test/fixtures/x509/', import.meta.url);
const bytes = (path: string) => new Uint8Array(readFileSync(new URL(path, X509)));
const pem = (name: string) => readFileSync(new URL(`chains/${name}.pem`, X509), 'utf8');
const MDL = 'org.iso.18013.5.1.mDL';

interface Harness {
  registry: Registry;
  api: ApiServer;
  base: string;
  lines: string[];
  metrics: ReturnType<typeof createMetrics>;
}

async function makeHarness(): Promise<Harness> {
  const clock = { now: T0 + 60_000 };
  const net = await createSampleNetwork({ now: new Date(T0) });
  const registry = await Registry.open(
    { networkId: net.networkId, genesisDigest: net.genesisDigest },
    { store: new MemoryRecordStore(), now: () => clock.now },
  );
  for (const record of net.records) assert.equal((await registry.submit(record)).status, 'accept');
  const accredit = async (certificate: Uint8Array | string, scope: Record<string, unknown>, maxPathLength = 1) => {
    const record = await issueAccreditation(
      {
        accreditor: net.keys.jpAgency,
        role: 'ca',
        subjectCertificate: certificate,
        accreditedFor: [scope as { jurisdiction: string }],
        maxPathLength,
        validFrom: new Date(T0),
        validUntil: new Date(T0 + 365 * 24 * 3600_000),
      },
      net.documentLoader,
    );
    assert.equal((await registry.submit(record)).status, 'accept');
  };
  await accredit(pem('root'), {
    certificatePolicies: ['1.2.392.200149.8.5.1.3.10', '1.2.392.200149.8.5.1.3.30'],
    jurisdiction: 'JP',
  });
  await accredit(bytes('mdoc/iaca-jp.der'), { docTypes: [MDL], jurisdiction: 'JP' }, 0);
  clock.now = NOW;
  const held = new Map<string, HeldCrl>();
  const hold = (ca: Uint8Array | string, crl: Uint8Array) =>
    held.set(parseCaCertificate(typeof ca === 'string' ? pemDer(ca) : ca, 'ca').spkiSha256, heldFromCrl(readCrl(crl)));
  hold(pem('root'), pemDer(readFileSync(new URL('chains/root.crl.pem', X509), 'utf8'), 'X509 CRL'));
  hold(pem('inter'), bytes('chains/inter.crl.der'));
  hold(bytes('mdoc/iaca-jp.der'), bytes('verify/iaca-jp.crl.der'));
  (registry as TrustView).revocationSource = () => crlRevocationSource((spki) => held.get(spki) ?? null);

  const lines: string[] = [];
  const metrics = createMetrics({ processMetrics: false });
  const api = await createApi(
    { host: '127.0.0.1', port: 0 },
    {
      registry,
      publish: (record) => registry.submit(record),
      node: { peerId: '12D3KooWCert', networkId: net.networkId, peers: () => [], syncState: () => ({ rounds: 0 }) },
      metrics,
      now: () => clock.now,
      logger: pino({ level: 'trace' }, { write: (line: string) => lines.push(line) }),
    },
  );
  return { registry, api, base: await api.listen(), lines, metrics };
}

function pemDer(text: string, label = 'CERTIFICATE'): Uint8Array {
  const body = text.split(`-----BEGIN ${label}-----`)[1]?.split(`-----END ${label}-----`)[0] ?? '';
  return new Uint8Array(Buffer.from(body.replace(/\s+/g, ''), 'base64'));
}

describe('certificate and mdoc verification over HTTP (issue 14)', () => {
  let h: Harness;
  before(async () => {
    h = await makeHarness();
  });
  after(async () => {
    await h.api.close();
    await h.registry.close();
  });

  // biome-ignore lint/suspicious/noExplicitAny: responses are inspected field by field
  const post = async (path: string, body: unknown): Promise<{ status: number; body: any }> => {
    const response = await fetch(`${h.base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  const codes = (body: { errors: { code: string }[] }) => body.errors.map((e) => e.code);

  it('control: a JPKI-like chain verifies (200) in the VC-API shape, with the as-of stamp naming both CRLs', async () => {
    const { status, body } = await post('/certificates/verify', {
      chain: [pem('leaf-sign'), Buffer.from(pemDer(pem('inter'))).toString('base64')],
      purpose: ['digitalSignature', 'nonRepudiation'],
    });
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.verified, true);
    assert.deepEqual(body.checks, ['path', 'validity', 'keyUsage', 'policy', 'revocation']);
    assert.deepEqual(body.errors, []);
    assert.deepEqual(body.warnings, []);
    assert.ok(body.checkResults.every((c: { outcome: string }) => c.outcome === 'pass'));
    assert.match(body.anchor.accreditationId, /^urn:uuid:/);
    assert.equal(body.asOf.time, new Date(NOW).toISOString());
    assert.equal(body.asOf.crls.length, 2);
    for (const crl of body.asOf.crls)
      assert.deepEqual(Object.keys(crl).sort(), ['crlNumber', 'issuer', 'nextUpdate', 'thisUpdate']);
  });

  it('attacks answer 400 not verified with the exact code: unaccredited root, expired intermediate, wrong purpose, at before the grant', async () => {
    const cases: [unknown, string][] = [
      [{ chain: [pem('other-leaf'), pem('other-root')] }, 'ANCHOR_NOT_FOUND'],
      [{ chain: [pem('leaf-expired-inter'), pem('inter-expired')] }, 'CERTIFICATE_EXPIRED'],
      [{ chain: [pem('leaf-auth'), pem('inter')], purpose: 'nonRepudiation' }, 'KEY_USAGE_MISMATCH'],
      [{ chain: [pem('leaf-sign'), pem('inter')], at: '2026-05-01T00:00:00Z' }, 'ANCHOR_NOT_ACCREDITED'],
      [{ chain: [pem('leaf-wrong-ku'), pem('inter')] }, 'CERTIFICATE_REVOKED'],
      [{ chain: ['bm90IGEgY2VydGlmaWNhdGU='] }, 'CERTIFICATE_INVALID'],
    ];
    for (const [request, code] of cases) {
      const { status, body } = await post('/certificates/verify', request);
      assert.equal(status, 400, JSON.stringify(body));
      assert.equal(body.verified, false);
      assert.ok(codes(body).includes(code), `${code}: ${JSON.stringify(codes(body))}`);
    }
    // Honest controls beside them.
    for (const request of [
      { chain: [pem('leaf-auth'), pem('inter')], purpose: 'clientAuth' },
      { chain: [pem('leaf-sign'), pem('inter')], at: '2027-02-01T00:00:00Z' },
    ]) {
      const { status, body } = await post('/certificates/verify', request);
      assert.equal(status, 200, JSON.stringify(body));
      if ('at' in request) assert.equal(body.asOf.at, '2027-02-01T00:00:00.000Z');
    }
  });

  it('a 10 MB certificate is refused before parsing (413), a 100 KB one and 11 certificates by the schema (400)', async () => {
    const huge = await post('/certificates/verify', { chain: ['A'.repeat(10 * 1024 * 1024)] });
    assert.equal(huge.status, 413);
    assert.equal(huge.body.code, 'REQUEST_TOO_LARGE');
    const large = await post('/certificates/verify', { chain: ['A'.repeat(100 * 1024)] });
    assert.equal(large.status, 400);
    assert.equal(large.body.verified, undefined);
    const many = await post('/certificates/verify', { chain: new Array(11).fill(pem('inter')) });
    assert.equal(many.status, 400);
    assert.equal(many.body.verified, undefined);
    const purpose = await post('/certificates/verify', { chain: [pem('inter')], purpose: 'keyCertSign' });
    assert.equal(purpose.status, 400);
    const at = await post('/certificates/verify', { chain: [pem('inter')], at: 'yesterday' });
    assert.equal(at.status, 400);
  });

  it('counts verifications in the metrics and never logs the chain', async () => {
    const before = (await h.metrics.registry.getSingleMetricAsString('trustmesh_verifications_total')) ?? '';
    await post('/certificates/verify', { chain: [pem('other-leaf')] });
    const text = await h.metrics.registry.getSingleMetricAsString('trustmesh_verifications_total');
    assert.notEqual(text, before);
    assert.match(text, /result="not_verified",code="ANCHOR_NOT_FOUND"/);
    const body = pem('leaf-sign').split('\n')[1] as string;
    assert.ok(!h.lines.some((line) => line.includes(body)), 'a certificate reached the logs');
  });

  it('mdoc: an enveloped mDL verifies (200); device auth not requested is said, never passed', async () => {
    const mdoc = Buffer.from(bytes('verify/mdl-jp.mdoc')).toString('base64url');
    const envelope = {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: 'EnvelopedVerifiableCredential',
      id: `data:application/mdoc;base64url,${mdoc}`,
    };
    const { status, body } = await post('/credentials/verify', { verifiableCredential: envelope });
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(body.checks, ['proof', 'issuer', 'status', 'validity']);
    assert.equal(body.checkResults[0].details.deviceAuth, 'not-requested');
    assert.ok(body.warnings.some((w: string) => /device authentication was not requested/.test(w)));
    assert.equal(body.asOf.crls.length, 1);
    assert.ok(!h.lines.some((line) => line.includes(mdoc.slice(0, 64))), 'the mdoc reached the logs');
  });

  it('mdoc: the session transcript authenticates the device; another transcript fails MDOC_DEVICE_SIGNATURE_INVALID', async () => {
    const envelope = {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: 'EnvelopedVerifiableCredential',
      id: `data:application/mdoc;base64url,${Buffer.from(bytes('verify/mdl-jp-device.mdoc')).toString('base64url')}`,
    };
    const transcript = Buffer.from(bytes('verify/session-transcript.cbor')).toString('base64url');
    const ok = await post('/credentials/verify', {
      verifiableCredential: envelope,
      options: { sessionTranscript: transcript },
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.checkResults[0].details.deviceAuth, 'verified');
    assert.deepEqual(ok.body.warnings, []);
    const other = Buffer.from(bytes('verify/session-transcript.cbor'));
    other[other.length - 1] = (other[other.length - 1] as number) ^ 1;
    const bad = await post('/credentials/verify', {
      verifiableCredential: envelope,
      options: { sessionTranscript: other.toString('base64url') },
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(codes(bad.body), ['MDOC_DEVICE_SIGNATURE_INVALID']);
  });
});
