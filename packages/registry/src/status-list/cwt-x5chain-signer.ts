/**
 * Who signed a Token Status List in CWT form when its COSE header carries `x5chain` (label 33,
 * RFC 9360 §2: leaf first; the IACA root is not included, as in an mdoc's issuerAuth, ISO 18013-5
 * §9.1.2.4): the usual case for mdoc issuers, whose status lists are signed through the same PKI
 * as their mdocs (draft-ietf-oauth-status-list §11, key resolution and trust through an X.509 PKI).
 *
 * The signer counts when, at admission time:
 * - the chain validates (RFC 5280 §6.1) to an accredited CA whose scope has docTypes — an IACA
 *   (issue 14); a chain to an accredited CA without docTypes (a JPKI-style CA accredited for
 *   certificate policies) is refused, a chain to no held anchor waits for the CA's accreditation;
 * - the leaf's keyUsage asserts digitalSignature (RFC 5280 §4.2.1.3) and its extendedKeyUsage
 *   includes id-mdl-kp-mdlDS (1.0.18013.5.1.2, ISO 18013-5 Annex B.1.4): the list is signed by a
 *   document signer of that IACA — the draft lets the Status Issuer be the Referenced Token's issuer
 *   and asks the Status Issuer's certificate to carry an EKU; its own `id-kp-oauthStatusSigning`
 *   (draft §11 and its IANA section, "1.3.6.1.5.5.7.3.TBD") has no number assigned yet, so it cannot be required or
 *   accepted until IANA assigns one. An absent extendedKeyUsage, or anyExtendedKeyUsage alone, is refused;
 * - the COSE signature verifies with the leaf's key (RFC 9052 §4.4).
 *
 * Revocation at admission: every answer is good (x509/ca-keys.ts ADMISSION_REVOCATION), as for
 * sub-CA certificates. Admission must not depend on which CRLs a node happens to hold when the list
 * arrives (two honest nodes would disagree, and a list arriving before its CA's CRL would be lost
 * for good); a revoked document signer can only add versions to its own slot, which never undo an
 * INVALID (draft §7.1), and every reader takes INVALID from any held version.
 *
 * The signer's identity is the pair (anchor spkiSha256, leaf spkiSha256): two CAs never share a
 * slot, and the list is attributed to the CA subject `ca:<anchor spkiSha256>` (quotas by anchor).
 * The list's `iss` claim, if any, is not used: nothing binds it to the chain.
 */
import { reject, unresolved } from '../errors.ts';
import type { PinnedKey } from '../records/keys.ts';
import { MDOC_DS_EKU } from '../verification/mdoc/mdoc-chain.ts';
import type { TrustView } from '../verification/trust-view.ts';
import { caSubjectId } from '../x509/ca-certificate.ts';
import { ADMISSION_REVOCATION } from '../x509/ca-keys.ts';
import { CERTIFICATE_PATH_CODES } from '../x509/path/codes.ts';
import { derNamesEqual } from '../x509/path/der.ts';
import { parseCertificate, publicKeyOf, sha256b64url } from '../x509/path/parse-certificate.ts';
import { validateCertificatePath } from '../x509/path/validate-path.ts';
import type { CaTrustAnchor } from '../x509/types.ts';
import { type ParsedCwtStatusList, verifyCwtStatusListSignature } from './cwt-status-list.ts';

/** Codes of the x5chain signer rules. */
export const CWT_X5CHAIN_CODES = {
  /** `ignore` (awaits a CA accreditation) — the chain reaches no accredited CA held here. */
  ANCHOR_UNKNOWN: 'CWT_STATUS_LIST_X5CHAIN_ANCHOR_UNKNOWN',
  /** `reject` — the chain reaches an accredited CA whose scope has no docTypes (not an IACA). */
  NOT_IACA: 'CWT_STATUS_LIST_X5CHAIN_NOT_IACA',
  /** `reject` — RFC 5280 path validation fails (expired, bad certificate signature, …); the path code is in the message. */
  PATH_INVALID: 'CWT_STATUS_LIST_X5CHAIN_PATH_INVALID',
  /** `reject` — the leaf's keyUsage lacks digitalSignature or its extendedKeyUsage lacks mdlDS (1.0.18013.5.1.2). */
  SIGNER_USAGE: 'CWT_STATUS_LIST_X5CHAIN_SIGNER_USAGE',
} as const;
const C = CWT_X5CHAIN_CODES;

/** What an x5chain-signed list's signer is. */
export interface X5chainSigner {
  /** `ca:<anchor spkiSha256>`: the accredited IACA the list is attributed to. */
  issuer: string;
  /** A pseudo pinned key whose `id` and `publicKeyMultibase` are {@link x5chainSignerId}: it names the slot. */
  signer: PinnedKey;
  anchorSpkiSha256: string;
  leafSpkiSha256: string;
}

const PREFIX = 'x5c:';

/** The signer identity of an x5chain-signed list: `x5c:<anchor spkiSha256>.<leaf spkiSha256>`. */
export function x5chainSignerId(anchorSpkiSha256: string, leafSpkiSha256: string): string {
  return `${PREFIX}${anchorSpkiSha256}.${leafSpkiSha256}`;
}

