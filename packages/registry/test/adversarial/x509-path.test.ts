/**
 * RFC 5280 §6.1 path validation against accredited CAs (issue 14), on chains made by openssl
 * (test/fixtures/x509/chains/make.sh): each attack asserts the exact code beside the honest chain.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CertificateCache,
  type CertificatePathResult,
  type CertificatePurpose,
  CERTIFICATE_PATH_CODES as CODES,
  prepareAnchors,
  validateCertificatePath,
} from '../../src/x509/path/index.ts';
import type { CaTrustAnchor } from '../../src/x509/types.ts';
import { AT, anchorOf, chain, MapRevocationSource, serialOf, spkiOf, stampOf } from './x509-path-fixtures.ts';

const SIGNING: CertificatePurpose[] = ['digitalSignature', 'nonRepudiation'];
const JPKI_SIGNING_POLICY = '1.2.392.200149.8.5.1.3.10';
const ALL_CAS = ['root', 'inter', 'inter-expired', 'inter-pl0', 'sub-ca', 'inter-nc', 'other-root'];

function validate(
  names: string[],
  options: {
    anchors?: CaTrustAnchor[];
    purpose?: CertificatePurpose[];
    at?: number;
    source?: MapRevocationSource;
  } = {},
): CertificatePathResult {
  return validateCertificatePath(
    { chain: chain(...names), atMs: options.at ?? AT, ...(options.purpose ? { purpose: options.purpose } : {}) },
    options.anchors ?? [anchorOf('root')],
    options.source ?? MapRevocationSource.holding(...ALL_CAS),
  );
}

/** The one failing (or undetermined) check: its name, outcome and code. */
function failure(result: CertificatePathResult) {
  assert.equal(result.verified, false);
  const bad = result.checks.filter((c) => c.outcome !== 'pass');
  assert.equal(bad.length, 1, JSON.stringify(bad));
  return { check: bad[0]!.check, outcome: bad[0]!.outcome, code: bad[0]!.code, details: bad[0]!.details };
}

function assertVerified(result: CertificatePathResult) {
  assert.deepEqual(
    result.checks.filter((c) => c.outcome !== 'pass'),
    [],
  );
  assert.equal(result.verified, true);
}

describe('x509 path: the honest JPKI-like chains verify', () => {
  it('signing certificate (digitalSignature + nonRepudiation) → intermediate → accredited root', () => {
    const source = MapRevocationSource.holding(...ALL_CAS);
    const result = validate(['leaf-sign', 'inter'], { purpose: SIGNING, source });
    assertVerified(result);
    assert.deepEqual(result.anchor, { accreditationId: 'urn:accreditation:root', spkiSha256: spkiOf('root') });
    assert.deepEqual(
      result.checks.map((c) => c.check),
      ['path', 'validity', 'keyUsage', 'policy', 'revocation'],
    );
    assert.deepEqual(result.checks[3]!.details, { policies: [JPKI_SIGNING_POLICY] });
    // §6.1.3 (a)(3): each certificate below the anchor, asked of its issuer's CRL, as of `at`.
    assert.deepEqual(source.asked, [
      { issuer: spkiOf('root'), serial: serialOf('inter'), atMs: AT },
      { issuer: spkiOf('inter'), serial: serialOf('leaf-sign'), atMs: AT },
    ]);
    assert.deepEqual(result.crls, [stampOf('CN=root'), stampOf('CN=inter')]);
  });

  it('the chain may include the accredited root itself (matched by its key)', () => {
    const result = validate(['leaf-sign', 'inter', 'root'], { purpose: SIGNING });
    assertVerified(result);
    assert.equal(result.checks[0]!.details?.anchorIncluded, true);
  });

  it('user-authentication certificate for clientAuth', () => {
    assertVerified(validate(['leaf-auth', 'inter'], { purpose: ['clientAuth'] }));
  });

  it('an intermediate accredited directly anchors a one-certificate path, even with maxPathLength 0', () => {
    const result = validate(['leaf-sign'], { anchors: [anchorOf('inter', { maxPathLength: 0 })], purpose: SIGNING });
    assertVerified(result);
    assert.equal(result.anchor?.accreditationId, 'urn:accreditation:inter');
  });

  it('anchors prepared once and a shared CertificateCache give the same answers', () => {
    const anchors = prepareAnchors([anchorOf('other-root'), anchorOf('root')]);
    const cache = new CertificateCache({ maxEntries: 2 });
    const source = MapRevocationSource.holding(...ALL_CAS);
    const input = { chain: chain('leaf-sign', 'inter'), atMs: AT, purpose: SIGNING };
    const plain = validateCertificatePath(input, anchors, source);
    for (let i = 0; i < 3; i++) assert.deepEqual(validateCertificatePath(input, anchors, source, { cache }), plain);
    const tampered = { chain: chain('leaf-tampered', 'inter'), atMs: AT };
    assert.equal(failure(validateCertificatePath(tampered, anchors, source, { cache })).code, CODES.INVALID_SIGNATURE);
    assert.equal(cache.size, 2);
  });
});

