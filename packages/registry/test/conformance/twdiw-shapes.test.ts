/**
 * Fixtures in the exact shapes of TW DIW's status lists and credentials (issue 13, "Tests"), built by
 * test/helpers/twdiw.ts from the sources of moda-gov-tw/TWDIW-official-app at the commits named
 * below. Paths are under core-system/twdiw-vc-handler/…/issuer/vc/.
 *
 * - Lists (task/StatusListPrepareTask.java, task/StatusListSignTask.java @4529334e): header
 *   {alg ES256, typ JWT, kid key-2, jku}; payload {iss, sub "<url>#list", nbf, exp, jti "<url>",
 *   nonce, vc {@context, type, credentialSubject {statusPurpose, encodedList}}} — no iat, no vc.id,
 *   no credentialSubject.type; encodedList GZIP + standard base64 (util/ZipUtils.java @62d64710);
 *   16 KiB at first, one byte appended when an index is beyond; served as {"statusList": "<JWT>"}
 *   (service/PublicInfoService.java @4529334e, web/rest/PublicInfoResource.java @62d64710).
 * - Credentials (task/CredentialPrepareTask.java @4529334e, task/CredentialSignTask.java @62d64710):
 *   typ vc+sd-jwt, kid key-1, `_sd`/`_sd_alg` inside vc.credentialSubject, credentialStatus an array
 *   of a revocation and a suspension StatusList2021Entry with a string index, cnf.jwk, no iat/vct.
 * - DIDs: did:key jwk_jcs-pub (service/CredentialService.java didToJWK @4529334e; the real MODA
 *   issuer DID below is from mashbean/twdiw-vp-verifier-lite test/didkey.test.ts @20bb201c).
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  importPrivateJwk,
  issueAccreditation,
  type PossessedKey,
  proveAdditionalKey,
  proveKeyPossession,
  publicJwkToMultibase,
} from '../../src/index.ts';
import { STATUS_LIST_2021_CODES as L } from '../../src/status-list/jose-lists.ts';
import { JOSE_CREDENTIAL_CODES as C, verifyEnvelopedCredential } from '../../src/verification/jose/verify-enveloped.ts';
import { didKeyOf } from '../../src/verification/trust-chain.ts';
import type { VerificationResult } from '../../src/verification/verify-credential.ts';
import { makeWorld, T0, type World } from '../fixtures.ts';
import {
  jwkJcsPubDidKey,
  jwkJcsPubDidKeyOfJson,
  TW_CREDENTIAL_TYPE,
  TW_LIST_BYTES,
  type TwKey,
  twBitstring,
  twEncodedList,
  twKey,
  twListUrl,
  twSdJwtCredential,
  twStatusListJwt,
} from '../helpers/twdiw.ts';

const YEAR = 365 * 24 * 3600 * 1000;
const S0 = Math.floor(T0 / 1000);
const REVOCATION = twListUrl('revocation');
const SUSPENSION = twListUrl('suspension');
/** DWVC-101's example fields (Docs/TWDIW_API_Specification.md @9719ab6d). */
const FIELDS = { name: '王O明', company: 'MODA數位發展部', email: 'service@wallet.gov.tw' };

/** JDK 17 GZIPOutputStream + Base64.getEncoder() (ZipUtils) of 16 KiB of zeros, run with OpenJDK 17.0.15. */
const JDK_EMPTY_LIST = 'H4sIAAAAAAAA/+3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA';
/** The same of 16 KiB with entries 0, 9 and 131071 set (MSB first). */
const JDK_LIST_0_9_131071 = 'H4sIAAAAAAAA/+3BMQEAAAgDINfMaEY3xh7gdgAAAAAAAAAAAAAAAAAAAICuPKgSuh0AQAAA';
/** That list after TW's growth (`Arrays.copyOf(bits, length + 1)`): padding and `+` in the base64. */
const JDK_LIST_GROWN = 'H4sIAAAAAAAA/+3BMQEAAAgDoNnMaItuDB+gGwAAAAAAAAAAAAAAAAAAAODX5ABFfhIKAUAAAA==';
/** The `iss` a MODA-issued card carried in a live run (jwk_jcs-pub of a P-256 key). */
const MODA_ISSUER_DID =
  'did:key:z2dmzD81cgPx8Vki7JbuuMmFYrWPgYoytykUZ3eyqht1j9Kbptwspp6uLnxpQQwn6TjHDw31q6bpSprrhMuKSkozn8R25MLf5g5H64FpiFmhCxKiU7JpU5dgBx3UbiSunqJ2a1athYQ88y4gYigJJefB1mybvtAssdMu2BUS3MwFe6pg4C';

