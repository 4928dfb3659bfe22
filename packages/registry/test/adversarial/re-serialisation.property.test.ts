/**
 * Property (issue 9): any re-serialisation of a held record that keeps its signed content is a
 * DUPLICATE, never evidence — whatever combination of changes a relay makes where no signature looks.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { canonicalBytes } from '../../src/index.ts';
import { expectOutcome, makeWorld, snapshot, type World } from '../fixtures.ts';
import { malleateProof, reencodeProofValue, reverseTypes } from './equivocation-fixtures.ts';

type Json = Record<string, unknown>;

/** JSON text of `value` with members shuffled by `seed` and the given indentation: same value, other bytes. */
function shuffledText(value: unknown, seed: number, indent: number): string {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const shuffle = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(shuffle);
    if (v === null || typeof v !== 'object') return v;
    const entries = Object.entries(v as Json).map(([k, c]) => [k, shuffle(c)] as const);
    for (let i = entries.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [entries[i], entries[j]] = [entries[j] as (typeof entries)[number], entries[i] as (typeof entries)[number]];
    }
    return Object.fromEntries(entries);
  };
  return JSON.stringify(shuffle(value), null, indent);
}

async function expectDuplicate(world: World, variant: Json, seed: number, indent: number, asBytes: boolean) {
  const input = asBytes ? new TextEncoder().encode(shuffledText(variant, seed, indent)) : variant;
  await expectOutcome(world, input, 'ignore', 'DUPLICATE');
}

const layout = fc.record({ seed: fc.integer(), indent: fc.integer({ min: 0, max: 4 }), asBytes: fc.boolean() });

describe('property: a re-serialisation of a held record is a DUPLICATE, never evidence', () => {
  it('Data Integrity lists (Ed25519 and P-256): type order, multibase form, (r, n − s), member order, whitespace', async () => {
    const world = await makeWorld();
    const before = await snapshot(world.store);
    const held = {
      ed25519: structuredClone(world.registry.statusList(world.net.lists.jpHealthInsurer)?.list.credential) as Json,
      p256: structuredClone(world.registry.statusList(world.net.lists.twHealthInsurer)?.list.credential) as Json,
    };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<'ed25519' | 'p256'>('ed25519', 'p256'),
        fc.record({ reverse: fc.boolean(), reencode: fc.boolean(), malleate: fc.boolean() }),
        layout,
        async (which, change, { seed, indent, asBytes }) => {
          let variant = held[which];
          if (change.reverse) variant = reverseTypes(variant);
          // (r, n − s) first: it reads the base58btc form.
          if (change.malleate && which === 'p256') variant = malleateProof(variant);
          if (change.reencode) variant = reencodeProofValue(variant);
          await expectDuplicate(world, variant, seed, indent, asBytes);
        },
      ),
      { numRuns: 40 },
    );
    assert.deepEqual(await snapshot(world.store), before);
    assert.equal((await world.registry.evidence()).length, 0);
  });

  it('governance: any non-empty reordering or subset of signatures, optional members left out, member order, whitespace', async () => {
    const world = await makeWorld();
    const before = await snapshot(world.store);
    const genesis = structuredClone(world.net.records[0]) as Json;
    const signatures = genesis.signatures as Json[];
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(signatures, { minLength: 1 }),
        fc.boolean(),
        layout,
        async (subset, dropControllers, { seed, indent, asBytes }) => {
          const variant: Json = structuredClone({ ...genesis, signatures: subset });
          if (dropControllers) {
            // `controller` is optional in a pinned key (it defaults to the authority): not in the signed form's choice.
            for (const authority of variant.authorities as { publicKeys: Json[] }[]) {
              for (const key of authority.publicKeys) delete key.controller;
            }
          }
          await expectDuplicate(world, variant, seed, indent, asBytes);
        },
      ),
      { numRuns: 40 },
    );
    assert.deepEqual(await snapshot(world.store), before);
    assert.equal((await world.registry.evidence()).length, 0);
    // Sanity: the property's inputs really were other bytes than the held record.
    assert.notDeepEqual(canonicalBytes({ ...genesis, signatures: [...signatures].reverse() }), canonicalBytes(genesis));
  });
});
