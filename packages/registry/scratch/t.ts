import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { readCrlHeader, readCrlEntries } from '../src/x509/crl/index.ts';
import { name, ECDSA_SHA256, signTbs, tbsCertList } from '../test/fixtures/x509/crl/crl-encoder.ts';
const N = 1_000_000;
const out = new Uint8Array(N * 35); let o = 0; const r = randomBytes(N*16);
for (let i = 0; i < N; i++) { out[o++]=0x30; out[o++]=33; out[o++]=2; out[o++]=16; out.set(r.subarray(i*16,i*16+16),o); out[o]=(out[o]!&0x7f)|1; o+=16; out[o++]=0x17; out[o++]=13; out.set(Buffer.from('250101000000Z'),o); o+=13; }
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const der = signTbs(tbsCertList({ issuer: name([['2.5.4.3','X']]), thisUpdateMs: Date.UTC(2025,0,2), crlNumber: 1n, entriesDer: out }, ECDSA_SHA256), { key: privateKey, algorithm: ECDSA_SHA256, hash: 'sha256' });
let t = performance.now(); const h = readCrlHeader(der); console.log('header', performance.now()-t);
t = performance.now(); const p = readCrlEntries(h); console.log('entries', performance.now()-t, p.entryCount);
import { RevokedEntriesDecoder } from '../src/x509/crl/crl-entries.ts';
{
const { start, end, depth } = h.entriesRange;
const d = new RevokedEntriesDecoder(der, start, end, depth, 32, false, { maxEntries: 8e6, maxSerialBytes: 32, maxEntryExtensions: 8 });
let max = 0; let done = false;
while (!done) { const t0 = performance.now(); done = d.step(32768); max = Math.max(max, performance.now() - t0); }
console.log('max step', max);
t = performance.now(); d.build(); console.log('build', performance.now()-t);
}
import { CompactSerialIndex } from '../src/x509/crl/index.ts';
{ const b = p.entries.toBytes(); const t1 = performance.now(); CompactSerialIndex.fromBytes(b); console.log('fromBytes', performance.now()-t1); }
{
const { start, end, depth } = h.entriesRange;
const d = new RevokedEntriesDecoder(der, start, end, depth, 32, false, { maxEntries: 8e6, maxSerialBytes: 32, maxEntryExtensions: 8 });
while (!d.step(1e9));
const b = (d as any).builder; const g = b.buildSteps(); let max = 0; let tot = performance.now();
for (;;) { const t0 = performance.now(); const r = g.next(); max = Math.max(max, performance.now() - t0); if (r.done) break; }
console.log('build steps max', max, 'total', performance.now() - tot);
}
