/**
 * End to end through the real binary (issue 4, Tests): three nodes as child processes over TCP on
 * loopback, each with its own data directory made by `trustmesh init`, from a network made by
 * `trustmesh network init`. Accredit, issue, verify across nodes, revoke, kill -9 a node and restart
 * it, stop gracefully, export and import a bundle; and the errors an operator meets on the way.
 */
import * as assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EXAMPLES_CONTEXT_V1_URL } from '@trustmesh/registry';
import {
  type Background,
  freePort,
  getJson,
  postJson,
  runCli,
  runInProcess,
  show,
  startCli,
  tempDir,
  waitFor,
  waitForHealth,
} from '../helpers.ts';

interface NodeDir {
  name: string;
  api: string;
  p2p: number;
  token: string;
  peerId: string;
  process: Background | null;
}

describe('three nodes through the trustmesh binary', { timeout: 150_000 }, () => {
  let dir: string;
  let remove: () => Promise<void>;
  const nodes: Record<'a' | 'b' | 'c', NodeDir> = {} as Record<'a' | 'b' | 'c', NodeDir>;
  const background: Background[] = [];
  let issuerDid: string;
  let signed: Record<string, unknown>;
  let list: string;
  let index: number;
  let revokeHint: string;

  const run = (args: string[], env?: Record<string, string>) => runCli(args, { cwd: dir, ...(env ? { env } : {}) });
  const local = (args: string[]) => runInProcess(args, { cwd: dir });
  const start = async (node: NodeDir, extra: string[] = []) => {
    const child = startCli(['start', '--data', node.name, '--log-level', 'info', ...extra], { cwd: dir });
    background.push(child);
    node.process = child;
    await waitForHealth(node.api, child);
    return child;
  };
  const peersOf = async (node: NodeDir) =>
    ((await getJson(`${node.api}/peers`))?.body.peers as unknown[] | undefined)?.length ?? 0;

  before(async () => {
    ({ dir, remove } = await tempDir());
  });
  after(async () => {
    // Even when a test failed half-way: no node outlives the suite.
    for (const child of background) child.kill('SIGKILL');
    await Promise.all(background.map((c) => c.exited));
    await remove();
  });

  // The set-up (keys, network file, data directories) runs in-process through the CLI's own entry,
  // sparing a process start per command; everything that talks to the nodes goes through the binary.
  it('creates keys, a network file and three node data directories', async () => {
    const keys = await Promise.all(
      ['jp', 'tw', 'issuer'].map((k) => local(['keys', 'generate', '--out', `${k}.key.json`, '--json'])),
    );
    for (const result of keys) assert.equal(result.code, 0, show(result));
    issuerDid = JSON.parse(keys[2]?.stdout ?? '{}').did;
    const network = await local([
      'network',
      'init',
      '--id',
      'e2e-net',
      '--authority',
      'name=Digital Agency,jurisdiction=JP,key=jp.key.json',
      '--authority',
      'name=Ministry of Digital Affairs,jurisdiction=TW,key=tw.key.json',
      '--threshold',
      '2',
      '--out',
      'network.json',
    ]);
    assert.equal(network.code, 0, show(network));

    const init = async (name: 'a' | 'b' | 'c', extra: string[]) => {
      const [apiPort, p2p] = [await freePort(), await freePort()];
      const result = await local([
        'init',
        '--data',
        name,
        '--network',
        'network.json',
        '--listen',
        `/ip4/127.0.0.1/tcp/${p2p}`,
        '--api-port',
        String(apiPort),
        ...extra,
        '--json',
      ]);
      assert.equal(result.code, 0, show(result));
      const info = JSON.parse(result.stdout);
      const token = (await readFile(join(dir, name, 'token'), 'utf8')).trim();
      nodes[name] = { name, api: `http://127.0.0.1:${apiPort}`, p2p, token, peerId: info.peerId, process: null };
      return info;
    };
    const a = await init('a', ['--issuer-key', 'issuer.key.json', '--suspension-list', 'suspension']);
    assert.equal(a.issuer, issuerDid);
    const bootstrap = a.bootstrapAddresses[0] as string;
    assert.match(bootstrap, new RegExp(`/ip4/127.0.0.1/tcp/${nodes.a.p2p}/p2p/${nodes.a.peerId}$`));
    await Promise.all([init('b', ['--bootstrap', bootstrap]), init('c', ['--bootstrap', bootstrap])]);

    const config = JSON.parse(await readFile(join(dir, 'b', 'config.json'), 'utf8'));
    assert.deepEqual(config.bootstrap, [bootstrap]);
    assert.equal(config.node, nodes.b.api);
    assert.equal((await stat(join(dir, 'b', 'token'))).mode & 0o777, 0o600, 'the token file is not 0600');
    const again = await local(['init', '--data', 'a', '--network', 'network.json']);
    assert.equal(again.code, 2, show(again));
    assert.match(again.stderr, /already a node data directory/);
  });

  it('starts the nodes, which find each other through the bootstrap address', async () => {
    await Promise.all([start(nodes.a), start(nodes.b), start(nodes.c)]);
    // b and c know only a (their bootstrap peer): a star around it.
    await waitFor('b and c connected to a', async () => (await peersOf(nodes.a)) === 2);
    const started = nodes.a.process?.output().stdout ?? '';
    const line = JSON.parse(started.split('\n').find((l) => l.includes('node started')) ?? '{}');
    assert.equal(line.api, nodes.a.api, started);
    assert.ok(
      line.multiaddrs.some((m: string) => m.endsWith(`/tcp/${nodes.a.p2p}/p2p/${nodes.a.peerId}`)),
      started,
    );
    const peers = await run(['peers', '--node', nodes.a.api, '--json']);
    assert.equal(peers.code, 0, show(peers));
    assert.deepEqual(
      JSON.parse(peers.stdout)
        .peers.map((p: { id: string }) => p.id)
        .sort(),
      [nodes.b.peerId, nodes.c.peerId].sort(),
    );
  });

  it('accredits the issuer through one node; every node learns it', async () => {
    const result = await run([
      'accredit',
      '--key',
      'jp.key.json',
      '--subject-key',
      'issuer.key.json',
      '--role',
      'issuer',
      '--types',
      'HealthInsuranceCredential',
      '--jurisdiction',
      'JP',
      '--node',
      nodes.b.api,
      '--token-file',
      'b/token',
    ]);
    assert.equal(result.code, 0, show(result));
    await waitFor(
      'the accreditation on c',
      async () => (await getJson(`${nodes.c.api}/issuers/${issuerDid}`))?.status === 200,
    );
    const issuers = await run(['issuers', '--node', nodes.c.api, '--json']);
    assert.equal(issuers.code, 0, show(issuers));
    const [accreditation] = JSON.parse(issuers.stdout).accreditations;
    assert.equal(accreditation.subject, issuerDid);
    assert.equal(accreditation.scopes[0].valid, true);
  });

  it('issues through the issuer node’s API and verifies on another node', async () => {
    await writeFile(
      join(dir, 'credential.json'),
      JSON.stringify({
        '@context': ['https://www.w3.org/ns/credentials/v2', EXAMPLES_CONTEXT_V1_URL],
        id: 'urn:uuid:8c1c4a4e-0b7e-4cf5-9a53-5d6b1f2f0a01',
        type: ['VerifiableCredential', 'HealthInsuranceCredential'],
        credentialSubject: { id: 'did:example:holder', insuredNumber: '12345678' },
      }),
    );
    const issued = await run(['issue', 'credential.json', '--node', nodes.a.api, '--out', 'signed.json'], {
      TRUSTMESH_TOKEN_FILE: 'a/token',
    });
    assert.equal(issued.code, 0, show(issued));
    revokeHint = /revoke it with: npx trustmesh (.*)$/m.exec(issued.stdout)?.[1] ?? '';
    // The VC-API body, as POST /credentials/issue answers it and POST /credentials/verify takes it.
    signed = JSON.parse(await readFile(join(dir, 'signed.json'), 'utf8')).verifiableCredential;
    type Entry = { statusPurpose: string; statusListCredential: string; statusListIndex: string };
    const entries = signed.credentialStatus as Entry[];
    assert.deepEqual(
      entries.map((e) => e.statusPurpose),
      ['revocation', 'suspension'],
      'issuer mode with --suspension-list gives each credential a suspension entry too',
    );
    const entry = entries[0] as Entry;
    list = entry.statusListCredential;
    index = Number(entry.statusListIndex);
    assert.equal(list, `${nodes.a.api}/status/revocation`);

    await waitFor('the issuer’s list on c', async () => {
      const held = await getJson(`${nodes.c.api}/status-lists/${encodeURIComponent(list)}`);
      return held?.status === 200;
    });
    const verified = await run(['verify', 'signed.json', '--node', nodes.c.api]);
    assert.equal(verified.code, 0, show(verified));
    assert.match(verified.stdout, /✓ verified/);
  });

  it('suspends and reinstates through the issuer node, as docs/issuers.md shows', async () => {
    const answerOnC = async () =>
      JSON.stringify((await postJson(`${nodes.c.api}/credentials/verify`, { verifiableCredential: signed })).body);
    // --wait-on c: the command returns once c answers the new status, so c is asked just once.
    const change = (command: string) =>
      run([command, String(signed.id), '--node', nodes.a.api, '--token-file', 'a/token', '--wait-on', nodes.c.api]);
    const suspended = await change('suspend');
    assert.equal(suspended.code, 0, show(suspended));
    assert.match(suspended.stdout, /suspended: .*\n {2}suspension entry \d+ of .*\/status\/suspension = 1/);
    assert.match(suspended.stderr, new RegExp(`${nodes.c.api} answers the new status \\(\\d+ ms after publishing\\)`));
    assert.match(await answerOnC(), /CREDENTIAL_SUSPENDED/);
    const reinstated = await change('reinstate');
    assert.equal(reinstated.code, 0, show(reinstated));
    assert.match(await answerOnC(), /"verified":true/);
  });

  it('revokes through the issuer node; the other node answers not verified (exit 1)', async () => {
    // The hint `issue` printed, run as written (the token comes from the environment it named).
    assert.equal(revokeHint, `revoke ${String(signed.id)} --node ${nodes.a.api}`);
    const revoked = await run(revokeHint.split(' '), { TRUSTMESH_TOKEN_FILE: 'a/token' });
    assert.equal(revoked.code, 0, show(revoked));
    assert.match(revoked.stdout, new RegExp(`revoked: ${String(signed.id)}`));
    await waitFor('c to see the revocation', async () => {
      const answer = await postJson(`${nodes.c.api}/credentials/verify`, { verifiableCredential: signed });
      return answer.status === 400;
    });
    const verified = await run(['verify', 'signed.json', '--node', nodes.c.api]);
    assert.equal(verified.code, 1, show(verified));
    assert.match(verified.stdout, /✗ status .*\[CREDENTIAL_REVOKED\]/);
    const status = await run(['status', '--list', list, '--index', String(index), '--node', nodes.b.api]);
    assert.equal(status.code, 1, show(status));
    // Issuing the revoked id again reuses its entries: said, and exit 1 (issue 15 item 7).
    const reissued = await run(['issue', 'credential.json', '--node', nodes.a.api, '--token-file', 'a/token']);
    assert.equal(reissued.code, 1, show(reissued));
    assert.match(
      reissued.stderr,
      /warning: this credential id was revoked before: the credential reuses its entry \d+ of /,
    );
    const reinstate = await run(['reinstate', String(signed.id), '--node', nodes.a.api, '--token-file', 'a/token']);
    assert.equal(reinstate.code, 1, show(reinstate));
    assert.match(reinstate.stderr, /CREDENTIAL_REVOKED.*\nhint: revocation is final/);
  });

  it('refuses a busy API port, a data directory in use, a wrong token and a key that does not own the list', async () => {
    const init = await run([
      'init',
      '--data',
      'd',
      '--network',
      'network.json',
      '--listen',
      '/ip4/127.0.0.1/tcp/0',
      '--api-port',
      nodes.a.api.split(':')[2] ?? '',
    ]);
    assert.equal(init.code, 0, show(init));
    const [busy, locked, token, wrongKey] = await Promise.all([
      run(['start', '--data', 'd']),
      run(['start', '--data', 'a', '--api-port', String(await freePort()), '--listen', '/ip4/127.0.0.1/tcp/0']),
      run(['issue', 'credential.json', '--node', nodes.a.api, '--token', 'not-the-token']),
      run([
        'revoke',
        '--key',
        'jp.key.json',
        '--list',
        list,
        '--index',
        '3',
        '--node',
        nodes.a.api,
        '--token',
        nodes.a.token,
      ]),
    ]);
    const port = nodes.a.api.split(':')[2];
    assert.equal(busy.code, 2, show(busy));
    assert.match(busy.stderr, new RegExp(`error: the API port ${port} on 127.0.0.1 is already in use`));
    assert.match(busy.stderr, /hint: start it with --api-port N/);
    assert.equal(locked.code, 2, show(locked));
    assert.match(locked.stderr, /error: another node is running on the data directory .*a /);
    assert.equal(token.code, 2, show(token));
    assert.match(token.stderr, /refused the request/);
    assert.ok(!`${token.stdout}${token.stderr}`.includes('not-the-token'), 'a token was echoed');
    assert.equal(wrongKey.code, 2, show(wrongKey));
    assert.match(wrongKey.stderr, /is issued by did:key:\S+, not by did:key:/);
    for (const result of [busy, locked, token, wrongKey]) assert.doesNotMatch(result.stderr, /^\s+at /m, show(result));
  });

  it('a node killed with -9 restarts on its data directory and catches up', async () => {
    const b = nodes.b.process;
    assert.ok(b);
    b.kill('SIGKILL');
    await b.exited;
    // While b is down: a second credential, revoked by the issuer with its own key, through c.
    const second = await postJson(
      `${nodes.a.api}/credentials/issue`,
      {
        credential: {
          '@context': ['https://www.w3.org/ns/credentials/v2', EXAMPLES_CONTEXT_V1_URL],
          id: 'urn:uuid:8c1c4a4e-0b7e-4cf5-9a53-5d6b1f2f0a02',
          type: ['VerifiableCredential', 'HealthInsuranceCredential'],
          credentialSubject: { id: 'did:example:holder2', insuredNumber: '87654321' },
        },
      },
      nodes.a.token,
    );
    assert.equal(second.status, 201, JSON.stringify(second.body));
    const secondEntries = (second.body.verifiableCredential as { credentialStatus: { statusListIndex: string }[] })
      .credentialStatus;
    const secondIndex = secondEntries[0]?.statusListIndex ?? '';
    const revoked = await run([
      'revoke',
      '--key',
      'issuer.key.json',
      '--list',
      list,
      '--index',
      secondIndex,
      '--node',
      nodes.c.api,
      '--token',
      nodes.c.token,
    ]);
    assert.equal(revoked.code, 0, show(revoked));
    const statusOn = (node: NodeDir) =>
      getJson(
        `${node.api}/credentials/status?statusListCredential=${encodeURIComponent(list)}&statusListIndex=${secondIndex}`,
      );
    await waitFor('a to hold the new version', async () => (await statusOn(nodes.a))?.body.outcome === 'fail');

    const restarted = await start(nodes.b);
    await waitFor('b to catch up', async () => (await statusOn(nodes.b))?.body.outcome === 'fail', {
      background: restarted,
    });
    await waitFor(
      'the catch-up report',
      () => /caught up: \d+ records admitted via sync/.test(restarted.output().stdout),
      {
        background: restarted,
      },
    );
  });

  it('exports from running nodes: --node, and --data falling back to the node that holds the directory', async () => {
    const [live, locked] = await Promise.all([
      run(['export', '--node', nodes.c.api, '--network', 'network.json', '--out', 'bundle.json']),
      run(['export', '--data', 'b', '--out', 'bundle-b.json', '--json']),
    ]);
    assert.equal(live.code, 0, show(live));
    assert.match(live.stdout, new RegExp(`from node ${nodes.c.api}`));
    assert.equal(locked.code, 0, show(locked));
    assert.match(locked.stderr, new RegExp(`is in use by its running node: exporting from it at ${nodes.b.api}`));
    const kinds = JSON.parse(locked.stdout).kinds;
    assert.equal(kinds.governance, 1);
    assert.ok(kinds.accreditation >= 1 && kinds['status-list'] >= 2, JSON.stringify(kinds));
  });

  it('stops every node gracefully on SIGTERM', async () => {
    const running = Object.values(nodes).map((n) => n.process);
    for (const child of running) child?.kill('SIGTERM');
    for (const child of running) {
      assert.ok(child);
      const result = await child.exited;
      assert.equal(result.code, 0, show(result));
      assert.match(result.stdout, /"msg":"stopped"/);
    }
  });

  it('exports a bundle and verifies offline from it and from an imported data directory', async () => {
    // bundle.json was exported from c's running API.
    const imported = await run(['import', 'bundle.json', '--data', 'offline', '--network', 'network.json']);
    assert.equal(imported.code, 0, show(imported));
    // One at a time on `offline`: each opens its LevelDB, which allows a single process (the second
    // would rightly get DATA_DIR_LOCKED).
    const fromBundle = await run(['verify', 'signed.json', '--bundle', 'bundle.json', '--network', 'network.json']);
    const fromImport = await run(['verify', 'signed.json', '--data', 'offline']);
    const health = await run(['health', '--data', 'offline', '--json']);
    assert.equal(fromBundle.code, 1, show(fromBundle));
    assert.match(fromBundle.stdout, /CREDENTIAL_REVOKED/);
    assert.equal(fromImport.code, 1, show(fromImport));
    assert.equal(health.code, 0, show(health));
    assert.equal(JSON.parse(health.stdout).counts.accreditations, 1);
  });
});
