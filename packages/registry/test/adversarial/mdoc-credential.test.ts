/**
 * ISO 18013-5 mdocs as enveloped credentials against a registry (issue 14): the fixtures' Japanese
 * IACA accredited through a real CA accreditation, its real CRL (openssl, test/fixtures/x509/verify),
 * mdocs from @auth0/mdl or built by hand, and a held IETF Token Status List (CWT) for the MSO's
 * status reference, signed by the IACA's document signer through an x5chain. Each attack asserts its exact code beside the honest control: an IACA accredited
 * for another docType, for TW only, or not at all; a tampered item; a wrong session transcript; a
 * revoked DS certificate; no CRL held; the status list saying INVALID or SUSPENDED, or not held.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MDOC_CREDENTIAL_CODES as M,
  MDOC_CHAIN_CODES,
  MDOC_CODES,
  CERTIFICATE_PATH_CODES as P,
  parseEnvelopedCredentialId,
  replicaChainValidator,
  type TrustView,
  type VerificationResult,
  verifyEnvelopedCredential,
} from '../../src/index.ts';
import { makeWorld, T0, type World } from '../fixtures.ts';
import {
  auth0Mdoc,
  buildCwtStatusList,
  buildMdoc,
  FX,
  MDL,
  MYNUMBER,
  sessionTranscript,
} from '../helpers/mdoc-fixtures.ts';
import { crlSource, withRevocation, x509Fixture } from '../helpers/replica-crls.ts';
import { accreditCa } from './ca-fixtures.ts';

// The IACA CRL's thisUpdate is its make.sh run (2026-12-03); the grant runs T0 … T0 + 1 year.
const NOW = Date.parse('2027-01-15T00:00:00Z');
const LIST_URI = 'https://tw-diw-issuer.example/status/1';

async function setup(
  scopes: { docTypes: string[]; jurisdiction: string }[] | null = [{ docTypes: [MDL], jurisdiction: 'JP' }],
  crl = 'verify/iaca-jp.crl.der',
): Promise<{ world: World; view: TrustView }> {
  const world = await makeWorld();
  if (scopes) {
    // Each government accredits within its own jurisdiction.
    const tw = scopes.every((s) => s.jurisdiction === 'TW');
    const record = await accreditCa(
      world,
      tw ? world.net.keys.twMinistry : world.net.keys.jpAgency,
      FX.iacaDer,
      scopes,
    );
    assert.equal((await world.registry.submit(record)).status, 'accept');
  }
  world.clock.now = NOW;
  return { world, view: withRevocation(world.registry, crlSource([[FX.iacaDer, x509Fixture(crl)]])) };
}

/** The envelope's compact form, as the node route and the CLI pass it. */
function envelope(bytes: Uint8Array) {
  const id = `data:application/mdoc;base64url,${Buffer.from(bytes).toString('base64url')}`;
  const parsed = parseEnvelopedCredentialId(id);
  assert.ok(parsed, id.slice(0, 40));
  return parsed;
}

function verify(view: TrustView, world: World, bytes: Uint8Array, sessionTranscript?: Uint8Array) {
  return verifyEnvelopedCredential(envelope(bytes), {
    view,
    documentLoader: world.registry.documentLoader,
    now: world.clock.now,
    ...(sessionTranscript ? { sessionTranscript } : {}),
  });
}

const failed = (r: VerificationResult) =>
  r.checks.filter((c) => c.outcome !== 'pass').map((c) => `${c.check}:${c.outcome}:${c.code}`);

/** The IACA's document signer publishing a Token Status List (CWT, x5chain-signed) of `statuses` (2 bits) at LIST_URI. */
async function holdList(world: World, statuses: number[]): Promise<void> {
  const saved = world.clock.now;
  world.clock.now = T0 + 60_000;
  const list = buildCwtStatusList({
    sub: LIST_URI,
    iat: Math.floor(world.clock.now / 1000),
    bits: 2,
    entries: statuses,
    signer: FX.dsKey,
    x5chain: [FX.dsDer],
  });
  const outcome = await world.registry.submit(list);
  assert.equal(outcome.status, 'accept', JSON.stringify(outcome));
  world.clock.now = saved;
}

