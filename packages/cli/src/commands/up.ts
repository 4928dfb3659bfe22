/**
 * `trustmesh up` — the first run (issue 4, README quick start): starts, in this one process, a local
 * network on loopback on embedded defaults — two agency nodes (Digital Agency JP, Ministry of Digital
 * Affairs TW) and a verifier node, each a real TrustmeshNode over TCP with its own LevelDB directory
 * under `./.trustmesh/` — then prints ready-to-paste curl lines and `trustmesh` commands to issue,
 * verify, revoke and verify again. A second run reuses the same network; `--fresh` re-creates it.
 * `--exit-after-ready` and `--check` (which also runs that flow itself) stop once done, for CI.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { TrustmeshNode } from '@trustmesh/node';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { addOptions, type CommandContext, dataOption, jsonOption } from '../command-context.ts';
import { resolveDataDir } from '../config.ts';
import {
  exampleCredential,
  LOCAL_NODES,
  type LocalNetwork,
  type LocalNodeName,
  openLocalNetwork,
  UP_HOST,
  UP_LOG_FILE,
  writeExamples,
} from '../local-network.ts';
import { createLogger } from '../logger.ts';
import { type LaunchedNode, launchNode, waitForShutdown } from '../node-runner.ts';
import { CliError, EXIT, type ExitCode, type Output } from '../output.ts';
import { displayPath } from './node.ts';

interface UpFlags {
  data?: string;
  ports?: number[];
  fresh?: boolean;
  exitAfterReady?: boolean;
  check?: boolean;
  json?: boolean;
}

/** How long the three nodes may take to connect and agree before `up` gives up. */
const READY_TIMEOUT_MS = 30_000;
/** How long the revocation may take to reach the verifier in `--check`. */
const CHECK_PROPAGATION_TIMEOUT_MS = 10_000;
/** The command users type, as printed in the suggestions (the workspace's bin, from the repository root). */
const TRUSTMESH = 'npx trustmesh';

/** Name of the issuer's suspension list in the local network. */
const UP_SUSPENSION_LIST = 'suspension';

/** A running local node. */
interface RunningNode extends LaunchedNode {
  name: LocalNodeName;
  label: string;
  apiUrl: string;
}

