/**
 * mdoc and CWT status list fixtures (issue 14). Keys and certificates come from openssl
 * (test/fixtures/x509/mdoc/make.sh, committed); mdocs come from @auth0/mdl (the reference issuer)
 * or, where that library cannot (a status reference in the MSO, attacks on the COSE header), from
 * {@link buildMdoc}: cbor-x encoding plus this project's COSE signer. CWT status lists are built the
 * same way ({@link buildCwtStatusList}): no library issues them.
 */

import { createHash, createPrivateKey, createPublicKey, type KeyObject, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { DeviceResponse, Document, MDoc } from '@auth0/mdl';
import { StatusList } from '@sd-jwt/jwt-status-list';
import { Encoder, Tag } from 'cbor-x';
import { COSE_ALG, signCoseSign1 } from '../../src/cose/cose-sign1.ts';
import type { ChainVerdict, ValidateChain } from '../../src/mdoc/codes.ts';

const DIR = new URL('../fixtures/x509/mdoc/', import.meta.url);
const file = (name: string) => readFileSync(new URL(name, DIR));
const key = (name: string) => createPrivateKey(file(name));

/** The Japanese IACA-style hierarchy and the other keys of the fixtures. */
export const FX = {
  iacaPem: file('iaca-jp.pem').toString('utf8'),
  iacaDer: new Uint8Array(file('iaca-jp.der')),
  dsPem: file('ds-jp.pem').toString('utf8'),
  dsDer: new Uint8Array(file('ds-jp.der')),
  dsKey: key('ds-jp.key'),
  deviceKey: key('device.key'),
  attackerKey: key('attacker.key'),
  cwtSignerKey: key('cwt-signer.key'),
  p384Key: key('p384.key'),
  p521Key: key('p521.key'),
  ed25519Key: key('ed25519.key'),
};

const STATUS_DIR = new URL('../fixtures/x509/mdoc-status/', import.meta.url);
const statusFile = (name: string) => new Uint8Array(readFileSync(new URL(name, STATUS_DIR)));

/**
 * Certificates for x5chain-signed status lists (test/fixtures/x509/mdoc-status/make.sh): leaves
 * under the JP IACA without the mdlDS EKU (a TLS server certificate), with keyUsage keyAgreement
 * only, and an expired DS certificate (all three with `leafKey`); a Taiwanese IACA and its DS.
 */
export const SFX = {
  leafKey: createPrivateKey(readFileSync(new URL('leaf-jp.key', STATUS_DIR))),
  serverJpDer: statusFile('server-jp.der'),
  agreementJpDer: statusFile('agreement-jp.der'),
  expiredDsJpDer: statusFile('expired-ds-jp.der'),
  iacaTwDer: statusFile('iaca-tw.der'),
  dsTwDer: statusFile('ds-tw.der'),
  dsTwKey: createPrivateKey(readFileSync(new URL('ds-tw.key', STATUS_DIR))),
};

/** A time inside every fixture's validity: 2026-06-01. */
export const AT_MS = Date.parse('2026-06-01T00:00:00Z');
export const MDL = 'org.iso.18013.5.1.mDL';
export const MDL_NS = 'org.iso.18013.5.1';
export const MYNUMBER = 'jp.go.digital.mynumber.1';
export const MYNUMBER_NS = 'jp.go.digital.mynumber.1';

/** The elements of the fixtures' documents (fictional). */
export const ELEMENTS = {
  family_name: 'Yamada',
  given_name: 'Taro',
  issuing_country: 'JP',
  document_number: 'X1234567',
};
export const VALIDITY = {
  signed: new Date('2026-01-01T00:00:00Z'),
  validFrom: new Date('2026-01-01T00:00:00Z'),
  validUntil: new Date('2031-01-01T00:00:00Z'),
};

/** A chain validator that passes (the chain is taken as pre-validated): only the DS certificate is compared. */
export const PREVALIDATED_CHAIN: ValidateChain = (x5chain): ChainVerdict =>
  Buffer.from(x5chain[0] ?? []).equals(Buffer.from(FX.dsDer))
    ? { outcome: 'pass', message: 'pre-validated chain' }
    : { outcome: 'fail', code: 'TEST_UNKNOWN_CHAIN', message: 'not the fixture DS certificate' };

/** cbor-x configured as ISO 18013-5 encoders are: Maps stay maps, no records, plain byte strings. */
export const CBOR = new Encoder({
  mapsAsObjects: false,
  useRecords: false,
  tagUint8Array: false,
  variableMapSize: true,
} as never);
export const encode = (v: unknown): Uint8Array => new Uint8Array(CBOR.encode(v));
export const tag24 = (encoded: Uint8Array) => new Tag(encoded, 24);
const tdate = (d: Date) => new Tag(`${d.toISOString().split('.')[0]}Z`, 0);

/** A public key as a COSE_Key map (RFC 9053 §7.1: EC2; §7.2: OKP). */
export function coseKeyOf(k: KeyObject): Map<number, unknown> {
  const jwk = createPublicKey(k).export({ format: 'jwk' }) as Record<string, string>;
  const b = (s: string | undefined) => new Uint8Array(Buffer.from(s ?? '', 'base64url'));
  if (jwk.kty === 'OKP')
    return new Map<number, unknown>([
      [1, 1],
      [-1, jwk.crv === 'Ed25519' ? 6 : 7],
      [-2, b(jwk.x)],
    ]);
  const crv = { 'P-256': 1, 'P-384': 2, 'P-521': 3 }[jwk.crv as string];
  return new Map<number, unknown>([
    [1, 2],
    [-1, crv],
    [-2, b(jwk.x)],
    [-3, b(jwk.y)],
  ]);
}

/** Options of {@link buildMdoc}. */
export interface BuildMdocOptions {
  docType?: string;
  /** The MSO's docType when it should differ from the document's. */
  msoDocType?: string;
  namespace?: string;
  elements?: Record<string, unknown>;
  validity?: { signed: Date; validFrom: Date; validUntil: Date };
  status?: { idx: number; uri: string };
  digestAlgorithm?: 'SHA-256' | 'SHA-384' | 'SHA-512';
  signer?: KeyObject;
  alg?: number;
  /** Put `alg` in the unprotected header only (the algorithm-substitution attack). */
  algUnprotected?: boolean;
  x5chain?: Uint8Array[];
  deviceKey?: KeyObject;
  /** Build a DeviceResponse signed by `deviceSigner` (default: the device key) over this transcript. */
  sessionTranscript?: Uint8Array;
  deviceSigner?: KeyObject;
  /** IssuerSigned only (no DeviceResponse around it). */
  issuerSignedOnly?: boolean;
}

/** Builds an mdoc by hand (ISO 18013-5 §8.3.2.1.2.2, §9.1.2.4), signed with this project's COSE code. */
export function buildMdoc(o: BuildMdocOptions = {}): Uint8Array {
  const docType = o.docType ?? MDL;
  const ns = o.namespace ?? MDL_NS;
  const alg = o.alg ?? COSE_ALG.ES256;
  const hash = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' }[o.digestAlgorithm ?? 'SHA-256'];
  const items: Tag[] = [];
  const digests = new Map<number, Uint8Array>();
  Object.entries(o.elements ?? ELEMENTS).forEach(([id, value], digestID) => {
    const item = new Map<string, unknown>([
      ['digestID', digestID],
      ['random', new Uint8Array(randomBytes(32))],
      ['elementIdentifier', id],
      ['elementValue', value],
    ]);
    const t = tag24(encode(item));
    items.push(t);
    digests.set(digestID, new Uint8Array(createHash(hash).update(encode(t)).digest()));
  });
  const v = o.validity ?? VALIDITY;
  const mso = new Map<string, unknown>([
    ['version', '1.0'],
    ['digestAlgorithm', o.digestAlgorithm ?? 'SHA-256'],
    ['valueDigests', new Map([[ns, digests]])],
    ['deviceKeyInfo', new Map([['deviceKey', coseKeyOf(o.deviceKey ?? FX.deviceKey)]])],
    ['docType', o.msoDocType ?? docType],
    [
      'validityInfo',
      new Map([
        ['signed', tdate(v.signed)],
        ['validFrom', tdate(v.validFrom)],
        ['validUntil', tdate(v.validUntil)],
      ]),
    ],
  ]);
  if (o.status)
    mso.set(
      'status',
      new Map([
        [
          'status_list',
          new Map<string, unknown>([
            ['idx', o.status.idx],
            ['uri', o.status.uri],
          ]),
        ],
      ]),
    );
  const payload = encode(tag24(encode(mso)));
  const protectedBytes = o.algUnprotected ? new Uint8Array(0) : encode(new Map([[1, alg]]));
  const unprotected = new Map<number, unknown>([
    [33, (o.x5chain ?? [FX.dsDer]).length === 1 ? (o.x5chain ?? [FX.dsDer])[0] : o.x5chain],
  ]);
  if (o.algUnprotected) unprotected.set(1, alg);
  const signature = signCoseSign1(alg, protectedBytes, payload, o.signer ?? FX.dsKey);
  const issuerSigned = new Map<string, unknown>([
    ['nameSpaces', new Map([[ns, items]])],
    ['issuerAuth', [protectedBytes, unprotected, payload, signature]],
  ]);
  if (o.issuerSignedOnly) return encode(issuerSigned);
  const doc = new Map<string, unknown>([
    ['docType', docType],
    ['issuerSigned', issuerSigned],
  ]);
  if (o.sessionTranscript) {
    const nsBytes = encode(new Map());
    // ISO 18013-5 §9.1.3.4, encoded independently of src/ (cbor-x over the decoded transcript).
    const transcript = CBOR.decode(o.sessionTranscript);
    const deviceAuthentication = encode(tag24(encode(['DeviceAuthentication', transcript, docType, tag24(nsBytes)])));
    const dProtected = encode(new Map([[1, COSE_ALG.ES256]]));
    const sig = signCoseSign1(COSE_ALG.ES256, dProtected, deviceAuthentication, o.deviceSigner ?? FX.deviceKey);
    doc.set(
      'deviceSigned',
      new Map<string, unknown>([
        ['nameSpaces', tag24(nsBytes)],
        ['deviceAuth', new Map([['deviceSignature', [dProtected, new Map(), null, sig]]])],
      ]),
    );
  }
  return encode(
    new Map<string, unknown>([
      ['version', '1.0'],
      ['documents', [doc]],
      ['status', 0],
    ]),
  );
}

/** An OpenID4VP-style SessionTranscript ([null, null, Handover], ISO 18013-7 Annex B), CBOR-encoded. */
export function sessionTranscript(nonce: string): Uint8Array {
  return encode([null, null, ['OpenID4VPHandover', new Uint8Array(createHash('sha256').update(nonce).digest())]]);
}

const privateJwk = (k: KeyObject) => k.export({ format: 'jwk' }) as Record<string, string>;
const publicJwk = (k: KeyObject) => createPublicKey(k).export({ format: 'jwk' }) as Record<string, string>;

/** An issuer-signed mdoc from @auth0/mdl (MDoc encoding: a DeviceResponse without deviceSigned). */
export async function auth0Mdoc(
  docType = MDL,
  namespace = MDL_NS,
  elements: Record<string, unknown> = ELEMENTS,
  validity = VALIDITY,
): Promise<Uint8Array> {
  const doc = await new Document(docType)
    .addIssuerNameSpace(namespace, elements)
    .useDigestAlgorithm('SHA-256')
    .addValidityInfo(validity)
    .addDeviceKeyInfo({ deviceKey: publicJwk(FX.deviceKey) })
    .sign({ issuerPrivateKey: privateJwk(FX.dsKey), issuerCertificate: FX.dsPem, alg: 'ES256' });
  return new Uint8Array(new MDoc([doc]).encode());
}

/** A DeviceResponse from @auth0/mdl disclosing `fields` of the mDL namespace, device-signed over `transcript`. */
export async function auth0DeviceResponse(issued: Uint8Array, transcript: Uint8Array, fields = Object.keys(ELEMENTS)) {
  const pd = {
    id: 'pd',
    input_descriptors: [
      {
        id: MDL,
        format: { mso_mdoc: { alg: ['ES256'] } },
        constraints: {
          limit_disclosure: 'required',
          fields: fields.map((f) => ({ path: [`$['${MDL_NS}']['${f}']`], intent_to_retain: false })),
        },
      },
    ],
  };
  const response = await DeviceResponse.from(issued)
    .usingPresentationDefinition(pd)
    .usingSessionTranscriptBytes(Buffer.from(encode(tag24(transcript))))
    .authenticateWithSignature(privateJwk(FX.deviceKey), 'ES256')
    .sign();
  return new Uint8Array(response.encode());
}

/** Options of {@link buildCwtStatusList}. */
export interface BuildCwtOptions {
  statuses?: Uint8Array;
  bits?: 1 | 2 | 4 | 8;
  sub?: string;
  iat?: number;
  exp?: number;
  ttl?: number;
  typ?: string | number | null;
  /** Replace the compressed list (a truncated or bomb `lst`). */
  lst?: Uint8Array;
  signer?: KeyObject;
  tagged?: boolean;
  /** Sign through an x5chain (label 33, RFC 9360: leaf first, no root) instead of a `kid`. */
  x5chain?: Uint8Array[];
  /** Entries at `bits`, packed by the reference library (@sd-jwt/jwt-status-list, draft §4.1). */
  entries?: number[];
}

const defaultLst = (statuses?: Uint8Array) =>
  new Uint8Array(deflateSync(statuses ?? Uint8Array.of(0xb9, 0xa3), { level: 9 }));
const referenceLst = (entries: number[], bits: 1 | 2 | 4 | 8) =>
  new Uint8Array(Buffer.from(new StatusList([...entries], bits).compressStatusList(), 'base64url'));

/** A Token Status List in CWT form (draft-ietf-oauth-status-list §5.2), by cbor-x and this project's COSE signer. */
export function buildCwtStatusList(o: BuildCwtOptions = {}): Uint8Array {
  const header = new Map<number, unknown>([[1, COSE_ALG.ES256]]);
  if (o.typ !== null) header.set(16, o.typ ?? 'application/statuslist+cwt');
  const protectedBytes = encode(header);
  const list = new Map<string, unknown>([
    ['bits', o.bits ?? 1],
    ['lst', o.lst ?? (o.entries ? referenceLst(o.entries, o.bits ?? 1) : defaultLst(o.statuses))],
  ]);
  const claims = new Map<number, unknown>([
    [2, o.sub ?? 'https://status.example.jp/lists/1'],
    [6, o.iat ?? Math.floor(AT_MS / 1000) - 3600],
  ]);
  if (o.exp !== undefined) claims.set(4, o.exp);
  if (o.ttl !== undefined) claims.set(65534, o.ttl);
  claims.set(65533, list);
  const payload = encode(claims);
  const signature = signCoseSign1(COSE_ALG.ES256, protectedBytes, payload, o.signer ?? FX.cwtSignerKey);
  const unprotected = o.x5chain
    ? new Map<number, unknown>([[33, o.x5chain.length === 1 ? o.x5chain[0] : o.x5chain]])
    : new Map([[4, new Uint8Array(Buffer.from('cwt-1'))]]);
  const body = [protectedBytes, unprotected, payload, signature];
  return encode(o.tagged === false ? body : new Tag(body, 18));
}
