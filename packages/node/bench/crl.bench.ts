/**
 * The 1,000,000-serial CRL of issue 14 on a whole node: a real TrustmeshNode (LevelDB in a temporary
 * directory, in-memory libp2p transport, its HTTP API on 127.0.0.1) runs in a child process of its
 * own (`--expose-gc`, so its RSS is the node's alone, settled by full GCs), holding the sample network
 * and a CA accreditation (a JPKI-style root made by `createCertificateAuthority`). This process, the
 * client, builds a CRL of that CA with 1,000,000 random 16-octet serials plus one leaf's serial
 * (bench/large-crl.ts, signed with the CA's key), and measures:
 *
 * - admission: `POST /records` (application/pkix-crl) until the 202 (durable, RFC 5280 §5 judged);
 * - RSS growth of the node over its own baseline (after the accreditation, before the CRL), after GC,
 *   split into JS heap, ArrayBuffers (the compact serial index among them) and the native rest; the
 *   node runs with MALLOC_MMAP_THRESHOLD_=131072 as the `trustmesh` launcher starts it (glibc then
 *   returns admission's freed large buffers; BENCH_GLIBC_DEFAULTS=1 shows what it keeps without);
 *   then once more after a restart, the CRL restored from LevelDB (steady state);
 * - bytes stored: the LevelDB directory's growth, and per revoked serial (CRLite ≈ 0.84 B/serial,
 *   a DER entry 35 B here);
 * - lookups/s through `node.registry.lookup` in the node's process, hits and misses;
 * - `POST /certificates/verify` req/s (autocannon) for the leaf on that CRL: CERTIFICATE_REVOKED.
 *
 * Targets (issue 14): RSS ≤ 64 MB, lookups ≥ 1,000,000/s. Figures, not pass/fail: a miss prints MISS.
 * Run from packages/node: `npx -y pnpm@10 run bench:crl` (CRL_BENCH_ENTRIES=1000000, BENCH_SECONDS=5).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  certificateSpkiSha256,
  createCertificateAuthority,
  createSampleNetwork,
  issueAccreditation,
  issueEndEntityCertificate,
} from '@trustmesh/registry';
import autocannon from 'autocannon';
import { createNetworkFile, readNetworkFile } from '../src/network/network-file.ts';
import { TrustmeshNode } from '../src/trustmesh-node.ts';
import { largeCrl } from './large-crl.ts';

const N = Number(process.env.CRL_BENCH_ENTRIES ?? 1_000_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const TOKEN = 'bench-token';
const POLICY = '1.2.392.200149.8.5.1.3.10';
const RSS_TARGET = 64e6;
const LOOKUP_TARGET = 1_000_000;

/** What the client asks the node's process (over the IPC channel), and what it answers. */
type Request =
  | { id: number; op: 'rss' }
  | { id: number; op: 'lookup'; spki: string; hits: number[][]; misses: number[][] }
  | { id: number; op: 'stop' };
interface Rss {
  rss: number;
  heapUsed: number;
  arrayBuffers: number;
  /** Bytes of the held CRLs' compact serial indexes. */
  indexBytes: number;
}
type Ask = <T>(request: object) => Promise<T>;

