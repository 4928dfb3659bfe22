/**
 * Entry point: `tsx packages/sim/src/main.ts simulate <scenario> [--seeds N] [--out DIR]`.
 */
import { runSimulationCli } from './cli.ts';

const code = await runSimulationCli(process.argv.slice(2));
// libp2p and LevelDB may leave handles (timers, sockets) behind after stopping; the run is over.
process.exit(code);
