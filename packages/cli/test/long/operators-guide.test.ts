/**
 * docs/operators.md, run as written (issue 15, item 6: "Every documented command executed verbatim
 * by a test"): every ```sh block of the guide, in order, each line pasted into `sh -c` with the
 * workspace's bin in place of `npx trustmesh`, against real nodes over TCP. Only what cannot exist on
 * a test machine is replaced (system paths, fixed ports, placeholders, another agency's host): the
 * list is {@link operatorSubstitutions}, and every entry must be used, so it cannot rot. Beyond it,
 * where the guide itself says so: §1 runs again on the TW authority's "own machine" (its key file);
 * §2's proposal path runs apart from the lab path (both write network.json); §2's `publish` waits
 * for §3's running node; node1, the other agency's node that §3 bootstraps from, runs §3's lines
 * on its own directory and ports without `--bootstrap`; and after the HTTPS start of §3, §3's plain
 * start runs again, since the later blocks talk to http://127.0.0.1:8080.
 * docs.test.ts checks that the guide's flags exist; this checks that the lines work.
 */
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  type Background,
  freePort,
  getJson,
  type RunResult,
  runPasted,
  show,
  startPasted,
  tempDir,
  waitFor,
  waitForHealth,
} from '../helpers.ts';

const exec = promisify(execFile);
const GUIDE_PATH = join(import.meta.dirname, '..', '..', '..', '..', 'docs', 'operators.md');
const guide = shellBlocks(await readFile(GUIDE_PATH, 'utf8'));

/** Every ```sh block of a Markdown text, in order, as its non-empty lines. */
function shellBlocks(markdown: string): string[][] {
  const blocks: string[][] = [];
  let current: string[] | null = null;
  for (const line of markdown.split('\n')) {
    if (current === null) {
      if (/^```sh\s*$/.test(line)) current = [];
    } else if (line.startsWith('```')) {
      blocks.push(current);
      current = null;
    } else if (line.trim() !== '') current.push(line);
  }
  return blocks;
}

/** One thing a documented line names that cannot exist on a test machine, and what stands in for it. */
interface Substitution {
  documented: string;
  actual: () => string;
}

/** What the test learns along the way and the substitutions need. */
interface Learned {
  jpPublicKey?: string;
  twPublicKey?: string;
  node1Bootstrap?: string;
}

function known(value: string | undefined, what: string): string {
  if (value === undefined) throw new Error(`a line needs ${what} before an earlier line produced it`);
  return value;
}

/**
 * The operator's machine: the substitutions applied to every line of the guide, and nothing else.
 * @param root - Stands for `/` where the guide names system paths.
 */
function operatorSubstitutions(root: string, ports: { api: number; p2p: number }, learned: Learned): Substitution[] {
  return [
    // A test may not write /var/lib: the same layout under a temporary directory (this also covers
    // /var/lib/trustmesh/token and /var/lib/trustmesh-restore).
    { documented: '/var/lib/trustmesh', actual: () => `${root}/var/lib/trustmesh` },
    // Nor /etc: the TLS certificate and key are made there by openssl (see the HTTPS test).
    { documented: '/etc/trustmesh/', actual: () => `${root}/etc/trustmesh/` },
    // 8080 and 4001 may be taken on a shared machine: ports that were free a moment ago.
    { documented: '--api-port 8080', actual: () => `--api-port ${ports.api}` },
    { documented: '127.0.0.1:8080', actual: () => `127.0.0.1:${ports.api}` },
    { documented: '/ip4/0.0.0.0/tcp/4001', actual: () => `/ip4/0.0.0.0/tcp/${ports.p2p}` },
    // Another agency's node: node1, run by this test, at the address its `init` printed (with
    // 0.0.0.0 replaced by this machine's address, as `init` says).
    {
      documented: '/dns4/node1.agency.example/tcp/4001/p2p/12D3KooW…',
      actual: () => known(learned.node1Bootstrap, "node1's bootstrap address"),
    },
    // The public keys the authorities handed round: what `keys show` printed for each.
    {
      documented: 'jurisdiction=JP,key=z6Mk…',
      actual: () => `jurisdiction=JP,key=${known(learned.jpPublicKey, "JP's public key")}`,
    },
    {
      documented: 'jurisdiction=TW,key=z6Mk…',
      actual: () => `jurisdiction=TW,key=${known(learned.twPublicKey, "TW's public key")}`,
    },
  ];
}

/** A line with `substitutions` applied; fails when a placeholder or a fixed system value is left. */
function substitute(line: string, substitutions: readonly Substitution[], used: Set<string>): string {
  let pasted = line;
  for (const { documented, actual } of substitutions) {
    if (!pasted.includes(documented)) continue;
    pasted = pasted.replaceAll(documented, actual());
    used.add(documented);
  }
  assert.doesNotMatch(pasted, /…|(^|\s)\/(var|etc)\/|:8080\b|\/tcp\/4001\b/, `a placeholder is left in: ${pasted}`);
  return pasted;
}

/** GETs a JSON route over HTTPS, trusting only `ca`; null when nothing answers (yet). */
function getJsonOverTls(url: string, ca: Buffer): Promise<{ status: number; body: Record<string, unknown> } | null> {
  return new Promise((resolve) => {
    const request = httpsGet(url, { ca, timeout: 5000 }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () => {
        try {
          resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> });
        } catch {
          resolve(null);
        }
      });
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(null));
  });
}

