/**
 * Offline bundles with JOSE and CWT status lists (issues 13, 14): a node holding a Token Status List
 * JWT (draft-ietf-oauth-status-list §5.1), a StatusList2021 JWT in TW DIW's `{"statusList": JWS}`
 * envelope, and a Token Status List CWT (§5.2) is exported — from its running API (`GET /records`)
 * and from its data directory — and imported into a fresh data directory, which then gives the same
 * `queryTokenStatus` answers and serves the same bytes from `GET /status-lists/…`. `verify --bundle`
 * of an SD-JWT VC whose entry is INVALID exits 1 (not verified), its honest twin 0, and 2 against
 * a bundle without the lists (STATUS_LIST_UNKNOWN: fail closed, the older bundle's behaviour).
 */
import * as assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { createApi, createMetrics, type NetworkFile } from '@trustmesh/node';
import {
  canonicalBytes,
  createTokenStatusBytes,
  issueCwtStatusList,
  issueSdJwtVc,
  issueTokenStatusList,
  queryTokenStatus,
  type Registry,
  type SampleNetwork,
  signCompactJws,
  TOKEN_STATUS,
  writeTokenStatus,
} from '@trustmesh/registry';
import pino from 'pino';
import { parseBundle, recordBytes } from '../src/bundle.ts';
import { CliError } from '../src/output.ts';
import { makeDataDir, openRegistry, runInProcess, sampleNetwork, show, tempDir } from './helpers.ts';

const TSL_URI = 'https://tw-issuer.example/token-status/bundle';
const CWT_URI = 'https://tw-issuer.example/token-status/bundle-cwt';
const SL2021_URI = 'https://tw-issuer.example/vc/api/status-list/bundle/r0';
const CWT_PREFIX = 'data:application/statuslist+cwt;base64url,';
const IDX = [0, 3, 5, 9] as const;

/** A node API over `registry` (the node's clock is the real one: the sample network is dated now). */
async function serve(registry: Registry, net: SampleNetwork) {
  const api = await createApi(
    { host: '127.0.0.1', port: 0 },
    {
      registry,
      publish: (record) => registry.submit(record),
      node: {
        peerId: '12D3KooWJoseBundle',
        networkId: net.networkId,
        peers: () => [],
        syncState: () => ({ rounds: 0 }),
      },
      metrics: createMetrics({ processMetrics: false }),
      now: Date.now,
      logger: pino({ level: 'silent' }),
    },
  );
  return { api, base: await api.listen() };
}

/** A Token Status List's packed statuses (2 bits): 3 INVALID, 5 SUSPENDED, the rest VALID. */
function tokenStatuses(): Uint8Array {
  const bytes = createTokenStatusBytes(64, 2);
  writeTokenStatus(bytes, 2, 3, TOKEN_STATUS.INVALID);
  writeTokenStatus(bytes, 2, 5, TOKEN_STATUS.SUSPENDED);
  return bytes;
}

/** A StatusList2021Credential JWT as TW DIW signs it (jti names the list; MSB-first bits, GZIP, base64). */
function statusList2021Jwt(net: SampleNetwork, nbf: number): Promise<string> {
  const bits = new Uint8Array(16);
  bits[0] = 0x80 >> 3; // bit 3 revoked
  return signCompactJws(
    { typ: 'JWT' },
    {
      iss: net.keys.twHealthInsurer.did,
      sub: `${SL2021_URI}#list`,
      nbf,
      exp: nbf + 24 * 3600,
      jti: SL2021_URI,
      vc: {
        '@context': ['https://www.w3.org/2018/credentials/v1', 'https://w3id.org/vc/status-list/2021/v1'],
        type: ['VerifiableCredential', 'StatusList2021Credential'],
        credentialSubject: { statusPurpose: 'revocation', encodedList: gzipSync(bits).toString('base64') },
      },
    },
    net.keys.twHealthInsurer,
  );
}

