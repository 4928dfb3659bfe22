/**
 * COSE_Sign1 (RFC 9052 §4.2): decoding, verification and signing with node:crypto, synchronously
 * (a national verifier checks many mdocs a second; no promise per signature). ES256/ES384/ES512
 * (RFC 9053 §2.1: raw r‖s signatures) and EdDSA (RFC 9053 §2.2). `alg` MUST be in the protected
 * header (RFC 9052 §3.1: only protected parameters are signed, and an unprotected `alg` invites an
 * algorithm substitution). `x5chain` (label 33, RFC 9360 §2) is read as DER certificates, leaf first.
 */
import { type KeyObject, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { reject } from '../errors.ts';
import { type CborLimits, DEFAULT_CBOR_LIMITS, decodeCbor, isCborTag } from './bounded-cbor.ts';

/** Codes of COSE_Sign1 decoding and verification. */
export const COSE_CODES = {
  /** `reject` — not a COSE_Sign1 array [protected bstr, unprotected map, payload bstr/nil, signature bstr] (RFC 9052 §4.2). */
  MALFORMED: 'COSE_MALFORMED',
  /** `reject` — `alg` (label 1) absent from the protected header (RFC 9052 §3.1), e.g. only in the unprotected one. */
  ALG_NOT_PROTECTED: 'COSE_ALG_NOT_PROTECTED',
  /** `reject` — an algorithm other than ES256, ES384, ES512 or EdDSA. */
  ALG_UNSUPPORTED: 'COSE_ALG_UNSUPPORTED',
  /** `reject` — the key does not fit the algorithm (key type or curve, RFC 9053 §2.1). */
  KEY_MISMATCH: 'COSE_KEY_MISMATCH',
  /** `reject` — the signature does not verify over the Sig_structure (RFC 9052 §4.4). */
  SIGNATURE_INVALID: 'COSE_SIGNATURE_INVALID',
  /** `reject` — a `crit` (label 2) parameter this verifier does not process (RFC 9052 §3.1). */
  CRIT_UNSUPPORTED: 'COSE_CRIT_UNSUPPORTED',
  /** `reject` — `x5chain` is not a bstr or a non-empty array of bstr (RFC 9360 §2). */
  X5CHAIN_INVALID: 'COSE_X5CHAIN_INVALID',
  /** `reject` — the payload is detached and none was given, or given while one is attached. */
  PAYLOAD_MISSING: 'COSE_PAYLOAD_MISSING',
} as const;

/** Header labels read here (IANA COSE Header Parameters). */
export const COSE_HEADER = { ALG: 1, CRIT: 2, CONTENT_TYPE: 3, KID: 4, TYP: 16, X5CHAIN: 33 } as const;

/** Algorithms supported (IANA COSE Algorithms). */
export const COSE_ALG = { ES256: -7, ES384: -35, ES512: -36, EDDSA: -8 } as const;

interface AlgSpec {
  name: string;
  hash: string | null;
  curves: readonly string[];
  /** Raw signature length; 0 when the curve decides (EdDSA: Ed25519 64, Ed448 114). */
  sigLength: number;
}

const ALGS: ReadonlyMap<number, AlgSpec> = new Map([
  [COSE_ALG.ES256, { name: 'ES256', hash: 'sha256', curves: ['prime256v1', 'P-256'], sigLength: 64 }],
  [COSE_ALG.ES384, { name: 'ES384', hash: 'sha384', curves: ['secp384r1', 'P-384'], sigLength: 96 }],
  [COSE_ALG.ES512, { name: 'ES512', hash: 'sha512', curves: ['secp521r1', 'P-521'], sigLength: 132 }],
  [COSE_ALG.EDDSA, { name: 'EdDSA', hash: null, curves: ['ed25519', 'ed448'], sigLength: 0 }],
]);

/** A COSE header map: integer or text labels. */
export type CoseHeaderMap = Map<number | string, unknown>;

/** A decoded COSE_Sign1, nothing verified yet. */
export interface CoseSign1 {
  /** The protected header as it appeared: the bytes the signature covers. */
  protectedBytes: Uint8Array;
  protectedHeader: CoseHeaderMap;
  unprotectedHeader: CoseHeaderMap;
  /** The attached payload, or null when detached (RFC 9052 §2: nil). */
  payload: Uint8Array | null;
  signature: Uint8Array;
  /** `alg` from the protected header. */
  alg: number;
  /** Whether it carried tag 18 (COSE_Sign1_Tagged). */
  tagged: boolean;
  /** `x5chain` (RFC 9360 §2), DER certificates leaf first, from either header; absent when neither has one. */
  x5chain?: Uint8Array[];
  /** `kid` (label 4), from either header. */
  kid?: Uint8Array;
}

/** What verifying a signature answered. */
export type CoseVerdict = { ok: true } | { ok: false; code: string; message: string };

const EMPTY = new Uint8Array(0);
const KNOWN_LABELS = new Set<number | string>(Object.values(COSE_HEADER));

/** Decodes bytes holding a COSE_Sign1 (tag 18 or untagged) under `limits`. Throws a `reject` ValidationError. */
export function decodeCoseSign1(bytes: Uint8Array, limits: CborLimits = DEFAULT_CBOR_LIMITS): CoseSign1 {
  return parseCoseSign1(decodeCbor(bytes, limits), limits);
}

/**
 * Reads an already decoded COSE_Sign1 (RFC 9052 §4.2): tag 18 or an untagged array of four.
 * The protected header is decoded from its own bytes (RFC 9052 §3: a zero-length bstr is empty).
 */
export function parseCoseSign1(value: unknown, limits: CborLimits = DEFAULT_CBOR_LIMITS): CoseSign1 {
  const tagged = isCborTag(value, 18);
  const body = tagged ? value.value : value;
  // [REJECT] RFC 9052 §4.2: COSE_Sign1 = [protected, unprotected, payload, signature].
  if (!Array.isArray(body) || body.length !== 4)
    throw reject(COSE_CODES.MALFORMED, undefined, 'not a COSE_Sign1 array of four');
  const [protectedBytes, unprotected, payload, signature] = body as unknown[];
  if (!(protectedBytes instanceof Uint8Array)) throw reject(COSE_CODES.MALFORMED, 'protected', 'must be a byte string');
  if (!(unprotected instanceof Map)) throw reject(COSE_CODES.MALFORMED, 'unprotected', 'must be a map');
  if (payload !== null && !(payload instanceof Uint8Array))
    throw reject(COSE_CODES.MALFORMED, 'payload', 'must be a byte string or nil');
  if (!(signature instanceof Uint8Array)) throw reject(COSE_CODES.MALFORMED, 'signature', 'must be a byte string');
  const protectedHeader: CoseHeaderMap =
    protectedBytes.byteLength === 0 ? new Map() : (decodeCbor(protectedBytes, limits) as CoseHeaderMap);
  // [REJECT] RFC 9052 §3: the protected header is a serialized map.
  if (!(protectedHeader instanceof Map)) throw reject(COSE_CODES.MALFORMED, 'protected', 'must encode a map');
  for (const label of protectedHeader.keys()) {
    // [REJECT] RFC 9052 §3: a label MUST NOT occur in both buckets.
    if (unprotected.has(label)) throw reject(COSE_CODES.MALFORMED, `header.${String(label)}`, 'in both headers');
  }
  const alg = protectedHeader.get(COSE_HEADER.ALG);
  if (alg === undefined) {
    // [REJECT] RFC 9052 §3.1: `alg` must be integrity-protected (and ISO 18013-5 §9.1.2.4 puts it there).
    throw reject(
      COSE_CODES.ALG_NOT_PROTECTED,
      'header.alg',
      unprotected.has(1) ? 'only in the unprotected header' : 'missing',
    );
  }
  // [REJECT] issue 14: ES256/ES384/ES512/EdDSA only.
  if (typeof alg !== 'number' || !ALGS.has(alg))
    throw reject(COSE_CODES.ALG_UNSUPPORTED, 'header.alg', `algorithm ${String(alg)} is not supported`);
  const crit = protectedHeader.get(COSE_HEADER.CRIT);
  if (crit !== undefined) {
    // [REJECT] RFC 9052 §3.1: every critical parameter must be understood, else the message is rejected.
    if (!Array.isArray(crit) || crit.length === 0 || crit.some((l) => !KNOWN_LABELS.has(l as number)))
      throw reject(COSE_CODES.CRIT_UNSUPPORTED, 'header.crit', 'names a parameter this verifier does not process');
  }
  const x5 = protectedHeader.get(COSE_HEADER.X5CHAIN) ?? unprotected.get(COSE_HEADER.X5CHAIN);
  const kid = protectedHeader.get(COSE_HEADER.KID) ?? unprotected.get(COSE_HEADER.KID);
  if (kid !== undefined && !(kid instanceof Uint8Array))
    throw reject(COSE_CODES.MALFORMED, 'header.kid', 'must be a bstr');
  return {
    protectedBytes,
    protectedHeader,
    unprotectedHeader: unprotected as CoseHeaderMap,
    payload: payload as Uint8Array | null,
    signature,
    alg,
    tagged,
    ...(x5 !== undefined ? { x5chain: x5chainOf(x5) } : {}),
    ...(kid !== undefined ? { kid } : {}),
  };
}

/** RFC 9360 §2: one certificate as a bstr, several as an array of bstr (leaf first). */
function x5chainOf(value: unknown): Uint8Array[] {
  if (value instanceof Uint8Array) return [value];
  // [REJECT] RFC 9360 §2: x5chain = bstr / [2* bstr] (one-element arrays are tolerated).
  if (Array.isArray(value) && value.length > 0 && value.every((c) => c instanceof Uint8Array)) return value;
  throw reject(COSE_CODES.X5CHAIN_INVALID, 'header.x5chain', 'must be a bstr or an array of bstr');
}

/** The algorithm's name (ES256, …) for messages and results. */
export function coseAlgName(alg: number): string {
  return ALGS.get(alg)?.name ?? String(alg);
}

/** CBOR head for major type `major` with argument `n` (RFC 8949 §3.1, preferred serialization). */
function head(major: number, n: number): Uint8Array {
  const m = major << 5;
  if (n < 24) return Uint8Array.of(m | n);
  if (n < 0x100) return Uint8Array.of(m | 24, n);
  if (n < 0x10000) return Uint8Array.of(m | 25, n >> 8, n & 0xff);
  return Uint8Array.of(m | 26, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
}

/** Encodes a byte string: head + content. */
export function encodeBstr(bytes: Uint8Array): Uint8Array {
  return Buffer.concat([head(2, bytes.byteLength), bytes]);
}

/** Encodes a text string. */
export function encodeTstr(text: string): Uint8Array {
  const b = Buffer.from(text, 'utf8');
  return Buffer.concat([head(3, b.byteLength), b]);
}

/** Encodes an array head for `n` elements (the caller appends the encoded elements). */
export function encodeArrayHead(n: number): Uint8Array {
  return head(4, n);
}

/** Wraps encoded CBOR as tag 24 (`#6.24(bstr .cbor T)`, RFC 8949 §3.4.5.1). */
export function encodeTag24(encoded: Uint8Array): Uint8Array {
  return Buffer.concat([Uint8Array.of(0xd8, 0x18), encodeBstr(encoded)]);
}

const SIGNATURE1 = encodeTstr('Signature1');

/**
 * Sig_structure for COSE_Sign1 (RFC 9052 §4.4): ["Signature1", body_protected, external_aad, payload],
 * encoded by hand so its bytes are fixed (the protected bytes are copied as received, never re-encoded).
 */
export function sigStructure(
  protectedBytes: Uint8Array,
  payload: Uint8Array,
  externalAad: Uint8Array = EMPTY,
): Uint8Array {
  return Buffer.concat([
    encodeArrayHead(4),
    SIGNATURE1,
    encodeBstr(protectedBytes),
    encodeBstr(externalAad),
    encodeBstr(payload),
  ]);
}

/** Checks that `key` fits `alg` (RFC 9053 §2.1: the curve is fixed by the algorithm; §2.2 OKP for EdDSA). */
function keyFits(spec: AlgSpec, key: KeyObject): boolean {
  if (key.type !== 'public' && key.type !== 'private') return false;
  if (spec.hash === null) return key.asymmetricKeyType === 'ed25519' || key.asymmetricKeyType === 'ed448';
  return key.asymmetricKeyType === 'ec' && spec.curves.includes(key.asymmetricKeyDetails?.namedCurve ?? '');
}

/** Options of {@link verifyCoseSign1}. */
export interface CoseVerifyOptions {
  /** external_aad (RFC 9052 §4.3); empty by default. */
  externalAad?: Uint8Array;
  /** The payload when the message carries nil (detached, RFC 9052 §2). */
  detachedPayload?: Uint8Array;
}

/** Verifies a COSE_Sign1 with `key` (sync). A result, never a throw, for a merely invalid signature. */
export function verifyCoseSign1(sign1: CoseSign1, key: KeyObject, options: CoseVerifyOptions = {}): CoseVerdict {
  const spec = ALGS.get(sign1.alg);
  if (!spec) return { ok: false, code: COSE_CODES.ALG_UNSUPPORTED, message: `algorithm ${sign1.alg} is not supported` };
  if (!keyFits(spec, key))
    return { ok: false, code: COSE_CODES.KEY_MISMATCH, message: `the key does not fit ${spec.name}` };
  const payload = sign1.payload ?? options.detachedPayload;
  if (payload === undefined || (sign1.payload !== null && options.detachedPayload !== undefined))
    return { ok: false, code: COSE_CODES.PAYLOAD_MISSING, message: 'detached payload missing or doubled' };
  const expected = spec.sigLength || (key.asymmetricKeyType === 'ed448' ? 114 : 64);
  if (sign1.signature.byteLength !== expected)
    return { ok: false, code: COSE_CODES.SIGNATURE_INVALID, message: `signature is not ${expected} bytes` };
  const data = sigStructure(sign1.protectedBytes, payload, options.externalAad);
  let ok = false;
  try {
    ok =
      spec.hash === null
        ? nodeVerify(null, data, key, sign1.signature)
        : nodeVerify(spec.hash, data, { key, dsaEncoding: 'ieee-p1363' }, sign1.signature);
  } catch {
    ok = false;
  }
  return ok
    ? { ok: true }
    : { ok: false, code: COSE_CODES.SIGNATURE_INVALID, message: `${spec.name} signature does not verify` };
}

/**
 * Signs a COSE_Sign1 (for issuers and tests): `protectedBytes` are the already encoded protected
 * header (it must hold `alg`); `payload` is what is signed (attached or detached alike). Returns the
 * raw signature (r‖s for ECDSA); the caller encodes the array and tags it.
 */
export function signCoseSign1(
  alg: number,
  protectedBytes: Uint8Array,
  payload: Uint8Array,
  key: KeyObject,
  externalAad: Uint8Array = EMPTY,
): Uint8Array {
  const spec = ALGS.get(alg);
  if (!spec || !keyFits(spec, key)) throw new TypeError(`key does not fit COSE algorithm ${alg}`);
  const data = sigStructure(protectedBytes, payload, externalAad);
  return new Uint8Array(
    spec.hash === null ? nodeSign(null, data, key) : nodeSign(spec.hash, data, { key, dsaEncoding: 'ieee-p1363' }),
  );
}
