/**
 * mdoc verification (ISO/IEC 18013-5 §9.3.1, issuer data authentication, and §9.1.3, device
 * authentication): a pure, synchronous function of the document, the time asked and the chain
 * validator the caller plugs in. Every check runs and is reported with its outcome and code. Element
 * values never leave this module: the result names the disclosed elements, not their values, so a
 * node never stores or logs a credential (DESIGN.md Principle 3). `issuing_country` is the exception:
 * it is issuer-level and scopes the chain (an IACA accredited for that jurisdiction).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { verifyCoseSign1 } from '../cose/cose-sign1.ts';
import { type ChainVerdict, MDOC_CODES, type MdocCheck, type ValidateChain } from './codes.ts';
import { checkDeviceAuth } from './device-auth.ts';
import { MDOC_DIGEST_ALGORITHMS, type MdocStatusReference } from './mso.ts';
import {
  DEFAULT_MDOC_LIMITS,
  type IssuerSignedItem,
  type MdocDocument,
  type MdocLimits,
  type ParsedMdoc,
} from './read-mdoc.ts';

/** Options of {@link verifyMdoc}. */
export interface VerifyMdocOptions {
  /** The time the mdoc is evaluated at (ms since the epoch). */
  atMs: number;
  /** RFC 5280 path validation of x5chain to an IACA accredited for docType × jurisdiction (the caller's). */
  validateChain: ValidateChain;
  /** CBOR SessionTranscript (or SessionTranscriptBytes): enables device authentication (§9.1.3). */
  sessionTranscript?: Uint8Array;
  /** The docType the verifier expects (picks the document of a DeviceResponse, and must match the MSO). */
  expectedDocType?: string;
  /** Bounds for the CBOR read during verification (session transcript); the read limits by default. */
  limits?: MdocLimits;
}

/** How device authentication ended. `not-requested` is never a pass. */
export type DeviceAuthState = 'verified' | 'not-requested' | 'failed' | 'unsupported';

/** The answer for one document. */
export interface MdocVerification {
  /** Every check passed, except device authentication when it was not requested (see `deviceAuth`). */
  verified: boolean;
  docType: string;
  /** Which document of the input was verified, of how many. */
  documentIndex: number;
  documentCount: number;
  checks: MdocCheck[];
  deviceAuth: DeviceAuthState;
  /** `issuing_country` (digest-verified element), else the DS certificate's countryName. */
  issuingCountry?: string;
  /** validityInfo (RFC 3339). */
  validity: { signed: string; validFrom: string; validUntil: string; expectedUpdate?: string };
  /** The MSO's status reference (draft-ietf-oauth-status-list §6.3), for the caller to read from its replica. */
  status?: MdocStatusReference;
  /** Names of the disclosed elements per namespace — never their values. */
  disclosed: Record<string, string[]>;
}

/** Verifies the document of `mdoc` with `expectedDocType`, else its first one. */
export function verifyMdoc(mdoc: ParsedMdoc, options: VerifyMdocOptions): MdocVerification {
  let index = options.expectedDocType ? mdoc.documents.findIndex((d) => d.docType === options.expectedDocType) : 0;
  if (index < 0) index = 0;
  const doc = mdoc.documents[index] as MdocDocument;
  return { ...verifyMdocDocument(doc, options), documentIndex: index, documentCount: mdoc.documents.length };
}

/** The DS certificate and what is read from it. */
interface DsCertificate {
  cert: X509Certificate;
  country?: string;
  notBeforeMs: number;
  notAfterMs: number;
}

function dsCertificate(der: Uint8Array): DsCertificate | null {
  try {
    const cert = new X509Certificate(der);
    // RFC 4514-style lines, one attribute each: "C=JP".
    const country = cert.subject
      .split('\n')
      .find((l) => l.startsWith('C='))
      ?.slice(2);
    return {
      cert,
      ...(country ? { country } : {}),
      notBeforeMs: Date.parse(cert.validFrom),
      notAfterMs: Date.parse(cert.validTo),
    };
  } catch {
    return null;
  }
}

