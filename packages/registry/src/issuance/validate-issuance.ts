/**
 * The issuer's side of the data model (issue 12 item 8): an issuer must refuse to sign what a
 * verifier must reject. Before signing, a credential passes the same rules the verifier's
 * `credential` check applies — the VC Data Model's normative statements (verification/data-model.ts:
 * relatedResource ids and digests, `type` on credentialSchema / refreshService / termsOfUse /
 * evidence / credentialStatus, the Bitstring Status List entry rules) and the context allow-list
 * (crypto/context-allow-list.ts) — and is refused with the field and the rule named.
 */
import { allowListOf, checkDocumentContexts } from '../crypto/context-allow-list.ts';
import type { DocumentLoader } from '../crypto/types.ts';
import { ValidationError } from '../errors.ts';
import { dataModelProblems } from '../verification/data-model.ts';

/**
 * Throws the first rule a credential about to be signed breaks; `issuer` may still be absent (the
 * issuer sets it). Fields are prefixed with `prefix` (the request member holding the credential).
 * @throws ValidationError `MALFORMED_VALUE_ERROR` (data model) or a context allow-list code
 *   (`CONTEXT_NOT_ALLOWED`, `CONTEXT_INLINE_FORBIDDEN`, `CONTEXT_KEY_FORBIDDEN`, `CONTEXT_TYPE_UNDEFINED`, …).
 */
export function requireIssuable(
  credential: Readonly<Record<string, unknown>>,
  documentLoader: DocumentLoader,
  prefix = 'credential',
): void {
  const problems = dataModelProblems(credential, { beforeIssuance: true });
  try {
    checkDocumentContexts(credential, allowListOf(documentLoader));
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    problems.push(error);
  }
  const [first, ...more] = problems;
  if (!first) return;
  const field = first.field ? `${prefix}.${first.field}` : prefix;
  const detail =
    first.field && first.message.startsWith(`${first.field}: `)
      ? first.message.slice(first.field.length + 2)
      : first.message;
  const others = more.length > 0 ? ` (and ${more.length} more: ${more.map((p) => p.field ?? prefix).join(', ')})` : '';
  throw new ValidationError(first.code, `${detail}${others}`, { field, cause: first });
}
