/**
 * The accredited certification authorities at a time (issue 14; DESIGN.md, Records §2): what path
 * validation and mdoc verification take as trust anchors. A CA counts only through an accreditation
 * of role `ca` whose chain to governance is valid at that time — within its validity period, not
 * withdrawn through its accreditor's status list, each scope within the accreditor's own — exactly
 * as an issuer's accreditation counts for credentials (verification/trust-chain.ts).
 */
import type { AccreditationScope, ParsedAccreditation } from '../records/accreditation.ts';
import { caSubjectId } from '../x509/ca-certificate.ts';
import type { CaTrustAnchor } from '../x509/types.ts';
import { findChains } from './trust-chain.ts';
import type { TrustView } from './trust-view.ts';

/**
 * The CA trust anchors valid at `atMs`: of every held CA accreditation, or only of the CA whose
 * SubjectPublicKeyInfo hashes to `spkiSha256` when given. Listing every CA needs the view's
 * `accreditations()`; a view without it lists none (fail closed), but still answers by hash.
 *
 * One anchor per accreditation and group of its scopes with the same policies, docTypes and chain
 * validity: scopes are never merged across a policy or docType boundary, so an anchor's
 * `policies × docTypes × jurisdictions` is exactly what was granted, never wider. `maxPathLength`
 * is the stricter of the grant's cap and the certificate's own pathLenConstraint (RFC 5280
 * §4.2.1.9), and the validity is the grant's, bounded by every link above it.
 */
export function caTrustAnchors(view: TrustView, atMs: number, spkiSha256?: string): CaTrustAnchor[] {
  const links =
    spkiSha256 === undefined ? (view.accreditations?.() ?? []) : view.accreditationsOf(caSubjectId(spkiSha256));
  const anchors: CaTrustAnchor[] = [];
  for (const link of links) {
    if (link.role !== 'ca' || !link.ca) continue;
    const groups = new Map<string, CaTrustAnchor>();
    for (const scope of link.accreditedFor) {
      const bounds = chainBounds(view, link, scope, atMs);
      if (!bounds) continue;
      const policies = [...(scope.certificatePolicies ?? [])].sort();
      const docTypes = [...(scope.docTypes ?? [])].sort();
      const key = JSON.stringify([policies, docTypes, bounds]);
      const group = groups.get(key);
      if (group) {
        if (!group.jurisdictions.includes(scope.jurisdiction)) {
          (group.jurisdictions as string[]).push(scope.jurisdiction);
        }
        continue;
      }
      groups.set(key, {
        certificate: link.ca.certificate,
        spkiSha256: link.ca.spkiSha256,
        accreditationId: link.id,
        policies,
        docTypes,
        jurisdictions: [scope.jurisdiction],
        maxPathLength: Math.min(link.maxPathLength, link.ca.pathLenConstraint ?? Number.POSITIVE_INFINITY),
        holdFinal: link.ca.holdFinal,
        validFromMs: bounds[0],
        validUntilMs: bounds[1],
      });
    }
    anchors.push(...groups.values());
  }
  return anchors;
}

/**
 * The validity of `link`'s grant of `scope` bounded by its chain (the intersection of every link's
 * validity period), or null when no valid chain starting at `link` covers `scope` at `atMs`.
 */
function chainBounds(
  view: TrustView,
  link: ParsedAccreditation,
  scope: AccreditationScope,
  atMs: number,
): [number, number] | null {
  const result = findChains(view, { subject: link.subject, role: 'ca', scope, at: [atMs] });
  if (!result.ok) return null;
  const chain = result.chains.find((c) => c.links[0]?.id === link.id);
  if (!chain) return null;
  return [Math.max(...chain.links.map((l) => l.validFromMs)), Math.min(...chain.links.map((l) => l.validUntilMs))];
}
