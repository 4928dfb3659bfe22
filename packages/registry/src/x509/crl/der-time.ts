/**
 * RFC 5280 Time (§4.1.2.5, used by CRLs in §5.1.2.4–5 and §5.1.2.6): UTCTime `YYMMDDHHMMSSZ` (years
 * 1950–2049) or GeneralizedTime `YYYYMMDDHHMMSSZ`, always Zulu, always with seconds, never with
 * fractions. Read straight from the bytes (no string), so a million revocation dates cost nothing.
 */
import { CRL_CODES, crlReject } from './codes.ts';
import { DER_TAG, type DerReader } from './der-reader.ts';

function digits(b: Uint8Array, p: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = b[p + i]! - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Reads the Time at the reader's position (UTCTime or GeneralizedTime) and returns ms since the epoch.
 * A malformed or impossible date is `CRL_TIME_INVALID`.
 */
export function readTime(r: DerReader, field: string): number {
  const tag = r.next(field);
  return timeValue(r.bytes, tag, r.valueStart, r.valueEnd, field);
}

/** The Time of tag `tag` whose contents are `b[start..end)`, in ms since the epoch. */
export function timeValue(b: Uint8Array, tag: number, start: number, end: number, field: string): number {
  let year: number;
  let p: number;
  if (tag === DER_TAG.UTC_TIME) {
    if (end - start !== 13) throw timeInvalid(field, 'UTCTime is not YYMMDDHHMMSSZ');
    const yy = digits(b, start, 2);
    // RFC 5280 §4.1.2.5.1: YY ≥ 50 is 19YY, YY < 50 is 20YY.
    year = yy < 0 ? -1 : yy >= 50 ? 1900 + yy : 2000 + yy;
    p = start + 2;
  } else if (tag === DER_TAG.GENERALIZED_TIME) {
    // RFC 5280 §4.1.2.5.2: YYYYMMDDHHMMSSZ, no fractional seconds.
    if (end - start !== 15) throw timeInvalid(field, 'GeneralizedTime is not YYYYMMDDHHMMSSZ');
    year = digits(b, start, 4);
    p = start + 4;
  } else {
    throw timeInvalid(field, `tag 0x${tag.toString(16)} is not a Time`);
  }
  const month = digits(b, p, 2);
  const day = digits(b, p + 2, 2);
  const hour = digits(b, p + 4, 2);
  const minute = digits(b, p + 6, 2);
  const second = digits(b, p + 8, 2);
  if (b[p + 10] !== 0x5a) throw timeInvalid(field, 'Time is not in Zulu (Z)');
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59) {
    throw timeInvalid(field, 'impossible date');
  }
  // Leap seconds are not representable in ms since the epoch; RFC 5280 times never carry them.
  if (second < 0 || second > 59) throw timeInvalid(field, 'impossible date');
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1]! + (leap ? 1 : 0)) throw timeInvalid(field, 'impossible date');
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

function timeInvalid(field: string, message: string) {
  return crlReject(CRL_CODES.TIME_INVALID, field, message);
}

/** RFC 3339 (second precision, `Z`) of ms since the epoch, as the as-of stamp carries it. */
export function rfc3339(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}
