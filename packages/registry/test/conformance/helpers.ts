/**
 * Helpers of the conformance tests: verification with a chosen set of checks (VC-API
 * `options.checks`) against a world of test/fixtures.ts.
 */
import { type SelectableCheck, verifyCredential } from '../../src/index.ts';
import type { World } from '../fixtures.ts';

/** Verifies against the world's registry at its clock, running `checks` (all by default). */
export function verify(world: World, credential: unknown, checks?: readonly SelectableCheck[]) {
  return verifyCredential(credential, {
    view: world.registry,
    documentLoader: world.registry.documentLoader,
    now: world.clock.now,
    ...(checks ? { checks } : {}),
  });
}
