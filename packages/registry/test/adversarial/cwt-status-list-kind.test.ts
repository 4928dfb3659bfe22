/**
 * The record kind `token-status-list-cwt` (issue 14: a Token Status List in CWT form,
 * draft-ietf-oauth-status-list §5.2) as an attacker would try it: a list signed by an unaccredited
 * key, by a key pinned for another issuer, an older iat, equivocation, a successor undoing INVALID,
 * bits changed, a DEFLATE bomb, an x5chain signer, a wrong typ, no kid, quotas, and the two forms
 * of one uri disagreeing. Each asserts its exact code beside the honest control.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import { StatusList } from '@sd-jwt/jwt-status-list';
import {
  bySubmissionOrder,
  CWT_X5CHAIN_CODES,
  classifyRecord,
  MemoryRecordStore,
  queryTokenStatus,
  type RegistryOptions,
} from '../../src/index.ts';
import { DEFAULT_INPUT_LIMITS } from '../../src/limits.ts';
import { Registry } from '../../src/registry.ts';
import { CWT_LIST_KIND_CODES as K } from '../../src/status-list/cwt-list-kind.ts';
import { CWT_STATUS_LIST_CODES as C } from '../../src/status-list/cwt-status-list.ts';
import { TOKEN_STATUS_FORMS_CODES } from '../../src/status-list/token-status-forms.ts';
import { LevelRecordStore } from '../../src/store/index.ts';
import { verifyEnvelopedCredential } from '../../src/verification/jose/verify-enveloped.ts';
import { makeWorld, T0, type World } from '../fixtures.ts';
import { accreditCwtSigner, type CwtListInput, cwtList, refLst } from '../helpers/cwt-list-fixtures.ts';
import { FX } from '../helpers/mdoc-fixtures.ts';
import { refIssueSdJwtVc, refKeyPair, refTokenStatusListJwt } from '../helpers/reference-jose.ts';

const SUB = 'https://status.example.tw/cwt/1';
const ISSUER = 'did:web:tw-cwt-issuer.example';
const IAT = Math.floor(T0 / 1000);

async function codeOf(world: World, bytes: Uint8Array | string): Promise<string> {
  const outcome = await world.registry.submit(bytes);
  return outcome.status === 'accept' ? `accept:${outcome.value.kind}` : outcome.error.code;
}

async function setup(options: Partial<RegistryOptions> = {}, store = new MemoryRecordStore()) {
  const world = await makeWorld(store, options);
  const signer = await accreditCwtSigner(world, ISSUER);
  const list = (over: Partial<CwtListInput> = {}) =>
    cwtList({ signer: signer.key, kid: signer.kid, iss: ISSUER, sub: SUB, iat: IAT, bits: 2, ...over });
  return { world, signer, list };
}

describe('Token Status List in CWT form (issue 14)', () => {
  it('control: an accredited issuer publishes; held byte-identical; entries as the reference library reads them', async () => {
    const { world, list } = await setup();
    const statuses = [0, 1, 2, 0, 3, 1, 0, 2];
    const bytes = list({ statuses, ttl: 600 });
    assert.equal(classifyRecord(bytes, { view: world.registry })?.kind, 'token-status-list-cwt');
    assert.match(classifyRecord(bytes, { view: world.registry })?.slotKey ?? '', /^token-status-list-cwt\/https:/);
    assert.equal(await codeOf(world, bytes), 'accept:token-status-list-cwt');
    const [state] = world.registry.joseStatusListVersions(SUB);
    assert.ok(state);
    assert.deepEqual(Buffer.from(state.bytes), Buffer.from(bytes));
    assert.equal(state.list.format, 'token-status-list-cwt');
    assert.equal(state.list.mediaType, 'application/statuslist+cwt');
    assert.equal(state.list.issuer, ISSUER);
    assert.equal(state.list.ttlSeconds, 600);
    const reference = new StatusList(statuses, 2);
    for (let i = 0; i < statuses.length; i++) assert.equal(state.list.read(i), reference.getStatus(i));
    assert.equal(queryTokenStatus(world.registry, SUB, 1, world.clock.now).status, 'INVALID');
    assert.equal(queryTokenStatus(world.registry, SUB, 4, world.clock.now).status, '0x03');
    assert.equal(await codeOf(world, bytes), 'DUPLICATE');
  });

  it('a list without iss is attributed to the subject whose pinned JWK the COSE kid names (protected or not)', async () => {
    const { world, list } = await setup();
    assert.equal(await codeOf(world, list({ iss: undefined, kidProtected: true })), 'accept:token-status-list-cwt');
    assert.equal(world.registry.joseStatusListVersions(SUB)[0]?.list.issuer, ISSUER);
  });

  it('an unaccredited key waits (ISSUER_UNKNOWN); under an accredited iss it is refused (KEY_NOT_PINNED); no kid is refused', async () => {
    const { world, list } = await setup();
    const stranger = await refKeyPair('ES256');
    const strangerKey = (await import('node:crypto')).createPrivateKey({
      key: stranger.privateJwk as never,
      format: 'jwk',
    });
    const waits = await world.registry.submit(list({ signer: strangerKey, kid: stranger.kid, iss: undefined }));
    assert.equal(waits.status, 'ignore');
    assert.equal('error' in waits ? waits.error.code : '', K.ISSUER_UNKNOWN);
    const unknownIss = await world.registry.submit(
      list({ signer: strangerKey, kid: stranger.kid, iss: 'did:web:nobody.example' }),
    );
    assert.equal('error' in unknownIss ? unknownIss.error.code : '', K.ISSUER_UNKNOWN);
    assert.equal(await codeOf(world, list({ signer: strangerKey, kid: stranger.kid })), K.KEY_NOT_PINNED);
    assert.equal(await codeOf(world, list({ kid: null })), K.KID_MISSING);
    assert.equal(world.registry.joseStatusListVersions(SUB).length, 0);
  });

  it('a key counts only for the scope that pinned it: another accredited issuer’s key under this iss is refused', async () => {
    const { world, signer, list } = await setup();
    const other = await accreditCwtSigner(world, 'did:web:other-cwt-issuer.example');
    // The other issuer's key, named by its own kid, claiming this issuer's list.
    assert.equal(await codeOf(world, list({ signer: other.key, kid: other.kid })), K.KEY_NOT_PINNED);
    // The other issuer's key behind this issuer's kid: the signature does not verify.
    assert.equal(await codeOf(world, list({ signer: other.key, kid: signer.kid })), 'COSE_SIGNATURE_INVALID');
    // Without iss, the other's kid makes it the other issuer's list, in the other's slot: never this issuer's.
    assert.equal(
      await codeOf(world, list({ signer: other.key, kid: other.kid, iss: undefined })),
      'accept:token-status-list-cwt',
    );
    const [state] = world.registry.joseStatusListVersions(SUB);
    assert.equal(state?.list.issuer, 'did:web:other-cwt-issuer.example');
    assert.equal(state?.signer.publicKeyJwk?.kid, other.kid);
  });

  it('an older iat is ignored; INVALID undone is a rollback; SUSPENDED→VALID is allowed; bits and length are fixed', async () => {
    const { world, list } = await setup();
    assert.equal(await codeOf(world, list({ statuses: [0, 1, 2, 0], iat: IAT + 10 })), 'accept:token-status-list-cwt');
    const stale = await world.registry.submit(list({ statuses: [0, 1, 2, 1], iat: IAT + 5 }));
    assert.equal(stale.status, 'ignore');
    assert.equal('error' in stale ? stale.error.code : '', K.STALE);
    assert.equal(await codeOf(world, list({ statuses: [0, 0, 2, 0], iat: IAT + 20 })), C.ROLLBACK);
    assert.equal(await codeOf(world, list({ statuses: [0, 1, 0, 0], bits: 4, iat: IAT + 25 })), C.SHRUNK);
    assert.equal(await codeOf(world, list({ statuses: [0, 1, 0, 1], iat: IAT + 30 })), 'accept:token-status-list-cwt');
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => world.registry.joseStatusListVersions(SUB)[0]?.list.read(i)),
      [0, 1, 0, 1],
    );
    // A list of 8 entries (2 bytes at 2 bits) may not shrink to 4 (1 byte).
    assert.equal(
      await codeOf(world, list({ statuses: [0, 1, 0, 1, 0, 0, 0, 0], iat: IAT + 40 })),
      'accept:token-status-list-cwt',
    );
    assert.equal(await codeOf(world, list({ statuses: [0, 1, 0, 1], iat: IAT + 50 })), C.SHRUNK);
  });

  it('same iat, other content: evidence (re-checked by a peer); the same content re-signed is a duplicate', async () => {
    const { world, list } = await setup();
    let wire: Uint8Array | null = null;
    world.registry.onAdmitted((a) => {
      if (a.kind === 'evidence') wire = a.bytes;
    });
    const first = list({ statuses: [0, 1], iat: IAT + 10 });
    assert.equal(await codeOf(world, first), 'accept:token-status-list-cwt');
    // ECDSA signs anew each time: other bytes, the same Sig_structure.
    assert.equal(await codeOf(world, list({ statuses: [0, 1], iat: IAT + 10 })), 'DUPLICATE');
    assert.equal(await codeOf(world, list({ statuses: [1, 1], iat: IAT + 10 })), 'accept:evidence');
    const [evidence] = await world.registry.evidence();
    assert.match(evidence?.key ?? '', /^token-status-list-cwt\/https:\/\/status\.example\.tw\/cwt\/1 z/);
    assert.equal(evidence?.signer, ISSUER);
    assert.equal(world.registry.joseStatusListVersions(SUB)[0]?.list.read(0), 0);
    assert.ok(wire);
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
    await peer.close();
  });

  it('a DEFLATE bomb stops at the decoded cap, and is never inflated for a signer that does not count', async () => {
    const cap = DEFAULT_INPUT_LIMITS.maxStatusListBits;
    const { world, list } = await setup();
    const bomb = new Uint8Array(deflateSync(Buffer.alloc(128 * 1024 * 1024), { level: 9 }));
    assert.ok(bomb.byteLength < DEFAULT_INPUT_LIMITS.maxRecordBytes - 1024);
    const fits = new Uint8Array(deflateSync(Buffer.alloc(cap / 8), { level: 9 }));
    assert.equal(await codeOf(world, list({ lst: fits, bits: 1 })), 'accept:token-status-list-cwt');
    assert.equal(await codeOf(world, list({ lst: bomb, bits: 1, iat: IAT + 1 })), C.TOO_LARGE);
    const stranger = await refKeyPair('ES256');
    const key = (await import('node:crypto')).createPrivateKey({ key: stranger.privateJwk as never, format: 'jwk' });
    // Signature first: a bomb under a key that does not count is refused by its signer, not inflated.
    assert.equal(
      await codeOf(world, list({ lst: bomb, bits: 1, iat: IAT + 2, signer: key, kid: stranger.kid })),
      K.KEY_NOT_PINNED,
    );
    assert.equal(world.registry.joseStatusListVersions(SUB)[0]?.list.size(), cap);
  });

  it('an x5chain to no accredited CA waits; a wrong typ, an untagged token and bad bits are refused with their codes', async () => {
    const { world, list } = await setup();
    // x5chain-signed lists: test/adversarial/cwt-x5chain-lists.test.ts.
    assert.equal(await codeOf(world, list({ x5chain: [FX.dsDer] })), CWT_X5CHAIN_CODES.ANCHOR_UNKNOWN);
    assert.equal(await codeOf(world, list({ typ: 'application/statuslist+jwt' })), C.TYP_INVALID);
    assert.equal(await codeOf(world, list({ typ: 'application/cwt' })), C.TYP_INVALID);
    // An untagged COSE_Sign1 is not recognised as a record (first byte 0x84): refused as not JSON.
    const untagged = list().subarray(1);
    assert.equal(await codeOf(world, untagged), 'RECORD_NOT_JSON');
    assert.equal(await codeOf(world, list({ bits: 3 as never, lst: refLst([0], 1) })), C.BITS_INVALID);
    assert.equal(await codeOf(world, list({ lst: Uint8Array.of(0x78, 0x9c, 0x01) })), C.LST_INVALID);
  });

  it('expired and future-dated lists are ignored', async () => {
    const { world, list } = await setup();
    assert.equal(await codeOf(world, list({ exp: IAT + 1 })), K.EXPIRED);
    assert.equal(await codeOf(world, list({ iat: IAT + 3600 })), K.NOT_YET_VALID);
  });

  it('per-issuer quotas count CWT and JWT lists together', async () => {
    const { world, signer, list } = await setup({
      quotas: { maxListsPerIssuer: 2, maxDecodedBytesPerIssuer: 1024 * 1024 },
    });
    assert.equal(await codeOf(world, list()), 'accept:token-status-list-cwt');
    const jwt = await refTokenStatusListJwt({
      privateJwk: signer.ref.privateJwk,
      kid: signer.kid,
      iss: ISSUER,
      sub: 'https://status.example.tw/jwt/2',
      iat: IAT,
      bits: 2,
      statuses: [0],
    });
    assert.equal(await codeOf(world, jwt), 'accept:token-status-list');
    assert.equal(await codeOf(world, list({ sub: 'https://status.example.tw/cwt/3' })), K.QUOTA_EXCEEDED);
  });

  it('one uri in both forms: they must agree on bits and final states; the newest by iat answers', async () => {
    const { world, signer, list } = await setup();
    const jwt = (statuses: number[], iat: number, bits: 1 | 2 | 4 | 8 = 2) =>
      refTokenStatusListJwt({
        privateJwk: signer.ref.privateJwk,
        kid: signer.kid,
        iss: ISSUER,
        sub: SUB,
        iat,
        bits,
        statuses,
      });
    assert.equal(await codeOf(world, await jwt([0, 1, 0, 0], IAT + 10)), 'accept:token-status-list');
    // A newer CWT that undoes the JWT's INVALID, or another bits, disagrees.
    assert.equal(
      await codeOf(world, list({ statuses: [0, 0, 0, 0], iat: IAT + 20 })),
      TOKEN_STATUS_FORMS_CODES.FORMS_DISAGREE,
    );
    assert.equal(
      await codeOf(world, list({ statuses: [0, 1], bits: 1, iat: IAT + 20 })),
      TOKEN_STATUS_FORMS_CODES.FORMS_DISAGREE,
    );
    // An older CWT showing an INVALID the newer JWT lacks disagrees too.
    assert.equal(
      await codeOf(world, list({ statuses: [1, 1, 0, 0], iat: IAT + 5 })),
      TOKEN_STATUS_FORMS_CODES.FORMS_DISAGREE,
    );
    assert.equal(await codeOf(world, list({ statuses: [0, 1, 2, 0], iat: IAT + 20 })), 'accept:token-status-list-cwt');
    assert.equal(queryTokenStatus(world.registry, SUB, 2, world.clock.now).status, 'SUSPENDED');
    // And the JWT side checks against the CWT: a newer JWT undoing nothing is fine, one undoing INVALID is not.
    assert.equal(await codeOf(world, await jwt([0, 0, 2, 0], IAT + 30)), 'TOKEN_STATUS_LIST_ROLLBACK');
    assert.equal(await codeOf(world, await jwt([0, 1, 0, 3], IAT + 30)), 'accept:token-status-list');
    assert.equal(queryTokenStatus(world.registry, SUB, 3, world.clock.now).status, '0x03');
  });

  it('an SD-JWT VC whose status_list uri is held only in CWT form is checked against it', async () => {
    const { world, signer, list } = await setup();
    assert.equal(await codeOf(world, list({ statuses: [0, 1, 2, 0] })), 'accept:token-status-list-cwt');
    const verify = async (idx: number) => {
      const compact = await refIssueSdJwtVc({
        issuerKey: signer.ref,
        iss: ISSUER,
        vct: 'urn:eudi:pid:1',
        claims: { given_name: 'Mei' },
        status: { idx, uri: SUB },
        iat: IAT,
      });
      const r = await verifyEnvelopedCredential(
        { mediaType: 'application/dc+sd-jwt', compact },
        { view: world.registry, documentLoader: world.net.documentLoader, now: world.clock.now },
      );
      return r.checks.find((c) => c.check === 'status');
    };
    assert.equal((await verify(0))?.outcome, 'pass');
    assert.equal((await verify(1))?.code, 'STATUS_INVALID');
    assert.equal((await verify(2))?.code, 'STATUS_SUSPENDED');
  });

  it('restart from a LevelDB store restores the list, and the restored state still guards INVALID', async () => {
    const location = mkdtempSync(join(tmpdir(), 'cwt-'));
    try {
      const { world, signer, list } = await setup({}, new LevelRecordStore({ location }) as never);
      const bytes = list({ statuses: [0, 1, 1, 0], iss: undefined });
      assert.equal(await codeOf(world, bytes), 'accept:token-status-list-cwt');
      await world.registry.close();
      const reopened = await Registry.open(
        { networkId: world.net.networkId, genesisDigest: world.net.genesisDigest },
        { store: new LevelRecordStore({ location }), now: () => world.clock.now },
      );
      const [state] = reopened.joseStatusListVersions(SUB);
      assert.ok(state);
      assert.deepEqual(Buffer.from(state.bytes), Buffer.from(bytes));
      assert.deepEqual(
        [0, 1, 2, 3].map((i) => state.list.read(i)),
        [0, 1, 1, 0],
      );
      assert.equal(state.list.issuer, ISSUER);
      assert.equal(state.signer.publicKeyJwk?.kid, signer.kid);
      const undo = await reopened.submit(list({ statuses: [0, 0, 1, 0], iat: IAT + 60 }));
      assert.equal(undo.status === 'accept' ? 'accept' : undo.error.code, C.ROLLBACK);
      await reopened.close();
    } finally {
      rmSync(location, { recursive: true, force: true });
    }
  });
});
