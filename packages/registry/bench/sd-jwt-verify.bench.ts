/**
 * SD-JWT VC verification benchmark (issue 13, "Benchmark"), side by side with the reference library
 * in one run: verifications per second of one SD-JWT VC (`dc+sd-jwt`, ES256, 10 disclosures, a
 * Token Status List entry), each covering the issuer signature, every Disclosure digest and the
 * status read —
 *
 * - trustmesh: `verifyEnvelopedCredential` against a Registry (the replica) holding the sample
 *   network, and the list admitted from its accredited issuer — the status read from the replica;
 * - reference: `@sd-jwt/sd-jwt-vc` `SDJwtVcInstance.verify` with the same status read through
 *   `@sd-jwt/jwt-status-list` (its `statusListFetcher` answers from memory: it pays no network; it
 *   checks the list's signature and inflates it per verification, as that library does).
 *
 * The credentials are made by the reference library and signed with the issuer's key; both sides
 * verify the same ones. Before timing, both must accept a VALID entry and refuse a revoked one.
 * Target ≥ 2× the reference, on each list size.
 *
 * Run: `npx -y pnpm@10 --filter @trustmesh/registry run bench:sdjwt`. Prints the machine and its load.
 */
import type { JsonWebKey } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { digest, ES256, generateSalt } from '@sd-jwt/crypto-nodejs';
import { createHeaderAndPayload, StatusList } from '@sd-jwt/jwt-status-list';
import { SDJwtVcInstance, type SdJwtVcPayload } from '@sd-jwt/sd-jwt-vc';
import {
  createSampleNetwork,
  type KeyPair,
  MemoryRecordStore,
  multibaseToPublicJwk,
  Registry,
  signRaw,
  verifyEnvelopedCredential,
} from '../src/index.ts';

const T0 = Date.parse('2026-06-01T00:00:00Z');
const BITS = 2;
const CREDENTIALS = 64; // distinct credentials, cycled: nothing is verified twice in a row
const DISCLOSURES = 10;
const BUDGET_MS = 4_000; // each side runs for this long (and at least MIN_RUNS verifications)
const MIN_RUNS = 30;
const VCT = 'HealthInsuranceCredential'; // accredited to twHealthInsurer in the sample network
const REVOKED = 5; // an index set to INVALID in every list
/**
 * List sizes: a tiny list (the reference's per-verification list work all but vanishes, so the row
 * compares signature and disclosure work), TW DIW's 16 KB minimum (at 2 bits), and a national-size
 * list as in jose-status.bench.ts.
 */
const LIST_SIZES = [1_024, 16_384 * 4, 1 << 20];
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

const net = await createSampleNetwork({ now: new Date(T0) });
const issuer = net.keys.twHealthInsurer; // a P-256 did:key issuer of the sample network
const now = T0 + 60_000;
const nowSeconds = Math.floor(now / 1000);
const signer = async (data: string) =>
  Buffer.from(await signRaw(new TextEncoder().encode(data), issuer)).toString('base64url');

