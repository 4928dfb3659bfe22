/**
 * Data Integrity proofs on credentials (https://www.w3.org/TR/vc-data-integrity/): `eddsa-rdfc-2022`
 * and `ecdsa-rdfc-2019` (DataIntegrityProof), plus legacy `Ed25519Signature2020` for verification;
 * and raw signatures over bytes for governance records.
 *
 * Proof only: status and validity period are checked elsewhere (DESIGN.md, Verification). This is
 * why verification does not go through `vc.verifyCredential`, which enforces validFrom/validUntil
 * against `now` (vc/lib/index.js `_checkCredential`) and demands a status checker; it drives the
 * suites the way jsonld-signatures' ProofSet does, with cheap checks first and precise error codes.
 */

import { createHash } from 'node:crypto';
import { type Cryptosuite, DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as ecdsaRdfc2019 } from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import { Ed25519Signature2020 } from '@digitalbazaar/ed25519-signature-2020';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { CredentialIssuancePurpose, issue } from '@digitalbazaar/vc';
import { ValidationError, reject } from '../errors.ts';
import { DOCUMENT_LOADER_CODES } from './document-loader.ts';
import { type KeyPair, signerFor } from './keys.ts';
import { decodeMultibaseSignature, isHighS, SIGNATURE_CODES } from './low-s.ts';
import type { ProofOptionsCache } from './proof-options-cache.ts';
import type { DocumentLoader } from './types.ts';

/**
 * Codes of Data Integrity proof checks (https://www.w3.org/TR/vc-data-integrity/). All are
 * `reject`: a proof that does not verify now never will.
 */
export const PROOF_CODES = {
  /** `reject` — a cryptosuite or proof type this registry does not verify, or that does not fit the key. */
  SUITE_UNSUPPORTED: 'PROOF_SUITE_UNSUPPORTED',
  /** `reject` — the credential is not a JSON object, has no usable issuer, or cannot be signed. */
  CREDENTIAL_MALFORMED: 'CREDENTIAL_MALFORMED',
  /** `reject` — the document has no proof. */
  MISSING: 'PROOF_MISSING',
  /** `reject` — more than one proof where exactly one is expected. */
  SET_UNSUPPORTED: 'PROOF_SET_UNSUPPORTED',
  /** `reject` — the proof is malformed, of the wrong purpose, or its signature does not verify. */
  INVALID: 'PROOF_INVALID',
  /** `reject` — the verification method cannot be loaded, or names no controller. */
  KEY_UNKNOWN: 'PROOF_KEY_UNKNOWN',
  /** `reject` — the verification method is marked `revoked`. */
  KEY_REVOKED: 'PROOF_KEY_REVOKED',
  /** `reject` — the key is not controlled by the issuer (or holder), or its controller does not authorise it. */
  WRONG_CONTROLLER: 'PROOF_WRONG_CONTROLLER',
  /** `reject` — a presentation proof whose `challenge` is not the one the verifier gave (Data Integrity §2.1). */
  CHALLENGE_MISMATCH: 'PROOF_CHALLENGE_MISMATCH',
  /** `reject` — a presentation proof whose `domain` does not name the verifier's (Data Integrity §2.1). */
  DOMAIN_MISMATCH: 'PROOF_DOMAIN_MISMATCH',
} as const;

// Raw signatures live with the keys; re-exported here beside the credential proofs.
export { signBytes, verifyBytes } from './keys.ts';

/** Data Integrity cryptosuites the registry signs with. */
export type CryptosuiteName = 'eddsa-rdfc-2022' | 'ecdsa-rdfc-2019';

/** The legacy proof type still accepted on verification. */
export const LEGACY_ED25519_2020 = 'Ed25519Signature2020';

const CRYPTOSUITES = Object.freeze({ 'eddsa-rdfc-2022': eddsaRdfc2022, 'ecdsa-rdfc-2019': ecdsaRdfc2019 });

/** A JSON object (a credential, a proof). */
export type JsonRecord = Record<string, unknown>;

/** Options of {@link signCredential}. */
export interface SignCredentialOptions {
  /** Defaults to `eddsa-rdfc-2022` for Ed25519 keys and `ecdsa-rdfc-2019` for P-256 keys. */
  cryptosuite?: CryptosuiteName;
  documentLoader: DocumentLoader;
  /**
   * The proof's `created`. Omitted by default (Data Integrity makes it optional), which keeps
   * signing a pure function of its inputs: the same credential and key give the same bytes.
   */
  date?: Date;
  /** Verification method the proof names, when not `keyPair.verificationMethod` (e.g. a pinned did:web key). */
  verificationMethod?: string;
}

