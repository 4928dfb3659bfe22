/**
 * Verification of a verifiable presentation (VC Data Model 2.0 §4.13 and 1.1 §4.10; Data Integrity
 * 1.0 §2.1 `challenge` / `domain`; VC-API `POST /presentations/verify`,
 * https://w3c-ccg.github.io/vc-api/#verify-presentation): the presentation's shape and contexts, its
 * proof (or proof set / chain) — an `authentication` proof by the holder, with the verifier's
 * challenge and domain — and every embedded credential verified as `verifyCredential` does,
 * independently. Verified only when the presentation and every credential are.
 *
 * A pure function of the presentation, the replica, the loader and the clock: it never throws for a
 * bad presentation, never stores it and never logs it.
 */

import { CREDENTIALS_CONTEXT_V1_URL, CREDENTIALS_CONTEXT_V2_URL } from '../contexts/index.ts';
import { allowListOf, checkDocumentContexts } from '../crypto/context-allow-list.ts';
import { PROOF_CODES, verifyCredentialProof } from '../crypto/proofs.ts';
import { ValidationError } from '../errors.ts';
import { isUrl } from '../records/status-entry.ts';
import { W3C_ERROR_CODES } from '../validation/codes.ts';
import { isObject } from '../validation/fields.ts';
import { proofTasks } from './proof-set.ts';
import {
  type AsOf,
  asOfStamp,
  type CheckResult,
  type VerificationResult,
  type VerifyOptions,
  verifyCredential,
} from './verify-credential.ts';

/** Embedded credentials verified per presentation: bounds the work of one request. */
export const MAX_PRESENTED_CREDENTIALS = 16;

/** What presentation verification reads, and what the verifier asked for. */
export interface VerifyPresentationOptions extends VerifyOptions {
  /** The challenge the verifier gave the holder (VC-API `options.challenge`); the proof must carry it. */
  challenge?: string;
  /** The verifier's domain (VC-API `options.domain`); the proof's `domain` must name it. */
  domain?: string;
  /**
   * True for a presentation without proof (VC-API `ProoflessVerifyPresentationRequest`): only its
   * shape and credentials are checked, and `verified` says nothing about who presented them.
   */
  unsigned?: boolean;
}

/** The answer to "is this presentation valid?". */
export interface PresentationVerificationResult {
  verified: boolean;
  /** Checks of the presentation itself: `presentation` (shape, contexts) and `proof`. */
  checks: CheckResult[];
  /** Each embedded credential's verification, in document order. */
  credentials: VerificationResult[];
  asOf: AsOf;
  warnings: string[];
}

/** Verifies a presentation and every credential in it; failures are reported, never thrown. */
export async function verifyPresentation(
  presentation: unknown,
  options: VerifyPresentationOptions,
): Promise<PresentationVerificationResult> {
  const checks: CheckResult[] = [];
  const warnings: string[] = [];
  const credentials: VerificationResult[] = [];
  const result = (): PresentationVerificationResult => {
    // The as-of stamp names every list version any credential read, once.
    const statusLists = new Map<string, AsOf['statusLists'][number]>();
    for (const c of credentials) {
      for (const l of c.asOf.statusLists) statusLists.set(`${l.id} ${l.digest}`, l);
      for (const w of c.warnings) if (!warnings.includes(w)) warnings.push(w);
    }
    return {
      // Something must have been verified: a proof, or (proofless) at least one credential.
      verified:
        checks.length + credentials.length > 0 &&
        checks.every((c) => c.outcome === 'pass') &&
        credentials.every((c) => c.verified),
      checks,
      credentials,
      asOf: { ...asOfStamp(options.view, new Map(), options.now), statusLists: [...statusLists.values()] },
      warnings,
    };
  };

  if (!isObject(presentation)) {
    checks.push(fail('presentation', W3C_ERROR_CODES.MALFORMED_VALUE_ERROR, 'the presentation must be a JSON object'));
    return result();
  }
  checks.push(...shapeChecks(presentation, options));
  const embedded = presentation.verifiableCredential;
  const list = embedded === undefined ? [] : [embedded].flat();
  if (list.length > MAX_PRESENTED_CREDENTIALS) {
    checks.push(
      fail(
        'presentation',
        W3C_ERROR_CODES.MALFORMED_VALUE_ERROR,
        `verifiableCredential: holds ${list.length} credentials; at most ${MAX_PRESENTED_CREDENTIALS} are verified`,
      ),
    );
  }
  if (options.unsigned) {
    if (presentation.proof !== undefined) warnings.push('the presentation has a proof, which was not checked');
  } else {
    checks.push(await presentationProofCheck(presentation, options, warnings));
  }
  for (const credential of list.slice(0, MAX_PRESENTED_CREDENTIALS)) {
    credentials.push(await verifyCredential(credential, options));
  }
  return result();
}

