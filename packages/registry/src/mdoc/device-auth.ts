/**
 * mdoc device authentication (ISO/IEC 18013-5 §9.1.3): the holder's device signs, with the key the
 * issuer put in the MSO, `DeviceAuthenticationBytes = #6.24(bstr .cbor ["DeviceAuthentication",
 * SessionTranscript, DocType, DeviceNameSpacesBytes])` (§9.1.3.4), detached from deviceSignature
 * (§9.1.3.6). It binds the presentation to this session, so it is checked only when the caller
 * passes the session transcript; without one the check is reported not requested — never passed.
 */
import { type CborLimits, decodeCbor, EncodedCbor } from '../cose/bounded-cbor.ts';
import { coseKeyToPublicKey } from '../cose/cose-key.ts';
import { encodeArrayHead, encodeTag24, encodeTstr, verifyCoseSign1 } from '../cose/cose-sign1.ts';
import { MDOC_CODES, type MdocCheck } from './codes.ts';
import type { MdocDocument } from './read-mdoc.ts';

const DEVICE_AUTHENTICATION = encodeTstr('DeviceAuthentication');

/**
 * The exact SessionTranscript bytes: accepts SessionTranscript itself or SessionTranscriptBytes
 * (tag 24 around it, §9.1.5.1) and returns the inner array's encoding, or null if it is neither.
 */
export function sessionTranscriptOf(bytes: Uint8Array, limits: CborLimits): Uint8Array | null {
  try {
    const value = decodeCbor(bytes, limits);
    if (value instanceof EncodedCbor) return Array.isArray(decodeCbor(value.content, limits)) ? value.content : null;
    return Array.isArray(value) ? bytes : null;
  } catch {
    return null;
  }
}

/** DeviceAuthenticationBytes (§9.1.3.4), from the exact transcript and DeviceNameSpacesBytes received. */
export function deviceAuthenticationBytes(
  transcript: Uint8Array,
  docType: string,
  nameSpacesBytes: Uint8Array,
): Uint8Array {
  return encodeTag24(
    Buffer.concat([encodeArrayHead(4), DEVICE_AUTHENTICATION, transcript, encodeTstr(docType), nameSpacesBytes]),
  );
}

/** The device-auth check of one document. */
export function checkDeviceAuth(
  doc: MdocDocument,
  sessionTranscript: Uint8Array | undefined,
  limits: CborLimits,
): MdocCheck {
  const check = 'device-auth' as const;
  if (sessionTranscript === undefined)
    return {
      check,
      outcome: 'undetermined',
      code: MDOC_CODES.DEVICE_AUTH_NOT_REQUESTED,
      message: 'no session transcript given: device authentication not requested',
    };
  const transcript = sessionTranscriptOf(sessionTranscript, limits);
  if (transcript === null)
    return {
      check,
      outcome: 'fail',
      code: MDOC_CODES.SESSION_TRANSCRIPT_INVALID,
      message: 'the session transcript is not a CBOR SessionTranscript array',
    };
  const signed = doc.deviceSigned;
  if (!signed)
    return {
      check,
      outcome: 'fail',
      code: MDOC_CODES.DEVICE_AUTH_MISSING,
      message: 'the document carries no deviceSigned',
    };
  if (!signed.deviceSignature)
    return {
      check,
      outcome: 'undetermined',
      code: MDOC_CODES.DEVICE_MAC_UNSUPPORTED,
      message: "deviceMac needs the reader's ephemeral private key; not verifiable here",
    };
  let key: ReturnType<typeof coseKeyToPublicKey>;
  try {
    key = coseKeyToPublicKey(doc.mso.deviceKey);
  } catch (e) {
    return { check, outcome: 'fail', code: MDOC_CODES.DEVICE_KEY_INVALID, message: (e as Error).message };
  }
  // §9.1.3.6: the payload is detached; DocType here is the document's (bound by the device too).
  const payload = deviceAuthenticationBytes(transcript, doc.docType, signed.nameSpacesBytes);
  const verdict = verifyCoseSign1(signed.deviceSignature, key, { detachedPayload: payload });
  if (!verdict.ok)
    return {
      check,
      outcome: 'fail',
      code: MDOC_CODES.DEVICE_SIGNATURE_INVALID,
      message: `deviceSignature: ${verdict.message}`,
      details: { coseCode: verdict.code },
    };
  return { check, outcome: 'pass', message: 'deviceSignature verifies over this session transcript' };
}
