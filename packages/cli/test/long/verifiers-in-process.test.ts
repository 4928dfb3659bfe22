/**
 * docs/verifiers.md, "In-process", run as written (issue 15: "Every documented command executed
 * verbatim by a test"; item 6: a verifier's project could not install `@trustmesh/registry`). Its
 * sh block packs the registry (into a temporary directory in place of /tmp); the tarball is unpacked
 * into a plain Node project as `npm install <tarball>` lays it out, its third-party dependencies
 * linked from this workspace's install (tests never use the live network); its ts block is that
 * project's `verify.ts`, run by plain Node (no tsx: Node strips the types) and type-checked against
 * the declarations. The files it reads are the offline section's: the network file, a bundle
 * exported by `trustmesh export`, and `signed.json`, a credential revoked in that bundle. The
 * control is a credential whose entry is not set. In test:long: packing builds the registry (~10 s).
 */
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, realpath, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  issueCredential,
  makeDataDir,
  revokedListVersion,
  runInProcess,
  runPasted,
  sampleNetwork,
  show,
  tempDir,
} from '../helpers.ts';

const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..', '..', '..');
const GUIDE = join(ROOT, 'docs', 'verifiers.md');

/** The fenced blocks of `language` in the section under `heading`, as their text. */
async function sectionBlocks(heading: string, language: string): Promise<string[]> {
  const markdown = await readFile(GUIDE, 'utf8');
  const start = markdown.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `verifiers.md has no section "${heading}"`);
  const rest = markdown.slice(start + heading.length + 2);
  const end = rest.search(/^## /m);
  const section = end === -1 ? rest : rest.slice(0, end);
  return [...section.matchAll(new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map((m) => m[1] ?? '');
}

/** Plain Node: no tsx loader, no inherited NODE_OPTIONS. */
function plainNode(args: string[], cwd: string) {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return exec(process.execPath, args, { cwd, env });
}

describe('docs/verifiers.md, In-process, run as written', { timeout: 240_000 }, () => {
  let dir: string;
  let remove: () => Promise<void>;
  let project: string;
  let revoked: Record<string, unknown>;
  let valid: Record<string, unknown>;

  before(async () => {
    ({ dir, remove } = await tempDir());
    project = join(dir, 'verifier-app');
    await mkdir(join(project, 'node_modules', '@trustmesh'), { recursive: true });
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'verifier-app', type: 'module' }));
    // The offline section's files: a node's data directory, its bundle, a credential revoked in it.
    const { net, network } = await sampleNetwork();
    const list = net.lists.jpHealthInsurer;
    const issuer = net.keys.jpHealthInsurer;
    await makeDataDir(join(project, '.trustmesh'), network, [
      ...net.records,
      await revokedListVersion(net, issuer, list, [42]),
    ]);
    const exported = await runInProcess(['export', '--data', '.trustmesh', '--out', 'bundle.json'], { cwd: project });
    assert.equal(exported.code, 0, show(exported));
    revoked = await issueCredential(net, issuer, list, 42);
    valid = await issueCredential(net, issuer, list, 43);
  });
  after(() => remove());

  it('packs the registry with the guide’s line, into a project that has no TypeScript tooling', async () => {
    const [pack, ...others] = await sectionBlocks('## In-process', 'sh');
    assert.deepEqual(others, [], 'a new sh block must be run here too');
    const lines = (pack ?? '').trim().split('\n');
    assert.deepEqual(lines, ['npx -y pnpm@10 --filter @trustmesh/registry pack --pack-destination /tmp']);
    // A test may not litter /tmp with a fixed name: its own directory instead.
    const packed = await runPasted((lines[0] ?? '').replace('/tmp', dir), { cwd: ROOT });
    assert.equal(packed.code, 0, show(packed));
    const target = join(project, 'node_modules', '@trustmesh', 'registry');
    await mkdir(target);
    // The name the guide's `npm install /tmp/trustmesh-registry-0.1.0.tgz` gives.
    await exec('tar', ['xzf', join(dir, 'trustmesh-registry-0.1.0.tgz'), '-C', target, '--strip-components=1']);
    const manifest = JSON.parse(await readFile(join(target, 'package.json'), 'utf8'));
    for (const dependency of Object.keys(manifest.dependencies ?? {})) {
      const link = join(project, 'node_modules', dependency);
      await mkdir(dirname(link), { recursive: true });
      await symlink(await realpath(join(ROOT, 'packages', 'registry', 'node_modules', dependency)), link);
    }
  });

  it('runs verify.ts as written with plain Node: not verified (CREDENTIAL_REVOKED); verified for the control', async () => {
    const [code, ...others] = await sectionBlocks('## In-process', 'ts');
    assert.deepEqual(others, [], 'a new ts block must be run here too');
    await writeFile(join(project, 'verify.ts'), code ?? '');
    await writeFile(join(project, 'signed.json'), JSON.stringify({ verifiableCredential: revoked }));
    const first = await plainNode(['verify.ts'], project);
    assert.equal(first.stdout, 'not verified: CREDENTIAL_REVOKED\n', first.stderr);
    // The same file on a credential whose entry is not set (the store from the first run reopened).
    await writeFile(join(project, 'signed.json'), JSON.stringify({ verifiableCredential: valid }));
    const control = await plainNode(['verify.ts'], project);
    assert.equal(control.stdout, 'verified\n', control.stderr);
  });

  it('type-checks verify.ts against the declarations the tarball ships', async () => {
    // A TypeScript project of a verifier has Node's types installed (verify.ts reads files).
    await mkdir(join(project, 'node_modules', '@types'), { recursive: true });
    await symlink(
      await realpath(join(ROOT, 'node_modules', '@types', 'node')),
      join(project, 'node_modules', '@types', 'node'),
    );
    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
        },
        files: ['verify.ts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    await plainNode([tsc, '-p', project], project).catch((error: { stdout?: string }) =>
      assert.fail(`tsc refused verify.ts:\n${error.stdout ?? String(error)}`),
    );
  });
});
