import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { ValidationError } from '../../src/errors.ts';
import { DEFAULT_INPUT_LIMITS } from '../../src/limits.ts';
import { isBitstringStatusListEntry, parseStatusEntries } from '../../src/records/status-entry.ts';
import { inflateStatusList, parseStatusListCredential } from '../../src/records/status-list-credential.ts';
import { readStatus } from '../../src/status-list/index.ts';

// The Recommendation's Example 3 (§2.2): 131,072 one-bit entries, none set.
const EMPTY_LIST = 'uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA';
const encode = (bytes: Uint8Array) => `u${Buffer.from(gzipSync(bytes)).toString('base64url')}`;
// 131,072 two-bit entries (32 KB), entry 1 set to 0b10.
const TWO_BIT_LIST = encode(new Uint8Array(32_768).fill(0b0010_0000, 0, 1));

type Json = Record<string, unknown>;

function validCredential(): Json {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/security/data-integrity/v2'],
    id: 'https://example.com/credentials/status/3',
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: 'did:example:12345',
    validFrom: '2021-04-05T14:27:40Z',
    credentialSubject: {
      id: 'https://example.com/status/3#list',
      type: 'BitstringStatusList',
      statusPurpose: 'revocation',
      encodedList: EMPTY_LIST,
    },
    proof: {
      type: 'DataIntegrityProof',
      cryptosuite: 'eddsa-rdfc-2022',
      proofPurpose: 'assertionMethod',
      verificationMethod: 'did:example:12345#key-1',
      proofValue: 'z5C5b1uzYkWSv2ZRtZGtqPDQhYUyW4sFeXFyjFpNhb1gGnpZk2yKHzcYpGbAY5jqSP9wLvV1qqXbd5FRJuA2Z3rY5',
    },
  };
}

function statusMessages(size: number) {
  return Array.from({ length: 2 ** size }, (_, i) => ({ status: `0x${i.toString(16)}`, message: `m${i}` }));
}

