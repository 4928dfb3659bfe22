/**
 * The W3C examples contexts (`https://www.w3.org/ns/credentials/examples/v1` and `/v2`), bundled as
 * vocabularies for interop (issue 12 item 7): the Recommendations' own examples verify, for
 * eddsa-rdfc-2022 and ecdsa-rdfc-2019, in VC 1.1 and 2.0; and their `@vocab` opens no way around the
 * strict-context rules (crypto/context-allow-list.ts): it reaches no credentials, status or security
 * IRI, an undefined type is accepted only under the examples vocabulary, a type name another context
 * defines keeps its meaning, and no operator context may define a term in the examples namespace.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BUNDLED_CONTEXTS,
  CONTEXT_TERM_CONFLICT,
  CONTEXT_TYPE_UNDEFINED,
  createDocumentLoader,
  EXAMPLES_CONTEXT_V1_URL,
  type KeyPair,
  ValidationError,
  signCredential,
  W3C_EXAMPLES_CONTEXT_V1_URL,
  W3C_EXAMPLES_CONTEXT_V2_URL,
  W3C_EXAMPLES_VOCABULARY,
} from '../../src/index.ts';
import { makeWorld, T0, type World } from '../fixtures.ts';
import { verify } from './helpers.ts';

const V1 = 'https://www.w3.org/2018/credentials/v1';
const V2 = 'https://www.w3.org/ns/credentials/v2';
const RESERVED = [
  'https://www.w3.org/2018/credentials#',
  'https://www.w3.org/ns/credentials/status#',
  'https://w3id.org/security#',
  'https://w3id.org/trustmesh#',
];

type Json = Record<string, unknown>;

/** VCDM 2.0 Example 1 (an alumni credential), issued by `issuer`. */
function alumni(issuer: KeyPair, version: '1.1' | '2.0'): Json {
  return {
    '@context': version === '2.0' ? [V2, W3C_EXAMPLES_CONTEXT_V2_URL] : [V1, W3C_EXAMPLES_CONTEXT_V1_URL],
    id: 'http://university.example/credentials/1872',
    type: ['VerifiableCredential', 'ExampleAlumniCredential'],
    issuer: issuer.did,
    ...(version === '2.0' ? { validFrom: new Date(T0).toISOString() } : { issuanceDate: new Date(T0).toISOString() }),
    credentialSubject: {
      id: 'did:example:ebfeb1f712ebc6f1c276e12ec21',
      alumniOf: { id: 'did:example:c276e12ec21ebfeb1f712ebc6f1', name: 'Example University' },
    },
  };
}

const sign = (world: World, credential: Json, key: KeyPair) =>
  signCredential(credential, key, { documentLoader: world.net.documentLoader });
const codesOf = (result: Awaited<ReturnType<typeof verify>>) =>
  result.checks.map((c) => `${c.check}:${c.code ?? 'pass'}`);

describe('W3C examples contexts: bundled vocabularies', () => {
  it('are bundled as published: only an @vocab into the examples namespace, no term, nothing reserved', () => {
    for (const url of [W3C_EXAMPLES_CONTEXT_V1_URL, W3C_EXAMPLES_CONTEXT_V2_URL]) {
      const document = BUNDLED_CONTEXTS.get(url);
      assert.deepEqual(document, { '@context': { '@vocab': W3C_EXAMPLES_VOCABULARY } });
      assert.ok(!RESERVED.some((ns) => W3C_EXAMPLES_VOCABULARY.startsWith(ns)));
    }
  });

  for (const [party, suite] of [
    ['jpHealthInsurer', 'eddsa-rdfc-2022'],
    ['twHealthInsurer', 'ecdsa-rdfc-2019'],
  ] as const) {
    for (const version of ['2.0', '1.1'] as const) {
      it(`VC ${version} example signed with ${suite}: proof passes; trust fails only for want of an accreditation`, async () => {
        const world = await makeWorld();
        const key = world.net.keys[party];
        const credential = await sign(world, alumni(key, version), key);
        assert.equal((credential.proof as Json).cryptosuite, suite);
        const proofOnly = await verify(world, credential, ['proof', 'validity']);
        assert.equal(proofOnly.verified, true, JSON.stringify(proofOnly.checks));
        const all = await verify(world, credential);
        assert.deepEqual(codesOf(all), ['proof:pass', 'issuer:ISSUER_NOT_ACCREDITED', 'validity:pass']);
      });
    }
  }
});

