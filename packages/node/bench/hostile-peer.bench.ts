/**
 * Hostile-peer benchmark (issue 11, first target): one victim TrustmeshNode, in a child process of
 * its own (so its RSS and event loop are its own), with the production settings of a node (LevelDB
 * store in a temporary directory, HTTP API, anti-entropy every 30 s, DHT off: five nodes need no
 * discovery), connected over TCP on loopback to three honest nodes and to one attacker. The attacker
 * is a plain libp2p host with the network's gossipsub settings and raw sync streams:
 *
 * 1. at t = 0 it publishes 60 gossip messages on the records topic, each a signed
 *    BitstringStatusListCredential with `statusSize: 8` whose ~97 KB encodedList inflates to the cap
 *    (2^26 entries × 8 bits = 64 MiB), issued by a did:key no accreditation names;
 * 2. at t = 10 s it opens one anti-entropy session on the sync protocol and sends 300 more such
 *    lists as PUSH frames (type 5) from the first frame on, then DONE (type 6) with the count, and
 *    waits for the victim's RESULT; a session that breaks is opened again from its first frame (at
 *    most 3 sessions in all).
 *
 * Measured, the same way without the attack first and then until 75 s after the attack began:
 * `/health` latency (one request every 50 ms from a worker thread, whatever the answers do, so a
 * stalled victim shows as many slow answers; no answer within 20 s counts as 20 s), the arrival at
 * the victim of an honest accreditation published on an honest node that is not the victim's
 * neighbour (from the publishing call to the victim's `registry.onAdmitted`, wall clocks of one
 * machine), the victim's RSS (from /proc, so a blocked victim is still sampled) and whether a new
 * peer can dial the victim and complete identify, during the attack and after it.
 *
 * The attack records are signed once and cached in the temp directory (`--regenerate` rebuilds
 * them, ~1 minute). Not a test: a missed target prints MISS and the run still succeeds; every wait
 * is bounded, so a victim that stops answering ends the run too (~2.5 minutes).
 * Run from packages/node: `npx -y pnpm@10 exec tsx bench/hostile-peer.bench.ts`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { lpStream } from '@libp2p/utils';
import { multiaddr } from '@multiformats/multiaddr';
import {
  accreditationKey,
  canonicalBytes,
  createSampleNetwork,
  generateKeyPair,
  issueAccreditation,
  issueStatusList,
  type SampleNetwork,
  signCredential,
} from '@trustmesh/registry';
import {
  createLibp2pNode,
  createNetworkFile,
  defaultRecordGossipsubOptions,
  recordGossipsubInit,
  recordsTopic,
  syncProtocol,
  TrustmeshNode,
} from '../src/index.ts';

/** The attack's size (env overrides for quicker looks; the issue's figures are 60 and 300). */
const GOSSIP_RECORDS = Number(process.env.BENCH_GOSSIP_RECORDS ?? 60);
const PUSH_RECORDS = Number(process.env.BENCH_PUSH_RECORDS ?? 300);
/** Attack lists in the cache: enough for the issue's attack. */
const CACHED_RECORDS = 360;
const PUSH_AT_MS = 10_000;
const WINDOW_MS = 75_000;
const HONEST_NODES = 3;
const POLL_INTERVAL_MS = 50;
const POLL_TIMEOUT_MS = 20_000;
const ARRIVAL_TIMEOUT_MS = 60_000;
const PROBE_TIMEOUT_MS = 15_000;
/** A new peer "connects" when dial + identify finish within libp2p's own dial timeout. */
const PROBE_TARGET_MS = 10_000;
const MIB = 1024 * 1024;
/** Sync frame types (packages/node/src/sync: PUSH, DONE). */
const FRAME_PUSH = 5;
const FRAME_DONE = 6;
const FRAME_RESULT = 7;
/** A broken PUSH session is opened again, at most this many sessions in all. */
const MAX_PUSH_SESSIONS = 3;
const CACHE_VERSION = 1;
const CACHE = join(tmpdir(), `trustmesh-hostile-peer-bench-v${CACHE_VERSION}.json`);
const SELF = fileURLToPath(import.meta.url);

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const utf8 = new TextEncoder();

