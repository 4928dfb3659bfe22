/**
 * IETF Token Status Lists in JWT form (draft-ietf-oauth-status-list §5.1) as an attacker would try
 * them: wrong typ, bits 3, bad zlib, a DEFLATE bomb, stale iat, INVALID undone, a shorter list, a key
 * of another accredited issuer, an unaccredited signer, equivocation, `alg: none`. Each asserts its
 * code beside the honest control, read back equal to the reference reader (@sd-jwt/jwt-status-list).
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import { getListFromStatusListJWT } from '@sd-jwt/jwt-status-list';
import { importJWK, SignJWT } from 'jose';
import {
  bySubmissionOrder,
  canonicalBytes,
  EVIDENCE_TYPE,
  importPrivateJwk,
  issueAccreditation,
  MemoryRecordStore,
  proveKeyPossession,
} from '../../src/index.ts';
import { DEFAULT_INPUT_LIMITS } from '../../src/limits.ts';
import { Registry } from '../../src/registry.ts';
import { TOKEN_STATUS_LIST_CODES as C } from '../../src/status-list/jose-lists.ts';
import { LevelRecordStore } from '../../src/store/index.ts';
import { makeWorld, T0, type World } from '../fixtures.ts';
import {
  type RefKeyPair,
  refKeyPair,
  refReadTokenStatusList,
  refTokenStatusListJwt,
} from '../helpers/reference-jose.ts';

const YEAR = 365 * 24 * 3600 * 1000;
const SUB = 'https://tw-diw-issuer.example/status/1';
const IAT = Math.floor(T0 / 1000);

async function accredit(world: World, did: string): Promise<RefKeyPair> {
  const ref = await refKeyPair('ES256');
  const key = await importPrivateJwk(ref.privateJwk, { did, verificationMethod: `${did}#${ref.kid}` });
  const id = `urn:uuid:${crypto.randomUUID()}`;
  const possessed = await proveKeyPossession(key, id, { jwk: { kid: ref.kid } });
  const accreditation = await issueAccreditation(
    {
      accreditor: world.net.keys.twMinistry,
      subject: did,
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
  return ref;
}

async function signRaw(ref: RefKeyPair, header: Record<string, unknown>, payload: Record<string, unknown>) {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', typ: 'statuslist+jwt', kid: ref.kid, ...header } as never)
    .sign(await importJWK(ref.privateJwk, 'ES256'));
}

async function codeOf(world: World, jwt: string): Promise<string> {
  const outcome = await world.registry.submit(jwt);
  return outcome.status === 'accept' ? `accept:${outcome.value.kind}` : outcome.error.code;
}

const ISSUER = 'did:web:tw-diw-issuer.example';

async function setup(options = {}) {
  const world = await makeWorld(undefined, options);
  const ref = await accredit(world, ISSUER);
  const list = (statuses: number[], iat = IAT, bits: 1 | 2 | 4 | 8 = 2) =>
    refTokenStatusListJwt({ privateJwk: ref.privateJwk, kid: ref.kid, iss: ISSUER, sub: SUB, iat, bits, statuses });
  return { world, ref, list };
}

describe('Token Status List (issue 13)', () => {
  it('control: an accredited issuer publishes; read back equals the reference reader; bytes served byte-identical', async () => {
    const { world, list } = await setup();
    const statuses = [0, 1, 2, 0, 3, 1, 0, 2];
    const jwt = await list(statuses);
    assert.equal(await codeOf(world, jwt), 'accept:token-status-list');
    const [state] = world.registry.joseStatusListVersions(SUB);
    assert.ok(state);
    assert.equal(new TextDecoder().decode(state.bytes), jwt);
    assert.equal(state.list.mediaType, 'application/statuslist+jwt');
    assert.equal(state.list.issuer, ISSUER);
    assert.equal(state.list.bits, 2);
    for (let i = 0; i < statuses.length; i++) {
      assert.equal(state.list.read(i), refReadTokenStatusList(jwt, i));
      assert.equal(state.list.read(i), statuses[i]);
    }
    // The reference library reads what the registry holds.
    const served = getListFromStatusListJWT(new TextDecoder().decode(state.bytes));
    assert.equal(served.getStatus(4), 3);
    assert.throws(() => state.list.read(state.list.size()), RangeError);
  });

  it('a list without iss is attributed to the subject whose pinned key the kid names', async () => {
    const { world, ref } = await setup();
    const jwt = await refTokenStatusListJwt({
      privateJwk: ref.privateJwk,
      kid: ref.kid,
      sub: SUB,
      iat: IAT,
      bits: 1,
      statuses: [1, 0],
    });
    assert.equal(await codeOf(world, jwt), 'accept:token-status-list');
    assert.equal(world.registry.joseStatusListVersions(SUB)[0]?.list.issuer, ISSUER);
  });

  it('restart from a LevelDB store restores the list', async () => {
    const location = mkdtempSync(join(tmpdir(), 'tsl-'));
    try {
      const world = await makeWorld(new LevelRecordStore({ location }));
      const ref = await accredit(world, ISSUER);
      const jwt = await refTokenStatusListJwt({
        privateJwk: ref.privateJwk,
        kid: ref.kid,
        iss: ISSUER,
        sub: SUB,
        iat: IAT,
        bits: 1,
        statuses: [0, 1, 1, 0],
      });
      assert.equal(await codeOf(world, jwt), 'accept:token-status-list');
      await world.registry.close();
      const reopened = await Registry.open(
        { networkId: world.net.networkId, genesisDigest: world.net.genesisDigest },
        { store: new LevelRecordStore({ location }), now: () => world.clock.now },
      );
      const [state] = reopened.joseStatusListVersions(SUB);
      assert.ok(state);
      assert.equal(new TextDecoder().decode(state.bytes), jwt);
      assert.deepEqual(
        [0, 1, 2, 3].map((i) => state.list.read(i)),
        [0, 1, 1, 0],
      );
      assert.equal(state.signer.publicKeyJwk?.kid, ref.kid);
      assert.equal(state.list.issuer, ISSUER);
      // The restored state still guards the invariants: undoing INVALID is refused.
      const undo = await refTokenStatusListJwt({
        privateJwk: ref.privateJwk,
        kid: ref.kid,
        iss: ISSUER,
        sub: SUB,
        iat: IAT + 60,
        bits: 1,
        statuses: [0, 0, 1, 0],
      });
      const outcome = await reopened.submit(undo);
      assert.equal(outcome.status === 'accept' ? 'accept' : outcome.error.code, C.ROLLBACK);
      await reopened.close();
    } finally {
      rmSync(location, { recursive: true, force: true });
    }
  });

  it('wrong typ, bits 3, bad zlib, missing sub and iat are rejected with their codes', async () => {
    const { world, ref } = await setup();
    const lst = deflateSync(Buffer.from([0x12])).toString('base64url');
    const ok = { iss: ISSUER, sub: SUB, iat: IAT, status_list: { bits: 1, lst } };
    assert.equal(await codeOf(world, await signRaw(ref, {}, ok)), 'accept:token-status-list');
    assert.equal(await codeOf(world, await signRaw(ref, { typ: 'JWT' }, { ...ok, iat: IAT + 1 })), C.TYP_INVALID);
    assert.equal(
      await codeOf(world, await signRaw(ref, {}, { ...ok, iat: IAT + 2, status_list: { bits: 3, lst } })),
      C.BITS_INVALID,
    );
    assert.equal(
      await codeOf(world, await signRaw(ref, {}, { ...ok, iat: IAT + 3, status_list: { bits: 1, lst: 'AAAAAAAA' } })),
      C.LST_INVALID,
    );
    const { sub: _s, ...noSub } = ok;
    assert.equal(await codeOf(world, await signRaw(ref, {}, noSub)), C.SUB_MISSING);
    const { iat: _i, ...noIat } = ok;
    assert.equal(await codeOf(world, await signRaw(ref, {}, noIat)), C.IAT_MISSING);
  });

  it('a DEFLATE bomb stops at the decoded cap', async () => {
    const cap = DEFAULT_INPUT_LIMITS.maxStatusListBits; // 2^26 bits: 8 MiB of list
    const { world, ref } = await setup();
    const fits = deflateSync(Buffer.alloc(cap / 8), { level: 9 }).toString('base64url');
    assert.equal(
      await codeOf(
        world,
        await signRaw(ref, {}, { iss: ISSUER, sub: SUB, iat: IAT, status_list: { bits: 1, lst: fits } }),
      ),
      'accept:token-status-list',
    );
    // 128 MiB of zeros compress to ~128 KiB (a 1000:1 bomb within the record size limit); inflation
    // is capped at cap/8 bytes of output (zlib maxOutputLength), so it never allocates 128 MiB.
    const bomb = deflateSync(Buffer.alloc(128 * 1024 * 1024), { level: 9 });
    assert.ok(bomb.byteLength * 1.34 < DEFAULT_INPUT_LIMITS.maxRecordBytes - 1024);
    const jwt = await signRaw(
      ref,
      {},
      { iss: ISSUER, sub: SUB, iat: IAT + 1, status_list: { bits: 1, lst: bomb.toString('base64url') } },
    );
    assert.equal(await codeOf(world, jwt), C.TOO_LARGE);
    assert.equal(world.registry.joseStatusListVersions(SUB)[0]?.list.size(), cap);
  });

  it('stale iat is ignored; INVALID undone is a rollback; SUSPENDED→VALID is allowed', async () => {
    const { world, list } = await setup();
    assert.equal(await codeOf(world, await list([0, 1, 2, 0], IAT + 10)), 'accept:token-status-list');
    const stale = await world.registry.submit(await list([0, 1, 2, 1], IAT + 5));
    assert.equal(stale.status, 'ignore');
    assert.equal('error' in stale ? stale.error.code : '', C.STALE);
    assert.equal(await codeOf(world, await list([0, 0, 2, 0], IAT + 20)), C.ROLLBACK);
    assert.equal(await codeOf(world, await list([0, 1, 0, 1], IAT + 30)), 'accept:token-status-list');
    const [state] = world.registry.joseStatusListVersions(SUB);
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => state?.list.read(i)),
      [0, 1, 0, 1],
    );
  });

  it('a shorter list is rejected; a longer one is a valid newer version', async () => {
    const { world, list } = await setup();
    assert.equal(await codeOf(world, await list(new Array(16).fill(0), IAT, 1)), 'accept:token-status-list');
    assert.equal(await codeOf(world, await list(new Array(8).fill(0), IAT + 1, 1)), C.SHRUNK);
    assert.equal(await codeOf(world, await list(new Array(24).fill(0), IAT + 2, 1)), 'accept:token-status-list');
    assert.equal(world.registry.joseStatusListVersions(SUB)[0]?.list.size(), 24);
  });

  it("another accredited issuer's key under this issuer's iss does not count; an unaccredited signer waits", async () => {
    const { world, list } = await setup();
    const other = await accredit(world, 'did:web:other-issuer.example');
    assert.equal(await codeOf(world, await list([0, 1])), 'accept:token-status-list');
    const forged = await refTokenStatusListJwt({
      privateJwk: other.privateJwk,
      kid: other.kid,
      iss: ISSUER,
      sub: SUB,
      iat: IAT + 1,
      bits: 1,
      statuses: [0, 0],
    });
    assert.equal(await codeOf(world, forged), 'JWS_KEY_NOT_PINNED');
    const stranger = await refKeyPair('ES256');
    const unknown = await refTokenStatusListJwt({
      privateJwk: stranger.privateJwk,
      kid: stranger.kid,
      iss: 'did:web:nobody.example',
      sub: SUB,
      iat: IAT + 2,
      bits: 1,
      statuses: [0],
    });
    const outcome = await world.registry.submit(unknown);
    assert.equal(outcome.status, 'ignore');
    assert.equal('error' in outcome ? outcome.error.code : '', C.ISSUER_UNKNOWN);
    const noIss = await refTokenStatusListJwt({
      privateJwk: stranger.privateJwk,
      kid: stranger.kid,
      sub: SUB,
      iat: IAT + 3,
      bits: 1,
      statuses: [0],
    });
    assert.equal(await codeOf(world, noIss), C.ISSUER_UNKNOWN);
  });

  it('same iat, other bits, same key: equivocation evidence', async () => {
    const { world, list } = await setup();
    assert.equal(await codeOf(world, await list([0, 1], IAT + 10)), 'accept:token-status-list');
    assert.equal(await codeOf(world, await list([1, 1], IAT + 10)), 'accept:evidence');
    const evidence = await world.registry.evidence();
    assert.equal(evidence.length, 1);
    assert.match(evidence[0]?.key ?? '', /^token-status-list\/https:\/\/tw-diw-issuer\.example\/status\/1 z/);
    // The held version is unchanged.
    assert.equal(world.registry.joseStatusListVersions(SUB)[0]?.list.read(0), 0);
  });

  it('gossiped JOSE evidence is re-checked by a peer: admitted as evidence; a false accusation is refused', async () => {
    const { world, list } = await setup();
    let wire: Uint8Array | null = null;
    world.registry.onAdmitted((a) => {
      if (a.kind === 'evidence') wire = a.bytes;
    });
    const first = await list([0, 1], IAT + 10);
    await world.registry.submit(first);
    await world.registry.submit(await list([1, 1], IAT + 10));
    assert.ok(wire);
    // A peer holding the same governance and accreditations, but not the lists nor the evidence.
    const peer = await Registry.open(
      { networkId: world.net.networkId, genesisDigest: world.net.genesisDigest },
      { store: new MemoryRecordStore(), now: () => world.clock.now },
    );
    const held: Uint8Array[] = [];
    for await (const r of world.store.records())
      if (r.kind === 'governance' || r.kind === 'accreditation') held.push(r.bytes);
    for (const bytes of bySubmissionOrder(held, (b) => b)) await peer.submit(bytes);
    const outcome = await peer.submit(wire);
    assert.equal(outcome.status === 'accept' ? outcome.value.kind : outcome.error.code, 'evidence');
    assert.equal((await peer.evidence())[0]?.signer, ISSUER);
    // The same signed JWS, bare and in TW DIW's envelope, is no conflict: a false accusation.
    const envelope = canonicalBytes({ statusList: first });
    const forged = canonicalBytes({
      type: EVIDENCE_TYPE,
      kind: 'token-status-list',
      records: [first, JSON.parse(new TextDecoder().decode(envelope))],
    });
    const refused = await peer.submit(forged);
    assert.equal(refused.status === 'accept' ? 'accept' : refused.error.code, 'EVIDENCE_INVALID');
    await peer.close();
  });

  it('alg none is refused', async () => {
    const { world } = await setup();
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const lst = deflateSync(Buffer.from([0])).toString('base64url');
    const jwt = `${b64({ alg: 'none', typ: 'statuslist+jwt' })}.${b64({ iss: ISSUER, sub: SUB, iat: IAT, status_list: { bits: 1, lst } })}.`;
    assert.equal(await codeOf(world, jwt), 'JWS_ALG_UNSUPPORTED');
  });

  it('expired and future-dated lists are ignored', async () => {
    const { world, ref } = await setup();
    const lst = deflateSync(Buffer.from([0])).toString('base64url');
    const base = { iss: ISSUER, sub: SUB, status_list: { bits: 1, lst } };
    assert.equal(await codeOf(world, await signRaw(ref, {}, { ...base, iat: IAT, exp: IAT + 1 })), C.EXPIRED);
    assert.equal(await codeOf(world, await signRaw(ref, {}, { ...base, iat: IAT + 3600 })), C.NOT_YET_VALID);
  });
});
