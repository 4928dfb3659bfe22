/**
 * Consumable packages (issue 15; DESIGN.md, Interfaces: "Builds to JavaScript with types"): the
 * tarballs `pnpm pack` makes of @trustmesh/registry and @trustmesh/node hold the JavaScript build
 * and its declarations, with an `exports` map to them, and work in a plain Node project — no tsx,
 * no TypeScript at run time. The project is assembled offline, as `npm install <tarball>` would lay
 * it out: each tarball unpacked under node_modules, its third-party dependencies linked from this
 * workspace's install (tests never use the live network). In test:long: packing builds both
 * packages (~30 s).
 */
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PACKAGES = join(import.meta.dirname, '..', '..', '..');
const ROOT = join(PACKAGES, '..');

/** pnpm, as the workspace runs it: the running pnpm when there is one, else through npx. */
function pnpm(args: string[], cwd: string) {
  const execPath = process.env.npm_execpath;
  return execPath && /pnpm/.test(execPath)
    ? run(process.execPath, [execPath, ...args], { cwd })
    : run('npx', ['-y', 'pnpm@10', ...args], { cwd });
}

/** Plain Node: no tsx loader, no inherited NODE_OPTIONS. */
function plainNode(args: string[], cwd: string) {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return run(process.execPath, args, { cwd, env });
}

describe('the packed @trustmesh/registry and @trustmesh/node', { timeout: 240_000 }, () => {
  let dir: string;
  let project: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trustmesh-pack-'));
    project = join(dir, 'verifier-app');
    await mkdir(join(project, 'node_modules', '@trustmesh'), { recursive: true });
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'verifier-app', type: 'module' }));
    for (const name of ['registry', 'node']) {
      await pnpm(['pack', '--pack-destination', dir], join(PACKAGES, name));
      const target = join(project, 'node_modules', '@trustmesh', name);
      await mkdir(target);
      await run('tar', ['xzf', join(dir, `trustmesh-${name}-0.1.0.tgz`), '-C', target, '--strip-components=1']);
      const manifest = JSON.parse(await readFile(join(target, 'package.json'), 'utf8'));
      for (const dependency of Object.keys(manifest.dependencies ?? {})) {
        if (dependency.startsWith('@trustmesh/')) continue;
        const link = join(project, 'node_modules', dependency);
        await mkdir(dirname(link), { recursive: true });
        await symlink(await realpath(join(PACKAGES, name, 'node_modules', dependency)), link).catch((error) => {
          if (error.code !== 'EEXIST') throw error;
        });
      }
    }
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('hold the build and its declarations, exported by the map, and no TypeScript sources', async () => {
    for (const name of ['registry', 'node']) {
      const target = join(project, 'node_modules', '@trustmesh', name);
      const manifest = JSON.parse(await readFile(join(target, 'package.json'), 'utf8'));
      assert.deepEqual(manifest.exports, { '.': { types: './dist/index.d.ts', default: './dist/index.js' } });
      const files = await readdir(join(target, 'dist'), { recursive: true });
      assert.ok(files.includes('index.js') && files.includes('index.d.ts'), name);
      assert.ok(!files.some((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')), `${name} ships .ts sources`);
      if (name === 'node') assert.equal(manifest.dependencies['@trustmesh/registry'], '0.1.0', 'workspace: resolved');
    }
  });

  it('verify a credential from plain Node, and refuse a path the map does not export', async () => {
    await writeFile(
      join(project, 'verify.mjs'),
      `
import { createSampleNetwork, EXAMPLES_CONTEXT_V1_URL, MemoryRecordStore, Registry, signCredential, verifyCredential } from '@trustmesh/registry';
import { createNetworkFile } from '@trustmesh/node';
const net = await createSampleNetwork({ now: new Date(Date.now() - 60_000) });
const network = createNetworkFile({ networkId: net.networkId, genesis: net.genesis });
const registry = await Registry.open({ networkId: network.networkId, genesisDigest: network.genesisDigest }, { store: new MemoryRecordStore(), now: Date.now });
for (const record of net.records) await registry.submit(record);
const list = net.lists.jpHealthInsurer;
const credential = await signCredential({
  '@context': ['https://www.w3.org/ns/credentials/v2', EXAMPLES_CONTEXT_V1_URL],
  type: ['VerifiableCredential', 'HealthInsuranceCredential'],
  issuer: net.keys.jpHealthInsurer.did,
  validFrom: new Date(Date.now() - 30_000).toISOString(),
  credentialSubject: { id: 'did:example:holder', insuredNumber: '12345678' },
  credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '7', statusListCredential: list },
}, net.keys.jpHealthInsurer, { documentLoader: net.documentLoader });
const result = await verifyCredential(credential, { view: registry, documentLoader: registry.documentLoader, now: Date.now() });
await registry.close();
console.log(JSON.stringify({ verified: result.verified, checks: result.checks.map((c) => c.check + ':' + c.outcome), resolved: import.meta.resolve('@trustmesh/registry') }));
`,
    );
    const { stdout } = await plainNode(['verify.mjs'], project);
    const answer = JSON.parse(stdout);
    assert.equal(answer.verified, true, stdout);
    assert.deepEqual(answer.checks, ['proof:pass', 'issuer:pass', 'status:pass', 'validity:pass']);
    assert.match(answer.resolved, /node_modules\/@trustmesh\/registry\/dist\/index\.js$/);
    await assert.rejects(
      plainNode(['--input-type=module', '-e', "await import('@trustmesh/registry/src/index.ts')"], project),
      /ERR_PACKAGE_PATH_NOT_EXPORTED/,
    );
  });

  it('type-check a consumer against the declarations', async () => {
    await writeFile(
      join(project, 'consumer.ts'),
      `import { type NetworkFile, readNetworkFile } from '@trustmesh/node';
import { type KeyPair, Registry } from '@trustmesh/registry';
export async function open(path: string): Promise<Registry> {
  const network: NetworkFile = await readNetworkFile(path);
  return Registry.open({ networkId: network.networkId, genesisDigest: network.genesisDigest }, {} as never);
}
export type Key = KeyPair;
// @ts-expect-error: the declarations are real, so a wrong use fails
export const wrong: number = Registry.open;
`,
    );
    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        files: ['consumer.ts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    await plainNode([tsc, '-p', project], project).catch((error: { stdout?: string }) =>
      assert.fail(`tsc refused the consumer:\n${error.stdout ?? String(error)}`),
    );
  });
});