interface Tw {
  world: World;
  issuer: string;
  key1: TwKey;
  key2: TwKey;
  holder: { did: string; jwk: TwKey['publicJwk'] };
}

/** Accredits `subject` for TW_CREDENTIAL_TYPE in TW, pinning `keys` as JsonWebKeys with their kid. */
async function accredit(world: World, subject: string, keys: { key: TwKey; id: string }[]): Promise<string> {
  const id = `urn:uuid:${crypto.randomUUID()}`;
  const subjectKeys = await Promise.all(
    keys.map(async ({ key, id: vm }) =>
      proveKeyPossession(await importPrivateJwk(key.privateJwk, { did: subject, verificationMethod: vm }), id, {
        jwk: { kid: key.kid },
      }),
    ),
  );
  const accreditation = await issueAccreditation(
    {
      accreditor: world.net.keys.twMinistry,
      subject,
      role: 'issuer',
      accreditedFor: [{ types: [TW_CREDENTIAL_TYPE], jurisdiction: 'TW' }],
      subjectKeys,
      validFrom: new Date(T0),
      validUntil: new Date(T0 + YEAR),
      id,
    },
    world.net.documentLoader,
  );
  const outcome = await world.registry.submit(accreditation);
  return outcome.status === 'accept' ? 'accept' : outcome.error.code;
}

/** A TW issuer as it really is: did:key jwk_jcs-pub of key-1, with key-1 pinned (kid key-1). */
async function didKeyIssuer(): Promise<Tw> {
  const world = await makeWorld();
  const [key1, key2, holderKey] = await Promise.all([twKey('key-1'), twKey('key-2'), twKey('holder')]);
  const issuer = jwkJcsPubDidKey(key1.publicJwk);
  assert.equal(await accredit(world, issuer, [{ key: key1, id: `${issuer}#${issuer.slice(8)}` }]), 'accept');
  return { world, issuer, key1, key2, holder: { did: jwkJcsPubDidKey(holderKey.publicJwk), jwk: holderKey.publicJwk } };
}

/** TW's two keys (credentials key-1, lists key-2) pinned for a subject that may hold several keys. */
async function twoKeyIssuer(): Promise<Tw> {
  const world = await makeWorld();
  const [key1, key2, holderKey] = await Promise.all([twKey('key-1'), twKey('key-2'), twKey('holder')]);
  const issuer = 'did:web:issuer.tw-diw.example';
  const keys = [
    { key: key1, id: `${issuer}#key-1` },
    { key: key2, id: `${issuer}#key-2` },
  ];
  assert.equal(await accredit(world, issuer, keys), 'accept');
  return { world, issuer, key1, key2, holder: { did: jwkJcsPubDidKey(holderKey.publicJwk), jwk: holderKey.publicJwk } };
}

async function codeOf(world: World, input: unknown): Promise<string> {
  const outcome = await world.registry.submit(input);
  return outcome.status === 'accept' ? `accept:${outcome.value.kind}` : outcome.error.code;
}

/** The body TW's `GET /api/status-list/{type}/{group}` answers: Jackson's `{"statusList":"<JWT>"}`. */
const envelopeBytes = (jwt: string) => new TextEncoder().encode(JSON.stringify({ statusList: jwt }));

