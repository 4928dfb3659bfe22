/**
 * What an issuer adds to a credential before signing, per the data model version it is written in
 * (VC Data Model 1.1, https://www.w3.org/TR/vc-data-model-1.1/, and 2.0,
 * https://www.w3.org/TR/vc-data-model-2.0/): every term the issuer adds must be defined by a context
 * the credential lists, or JSON-LD safe mode refuses to sign it.
 *
 * - VC 1.1 (`https://www.w3.org/2018/credentials/v1` first): the base context does not define the
 *   Bitstring Status List terms, so a credential that gets (or has) a `BitstringStatusListEntry`
 *   lists the status context `https://www.w3.org/ns/credentials/status/v1` (Bitstring Status List
 *   v1.0 §2.1 says the entry's terms come from that context). The issuance time is `issuanceDate`
 *   (VC 1.1 §4.6: "A credential MUST have an issuanceDate property"); `validFrom` is a 2.0 term
 *   the 1.1 context does not define.
 * - VC 2.0 (`https://www.w3.org/ns/credentials/v2` first): the base context defines the status
 *   terms and `validFrom`; nothing is added. `id` is optional (§4.4).
 *
 * The Data Integrity context is added by the proof library itself when a credential lacks it
 * (data-integrity `ensureSuiteContext`), for both versions.
 */
import {
  BITSTRING_STATUS_LIST_CONTEXT_URL,
  CREDENTIALS_CONTEXT_V1_URL,
  CREDENTIALS_CONTEXT_V2_URL,
} from '../contexts/index.ts';
import { BITSTRING_STATUS_LIST_ENTRY_TYPE } from '../records/status-entry.ts';

/** The data model version a credential is written in, read from its first context. */
export type DataModelVersion = '1.1' | '2.0';

/**
 * The version a credential's first `@context` entry names (VC 1.1 §4.1, VC 2.0 §4.3: the first
 * item MUST be the base context), or null when it names neither.
 */
export function dataModelVersion(credential: Readonly<Record<string, unknown>>): DataModelVersion | null {
  const contexts = credential['@context'];
  const first = Array.isArray(contexts) ? contexts[0] : contexts;
  if (first === CREDENTIALS_CONTEXT_V1_URL) return '1.1';
  if (first === CREDENTIALS_CONTEXT_V2_URL) return '2.0';
  return null;
}

/** Options of {@link prepareForIssuance}. */
export interface PrepareIssuanceOptions {
  /** The clock, ms since the epoch: the issuance time written when the credential names none. */
  now: number;
  /** True when the issuer will add BitstringStatusListEntry entries (the credential names no status). */
  addsStatus: boolean;
}

/** A credential made ready for the issuer, and the contexts added to it. */
export interface PreparedIssuance {
  credential: Record<string, unknown>;
  /** Context URLs appended to `@context`, in order (empty when none was needed). */
  addedContexts: string[];
}

/**
 * Adds what signing needs for the credential's data model version (see the module comment). Returns
 * a new object; the input is not modified. A credential of neither version is returned unchanged:
 * the data model check names what is wrong with it.
 */
export function prepareForIssuance(
  credential: Readonly<Record<string, unknown>>,
  options: PrepareIssuanceOptions,
): PreparedIssuance {
  const prepared: Record<string, unknown> = { ...credential };
  const addedContexts: string[] = [];
  if (dataModelVersion(credential) !== '1.1') return { credential: prepared, addedContexts };
  const contexts = [credential['@context']].flat();
  if ((options.addsStatus || hasBitstringEntry(credential)) && !contexts.includes(BITSTRING_STATUS_LIST_CONTEXT_URL)) {
    contexts.push(BITSTRING_STATUS_LIST_CONTEXT_URL);
    addedContexts.push(BITSTRING_STATUS_LIST_CONTEXT_URL);
  }
  prepared['@context'] = contexts;
  // VC 1.1 §4.6: issuanceDate is required; it also anchors "accredited at issuance" on verification.
  if (prepared.issuanceDate === undefined && prepared.validFrom === undefined) {
    prepared.issuanceDate = `${new Date(options.now).toISOString().slice(0, 19)}Z`;
  }
  return { credential: prepared, addedContexts };
}

function hasBitstringEntry(credential: Readonly<Record<string, unknown>>): boolean {
  const status = credential.credentialStatus;
  if (status === undefined || status === null) return false;
  return [status].flat().some((entry) => {
    if (entry === null || typeof entry !== 'object') return false;
    const type = (entry as Record<string, unknown>).type;
    return [type].flat().includes(BITSTRING_STATUS_LIST_ENTRY_TYPE);
  });
}
