/**
 * Signing keys: Ed25519 and P-256 key pairs in Multikey form (https://www.w3.org/TR/cid-1.0/#Multikey),
 * named by did:key (https://w3c-ccg.github.io/did-key-spec/) unless given another verification method.
 */
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { base58btc } from 'multiformats/bases/base58';
import { ValidationError, reject } from '../errors.ts';
import { normalizeLowS } from './low-s.ts';
import type { VerificationMethodDocument } from './types.ts';

/** Codes of key handling. */
export const KEY_CODES = {
  /** `reject` — a key pair file or a public Multikey that is malformed, of another type, or mismatched. */
  INVALID: 'KEY_INVALID',
} as const;

/** Key algorithms the registry signs with. */
export type KeyType = 'Ed25519' | 'P-256';

/** Multibase prefix of an Ed25519 public key (multicodec 0xed01, base58btc). */
export const ED25519_PUBLIC_KEY_PREFIX = 'z6Mk';
/** Multibase prefix of a compressed P-256 public key (multicodec 0x1200, base58btc). */
export const P256_PUBLIC_KEY_PREFIX = 'zDna';

/**
 * A signing key pair. `secretKeyMultibase` is not enumerable, so logging or `JSON.stringify` of a
 * key pair never shows it; only {@link exportKeyPair} writes it out.
 */
export interface KeyPair {
  readonly type: KeyType;
  /** DID of the key's controller (the issuer that signs with it): `did:key:z…`, or e.g. `did:web:…`. */
  readonly did: string;
  /** Verification method id: `did:key:z…#z…`, or e.g. `did:web:example.org#key-1`. */
  readonly verificationMethod: string;
  readonly publicKeyMultibase: string;
  readonly secretKeyMultibase: string;
}

/** JSON form of a key pair, secrets included: what {@link exportKeyPair} writes and {@link importKeyPair} reads. */
export interface ExportedKeyPair {
  type: KeyType;
  did: string;
  verificationMethod: string;
  publicKeyMultibase: string;
  secretKeyMultibase: string;
}

/** Generates a fresh key pair named by its did:key. */
export async function generateKeyPair(type: KeyType): Promise<KeyPair> {
  const generated =
    type === 'Ed25519' ? await Ed25519Multikey.generate() : await EcdsaMultikey.generate({ curve: 'P-256' });
  const { publicKeyMultibase, secretKeyMultibase } = generated;
  if (!secretKeyMultibase) throw new Error(`${type} key generation returned no secret key`);
  const did = `did:key:${publicKeyMultibase}`;
  return makeKeyPair({
    type,
    did,
    verificationMethod: `${did}#${publicKeyMultibase}`,
    publicKeyMultibase,
    secretKeyMultibase,
  });
}

/** The JSON form of a key pair, including its secret key. Store it as a secret. */
export function exportKeyPair(keyPair: KeyPair): ExportedKeyPair {
  return {
    type: keyPair.type,
    did: keyPair.did,
    verificationMethod: keyPair.verificationMethod,
    publicKeyMultibase: keyPair.publicKeyMultibase,
    secretKeyMultibase: keyPair.secretKeyMultibase,
  };
}

/**
 * Reads an exported key pair. Checks the shape, the key type against the public key's multicodec
 * prefix, and that the secret key belongs to the public key (by signing and verifying a probe), so
 * a corrupted key file fails here rather than as invalid signatures later. Throws `KEY_INVALID`.
 */
