/** Governance records (DESIGN.md, Records §1): one slot per version, submitted in version order. */
import { GOVERNANCE_TYPE, governanceKey, parseGovernance } from '../records/governance.ts';
import { validateGovernance } from '../validation/governance.ts';
import type { RecordKindModule } from './types.ts';

/** The governance kind. */
export const governanceKind: RecordKindModule = {
  kind: 'governance',
  rank: 0,
  jsonLd: false,
  slotOf(value) {
    const { networkId, version } = value;
    const ok = typeof networkId === 'string' && typeof version === 'number' && Number.isSafeInteger(version);
    return { key: ok ? governanceKey(networkId, version) : null, order: ok ? version : 0 };
  },
  validate: (record, ctx) => validateGovernance(parseGovernance(record.value), record.digest, record.bytes, ctx),
  restore: (stored, { value }) => ({
    kind: 'governance',
    parsed: parseGovernance(value),
    key: stored.key,
    version: stored.version,
    digest: stored.digest,
    bytes: stored.bytes,
  }),
};

export { GOVERNANCE_TYPE };
