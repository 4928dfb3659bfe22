/**
 * Certificate policy processing (RFC 5280 §6.1.2–§6.1.5), as an equivalent set-based form of the
 * valid_policy_tree for paths without policy mapping.
 *
 * Without mapping every node's expected_policy_set is its own valid_policy, so the nodes of depth i
 * are at most one anyPolicy node (on a branch of anyPolicy nodes from the root) and at most one node
 * per policy OID P (whose branch is P back to where it left an anyPolicy node). The tree of depth i
 * is therefore fully described by `{ any, policies }`, and §6.1.5 (g)'s intersection with the
 * user-initial-policy-set by the same two facts. Qualifiers are not reported, so not kept.
 *
 * Policy mapping (§6.1.4 (b)(1), policy_mapping > 0) is refused with POLICY_MAPPINGS_UNSUPPORTED
 * (fail closed); with policy_mapping = 0 (§6.1.4 (b)(2)) the mapped policies are deleted, as written.
 */
import { CERTIFICATE_PATH_CODES as CODES } from './codes.ts';
import type { ParsedCertificate } from './parse-certificate.ts';

/** anyPolicy (RFC 5280 §4.2.1.4). */
export const ANY_POLICY = '2.5.29.32.0';

/** The valid_policy_tree's nodes of the current depth; null is the NULL tree. */
export type PolicyTree = { any: boolean; policies: Set<string> } | null;

/** The state variables of §6.1.2 (a)(d)(e)(f) that concern policies. */
export interface PolicyState {
  tree: PolicyTree;
  explicitPolicy: number;
  inhibitAnyPolicy: number;
  policyMapping: number;
}

/** A policy rule that failed. */
export interface PolicyFailure {
  code: string;
  message: string;
}

/**
 * §6.1.2: the initial tree is one anyPolicy node; initial-explicit-policy sets explicit_policy to 0
 * (else n + 1); initial-any-policy-inhibit and initial-policy-mapping-inhibit are false (n + 1).
 */
export function initialPolicyState(n: number, initialExplicitPolicy: boolean): PolicyState {
  return {
    tree: { any: true, policies: new Set() },
    explicitPolicy: initialExplicitPolicy ? 0 : n + 1,
    inhibitAnyPolicy: n + 1,
    policyMapping: n + 1,
  };
}

/** §6.1.3 (d)(e)(f) for certificate i of n. */
export function processPolicies(
  state: PolicyState,
  cert: ParsedCertificate,
  i: number,
  n: number,
): PolicyFailure | null {
  const prev = state.tree;
  if (cert.policies === undefined) {
    // (e) no certificatePolicies extension: the tree becomes NULL.
    state.tree = null;
  } else if (prev !== null) {
    // (d)(1): each policy P other than anyPolicy, under a parent expecting P, else under anyPolicy.
    const next = { any: false, policies: new Set<string>() };
    for (const p of cert.policies) {
      if (p === ANY_POLICY) continue;
      if (prev.policies.has(p) || prev.any) next.policies.add(p);
    }
    // (d)(2): anyPolicy, when not inhibited (or self-issued below the leaf), extends every parent
    // with each expected policy not yet among its children.
    if (cert.policies.includes(ANY_POLICY) && (state.inhibitAnyPolicy > 0 || (i < n && cert.selfIssued))) {
      for (const p of prev.policies) next.policies.add(p);
      if (prev.any) next.any = true;
    }
    // (d)(3): nodes without children are pruned; an empty depth is the NULL tree.
    state.tree = next.any || next.policies.size > 0 ? next : null;
  }
  // (f): explicit_policy > 0 or a non-NULL tree.
  if (state.explicitPolicy <= 0 && state.tree === null) {
    return {
      code: CODES.NO_VALID_POLICY,
      message: 'no acceptable certificate policy while an explicit policy is required',
    };
  }
  return null;
}