function check(result: VerificationResult, name: string): string {
  const c = result.checks.find((x) => x.check === name);
  return c?.outcome === 'pass' ? 'pass' : `${c?.outcome}:${c?.code}`;
}

async function verifyTw(tw: Tw, compact: string, mediaType = 'application/vc+sd-jwt'): Promise<VerificationResult> {
  return verifyEnvelopedCredential(
    { mediaType, compact },
    { view: tw.world.registry, documentLoader: tw.world.net.documentLoader, now: tw.world.clock.now },
  );
}

const credential = (tw: Tw, index: number, key = tw.key1) =>
  twSdJwtCredential({
    key,
    issuer: tw.issuer,
    holder: tw.holder,
    index,
    nbf: S0,
    exp: S0 + 365 * 24 * 3600,
    fields: FIELDS,
  });

describe('TW DIW encodedList (util/ZipUtils.java: GZIPOutputStream + Base64.getEncoder)', () => {
  it('our builder reproduces the JDK bytes: GZIP header OS 255, standard base64 with padding', () => {
    assert.equal(twEncodedList(twBitstring(TW_LIST_BYTES)), JDK_EMPTY_LIST);
    assert.equal(twEncodedList(twBitstring(TW_LIST_BYTES, [0, 9, 131_071])), JDK_LIST_0_9_131071);
    assert.equal(twEncodedList(twBitstring(TW_LIST_BYTES + 1, [0, 9, 131_071])), JDK_LIST_GROWN);
  });

  it('trustmesh reads the JDK-encoded list MSB-first, 131072 entries, and its grown form as newer', async () => {
    const tw = await twoKeyIssuer();
    const list = (nbf: number, encodedList: string) =>
      twStatusListJwt({ key: tw.key2, issuer: tw.issuer, url: REVOCATION, purpose: 'revocation', nbf, encodedList });
    assert.equal(await codeOf(tw.world, await list(S0, JDK_LIST_0_9_131071)), 'accept:status-list-2021');
    const [state] = tw.world.registry.joseStatusListVersions(REVOCATION);
    assert.equal(state?.list.size(), 131_072);
    assert.deepEqual(
      [0, 1, 8, 9, 10, 131_070, 131_071].map((i) => state?.list.read(i)),
      [1, 0, 0, 1, 0, 0, 1],
    );
    assert.equal(await codeOf(tw.world, await list(S0 + 1, JDK_LIST_GROWN)), 'accept:status-list-2021');
    const grown = tw.world.registry
      .joseStatusListVersions(REVOCATION)
      .find((v) => v.list.versionMs === (S0 + 1) * 1000);
    assert.equal(grown?.list.size(), 131_080);
  });
});