/**
 * Signs a credential with a Data Integrity proof (via `vc.issue`, which also runs the VC data-model
 * checks). Returns a new object; the input is not modified. It does not check that the key's
 * controller is the credential's issuer — verification does. Throws a ValidationError:
 * `PROOF_SUITE_UNSUPPORTED` (cryptosuite does not fit the key), `DOCUMENT_LOADER_REFUSED` (unknown
 * context), `CREDENTIAL_MALFORMED` (data-model violation, or a term no context defines).
 */
export async function signCredential(
  credential: JsonRecord,
  keyPair: KeyPair,
  options: SignCredentialOptions,
): Promise<JsonRecord> {
  const name = options.cryptosuite ?? (keyPair.type === 'Ed25519' ? 'eddsa-rdfc-2022' : 'ecdsa-rdfc-2019');
  const fits = name === 'eddsa-rdfc-2022' ? keyPair.type === 'Ed25519' : keyPair.type === 'P-256';
  if (!fits) {
    throw reject(PROOF_CODES.SUITE_UNSUPPORTED, 'cryptosuite', `${name} cannot sign with a ${keyPair.type} key`);
  }
  const signer = await signerFor(keyPair, options.verificationMethod ?? keyPair.verificationMethod);
  // `null` tells DataIntegrityProof to omit `created` instead of stamping the wall clock.
  const suite = new DataIntegrityProof({ signer, cryptosuite: CRYPTOSUITES[name], date: options.date ?? null });
  try {
    // vc.issue adds the proof to the object it is given: hand it a copy.
    return await issue({ credential: structuredClone(credential), suite, documentLoader: options.documentLoader });
  } catch (error) {
    const cause = registryErrorIn(error);
    if (cause) throw cause;
    throw reject(PROOF_CODES.CREDENTIAL_MALFORMED, undefined, `cannot sign: ${messageOf(error)}`, error);
  }
}

/** Options of {@link verifyCredentialProof}. */
export interface VerifyProofOptions {
  documentLoader: DocumentLoader;
  /** When set, the key's controller must also be this DID (besides being the credential's issuer). */
  expectedController?: string;
  /**
   * The proofs a chained proof's `previousProof` names (Data Integrity 1.0 §4.5, proof chains): the
   * proof is verified over the document with `proof` set to them, as it was signed. Callers resolve
   * them from the proof set (verification/proof-set.ts).
   */
  previousProofs?: readonly JsonRecord[];
  /**
   * Verify an `authentication` proof of a presentation's holder (Data Integrity 1.0 §2.1
   * `challenge`, `domain`; VC Data Model 2.0 §4.13) instead of an issuer's `assertionMethod` proof:
   * the key's controller must be `holder` and list it under `authentication`; `challenge` and
   * `domain`, when given, must be the proof's.
   */
  authentication?: { holder: string; challenge?: string; domain?: string };
}

/** Outcome of {@link verifyCredentialProof}. */
export type ProofVerification =
  | { verified: true; verificationMethod: string; cryptosuite: string }
  | { verified: false; error: ValidationError };

/**
 * Verifies the one proof of a credential: signature, and that the key is an `assertionMethod` of its
 * controller, who must be the issuer (and `expectedController`, if given). Never checks status or
 * validity period. Does not throw for a bad credential; the error codes are `PROOF_MISSING`,
 * `PROOF_SET_UNSUPPORTED`, `PROOF_SUITE_UNSUPPORTED`, `PROOF_KEY_UNKNOWN`, `PROOF_WRONG_CONTROLLER`,
 * `PROOF_KEY_REVOKED`, `PROOF_INVALID`, `DOCUMENT_LOADER_REFUSED` (a context that is not bundled),
 * `CREDENTIAL_MALFORMED`.
 */
export async function verifyCredentialProof(
  credential: unknown,
  options: VerifyProofOptions,
): Promise<ProofVerification> {
  try {
    return await verifyOrThrow(credential, options);
  } catch (error) {
    if (error instanceof ValidationError) return { verified: false, error };
    throw error;
  }
}