describe('W3C examples contexts: the @vocab opens no way around strict contexts', () => {
  it('an undefined type is refused without the examples vocabulary (control) and accepted with it', async () => {
    const world = await makeWorld();
    const key = world.net.keys.jpHealthInsurer;
    // The bundled VCDM 2.0 context has no @vocab: the bare name cannot even be signed; verification
    // refuses it by name before anything else.
    const bare = { ...alumni(key, '2.0'), '@context': [V2], credentialSubject: { id: 'did:example:holder' } };
    assert.deepEqual(
      (await verify(world, bare, ['validity'])).checks.filter((c) => c.check === 'credential').map((c) => c.code),
      [CONTEXT_TYPE_UNDEFINED],
    );
    const examples = await sign(world, alumni(key, '2.0'), key);
    assert.equal((await verify(world, examples, ['proof'])).verified, true);
  });

  it('a compact or absolute IRI is never an examples type', async () => {
    const world = await makeWorld();
    const key = world.net.keys.jpHealthInsurer;
    for (const type of ['ex:Alumni', 'https://www.w3.org/ns/credentials/examples#ExampleAlumniCredential']) {
      const credential = { ...alumni(key, '2.0'), type: ['VerifiableCredential', type] };
      const result = await verify(world, credential, ['validity']);
      assert.deepEqual(
        result.checks.filter((c) => c.check === 'credential').map((c) => c.code),
        [CONTEXT_TYPE_UNDEFINED],
        type,
      );
    }
  });

  it('a type name another allowed context defines keeps its meaning: the examples @vocab cannot supply it', async () => {
    const world = await makeWorld();
    const key = world.net.keys.jpHealthInsurer;
    // HealthInsuranceCredential is the trustmesh examples context's; without that context listed,
    // the examples @vocab would make it …/examples#HealthInsuranceCredential, another IRI.
    const relabelled = await sign(
      world,
      {
        ...alumni(key, '2.0'),
        type: ['VerifiableCredential', 'HealthInsuranceCredential'],
      },
      key,
    );
    const result = await verify(world, relabelled);
    assert.equal(result.verified, false);
    assert.deepEqual(
      result.checks.filter((c) => c.check === 'credential').map((c) => c.code),
      [CONTEXT_TYPE_UNDEFINED],
    );
    // Control: listing the context that defines it, the same credential type verifies fully.
    const honest = await sign(
      world,
      {
        ...alumni(key, '2.0'),
        '@context': [V2, EXAMPLES_CONTEXT_V1_URL, W3C_EXAMPLES_CONTEXT_V2_URL],
        type: ['VerifiableCredential', 'HealthInsuranceCredential'],
      },
      key,
    );
    assert.equal((await verify(world, honest, ['proof', 'issuer', 'validity'])).verified, true);
  });

  it('the reserved vocabularies keep their names: VCDM terms still expand into the credentials namespace', async () => {
    const world = await makeWorld();
    const key = world.net.keys.jpHealthInsurer;
    const credential = await sign(world, { ...alumni(key, '2.0'), validUntil: new Date(T0 + 1000).toISOString() }, key);
    world.clock.now = T0 + 2000;
    // validUntil is the VCDM 2.0 context's protected term, not …/examples#validUntil: it is enforced.
    assert.deepEqual(
      (await verify(world, credential, ['proof', 'validity'])).checks.map((c) => c.code ?? 'pass'),
      ['pass', 'CREDENTIAL_EXPIRED'],
    );
  });

  it('no operator context may define a term in the examples namespace', () => {
    const attempt = () =>
      createDocumentLoader(
        {
          extraContexts: {
            'https://operator.example/v1': { '@context': { alumniOf: `${W3C_EXAMPLES_VOCABULARY}alumniOf` } },
          },
        },
        {},
      );
    assert.throws(attempt, (error) => error instanceof ValidationError && error.code === CONTEXT_TERM_CONFLICT);
    // Control: the same term in the operator's own namespace loads.
    createDocumentLoader(
      {
        extraContexts: {
          'https://operator.example/v1': { '@context': { alumniOf: 'https://operator.example/vocab#alumniOf' } },
        },
      },
      {},
    );
  });
});
