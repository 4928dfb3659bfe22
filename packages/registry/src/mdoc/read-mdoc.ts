/**
 * Reading an ISO/IEC 18013-5 mdoc from untrusted bytes (issue 14): either an `IssuerSigned`
 * structure ({nameSpaces, issuerAuth}, as wallets hand it to OpenID4VP and as the
 * EnvelopedVerifiableCredential route carries it) or a `DeviceResponse` (§8.3.2.1.2.2: version,
 * documents[], status). Every document of a DeviceResponse is read (at most `maxDocuments`);
 * {@link verifyMdoc} verifies one of them. All CBOR goes through the bounded decoder; reading checks
 * structure only — no digest, signature or date is trusted here.
 */
import { type CborLimits, DEFAULT_CBOR_LIMITS, decodeCbor, EncodedCbor } from '../cose/bounded-cbor.ts';
import { type CoseSign1, parseCoseSign1 } from '../cose/cose-sign1.ts';
import { reject } from '../errors.ts';
import { MDOC_CODES } from './codes.ts';
import { type MobileSecurityObject, readMso } from './mso.ts';

/** Bounds of mdoc reading: the CBOR bounds (applied to each nested tag 24 item too) and a document cap. */
export interface MdocLimits extends CborLimits {
  /** Most documents a DeviceResponse may carry. */
  maxDocuments: number;
}

/** Defaults: the CBOR defaults and up to 8 documents. */
export const DEFAULT_MDOC_LIMITS: MdocLimits = Object.freeze({ ...DEFAULT_CBOR_LIMITS, maxDocuments: 8 });

/** One IssuerSignedItem (§8.3.2.1.2.2), with the exact IssuerSignedItemBytes its digest is over. */
export interface IssuerSignedItem {
  namespace: string;
  digestID: number;
  elementIdentifier: string;
  /** The element's value: kept in memory for the checks that need it (issuing_country), never reported. */
  elementValue: unknown;
  /** `IssuerSignedItemBytes = #6.24(bstr .cbor IssuerSignedItem)`, exactly as received. */
  bytes: Uint8Array;
}

/** The deviceSigned part of a DeviceResponse document (§8.3.2.1.2.2). */
export interface DeviceSigned {
  /** `DeviceNameSpacesBytes`, exactly as received. */
  nameSpacesBytes: Uint8Array;
  deviceSignature?: CoseSign1;
  /** Present when the device authenticated with a MAC (COSE_Mac0, not verifiable here). */
  deviceMac?: true;
}

/** One document: its docType, issuer-signed items, issuerAuth and MSO, and deviceSigned when present. */
export interface MdocDocument {
  /** The document's docType (DeviceResponse), or the MSO's (IssuerSigned form: it has no other). */
  docType: string;
  /** Whether `docType` came from the DeviceResponse (and so must be compared with the MSO's). */
  docTypeDeclared: boolean;
  items: IssuerSignedItem[];
  issuerAuth: CoseSign1;
  mso: MobileSecurityObject;
  deviceSigned?: DeviceSigned;
}

/** A read mdoc. */
export interface ParsedMdoc {
  form: 'issuer-signed' | 'device-response';
  /** DeviceResponse `version`. */
  version?: string;
  documents: MdocDocument[];
}

const bad = (field: string, why: string) => reject(MDOC_CODES.MALFORMED, field, why);

function mapOf(value: unknown, field: string): Map<unknown, unknown> {
  if (!(value instanceof Map)) throw bad(field, 'must be a map');
  return value;
}

/** Reads an IssuerSigned structure or a DeviceResponse. Throws a `reject` ValidationError. */
export function readMdoc(bytes: Uint8Array, limits: MdocLimits = DEFAULT_MDOC_LIMITS): ParsedMdoc {
  const top = mapOf(decodeCbor(bytes, limits), 'mdoc');
  if (top.has('issuerAuth')) return { form: 'issuer-signed', documents: [readIssuerSigned(top, null, limits)] };
  // [REJECT] §8.3.2.1.2.2: DeviceResponse = { version, ? documents, ? documentErrors, status }.
  const version = top.get('version');
  if (typeof version !== 'string') throw bad('version', 'neither an IssuerSigned nor a DeviceResponse');
  const status = top.get('status');
  if (!Number.isSafeInteger(status)) throw bad('status', 'must be an unsigned integer');
  const docs = top.get('documents');
  // [REJECT] §8.3.2.1.2.3: status 0 (OK) with at least one document, else nothing to verify.
  if (status !== 0 || !Array.isArray(docs) || docs.length === 0)
    throw reject(MDOC_CODES.NO_DOCUMENT, 'documents', `no document (status ${String(status)})`);
  if (docs.length > limits.maxDocuments)
    throw reject(MDOC_CODES.TOO_MANY_DOCUMENTS, 'documents', `more than ${limits.maxDocuments} documents`);
  const documents = docs.map((d, i) => {
    const doc = mapOf(d, `documents[${i}]`);
    const docType = doc.get('docType');
    if (typeof docType !== 'string' || docType === '') throw bad(`documents[${i}].docType`, 'must be a text string');
    const read = readIssuerSigned(mapOf(doc.get('issuerSigned'), `documents[${i}].issuerSigned`), docType, limits);
    const deviceSigned = doc.get('deviceSigned');
    return deviceSigned === undefined ? read : { ...read, deviceSigned: readDeviceSigned(deviceSigned, limits) };
  });
  return { form: 'device-response', version, documents };
}

