/**
 * A national-size CRL built fast, for bench/crl.bench.ts (issue 14: a 1,000,000-serial CRL is never
 * committed): `count` random positive 16-octet serials (plus the ones asked for) written straight
 * into one buffer, wrapped in a v2 TBSCertList (RFC 5280 §5.1) with a cRLNumber (§5.2.3) and signed
 * ECDSA P-256 / SHA-256 with the CA's own key (the key `createCertificateAuthority` made). The issuer
 * Name is the DER @peculiar/x509 writes for the CA's name, read back from a one-entry CRL signed by
 * `signCrl`, so it matches the CA certificate's subject octet for octet (§5.1.2.3).
 */
import { KeyObject, randomBytes, sign } from 'node:crypto';
import { type CertificateAuthority, DEFAULT_CRL_LIMITS, readCrlHeader, signCrl } from '@trustmesh/registry';

/** A built CRL: its DER, and some of its serials (INTEGER contents) to look up. */
export interface LargeCrl {
  der: Uint8Array;
  /** Up to `sample` serials that are on the list. */
  sampleSerials: Uint8Array[];
}

// AlgorithmIdentifier ecdsa-with-SHA256 (RFC 5758 §3.2: parameters absent).
const ECDSA_SHA256 = Uint8Array.from([0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]);
const ENTRY_OCTETS = 35; // SEQUENCE { INTEGER (16), UTCTime } — no entry extensions

/** X.690 §8.1.3 definite length octets. */
function lengthOctets(len: number): number[] {
  if (len < 0x80) return [len];
  const bytes: number[] = [];
  for (let v = len; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

/** One DER TLV of `tag` over the concatenation of `parts`. */
function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const len = parts.reduce((n, p) => n + p.length, 0);
  return Buffer.concat([Uint8Array.from([tag, ...lengthOctets(len)]), ...parts]);
}

/** RFC 5280 §4.1.2.5.1 UTCTime (years through 2049), YYMMDDHHMMSSZ. */
function utcTime(ms: number): Uint8Array {
  const digits = new Date(ms).toISOString().slice(2, 19).replace(/[-T:]/g, '');
  return tlv(0x17, Buffer.from(`${digits}Z`, 'latin1'));
}

/** DER INTEGER of a small non-negative number. */
function smallInteger(n: number): Uint8Array {
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  if (bytes.length === 0 || (bytes[0]! & 0x80) !== 0) bytes.unshift(0);
  return tlv(0x02, Uint8Array.from(bytes));
}

/**
 * Signs a full CRL of `ca` listing `count` random serials plus `include` (INTEGER contents of
 * 16 octets, e.g. a leaf's serial), revoked at `revokedAtMs`, with cRLNumber `crlNumber`.
 */
export async function largeCrl(options: {
  ca: CertificateAuthority;
  count: number;
  include: readonly Uint8Array[];
  crlNumber: number;
  thisUpdateMs: number;
  nextUpdateMs: number;
  sample: number;
}): Promise<LargeCrl> {
  const { ca, count, include } = options;
  const probe = await signCrl({
    issuer: ca,
    crlNumber: 1n,
    thisUpdate: new Date(options.thisUpdateMs),
    nextUpdate: new Date(options.nextUpdateMs),
    entries: [],
  });
  const issuer = readCrlHeader(probe, DEFAULT_CRL_LIMITS).issuer;
  const total = count + include.length;
  const entries = new Uint8Array(total * ENTRY_OCTETS);
  const random = randomBytes(count * 16);
  const revoked = utcTime(options.thisUpdateMs - 86_400_000);
  const sampleSerials: Uint8Array[] = [];
  const every = Math.max(1, Math.floor(count / Math.max(1, options.sample)));
  let o = 0;
  for (let i = 0; i < total; i++) {
    const serial =
      i < include.length ? include[i]! : random.subarray((i - include.length) * 16, (i - include.length + 1) * 16);
    if (i < include.length && (serial.length !== 16 || (serial[0]! & 0x80) !== 0 || serial[0] === 0))
      throw new Error('serials: 16 octets, positive, minimal');
    entries.set([0x30, ENTRY_OCTETS - 2, 0x02, 16], o);
    entries.set(serial, o + 4);
    // A CA's random serial generator: positive, no leading zero octet (RFC 5280 §4.1.2.2).
    if (i >= include.length) entries[o + 4] = (entries[o + 4]! & 0x7f) | 0x01;
    entries.set(revoked, o + 20);
    if (i >= include.length && (i - include.length) % every === 0 && sampleSerials.length < options.sample)
      sampleSerials.push(entries.slice(o + 4, o + 20));
    o += ENTRY_OCTETS;
  }
  // crlExtensions [0] EXPLICIT { cRLNumber } (RFC 5280 §5.2.3; non-critical).
  const crlNumber = tlv(
    0x30,
    tlv(0x06, Uint8Array.from([0x55, 0x1d, 0x14])),
    tlv(0x04, smallInteger(options.crlNumber)),
  );
  const tbs = tlv(
    0x30,
    Uint8Array.from([0x02, 0x01, 0x01]), // version v2
    ECDSA_SHA256,
    issuer,
    utcTime(options.thisUpdateMs),
    utcTime(options.nextUpdateMs),
    tlv(0x30, entries),
    tlv(0xa0, tlv(0x30, crlNumber)),
  );
  // The CA's WebCrypto private key, as node:crypto signs with it (DER ECDSA-Sig-Value, RFC 5758 §3.2).
  const key = KeyObject.from(ca.keys.privateKey as unknown as Parameters<typeof KeyObject.from>[0]);
  const signature = sign('sha256', tbs, key);
  const der = tlv(0x30, tbs, ECDSA_SHA256, tlv(0x03, Uint8Array.from([0]), signature));
  return { der, sampleSerials };
}