describe('mdoc credentials against the replica', () => {
  it('control: an @auth0/mdl mDL verifies when its IACA is accredited for mDL × JP; device auth reported not requested', async () => {
    const { world, view } = await setup();
    const r = await verify(view, world, await auth0Mdoc());
    assert.deepEqual(failed(r), []);
    assert.equal(r.verified, true);
    assert.deepEqual(
      r.checks.map((c) => c.check),
      ['proof', 'issuer', 'status', 'validity'],
    );
    const proof = r.checks[0];
    assert.equal(proof?.details?.deviceAuth, 'not-requested');
    const parts = proof?.details?.parts as { check: string; code?: string }[];
    assert.equal(parts.find((p) => p.check === 'device-auth')?.code, MDOC_CODES.DEVICE_AUTH_NOT_REQUESTED);
    assert.ok(r.warnings.some((w) => /device authentication was not requested/.test(w)));
    assert.equal(r.checks[2]?.message, 'the credential carries no status reference');
    // The IACA's CRL is named in the as-of stamp; element values never appear in the answer.
    assert.equal(r.asOf.crls?.length, 1);
    assert.match(r.asOf.crls?.[0]?.issuer ?? '', /Test IACA JP/);
    assert.ok(!JSON.stringify(r).includes('Yamada'));
  });

  it('with the session transcript, device authentication verifies; a wrong transcript fails proof MDOC_DEVICE_SIGNATURE_INVALID', async () => {
    const { world, view } = await setup();
    const transcript = sessionTranscript('nonce-1');
    const mdoc = buildMdoc({ sessionTranscript: transcript });
    const ok = await verify(view, world, mdoc, transcript);
    assert.equal(ok.verified, true, JSON.stringify(failed(ok)));
    assert.equal(ok.checks[0]?.details?.deviceAuth, 'verified');
    assert.deepEqual(ok.warnings, []);
    const replay = await verify(view, world, mdoc, sessionTranscript('nonce-2'));
    assert.deepEqual(failed(replay), [`proof:fail:${MDOC_CODES.DEVICE_SIGNATURE_INVALID}`]);
  });

  it('an IACA accredited for another docType fails issuer MDOC_IACA_DOCTYPE_NOT_ACCREDITED', async () => {
    const { world, view } = await setup([{ docTypes: [MYNUMBER], jurisdiction: 'JP' }]);
    const r = await verify(view, world, await auth0Mdoc());
    assert.deepEqual(failed(r), [`issuer:fail:${MDOC_CHAIN_CODES.IACA_DOCTYPE_NOT_ACCREDITED}`]);
  });

  it('an IACA accredited for TW only fails issuer MDOC_IACA_JURISDICTION_NOT_ACCREDITED (issuing_country JP)', async () => {
    const { world, view } = await setup([{ docTypes: [MDL], jurisdiction: 'TW' }]);
    const r = await verify(view, world, await auth0Mdoc());
    assert.deepEqual(failed(r), [`issuer:fail:${MDOC_CHAIN_CODES.IACA_JURISDICTION_NOT_ACCREDITED}`]);
  });

  it('an IACA not accredited at all fails issuer ANCHOR_NOT_FOUND', async () => {
    const { world, view } = await setup(null);
    const r = await verify(view, world, await auth0Mdoc());
    assert.deepEqual(failed(r), [`issuer:fail:${P.ANCHOR_NOT_FOUND}`]);
  });

  it('no issuing country (no issuing_country element, no countryName) fails the chain MDOC_ISSUING_COUNTRY_MISSING', async () => {
    const { world, view } = await setup();
    const validate = replicaChainValidator(view, { crls: new Map() });
    const ctx = { docType: MDL, atMs: world.clock.now };
    assert.equal(validate([FX.dsDer], ctx).code, MDOC_CHAIN_CODES.ISSUING_COUNTRY_MISSING);
    assert.equal(validate([FX.dsDer], ctx).outcome, 'fail');
    assert.equal(validate([FX.dsDer], { ...ctx, issuingCountry: 'JP' }).outcome, 'pass');
    assert.equal(
      validate([FX.dsDer], { ...ctx, issuingCountry: 'TW' }).code,
      MDOC_CHAIN_CODES.IACA_JURISDICTION_NOT_ACCREDITED,
    );
  });

  it('a tampered IssuerSignedItem fails proof MDOC_DIGEST_MISMATCH', async () => {
    const { world, view } = await setup();
    const honest = Buffer.from(await auth0Mdoc());
    const at = honest.indexOf('Yamada');
    assert.ok(at > 0);
    honest.write('Tanaka', at);
    const r = await verify(view, world, new Uint8Array(honest));
    assert.deepEqual(failed(r), [`proof:fail:${MDOC_CODES.DIGEST_MISMATCH}`]);
  });

  it('a DS certificate the IACA CRL revokes fails issuer CERTIFICATE_REVOKED; no CRL held is undetermined CRL_MISSING', async () => {
    const revoked = await setup(undefined, 'verify/iaca-jp-ds-revoked.crl.der');
    const r = await verify(revoked.view, revoked.world, await auth0Mdoc());
    assert.deepEqual(failed(r), [`issuer:fail:${P.CERTIFICATE_REVOKED}`]);
    const none = await verify(revoked.world.registry, revoked.world, await auth0Mdoc());
    assert.deepEqual(failed(none), ['issuer:undetermined:CRL_MISSING']);
    assert.equal(none.verified, false);
  });

  it("the MSO's status reference is read from the held Token Status List: VALID passes, INVALID and SUSPENDED fail, a list not held is undetermined", async () => {
    const { world, view } = await setup();
    const at = (idx: number) => buildMdoc({ status: { uri: LIST_URI, idx } });
    const missing = await verify(view, world, at(1));
    assert.deepEqual(failed(missing), [`status:undetermined:${M.STATUS_LIST_UNKNOWN}`]);
    await holdList(world, [0, 1, 2, 0]);
    const valid = await verify(view, world, at(0));
    assert.equal(valid.verified, true, JSON.stringify(failed(valid)));
    assert.equal(valid.asOf.statusLists[0]?.id, LIST_URI);
    assert.deepEqual(failed(await verify(view, world, at(1))), [`status:fail:${M.STATUS_INVALID}`]);
    assert.deepEqual(failed(await verify(view, world, at(2))), [`status:fail:${M.STATUS_SUSPENDED}`]);
    assert.deepEqual(failed(await verify(view, world, at(9999))), [`status:fail:${M.STATUS_INDEX_OUT_OF_RANGE}`]);
  });

  it('bytes that are not an mdoc, or too large, fail proof with the reader code; never a throw', async () => {
    const { world, view } = await setup();
    const options = { view, documentLoader: world.registry.documentLoader, now: world.clock.now };
    const notCbor = await verifyEnvelopedCredential({ mediaType: 'application/mdoc', compact: 'AAAA' }, options);
    assert.equal(notCbor.verified, false);
    assert.equal(notCbor.checks[0]?.check, 'proof');
    assert.equal(notCbor.checks[0]?.outcome, 'fail');
    const huge = await verifyEnvelopedCredential(
      { mediaType: 'application/mdoc', compact: 'A'.repeat(10 * 1024 * 1024) },
      options,
    );
    assert.equal(huge.checks[0]?.code, M.TOO_LARGE);
    assert.equal(parseEnvelopedCredentialId('data:application/mdoc;base64url,@@@'), null);
  });
});
