/**
 * Certificate-chain verification against the local replica (issue 14, `POST /certificates/verify`,
 * `trustmesh verify-cert`): RFC 5280 §6.1 path validation to a CA accredited in the registry,
 * within its scope, with revocation read from the replica's CRLs — no OCSP, no CRL fetch. The
 * answer has the shape of credential verification: each check (path, validity, keyUsage, policy,
 * revocation) with its outcome and code, and the as-of stamp naming the governance version and
 * every CRL read (`{ issuer, crlNumber, thisUpdate, nextUpdate }`, RFC 3339).
 *
 * `at` evaluates the chain and the replica as of that time: the CAs accredited then, revocation as
 * of then. A pure function of the input, the view and the clock; nothing is stored or logged, and a
 * bad input is an answer (a failing `path` check with the input code), never a throw.
 */
import { ValidationError } from '../errors.ts';
import {
  type CertificateInputLimits,
  DEFAULT_CERTIFICATE_INPUT_LIMITS,
  readCertificateChainInput,
} from '../x509/certificate-input.ts';
import { bytesEqual } from '../x509/crl/der-reader.ts';
import type { HeldCaCertificate } from '../x509/held-crls.ts';
import { CERTIFICATE_PATH_CODES } from '../x509/path/codes.ts';
import { parseCertificate } from '../x509/path/parse-certificate.ts';
import type { CertificateCheckName, CertificateCheckResult, CertificatePurpose } from '../x509/path/types.ts';
import { validateCertificatePath } from '../x509/path/validate-path.ts';
import type { CaTrustAnchor, CrlStamp, RevocationSource } from '../x509/types.ts';
import type { CertificateVerificationCache } from './certificate-verification-cache.ts';
import type { TrustView } from './trust-view.ts';

/** What to verify: the chain as the caller hands it in (PEM, base64 / base64url DER, or DER), leaf first. */
export interface CertificateVerificationInput {
  chain: readonly (string | Uint8Array)[];
  /** Evaluate as of this time (ms since the epoch); default now. */
  at?: number;
  /** Purposes the leaf must serve (all of them). */
  purpose?: CertificatePurpose | readonly CertificatePurpose[];
}

/** What certificate verification reads. */
export interface CertificateVerificationOptions {
  view: TrustView;
  /** The clock, ms since the epoch. */
  now: number;
  /** Parsed certificates and prepared anchors shared across calls (pass one per process). */
  cache?: CertificateVerificationCache;
  /** Input bounds (default 64 KiB per certificate, 10 certificates). */
  limits?: Partial<CertificateInputLimits>;
}

/** The as-of stamp of a certificate verification. */
export interface CertificateAsOf {
  /** When the answer was computed (RFC 3339). */
  time: string;
  /** The time the chain and the replica were evaluated at, when `at` was given (RFC 3339). */
  at?: string;
  governanceVersion: number | null;
  /** Every CRL the revocation answers read, once each. */
  crls: CrlStamp[];
}

/** The answer to "is this certificate chain valid?". */
export interface CertificateVerificationResult {
  /** True only when every check passed. */
  verified: boolean;
  /** path, validity, keyUsage, policy, revocation — each with its outcome and code. */
  checks: CertificateCheckResult[];
  /** The accredited CA the chain was anchored to, when one was found. */
  anchor?: { accreditationId: string; spkiSha256: string };
  asOf: CertificateAsOf;
}

/** The check names of a certificate verification, in the order they are reported. */
export const CERTIFICATE_CHECKS: readonly CertificateCheckName[] = [
  'path',
  'validity',
  'keyUsage',
  'policy',
  'revocation',
];

/**
 * The revocation source of a view that holds no CRL: every certificate is `undetermined`
 * `CRL_MISSING` (DESIGN.md Principles §7: fail closed, say why).
 */
export const NO_CRL_REVOCATION_SOURCE: RevocationSource = Object.freeze({
  lookup: () => ({ state: 'undetermined', code: 'CRL_MISSING' }) as const,
});

/** The view's CRLs as a revocation source, or {@link NO_CRL_REVOCATION_SOURCE} when it holds none. */
export function revocationSourceOf(view: TrustView): RevocationSource {
  return view.revocationSource?.() ?? NO_CRL_REVOCATION_SOURCE;
}

/**
 * The CAs to anchor a chain evaluated at `at`: those accredited then, plus — so that a chain to a
 * CA accredited only at another time says so (ANCHOR_NOT_ACCREDITED) instead of "no such CA" —
 * those accredited now but not then, with a grant that cannot cover `at`. A grant window that does
 * include `at` (the CA was not accredited then for another reason: its accreditor's chain) is
 * emptied, so such an anchor can never pass.
 */
export function anchorsAt(view: TrustView, at: number, now: number): CaTrustAnchor[] {
  const then = [...(view.certificateAuthorities?.(at) ?? [])];
  if (at === now) return then;
  const held = new Set(then.map((a) => `${a.accreditationId} ${a.spkiSha256}`));
  for (const anchor of view.certificateAuthorities?.(now) ?? []) {
    if (held.has(`${anchor.accreditationId} ${anchor.spkiSha256}`)) continue;
    const covers = at >= anchor.validFromMs && at <= anchor.validUntilMs;
    then.push(
      covers ? { ...anchor, validFromMs: Number.POSITIVE_INFINITY, validUntilMs: Number.NEGATIVE_INFINITY } : anchor,
    );
  }
  return then;
}

