/**
 * Test-only builders of records in the exact shapes TW DIW's issuer module produces
 * (moda-gov-tw/TWDIW-official-app, MIT; read for issue 13).
 * Our own code reproduces the shapes; nothing of theirs is copied. Paths are under
 * `core-system/twdiw-vc-handler/src/main/java/gov/moda/dw/issuer/vc/` unless said otherwise:
 *
 * - status list: `task/StatusListPrepareTask.java` (@4529334e) builds the VC, `task/StatusListSignTask.java`
 *   (@4529334e) signs it (header ES256 / typ JWT / kid / jku, claim `nonce`), danubetech
 *   `ToJwtConverter` maps vc.id → jti, credentialSubject.id → sub, issuer → iss, issuanceDate → nbf,
 *   expirationDate → exp (no iat); `util/ZipUtils.java` (@62d64710) GZIPs and base64-encodes (standard
 *   alphabet, padded); `service/StatusListService.java` (@62d64710) sets 1 day validity, kid `key-2`,
 *   jku `<base>api/keys`; `vo/Uris.java` (@4529334e) names the list `<base>api/status-list/<type>/<r|s><gid>`.
 * - credential: `task/CredentialPrepareTask.java` (@4529334e) — `_sd`/`_sd_alg` in credentialSubject
 *   (authlete SDObjectEncoder, no decoys), credentialStatus = [revocation entry, suspension entry] with
 *   statusListIndex as a string, credentialSchema {id, type JsonSchema}; `task/CredentialSignTask.java`
 *   (@62d64710) — typ vc+sd-jwt, kid `key-1`, jku, `nonce`, `cnf: {jwk}`, `<jws>~<d1>~…~<dn>~`.
 * - DIDs: did:key `jwk_jcs-pub` (multicodec 0xeb51: `d1 d6 03` ‖ RFC 8785 JSON of the public JWK),
 *   `service/CredentialService.java` didToJWK (@4529334e), twdiw-vp-handler `util/DidUtils.java` (@62d64710).
 *
 * Nothing here is production code: it must never be imported from `src/`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { base58btc } from 'multiformats/bases/base58';

/** The issuer module's base path (`Uris` basePath, e.g. `https://digitalwallet.moda:8443/vc/`). */
export const TW_BASE = 'https://issuer.tw-diw.example/vc/';
/** The `jku` of every TW header: the module's JWK Set of the issuer key and the list key. */
export const TW_KEYS_URI = `${TW_BASE}api/keys`;
/** A TW credential type (a `vcUid`, DWVC-101 in Docs/TWDIW_API_Specification.md @9719ab6d). */
export const TW_CREDENTIAL_TYPE = '00000000_vpms_20250506_1217';
/** Entries per list: `new byte[16 * 1024]`, and `calculateFromTicketNumber` opens a new group after them. */
export const TW_LIST_BYTES = 16 * 1024;

/** A TW P-256 key: `KeyUtils.generateP256(kid)` (kid "key-1" issuer, "key-2" status list). */
export interface TwKey {
  kid: string;
  privateJwk: JWK;
  /** The public JWK as `/api/keys` serves it: kty, crv, kid, x, y. */
  publicJwk: JWK;
}

export async function twKey(kid: string): Promise<TwKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return {
    kid,
    privateJwk: { ...(await exportJWK(privateKey)), kid },
    publicJwk: { ...(await exportJWK(publicKey)), kid },
  };
}

/** did:key `jwk_jcs-pub`: `did:key:z` + base58btc(d1 d6 03 ‖ JCS of {crv, kty, x, y}) (no kid). */
export function jwkJcsPubDidKey(jwk: JWK): string {
  return jwkJcsPubDidKeyOfJson(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }));
}

/** A did:key `jwk_jcs-pub` over any JSON text (to build non-canonical ones). */
export function jwkJcsPubDidKeyOfJson(json: string): string {
  return `did:key:${base58btc.encode(Buffer.concat([Uint8Array.of(0xd1, 0xd6, 0x03), Buffer.from(json, 'utf8')]))}`;
}

/** The list URL (`Uris.generateStatusListId`): `r<gid>` revocation, `s<gid>` suspension. */
export function twListUrl(purpose: 'revocation' | 'suspension', gid = 0, type = TW_CREDENTIAL_TYPE): string {
  return `${TW_BASE}api/status-list/${type}/${purpose === 'revocation' ? 'r' : 's'}${gid}`;
}

/** An MSB-first bitstring (bit i = 0x80 >> i % 8 of byte i / 8, StatusListPrepareTask masks). */
export function twBitstring(bytes: number, set: readonly number[] = []): Uint8Array {
  const out = new Uint8Array(bytes);
  for (const i of set) out[i >> 3] = (out[i >> 3] as number) | (0x80 >> (i & 7));
  return out;
}

/**
 * `ZipUtils.gzipCompressThenBase64`: java.util.zip.GZIPOutputStream at the default level, then
 * java.util.Base64.getEncoder(). The JDK (17, checked) writes the RFC 1952 header with MTIME 0 and
 * OS 255; zlib's deflate at the default level is the same, so this is byte-identical to the JDK's.
 */
