/**
 * Every script of the workspace's package.json files that runs a file names one that exists
 * (issue 15, item 6: the registry's `demo` pointed at a missing file).
 */
import * as assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../../..');

describe('workspace scripts', () => {
  it('name files that exist', async () => {
    const dirs = ['.', ...(await readdir(join(ROOT, 'packages'))).map((p) => `packages/${p}`)];
    let checked = 0;
    for (const dir of dirs) {
      const pkg = JSON.parse(await readFile(join(ROOT, dir, 'package.json'), 'utf8'));
      for (const [name, script] of Object.entries((pkg.scripts ?? {}) as Record<string, string>)) {
        // `tsx FILE …` / `node FILE …`: the file, relative to the package (where pnpm runs the script).
        const file = /^(?:tsx|node)\s+([^\s'-][^\s']*\.(?:ts|js|mjs))(?:\s|$)/.exec(script)?.[1];
        if (!file) continue;
        checked++;
        await stat(join(ROOT, dir, file)).catch(() => assert.fail(`${dir}/package.json "${name}": ${file} is missing`));
      }
    }
    assert.ok(checked >= 8, `expected scripts that run files, found ${checked}`);
  });
});
