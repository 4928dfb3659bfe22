/**
 * ISO/IEC 18013-5 mdocs as VCDM 2.0 enveloped credentials (issue 14): `POST /credentials/verify`
 * with `{"type": "EnvelopedVerifiableCredential", "id": "data:application/mdoc;base64url,<CBOR>"}`
 * (an IssuerSigned structure or a DeviceResponse). The mdoc is verified by verifyMdoc (§9.3.1,
 * §9.1.3) with its issuer chain validated against the replica (mdoc-chain.ts), its MSO status
 * reference read from a held Token Status List, and the answer given in the shape of every
 * credential verification:
 *
 * - `proof` — issuerAuth signature, every IssuerSignedItem digest, docType, and device
 *   authentication when a session transcript was given (its parts in `details.parts`). Without a
 *   transcript device authentication is reported as not requested (and warned), never as passed;
 * - `issuer` — the x5chain to an IACA accredited for the docType × issuing country, and the
 *   issuing_country against the DS certificate (Annex B.1.2);
 * - `status` — the MSO's `status.status_list` (draft-ietf-oauth-status-list §6.3) read from the
 *   replica, only from lists signed under the same IACA as the mdoc (mdoc-status-binding.ts):
 *   INVALID and SUSPENDED fail, no bound list held is undetermined; none → pass;
 * - `validity` — validityInfo (§9.3.1 step 5).
 *
 * A pure function of the mdoc, the replica and the clock: never stored or logged, never thrown for
 * an mdoc that is merely invalid.
 */
import { ValidationError } from '../../errors.ts';
import { MDOC_CODES, type MdocCheck, type MdocCheckName } from '../../mdoc/codes.ts';
import { DEFAULT_MDOC_LIMITS, type MdocLimits, type ParsedMdoc, readMdoc } from '../../mdoc/read-mdoc.ts';
import { type MdocVerification, verifyMdoc } from '../../mdoc/verify-mdoc.ts';
import type { CrlStamp } from '../../x509/types.ts';
import type { CertificateVerificationCache } from '../certificate-verification-cache.ts';
import { asOfStamp, type CheckResult } from '../check-result.ts';
import { SELECTABLE_CHECKS, type SelectableCheck } from '../check-selection.ts';
import { JOSE_STATUS_CODES } from '../jose/jose-status-check.ts';
import { TOKEN_STATUS_QUERY_CODES } from '../token-status-query.ts';
import type { JoseStatusListState, TrustView } from '../trust-view.ts';
import type { VerificationResult } from '../verify-credential.ts';
import { type ChainReads, replicaChainValidator } from './mdoc-chain.ts';
import { MDOC_STATUS_BINDING_CODES, mdocStatusCheck } from './mdoc-status-binding.ts';

/** The media type of an mdoc in an EnvelopedVerifiableCredential's data: URL. */
export const MDOC_MEDIA_TYPE = 'application/mdoc';

/** Codes of mdoc credential verification, beside MDOC_CODES and MDOC_CHAIN_CODES. */
export const MDOC_CREDENTIAL_CODES = {
  /** `fail` (proof) — the data: URL's payload is not base64url. */
  ENCODING_INVALID: 'MDOC_ENCODING_INVALID',
  /** `fail` (proof) — the mdoc is larger than the CBOR bound (checked on the text's length, before decoding). */
  TOO_LARGE: 'MDOC_TOO_LARGE',
  /** `fail` (status) — the index lies beyond the list (draft-ietf-oauth-status-list §8.3 step 6). */
  STATUS_INDEX_OUT_OF_RANGE: TOKEN_STATUS_QUERY_CODES.INDEX_OUT_OF_RANGE,
  STATUS_INVALID: JOSE_STATUS_CODES.STATUS_INVALID,
  STATUS_SUSPENDED: JOSE_STATUS_CODES.STATUS_SUSPENDED,
  STATUS_OTHER: JOSE_STATUS_CODES.STATUS_OTHER,
  STATUS_LIST_UNKNOWN: TOKEN_STATUS_QUERY_CODES.UNKNOWN,
  STATUS_LIST_EXPIRED: TOKEN_STATUS_QUERY_CODES.EXPIRED,
  /** `undetermined` (status) — lists are held at the uri, none signed under the mdoc's own IACA. */
  STATUS_LIST_NOT_BOUND: MDOC_STATUS_BINDING_CODES.LIST_NOT_BOUND,
  /** `undetermined` (status) — the chain reached no accredited IACA: no list can be bound. */
  STATUS_ISSUER_UNBOUND: MDOC_STATUS_BINDING_CODES.ISSUER_UNBOUND,
} as const;
const C = MDOC_CREDENTIAL_CODES;

/** What mdoc credential verification reads. */
export interface VerifyMdocCredentialOptions {
  view: TrustView;
  /** The clock, ms since the epoch. */
  now: number;
  /** The checks to run and report (VC-API `options.checks`); all by default. */
  checks?: readonly SelectableCheck[];
  /** CBOR SessionTranscript (or SessionTranscriptBytes, §9.1.5.1): enables device authentication. */
  sessionTranscript?: Uint8Array;
  /** The docType the verifier expects (picks the document of a DeviceResponse). */
  expectedDocType?: string;
  /** Parsed certificates and prepared anchors shared across calls. */
  cache?: CertificateVerificationCache;
  limits?: MdocLimits;
}

// Which mdoc checks make up each VC-API check.
const GROUPS: Readonly<Record<'proof' | 'issuer' | 'validity', readonly MdocCheckName[]>> = {
  proof: ['issuer-certificate', 'issuer-signature', 'digests', 'doctype', 'device-auth'],
  issuer: ['issuer-chain', 'issuing-country'],
  validity: ['validity'],
};

