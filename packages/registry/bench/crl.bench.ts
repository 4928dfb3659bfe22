/**
 * The 1,000,000-serial CRL of issue 14, in memory: a realistic national CRL (random 16-octet serials in
 * random order, 80 % with a reasonCode, RSA-2048 / SHA-256 signature over the TBSCertList, made by our
 * own DER writer), then:
 *
 * - DER size and DER octets per entry;
 * - admission time: readCrlHeader + signature check + entries into the compact index + judgeCrl;
 * - RSS growth over the process's baseline with the index held (the DER dropped, as the store keeps
 *   it on disk) and while admitting (DER included), after full GCs (`--expose-gc`);
 * - the stored index: bytes, and bytes per revoked serial (CRLite ≈ 0.84 B, a DER entry ~30–50 B);
 * - lookups per second (hits and misses, the full RevocationAnswer and the bare index search);
 * - judgeCrl of a second 1,000,000-entry CRL (+10,000 serials) against the held one: a linear merge.
 *
 * The inputs are made in this process and written to a temporary directory; the figures are measured
 * in a fresh child process (`measure <dir>`, with `--expose-gc`), so its baseline holds no input.
 *
 * Run: `pnpm bench:crl` (packages/registry). Targets: RSS ≤ 64 MB, lookups ≥ 1,000,000/s.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomFillSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  CompactSerialIndex,
  type HeldCrl,
  judgeCrl,
  lookupCrl,
  readCrlEntries,
  readCrlHeader,
  verifyCrlSignature,
} from '../src/x509/crl/index.ts';
import { name, RSA_SHA256, type Signer, signTbs, tbsCertList } from '../test/fixtures/x509/crl/crl-encoder.ts';

const N = Number(process.env.CRL_BENCH_ENTRIES ?? 1_000_000);
const EXTRA = 10_000;
type GarbageCollect = (options?: { type?: 'major'; flavor?: 'regular' | 'last-resort' }) => void;
const gc = (globalThis as { gc?: GarbageCollect }).gc;

async function settledRss(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc?.({ type: 'major', flavor: 'last-resort' });
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().rss;
}

const MB = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
const T0 = Date.UTC(2025, 2, 1);
// Reasons as a national CA's CRL shows them: no extension, keyCompromise, superseded, cessation, hold.
const REASONS = [-1, 1, 4, 5, 5, 4, 1, 3, -1, 6];

/**
 * Writes `count` entries (random positive 16-octet serials) into one buffer: 49 octets with a
 * reasonCode, 35 without. Returns the revokedCertificates contents and the serials' offsets.
 */
function writeEntries(count: number): { der: Uint8Array; serialsAt: Uint32Array } {
  const out = new Uint8Array(count * 49);
  const serialsAt = new Uint32Array(count);
  const random = randomBytes(count * 16);
  const time = new Uint8Array(13);
  let o = 0;
  for (let i = 0; i < count; i++) {
    const reason = REASONS[i % REASONS.length]!;
    out[o++] = 0x30;
    out[o++] = reason < 0 ? 33 : 47;
    out[o++] = 0x02;
    out[o++] = 16;
    serialsAt[i] = o;
    out.set(random.subarray(i * 16, i * 16 + 16), o);
    // Positive, and no leading zero octet: a 16-octet INTEGER of a CA's random serial generator.
    out[o] = (out[o]! & 0x7f) | 0x01;
    o += 16;
    const iso = new Date(T0 - ((random[i * 16 + 5]! << 16) | (random[i * 16 + 6]! << 8)) * 1000).toISOString();
    for (let k = 0, p = 2; k < 12; p++) {
      const c = iso.charCodeAt(p);
      if (c >= 0x30 && c <= 0x39) time[k++] = c;
    }
    time[12] = 0x5a;
    out[o++] = 0x17;
    out[o++] = 13;
    out.set(time, o);
    o += 13;
    if (reason >= 0) {
      out.set([0x30, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x15, 0x04, 0x03, 0x0a, 0x01, reason], o);
      o += 14;
    }
  }
  return { der: out.subarray(0, o), serialsAt };
}

function makeCrl(entriesDer: Uint8Array, crlNumber: bigint, thisUpdateMs: number, signer: Signer): Uint8Array {
  const tbs = tbsCertList(
    {
      issuer: name([
        ['2.5.4.6', 'JP'],
        ['2.5.4.10', 'Bench'],
        ['2.5.4.3', 'Bench National CA'],
      ]),
      thisUpdateMs,
      crlNumber,
      entriesDer,
    },
    signer.algorithm,
  );
  return signTbs(tbs, signer);
}

