/**
 * StatusList2021 credentials as JWTs (jwt_vc_json: payload `vc`, type StatusList2021Credential),
 * bare and in TW DIW's envelope `{"statusList": "<JWT>"}` (issue 13): honest control read MSB-first
 * (bit 0 = most significant bit of byte 0), served byte-identical; revocation bits never cleared;
 * suspension may clear; shorter lists refused, longer accepted; GZIP bomb and bad GZIP; nbf fallback.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { importJWK, SignJWT } from 'jose';
import { importPrivateJwk, issueAccreditation, proveKeyPossession } from '../../src/index.ts';
import { DEFAULT_INPUT_LIMITS } from '../../src/limits.ts';
import { STATUS_LIST_2021_CODES as C } from '../../src/status-list/jose-lists.ts';
import { makeWorld, T0, type World } from '../fixtures.ts';
import { type RefKeyPair, refKeyPair } from '../helpers/reference-jose.ts';

const YEAR = 365 * 24 * 3600 * 1000;
const ISSUER = 'did:web:tw-diw-issuer.example';
const URI = 'https://tw-diw-issuer.example/api/status-list/1';
const IAT = Math.floor(T0 / 1000);

async function setup(): Promise<{ world: World; ref: RefKeyPair }> {
  const world = await makeWorld();
  const ref = await refKeyPair('ES256');
  const key = await importPrivateJwk(ref.privateJwk, { did: ISSUER, verificationMethod: `${ISSUER}#${ref.kid}` });
  const id = `urn:uuid:${crypto.randomUUID()}`;
  const possessed = await proveKeyPossession(key, id, { jwk: { kid: ref.kid } });
  const accreditation = await issueAccreditation(
    {
      accreditor: world.net.keys.twMinistry,
      subject: ISSUER,
      role: 'issuer',
      accreditedFor: [{ types: ['urn:eudi:pid:1'], jurisdiction: 'TW' }],
      subjectKeys: [possessed],
      validFrom: new Date(T0),
      validUntil: new Date(T0 + YEAR),
      id,
    },
    world.net.documentLoader,
  );
  const outcome = await world.registry.submit(accreditation);
  assert.equal(outcome.status, 'accept', JSON.stringify(outcome));
  return { world, ref };
}

/** MSB-first bitstring (bit 0 = most significant bit of byte 0) of `bytes` bytes with `set` bits. */
function bitstring(bytes: number, set: number[]): Buffer {
  const b = Buffer.alloc(bytes);
  for (const i of set) b[i >> 3] = (b[i >> 3] ?? 0) | (0x80 >> (i & 7));
  return b;
}

async function sl2021(
  ref: RefKeyPair,
  opts: { encodedList?: string; bits?: Buffer; iat?: number; nbf?: number; purpose?: string } = {},
): Promise<string> {
  const encodedList = opts.encodedList ?? gzipSync(opts.bits ?? bitstring(16, [])).toString('base64url');
  const payload: Record<string, unknown> = {
    iss: ISSUER,
    jti: URI,
    vc: {
      '@context': ['https://www.w3.org/2018/credentials/v1', 'https://w3id.org/vc/status-list/2021/v1'],
      type: ['VerifiableCredential', 'StatusList2021Credential'],
      id: URI,
      issuer: ISSUER,
      credentialSubject: {
        id: `${URI}#list`,
        type: 'StatusList2021',
        statusPurpose: opts.purpose ?? 'revocation',
        encodedList,
      },
    },
  };
  if (opts.nbf !== undefined) payload.nbf = opts.nbf;
  else payload.iat = opts.iat ?? IAT;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: ref.kid })
    .sign(await importJWK(ref.privateJwk, 'ES256'));
}

async function codeOf(world: World, input: unknown): Promise<string> {
  const outcome = await world.registry.submit(input);
  return outcome.status === 'accept' ? `accept:${outcome.value.kind}` : outcome.error.code;
}

