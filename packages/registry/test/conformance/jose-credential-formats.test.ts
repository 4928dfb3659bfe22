/**
 * JOSE credential formats and status (issue 13): jwt_vc_json (VCDM 1.1 `vc` claim), W3C VC-JOSE
 * (`application/vc+jwt`, VCDM 2.0 payload), TW DIW's `vc+sd-jwt` (no vct; `_sd` inside
 * vc.credentialSubject), EnvelopedVerifiableCredential ids, and status through a Token Status List
 * (draft-ietf-oauth-status-list §7: 0 VALID, 1 INVALID, 2 SUSPENDED) and StatusList2021 entries.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { importJWK, SignJWT } from 'jose';
import { importPrivateJwk, issueAccreditation, proveKeyPossession, publicJwkToMultibase } from '../../src/index.ts';
import {
  JOSE_CREDENTIAL_CODES as C,
  parseEnvelopedCredentialId,
  verifyEnvelopedCredential,
} from '../../src/verification/jose/verify-enveloped.ts';
import type { JoseStatusListState, TrustView } from '../../src/verification/trust-view.ts';
import type { VerificationResult } from '../../src/verification/verify-credential.ts';
import { makeWorld, T0 } from '../fixtures.ts';
import { refIssueSdJwtVc, refKeyPair, refTokenStatusListJwt } from '../helpers/reference-jose.ts';

const YEAR = 365 * 24 * 3600 * 1000;
const NOW = T0 + 1000;
const sec = (ms: number) => Math.floor(ms / 1000);
const LIST = 'https://issuer.example/status/1';

function codeOf(result: VerificationResult, check: string): string | undefined {
  const c = result.checks.find((x) => x.check === check);
  return c?.outcome === 'pass' ? 'pass' : (c?.code ?? `no ${check} check`);
}

const world = await makeWorld();
const issuerKey = await refKeyPair('ES256');
const did = `did:key:${publicJwkToMultibase(issuerKey.publicJwk, 'k', 'X').multibase}`;
{
  const id = `urn:uuid:${crypto.randomUUID()}`;
  const possessed = await proveKeyPossession(await importPrivateJwk(issuerKey.privateJwk), id, {
    jwk: { kid: issuerKey.kid },
  });
  const accreditation = await issueAccreditation(
    {
      accreditor: world.net.keys.twMinistry,
      subject: did,
      role: 'issuer',
      accreditedFor: [{ types: ['urn:eudi:pid:1', 'TwPidCredential'], jurisdiction: 'TW' }],
      subjectKeys: [possessed],
      validFrom: new Date(T0),
      validUntil: new Date(T0 + YEAR),
      id,
    },
    world.net.documentLoader,
  );
  assert.equal((await world.registry.submit(accreditation)).status, 'accept');
}
const signerPinned = world.registry.accreditationsOf(did)[0]?.publicKeys[0];
assert.ok(signerPinned);

/** A 2-bit Token Status List (draft-ietf-oauth-status-list §4.1: LSB first within each byte). */
function listState(
  values: number[],
  purpose: string | null,
  versionMs: number,
  signer = signerPinned,
  freshness: { expMs?: number; ttlSeconds?: number } = {},
): JoseStatusListState {
  const bytes = new Uint8Array(Math.ceil(values.length / 4));
  values.forEach((v, i) => {
    bytes[i >> 2] = (bytes[i >> 2] as number) | (v << ((i & 3) * 2));
  });
  return {
    list: {
      format: purpose === null ? 'token-status-list' : 'status-list-2021',
      uri: LIST,
      issuer: did,
      bits: 2,
      purpose,
      versionMs,
      expMs: freshness.expMs ?? null,
      ttlSeconds: freshness.ttlSeconds ?? null,
      mediaType: 'application/statuslist+jwt',
      size: () => values.length,
      read: (i) => {
        if (i >= values.length) throw new RangeError('beyond the list');
        return ((bytes[i >> 2] as number) >> ((i & 3) * 2)) & 3;
      },
      decoded: () => bytes,
    },
    digest: `d${versionMs}`,
    receivedAt: versionMs,
    key: `k${versionMs}`,
    signer: signer as NonNullable<typeof signerPinned>,
    bytes: new Uint8Array(),
  };
}
const withLists = (states: JoseStatusListState[]): TrustView => ({
  governance: () => world.registry.governance(),
  accreditationsOf: (d) => world.registry.accreditationsOf(d),
  statusList: (id, s) => world.registry.statusList(id, s),
  statusListVersions: (id) => world.registry.statusListVersions(id),
  joseStatusListVersions: (uri) => (uri === LIST ? states : []),
});
const opts = (view: TrustView = world.registry) => ({ view, documentLoader: world.net.documentLoader, now: NOW });
const sign = async (header: Record<string, unknown>, payload: Record<string, unknown>) =>
  new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', kid: issuerKey.kid, ...header })
    .sign(await importJWK(issuerKey.privateJwk, 'ES256'));

