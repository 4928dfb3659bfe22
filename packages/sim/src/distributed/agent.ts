/**
 * A simulation agent: one process that runs a share of a simulation's nodes over real TCP, driven by
 * a coordinator over the control protocol (protocol.ts). Start one per machine (or several per
 * machine, one per core) with `trustmesh simulate-agent --listen <ip>:<port>`; the coordinator runs
 * `trustmesh simulate <scenario> --agents http://<ip>:<port>,…`. Nodes listen on the advertised
 * address; every link condition of the scenario is applied by the dialling side
 * (fabric/conditioned-tcp.ts), partitions by the nodes' connection gaters.
 *
 * The control API can start and stop nodes and make them dial: it needs the shared bearer token
 * (TRUSTMESH_SIM_TOKEN) and listens on loopback unless told otherwise. It serves one run at a time:
 * `setup` replaces any earlier run's host.
 */
import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { type HostEvent, hostClock, LocalNodeHost } from '../harness/node-host.ts';
import { decodeSetup, type EventsPage, HOST_METHODS, type HostMethod } from './protocol.ts';

/** Settings of {@link startAgent}. */
export interface AgentOptions {
  /** Control API address. */
  host: string;
  port: number;
  /** The address nodes listen on and other hosts dial (default: `host`, or 127.0.0.1 for 0.0.0.0). */
  advertise?: string;
  token: string;
  /** Events kept for the coordinator to fetch; older ones are dropped (and counted). */
  maxBufferedEvents?: number;
}

/** A running agent. */
export interface Agent {
  url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 2 ** 20;

/** Starts an agent's control API. */
export async function startAgent(options: AgentOptions): Promise<Agent> {
  const advertise = options.advertise ?? (options.host === '0.0.0.0' ? '127.0.0.1' : options.host);
  const maxBuffered = options.maxBufferedEvents ?? 1_000_000;
  const expected = Buffer.from(`Bearer ${options.token}`);
  let buffer: HostEvent[] = [];
  let firstSeq = 0;
  let dropped = 0;
  const emit = (event: HostEvent) => {
    buffer.push(event);
    if (buffer.length > maxBuffered) {
      const excess = buffer.length - maxBuffered;
      buffer = buffer.slice(excess);
      firstSeq += excess;
      dropped += excess;
    }
  };
  let host: LocalNodeHost = new LocalNodeHost({ transport: 'tcp', advertiseHost: advertise }, emit);

  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: MAX_BODY_BYTES });
  app.addHook('onRequest', async (request, reply) => {
    const given = Buffer.from(request.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return reply.code(401).send({ error: 'missing or wrong bearer token (TRUSTMESH_SIM_TOKEN)' });
    }
  });
  app.get('/hello', async () => ({ clock: hostClock(), pid: process.pid }));
  app.get<{ Querystring: { after?: string } }>('/events', async (request): Promise<EventsPage> => {
    const after = Number(request.query.after ?? 0);
    // Everything before `after` was received: forget it.
    if (Number.isInteger(after) && after > firstSeq) {
      const drop = Math.min(after - firstSeq, buffer.length);
      buffer = buffer.slice(drop);
      firstSeq += drop;
    }
    return { events: buffer, next: firstSeq + buffer.length, dropped };
  });
  app.post<{ Body: { method?: unknown; args?: unknown } }>('/call', async (request, reply) => {
    const { method, args } = request.body ?? {};
    if (typeof method !== 'string' || !(HOST_METHODS as readonly string[]).includes(method)) {
      return reply.code(400).send({ error: `method: must be one of ${HOST_METHODS.join(', ')}` });
    }
    if (!Array.isArray(args)) return reply.code(400).send({ error: 'args: must be an array' });
    if (method === 'setup') {
      // A new run: a fresh host and event stream.
      await host.close();
      host = new LocalNodeHost({ transport: 'tcp', advertiseHost: advertise }, emit);
      // Sequence numbers keep counting: a coordinator's `after` stays meaningful across runs.
      firstSeq += buffer.length;
      buffer = [];
      dropped = 0;
      await host.setup(decodeSetup(args[0] as never));
      return { result: null };
    }
    try {
      const call = host[method as HostMethod] as (...a: unknown[]) => Promise<unknown>;
      const result = await call.apply(host, args);
      return { result: result ?? null };
    } catch (error) {
      return reply.code(500).send({ error: error instanceof Error ? error.message : String(error) });
    }
  });
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address() as { port: number };
  return {
    url: `http://${options.host === '0.0.0.0' ? advertise : options.host}:${address.port}`,
    close: async () => {
      await host.close();
      await app.close();
    },
  };
}
