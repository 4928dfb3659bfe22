/**
 * Signs a verifiable presentation as its holder (VC Data Model 2.0 §4.13): a Data Integrity
 * `authentication` proof (eddsa-rdfc-2022 or ecdsa-rdfc-2019) carrying the verifier's `challenge`
 * and, when given, its `domain` (Data Integrity 1.0 §2.1), made by the reference library
 * (`@digitalbazaar/vc` signPresentation, which also runs its presentation data-model checks). For
 * holders, tests and tools; verification is verification/verify-presentation.ts.
 */
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as ecdsaRdfc2019 } from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';
import { type KeyPair, signerFor } from '../crypto/keys.ts';
import type { DocumentLoader } from '../crypto/types.ts';
import { ValidationError, reject } from '../errors.ts';

/** Codes of presentation signing. */
export const PRESENTATION_CODES = {
  /** `reject` — the presentation cannot be signed as given (the signing library refused it). */
  MALFORMED: 'PRESENTATION_MALFORMED',
} as const;

/** Options of {@link signPresentation}. */
export interface SignPresentationOptions {
  documentLoader: DocumentLoader;
  /** The verifier's challenge (required: a presentation proof without one can be replayed). */
  challenge: string;
  /** The verifier's domain, when it gave one. */
  domain?: string;
  /** Verification method the proof names, when not `keyPair.verificationMethod`. */
  verificationMethod?: string;
}

type SignPresentationFn = (options: {
  presentation: Record<string, unknown>;
  suite: unknown;
  documentLoader: DocumentLoader;
  challenge: string;
  domain?: string;
}) => Promise<Record<string, unknown>>;

/**
 * Adds the holder's proof to a presentation; returns a new object.
 * @throws ValidationError `PRESENTATION_MALFORMED` (the library's data-model checks, or a term no
 *   context defines), or a context loader refusal.
 */
export async function signPresentation(
  presentation: Record<string, unknown>,
  keyPair: KeyPair,
  options: SignPresentationOptions,
): Promise<Record<string, unknown>> {
  const cryptosuite = keyPair.type === 'Ed25519' ? eddsaRdfc2022 : ecdsaRdfc2019;
  const signer = await signerFor(keyPair, options.verificationMethod ?? keyPair.verificationMethod);
  const suite = new DataIntegrityProof({ signer, cryptosuite, date: null });
  const sign = (vc as unknown as { signPresentation: SignPresentationFn }).signPresentation;
  try {
    return await sign({
      presentation: structuredClone(presentation),
      suite,
      documentLoader: options.documentLoader,
      challenge: options.challenge,
      ...(options.domain !== undefined ? { domain: options.domain } : {}),
    });
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    throw reject(PRESENTATION_CODES.MALFORMED, undefined, `cannot sign: ${(error as Error).message}`, error);
  }
}
