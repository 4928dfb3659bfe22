/**
 * docs/issuers.md, Publishing a CA's CRLs, run as written (issue 14): the section's commands pasted
 * (with `npx` dropped) against a real node API (createApi over a LevelDB registry on a real port) —
 * the CA accredited by its certificate, then a DER CRL and a PEM CRL published — and its
 * config.json example read by the node settings. The CA and CRLs are the registry's openssl-made
 * fixtures (packages/registry/test/fixtures/x509/crl/make.sh) under the names the guide uses.
 */
import * as assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApi, createMetrics } from '@trustmesh/node';
import { derToPem, LevelRecordStore, Registry, type SampleNetwork } from '@trustmesh/registry';
import pino from 'pino';
import { derMediaType } from '../src/commands/publish.ts';
import { resolveNodeSettings } from '../src/node-settings.ts';
import { runInProcess as runCli, sampleNetwork, shellBlocks, show, tempDir, writeKeyFile } from './helpers.ts';

const FIXTURES = resolve(import.meta.dirname, '../../registry/test/fixtures/x509/crl');
const DOCS = resolve(import.meta.dirname, '../../../docs');
const TOKEN = 'publish-crl-token-0123456789';

/** The markdown of `heading`'s section of docs/issuers.md. */
async function section(heading: string): Promise<string> {
  const markdown = await readFile(join(DOCS, 'issuers.md'), 'utf8');
  const start = markdown.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `issuers.md has no section "${heading}"`);
  const rest = markdown.slice(start + heading.length + 2);
  const end = rest.search(/^## /m);
  return end === -1 ? rest : rest.slice(0, end);
}

/** Splits a pasted line into words (the guide's lines have no quotes). */
const words = (line: string) => line.trim().split(/\s+/);

describe("docs/issuers.md, Publishing a CA's CRLs", () => {
  let dir: string;
  let remove: () => Promise<void>;
  let net: SampleNetwork;
  let registry: Registry;
  let api: Awaited<ReturnType<typeof createApi>>;
  let url: string;

  before(async () => {
    ({ dir, remove } = await tempDir());
    const sample = await sampleNetwork();
    net = sample.net;
    registry = await Registry.open(
      { networkId: sample.network.networkId, genesisDigest: sample.network.genesisDigest },
      { store: new LevelRecordStore({ location: join(dir, 'db') }), now: Date.now },
    );
    for (const record of [sample.network.genesis, ...net.records]) await registry.submit(record);
    api = await createApi(
      { writeToken: TOKEN, port: 0, host: '127.0.0.1', rateLimit: null },
      {
        registry,
        publish: (record) => registry.submit(record),
        node: {
          peerId: '12D3KooWPublishCrl',
          networkId: net.networkId,
          peers: () => [],
          syncState: () => ({ rounds: 0 }),
          gossipPeers: () => 1,
        },
        metrics: createMetrics({ processMetrics: false }),
        now: Date.now,
        logger: pino({ level: 'silent' }),
      },
    );
    url = await api.listen();
    await writeKeyFile(join(dir, 'jp.key.json'), net.keys.jpAgency);
    await writeFile(join(dir, 'token'), `${TOKEN}\n`);
    const der = (name: string) => readFile(join(FIXTURES, `${name}.der`));
    // The names the guide uses: the CA certificate as PEM, a DER CRL, a PEM CRL.
    await writeFile(join(dir, 'jpki-ca.pem'), derToPem('ca-certificate', await der('int-ca')));
    await writeFile(join(dir, 'jpki-ca-1.crl'), await der('int-crl-1'));
    await writeFile(join(dir, 'jpki-ca-2.crl.pem'), derToPem('crl', await der('int-crl-2')));
  });
  after(async () => {
    await api.close();
    await registry.close();
    await remove();
  });

  it('accredits the CA and publishes its CRLs (DER, then PEM) as the guide shows', async () => {
    const [commands] = shellBlocks(await section("## Publishing a CA's CRLs"));
    assert.ok(commands && commands.length === 3, 'one block of three commands');
    for (const line of commands) {
      const pasted = line
        .replaceAll('http://127.0.0.1:8080', url)
        .replaceAll('/var/lib/trustmesh/token', 'token')
        .replace(/^npx trustmesh /, '');
      const result = await runCli(words(pasted), { cwd: dir });
      assert.equal(result.code, 0, `${line}\n${show(result)}`);
    }
    const [held] = registry.crls();
    assert.equal(held?.held.crlNumber, 2n);
    assert.equal(held?.holdFinal, true, '--hold-final reached the CRL rules');
    const stale = await runCli(['publish', 'jpki-ca-1.crl', '--node', url, '--token-file', 'token'], { cwd: dir });
    assert.equal(stale.code, 1, show(stale));
    assert.match(stale.stdout, /CRL_NUMBER_STALE/);
  });

  it('detects DER CRLs, DER certificates and PEM; JSON is sent as JSON', async () => {
    assert.equal(derMediaType(await readFile(join(dir, 'jpki-ca-1.crl'))), 'application/pkix-crl');
    assert.equal(derMediaType(await readFile(join(FIXTURES, 'int-ca.der'))), 'application/pkix-cert');
    assert.equal(derMediaType(await readFile(join(dir, 'jpki-ca-2.crl.pem'))), 'application/x-pem-file');
    assert.equal(derMediaType(new TextEncoder().encode('{"type":"x"}')), null);
  });

  it('its mirrorSources example is a config.json a node takes', async () => {
    const json = /```json\n([\s\S]*?)\n```/.exec(await section("## Publishing a CA's CRLs"))?.[1];
    assert.ok(json);
    const where = { dataDir: dir, cwd: dir, file: 'config.json' };
    const [source] = resolveNodeSettings(JSON.parse(json), {}, {}, where).mirrorSources;
    assert.equal(source?.allowHttp, true);
    assert.ok((source?.maxBytes ?? 0) >= 64 * 1024 * 1024, 'a national CRL fits');
    assert.match(source?.url ?? '', /^http:\/\//);
  });
});
