/**
 * Issue 9, class 3: inline `@context` aliasing. RDF canonicalisation signs IRIs, not JSON key
 * names, so a holder who may add a context can rename `credentialStatus`, `validUntil` or
 * `validFrom` to an alias of the same IRI (the proof still verifies) and relabel a type. Each attack
 * below is built as a holder would, on a credential the issuer really signed, and must end in "not
 * verified" with the exact code; the honest credential is the control. Then operator-added contexts
 * end to end (crypto/context-allow-list.ts; docs/operators.md, Adding an issuer's context).
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CONTEXT_DIGEST_MISMATCH,
  CONTEXT_INLINE_FORBIDDEN,
  CONTEXT_KEY_FORBIDDEN,
  CONTEXT_NOT_ALLOWED,
  CONTEXT_TERM_CONFLICT,
  CONTEXT_TYPE_UNDEFINED,
  EXAMPLES_CONTEXT_V1_URL,
  generateKeyPair,
  issueAccreditation,
  issueStatusList,
  MemoryRecordStore,
  type PinnedContext,
  Registry,
  ValidationError,
  sha256Hex,
  signCredential,
  VC_V2_CONTEXT_URL,
  verifyCredential,
  verifyCredentialProof,
} from '../../src/index.ts';
import { expectOutcome, issueCredential, makeWorld, nextListVersion, T0, verify, type World } from '../fixtures.ts';

const CRED = 'https://www.w3.org/2018/credentials#';
const YEAR = 365 * 24 * 3600 * 1000;

type Json = Record<string, unknown>;

function credentialCheck(result: Awaited<ReturnType<typeof verify>>) {
  return result.checks.find((c) => c.check === 'credential');
}

/** The holder's edit: an inline context aliasing `iri` as `alias`, and the key renamed. */
function aliased(credential: Json, key: string, alias: string, iri: string, definition: Json = {}): Json {
  const { [key]: value, ...rest } = credential;
  const contexts = credential['@context'] as unknown[];
  return {
    ...rest,
    '@context': [...contexts, { [alias]: { '@id': iri, ...definition } }],
    [alias]: value,
  };
}

async function revokedCredential(world: World) {
  const { jpHealthInsurer } = world.net.keys;
  const list = world.net.lists.jpHealthInsurer;
  const credential = (await issueCredential(world, jpHealthInsurer, { index: 9 })) as Json;
  await expectOutcome(world, await nextListVersion(world, jpHealthInsurer, list, { 9: 1 }), 'accept');
  return credential;
}