// ─── The node's process ─────────────────────────────────────────────────────────────────────────────
async function serve(dir: string): Promise<void> {
  const gc = (globalThis as { gc?: (o?: { type: 'major'; flavor: 'last-resort' }) => void }).gc;
  if (!gc) throw new Error('the node process runs with --expose-gc');
  const network = await readNetworkFile(join(dir, 'network.json'));
  const node = await TrustmeshNode.create({
    network,
    transport: 'memory',
    dataDir: join(dir, 'node'),
    // Limiter on, out of reach (as http.bench.ts): its cost is measured, never its refusals.
    api: { port: 0, writeToken: TOKEN, rateLimit: { max: 1_000_000_000, windowMs: 60_000 } },
  });
  const address = node.api?.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const send = (message: object) => process.send?.(message);
  process.on('message', async (request: Request) => {
    if (request.op === 'rss') {
      for (let i = 0; i < 3; i++) {
        gc({ type: 'major', flavor: 'last-resort' });
        await new Promise((resolve) => setImmediate(resolve));
      }
      const { rss, heapUsed, arrayBuffers } = process.memoryUsage();
      const indexBytes = node.registry.crls().reduce((n, c) => n + c.held.entries.byteLength, 0);
      send({ id: request.id, rss, heapUsed, arrayBuffers, indexBytes });
    } else if (request.op === 'lookup') {
      const at = Date.now();
      const rate = (serials: Uint8Array[], expect: string) => {
        if (node.registry.lookup(request.spki, serials[0]!, at).state !== expect)
          throw new Error(`lookup: not ${expect}`);
        const runs = 2_000_000;
        const t0 = performance.now();
        let revoked = 0;
        for (let i = 0; i < runs; i++)
          if (node.registry.lookup(request.spki, serials[i % serials.length]!, at).state === 'revoked') revoked++;
        const perSecond = runs / ((performance.now() - t0) / 1000);
        if (revoked !== (expect === 'revoked' ? runs : 0)) throw new Error('lookup answers changed');
        return perSecond;
      };
      const hits = rate(
        request.hits.map((s) => Uint8Array.from(s)),
        'revoked',
      );
      const misses = rate(
        request.misses.map((s) => Uint8Array.from(s)),
        'good',
      );
      send({ id: request.id, hits, misses });
    } else {
      await node.stop();
      send({ id: request.id });
      process.exit(0);
    }
  });
  send({ ready: `http://127.0.0.1:${port}` });
}

// ─── The client ─────────────────────────────────────────────────────────────────────────────────────
function startNode(dir: string): Promise<{ child: ChildProcess; url: string; ask: <T>(r: object) => Promise<T> }> {
  const script = fileURLToPath(import.meta.url);
  // process.execArgv carries tsx's loader (as run-all.ts relies on), so the child runs this file too.
  const child = spawn(process.execPath, [...process.execArgv, '--expose-gc', script, 'serve', dir], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // As the `trustmesh` launcher (bin/trustmesh.js) starts a node: glibc returns freed large buffers.
    // BENCH_GLIBC_DEFAULTS=1 measures without it.
    env: process.env.BENCH_GLIBC_DEFAULTS ? process.env : { MALLOC_MMAP_THRESHOLD_: '131072', ...process.env },
  });
  let next = 0;
  const waiting = new Map<number, (value: unknown) => void>();
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => code !== 0 && reject(new Error(`node process exited with ${code}`)));
    child.on('message', (message: { id?: number; ready?: string }) => {
      if (message.ready) {
        const ask = <T>(request: object) =>
          new Promise<T>((done) => {
            const id = next++;
            waiting.set(id, done as (value: unknown) => void);
            child.send({ ...request, id });
          });
        resolve({ child, url: message.ready, ask });
      } else if (message.id !== undefined) {
        waiting.get(message.id)?.(message);
        waiting.delete(message.id);
      }
    });
  });
}

async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

async function post(url: string, body: Uint8Array | object, type = 'application/json') {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': type, authorization: `Bearer ${TOKEN}` },
    body: body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function client(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'trustmesh-crl-bench-'));
  const now = Date.now();
  const sample = await createSampleNetwork({ now: new Date(now - 120_000) });
  const network = createNetworkFile({
    networkId: sample.networkId,
    genesis: sample.genesis as unknown as Record<string, unknown>,
  });
  await writeFile(join(dir, 'network.json'), JSON.stringify(network));
  const started = await startNode(dir);
  const handle = { ask: started.ask as Ask };
  try {
    await run(dir, started.url, handle, sample, now);
  } finally {
    await handle.ask({ op: 'stop' });
    await rm(dir, { recursive: true, force: true });
  }
}

