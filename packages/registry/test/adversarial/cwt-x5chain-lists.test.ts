/**
 * Token Status Lists in CWT form signed through an `x5chain` (RFC 9360; issue 14), the mdoc
 * issuer's usual form: the fixture IACA (openssl, test/fixtures/x509/mdoc and mdoc-status)
 * accredited through a real CA accreditation, lists built by cbor-x with the reference library's
 * `lst`. Each attack asserts its exact code beside the honest control: a chain to an unaccredited
 * root, to an accredited CA that is not an IACA, a leaf without the mdlDS EKU or without
 * digitalSignature, a signature by another key than the leaf's, an expired DS certificate; and the
 * kind's invariants (slot per anchor × leaf, only newer, INVALID final, evidence, quotas by
 * anchor, restore).
 */
import * as assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  caSubjectId,
  classifyRecord,
  MemoryRecordStore,
  queryTokenStatus,
  type RegistryOptions,
  spkiSha256Of,
  CWT_X5CHAIN_CODES as X,
  x5chainSignerId,
} from '../../src/index.ts';
import { Registry } from '../../src/registry.ts';
import { CWT_LIST_KIND_CODES as K } from '../../src/status-list/cwt-list-kind.ts';
import { CWT_STATUS_LIST_CODES as C } from '../../src/status-list/cwt-status-list.ts';
import { LevelRecordStore } from '../../src/store/index.ts';
import { makeWorld, T0, type World } from '../fixtures.ts';
import { type BuildCwtOptions, buildCwtStatusList, FX, MDL, SFX } from '../helpers/mdoc-fixtures.ts';
import { accreditCa } from './ca-fixtures.ts';