describe('TW DIW issuers are did:key jwk_jcs-pub (d1 d6 03 ‖ JCS JWK)', () => {
  it('the real MODA issuer DID names its P-256 key (the JWK it carries, as a Multikey)', () => {
    const own = didKeyOf(MODA_ISSUER_DID);
    const expected = publicJwkToMultibase(
      {
        kty: 'EC',
        crv: 'P-256',
        x: 'PrtYMNzv3rIuRtN-aubJlEXWkrRHcHLfqzfNlFKL_D0',
        y: '5aNe9-W6rky-ndllLxlMgxeJMdHB--T9hkurqfSvwIw',
      },
      'jwk',
      'X',
    ).multibase;
    assert.equal(own?.publicKeyMultibase, expected);
    assert.equal(own?.id, `${MODA_ISSUER_DID}#${MODA_ISSUER_DID.slice(8)}`);
  });

  it('a TW issuer is accredited with its own key pinned as a JWK (kid key-1); another key, or a non-canonical DID, is refused', async () => {
    const tw = await didKeyIssuer();
    assert.equal(tw.world.registry.accreditationsOf(tw.issuer).length, 1);
    // TW's status-list key is not the DID's key: a did:key names one key (docs/records.md Trust rules).
    assert.equal(
      await accredit(tw.world, tw.issuer, [{ key: tw.key2, id: `${tw.issuer}#key-2` }]),
      'ACCREDITATION_DID_KEY_MISMATCH',
    );
    // jwk_jcs-pub holds exactly the RFC 8785 JSON of the public key: with a kid (as nimbus'
    // toPublicJWK writes it), with the private `d`, or with whitespace it names no key, so no key can
    // be pinned for it.
    const { crv, kid, kty, x, y } = tw.key1.publicJwk;
    const { d } = tw.key1.privateJwk;
    for (const json of [
      JSON.stringify({ crv, kid, kty, x, y }),
      JSON.stringify({ crv, d, kty, x, y }),
      JSON.stringify({ crv, kty, x, y }, null, 1),
    ]) {
      const did = jwkJcsPubDidKeyOfJson(json);
      assert.equal(didKeyOf(did)?.publicKeyMultibase, did.slice(8));
      assert.equal(
        await accredit(tw.world, did, [{ key: tw.key1, id: `${did}#${did.slice(8)}` }]),
        'ACCREDITATION_DID_KEY_MISMATCH',
      );
    }
  });

  it('its vc+sd-jwt credential verifies: kid key-1, typed by vc.type, valid by nbf/exp, both status lists read', async () => {
    const tw = await didKeyIssuer();
    // Lists signed with the DID's own key (kid key-1) count for it; see the next test for key-2.
    for (const [url, purpose] of [
      [REVOCATION, 'revocation'],
      [SUSPENSION, 'suspension'],
    ] as const) {
      const jwt = await twStatusListJwt({ key: tw.key1, issuer: tw.issuer, url, purpose, nbf: S0 });
      assert.equal(await codeOf(tw.world, envelopeBytes(jwt)), 'accept:status-list-2021');
    }
    const { compact } = await credential(tw, 7);
    const r = await verifyTw(tw, compact);
    assert.equal(r.verified, true, JSON.stringify(r.checks));
    assert.deepEqual(
      ['proof', 'issuer', 'status', 'validity'].map((c) => check(r, c)),
      ['pass', 'pass', 'pass', 'pass'],
    );
    // Its second entry (suspension) is read too, not only the first.
    const suspended = await twStatusListJwt({
      key: tw.key1,
      issuer: tw.issuer,
      url: SUSPENSION,
      purpose: 'suspension',
      nbf: S0 + 1,
      bits: twBitstring(TW_LIST_BYTES, [7]),
    });
    assert.equal(await codeOf(tw.world, envelopeBytes(suspended)), 'accept:status-list-2021');
    assert.equal(check(await verifyTw(tw, compact), 'status'), `fail:${C.STATUS_SUSPENDED}`);
  });

  it("TW's real list key (kid key-2) counts for its did:key issuer only with the DID key's controller proof", async () => {
    const tw = await didKeyIssuer();
    const listSignedByKey2 = () =>
      twStatusListJwt({ key: tw.key2, issuer: tw.issuer, url: REVOCATION, purpose: 'revocation', nbf: S0 });
    // Not pinned yet: the list is refused and the credential's status is undetermined.
    assert.equal(await codeOf(tw.world, envelopeBytes(await listSignedByKey2())), 'JWS_KEY_NOT_PINNED');
    const { compact } = await credential(tw, 7);
    assert.equal(check(await verifyTw(tw, compact), 'status'), `undetermined:${C.STATUS_LIST_UNKNOWN}`);

    const ownId = `${tw.issuer}#${tw.issuer.slice(8)}`;
    const didKeyPair = await importPrivateJwk(tw.key1.privateJwk, { did: tw.issuer, verificationMethod: ownId });
    const listKeyPair = await importPrivateJwk(tw.key2.privateJwk, {
      did: tw.issuer,
      verificationMethod: `${tw.issuer}#key-2`,
    });
    const submit = async (id: string, extra: PossessedKey) => {
      const own = await proveKeyPossession(didKeyPair, id, { jwk: { kid: 'key-1' } });
      const record = await issueAccreditation(
        {
          accreditor: tw.world.net.keys.twMinistry,
          subject: tw.issuer,
          role: 'issuer',
          accreditedFor: [{ types: [TW_CREDENTIAL_TYPE], jurisdiction: 'TW' }],
          subjectKeys: [own, extra],
          validFrom: new Date(T0),
          validUntil: new Date(T0 + YEAR),
          id,
        },
        tw.world.net.documentLoader,
      );
      const outcome = await tw.world.registry.submit(record);
      return outcome.status === 'accept' ? 'accept' : `${outcome.error.code} ${outcome.error.field}`;
    };
    const id = () => `urn:uuid:${crypto.randomUUID()}`;
    const key2For = (consenting: typeof didKeyPair, accreditation: string) =>
      proveAdditionalKey(consenting, listKeyPair, accreditation, { fragment: 'key-2', jwk: { kid: 'key-2' } });
    const consentField = 'credentialSubject.publicKeys[1].controllerProof';
    // Attack 1: no consent at all (the accreditor binding a key to somebody's did:key).
    const bare = id();
    const { controllerProof: _none, ...unconsented } = await key2For(didKeyPair, bare);
    assert.equal(await submit(bare, unconsented), 'ACCREDITATION_DID_KEY_MISMATCH credentialSubject.publicKeys[1]');
    // Attack 2: "consent" signed by key-2 itself, not by the DID's key.
    const self = id();
    assert.equal(
      await submit(self, await key2For(listKeyPair, self)),
      `ACCREDITATION_DID_KEY_MISMATCH ${consentField}`,
    );
    // Attack 3: the DID key's consent, replayed from another accreditation.
    const earlier = await key2For(didKeyPair, id());
    const replay = id();
    const replayed = { ...(await key2For(didKeyPair, replay)), controllerProof: earlier.controllerProof as string };
    assert.equal(await submit(replay, replayed), `ACCREDITATION_DID_KEY_MISMATCH ${consentField}`);

    // Control: the DID key consents and key-2 proves possession: key-2 counts for the issuer.
    const honest = id();
    assert.equal(await submit(honest, await key2For(didKeyPair, honest)), 'accept');
    tw.world.clock.now += 1_000;
    for (const [url, purpose] of [
      [REVOCATION, 'revocation'],
      [SUSPENSION, 'suspension'],
    ] as const) {
      const jwt = await twStatusListJwt({ key: tw.key2, issuer: tw.issuer, url, purpose, nbf: S0 + 1 });
      assert.equal(await codeOf(tw.world, envelopeBytes(jwt)), 'accept:status-list-2021');
    }
    assert.equal(check(await verifyTw(tw, compact), 'status'), 'pass');
    const revoked = await twStatusListJwt({
      key: tw.key2,
      issuer: tw.issuer,
      url: REVOCATION,
      purpose: 'revocation',
      nbf: S0 + 2,
      bits: twBitstring(TW_LIST_BYTES, [7]),
    });
    assert.equal(await codeOf(tw.world, envelopeBytes(revoked)), 'accept:status-list-2021');
    assert.equal(check(await verifyTw(tw, compact), 'status'), `fail:${C.STATUS_REVOKED}`);
  });
});

