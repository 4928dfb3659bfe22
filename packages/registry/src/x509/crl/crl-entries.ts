/**
 * revokedCertificates (RFC 5280 §5.1.2.6) decoded straight into a {@link CompactSerialIndex}: no JS
 * object per entry. A first pass counts the entries (headers only), a second fills the builder's typed
 * arrays; the readers are reused, so the loop allocates nothing per entry. Entry extensions (§5.3):
 * reasonCode (§5.3.1), invalidityDate (§5.3.2, checked and not kept), certificateIssuer (§5.3.3,
 * rejected: indirect CRLs are not supported); any other critical entry extension rejects the CRL.
 */
import { CRL_CODES, crlReject } from './codes.ts';
import { bytesEqualAt, DER_TAG, DerReader } from './der-reader.ts';
import { timeValue } from './der-time.ts';
import { type CompactSerialIndex, CRL_REASON, REASON_NONE } from './serial-index.ts';
import { SerialIndexBuilder } from './serial-index-builder.ts';

/** Limits of the entry decoder. */
export interface EntryLimits {
  maxEntries: number;
  maxSerialBytes: number;
  maxEntryExtensions: number;
}

// extnID contents of the entry extensions (2.5.29.21, .24, .29).
const REASON_CODE = new Uint8Array([0x55, 0x1d, 0x15]);
const INVALIDITY_DATE = new Uint8Array([0x55, 0x1d, 0x18]);
const CERTIFICATE_ISSUER = new Uint8Array([0x55, 0x1d, 0x1d]);
const MAX_SECONDS = 2 ** 32 - 1;
// Field names as constants: the loop runs a million times and must not build strings.
const LIST = 'tbsCertList.revokedCertificates';
const SERIAL = `${LIST}.userCertificate`;
const DATE = `${LIST}.revocationDate`;
const EXTS = `${LIST}.crlEntryExtensions`;
const EXTN_ID = `${EXTS}.extnID`;
const CRITICAL = `${EXTS}.critical`;
const EXTN_VALUE = `${EXTS}.extnValue`;
const REASON = `${EXTS}.reasonCode`;
const INVALIDITY = `${EXTS}.invalidityDate`;

/**
 * Decodes the contents of the revokedCertificates SEQUENCE (`der[start..end)`, at `depth`) into an
 * index. `isDelta`: removeFromCRL (8) is allowed only in a delta CRL (RFC 5280 §5.3.1).
 */
export function readRevokedEntries(
  der: Uint8Array,
  start: number,
  end: number,
  depth: number,
  maxDepth: number,
  isDelta: boolean,
  limits: EntryLimits,
): CompactSerialIndex {
  const decoder = new RevokedEntriesDecoder(der, start, end, depth, maxDepth, isDelta, limits);
  while (!decoder.step(Number.POSITIVE_INFINITY));
  return decoder.build();
}

/**
 * {@link readRevokedEntries} in steps, so a caller can give the event loop a turn between them (a
 * national CRL of a million entries decodes in about a second): a first pass counts the entries
 * (headers only), a second fills the builder's typed arrays, then {@link build} sorts and packs them.
 * The readers are reused, so the loop allocates nothing per entry.
 */
export class RevokedEntriesDecoder {
  private readonly list: DerReader;
  private readonly entry: DerReader;
  private readonly exts: DerReader;
  private readonly ext: DerReader;
  private builder: SerialIndexBuilder | null = null;
  private n = 0;
  private filled = 0;

  constructor(
    private readonly der: Uint8Array,
    private readonly start: number,
    end: number,
    depth: number,
    maxDepth: number,
    private readonly isDelta: boolean,
    private readonly limits: EntryLimits,
  ) {
    this.list = new DerReader(der, start, end, depth, maxDepth);
    this.entry = new DerReader(der, 0, 0, depth, maxDepth);
    this.exts = new DerReader(der, 0, 0, depth, maxDepth);
    this.ext = new DerReader(der, 0, 0, depth, maxDepth);
  }

  /** Works through at most `budget` entries (of the count pass, then of the fill pass); true once both are done. */
  step(budget: number): boolean {
    const { list, limits } = this;
    if (this.builder === null) {
      let k = 0;
      while (k < budget && list.hasMore()) {
        list.expect(DER_TAG.SEQUENCE, LIST);
        // [REJECT] bounded decoding: the entry count is capped before anything is allocated for it.
        if (++this.n > limits.maxEntries)
          throw crlReject(CRL_CODES.TOO_LARGE, LIST, `more than ${limits.maxEntries} entries`);
        k++;
      }
      if (list.hasMore()) return false;
      this.builder = new SerialIndexBuilder(this.n);
      list.pos = this.start;
      return this.n === 0;
    }
    const stop = Math.min(this.n, this.filled + budget);
    for (let i = this.filled; i < stop; i++) this.decodeOne();
    this.filled = stop;
    return stop === this.n;
  }

  /** The index of every entry decoded (call once {@link step} returned true). */
  build(): CompactSerialIndex {
    return this.done().build();
  }

  /** {@link build} in steps (see SerialIndexBuilder.buildSteps). */
  buildSteps(chunk: number): Generator<void, CompactSerialIndex, void> {
    return this.done().buildSteps(chunk);
  }

  private done(): SerialIndexBuilder {
    if (this.builder === null || this.filled !== this.n) throw new RangeError('RevokedEntriesDecoder: not done');
    return this.builder;
  }

