/**
 * The crlExtensions of a CertificateList (RFC 5280 §5.2): cRLNumber (§5.2.3), authorityKeyIdentifier
 * (§5.2.1), deltaCRLIndicator (§5.2.4), issuingDistributionPoint (§5.2.5), freshestCRL (§5.2.6).
 * Anything else is skipped unless marked critical (§5.2: a critical extension this reader does not
 * know rejects the CRL). Kept values are copies, so a held CRL does not pin the DER.
 */
import { CRL_CODES, crlReject } from './codes.ts';
import { copyOf, DER_TAG, DerReader, derInvalid } from './der-reader.ts';

/** What the CRL-level extensions say. */
export interface CrlExtensions {
  /** RFC 5280 §5.2.3 cRLNumber. */
  crlNumber: bigint;
  /** RFC 5280 §5.2.4 BaseCRLNumber of a delta CRL; null for a complete CRL. */
  baseCrlNumber: bigint | null;
  /** RFC 5280 §5.2.1 keyIdentifier (a copy), null when absent. */
  authorityKeyIdentifier: Uint8Array | null;
  /** RFC 5280 §5.2.5 extnValue of issuingDistributionPoint (DER, a copy): part of the CRL's scope. */
  issuingDistributionPoint: Uint8Array | null;
  /** RFC 5280 §5.2.6 freshestCRL: where deltas are published (URIs of fullName), null when absent. */
  freshestCrl: { uris: string[] } | null;
}

/** Limits the extension reader applies. */
export interface ExtensionLimits {
  maxExtensions: number;
  maxUris: number;
}

const OID = {
  CRL_NUMBER: '2.5.29.20',
  DELTA_CRL_INDICATOR: '2.5.29.27',
  AUTHORITY_KEY_IDENTIFIER: '2.5.29.35',
  ISSUING_DISTRIBUTION_POINT: '2.5.29.28',
  FRESHEST_CRL: '2.5.29.46',
} as const;

/** Reads one Extension (RFC 5280 §4.1): extnID, critical DEFAULT FALSE, extnValue. */
export function readExtension(
  exts: DerReader,
  field: string,
  into: DerReader,
): { oid: string; critical: boolean; valueStart: number; valueEnd: number } {
  const ext = exts.enter(DER_TAG.SEQUENCE, field, into);
  const oid = ext.readOid(`${field}.extnID`);
  // DER omits a DEFAULT FALSE (X.690 §11.5); an explicit FALSE is tolerated, as most readers do.
  const critical = ext.peekTag() === DER_TAG.BOOLEAN ? ext.readBoolean(`${field}.critical`) : false;
  ext.expect(DER_TAG.OCTET_STRING, `${field}.extnValue`);
  const valueStart = ext.valueStart;
  const valueEnd = ext.valueEnd;
  ext.finish(field);
  return { oid, critical, valueStart, valueEnd };
}

/** A reader over the DER inside an extnValue (two levels below the extensions SEQUENCE). */
export function octetStringReader(exts: DerReader, start: number, end: number, field: string): DerReader {
  const depth = exts.depth + 2;
  if (depth > exts.maxDepth) throw crlReject(CRL_CODES.DER_TOO_DEEP, field, `nesting deeper than ${exts.maxDepth}`);
  return new DerReader(exts.bytes, start, end, depth, exts.maxDepth);
}

/** Reads the SEQUENCE OF Extension inside crlExtensions [0]. */
export function readCrlExtensions(exts: DerReader, limits: ExtensionLimits): CrlExtensions {
  const field = 'tbsCertList.crlExtensions';
  const seen = new Set<string>();
  const out: CrlExtensions = {
    crlNumber: -1n,
    baseCrlNumber: null,
    authorityKeyIdentifier: null,
    issuingDistributionPoint: null,
    freshestCrl: null,
  };
  const scratch = new DerReader(exts.bytes, 0, 0, exts.depth, exts.maxDepth);
  while (exts.hasMore()) {
    if (seen.size >= limits.maxExtensions) {
      throw crlReject(CRL_CODES.TOO_LARGE, field, `more than ${limits.maxExtensions} extensions`);
    }
    const { oid, critical, valueStart, valueEnd } = readExtension(exts, field, scratch);
    // [REJECT] RFC 5280 §4.2: a CRL MUST NOT include more than one instance of an extension.
    if (seen.has(oid)) throw crlReject(CRL_CODES.DUPLICATE_EXTENSION, `${field}.${oid}`, 'extension appears twice');
    seen.add(oid);
    const at = `${field}.${oid}`;
    const value = octetStringReader(exts, valueStart, valueEnd, at);
    switch (oid) {
      case OID.CRL_NUMBER:
        out.crlNumber = readCrlNumber(value, at);
        break;
      case OID.DELTA_CRL_INDICATOR:
        // [REJECT] RFC 5280 §5.2.4: deltaCRLIndicator is a critical extension.
        if (!critical) throw crlReject(CRL_CODES.MALFORMED, at, 'deltaCRLIndicator must be critical');
        out.baseCrlNumber = readCrlNumber(value, at);
        break;
      case OID.AUTHORITY_KEY_IDENTIFIER:
        out.authorityKeyIdentifier = readAuthorityKeyIdentifier(value, at);
        break;
      case OID.ISSUING_DISTRIBUTION_POINT:
        checkIssuingDistributionPoint(value, at);
        out.issuingDistributionPoint = copyOf(exts.bytes.subarray(valueStart, valueEnd));
        break;
      case OID.FRESHEST_CRL:
        out.freshestCrl = { uris: readDistributionPointUris(value, at, limits.maxUris) };
        break;
      default:
        // [REJECT] RFC 5280 §5.2: an unrecognised critical CRL extension makes the CRL unusable.
        if (critical) throw crlReject(CRL_CODES.UNKNOWN_CRITICAL_EXTENSION, at, 'unknown critical CRL extension');
    }
  }
  // [REJECT] RFC 5280 §5.2.3: conforming CRL issuers MUST include the CRL number; it is our version order.
  if (out.crlNumber < 0n) throw crlReject(CRL_CODES.NUMBER_MISSING, field, 'no cRLNumber extension');
  return out;
}