function expectError(fn: () => unknown, code: string, field: string | undefined): ValidationError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ValidationError, `expected ValidationError ${code} on ${field}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.equal(caught.action, 'reject');
  assert.equal(caught.field, field, caught.message);
  if (field !== undefined)
    assert.ok(caught.message.startsWith(`${field}: `), `message "${caught.message}" should name ${field}`);
  return caught;
}

/** Applies a mutation to a fresh valid credential. */
function mutated(mutate: (c: Json, subject: Json) => void): Json {
  const credential = validCredential();
  mutate(credential, credential.credentialSubject as Json);
  return credential;
}

describe('parseStatusListCredential', () => {
  it('parses the Recommendation example (with a proof) into a frozen typed record', () => {
    const credential = validCredential();
    const list = parseStatusListCredential(credential);
    assert.equal(list.id, 'https://example.com/credentials/status/3');
    assert.equal(list.issuer, 'did:example:12345');
    assert.equal(list.validFrom, Date.UTC(2021, 3, 5, 14, 27, 40));
    assert.equal(list.validUntil, undefined);
    assert.equal(list.subjectId, 'https://example.com/status/3#list');
    assert.deepEqual(list.statusPurpose, ['revocation']);
    assert.equal(list.statusSize, 1);
    assert.equal(list.statusMessage, undefined);
    assert.equal(list.ttl, undefined);
    assert.equal(list.encodedList, EMPTY_LIST);
    assert.equal(list.bits.length, 16_384);
    assert.equal(list.credential, credential);
    assert.ok(Object.isFrozen(list));
    assert.ok(Object.isFrozen(list.statusPurpose));
  });

  it('reads the optional fields', () => {
    const list = parseStatusListCredential(
      mutated((c, s) => {
        c.issuer = { id: 'did:example:12345', name: 'Agency' };
        c.validFrom = '2024-02-29T23:59:59.1234+09:00';
        c.validUntil = '2024-03-31T24:00:00Z';
        s.statusPurpose = ['revocation', 'suspension'];
        s.ttl = 300_000;
        delete s.id;
      }),
    );
    assert.equal(list.issuer, 'did:example:12345');
    assert.equal(list.validFrom, Date.UTC(2024, 1, 29, 14, 59, 59, 123));
    assert.equal(list.validUntil, Date.UTC(2024, 3, 1));
    assert.deepEqual(list.statusPurpose, ['revocation', 'suspension']);
    assert.equal(list.ttl, 300_000);
    assert.equal(list.subjectId, undefined);
  });

  it('reads multi-bit lists with their status messages', () => {
    const list = parseStatusListCredential(
      mutated((_, s) => {
        s.statusPurpose = 'message';
        s.statusSize = 2;
        s.statusMessages = statusMessages(2);
        s.encodedList = TWO_BIT_LIST;
      }),
    );
    assert.equal(list.statusSize, 2);
    assert.deepEqual(
      list.statusMessage?.map((m) => [m.status, m.value, m.message]),
      [
        ['0x0', 0, 'm0'],
        ['0x1', 1, 'm1'],
        ['0x2', 2, 'm2'],
        ['0x3', 3, 'm3'],
      ],
    );
    assert.equal(readStatus(list.bits, 1, list.statusSize), 2);
  });

  it('accepts validUntil equal to validFrom and years below 100 as written', () => {
    const same = parseStatusListCredential(mutated((c) => Object.assign(c, { validUntil: c.validFrom })));
    assert.equal(same.validUntil, same.validFrom);
    const early = parseStatusListCredential(mutated((c) => Object.assign(c, { validFrom: '0099-01-01T00:00:00Z' })));
    assert.equal(new Date(early.validFrom).getUTCFullYear(), 99);
    const zone = parseStatusListCredential(
      mutated((c) => Object.assign(c, { validFrom: '2021-04-05T16:27:40+02:00' })),
    );
    assert.equal(zone.validFrom, Date.UTC(2021, 3, 5, 14, 27, 40));
  });

  // One row per rule: [what is wrong, mutation, expected code, expected field].
  const rules: [string, (c: Json, s: Json) => void, string, string | undefined][] = [
    ['@context missing', (c) => delete c['@context'], 'MALFORMED_VALUE_ERROR', '@context'],
    [
      '@context a string',
      (c) => Object.assign(c, { '@context': 'https://www.w3.org/ns/credentials/v2' }),
      'MALFORMED_VALUE_ERROR',
      '@context',
    ],
    ['@context empty', (c) => Object.assign(c, { '@context': [] }), 'MALFORMED_VALUE_ERROR', '@context'],
    [
      '@context VC 1.1 with the 2021 status list context',
      (c) =>
        Object.assign(c, {
          '@context': ['https://www.w3.org/2018/credentials/v1', 'https://w3id.org/vc/status-list/2021/v1'],
        }),
      'MALFORMED_VALUE_ERROR',
      '@context[0]',
    ],
    [
      '@context item neither URL nor object',
      (c) => (c['@context'] as unknown[]).push(7),
      'MALFORMED_VALUE_ERROR',
      '@context[2]',
    ],
    ['type missing', (c) => delete c.type, 'MALFORMED_VALUE_ERROR', 'type'],
    [
      'type a string',
      (c) => Object.assign(c, { type: 'BitstringStatusListCredential' }),
      'MALFORMED_VALUE_ERROR',
      'type',
    ],
    [
      'type without BitstringStatusListCredential',
      (c) => Object.assign(c, { type: ['VerifiableCredential', 'StatusList2021Credential'] }),
      'MALFORMED_VALUE_ERROR',
      'type',
    ],
    [
      'type without VerifiableCredential',
      (c) => Object.assign(c, { type: ['BitstringStatusListCredential'] }),
      'MALFORMED_VALUE_ERROR',
      'type',
    ],
    [
      'type with a non-string',
      (c) => Object.assign(c, { type: ['VerifiableCredential', 'BitstringStatusListCredential', 1] }),
      'MALFORMED_VALUE_ERROR',
      'type',
    ],
    ['id missing', (c) => delete c.id, 'STATUS_LIST_FIELD_MISSING', 'id'],
    ['id not a URL', (c) => Object.assign(c, { id: 'status list 3' }), 'MALFORMED_VALUE_ERROR', 'id'],
    [
      'id with a control character',
      (c) => Object.assign(c, { id: 'https://example.com/\nstatus' }),
      'MALFORMED_VALUE_ERROR',
      'id',
    ],
    ['id a number', (c) => Object.assign(c, { id: 3 }), 'MALFORMED_VALUE_ERROR', 'id'],
    ['issuer missing', (c) => delete c.issuer, 'MALFORMED_VALUE_ERROR', 'issuer'],
    ['issuer not a URL', (c) => Object.assign(c, { issuer: 'Agency' }), 'MALFORMED_VALUE_ERROR', 'issuer'],
    [
      'issuer object without id',
      (c) => Object.assign(c, { issuer: { name: 'Agency' } }),
      'MALFORMED_VALUE_ERROR',
      'issuer.id',
    ],
    ['issuer an array', (c) => Object.assign(c, { issuer: ['did:example:12345'] }), 'MALFORMED_VALUE_ERROR', 'issuer'],
    ['validFrom missing', (c) => delete c.validFrom, 'STATUS_LIST_FIELD_MISSING', 'validFrom'],
    [
      'validFrom a date only',
      (c) => Object.assign(c, { validFrom: '2021-04-05' }),
      'MALFORMED_VALUE_ERROR',
      'validFrom',
    ],
    [
      'validFrom without time zone',
      (c) => Object.assign(c, { validFrom: '2021-04-05T14:27:40' }),
      'MALFORMED_VALUE_ERROR',
      'validFrom',
    ],
    [
      'validFrom on 30 February',
      (c) => Object.assign(c, { validFrom: '2021-02-30T00:00:00Z' }),
      'MALFORMED_VALUE_ERROR',
      'validFrom',
    ],
    [
      'validFrom on 29 February of a common year',
      (c) => Object.assign(c, { validFrom: '2023-02-29T00:00:00Z' }),
      'MALFORMED_VALUE_ERROR',
      'validFrom',
    ],
    [
      'validFrom at hour 25',
      (c) => Object.assign(c, { validFrom: '2021-04-05T25:00:00Z' }),
      'MALFORMED_VALUE_ERROR',
      'validFrom',
    ],
    [
      'validFrom at 24:00:01',
      (c) => Object.assign(c, { validFrom: '2021-04-05T24:00:01Z' }),
      'MALFORMED_VALUE_ERROR',
      'validFrom',
    ],
    [
      'validFrom with zone +15:00',
      (c) => Object.assign(c, { validFrom: '2021-04-05T14:27:40+15:00' }),
      'MALFORMED_VALUE_ERROR',
      'validFrom',
    ],
    ['validFrom a number', (c) => Object.assign(c, { validFrom: 1617632860000 }), 'MALFORMED_VALUE_ERROR', 'validFrom'],
    [
      'validUntil malformed',
      (c) => Object.assign(c, { validUntil: 'tomorrow' }),
      'MALFORMED_VALUE_ERROR',
      'validUntil',
    ],
    [
      'validUntil before validFrom',
      (c) => Object.assign(c, { validUntil: '2021-04-05T14:27:39Z' }),
      'MALFORMED_VALUE_ERROR',
      'validUntil',
    ],
    ['credentialSubject missing', (c) => delete c.credentialSubject, 'MALFORMED_VALUE_ERROR', 'credentialSubject'],
    [
      'credentialSubject an array',
      (c, s) => Object.assign(c, { credentialSubject: [s] }),
      'MALFORMED_VALUE_ERROR',
      'credentialSubject',
    ],
    [
      'credentialSubject.id not a URL',
      (_, s) => Object.assign(s, { id: 'list' }),
      'MALFORMED_VALUE_ERROR',
      'credentialSubject.id',
    ],
    ['credentialSubject.type missing', (_, s) => delete s.type, 'MALFORMED_VALUE_ERROR', 'credentialSubject.type'],
    [
      'credentialSubject.type wrong',
      (_, s) => Object.assign(s, { type: 'StatusList2021' }),
      'MALFORMED_VALUE_ERROR',
      'credentialSubject.type',
    ],
    [
      'credentialSubject.type an array',
      (_, s) => Object.assign(s, { type: ['BitstringStatusList'] }),
      'MALFORMED_VALUE_ERROR',
      'credentialSubject.type',
    ],
    [
      'statusPurpose missing',
      (_, s) => delete s.statusPurpose,
      'MALFORMED_VALUE_ERROR',
      'credentialSubject.statusPurpose',
    ],
    [
      'statusPurpose a number',
      (_, s) => Object.assign(s, { statusPurpose: 1 }),
      'MALFORMED_VALUE_ERROR',
      'credentialSubject.statusPurpose',
    ],
    [
      'statusPurpose an empty array',
      (_, s) => Object.assign(s, { statusPurpose: [] }),
      'MALFORMED_VALUE_ERROR',
      'credentialSubject.statusPurpose',
    ],
    [
      'statusPurpose with a non-string',
      (_, s) => Object.assign(s, { statusPurpose: ['revocation', null] }),
      'MALFORMED_VALUE_ERROR',
      'credentialSubject.statusPurpose',
    ],
    [
      'statusSize zero',
      (_, s) => Object.assign(s, { statusSize: 0 }),
      'MALFORMED_VALUE_ERROR',
      'credentialSubject.statusSize',
    ],
    [
      'statusSize fractional',
      (_, s) => Object.assign(s, { statusSize: 1.5 }),
      'MALFORMED_VALUE_ERROR',
      'credentialSubject.statusSize',
    ],
    [
      'statusSize a string',
      (_, s) => Object.assign(s, { statusSize: '2' }),
      'MALFORMED_VALUE_ERROR',
      'credentialSubject.statusSize',
    ],
    [
      'statusSize above 8',
      (_, s) => Object.assign(s, { statusSize: 9 }),
      'STATUS_SIZE_UNSUPPORTED',
      'credentialSubject.statusSize',
    ],
    [
      'statusSize 2 without statusMessage',
      (_, s) => Object.assign(s, { statusSize: 2, encodedList: TWO_BIT_LIST }),
      'MALFORMED_VALUE_ERROR',
      'credentialSubject.statusMessage',
    ],
    [
      'statusMessage of the wrong length',
      (_, s) => Object.assign(s, { statusSize: 2, statusMessage: statusMessages(1) }),
      'MALFORMED_VALUE_ERROR',
      'credentialSubject.statusMessage',
    ],
    [
      'statusMessage not an array',
      (_, s) => Object.assign(s, { statusMessage: { status: '0x0' } }),
      'MALFORMED_VALUE_ERROR',
      'credentialSubject.statusMessage',
    ],
    [
      'statusMessage item not an object',
      (_, s) => Object.assign(s, { statusMessage: [statusMessages(1)[0], 'unset'] }),
      'MALFORMED_VALUE_ERROR',
      'credentialSubject.statusMessage[1]',
    ],
    [
      'statusMessage status not 0x-hex',
      (_, s) => Object.assign(s, { statusMessage: [{ status: '0', message: 'unset' }, statusMessages(1)[1]] }),
      'MALFORMED_VALUE_ERROR',
      'credentialSubject.statusMessage[0].status',
    ],
    [
      'statusMessage status too large for statusSize',
      (_, s) => Object.assign(s, { statusMessage: [statusMessages(1)[0], { status: '0x2', message: 'x' }] }),
      'MALFORMED_VALUE_ERROR',
      'credentialSubject.statusMessage[1].status',
    ],
    [
      'statusMessage status repeated',
      (_, s) => Object.assign(s, { statusMessage: [statusMessages(1)[0], statusMessages(1)[0]] }),
      'MALFORMED_VALUE_ERROR',
      'credentialSubject.statusMessage[1].status',
    ],
    [
      'statusMessage message not a string',
      (_, s) => Object.assign(s, { statusMessage: [statusMessages(1)[0], { status: '0x1' }] }),
      'MALFORMED_VALUE_ERROR',
      'credentialSubject.statusMessage[1].message',
    ],
    [
      'statusMessage and statusMessages together',
      (_, s) => Object.assign(s, { statusMessage: statusMessages(1), statusMessages: statusMessages(1) }),
      'MALFORMED_VALUE_ERROR',
      'credentialSubject.statusMessages',
    ],
    [
      'message purpose without statusSize',
      (_, s) => Object.assign(s, { statusPurpose: 'message', statusMessages: statusMessages(1) }),
      'MALFORMED_VALUE_ERROR',
      'credentialSubject.statusSize',
    ],
    [
      'message purpose without messages',
      (_, s) => Object.assign(s, { statusPurpose: ['revocation', 'message'], statusSize: 1 }),
      'MALFORMED_VALUE_ERROR',
      'credentialSubject.statusMessages',
    ],
    ['ttl negative', (_, s) => Object.assign(s, { ttl: -1 }), 'MALFORMED_VALUE_ERROR', 'credentialSubject.ttl'],
    ['ttl fractional', (_, s) => Object.assign(s, { ttl: 0.5 }), 'MALFORMED_VALUE_ERROR', 'credentialSubject.ttl'],
    ['ttl a string', (_, s) => Object.assign(s, { ttl: '1000' }), 'MALFORMED_VALUE_ERROR', 'credentialSubject.ttl'],
    ['proof missing', (c) => delete c.proof, 'STATUS_LIST_FIELD_MISSING', 'proof'],
    ['proof an empty array', (c) => Object.assign(c, { proof: [] }), 'MALFORMED_VALUE_ERROR', 'proof'],
    ['proof a string', (c) => Object.assign(c, { proof: 'signed' }), 'MALFORMED_VALUE_ERROR', 'proof'],
    [
      'proof without type',
      (c) => Object.assign(c, { proof: { proofValue: 'z1' } }),
      'MALFORMED_VALUE_ERROR',
      'proof.type',
    ],
    [
      'proof set with a non-object',
      (c) => Object.assign(c, { proof: [c.proof, 5] }),
      'MALFORMED_VALUE_ERROR',
      'proof[1]',
    ],
    ['encodedList missing', (_, s) => delete s.encodedList, 'MALFORMED_VALUE_ERROR', 'credentialSubject.encodedList'],
    [
      'encodedList without multibase prefix',
      (_, s) => Object.assign(s, { encodedList: EMPTY_LIST.slice(1) }),
      'STATUS_LIST_BAD_MULTIBASE',
      'credentialSubject.encodedList',
    ],
    [
      'encodedList not GZIP',
      (_, s) => Object.assign(s, { encodedList: 'uAAAA' }),
      'STATUS_LIST_BAD_GZIP',
      'credentialSubject.encodedList',
    ],
    [
      'encodedList shorter than 16 KB',
      (_, s) => Object.assign(s, { encodedList: encode(new Uint8Array(16_383)) }),
      'STATUS_LIST_LENGTH_ERROR',
      'credentialSubject.encodedList',
    ],
    [
      'encodedList 16 KB with 2-bit entries',
      (_, s) => Object.assign(s, { statusSize: 2, statusMessage: statusMessages(2) }),
      'STATUS_LIST_LENGTH_ERROR',
      'credentialSubject.encodedList',
    ],
  ];

  // Found only by inflating, which admission does after the issuer and proof are checked (issue 11):
  // parsing passes, reading the bits or inflating off the event loop rejects.
  const INFLATION_CODES = new Set(['STATUS_LIST_BAD_GZIP', 'STATUS_LIST_LENGTH_ERROR']);
  for (const [what, mutate, code, field] of rules) {
    it(`rejects: ${what} → ${code} on ${field}`, async () => {
      if (!INFLATION_CODES.has(code)) {
        expectError(() => parseStatusListCredential(mutated(mutate)), code, field);
        return;
      }
      const list = parseStatusListCredential(mutated(mutate));
      expectError(() => list.bits, code, field);
      const inflated = await inflateStatusList(list).then(
        () => null,
        (error: unknown) => error,
      );
      expectError(
        () => {
          throw inflated;
        },
        code,
        field,
      );
    });
  }

  it('rejects a value that is not an object', () => {
    for (const value of [null, 'credential', 42, [validCredential()]]) {
      expectError(() => parseStatusListCredential(value), 'MALFORMED_VALUE_ERROR', undefined);
    }
  });

  it('ignores inherited properties', () => {
    const inherited = Object.create(validCredential()) as Json;
    expectError(() => parseStatusListCredential(inherited), 'MALFORMED_VALUE_ERROR', '@context');
  });

  it('applies the input limits', () => {
    // Inflating past the cap stops at the cap (the string itself is short enough to pass parsing).
    const capped = parseStatusListCredential(validCredential(), {
      ...DEFAULT_INPUT_LIMITS,
      maxStatusListEntries: 65_536,
    });
    expectError(() => capped.bits, 'STATUS_LIST_TOO_LARGE', 'credentialSubject.encodedList');
    // The decoded-bits cap applies whatever the entry width: 131,072 entries of 1 bit pass 2^17 bits...
    assert.equal(
      parseStatusListCredential(validCredential(), { ...DEFAULT_INPUT_LIMITS, maxStatusListBits: 2 ** 17 }).bits.length,
      16_384,
    );
    // ...and fail one bit below.
    const tight = parseStatusListCredential(validCredential(), {
      ...DEFAULT_INPUT_LIMITS,
      maxStatusListBits: 2 ** 17 - 8,
    });
    expectError(() => tight.bits, 'STATUS_LIST_TOO_LARGE', 'credentialSubject.encodedList');
    expectError(
      () =>
        parseStatusListCredential(
          mutated((c) => Object.assign(c, { evidence: [[[[{ deep: [1] }]]]] })),
          { ...DEFAULT_INPUT_LIMITS, maxJsonDepth: 5 },
        ),
      'RECORD_TOO_DEEP',
      undefined,
    );
  });

  it('never throws anything but a ValidationError on arbitrary JSON', () => {
    const paths: [string, ...string[]][] = [
      ['@context'],
      ['type'],
      ['id'],
      ['issuer'],
      ['validFrom'],
      ['validUntil'],
      ['credentialSubject'],
      ['proof'],
      ['credentialSubject', 'id'],
      ['credentialSubject', 'type'],
      ['credentialSubject', 'statusPurpose'],
      ['credentialSubject', 'statusSize'],
      ['credentialSubject', 'statusMessage'],
      ['credentialSubject', 'statusMessages'],
      ['credentialSubject', 'ttl'],
      ['credentialSubject', 'encodedList'],
    ];
    const mutation = fc.array(fc.tuple(fc.constantFrom(...paths), fc.option(fc.jsonValue({ maxDepth: 3 }))), {
      minLength: 1,
      maxLength: 3,
    });
    const input = fc.oneof(
      fc.jsonValue(),
      fc.object(),
      mutation.map((changes) => {
        const credential = validCredential();
        for (const [path, value] of changes) {
          const parent = path.length === 2 ? credential.credentialSubject : credential;
          const key = path[path.length - 1]!;
          if (parent === null || typeof parent !== 'object') continue;
          if (value === null) delete (parent as Json)[key];
          else (parent as Json)[key] = value;
        }
        return credential;
      }),
    );
    fc.assert(
      fc.property(input, (value) => {
        try {
          parseStatusListCredential(value);
        } catch (error) {
          assert.ok(error instanceof ValidationError, `threw ${String(error)}`);
          assert.ok(error.code.length > 0);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('parseStatusEntries', () => {
  function credentialWith(credentialStatus: unknown): Json {
    return {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiableCredential', 'EmployeeIdCredential'],
      issuer: 'did:example:12345',
      credentialStatus,
    };
  }
  const revocation = () => ({
    id: 'https://example.com/credentials/status/3#94567',
    type: 'BitstringStatusListEntry',
    statusPurpose: 'revocation',
    statusListIndex: '94567',
    statusListCredential: 'https://example.com/credentials/status/3',
  });
  const message = () => ({
    type: 'BitstringStatusListEntry',
    statusPurpose: 'message',
    statusListIndex: '492847',
    statusSize: 2,
    statusListCredential: 'https://example.com/credentials/status/8',
    statusMessage: [
      { status: '0x0', message: 'pending_review' },
      { status: '0x1', message: 'accepted' },
      { status: '0x2', message: 'rejected' },
      { status: '0x3', message: 'undefined' },
    ],
    statusReference: 'https://example.org/status-dictionary/',
  });

  it('parses an array of entries (the Recommendation, Example 1)', () => {
    const entries = parseStatusEntries(
      credentialWith([revocation(), { ...revocation(), statusPurpose: 'suspension', statusListIndex: '23452' }]),
    );
    assert.equal(entries.length, 2);
    const [first, second] = entries;
    assert.ok(first && isBitstringStatusListEntry(first));
    assert.deepEqual(
      { ...first },
      {
        type: 'BitstringStatusListEntry',
        field: 'credentialStatus[0]',
        id: 'https://example.com/credentials/status/3#94567',
        statusPurpose: 'revocation',
        statusListIndex: 94_567,
        statusListCredential: 'https://example.com/credentials/status/3',
        statusSize: 1,
      },
    );
    assert.ok(second && isBitstringStatusListEntry(second));
    assert.equal(second.statusListIndex, 23_452);
    assert.ok(Object.isFrozen(entries) && Object.isFrozen(first));
  });

  it('parses a single multi-bit entry (the Recommendation, Example 2)', () => {
    const [entry] = parseStatusEntries(credentialWith(message()));
    assert.ok(entry && isBitstringStatusListEntry(entry));
    assert.equal(entry.field, 'credentialStatus');
    assert.equal(entry.statusSize, 2);
    assert.deepEqual(
      entry.statusMessage?.map((m) => m.message),
      ['pending_review', 'accepted', 'rejected', 'undefined'],
    );
    assert.deepEqual(entry.statusReference, ['https://example.org/status-dictionary/']);
  });

  it('returns no entries without credentialStatus, and flags other status types as unsupported', () => {
    assert.deepEqual(parseStatusEntries({ type: ['VerifiableCredential'] }), []);
    const entries = parseStatusEntries(
      credentialWith([{ type: 'StatusList2021Entry', statusListIndex: 7 }, revocation()]),
    );
    assert.deepEqual({ ...entries[0] }, { unsupported: ['StatusList2021Entry'], field: 'credentialStatus[0]' });
    assert.ok(entries[0] && !isBitstringStatusListEntry(entries[0]));
    assert.ok(entries[1] && isBitstringStatusListEntry(entries[1]));
  });

  it('keeps an index beyond the safe integers, which then is out of every list', () => {
    const [entry] = parseStatusEntries(
      credentialWith({ ...revocation(), statusListIndex: '123456789012345678901234567890' }),
    );
    assert.ok(entry && isBitstringStatusListEntry(entry));
    expectError(
      () => readStatus(new Uint8Array(16_384), entry.statusListIndex, entry.statusSize),
      'RANGE_ERROR',
      'statusListIndex',
    );
  });

  const rules: [string, unknown, string, string | undefined][] = [
    ['credentialStatus a string', 'revoked', 'MALFORMED_VALUE_ERROR', 'credentialStatus'],
    ['entry not an object', [revocation(), 'x'], 'MALFORMED_VALUE_ERROR', 'credentialStatus[1]'],
    ['type missing', { ...revocation(), type: undefined }, 'MALFORMED_VALUE_ERROR', 'credentialStatus.type'],
    ['type a number', [{ ...revocation(), type: 1 }], 'MALFORMED_VALUE_ERROR', 'credentialStatus[0].type'],
    [
      'type an array including BitstringStatusListEntry',
      { ...revocation(), type: ['BitstringStatusListEntry', 'Extra'] },
      'MALFORMED_VALUE_ERROR',
      'credentialStatus.type',
    ],
    [
      'statusPurpose missing',
      { ...revocation(), statusPurpose: undefined },
      'MALFORMED_VALUE_ERROR',
      'credentialStatus.statusPurpose',
    ],
    [
      'statusPurpose an array',
      { ...revocation(), statusPurpose: ['revocation'] },
      'MALFORMED_VALUE_ERROR',
      'credentialStatus.statusPurpose',
    ],
    [
      'statusListIndex missing',
      [revocation(), { ...revocation(), statusListIndex: undefined }],
      'MALFORMED_VALUE_ERROR',
      'credentialStatus[1].statusListIndex',
    ],
    [
      'statusListIndex a number',
      { ...revocation(), statusListIndex: 94567 },
      'MALFORMED_VALUE_ERROR',
      'credentialStatus.statusListIndex',
    ],
    [
      'statusListIndex negative',
      { ...revocation(), statusListIndex: '-1' },
      'MALFORMED_VALUE_ERROR',
      'credentialStatus.statusListIndex',
    ],
    [
      'statusListIndex fractional',
      { ...revocation(), statusListIndex: '1.5' },
      'MALFORMED_VALUE_ERROR',
      'credentialStatus.statusListIndex',
    ],
    [
      'statusListIndex hexadecimal',
      { ...revocation(), statusListIndex: '0x10' },
      'MALFORMED_VALUE_ERROR',
      'credentialStatus.statusListIndex',
    ],
    [
      'statusListIndex with spaces',
      { ...revocation(), statusListIndex: ' 1' },
      'MALFORMED_VALUE_ERROR',
      'credentialStatus.statusListIndex',
    ],
    [
      'statusListIndex empty',
      { ...revocation(), statusListIndex: '' },
      'MALFORMED_VALUE_ERROR',
      'credentialStatus.statusListIndex',
    ],
    [
      'statusListCredential missing',
      { ...revocation(), statusListCredential: undefined },
      'MALFORMED_VALUE_ERROR',
      'credentialStatus.statusListCredential',
    ],
    [
      'statusListCredential not a URL',
      { ...revocation(), statusListCredential: 'status list 3' },
      'MALFORMED_VALUE_ERROR',
      'credentialStatus.statusListCredential',
    ],
    ['id not a URL', { ...revocation(), id: 'entry 1' }, 'MALFORMED_VALUE_ERROR', 'credentialStatus.id'],
    [
      'id equal to the status list URL',
      { ...revocation(), id: revocation().statusListCredential },
      'MALFORMED_VALUE_ERROR',
      'credentialStatus.id',
    ],
    ['statusSize zero', { ...revocation(), statusSize: 0 }, 'MALFORMED_VALUE_ERROR', 'credentialStatus.statusSize'],
    [
      'statusSize a string',
      { ...revocation(), statusSize: '1' },
      'MALFORMED_VALUE_ERROR',
      'credentialStatus.statusSize',
    ],
    ['statusSize above 8', { ...message(), statusSize: 9 }, 'STATUS_SIZE_UNSUPPORTED', 'credentialStatus.statusSize'],
    [
      'statusSize 2 without statusMessage',
      { ...message(), statusMessage: undefined },
      'MALFORMED_VALUE_ERROR',
      'credentialStatus.statusMessage',
    ],
    [
      'statusMessage of the wrong length',
      { ...message(), statusSize: 3 },
      'MALFORMED_VALUE_ERROR',
      'credentialStatus.statusMessage',
    ],
    [
      'statusMessage status not hexadecimal',
      {
        ...revocation(),
        statusMessage: [
          { status: '0x0', message: 'valid' },
          { status: '0xZ', message: 'revoked' },
        ],
      },
      'MALFORMED_VALUE_ERROR',
      'credentialStatus.statusMessage[1].status',
    ],
    [
      'statusReference not a URL',
      { ...message(), statusReference: 'dictionary' },
      'MALFORMED_VALUE_ERROR',
      'credentialStatus.statusReference',
    ],
    [
      'statusReference with a bad item',
      { ...message(), statusReference: ['https://example.org/a', 42] },
      'MALFORMED_VALUE_ERROR',
      'credentialStatus.statusReference[1]',
    ],
  ];

  for (const [what, status, code, field] of rules) {
    it(`rejects: ${what} → ${code} on ${field}`, () => {
      // JSON round trip drops the `undefined` used above to delete a field.
      expectError(() => parseStatusEntries(JSON.parse(JSON.stringify(credentialWith(status)))), code, field);
    });
  }

  it('rejects a credential that is not an object', () => {
    expectError(() => parseStatusEntries('credential'), 'MALFORMED_VALUE_ERROR', undefined);
  });

  it('never throws anything but a ValidationError on arbitrary JSON', () => {
    const entry = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record(
        {
          type: fc.oneof(fc.constant('BitstringStatusListEntry'), fc.jsonValue({ maxDepth: 1 })),
          statusPurpose: fc.jsonValue({ maxDepth: 1 }),
          statusListIndex: fc.oneof(fc.bigInt({ min: 0n, max: 10n ** 40n }).map(String), fc.jsonValue({ maxDepth: 1 })),
          statusListCredential: fc.oneof(
            fc.constantFrom(
              'https://example.com/status/1',
              'did:example:12345',
              'urn:uuid:7c1c9d2e-4d0e-4c47-9d55-2a1e0e1c2f3a',
            ),
            fc.jsonValue({ maxDepth: 1 }),
          ),
          statusSize: fc.jsonValue({ maxDepth: 1 }),
          statusMessage: fc.jsonValue({ maxDepth: 3 }),
          statusReference: fc.jsonValue({ maxDepth: 2 }),
        },
        { requiredKeys: ['type'] },
      ),
    );
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), entry.map(credentialWith), fc.array(entry).map(credentialWith)), (value) => {
        try {
          parseStatusEntries(value);
        } catch (error) {
          assert.ok(error instanceof ValidationError, `threw ${String(error)}`);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
