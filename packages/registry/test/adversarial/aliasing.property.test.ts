/**
 * Property (issue 9, strict contexts): any aliasing context is refused. Whatever name an attacker
 * picks, whatever IRI of the allowed vocabularies it aliases and however it writes the definition
 * (a string, `@id`, a compact IRI through its own prefix, a type-scoped context), a document
 * carrying it inline is refused (CONTEXT_INLINE_FORBIDDEN), and an operator context carrying it is
 * refused at load (CONTEXT_TERM_CONFLICT) — so no key name the verifier does not read can reach a
 * signed IRI. Control: a fresh term under a fresh IRI is accepted in an operator context.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BUNDLED_CONTEXTS } from '../../src/contexts/index.ts';
import {
  BUNDLED_CONTEXT_ALLOW_LIST,
  buildContextAllowList,
  CONTEXT_INLINE_FORBIDDEN,
  CONTEXT_TERM_CONFLICT,
  checkDocumentContexts,
} from '../../src/crypto/context-allow-list.ts';
import { sha256Hex, ValidationError, VC_V2_CONTEXT_URL } from '../../src/index.ts';

const ALLOWED_IRIS = [...new Set(BUNDLED_CONTEXT_ALLOW_LIST.termIris.values())].filter((iri) => iri.includes(':'));
// Every term a bundled context defines, at every level: top-level terms, and those of type- and
// property-scoped contexts (e.g. `jwk` inside a key type), which an operator context may not redefine either.
const DEFINED_TERMS = new Set([
  ...BUNDLED_CONTEXT_ALLOW_LIST.termIris.keys(),
  ...scopedTerms([...BUNDLED_CONTEXTS.values()]),
]);

function scopedTerms(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(scopedTerms);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) =>
    key === '@context' ? termsOf(inner) : scopedTerms(inner),
  );
}

function termsOf(context: unknown): string[] {
  if (Array.isArray(context)) return context.flatMap(termsOf);
  if (context === null || typeof context !== 'object') return [];
  return Object.entries(context as Record<string, unknown>).flatMap(([term, definition]) => [
    ...(term.startsWith('@') ? [] : [term]),
    ...scopedTerms(definition),
  ]);
}

/** A term name an attacker might choose: not a keyword, not already defined. */
const aliasName = fc
  .stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,15}$/)
  .filter((name) => !DEFINED_TERMS.has(name) && name !== 'p');

/** Every way a context can map a name to an IRI. */
const definitionOf = (alias: string, iri: string, form: number): Record<string, unknown> => {
  const hash = Math.max(iri.lastIndexOf('#'), iri.lastIndexOf('/'));
  const [namespace, local] = [iri.slice(0, hash + 1), iri.slice(hash + 1)];
  switch (form) {
    case 0:
      return { [alias]: iri };
    case 1:
      return { [alias]: { '@id': iri } };
    case 2:
      return { [alias]: { '@id': iri, '@type': '@id' } };
    case 3:
      return local ? { p: namespace, [alias]: `p:${local}` } : { [alias]: iri };
    default:
      return {
        FreshTypeName: { '@id': 'https://fresh.example/ns#FreshTypeName', '@context': { [alias]: { '@id': iri } } },
      };
  }
};

function codeOf(run: () => unknown): string | null {
  try {
    run();
    return null;
  } catch (error) {
    assert.ok(error instanceof ValidationError, String(error));
    return error.code;
  }
}

const contextFile = (inner: Record<string, unknown>) => {
  const document = JSON.stringify({ '@context': inner });
  return { url: 'https://fresh.example/ctx/v1', document, sha256: sha256Hex(new TextEncoder().encode(document)) };
};

describe('property: any aliasing context is refused (issue 9)', () => {
  it('inline in a document: CONTEXT_INLINE_FORBIDDEN', () => {
    fc.assert(
      fc.property(aliasName, fc.constantFrom(...ALLOWED_IRIS), fc.integer({ min: 0, max: 4 }), (alias, iri, form) => {
        const document = {
          '@context': [VC_V2_CONTEXT_URL, definitionOf(alias, iri, form)],
          type: ['VerifiableCredential'],
          [alias]: 'x',
        };
        assert.equal(
          codeOf(() => checkDocumentContexts(document, BUNDLED_CONTEXT_ALLOW_LIST)),
          CONTEXT_INLINE_FORBIDDEN,
        );
      }),
      { numRuns: 300 },
    );
  });

  it('in an operator-added context: CONTEXT_TERM_CONFLICT', () => {
    fc.assert(
      fc.property(aliasName, fc.constantFrom(...ALLOWED_IRIS), fc.integer({ min: 0, max: 4 }), (alias, iri, form) => {
        assert.equal(
          codeOf(() => buildContextAllowList([contextFile(definitionOf(alias, iri, form))])),
          CONTEXT_TERM_CONFLICT,
          `${alias} → ${iri} (form ${form})`,
        );
      }),
      { numRuns: 300 },
    );
  });

  it('control: a fresh term under a fresh IRI is accepted in an operator context', () => {
    fc.assert(
      fc.property(aliasName, fc.integer({ min: 0, max: 3 }), (alias, form) => {
        const iri = `https://fresh.example/ns#${alias}`;
        assert.equal(
          codeOf(() => buildContextAllowList([contextFile(definitionOf(alias, iri, form))])),
          null,
        );
      }),
      { numRuns: 100 },
    );
  });
});
