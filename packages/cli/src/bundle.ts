/**
 * Offline bundles (issue 4): the signed records of a registry — governance versions, accreditations,
 * status lists (Bitstring; JOSE and CWT forms, issues 13, 14), sub-CA certificates and CRLs
 * (issue 14), evidence — in one JSON file for air-gapped verifiers.
 *
 * ```json
 * { "format": "trustmesh-bundle/1", "networkId": "…", "genesisDigest": "<sha256 hex>",
 *   "createdAt": "2026-…Z", "records": [ { …signed record… }, "-----BEGIN X509 CRL-----…", … ] }
 * ```
 *
 * A record is a JSON object (JSON records, and TW DIW's `{"statusList": "<JWS>"}` envelope as
 * stored), or a string for a record that is not JSON, as evidence carries it
 * (`evidenceRecordAsCarried`): the PEM (RFC 7468) of a DER record — a CRL (`X509 CRL`) or a
 * subordinate CA certificate (`CERTIFICATE`) —, the text of a compact JWS (a Token Status List JWT,
 * draft-ietf-oauth-status-list §5.1, or a StatusList2021 JWT), or a Token Status List CWT (§5.2)
 * as `data:application/statuslist+cwt;base64url,<COSE_Sign1 bytes>` (RFC 2397). `Registry.submit`
 * takes each form as it is and turns it back into the very bytes the issuer signed.
 *
 * A bundle is a carrier, never a source of trust (DESIGN.md, Principles §1): every record goes
 * through `Registry.submit` again on import, and the genesis digest is checked against the network
 * file the verifier already trusts.
 */
import {
  bySubmissionOrder,
  CWT_DATA_URL_PREFIX,
  canonicalBytes,
  classifyRecord,
  contentHash,
  derToPem,
  EVIDENCE_TYPE,
  evidenceRecordAsCarried,
  looksLikePem,
  pemToDer,
  type RecordStore,
  type Registry,
  type SubmitOutcome,
} from '@trustmesh/registry';
import { CliError, EXIT } from './output.ts';

/** The `format` of bundles this version writes and reads. */
export const BUNDLE_FORMAT = 'trustmesh-bundle/1';

// A compact JWS (RFC 7515 §7.1): three base64url segments (the payload may be empty).
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/;

/** An offline bundle. */
export interface Bundle {
  format: typeof BUNDLE_FORMAT;
  networkId: string;
  /** SHA-256 (hex) of the network's genesis record: must match the verifier's network file. */
  genesisDigest: string;
  /** When the bundle was made (ISO 8601). */
  createdAt: string;
  /** Signed records, in an order that lets each one validate after those before it. */
  records: BundleRecord[];
}

/**
 * One record of a bundle: a JSON record (or TW DIW's status list envelope) as its object; a CRL or a
 * sub-CA certificate as the PEM of its DER (RFC 7468: `X509 CRL`, `CERTIFICATE`); a JOSE status
 * list as its compact JWS text; a CWT status list as a {@link CWT_DATA_URL_PREFIX} string.
 */
export type BundleRecord = Record<string, unknown> | string;

/** What an import did with the records. */
export interface ImportSummary {
  total: number;
  accepted: number;
  /** Ignored records by code (DUPLICATE, STATUS_LIST_STALE, …): nothing wrong, nothing new. */
  ignored: Record<string, number>;
  /** Rejected records by code (forged, malformed, unauthorised). */
  rejected: Record<string, number>;
  /** Passes over the records (records waiting for others are retried). */
  passes: number;
  /** Copies of the genesis: pinned by the network file and held already, so not submitted again. */
  genesis: number;
}

/** Checks a parsed bundle file. */
export function parseBundle(value: unknown, origin: string): Bundle {
  const invalid = (problem: string) =>
    new CliError('BUNDLE_INVALID', `${origin} is not a trustmesh bundle: ${problem}`, {
      hint: 'make bundles with `trustmesh export --data DIR --out bundle.json`',
    });
  if (!isObject(value)) throw invalid('it must be a JSON object');
  if (value.format !== BUNDLE_FORMAT) {
    throw invalid(`"format" is ${JSON.stringify(value.format)}, expected "${BUNDLE_FORMAT}"`);
  }
  if (typeof value.networkId !== 'string' || value.networkId === '') throw invalid('"networkId" must be a string');
  if (typeof value.genesisDigest !== 'string' || !/^[0-9a-f]{64}$/.test(value.genesisDigest)) {
    throw invalid('"genesisDigest" must be 64 lower-case hex digits');
  }
  if (typeof value.createdAt !== 'string' || Number.isNaN(Date.parse(value.createdAt))) {
    throw invalid('"createdAt" must be a date-time');
  }
  if (!Array.isArray(value.records)) throw invalid('"records" must be an array');
  const bad = value.records.findIndex((r) => !isObject(r) && !isCarriedText(r));
  if (bad >= 0) {
    throw invalid(
      `records[${bad}] must be a JSON object, the PEM of a CRL or a CA certificate, a compact JWS, or a ${CWT_DATA_URL_PREFIX}… string`,
    );
  }
  return value as unknown as Bundle;
}