describe('x509 path: attacks, each with its exact code', () => {
  it('a chain to an unaccredited root → ANCHOR_NOT_FOUND (the rest is not evaluated)', () => {
    for (const names of [['other-leaf'], ['other-leaf', 'other-root']]) {
      const result = validate(names);
      assert.equal(result.verified, false);
      assert.deepEqual(result.checks[0]?.code, CODES.ANCHOR_NOT_FOUND);
      assert.ok(result.checks.slice(1).every((c) => c.outcome === 'undetermined' && c.code === CODES.NOT_EVALUATED));
      assert.equal(result.anchor, undefined);
    }
    assertVerified(validate(['other-leaf'], { anchors: [anchorOf('other-root')] }));
  });

  it('a root accreditation pinning another key does not anchor its certificate → ANCHOR_NOT_FOUND', () => {
    const forged = anchorOf('root', { spkiSha256: spkiOf('other-root') });
    assert.equal(validate(['leaf-sign', 'inter'], { anchors: [forged] }).checks[0]!.code, CODES.ANCHOR_NOT_FOUND);
    assert.deepEqual(prepareAnchors([forged]).unusable.length, 1);
  });

  it('an expired accreditation → ANCHOR_NOT_ACCREDITED', () => {
    const lapsed = anchorOf('root', { validUntilMs: AT - 1 });
    assert.deepEqual(failure(validate(['leaf-sign', 'inter'], { anchors: [lapsed] })), {
      check: 'path',
      outcome: 'fail',
      code: CODES.ANCHOR_NOT_ACCREDITED,
      details: { accreditationId: 'urn:accreditation:root' },
    });
  });

  it('before the anchor certificate is valid → ANCHOR_NOT_YET_VALID', () => {
    const early = anchorOf('root', { validFromMs: Date.parse('2020-01-01') });
    const result = validate(['leaf-sign', 'inter'], { anchors: [early], at: Date.parse('2024-06-01') });
    assert.equal(result.checks[1]!.code, CODES.ANCHOR_NOT_YET_VALID);
  });

  it('an expired intermediate → CERTIFICATE_EXPIRED at position 1', () => {
    const f = failure(validate(['leaf-expired-inter', 'inter-expired']));
    assert.deepEqual([f.check, f.code, f.details?.position], ['validity', CODES.CERTIFICATE_EXPIRED, 1]);
  });

  it('a sub-CA below a pathLenConstraint 0 intermediate → PATH_LENGTH_EXCEEDED (control: a leaf directly below)', () => {
    const f = failure(validate(['leaf-pl', 'sub-ca', 'inter-pl0']));
    assert.deepEqual([f.check, f.code, f.details?.position], ['path', CODES.PATH_LENGTH_EXCEEDED, 1]);
    assertVerified(validate(['leaf-pl-ok', 'inter-pl0']));
  });

  it("the accreditation's maxPathLength caps intermediates → PATH_LENGTH_EXCEEDED", () => {
    const f = failure(validate(['leaf-sign', 'inter'], { anchors: [anchorOf('root', { maxPathLength: 0 })] }));
    assert.deepEqual([f.code, f.details?.position], [CODES.PATH_LENGTH_EXCEEDED, 1]);
    assertVerified(validate(['leaf-sign', 'inter'], { anchors: [anchorOf('root', { maxPathLength: 1 })] }));
  });

  it('name constraints: excluded dNSName → NAME_EXCLUDED; outside permitted dNSName or directoryName → NAME_NOT_PERMITTED', () => {
    assertVerified(validate(['leaf-nc-ok', 'inter-nc']));
    for (const [leaf, code] of [
      ['leaf-nc-bad-dns', CODES.NAME_EXCLUDED],
      ['leaf-nc-outside-dns', CODES.NAME_NOT_PERMITTED],
      ['leaf-nc-bad-dn', CODES.NAME_NOT_PERMITTED],
    ] as const) {
      const f = failure(validate([leaf, 'inter-nc']));
      assert.deepEqual([f.check, f.code, f.details?.position], ['path', code, 0], leaf);
    }
  });

  it('an unknown critical extension → UNKNOWN_CRITICAL_EXTENSION', () => {
    const f = failure(validate(['leaf-unknown-crit', 'inter'], { purpose: SIGNING }));
    assert.deepEqual([f.code, f.details?.extensions], [CODES.UNKNOWN_CRITICAL_EXTENSION, ['1.3.6.1.4.1.55555.1']]);
  });

  it('the wrong keyUsage for the purpose → KEY_USAGE_MISMATCH; the wrong purpose → EXTENDED_KEY_USAGE_MISMATCH', () => {
    const f = failure(validate(['leaf-wrong-ku', 'inter'], { purpose: ['digitalSignature'] }));
    assert.deepEqual([f.check, f.code, f.details?.purpose], ['keyUsage', CODES.KEY_USAGE_MISMATCH, 'digitalSignature']);
    assert.equal(failure(validate(['leaf-auth', 'inter'], { purpose: SIGNING })).code, CODES.KEY_USAGE_MISMATCH);
    assert.equal(
      failure(validate(['leaf-auth', 'inter'], { purpose: ['serverAuth'] })).code,
      CODES.EXTENDED_KEY_USAGE_MISMATCH,
    );
  });

  it('a leaf signed by a look-alike key of its issuer → INVALID_SIGNATURE', () => {
    const f = failure(validate(['leaf-tampered', 'inter'], { purpose: SIGNING }));
    assert.deepEqual([f.check, f.code, f.details?.position], ['path', CODES.INVALID_SIGNATURE, 0]);
  });

  it('another accredited intermediate slipped in → INVALID_SIGNATURE (RSA), SIGNATURE_ALGORITHM_MISMATCH (P-256)', () => {
    const f = failure(validate(['leaf-sign', 'inter-pl0']));
    assert.deepEqual([f.code, f.details?.position], [CODES.INVALID_SIGNATURE, 0]);
    assert.equal(failure(validate(['leaf-sign', 'inter-nc'])).code, CODES.SIGNATURE_ALGORITHM_MISMATCH);
  });

  it('certificate policies: the anchor accredited for the JPKI signing policy', () => {
    const anchors = [anchorOf('root', { policies: [JPKI_SIGNING_POLICY] })];
    assertVerified(validate(['leaf-sign', 'inter'], { anchors }));
    // §6.1.5 (g): the auth policy is not among the accredited ones; a leaf without policies has none.
    assert.equal(failure(validate(['leaf-auth', 'inter'], { anchors })).code, CODES.NO_VALID_POLICY);
    const f = failure(validate(['leaf-nc-ok', 'inter-nc'], { anchors }));
    assert.deepEqual([f.check, f.code], ['policy', CODES.NO_VALID_POLICY]);
    // anyPolicy in the intermediates passes the accredited policy down (pathLen 0 chain: leaf has anyPolicy).
    assertVerified(validate(['leaf-pl-ok', 'inter-pl0'], { anchors }));
  });
});

