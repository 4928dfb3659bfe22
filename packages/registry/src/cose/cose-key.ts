/**
 * COSE_Key (RFC 9052 §7, RFC 9053 §7.1–7.2) to a node:crypto public key: the mdoc device key
 * (ISO 18013-5 §9.1.2.4 `deviceKeyInfo.deviceKey`). EC2 keys on P-256/P-384/P-521 with both
 * coordinates, OKP keys on Ed25519/Ed448. Private parameters (`d`, label -4) are refused: a device
 * key in an MSO is public.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { reject } from '../errors.ts';

/** Codes of COSE_Key reading. */
export const COSE_KEY_CODES = {
  /** `reject` — not a COSE_Key this verifier can use (kty, crv, coordinates; RFC 9053 §7). */
  INVALID: 'COSE_KEY_INVALID',
} as const;

const EC2_CURVES: Record<number, { crv: string; size: number }> = {
  1: { crv: 'P-256', size: 32 },
  2: { crv: 'P-384', size: 48 },
  3: { crv: 'P-521', size: 66 },
};
const OKP_CURVES: Record<number, { crv: string; size: number }> = {
  6: { crv: 'Ed25519', size: 32 },
  7: { crv: 'Ed448', size: 57 },
};

function b64u(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** Turns a decoded COSE_Key map into a public KeyObject. Throws a `reject` ValidationError. */
export function coseKeyToPublicKey(value: unknown): KeyObject {
  const bad = (why: string) => reject(COSE_KEY_CODES.INVALID, 'deviceKey', why);
  if (!(value instanceof Map)) throw bad('must be a map');
  const kty = value.get(1);
  const crv = value.get(-1);
  const x = value.get(-2);
  // [REJECT] the MSO carries the device's public key only.
  if (value.has(-4)) throw bad('carries a private key');
  if (!(x instanceof Uint8Array)) throw bad('x (-2) must be a bstr');
  let jwk: Record<string, string>;
  if (kty === 2) {
    const curve = EC2_CURVES[crv as number];
    const y = value.get(-3);
    // [REJECT] RFC 9053 §7.1.1: EC2 with a registered curve; y as a bstr (compressed points are not taken).
    if (!curve) throw bad(`EC2 curve ${String(crv)} is not supported`);
    if (!(y instanceof Uint8Array)) throw bad('y (-3) must be a bstr (compressed points are not supported)');
    if (x.byteLength !== curve.size || y.byteLength !== curve.size)
      throw bad(`coordinates must be ${curve.size} bytes`);
    jwk = { kty: 'EC', crv: curve.crv, x: b64u(x), y: b64u(y) };
  } else if (kty === 1) {
    const curve = OKP_CURVES[crv as number];
    // [REJECT] RFC 9053 §7.2: OKP signing curves are Ed25519 and Ed448.
    if (!curve) throw bad(`OKP curve ${String(crv)} is not supported`);
    if (x.byteLength !== curve.size) throw bad(`x must be ${curve.size} bytes`);
    jwk = { kty: 'OKP', crv: curve.crv, x: b64u(x) };
  } else {
    throw bad(`key type ${String(kty)} is not supported`);
  }
  try {
    return createPublicKey({ key: jwk, format: 'jwk' });
  } catch (cause) {
    // [REJECT] the point must lie on the curve.
    throw reject(COSE_KEY_CODES.INVALID, 'deviceKey', 'is not a valid public key', cause);
  }
}