/** The two hashes of an {@link x5chainSignerId}, or null for any other signer (a pinned key's multibase). */
export function parseX5chainSignerId(id: string): { anchorSpkiSha256: string; leafSpkiSha256: string } | null {
  const match = /^x5c:([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(id);
  return match ? { anchorSpkiSha256: match[1] as string, leafSpkiSha256: match[2] as string } : null;
}

/** The pseudo pinned key of an x5chain signer (what the slot key and the held state name). */
export function x5chainPinnedKey(anchorSpkiSha256: string, leafSpkiSha256: string): PinnedKey {
  const id = x5chainSignerId(anchorSpkiSha256, leafSpkiSha256);
  return { id, type: 'Multikey', controller: caSubjectId(anchorSpkiSha256), publicKeyMultibase: id };
}

const isIaca = (a: CaTrustAnchor) => a.docTypes.length > 0;

/**
 * The signer of an x5chain-signed list at `atMs` against the CAs accredited then, its COSE
 * signature verified with the leaf's key. Throws the `ignore`/`reject` ValidationError of the rule broken.
 */
export function x5chainSignerOf(list: ParsedCwtStatusList, view: TrustView, atMs: number): X5chainSigner {
  const chain = list.x5chain ?? [];
  const anchors = view.certificateAuthorities?.(atMs) ?? [];
  // RFC 5280 §6.1 to the IACAs; keyUsage digitalSignature (§4.2.1.3) as for a DS certificate (Annex B.1.4).
  const path = validateCertificatePath(
    { chain, atMs, purpose: 'digitalSignature' },
    anchors.filter(isIaca),
    ADMISSION_REVOCATION,
  );
  if (!path.verified || !path.anchor) {
    const failed = path.checks.find((c) => c.outcome !== 'pass');
    if (failed?.code === CERTIFICATE_PATH_CODES.ANCHOR_NOT_FOUND) {
      const wider = validateCertificatePath({ chain, atMs }, anchors, ADMISSION_REVOCATION);
      // [REJECT] issue 14: a status list of an mdoc issuer is signed under an IACA (an accredited CA with docTypes).
      if (wider.anchor)
        throw reject(C.NOT_IACA, 'header.x5chain', `the chain reaches ${wider.anchor.accreditationId}, not an IACA`);
      // [IGNORE] DESIGN.md Admission: the CA accreditation the chain reaches may not have arrived yet.
      throw unresolved(C.ANCHOR_UNKNOWN, 'header.x5chain', 'the chain reaches no CA accredited here');
    }
    // [REJECT] RFC 5280 §4.2.1.3: the leaf's key may sign (digitalSignature).
    if (failed?.check === 'keyUsage')
      throw reject(C.SIGNER_USAGE, 'header.x5chain', `${failed.code}: ${failed.message}`);
    // [REJECT] RFC 5280 §6.1: the chain validates at admission time (validity, signatures, constraints).
    throw reject(
      C.PATH_INVALID,
      'header.x5chain',
      `${failed?.code ?? CERTIFICATE_PATH_CODES.NOT_EVALUATED}: ${failed?.message ?? 'not evaluated'}`,
    );
  }
  const parsed = parseCertificate(chain[0] as Uint8Array);
  if (!parsed.ok) throw reject(C.PATH_INVALID, 'header.x5chain', 'the leaf certificate cannot be read');
  const leaf = parsed.cert;
  // [REJECT] ISO 18013-5 Annex B.1.4 / draft §11: the signer is a document signer of the IACA (mdlDS EKU).
  if (!leaf.extKeyUsage?.includes(MDOC_DS_EKU))
    throw reject(C.SIGNER_USAGE, 'header.x5chain', `the leaf's extendedKeyUsage does not include ${MDOC_DS_EKU}`);
  const verdict = verifyCwtStatusListSignature(list, publicKeyOf(leaf));
  // [REJECT] RFC 9052 §4.4 / RFC 9360 §2: the signature verifies with the leaf certificate's key.
  if (!verdict.ok) throw reject(verdict.code, 'signature', `${verdict.message} with the x5chain leaf's key`);
  const anchorSpkiSha256 = path.anchor.spkiSha256;
  const leafSpkiSha256 = sha256b64url(leaf.spkiDer);
  return {
    issuer: caSubjectId(anchorSpkiSha256),
    signer: x5chainPinnedKey(anchorSpkiSha256, leafSpkiSha256),
    anchorSpkiSha256,
    leafSpkiSha256,
  };
}

/**
 * The slot signer id of an x5chain-signed list without a time (kind `slotOf`, a hint for ordering
 * and reconciliation): the leaf's key and the accredited IACA whose subject issued the top
 * certificate. Null when the chain cannot be read or no single IACA matches; admission decides.
 */
export function x5chainSlotSigner(list: ParsedCwtStatusList, view: TrustView): string | null {
  const chain = list.x5chain ?? [];
  const leaf = chain[0] ? parseCertificate(chain[0]) : null;
  const top = chain.length > 0 ? parseCertificate(chain[chain.length - 1] as Uint8Array) : null;
  if (!leaf?.ok || !top?.ok) return null;
  const spkis = new Set<string>();
  for (const a of view.accreditations?.() ?? []) {
    if (a.role !== 'ca' || !a.ca || !a.accreditedFor.some((s) => (s.docTypes ?? []).length > 0)) continue;
    const ca = parseCertificate(a.ca.certificate);
    if (ca.ok && derNamesEqual(ca.cert.subjectDer, top.cert.issuerDer)) spkis.add(a.ca.spkiSha256);
  }
  const [anchor] = spkis;
  return spkis.size === 1 && anchor ? x5chainSignerId(anchor, sha256b64url(leaf.cert.spkiDer)) : null;
}