describe('adversarial: inline context aliasing (issue 9, class 3)', () => {
  it('control: the revoked credential as signed is not verified, for its status', async () => {
    const world = await makeWorld();
    const result = await verify(world, await revokedCredential(world));
    assert.equal(result.verified, false);
    assert.equal(result.checks.find((c) => c.check === 'status')?.outcome, 'fail');
    assert.equal(credentialCheck(result), undefined);
  });

  it('credentialStatus renamed to an alias: the proof still verifies, the registry refuses', async () => {
    const world = await makeWorld();
    const attacked = aliased(await revokedCredential(world), 'credentialStatus', 'st', `${CRED}credentialStatus`, {
      '@type': '@id',
    });
    // The attack is real: the signature covers IRIs, and the aliased document has the same ones.
    const proof = await verifyCredentialProof(attacked, { documentLoader: world.registry.documentLoader });
    assert.equal(proof.verified, true, 'the renamed document keeps a valid proof');
    const result = await verify(world, attacked);
    assert.equal(result.verified, false);
    assert.equal(credentialCheck(result)?.code, CONTEXT_INLINE_FORBIDDEN);
  });

  it('validUntil and validFrom renamed: expired and not-yet-valid credentials stay refused', async () => {
    const world = await makeWorld();
    const { jpHealthInsurer } = world.net.keys;
    const expired = (await issueCredential(world, jpHealthInsurer, { validUntil: T0 + 2000 })) as Json;
    const future = (await issueCredential(world, jpHealthInsurer, { validFrom: T0 + YEAR })) as Json;
    const dateTime = { '@type': 'http://www.w3.org/2001/XMLSchema#dateTime' };
    for (const attacked of [
      aliased(expired, 'validUntil', 'until', `${CRED}validUntil`, dateTime),
      aliased(future, 'validFrom', 'from', `${CRED}validFrom`, dateTime),
    ]) {
      const result = await verify(world, attacked);
      assert.equal(result.verified, false);
      assert.equal(credentialCheck(result)?.code, CONTEXT_INLINE_FORBIDDEN);
    }
    // Controls: unmodified, each fails on its validity, not on its context.
    for (const honest of [expired, future]) {
      const result = await verify(world, honest);
      assert.equal(result.verified, false);
      assert.equal(credentialCheck(result), undefined);
    }
  });

  it('a type relabelled by an inline context (HealthInsurance → NationalId) is refused', async () => {
    const world = await makeWorld();
    const honest = (await issueCredential(world, world.net.keys.jpHealthInsurer)) as Json;
    const relabelled = {
      ...honest,
      '@context': [
        ...(honest['@context'] as unknown[]),
        { NationalIdCredential: 'https://www.w3.org/ns/credentials/examples#HealthInsuranceCredential' },
      ],
      type: ['VerifiableCredential', 'NationalIdCredential'],
    };
    const result = await verify(world, relabelled);
    assert.equal(result.verified, false);
    assert.equal(credentialCheck(result)?.code, CONTEXT_INLINE_FORBIDDEN);
    const control = await verify(world, honest);
    assert.equal(control.verified, true, JSON.stringify(control.checks));
  });

  it('IRIs as keys, embedded contexts and unknown context URLs are refused with their own codes', async () => {
    const world = await makeWorld();
    const honest = (await issueCredential(world, world.net.keys.jpHealthInsurer)) as Json;
    const { credentialStatus, ...rest } = honest;
    const iriKey = { ...rest, [`${CRED}credentialStatus`]: credentialStatus };
    assert.equal(credentialCheck(await verify(world, iriKey))?.code, CONTEXT_KEY_FORBIDDEN);
    const compactKey = { ...rest, 'cred:credentialStatus': credentialStatus };
    assert.equal(credentialCheck(await verify(world, compactKey))?.code, CONTEXT_KEY_FORBIDDEN);
    const embedded = {
      ...honest,
      credentialSubject: { '@context': { x: `${CRED}validUntil` }, ...(honest.credentialSubject as Json) },
    };
    assert.equal(credentialCheck(await verify(world, embedded))?.code, CONTEXT_INLINE_FORBIDDEN);
    const unknownUrl = { ...honest, '@context': [VC_V2_CONTEXT_URL, 'https://attacker.example/ctx.jsonld'] };
    const unknown = credentialCheck(await verify(world, unknownUrl));
    assert.equal(unknown?.code, CONTEXT_NOT_ALLOWED);
    assert.match(unknown?.message ?? '', /attacker\.example\/ctx\.jsonld/, 'the code names the context');
  });

  it('an accreditation hiding its credentialStatus (its withdrawal) behind an alias is not admitted', async () => {
    const world = await makeWorld();
    const { jpAgency } = world.net.keys;
    const issuer = await generateKeyPair('P-256');
    const honest = (await issueAccreditation(
      {
        accreditor: jpAgency,
        subject: issuer.did,
        role: 'issuer',
        accreditedFor: [{ types: ['HealthInsuranceCredential'], jurisdiction: 'JP' }],
        subjectKeys: [issuer],
        validFrom: new Date(T0),
        validUntil: new Date(T0 + YEAR),
        withdrawal: { statusListCredential: world.net.lists.jpAgency, statusListIndex: 5 },
      },
      world.net.documentLoader,
    )) as Json;
    const attacked = aliased(honest, 'credentialStatus', 'w', `${CRED}credentialStatus`, { '@type': '@id' });
    await expectOutcome(world, attacked, 'reject', CONTEXT_INLINE_FORBIDDEN);
    await expectOutcome(world, honest, 'accept');
  });
});

// An issuer's own vocabulary, as an operator would pin it (docs/operators.md).
const PHARMACY_CONTEXT_URL = 'https://mhlw.example.jp/ns/pharmacy/v1';
const PHARMACY_CONTEXT = JSON.stringify({
  '@context': {
    '@version': 1.1,
    '@protected': true,
    PharmacyLicenceCredential: 'https://mhlw.example.jp/ns/pharmacy#PharmacyLicenceCredential',
    pharmacyName: 'https://mhlw.example.jp/ns/pharmacy#pharmacyName',
    pharmacyLicenceNumber: 'https://mhlw.example.jp/ns/pharmacy#pharmacyLicenceNumber',
  },
});

function pinned(document: string, url = PHARMACY_CONTEXT_URL): PinnedContext {
  return { url, document, sha256: sha256Hex(new TextEncoder().encode(document)) };
}

async function registryWith(world: World, contexts: PinnedContext[]) {
  const registry = await Registry.open(
    { networkId: world.net.networkId, genesisDigest: world.net.genesisDigest, contexts },
    { store: new MemoryRecordStore(), now: () => world.clock.now },
  );
  for (const record of world.net.records) assert.equal((await registry.submit(record)).status, 'accept');
  return registry;
}

