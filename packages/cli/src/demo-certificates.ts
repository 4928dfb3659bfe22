/**
 * The demo's Japanese certificate story (issue 14): the My Number card in a phone wallet carries a
 * JPKI signing certificate, revoked through J-LIS's CRLs — today checked by a central online service
 * for registered verifiers only. Here the Digital Agency accredits J-LIS's root CA (its hold is final,
 * as JPKI's), J-LIS publishes its signing CA's certificate and CRL to the network, and a bank's
 * verifier node checks the certificate chain from its replica. The phone is lost: J-LIS puts the
 * certificate on hold; the bank refuses it within a second — while J-LIS's CRL distribution point,
 * which the certificate names, is down and was never called.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type CertificateAuthority,
  createCertificateAuthority,
  type DocumentLoader,
  type IssuedCertificate,
  issueAccreditation,
  issueEndEntityCertificate,
  type KeyPair,
  signCrl,
} from '@trustmesh/registry';

/** JPKI's certificate policy for signing certificates (flavour: the OID arc of J-LIS). */
export const JPKI_SIGNING_POLICY = '1.2.392.200149.8.5.1.3.10';

/** What the story needs from the demo. */
export interface CertificateStoryContext {
  /** The Digital Agency's accreditation key. */
  accreditor: KeyPair;
  loader: DocumentLoader;
  /** Node where J-LIS publishes (the Digital Agency's). */
  publishOn: { name: string; api: string; token: string };
  /** The bank's verifier node. */
  verifyOn: { name: string; api: string };
  validFrom: Date;
  validUntil: Date;
  now: () => number;
  say: (line: string) => void;
  expect: (ok: boolean, what: string) => void;
  waitUntil: (what: string, condition: () => Promise<boolean>) => Promise<number>;
}

/** J-LIS's PKI as the story builds it. */
export interface Jpki {
  root: CertificateAuthority;
  signingCa: CertificateAuthority;
  holder: IssuedCertificate;
  /** J-LIS's CRL distribution point (a loopback HTTP server), and how many requests it received. */
  distributionPoint: { url: string; requests: () => number; close: () => Promise<void> };
  crlNumber: bigint;
}

/** One answer of `POST /certificates/verify`, in one line. */
interface ChainAnswer {
  verified: boolean;
  codes: string[];
  line: string;
}

/**
 * J-LIS's CA enters the network: the Digital Agency accredits its root (JP, the signing policy,
 * hold final), J-LIS publishes its signing CA's certificate and first CRL, and issues the holder's
 * signing certificate. Waits until the bank's node holds the CRL.
 */
export async function setUpJpki(ctx: CertificateStoryContext): Promise<Jpki> {
  const { validFrom, validUntil } = ctx;
  const distributionPoint = await startDistributionPoint();
  const root = await createCertificateAuthority({
    name: 'CN=JPKI Root CA, O=J-LIS, C=JP',
    notBefore: validFrom,
    notAfter: validUntil,
    pathLength: 1,
  });
  const signingCa = await createCertificateAuthority({
    name: 'CN=JPKI Signing CA, O=J-LIS, C=JP',
    notBefore: validFrom,
    notAfter: validUntil,
    issuer: root,
    pathLength: 0,
    policies: [JPKI_SIGNING_POLICY],
  });
  const accreditation = await issueAccreditation(
    {
      accreditor: ctx.accreditor,
      role: 'ca',
      subjectCertificate: root.certificate,
      accreditedFor: [{ certificatePolicies: [JPKI_SIGNING_POLICY], jurisdiction: 'JP' }],
      maxPathLength: 1,
      holdFinal: true,
      validFrom,
      validUntil,
    },
    ctx.loader,
  );
  const accredited = await postJson(`${ctx.publishOn.api}/records`, accreditation, ctx.publishOn.token);
  ctx.expect(accredited.status === 202, `the CA accreditation to be accepted: ${JSON.stringify(accredited.body)}`);
  ctx.say('    Digital Agency (JP) → J-LIS’s JPKI root CA: signing certificates in JP, a hold is final');
  const subCa = await postBytes(ctx.publishOn, signingCa.certificate, 'application/pkix-cert');
  ctx.expect(subCa.status === 202, `the signing CA's certificate to be accepted: ${JSON.stringify(subCa.body)}`);
  const holder = await issueEndEntityCertificate({
    issuer: signingCa,
    subject: 'CN=Yamada Taro, C=JP',
    notBefore: validFrom,
    notAfter: validUntil,
    policies: [JPKI_SIGNING_POLICY],
    crlDistributionPoint: distributionPoint.url,
  });
  const jpki: Jpki = { root, signingCa, holder, distributionPoint, crlNumber: 1n };
  // RFC 5280 §6.1.3 (a)(3): every certificate below the anchor has its status read — the signing
  // CA's from the root's CRL (its authority revocation list), the holder's from the signing CA's.
  const authorityList = await publishCrl(ctx, root, 1n, []);
  ctx.expect(authorityList.status === 202, `J-LIS's root CRL to be accepted: ${JSON.stringify(authorityList.body)}`);
  const first = await publishCrl(ctx, signingCa, jpki.crlNumber, []);
  ctx.expect(first.status === 202, `J-LIS's first CRL to be accepted: ${JSON.stringify(first.body)}`);
  ctx.say(
    `    J-LIS publishes its signing CA’s certificate, the root’s CRL and the signing CA’s CRL #${jpki.crlNumber} on ${ctx.publishOn.name}; the holder’s phone wallet gets a JPKI signing certificate`,
  );
  await ctx.waitUntil('J-LIS’s CRLs to reach the bank', async () => (await verifyChain(ctx, jpki)).verified);
  return jpki;
}

