/**
 * What repeated certificate verifications share (issue 14): parsed certificates (the same
 * intermediates and DS certificates recur in most chains) and the trust anchors prepared from the
 * accredited CAs. Prepared anchors are keyed by exactly what they are made of — every anchor's
 * certificate digest, accreditation id, scope, caps and grant validity — so a new, changed,
 * withdrawn or expired accreditation changes the key and is never answered from a stale set.
 * Bounded (LRU); holds only issuer-level public data: CA certificates and accredited anchors, never
 * a holder's (leaf or DS) certificate.
 */
import { createHash } from 'node:crypto';
import { type PreparedAnchors, prepareAnchors } from '../x509/path/anchors.ts';
import { CertificateCache } from '../x509/path/parse-certificate.ts';
import type { CaTrustAnchor } from '../x509/types.ts';

/** Bounds of a {@link CertificateVerificationCache}. */
export interface CertificateVerificationCacheOptions {
  /** Most parsed certificates held. */
  maxCertificates: number;
  /** Most prepared anchor sets held (one per distinct set of accredited CAs asked about). */
  maxAnchorSets: number;
}

/** 1024 certificates, 16 anchor sets. */
export const defaultCertificateVerificationCacheOptions: Readonly<CertificateVerificationCacheOptions> = Object.freeze({
  maxCertificates: 1024,
  maxAnchorSets: 16,
});

/**
 * Pass one instance to every `verifyCertificateChain` / mdoc verification of a process (a node
 * keeps one per API) so that anchors are parsed once per change of the accredited CAs.
 */
export class CertificateVerificationCache {
  /** Parsed certificates, shared with path validation. */
  readonly certificates: CertificateCache;
  readonly #maxSets: number;
  readonly #sets = new Map<string, PreparedAnchors>();
  // Digest of each anchor certificate, by identity: the view hands out the same bytes every time.
  readonly #digests = new WeakMap<Uint8Array, string>();

  constructor(options: Partial<CertificateVerificationCacheOptions> = {}) {
    const o = { ...defaultCertificateVerificationCacheOptions, ...options };
    // CA certificates only (RFC 5280 §4.2.1.9 cA): a holder's leaf is parsed, used and dropped.
    this.certificates = new CertificateCache({
      maxEntries: o.maxCertificates,
      retain: (cert) => cert.basicConstraints?.cA === true,
    });
    this.#maxSets = Math.max(1, Math.floor(o.maxAnchorSets));
  }

  /** The prepared form of `anchors`, prepared on a miss (least recently used set dropped first). */
  prepared(anchors: readonly CaTrustAnchor[]): PreparedAnchors {
    const key = JSON.stringify(
      anchors.map((a) => [
        this.#digest(a.certificate),
        a.accreditationId,
        a.spkiSha256,
        a.policies,
        a.docTypes,
        a.jurisdictions,
        a.maxPathLength,
        a.holdFinal,
        a.validFromMs,
        a.validUntilMs,
      ]),
    );
    const hit = this.#sets.get(key);
    if (hit) {
      this.#sets.delete(key);
      this.#sets.set(key, hit);
      return hit;
    }
    const made = prepareAnchors(anchors);
    this.#sets.set(key, made);
    while (this.#sets.size > this.#maxSets) {
      const oldest = this.#sets.keys().next().value as string;
      this.#sets.delete(oldest);
    }
    return made;
  }

  /** Prepared anchor sets held (for tests and metrics). */
  get anchorSets(): number {
    return this.#sets.size;
  }

  #digest(certificate: Uint8Array): string {
    let digest = this.#digests.get(certificate);
    if (digest === undefined) {
      digest = createHash('sha256').update(certificate).digest('base64url');
      this.#digests.set(certificate, digest);
    }
    return digest;
  }
}
