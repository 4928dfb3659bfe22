/**
 * Building and signing records: what an authority, an accreditor or an issuer runs to publish.
 * The CLI, the node's issuer mode, the demo, tests and benchmarks all build records here, so every
 * record this project makes has one shape.
 */
import { randomUUID } from 'node:crypto';
import { TRUSTMESH_STATUS_LIST_CONTEXT_V1_URL } from '../contexts/index.ts';
import { type KeyPair, signBytes, verifyBytes } from '../crypto/keys.ts';
import { signCredential } from '../crypto/proofs.ts';
import { reject } from '../errors.ts';
import {
  ACCREDITATION_TYPE,
  type AccreditationRole,
  type AccreditationScope,
  TRUSTMESH_CONTEXT_URL,
  VC_V2_CONTEXT_URL,
} from '../records/accreditation.ts';
import {
  GOVERNANCE_TYPE,
  type GovernanceAuthority,
  type GovernanceRecord,
  governanceSigningBytes,
} from '../records/governance.ts';
import { multibaseToPublicJwk } from '../records/jwk.ts';
import { keyControllerBytes, keyPossessionBytes, type PinnedKey, type PossessedKey } from '../records/keys.ts';
import type { StatusListCredential } from '../records/status-list-credential.ts';
import { readStatus, writeStatus } from '../status-list/bitstring.ts';
import { encodeStatusList } from '../status-list/codec.ts';
import type { DocumentLoader } from '../validation/context.ts';
import { caSubjectId, certificateDerOf, parseCaCertificate } from '../x509/ca-certificate.ts';

/** The pinned-key form of a key pair's public half. */
export function pinnedKeyOf(keyPair: KeyPair): PinnedKey {
  return {
    id: keyPair.verificationMethod,
    type: 'Multikey',
    controller: keyPair.did,
    publicKeyMultibase: keyPair.publicKeyMultibase,
  };
}

/**
 * The JsonWebKey form of a pinned key (issue 13): the same key, pinned as a public JWK with `kid`
 * (what JOSE headers name), e.g. for an issuer whose JWTs carry `kid`.
 */
export function asJsonWebKey(key: PinnedKey, kid?: string): PinnedKey {
  const jwk = multibaseToPublicJwk(key.publicKeyMultibase);
  if (!jwk) throw reject('KEY_INVALID', 'publicKeyMultibase', 'is not an Ed25519 or P-256 Multikey');
  return { ...key, type: 'JsonWebKey', publicKeyJwk: kid === undefined ? jwk : { ...jwk, kid } };
}

/** A pinned key as an accreditation writes it: a Multikey, or a JsonWebKey without its Multikey form. */
function pinnedKeyJson(key: PossessedKey): Record<string, unknown> {
  const { publicKeyMultibase, publicKeyJwk, ...rest } = key;
  return key.type === 'JsonWebKey' ? { ...rest, publicKeyJwk } : { ...rest, publicKeyMultibase };
}

/**
 * The subject's proof of possession of a key it asks to have pinned in accreditation
 * `accreditationId` (docs/records.md, Trust rules): run by the subject, on its own machine, with its
 * key pair; the accreditor puts the result in {@link AccreditationInput.subjectKeys}.
 */
export async function proveKeyPossession(
  keyPair: KeyPair,
  accreditationId: string,
  options: { jwk?: { kid?: string } } = {},
): Promise<PossessedKey> {
  const key = options.jwk ? asJsonWebKey(pinnedKeyOf(keyPair), options.jwk.kid) : pinnedKeyOf(keyPair);
  const proofOfPossession = await signBytes(keyPossessionBytes(key.controller, key.id, accreditationId), keyPair);
  return { ...key, proofOfPossession };
}

/**
 * Another key for a did:key subject (issue 13: TW DIW signs its status lists with a key other than
 * its DID's): the key pinned as `${subject}#${fragment}`, with the key's proof of possession and the
 * did:key's controller proof (docs/records.md, Trust rules). Both are run by the subject, with its
 * two key pairs, for the accreditation's id.
 */
export async function proveAdditionalKey(
  didKeyPair: KeyPair,
  additional: KeyPair,
  accreditationId: string,
  options: { fragment: string; jwk?: { kid?: string } },
): Promise<PossessedKey> {
  const subject = didKeyPair.did;
  const base: PinnedKey = {
    id: `${subject}#${options.fragment}`,
    type: 'Multikey',
    controller: subject,
    publicKeyMultibase: additional.publicKeyMultibase,
  };
  const key = options.jwk ? asJsonWebKey(base, options.jwk.kid) : base;
  const proofOfPossession = await signBytes(keyPossessionBytes(subject, key.id, accreditationId), additional);
  const controllerProof = await signBytes(
    keyControllerBytes(subject, key.id, key.publicKeyMultibase, accreditationId),
    didKeyPair,
  );
  return { ...key, proofOfPossession, controllerProof };
}