const SUB = 'https://status.example.jp/mdl/1';
const IAT = Math.floor(T0 / 1000);
const spki = (der: Uint8Array) =>
  spkiSha256Of(new Uint8Array(new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' })));
const IACA_JP = spki(FX.iacaDer);
const IACA_TW = spki(SFX.iacaTwDer);

async function codeOf(world: World, bytes: Uint8Array): Promise<string> {
  const outcome = await world.registry.submit(bytes);
  return outcome.status === 'accept' ? `accept:${outcome.value.kind}` : outcome.error.code;
}

async function messageOf(world: World, bytes: Uint8Array): Promise<string> {
  const outcome = await world.registry.submit(bytes);
  return outcome.status === 'accept' ? 'accept' : `${outcome.error.code} ${outcome.error.message}`;
}

/** A world whose JP IACA is accredited for mDL × JP (and the TW IACA for mDL × TW when asked). */
async function setup(options: { tw?: boolean; registry?: Partial<RegistryOptions>; store?: never } = {}) {
  const world = await makeWorld(options.store ?? new MemoryRecordStore(), options.registry ?? {});
  const jp = await accreditCa(world, world.net.keys.jpAgency, FX.iacaDer, [{ docTypes: [MDL], jurisdiction: 'JP' }]);
  assert.equal((await world.registry.submit(jp)).status, 'accept');
  if (options.tw) {
    const tw = await accreditCa(world, world.net.keys.twMinistry, SFX.iacaTwDer, [
      { docTypes: [MDL], jurisdiction: 'TW' },
    ]);
    assert.equal((await world.registry.submit(tw)).status, 'accept');
  }
  // The JP document signer publishes its IACA's list (draft §11: the Status Issuer is the mdoc issuer).
  const list = (o: BuildCwtOptions = {}) =>
    buildCwtStatusList({
      sub: SUB,
      iat: IAT,
      bits: 2,
      entries: [0, 1, 2, 0],
      signer: FX.dsKey,
      x5chain: [FX.dsDer],
      ...o,
    });
  return { world, list };
}

describe('x5chain-signed Token Status Lists (CWT)', () => {
  it('control: a DS certificate under the accredited IACA publishes; slot = sub + anchor + leaf; attributed to the IACA', async () => {
    const { world, list } = await setup();
    const bytes = list();
    const slot = `token-status-list-cwt/${SUB} ${x5chainSignerId(IACA_JP, spki(FX.dsDer))}`;
    assert.equal(classifyRecord(bytes, { view: world.registry })?.slotKey, slot);
    assert.equal(await codeOf(world, bytes), 'accept:token-status-list-cwt');
    const [state] = world.registry.joseStatusListVersions(SUB);
    assert.ok(state);
    assert.equal(state.key, slot);
    assert.equal(state.list.issuer, caSubjectId(IACA_JP));
    assert.deepEqual(Buffer.from(state.bytes), Buffer.from(bytes));
    assert.equal(queryTokenStatus(world.registry, SUB, 2, world.clock.now).status, 'SUSPENDED');
    assert.equal(await codeOf(world, bytes), 'DUPLICATE');
  });

  it('a chain to an unaccredited root waits (ANCHOR_UNKNOWN); once its IACA is accredited the same list is admitted', async () => {
    const { world } = await setup();
    const tw = buildCwtStatusList({
      sub: SUB,
      iat: IAT,
      bits: 2,
      entries: [0],
      signer: SFX.dsTwKey,
      x5chain: [SFX.dsTwDer],
    });
    assert.equal(await codeOf(world, tw), X.ANCHOR_UNKNOWN);
    const grant = await accreditCa(world, world.net.keys.twMinistry, SFX.iacaTwDer, [
      { docTypes: [MDL], jurisdiction: 'TW' },
    ]);
    assert.equal((await world.registry.submit(grant)).status, 'accept');
    assert.equal(await codeOf(world, tw), 'accept:token-status-list-cwt');
  });

  it('a chain to an accredited CA that is not an IACA (certificate policies only) is refused NOT_IACA', async () => {
    const world = await makeWorld();
    const grant = await accreditCa(world, world.net.keys.twMinistry, SFX.iacaTwDer, [
      { certificatePolicies: ['1.2.3.4'], jurisdiction: 'TW' },
    ]);
    assert.equal((await world.registry.submit(grant)).status, 'accept');
    const tw = buildCwtStatusList({
      sub: SUB,
      iat: IAT,
      bits: 2,
      entries: [0],
      signer: SFX.dsTwKey,
      x5chain: [SFX.dsTwDer],
    });
    assert.equal(await codeOf(world, tw), X.NOT_IACA);
  });

  it('a leaf without the mdlDS EKU, or whose keyUsage lacks digitalSignature, is refused SIGNER_USAGE', async () => {
    const { world, list } = await setup();
    assert.equal(await codeOf(world, list({ signer: SFX.leafKey, x5chain: [SFX.serverJpDer] })), X.SIGNER_USAGE);
    assert.match(
      await messageOf(world, list({ signer: SFX.leafKey, x5chain: [SFX.agreementJpDer] })),
      /^CWT_STATUS_LIST_X5CHAIN_SIGNER_USAGE header.x5chain: KEY_USAGE_MISMATCH/,
    );
    assert.equal(await codeOf(world, list()), 'accept:token-status-list-cwt');
  });

  it('a signature by another key than the leaf’s is refused COSE_SIGNATURE_INVALID (the attacker holds only the certificate)', async () => {
    const { world, list } = await setup();
    assert.equal(await codeOf(world, list({ signer: FX.attackerKey })), 'COSE_SIGNATURE_INVALID');
    // The IACA's own key is not the leaf's either.
    assert.equal(await codeOf(world, list({ signer: SFX.leafKey })), 'COSE_SIGNATURE_INVALID');
    assert.equal(world.registry.joseStatusListVersions(SUB).length, 0);
  });

  it('an expired DS certificate is refused PATH_INVALID (CERTIFICATE_EXPIRED)', async () => {
    const { world, list } = await setup();
    const message = await messageOf(world, list({ signer: SFX.leafKey, x5chain: [SFX.expiredDsJpDer] }));
    assert.match(message, /^CWT_STATUS_LIST_X5CHAIN_PATH_INVALID header.x5chain: CERTIFICATE_EXPIRED/);
  });

  it('only newer: an older iat is ignored, INVALID undone is a rollback, SUSPENDED→VALID is allowed', async () => {
    const { world, list } = await setup();
    assert.equal(await codeOf(world, list({ iat: IAT + 10 })), 'accept:token-status-list-cwt');
    assert.equal(await codeOf(world, list({ iat: IAT + 5 })), K.STALE);
    assert.equal(await codeOf(world, list({ iat: IAT + 20, entries: [0, 0, 2, 0] })), C.ROLLBACK);
    assert.equal(await codeOf(world, list({ iat: IAT + 20, entries: [0, 1, 0, 0] })), 'accept:token-status-list-cwt');
    assert.equal(queryTokenStatus(world.registry, SUB, 2, world.clock.now).status, 'VALID');
  });

  it('same iat, other content: evidence against the IACA’s slot', async () => {
    const { world, list } = await setup();
    assert.equal(await codeOf(world, list({ iat: IAT + 10 })), 'accept:token-status-list-cwt');
    assert.equal(await codeOf(world, list({ iat: IAT + 10, entries: [1, 1, 2, 0] })), 'accept:evidence');
    const [evidence] = await world.registry.evidence();
    assert.equal(evidence?.key, `token-status-list-cwt/${SUB} ${x5chainSignerId(IACA_JP, spki(FX.dsDer))}`);
    assert.equal(evidence?.signer, caSubjectId(IACA_JP));
  });

  it('two IACAs never share a slot: the TW IACA’s list at the same uri is held beside the JP one', async () => {
    const { world, list } = await setup({ tw: true });
    assert.equal(await codeOf(world, list()), 'accept:token-status-list-cwt');
    const tw = buildCwtStatusList({
      sub: SUB,
      iat: IAT + 30,
      bits: 2,
      entries: [0, 0, 0, 0],
      signer: SFX.dsTwKey,
      x5chain: [SFX.dsTwDer],
    });
    assert.equal(await codeOf(world, tw), 'accept:token-status-list-cwt');
    const issuers = world.registry
      .joseStatusListVersions(SUB)
      .map((s) => s.list.issuer)
      .sort();
    assert.deepEqual(issuers, [caSubjectId(IACA_JP), caSubjectId(IACA_TW)].sort());
  });

  it('quotas count per anchor', async () => {
    const { world, list } = await setup({
      registry: { quotas: { maxListsPerIssuer: 1, maxDecodedBytesPerIssuer: 1024 * 1024 } },
    });
    assert.equal(await codeOf(world, list()), 'accept:token-status-list-cwt');
    assert.equal(await codeOf(world, list({ sub: `${SUB}-2` })), K.QUOTA_EXCEEDED);
  });

  it('restart from a LevelDB store restores the list under the IACA, and it still guards INVALID', async () => {
    const location = mkdtempSync(join(tmpdir(), 'cwt-x5c-'));
    try {
      const { world, list } = await setup({ store: new LevelRecordStore({ location }) as never });
      const bytes = list();
      assert.equal(await codeOf(world, bytes), 'accept:token-status-list-cwt');
      await world.registry.close();
      const reopened = await Registry.open(
        { networkId: world.net.networkId, genesisDigest: world.net.genesisDigest },
        { store: new LevelRecordStore({ location }), now: () => world.clock.now },
      );
      const [state] = reopened.joseStatusListVersions(SUB);
      assert.ok(state);
      assert.deepEqual(Buffer.from(state.bytes), Buffer.from(bytes));
      assert.equal(state.list.issuer, caSubjectId(IACA_JP));
      assert.equal(state.signer.publicKeyMultibase, x5chainSignerId(IACA_JP, spki(FX.dsDer)));
      const undo = await reopened.submit(list({ iat: IAT + 60, entries: [0, 0, 2, 0] }));
      assert.equal(undo.status === 'accept' ? 'accept' : undo.error.code, C.ROLLBACK);
      await reopened.close();
    } finally {
      rmSync(location, { recursive: true, force: true });
    }
  });
});