/** CRLNumber ::= INTEGER (0..MAX), at most 20 octets (RFC 5280 §5.2.3). */
function readCrlNumber(value: DerReader, field: string): bigint {
  value.expect(DER_TAG.INTEGER, field);
  const negative = value.checkInteger(field);
  value.finish(field);
  let s = value.valueStart;
  if (value.bytes[s] === 0 && value.valueEnd - s > 1) s++;
  // [REJECT] RFC 5280 §5.2.3: non-negative, and CRL issuers MUST NOT use values longer than 20 octets.
  if (negative || value.valueEnd - s > 20)
    throw crlReject(CRL_CODES.NUMBER_INVALID, field, 'negative or longer than 20 octets');
  let n = 0n;
  for (let p = s; p < value.valueEnd; p++) n = (n << 8n) | BigInt(value.bytes[p]!);
  return n;
}

/** AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] OPTIONAL, authorityCertIssuer [1], authorityCertSerialNumber [2] }. */
function readAuthorityKeyIdentifier(value: DerReader, field: string): Uint8Array | null {
  const seq = value.enter(DER_TAG.SEQUENCE, field);
  value.finish(field);
  let keyId: Uint8Array | null = null;
  if (seq.optional(0x80, `${field}.keyIdentifier`)) keyId = copyOf(seq.value());
  // RFC 5280 §4.2.1.1: authorityCertIssuer and authorityCertSerialNumber are read past, not kept.
  seq.optional(0xa1, `${field}.authorityCertIssuer`);
  seq.optional(0x82, `${field}.authorityCertSerialNumber`);
  seq.finish(field);
  return keyId;
}

/**
 * IssuingDistributionPoint (RFC 5280 §5.2.5): distributionPoint [0], onlyContainsUserCerts [1],
 * onlyContainsCACerts [2], onlySomeReasons [3], indirectCRL [4], onlyContainsAttributeCerts [5].
 */
function checkIssuingDistributionPoint(value: DerReader, field: string): void {
  const seq = value.enter(DER_TAG.SEQUENCE, field);
  value.finish(field);
  seq.optional(0xa0, `${field}.distributionPoint`);
  for (const tag of [0x81, 0x82]) if (seq.optional(tag, field)) seq.booleanValue(field);
  // [REJECT] RFC 5280 §5.2.5: a partitioned-by-reason CRL answers for some reasons only; we do not combine them.
  if (seq.optional(0x83, `${field}.onlySomeReasons`)) {
    throw crlReject(
      CRL_CODES.IDP_UNSUPPORTED,
      `${field}.onlySomeReasons`,
      'CRLs partitioned by reason are not supported',
    );
  }
  // [REJECT] RFC 5280 §5.2.5 / §5.3.3: indirect CRLs list other issuers' certificates; not supported.
  if (seq.optional(0x84, `${field}.indirectCRL`) && seq.booleanValue(`${field}.indirectCRL`)) {
    throw crlReject(CRL_CODES.IDP_UNSUPPORTED, `${field}.indirectCRL`, 'indirect CRLs are not supported');
  }
  if (seq.optional(0x85, field)) seq.booleanValue(field);
  seq.finish(field);
}

/** URIs of CRLDistributionPoints syntax (freshestCRL, RFC 5280 §4.2.1.13/§5.2.6): distributionPoint [0] → fullName [0] → URI [6]. */
function readDistributionPointUris(value: DerReader, field: string, maxUris: number): string[] {
  const uris: string[] = [];
  const seq = value.enter(DER_TAG.SEQUENCE, field);
  value.finish(field);
  while (seq.hasMore()) {
    const dp = seq.enter(DER_TAG.SEQUENCE, `${field}.distributionPoint`);
    if (dp.optional(0xa0, `${field}.distributionPoint`)) {
      const name = dp.child(field);
      if (name.optional(0xa0, `${field}.fullName`)) {
        const names = name.child(field);
        while (names.hasMore()) {
          if (names.next(`${field}.fullName`) !== 0x86) continue;
          if (uris.length >= maxUris) throw crlReject(CRL_CODES.TOO_LARGE, field, `more than ${maxUris} URIs`);
          uris.push(new TextDecoder('latin1').decode(names.value()));
        }
      } else if (!name.optional(0xa1, `${field}.nameRelativeToCRLIssuer`)) {
        throw derInvalid(field, 'DistributionPointName is neither fullName nor nameRelativeToCRLIssuer');
      }
      name.finish(field);
    }
    // reasons [1] and cRLIssuer [2] are read past: a delta's location is all we note.
    while (dp.hasMore()) dp.next(field);
  }
  return uris;
}
