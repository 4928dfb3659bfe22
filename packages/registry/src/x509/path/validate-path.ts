/**
 * Certification path validation against accredited CAs: RFC 5280 §6.1 basic path validation, as
 * written, synchronous and pure (revocation comes from the injected {@link RevocationSource}: the
 * replica's CRLs, no OCSP, no fetch). Each check is reported with its outcome and code, in the shape
 * of the registry's credential checks; nothing is thrown for a bad chain.
 */
import { DEFAULT_CERTIFICATE_INPUT_LIMITS } from '../certificate-input.ts';
import type { CaTrustAnchor, CrlStamp, RevocationSource } from '../types.ts';
import {
  isPreparedAnchors,
  issuingAnchors,
  type PreparedAnchor,
  type PreparedAnchors,
  prepareAnchors,
} from './anchors.ts';
import { CERTIFICATE_PATH_CODES as CODES } from './codes.ts';
import { derNamesEqual } from './der.ts';
import { addNameConstraints, checkNameConstraints, formatName, initialNameConstraints } from './names.ts';
import { type ParsedCertificate, parseCertificate } from './parse-certificate.ts';
import { initialPolicyState, preparePolicies, processPolicies, wrapUpPolicies } from './policy.ts';
import { checkPurposes } from './purpose.ts';
import { verifyCertificateSignature } from './signature.ts';
import type {
  CertificateCheckName,
  CertificateCheckResult,
  CertificatePathInput,
  CertificatePathOptions,
  CertificatePathResult,
} from './types.ts';

const ORDER: readonly CertificateCheckName[] = ['path', 'validity', 'keyUsage', 'policy', 'revocation'];
const KEY_CERT_SIGN = 32; // KeyUsageFlags.keyCertSign

/** The first failure of each check wins; a failure outranks an undetermined outcome. */
class CheckBook {
  readonly #results = new Map<CertificateCheckName, CertificateCheckResult>();