export async function importKeyPair(value: unknown): Promise<KeyPair> {
  if (value === null || typeof value !== 'object') throw reject(KEY_CODES.INVALID, undefined, 'must be a JSON object');
  const record = value as Record<string, unknown>;
  const fields = ['type', 'did', 'verificationMethod', 'publicKeyMultibase', 'secretKeyMultibase'] as const;
  for (const field of fields) {
    if (typeof record[field] !== 'string' || record[field] === '') {
      throw reject(KEY_CODES.INVALID, field, 'must be a non-empty string');
    }
  }
  const exported = record as unknown as ExportedKeyPair;
  if (exported.type !== 'Ed25519' && exported.type !== 'P-256') {
    throw reject(KEY_CODES.INVALID, 'type', 'must be "Ed25519" or "P-256"');
  }
  if (keyTypeOf(exported.publicKeyMultibase) !== exported.type) {
    throw reject(KEY_CODES.INVALID, 'publicKeyMultibase', `is not an ${exported.type} Multikey`);
  }
  if (!exported.verificationMethod.startsWith(`${exported.did}#`)) {
    throw reject(KEY_CODES.INVALID, 'verificationMethod', `must be a fragment of its DID ${exported.did}`);
  }
  const keyPair = makeKeyPair(exported);
  const probe = new TextEncoder().encode('trustmesh key import probe');
  let matches = false;
  try {
    matches = await verifyRaw(probe, await signRaw(probe, keyPair), keyPair.publicKeyMultibase);
  } catch (cause) {
    throw reject(KEY_CODES.INVALID, 'secretKeyMultibase', 'cannot be decoded', cause);
  }
  if (!matches) throw reject(KEY_CODES.INVALID, 'secretKeyMultibase', 'does not belong to publicKeyMultibase');
  return keyPair;
}

/**
 * A key pair from a private JWK (RFC 7517; P-256 or Ed25519 with `d`), as TW DIW issuers and
 * jose-based tooling hold keys (issue 13). Named by its did:key unless `did` and `verificationMethod`
 * are given; checked like any imported key pair. Throws `KEY_INVALID`.
 */
export async function importPrivateJwk(
  jwk: unknown,
  naming: { did?: string; verificationMethod?: string } = {},
): Promise<KeyPair> {
  if (jwk === null || typeof jwk !== 'object' || typeof (jwk as { d?: unknown }).d !== 'string') {
    throw reject(KEY_CODES.INVALID, 'd', 'must be a private JWK (with "d")');
  }
  const value = jwk as Record<string, unknown>;
  let type: KeyType;
  let pair: { publicKeyMultibase: string; secretKeyMultibase?: string };
  try {
    if (value.kty === 'EC' && value.crv === 'P-256') {
      type = 'P-256';
      pair = await EcdsaMultikey.fromJwk({ jwk: value, secretKey: true });
    } else if (value.kty === 'OKP' && value.crv === 'Ed25519') {
      type = 'Ed25519';
      pair = await Ed25519Multikey.fromJwk({ jwk: value, secretKey: true });
    } else {
      throw reject(KEY_CODES.INVALID, 'kty', 'must be an EC P-256 or an OKP Ed25519 key');
    }
  } catch (cause) {
    if (cause instanceof ValidationError) throw cause;
    throw reject(KEY_CODES.INVALID, undefined, 'cannot be read as a JWK', cause);
  }
  const did = naming.did ?? `did:key:${pair.publicKeyMultibase}`;
  return importKeyPair({
    type,
    did,
    verificationMethod: naming.verificationMethod ?? `${did}#${pair.publicKeyMultibase}`,
    publicKeyMultibase: pair.publicKeyMultibase,
    secretKeyMultibase: pair.secretKeyMultibase,
  });
}

/** The public half of a key pair as a Multikey verification method (what accreditations pin). */
export function publicVerificationMethod(keyPair: KeyPair): VerificationMethodDocument {
  return {
    id: keyPair.verificationMethod,
    type: 'Multikey',
    controller: keyPair.did,
    publicKeyMultibase: keyPair.publicKeyMultibase,
  };
}

/** The key type of a Multikey public key, from its multicodec prefix, or null if unsupported. */
export function keyTypeOf(publicKeyMultibase: string): KeyType | null {
  if (publicKeyMultibase.startsWith(ED25519_PUBLIC_KEY_PREFIX)) return 'Ed25519';
  if (publicKeyMultibase.startsWith(P256_PUBLIC_KEY_PREFIX)) return 'P-256';
  return null;
}

/**
 * A signer for the Data Integrity suites: `algorithm` is what the cryptosuite checks ("Ed25519" or
 * the curve name), `id` the verification method the proof will name.
 */