async function run(
  dir: string,
  url: string,
  handle: { ask: Ask },
  sample: Awaited<ReturnType<typeof createSampleNetwork>>,
  now: number,
): Promise<void> {
  const { ask } = handle;
  const [notBefore, notAfter] = [new Date(now - 86_400_000), new Date(now + 365 * 86_400_000)];
  const ca = await createCertificateAuthority({
    name: 'CN=Bench JPKI Signing CA, O=J-LIS, C=JP',
    notBefore,
    notAfter,
    pathLength: 0,
    policies: [POLICY],
  });
  const leaf = await issueEndEntityCertificate({
    issuer: ca,
    subject: 'CN=Yamada Taro, C=JP',
    notBefore,
    notAfter,
    policies: [POLICY],
  });
  const accreditation = await issueAccreditation(
    {
      accreditor: sample.keys.jpAgency,
      role: 'ca',
      subjectCertificate: ca.certificate,
      accreditedFor: [{ certificatePolicies: [POLICY], jurisdiction: 'JP' }],
      maxPathLength: 0,
      validFrom: new Date(now - 60_000),
      validUntil: notAfter,
    },
    sample.documentLoader,
  );
  for (const record of [...sample.records.slice(1), accreditation]) {
    const answer = await post(`${url}/records`, record);
    if (answer.status !== 202 && answer.status !== 200) throw new Error(`record refused: ${JSON.stringify(answer)}`);
  }
  const baseline = await ask<Rss>({ op: 'rss' });
  const storedBefore = await directoryBytes(join(dir, 'node'));

  const built0 = performance.now();
  const crl = await largeCrl({
    ca,
    count: N,
    include: [Buffer.from(leaf.serial, 'hex')],
    crlNumber: 1,
    thisUpdateMs: now - 60_000,
    nextUpdateMs: now + 7 * 86_400_000,
    sample: 4096,
  });
  const buildMs = performance.now() - built0;
  const t0 = performance.now();
  const admitted = await post(`${url}/records`, crl.der, 'application/pkix-crl');
  const admissionMs = performance.now() - t0;
  if (admitted.status !== 202) throw new Error(`CRL refused: ${JSON.stringify(admitted)}`);
  const derBytes = crl.der.length;
  const after = await ask<Rss>({ op: 'rss' });
  const storedAfter = await directoryBytes(join(dir, 'node'));

  const spki = certificateSpkiSha256(ca.certificate);
  const misses = Array.from({ length: 4096 }, () => {
    const s = crypto.getRandomValues(new Uint8Array(16));
    s[0] = (s[0]! & 0x7f) | 0x01;
    return [...s];
  });
  const lookups = await ask<{ hits: number; misses: number }>({
    op: 'lookup',
    spki,
    hits: crl.sampleSerials.map((s) => [...s]),
    misses,
  });

  const body = JSON.stringify({
    chain: [leaf.certificate, ca.certificate].map((d) => Buffer.from(d).toString('base64')),
    purpose: 'nonRepudiation',
  });
  const check = await fetch(`${url}/certificates/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const verdict = (await check.json()) as { verified?: boolean; checkResults?: { code?: string }[] };
  const codes = (verdict.checkResults ?? []).flatMap((c) => (c.code ? [c.code] : []));
  if (verdict.verified !== false || !codes.includes('CERTIFICATE_REVOKED'))
    throw new Error(`the leaf on the CRL must be refused as revoked: ${check.status} ${JSON.stringify(verdict)}`);
  const load = { url: `${url}/certificates/verify`, method: 'POST' as const, body, connections: CONNECTIONS };
  const headers = { 'content-type': 'application/json' };
  await autocannon({ ...load, headers, duration: 1 });
  const http = await autocannon({ ...load, headers, duration: SECONDS });

  const late = await ask<Rss>({ op: 'rss' });
  // A restart: the node restores the CRL from LevelDB (its steady state, without admission's garbage).
  await ask({ op: 'stop' });
  const r0 = performance.now();
  const restarted = await startNode(dir);
  const restoreMs = performance.now() - r0;
  handle.ask = restarted.ask;
  const restored = await restarted.ask<Rss>({ op: 'rss' });
  if (restored.indexBytes !== after.indexBytes) throw new Error('the restarted node does not hold the CRL');
  // VC-API: a chain that does not verify is answered 400 with its checks; anything else is a fault.
  const refused =
    (http as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats?.['400']?.count ?? 0;
  const other = http.requests.total - refused + http.errors;
  const growth = after.rss - baseline.rss;
  const stored = storedAfter - storedBefore;
  const MB = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  const per = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
  console.log(
    `node CRL benchmark — ${cpus()[0]?.model ?? 'cpu'} ×${cpus().length}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, node ${process.version}`,
  );
  console.log(
    `CRL: ${per(N + 1)} revoked serials (16 octets, random order), ${MB(derBytes)} DER, ECDSA P-256; built in ${buildMs.toFixed(0)} ms (client side)\n`,
  );
  const rows: [string, string, string, string][] = [
    ['admission: POST /records (pkix-crl) → 202', `${admissionMs.toFixed(0)} ms`, '—', ''],
    ['node RSS growth over its baseline, after GC', MB(growth), '≤ 64 MB', growth <= RSS_TARGET ? 'OK' : 'MISS'],
    ['  baseline RSS → after admission', `${MB(baseline.rss)} → ${MB(after.rss)}`, '', ''],
    ['  of which JS heap growth', MB(after.heapUsed - baseline.heapUsed), '', ''],
    [
      '  of which ArrayBuffers growth (serial index among them)',
      MB(after.arrayBuffers - baseline.arrayBuffers),
      '',
      '',
    ],
    [
      '  native rest (LevelDB, freed memory glibc keeps)',
      MB(growth - (after.heapUsed - baseline.heapUsed) - (after.arrayBuffers - baseline.arrayBuffers)),
      '',
      '',
    ],
    [
      `  growth again after the load below (+${SECONDS + 1} s)`,
      MB(late.rss - baseline.rss),
      '≤ 64 MB',
      late.rss - baseline.rss <= RSS_TARGET ? 'OK' : 'MISS',
    ],
    ['node restart: ready, CRL restored from LevelDB', `${restoreMs.toFixed(0)} ms`, '—', ''],
    [
      '  restored node RSS over the first baseline',
      MB(restored.rss - baseline.rss),
      '≤ 64 MB',
      restored.rss - baseline.rss <= RSS_TARGET ? 'OK' : 'MISS',
    ],
    ['compact serial index in memory', MB(after.indexBytes), '', `${(after.indexBytes / (N + 1)).toFixed(2)} B/serial`],
    ['bytes stored (LevelDB directory growth)', MB(stored), '—', ''],
    ['  per revoked serial', `${(stored / (N + 1)).toFixed(2)} B`, 'CRLite ≈ 0.84 B, DER 35 B', ''],
    [
      'lookups/s, node.registry.lookup, hits',
      per(lookups.hits),
      '≥ 1,000,000/s',
      lookups.hits >= LOOKUP_TARGET ? 'OK' : 'MISS',
    ],
    [
      'lookups/s, node.registry.lookup, misses',
      per(lookups.misses),
      '≥ 1,000,000/s',
      lookups.misses >= LOOKUP_TARGET ? 'OK' : 'MISS',
    ],
    [
      `POST /certificates/verify, leaf on the CRL (${CONNECTIONS} conn)`,
      `${per(http.requests.average)} req/s`,
      '—',
      `p50 ${http.latency.p50} ms, p99 ${http.latency.p99} ms, answers other than 400: ${other}`,
    ],
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows)
    console.log(`${r[0].padEnd(widths[0]!)}  ${r[1].padStart(widths[1]!)}  ${r[2].padEnd(widths[2]!)}  ${r[3]}`);
  console.log(`\nverdict of POST /certificates/verify: ${check.status}, verified false, ${codes.join(', ')}`);
}

if (process.argv[2] === 'serve') await serve(process.argv[3]!);
else await client();
