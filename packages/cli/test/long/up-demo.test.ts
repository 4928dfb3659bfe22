/**
 * The first run (`trustmesh up`) and the guided story (`trustmesh demo`), each run once through the
 * real binary; and the reuse of the local network, in-process.
 */
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { LOCAL_NODES, openLocalNetwork, writeExamples } from '../../src/local-network.ts';
import { freePort, runCli, show, startCli, tempDir, waitFor } from '../helpers.ts';

const exec = promisify(execFile);
/** The workspace's bin: what `npx trustmesh` runs from the repository root. */
const ROOT_BIN = join(import.meta.dirname, '..', '..', '..', '..', 'bin', 'trustmesh.js');

describe('trustmesh up and demo', { timeout: 120_000 }, () => {
  let dir: string;
  let remove: () => Promise<void>;
  before(async () => {
    ({ dir, remove } = await tempDir());
  });
  after(() => remove());

  it('up --check starts the local network, prints what to try next, runs it and exits 0', async () => {
    const ports = [await freePort(), await freePort(), await freePort()];
    const result = await runCli(['up', '--check', '--ports', ports.join(',')], { cwd: dir });
    assert.equal(result.code, 0, show(result));
    assert.match(result.stdout, /trustmesh local network "trustmesh-local" is up: created just now/);
    const [jp, , verifier] = ports;
    assert.ok(
      result.stdout.includes(
        `curl -s -X POST http://127.0.0.1:${jp}/credentials/issue -H "authorization: Bearer $(cat .trustmesh/agency-jp/token)" -H 'content-type: application/json' -d @.trustmesh/examples/issue-request.json -o .trustmesh/issued.json`,
      ),
      result.stdout,
    );
    assert.ok(
      result.stdout.includes(`npx trustmesh verify .trustmesh/credential.json --node http://127.0.0.1:${verifier}`),
      result.stdout,
    );
    // The trustmesh lines read the token from its file: it never appears on a command line or on stdout.
    assert.ok(
      result.stdout.includes(`--node http://127.0.0.1:${jp} --token-file .trustmesh/agency-jp/token`),
      result.stdout,
    );
    assert.ok(result.stdout.includes(`--wait-on http://127.0.0.1:${verifier}`), result.stdout);
    const jpToken = (await readFile(join(dir, '.trustmesh', 'agency-jp', 'token'), 'utf8')).trim();
    assert.ok(!result.stdout.includes(jpToken) && !result.stderr.includes(jpToken), 'the token was printed');
    assert.match(result.stderr, /check: verified on verifier\n/);
    assert.match(
      result.stderr,
      /check: not verified on verifier \(CREDENTIAL_REVOKED\), \d+ ms after the revocation\n/,
    );
    assert.match(
      result.stderr,
      /check: SD-JWT VC not verified on verifier \(STATUS_INVALID\), \d+ ms after the revocation\n/,
    );
    assert.match(result.stderr, /check: ok\n/);
    for (const node of LOCAL_NODES) {
      const token = await stat(join(dir, '.trustmesh', node.name, 'token'));
      assert.equal(token.mode & 0o777, 0o600, `${node.name}'s token is not 0600`);
    }
  });

  it('the lines up prints, and the issuer and offline-verifier guides’ blocks, run as written', async () => {
    const cwd = join(dir, 'pasted');
    await mkdir(cwd);
    const ports = [await freePort(), await freePort(), await freePort()];
    const up = startCli(['up', '--ports', ports.join(',')], { cwd });
    try {
      const printed = await waitFor(
        'up to print its suggestions',
        () => {
          const { stdout } = up.output();
          return stdout.includes('Ctrl-C stops the three nodes') ? stdout : null;
        },
        { background: up },
      );
      const lines = printed.split('\n').map((l) => l.trim());
      const curl = lines.filter((l) => l.startsWith('curl '));
      const commands = lines.filter((l) => /^npx trustmesh (issue|verify|revoke) /.test(l));
      assert.equal(curl.length, 4, printed);
      // Four for the Data Integrity credential, four for the TW DIW-shaped SD-JWT VC (issue 13).
      assert.equal(commands.length, 8, printed);
      // Pasted into a shell in the directory up ran in; `npx trustmesh` is the workspace's bin.
      const sh = (line: string) =>
        exec(
          'sh',
          ['-c', line.replace(/^npx trustmesh /, `${JSON.stringify(process.execPath)} ${JSON.stringify(ROOT_BIN)} `)],
          {
            cwd,
          },
        ).then(
          (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
          (e: { code: number; stdout: string; stderr: string }) => ({
            code: e.code,
            stdout: e.stdout,
            stderr: e.stderr,
          }),
        );
      const [issue, verify, revoke, verifyAgain] = curl as [string, string, string, string];
      assert.equal((await sh(issue)).code, 0);
      assert.match((await sh(verify)).stdout, /"verified":true/);
      assert.match((await sh(revoke)).stdout, /"status":"revoked"/);
      // Pasted together, step 4 may run before the revocation reached the verifier: it does within moments.
      await waitFor('the verifier to answer CREDENTIAL_REVOKED', async () =>
        /CREDENTIAL_REVOKED/.test((await sh(verifyAgain)).stdout),
      );

      const results = [];
      // One after another, as pasted: revoke --wait-on returns once the verifier has the revocation,
      // so the verification right after it is already "not verified".
      for (const line of commands) results.push(await sh(line));
      assert.deepEqual(
        results.map((r) => r.code),
        [0, 0, 0, 1, 0, 0, 0, 1],
        results.map((r) => `${r.stdout}${r.stderr}`).join('\n---\n'),
      );
      assert.match(results[3]?.stdout ?? '', /CREDENTIAL_REVOKED/);
      assert.match(results[7]?.stdout ?? '', /STATUS_INVALID/);

      // docs/issuers.md, "Issuing through a node": its block as written for this local network, with
      // only the ports this test picked in place of 8701 and 8703.
      const guide = await readFile(join(import.meta.dirname, '..', '..', '..', '..', 'docs', 'issuers.md'), 'utf8');
      const section = guide.slice(guide.indexOf('## Issuing through a node'));
      const block = section.slice(section.indexOf('```sh\n') + 6, section.indexOf('\n```', section.indexOf('```sh\n')));
      const [jp, , verifier] = ports;
      const documented = block
        .split('\n')
        .map((l) =>
          l.replaceAll('127.0.0.1:8701', `127.0.0.1:${jp}`).replaceAll('127.0.0.1:8703', `127.0.0.1:${verifier}`),
        );
      const ran = [];
      for (const line of documented) ran.push(await sh(line));
      const said = ran.map((r) => `${r.stdout}${r.stderr}`).join('\n---\n');
      // issue, suspend, verify (suspended), reinstate, revoke, verify (revoked): as the guide says.
      assert.deepEqual(
        ran.map((r) => r.code),
        [0, 0, 1, 0, 0, 1],
        said,
      );
      assert.match(ran[2]?.stdout ?? '', /CREDENTIAL_SUSPENDED/);
      assert.match(ran[5]?.stdout ?? '', /CREDENTIAL_REVOKED/);

      // docs/issuers.md, "SD-JWT VC on a Token Status List": its block as written, same ports.
      const sdJwtSection = guide.slice(guide.indexOf('### SD-JWT VC on a Token Status List'));
      const sdJwtBlock = sdJwtSection.slice(
        sdJwtSection.indexOf('```sh\n') + 6,
        sdJwtSection.indexOf('\n```', sdJwtSection.indexOf('```sh\n')),
      );
      const sdJwtRan = [];
      for (const line of sdJwtBlock.split('\n')) {
        sdJwtRan.push(
          await sh(
            line.replaceAll('127.0.0.1:8701', `127.0.0.1:${jp}`).replaceAll('127.0.0.1:8703', `127.0.0.1:${verifier}`),
          ),
        );
      }
      // echo, issue, verify, suspend, revoke, verify (INVALID)
      assert.deepEqual(
        sdJwtRan.map((r) => r.code),
        [0, 0, 0, 0, 0, 1],
        sdJwtRan.map((r) => `${r.stdout}${r.stderr}`).join('\n---\n'),
      );
      assert.match(sdJwtRan[5]?.stdout ?? '', /STATUS_INVALID/);

      // docs/verifiers.md, "Offline": export (from the verifier's API, and from its data directory,
      // which its running node holds), verify from the bundle, import, verify from the imported copy.
      const verifiers = await readFile(
        join(import.meta.dirname, '..', '..', '..', '..', 'docs', 'verifiers.md'),
        'utf8',
      );
      const offline = verifiers.slice(verifiers.indexOf('## Offline'));
      const offlineBlock = offline.slice(
        offline.indexOf('```sh\n') + 6,
        offline.indexOf('\n```', offline.indexOf('```sh\n')),
      );
      const offlineRan = [];
      for (const line of offlineBlock.split('\n')) {
        offlineRan.push(await sh(line.replaceAll('127.0.0.1:8703', `127.0.0.1:${verifier}`)));
      }
      assert.deepEqual(
        offlineRan.map((r) => r.code),
        [0, 0, 1, 0, 1],
        offlineRan.map((r) => `${r.stdout}${r.stderr}`).join('\n---\n'),
      );
      for (const i of [2, 4]) assert.match(offlineRan[i]?.stdout ?? '', /CREDENTIAL_REVOKED/);
    } finally {
      up.kill('SIGTERM');
      assert.equal((await up.exited).code, 0, 'up stops cleanly on SIGTERM');
    }
  });

  it('a second run reuses the local network; --fresh re-creates it', async () => {
    const dataDir = join(dir, 'reuse');
    const options = { fresh: false, ports: undefined, now: Date.now() };
    const first = await openLocalNetwork(dataDir, options);
    const second = await openLocalNetwork(dataDir, { ...options, ports: [9101, 9102, 9103] });
    assert.equal(first.created, true);
    assert.equal(second.created, false);
    assert.equal(second.network.genesisDigest, first.network.genesisDigest);
    assert.equal(second.manifest.issuer.did, first.manifest.issuer.did);
    assert.deepEqual(
      second.nodes.map((n) => n.token),
      first.nodes.map((n) => n.token),
    );
    assert.deepEqual(second.manifest.ports, { 'agency-jp': 9101, 'agency-tw': 9102, verifier: 9103 });
    const fresh = await openLocalNetwork(dataDir, { ...options, fresh: true });
    assert.equal(fresh.created, true);
    assert.notEqual(fresh.network.genesisDigest, first.network.genesisDigest);
    assert.deepEqual(fresh.manifest.ports, { 'agency-jp': 8701, 'agency-tw': 8702, verifier: 8703 });
  });

  it('a new run keeps what the suggested commands wrote on the last one (issued.json, credential.json)', async () => {
    const dataDir = join(dir, 'outputs');
    await openLocalNetwork(dataDir, { fresh: false, ports: undefined, now: Date.now() });
    await writeFile(join(dataDir, 'issued.json'), '{"verifiableCredential": {}}');
    await writeFile(join(dataDir, 'credential.json'), '{"verifiableCredential": {}}');
    const examples = await writeExamples(dataDir);
    assert.equal(await readFile(join(dataDir, 'issued.json'), 'utf8'), '{"verifiableCredential": {}}');
    assert.equal(await readFile(join(dataDir, 'credential.json'), 'utf8'), '{"verifiableCredential": {}}');
    await stat(examples.credential);
  });

  it('demo tells the story end to end and exits 0', async () => {
    const result = await runCli(['demo'], { cwd: dir });
    assert.equal(result.code, 0, show(result));
    assert.match(result.stdout, /refused: ACCREDITATION_SCOPE_WIDENED/);
    assert.match(result.stdout, /✓ verified: proof ✓, issuer ✓, status ✓, validity ✓/);
    assert.match(result.stdout, /the pharmacy’s node saw it \d+ ms later, on another node/);
    assert.match(result.stdout, /the pharmacy still answers from its replica: ✗ not verified \(CREDENTIAL_REVOKED\)/);
    assert.match(
      result.stdout,
      /data as of .*: governance version 1; list https:\/\/insurer\.example\.jp\/status\/revocation/,
    );
    // The TW DIW-shaped story (issue 13): an SD-JWT VC on a Token Status List, revoked while its
    // issuer's node and then the other agency's are down.
    assert.match(result.stdout, /the Taiwanese SD-JWT licence at the Japanese pharmacy: ✓ verified/);
    assert.match(result.stdout, /its SD-JWT licence: entry \d+ set INVALID; the pharmacy sees it \d+ ms later/);
    assert.match(
      result.stdout,
      /both agencies’ nodes down, the pharmacy still answers ✗ not verified \(STATUS_INVALID\)/,
    );
    // The JPKI story (issue 14): a signing certificate held through J-LIS's CRL, refused by the bank's
    // node while the distribution point the certificate names is down and never called.
    assert.match(result.stdout, /the bank checks the JPKI signing certificate chain: ✓ verified/);
    assert.match(result.stdout, /the bank’s node refuses it \d+ ms later.*✗ not verified \(CERTIFICATE_ON_HOLD\)/);
    assert.match(result.stdout, /J-LIS’s server received 0 requests/);
    assert.match(result.stdout, /converged \d+ ms after it came back: all 4 nodes hold the same \d+ records/);
  });
});