/** Checks that a bundle belongs to the network the verifier trusts. */
export function checkBundleNetwork(
  bundle: Bundle,
  network: { networkId: string; genesisDigest: string },
  origin: string,
): void {
  if (bundle.networkId !== network.networkId || bundle.genesisDigest !== network.genesisDigest) {
    throw new CliError(
      'BUNDLE_NETWORK_MISMATCH',
      `${origin} is for network "${bundle.networkId}" (genesis ${bundle.genesisDigest.slice(0, 12)}…), but the network file is "${network.networkId}" (genesis ${network.genesisDigest.slice(0, 12)}…)`,
      { hint: 'use a bundle exported from this network, or the network file of the bundle’s network (--network FILE)' },
    );
  }
}

/** A node's records by kind, as its store or `GET /records` gives them. */
export interface HeldRecords {
  /** Governance versions, oldest first. */
  governance: Record<string, unknown>[];
  accreditations: Record<string, unknown>[];
  statusLists: Record<string, unknown>[];
  /**
   * JOSE and CWT status lists (issues 13, 14) as evidence carries them: compact JWS text, TW DIW's
   * envelope object, CWT data: URL. Absent from nodes older than this field.
   */
  joseStatusLists?: BundleRecord[];
  /** Subordinate CA certificates (issue 14), PEM. Absent from nodes older than issue 14. */
  caCertificates?: string[];
  /** CRLs (issue 14), PEM: each scope's complete CRL, then its delta when one is held. */
  crls?: string[];
  /** Evidence: the slot key and the two conflicting records. */
  evidence: { key: string; records: unknown[] }[];
}

/** Reads every record of a store (a stopped node's data directory), by kind. */
export async function storeRecords(store: RecordStore): Promise<HeldRecords> {
  const decoder = new TextDecoder();
  const read = async (kind: 'governance' | 'accreditation' | 'status-list') => {
    const records: Record<string, unknown>[] = [];
    for await (const r of store.records({ kind })) records.push(JSON.parse(decoder.decode(r.bytes)));
    return records;
  };
  const pem = async (kind: 'ca-certificate' | 'crl') => {
    const records: string[] = [];
    // Key order puts `crl/<scope>` right before its `crl/<scope>/delta`: the base before its delta.
    for await (const r of store.records({ kind })) records.push(derToPem(kind, r.bytes));
    return records;
  };
  const joseStatusLists: BundleRecord[] = [];
  for (const kind of ['token-status-list', 'status-list-2021', 'token-status-list-cwt'] as const) {
    for await (const r of store.records({ kind }))
      joseStatusLists.push(evidenceRecordAsCarried(r.bytes) as BundleRecord);
  }
  const evidence: HeldRecords['evidence'] = [];
  for await (const e of store.evidence()) {
    evidence.push({ key: e.key, records: e.records.map((bytes) => evidenceRecordAsCarried(bytes)) });
  }
  return {
    governance: await read('governance'),
    accreditations: await read('accreditation'),
    statusLists: await read('status-list'),
    joseStatusLists,
    caCertificates: await pem('ca-certificate'),
    crls: await pem('crl'),
    evidence,
  };
}

/**
 * Orders held records as bundle records, so that each validates after the ones before it:
 * governance by version, then rounds of status lists and accreditations whose signer is already
 * known (an authority, or a subject accredited earlier), then the rest, then sub-CA certificates,
 * JOSE and CWT status lists (whose signers — accredited parties, or certificates under an accredited
 * IACA — come before them), CRLs, then evidence: the registry's submission ranks.
 */
export function bundleRecords(held: HeldRecords): BundleRecord[] {
  const governance = [...held.governance].sort((a, b) => Number(a.version) - Number(b.version));
  let accreditations = held.accreditations;
  let lists = held.statusLists;

  const known = new Set<string>();
  for (const g of governance) for (const a of g.authorities as { id: string }[]) known.add(a.id);
  const ordered: BundleRecord[] = [...governance];
  for (;;) {
    // A party's lists first: its accreditations may name them for withdrawal.
    const readyLists = lists.filter((l) => known.has(issuerOf(l)));
    const readyAccreditations = accreditations.filter((a) => known.has(issuerOf(a)));
    if (readyLists.length === 0 && readyAccreditations.length === 0) break;
    ordered.push(...readyLists, ...readyAccreditations);
    lists = lists.filter((l) => !readyLists.includes(l));
    accreditations = accreditations.filter((a) => !readyAccreditations.includes(a));
    for (const a of readyAccreditations) known.add(String((a.credentialSubject as { id?: unknown }).id));
  }
  // Records whose signer no chain reaches still travel: the importer decides about them.
  ordered.push(...lists, ...accreditations);
  // Sub-CA certificates after the accreditations of their CAs; JOSE and CWT lists after their
  // signers' accreditations and CA material (issues 13, 14); CRLs after their signers (issue 14).
  ordered.push(...(held.caCertificates ?? []), ...(held.joseStatusLists ?? []), ...(held.crls ?? []));

  for (const evidence of held.evidence) {
    ordered.push({
      type: EVIDENCE_TYPE,
      kind: evidence.key.slice(0, evidence.key.indexOf('/')),
      records: evidence.records,
    });
  }
  return ordered;
}