describe("TW DIW's lists and credentials with its two keys (credentials key-1, lists key-2)", () => {
  const list = (tw: Tw, opts: { nbf: number; purpose?: 'revocation' | 'suspension'; bits?: Uint8Array }) =>
    twStatusListJwt({
      key: tw.key2,
      issuer: tw.issuer,
      url: opts.purpose === 'suspension' ? SUSPENSION : REVOCATION,
      purpose: opts.purpose ?? 'revocation',
      nbf: opts.nbf,
      ...(opts.bits ? { bits: opts.bits } : {}),
    });

  it('the {"statusList": JWT} body is admitted and served as received; the bare JWT of it is a duplicate', async () => {
    const tw = await twoKeyIssuer();
    const jwt = await list(tw, { nbf: S0, bits: twBitstring(TW_LIST_BYTES, [3]) });
    assert.equal(await codeOf(tw.world, envelopeBytes(jwt)), 'accept:status-list-2021');
    const [state] = tw.world.registry.joseStatusListVersions(REVOCATION);
    assert.deepEqual(state?.bytes, envelopeBytes(jwt));
    assert.equal(state?.list.mediaType, 'application/json');
    assert.equal(state?.list.purpose, 'revocation');
    // No iat: nbf orders the versions (issue 13); jti names the list.
    assert.equal(state?.list.versionMs, S0 * 1000);
    assert.equal(state?.list.uri, REVOCATION);
    assert.equal(state?.list.read(3), 1);
    assert.equal(await codeOf(tw.world, jwt), 'DUPLICATE');
  });

  it('the bare JWT is admitted and served byte-identical as application/jwt', async () => {
    const tw = await twoKeyIssuer();
    const jwt = await list(tw, { nbf: S0 });
    assert.equal(await codeOf(tw.world, jwt), 'accept:status-list-2021');
    const [state] = tw.world.registry.joseStatusListVersions(REVOCATION);
    assert.equal(new TextDecoder().decode(state?.bytes), jwt);
    assert.equal(state?.list.mediaType, 'application/jwt');
    assert.equal(state?.list.size(), TW_LIST_BYTES * 8);
  });

  it('lifecycle: re-signs, revocation, one appended byte (newer) are admitted; a shorter list and a cleared revocation bit are not', async () => {
    const tw = await twoKeyIssuer();
    const submit = async (nbf: number, bytes: number, set: number[]) =>
      codeOf(tw.world, envelopeBytes(await list(tw, { nbf, bits: twBitstring(bytes, set) })));
    assert.equal(await submit(S0, TW_LIST_BYTES, []), 'accept:status-list-2021');
    // genVC: every issuance re-signs the list (same bits, new nonce, new nbf).
    assert.equal(await submit(S0 + 1, TW_LIST_BYTES, []), 'accept:status-list-2021');
    // revokeVC sets the bit.
    assert.equal(await submit(S0 + 2, TW_LIST_BYTES, [100]), 'accept:status-list-2021');
    // StatusListPrepareTask: an index beyond the list appends one byte (Arrays.copyOf(bits, length + 1)).
    assert.equal(await submit(S0 + 3, TW_LIST_BYTES + 1, [100, 131_075]), 'accept:status-list-2021');
    assert.equal(await submit(S0 + 4, TW_LIST_BYTES, [100]), L.SHRUNK);
    assert.equal(await submit(S0 + 5, TW_LIST_BYTES + 1, [131_075]), L.ROLLBACK);
    // The daily renew re-signs the unchanged encodedList string with a newer nbf.
    const held = tw.world.registry
      .joseStatusListVersions(REVOCATION)
      .sort((a, b) => b.list.versionMs - a.list.versionMs);
    assert.equal(held[0]?.list.size(), (TW_LIST_BYTES + 1) * 8);
    assert.deepEqual(
      [100, 131_075, 101].map((i) => held[0]?.list.read(i)),
      [1, 1, 0],
    );
    const renewed = await twStatusListJwt({
      key: tw.key2,
      issuer: tw.issuer,
      url: REVOCATION,
      purpose: 'revocation',
      nbf: S0 + 86_400 - 60,
      encodedList: twEncodedList(twBitstring(TW_LIST_BYTES + 1, [100, 131_075])),
    });
    tw.world.clock.now = (S0 + 86_400) * 1000;
    assert.equal(await codeOf(tw.world, envelopeBytes(renewed)), 'accept:status-list-2021');
  });

  it('a suspension list may clear its bit (recoverVC)', async () => {
    const tw = await twoKeyIssuer();
    const submit = async (nbf: number, set: number[]) =>
      codeOf(
        tw.world,
        envelopeBytes(await list(tw, { nbf, purpose: 'suspension', bits: twBitstring(TW_LIST_BYTES, set) })),
      );
    assert.equal(await submit(S0, [7]), 'accept:status-list-2021');
    assert.equal(await submit(S0 + 1, []), 'accept:status-list-2021');
  });

  it('the credential reads both of its entries: VALID, SUSPENDED, recovered, REVOKED', async () => {
    const tw = await twoKeyIssuer();
    const put = async (nbf: number, purpose: 'revocation' | 'suspension', set: number[]) =>
      assert.equal(
        await codeOf(tw.world, envelopeBytes(await list(tw, { nbf, purpose, bits: twBitstring(TW_LIST_BYTES, set) }))),
        'accept:status-list-2021',
      );
    const { compact } = await credential(tw, 42);
    await put(S0, 'revocation', []);
    // Only one of its two lists is held: the other entry cannot be read.
    assert.equal(check(await verifyTw(tw, compact), 'status'), `undetermined:${C.STATUS_LIST_UNKNOWN}`);
    await put(S0, 'suspension', []);
    const valid = await verifyTw(tw, compact);
    assert.equal(valid.verified, true, JSON.stringify(valid.checks));
    await put(S0 + 1, 'suspension', [42]);
    assert.equal(check(await verifyTw(tw, compact), 'status'), `fail:${C.STATUS_SUSPENDED}`);
    await put(S0 + 2, 'suspension', []);
    assert.equal(check(await verifyTw(tw, compact), 'status'), 'pass');
    await put(S0 + 3, 'revocation', [42]);
    assert.equal(check(await verifyTw(tw, compact), 'status'), `fail:${C.STATUS_REVOKED}`);
    // Another holder's entry in the same lists is untouched.
    assert.equal(check(await verifyTw(tw, (await credential(tw, 43)).compact), 'status'), 'pass');
  });

  it("the issuer's stored copy (JWT, no disclosures) verifies as an SD-JWT; as application/jwt its typ is refused; a forged disclosure fails", async () => {
    const tw = await twoKeyIssuer();
    for (const purpose of ['revocation', 'suspension'] as const)
      assert.equal(
        await codeOf(tw.world, envelopeBytes(await list(tw, { nbf: S0, purpose }))),
        'accept:status-list-2021',
      );
    const cred = await credential(tw, 5);
    assert.equal((await verifyTw(tw, `${cred.jwt}~`)).verified, true);
    assert.equal(check(await verifyTw(tw, cred.jwt, 'application/jwt'), 'proof'), `fail:${C.TYP_INVALID}`);
    const forged = Buffer.from(JSON.stringify(['salt', 'name', '陳O華'])).toString('base64url');
    assert.equal(check(await verifyTw(tw, `${cred.jwt}~${forged}~`), 'proof'), `fail:${C.DISCLOSURE_UNREFERENCED}`);
    // The plain VC CredentialPrepareTask builds first, signed with typ JWT: a jwt_vc_json credential.
    const plain = await twSdJwtCredential({
      key: tw.key1,
      issuer: tw.issuer,
      holder: tw.holder,
      index: 6,
      nbf: S0,
      exp: S0 + 3600,
      fields: FIELDS,
      selectivelyDisclosable: false,
    });
    const r = await verifyTw(tw, plain.jwt, 'application/jwt');
    assert.equal(r.verified, true, JSON.stringify(r.checks));
  });

  it('interop hazard (reported, not changed): two re-signs within one second are one version with two signed contents → evidence', async () => {
    const tw = await twoKeyIssuer();
    // nbf has whole seconds and every re-sign carries a fresh random nonce (StatusListSignTask).
    assert.equal(await codeOf(tw.world, envelopeBytes(await list(tw, { nbf: S0 }))), 'accept:status-list-2021');
    assert.equal(await codeOf(tw.world, envelopeBytes(await list(tw, { nbf: S0 }))), 'accept:evidence');
  });
});
