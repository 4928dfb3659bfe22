/**
 * Which CA keys may sign what (issue 14): a subordinate CA certificate is admitted by RFC 5280 §6.1
 * path validation to an accredited CA within its scope; a CRL is signed by a CA whose certificate's
 * subject is the CRL issuer (RFC 5280 §5.1.2.3, names compared as §7.1 says) — an accredited CA valid
 * now, or a held sub-CA whose path to one is valid now.
 */
import type { TrustView } from '../verification/trust-view.ts';
import type { HeldCaCertificate } from './held-crls.ts';
import { type PreparedAnchors, prepareAnchors } from './path/anchors.ts';
import { CERTIFICATE_PATH_CODES } from './path/codes.ts';
import { derNamesEqual } from './path/der.ts';
import { parseCertificate } from './path/parse-certificate.ts';
import { validateCertificatePath } from './path/validate-path.ts';
import type { CaTrustAnchor, RevocationSource } from './types.ts';

/**
 * The revocation source of sub-CA admission: every answer is good. A sub-CA's revocation is checked
 * at verification time, on every chain it is part of (validateCertificatePath with the replica's
 * CRLs), never frozen into its admission: a CRL revoking it may arrive after it.
 */
export const ADMISSION_REVOCATION: RevocationSource = {
  lookup: () => ({
    state: 'good',
    crl: { issuer: 'not checked at admission', crlNumber: '0', thisUpdate: '1970-01-01T00:00:00Z' },
  }),
};

/** Most held sub-CA certificates chained above a new one (a chain holds at most 10 certificates). */
const MAX_HELD_PARENTS = 8;

/** The outcome of checking a sub-CA's path. */
export type SubCaPath =
  | { ok: true; anchor: CaTrustAnchor; holdFinal: boolean }
  | { ok: false; code: string; message: string; details?: Record<string, unknown> };

/** The held sub-CA certificates above `der` (by issuer name), nearest first, without loops. */
function heldParents(der: Uint8Array, held: readonly HeldCaCertificate[]): Uint8Array[] {
  const parents: Uint8Array[] = [];
  const seen = new Set<Uint8Array>();
  let current = parseCertificate(der);
  while (current.ok && parents.length < MAX_HELD_PARENTS) {
    const issuer = current.cert.issuerDer;
    if (derNamesEqual(issuer, current.cert.subjectDer)) break;
    const parent = held.find((h) => !seen.has(h.der) && derNamesEqual(h.subjectDer, issuer));
    if (!parent) break;
    seen.add(parent.der);
    parents.push(parent.der);
    current = parseCertificate(parent.der);
  }
  return parents;
}

/**
 * Checks the path of sub-CA certificate `der` to the accredited CAs `anchors` at `atMs` (RFC 5280 §6.1,
 * with the held sub-CAs above it completing the chain): the path validates — signatures, validity,
 * name constraints, and the sub-CA's certificatePolicies within the anchor's accredited policies — and
 * it may be a CA there: one more CA below the anchor than its `maxPathLength` allows, or below a CA
 * whose pathLenConstraint is exhausted (§4.2.1.9, §6.1.4 (l)(m)), is refused.
 */
export function checkSubCaPath(
  der: Uint8Array,
  anchors: readonly CaTrustAnchor[] | PreparedAnchors,
  held: readonly HeldCaCertificate[],
  atMs: number,
): SubCaPath {
  const prepared = Array.isArray(anchors) ? prepareAnchors(anchors) : (anchors as PreparedAnchors);
  const chain = [der, ...heldParents(der, held)];
  const result = validateCertificatePath({ chain, atMs }, prepared, ADMISSION_REVOCATION);
  if (!result.verified) {
    const failed = result.checks.find((c) => c.outcome === 'fail') ?? result.checks.find((c) => c.outcome !== 'pass')!;
    return {
      ok: false,
      code: failed.code ?? CERTIFICATE_PATH_CODES.NOT_EVALUATED,
      message: failed.message,
      ...(failed.details ? { details: failed.details } : {}),
    };
  }
  const granted = prepared.all.filter(
    (a) =>
      a.anchor.accreditationId === result.anchor?.accreditationId && a.anchor.spkiSha256 === result.anchor.spkiSha256,
  );
  const anchor = granted[0]!.anchor;
  // The sub-CA and every held CA between it and the anchor are CAs below the anchor.
  if (chain.length > anchor.maxPathLength) {
    return {
      ok: false,
      code: CERTIFICATE_PATH_CODES.PATH_LENGTH_EXCEEDED,
      message: `${chain.length} CA certificate(s) below the accredited CA, which allows ${anchor.maxPathLength}`,
    };
  }
  for (let i = 1; i < chain.length; i++) {
    const parsed = parseCertificate(chain[i]!);
    const limit = parsed.ok ? parsed.cert.basicConstraints?.pathLenConstraint : undefined;
    if (limit !== undefined && limit < i) {
      return {
        ok: false,
        code: CERTIFICATE_PATH_CODES.PATH_LENGTH_EXCEEDED,
        message: `a CA above it allows ${limit} CA certificate(s) below it (pathLenConstraint)`,
        details: { position: i },
      };
    }
  }
  const holdFinal = prepared.all.some((a) => a.anchor.spkiSha256 === anchor.spkiSha256 && a.anchor.holdFinal);
  return { ok: true, anchor, holdFinal };
}