/** §6.1.4 (a)(b)(h)(i)(j): prepare for the next certificate (i < n). */
export function preparePolicies(state: PolicyState, cert: ParsedCertificate): PolicyFailure | null {
  if (cert.policyMappings) {
    // (a) anyPolicy MUST NOT be mapped, in either direction.
    if (cert.policyMappings.some((m) => m.issuerDomainPolicy === ANY_POLICY || m.subjectDomainPolicy === ANY_POLICY)) {
      return { code: CODES.POLICY_MAPPING_INVALID, message: 'policyMappings maps anyPolicy' };
    }
    if (state.policyMapping > 0) {
      // (b)(1): mapping is not implemented here: refuse rather than guess (fail closed).
      return { code: CODES.POLICY_MAPPINGS_UNSUPPORTED, message: 'policy mapping is not supported by this validator' };
    }
    // (b)(2): policy_mapping is 0: delete each mapped issuerDomainPolicy node, then prune.
    if (state.tree) {
      for (const m of cert.policyMappings) state.tree.policies.delete(m.issuerDomainPolicy);
      if (!state.tree.any && state.tree.policies.size === 0) state.tree = null;
    }
  }
  // (h): counters count down on every certificate that is not self-issued.
  if (!cert.selfIssued) {
    if (state.explicitPolicy > 0) state.explicitPolicy--;
    if (state.policyMapping > 0) state.policyMapping--;
    if (state.inhibitAnyPolicy > 0) state.inhibitAnyPolicy--;
  }
  // (i) policyConstraints, (j) inhibitAnyPolicy: only ever lower the counters.
  const pc = cert.policyConstraints;
  if (pc?.requireExplicitPolicy !== undefined)
    state.explicitPolicy = Math.min(state.explicitPolicy, pc.requireExplicitPolicy);
  if (pc?.inhibitPolicyMapping !== undefined)
    state.policyMapping = Math.min(state.policyMapping, pc.inhibitPolicyMapping);
  if (cert.inhibitAnyPolicy !== undefined)
    state.inhibitAnyPolicy = Math.min(state.inhibitAnyPolicy, cert.inhibitAnyPolicy);
  return null;
}

/**
 * §6.1.5 (a)(b)(g) and the final test. `userInitialPolicySet` null is any-policy. Returns the
 * authorities-and-user-constrained policy set (anyPolicy stands for "any"), or a failure.
 */
export function wrapUpPolicies(
  state: PolicyState,
  leaf: ParsedCertificate,
  userInitialPolicySet: ReadonlySet<string> | null,
): { policies: string[] } | PolicyFailure {
  // (a) count down once more; (b) requireExplicitPolicy 0 in the leaf requires one now.
  if (state.explicitPolicy > 0) state.explicitPolicy--;
  if (leaf.policyConstraints?.requireExplicitPolicy === 0) state.explicitPolicy = 0;
  // (g) the intersection with user-initial-policy-set.
  let result: PolicyTree = state.tree;
  if (result !== null && userInitialPolicySet !== null) {
    // (g)(iii)(1)(2): branches whose policy (the node under anyPolicy) is not in the user set go;
    // (3): the anyPolicy node of depth n becomes one node per policy of the user set.
    const policies = new Set([...result.policies].filter((p) => userInitialPolicySet.has(p)));
    if (result.any) for (const p of userInitialPolicySet) policies.add(p);
    result = policies.size > 0 ? { any: false, policies } : null;
  }
  if (state.explicitPolicy > 0 || result !== null) {
    return { policies: result === null ? [] : [...(result.any ? [ANY_POLICY] : []), ...result.policies].sort() };
  }
  return {
    code: CODES.NO_VALID_POLICY,
    message:
      userInitialPolicySet === null
        ? 'no certificate policy is valid for the path while an explicit policy is required'
        : `no policy of the path is among the anchor's accredited policies (${[...userInitialPolicySet].join(', ')})`,
  };
}
