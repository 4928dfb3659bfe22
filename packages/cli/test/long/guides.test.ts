/**
 * docs/issuers.md and docs/verifiers.md, run as written (issue 15: "Every documented command
 * executed verbatim by a test"): the blocks not already run by operators-guide.test.ts and
 * up-demo.test.ts, each line pasted into `sh -c` with the workspace's bin in place of
 * `npx trustmesh`, against the real local network of `trustmesh up`. The guides' other machines are
 * stood in for by that network: the network file and JP's authority key the issuer's guide assumes
 * (made in docs/operators.md) are up's, copied under the names the guide uses. Only what cannot
 * exist on a test machine is replaced, each entry of {@link guideSubstitutions} saying why, and
 * every entry must be used, so the list cannot rot.
 */
import * as assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type Background,
  freePort,
  type RunResult,
  runPasted,
  shellBlocks,
  show,
  startCli,
  tempDir,
  waitFor,
} from '../helpers.ts';

const DOCS = join(import.meta.dirname, '..', '..', '..', '..', 'docs');

/** The ```sh blocks of `heading`'s section (up to the next heading of the same or a higher level). */
async function sectionBlocks(file: string, heading: string): Promise<string[][]> {
  const markdown = await readFile(join(DOCS, file), 'utf8');
  const start = markdown.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `${file} has no section "${heading}"`);
  const level = heading.split(' ')[0] ?? '##';
  const rest = markdown.slice(start + heading.length + 2);
  const end = rest.search(new RegExp(`^#{1,${level.length}} `, 'm'));
  const section = end === -1 ? rest : rest.slice(0, end);
  return shellBlocks(section);
}

interface Substitution {
  documented: string;
  actual: () => string;
}

/** What stands in, on a test machine, for what the guides name. */
function guideSubstitutions(root: string, ports: { jp: number; verifier: number }): Substitution[] {
  return [
    // The accreditor's node (docs/operators.md: 8080, token in /var/lib/trustmesh): JP's node of
    // the local network, on the port this test picked, with its token file.
    { documented: '--token-file /var/lib/trustmesh/token', actual: () => '--token-file .trustmesh/agency-jp/token' },
    { documented: 'http://127.0.0.1:8080', actual: () => `http://127.0.0.1:${ports.jp}` },
    // The issuer's node data directory: a test may not write /var/lib.
    { documented: '--data /var/lib/trustmesh ', actual: () => `--data ${root}/var/lib/trustmesh ` },
    // 8701 and 8703 (up's default ports) may be taken on a shared machine.
    { documented: '127.0.0.1:8701', actual: () => `127.0.0.1:${ports.jp}` },
    { documented: '127.0.0.1:8703', actual: () => `127.0.0.1:${ports.verifier}` },
    // The guide's example start date is before the genesis of a network made today, which the
    // command rightly refuses (ACCREDITATION_BEFORE_ACCREDITOR): a minute after the genesis instead.
    { documented: '--valid-from 2026-04-01T00:00:00Z', actual: () => `--valid-from ${validFromAfterGenesis}` },
  ];
}

let validFromAfterGenesis = '';

function substitute(line: string, substitutions: readonly Substitution[], used: Set<string>): string {
  let pasted = line;
  for (const { documented, actual } of substitutions) {
    if (!pasted.includes(documented)) continue;
    pasted = pasted.replaceAll(documented, actual());
    used.add(documented);
  }
  assert.doesNotMatch(pasted, /…|(^|\s)\/var\/|:8080\b|:870[13]\b/, `a placeholder is left in: ${pasted}`);
  return pasted;
}

function expectRun(result: RunResult, code: number, pattern: RegExp): void {
  assert.equal(result.code, code, show(result));
  assert.match(result.stdout, pattern, show(result));
}