async function verifyOrThrow(credential: unknown, options: VerifyProofOptions): Promise<ProofVerification> {
  const { documentLoader, expectedController, authentication } = options;
  if (!isRecord(credential))
    throw reject(PROOF_CODES.CREDENTIAL_MALFORMED, undefined, 'credential must be a JSON object');
  const { proof: proofValue, ...document } = credential;
  const proofs = proofValue === undefined || proofValue === null ? [] : [proofValue].flat();
  if (proofs.length === 0) throw reject(PROOF_CODES.MISSING, 'proof', 'the credential has no proof');
  // One signer per record (DESIGN.md, Records): a proof set would raise "which one counts" questions.
  // Credentials may carry sets and chains: verification/proof-set.ts hands them here one proof at a time.
  if (proofs.length > 1)
    throw reject(PROOF_CODES.SET_UNSUPPORTED, 'proof', `expected one proof, found ${proofs.length}`);
  const bare = proofs[0];
  if (!isRecord(bare)) throw reject(PROOF_CODES.INVALID, 'proof', 'must be an object');
  // As jsonld-signatures' ProofSet does: the proof is read in the credential's context.
  const proof: JsonRecord = { '@context': document['@context'], ...bare };

  const { suite, name } = suiteFor(proof, documentLoader.proofOptionsCache);
  // Data Integrity 1.0 §4.5: a chained proof signs the document with its previous proofs in `proof`.
  const signed: JsonRecord = options.previousProofs?.length
    ? { ...document, proof: [...options.previousProofs] }
    : document;
  if (authentication) checkAuthenticationOptions(proof, authentication);
  const purpose = new CredentialIssuancePurpose();
  if (!authentication && !(await purpose.match(proof, { document }))) {
    throw reject(
      PROOF_CODES.INVALID,
      'proof.proofPurpose',
      `must be "assertionMethod", not ${JSON.stringify(proof.proofPurpose)}`,
    );
  }
  const methodId = idOf(proof.verificationMethod);
  if (!methodId) throw reject(PROOF_CODES.INVALID, 'proof.verificationMethod', 'must be a URL');

  // Cheap checks before canonicalization: is the key known, and is it the issuer's?
  const method = await load(documentLoader, methodId, 'verification method');
  if (method.id !== methodId) {
    throw reject(PROOF_CODES.KEY_UNKNOWN, 'proof.verificationMethod', `loading ${methodId} gave ${String(method.id)}`);
  }
  // DataIntegrityProof does not look at `revoked` (only the legacy suite does); a revoked key signs nothing.
  if (method.revoked !== undefined) {
    throw reject(
      PROOF_CODES.KEY_REVOKED,
      'proof.verificationMethod',
      `${methodId} was revoked (${String(method.revoked)})`,
    );
  }
  const controller = idOf(method.controller);
  if (!controller) throw reject(PROOF_CODES.KEY_UNKNOWN, 'proof.verificationMethod', `${methodId} names no controller`);
  const issuer = authentication ? authentication.holder : idOf(document.issuer);
  if (!issuer) throw reject(PROOF_CODES.CREDENTIAL_MALFORMED, 'issuer', 'must be a URL or an object with an id');
  if (controller !== issuer) {
    throw reject(
      PROOF_CODES.WRONG_CONTROLLER,
      'proof.verificationMethod',
      `${methodId} is controlled by ${controller}, not by the ${authentication ? 'holder' : 'issuer'} ${issuer}`,
    );
  }
  if (expectedController !== undefined && controller !== expectedController) {
    throw reject(
      PROOF_CODES.WRONG_CONTROLLER,
      'proof.verificationMethod',
      `${methodId} is controlled by ${controller}, not by ${expectedController}`,
    );
  }
  const controllerDocument = await load(documentLoader, controller, 'controller document');
  // [REJECT] low-S rule (low-s.ts): (r, n − s) is a valid ECDSA signature anyone can make from a held
  // one, so a relay could mint "different" records with the same signed content (issue 9).
  if (name === 'ecdsa-rdfc-2019' && typeof proof.proofValue === 'string') {
    const signature = decodeMultibaseSignature(proof.proofValue);
    if (signature && isHighS(signature)) {
      throw reject(SIGNATURE_CODES.HIGH_S, 'proof.proofValue', 'is a high-S ECDSA signature; only s ≤ n/2 is accepted');
    }
  }

  const result = await suite.verifyProof({ proof, proofSet: [proof], document: signed, documentLoader });
  if (!result.verified) {
    const cause = registryErrorIn(result.error);
    if (cause?.code === DOCUMENT_LOADER_CODES.REFUSED) throw cause;
    throw reject(
      PROOF_CODES.INVALID,
      'proof',
      `${name} proof does not verify: ${messageOf(result.error)}`,
      result.error,
    );
  }
  if (authentication) {
    // The holder's key must be listed under its controller's `authentication` (DID Core §5.3.1).
    if (!listsMethod(controllerDocument.authentication, methodId, controller)) {
      throw reject(
        PROOF_CODES.WRONG_CONTROLLER,
        'proof.verificationMethod',
        `${methodId} is not an authentication method of ${controller}`,
      );
    }
    return { verified: true, verificationMethod: methodId, cryptosuite: name };
  }
  // The library's assertionMethod check, with the controller document we already hold (so it is
  // not re-fetched or JSON-LD-framed): the key must be listed under the controller's assertionMethod.
  const authorised = await new CredentialIssuancePurpose({ controller: controllerDocument }).validate(proof, {
    document: signed,
    suite,
    verificationMethod: result.verificationMethod ?? method,
    documentLoader,
  });
  if (!authorised.valid) {
    throw reject(
      PROOF_CODES.WRONG_CONTROLLER,
      'proof.verificationMethod',
      messageOf(authorised.error),
      authorised.error,
    );
  }
  return { verified: true, verificationMethod: methodId, cryptosuite: name };
}