export async function signerFor(
  keyPair: KeyPair,
  verificationMethod: string = keyPair.verificationMethod,
): Promise<{ id: string; algorithm: string; sign(input: { data: Uint8Array }): Promise<Uint8Array> }> {
  const multikey = {
    type: 'Multikey',
    id: verificationMethod,
    controller: keyPair.did,
    publicKeyMultibase: keyPair.publicKeyMultibase,
    secretKeyMultibase: keyPair.secretKeyMultibase,
  };
  const imported =
    keyPair.type === 'Ed25519' ? await Ed25519Multikey.from(multikey) : await EcdsaMultikey.from(multikey);
  const signer = imported.signer();
  // WebCrypto's ECDSA returns either half of s; verifiers accept only the low half (low-s.ts), so
  // every P-256 signature leaves here in low-S form.
  const sign =
    keyPair.type === 'P-256'
      ? async (input: { data: Uint8Array }) => normalizeLowS(await signer.sign(input))
      : (input: { data: Uint8Array }) => signer.sign(input);
  return { id: verificationMethod, algorithm: signer.algorithm, sign };
}

/** Raw signature over `bytes` (Ed25519, or ECDSA P-256/SHA-256 in IEEE P1363 form). */
export async function signRaw(bytes: Uint8Array, keyPair: KeyPair): Promise<Uint8Array> {
  const signer = await signerFor(keyPair);
  return signer.sign({ data: bytes });
}

/**
 * Checks a raw signature. Throws `KEY_INVALID` when the public key is not an Ed25519 or P-256
 * Multikey (a configuration error); returns false for any signature that does not verify.
 */
export async function verifyRaw(
  bytes: Uint8Array,
  signature: Uint8Array,
  publicKeyMultibase: string,
): Promise<boolean> {
  const type = keyTypeOf(publicKeyMultibase);
  if (type === null) {
    throw reject(KEY_CODES.INVALID, 'publicKeyMultibase', 'must be an Ed25519 (z6Mk…) or P-256 (zDna…) Multikey');
  }
  let verifier: { verify(input: { data: Uint8Array; signature: Uint8Array }): Promise<boolean> };
  try {
    const key = { type: 'Multikey', publicKeyMultibase };
    verifier = (type === 'Ed25519' ? await Ed25519Multikey.from(key) : await EcdsaMultikey.from(key)).verifier();
  } catch (cause) {
    throw reject(KEY_CODES.INVALID, 'publicKeyMultibase', 'cannot be decoded', cause);
  }
  try {
    return await verifier.verify({ data: bytes, signature });
  } catch (error) {
    // A malformed signature (wrong length, bad encoding) is simply one that does not verify.
    if (error instanceof ValidationError) throw error;
    return false;
  }
}

function makeKeyPair(exported: ExportedKeyPair): KeyPair {
  const keyPair = {
    type: exported.type,
    did: exported.did,
    verificationMethod: exported.verificationMethod,
    publicKeyMultibase: exported.publicKeyMultibase,
  };
  // Not enumerable: keeps the secret out of logs, JSON and spreads of a key pair.
  Object.defineProperty(keyPair, 'secretKeyMultibase', { value: exported.secretKeyMultibase, enumerable: false });
  return Object.freeze(keyPair) as KeyPair;
}

/** Raw signature over `bytes`, base58btc multibase (`z…`), as governance records carry it. */
export async function signBytes(bytes: Uint8Array, keyPair: KeyPair): Promise<string> {
  return base58btc.encode(await signRaw(bytes, keyPair));
}

/**
 * True when `signatureMultibase` is a signature over `bytes` by the Ed25519 or P-256 key
 * `publicKeyMultibase`. An undecodable signature is false; an unsupported key throws `KEY_INVALID`.
 */
export async function verifyBytes(
  bytes: Uint8Array,
  signatureMultibase: string,
  publicKeyMultibase: string,
): Promise<boolean> {
  let signature: Uint8Array;
  try {
    signature = base58btc.decode(signatureMultibase);
  } catch {
    return false;
  }
  return verifyRaw(bytes, signature, publicKeyMultibase);
}
