#!/usr/bin/env node
// The `trustmesh` command of the workspace (`npx trustmesh`, `pnpm exec trustmesh`, or a global
// `npm install -g <repo>`): runs packages/cli on the Node the project pins (node_modules/node, Node 24;
// libp2p needs >= 22), whatever `node` is first on the PATH. stdout carries only the command's
// output; the exit code and signals pass through unchanged. Plain JavaScript: no tsx needed to start.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'packages', 'cli', 'bin', 'trustmesh.js');
const pinned = join(root, 'node_modules', 'node', 'bin', 'node');
const major = Number(process.versions.node.split('.')[0]);

if (!existsSync(pinned) && major < 22) {
  process.stderr.write(
    `error: trustmesh needs Node.js >= 22 (this is ${process.version}) and the project's pinned Node is not installed\nhint: run \`npx -y pnpm@10 install\` in ${root}\n`,
  );
  process.exit(2);
}

if (!existsSync(pinned) || process.execPath === pinned) {
  // Already on a suitable Node: run in this process.
  await import(cli);
} else {
  const child = spawn(pinned, [cli, ...process.argv.slice(2)], {
    stdio: 'inherit',
    // glibc raises its mmap threshold after freeing a large block (up to 32 MiB) and then keeps
    // tens-of-MB buffers freed — a CRL body, LevelDB's memtable — in the heap for good: a node that
    // admitted a 1,000,000-serial CRL grew 339 MB instead of 56 MB (packages/node bench:crl).
    // A fixed threshold returns them to the system. The operator's own setting wins; ignored elsewhere.
    env: { MALLOC_MMAP_THRESHOLD_: '131072', ...process.env },
  });
  // Ctrl-C reaches the child through the terminal's process group; forward what is sent to us alone.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      if (child.exitCode === null) child.kill(signal);
    });
  }
  child.on('error', (error) => {
    process.stderr.write(`error: cannot start ${pinned}: ${error.message}\n`);
    process.exit(2);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 2);
  });
}