/**
 * Verifies a certificate chain (leaf first) against the CAs accredited in `options.view`. Every
 * failure is a check in the answer; `verified` is true only when every check passed. Throws only
 * what the view's revocation source throws (a local fault, not an answer about the chain).
 */
export function verifyCertificateChain(
  input: CertificateVerificationInput,
  options: CertificateVerificationOptions,
): CertificateVerificationResult {
  const { view, now } = options;
  const at = input?.at ?? now;
  const asOf = (crls: CrlStamp[]): CertificateAsOf => ({
    time: new Date(now).toISOString(),
    ...(input?.at !== undefined && Number.isFinite(at) ? { at: new Date(at).toISOString() } : {}),
    governanceVersion: view.governance()?.record.version ?? null,
    crls,
  });
  let chain: Uint8Array[];
  try {
    // [REJECT] bounds first (chain length, then each certificate's size), then the encoding.
    chain = readCertificateChainInput(input?.chain as (string | Uint8Array)[], options.limits ?? {});
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return { verified: false, checks: inputFailure(error), asOf: asOf([]) };
  }
  const anchors = Number.isFinite(at) ? anchorsAt(view, at, now) : [];
  const maxChainLength = options.limits?.maxChainLength ?? DEFAULT_CERTIFICATE_INPUT_LIMITS.maxChainLength;
  // The verification cache's parsed CA certificates when given: anchors are not parsed again per call.
  const parse = options.cache ? (der: Uint8Array) => options.cache!.certificates.parse(der) : parseCertificate;
  chain = completedChain(chain, view.caCertificates?.() ?? [], anchors, at, maxChainLength, parse);
  const result = validateCertificatePath(
    { chain, atMs: at, ...(input.purpose !== undefined ? { purpose: input.purpose } : {}) },
    options.cache ? options.cache.prepared(anchors) : anchors,
    revocationSourceOf(view),
    {
      ...(options.cache ? { cache: options.cache.certificates } : {}),
      ...(options.limits?.maxCertificateBytes !== undefined
        ? { maxCertificateBytes: options.limits.maxCertificateBytes }
        : {}),
      ...(options.limits?.maxChainLength !== undefined ? { maxChainLength: options.limits.maxChainLength } : {}),
    },
  );
  return {
    verified: result.verified,
    checks: result.checks,
    ...(result.anchor ? { anchor: result.anchor } : {}),
    asOf: asOf(result.crls),
  };
}

/**
 * A chain that stops below its anchor (a wallet presents the leaf, or the leaf and some of its CAs)
 * is completed from the subordinate CA certificates the replica holds — records admitted by path
 * validation to an accredited CA — by issuer name (RFC 5280 §4.1.2.4), preferring one valid at `at`,
 * up to the chain bound. Path validation then judges the completed chain exactly as a given one:
 * signatures, validity, constraints and every CA's revocation. Nothing is fetched (no AIA).
 */
function completedChain(
  chain: Uint8Array[],
  held: readonly HeldCaCertificate[],
  anchors: readonly CaTrustAnchor[],
  at: number,
  maxChainLength: number,
  parse: (der: Uint8Array) => ReturnType<typeof parseCertificate>,
): Uint8Array[] {
  if (held.length === 0 || chain.length === 0) return chain;
  const anchorSubjects = anchors.flatMap((anchor) => {
    const parsed = parse(anchor.certificate);
    return parsed.ok ? [parsed.cert.subjectDer] : [];
  });
  const out = [...chain];
  while (out.length < maxChainLength) {
    const top = parse(out[out.length - 1] as Uint8Array);
    if (!top.ok) break;
    const { issuerDer, subjectDer } = top.cert;
    // Issued by an anchor, or self-issued (an anchor given in the chain, or a root): complete.
    if (bytesEqual(issuerDer, subjectDer) || anchorSubjects.some((s) => bytesEqual(s, issuerDer))) break;
    const candidates = held.filter(
      (c) => bytesEqual(c.subjectDer, issuerDer) && !out.some((d) => bytesEqual(d, c.der)),
    );
    const next = candidates.find((c) => c.notBeforeMs <= at && at <= c.notAfterMs) ?? candidates[0];
    if (!next) break;
    out.push(next.der);
  }
  return out;
}

/** The checks of an input refused before any parse: `path` fails with the input code, the rest were not evaluated. */
function inputFailure(error: ValidationError): CertificateCheckResult[] {
  const index = /\[(\d+)\]/.exec(error.field ?? '')?.[1];
  return CERTIFICATE_CHECKS.map(
    (check): CertificateCheckResult =>
      check === 'path'
        ? {
            check,
            outcome: 'fail',
            code: error.code,
            message: error.message,
            ...(index !== undefined ? { details: { position: Number(index) } } : {}),
          }
        : {
            check,
            outcome: 'undetermined',
            code: CERTIFICATE_PATH_CODES.NOT_EVALUATED,
            message: 'not evaluated: the input was refused',
          },
  );
}
