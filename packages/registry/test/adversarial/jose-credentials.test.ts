/**
 * JOSE-secured credential verification (issue 13), as an attacker would try it: each attack asserts
 * its exact code beside an honest control. Fixtures are made by the reference libraries
 * (test/helpers/reference-jose.ts: sd-jwt-js 0.19, jose 6).
 */
import * as assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { importJWK, SignJWT } from 'jose';
import { importPrivateJwk, issueAccreditation, proveKeyPossession, publicJwkToMultibase } from '../../src/index.ts';
import { JOSE_CREDENTIAL_CODES as C, verifyEnvelopedCredential } from '../../src/verification/jose/verify-enveloped.ts';
import type { VerificationResult } from '../../src/verification/verify-credential.ts';
import { makeWorld, T0 } from '../fixtures.ts';
import { type RefKeyPair, refIssueSdJwtVc, refKeyPair, refPresentWithKb } from '../helpers/reference-jose.ts';

const YEAR = 365 * 24 * 3600 * 1000;
const VCT = 'urn:eudi:pid:1';
const NOW = T0 + 1000;
const sec = (ms: number) => Math.floor(ms / 1000);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

function codeOf(result: VerificationResult, check: string): string | undefined {
  const c = result.checks.find((x) => x.check === check);
  return c?.outcome === 'pass' ? 'pass' : (c?.code ?? `no ${check} check`);
}

async function setup() {
  const world = await makeWorld();
  const issuerKey = await refKeyPair('ES256');
  const did = `did:key:${publicJwkToMultibase(issuerKey.publicJwk, 'k', 'X').multibase}`;
  const key = await importPrivateJwk(issuerKey.privateJwk);
  const id = `urn:uuid:${crypto.randomUUID()}`;
  const possessed = await proveKeyPossession(key, id, { jwk: { kid: issuerKey.kid } });
  const accreditation = await issueAccreditation(
    {
      accreditor: world.net.keys.twMinistry,
      subject: did,
      role: 'issuer',
      accreditedFor: [{ types: [VCT, 'TwPidCredential'], jurisdiction: 'TW' }],
      subjectKeys: [possessed],
      id,
      validFrom: new Date(T0),
      validUntil: new Date(T0 + YEAR),
    },
    world.net.documentLoader,
  );
  const outcome = await world.registry.submit(accreditation);
  assert.equal(outcome.status, 'accept', outcome.status === 'accept' ? '' : JSON.stringify(outcome.error.toJSON()));
  const holderKey = await refKeyPair('ES256');
  return { world, issuerKey, holderKey, did };
}

const ctx = await setup();
const opts = (extra: Record<string, unknown> = {}) => ({
  view: ctx.world.registry,
  documentLoader: ctx.world.net.documentLoader,
  now: NOW,
  ...extra,
});

async function issue(extra: Partial<Parameters<typeof refIssueSdJwtVc>[0]> = {}, key: RefKeyPair = ctx.issuerKey) {
  return refIssueSdJwtVc({
    issuerKey: key,
    iss: ctx.did,
    vct: VCT,
    claims: { given_name: 'Mei', family_name: 'Lin' },
    disclosureFrame: { _sd: ['given_name', 'family_name'] },
    holderPublicJwk: ctx.holderKey.publicJwk,
    iat: sec(T0),
    exp: sec(T0 + YEAR),
    ...extra,
  });
}
const sd = (compact: string) => ({ mediaType: 'application/dc+sd-jwt', compact });
const present = (compact: string, extra: Record<string, unknown> = {}) =>
  refPresentWithKb(compact, {
    holderKey: ctx.holderKey,
    nonce: 'n-1',
    aud: 'https://verifier.example',
    iat: sec(NOW),
    ...extra,
  });
const kbOpts = () => opts({ challenge: 'n-1', domain: 'https://verifier.example' });

async function signWith(key: RefKeyPair, header: Record<string, unknown>, payload: Record<string, unknown>) {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, ...header })
    .sign(await importJWK(key.privateJwk, key.alg));
}