/**
 * SHA-256 (hex) of what the one proof of `credential` signs — the suite's verify data: the hash of
 * the canonical (RDFC-1.0) proof options and the hash of the canonical document — computed without
 * checking the signature. Two records with the same value carry the same signed content, however
 * their JSON differs (type order, member order, multibase form, an ECDSA re-signature): one is a
 * re-serialisation of the other, never equivocation (issue 9). Null when it cannot be computed (no
 * single proof, unknown suite or key, a term no context defines): the caller's proof check then
 * gives the precise error.
 */
export async function signedContentDigest(credential: unknown, documentLoader: DocumentLoader): Promise<string | null> {
  if (!isRecord(credential)) return null;
  const { proof: proofValue, ...document } = credential;
  if (!isRecord(proofValue)) return null;
  const proof: JsonRecord = { '@context': document['@context'], ...proofValue };
  let captured: Uint8Array | null = null;
  try {
    const { suite } = suiteFor(proof, documentLoader.proofOptionsCache);
    // The library computes the verify data exactly as it does when verifying, then hands it to
    // verifySignature: take it there and stop, so no signature is checked.
    Object.defineProperty(suite, 'verifySignature', {
      value: async ({ verifyData }: { verifyData: Uint8Array }) => {
        captured = verifyData;
        return false;
      },
    });
    await suite.verifyProof({ proof, proofSet: [proof], document, documentLoader });
  } catch {
    return null;
  }
  const data = captured as Uint8Array | null;
  return data instanceof Uint8Array ? createHash('sha256').update(data).digest('hex') : null;
}

function suiteFor(
  proof: JsonRecord,
  proofOptionsCache: ProofOptionsCache | undefined,
): { suite: DataIntegrityProof | Ed25519Signature2020; name: string } {
  if (proof.type === 'DataIntegrityProof') {
    const name = proof.cryptosuite;
    if (name === 'eddsa-rdfc-2022' || name === 'ecdsa-rdfc-2019') {
      const cryptosuite = CRYPTOSUITES[name];
      const suite = proofOptionsCache
        ? new MemoizedDataIntegrityProof(cryptosuite, proofOptionsCache)
        : new DataIntegrityProof({ cryptosuite });
      return { suite, name };
    }
    throw reject(
      PROOF_CODES.SUITE_UNSUPPORTED,
      'proof.cryptosuite',
      `cryptosuite ${JSON.stringify(name)} is not supported (eddsa-rdfc-2022, ecdsa-rdfc-2019)`,
    );
  }
  if (proof.type === LEGACY_ED25519_2020) return { suite: new Ed25519Signature2020(), name: LEGACY_ED25519_2020 };
  throw reject(
    PROOF_CODES.SUITE_UNSUPPORTED,
    'proof.type',
    `proof type ${JSON.stringify(proof.type)} is not supported (DataIntegrityProof, Ed25519Signature2020)`,
  );
}

/**
 * DataIntegrityProof that takes the canonical proof options from the loader's memo
 * (proof-options-cache.ts) instead of canonicalizing them for every proof. The document is
 * canonicalized and the signature checked by the library as always. Cryptosuites with their own
 * `createVerifyData` (ecdsa-rdfc-2019) never call `canonizeProof`, so they are unaffected.
 */
class MemoizedDataIntegrityProof extends DataIntegrityProof {
  readonly #cache: ProofOptionsCache;