describe('JOSE credential formats (issue 13)', () => {
  it('jwt_vc_json: a VCDM 1.1 vc claim, typed by vc.type; an unaccredited type fails the issuer check', async () => {
    const vc = {
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      type: ['VerifiableCredential', 'TwPidCredential'],
      credentialSubject: { id: 'did:example:holder' },
    };
    const good = await sign({ typ: 'JWT' }, { iss: did, iat: sec(T0), exp: sec(T0 + YEAR), vc });
    const r = await verifyEnvelopedCredential({ mediaType: 'application/jwt', compact: good }, opts());
    assert.equal(r.verified, true, JSON.stringify(r.checks));
    const other = await sign({}, { iss: did, iat: sec(T0), vc: { ...vc, type: ['VerifiableCredential', 'Other'] } });
    assert.equal(
      codeOf(await verifyEnvelopedCredential({ mediaType: 'application/jwt', compact: other }, opts()), 'issuer'),
      'ISSUER_NOT_ACCREDITED',
    );
    const sdTyped = await sign({ typ: 'dc+sd-jwt' }, { iss: did, vc });
    assert.equal(
      codeOf(await verifyEnvelopedCredential({ mediaType: 'application/jwt', compact: sdTyped }, opts()), 'proof'),
      C.TYP_INVALID,
    );
  });
  it('VC-JOSE: typ vc+jwt, the payload is the credential; validUntil is honoured', async () => {
    const cred = {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiableCredential', 'TwPidCredential'],
      issuer: did,
      validFrom: new Date(T0).toISOString(),
      credentialSubject: { id: 'did:example:h' },
    };
    const good = await sign({ typ: 'vc+jwt' }, cred);
    assert.equal(
      (await verifyEnvelopedCredential({ mediaType: 'application/vc+jwt', compact: good }, opts())).verified,
      true,
    );
    const expired = await sign({ typ: 'vc+jwt' }, { ...cred, validUntil: new Date(T0 + 10).toISOString() });
    assert.equal(
      codeOf(
        await verifyEnvelopedCredential({ mediaType: 'application/vc+jwt', compact: expired }, opts()),
        'validity',
      ),
      C.EXPIRED,
    );
    const wrongTyp = await sign({ typ: 'JWT' }, cred);
    assert.equal(
      codeOf(await verifyEnvelopedCredential({ mediaType: 'application/vc+jwt', compact: wrongTyp }, opts()), 'proof'),
      C.TYP_INVALID,
    );
  });
  it('TW DIW vc+sd-jwt: _sd inside vc.credentialSubject, typed by vc.type', async () => {
    const d = Buffer.from(JSON.stringify(['salt1', 'name', 'Mei'])).toString('base64url');
    const digest = createHash('sha256').update(d).digest('base64url');
    const vc = {
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      type: ['VerifiableCredential', 'TwPidCredential'],
      credentialSubject: { _sd: [digest], _sd_alg: 'sha-256' },
    };
    const jwt = await sign({ typ: 'vc+sd-jwt' }, { iss: did, iat: sec(T0), vc });
    const r = await verifyEnvelopedCredential({ mediaType: 'application/vc+sd-jwt', compact: `${jwt}~${d}~` }, opts());
    assert.equal(r.verified, true, JSON.stringify(r.checks));
    const bad = Buffer.from(JSON.stringify(['salt1', 'name', 'Eve'])).toString('base64url');
    const forged = await verifyEnvelopedCredential(
      { mediaType: 'application/vc+sd-jwt', compact: `${jwt}~${bad}~` },
      opts(),
    );
    assert.equal(codeOf(forged, 'proof'), C.DISCLOSURE_UNREFERENCED);
  });
  it('parseEnvelopedCredentialId reads data: URLs of the four media types only', () => {
    assert.deepEqual(parseEnvelopedCredentialId('data:application/dc+sd-jwt,a.b.c~d~'), {
      mediaType: 'application/dc+sd-jwt',
      compact: 'a.b.c~d~',
    });
    assert.equal(parseEnvelopedCredentialId('data:application/vc+jwt,a.b.c')?.mediaType, 'application/vc+jwt');
    assert.equal(parseEnvelopedCredentialId('data:text/html,<script>'), null);
    assert.equal(parseEnvelopedCredentialId('data:application/jwt;base64,abc'), null);
  });
});