describe('offline bundles with JOSE and CWT status lists (issues 13, 14)', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let net: SampleNetwork;
  let network: NetworkFile;
  let tsl: string;
  let envelope: { statusList: string };
  let cwt: Uint8Array;

  before(async () => {
    ({ dir, remove } = await tempDir());
    ({ net, network } = await sampleNetwork());
    const issuedAt = Date.now() - 30_000;
    const issuer = net.keys.twHealthInsurer;
    tsl = await issueTokenStatusList({ issuer, uri: TSL_URI, bits: 2, statuses: tokenStatuses(), issuedAt });
    envelope = { statusList: await statusList2021Jwt(net, Math.floor(issuedAt / 1000)) };
    cwt = await issueCwtStatusList({ issuer, uri: CWT_URI, bits: 2, statuses: tokenStatuses(), issuedAt });
    await makeDataDir(join(dir, 'agency'), network, [...net.records, tsl, envelope, cwt]);
    await writeFile(join(dir, 'network.json'), JSON.stringify(network));
    const credential = (idx: number) =>
      issueSdJwtVc({
        issuer,
        vct: 'HealthInsuranceCredential',
        claims: { given_name: 'Mei' },
        disclosable: ['given_name'],
        status: { uri: TSL_URI, idx },
        issuedAt,
      });
    await writeFile(join(dir, 'valid.sd-jwt'), await credential(0));
    await writeFile(join(dir, 'invalid.sd-jwt'), await credential(3));
  });
  after(() => remove());

  it('GET /records and the data directory carry the lists alike; an import answers the same and serves the same bytes', async () => {
    const agency = await openRegistry(join(dir, 'agency'), network);
    const uris = [TSL_URI, CWT_URI, SL2021_URI];
    const answers = (registry: Registry) =>
      uris.flatMap((uri) =>
        IDX.map((idx) => {
          const { asOf, ...answer } = queryTokenStatus(registry, uri, idx, Date.now());
          // receivedAt is when each node received the list: the import's own time.
          return { ...answer, version: asOf?.version, digest: asOf?.digest, issuer: asOf?.issuer };
        }),
      );
    const expected = answers(agency);
    assert.deepEqual(
      expected.map((a) => a.status),
      [
        'VALID',
        'INVALID',
        'SUSPENDED',
        'VALID',
        'VALID',
        'INVALID',
        'SUSPENDED',
        'VALID',
        'VALID',
        'INVALID',
        'VALID',
        'VALID',
      ],
    );
    const node = await serve(agency, net);
    try {
      const records = (await (await fetch(`${node.base}/records`)).json()) as { joseStatusLists: unknown[] };
      assert.deepEqual(
        [...records.joseStatusLists].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
        [`${CWT_PREFIX}${Buffer.from(cwt).toString('base64url')}`, tsl, envelope],
      );
      const fromNode = await runInProcess(['export', '--node', node.base, '--out', 'node.json', '--json'], {
        cwd: dir,
      });
      assert.equal(fromNode.code, 0, show(fromNode));
      const kinds = JSON.parse(fromNode.stdout).kinds;
      assert.deepEqual(
        [kinds['token-status-list'], kinds['status-list-2021'], kinds['token-status-list-cwt']],
        [1, 1, 1],
      );
    } finally {
      await node.api.close();
      await agency.close();
    }
    const fromData = await runInProcess(['export', '--data', 'agency', '--out', 'data.json', '--json'], { cwd: dir });
    assert.equal(fromData.code, 0, show(fromData));
    const nodeBundle = JSON.parse(await readFile(join(dir, 'node.json'), 'utf8'));
    const dataBundle = JSON.parse(await readFile(join(dir, 'data.json'), 'utf8'));
    // Canonical JSON: the store holds canonical bytes, GET /records the records as parsed.
    const sorted = (bundle: { records: unknown[] }) =>
      bundle.records.map((r) => (typeof r === 'string' ? r : Buffer.from(canonicalBytes(r)).toString())).sort();
    assert.deepEqual(sorted(nodeBundle), sorted(dataBundle));

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
    assert.equal(summary.passes, 1, 'the bundle order admits every list in one pass');

    const verifier = await openRegistry(join(dir, 'verifier'), network);
    const mirror = await serve(verifier, net);
    try {
      assert.deepEqual(answers(verifier), expected);
      const served = async (uri: string) => {
        const response = await fetch(`${mirror.base}/status-lists/${encodeURIComponent(uri)}`);
        assert.equal(response.status, 200, uri);
        return Buffer.from(await response.arrayBuffer()).toString('hex');
      };
      assert.equal(await served(TSL_URI), Buffer.from(tsl).toString('hex'));
      assert.equal(await served(CWT_URI), Buffer.from(cwt).toString('hex'));
      assert.equal(await served(SL2021_URI), Buffer.from(canonicalBytes(envelope)).toString('hex'));
    } finally {
      await mirror.api.close();
      await verifier.close();
    }
  });

  it('a bundle carries JWS text and CWT data: URLs; any other string is refused by name (BUNDLE_INVALID)', () => {
    const head = { format: 'trustmesh-bundle/1', networkId: net.networkId, genesisDigest: network.genesisDigest };
    const bundle = (records: unknown[]) => ({ ...head, createdAt: new Date().toISOString(), records });
    const cwtText = `${CWT_PREFIX}${Buffer.from(cwt).toString('base64url')}`;
    assert.equal(parseBundle(bundle([tsl, envelope, cwtText]), 'b.json').records.length, 3);
    // The registry classifies (and orders) the CWT by its COSE bytes, not by the text of its data: URL.
    assert.deepEqual(recordBytes(cwtText), cwt);
    for (const bad of ['hello', 'data:application/octet-stream;base64,AAAA', `${tsl}.extra`]) {
      assert.throws(
        () => parseBundle(bundle([bad]), 'b.json'),
        (error: unknown) =>
          error instanceof CliError && error.code === 'BUNDLE_INVALID' && /records\[0\]/.test(error.message),
        bad,
      );
    }
  });

  it('verify --bundle of an SD-JWT VC: VALID entry 0, INVALID entry 1, a bundle without the lists 2', async () => {
    const exported = await runInProcess(['export', '--data', 'agency', '--out', 'offline.json', '--force'], {
      cwd: dir,
    });
    assert.equal(exported.code, 0, show(exported));
    const verify = (file: string, bundle: string) =>
      runInProcess(['verify', file, '--bundle', bundle, '--network', 'network.json', '--json'], { cwd: dir });
    const valid = await verify('valid.sd-jwt', 'offline.json');
    assert.equal(valid.code, 0, show(valid));
    const invalid = await verify('invalid.sd-jwt', 'offline.json');
    assert.equal(invalid.code, 1, show(invalid));
    const failing = JSON.parse(invalid.stdout).checks.filter((c: { outcome: string }) => c.outcome === 'fail');
    assert.deepEqual(
      failing.map((c: { check: string; code: string }) => [c.check, c.code]),
      [['status', 'STATUS_INVALID']],
    );
    // The bundle as it was before JOSE lists travelled: the verifier cannot decide, and says so.
    const bundle = JSON.parse(await readFile(join(dir, 'offline.json'), 'utf8'));
    const isJose = (r: unknown) =>
      (typeof r === 'string' && !r.startsWith('-----')) || (typeof r === 'object' && r !== null && 'statusList' in r);
    const older = { ...bundle, records: bundle.records.filter((r: unknown) => !isJose(r)) };
    await writeFile(join(dir, 'older.json'), JSON.stringify(older));
    const unknown = await verify('invalid.sd-jwt', 'older.json');
    assert.equal(unknown.code, 2, show(unknown));
    assert.match(unknown.stdout, /STATUS_LIST_UNKNOWN/);
  });
});