  constructor(cryptosuite: Cryptosuite, cache: ProofOptionsCache) {
    super({ cryptosuite });
    this.#cache = cache;
  }

  override canonizeProof(
    proof: Record<string, unknown>,
    options: { document: Record<string, unknown>; documentLoader: (url: string) => Promise<unknown> },
  ): Promise<string> {
    // The key is what the library canonicalizes: the proof read in the document's @context.
    return this.#cache.canonical({ '@context': options.document['@context'], ...proof }, () =>
      super.canonizeProof(proof, options),
    );
  }
}

async function load(documentLoader: DocumentLoader, id: string, what: string): Promise<JsonRecord> {
  let document: unknown;
  try {
    ({ document } = await documentLoader(id));
  } catch (cause) {
    const reason = cause instanceof ValidationError ? `${cause.code}: ${cause.message}` : messageOf(cause);
    throw reject(PROOF_CODES.KEY_UNKNOWN, 'proof.verificationMethod', `cannot load ${what} ${id} (${reason})`, cause);
  }
  if (!isRecord(document))
    throw reject(PROOF_CODES.KEY_UNKNOWN, 'proof.verificationMethod', `${what} ${id} is not an object`);
  return document;
}

// Library errors wrap ours: jsonld's JsonLdError keeps it in `details.cause`, others in `cause`.
function registryErrorIn(error: unknown, depth = 0): ValidationError | undefined {
  if (error instanceof ValidationError) return error;
  if (!isRecord(error) || depth > 8) return undefined;
  const details = isRecord(error.details) ? error.details : {};
  for (const next of [error.cause, details.cause, ...(Array.isArray(error.errors) ? error.errors : [])]) {
    const found = registryErrorIn(next, depth + 1);
    if (found) return found;
  }
  return undefined;
}

function messageOf(error: unknown): string {
  if (Array.isArray(error)) return error.map(messageOf).join('; ');
  if (!(error instanceof Error)) return String(error);
  // jsonld safe-mode errors carry the offending event (e.g. an undefined term) in `details.event`.
  const event = isRecord(error) && isRecord(error.details) ? error.details.event : undefined;
  if (!isRecord(event)) return error.message;
  const details = isRecord(event.details) ? event.details : {};
  const term = details.property ?? details.type ?? details.id;
  return `${error.message} ${String(event.message ?? event.code)}${term === undefined ? '' : ` (${JSON.stringify(term)})`}`;
}

/** {@link PROOF_CODES}.CHALLENGE_MISMATCH, kept for existing importers. */
export const PROOF_CHALLENGE_MISMATCH = PROOF_CODES.CHALLENGE_MISMATCH;
/** {@link PROOF_CODES}.DOMAIN_MISMATCH, kept for existing importers. */
export const PROOF_DOMAIN_MISMATCH = PROOF_CODES.DOMAIN_MISMATCH;

// Data Integrity 1.0 §2.1: proofPurpose "authentication"; `challenge` and `domain` are what the
// verifier asked for (a replayed presentation carries another challenge); `domain` may be a list.
function checkAuthenticationOptions(proof: JsonRecord, expected: { challenge?: string; domain?: string }): void {
  if (proof.proofPurpose !== 'authentication') {
    throw reject(
      PROOF_CODES.INVALID,
      'proof.proofPurpose',
      `must be "authentication", not ${JSON.stringify(proof.proofPurpose)}`,
    );
  }
  if (expected.challenge !== undefined && proof.challenge !== expected.challenge) {
    throw reject(PROOF_CODES.CHALLENGE_MISMATCH, 'proof.challenge', 'is not the challenge the verifier gave');
  }
  if (expected.domain !== undefined) {
    const domains = [proof.domain].flat();
    if (!domains.includes(expected.domain)) {
      throw reject(
        PROOF_CODES.DOMAIN_MISMATCH,
        'proof.domain',
        `does not name the verifier's domain ${expected.domain}`,
      );
    }
  }
}

function listsMethod(relationship: unknown, methodId: string, controller: string): boolean {
  if (!Array.isArray(relationship)) return false;
  return relationship.some((entry) => {
    const id = idOf(entry);
    return id === methodId || (id?.startsWith('#') === true && `${controller}${id}` === methodId);
  });
}

function idOf(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (isRecord(value) && typeof value.id === 'string' && value.id !== '') return value.id;
  return undefined;
}

function isRecord(value: unknown): value is JsonRecord {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