describe('SD-JWT VC (issue 13)', () => {
  it('control: an honest SD-JWT VC passes every check, dc+sd-jwt and legacy vc+sd-jwt', async () => {
    for (const typ of ['dc+sd-jwt', 'vc+sd-jwt'] as const) {
      const r = await verifyEnvelopedCredential(
        { mediaType: `application/${typ}`, compact: await issue({ typ }) },
        opts(),
      );
      assert.equal(r.verified, true, JSON.stringify(r.checks));
      assert.deepEqual(
        r.checks.map((c) => c.check),
        ['proof', 'issuer', 'status', 'validity'],
      );
    }
  });
  it('control: a KB presentation with the right nonce/aud/iat/sd_hash passes', async () => {
    const r = await verifyEnvelopedCredential(sd(await present(await issue())), kbOpts());
    assert.equal(r.verified, true, JSON.stringify(r.checks));
  });
  it('refuses a wrong typ, alg none and HS256', async () => {
    const good = await issue();
    const [jwt, ...rest] = good.split('~');
    const [h, p] = (jwt as string).split('.') as [string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString());
    const retyped = `${b64({ ...header, typ: 'JWT' })}.${p}.${(jwt as string).split('.')[2]}`;
    assert.equal(
      codeOf(await verifyEnvelopedCredential(sd([retyped, ...rest].join('~')), opts()), 'proof'),
      C.TYP_INVALID,
    );
    const none = `${b64({ ...header, alg: 'none' })}.${p}.`;
    assert.equal(
      codeOf(await verifyEnvelopedCredential(sd([none, ...rest].join('~')), opts()), 'proof'),
      'JWS_ALG_UNSUPPORTED',
    );
    const hh = b64({ ...header, alg: 'HS256' });
    const mac = createHmac('sha256', JSON.stringify(ctx.issuerKey.publicJwk)).update(`${hh}.${p}`).digest('base64url');
    assert.equal(
      codeOf(await verifyEnvelopedCredential(sd([`${hh}.${p}.${mac}`, ...rest].join('~')), opts()), 'proof'),
      'JWS_ALG_UNSUPPORTED',
    );
  });
  it('refuses an issuer key not accredited, and a vct not accredited', async () => {
    const other = await refKeyPair('ES256');
    assert.equal(
      codeOf(await verifyEnvelopedCredential(sd(await issue({}, other)), opts()), 'proof'),
      'JWS_KEY_NOT_PINNED',
    );
    const r = await verifyEnvelopedCredential(sd(await issue({ vct: 'urn:other:1' })), opts());
    assert.equal(codeOf(r, 'issuer'), 'ISSUER_NOT_ACCREDITED');
    assert.equal(r.verified, false);
  });
  it('refuses missing/extra/duplicate/forged disclosures', async () => {
    const good = await issue();
    const parts = good.split('~'); // jwt, d1, d2, ''
    const control = await verifyEnvelopedCredential(sd([parts[0], parts[1], ''].join('~')), opts());
    assert.equal(codeOf(control, 'proof'), 'pass', 'withholding a disclosure is allowed');
    const dup = [parts[0], parts[1], parts[1], ''].join('~');
    assert.equal(codeOf(await verifyEnvelopedCredential(sd(dup), opts()), 'proof'), C.DIGEST_DUPLICATE);
    const extra = [parts[0], parts[1], b64(['salt', 'age', 99]), ''].join('~');
    assert.equal(codeOf(await verifyEnvelopedCredential(sd(extra), opts()), 'proof'), C.DISCLOSURE_UNREFERENCED);
    const decoded = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString()) as unknown[];
    const forged = [parts[0], b64([decoded[0], decoded[1], 'Eve']), ''].join('~');
    assert.equal(codeOf(await verifyEnvelopedCredential(sd(forged), opts()), 'proof'), C.DISCLOSURE_UNREFERENCED);
    assert.equal(
      codeOf(await verifyEnvelopedCredential(sd([parts[0], 'not json!', ''].join('~')), opts()), 'proof'),
      C.DISCLOSURE_MALFORMED,
    );
  });
  it('refuses an issuer-signed duplicate digest and a disclosed name that already exists', async () => {
    const d = b64(['s1', 'given_name', 'Mei']);
    const digest = createHash('sha256').update(d).digest('base64url');
    const base = { iss: ctx.did, vct: VCT, _sd_alg: 'sha-256', iat: sec(T0) };
    const dupJwt = await signWith(ctx.issuerKey, { typ: 'dc+sd-jwt' }, { ...base, _sd: [digest, digest] });
    assert.equal(codeOf(await verifyEnvelopedCredential(sd(`${dupJwt}~${d}~`), opts()), 'proof'), C.DIGEST_DUPLICATE);
    const clash = await signWith(ctx.issuerKey, { typ: 'dc+sd-jwt' }, { ...base, given_name: 'X', _sd: [digest] });
    assert.equal(codeOf(await verifyEnvelopedCredential(sd(`${clash}~${d}~`), opts()), 'proof'), C.CLAIM_NAME_CONFLICT);
    const ok = await signWith(ctx.issuerKey, { typ: 'dc+sd-jwt' }, { ...base, _sd: [digest] });
    assert.equal(codeOf(await verifyEnvelopedCredential(sd(`${ok}~${d}~`), opts()), 'proof'), 'pass');
    const sha512 = await signWith(ctx.issuerKey, { typ: 'dc+sd-jwt' }, { ...base, _sd_alg: 'sha-512', _sd: [digest] });
    assert.equal(codeOf(await verifyEnvelopedCredential(sd(`${sha512}~${d}~`), opts()), 'proof'), C.SD_ALG_UNSUPPORTED);
  });
  it('refuses KB replay: wrong nonce, aud, sd_hash, stale iat; and a challenge without KB', async () => {
    const cred = await issue();
    assert.equal(
      codeOf(await verifyEnvelopedCredential(sd(await present(cred, { nonce: 'old' })), kbOpts()), 'proof'),
      C.KB_NONCE_MISMATCH,
    );
    assert.equal(
      codeOf(
        await verifyEnvelopedCredential(sd(await present(cred, { aud: 'https://evil.example' })), kbOpts()),
        'proof',
      ),
      C.KB_AUD_MISMATCH,
    );
    assert.equal(
      codeOf(await verifyEnvelopedCredential(sd(await present(cred, { iat: sec(NOW - 3600_000) })), kbOpts()), 'proof'),
      C.KB_STALE,
    );
    const presented = await present(cred);
    const parts = presented.split('~'); // jwt, d1, d2, kb
    const dropped = [parts[0], parts[1], parts[3]].join('~');
    assert.equal(codeOf(await verifyEnvelopedCredential(sd(dropped), kbOpts()), 'proof'), C.KB_SD_HASH_MISMATCH);
    assert.equal(codeOf(await verifyEnvelopedCredential(sd(cred), kbOpts()), 'proof'), C.KB_REQUIRED);
    const otherHolder = await refKeyPair('ES256');
    const stolen = await refPresentWithKb(cred, {
      holderKey: otherHolder,
      nonce: 'n-1',
      aud: 'https://verifier.example',
      iat: sec(NOW),
    });
    assert.equal(codeOf(await verifyEnvelopedCredential(sd(stolen), kbOpts()), 'proof'), C.KB_SIGNATURE_INVALID);
  });
  it('refuses an expired credential (validity check), control passes', async () => {
    const r = await verifyEnvelopedCredential(sd(await issue({ exp: sec(T0 + 500) })), opts());
    assert.equal(codeOf(r, 'validity'), C.EXPIRED);
    assert.equal(codeOf(r, 'proof'), 'pass');
  });
});