/**
 * The mdoc bytes' base64url text of a `data:application/mdoc;base64url,…` URL (the form issue 14
 * pins; RFC 2397's `;base64` is read too), or null for any other id.
 */
export function parseMdocCredentialId(id: string): { mediaType: typeof MDOC_MEDIA_TYPE; compact: string } | null {
  const match = /^data:application\/mdoc;(base64url|base64),([A-Za-z0-9_\-+/=]*)$/.exec(id);
  if (!match) return null;
  const text = match[2] as string;
  return { mediaType: MDOC_MEDIA_TYPE, compact: match[1] === 'base64' ? text.replace(/=+$/, '') : text };
}

/** Verifies an mdoc given as base64url (or base64) text or as its CBOR bytes. */
export function verifyMdocCredential(
  input: { compact: string } | Uint8Array,
  options: VerifyMdocCredentialOptions,
): VerificationResult {
  const { view, now } = options;
  const limits = options.limits ?? DEFAULT_MDOC_LIMITS;
  const requested = new Set(options.checks ?? SELECTABLE_CHECKS);
  const checksRun = SELECTABLE_CHECKS.filter((c) => requested.has(c));
  const checks: CheckResult[] = [];
  const warnings: string[] = [];
  const listsRead = new Map<string, JoseStatusListState>();
  const crls = new Map<string, CrlStamp>();
  const chainReads: ChainReads = { crls };
  const result = (): VerificationResult => {
    const asOf = asOfStamp(view, new Map(), now, listsRead);
    return {
      verified: checks.length > 0 && checks.every((c) => c.outcome === 'pass'),
      checks,
      checksRun,
      asOf: crls.size > 0 ? { ...asOf, crls: [...crls.values()] } : asOf,
      warnings,
    };
  };
  const proofFailure = (code: string, message: string) => {
    checks.push({ check: 'proof', outcome: 'fail', code, message, details: { format: 'mdoc' } });
    return result();
  };
  let bytes: Uint8Array;
  if (input instanceof Uint8Array) bytes = input;
  else {
    const text = input.compact;
    // [REJECT] the bound on the text's length: nothing of an oversized mdoc is decoded.
    if (text.length > Math.ceil(limits.maxBytes / 3) * 4 + 4) {
      return proofFailure(C.TOO_LARGE, `the mdoc is larger than ${limits.maxBytes} bytes`);
    }
    const normalised = text.replace(/\+/g, '-').replace(/\//g, '_');
    if (!/^[A-Za-z0-9_-]+$/.test(normalised)) return proofFailure(C.ENCODING_INVALID, 'the mdoc is not base64url');
    bytes = new Uint8Array(Buffer.from(normalised, 'base64url'));
  }
  let mdoc: ParsedMdoc;
  try {
    mdoc = readMdoc(bytes, limits);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return proofFailure(error.code, error.message);
  }
  const verification = verifyMdoc(mdoc, {
    atMs: now,
    validateChain: replicaChainValidator(view, chainReads, options.cache),
    ...(options.sessionTranscript ? { sessionTranscript: options.sessionTranscript } : {}),
    ...(options.expectedDocType ? { expectedDocType: options.expectedDocType } : {}),
    limits,
  });
  if (requested.has('proof')) checks.push(proofCheck(verification));
  if (verification.deviceAuth === 'not-requested') {
    warnings.push('device authentication was not requested (no session transcript): the holder was not authenticated');
  }
  if (requested.has('issuer')) checks.push(grouped('issuer', verification.checks, issuerMessage(verification)));
  if (requested.has('status')) checks.push(mdocStatusCheck(verification, view, now, listsRead, chainReads.anchor));
  if (requested.has('validity')) checks.push(grouped('validity', verification.checks, 'within validityInfo'));
  return result();
}

/** The deciding part of a group: a fail, else an undetermined (device auth not requested is neither). */
function grouped(check: 'proof' | 'issuer' | 'validity', all: readonly MdocCheck[], passMessage: string): CheckResult {
  const parts = all.filter((c) => GROUPS[check].includes(c.check));
  const counts = (c: MdocCheck) => c.code !== MDOC_CODES.DEVICE_AUTH_NOT_REQUESTED;
  const deciding =
    parts.find((c) => c.outcome === 'fail') ?? parts.find((c) => c.outcome === 'undetermined' && counts(c));
  const details = { format: 'mdoc', parts };
  if (!deciding) {
    const only = parts.length === 1 ? parts[0] : undefined;
    return { check, outcome: 'pass', message: only?.message ?? passMessage, details };
  }
  return {
    check,
    outcome: deciding.outcome,
    ...(deciding.code ? { code: deciding.code } : {}),
    message: `${deciding.check}: ${deciding.message}`,
    details,
  };
}

function proofCheck(v: MdocVerification): CheckResult {
  const device = v.deviceAuth === 'verified' ? 'device authenticated' : 'device authentication not requested';
  const check = grouped('proof', v.checks, `issuerAuth and every digest verify for ${v.docType}; ${device}`);
  return {
    ...check,
    details: {
      ...check.details,
      docType: v.docType,
      documentIndex: v.documentIndex,
      documentCount: v.documentCount,
      deviceAuth: v.deviceAuth,
      // Element names only, never their values (DESIGN.md Principles §3).
      disclosed: v.disclosed,
    },
  };
}

function issuerMessage(v: MdocVerification): string {
  return `issued under an IACA accredited for ${v.docType}${v.issuingCountry ? ` in ${v.issuingCountry}` : ''}`;
}