/** Messages from the victim process. */
type VictimMessage =
  | { type: 'hello' }
  | { type: 'ready'; addrs: string[]; api: string; pid: number }
  | { type: 'admitted'; key: string | null; at: number }
  | { type: 'counters'; counters: unknown };

// ---------------------------------------------------------------------------------------------
// The victim (child process)

async function runVictim(): Promise<void> {
  const send = (message: VictimMessage) => process.send?.(message);
  // The bench died: nothing else would stop this process.
  process.on('disconnect', () => process.exit(1));
  // IPC messages that arrive before a listener are lost: listen, then ask for the configuration.
  const config = await new Promise<{
    networkId: string;
    genesis: Record<string, unknown>;
    records: unknown[];
    dataDir: string;
  }>((resolve) => {
    process.once('message', resolve as (m: unknown) => void);
    send({ type: 'hello' });
  });
  const { dataDir } = config;
  const node = await TrustmeshNode.create({
    network: createNetworkFile({ networkId: config.networkId, genesis: config.genesis }),
    dataDir,
    store: 'level',
    transport: 'tcp',
    listen: ['/ip4/127.0.0.1/tcp/0'],
    dht: false,
    api: { host: '127.0.0.1', port: 0 },
  });
  for (const record of config.records) {
    const outcome = await node.registry.submit(record);
    if (outcome.status !== 'accept') throw new Error(`victim: sample record refused: ${outcome.error.code}`);
  }
  node.registry.onAdmitted((a) => send({ type: 'admitted', key: 'key' in a ? a.key : null, at: Date.now() }));
  process.on('message', async (message: { type: string }) => {
    if (message.type === 'counters')
      send({ type: 'counters', counters: { gossip: node.counters(), sync: node.sync.counters() } });
    if (message.type === 'stop') {
      await node.stop().catch(() => undefined);
      process.exit(0);
    }
  });
  const address = node.api?.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  send({ type: 'ready', addrs: node.multiaddrs().map(String), api: `http://127.0.0.1:${port}`, pid: process.pid });
}

// ---------------------------------------------------------------------------------------------
// Records

/** 360 signed lists of one unknown did:key issuer, statusSize 8, each inflating to 64 MiB. */
async function attackRecords(net: SampleNetwork): Promise<Uint8Array[]> {
  if (!process.argv.includes('--regenerate') && existsSync(CACHE)) {
    const cache = JSON.parse(await readFile(CACHE, 'utf8')) as { version: number; records: string[] };
    if (cache.version === CACHE_VERSION) return cache.records.map((r) => utf8.encode(r));
  }
  const started = performance.now();
  const total = CACHED_RECORDS;
  console.log(`Signing ${total} attack lists (cached afterwards in ${CACHE}) …`);
  const key = await generateKeyPair('Ed25519');
  // Bitstring Status List §2.1: a statusSize of 8 needs one message per value (256).
  const statusMessage = Array.from({ length: 256 }, (_, i) => ({ status: `0x${i.toString(16)}`, message: `v${i}` }));
  const validFrom = new Date(Date.now() - 3_600_000);
  const first = await issueStatusList(
    {
      issuer: key,
      id: 'https://attacker.example/lists/0',
      statusPurpose: 'message',
      bits: new Uint8Array((2 ** 26 * 8) / 8),
      statusSize: 8,
      statusMessage,
      validFrom,
    },
    net.documentLoader,
  );
  // The same 64 MiB of zeros every time: gzip once, sign each list id afresh.
  const { proof: _proof, ...unsigned } = first as { proof: unknown } & Record<string, unknown>;
  const records = [new TextDecoder().decode(canonicalBytes(first))];
  for (let i = 1; i < total; i++) {
    const id = `https://attacker.example/lists/${i}`;
    const subject = { ...(unsigned.credentialSubject as Record<string, unknown>), id: `${id}#list` };
    const signed = await signCredential({ ...unsigned, id, credentialSubject: subject }, key, {
      documentLoader: net.documentLoader,
    });
    records.push(new TextDecoder().decode(canonicalBytes(signed)));
    if (i % 100 === 0) console.log(`  ${i} signed (${fmt((performance.now() - started) / 1000)} s)`);
  }
  await writeFile(CACHE, JSON.stringify({ version: CACHE_VERSION, records }));
  return records.map((r) => utf8.encode(r));
}