/** An unsigned governance record. */
export function createGovernance(input: {
  networkId: string;
  version: number;
  authorities: GovernanceAuthority[];
  threshold: number;
  validFrom: Date;
  validUntil: Date;
}): GovernanceRecord {
  return {
    type: GOVERNANCE_TYPE,
    networkId: input.networkId,
    version: input.version,
    authorities: input.authorities,
    threshold: input.threshold,
    validFrom: isoSeconds(input.validFrom),
    validUntil: isoSeconds(input.validUntil),
    signatures: [],
  };
}

/** Adds one authority's signature to a governance record (each authority signs on its own machine). */
export async function signGovernance(record: GovernanceRecord, keyPair: KeyPair): Promise<GovernanceRecord> {
  const signature = await signBytes(governanceSigningBytes(record), keyPair);
  const others = record.signatures.filter((s) => s.keyId !== keyPair.verificationMethod);
  return { ...record, signatures: [...others, { keyId: keyPair.verificationMethod, signature }] };
}

/** What an accreditation of an issuer or an accreditor grants. */
export interface AccreditationInput {
  /** The accreditor's key pair (an authority or an accredited accreditor). */
  accreditor: KeyPair;
  subject: string;
  role: Exclude<AccreditationRole, 'ca'>;
  accreditedFor: AccreditationScope[];
  maxPathLength?: number;
  /**
   * Keys of the subject to pin, each with its proof of possession: the subject's key pairs (when
   * this process holds them, the proof is made here), or keys the subject proved for this
   * accreditation's `id` with {@link proveKeyPossession}.
   */
  subjectKeys: (KeyPair | PossessedKey)[];
  validFrom: Date;
  validUntil: Date;
  /** Entry in the accreditor's revocation list through which it can withdraw this accreditation. */
  withdrawal?: { statusListCredential: string; statusListIndex: number };
  id?: string;
}

/** A CA accreditation's scope entry: certificate policies and/or mdoc docTypes, in one jurisdiction. */
export interface CaScopeInput {
  certificatePolicies?: string[];
  docTypes?: string[];
  jurisdiction: string;
}

/**
 * What an accreditation of a certification authority grants (issue 14): the CA is named by its
 * certificate (PEM or DER), which the accreditation carries whole; its subject id and pin are
 * derived from the certificate's SubjectPublicKeyInfo.
 */
export interface CaAccreditationInput {
  accreditor: KeyPair;
  role: 'ca';
  /** The CA certificate: DER bytes, or PEM (text or bytes). */
  subjectCertificate: Uint8Array | string;
  accreditedFor: CaScopeInput[];
  /** Extra cap on intermediate CAs below it, on top of the certificate's pathLenConstraint (default 0). */
  maxPathLength?: number;
  /** The CA declares certificateHold final (JPKI); default false. */
  holdFinal?: boolean;
  validFrom: Date;
  validUntil: Date;
  withdrawal?: { statusListCredential: string; statusListIndex: number };
  id?: string;
}

/**
 * Builds and signs an accreditation credential (eddsa-rdfc-2022 or ecdsa-rdfc-2019 by key type):
 * of an issuer or an accreditor with its pinned keys, or of a CA with its certificate.
 * @throws ValidationError a `CA_CERTIFICATE_*` code when the certificate is not a usable CA certificate.
 */