describe('x509 path: revocation from the replica', () => {
  it('a revoked leaf → CERTIFICATE_REVOKED, with the reason and the CRL read', () => {
    const source = MapRevocationSource.holding(...ALL_CAS);
    const crl = stampOf('CN=inter');
    source.entries.set(`${spkiOf('inter')}:${serialOf('leaf-sign')}`, {
      state: 'revoked',
      reason: 1,
      revokedAtMs: AT - 1000,
      crl,
    });
    const f = failure(validate(['leaf-sign', 'inter'], { source }));
    assert.deepEqual(
      [f.check, f.code, f.details?.position, f.details?.reason],
      ['revocation', CODES.CERTIFICATE_REVOKED, 0, 1],
    );
  });

  it('a held leaf → CERTIFICATE_ON_HOLD; a revoked intermediate → CERTIFICATE_REVOKED at position 1', () => {
    const source = MapRevocationSource.holding(...ALL_CAS);
    const crl = stampOf('CN=inter');
    source.entries.set(`${spkiOf('inter')}:${serialOf('leaf-sign')}`, {
      state: 'hold',
      reason: 6,
      revokedAtMs: AT - 1,
      crl,
    });
    assert.equal(failure(validate(['leaf-sign', 'inter'], { source })).code, CODES.CERTIFICATE_ON_HOLD);
    source.entries.set(`${spkiOf('root')}:${serialOf('inter')}`, {
      state: 'revoked',
      revokedAtMs: AT - 1,
      crl: stampOf('CN=root'),
    });
    const f = failure(validate(['leaf-sign', 'inter'], { source }));
    assert.deepEqual([f.code, f.details?.position], [CODES.CERTIFICATE_REVOKED, 1]);
  });

  it('no CRL of the intermediate held → undetermined CRL_MISSING (fail closed); a stale one → CRL_STALE', () => {
    const f = failure(validate(['leaf-sign', 'inter'], { source: MapRevocationSource.holding('root') }));
    assert.deepEqual(
      [f.check, f.outcome, f.code, f.details?.position],
      ['revocation', 'undetermined', 'CRL_MISSING', 0],
    );
    const stale = new MapRevocationSource();
    stale.lookup = (issuer) =>
      issuer === spkiOf('root')
        ? { state: 'good', crl: stampOf('CN=root') }
        : { state: 'undetermined', code: 'CRL_STALE', crl: stampOf('CN=inter') };
    const result = validate(['leaf-sign', 'inter'], { source: stale });
    assert.equal(failure(result).code, 'CRL_STALE');
    assert.deepEqual(result.crls, [stampOf('CN=root'), stampOf('CN=inter')]);
  });

  it('a revocation source fault is not an answer about the chain: it propagates', () => {
    const broken = new MapRevocationSource();
    broken.lookup = () => {
      throw new Error('store closed');
    };
    assert.throws(() => validate(['leaf-sign', 'inter'], { source: broken }), /store closed/);
  });
});

describe('x509 path: bounds and malformed input never throw', () => {
  it('empty, too long, oversized, not DER, the anchor alone, a bad time', () => {
    const one = (chainIn: Uint8Array[], atMs = AT) =>
      validateCertificatePath({ chain: chainIn, atMs }, [anchorOf('root')], MapRevocationSource.holding(...ALL_CAS));
    assert.equal(one([]).checks[0]!.code, CODES.CHAIN_EMPTY);
    assert.equal(one(Array.from({ length: 11 }, () => chain('leaf-sign')[0]!)).checks[0]!.code, CODES.CHAIN_TOO_LONG);
    assert.equal(one([new Uint8Array(10 * 1024 * 1024)]).checks[0]!.code, CODES.CERTIFICATE_TOO_LARGE);
    assert.equal(one([Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01)]).checks[0]!.code, CODES.CERTIFICATE_INVALID);
    assert.equal(one(chain('root')).checks[0]!.code, CODES.PATH_EMPTY);
    assert.equal(one(chain('leaf-sign', 'inter'), Number.NaN).checks[1]!.code, CODES.TIME_INVALID);
  });
});