describe('JOSE credential status (issue 13)', () => {
  const sdjwt = (idx: number) =>
    refIssueSdJwtVc({
      issuerKey,
      iss: did,
      vct: 'urn:eudi:pid:1',
      claims: { a: 1 },
      iat: sec(T0),
      status: { idx, uri: LIST },
    });
  it('Token Status List: 0 VALID passes, 1 INVALID, 2 SUSPENDED and 3 fail with their codes', async () => {
    const view = withLists([listState([0, 1, 2, 3], null, T0)]);
    const at = async (idx: number) =>
      codeOf(
        await verifyEnvelopedCredential({ mediaType: 'application/dc+sd-jwt', compact: await sdjwt(idx) }, opts(view)),
        'status',
      );
    assert.equal(await at(0), 'pass');
    assert.equal(await at(1), C.STATUS_INVALID);
    assert.equal(await at(2), C.STATUS_SUSPENDED);
    assert.equal(await at(3), C.STATUS_OTHER);
    assert.equal(await at(9), C.STATUS_MALFORMED);
  });
  it('reads the newest counting version; a list signed by a key that does not count is not read; no list → undetermined', async () => {
    const foreign = await refKeyPair('ES256');
    const foreignKey = {
      ...signerPinned,
      publicKeyMultibase: publicJwkToMultibase(foreign.publicJwk, 'k', 'X').multibase,
      publicKeyJwk: undefined,
    };
    const view = withLists([
      listState([0], null, T0),
      listState([1], null, T0 + 500),
      listState([0], null, T0 + 900, foreignKey),
    ]);
    const compact = await sdjwt(0);
    assert.equal(
      codeOf(await verifyEnvelopedCredential({ mediaType: 'application/dc+sd-jwt', compact }, opts(view)), 'status'),
      C.STATUS_INVALID,
    );
    const onlyForeign = withLists([listState([0], null, T0, foreignKey)]);
    assert.equal(
      codeOf(
        await verifyEnvelopedCredential({ mediaType: 'application/dc+sd-jwt', compact }, opts(onlyForeign)),
        'status',
      ),
      C.STATUS_LIST_UNKNOWN,
    );
    assert.equal(
      codeOf(await verifyEnvelopedCredential({ mediaType: 'application/dc+sd-jwt', compact }, opts()), 'status'),
      C.STATUS_LIST_UNKNOWN,
    );
  });
  it('an expired list answers undetermined, except a final INVALID; past its ttl a warning (draft §8.3, §5.1)', async () => {
    const verifyAt = async (view: TrustView, idx: number) =>
      verifyEnvelopedCredential({ mediaType: 'application/dc+sd-jwt', compact: await sdjwt(idx) }, opts(view));
    const expired = withLists([listState([0, 1, 2], null, T0, signerPinned, { expMs: NOW - 1 })]);
    assert.equal(codeOf(await verifyAt(expired, 0), 'status'), C.STATUS_LIST_EXPIRED);
    assert.equal(codeOf(await verifyAt(expired, 2), 'status'), C.STATUS_LIST_EXPIRED);
    assert.equal(codeOf(await verifyAt(expired, 1), 'status'), C.STATUS_INVALID, 'INVALID is final: it stands');
    const current = withLists([listState([0, 1, 2], null, T0, signerPinned, { expMs: NOW + 1 })]);
    const control = await verifyAt(current, 0);
    assert.equal(codeOf(control, 'status'), 'pass');
    assert.deepEqual(control.warnings, []);
    const stale = await verifyAt(withLists([listState([0], null, NOW - 5_000, signerPinned, { ttlSeconds: 1 })]), 0);
    assert.equal(codeOf(stale, 'status'), 'pass');
    assert.match(stale.warnings.join('\n'), /beyond its ttl of 1 s/);
    const fresh = await verifyAt(withLists([listState([0], null, NOW - 5_000, signerPinned, { ttlSeconds: 600 })]), 0);
    assert.deepEqual(fresh.warnings, []);
  });
  it('StatusList2021Entry: a set revocation bit in any counting version fails; clear passes', async () => {
    const vc = (idx: number) => ({
      type: ['VerifiableCredential', 'TwPidCredential'],
      credentialSubject: {},
      credentialStatus: {
        type: 'StatusList2021Entry',
        statusPurpose: 'revocation',
        statusListCredential: LIST,
        statusListIndex: String(idx),
      },
    });
    const view = withLists([listState([0, 1], 'revocation', T0), listState([0, 0], 'revocation', T0 + 500)]);
    const at = async (idx: number) =>
      codeOf(
        await verifyEnvelopedCredential(
          { mediaType: 'application/jwt', compact: await sign({}, { iss: did, iat: sec(T0), vc: vc(idx) }) },
          opts(view),
        ),
        'status',
      );
    assert.equal(await at(0), 'pass');
    assert.equal(await at(1), C.STATUS_REVOKED);
  });
  it('statusListIndex is an integer ≥ 0 as a decimal string (StatusList2021 §2.1) or a number; "", " 1", "0x1", "1e0" are malformed', async () => {
    const view = withLists([listState([0, 1], 'revocation', T0)]);
    const at = async (statusListIndex: unknown) =>
      codeOf(
        await verifyEnvelopedCredential(
          {
            mediaType: 'application/jwt',
            compact: await sign(
              {},
              {
                iss: did,
                iat: sec(T0),
                vc: {
                  type: ['VerifiableCredential', 'TwPidCredential'],
                  credentialSubject: {},
                  credentialStatus: {
                    type: 'StatusList2021Entry',
                    statusPurpose: 'revocation',
                    statusListCredential: LIST,
                    statusListIndex,
                  },
                },
              },
            ),
          },
          opts(view),
        ),
        'status',
      );
    assert.equal(await at('1'), C.STATUS_REVOKED);
    assert.equal(await at(1), C.STATUS_REVOKED);
    // Number() would read these as 0 or 1: each is refused instead of read from a guessed index.
    for (const bad of ['', ' 1', '0x1', '1e0', '-1', '1.0', -1, 1.5])
      assert.equal(await at(bad), C.STATUS_MALFORMED, String(bad));
  });
});

