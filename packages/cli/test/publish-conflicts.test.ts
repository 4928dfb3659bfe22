/**
 * Publishing a record that conflicts with one the node holds (issue 15): two accreditations signed
 * under one accreditation id (`accredit` run twice from one `possession.json`) are equivocation
 * (DESIGN.md, Principles 4). The node keeps the held one and stores the pair as evidence, answering
 * 202 with `kind: "evidence"`; the CLI said "published" and exited 0. It now fails with
 * EQUIVOCATION (exit 1). Controls: the same accreditation again is a duplicate (exit 0), and the
 * evidence record itself, published on purpose to another node, is published (exit 0).
 * A real node API (createApi) over a real registry on LevelDB, listening on a real port.
 */
import * as assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApi, createMetrics, type NetworkFile } from '@trustmesh/node';
import { canonicalBytes, evidenceWireBytes, LevelRecordStore, Registry, type SampleNetwork } from '@trustmesh/registry';
import pino from 'pino';
import { runInProcess as runCli, sampleNetwork, show, tempDir, writeKeyFile } from './helpers.ts';

const TOKEN = 'publish-conflicts-token-0123456789';

/** A node API over a LevelDB registry holding the sample network; it reports one gossip peer. */
async function startNode(dir: string, net: SampleNetwork, network: NetworkFile) {
  const registry = await Registry.open(
    { networkId: network.networkId, genesisDigest: network.genesisDigest },
    { store: new LevelRecordStore({ location: dir }), now: Date.now },
  );
  for (const record of [network.genesis, ...net.records]) await registry.submit(record);
  const api = await createApi(
    { writeToken: TOKEN, port: 0, host: '127.0.0.1', rateLimit: null },
    {
      registry,
      publish: (record) => registry.submit(record),
      node: {
        peerId: '12D3KooWPublishConflicts',
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
  const url = await api.listen();
  return {
    url,
    registry,
    close: async () => {
      await api.close();
      await registry.close();
    },
  };
}

describe('publishing a record that conflicts with a held one', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let net: SampleNetwork;
  let network: NetworkFile;
  let node: Awaited<ReturnType<typeof startNode>>;
  const env = { TRUSTMESH_TOKEN: TOKEN };
  const accredit = (types: string, out: string, extra: string[] = []) =>
    runCli(
      [
        'accredit',
        '--key',
        'agency.key.json',
        '--subject-key',
        'possession.json',
        '--role',
        'issuer',
        '--types',
        types,
        '--jurisdiction',
        'JP',
        '--network',
        'network.json',
        '--out',
        out,
        ...extra,
      ],
      { cwd: dir, env },
    );

  before(async () => {
    ({ dir, remove } = await tempDir());
    ({ net, network } = await sampleNetwork());
    await writeKeyFile(join(dir, 'agency.key.json'), net.keys.jpAgency);
    await runCli(['keys', 'generate', '--out', 'issuer.key.json'], { cwd: dir }).then((r) =>
      assert.equal(r.code, 0, show(r)),
    );
    await runCli(['keys', 'prove', 'issuer.key.json', '--out', 'possession.json'], { cwd: dir }).then((r) =>
      assert.equal(r.code, 0, show(r)),
    );
    await writeFile(join(dir, 'network.json'), JSON.stringify(network));
    node = await startNode(join(dir, 'node-db'), net, network);
  });
  after(async () => {
    await node.close();
    await remove();
  });

  it('publishes the first accreditation, and the same one again as a duplicate (exit 0)', async () => {
    const first = await accredit('HealthInsuranceCredential', 'first.json', ['--node', node.url]);
    assert.equal(first.code, 0, show(first));
    assert.match(first.stdout, /^published: .* accepted the accreditation record .*, sent to 1 peer$/m);
    const again = await runCli(['publish', 'first.json', '--node', node.url], { cwd: dir, env });
    assert.equal(again.code, 0, show(again));
    assert.match(again.stdout, /ignored the record: DUPLICATE/);
  });

  it('fails with EQUIVOCATION (exit 1) for another accreditation under the same id, through accredit and publish', async () => {
    // A second accredit from the same possession.json: the same accreditation id, other content.
    const second = await accredit('HealthInsuranceCredential,NationalIdCredential', 'second.json', [
      '--node',
      node.url,
    ]);
    assert.equal(second.code, 1, show(second));
    assert.match(second.stdout, /^not published: .* keeps both as equivocation evidence/m);
    assert.doesNotMatch(second.stdout, /^published:/m);
    assert.match(second.stderr, /did not take the record: it conflicts with one it holds/);
    assert.match(second.stderr, /hint: .*keys prove/);
    const [first, other] = await Promise.all(
      ['first.json', 'second.json'].map(async (f) => JSON.parse(await readFile(join(dir, f), 'utf8'))),
    );
    assert.equal(other.id, first.id, 'the same accreditation id');
    // The node kept the held accreditation and the pair as evidence.
    assert.equal((await node.registry.evidence()).length, 1);
    const held = node.registry.accreditationsOf(first.credentialSubject.id);
    assert.deepEqual(
      held.map((a) => a.credential.credentialSubject),
      [first.credentialSubject],
    );

    // The same through `publish`, with --json: the result on stdout, the error on stderr.
    const third = await accredit('NationalIdCredential', 'third.json');
    assert.equal(third.code, 0, show(third));
    const published = await runCli(['publish', 'third.json', '--node', node.url, '--json'], { cwd: dir, env });
    assert.equal(published.code, 1, show(published));
    assert.equal(JSON.parse(published.stdout).equivocation, true);
    assert.equal(JSON.parse(published.stderr).error.code, 'EQUIVOCATION');
  });

  it('publishes evidence given as evidence (exit 0): only a record that became evidence is a failure', async () => {
    const records = await Promise.all(
      ['first.json', 'second.json'].map(async (f) =>
        canonicalBytes(JSON.parse(await readFile(join(dir, f), 'utf8')) as Record<string, unknown>),
      ),
    );
    const evidence = JSON.parse(
      new TextDecoder().decode(evidenceWireBytes('accreditation', records as [Uint8Array, Uint8Array])),
    );
    await writeFile(join(dir, 'evidence.json'), JSON.stringify(evidence));
    const other = await startNode(join(dir, 'other-db'), net, network);
    try {
      const result = await runCli(['publish', 'evidence.json', '--node', other.url], { cwd: dir, env });
      assert.equal(result.code, 0, show(result));
      assert.match(result.stdout, /^published: .* accepted the evidence record/m);
      assert.equal((await other.registry.evidence()).length, 1);
    } finally {
      await other.close();
    }
  });
});