/**
 * Submits records to a registry in dependency order, retrying those the registry says may pass once
 * another arrives (`error.retryable`, e.g. a status list before its issuer's accreditation) as long
 * as a pass admits something new.
 */
export async function importRecords(
  registry: Pick<Registry, 'submit'>,
  records: readonly BundleRecord[],
  options: { onProgress?: (done: number) => void } = {},
): Promise<ImportSummary> {
  const final = new Map<number, SubmitOutcome>();
  // Dependencies first (governance, accreditations, lists, evidence): most records pass the first time.
  let pending = bySubmissionOrder(
    records.map((_, i) => i),
    (i) => recordBytes(records[i] as BundleRecord),
  );
  let passes = 0;
  let done = 0;
  for (;;) {
    passes++;
    let admitted = 0;
    const waiting: number[] = [];
    for (const i of pending) {
      const outcome = await registry.submit(records[i]);
      final.set(i, outcome);
      if (outcome.status === 'accept') admitted++;
      if (outcome.status === 'ignore' && outcome.error.retryable) waiting.push(i);
      else options.onProgress?.(++done);
    }
    if (waiting.length === 0 || admitted === 0) break;
    pending = waiting;
  }
  const summary: ImportSummary = { total: records.length, accepted: 0, ignored: {}, rejected: {}, passes, genesis: 0 };
  for (const outcome of final.values()) {
    if (outcome.status === 'accept') summary.accepted++;
    else {
      const tally = outcome.status === 'ignore' ? summary.ignored : summary.rejected;
      tally[outcome.error.code] = (tally[outcome.error.code] ?? 0) + 1;
    }
  }
  return summary;
}

/**
 * Splits off the bundle's copies of the genesis: the network file pins it and the data directory
 * holds it from the start, so submitting it again would only report a duplicate (issue 15, item 7).
 */
export function withoutGenesis(
  records: readonly BundleRecord[],
  genesisDigest: string,
): { rest: BundleRecord[]; genesis: number } {
  const rest = records.filter((r) => {
    if (typeof r === 'string') return true;
    try {
      return contentHash(r) !== genesisDigest;
    } catch {
      // No canonical form: the registry names what is wrong with it on import.
      return true;
    }
  });
  return { rest, genesis: records.length - rest.length };
}

/** Lines describing an import summary. */
export function describeImport(summary: ImportSummary): string[] {
  const byCode = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([code, n]) => `${code} ${n}`)
      .join(', ');
  const ignored = Object.values(summary.ignored).reduce((a, b) => a + b, 0);
  const rejected = Object.values(summary.rejected).reduce((a, b) => a + b, 0);
  const genesis = summary.genesis > 0 ? ` (and the genesis, pinned by the network file)` : '';
  return [
    `${summary.total} records${genesis}: ${summary.accepted} accepted, ${ignored} ignored, ${rejected} rejected`,
    ...(ignored > 0 ? [`ignored:  ${byCode(summary.ignored)}`] : []),
    ...(rejected > 0 ? [`rejected: ${byCode(summary.rejected)}`] : []),
  ];
}

/** Exit code of an import: a rejected record means the bundle holds forged or malformed data. */
export function importExitCode(summary: ImportSummary): 0 | 1 {
  return Object.keys(summary.rejected).length > 0 ? EXIT.NOT_VERIFIED : EXIT.OK;
}

/** Kinds of record a bundle carries, for `export`'s summary. */
export function kindOf(record: BundleRecord): string {
  // The registry knows the kinds; the CLI only names them.
  return classifyRecord(recordBytes(record))?.kind ?? 'unknown';
}

/**
 * The bytes a bundle record stands for, what the registry holds and classifies: a JSON record's
 * canonical bytes, the DER of a PEM record, the COSE bytes of a CWT data: URL; a compact JWS (or any
 * other string) as its text.
 */
export function recordBytes(record: BundleRecord): Uint8Array {
  if (typeof record !== 'string') return canonicalBytes(record);
  if (record.startsWith(CWT_DATA_URL_PREFIX)) {
    return new Uint8Array(Buffer.from(record.slice(CWT_DATA_URL_PREFIX.length), 'base64url'));
  }
  return pemToDer(record)?.der ?? new TextEncoder().encode(record);
}

/** True for a string record a bundle may carry: PEM, a compact JWS, or a CWT data: URL. */
function isCarriedText(record: unknown): record is string {
  if (typeof record !== 'string') return false;
  return looksLikePem(record) || COMPACT_JWS.test(record) || record.startsWith(CWT_DATA_URL_PREFIX);
}

function issuerOf(record: Record<string, unknown>): string {
  const issuer = record.issuer;
  return String(isObject(issuer) ? issuer.id : issuer);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