/** The phone is lost: J-LIS holds the certificate; the bank refuses it while J-LIS's server is down. */
export async function revokeJpkiCertificate(ctx: CertificateStoryContext, jpki: Jpki): Promise<number> {
  const before = await verifyChain(ctx, jpki);
  ctx.expect(before.verified, `the signing certificate to verify at the bank: ${before.line}`);
  ctx.say(`    the bank checks the JPKI signing certificate chain: ${before.line}`);
  await jpki.distributionPoint.close();
  ctx.say(`    J-LIS’s CRL distribution point (${jpki.distributionPoint.url}, named in the certificate) goes down`);
  jpki.crlNumber += 1n;
  const held = await publishCrl(ctx, jpki.signingCa, jpki.crlNumber, [jpki.holder.serial]);
  ctx.expect(held.status === 202, `J-LIS's CRL #${jpki.crlNumber} to be accepted: ${JSON.stringify(held.body)}`);
  const heldAt = ctx.now();
  ctx.say(`    the phone is lost: J-LIS puts the certificate on hold (CRL #${jpki.crlNumber}, certificateHold)`);
  let after = before;
  await ctx.waitUntil('the bank to refuse the held certificate', async () => {
    after = await verifyChain(ctx, jpki);
    return after.codes.includes('CERTIFICATE_ON_HOLD');
  });
  const seenMs = ctx.now() - heldAt;
  ctx.say(
    `    the bank’s node refuses it ${seenMs} ms later${seenMs <= 1000 ? ' (within a second ✓)' : ' (more than a second: the machine is busy)'}: ${after.line}`,
  );
  ctx.say(
    `    J-LIS’s server received ${jpki.distributionPoint.requests()} requests: the answer came from the replica`,
  );
  ctx.expect(jpki.distributionPoint.requests() === 0, 'no request to the CA’s distribution point');
  return seenMs;
}

async function publishCrl(
  ctx: CertificateStoryContext,
  issuer: CertificateAuthority,
  crlNumber: bigint,
  held: readonly string[],
) {
  const thisUpdate = new Date(ctx.now() - 1000);
  const crl = await signCrl({
    issuer,
    crlNumber,
    thisUpdate,
    nextUpdate: new Date(thisUpdate.getTime() + 24 * 3600 * 1000),
    entries: held.map((serial) => ({ serial, revokedAt: thisUpdate, reason: 'certificateHold' as const })),
  });
  return postBytes(ctx.publishOn, crl, 'application/pkix-crl');
}

async function verifyChain(ctx: CertificateStoryContext, jpki: Jpki): Promise<ChainAnswer> {
  const chain = [jpki.holder.certificate, jpki.signingCa.certificate].map((der) => Buffer.from(der).toString('base64'));
  const answer = await postJson(`${ctx.verifyOn.api}/certificates/verify`, { chain, purpose: 'nonRepudiation' });
  const body = answer.body as {
    verified?: boolean;
    checkResults?: { check: string; outcome: string; code?: string }[];
  };
  const checks = body.checkResults ?? [];
  const codes = checks.flatMap((c) => (c.code && c.outcome !== 'pass' ? [c.code] : []));
  const marks = checks.map((c) => `${c.check} ${c.outcome === 'pass' ? '✓' : c.outcome === 'fail' ? '✗' : '?'}`);
  const verified = body.verified === true;
  return {
    verified,
    codes,
    line: `${verified ? '✓ verified' : `✗ not verified (${codes.join(', ') || answer.status})`}: ${marks.join(', ')}`,
  };
}

/** J-LIS's CRL distribution point: a loopback server that only counts who calls it. */
async function startDistributionPoint(): Promise<Jpki['distributionPoint']> {
  let requests = 0;
  const server: Server = createServer((_request, response) => {
    requests++;
    response.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jpki/sign.crl`;
  let closed = false;
  return {
    url,
    requests: () => requests,
    close: async () => {
      if (closed) return;
      closed = true;
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function postBytes(on: { api: string; token: string }, body: Uint8Array, contentType: string) {
  const response = await fetch(`${on.api}/records`, {
    method: 'POST',
    headers: { 'content-type': contentType, authorization: `Bearer ${on.token}` },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: await response.json() };
}

async function postJson(url: string, body: unknown, token?: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: await response.json() };
}
