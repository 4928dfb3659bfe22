import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  createGovernance,
  generateKeyPair,
  parseAccreditation,
  parseGovernance,
  pinnedKeyOf,
  ValidationError,
  scopesWithin,
} from '../../src/index.ts';

// biome-ignore lint/suspicious/noExplicitAny: mutations reach into arbitrary JSON on purpose
type Json = any;

const T0 = Date.parse('2026-06-01T00:00:00Z');

async function validGovernance() {
  const key = await generateKeyPair('Ed25519');
  return createGovernance({
    networkId: 'net-1',
    version: 1,
    authorities: [{ id: key.did, name: 'Agency', jurisdiction: 'JP', publicKeys: [pinnedKeyOf(key)] }],
    threshold: 1,
    validFrom: new Date(T0),
    validUntil: new Date(T0 + 1e10),
  }) as unknown as Record<string, unknown>;
}

async function validAccreditation() {
  const [issuer, subject] = await Promise.all([generateKeyPair('Ed25519'), generateKeyPair('Ed25519')]);
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/trustmesh/v1'],
    id: 'urn:uuid:0b7e5b8e-7d2f-4f6e-9a59-6f2f0f1f3a10',
    type: ['VerifiableCredential', 'VerifiableAccreditation'],
    issuer: issuer.did,
    validFrom: '2026-06-01T00:00:00Z',
    validUntil: '2027-06-01T00:00:00Z',
    credentialSubject: {
      id: subject.did,
      role: 'issuer',
      accreditedFor: [{ types: ['HealthInsuranceCredential'], jurisdiction: 'JP' }],
      maxPathLength: 0,
      publicKeys: [pinnedKeyOf(subject)],
    },
    proof: { type: 'DataIntegrityProof' },
  } as Record<string, unknown>;
}

/** Applies a mutation to a deep copy and returns the error the parser throws. */
function errorOf(
  parse: (v: unknown) => unknown,
  base: Record<string, unknown>,
  mutate: (v: Json) => void,
): ValidationError {
  const copy = structuredClone(base);
  mutate(copy);
  try {
    parse(copy);
  } catch (error) {
    assert.ok(error instanceof ValidationError, `expected ValidationError, got ${error}`);
    return error;
  }
  assert.fail('expected the parser to throw');
}

describe('governance record parsing', () => {
  const cases: [string, (g: Json) => void, string][] = [
    [
      'type',
      (g) => {
        g.type = 'Other';
      },
      'type',
    ],
    [
      'unknown field',
      (g) => {
        g.extra = 1;
      },
      'extra',
    ],
    [
      'networkId pattern',
      (g) => {
        g.networkId = 'Bad Net';
      },
      'networkId',
    ],
    [
      'version not integer',
      (g) => {
        g.version = 1.5;
      },
      'version',
    ],
    [
      'version zero',
      (g) => {
        g.version = 0;
      },
      'version',
    ],
    [
      'no authorities',
      (g) => {
        g.authorities = [];
      },
      'authorities',
    ],
    [
      'authority id not a DID',
      (g) => {
        g.authorities[0].id = 'agency';
      },
      'authorities[0].id',
    ],
    [
      'jurisdiction not ISO 3166',
      (g) => {
        g.authorities[0].jurisdiction = 'Japan';
      },
      'authorities[0].jurisdiction',
    ],
    [
      'key not of its controller',
      (g) => {
        g.authorities[0].publicKeys[0].id = 'did:key:zOther#k';
      },
      'authorities[0].publicKeys[0].id',
    ],
    [
      'key not a Multikey',
      (g) => {
        g.authorities[0].publicKeys[0].publicKeyMultibase = 'abc';
      },
      'authorities[0].publicKeys[0].publicKeyMultibase',
    ],
    [
      'threshold above authorities',
      (g) => {
        g.threshold = 2;
      },
      'threshold',
    ],
    [
      'validUntil before validFrom',
      (g) => {
        g.validUntil = '2020-01-01T00:00:00Z';
      },
      'validUntil',
    ],
    [
      'validFrom without time zone',
      (g) => {
        g.validFrom = '2026-06-01T00:00:00';
      },
      'validFrom',
    ],
    [
      'signature without keyId',
      (g) => {
        g.signatures = [{ signature: 'z1' }];
      },
      'signatures[0].keyId',
    ],
  ];
  for (const [name, mutate, field] of cases) {
    it(`rejects ${name}, naming ${field}`, async () => {
      const error = errorOf(parseGovernance, await validGovernance(), mutate);
      assert.equal(error.code, 'GOVERNANCE_FIELD_INVALID');
      assert.equal(error.action, 'reject');
      assert.equal(error.field, field);
      assert.ok(error.message.startsWith(`${field}: `));
    });
  }
  it('rejects duplicate authorities', async () => {
    const error = errorOf(parseGovernance, await validGovernance(), (g) =>
      g.authorities.push(structuredClone(g.authorities[0])),
    );
    assert.equal(error.field, 'authorities[1].id');
  });
  it('never throws anything but a ValidationError on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        try {
          parseGovernance(value);
        } catch (error) {
          return error instanceof ValidationError;
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });
});

