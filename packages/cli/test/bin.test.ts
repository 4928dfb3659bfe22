/**
 * The workspace's `trustmesh` command (issue 15, item 4): the root bin and the linked
 * node_modules/.bin/trustmesh run the CLI on the pinned Node, stdout carrying only the command's
 * output, and the exit code passing through.
 */
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

const root = join(import.meta.dirname, '..', '..', '..');
const run = promisify(execFile);

async function exec(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd: root, env: { ...process.env, PATH: `/usr/bin:/bin` } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the trustmesh bin of the workspace root', () => {
  for (const bin of ['bin/trustmesh.js', 'node_modules/.bin/trustmesh']) {
    it(`${bin} prints only the command's output and passes the exit code through`, async () => {
      const version = await exec(join(root, bin), ['--version']);
      assert.equal(version.code, 0, version.stderr);
      assert.equal(version.stdout, '0.1.0\n');
      const refused = await exec(join(root, bin), ['no-such-command']);
      assert.equal(refused.code, 2, refused.stderr);
      assert.equal(refused.stdout, '');
    });
  }
});
