/**
 * `trustmesh issuers` names governance authorities by their name beside the DID (issue 15, item 7),
 * in-process over a real data directory.
 */
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SampleNetwork } from '@trustmesh/registry';
import { makeDataDir, runInProcess, sampleNetwork, show, tempDir } from './helpers.ts';

describe('trustmesh issuers', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let net: SampleNetwork;

  before(async () => {
    ({ dir, remove } = await tempDir());
    let network: Awaited<ReturnType<typeof sampleNetwork>>['network'];
    ({ net, network } = await sampleNetwork());
    await makeDataDir(join(dir, 'd'), network, net.records);
  });
  after(() => remove());

  it('shows the accreditor and the chain’s authority by name, with the DID', async () => {
    const result = await runInProcess(['issuers', net.keys.jpHealthInsurer.did, '--data', 'd'], { cwd: dir });
    assert.equal(result.code, 0, show(result));
    const agency = net.keys.jpAgency.did;
    assert.ok(result.stdout.includes(`accredited by Digital Agency (JP) (${agency})`), result.stdout);
    assert.ok(result.stdout.includes(`(chain to authority Digital Agency (JP) (${agency}))`), result.stdout);
    const json = await runInProcess(['issuers', net.keys.jpHealthInsurer.did, '--data', 'd', '--json'], { cwd: dir });
    assert.equal(JSON.parse(json.stdout).accreditations[0].issuer, agency, 'JSON keeps the DID');
  });
});
