import * as assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createNetworkFile, parseNetworkFile } from '@trustmesh/node';
import { generateKeyPair, type KeyPair, MemoryRecordStore, Registry } from '@trustmesh/registry';
import { runInProcess as runCli, show, tempDir, writeKeyFile } from './helpers.ts';

describe('trustmesh network and governance', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let jp: KeyPair;
  let tw: KeyPair;
  before(async () => {
    ({ dir, remove } = await tempDir());
    [jp, tw] = await Promise.all([generateKeyPair('Ed25519'), generateKeyPair('P-256')]);
    await writeKeyFile(join(dir, 'jp.key.json'), jp);
    await writeKeyFile(join(dir, 'tw.key.json'), tw);
  });
  after(() => remove());

  const readJson = async (name: string) => JSON.parse(await readFile(join(dir, name), 'utf8'));

  it('network init signs the genesis with every authority and writes a network file', async () => {
    const result = await runCli(
      [
        'network',
        'init',
        '--id',
        'jp-tw',
        '--authority',
        'name=Digital Agency, Japan,jurisdiction=JP,key=jp.key.json',
        '--authority',
        'name=Ministry of Digital Affairs,jurisdiction=TW,key=tw.key.json',
        '--threshold',
        '2',
        '--out',
        'network.json',
      ],
      { cwd: dir },
    );
    assert.equal(result.code, 0, show(result));
    const network = parseNetworkFile(await readJson('network.json'));
    assert.equal(network.networkId, 'jp-tw');
    assert.deepEqual(network.bootstrap, []);
    const genesis = network.genesis as { authorities: { id: string; name: string }[]; signatures: unknown[] };
    assert.deepEqual(
      genesis.authorities.map((a) => [a.name, a.id]),
      [
        ['Digital Agency, Japan', jp.did],
        ['Ministry of Digital Affairs', tw.did],
      ],
    );
    assert.equal(genesis.signatures.length, 2);
    // The genesis must be one a node admits: open a registry on it.
    const registry = await Registry.open(
      { networkId: network.networkId, genesisDigest: network.genesisDigest },
      { store: new MemoryRecordStore(), now: Date.now },
    );
    const outcome = await registry.submit(network.genesis);
    assert.equal(outcome.status, 'accept', JSON.stringify(outcome));
    await registry.close();
  });

  it('collects genesis signatures from separate key files, then finalizes', async () => {
    // Each authority hands over only its public key for the proposal.
    const proposed = await runCli(
      [
        'network',
        'init',
        '--proposal',
        '--id',
        'jp-tw-2',
        '--authority',
        `name=Digital Agency,jurisdiction=JP,key=${jp.publicKeyMultibase}`,
        '--authority',
        `name=MODA,jurisdiction=TW,key=${tw.publicKeyMultibase}`,
        '--threshold',
        '2',
        '--out',
        'genesis.proposal.json',
      ],
      { cwd: dir },
    );
    assert.equal(proposed.code, 0, show(proposed));
    assert.deepEqual((await readJson('genesis.proposal.json')).signatures, []);

    const signedOnce = await runCli(['governance', 'sign', 'genesis.proposal.json', '--key', 'jp.key.json'], {
      cwd: dir,
    });
    assert.equal(signedOnce.code, 0, show(signedOnce));
    assert.match(signedOnce.stdout, /1 of 2 authorities .* still to sign: MODA/);

    const early = await runCli(['network', 'finalize', 'genesis.proposal.json', '--out', 'network-2.json'], {
      cwd: dir,
    });
    assert.equal(early.code, 1, show(early));
    assert.match(early.stderr, /1 of 2 authorities of the genesis signed \(threshold 2\); still to sign: MODA/);
    assert.match(early.stderr, /governance sign genesis\.proposal\.json --key/);

    const signedTwice = await runCli(
      ['governance', 'sign', 'genesis.proposal.json', '--key', 'tw.key.json', '--json'],
      {
        cwd: dir,
      },
    );
    assert.equal(signedTwice.code, 0, show(signedTwice));
    assert.equal(JSON.parse(signedTwice.stdout).thresholdMet, true);

    const finalized = await runCli(['network', 'finalize', 'genesis.proposal.json', '--out', 'network-2.json'], {
      cwd: dir,
    });
    assert.equal(finalized.code, 0, show(finalized));
    const network = parseNetworkFile(await readJson('network-2.json'));
    assert.deepEqual(network.genesis, await readJson('genesis.proposal.json'));
  });

  it('proposes version 2, which a registry admits once both authorities signed it', async () => {
    const gap = await runCli(
      ['governance', 'propose', '--network', 'network.json', '--version', '3', '--out', 'v3.json'],
      {
        cwd: dir,
      },
    );
    assert.equal(gap.code, 2, show(gap));
    assert.match(gap.stderr, /--version 3 does not follow the previous version 1/);

    const proposed = await runCli(
      ['governance', 'propose', '--network', 'network.json', '--threshold', '1', '--out', 'v2.json'],
      {
        cwd: dir,
      },
    );
    assert.equal(proposed.code, 0, show(proposed));
    // Version 2 needs a threshold of version 1's authorities (2) as well as of its own (1): the
    // genesis in network.json is counted, and "next" comes only when both are met.
    const sign = (key: string) =>
      runCli(['governance', 'sign', 'v2.json', '--key', key, '--network', 'network.json'], { cwd: dir });
    const once = await sign('jp.key.json');
    assert.equal(once.code, 0, show(once));
    assert.match(once.stdout, /1 of 2 authorities of version 2 signed \(threshold 1\)\n/);
    assert.match(
      once.stdout,
      /1 of 2 authorities of version 1 signed \(threshold 2\); still to sign: Ministry of Digital Affairs /,
    );
    assert.doesNotMatch(once.stdout, /next:/);
    const twice = await sign('tw.key.json');
    assert.equal(twice.code, 0, show(twice));
    assert.match(twice.stdout, /next: npx trustmesh governance publish v2\.json --node URL --token-file TOKEN_FILE/);
    const v2 = await readJson('v2.json');
    assert.equal(v2.version, 2);
    assert.equal(v2.threshold, 1);
    const network = createNetworkFile({ networkId: 'jp-tw', genesis: (await readJson('network.json')).genesis });
    const registry = await Registry.open(
      { networkId: network.networkId, genesisDigest: network.genesisDigest },
      { store: new MemoryRecordStore(), now: Date.now },
    );
    assert.equal((await registry.submit(network.genesis)).status, 'accept');
    const outcome = await registry.submit(v2);
    assert.equal(outcome.status, 'accept', JSON.stringify(outcome));
    await registry.close();
  });
});