/** A CA key that may have signed a CRL. */
export interface CrlSignerKey {
  /** spkiSha256 of the key (base64url). */
  spkiSha256: string;
  /** The SubjectPublicKeyInfo (DER). */
  spkiDer: Uint8Array;
  holdFinal: boolean;
  via: 'accredited-ca' | 'sub-ca';
}

/**
 * The keys that may sign a CRL of `issuerDer` at `atMs`: the accredited CAs valid then whose
 * certificate's subject is that name, then the held sub-CAs of that subject whose path to one is
 * valid then. `anyTime` (restoring what was admitted before) drops the time conditions: every CA
 * accreditation, every held sub-CA.
 */
export function crlSignerKeys(
  view: TrustView,
  issuerDer: Uint8Array,
  held: readonly HeldCaCertificate[],
  atMs: number,
  anyTime = false,
): CrlSignerKey[] {
  const anchors = anyTime ? allCaAnchors(view) : [...(view.certificateAuthorities?.(atMs) ?? [])];
  const prepared = prepareAnchors(anchors);
  const keys = new Map<string, CrlSignerKey>();
  for (const { anchor, cert } of prepared.all) {
    if (!derNamesEqual(cert.subjectDer, issuerDer)) continue;
    const known = keys.get(anchor.spkiSha256);
    // Two grants of one CA: hold is final if either says so.
    if (known) known.holdFinal ||= anchor.holdFinal;
    else
      keys.set(anchor.spkiSha256, {
        spkiSha256: anchor.spkiSha256,
        spkiDer: cert.spkiDer,
        holdFinal: anchor.holdFinal,
        via: 'accredited-ca',
      });
  }
  for (const sub of held) {
    if (keys.has(sub.spkiSha256) || !derNamesEqual(sub.subjectDer, issuerDer)) continue;
    const parsed = parseCertificate(sub.der);
    if (!parsed.ok) continue;
    if (anyTime) {
      // The anchor's declaration, found by name above the held chain (strict when none is found).
      const chain = [sub.der, ...heldParents(sub.der, held)];
      const top = parseCertificate(chain[chain.length - 1]!);
      const above = top.ok ? prepared.all.filter((a) => derNamesEqual(a.cert.subjectDer, top.cert.issuerDer)) : [];
      const holdFinal = above.length === 0 || above.some((a) => a.anchor.holdFinal);
      keys.set(sub.spkiSha256, { spkiSha256: sub.spkiSha256, spkiDer: parsed.cert.spkiDer, holdFinal, via: 'sub-ca' });
      continue;
    }
    const path = checkSubCaPath(sub.der, prepared, held, atMs);
    if (path.ok) {
      keys.set(sub.spkiSha256, {
        spkiSha256: sub.spkiSha256,
        spkiDer: parsed.cert.spkiDer,
        holdFinal: path.holdFinal,
        via: 'sub-ca',
      });
    }
  }
  return [...keys.values()];
}

/** Every CA accreditation as an anchor whatever its validity (restore only: it was checked on admission). */
function allCaAnchors(view: TrustView): CaTrustAnchor[] {
  return (view.accreditations?.() ?? []).flatMap((a) =>
    a.role === 'ca' && a.ca
      ? [
          {
            certificate: a.ca.certificate,
            spkiSha256: a.ca.spkiSha256,
            accreditationId: a.id,
            policies: [],
            docTypes: [],
            jurisdictions: [],
            maxPathLength: a.maxPathLength,
            holdFinal: a.ca.holdFinal,
            validFromMs: Number.NEGATIVE_INFINITY,
            validUntilMs: Number.POSITIVE_INFINITY,
          },
        ]
      : [],
  );
}
