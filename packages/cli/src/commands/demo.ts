/**
 * `trustmesh demo`: the guided story of issue 4 (see demo-story.ts), in one process, each step
 * printed with its timing. Exit 0 when every expectation of the story held.
 */
import { type Command, Option } from 'commander';
import { addOptions, type CommandContext, jsonOption } from '../command-context.ts';
import { defaultDemoOptions, runDemo } from '../demo-story.ts';
import { EXIT } from '../output.ts';

interface DemoFlags {
  transport: 'tcp' | 'memory';
  json?: boolean;
}

/** Registers `demo`. */
export function registerDemoCommand(program: Command, ctx: CommandContext): void {
  addOptions(
    program
      .command('demo')
      .description(
        'the guided story: two governments, accredited issuers, a pharmacy, a lost phone, a regional outage (one process, real nodes)',
      ),
    [
      new Option('--transport <transport>', 'libp2p transport between the nodes')
        .choices(['tcp', 'memory'])
        .default(defaultDemoOptions.transport),
      jsonOption(),
    ],
  ).action((flags: DemoFlags, command: Command) =>
    ctx.run(command, async (out) => {
      const abort = new AbortController();
      // Ctrl-C ends the story at the next step; the nodes stop and the temporary data is removed.
      const release = ctx.onShutdown?.(() => abort.abort()) ?? (() => undefined);
      try {
        const summary = await runDemo(
          { ...defaultDemoOptions, transport: flags.transport },
          {
            now: ctx.now,
            // With --json the story goes to stderr and the measurements to stdout.
            say: (line) => (out.json ? out.note(line) : ctx.stdout.write(`${line}\n`)),
            signal: abort.signal,
          },
        );
        if (out.json) out.result(summary, () => []);
        return EXIT.OK;
      } finally {
        release();
      }
    }),
  );
}