describe('StatusList2021 as JWT (issue 13)', () => {
  it('control: bare JWT accepted, read MSB-first, served byte-identical as application/jwt', async () => {
    const { world, ref } = await setup();
    const jwt = await sl2021(ref, { bits: bitstring(16, [0, 9, 127]) });
    assert.equal(await codeOf(world, jwt), 'accept:status-list-2021');
    const [state] = world.registry.joseStatusListVersions(URI);
    assert.ok(state);
    assert.equal(new TextDecoder().decode(state.bytes), jwt);
    assert.equal(state.list.mediaType, 'application/jwt');
    assert.equal(state.list.purpose, 'revocation');
    assert.equal(state.list.size(), 128);
    assert.deepEqual(
      [0, 1, 8, 9, 126, 127].map((i) => state.list.read(i)),
      [1, 0, 0, 1, 0, 1],
    );
  });

  it("control: TW DIW's envelope accepted and served as the envelope; the bare form of the same JWS is a duplicate", async () => {
    const { world, ref } = await setup();
    const jwt = await sl2021(ref, { bits: bitstring(16, [3]) });
    assert.equal(await codeOf(world, { statusList: jwt }), 'accept:status-list-2021');
    const [state] = world.registry.joseStatusListVersions(URI);
    assert.equal(new TextDecoder().decode(state?.bytes), JSON.stringify({ statusList: jwt }));
    assert.equal(state?.list.mediaType, 'application/json');
    assert.equal(state?.list.read(3), 1);
    assert.equal(await codeOf(world, jwt), 'DUPLICATE');
  });

  it('revocation bits are never cleared; a suspension list may clear', async () => {
    const { world, ref } = await setup();
    assert.equal(await codeOf(world, await sl2021(ref, { bits: bitstring(16, [5]) })), 'accept:status-list-2021');
    assert.equal(await codeOf(world, await sl2021(ref, { bits: bitstring(16, []), iat: IAT + 1 })), C.ROLLBACK);
    assert.equal(
      await codeOf(world, await sl2021(ref, { bits: bitstring(16, [5, 6]), iat: IAT + 2 })),
      'accept:status-list-2021',
    );
    const stale = await world.registry.submit(await sl2021(ref, { bits: bitstring(16, [5, 7]), iat: IAT + 1 }));
    assert.equal('error' in stale ? stale.error.code : '', C.STALE);
  });

  it('a suspension list may clear a bit', async () => {
    const { world, ref } = await setup();
    assert.equal(
      await codeOf(world, await sl2021(ref, { bits: bitstring(16, [5]), purpose: 'suspension' })),
      'accept:status-list-2021',
    );
    assert.equal(
      await codeOf(world, await sl2021(ref, { bits: bitstring(16, []), purpose: 'suspension', iat: IAT + 1 })),
      'accept:status-list-2021',
    );
    assert.equal(world.registry.joseStatusListVersions(URI)[0]?.list.read(5), 0);
  });

  it('a shorter list is rejected; a longer one (whole bytes appended, TW DIW) is accepted', async () => {
    const { world, ref } = await setup();
    assert.equal(await codeOf(world, await sl2021(ref, { bits: bitstring(16, [1]) })), 'accept:status-list-2021');
    assert.equal(await codeOf(world, await sl2021(ref, { bits: bitstring(8, [1]), iat: IAT + 1 })), C.SHRUNK);
    assert.equal(
      await codeOf(world, await sl2021(ref, { bits: bitstring(17, [1, 130]), iat: IAT + 2 })),
      'accept:status-list-2021',
    );
    const [state] = world.registry.joseStatusListVersions(URI);
    assert.equal(state?.list.size(), 136);
    assert.equal(state?.list.read(130), 1);
  });

  it('bad GZIP and a GZIP bomb beyond the cap are rejected', async () => {
    const { world, ref } = await setup();
    assert.equal(await codeOf(world, await sl2021(ref, { encodedList: 'AAAAAAAAAAAA' })), C.LST_INVALID);
    const bomb = gzipSync(Buffer.alloc(128 * 1024 * 1024), { level: 9 });
    assert.ok(bomb.byteLength * 1.34 < DEFAULT_INPUT_LIMITS.maxRecordBytes - 2048);
    assert.equal(await codeOf(world, await sl2021(ref, { encodedList: bomb.toString('base64url') })), C.TOO_LARGE);
    // Control: a cap-sized list (2^26 bits) fits.
    const fits = gzipSync(Buffer.alloc(DEFAULT_INPUT_LIMITS.maxStatusListBits / 8), { level: 9 }).toString('base64url');
    assert.equal(await codeOf(world, await sl2021(ref, { encodedList: fits })), 'accept:status-list-2021');
  });

  it('nbf orders versions when iat is absent; neither is IAT_MISSING', async () => {
    const { world, ref } = await setup();
    assert.equal(await codeOf(world, await sl2021(ref, { nbf: IAT })), 'accept:status-list-2021');
    assert.equal(world.registry.joseStatusListVersions(URI)[0]?.list.versionMs, IAT * 1000);
    const jwt = await new SignJWT({
      iss: ISSUER,
      jti: URI,
      vc: {
        type: ['StatusList2021Credential'],
        credentialSubject: {
          statusPurpose: 'revocation',
          encodedList: gzipSync(Buffer.alloc(16)).toString('base64url'),
        },
      },
    })
      .setProtectedHeader({ alg: 'ES256', kid: ref.kid })
      .sign(await importJWK(ref.privateJwk, 'ES256'));
    assert.equal(await codeOf(world, jwt), C.IAT_MISSING);
  });

  it('a key that does not count for the issuer is refused', async () => {
    const { world } = await setup();
    const stranger = await refKeyPair('ES256');
    assert.equal(await codeOf(world, await sl2021(stranger)), 'JWS_KEY_NOT_PINNED');
  });
});
