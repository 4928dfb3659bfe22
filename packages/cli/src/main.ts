/**
 * Entry point of the `trustmesh` command, run through tsx by this package's bin, which the
 * workspace's `npx trustmesh` (bin/trustmesh.js) starts on the pinned Node; the root's older
 * `pnpm trustmesh` script still lands here. Everything else lives in program.ts.
 */
import { runCli } from './program.ts';

// pnpm runs a package script in the package's directory; run as the `trustmesh` script, relative
// paths on the command line should mean what they meant where the user typed them.
const script = process.env.npm_lifecycle_event;
if ((script === 'trustmesh' || script === 'start') && process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  now: Date.now,
  onShutdown(handler) {
    const listener = (signal: NodeJS.Signals) => handler(signal);
    process.on('SIGINT', listener);
    process.on('SIGTERM', listener);
    return () => {
      process.off('SIGINT', listener);
      process.off('SIGTERM', listener);
    };
  },
});