export async function issueAccreditation(
  input: AccreditationInput | CaAccreditationInput,
  documentLoader: DocumentLoader,
): Promise<Record<string, unknown>> {
  const id = input.id ?? `urn:uuid:${randomUUID()}`;
  const credential: Record<string, unknown> = {
    '@context': [VC_V2_CONTEXT_URL, TRUSTMESH_CONTEXT_URL],
    id,
    type: ['VerifiableCredential', ACCREDITATION_TYPE],
    issuer: input.accreditor.did,
    validFrom: isoSeconds(input.validFrom),
    validUntil: isoSeconds(input.validUntil),
    credentialSubject: input.role === 'ca' ? caSubject(input) : await keyedSubject(input as AccreditationInput, id),
  };
  if (input.withdrawal) {
    credential.credentialStatus = {
      id: `${input.withdrawal.statusListCredential}#${input.withdrawal.statusListIndex}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: String(input.withdrawal.statusListIndex),
      statusListCredential: input.withdrawal.statusListCredential,
    };
  }
  return signCredential(credential, input.accreditor, { documentLoader });
}

async function keyedSubject(input: AccreditationInput, id: string): Promise<Record<string, unknown>> {
  const publicKeys = await Promise.all(input.subjectKeys.map((key) => possessedKey(key, input.subject, id)));
  return {
    id: input.subject,
    role: input.role,
    // An accreditor's scope may name only policies or docTypes (to accredit CAs): no empty `types`.
    accreditedFor: input.accreditedFor.map(({ types, certificatePolicies, docTypes, ...rest }) => ({
      // (`types` may be left out by untyped callers: JSON input, tests.)
      ...((types ?? []).length > 0 || (!certificatePolicies && !docTypes) ? { types } : {}),
      ...(certificatePolicies ? { certificatePolicies } : {}),
      ...(docTypes ? { docTypes } : {}),
      ...rest,
    })),
    maxPathLength: input.maxPathLength ?? 0,
    publicKeys: publicKeys.map(pinnedKeyJson),
  };
}

// docs/records.md, Accreditation of a CA: the subject is the URN of the key's hash, the
// certificate canonical base64 of its DER; read (and checked as a CA certificate) here first.
function caSubject(input: CaAccreditationInput): Record<string, unknown> {
  const cert = parseCaCertificate(
    certificateDerOf(input.subjectCertificate, 'subjectCertificate'),
    'subjectCertificate',
  );
  return {
    id: caSubjectId(cert.spkiSha256),
    role: 'ca',
    caCertificate: Buffer.from(cert.der).toString('base64'),
    spkiSha256: cert.spkiSha256,
    accreditedFor: input.accreditedFor.map((s) => ({
      ...(s.certificatePolicies ? { certificatePolicies: s.certificatePolicies } : {}),
      ...(s.docTypes ? { docTypes: s.docTypes } : {}),
      jurisdiction: s.jurisdiction,
    })),
    maxPathLength: input.maxPathLength ?? 0,
    holdFinal: input.holdFinal ?? false,
  };
}

async function possessedKey(key: KeyPair | PossessedKey, subject: string, id: string): Promise<PossessedKey> {
  if ('verificationMethod' in key) {
    if (key.did !== subject) {
      throw reject(
        'ACCREDITATION_KEY_POSSESSION_INVALID',
        'subjectKeys',
        `${key.verificationMethod} belongs to ${key.did}, not to ${subject}`,
      );
    }
    return proveKeyPossession(key, id);
  }
  // A proof made elsewhere must be for this subject, key and accreditation id: check before signing.
  const bytes = keyPossessionBytes(subject, key.id, id);
  if (key.controller !== subject || !(await verifyBytes(bytes, key.proofOfPossession, key.publicKeyMultibase))) {
    throw reject(
      'ACCREDITATION_KEY_POSSESSION_INVALID',
      'subjectKeys',
      `the proof of possession of ${key.id} is not for (${subject}, ${key.id}, ${id})`,
    );
  }
  return { ...key };
}

/** What a status list version holds. */
export interface StatusListInput {
  issuer: KeyPair;
  /** The list credential's URL (its id). */
  id: string;
  statusPurpose: string | string[];
  bits: Uint8Array;
  statusSize?: number;
  statusMessage?: { status: string; message: string }[];
  /** Version order: a later validFrom supersedes. */
  validFrom: Date;
  validUntil?: Date;
  /** Milliseconds a copy may be relied on (the Recommendation's ttl). */
  ttl?: number;
}

/** Builds and signs a BitstringStatusListCredential version. */
export async function issueStatusList(
  input: StatusListInput,
  documentLoader: DocumentLoader,
): Promise<Record<string, unknown>> {
  const subject: Record<string, unknown> = {
    id: `${input.id}#list`,
    type: 'BitstringStatusList',
    statusPurpose: input.statusPurpose,
    encodedList: encodeStatusList(input.bits),
  };
  if (input.statusSize !== undefined && input.statusSize !== 1) subject.statusSize = input.statusSize;
  if (input.statusMessage) subject.statusMessage = input.statusMessage;
  if (input.ttl !== undefined) subject.ttl = input.ttl;
  // statusSize / statusMessage on a list need their context (contexts/index.ts, issue 12 item 9).
  const multiBit = subject.statusSize !== undefined || subject.statusMessage !== undefined;
  const credential: Record<string, unknown> = {
    '@context': multiBit ? [VC_V2_CONTEXT_URL, TRUSTMESH_STATUS_LIST_CONTEXT_V1_URL] : [VC_V2_CONTEXT_URL],
    id: input.id,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: input.issuer.did,
    validFrom: input.validFrom.toISOString(),
    ...(input.validUntil ? { validUntil: input.validUntil.toISOString() } : {}),
    credentialSubject: subject,
  };
  return signCredential(credential, input.issuer, { documentLoader });
}

// Whole seconds keep dates short and stable across languages that print them.
function isoSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** One entry to set in a new list version. */
export interface StatusChange {
  index: number;
  value: number;
}

/** What {@link nextStatusListVersion} produced: nothing (every entry already had its value) or a signed version. */
export type NextStatusListVersion =
  | { changed: false }
  | { changed: true; credential: Record<string, unknown>; validFrom: string; previous: Record<number, number> };

/**
 * Builds and signs the next version of a held status list with `changes` applied: same id, purposes,
 * statusSize and lifetime, and a validFrom strictly after the held one (nodes keep only newer
 * versions, DESIGN.md Records §3, ordered by validFrom: validation/status-list.ts), even when the
 * local clock lags it a little.
 *
 * The next validFrom is `max(now, floor + 1)`, the floor being the held version's validFrom (and
 * `after`, when given: a merge must be newer than a peer's copy too). A floor dated more than
 * `maxClockSkewMs` ahead of `now` is the mark of a clock that was stepped forward and then back:
 * every peer ignores such a version (STATUS_LIST_NOT_YET_VALID), so building on it would freeze the
 * list until real time catches up (issue 10, problem 3). Then the version is dated `now`; the caller
 * must first drop the unusable future version it holds (Registry.dropFutureStatusList).
 * With `after` or `force` the version is produced even when no entry changes (a merge of two
 * versions; a future-dated version re-dated now).
 * @throws ValidationError `STATUS_LIST_NOT_YOURS` when `keyPair` is not the list's issuer; `RANGE_ERROR`
 *   for an index outside the list.
 */
export async function nextStatusListVersion(
  held: StatusListCredential,
  changes: readonly StatusChange[],
  keyPair: KeyPair,
  options: { now: number; documentLoader: DocumentLoader; after?: number; maxClockSkewMs?: number; force?: boolean },
): Promise<NextStatusListVersion> {
  if (held.issuer !== keyPair.did) {
    throw reject(
      'STATUS_LIST_NOT_YOURS',
      'issuer',
      `status list ${held.id} is issued by ${held.issuer}, not by ${keyPair.did}`,
    );
  }
  const bits = new Uint8Array(held.bits);
  const previous: Record<number, number> = {};
  for (const change of changes) {
    previous[change.index] = readStatus(bits, change.index, held.statusSize);
    writeStatus(bits, change.index, held.statusSize, change.value);
  }
  const unchanged = changes.every((c) => previous[c.index] === c.value);
  if (unchanged && options.after === undefined && !options.force) return { changed: false };
  const validFromMs = nextValidFrom(held.validFrom, options);
  const { proof: _proof, ...unsigned } = structuredClone(held.credential) as Record<string, unknown>;
  (unsigned.credentialSubject as Record<string, unknown>).encodedList = encodeStatusList(bits);
  unsigned.validFrom = new Date(validFromMs).toISOString();
  if (held.validUntil !== undefined) {
    unsigned.validUntil = new Date(validFromMs + (held.validUntil - held.validFrom)).toISOString();
  }
  const credential = await signCredential(unsigned, keyPair, { documentLoader: options.documentLoader });
  return { changed: true, credential, validFrom: unsigned.validFrom as string, previous };
}

/**
 * validFrom (ms) of the version after one dated `heldValidFrom`: see {@link nextStatusListVersion}.
 * A floor within the skew allowance (a clock lagging a little) is still superseded; one beyond it
 * is unusable by any peer and is not built on.
 */
export function nextValidFrom(
  heldValidFrom: number,
  options: { now: number; after?: number; maxClockSkewMs?: number },
): number {
  const limit = options.now + (options.maxClockSkewMs ?? Number.POSITIVE_INFINITY);
  const floors = [heldValidFrom, ...(options.after === undefined ? [] : [options.after])].filter((f) => f <= limit);
  return floors.length === 0 ? options.now : Math.max(options.now, ...floors.map((f) => f + 1));
}