/** Registers `up`. */
export function registerUpCommand(program: Command, ctx: CommandContext): void {
  addOptions(
    program
      .command('up')
      .description(
        'start a local network on loopback (two agency nodes, one verifier node; data under ./.trustmesh) and print what to try next',
      ),
    [
      dataOption('where the local network lives (default ./.trustmesh, or TRUSTMESH_DATA_DIR)'),
      new Option(
        '--ports <jp,tw,verifier>',
        'API ports of agency-jp, agency-tw and the verifier (default 8701,8702,8703)',
      ).argParser(portList),
      new Option('--fresh', 're-create the network: new keys, empty databases'),
      new Option('--exit-after-ready', 'stop and exit 0 once the network is ready (CI)'),
      new Option('--check', 'once ready, issue, verify, revoke and verify again through the APIs; then stop'),
      jsonOption(),
    ],
  ).action((flags: UpFlags, command: Command) =>
    ctx.run(command, async (out) => {
      const started = ctx.now();
      const { dataDir } = resolveDataDir(flags, ctx.env, ctx.cwd);
      const local = await openLocalNetwork(dataDir, { fresh: flags.fresh === true, ports: flags.ports, now: started });
      const examples = await writeExamples(dataDir);
      const logFile = join(dataDir, UP_LOG_FILE);
      const logStream = createWriteStream(logFile, { flags: 'a' });
      const logger = createLogger(logStream, { level: 'info', format: 'json' });
      const nodes: RunningNode[] = [];
      const stopAll = async () => {
        // The verifier first, the issuer's node last: nothing is mid-publish when its store closes.
        for (const node of [...nodes].reverse()) await node.node.stop();
        await new Promise((resolve) => logStream.end(resolve));
      };
      try {
        for (const spec of local.nodes) {
          const port = local.manifest.ports[spec.name];
          const bootstrap = nodes.flatMap((n) => n.node.multiaddrs().map(String));
          const launched = await launchNode(
            {
              dataDir: spec.dir,
              // Peers started before this one, as its bootstrap: ports are picked at start, so they
              // are not written into the network file.
              network: { ...local.network, bootstrap },
              listen: [`/ip4/${UP_HOST}/tcp/0`],
              api: { host: UP_HOST, port, publicBaseUrl: null },
              token: spec.token,
              issuerKey: spec.issuerKey,
              // Credentials issued here get a suspension entry too: `suspend` works as docs/issuers.md says.
              ...(spec.issuerKey ? { suspensionList: UP_SUSPENSION_LIST } : {}),
            },
            { logger: logger.child({ node: spec.name }), now: ctx.now },
            {
              apiPort: `choose free ports: trustmesh up --ports ${suggestPorts(local.manifest.ports)} (agency-jp, agency-tw, verifier)`,
              listen: 'the peer-to-peer ports are picked by the system; retry',
            },
          ).catch((error: unknown) => {
            if (error instanceof CliError && error.code === 'DATA_DIR_LOCKED') {
              throw new CliError(
                'UP_ALREADY_RUNNING',
                `another \`trustmesh up\` (or a node) is running on ${dataDir}`,
                {
                  hint: 'stop it first (Ctrl-C in its terminal), or use another directory: trustmesh up --data DIR',
                  cause: error,
                },
              );
            }
            throw error;
          });
          nodes.push({ ...launched, name: spec.name, label: spec.label, apiUrl: launched.apiUrl ?? '' });
        }
        await waitUntilReady(
          nodes.map((n) => n.node),
          READY_TIMEOUT_MS,
          logFile,
        );
      } catch (error) {
        await stopAll().catch(() => undefined);
        throw error;
      }

      const readyMs = ctx.now() - started;
      const shown = (path: string) => shellPath(displayPath(ctx.cwd, path));
      printReady(out, local, nodes, { readyMs, logFile: shown(logFile), dataDir: shown(dataDir), examples, shown });

      if (flags.check || flags.exitAfterReady) {
        let code: ExitCode = EXIT.OK;
        try {
          if (flags.check) code = await runCheck(out, local, nodes, ctx.now);
        } finally {
          await stopAll();
        }
        out.note('stopped the local network');
        return code;
      }
      const shutdown = await waitForShutdown(ctx.onShutdown).catch(async (error: unknown) => {
        await stopAll();
        throw error;
      });
      out.note(`\n${shutdown.signal}: stopping the three nodes…`);
      try {
        await stopAll();
      } finally {
        shutdown.release();
      }
      out.note(`stopped. Run it again with: ${TRUSTMESH} up`);
      return EXIT.OK;
    }),
  );
}

/** Waits until every node is connected to and subscribed by the others and all hold the same records. */
async function waitUntilReady(nodes: readonly TrustmeshNode[], timeoutMs: number, logFile: string): Promise<void> {
  const fingerprint = (node: TrustmeshNode) => {
    const snapshot = node.syncIndex.snapshot();
    return Buffer.from(snapshot.fingerprint(0, snapshot.size)).toString('hex');
  };
  const problem = (): string | null => {
    for (const node of nodes) {
      const others = nodes.filter((n) => n !== node);
      const subscribers = node.gossip.subscribers();
      const missing = others.filter((o) => !subscribers.some((p) => p.equals(o.peerId)));
      if (missing.length > 0) return `${node.peerId.toString()} has not heard from ${missing.length} peer(s)`;
    }
    const prints = new Set(nodes.map(fingerprint));
    return prints.size === 1 ? null : 'the nodes do not hold the same records yet';
  };
  await waitFor(() => problem() === null, timeoutMs).catch(() => {
    throw new CliError(
      'UP_NOT_READY',
      `the local network did not become ready within ${timeoutMs / 1000} s: ${problem()}`,
      {
        hint: `see the nodes' logs in ${logFile}`,
      },
    );
  });
}