  private decodeOne(): void {
    const { der, list, entry, limits } = this;
    list.next(LIST);
    list.child(LIST, entry);
    entry.expect(DER_TAG.INTEGER, SERIAL);
    entry.checkInteger(SERIAL);
    const serialStart = entry.valueStart;
    const serialEnd = entry.valueEnd;
    let s = serialStart;
    while (s < serialEnd - 1 && der[s] === 0) s++;
    // [REJECT] RFC 5280 §4.1.2.2: serials are at most 20 octets; the limit tolerates some excess, no more.
    if (serialEnd - s > limits.maxSerialBytes) {
      throw crlReject(CRL_CODES.SERIAL_INVALID, SERIAL, `serial longer than ${limits.maxSerialBytes} octets`);
    }
    const tag = entry.next(DATE);
    const ms = timeValue(der, tag, entry.valueStart, entry.valueEnd, DATE);
    const seconds = ms / 1000;
    if (seconds < 0 || seconds > MAX_SECONDS) {
      throw crlReject(CRL_CODES.TIME_INVALID, DATE, 'revocationDate outside 1970–2106');
    }
    let reason = REASON_NONE;
    if (entry.hasMore())
      reason = readEntryExtensions(entry, this.exts, this.ext, this.isDelta, limits.maxEntryExtensions);
    entry.finish(LIST);
    this.builder!.add(der, serialStart, serialEnd, reason, seconds);
  }
}

/** crlEntryExtensions of one entry; returns its reason octet. */
function readEntryExtensions(
  entry: DerReader,
  exts: DerReader,
  ext: DerReader,
  isDelta: boolean,
  maxExtensions: number,
): number {
  const field = EXTS;
  const der = entry.bytes;
  entry.enter(DER_TAG.SEQUENCE, field, exts);
  let reason = REASON_NONE;
  let seen = 0;
  let count = 0;
  while (exts.hasMore()) {
    if (++count > maxExtensions)
      throw crlReject(CRL_CODES.TOO_LARGE, field, `more than ${maxExtensions} entry extensions`);
    exts.enter(DER_TAG.SEQUENCE, field, ext);
    ext.expect(DER_TAG.OID, EXTN_ID);
    const oidStart = ext.valueStart;
    const oidEnd = ext.valueEnd;
    const critical = ext.peekTag() === DER_TAG.BOOLEAN ? ext.readBoolean(CRITICAL) : false;
    ext.expect(DER_TAG.OCTET_STRING, EXTN_VALUE);
    const vs = ext.valueStart;
    const ve = ext.valueEnd;
    ext.finish(field);
    let bit = 0;
    if (bytesEqualAt(der, oidStart, oidEnd, REASON_CODE)) {
      bit = 1;
      // reasonCode ::= CRLReason, an ENUMERATED of one octet for every defined value.
      if (ve - vs !== 3 || der[vs] !== DER_TAG.ENUMERATED || der[vs + 1] !== 1) {
        throw crlReject(CRL_CODES.REASON_INVALID, REASON, 'reasonCode is not an ENUMERATED of one octet');
      }
      reason = der[vs + 2]!;
      // [REJECT] RFC 5280 §5.3.1: values 0..10, 7 is not used.
      if (reason > 10 || reason === 7) {
        throw crlReject(CRL_CODES.REASON_INVALID, REASON, `reasonCode ${reason} is not a CRLReason`);
      }
      // [REJECT] RFC 5280 §5.3.1: removeFromCRL (8) may only appear in delta CRLs.
      if (reason === CRL_REASON.removeFromCRL && !isDelta) {
        throw crlReject(CRL_CODES.REMOVE_IN_FULL_CRL, REASON, 'removeFromCRL in a complete CRL');
      }
    } else if (bytesEqualAt(der, oidStart, oidEnd, INVALIDITY_DATE)) {
      bit = 2;
      // RFC 5280 §5.3.2: a GeneralizedTime; checked, not kept (the revocation date is what answers use).
      if (ve - vs < 2 || der[vs] !== DER_TAG.GENERALIZED_TIME || der[vs + 1] !== ve - vs - 2) {
        throw crlReject(CRL_CODES.MALFORMED, INVALIDITY, 'invalidityDate is not a GeneralizedTime');
      }
      timeValue(der, DER_TAG.GENERALIZED_TIME, vs + 2, ve, INVALIDITY);
    } else if (bytesEqualAt(der, oidStart, oidEnd, CERTIFICATE_ISSUER)) {
      // [REJECT] RFC 5280 §5.3.3: certificateIssuer only appears in indirect CRLs, which are not supported.
      throw crlReject(CRL_CODES.INDIRECT_UNSUPPORTED, `${EXTS}.certificateIssuer`, 'indirect CRL entry');
    } else if (critical) {
      // [REJECT] RFC 5280 §5.3: an unrecognised critical entry extension makes the CRL unusable.
      throw crlReject(CRL_CODES.UNKNOWN_CRITICAL_EXTENSION, field, 'unknown critical CRL entry extension');
    }
    // [REJECT] RFC 5280 §4.2: one instance per extension (known ones; unknown non-critical ones are skipped).
    if (bit !== 0) {
      if (seen & bit) throw crlReject(CRL_CODES.DUPLICATE_EXTENSION, field, 'entry extension appears twice');
      seen |= bit;
    }
  }
  return reason;
}
