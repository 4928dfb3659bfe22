/**
 * readCrl: a CertificateList (RFC 5280 §5.1) decoded with bounded memory. `readCrlHeader` reads
 * everything but the entries (cheap: the revokedCertificates TLV is skipped by its length), so the
 * signature can be checked before the entries cost anything; `readCrl` then decodes the entries
 * straight into a {@link CompactSerialIndex} (the only per-entry allocation).
 *
 *     CertificateList ::= SEQUENCE { tbsCertList TBSCertList, signatureAlgorithm AlgorithmIdentifier,
 *                                    signatureValue BIT STRING }
 *     TBSCertList ::= SEQUENCE { version Version OPTIONAL, signature AlgorithmIdentifier, issuer Name,
 *                     thisUpdate Time, nextUpdate Time OPTIONAL, revokedCertificates SEQUENCE OF … OPTIONAL,
 *                     crlExtensions [0] EXPLICIT Extensions OPTIONAL }
 *
 * `ParsedCrl` holds views of the input (`der`, `tbs`, `signature`); its kept metadata (issuer, key
 * identifier, issuingDistributionPoint) are copies, so a held CRL built from it does not pin the DER.
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { outcomeOf, type ValidationOutcome } from '../../errors.ts';
import { CRL_CODES, crlReject } from './codes.ts';
import { RevokedEntriesDecoder, readRevokedEntries } from './crl-entries.ts';
import { readCrlExtensions } from './crl-extensions.ts';
import { bytesEqual, copyOf, DEFAULT_MAX_DER_DEPTH, DER_TAG, DerReader, oidToString } from './der-reader.ts';
import { readTime } from './der-time.ts';
import { nameToRfc4514 } from './rfc4514.ts';
import type { CompactSerialIndex } from './serial-index.ts';

/** Bounds on one CRL's decoding. None can be switched off. */
export interface CrlLimits {
  /** Largest DER accepted (issue 14: national CRLs, ≥ 64 MiB). */
  maxBytes: number;
  /** Most revoked entries. */
  maxEntries: number;
  /** Longest canonical serial (RFC 5280 §4.1.2.2 allows 20; some CAs exceed it). At most 255. */
  maxSerialBytes: number;
  /** Deepest DER nesting. */
  maxDepth: number;
  /** Most CRL extensions. */
  maxExtensions: number;
  /** Most extensions per entry. */
  maxEntryExtensions: number;
  /** Most URIs noted from freshestCRL. */
  maxUris: number;
}

/** Defaults: 128 MiB holds ~3 million entries with reasons; the entry cap bounds the index at ~170 MB. */
export const DEFAULT_CRL_LIMITS: CrlLimits = {
  maxBytes: 128 * 1024 * 1024,
  maxEntries: 8_000_000,
  maxSerialBytes: 32,
  maxDepth: DEFAULT_MAX_DER_DEPTH,
  maxExtensions: 32,
  maxEntryExtensions: 8,
  maxUris: 16,
};

/** An AlgorithmIdentifier (RFC 5280 §4.1.1.2). */
export interface AlgorithmIdentifier {
  /** Dotted OID. */
  oid: string;
  /** The parameters TLV (a view), null when absent. */
  parameters: Uint8Array | null;
}

/** Everything of a CRL but its entries: what signature checking and scoping need. */
export interface CrlHeader {
  /** The whole input (a view). */
  der: Uint8Array;
  /** SHA-256 of `der`, hex. */
  digest: string;
  /** The TBSCertList TLV: the signed bytes (RFC 5280 §5.1.1.1; a view). */
  tbs: Uint8Array;
  /** SHA-256 of `tbs`, hex: the signed content (a re-encoded signature does not change it). */
  tbsDigest: string;
  /** RFC 5280 §5.1.1.2 (equal to TBSCertList.signature, §5.1.2.2). */
  signatureAlgorithm: AlgorithmIdentifier;
  /** RFC 5280 §5.1.1.3: the signature octets (a view). */
  signature: Uint8Array;
  /** RFC 5280 §5.1.2.3: the issuer Name, DER (a copy). */
  issuer: Uint8Array;
  /** The issuer as an RFC 4514 string. */
  issuerName: string;
  /** RFC 5280 §5.1.2.4, ms since the epoch. */
  thisUpdateMs: number;
  /** RFC 5280 §5.1.2.5, ms since the epoch; null when absent. */
  nextUpdateMs: number | null;
  /** RFC 5280 §5.2.3. */
  crlNumber: bigint;
  /** RFC 5280 §5.2.4: BaseCRLNumber; non-null makes this a delta CRL. */
  baseCrlNumber: bigint | null;
  /** RFC 5280 §5.2.1 keyIdentifier (a copy). */
  authorityKeyIdentifier: Uint8Array | null;
  /** RFC 5280 §5.2.5 extnValue (a copy): with the issuer, the CRL's scope. */
  issuingDistributionPoint: Uint8Array | null;
  /** RFC 5280 §5.2.6: where deltas of this CRL are published. */
  freshestCrl: { uris: string[] } | null;
  /** Number of revoked entries (counted when the entries are read; -1 in a header alone). */
  entryCount: number;
  /** Offsets of revokedCertificates' contents in `der` (empty range when absent), and its depth. */
  entriesRange: { start: number; end: number; depth: number };
}

