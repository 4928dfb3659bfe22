/**
 * JSON-LD contexts bundled with the registry. Verification reads no network (DESIGN.md, Principle 5),
 * so every context a record may use ships in the package and is served by the document loader.
 *
 * Each document is deep-frozen once, here, so the loader hands out the very same object on every call:
 * jsonld.js caches resolved contexts by URL and processed contexts by object identity.
 */
import { contexts as credentialsContexts } from '@digitalbazaar/credentials-context';
import dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import { contexts as bitstringStatusListContexts } from '@digitalbazaar/vc-bitstring-status-list-context';
import ed25519Signature2020Context from 'ed25519-signature-2020-context';
import examplesV1 from './examples-v1.json' with { type: 'json' };
import multikeyV1 from './multikey-v1.json' with { type: 'json' };
import trustmeshStatusListV1 from './trustmesh-status-list-v1.json' with { type: 'json' };
import trustmeshV1 from './trustmesh-v1.json' with { type: 'json' };
import w3cExamplesV1 from './w3c-examples-v1.json' with { type: 'json' };
import w3cExamplesV2 from './w3c-examples-v2.json' with { type: 'json' };

/** URL of the trustmesh vocabulary context (accreditation terms). */
export const TRUSTMESH_CONTEXT_V1_URL = 'https://w3id.org/trustmesh/v1';
/** VC Data Model 1.1 base context (legacy credentials only). */
export const CREDENTIALS_CONTEXT_V1_URL = 'https://www.w3.org/2018/credentials/v1';
/** VC Data Model 2.0 base context. */
export const CREDENTIALS_CONTEXT_V2_URL = 'https://www.w3.org/ns/credentials/v2';
/** Data Integrity v1 context. */
export const DATA_INTEGRITY_CONTEXT_V1_URL = 'https://w3id.org/security/data-integrity/v1';
/** Data Integrity v2 context. */
export const DATA_INTEGRITY_CONTEXT_V2_URL = 'https://w3id.org/security/data-integrity/v2';
/** Ed25519Signature2020 suite context (legacy proofs). */
export const ED25519_2020_CONTEXT_URL = 'https://w3id.org/security/suites/ed25519-2020/v1';
/** Bitstring Status List v1.0 context (its terms are also in the VC 2.0 context). */
export const BITSTRING_STATUS_LIST_CONTEXT_URL = 'https://www.w3.org/ns/credentials/status/v1';
/** Multikey v1 context (https://www.w3.org/TR/cid-1.0/#multikey), used by did:key documents. */
export const MULTIKEY_CONTEXT_V1_URL = 'https://w3id.org/security/multikey/v1';

/**
 * The trustmesh v1 context document: `VerifiableAccreditation` and the accreditation subject terms
 * (`role`, `accreditedFor`, `types`, `jurisdiction`, `maxPathLength`, `publicKeys`), all protected.
 */
/**
 * Credential types of the demo and tests (health insurance, national id, driver's licence). Real
 * programmes publish their own contexts and pass them as `extraContexts`.
 */
export const EXAMPLES_CONTEXT_V1_URL = 'https://w3id.org/trustmesh/examples/v1';

/**
 * The W3C examples contexts, which the VC Recommendations' own examples and the W3C test suites use
 * (e.g. VCDM 2.0 Example 1: `["https://www.w3.org/ns/credentials/v2",
 * "https://www.w3.org/ns/credentials/examples/v2"]`). Bundled as vocabularies for interop and test
 * vectors, as published: each is `{"@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}}`
 * and defines no term. Every key and type name no other listed context defines expands into the
 * examples namespace (`…/examples#alumniOf`): never into the credentials, status or security
 * vocabularies, whose names are defined and `@protected` by their own contexts. How the allow-list
 * treats their `@vocab` (type names, operator contexts) is explained in crypto/context-allow-list.ts.
 */
export const W3C_EXAMPLES_CONTEXT_V1_URL = 'https://www.w3.org/ns/credentials/examples/v1';
/** The W3C examples context v2 (see {@link W3C_EXAMPLES_CONTEXT_V1_URL}). */
export const W3C_EXAMPLES_CONTEXT_V2_URL = 'https://www.w3.org/ns/credentials/examples/v2';
/**
 * `statusSize` and `statusMessage` on a BitstringStatusList (Bitstring Status List §2.2: a list with
 * the `message` purpose carries its statusSize and its status messages), which the VCDM 2.0 and
 * status contexts define only inside BitstringStatusListEntry: without it such a list cannot be
 * signed (JSON-LD safe mode drops the terms). The two terms have exactly the names, IRIs and
 * definitions the status context gives them in the entry (status#statusSize, status#statusMessage
 * with `status` and `message`), so the allow-list's one name, one IRI map is unchanged. Listed
 * after the VCDM 2.0 context by issueStatusList when a list has either.
 */
export const TRUSTMESH_STATUS_LIST_CONTEXT_V1_URL = 'https://w3id.org/trustmesh/status-list/v1';

/** The vocabulary the W3C examples contexts map undefined terms to (their `@vocab`). */
export const W3C_EXAMPLES_VOCABULARY = 'https://www.w3.org/ns/credentials/examples#';

export const TRUSTMESH_CONTEXT_V1: Readonly<Record<string, unknown>> = deepFreeze(structuredClone(trustmeshV1));

/** Every bundled context document by URL, deep-frozen. */
export const BUNDLED_CONTEXTS: ReadonlyMap<string, Readonly<Record<string, unknown>>> = new Map(
  (
    [
      [CREDENTIALS_CONTEXT_V1_URL, credentialsContexts.get(CREDENTIALS_CONTEXT_V1_URL)],
      [CREDENTIALS_CONTEXT_V2_URL, credentialsContexts.get(CREDENTIALS_CONTEXT_V2_URL)],
      [DATA_INTEGRITY_CONTEXT_V1_URL, dataIntegrityContext.contexts.get(DATA_INTEGRITY_CONTEXT_V1_URL)],
      [DATA_INTEGRITY_CONTEXT_V2_URL, dataIntegrityContext.contexts.get(DATA_INTEGRITY_CONTEXT_V2_URL)],
      [ED25519_2020_CONTEXT_URL, ed25519Signature2020Context.contexts.get(ED25519_2020_CONTEXT_URL)],
      [BITSTRING_STATUS_LIST_CONTEXT_URL, bitstringStatusListContexts.get(BITSTRING_STATUS_LIST_CONTEXT_URL)],
      [MULTIKEY_CONTEXT_V1_URL, multikeyV1],
      [TRUSTMESH_CONTEXT_V1_URL, TRUSTMESH_CONTEXT_V1],
      [EXAMPLES_CONTEXT_V1_URL, examplesV1],
      [W3C_EXAMPLES_CONTEXT_V1_URL, w3cExamplesV1],
      [W3C_EXAMPLES_CONTEXT_V2_URL, w3cExamplesV2],
      [TRUSTMESH_STATUS_LIST_CONTEXT_V1_URL, trustmeshStatusListV1],
    ] as const
  ).map(([url, document]) => {
    // A missing entry means a context package changed shape: fail at load time, not mid-verification.
    if (document === undefined) throw new Error(`bundled context ${url} is missing from its package`);
    // Copy before freezing: the context packages' own objects belong to them.
    const frozen = Object.isFrozen(document) ? document : deepFreeze(structuredClone(document));
    return [url, frozen as Readonly<Record<string, unknown>>];
  }),
);

/** Freezes a JSON value and everything inside it; returns the same value. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