/** Asserts a line exited with `code` and printed `pattern` on stdout. */
function expectRun(result: RunResult, code: number, pattern: RegExp): void {
  assert.equal(result.code, code, show(result));
  assert.match(result.stdout, pattern, show(result));
}

describe('docs/operators.md, every sh block run as written', { timeout: 240_000 }, () => {
  let dir: string;
  let remove: () => Promise<void>;
  /** The operator's working directory (a clone of the repository, in the guide). */
  let cwd: string;
  let root: string;
  const ports = { api: 0, p2p: 0 };
  const node1Ports = { api: 0, p2p: 0 };
  const learned: Learned = {};
  const used = new Set<string>();
  const background: Background[] = [];
  let subs: Substitution[];
  let node1: Background;
  let node: Background;
  let node1PeerId: string;

  const [keys, labGenesis, agencyGenesis, governance, dataDir, tlsStart, backup, monitoring] = guide as [
    string[],
    string[],
    string[],
    string[],
    string[],
    string[],
    string[],
    string[],
  ];
  const run = (line: string, where = cwd) => runPasted(substitute(line, subs, used), { cwd: where });
  const start = (line: string, substitutions = subs, usedBy = used) => {
    const child = startPasted(substitute(line, substitutions, usedBy), { cwd });
    background.push(child);
    return child;
  };
  /** Stops a node as systemd would (SIGTERM): it closes everything and exits 0. */
  const stop = async (child: Background) => {
    child.kill('SIGTERM');
    const result = await child.exited;
    assert.equal(result.code, 0, show(result));
    assert.match(result.stdout, /"msg":"stopped"/, show(result));
  };
  const api = (port: number) => `http://127.0.0.1:${port}`;

  before(async () => {
    ({ dir, remove } = await tempDir());
    cwd = join(dir, 'operator');
    root = join(dir, 'root');
    await mkdir(cwd);
    Object.assign(ports, { api: await freePort(), p2p: await freePort() });
    Object.assign(node1Ports, { api: await freePort(), p2p: await freePort() });
    subs = operatorSubstitutions(root, ports, learned);
  });
  after(async () => {
    // Even when a test failed half-way: no node outlives the suite.
    for (const child of background) child.kill('SIGKILL');
    await Promise.all(background.map((c) => c.exited));
    await remove();
  });

  it('has the blocks this test runs (a new block or line must be run here too)', () => {
    assert.deepEqual(
      guide.map((block) => block.length),
      [2, 1, 4, 4, 2, 1, 2, 3],
      guide.map((block) => block.join('\n')).join('\n---\n'),
    );
    for (const line of guide.flat()) assert.match(line, /^npx trustmesh /, line);
  });

  it('§1 keys: each authority generates its key (0600) and shows it without the secret', async () => {
    // The TW authority runs the same block on its own machine: §2 needs its key file.
    for (const [authority, lines] of [
      ['jp', keys],
      ['tw', keys.map((l) => l.replaceAll('jp.key.json', 'tw.key.json'))],
    ] as const) {
      const [generated, shown] = [await run(lines[0] ?? ''), await run(lines[1] ?? '')];
      expectRun(generated, 0, new RegExp(`wrote Ed25519 key to ${authority}\\.key\\.json \\(mode 0600`));
      expectRun(shown, 0, /^type: +Ed25519$/m);
      const file = join(cwd, `${authority}.key.json`);
      assert.equal((await stat(file)).mode & 0o777, 0o600, `${file} is not 0600`);
      const secret = JSON.parse(await readFile(file, 'utf8')).secretKeyMultibase as string;
      assert.ok(secret.length > 10 && !`${generated.stdout}${shown.stdout}`.includes(secret), 'the secret was printed');
      const publicKey = /^public key: +(z6Mk\S+)$/m.exec(shown.stdout)?.[1];
      assert.ok(publicKey, shown.stdout);
      if (authority === 'jp') learned.jpPublicKey = publicKey;
      else learned.twPublicKey = publicKey;
    }
  });

  it('§2 the network file: in a lab with both keys, and across agencies from a signed proposal', async () => {
    const lab = await run(labGenesis[0] ?? '');
    expectRun(lab, 0, /^wrote network file network\.json$/m);
    assert.match(lab.stdout, /^threshold: +2 of 2/m);

    // Across agencies is the other way to the same file: it runs apart (both write network.json),
    // where the authorities' key files are (one directory stands for every authority's machine).
    const agencies = join(dir, 'across-agencies');
    await mkdir(agencies);
    for (const key of ['jp.key.json', 'tw.key.json']) await copyFile(join(cwd, key), join(agencies, key));
    const ran: RunResult[] = [];
    for (const line of agencyGenesis) ran.push(await run(line, agencies));
    const [proposed, jp, tw, finalized] = ran as [RunResult, RunResult, RunResult, RunResult];
    expectRun(proposed, 0, /^wrote the unsigned genesis of network jp-tw-health to genesis-proposal\.json$/m);
    // Its hint is the next line of the block, as a user pastes it.
    assert.match(proposed.stdout, /^ {2}npx trustmesh governance sign genesis-proposal\.json --key KEY_FILE$/m);
    expectRun(jp, 0, /1 of 2 authorities of version 1 signed \(threshold 2\); still to sign: Ministry of Digital/);
    assert.doesNotMatch(jp.stdout, /next:/);
    expectRun(tw, 0, /^2 of 2 authorities of version 1 signed \(threshold 2\)$/m);
    assert.match(tw.stdout, /^next: npx trustmesh network finalize genesis-proposal\.json --out network\.json$/m);
    expectRun(finalized, 0, /^wrote network file network\.json$/m);
    const genesis = JSON.parse(await readFile(join(agencies, 'network.json'), 'utf8')).genesis;
    assert.equal(genesis.signatures.length, 2);
  });

  it('§2 version 2: proposed, signed by JP then TW; sign says `next: … publish` once both thresholds are met', async () => {
    const [propose, signJp, signTw] = governance as [string, string, string, string];
    expectRun(await run(propose), 0, /^wrote governance version 2 of jp-tw-health \(unsigned\) to v2\.json$/m);
    const jp = await run(signJp);
    expectRun(jp, 0, /^1 of 2 authorities of version 2 signed/m);
    assert.match(jp.stdout, /^1 of 2 authorities of version 1 signed/m);
    assert.doesNotMatch(jp.stdout, /next:/);
    const tw = await run(signTw);
    expectRun(tw, 0, /^2 of 2 authorities of version 2 signed \(threshold 2\)$/m);
    assert.match(tw.stdout, /^2 of 2 authorities of version 1 signed \(threshold 2\)$/m);
    assert.match(tw.stdout, /^next: npx trustmesh governance publish v2\.json --node URL --token-file TOKEN_FILE$/m);
    // The block's last line, publish, goes through a running node: it runs in §3 once one is up.
  });

  it('§3 init and start, bootstrapping from another agency’s node; v2 published through it reaches that node', async () => {
    const [initLine, startLine] = dataDir as [string, string];
    // node1 is another agency's machine running the same two lines: its own directory and ports,
    // and no --bootstrap (the network's first node has no one to bootstrap from).
    const node1Root = join(dir, 'node1-machine');
    const node1Subs: Substitution[] = [
      { documented: ' --bootstrap /dns4/node1.agency.example/tcp/4001/p2p/12D3KooW…', actual: () => '' },
      ...operatorSubstitutions(node1Root, node1Ports, learned),
    ];
    const node1Used = new Set<string>();
    const node1Init = await runPasted(substitute(initLine, node1Subs, node1Used), { cwd });
    expectRun(node1Init, 0, /^created node data directory .* for network jp-tw-health$/m);
    const printed = /^other nodes bootstrap from \(replace 0\.0\.0\.0 by this machine’s address\):\n {2}(\S+)$/m.exec(
      node1Init.stdout,
    )?.[1];
    assert.ok(printed, node1Init.stdout);
    learned.node1Bootstrap = printed.replace('/ip4/0.0.0.0/', '/ip4/127.0.0.1/');
    node1PeerId = printed.split('/p2p/')[1] ?? '';
    node1 = start(startLine, node1Subs, node1Used);
    await waitForHealth(api(node1Ports.api), node1);

    const init = await run(initLine);
    expectRun(init, 0, /^created node data directory .*\/var\/lib\/trustmesh for network jp-tw-health$/m);
    const data = join(root, 'var', 'lib', 'trustmesh');
    for (const secret of ['token', 'peer-key']) {
      assert.equal((await stat(join(data, secret))).mode & 0o777, 0o600, `${secret} is not 0600`);
    }
    const config = JSON.parse(await readFile(join(data, 'config.json'), 'utf8'));
    assert.deepEqual(config.bootstrap, [learned.node1Bootstrap]);
    node = start(startLine);
    await waitForHealth(api(ports.api), node);
    await waitFor(
      'the node connected to node1',
      async () => {
        const peers = (await getJson(`${api(ports.api)}/peers`))?.body.peers as { id: string }[] | undefined;
        return peers?.some((p) => p.id === node1PeerId) === true;
      },
      { background: node },
    );

    // §2's last line, now that a node runs.
    const published = await run(governance[3] ?? '');
    expectRun(
      published,
      0,
      /^published: http:\/\/127\.0\.0\.1:\d+ accepted the governance record .*, sent to 1 peer$/m,
    );
    await waitFor(
      'node1 to hold governance version 2',
      async () => (await getJson(`${api(node1Ports.api)}/health`))?.body.governanceVersion === 2,
      { background: node1 },
    );
  });

  it('§3 HTTPS: start with a certificate serves the API over TLS only', async () => {
    // The same data directory: the plain node must stop first (one node per directory).
    await stop(node);
    const tlsDir = join(root, 'etc', 'trustmesh');
    await mkdir(tlsDir, { recursive: true });
    const openssl = await exec('openssl', ['version']).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        // The only reason to go without: no openssl on this machine.
        assert.equal(error.code, 'ENOENT', String(error));
        return false;
      },
    );
    if (!openssl) {
      // Without the files, the line as written is refused, naming them.
      const refused = await run(tlsStart[0] ?? '');
      assert.equal(refused.code, 2, show(refused));
      assert.match(refused.stderr, /cannot read the TLS certificate or key/);
      return;
    }
    await exec('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      join(tlsDir, 'key.pem'),
      '-out',
      join(tlsDir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ]);
    const ca = await readFile(join(tlsDir, 'cert.pem'));
    const tls = start(tlsStart[0] ?? '');
    const health = await waitFor('the HTTPS API', () => getJsonOverTls(`https://127.0.0.1:${ports.api}/health`, ca), {
      background: tls,
    });
    assert.equal(health.body.networkId, 'jp-tw-health');
    // The start line is printed once listen() has returned, which may be just after /health answers.
    const started = new RegExp(`node started: API https://127\\.0\\.0\\.1:${ports.api},`);
    await waitFor('the start line', () => started.test(tls.output().stdout), { background: tls });
    // HTTPS only: a plain HTTP client gets no answer.
    assert.equal(await getJson(`${api(ports.api)}/health`), null);
    // §5's export of the data directory, while this node holds it: asked where the node answers
    // (https, from running.json), not at the http URL init wrote (issue 15). The shell trusts the
    // node's self-signed certificate as the guide says, with NODE_EXTRA_CA_CERTS.
    // (In a directory of its own: §5 writes bundle.json in the operator's, without --force.)
    const elsewhere = join(dir, 'export-while-tls');
    await mkdir(elsewhere);
    const exported = await runPasted(substitute(backup[0] ?? '', subs, used), {
      cwd: elsewhere,
      env: { NODE_EXTRA_CA_CERTS: join(tlsDir, 'cert.pem') },
    });
    expectRun(
      exported,
      0,
      new RegExp(
        `^wrote \\d+ records of network jp-tw-health to bundle\\.json \\(from node https://127\\.0\\.0\\.1:${ports.api},`,
        'm',
      ),
    );
    assert.match(
      exported.stderr,
      new RegExp(`is in use by its running node: exporting from it at https://127\\.0\\.0\\.1:${ports.api}\\n`),
    );
    // Without the CA, the same line says what to do about the certificate.
    const untrusted = await run(backup[0] ?? '', elsewhere);
    assert.equal(untrusted.code, 2, show(untrusted));
    assert.match(untrusted.stderr, /hint: .*NODE_EXTRA_CA_CERTS/);
    await stop(tls);
    // The guide's later blocks talk to the node started without TLS: §3's start line again.
    node = start(dataDir[1] ?? '');
    await waitForHealth(api(ports.api), node);
  });

  it('§5 export from the data directory of the running node, import into a new one', async () => {
    const [exported, imported] = [await run(backup[0] ?? ''), await run(backup[1] ?? '')];
    expectRun(exported, 0, /^wrote 2 records of network jp-tw-health to bundle\.json \(from node http:/m);
    assert.match(exported.stdout, /^ {2}governance 2$/m);
    assert.match(exported.stderr, /is in use by its running node: exporting from it at http:\/\/127\.0\.0\.1:\d+/);
    expectRun(imported, 0, /^imported bundle\.json into .*\/var\/lib\/trustmesh-restore$/m);
    assert.match(imported.stdout, /1 accepted, 0 ignored, 0 rejected/);
  });

  it('§6 health, peers and evidence', async () => {
    // Right after a start the gossip mesh is still forming, and health rightly says degraded
    // (NO_MESH_PEERS, exit 1) for a heartbeat or two: the guide's lines run once the node says ok.
    // (It was a minute after a graceful restart, when stop left the topic: RecordGossip.stop.)
    await waitFor(
      'the node to be healthy',
      async () => (await getJson(`${api(ports.api)}/health`))?.body.status === 'ok',
      {
        background: node,
      },
    );
    const [health, peers, evidence] = [
      await run(monitoring[0] ?? ''),
      await run(monitoring[1] ?? ''),
      await run(monitoring[2] ?? ''),
    ];
    expectRun(health, 0, /^ok: network jp-tw-health, governance version 2$/m);
    assert.match(health.stdout, /peers 1/);
    expectRun(peers, 0, /is connected to 1 peer$/m);
    assert.match(peers.stdout, new RegExp(`^ {2}${node1PeerId} +/ip4/`, 'm'));
    expectRun(evidence, 0, /^no equivocation evidence/m);
  });

  it('every substitution was needed; both nodes stop cleanly and remember their peers', async () => {
    assert.deepEqual(
      [...used].sort(),
      subs.map((s) => s.documented).sort(),
      'a substitution no line needs any more: remove it',
    );
    await Promise.all([stop(node), stop(node1)]);
    // "A node also remembers the peers it knew (known-peers.json …, written … at stop)".
    const knownPeers = JSON.parse(await readFile(join(root, 'var', 'lib', 'trustmesh', 'known-peers.json'), 'utf8'));
    assert.ok(
      (knownPeers as { id: string }[]).some((p) => p.id === node1PeerId),
      JSON.stringify(knownPeers),
    );
  });
});