describe('docs/issuers.md and docs/verifiers.md, the remaining sh blocks run as written', { timeout: 240_000 }, () => {
  let dir: string;
  let remove: () => Promise<void>;
  let cwd: string;
  let up: Background;
  const used = new Set<string>();
  let subs: Substitution[];
  const ports = { jp: 0, tw: 0, verifier: 0 };
  const run = (line: string, where = cwd) => runPasted(substitute(line, subs, used), { cwd: where });

  before(async () => {
    ({ dir, remove } = await tempDir());
    cwd = join(dir, 'issuer');
    await mkdir(cwd);
    Object.assign(ports, { jp: await freePort(), tw: await freePort(), verifier: await freePort() });
    subs = guideSubstitutions(join(dir, 'root'), ports);
    up = startCli(['up', '--ports', `${ports.jp},${ports.tw},${ports.verifier}`], { cwd });
    await waitFor('up to be ready', () => up.output().stdout.includes('Ctrl-C stops the three nodes'), {
      background: up,
      timeoutMs: 90_000,
    });
    // The files the issuer's guide assumes from docs/operators.md: the network file and JP's key.
    await copyFile(join(cwd, '.trustmesh', 'network.json'), join(cwd, 'network.json'));
    await copyFile(join(cwd, '.trustmesh', 'agency-jp', 'authority.key.json'), join(cwd, 'jp.key.json'));
    const genesis = JSON.parse(await readFile(join(cwd, 'network.json'), 'utf8')).genesis;
    validFromAfterGenesis = new Date(Date.parse(genesis.validFrom) + 60_000).toISOString();
  });
  after(async () => {
    up.kill('SIGTERM');
    const stopped = await up.exited;
    await remove();
    assert.equal(stopped.code, 0, show(stopped));
  });

  it('issuers.md, Being accredited: key, proof of possession, accreditation published by the accreditor', async () => {
    const [accredit] = await sectionBlocks('issuers.md', '## Being accredited');
    const [generate, prove, sign] = accredit as [string, string, string];
    expectRun(await run(generate), 0, /^wrote Ed25519 key to issuer\.key\.json \(mode 0600/m);
    const proved = await run(prove);
    expectRun(proved, 0, /wrote the proof of possession of did:key:\S+ to possession\.json/);
    const accreditationId = /^accreditation id: +(urn:uuid:\S+)$/m.exec(proved.stdout)?.[1];
    assert.ok(accreditationId, proved.stdout);
    // Without --new-list, on a list the node does not hold, nothing is published: the accreditation
    // would verify nothing (ACCREDITATION_STATUS_UNKNOWN) until its withdrawal list exists.
    const refused = await run(
      sign.replace(' --new-list', '').replace('--out accreditation.json', '--out refused.json'),
    );
    assert.equal(refused.code, 2, show(refused));
    assert.match(refused.stderr, /holds no status list https:\/\/trust\.agency\.example\/\S+\nhint: .*--new-list/);
    assert.doesNotMatch(refused.stdout, /published:/);
    const signed = await run(sign);
    expectRun(
      signed,
      0,
      /^published: http:\/\/127\.0\.0\.1:\d+ accepted the status-list record .*, sent to 2 peers\npublished: http:\/\/127\.0\.0\.1:\d+ accepted the accreditation record .*, sent to 2 peers$/m,
    );
    assert.match(signed.stderr, /wrote the accreditation to accreditation\.json/);
    const issuerDid = JSON.parse(await readFile(join(cwd, 'issuer.key.json'), 'utf8')).did as string;
    // Replicated: the verifier's node lists the issuer, accredited for both types.
    await waitFor('the verifier to hold the accreditation', async () => {
      const response = await fetch(`http://127.0.0.1:${ports.verifier}/issuers`);
      const { accreditations } = (await response.json()) as {
        accreditations: { id: string; subject: string; scopes: { scope: { types: string[] } }[] }[];
      };
      const held = accreditations.find((a) => a.id === accreditationId);
      return held?.subject === issuerDid && held.scopes[0]?.scope.types.includes('NationalIdCredential') === true;
    });
  });

  it('issuers.md, Being accredited with --valid-from (given instead): starts then, checked against the genesis', async () => {
    const [, validFrom] = await sectionBlocks('issuers.md', '## Being accredited');
    // "given instead, in the same accredit": another issuer joining with credentials already issued,
    // in a directory of its own (its own key and proof of possession, hence its own accreditation id).
    const other = join(dir, 'joining-issuer');
    await mkdir(other);
    for (const file of ['jp.key.json', 'network.json']) await copyFile(join(cwd, file), join(other, file));
    const [generate, prove] = (await sectionBlocks('issuers.md', '## Being accredited'))[0] as [string, string];
    // The accreditor's token, where the substitution names it (relative to the directory up ran in).
    await symlink(join(cwd, '.trustmesh'), join(other, '.trustmesh'));
    for (const line of [generate, prove]) assert.equal((await run(line, other)).code, 0);
    const result = await run(validFrom?.[0] ?? '', other);
    expectRun(result, 0, /^published: http:\/\/127\.0\.0\.1:\d+ accepted the accreditation record/m);
  });

  it('issuers.md, Revoking with local keys: the first revocation publishes the issuer’s own list (--new-list)', async () => {
    const [revoke] = await sectionBlocks('issuers.md', '## Revoking with local keys');
    assert.equal(revoke?.length, 1);
    const line = revoke?.[0] ?? '';
    const list = 'https://status.example/lists/jp-health/revocation';
    const result = await run(line);
    expectRun(result, 0, /^published: http:\/\/127\.0\.0\.1:\d+ accepted the status-list record .*, sent to 2 peers$/m);
    const entry = async (index: number) => {
      const query = `statusListCredential=${encodeURIComponent(list)}&statusListIndex=${index}`;
      const response = await fetch(`http://127.0.0.1:${ports.verifier}/credentials/status?${query}`);
      return response.ok ? ((await response.json()) as { value?: number }).value : undefined;
    };
    // Replicated: the verifier's node answers the entry as revoked.
    await waitFor('the verifier to hold the revocation', async () => (await entry(4242)) === 1);
    // Without --new-list the same line on a list that is not there is refused, naming the flag.
    const withoutFlag = await run(line.replace(' --new-list', '').replace('jp-health', 'jp-dental'));
    assert.equal(withoutFlag.code, 2, show(withoutFlag));
    assert.match(
      withoutFlag.stderr,
      /holds no status list https:\/\/status\.example\/lists\/jp-dental\/\S+\nhint: .*--new-list/,
    );
    // Given again on the list that now exists, --new-list builds on the held list: 4242 stays revoked.
    expectRun(await run(line.replace('--index 4242', '--index 4243')), 0, /^published: /m);
    await waitFor('the verifier to hold the second revocation', async () => (await entry(4243)) === 1);
    assert.equal(await entry(4242), 1, 'the first revocation was undone');
  });

  it('issuers.md, Being accredited: the accreditor withdraws it on the list published with it', async () => {
    const [, , withdraw] = await sectionBlocks('issuers.md', '## Being accredited');
    assert.equal(withdraw?.length, 1);
    const result = await run(withdraw?.[0] ?? '');
    expectRun(result, 0, /^published: http:\/\/127\.0\.0\.1:\d+ accepted the status-list record .*, sent to 2 peers$/m);
    const list = 'https://trust.agency.example/status/accreditations';
    await waitFor('the verifier to hold the withdrawal', async () => {
      const url = `http://127.0.0.1:${ports.verifier}/credentials/status?statusListCredential=${encodeURIComponent(list)}&statusListIndex=7`;
      const response = await fetch(url);
      return response.ok && ((await response.json()) as { value?: number }).value === 1;
    });
  });

  it('issuers.md, init with --suspension-list: an issuer node that keeps a suspension list', async () => {
    const blocks = await sectionBlocks('issuers.md', '## Issuing through a node (issuer mode)');
    const init = blocks.find((b) => b[0]?.includes('--suspension-list'));
    assert.ok(init && init.length === 1, JSON.stringify(blocks));
    const result = await run(init[0] ?? '');
    expectRun(result, 0, /^created node data directory .*\/var\/lib\/trustmesh for network trustmesh-local$/m);
    assert.match(result.stdout, /^suspension: +list "suspension" \(suspend \/ reinstate\)$/m);
    const config = JSON.parse(await readFile(join(dir, 'root', 'var', 'lib', 'trustmesh', 'config.json'), 'utf8'));
    assert.equal(config.suspensionList, 'suspension');
    assert.equal(config.api.publicBaseUrl, 'https://status.example');
  });

  it('verifiers.md, Over HTTP: curl and the command verify signed.json at the verifier’s node', async () => {
    // signed.json as the issuer's guide makes it: the first line of "Issuing through a node".
    const [issuing] = await sectionBlocks('issuers.md', '## Issuing through a node (issuer mode)');
    expectRun(await run(issuing?.[0] ?? ''), 0, /urn:example:first-card/);
    const [curl, command] = await sectionBlocks('verifiers.md', '## Over HTTP (any language)');
    assert.deepEqual([curl?.length, command?.length], [1, 1]);
    const answered = await run(curl?.[0] ?? '');
    expectRun(answered, 0, /"verified":true/);
    const verified = await run(command?.[0] ?? '');
    expectRun(verified, 0, /verified/);
    assert.doesNotMatch(verified.stdout, /not verified/);
  });

  it('used every substitution (an unused one means the guide changed)', () => {
    assert.deepEqual(
      subs.map((s) => s.documented).filter((d) => !used.has(d)),
      [],
    );
  });
});