function printReady(
  out: Output,
  local: LocalNetwork,
  nodes: readonly RunningNode[],
  info: {
    readyMs: number;
    logFile: string;
    dataDir: string;
    examples: Awaited<ReturnType<typeof writeExamples>>;
    shown: (path: string) => string;
  },
): void {
  const url = (name: LocalNodeName) => nodes.find((n) => n.name === name)?.apiUrl ?? '';
  // curl gets the token from its file through the shell, so the lines can be pasted as they are.
  const tokenOf = (name: LocalNodeName) => `$(cat ${info.shown(join(local.dataDir, name, 'token'))})`;
  // The trustmesh command reads the token from its file itself: never on the command line.
  const tokenFile = (name: LocalNodeName) => info.shown(join(local.dataDir, name, 'token'));
  const issued = info.shown(join(local.dataDir, 'issued.json'));
  const credential = info.shown(join(local.dataDir, 'credential.json'));
  const { manifest } = local;
  const issuer = url(manifest.issuer.node);
  const verifier = url('verifier');
  const json = "-H 'content-type: application/json'";
  const revokeBody = JSON.stringify({
    credentialId: info.examples.requestId,
    credentialStatus: [{ type: 'BitstringStatusListEntry', status: 'revoked' }],
  });
  // The issue answer ({ verifiableCredential, credentialId }) is posted back as it is: verify takes
  // its credential and ignores the handle beside it.
  const curl = [
    `curl -s -X POST ${issuer}/credentials/issue -H "authorization: Bearer ${tokenOf(manifest.issuer.node)}" ${json} -d @${info.shown(info.examples.request)} -o ${issued}`,
    `curl -s -X POST ${verifier}/credentials/verify ${json} -d @${issued}`,
    `curl -s -X POST ${issuer}/credentials/status -H "authorization: Bearer ${tokenOf(manifest.issuer.node)}" ${json} -d '${revokeBody}'`,
    `curl -s -X POST ${verifier}/credentials/verify ${json} -d @${issued}`,
  ];
  const commands = [
    `${TRUSTMESH} issue ${info.shown(info.examples.credential)} --node ${issuer} --token-file ${tokenFile(manifest.issuer.node)} --out ${credential} --force`,
    `${TRUSTMESH} verify ${credential} --node ${verifier}`,
    `${TRUSTMESH} revoke ${info.examples.credentialId} --node ${issuer} --token-file ${tokenFile(manifest.issuer.node)} --wait-on ${verifier}`,
    `${TRUSTMESH} verify ${credential} --node ${verifier}`,
  ];
  // The TW DIW-shaped story (issue 13): an SD-JWT VC on the licence office's Token Status List.
  const wallet = manifest.walletIssuer;
  const licence = info.shown(join(local.dataDir, 'licence.sd-jwt'));
  const walletCommands = wallet
    ? [
        `${TRUSTMESH} issue ${info.shown(info.examples.walletClaims)} --format dc+sd-jwt --credential-id ${info.examples.walletCredentialId} --node ${url(wallet.node)} --token-file ${tokenFile(wallet.node)} --out ${licence} --force`,
        `${TRUSTMESH} verify ${licence} --node ${verifier}`,
        `${TRUSTMESH} revoke ${info.examples.walletCredentialId} --node ${url(wallet.node)} --token-file ${tokenFile(wallet.node)} --wait-on ${verifier}`,
        `${TRUSTMESH} verify ${licence} --node ${verifier}`,
      ]
    : [];
  const summary = {
    networkId: manifest.networkId,
    created: local.created,
    createdAt: manifest.createdAt,
    dataDir: local.dataDir,
    readyMs: info.readyMs,
    nodes: nodes.map((n) => ({
      name: n.name,
      label: n.label,
      api: n.apiUrl,
      peerId: n.node.peerId.toString(),
      multiaddrs: n.node.multiaddrs().map(String),
      tokenFile: join(local.dataDir, n.name, 'token'),
      ...(n.node.issuer ? { issuer: n.node.issuer.did, statusLists: n.node.issuer.lists } : {}),
    })),
    authorities: manifest.authorities,
    issuer: manifest.issuer,
    logFile: info.logFile,
    ...(wallet ? { walletIssuer: wallet } : {}),
    tryNext: { curl, trustmesh: commands, ...(wallet ? { sdJwt: walletCommands } : {}) },
  };
  out.result(summary, (s) => {
    const width = Math.max(...LOCAL_NODES.map((n) => n.label.length));
    return [
      `trustmesh local network "${s.networkId}" is up: ${s.created ? 'created just now' : `reused (created ${s.createdAt})`}, ready in ${(s.readyMs / 1000).toFixed(1)} s`,
      '',
      ...s.nodes.map(
        (n) =>
          `  ${n.name.padEnd(9)}  ${n.label.padEnd(width)}  ${n.api}${n.issuer ? `   issuer mode: ${s.issuer.name} ${n.issuer}` : ''}`,
      ),
      '',
      `  governance v1: ${s.authorities.map((a) => a.name).join(' + ')}, threshold 2`,
      `  accredited: ${s.issuer.name}, may issue ${s.issuer.types.join(', ')} in ${s.issuer.jurisdiction}`,
      ...(s.walletIssuer
        ? [
            `  accredited: ${s.walletIssuer.name}, may issue ${s.walletIssuer.types.join(', ')} in ${s.walletIssuer.jurisdiction} (SD-JWT VC, issuer mode on ${s.walletIssuer.node})`,
          ]
        : []),
      `  3 nodes over TCP on loopback, each with its own LevelDB; data in ${info.dataDir}, logs in ${s.logFile}`,
      '',
      'What to try next, in another terminal in this directory:',
      '',
      '  # 1. issue a health insurance credential on agency-jp (the issuer’s node; writes need its token)',
      `  ${curl[0]}`,
      '  # 2. verify it on the verifier’s node: "verified": true',
      `  ${curl[1]}`,
      '  # 3. the holder’s phone is lost: revoke the credential on agency-jp',
      `  ${curl[2]}`,
      '  # 4. verify again on the verifier: "verified": false, CREDENTIAL_REVOKED (the revocation reaches it',
      '  #    milliseconds after step 3 answers: pasted together, give it a moment; `revoke --wait-on` below waits)',
      `  ${curl[3]}`,
      '',
      'The same with the trustmesh command (exit code 0 verified, 1 not verified; revoke returns once the verifier has it):',
      '',
      ...commands.map((c) => `  ${c}`),
      '',
      ...(s.walletIssuer
        ? [
            `Taiwan's TW DIW wallet format: ${s.walletIssuer.name} on ${s.walletIssuer.node} issues a driver's licence as an SD-JWT VC`,
            'on its Token Status List; the Japanese pharmacy verifies it against its own replica:',
            '',
            ...walletCommands.map((c) => `  ${c}`),
          ]
        : [`(this network predates the SD-JWT VC issuer: \`${TRUSTMESH} up --fresh\` adds one on agency-tw)`]),
      '',
      `  ${TRUSTMESH} issuers --node ${verifier}`,
      `  ${TRUSTMESH} demo`,
      '',
      `Ctrl-C stops the three nodes; \`${TRUSTMESH} up\` again reuses this network, \`up --fresh\` re-creates it.`,
    ];
  });
}