if (process.argv[2] !== 'measure') {
  // Phase 1: the inputs. Two complete CRLs of one CA; the second lists EXTRA more serials.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signer: Signer = { key: privateKey, algorithm: RSA_SHA256, hash: 'sha256' };
  const dir = mkdtempSync(join(tmpdir(), 'crl-bench-'));
  try {
    const first = writeEntries(N).der;
    const extra = writeEntries(EXTRA).der;
    const second = new Uint8Array(first.length + extra.length);
    second.set(extra, 0);
    second.set(first, extra.length);
    writeFileSync(join(dir, 'crl-1.der'), makeCrl(first, 1n, T0, signer));
    writeFileSync(join(dir, 'crl-2.der'), makeCrl(second, 2n, T0 + 86_400_000, signer));
    writeFileSync(join(dir, 'spki.der'), publicKey.export({ type: 'spki', format: 'der' }));
    execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', process.argv[1]!, 'measure', dir], {
      stdio: 'inherit',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  await measure(process.argv[3]!);
}

async function measure(dir: string): Promise<void> {
  const spki = new Uint8Array(readFileSync(join(dir, 'spki.der')));
  const baseline = await settledRss();
  // The CRL arrives as bytes (HTTP, gossip, anti-entropy): a Buffer is a Uint8Array, no copy.
  // Linux keeps ru_maxrss across exec (the parent's peak), so the peak is sampled at each phase end.
  let peak = process.memoryUsage().rss;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().rss);
  };
  // Admission in a function of its own: once it returns, nothing references the DER or the ParsedCrl.
  const admit = () => {
    const der: Uint8Array = readFileSync(join(dir, 'crl-1.der'));
    const t0 = performance.now();
    const header = readCrlHeader(der);
    const tHeader = performance.now();
    sample();
    if (!verifyCrlSignature(header, spki)) throw new Error('signature does not verify');
    const tVerify = performance.now();
    const parsed = readCrlEntries(header);
    const tIndex = performance.now();
    sample();
    const judged = judgeCrl(null, parsed, { holdFinal: false });
    if (judged.status !== 'accept') throw new Error(judged.error.message);
    const tJudge = performance.now();
    sample();
    return { held: judged.held, derBytes: der.length, t0, tHeader, tVerify, tIndex, tJudge };
  };
  const { held: first, derBytes, t0, tHeader, tVerify, tIndex, tJudge } = admit();
  let held: HeldCrl = first;
  const heldRss = await settledRss();

  const index = held.entries;
  const stored = index.toBytes();
  const tSer = performance.now();
  const reread = CompactSerialIndex.fromBytes(stored.slice());
  const tDeser = performance.now();
  if (reread.count !== N) throw new Error('round trip');

  console.log(`CRL of ${N.toLocaleString('en')} revoked serials (random 16-octet, random order, RSA-2048/SHA-256)`);
  console.log(`  DER size                             ${MB(derBytes)} (${(derBytes / N).toFixed(1)} B per entry)`);
  console.log(`  admission                            ${(tJudge - t0).toFixed(0)} ms`);
  console.log(`    readCrlHeader (+ SHA-256 ×2)       ${(tHeader - t0).toFixed(0)} ms`);
  console.log(`    signature check                    ${(tVerify - tHeader).toFixed(0)} ms`);
  console.log(`    entries → compact index            ${(tIndex - tVerify).toFixed(0)} ms`);
  console.log(`    judgeCrl (first of its scope)      ${(tJudge - tIndex).toFixed(0)} ms`);
  console.log(
    `  RSS growth, index held (DER dropped) ${MB(heldRss - baseline)}${gc ? '' : ' (no --expose-gc: not settled)'}`,
  );
  console.log(`  RSS growth while admitting (sampled) ${MB(peak - baseline)} (the DER's ${MB(derBytes)} included)`);
  console.log(
    `  stored index                         ${MB(stored.length)} = ${(stored.length / N).toFixed(2)} B per revoked serial (CRLite ≈ 0.84 B; DER here ${(derBytes / N).toFixed(1)} B)`,
  );
  console.log(`  index fromBytes (validated)          ${(tDeser - tSer).toFixed(0)} ms`);

  // Probes: listed serials as a certificate carries them (DER INTEGER contents) and random misses.
  const PROBES = 100_000;
  const hits = Array.from({ length: PROBES }, (_, i) => index.serialAt((i * 7919) % N).slice());
  const misses = Array.from({ length: PROBES }, () => randomFillSync(new Uint8Array(16)));
  const AT = T0 + 86_400_000;
  for (const h of hits) if (lookupCrl(held, h, AT).state === 'good') throw new Error('a listed serial reads good');
  console.log('lookups (RevocationAnswer as of a time, and the bare index search)');
  for (let round = 0; round < 2; round++) {
    rate(`lookupCrl, hits${round ? '' : ' (warm-up)'}`, hits, (s) => lookupCrl(held, s, AT));
    rate(`lookupCrl, misses${round ? '' : ' (warm-up)'}`, misses, (s) => lookupCrl(held, s, AT));
  }
  rate('index.find, hits', hits, (s) => index.find(s) >= 0);
  rate('index.find, misses', misses, (s) => index.find(s) >= 0);

  const der2: Uint8Array = readFileSync(join(dir, 'crl-2.der'));
  const s0 = performance.now();
  const next = readCrlEntries(readCrlHeader(der2));
  const s1 = performance.now();
  const j2 = judgeCrl(held, next, { holdFinal: false });
  const s2 = performance.now();
  if (j2.status !== 'accept') throw new Error(j2.error.message);
  held = j2.held;
  console.log(`second CRL (${(N + EXTRA).toLocaleString('en')} entries) against the held one`);
  console.log(`  readCrl                              ${(s1 - s0).toFixed(0)} ms`);
  console.log(`  judgeCrl (linear merge, no Set)      ${(s2 - s1).toFixed(0)} ms`);
  console.log(`  entries now                          ${held.entries.count.toLocaleString('en')}`);
}

function rate(label: string, probes: Uint8Array[], fn: (s: Uint8Array) => unknown): void {
  const rounds = 10;
  let sink = 0;
  const start = performance.now();
  for (let r = 0; r < rounds; r++) for (const p of probes) sink += fn(p) ? 1 : 0;
  const perSecond = (rounds * probes.length) / ((performance.now() - start) / 1000);
  console.log(`  ${label.padEnd(36)} ${(perSecond / 1e6).toFixed(2)} M/s${sink < 0 ? '!' : ''}`);
}