  fail(check: CertificateCheckName, code: string, message: string, details?: Record<string, unknown>): void {
    if (this.#results.get(check)?.outcome === 'fail') return;
    this.#results.set(check, { check, outcome: 'fail', code, message, ...(details ? { details } : {}) });
  }

  undetermined(check: CertificateCheckName, code: string, message: string, details?: Record<string, unknown>): void {
    if (this.#results.has(check)) return;
    this.#results.set(check, { check, outcome: 'undetermined', code, message, ...(details ? { details } : {}) });
  }

  /** Every check, those without a failure passing with `passes`' message and details. */
  finish(passes: Partial<Record<CertificateCheckName, { message: string; details?: Record<string, unknown> }>>) {
    return ORDER.map(
      (check): CertificateCheckResult =>
        this.#results.get(check) ??
        (passes[check]
          ? { check, outcome: 'pass', ...passes[check] }
          : {
              check,
              outcome: 'undetermined',
              code: CODES.NOT_EVALUATED,
              message: 'not evaluated: the path failed first',
            }),
    );
  }
}

/** A fault of the revocation source (a local fault, not an answer about the chain): rethrown as is. */
class SourceFault {
  constructor(readonly cause: unknown) {}
}

/**
 * Validates a certification path (RFC 5280 §6.1) to one of the accredited CAs `anchors`, at
 * `input.atMs`, with revocation read from `revocation` for every certificate below the anchor.
 * `verified` is true only when every check passes. Throws only what `revocation.lookup` throws.
 */
export function validateCertificatePath(
  input: CertificatePathInput,
  anchors: readonly CaTrustAnchor[] | PreparedAnchors,
  revocation: RevocationSource,
  options: CertificatePathOptions = {},
): CertificatePathResult {
  try {
    return run(input, anchors, revocation, options);
  } catch (error) {
    if (error instanceof SourceFault) throw error.cause;
    // A defect here must not become a pass or a crash on hostile input: fail closed, say so.
    const book = new CheckBook();
    book.fail('path', CODES.CERTIFICATE_INVALID, `the chain could not be processed: ${String(error)}`);
    return { verified: false, checks: book.finish({}), crls: [] };
  }
}

function run(
  input: CertificatePathInput,
  anchorsIn: readonly CaTrustAnchor[] | PreparedAnchors,
  revocation: RevocationSource,
  options: CertificatePathOptions,
): CertificatePathResult {
  const book = new CheckBook();
  const crls = new Map<string, CrlStamp>();
  const done = (passes: Parameters<CheckBook['finish']>[0], anchor?: PreparedAnchor): CertificatePathResult => {
    const checks = book.finish(passes);
    return {
      verified: checks.every((c) => c.outcome === 'pass'),
      checks,
      ...(anchor
        ? { anchor: { accreditationId: anchor.anchor.accreditationId, spkiSha256: anchor.anchor.spkiSha256 } }
        : {}),
      crls: [...crls.values()],
    };
  };
  const at = input?.atMs;
  const chain = input?.chain;
  const maxBytes = options.maxCertificateBytes ?? DEFAULT_CERTIFICATE_INPUT_LIMITS.maxCertificateBytes;
  const maxChain = options.maxChainLength ?? DEFAULT_CERTIFICATE_INPUT_LIMITS.maxChainLength;
  if (typeof at !== 'number' || !Number.isFinite(at)) {
    book.fail('validity', CODES.TIME_INVALID, '`atMs` is not a finite time');
    return done({});
  }
  if (!Array.isArray(chain) || chain.length === 0) {
    book.fail('path', CODES.CHAIN_EMPTY, 'the chain holds no certificate');
    return done({});
  }
  // Bounds before any parse: the chain length, then each certificate's size.
  if (chain.length > maxChain) {
    book.fail('path', CODES.CHAIN_TOO_LONG, `more than ${maxChain} certificates`);
    return done({});
  }
  const certs: ParsedCertificate[] = [];
  for (const [position, der] of chain.entries()) {
    if (!(der instanceof Uint8Array)) {
      book.fail('path', CODES.CERTIFICATE_INVALID, 'not DER bytes', { position });
      return done({});
    }
    if (der.length > maxBytes) {
      book.fail('path', CODES.CERTIFICATE_TOO_LARGE, `larger than ${maxBytes} bytes`, { position });
      return done({});
    }
    const parsed = options.cache ? options.cache.parse(der) : parseCertificate(der);
    if (!parsed.ok) {
      book.fail('path', CODES.CERTIFICATE_INVALID, `certificate does not parse: ${parsed.message}`, { position });
      return done({});
    }
    certs.push(parsed.cert);
  }
  const iso = new Date(at).toISOString();

  // §6.1.1 (d) trust anchor: the top certificate is an accredited CA's (same key), or was issued by one.
  const prepared = isPreparedAnchors(anchorsIn) ? anchorsIn : prepareAnchors(anchorsIn);
  const top = certs[certs.length - 1]!;
  const included = prepared.bySpki.get(top.spkiSha256);
  const path = included ? certs.slice(0, -1) : certs;
  const candidates = included ?? issuingAnchors(prepared, top);
  if (candidates.length === 0) {
    book.fail('path', CODES.ANCHOR_NOT_FOUND, `no accredited CA issued "${formatName(top.issuer)}"'s certificate`, {
      position: certs.length - 1,
      issuer: formatName(top.issuer),
    });
    return done({});
  }
  const active = (c: PreparedAnchor) =>
    at >= c.anchor.validFromMs && at <= c.anchor.validUntilMs && at >= c.cert.notBeforeMs && at <= c.cert.notAfterMs;
  const first = path[path.length - 1];
  const chosen =
    candidates.find((c) => active(c) && (!first || verifyCertificateSignature(first, c.cert) === null)) ??
    candidates.find(active) ??
    candidates[0]!;
  const anchorName = formatName(chosen.cert.subject);
  if (path.length === 0) {
    book.fail('path', CODES.PATH_EMPTY, `the chain holds only the accredited CA "${anchorName}"`);
    return done({}, chosen);
  }
  // The grant, and the anchor certificate's own validity (RFC 5937 §2 lets an anchor's certificate constrain).
  if (at < chosen.anchor.validFromMs || at > chosen.anchor.validUntilMs) {
    book.fail('path', CODES.ANCHOR_NOT_ACCREDITED, `the accreditation of "${anchorName}" is not valid at ${iso}`, {
      accreditationId: chosen.anchor.accreditationId,
    });
  }
  if (at > chosen.cert.notAfterMs)
    book.fail('validity', CODES.ANCHOR_EXPIRED, `the CA certificate "${anchorName}" has expired`);
  if (at < chosen.cert.notBeforeMs) {
    book.fail('validity', CODES.ANCHOR_NOT_YET_VALID, `the CA certificate "${anchorName}" is not yet valid`);
  }

  // §6.1.2 initialization. n = path length; user-initial-policy-set = the anchor's accredited
  // policies (initial-explicit-policy when there are any); the anchor certificate's own name
  // constraints and pathLenConstraint apply (RFC 5937 §3), capped by the accreditation's maxPathLength.
  const n = path.length;
  const userPolicies = chosen.anchor.policies.length > 0 ? new Set(chosen.anchor.policies) : null;
  const policy = initialPolicyState(n, userPolicies !== null);
  const names = initialNameConstraints();
  if (chosen.cert.nameConstraints) {
    const failure = addNameConstraints(names, chosen.cert.nameConstraints);
    if (failure) book.fail('path', failure.code, `${failure.message} (accredited CA "${anchorName}")`);
  }
  let maxPathLength = Math.min(n, Math.max(0, chosen.anchor.maxPathLength));
  if (chosen.cert.basicConstraints?.pathLenConstraint !== undefined) {
    maxPathLength = Math.min(maxPathLength, chosen.cert.basicConstraints.pathLenConstraint);
  }
  let working: ParsedCertificate = chosen.cert; // working_public_key and working_issuer_name

  for (let i = 1; i <= n; i++) {
    const position = n - i;
    const cert = path[position]!;
    // Names are decoded for messages only, when a check fails.
    const subject = () => formatName(cert.subject);
    const where = () => ({ position, subject: subject() });
    // §6.1.3 (a)(1) the signature, under the working public key.
    const signature = verifyCertificateSignature(cert, working);
    if (signature) book.fail('path', signature.code, `"${subject()}": ${signature.message}`, where());
    // (a)(2) validity at `at`.
    if (at > cert.notAfterMs)
      book.fail('validity', CODES.CERTIFICATE_EXPIRED, `"${subject()}" has expired at ${iso}`, where());
    if (at < cert.notBeforeMs) {
      book.fail('validity', CODES.CERTIFICATE_NOT_YET_VALID, `"${subject()}" is not yet valid at ${iso}`, where());
    }
    // (a)(3) revocation, from the replica's CRLs of the issuing CA (keyed by the issuer's key).
    let answer: ReturnType<RevocationSource['lookup']>;
    try {
      answer = revocation.lookup(working.spkiSha256, cert.serial, at);
    } catch (error) {
      throw new SourceFault(error);
    }
    if (answer.crl)
      crls.set(`${answer.crl.issuer}|${answer.crl.crlNumber}|${answer.crl.deltaCrlNumber ?? ''}`, answer.crl);
    const serial = Buffer.from(cert.serial).toString('hex');
    if (answer.state === 'revoked' || answer.state === 'hold') {
      const hold = answer.state === 'hold';
      book.fail(
        'revocation',
        hold ? CODES.CERTIFICATE_ON_HOLD : CODES.CERTIFICATE_REVOKED,
        `"${subject()}" is ${hold ? 'on hold' : 'revoked'} since ${new Date(answer.revokedAtMs).toISOString()}`,
        { ...where(), serial, ...(answer.reason !== undefined ? { reason: answer.reason } : {}), crl: answer.crl },
      );
    } else if (answer.state === 'undetermined') {
      book.undetermined('revocation', answer.code, `the revocation status of "${subject()}" cannot be decided`, {
        ...where(),
        serial,
      });
    }
    // (a)(4) the issuer name is the working issuer name.
    if (!derNamesEqual(cert.issuerDer, working.subjectDer)) {
      book.fail(
        'path',
        CODES.ISSUER_MISMATCH,
        `"${subject()}" names "${formatName(cert.issuer)}" as its issuer`,
        where(),
      );
    }
    // (b)(c) name constraints, except for self-issued certificates below the leaf.
    if (!(cert.selfIssued && i < n)) {
      const failure = checkNameConstraints(names, cert);
      if (failure) book.fail('path', failure.code, `"${subject()}": ${failure.message}`, where());
    }
    // (d)(e)(f) certificate policies.
    const policyFailure = processPolicies(policy, cert, i, n);
    if (policyFailure) book.fail('policy', policyFailure.code, `"${subject()}": ${policyFailure.message}`, where());

    if (i < n) {
      // §6.1.4 preparation for certificate i + 1. (a)(b)(h)(i)(j) policies:
      const prepFailure = preparePolicies(policy, cert);
      if (prepFailure) book.fail('policy', prepFailure.code, `"${subject()}": ${prepFailure.message}`, where());
      // (c)(d)(e)(f) working issuer name and public key.
      working = cert;
      // (g) name constraints.
      if (cert.nameConstraints) {
        const failure = addNameConstraints(names, cert.nameConstraints);
        if (failure) book.fail('path', failure.code, `"${subject()}": ${failure.message}`, where());
      }
      // (k) a CA: a version 3 certificate with basicConstraints cA (v1/v2 intermediates are refused).
      if (cert.version !== 3 || !cert.basicConstraints?.cA) {
        book.fail('path', CODES.NOT_A_CA, `"${subject()}" is not a CA certificate (basicConstraints cA)`, where());
      }
      // (l) path length, counted on certificates that are not self-issued; (m) pathLenConstraint lowers it.
      if (!cert.selfIssued) {
        if (maxPathLength <= 0) {
          book.fail('path', CODES.PATH_LENGTH_EXCEEDED, `"${subject()}" exceeds the allowed path length`, where());
        }
        maxPathLength--;
      }
      const pathLen = cert.basicConstraints?.pathLenConstraint;
      if (pathLen !== undefined && pathLen < maxPathLength) maxPathLength = pathLen;
      // (n) keyUsage, when present, asserts keyCertSign.
      if (cert.keyUsage !== undefined && (cert.keyUsage & KEY_CERT_SIGN) === 0) {
        book.fail(
          'keyUsage',
          CODES.KEY_CERT_SIGN_MISSING,
          `"${subject()}" may not sign certificates (keyUsage)`,
          where(),
        );
      }
    }
    // §6.1.4 (o), §6.1.5 (f): every critical extension is processed.
    if (cert.unknownCritical.length > 0) {
      book.fail('path', CODES.UNKNOWN_CRITICAL_EXTENSION, `"${subject()}" has unprocessed critical extension(s)`, {
        ...where(),
        extensions: cert.unknownCritical,
      });
    }
  }

  // §6.1.5 wrap-up: (a)(b)(g) policies.
  const leaf = path[0]!;
  const wrapped = wrapUpPolicies(policy, leaf, userPolicies);
  if ('code' in wrapped)
    book.fail('policy', wrapped.code, wrapped.message, { position: 0, subject: formatName(leaf.subject) });
  // The leaf's purpose (§4.2.1.3, §4.2.1.12).
  const purposes =
    input.purpose === undefined ? [] : typeof input.purpose === 'string' ? [input.purpose] : [...input.purpose];
  const misuse = checkPurposes(leaf, purposes);
  if (misuse)
    book.fail('keyUsage', misuse.code, `"${formatName(leaf.subject)}": ${misuse.message}`, {
      position: 0,
      purpose: misuse.purpose,
    });

  return done(
    {
      path: {
        message: `${n} certificate${n === 1 ? '' : 's'} chained to the accredited CA "${anchorName}"`,
        details: { length: n, anchorIncluded: included !== undefined, anchor: anchorName },
      },
      validity: { message: `every certificate of the path is valid at ${iso}` },
      keyUsage: {
        message: purposes.length
          ? `the leaf serves ${purposes.join(', ')}; every CA may sign certificates`
          : 'every CA of the path may sign certificates',
      },
      policy: {
        message: 'the path is valid under the certificate policies',
        details: { policies: 'policies' in wrapped ? wrapped.policies : [] },
      },
      revocation: { message: `no certificate of the path is revoked or on hold in the replica's CRLs at ${iso}` },
    },
    chosen,
  );
}