describe('jwt_vc_json registered claims vs the vc claim (VC Data Model 1.1 §6.3.1, issue 13)', () => {
  const jwtVc = (payload: Record<string, unknown>) =>
    signWith(ctx.issuerKey, { typ: 'JWT' }, { iss: ctx.did, iat: sec(T0), ...payload });
  const vc = (extra: Record<string, unknown> = {}) => ({
    '@context': ['https://www.w3.org/2018/credentials/v1'],
    type: ['VerifiableCredential', 'TwPidCredential'],
    credentialSubject: { id: 'did:example:holder', given_name: 'Mei' },
    ...extra,
  });
  const verifyJwt = async (compact: string) =>
    verifyEnvelopedCredential({ mediaType: 'application/jwt', compact }, opts());
  it('control: iss = vc.issuer (string or {id}), sub = credentialSubject.id, jti = vc.id passes; each alone passes', async () => {
    const id = `urn:uuid:${crypto.randomUUID()}`;
    for (const issuer of [ctx.did, { id: ctx.did, name: 'TW issuer' }]) {
      const r = await verifyJwt(await jwtVc({ sub: 'did:example:holder', jti: id, vc: vc({ id, issuer }) }));
      assert.equal(r.verified, true, JSON.stringify(r.checks));
    }
    const claimsOnly = await verifyJwt(await jwtVc({ sub: 'did:example:holder', jti: id, vc: vc() }));
    assert.equal(claimsOnly.verified, true, JSON.stringify(claimsOnly.checks));
    const vcOnly = await verifyJwt(
      await signWith(ctx.issuerKey, { typ: 'JWT' }, { iat: sec(T0), vc: vc({ id, issuer: ctx.did }) }),
    );
    assert.equal(vcOnly.verified, true, JSON.stringify(vcOnly.checks));
  });
  it('refuses a vc.issuer other than iss: the accredited iss signs, the vc claims another issuer', async () => {
    const victim = ctx.world.net.keys.twMinistry.did; // an issuer a display would trust more
    for (const issuer of [victim, { id: victim }]) {
      const r = await verifyJwt(await jwtVc({ vc: vc({ issuer }) }));
      assert.equal(codeOf(r, 'proof'), C.JWT_ISS_MISMATCH);
      assert.equal(r.verified, false);
    }
  });
  it('refuses a sub other than credentialSubject.id, and a jti other than vc.id', async () => {
    const sub = await verifyJwt(await jwtVc({ sub: 'did:example:someone-else', vc: vc() }));
    assert.equal(codeOf(sub, 'proof'), C.JWT_SUB_MISMATCH);
    const subjects = vc({ credentialSubject: [{ id: 'did:example:holder' }, { id: 'did:example:other' }] });
    assert.equal(
      codeOf(await verifyJwt(await jwtVc({ sub: 'did:example:holder', vc: subjects })), 'proof'),
      C.JWT_SUB_MISMATCH,
    );
    const jti = await verifyJwt(await jwtVc({ jti: 'urn:uuid:1', vc: vc({ id: 'urn:uuid:2' }) }));
    assert.equal(codeOf(jti, 'proof'), C.JWT_JTI_MISMATCH);
    assert.equal(jti.verified, false);
  });
});
