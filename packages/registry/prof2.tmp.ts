import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { base64url } from 'multiformats/bases/base64';
import { createDocumentLoader, generateKeyPair, signCredential, verifyCredentialProof } from './src/crypto/index.ts';
const keyPair = await generateKeyPair('Ed25519');
const loader = createDocumentLoader({}, {});
let calls = 0;
const counting = async (u: string) => { calls++; return loader(u); };
const noStatic = async (u: string) => { calls++; const r = await loader(u); return { contextUrl: null, documentUrl: r.documentUrl, document: r.document }; };
const encodedList = base64url.encode(gzipSync(new Uint8Array(131_072 / 8)));
const unsigned = { '@context': ['https://www.w3.org/ns/credentials/v2'], id: 'https://issuer.example.jp/status/1', type: ['VerifiableCredential', 'BitstringStatusListCredential'], issuer: keyPair.did, validFrom: '2025-06-01T00:00:00Z', validUntil: '2025-06-08T00:00:00Z', credentialSubject: { id: 'https://issuer.example.jp/status/1#list', type: 'BitstringStatusList', statusPurpose: 'revocation', encodedList, ttl: 300000 } };
const signed = await signCredential(unsigned, keyPair, { documentLoader: process.argv[2] === "static" ? loader : noStatic });
async function t(label: string, n: number, l: any) { calls = 0; const s = performance.now(); for (let i = 0; i < n; i++) await verifyCredentialProof(signed, { documentLoader: l }); console.log(label, ((performance.now() - s) / n).toFixed(3), 'ms', 'loader calls/verify', (calls / n).toFixed(1)); }
const mode = process.argv[2]; for (let r = 0; r < 3; r++) { await t(mode!, 1000, mode === "static" ? counting : noStatic); }
