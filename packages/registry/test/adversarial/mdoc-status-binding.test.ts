/**
 * An mdoc's status is read only from a list signed by its own issuer (issue 14; DESIGN.md
 * Principles §2): the MSO's `status_list.uri` names a uri, and anyone accredited may publish a list
 * under it. Attacks: an ordinary (DID) issuer publishes a newer VALID list at the same uri — as a
 * JWT and as a kid-signed CWT — while the IACA's own list says SUSPENDED; a second IACA (accredited
 * for TW) publishes VALID there; only foreign lists held; the mdoc's chain anchors no IACA. Honest
 * control: the IACA's own list VALID. And the SD-JWT VC path keeps binding lists by issuer key: a
 * list at its uri signed under an IACA, or by another issuer, is never read for it.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MDOC_CREDENTIAL_CODES as M,
  parseEnvelopedCredentialId,
  type TrustView,
  type VerificationResult,
  verifyEnvelopedCredential,
} from '../../src/index.ts';
import { makeWorld, T0, type World } from '../fixtures.ts';
import { accreditCwtSigner, cwtList } from '../helpers/cwt-list-fixtures.ts';
import { buildCwtStatusList, buildMdoc, FX, MDL, SFX } from '../helpers/mdoc-fixtures.ts';
import { refIssueSdJwtVc, refTokenStatusListJwt } from '../helpers/reference-jose.ts';
import { crlSource, withRevocation, x509Fixture } from '../helpers/replica-crls.ts';
import { accreditCa } from './ca-fixtures.ts';

// The IACA CRL's thisUpdate is its make.sh run; the grants run T0 … T0 + 1 year.
const NOW = Date.parse('2027-01-15T00:00:00Z');
const URI = 'https://status.example.jp/mdl/1';
const IACA_IAT = Math.floor(T0 / 1000) + 60;
// The attackers' lists are newer than the IACA's: the newest version must not be what answers.
const LATER = Math.floor(NOW / 1000) - 3600;
const ATTACKER = 'did:web:attacker-issuer.example';

async function setup(jp = true): Promise<{ world: World; view: TrustView }> {
  const world = await makeWorld();
  if (jp) {
    const grant = await accreditCa(world, world.net.keys.jpAgency, FX.iacaDer, [
      { docTypes: [MDL], jurisdiction: 'JP' },
    ]);
    assert.equal((await world.registry.submit(grant)).status, 'accept');
  }
  const tw = await accreditCa(world, world.net.keys.twMinistry, SFX.iacaTwDer, [
    { docTypes: [MDL], jurisdiction: 'TW' },
  ]);
  assert.equal((await world.registry.submit(tw)).status, 'accept');
  world.clock.now = NOW;
  return {
    world,
    view: withRevocation(world.registry, crlSource([[FX.iacaDer, x509Fixture('verify/iaca-jp.crl.der')]])),
  };
}

async function accept(world: World, bytes: Uint8Array | string): Promise<void> {
  const outcome = await world.registry.submit(bytes);
  assert.equal(outcome.status, 'accept', JSON.stringify(outcome.status === 'accept' ? '' : outcome.error));
}

/** The JP IACA's document signer publishes its list (x5chain) at URI. */
const iacaList = (entries: number[], iat = IACA_IAT) =>
  buildCwtStatusList({ sub: URI, iat, bits: 2, entries, signer: FX.dsKey, x5chain: [FX.dsDer] });
/** The TW IACA's document signer publishes at the same URI. */
const twList = (entries: number[]) =>
  buildCwtStatusList({ sub: URI, iat: LATER, bits: 2, entries, signer: SFX.dsTwKey, x5chain: [SFX.dsTwDer] });

/** An ordinary accredited issuer publishes VALID at URI, as a JWT and as a kid-signed CWT. */
async function attackerLists(world: World): Promise<void> {
  const signer = await accreditCwtSigner(world, ATTACKER);
  const jwt = await refTokenStatusListJwt({
    privateJwk: signer.ref.privateJwk,
    kid: signer.kid,
    iss: ATTACKER,
    sub: URI,
    iat: LATER,
    bits: 2,
    statuses: [0, 0, 0, 0],
  });
  await accept(world, jwt);
  await accept(
    world,
    cwtList({
      signer: signer.key,
      kid: signer.kid,
      iss: ATTACKER,
      sub: URI,
      iat: LATER + 1,
      bits: 2,
      statuses: [0, 0, 0, 0],
    }),
  );
}

async function verifyMdoc(world: World, view: TrustView, idx: number): Promise<VerificationResult> {
  const bytes = buildMdoc({ status: { uri: URI, idx } });
  const parsed = parseEnvelopedCredentialId(
    `data:application/mdoc;base64url,${Buffer.from(bytes).toString('base64url')}`,
  );
  assert.ok(parsed);
  return verifyEnvelopedCredential(parsed, {
    view,
    documentLoader: world.registry.documentLoader,
    now: world.clock.now,
  });
}

