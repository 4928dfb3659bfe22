/**
 * Every `trustmesh` command shown in the README and docs/ must exist with the flags it is shown
 * with: a guide that drifts from the CLI fails here. (The commands themselves run for real in
 * long/e2e.test.ts and long/up-demo.test.ts (test:long).)
 */
import * as assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import type { Command } from 'commander';
import { createProgram } from '../src/program.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

/** `trustmesh …` lines inside fenced shell blocks, with their file and line. */
async function documentedCommands(): Promise<{ where: string; argv: string[]; line: string }[]> {
  const files = [
    'README.md',
    'packages/cli/README.md',
    ...(await readdir(join(ROOT, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
  ];
  const found: { where: string; argv: string[]; line: string }[] = [];
  for (const file of files) {
    const lines = (await readFile(join(ROOT, file), 'utf8')).split('\n');
    let inShell = false;
    lines.forEach((line, i) => {
      if (/^```(sh|bash)\s*$/.test(line)) inShell = true;
      else if (line.startsWith('```')) inShell = false;
      else if (inShell) {
        const match = /(?:^|\s)trustmesh\s+(.*)$/.exec(line.replace(/\s+#.*$/, ''));
        if (match?.[1]) found.push({ where: `${file}:${i + 1}`, argv: tokenize(match[1]), line });
      }
    });
  }
  return found;
}

/** Splits a shell line into words, keeping quoted strings whole. */
function tokenize(text: string): string[] {
  return [...text.matchAll(/"(?:[^"\\]|\\.)*"|'[^']*'|\S+/g)].map((m) => m[0]);
}

function optionNames(command: Command): Set<string> {
  const names = new Set(['--help', '-h', '--json']);
  for (const option of command.options) {
    if (option.long) names.add(option.long);
    if (option.short) names.add(option.short);
  }
  return names;
}

describe('commands shown in the docs', () => {
  it('README names the Node.js version the engines field asks for', async () => {
    const engines = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).engines.node as string;
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const stated = /Node\.js ≥ ([\d.]+)/.exec(readme)?.[1];
    assert.equal(`>=${stated}`, engines, 'README and package.json engines disagree (npm warns on every call)');
  });

  it('exist, with every flag they are shown with', async () => {
    const program = createProgram(
      {
        stdout: process.stdout,
        stderr: process.stderr,
        env: {},
        cwd: ROOT,
        now: Date.now,
        stdin: process.stdin,
      } as never,
      () => undefined,
    );
    const commands = await documentedCommands();
    assert.ok(commands.length >= 20, `expected the guides to show commands, found ${commands.length}`);
    for (const { where, argv, line } of commands) {
      // The workspace's bin, as every guide says: `npx -y pnpm@10 trustmesh` printed pnpm's banner
      // (with the token) on stdout and cost a second per call (issue 15, item 4).
      assert.match(line, /(?:^|&& )npx trustmesh /, `${where}: write "npx trustmesh …" (got "${line}")`);
      assert.ok(!/--token\s/.test(line), `${where}: give the token with --token-file, never on the command line`);
      let command: Command = program;
      let rest = argv;
      // Walk down subcommands (e.g. `governance sign`).
      for (;;) {
        const next = command.commands.find((c) => c.name() === rest[0]);
        if (!next) break;
        command = next;
        rest = rest.slice(1);
      }
      if (argv[0] === '--help' || argv[0] === '--version') continue;
      assert.notEqual(command, program, `${where}: "trustmesh ${argv.join(' ')}" names no command`);
      const known = optionNames(command);
      for (const word of rest) {
        const flag = word.split('=')[0] ?? word;
        if (flag.startsWith('-')) assert.ok(known.has(flag), `${where}: ${command.name()} has no option ${flag}`);
      }
    }
  });
});
