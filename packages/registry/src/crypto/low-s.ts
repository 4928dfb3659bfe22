/**
 * The low-S rule for ECDSA P-256 signatures. ECDSA is malleable: if (r, s) is a valid signature, so
 * is (r, n − s), made by anyone without the key. A relay could turn every held P-256-signed record
 * into a "different" record with the same signed content (issue 9, fake equivocation). As Bitcoin
 * (BIP 62/146) and Ethereum (EIP-2) do, only the low half is valid: s ≤ n/2. Signers normalise
 * (keys.ts), verifiers refuse the high half with a typed code.
 */
import { base58btc } from 'multiformats/bases/base58';
import { base64url } from 'multiformats/bases/base64';

/** Codes of signature encodings. */
export const SIGNATURE_CODES = {
  /** `reject` — a high-S ECDSA signature: a malleated copy of a valid one, or a non-conforming signer. */
  HIGH_S: 'SIGNATURE_HIGH_S',
} as const;

/** {@link SIGNATURE_CODES}.HIGH_S, kept for existing importers. */
export const SIGNATURE_HIGH_S = SIGNATURE_CODES.HIGH_S;

// Order of the P-256 group (SEC 2 v2 §2.4.2, secp256r1 `n`), and half of it.
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const P256_HALF_N = P256_N >> 1n;
// IEEE P1363 form of a P-256 signature: r ‖ s, 32 bytes each (what WebCrypto signs and verifies).
const P256_SIGNATURE_BYTES = 64;

function toBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

/**
 * True when `signature` is a P1363 P-256 signature whose s lies in the high half (s > n/2). Anything
 * that is not 64 bytes is left to signature verification, which refuses it.
 */
export function isHighS(signature: Uint8Array): boolean {
  if (signature.byteLength !== P256_SIGNATURE_BYTES) return false;
  return toBigInt(signature.subarray(32)) > P256_HALF_N;
}

/** The low-S form of a P1363 P-256 signature: (r, n − s) when s is high, else the signature itself. */
export function normalizeLowS(signature: Uint8Array): Uint8Array {
  if (!isHighS(signature)) return signature;
  let s = P256_N - toBigInt(signature.subarray(32));
  const out = new Uint8Array(signature);
  for (let i = P256_SIGNATURE_BYTES - 1; i >= 32; i--) {
    out[i] = Number(s & 0xffn);
    s >>= 8n;
  }
  return out;
}

/**
 * Decodes a multibase signature (base58btc `z…` or base64url `u…`, the two forms Data Integrity
 * proofs use) to bytes, or null when it is neither.
 */
export function decodeMultibaseSignature(value: string): Uint8Array | null {
  try {
    if (value.startsWith('z')) return base58btc.decode(value);
    if (value.startsWith('u')) return base64url.decode(value);
  } catch {
    return null;
  }
  return null;
}