export function twEncodedList(bits: Uint8Array): string {
  const gz = gzipSync(bits);
  gz[9] = 0xff;
  return gz.toString('base64');
}

/** `RandUtils.generateString(8)`: the `nonce` claim TW adds to every JWT it signs. */
function twNonce(): string {
  return randomBytes(6).toString('base64url').slice(0, 8);
}

async function signTw(key: TwKey, typ: string, payload: Record<string, unknown>): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', typ, kid: key.kid, jku: TW_KEYS_URI })
    .sign(await importJWK(key.privateJwk, 'ES256'));
}

/** A StatusList2021Credential JWT as StatusListPrepareTask + StatusListSignTask make it. */
export async function twStatusListJwt(opts: {
  key: TwKey;
  issuer: string;
  url: string;
  purpose: 'revocation' | 'suspension';
  /** Seconds (`issuanceDate` → nbf); exp is one day later (StatusListService policy). */
  nbf: number;
  bits?: Uint8Array;
  encodedList?: string;
}): Promise<string> {
  return signTw(opts.key, 'JWT', {
    iss: opts.issuer,
    sub: `${opts.url}#list`,
    nbf: opts.nbf,
    exp: opts.nbf + 24 * 3600,
    jti: opts.url,
    nonce: twNonce(),
    vc: {
      '@context': ['https://www.w3.org/2018/credentials/v1', 'https://w3id.org/vc/status-list/2021/v1'],
      type: ['VerifiableCredential', 'StatusList2021Credential'],
      credentialSubject: {
        statusPurpose: opts.purpose,
        encodedList: opts.encodedList ?? twEncodedList(opts.bits ?? twBitstring(TW_LIST_BYTES)),
      },
    },
  });
}

/** A StatusList2021Entry as danubetech's builder writes it (statusListIndex a string). */
function twEntry(purpose: 'revocation' | 'suspension', gid: number, index: number): Record<string, unknown> {
  const url = twListUrl(purpose, gid);
  return {
    id: `${url}#${index}`,
    type: 'StatusList2021Entry',
    statusListIndex: String(index),
    statusListCredential: url,
    statusPurpose: purpose,
  };
}

/** An SD-JWT Disclosure `[salt, name, value]` (authlete Disclosure, 128-bit salt) and its digest. */
function disclose(name: string, value: unknown): { disclosure: string; digest: string } {
  const disclosure = Buffer.from(JSON.stringify([randomBytes(16).toString('base64url'), name, value])).toString(
    'base64url',
  );
  return { disclosure, digest: createHash('sha256').update(disclosure, 'ascii').digest('base64url') };
}

/** What {@link twSdJwtCredential} made: the SD-JWT as the wallet receives it, and its parts. */
export interface TwCredential {
  /** `<jws>~<d1>~…~<dn>~` (authlete SDJWT.toString()). */
  compact: string;
  /** The issuer-signed JWT alone: what the issuer stores and DWVC-201 returns (no disclosures). */
  jwt: string;
  disclosures: string[];
}

/** A credential as CredentialPrepareTask + CredentialSignTask make it (typ vc+sd-jwt). */
export async function twSdJwtCredential(opts: {
  key: TwKey;
  issuer: string;
  holder: { did: string; jwk: JWK };
  gid?: number;
  index: number;
  nbf: number;
  exp: number;
  /** The holder's fields (DWVC-101 `fields`), each made selectively disclosable. */
  fields: Record<string, unknown>;
  typ?: string;
  type?: string;
  /**
   * false: the plain credentialSubject of `CredentialPrepareTask.prepare(holderData)` (built, and only
   * logged, before the SD form), signed as `signJwt` does with no typ given (typ JWT): jwt_vc_json.
   */
  selectivelyDisclosable?: boolean;
}): Promise<TwCredential> {
  const plain = opts.selectivelyDisclosable === false;
  const sd = plain ? [] : Object.entries(opts.fields).map(([name, value]) => disclose(name, value));
  const cid = crypto.randomUUID();
  const jwt = await signTw(opts.key, opts.typ ?? (plain ? 'JWT' : 'vc+sd-jwt'), {
    iss: opts.issuer,
    sub: opts.holder.did,
    nbf: opts.nbf,
    exp: opts.exp,
    jti: `${TW_BASE}api/credential/${cid}`,
    nonce: twNonce(),
    cnf: { jwk: { kty: opts.holder.jwk.kty, crv: opts.holder.jwk.crv, x: opts.holder.jwk.x, y: opts.holder.jwk.y } },
    vc: {
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      type: ['VerifiableCredential', opts.type ?? TW_CREDENTIAL_TYPE],
      credentialSubject: plain ? { ...opts.fields } : { _sd: sd.map((d) => d.digest), _sd_alg: 'sha-256' },
      credentialStatus: [
        twEntry('revocation', opts.gid ?? 0, opts.index),
        twEntry('suspension', opts.gid ?? 0, opts.index),
      ],
      credentialSchema: { id: `${TW_BASE}api/schema/${opts.type ?? TW_CREDENTIAL_TYPE}`, type: 'JsonSchema' },
    },
  });
  const disclosures = sd.map((d) => d.disclosure);
  return { compact: `${jwt}~${disclosures.map((d) => `${d}~`).join('')}`, jwt, disclosures };
}
