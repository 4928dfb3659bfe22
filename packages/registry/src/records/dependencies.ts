/**
 * Dependency keys: what a not-yet-resolvable record waits for, and what an admitted record provides.
 * Both sides are computed here so that a pending buffer (the node's admission layer) can release a
 * record exactly when the record it waits for is admitted, by any path.
 */
import type { DependencyKey } from '../errors.ts';
import type { Admission } from '../validation/context.ts';
import { crlScopeDependency } from '../x509/crl/crl-succession.ts';

/** Governance version `version`. */
export function governanceDependency(version: number): DependencyKey {
  return `governance:${version}`;
}

/** An accreditation whose subject is `subject` (a DID or an https URL). */
export function subjectDependency(subject: string): DependencyKey {
  return `subject:${subject}`;
}

/** A version of the status list `id` (any slot). */
export function listDependency(id: string): DependencyKey {
  return `list:${id}`;
}

/** The dependency keys an admitted record satisfies (evidence satisfies none). */
export function providedKeys(admission: Admission): DependencyKey[] {
  switch (admission.kind) {
    case 'governance':
      return [governanceDependency(admission.parsed.record.version)];
    case 'accreditation':
      return [subjectDependency(admission.parsed.subject)];
    case 'status-list':
      return [listDependency(admission.parsed.id)];
    case 'token-status-list':
    case 'status-list-2021':
      // A JOSE list (issue 13) is named by its uri; accreditations wait on Data Integrity lists only.
      return [listDependency(admission.parsed.uri)];
    case 'token-status-list-cwt':
      // The CWT form of a Token Status List is named by its `sub`, as the JWT form by its uri.
      return [listDependency(admission.parsed.sub)];
    case 'crl':
      // A complete CRL releases the deltas of its scope that wait for their base (RFC 5280 §5.2.4).
      return admission.parsed.delta ? [] : [crlScopeDependency(admission.parsed.held)];
    case 'ca-certificate':
    case 'evidence':
      return [];
  }
}