/** A decoded CRL: its header and its entries as a compact index. */
export interface ParsedCrl extends CrlHeader {
  /** The revoked serials, sorted (for a delta: its changes, reason 8 = removeFromCRL). */
  entries: CompactSerialIndex;
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function readAlgorithm(r: DerReader, field: string): { id: AlgorithmIdentifier; tlv: Uint8Array } {
  const seq = r.enter(DER_TAG.SEQUENCE, field);
  const tlv = r.tlv();
  seq.expect(DER_TAG.OID, `${field}.algorithm`);
  const oid = oidToString(seq.bytes, seq.valueStart, seq.valueEnd, `${field}.algorithm`);
  let parameters: Uint8Array | null = null;
  if (seq.hasMore()) {
    seq.next(`${field}.parameters`);
    parameters = seq.tlv();
  }
  seq.finish(field);
  return { id: { oid, parameters }, tlv };
}

/** Reads a CRL without its entries (throws a `reject` ValidationError of {@link CRL_CODES}). */
export function readCrlHeader(bytes: Uint8Array, limits: CrlLimits = DEFAULT_CRL_LIMITS): CrlHeader {
  // [REJECT] bounded decoding: the size is checked before anything is read.
  if (bytes.length > limits.maxBytes) {
    throw crlReject(CRL_CODES.TOO_LARGE, undefined, `CRL of ${bytes.length} bytes exceeds ${limits.maxBytes}`);
  }
  const top = new DerReader(bytes, 0, bytes.length, 0, limits.maxDepth);
  const certList = top.enter(DER_TAG.SEQUENCE, 'certificateList');
  top.finish('certificateList');
  const tbsR = certList.enter(DER_TAG.SEQUENCE, 'tbsCertList');
  const tbs = certList.tlv();
  const outer = readAlgorithm(certList, 'signatureAlgorithm');
  const signature = certList.readOctetAlignedBitString('signatureValue');
  certList.finish('certificateList');

  // [REJECT] RFC 5280 §5.1.2.1: version, when present, MUST be v2; we need v2's extensions (cRLNumber).
  if (tbsR.peekTag() !== DER_TAG.INTEGER) {
    throw crlReject(CRL_CODES.VERSION_UNSUPPORTED, 'tbsCertList.version', 'a v1 CRL (no version field)');
  }
  tbsR.expect(DER_TAG.INTEGER, 'tbsCertList.version');
  if (tbsR.valueEnd - tbsR.valueStart !== 1 || bytes[tbsR.valueStart] !== 1) {
    throw crlReject(CRL_CODES.VERSION_UNSUPPORTED, 'tbsCertList.version', 'version is not v2 (1)');
  }
  const inner = readAlgorithm(tbsR, 'tbsCertList.signature');
  // [REJECT] RFC 5280 §5.1.1.2: signatureAlgorithm MUST contain the same identifier as TBSCertList.signature.
  if (!bytesEqual(inner.tlv, outer.tlv)) {
    throw crlReject(CRL_CODES.SIGNATURE_ALGORITHM_MISMATCH, 'signatureAlgorithm', 'differs from tbsCertList.signature');
  }
  tbsR.expect(DER_TAG.SEQUENCE, 'tbsCertList.issuer');
  // [REJECT] RFC 5280 §5.1.2.3: the issuer field MUST contain a non-empty distinguished name.
  if (tbsR.valueEnd === tbsR.valueStart)
    throw crlReject(CRL_CODES.MALFORMED, 'tbsCertList.issuer', 'empty issuer name');
  const issuer = copyOf(tbsR.tlv());
  const issuerName = nameToRfc4514(issuer, limits.maxDepth);
  const thisUpdateMs = readTime(tbsR, 'tbsCertList.thisUpdate');
  let nextUpdateMs: number | null = null;
  const t = tbsR.peekTag();
  if (t === DER_TAG.UTC_TIME || t === DER_TAG.GENERALIZED_TIME) nextUpdateMs = readTime(tbsR, 'tbsCertList.nextUpdate');
  let entriesRange = { start: 0, end: 0, depth: tbsR.depth + 1 };
  if (tbsR.optional(DER_TAG.SEQUENCE, 'tbsCertList.revokedCertificates')) {
    entriesRange = { start: tbsR.valueStart, end: tbsR.valueEnd, depth: tbsR.depth + 1 };
  }
  // [REJECT] RFC 5280 §5.1.2.7 and §5.2.3: a v2 CRL we can order has crlExtensions with a cRLNumber.
  if (tbsR.peekTag() !== 0xa0)
    throw crlReject(CRL_CODES.NUMBER_MISSING, 'tbsCertList.crlExtensions', 'no crlExtensions');
  const explicit = tbsR.enter(0xa0, 'tbsCertList.crlExtensions');
  const exts = explicit.enter(DER_TAG.SEQUENCE, 'tbsCertList.crlExtensions');
  explicit.finish('tbsCertList.crlExtensions');
  tbsR.finish('tbsCertList');
  const extensions = readCrlExtensions(exts, limits);
  if (extensions.baseCrlNumber !== null && extensions.baseCrlNumber >= extensions.crlNumber) {
    // [REJECT] RFC 5280 §5.2.4: a delta's number is greater than the number of its base.
    throw crlReject(CRL_CODES.NUMBER_INVALID, 'tbsCertList.crlExtensions', 'BaseCRLNumber is not below the cRLNumber');
  }
  const header: CrlHeader = {
    der: bytes,
    digest: '',
    tbs,
    tbsDigest: '',
    signatureAlgorithm: outer.id,
    signature,
    issuer,
    issuerName,
    thisUpdateMs,
    nextUpdateMs,
    ...extensions,
    entryCount: -1,
    entriesRange,
  };
  return withLazyDigests(header);
}

/** Decodes the entries of a header read by {@link readCrlHeader} (from the same bytes). */
export function readCrlEntries(header: CrlHeader, limits: CrlLimits = DEFAULT_CRL_LIMITS): ParsedCrl {
  const { start, end, depth } = header.entriesRange;
  const entries = readRevokedEntries(
    header.der,
    start,
    end,
    depth,
    limits.maxDepth,
    header.baseCrlNumber !== null,
    limits,
  );
  return withEntries(header, entries);
}

/** How {@link readCrlEntriesAsync} gives the event loop a turn. */
export interface YieldingOptions {
  /** Entries decoded (or sorted) between two turns (default 32,768: ~15–30 ms of work). */
  chunk?: number;
  /** Resolves on the event loop's next turn (the registry passes `setImmediate` of node:timers/promises). */
  pause: () => Promise<unknown>;
}

/**
 * {@link readCrlEntries} that awaits `pause()` after every `chunk` entries of decoding, sorting and
 * packing, so a million-entry CRL (about a second of work) never holds the event loop for more than
 * a step. The DER must not change until it resolves.
 */
export async function readCrlEntriesAsync(
  header: CrlHeader,
  options: YieldingOptions,
  limits: CrlLimits = DEFAULT_CRL_LIMITS,
): Promise<ParsedCrl> {
  const chunk = options.chunk ?? 32_768;
  const { start, end, depth } = header.entriesRange;
  const decoder = new RevokedEntriesDecoder(
    header.der,
    start,
    end,
    depth,
    limits.maxDepth,
    header.baseCrlNumber !== null,
    limits,
  );
  while (!decoder.step(chunk)) await options.pause();
  const steps = decoder.buildSteps(chunk);
  for (;;) {
    const r = steps.next();
    if (r.done) return withEntries(header, r.value);
    await options.pause();
  }
}

/**
 * `digest` and `tbsDigest` hashed on first read, then kept: a CRL of 128 MiB costs ~90 ms a hash,
 * and admission reads its signer (by name, cheap) before anything is hashed — a CRL naming no
 * accredited CA is refused without one (DESIGN.md, Admission: cheap checks first).
 */
function withLazyDigests(header: CrlHeader): CrlHeader {
  let digest: string | null = null;
  let tbsDigest: string | null = null;
  return Object.defineProperties(header, {
    digest: { enumerable: true, get: () => (digest ??= sha256Hex(header.der)) },
    tbsDigest: { enumerable: true, get: () => (tbsDigest ??= sha256Hex(header.tbs)) },
  });
}

/** The header with its entries, its lazy digests kept lazy (a spread would hash both at once). */
function withEntries(header: CrlHeader, entries: CompactSerialIndex): ParsedCrl {
  const parsed = Object.defineProperties({}, Object.getOwnPropertyDescriptors(header)) as ParsedCrl;
  parsed.entryCount = entries.count;
  parsed.entries = entries;
  return parsed;
}

/** Reads a whole CRL (throws a `reject` ValidationError of {@link CRL_CODES} when it is not one). */
export function readCrl(bytes: Uint8Array, limits: CrlLimits = DEFAULT_CRL_LIMITS): ParsedCrl {
  return readCrlEntries(readCrlHeader(bytes, limits), limits);
}

/** {@link readCrl} as an outcome, for pipelines that do not throw. */
export function tryReadCrl(bytes: Uint8Array, limits: CrlLimits = DEFAULT_CRL_LIMITS): ValidationOutcome<ParsedCrl> {
  try {
    return { status: 'accept', value: readCrl(bytes, limits) };
  } catch (error) {
    return outcomeOf(error);
  }
}

/** The DER of a PEM `X509 CRL` block (RFC 7468 §6), or null when there is none. */
export function crlDerFromPem(pem: string): Uint8Array | null {
  const m = /-----BEGIN X509 CRL-----([A-Za-z0-9+/=\s]+)-----END X509 CRL-----/.exec(pem);
  if (!m) return null;
  return new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}