describe('operator-added contexts (issue 9, strict contexts)', () => {
  it('an issuer with its own context is accredited and issues; a verifier that pins it verifies', async () => {
    const world = await makeWorld();
    const verifier = await registryWith(world, [pinned(PHARMACY_CONTEXT)]);
    const pharmacyIssuer = await generateKeyPair('Ed25519');
    const list = 'https://mhlw.example.jp/status/pharmacy/1';
    const accreditation = await issueAccreditation(
      {
        accreditor: world.net.keys.jpAgency,
        subject: pharmacyIssuer.did,
        role: 'issuer',
        accreditedFor: [{ types: ['PharmacyLicenceCredential'], jurisdiction: 'JP' }],
        subjectKeys: [pharmacyIssuer],
        validFrom: new Date(T0),
        validUntil: new Date(T0 + YEAR),
      },
      world.net.documentLoader,
    );
    assert.equal((await verifier.submit(accreditation)).status, 'accept');
    const statusList = await issueStatusList(
      {
        issuer: pharmacyIssuer,
        id: list,
        statusPurpose: 'revocation',
        bits: new Uint8Array(131_072 / 8),
        validFrom: new Date(T0 + 2000),
      },
      world.net.documentLoader,
    );
    assert.equal((await verifier.submit(statusList)).status, 'accept');
    // The issuer signs with a loader that knows its own context.
    const credential = await signCredential(
      {
        '@context': [VC_V2_CONTEXT_URL, PHARMACY_CONTEXT_URL],
        id: `urn:uuid:${crypto.randomUUID()}`,
        type: ['VerifiableCredential', 'PharmacyLicenceCredential'],
        issuer: pharmacyIssuer.did,
        validFrom: new Date(T0 + 3000).toISOString(),
        credentialSubject: {
          id: 'did:example:pharmacy',
          pharmacyName: 'Kanda Pharmacy',
          pharmacyLicenceNumber: '13-0042',
        },
        credentialStatus: {
          id: `${list}#3`,
          type: 'BitstringStatusListEntry',
          statusPurpose: 'revocation',
          statusListIndex: '3',
          statusListCredential: list,
        },
      },
      pharmacyIssuer,
      { documentLoader: verifier.documentLoader },
    );
    const now = T0 + 10_000;
    const verified = await verifyCredential(credential, {
      view: verifier,
      documentLoader: verifier.documentLoader,
      now,
    });
    assert.equal(verified.verified, true, JSON.stringify(verified.checks));

    // A node without the context answers with a code naming it.
    const plain = await verifyCredential(credential, {
      view: world.registry,
      documentLoader: world.registry.documentLoader,
      now,
    });
    assert.equal(plain.verified, false);
    const refusal = credentialCheck(plain);
    assert.equal(refusal?.code, CONTEXT_NOT_ALLOWED);
    assert.match(refusal?.message ?? '', /mhlw\.example\.jp\/ns\/pharmacy\/v1/);

    // A type the listed contexts do not define is refused by name (types compare by expanded IRI).
    const wrongType = { ...(credential as Json), '@context': [VC_V2_CONTEXT_URL, EXAMPLES_CONTEXT_V1_URL] };
    const typed = await verifyCredential(wrongType, { view: verifier, documentLoader: verifier.documentLoader, now });
    assert.equal(credentialCheck(typed)?.code, CONTEXT_TYPE_UNDEFINED);
  });

  it('a context file that is not the pinned one refuses the registry (CONTEXT_DIGEST_MISMATCH)', async () => {
    const world = await makeWorld();
    const tampered = {
      ...pinned(PHARMACY_CONTEXT),
      document: PHARMACY_CONTEXT.replace('pharmacyName', 'pharmacyTitle'),
    };
    await assert.rejects(
      registryWith(world, [tampered]),
      (e: unknown) => e instanceof ValidationError && e.code === CONTEXT_DIGEST_MISMATCH,
    );
  });

  it('an added context may not alias a signed IRI, redefine a term, or use @vocab', async () => {
    const world = await makeWorld();
    const bad = [
      { expires: `${CRED}validUntil` },
      { st: { '@id': `${CRED}credentialStatus`, '@type': '@id' } },
      { validUntil: 'https://mhlw.example.jp/ns#notTheExpiry' },
      { HealthInsuranceCredential: 'https://mhlw.example.jp/ns#Other' },
      { cred: CRED, until: 'cred:validUntil' },
      {
        PharmacyLicenceCredential: {
          '@id': 'https://mhlw.example.jp/ns#P',
          '@context': { s: `${CRED}credentialStatus` },
        },
      },
    ];
    for (const context of bad) {
      await assert.rejects(
        registryWith(world, [pinned(JSON.stringify({ '@context': context }))]),
        (e: unknown) => e instanceof ValidationError && e.code === CONTEXT_TERM_CONFLICT,
        JSON.stringify(context),
      );
    }
    await assert.rejects(
      registryWith(world, [pinned(JSON.stringify({ '@context': { '@vocab': 'https://mhlw.example.jp/ns#' } }))]),
      (e: unknown) => e instanceof ValidationError && e.code === 'DOCUMENT_LOADER_CONTEXT_INVALID',
    );
  });
});