/** Verifies one document: §9.3.1 steps in order, then device authentication. */
export function verifyMdocDocument(doc: MdocDocument, options: VerifyMdocOptions): MdocVerification {
  const { mso } = doc;
  const checks: MdocCheck[] = [];
  const x5chain = doc.issuerAuth.x5chain;
  const leaf = x5chain?.[0];
  const ds = leaf ? dsCertificate(leaf) : null;

  // §9.1.2.4: the DS certificate is the first of x5chain in issuerAuth's header.
  if (!leaf) checks.push(fail('issuer-certificate', MDOC_CODES.X5CHAIN_MISSING, 'issuerAuth carries no x5chain'));
  else if (!ds)
    checks.push(fail('issuer-certificate', MDOC_CODES.DS_CERTIFICATE_INVALID, 'the DS certificate does not parse'));
  else checks.push(pass('issuer-certificate', `DS certificate ${ds.cert.subject.replace(/\n/g, ', ')}`));

  const digests = checkDigests(doc);
  const element = digests.verified.find((i) => i.elementIdentifier === 'issuing_country')?.elementValue;
  const elementCountry = typeof element === 'string' ? element : undefined;
  const issuingCountry = elementCountry ?? ds?.country;

  // §9.3.1 step 1: the chain, by the caller's path validation to an accredited IACA.
  if (x5chain && ds) {
    const ctx = { docType: mso.docType, atMs: options.atMs, ...(issuingCountry ? { issuingCountry } : {}) };
    let verdict: ChainVerdict;
    try {
      verdict = options.validateChain(x5chain, ctx);
    } catch (e) {
      verdict = { outcome: 'undetermined', code: MDOC_CODES.CHAIN_CALLBACK_FAILED, message: (e as Error).message };
    }
    checks.push({
      check: 'issuer-chain',
      outcome: verdict.outcome,
      ...(verdict.code ? { code: verdict.code } : {}),
      message: verdict.message ?? `chain ${verdict.outcome}`,
      ...(verdict.details ? { details: verdict.details } : {}),
    });
    // §9.3.1 step 2: issuerAuth verifies with the DS certificate's key.
    const sig = verifyCoseSign1(doc.issuerAuth, ds.cert.publicKey);
    checks.push(
      sig.ok
        ? pass('issuer-signature', 'issuerAuth verifies with the DS certificate')
        : {
            ...fail('issuer-signature', MDOC_CODES.ISSUER_SIGNATURE_INVALID, sig.message),
            details: { coseCode: sig.code },
          },
    );
  } else {
    checks.push(fail('issuer-chain', MDOC_CODES.X5CHAIN_MISSING, 'no DS certificate to build a chain from'));
    checks.push(fail('issuer-signature', MDOC_CODES.X5CHAIN_MISSING, 'no DS certificate key to verify with'));
  }
  // §9.3.1 step 3: the digests (computed first: issuing_country is read from a verified element only).
  checks.push(digests.check);

  // §9.3.1 step 4: the MSO docType is the document's (and the one the verifier asked for).
  if (doc.docTypeDeclared && doc.docType !== mso.docType)
    checks.push(fail('doctype', MDOC_CODES.DOCTYPE_MISMATCH, `document says ${doc.docType}, MSO says ${mso.docType}`));
  else if (options.expectedDocType !== undefined && options.expectedDocType !== mso.docType)
    checks.push(
      fail('doctype', MDOC_CODES.DOCTYPE_MISMATCH, `expected ${options.expectedDocType}, MSO says ${mso.docType}`),
    );
  else checks.push(pass('doctype', mso.docType));

  checks.push(checkValidity(mso.validity, options.atMs, ds));

  // Annex B.1.2: issuing_country equals the DS certificate's countryName.
  if (elementCountry && ds?.country && elementCountry !== ds.country)
    checks.push(
      fail(
        'issuing-country',
        MDOC_CODES.COUNTRY_MISMATCH,
        `issuing_country ${elementCountry}, DS certificate C=${ds.country}`,
      ),
    );
  else
    checks.push(
      pass('issuing-country', issuingCountry ? `issuing country ${issuingCountry}` : 'no issuing country stated'),
    );

  const device = checkDeviceAuth(doc, options.sessionTranscript, options.limits ?? DEFAULT_MDOC_LIMITS);
  checks.push(device);
  const deviceAuth: DeviceAuthState =
    device.outcome === 'pass'
      ? 'verified'
      : device.code === MDOC_CODES.DEVICE_AUTH_NOT_REQUESTED
        ? 'not-requested'
        : device.outcome === 'undetermined'
          ? 'unsupported'
          : 'failed';

  // A Map, then own properties: a namespace called "__proto__" stays a plain key.
  const names = new Map<string, string[]>();
  for (const item of doc.items)
    names.set(item.namespace, [...(names.get(item.namespace) ?? []), item.elementIdentifier]);
  const disclosed: Record<string, string[]> = Object.fromEntries(names);
  const iso = (ms: number) => new Date(ms).toISOString();
  const v = mso.validity;
  return {
    verified: checks.every((c) => c.outcome === 'pass' || c.code === MDOC_CODES.DEVICE_AUTH_NOT_REQUESTED),
    docType: mso.docType,
    documentIndex: 0,
    documentCount: 1,
    checks,
    deviceAuth,
    ...(issuingCountry ? { issuingCountry } : {}),
    validity: {
      signed: iso(v.signedMs),
      validFrom: iso(v.validFromMs),
      validUntil: iso(v.validUntilMs),
      ...(v.expectedUpdateMs !== undefined ? { expectedUpdate: iso(v.expectedUpdateMs) } : {}),
    },
    ...(mso.status ? { status: mso.status } : {}),
    disclosed,
  };
}

