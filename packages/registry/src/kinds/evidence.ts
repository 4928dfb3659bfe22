/** Equivocation evidence (DESIGN.md, Records §4): keyed by its id; last, after what it accuses. */
import { validateEvidence } from '../validation/evidence.ts';
import type { RecordKindModule } from './types.ts';

/** The evidence kind. Stored evidence lives in the store's evidence space, not as a record. */
export const evidenceKind: RecordKindModule = {
  kind: 'evidence',
  rank: 3,
  jsonLd: false,
  slotOf: () => ({ key: null, order: 0 }),
  validate: (record, ctx) => validateEvidence(record.value, ctx, ctx.limits),
  restore: (stored) => {
    throw new TypeError(`evidence is not restored as a record (${stored.key})`);
  },
};