/** `--check`: the flow the suggestions describe, through the same HTTP APIs, with fresh credentials. */
async function runCheck(
  out: Output,
  local: LocalNetwork,
  nodes: readonly RunningNode[],
  now: () => number,
): Promise<ExitCode> {
  const issuerNode = nodes.find((n) => n.name === local.manifest.issuer.node);
  const verifier = nodes.find((n) => n.name === 'verifier');
  const token = local.nodes.find((n) => n.name === local.manifest.issuer.node)?.token;
  if (!issuerNode || !verifier || !token) throw new Error('local network: issuer or verifier node missing');
  const step = (line: string) => out.note(`check: ${line}`);
  // A credential of its own: the printed examples stay unrevoked for the user to try.
  const id = `urn:uuid:${randomUUID()}`;
  const request = { credential: exampleCredential(id) };

  const issued = await post(`${issuerNode.apiUrl}/credentials/issue`, request, token);
  if (issued.status !== 201)
    return failed(out, `issuing answered HTTP ${issued.status}: ${JSON.stringify(issued.body)}`);
  step(`issued ${id} on ${issuerNode.name}`);
  // The VC-API verify body: the issue answer's credential (the answer also carries its credentialId handle).
  const signed = (issued.body as { verifiableCredential?: unknown }).verifiableCredential;
  const verify = () => post(`${verifier.apiUrl}/credentials/verify`, { verifiableCredential: signed });
  const first = await verify();
  if (first.status !== 200) return failed(out, `the verifier did not verify it: ${JSON.stringify(first.body)}`);
  step(`verified on ${verifier.name}`);
  const revoked = await post(
    `${issuerNode.apiUrl}/credentials/status`,
    { credentialId: id, credentialStatus: [{ type: 'BitstringStatusListEntry', status: 'revoked' }] },
    token,
  );
  if (revoked.status !== 200)
    return failed(out, `revoking answered HTTP ${revoked.status}: ${JSON.stringify(revoked.body)}`);
  const revokedAt = now();
  step(`revoked on ${issuerNode.name}`);
  let last = first;
  const seen = await waitFor(async () => {
    last = await verify();
    return last.status === 400 && JSON.stringify(last.body).includes('CREDENTIAL_REVOKED');
  }, CHECK_PROPAGATION_TIMEOUT_MS).then(
    () => true,
    () => false,
  );
  if (!seen) return failed(out, `the verifier still answers ${JSON.stringify(last.body)}`);
  step(`not verified on ${verifier.name} (CREDENTIAL_REVOKED), ${now() - revokedAt} ms after the revocation`);
  const wallet = local.manifest.walletIssuer;
  if (wallet) {
    const walletNode = nodes.find((n) => n.name === wallet.node);
    const walletToken = local.nodes.find((n) => n.name === wallet.node)?.token;
    if (!walletNode || !walletToken) throw new Error('local network: the SD-JWT VC issuer’s node is missing');
    const code = await checkSdJwt(out, walletNode, walletToken, verifier, now);
    if (code !== EXIT.OK) return code;
  }
  out.note('check: ok');
  return EXIT.OK;
}