/** §9.1.2.5 / §9.3.1 step 3: each item's digest over its IssuerSignedItemBytes is the MSO's. */
function checkDigests(doc: MdocDocument): { check: MdocCheck; verified: IssuerSignedItem[] } {
  const algorithm = MDOC_DIGEST_ALGORITHMS[doc.mso.digestAlgorithm] as string;
  const seen = new Set<string>();
  const verified: IssuerSignedItem[] = [];
  for (const item of doc.items) {
    const where = { namespace: item.namespace, digestID: item.digestID, elementIdentifier: item.elementIdentifier };
    const key = `${item.namespace}\u0000${item.digestID}`;
    if (seen.has(key))
      return {
        check: { ...fail('digests', MDOC_CODES.DIGEST_ID_DUPLICATE, 'digestID used twice'), details: where },
        verified: [],
      };
    seen.add(key);
    const expected = doc.mso.valueDigests.get(item.namespace)?.get(item.digestID);
    if (!expected)
      return {
        check: { ...fail('digests', MDOC_CODES.DIGEST_MISSING, 'no digest in the MSO'), details: where },
        verified: [],
      };
    const actual = createHash(algorithm).update(item.bytes).digest();
    if (!actual.equals(expected))
      return {
        check: {
          ...fail('digests', MDOC_CODES.DIGEST_MISMATCH, `${item.elementIdentifier} was altered`),
          details: where,
        },
        verified: [],
      };
    verified.push(item);
  }
  return { check: pass('digests', `${verified.length} items match the MSO (${doc.mso.digestAlgorithm})`), verified };
}

/** §9.3.1 step 5: validFrom ≤ at ≤ validUntil, and `signed` within the DS certificate's validity. */
function checkValidity(v: MdocDocument['mso']['validity'], atMs: number, ds: DsCertificate | null): MdocCheck {
  const iso = (ms: number) => new Date(ms).toISOString();
  if (atMs < v.validFromMs) return fail('validity', MDOC_CODES.NOT_YET_VALID, `valid from ${iso(v.validFromMs)}`);
  if (atMs > v.validUntilMs) return fail('validity', MDOC_CODES.EXPIRED, `expired at ${iso(v.validUntilMs)}`);
  if (ds && (v.signedMs < ds.notBeforeMs || v.signedMs > ds.notAfterMs))
    return fail(
      'validity',
      MDOC_CODES.SIGNED_OUTSIDE_CERTIFICATE,
      `signed ${iso(v.signedMs)} outside the DS certificate`,
    );
  return pass('validity', `valid ${iso(v.validFromMs)} … ${iso(v.validUntilMs)}`);
}

function pass(check: MdocCheck['check'], message: string): MdocCheck {
  return { check, outcome: 'pass', message };
}

function fail(check: MdocCheck['check'], code: string, message: string): MdocCheck {
  return { check, outcome: 'fail', code, message };
}