describe('the as-of stamp of a JOSE credential names the list version read (DESIGN.md Verification, issue 13)', () => {
  const iso = (ms: number) => new Date(ms).toISOString();
  const HELD = 'https://issuer.example/status/as-of';
  const credential = (uri: string, idx: number) =>
    refIssueSdJwtVc({
      issuerKey,
      iss: did,
      vct: 'urn:eudi:pid:1',
      claims: { a: 1 },
      iat: sec(T0),
      status: { idx, uri },
    });
  const verifySd = async (compact: string, view: TrustView = world.registry) =>
    verifyEnvelopedCredential({ mediaType: 'application/dc+sd-jwt', compact }, opts(view));
  it('Token Status List (admitted, made by @sd-jwt/jwt-status-list): uri, iat, exp, ttl, digest, receipt', async () => {
    const receivedAt = world.clock.now;
    const jwt = await refTokenStatusListJwt({
      privateJwk: issuerKey.privateJwk,
      kid: issuerKey.kid,
      iss: did,
      sub: HELD,
      iat: sec(T0),
      exp: sec(T0 + YEAR),
      ttl: 300,
      bits: 2,
      statuses: [0, 1, 0, 0],
    });
    const admitted = await world.registry.submit(jwt);
    assert.equal(
      admitted.status,
      'accept',
      admitted.status === 'accept' ? '' : JSON.stringify(admitted.error.toJSON()),
    );
    const held = world.registry.joseStatusListVersions(HELD)[0];
    assert.ok(held);
    const stamp = [
      {
        id: HELD,
        validFrom: iso(T0),
        validUntil: iso(T0 + YEAR),
        digest: held.digest,
        receivedAt: iso(receivedAt),
        ttl: 300_000, // the TSL's ttl (seconds) in the stamp's unit, milliseconds, as for Bitstring lists
      },
    ];
    const valid = await verifySd(await credential(HELD, 0));
    assert.equal(valid.verified, true, JSON.stringify(valid.checks));
    assert.deepEqual(valid.asOf.statusLists, stamp);
    const invalid = await verifySd(await credential(HELD, 1));
    assert.equal(codeOf(invalid, 'status'), C.STATUS_INVALID);
    assert.deepEqual(invalid.asOf.statusLists, stamp, 'a failing status still names the list it read');
  });
  it('names nothing when no list was read: no status reference, or a list not held', async () => {
    const none = await verifySd(
      await refIssueSdJwtVc({ issuerKey, iss: did, vct: 'urn:eudi:pid:1', claims: { a: 1 }, iat: sec(T0) }),
    );
    assert.equal(none.verified, true, JSON.stringify(none.checks));
    assert.deepEqual(none.asOf.statusLists, []);
    const unknown = await verifySd(await credential('https://issuer.example/status/not-held', 0));
    assert.equal(codeOf(unknown, 'status'), C.STATUS_LIST_UNKNOWN);
    assert.deepEqual(unknown.asOf.statusLists, []);
  });
  it('StatusList2021: the version whose revocation bit decided is named; a clear entry names the newest', async () => {
    const view = withLists([
      listState([0, 1], 'revocation', T0, signerPinned, { expMs: T0 + YEAR, ttlSeconds: 600 }),
      listState([0, 0], 'revocation', T0 + 500),
    ]);
    const at = async (idx: number) =>
      verifyEnvelopedCredential(
        {
          mediaType: 'application/jwt',
          compact: await sign(
            {},
            {
              iss: did,
              iat: sec(T0),
              vc: {
                type: ['VerifiableCredential', 'TwPidCredential'],
                credentialSubject: {},
                credentialStatus: {
                  type: 'StatusList2021Entry',
                  statusPurpose: 'revocation',
                  statusListCredential: LIST,
                  statusListIndex: String(idx),
                },
              },
            },
          ),
        },
        opts(view),
      );
    const revoked = await at(1);
    assert.equal(codeOf(revoked, 'status'), C.STATUS_REVOKED);
    assert.deepEqual(revoked.asOf.statusLists, [
      {
        id: LIST,
        validFrom: iso(T0),
        validUntil: iso(T0 + YEAR),
        digest: `d${T0}`,
        receivedAt: iso(T0),
        ttl: 600_000,
      },
    ]);
    const clear = await at(0);
    assert.equal(codeOf(clear, 'status'), 'pass');
    assert.deepEqual(clear.asOf.statusLists, [
      { id: LIST, validFrom: iso(T0 + 500), digest: `d${T0 + 500}`, receivedAt: iso(T0 + 500) },
    ]);
  });
});
