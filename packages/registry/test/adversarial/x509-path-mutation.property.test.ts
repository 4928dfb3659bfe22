/**
 * Random mutations of an honest chain's DER (byte changes, insertions, deletions, truncations,
 * swapped or dropped certificates) never verify and never throw (RFC 5280 §6.1: every byte of a
 * certificate is signed, compared or structural).
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CertificateCache, prepareAnchors, validateCertificatePath } from '../../src/x509/path/index.ts';
import { AT, anchorOf, chain, MapRevocationSource } from './x509-path-fixtures.ts';

const honest = chain('leaf-sign', 'inter');
const anchors = prepareAnchors([anchorOf('root')]);
const source = MapRevocationSource.holding('root', 'inter');
const purpose = ['digitalSignature', 'nonRepudiation'] as const;

type Mutation =
  | { kind: 'set'; cert: number; at: number; value: number }
  | { kind: 'insert'; cert: number; at: number; value: number }
  | { kind: 'delete'; cert: number; at: number }
  | { kind: 'truncate'; cert: number; at: number };

function mutate(certs: readonly Uint8Array[], m: Mutation): Uint8Array[] {
  return certs.map((der, i) => {
    if (i !== m.cert) return der;
    const at = m.at % der.length;
    const bytes = [...der];
    if (m.kind === 'set') bytes[at] = bytes[at] === m.value ? (m.value + 1) & 0xff : m.value;
    else if (m.kind === 'insert') bytes.splice(at, 0, m.value);
    else if (m.kind === 'delete') bytes.splice(at, 1);
    else bytes.length = at;
    return Uint8Array.from(bytes);
  });
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('set' as const),
    cert: fc.integer({ min: 0, max: 1 }),
    at: fc.nat(),
    value: fc.nat(255),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    cert: fc.integer({ min: 0, max: 1 }),
    at: fc.nat(),
    value: fc.nat(255),
  }),
  fc.record({ kind: fc.constant('delete' as const), cert: fc.integer({ min: 0, max: 1 }), at: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), cert: fc.integer({ min: 0, max: 1 }), at: fc.nat() }),
);

describe('x509 path: mutated chains', () => {
  it('the honest chain verifies (control)', () => {
    assert.equal(validateCertificatePath({ chain: honest, atMs: AT, purpose }, anchors, source).verified, true);
  });

  it('one mutation anywhere never verifies, never throws (with and without a cache)', () => {
    const cache = new CertificateCache({ maxEntries: 64 });
    fc.assert(
      fc.property(mutation, fc.boolean(), (m, cached) => {
        const result = validateCertificatePath(
          { chain: mutate(honest, m), atMs: AT, purpose },
          anchors,
          source,
          cached ? { cache } : {},
        );
        assert.equal(result.verified, false, JSON.stringify(m));
        assert.ok(result.checks.some((c) => c.outcome !== 'pass' && typeof c.code === 'string'));
      }),
      { numRuns: 400 },
    );
  });

  it('the same signed bytes in a non-minimal DER envelope (BER length) never verify', () => {
    const leaf = honest[0]!;
    // 30 82 LL LL … → 30 83 00 LL LL …: the same tbsCertificate, signatureAlgorithm and signature.
    assert.deepEqual([leaf[0], leaf[1]], [0x30, 0x82]);
    const ber = Uint8Array.from([0x30, 0x83, 0x00, ...leaf.subarray(2)]);
    const result = validateCertificatePath({ chain: [ber, honest[1]!], atMs: AT, purpose }, anchors, source);
    assert.equal(result.verified, false);
    assert.equal(result.checks[0]!.code, 'CERTIFICATE_INVALID');
  });

  it('several mutations, reordered or dropped certificates never verify', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.nat(3), (ms, shape) => {
        let certs = ms.reduce<Uint8Array[]>((acc, m) => mutate(acc, m), [...honest]);
        // Two mutations may undo each other (a byte set back, an insertion deleted): not a mutation.
        fc.pre(certs.some((der, i) => !Buffer.from(der).equals(Buffer.from(honest[i]!))));
        if (shape === 1) certs = [...certs].reverse();
        if (shape === 2) certs = [certs[0]!];
        const result = validateCertificatePath({ chain: certs, atMs: AT, purpose }, anchors, source);
        assert.equal(result.verified, false);
      }),
      { numRuns: 200 },
    );
  });
});