const failed = (r: VerificationResult) =>
  r.checks.filter((c) => c.outcome !== 'pass').map((c) => `${c.check}:${c.outcome}:${c.code}`);

describe('mdoc status bound to the mdoc’s own IACA', () => {
  it('control: the IACA’s own list VALID → verified; its SUSPENDED and INVALID entries fail', async () => {
    const { world, view } = await setup();
    await accept(world, iacaList([0, 1, 2, 0]));
    const ok = await verifyMdoc(world, view, 0);
    assert.deepEqual(failed(ok), []);
    assert.equal(ok.verified, true);
    assert.equal(ok.asOf.statusLists[0]?.id, URI);
    assert.deepEqual(failed(await verifyMdoc(world, view, 1)), [`status:fail:${M.STATUS_INVALID}`]);
    assert.deepEqual(failed(await verifyMdoc(world, view, 2)), [`status:fail:${M.STATUS_SUSPENDED}`]);
  });

  it('attack: an ordinary issuer’s newer VALID lists (JWT and CWT) at the same uri are ignored — the IACA’s SUSPENDED stands', async () => {
    const { world, view } = await setup();
    await accept(world, iacaList([0, 0, 2, 0]));
    await attackerLists(world);
    assert.equal(world.registry.joseStatusListVersions(URI).length, 3);
    const r = await verifyMdoc(world, view, 2);
    assert.equal(r.verified, false);
    assert.deepEqual(failed(r), [`status:fail:${M.STATUS_SUSPENDED}`]);
  });

  it('attack: a second IACA (accredited for TW) publishing VALID at the same uri is ignored for a JP mdoc', async () => {
    const { world, view } = await setup();
    await accept(world, iacaList([0, 0, 2, 0]));
    await accept(world, twList([0, 0, 0, 0]));
    assert.deepEqual(failed(await verifyMdoc(world, view, 2)), [`status:fail:${M.STATUS_SUSPENDED}`]);
  });

  it('only foreign lists held at the uri → undetermined MDOC_STATUS_LIST_NOT_BOUND; none at all → STATUS_LIST_UNKNOWN', async () => {
    const { world, view } = await setup();
    assert.deepEqual(failed(await verifyMdoc(world, view, 0)), [`status:undetermined:${M.STATUS_LIST_UNKNOWN}`]);
    await attackerLists(world);
    await accept(world, twList([0, 0, 0, 0]));
    const r = await verifyMdoc(world, view, 0);
    assert.equal(r.verified, false);
    assert.deepEqual(failed(r), [`status:undetermined:${M.STATUS_LIST_NOT_BOUND}`]);
  });

  it('an mdoc whose chain anchors no accredited IACA binds no list: status undetermined MDOC_STATUS_ISSUER_UNBOUND', async () => {
    const { world, view } = await setup(false);
    await accept(world, twList([0, 0, 0, 0]));
    const r = await verifyMdoc(world, view, 0);
    assert.deepEqual(failed(r), ['issuer:fail:ANCHOR_NOT_FOUND', `status:undetermined:${M.STATUS_ISSUER_UNBOUND}`]);
  });

  it('SD-JWT VC (unchanged): reads only lists signed by its issuer’s pinned key — an IACA’s or another issuer’s list at its uri is not read', async () => {
    const { world } = await setup();
    const signer = await accreditCwtSigner(world, 'did:web:pid-issuer.example');
    const verify = async (idx: number) => {
      const compact = await refIssueSdJwtVc({
        issuerKey: signer.ref,
        iss: signer.did,
        vct: 'urn:eudi:pid:1',
        claims: { given_name: 'Mei' },
        status: { idx, uri: URI },
        iat: LATER,
      });
      const r = await verifyEnvelopedCredential(
        { mediaType: 'application/dc+sd-jwt', compact },
        { view: world.registry, documentLoader: world.net.documentLoader, now: world.clock.now },
      );
      return r.checks.find((c) => c.check === 'status');
    };
    // The IACA's list (x5chain) and another issuer's JWT list are held at the uri: neither counts.
    await accept(world, iacaList([1, 1, 1, 1]));
    await attackerLists(world);
    assert.equal((await verify(0))?.code, 'STATUS_LIST_UNKNOWN');
    // Its own issuer's list answers, and the IACA's INVALID entries do not leak into it.
    const own = await refTokenStatusListJwt({
      privateJwk: signer.ref.privateJwk,
      kid: signer.kid,
      iss: signer.did,
      sub: URI,
      iat: LATER + 5,
      bits: 2,
      statuses: [0, 2, 0, 0],
    });
    await accept(world, own);
    assert.equal((await verify(0))?.outcome, 'pass');
    assert.equal((await verify(1))?.code, 'STATUS_SUSPENDED');
  });
});