// VCDM 2.0 §4.13: a presentation's @context starts with the base context, its type includes
// VerifiablePresentation, `holder` (when present) is a URL, and `verifiableCredential` holds
// credentials (objects; an EnvelopedVerifiableCredential is not processed here). The contexts are
// vetted as a credential's are (crypto/context-allow-list.ts); each embedded credential names its own
// and is vetted on its own, so the presentation is vetted without them.
function shapeChecks(presentation: Record<string, unknown>, options: VerifyPresentationOptions): CheckResult[] {
  const failures: CheckResult[] = [];
  const malformed = (message: string) =>
    failures.push(fail('presentation', W3C_ERROR_CODES.MALFORMED_VALUE_ERROR, message));
  const contexts = presentation['@context'];
  const first = Array.isArray(contexts) ? contexts[0] : contexts;
  if (first !== CREDENTIALS_CONTEXT_V2_URL && first !== CREDENTIALS_CONTEXT_V1_URL) {
    malformed(
      `@context: must start with ${CREDENTIALS_CONTEXT_V2_URL} (VCDM 2.0 §4.3) or ${CREDENTIALS_CONTEXT_V1_URL}`,
    );
  }
  const types = [presentation.type].flat();
  if (!types.includes('VerifiablePresentation')) {
    malformed('type: must include "VerifiablePresentation" (VCDM 2.0 §4.13)');
  }
  if (presentation.holder !== undefined && !isUrl(holderOf(presentation))) {
    malformed('holder: must be a URL or an object whose id is a URL (VCDM 2.0 §4.13)');
  }
  const embedded = presentation.verifiableCredential;
  [embedded ?? []].flat().forEach((credential, i) => {
    const field = Array.isArray(embedded) ? `verifiableCredential[${i}]` : 'verifiableCredential';
    if (!isObject(credential)) malformed(`${field}: must be a credential object`);
    else if ([credential.type].flat().includes('EnvelopedVerifiableCredential')) {
      malformed(`${field}: enveloped credentials are not supported; embed the secured credential`);
    }
  });
  try {
    const { verifiableCredential: _credentials, ...rest } = presentation;
    checkDocumentContexts(rest, allowListOf(options.documentLoader));
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    failures.push(fail('presentation', error.code, error.message));
  }
  return failures;
}

// Data Integrity: every proof of the presentation (set or chain) is an `authentication` proof by the
// holder, carrying the verifier's challenge and domain; all must pass.
async function presentationProofCheck(
  presentation: Record<string, unknown>,
  options: VerifyPresentationOptions,
  warnings: string[],
): Promise<CheckResult> {
  const tasks = proofTasks(presentation);
  if (!Array.isArray(tasks)) return fail('proof', tasks.code, tasks.message);
  if (options.challenge === undefined) {
    warnings.push('no challenge was given: the presentation proof does not show the presentation is not a replay');
  }
  const holder = holderOf(presentation);
  const methods: string[] = [];
  for (const task of tasks) {
    const where = tasks.length > 1 ? `${task.field}: ` : '';
    // Without a holder, the presenter is whoever controls the proof's key (nothing read depends on it).
    const signer = holder ?? controllerOf(task.document.proof);
    if (signer === null) return fail('proof', PROOF_CODES.INVALID, `${where}proof.verificationMethod: must be a URL`);
    let outcome: Awaited<ReturnType<typeof verifyCredentialProof>>;
    try {
      outcome = await verifyCredentialProof(task.document, {
        documentLoader: options.documentLoader,
        previousProofs: task.previousProofs,
        authentication: {
          holder: signer,
          ...(options.challenge !== undefined ? { challenge: options.challenge } : {}),
          ...(options.domain !== undefined ? { domain: options.domain } : {}),
        },
      });
    } catch (error) {
      const code = error instanceof ValidationError ? error.code : PROOF_CODES.INVALID;
      return fail('proof', code, `${where}${(error as Error).message}`);
    }
    if (!outcome.verified) return fail('proof', outcome.error.code, `${where}${outcome.error.message}`);
    methods.push(`${outcome.verificationMethod} (${outcome.cryptosuite})`);
  }
  return {
    check: 'proof',
    outcome: 'pass',
    message: `presented by ${holder ?? 'the key holder'}: ${methods.join(', ')}`,
    details: {
      ...(holder ? { holder } : {}),
      ...(options.challenge !== undefined ? { challenge: true } : {}),
      ...(options.domain !== undefined ? { domain: options.domain } : {}),
    },
  };
}

function holderOf(presentation: Record<string, unknown>): string | null {
  const holder = presentation.holder;
  const id = isObject(holder) ? holder.id : holder;
  return typeof id === 'string' ? id : null;
}

function controllerOf(proof: unknown): string | null {
  if (!isObject(proof)) return null;
  const method = isObject(proof.verificationMethod) ? proof.verificationMethod.id : proof.verificationMethod;
  if (typeof method !== 'string' || !isUrl(method)) return null;
  return method.split('#')[0] ?? null;
}

function fail(check: CheckResult['check'], code: string, message: string): CheckResult {
  return { check, outcome: 'fail', code, message };
}
