/**
 * Prints how long one proof verification of a small BitstringStatusListCredential takes
 * (eddsa-rdfc-2022, did:key issuer), and where the time goes. The registry must validate at least
 * 300 signed status-list updates per second per core, i.e. ≤ 3.3 ms per verification.
 *
 * Run from packages/registry: `npx -y pnpm@10 exec tsx bench/proof-timing.ts [iterations]`.
 */
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { base64url } from 'multiformats/bases/base64';
import {
  createDocumentLoader,
  generateKeyPair,
  signBytes,
  signCredential,
  verifyBytes,
  verifyCredentialProof,
} from '../src/crypto/index.ts';

const ITERATIONS = Number(process.argv[2] ?? 500);
const WARMUP = 50;

const keyPair = await generateKeyPair('Ed25519');
const documentLoader = createDocumentLoader({}, {});
// 131,072 entries (the Recommendation's minimum), all zero: gzips to ~150 bytes.
const encodedList = base64url.encode(gzipSync(new Uint8Array(131_072 / 8)));
const unsigned = {
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  id: 'https://issuer.example.jp/status/1',
  type: ['VerifiableCredential', 'BitstringStatusListCredential'],
  issuer: keyPair.did,
  validFrom: '2025-06-01T00:00:00Z',
  validUntil: '2025-06-08T00:00:00Z',
  credentialSubject: {
    id: 'https://issuer.example.jp/status/1#list',
    type: 'BitstringStatusList',
    statusPurpose: 'revocation',
    encodedList,
    ttl: 300000,
  },
};
const signed = await signCredential(unsigned, keyPair, { documentLoader });

/** Mean milliseconds per call of `run`, after a warm-up. */
async function msPer(run: () => Promise<unknown>, count: number): Promise<number> {
  for (let i = 0; i < WARMUP; i++) await run();
  const start = performance.now();
  for (let i = 0; i < count; i++) await run();
  return (performance.now() - start) / count;
}

const wire = JSON.stringify(signed);
const msPerVerify = await msPer(async () => {
  // A fresh parse each time, as for a record arriving off the wire.
  const result = await verifyCredentialProof(JSON.parse(wire), { documentLoader });
  if (!result.verified) throw result.error;
}, ITERATIONS);

// Where the time goes: the two RDFC-1.0 canonicalizations (document, proof options) and the signature.
const { proof, ...document } = signed;
const proofOptions = { '@context': document['@context'], ...(proof as Record<string, unknown>), proofValue: undefined };
const c14n = { documentLoader, safe: true, base: null };
const msDocument = await msPer(() => eddsaRdfc2022.canonize(document, c14n), ITERATIONS);
const msProof = await msPer(() => eddsaRdfc2022.canonize(proofOptions, c14n), ITERATIONS);
const data = new Uint8Array(64);
const signature = await signBytes(data, keyPair);
const msSignature = await msPer(() => verifyBytes(data, signature, keyPair.publicKeyMultibase), ITERATIONS);

console.log(`verify (eddsa-rdfc-2022, status list, ${ITERATIONS} runs): ${msPerVerify.toFixed(3)} ms/verify`);
console.log(`  = ${Math.round(1000 / msPerVerify)} verifications/s on one core (target ≥ 300/s)`);
console.log(`  canonicalize document      ${msDocument.toFixed(3)} ms`);
console.log(`  canonicalize proof options ${msProof.toFixed(3)} ms`);
console.log(`  Ed25519 signature check    ${msSignature.toFixed(3)} ms`);
console.log(`  rest (keys, purpose, glue) ${(msPerVerify - msDocument - msProof - msSignature).toFixed(3)} ms`);