describe('accreditation parsing', () => {
  const cases: [string, (a: Json) => void, string][] = [
    [
      'missing trustmesh context',
      (a) => {
        a['@context'] = ['https://www.w3.org/ns/credentials/v2'];
      },
      '@context',
    ],
    [
      'wrong type',
      (a) => {
        a.type = ['VerifiableCredential'];
      },
      'type',
    ],
    [
      'id not a URI',
      (a) => {
        a.id = 'abc';
      },
      'id',
    ],
    [
      'issuer not a DID',
      (a) => {
        a.issuer = 'https://agency.example';
      },
      'issuer',
    ],
    [
      'no validUntil',
      (a) => {
        delete a.validUntil;
      },
      'validUntil',
    ],
    [
      'no proof',
      (a) => {
        delete a.proof;
      },
      'proof',
    ],
    [
      'subject array',
      (a) => {
        a.credentialSubject = [a.credentialSubject];
      },
      'credentialSubject',
    ],
    [
      'self-accreditation',
      (a) => {
        a.credentialSubject.id = a.issuer;
      },
      'credentialSubject.id',
    ],
    [
      'unknown role',
      (a) => {
        a.credentialSubject.role = 'owner';
      },
      'credentialSubject.role',
    ],
    [
      'empty scope list',
      (a) => {
        a.credentialSubject.accreditedFor = [];
      },
      'credentialSubject.accreditedFor',
    ],
    [
      'bad type name',
      (a) => {
        a.credentialSubject.accreditedFor[0].types = ['Bad Type'];
      },
      'credentialSubject.accreditedFor[0].types[0]',
    ],
    [
      'VerifiableCredential as scope',
      (a) => {
        a.credentialSubject.accreditedFor[0].types = ['VerifiableCredential'];
      },
      'credentialSubject.accreditedFor[0].types',
    ],
    [
      'bad jurisdiction',
      (a) => {
        a.credentialSubject.accreditedFor[0].jurisdiction = 'jp';
      },
      'credentialSubject.accreditedFor[0].jurisdiction',
    ],
    [
      'issuer with path length',
      (a) => {
        a.credentialSubject.maxPathLength = 1;
      },
      'credentialSubject.maxPathLength',
    ],
    [
      'path length too long',
      (a) => {
        a.credentialSubject.role = 'accreditor';
        a.credentialSubject.maxPathLength = 99;
      },
      'credentialSubject.maxPathLength',
    ],
    [
      'no pinned keys',
      (a) => {
        a.credentialSubject.publicKeys = [];
      },
      'credentialSubject.publicKeys',
    ],
  ];
  for (const [name, mutate, field] of cases) {
    it(`rejects ${name}, naming ${field}`, async () => {
      const error = errorOf(parseAccreditation, await validAccreditation(), mutate);
      assert.equal(error.code, 'ACCREDITATION_FIELD_INVALID');
      assert.equal(error.field, field);
    });
  }
  it('parses a valid accreditation', async () => {
    const parsed = parseAccreditation(await validAccreditation());
    assert.equal(parsed.role, 'issuer');
    assert.deepEqual(parsed.accreditedFor, [{ types: ['HealthInsuranceCredential'], jurisdiction: 'JP' }]);
  });
  it('never throws anything but a ValidationError on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        try {
          parseAccreditation(value);
        } catch (error) {
          return error instanceof ValidationError;
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });
});

describe('scope narrowing', () => {
  it('holds exactly when every inner scope has types and jurisdiction within an outer one', () => {
    const jurisdiction = fc.constantFrom('JP', 'JP-13', 'JP-27', 'TW', 'TW-TPE');
    const types = fc.uniqueArray(fc.constantFrom('A', 'B', 'C', 'D'), { minLength: 1, maxLength: 4 });
    const scope = fc.record({ types, jurisdiction });
    fc.assert(
      fc.property(
        fc.array(scope, { minLength: 1, maxLength: 3 }),
        fc.array(scope, { minLength: 1, maxLength: 3 }),
        (inner, outer) => {
          const expected = inner.every((i) =>
            outer.some(
              (o) =>
                (i.jurisdiction === o.jurisdiction || i.jurisdiction.startsWith(`${o.jurisdiction}-`)) &&
                i.types.every((t) => o.types.includes(t)),
            ),
          );
          return scopesWithin(inner, outer) === expected;
        },
      ),
    );
    assert.equal(
      scopesWithin([{ types: ['A'], jurisdiction: 'JP-13' }], [{ types: ['A', 'B'], jurisdiction: 'JP' }]),
      true,
    );
    assert.equal(
      scopesWithin([{ types: ['A'], jurisdiction: 'JP' }], [{ types: ['A'], jurisdiction: 'JP-13' }]),
      false,
    );
    assert.equal(scopesWithin([{ types: ['A'], jurisdiction: 'JPN' }], [{ types: ['A'], jurisdiction: 'JP' }]), false);
  });
});
