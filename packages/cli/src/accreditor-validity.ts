/**
 * `accredit --valid-from` (issue 15, item 3): an issuer joining the network brings the credentials it
 * issued before, so its accreditation may start in the past — but never before its accreditor's own
 * validity. Verification looks for a chain valid at the credential's issuance and now
 * (DESIGN.md, Verification: "at issuance and now"), so a link that starts before the link above it
 * would only pretend to cover those credentials.
 *
 * The accreditor's validity: for a governance authority, the governance it belongs to (the network
 * file's genesis when it is a genesis authority, else the newest version a node or data directory
 * holds); for an accredited accreditor, its own `accreditor` accreditations (the earliest start, the
 * latest end).
 */
import { CliError } from './output.ts';

/** When the accreditor may accredit, and where that was read. */
export interface AccreditorValidity {
  validFromMs: number;
  validUntilMs: number;
  /** E.g. "the genesis in network.json", "its accreditor accreditations on node http://…". */
  source: string;
}

/** What the accreditor's validity is read from; each member is optional. */
export interface ValiditySources {
  /** The network file's genesis, when it could be read. */
  genesis?: { validFrom: string; validUntil: string; authorities: readonly { id: string }[]; origin: string };
  /** The newest governance version held (a node's GET /governance, or a data directory). */
  governance?: { validFrom: string; validUntil: string; authorities: readonly { id: string }[]; origin: string };
  /** The accreditor's accreditations (a node's GET /issuers/:did, or a data directory). */
  accreditations?: { list: readonly { role: string; validFrom: string; validUntil: string }[]; origin: string };
}

/**
 * The validity of `accreditor`, from the first source that knows it.
 * @throws CliError `ACCREDITOR_VALIDITY_UNKNOWN` when no source holds the accreditor.
 */
export function accreditorValidity(accreditor: string, sources: ValiditySources): AccreditorValidity {
  const { genesis, governance, accreditations } = sources;
  if (genesis?.authorities.some((a) => a.id === accreditor)) {
    // A genesis authority has been one since the genesis started (later versions may keep it).
    return span(genesis.validFrom, governance?.validUntil ?? genesis.validUntil, `the genesis in ${genesis.origin}`);
  }
  if (governance?.authorities.some((a) => a.id === accreditor)) {
    return span(governance.validFrom, governance.validUntil, `governance held by ${governance.origin}`);
  }
  const links = accreditations?.list.filter((a) => a.role === 'accreditor') ?? [];
  if (accreditations && links.length > 0) {
    const from = Math.min(...links.map((a) => Date.parse(a.validFrom)));
    const until = Math.max(...links.map((a) => Date.parse(a.validUntil)));
    return {
      validFromMs: from,
      validUntilMs: until,
      source: `its accreditor accreditations on ${accreditations.origin}`,
    };
  }
  throw new CliError(
    'ACCREDITOR_VALIDITY_UNKNOWN',
    `cannot tell since when ${accreditor} may accredit: it is no authority of the network file, and no accreditor accreditation of it was found`,
    {
      hint: 'give --node URL (or --data DIR) of a node that holds its accreditation, or drop --valid-from',
    },
  );
}

/**
 * Checks a requested start against the accreditor's validity.
 * @throws CliError `ACCREDITATION_BEFORE_ACCREDITOR` / `ACCREDITATION_AFTER_ACCREDITOR` (exit 2).
 */
export function checkValidFrom(validFromMs: number, validity: AccreditorValidity, accreditor: string): void {
  const iso = (ms: number) => new Date(ms).toISOString();
  if (validFromMs < validity.validFromMs) {
    throw new CliError(
      'ACCREDITATION_BEFORE_ACCREDITOR',
      `--valid-from ${iso(validFromMs)} is before ${accreditor} itself may accredit (from ${iso(validity.validFromMs)}, per ${validity.source})`,
      {
        hint: `give --valid-from ${iso(validity.validFromMs)} or later: credentials issued before it cannot chain to governance`,
      },
    );
  }
  if (validFromMs >= validity.validUntilMs) {
    throw new CliError(
      'ACCREDITATION_AFTER_ACCREDITOR',
      `--valid-from ${iso(validFromMs)} is after ${accreditor}'s own validity ends (${iso(validity.validUntilMs)}, per ${validity.source})`,
      { hint: 'give an earlier --valid-from' },
    );
  }
}

/** Parser of `--valid-from`: an RFC 3339 date-time with its offset, or a date (midnight UTC). */
export function parseValidFrom(value: string): number {
  const pattern = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
  const ms = Date.parse(value);
  if (!pattern.test(value) || Number.isNaN(ms)) {
    throw new CliError('VALID_FROM_INVALID', `--valid-from "${value}" is not a date-time`, {
      hint: 'give an RFC 3339 date-time with its offset, e.g. 2026-04-01T00:00:00Z, or a date, e.g. 2026-04-01',
    });
  }
  return ms;
}

function span(from: string, until: string, source: string): AccreditorValidity {
  return { validFromMs: Date.parse(from), validUntilMs: Date.parse(until), source };
}