/** `--check` for the TW DIW-shaped issuer: an SD-JWT VC issued, verified, revoked, seen INVALID. */
async function checkSdJwt(
  out: Output,
  issuerNode: RunningNode,
  token: string,
  verifier: RunningNode,
  now: () => number,
): Promise<ExitCode> {
  const step = (line: string) => out.note(`check: ${line}`);
  const issued = await post(
    `${issuerNode.apiUrl}/credentials/issue`,
    {
      credential: {
        vct: 'DriversLicenceCredential',
        given_name: 'Check',
        licence_number: `TW-${randomUUID().slice(-9)}`,
      },
      options: { format: 'dc+sd-jwt' },
    },
    token,
  );
  if (issued.status !== 201)
    return failed(out, `issuing the SD-JWT VC answered HTTP ${issued.status}: ${JSON.stringify(issued.body)}`);
  const { verifiableCredential, credentialId } = issued.body as { verifiableCredential: unknown; credentialId: string };
  step(`issued SD-JWT VC ${credentialId} on ${issuerNode.name}`);
  const verify = () => post(`${verifier.apiUrl}/credentials/verify`, { verifiableCredential });
  let last = await verify();
  const verified = await waitFor(async () => {
    last = await verify();
    return last.status === 200;
  }, CHECK_PROPAGATION_TIMEOUT_MS).then(
    () => true,
    () => false,
  );
  if (!verified) return failed(out, `the verifier did not verify the SD-JWT VC: ${JSON.stringify(last.body)}`);
  step(`SD-JWT VC verified on ${verifier.name}`);
  const revoked = await post(
    `${issuerNode.apiUrl}/credentials/status`,
    { credentialId, credentialStatus: [{ type: 'TokenStatusList', status: 'revoked' }] },
    token,
  );
  if (revoked.status !== 200)
    return failed(out, `revoking the SD-JWT VC answered HTTP ${revoked.status}: ${JSON.stringify(revoked.body)}`);
  const revokedAt = now();
  const seen = await waitFor(async () => {
    last = await verify();
    return last.status === 400 && JSON.stringify(last.body).includes('STATUS_INVALID');
  }, CHECK_PROPAGATION_TIMEOUT_MS).then(
    () => true,
    () => false,
  );
  if (!seen) return failed(out, `the verifier still answers ${JSON.stringify(last.body)} for the SD-JWT VC`);
  step(`SD-JWT VC not verified on ${verifier.name} (STATUS_INVALID), ${now() - revokedAt} ms after the revocation`);
  return EXIT.OK;
}

function failed(out: Output, problem: string): ExitCode {
  out.note(`check failed: ${problem}`);
  return EXIT.NOT_VERIFIED;
}

async function post(url: string, body: unknown, token?: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: await response.json() };
}

/** Polls `condition` until it holds; rejects after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function portList(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.length !== 3 || parts.some((p) => !/^\d{1,5}$/.test(p) || Number(p) < 1 || Number(p) > 65_535)) {
    throw new InvalidArgumentError(
      'must be three TCP ports, comma-separated (agency-jp,agency-tw,verifier), e.g. 8701,8702,8703.',
    );
  }
  return parts.map(Number);
}

function suggestPorts(ports: Record<string, number>): string {
  return Object.values(ports)
    .map((p) => (p + 100 > 65_535 ? p - 100 : p + 100))
    .join(',');
}

/** A path as it can be pasted into a POSIX shell. */
function shellPath(path: string): string {
  return /^[\w./@:+-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}