/** Honest accreditations of new issuers by the JP authority, each with its own withdrawal entry. */
async function honestAccreditations(net: SampleNetwork, count: number): Promise<{ id: string; bytes: Uint8Array }[]> {
  const out: { id: string; bytes: Uint8Array }[] = [];
  for (let k = 0; k < count; k++) {
    const subject = await generateKeyPair('Ed25519');
    const id = `urn:uuid:${randomUUID()}`;
    const record = await issueAccreditation(
      {
        accreditor: net.keys.jpAgency,
        subject: subject.did,
        role: 'issuer',
        accreditedFor: [{ types: ['HealthInsuranceCredential'], jurisdiction: 'JP' }],
        subjectKeys: [subject],
        validFrom: new Date(Date.now() - 60_000),
        validUntil: new Date(Date.now() + 86_400_000),
        withdrawal: { statusListCredential: net.lists.jpAgency, statusListIndex: 1000 + k },
        id,
      },
      net.documentLoader,
    );
    out.push({ id, bytes: canonicalBytes(record) });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Probes

/** The /health poller and RSS sampler: a worker thread, so the bench's own work cannot delay it. */
const POLLER = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { readFileSync } = require('node:fs');
const { url, pid, intervalMs, timeoutMs } = workerData;
const polls = [], rss = [];
let inFlight = 0, stopping = false;
function poll() {
  const sentAt = Date.now();
  inFlight++;
  let done = false;
  const finish = (ms, ok) => { if (done) return; done = true; inFlight--; polls.push({ sentAt, ms, ok }); };
  const req = http.get(url, { agent: false }, (res) => { res.resume(); res.on('end', () => finish(Date.now() - sentAt, res.statusCode === 200)); });
  // A timer of our own: the request's socket timeout starts only once TCP has connected, and a
  // stalled victim's accept backlog fills.
  const timer = setTimeout(() => { finish(timeoutMs, false); req.destroy(); }, timeoutMs);
  req.on('close', () => clearTimeout(timer));
  req.on('error', () => finish(Math.max(Date.now() - sentAt, 0), false));
}
function sampleRss() {
  try {
    const m = /VmRSS:\\s+(\\d+) kB/.exec(readFileSync('/proc/' + pid + '/status', 'utf8'));
    if (m) rss.push({ at: Date.now(), bytes: Number(m[1]) * 1024 });
  } catch {}
}
const pollTimer = setInterval(poll, intervalMs);
const rssTimer = setInterval(sampleRss, 100);
parentPort.on('message', () => {
  clearInterval(pollTimer); clearInterval(rssTimer);
  const end = () => (inFlight === 0 ? parentPort.postMessage({ polls, rss }) : setTimeout(end, 50));
  end();
});`;

interface PollerResult {
  polls: { sentAt: number; ms: number; ok: boolean }[];
  rss: { at: number; bytes: number }[];
}

/** A fresh libp2p host dials the victim; ms until dial and identify finished, or null past the timeout. */
async function probeConnect(addrs: string[]): Promise<{ dialMs: number | null; identifyMs: number | null }> {
  const probe = await createLibp2pNode({ transport: 'tcp', listen: [], gossipsub: {}, pingIntervalMs: 0 });
  const target = multiaddr(addrs[0]!);
  const started = Date.now();
  let dialMs: number | null = null;
  const identified = new Promise<number>((resolve) => {
    probe.addEventListener('peer:identify', (event) => {
      if (event.detail.peerId.toString() === peerOf(addrs[0]!)) resolve(Date.now() - started);
    });
  });
  try {
    await probe.dial(target, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    dialMs = Date.now() - started;
  } catch {
    // Not connected within the timeout: reported as such.
  }
  const identifyMs =
    dialMs === null ? null : await Promise.race([identified, pause(PROBE_TIMEOUT_MS).then(() => null)]);
  await Promise.resolve(probe.stop()).catch(() => undefined);
  return { dialMs, identifyMs };
}

/** The peer id at the end of a multiaddr (`…/p2p/<id>`). */
const peerOf = (addr: string) => addr.slice(addr.lastIndexOf('/p2p/') + 5);

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** A sync frame's body: its type byte, then the payload (lpStream adds the length prefix). */
function frame(type: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + payload.byteLength);
  out[0] = type;
  out.set(payload, 1);
  return out;
}

/** Unsigned LEB128 varint, as the sync protocol's counts are written. */
function encodeVarint(value: number): Uint8Array {
  const out: number[] = [];
  for (let v = value; ; v = Math.floor(v / 128)) {
    if (v < 128) {
      out.push(v);
      return Uint8Array.from(out);
    }
    out.push((v % 128) | 0x80);
  }
}

// ---------------------------------------------------------------------------------------------
// The run

async function main(): Promise<void> {
  console.log(
    `Hostile-peer benchmark — Node ${process.version}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? 'unknown'}), load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );
  const net = await createSampleNetwork({ now: new Date(Date.now() - 600_000) });
  const attack = await attackRecords(net);
  const honest = await honestAccreditations(net, 8);
  const network = createNetworkFile({
    networkId: net.networkId,
    genesis: net.genesis as unknown as Record<string, unknown>,
  });
  const topic = recordsTopic(net.networkId);

  // The victim, in its own process; its data directory is removed here, even if it must be killed.
  const victimDir = await mkdtemp(join(tmpdir(), 'trustmesh-hostile-victim-'));
  const child: ChildProcess = spawn(process.execPath, [...process.execArgv, SELF, '--victim'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const admitted = new Map<string, number>();
  const waiters = new Map<string, (at: number) => void>();
  let counters: ((c: unknown) => void) | undefined;
  const ready = new Promise<{ addrs: string[]; api: string; pid: number }>((resolve, reject) => {
    child.on('message', (m: VictimMessage) => {
      if (m.type === 'hello')
        child.send({
          networkId: net.networkId,
          genesis: net.genesis,
          records: net.records.slice(1),
          dataDir: victimDir,
        });
      else if (m.type === 'ready') resolve(m);
      else if (m.type === 'admitted' && m.key) {
        admitted.set(m.key, m.at);
        waiters.get(m.key)?.(m.at);
      } else if (m.type === 'counters') counters?.(m.counters);
    });
    child.once('exit', (code) => reject(new Error(`victim exited (${code}) before it was ready`)));
  });
  const victim = await ready;

  const nodes: TrustmeshNode[] = [];
  for (let i = 0; i < HONEST_NODES; i++) {
    const node = await TrustmeshNode.create({
      network,
      store: 'memory',
      transport: 'tcp',
      listen: ['/ip4/127.0.0.1/tcp/0'],
      dht: false,
      metrics: { processMetrics: false },
    });
    for (const record of net.records.slice(1)) await node.registry.submit(record);
    nodes.push(node);
  }
  // h0 and h1 are the victim's neighbours; h2, the publisher, reaches it only through them.
  await nodes[0]!.connect(nodes[1]!.multiaddrs()[0]!);
  await nodes[2]!.connect(nodes[0]!.multiaddrs()[0]!);
  await nodes[2]!.connect(nodes[1]!.multiaddrs()[0]!);
  await nodes[0]!.connect(victim.addrs[0]!);
  await nodes[1]!.connect(victim.addrs[0]!);

  /** Publishes honest accreditation k on h2; resolves with ms until the victim admitted it, or null. */
  let next = 0;
  const arrival = async (): Promise<number | null> => {
    const record = honest[next++]!;
    const key = accreditationKey(record.id);
    const arrived = new Promise<number>((resolve) => waiters.set(key, resolve));
    const started = Date.now();
    const outcome = await nodes[2]!.submitAndPublish(record.bytes);
    if (outcome.status !== 'accept') throw new Error(`honest accreditation refused: ${outcome.error.code}`);
    const at = admitted.get(key) ?? (await Promise.race([arrived, pause(ARRIVAL_TIMEOUT_MS).then(() => null)]));
    return at === null ? null : at - started;
  };

  const poller = new Worker(POLLER, {
    eval: true,
    workerData: {
      url: `${victim.api}/health`,
      pid: victim.pid,
      intervalMs: POLL_INTERVAL_MS,
      timeoutMs: POLL_TIMEOUT_MS,
    },
  });
  // Warm-up: the mesh forms and the first arrival (discarded) passes.
  const warm = Date.now();
  while ((await arrival()) === null && Date.now() - warm < 30_000);
  const baselineStart = Date.now();
  await pause(3_000);
  const calm: number[] = [];
  for (let i = 0; i < 3; i++) {
    const ms = await arrival();
    if (ms !== null) calm.push(ms);
    await pause(500);
  }
  const calmProbe = await probeConnect(victim.addrs);
  const baselineEnd = Date.now();

  // The attack.
  const attacker = await createLibp2pNode({
    transport: 'tcp',
    listen: ['/ip4/127.0.0.1/tcp/0'],
    pingIntervalMs: 0,
    gossipsub: recordGossipsubInit({ ...defaultRecordGossipsubOptions, topic }),
  });
  attacker.services.pubsub.subscribe(topic);
  await attacker.dial(multiaddr(victim.addrs[0]!));
  const victimId = peerOf(victim.addrs[0]!);
  for (let t = Date.now(); Date.now() - t < 10_000; await pause(50)) {
    if (attacker.services.pubsub.getSubscribers(topic).some((p) => p.toString() === victimId)) break;
  }
  const attackStart = Date.now();
  for (const bytes of attack.slice(0, GOSSIP_RECORDS)) await attacker.services.pubsub.publish(topic, bytes);
  const gossipArrival = pause(2_000).then(arrival);

  await pause(Math.max(0, attackStart + PUSH_AT_MS - Date.now()));
  /**
   * The PUSH session. A session that breaks (the stalled victim may drop the connection) is opened
   * again from its first frame, as an attacker would: the victim keeps nothing of a failed session.
   * Reported: sessions opened, frames written in the last one, when its DONE went out and its
   * RESULT came back (ms from the first session's start), and the errors of the broken ones.
   */
  const out = {
    sessions: 0,
    written: 0,
    doneMs: null as number | null,
    resultMs: null as number | null,
    errors: [] as string[],
  };
  const push = (async () => {
    const started = Date.now();
    const signal = AbortSignal.timeout(WINDOW_MS - PUSH_AT_MS);
    while (out.resultMs === null && !signal.aborted && out.sessions < MAX_PUSH_SESSIONS) {
      out.sessions++;
      out.written = 0;
      try {
        const target = multiaddr(victim.addrs[0]!);
        const stream = await attacker.dialProtocol(target, syncProtocol(net.networkId), { signal });
        const lp = lpStream(stream, { maxDataLength: 1024 * 1024 });
        for (const bytes of attack.slice(GOSSIP_RECORDS, GOSSIP_RECORDS + PUSH_RECORDS)) {
          await lp.write(frame(FRAME_PUSH, bytes), { signal });
          out.written++;
        }
        await lp.write(frame(FRAME_DONE, encodeVarint(PUSH_RECORDS)), { signal });
        out.doneMs = Date.now() - started;
        const result = await lp.read({ signal });
        out.resultMs = Date.now() - started;
        const type = result.subarray()[0];
        if (type !== FRAME_RESULT) out.errors.push(`answer of frame type ${type} instead of RESULT`);
      } catch (error) {
        // libp2p streams fail with Errors, or with the Event that closed them.
        const e = error as { name?: string; message?: string; type?: string } | undefined;
        const what = error instanceof Event ? `Event '${e?.type}'` : `${e?.name} (${e?.message})`;
        out.errors.push(`${what} after ${fmt(Date.now() - started)} ms`);
        // The victim refuses a second session from a peer within its 1 s rate-limit interval.
        await pause(1_100);
      }
    }
  })();
  await pause(2_000);
  const [pushArrival, duringProbe] = await Promise.all([arrival(), probeConnect(victim.addrs)]);
  const gossipArrivalMs = await gossipArrival;
  await pause(Math.max(0, attackStart + WINDOW_MS - Date.now()));
  const attackEnd = Date.now();
  await Promise.race([push, pause(1_000)]);
  const afterProbe = await probeConnect(victim.addrs);

  poller.postMessage('stop');
  const { polls, rss } = await new Promise<PollerResult>((resolve) => poller.once('message', resolve));
  await poller.terminate();
  child.send({ type: 'counters' });
  const victimCounters = await Promise.race([
    new Promise((resolve) => (counters = resolve)),
    pause(5_000).then(() => null),
  ]);

  // Figures.
  const latencies = (from: number, to: number) => polls.filter((p) => p.sentAt >= from && p.sentAt < to);
  const calmPolls = latencies(baselineStart, baselineEnd);
  const attackPolls = latencies(attackStart, attackEnd);
  const rssIn = (from: number, to: number) => rss.filter((s) => s.at >= from && s.at < to).map((s) => s.bytes);
  const rssBase = percentile(rssIn(baselineStart, baselineEnd), 50);
  const rssPeak = Math.max(...rssIn(attackStart, Date.now()));
  const calmArrival = percentile(calm, 50);
  const attackArrivals = [gossipArrivalMs, pushArrival];
  const worstArrival = attackArrivals.some((a) => a === null) ? null : Math.max(...(attackArrivals as number[]));
  const p = (list: typeof calmPolls, q: number) =>
    percentile(
      list.map((x) => x.ms),
      q,
    );
  const ms = (v: number | null) => (v === null || Number.isNaN(v) ? 'none' : `${fmt(v)} ms`);
  // A poll unanswered within its timeout was counted as the timeout: its true latency is longer.
  const latency = (v: number) => (v >= POLL_TIMEOUT_MS ? `≥ ${fmt(POLL_TIMEOUT_MS)} ms (timeout)` : ms(v));
  const arrivalText = (v: number | null) => (v === null ? `> ${fmt(ARRIVAL_TIMEOUT_MS)} ms (not arrived)` : ms(v));
  /** Longest time without a single 200 answer (gaps between consecutive answers, and to the window's end). */
  const silence = (list: typeof calmPolls, from: number, to: number) => {
    const answers = list
      .filter((x) => x.ok)
      .map((x) => x.sentAt + x.ms)
      .sort((a, b) => a - b);
    let longest = 0;
    let previous = from;
    for (const at of [...answers, to]) {
      longest = Math.max(longest, at - previous);
      previous = Math.max(previous, at);
    }
    return longest;
  };
  const probeText = (r: { dialMs: number | null; identifyMs: number | null }) =>
    r.dialMs === null ? `no (> ${fmt(PROBE_TIMEOUT_MS)} ms)` : `${ms(r.dialMs)} dial, ${ms(r.identifyMs)} identify`;
  const connects = (r: { identifyMs: number | null }) => r.identifyMs !== null && r.identifyMs <= PROBE_TARGET_MS;
  const ok = (b: boolean) => (b ? 'OK' : 'MISS');
  const rows: string[][] = [
    ['/health p50', latency(p(calmPolls, 50)), latency(p(attackPolls, 50)), '—', ''],
    ['/health p99', latency(p(calmPolls, 99)), latency(p(attackPolls, 99)), '≤ 100 ms', ok(p(attackPolls, 99) <= 100)],
    [
      '/health longest silence',
      ms(silence(calmPolls, baselineStart, baselineEnd)),
      ms(silence(attackPolls, attackStart, attackEnd)),
      '—',
      '',
    ],
    [
      `/health not 200 within ${POLL_TIMEOUT_MS / 1000} s`,
      `${calmPolls.filter((x) => !x.ok).length} of ${calmPolls.length}`,
      `${attackPolls.filter((x) => !x.ok).length} of ${attackPolls.length}`,
      '—',
      '',
    ],
    [
      'honest accreditation arrival',
      `${ms(calmArrival)} (median of ${calm.length})`,
      `${arrivalText(gossipArrivalMs)} (gossip flood), ${arrivalText(pushArrival)} (PUSH)`,
      `≤ 2× = ${ms(2 * calmArrival)}`,
      ok(worstArrival !== null && worstArrival <= 2 * calmArrival),
    ],
    [
      'victim RSS growth',
      `${fmt(rssBase / MIB)} MiB`,
      `+${fmt((rssPeak - rssBase) / MIB)} MiB (peak ${fmt(rssPeak / MIB)} MiB)`,
      '≤ 64 MiB',
      ok(rssPeak - rssBase <= 64 * MIB),
    ],
    [
      'new peer connects (during)',
      probeText(calmProbe),
      probeText(duringProbe),
      `≤ ${fmt(PROBE_TARGET_MS)} ms`,
      ok(connects(duringProbe)),
    ],
    ['new peer connects (after)', '', probeText(afterProbe), `≤ ${fmt(PROBE_TARGET_MS)} ms`, ok(connects(afterProbe))],
  ];
  const header = ['metric', 'no attack', 'under attack', 'target', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => console.log(cells.map((c, i) => c.padEnd(widths[i]!)).join('  '));
  console.log(
    `\nHostile peer: ${GOSSIP_RECORDS} gossip messages at t = 0, one sync session PUSHing ${PUSH_RECORDS} records at t = ${PUSH_AT_MS / 1000} s, measured until t = ${WINDOW_MS / 1000} s (each list ${fmt(attack[0]!.byteLength)} bytes, inflating to 64 MiB)\n`,
  );
  line(header);
  line(widths.map((w) => '-'.repeat(w)));
  for (const row of rows) line(row);
  console.log(
    `\nPUSH: ${out.sessions} session(s) opened; in the last, ${out.written} of ${PUSH_RECORDS} PUSH frames written, DONE after ${ms(out.doneMs)}, RESULT after ${ms(out.resultMs)} (ms from the first session's start)${out.errors.length > 0 ? `; broken sessions: ${out.errors.join('; ')}` : ''}.`,
  );
  console.log(
    `/health polls: ${calmPolls.length} without the attack, ${attackPolls.length} under it (one every ${POLL_INTERVAL_MS} ms, each counted at its send time).`,
  );
  console.log(
    `Victim counters at the end: ${victimCounters === null ? 'no answer within 5 s' : JSON.stringify(victimCounters)}`,
  );
  console.log(
    `Load average at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );

  await Promise.resolve(attacker.stop()).catch(() => undefined);
  child.send({ type: 'stop' });
  const exited = await Promise.race([
    new Promise((resolve) => child.once('exit', resolve)).then(() => true),
    pause(10_000).then(() => false),
  ]);
  if (!exited && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  await rm(victimDir, { recursive: true, force: true });
  for (const node of nodes) await node.stop().catch(() => undefined);
}

if (process.argv.includes('--victim')) await runVictim();
else await main();