/** IssuerSigned = { ? nameSpaces: { NameSpace => [+ IssuerSignedItemBytes] }, issuerAuth: COSE_Sign1 }. */
function readIssuerSigned(
  issuerSigned: Map<unknown, unknown>,
  docType: string | null,
  limits: MdocLimits,
): MdocDocument {
  const issuerAuth = parseCoseSign1(issuerSigned.get('issuerAuth'), limits);
  const mso = readMso(issuerAuth.payload, limits);
  const items: IssuerSignedItem[] = [];
  const nameSpaces = issuerSigned.get('nameSpaces');
  if (nameSpaces !== undefined) {
    for (const [ns, list] of mapOf(nameSpaces, 'nameSpaces')) {
      if (typeof ns !== 'string' || !Array.isArray(list) || list.length === 0)
        throw bad('nameSpaces', 'must map namespaces to non-empty arrays');
      for (const entry of list) items.push(readItem(ns, entry, limits));
    }
  }
  return { docType: docType ?? mso.docType, docTypeDeclared: docType !== null, items, issuerAuth, mso };
}

/** IssuerSignedItemBytes: tag 24 around { digestID, random, elementIdentifier, elementValue }. */
function readItem(namespace: string, entry: unknown, limits: MdocLimits): IssuerSignedItem {
  const field = `nameSpaces.${namespace}`;
  // [REJECT] §8.3.2.1.2.2: each item is #6.24(bstr .cbor IssuerSignedItem) — its digest is over those bytes.
  if (!(entry instanceof EncodedCbor)) throw reject(MDOC_CODES.ITEM_MALFORMED, field, 'item is not tag 24 encoded');
  const item = decodeCbor(entry.content, limits);
  if (!(item instanceof Map)) throw reject(MDOC_CODES.ITEM_MALFORMED, field, 'item is not a map');
  const digestID = item.get('digestID');
  const random = item.get('random');
  const elementIdentifier = item.get('elementIdentifier');
  if (!Number.isSafeInteger(digestID) || (digestID as number) < 0)
    throw reject(MDOC_CODES.ITEM_MALFORMED, `${field}.digestID`, 'must be an unsigned integer');
  // [REJECT] §9.1.2.5: random is at least 16 bytes (it keeps undisclosed digests unguessable).
  if (!(random instanceof Uint8Array) || random.byteLength < 16)
    throw reject(MDOC_CODES.ITEM_MALFORMED, `${field}.random`, 'must be a byte string of at least 16 bytes');
  if (typeof elementIdentifier !== 'string' || !item.has('elementValue'))
    throw reject(MDOC_CODES.ITEM_MALFORMED, field, 'must carry elementIdentifier and elementValue');
  return {
    namespace,
    digestID: digestID as number,
    elementIdentifier,
    elementValue: item.get('elementValue'),
    bytes: entry.bytes,
  };
}

/** DeviceSigned = { nameSpaces: DeviceNameSpacesBytes, deviceAuth: { deviceSignature } / { deviceMac } }. */
function readDeviceSigned(value: unknown, limits: MdocLimits): DeviceSigned {
  const ds = mapOf(value, 'deviceSigned');
  const nameSpaces = ds.get('nameSpaces');
  // [REJECT] §8.3.2.1.2.2: DeviceNameSpacesBytes = #6.24(bstr .cbor DeviceNameSpaces).
  if (!(nameSpaces instanceof EncodedCbor)) throw bad('deviceSigned.nameSpaces', 'must be tag 24 encoded');
  mapOf(decodeCbor(nameSpaces.content, limits), 'deviceSigned.nameSpaces');
  const auth = mapOf(ds.get('deviceAuth'), 'deviceSigned.deviceAuth');
  const signature = auth.get('deviceSignature');
  const mac = auth.get('deviceMac');
  // [REJECT] §9.1.3.4: exactly one of deviceSignature and deviceMac.
  if ((signature === undefined) === (mac === undefined))
    throw bad('deviceSigned.deviceAuth', 'must hold exactly one of deviceSignature and deviceMac');
  if (signature !== undefined)
    return { nameSpacesBytes: nameSpaces.bytes, deviceSignature: parseCoseSign1(signature, limits) };
  return { nameSpacesBytes: nameSpaces.bytes, deviceMac: true };
}
