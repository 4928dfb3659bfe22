import * as assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NetworkFile } from '@trustmesh/node';
import type { SampleNetwork } from '@trustmesh/registry';
import {
  issueCredential,
  makeDataDir,
  openRegistry,
  revokedListVersion,
  runInProcess as runCli,
  sampleNetwork,
  show,
  tempDir,
} from './helpers.ts';

describe('trustmesh export and import', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let net: SampleNetwork;
  let network: NetworkFile;
  let recordCount: number;

  before(async () => {
    ({ dir, remove } = await tempDir());
    ({ net, network } = await sampleNetwork());
    const revoked = await revokedListVersion(net, net.keys.jpHealthInsurer, net.lists.jpHealthInsurer, [6]);
    await makeDataDir(join(dir, 'agency'), network, [...net.records, revoked]);
    // Genesis, two authority lists, two accreditations, two issuer lists (one at its second version).
    recordCount = net.records.length;
    await writeFile(join(dir, 'network.json'), JSON.stringify(network));
    await writeFile(
      join(dir, 'revoked.json'),
      JSON.stringify(await issueCredential(net, net.keys.jpHealthInsurer, net.lists.jpHealthInsurer, 6)),
    );
  });
  after(() => remove());

  it('round-trips every record between two data directories, validating each on import', async () => {
    const exported = await runCli(['export', '--data', 'agency', '--out', 'bundle.json', '--json'], { cwd: dir });
    assert.equal(exported.code, 0, show(exported));
    const bundle = JSON.parse(await readFile(join(dir, 'bundle.json'), 'utf8'));
    assert.equal(bundle.format, 'trustmesh-bundle/1');
    assert.equal(bundle.genesisDigest, network.genesisDigest);
    assert.equal(bundle.records.length, recordCount);

    const imported = await runCli(
      ['import', 'bundle.json', '--data', 'verifier', '--network', 'network.json', '--json'],
      {
        cwd: dir,
      },
    );
    assert.equal(imported.code, 0, show(imported));
    const summary = JSON.parse(imported.stdout);
    // The genesis came with the network file: the bundle's copy is not reported as a duplicate (issue 15).
    assert.equal(summary.accepted, recordCount - 1);
    assert.equal(summary.genesis, 1);
    assert.deepEqual(summary.ignored, {});
    assert.deepEqual(summary.rejected, {});

    const registry = await openRegistry(join(dir, 'verifier'), network);
    try {
      assert.equal(registry.governance()?.record.version, 1);
      assert.equal(registry.accreditations().length, 2);
      assert.equal(registry.statusListIds().length, 4);
      const list = registry.statusList(net.lists.jpHealthInsurer);
      assert.equal(list?.digest, (await openAgencyDigest()).digest);
    } finally {
      await registry.close();
    }

    // Again: everything is already held.
    const again = await runCli(['import', 'bundle.json', '--data', 'verifier'], { cwd: dir });
    assert.equal(again.code, 0, show(again));
    assert.match(
      again.stdout,
      new RegExp(
        `${recordCount - 1} records \\(and the genesis, pinned by the network file\\): 0 accepted, ${recordCount - 1} ignored, 0 rejected`,
      ),
    );
    assert.match(again.stdout, new RegExp(`ignored:  DUPLICATE ${recordCount - 1}`));
  });

  it('verifies offline against the bundle', async () => {
    const result = await runCli(['verify', 'revoked.json', '--bundle', 'bundle.json', '--network', 'network.json'], {
      cwd: dir,
    });
    assert.equal(result.code, 1, show(result));
    assert.match(result.stdout, /✗ status .*revoked.*\[CREDENTIAL_REVOKED\]/);
    assert.match(result.stdout, /source: bundle bundle\.json/);
  });

  it('refuses a bundle of another network', async () => {
    const other = await sampleNetwork();
    await writeFile(join(dir, 'other-network.json'), JSON.stringify(other.network));
    const result = await runCli(['import', 'bundle.json', '--data', 'other', '--network', 'other-network.json'], {
      cwd: dir,
    });
    assert.equal(result.code, 2, show(result));
    assert.match(
      result.stderr,
      /bundle\.json is for network "trustmesh-demo" \(genesis [0-9a-f]{12}…\), but the network file is/,
    );
  });

  async function openAgencyDigest() {
    const registry = await openRegistry(join(dir, 'agency'), network);
    try {
      const state = registry.statusList(net.lists.jpHealthInsurer);
      assert.ok(state);
      return state;
    } finally {
      await registry.close();
    }
  }
});
