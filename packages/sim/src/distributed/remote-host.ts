/**
 * A {@link NodeHost} in another process or on another machine: the coordinator's side of the
 * control protocol (protocol.ts). Calls are HTTP round trips; the agent's events are fetched every
 * {@link POLL_MS} and handed on with the agent's clock stamps, which the coordinator corrects by the
 * clock offset measured here at connection.
 */
import type { HostEvent, HostResources, HostSetup, HostStatus, NodeHost, NodeTotals } from '../harness/node-host.ts';
import { hostClock } from '../harness/node-host.ts';
import { type EventsPage, encodeSetup, type HostMethod } from './protocol.ts';

/** How often the agent's events are fetched, ms. */
const POLL_MS = 100;
/** Clock samples taken at connection (the one with the shortest round trip wins). */
const CLOCK_SAMPLES = 8;
const CALL_TIMEOUT_MS = 120_000;

/** The control API of an agent answered with an error. */
export class AgentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentError';
  }
}

export class RemoteNodeHost implements NodeHost {
  readonly label: string;
  private next = 0;
  private polling: Promise<void> | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private closed = false;
  /** The first failure fetching events; {@link flush} reports it. */
  private failure: Error | null = null;

  private constructor(
    readonly url: string,
    private readonly token: string,
    private readonly onEvent: (event: HostEvent) => void,
    /** The agent's clock minus this process's, ms. */
    readonly clockOffsetMs: number,
    /** Round trip of the best clock sample, ms: the offset's uncertainty is half of it. */
    readonly clockRttMs: number,
  ) {
    this.label = `agent ${url}`;
  }

  /** Connects to an agent: checks the token, measures the clock offset, starts fetching events. */
  static async connect(url: string, token: string, onEvent: (event: HostEvent) => void): Promise<RemoteNodeHost> {
    let best = { rtt: Number.POSITIVE_INFINITY, offset: 0 };
    for (let i = 0; i < CLOCK_SAMPLES; i++) {
      const sent = hostClock();
      const { clock } = await request<{ clock: number }>(url, token, 'GET', '/hello');
      const received = hostClock();
      const rtt = received - sent;
      if (rtt < best.rtt) best = { rtt, offset: clock - (sent + received) / 2 };
    }
    const host = new RemoteNodeHost(url, token, onEvent, best.offset, best.rtt);
    // Events of an earlier run on the same agent are not this run's.
    const page = await request<EventsPage>(url, token, 'GET', '/events?after=0');
    host.next = page.next;
    host.timer = setInterval(() => {
      host.poll().catch((error: Error) => {
        host.failure ??= error;
      });
    }, POLL_MS);
    host.timer.unref();
    return host;
  }

  addresses(count: number): Promise<string[]> {
    return this.call('addresses', count);
  }
  setup(setup: HostSetup): Promise<void> {
    return this.call('setup', encodeSetup(setup));
  }
  seed(index: number): Promise<void> {
    return this.call('seed', index);
  }
  start(index: number): Promise<void> {
    return this.call('start', index);
  }
  stop(index: number, mode: 'abrupt' | 'graceful'): Promise<NodeTotals | null> {
    return this.call('stop', index, mode);
  }
  counters(index: number): Promise<NodeTotals | null> {
    return this.call('counters', index);
  }
  link(index: number, to: number): Promise<void> {
    return this.call('link', index, to);
  }
  partition(groups: number[][]): Promise<void> {
    return this.call('partition', groups);
  }
  heal(): Promise<void> {
    return this.call('heal');
  }
  addLinkFault(fault: Parameters<NodeHost['addLinkFault']>[0]): Promise<void> {
    return this.call('addLinkFault', fault);
  }
  removeLinkFault(id: number): Promise<void> {
    return this.call('removeLinkFault', id);
  }
  clearLinkFaults(): Promise<void> {
    return this.call('clearLinkFaults');
  }
  setClockSkew(indices: number[], offsetMs: number): Promise<void> {
    return this.call('setClockSkew', indices, offsetMs);
  }
  publish(index: number, record: Record<string, unknown>): ReturnType<NodeHost['publish']> {
    return this.call('publish', index, record);
  }
  verify(index: number, credential: Record<string, unknown>, mode: 'full' | 'status'): ReturnType<NodeHost['verify']> {
    return this.call('verify', index, credential, mode);
  }
  syncSize(index: number): Promise<number | null> {
    return this.call('syncSize', index);
  }
  status(): Promise<HostStatus> {
    return this.call('status');
  }
  peerScores(peerId: string): Promise<number[]> {
    return this.call('peerScores', peerId);
  }
  startMeasuring(): Promise<void> {
    return this.call('startMeasuring');
  }
  finishMeasuring(): Promise<HostResources> {
    return this.call('finishMeasuring');
  }

  /** Fetches every event the agent holds now; throws if events were lost. */
  async flush(): Promise<void> {
    await this.polling?.catch(() => undefined);
    await this.poll();
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.polling?.catch(() => undefined);
    await this.call('close');
  }

  private poll(): Promise<void> {
    if (this.polling) return this.polling;
    this.polling = (async () => {
      try {
        const page = await request<EventsPage>(this.url, this.token, 'GET', `/events?after=${this.next}`);
        this.next = page.next;
        for (const event of page.events) this.onEvent(event);
        if (page.dropped > 0) throw new AgentError(`${this.label} dropped ${page.dropped} events`);
      } finally {
        this.polling = null;
      }
    })();
    return this.polling;
  }

  private async call<T>(method: HostMethod, ...args: unknown[]): Promise<T> {
    const body = await request<{ result: T }>(this.url, this.token, 'POST', '/call', { method, args });
    return body.result;
  }
}

async function request<T>(
  url: string,
  token: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    });
  } catch (error) {
    throw new AgentError(`agent ${url} unreachable: ${(error as Error).message}`);
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AgentError(`agent ${url}${path}: HTTP ${response.status}, not JSON`);
  }
  if (!response.ok) {
    throw new AgentError(`agent ${url}${path}: ${(parsed as { error?: string }).error ?? `HTTP ${response.status}`}`);
  }
  return parsed as T;
}
