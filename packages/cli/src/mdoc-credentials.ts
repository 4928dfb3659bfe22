/**
 * ISO 18013-5 mdocs on the command line (issue 14): an IssuerSigned structure or a DeviceResponse,
 * as its CBOR bytes or as base64url text, wrapped into the VCDM 2.0 envelope
 * (`data:application/mdoc;base64url,…`) that a node's `POST /credentials/verify` and the registry's
 * verifier take — as compact-credentials.ts does for SD-JWT text.
 */
import type { EnvelopedCredential } from './compact-credentials.ts';
import { CliError } from './output.ts';

const BASE64URL_TEXT = /^[A-Za-z0-9_-]+={0,2}$/;

/** RFC 8949 §3.1: major type 5 (a map) — an IssuerSigned or a DeviceResponse starts with one. */
function startsWithCborMap(bytes: Uint8Array): boolean {
  const first = bytes[0];
  return first !== undefined && first >= 0xa0 && first <= 0xbf;
}

/** The envelope of an mdoc given as CBOR bytes or base64url text, or null when `bytes` is neither. */
export function mdocEnvelopeOf(bytes: Uint8Array): EnvelopedCredential | null {
  let cbor: Uint8Array | null = null;
  if (startsWithCborMap(bytes)) cbor = bytes;
  else {
    const text = Buffer.from(bytes).toString('latin1').trim();
    if (BASE64URL_TEXT.test(text)) {
      const decoded = Buffer.from(text.replace(/=+$/, ''), 'base64url');
      if (startsWithCborMap(decoded)) cbor = decoded;
    }
  }
  if (!cbor) return null;
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    type: 'EnvelopedVerifiableCredential',
    id: `data:application/mdoc;base64url,${Buffer.from(cbor).toString('base64url')}`,
  };
}

/** A session transcript file (`--session-transcript`): CBOR bytes, or base64url text of them. */
export function sessionTranscriptOf(bytes: Uint8Array, origin: string): Uint8Array {
  const text = Buffer.from(bytes).toString('latin1').trim();
  if (bytes[0] !== undefined && bytes[0] >= 0x80) return new Uint8Array(bytes);
  if (BASE64URL_TEXT.test(text)) return new Uint8Array(Buffer.from(text.replace(/=+$/, ''), 'base64url'));
  throw new CliError('SESSION_TRANSCRIPT_INVALID', `${origin} is neither CBOR nor base64url text`, {
    hint: 'give the ISO 18013-5 SessionTranscript (or SessionTranscriptBytes) the reader and the wallet used',
  });
}
