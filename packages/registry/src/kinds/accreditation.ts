/** Accreditations (DESIGN.md, Records §2): one slot per credential id; after governance. */
import { accreditationKey, parseAccreditation } from '../records/accreditation.ts';
import { validateAccreditation } from '../validation/accreditation.ts';
import type { RecordKindModule } from './types.ts';

/** The accreditation kind. */
export const accreditationKind: RecordKindModule = {
  kind: 'accreditation',
  rank: 1,
  jsonLd: true,
  slotOf: (value) => ({ key: typeof value.id === 'string' ? accreditationKey(value.id) : null, order: 0 }),
  validate: (record, ctx) => validateAccreditation(parseAccreditation(record.value), record.digest, record.bytes, ctx),
  restore: (stored, { value }) => ({
    kind: 'accreditation',
    parsed: parseAccreditation(value),
    key: stored.key,
    version: stored.version,
    digest: stored.digest,
    bytes: stored.bytes,
  }),
};
