/**
 * Certificate policy processing (RFC 5280 §6.1.2–§6.1.5) on paths described by their policy
 * extensions only: anyPolicy, inhibitAnyPolicy, requireExplicitPolicy, inhibitPolicyMapping, the
 * user-initial-policy-set, and policy mappings (refused with POLICY_MAPPINGS_UNSUPPORTED).
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CERTIFICATE_PATH_CODES as CODES } from '../../src/x509/path/codes.ts';
import type { ParsedCertificate } from '../../src/x509/path/parse-certificate.ts';
import {
  ANY_POLICY,
  initialPolicyState,
  preparePolicies,
  processPolicies,
  wrapUpPolicies,
} from '../../src/x509/path/policy.ts';

type PolicyFields = Partial<
  Pick<ParsedCertificate, 'policies' | 'policyMappings' | 'policyConstraints' | 'inhibitAnyPolicy' | 'selfIssued'>
>;

const A = '1.2.392.200149.8.5.1.3.10';
const B = '1.2.392.200149.8.5.1.3.30';
const C = '1.2.3.4';

/** Runs §6.1.3 (d)–(f), §6.1.4 (a)(b)(h)–(j) and §6.1.5 over certificates given anchor-side first. */
function run(certs: PolicyFields[], userSet: string[] = []): string[] | string {
  const n = certs.length;
  const state = initialPolicyState(n, userSet.length > 0);
  for (let i = 1; i <= n; i++) {
    const cert = { selfIssued: false, ...certs[i - 1] } as ParsedCertificate;
    const failure = processPolicies(state, cert, i, n) ?? (i < n ? preparePolicies(state, cert) : null);
    if (failure) return failure.code;
  }
  const out = wrapUpPolicies(state, { ...certs[n - 1] } as ParsedCertificate, userSet.length ? new Set(userSet) : null);
  return 'code' in out ? out.code : out.policies;
}

describe('certificate policies (§6.1)', () => {
  it('a policy asserted all the way down is valid; one CA without policies empties the tree (allowed without explicit policy)', () => {
    assert.deepEqual(run([{ policies: [A, B] }, { policies: [A] }]), [A]);
    assert.deepEqual(run([{}, { policies: [A] }]), []);
    assert.equal(run([{}, { policies: [A] }], [A]), CODES.NO_VALID_POLICY);
  });

  it('anyPolicy in a CA passes any policy below it; in the leaf it keeps every policy above', () => {
    assert.deepEqual(run([{ policies: [ANY_POLICY] }, { policies: [C] }]), [C]);
    assert.deepEqual(run([{ policies: [A, B] }, { policies: [ANY_POLICY] }]), [A, B]);
    assert.deepEqual(run([{ policies: [ANY_POLICY] }, { policies: [ANY_POLICY] }]), [ANY_POLICY]);
  });

  it('a policy the CA above does not assert is not valid', () => {
    assert.deepEqual(run([{ policies: [A] }, { policies: [B] }]), []);
    assert.equal(run([{ policies: [A] }, { policies: [B] }], [B]), CODES.NO_VALID_POLICY);
  });

  it('user-initial-policy-set (the anchor accredited policies): intersection, anyPolicy at depth n becomes the set', () => {
    assert.deepEqual(run([{ policies: [A, B] }, { policies: [A, B] }], [A]), [A]);
    assert.deepEqual(run([{ policies: [ANY_POLICY] }, { policies: [ANY_POLICY] }], [A, C]), [C, A]);
    assert.equal(run([{ policies: [B] }, { policies: [B] }], [A]), CODES.NO_VALID_POLICY);
  });

  it('inhibitAnyPolicy 0 in a CA stops anyPolicy below it (self-issued CAs excepted)', () => {
    assert.deepEqual(run([{ policies: [ANY_POLICY], inhibitAnyPolicy: 0 }, { policies: [ANY_POLICY] }]), []);
    assert.equal(
      run([{ policies: [ANY_POLICY], inhibitAnyPolicy: 0 }, { policies: [ANY_POLICY] }], [A]),
      CODES.NO_VALID_POLICY,
    );
    assert.deepEqual(run([{ policies: [ANY_POLICY], inhibitAnyPolicy: 0 }, { policies: [A] }], [A]), [A]);
    assert.deepEqual(
      run([
        { policies: [ANY_POLICY], inhibitAnyPolicy: 0 },
        { policies: [ANY_POLICY], selfIssued: true },
        { policies: [A] },
      ]),
      [A],
    );
  });

  it('requireExplicitPolicy counts down to a required policy', () => {
    assert.equal(run([{ policies: [A], policyConstraints: { requireExplicitPolicy: 0 } }, {}]), CODES.NO_VALID_POLICY);
    // skipCerts counts the leaf too: §6.1.5 (a) counts down once more at the end of the path.
    assert.equal(run([{ policies: [A], policyConstraints: { requireExplicitPolicy: 1 } }, {}]), CODES.NO_VALID_POLICY);
    assert.deepEqual(run([{ policies: [A], policyConstraints: { requireExplicitPolicy: 2 } }, {}]), []);
    assert.equal(
      run([{ policies: [A], policyConstraints: { requireExplicitPolicy: 1 } }, { policies: [A] }, {}]),
      CODES.NO_VALID_POLICY,
    );
    // §6.1.5 (b): requireExplicitPolicy 0 in the leaf itself.
    assert.equal(run([{}, { policyConstraints: { requireExplicitPolicy: 0 } }]), CODES.NO_VALID_POLICY);
  });

  it('policy mappings: anyPolicy mapped → POLICY_MAPPING_INVALID; mapping → POLICY_MAPPINGS_UNSUPPORTED', () => {
    const map = (from: string, to: string) => [{ issuerDomainPolicy: from, subjectDomainPolicy: to }];
    assert.equal(
      run([{ policies: [A], policyMappings: map(ANY_POLICY, B) }, { policies: [B] }]),
      CODES.POLICY_MAPPING_INVALID,
    );
    assert.equal(
      run([{ policies: [A], policyMappings: map(A, B) }, { policies: [B] }]),
      CODES.POLICY_MAPPINGS_UNSUPPORTED,
    );
  });

  it('inhibitPolicyMapping 0: a later mapping deletes the mapped policy instead (§6.1.4 (b)(2))', () => {
    const certs: PolicyFields[] = [
      { policies: [A, B], policyConstraints: { inhibitPolicyMapping: 0 } },
      { policies: [A, B], policyMappings: [{ issuerDomainPolicy: A, subjectDomainPolicy: C }] },
      { policies: [A, B, C] },
    ];
    assert.deepEqual(run(certs), [B]);
    assert.equal(run(certs, [A]), CODES.NO_VALID_POLICY);
  });
});