/** A Token Status List JWT made by the reference library, signed with the issuer's key (ES256). */
async function tokenStatusList(key: KeyPair, uri: string, statuses: number[]): Promise<string> {
  const header = { alg: 'ES256', typ: 'statuslist+jwt', kid: key.verificationMethod } as const;
  const { payload } = createHeaderAndPayload(
    new StatusList(statuses, BITS),
    { iss: key.did, sub: uri, iat: nowSeconds - 30, ttl: 300 },
    header,
  );
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${Buffer.from(await signRaw(new TextEncoder().encode(input), key)).toString('base64url')}`;
}

/** An SD-JWT VC issued by the reference library: 10 selectively disclosable claims, a status entry. */
async function credential(uri: string, idx: number): Promise<string> {
  const issuing = new SDJwtVcInstance({
    signer,
    signAlg: 'ES256',
    hasher: digest,
    hashAlg: 'sha-256',
    saltGenerator: generateSalt,
  });
  const claims: Record<string, unknown> = {};
  for (let i = 0; i < DISCLOSURES; i++) claims[`claim_${i}`] = `value ${i} of credential ${idx}`;
  const payload: SdJwtVcPayload = {
    ...claims,
    iss: issuer.did,
    vct: VCT,
    iat: nowSeconds - 50, // after the accreditation's validFrom (T0)
    exp: nowSeconds + 365 * 24 * 3600,
    status: { status_list: { idx, uri } },
  };
  return issuing.issue(payload, { _sd: Object.keys(claims) } as Parameters<SDJwtVcInstance['issue']>[1], {
    header: { kid: issuer.verificationMethod, typ: 'dc+sd-jwt' },
  });
}

const registry = await Registry.open(
  { networkId: net.networkId, genesisDigest: net.genesisDigest },
  { store: new MemoryRecordStore(), now: () => now },
);
for (const record of net.records) await registry.submit(record);
const publicJwk = multibaseToPublicJwk(issuer.publicKeyMultibase);
if (!publicJwk) throw new Error('the issuer key has no JWK form');
const referenceVerifier = await ES256.getVerifier(publicJwk as JsonWebKey);

console.log(
  `trustmesh SD-JWT VC verification benchmark — ${cpus()[0]?.model ?? 'cpu'} ×${cpus().length}, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}, node ${process.version}`,
);

/** Verifications per second of `run` over BUDGET_MS, after a warm-up; each one must verify. */
async function perSecond(run: (i: number) => Promise<boolean>): Promise<number> {
  for (let i = 0; i < MIN_RUNS; i++) if (!(await run(i))) throw new Error('warm-up verification failed');
  const start = performance.now();
  let runs = 0;
  while (runs < MIN_RUNS || performance.now() - start < BUDGET_MS) {
    if (!(await run(runs))) throw new Error(`verification ${runs} failed`);
    runs++;
  }
  return runs / ((performance.now() - start) / 1000);
}

interface Row {
  entries: number;
  ours: number;
  reference: number;
}
const rows: Row[] = [];
for (const entries of LIST_SIZES) {
  const uri = `https://tw-issuer.example/token-status/bench-${entries}`;
  const statuses = new Array<number>(entries).fill(0);
  statuses[REVOKED] = 1;
  const list = await tokenStatusList(issuer, uri, statuses);
  const admitted = await registry.submit(new TextEncoder().encode(list));
  if (admitted.status !== 'accept') throw new Error(`list not admitted: ${JSON.stringify(admitted.error.toJSON())}`);
  const credentials: string[] = [];
  for (let i = 0; i < CREDENTIALS; i++) credentials.push(await credential(uri, 100 + ((i * 997) % (entries - 200))));
  const revoked = await credential(uri, REVOKED);

  const ours = (compact: string) =>
    verifyEnvelopedCredential(
      { mediaType: 'application/dc+sd-jwt', compact },
      { view: registry, documentLoader: net.documentLoader, now },
    );
  const reference = new SDJwtVcInstance({
    hasher: digest,
    verifier: referenceVerifier,
    statusVerifier: referenceVerifier,
    statusListFetcher: async (_uri: string) => list, // in memory: the reference pays no network
  });
  const referenceVerify = (compact: string) => reference.verify(compact, { currentDate: nowSeconds });

  // Both verify the same thing: a VALID entry with all 10 claims disclosed passes, a revoked one fails.
  const first = await ours(credentials[0] as string);
  if (!first.verified) throw new Error(`trustmesh refused an honest credential: ${JSON.stringify(first.checks)}`);
  const referenceFirst = await referenceVerify(credentials[0] as string);
  if (Object.keys(referenceFirst.payload).filter((k) => k.startsWith('claim_')).length !== DISCLOSURES)
    throw new Error('the reference did not disclose every claim');
  const oursRevoked = await ours(revoked);
  if (oursRevoked.verified || oursRevoked.checks.find((c) => c.check === 'status')?.code !== 'STATUS_INVALID')
    throw new Error('trustmesh accepted a revoked credential');
  if (
    await referenceVerify(revoked).then(
      () => true,
      () => false,
    )
  )
    throw new Error('the reference accepted a revoked credential');

  const oursPerSecond = await perSecond(async (i) => (await ours(credentials[i % CREDENTIALS] as string)).verified);
  const referencePerSecond = await perSecond(async (i) => {
    await referenceVerify(credentials[i % CREDENTIALS] as string); // throws unless verified
    return true;
  });
  rows.push({ entries, ours: oursPerSecond, reference: referencePerSecond });
}
await registry.close();

const table = [
  ['SD-JWT VC verifications/s (ES256, 10 disclosures, TSL status)', 'trustmesh', 'reference', 'ratio', 'target'],
  ...rows.map((r) => {
    const ratio = r.ours / r.reference;
    return [
      `list of ${r.entries.toLocaleString('en')} entries at ${BITS} bits (${((r.entries * BITS) / 8 / 1024).toFixed(0)} KiB inflated)`,
      r.ours.toFixed(0),
      `${r.reference.toFixed(0)} (@sd-jwt/sd-jwt-vc verify + @sd-jwt/jwt-status-list)`,
      `${ratio.toFixed(2)}×`,
      `≥ 2× ${ratio >= 2 ? 'OK' : 'MISS'}`,
    ];
  }),
];
const widths = table[0]?.map((_, c) => Math.max(...table.map((r) => (r[c] ?? '').length))) ?? [];
for (const r of table) console.log(r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  '));
console.log(
  `load after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
