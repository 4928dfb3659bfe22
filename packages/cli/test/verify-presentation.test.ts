/**
 * `trustmesh verify` takes verifiable presentations (issue 12 item 5): the holder's proof with
 * `--challenge` / `--domain`, and every credential in it, against a data directory; exit 0 when all
 * verify, 1 when anything fails (a replayed challenge, a revoked credential).
 */
import * as assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateKeyPair, signPresentation } from '@trustmesh/registry';
import {
  issueCredential,
  makeDataDir,
  revokedListVersion,
  runInProcess,
  sampleNetwork,
  show,
  tempDir,
} from './helpers.ts';

const CHALLENGE = '0d9f4c1e-7a55-4c8e-9d35-2b6f3c1a9e70';

describe('trustmesh verify with a presentation', () => {
  let dir: string;
  let remove: () => Promise<void>;

  before(async () => {
    ({ dir, remove } = await tempDir());
    const { net, network } = await sampleNetwork();
    const insurer = net.keys.jpHealthInsurer;
    const list = net.lists.jpHealthInsurer;
    await makeDataDir(join(dir, 'data'), network, [...net.records, await revokedListVersion(net, insurer, list, [8])]);
    const holder = await generateKeyPair('Ed25519');
    const present = async (indexes: number[]) =>
      signPresentation(
        {
          '@context': ['https://www.w3.org/ns/credentials/v2'],
          type: ['VerifiablePresentation'],
          holder: holder.did,
          verifiableCredential: await Promise.all(indexes.map((i) => issueCredential(net, insurer, list, i))),
        },
        holder,
        { documentLoader: net.documentLoader, challenge: CHALLENGE, domain: 'pharmacy.example' },
      );
    await writeFile(join(dir, 'good.json'), JSON.stringify({ verifiablePresentation: await present([4, 5]) }));
    await writeFile(join(dir, 'revoked.json'), JSON.stringify(await present([4, 8])));
  });
  after(() => remove());

  it('exits 0 when the holder proof and every credential verify; 1 for another challenge', async () => {
    const args = ['verify', 'good.json', '--data', 'data', '--challenge', CHALLENGE, '--domain', 'pharmacy.example'];
    const ok = await runInProcess(args, { cwd: dir });
    assert.equal(ok.code, 0, show(ok));
    assert.match(ok.stdout, /^✓ verified\npresentation:\n {2}✓ proof/);
    assert.match(ok.stdout, /credential 0: verified[\s\S]*credential 1: verified/);
    const replay = await runInProcess(['verify', 'good.json', '--data', 'data', '--challenge', 'other'], { cwd: dir });
    assert.equal(replay.code, 1, show(replay));
    assert.match(replay.stdout, /✗ proof .*\[PROOF_CHALLENGE_MISMATCH\]/);
  });

  it('exits 1 naming the revoked credential; --json carries every result', async () => {
    const result = await runInProcess(
      ['verify', 'revoked.json', '--data', 'data', '--challenge', CHALLENGE, '--json'],
      {
        cwd: dir,
      },
    );
    assert.equal(result.code, 1, show(result));
    const report = JSON.parse(result.stdout);
    assert.equal(report.verdict, 'not-verified');
    assert.deepEqual(
      report.credentials.map((c: { verified: boolean }) => c.verified),
      [true, false],
    );
    assert.equal(report.checks[0].outcome, 'pass');
  });
});
