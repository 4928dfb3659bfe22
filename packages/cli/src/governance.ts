/**
 * Governance proposals as the CLI handles them: a proposal is simply a governance record
 * (`createGovernance`) whose `signatures` are being collected, one authority at a time, each on its
 * own machine (`signGovernance`). This module reads authority specs and counts valid signatures
 * against a threshold, so `network finalize` and `governance sign` can say who still has to sign.
 */
import {
  type GovernanceAuthority,
  type GovernanceRecord,
  governanceSigningBytes,
  type KeyPair,
  type ParsedGovernance,
  parseGovernance,
  ValidationError,
  verifyBytes,
} from '@trustmesh/registry';
import type { StdinSource } from './files.ts';
import { type PublicKeyInfo, readKeyPairFile, readPublicKey } from './key-files.ts';
import { CliError } from './output.ts';

/** An `--authority name=…,jurisdiction=…,key=…` flag, split into its parts. */
export interface AuthoritySpec {
  name: string;
  jurisdiction: string;
  /** A key file or a public Multikey. */
  key: string;
}

const SPEC_KEYS = ['name', 'jurisdiction', 'key'] as const;

/**
 * Parses an authority spec. Parts are split at commas that start a new `name=`, `jurisdiction=` or
 * `key=`, so a name may itself contain commas ("Ministry of Digital Affairs, Taiwan").
 * @throws CliError `AUTHORITY_SPEC_INVALID`.
 */
export function parseAuthoritySpec(spec: string): AuthoritySpec {
  const parts: Record<string, string> = {};
  for (const part of spec.split(/,(?=\s*(?:name|jurisdiction|key)=)/)) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim();
    if (eq < 0 || !(SPEC_KEYS as readonly string[]).includes(name)) {
      throw specError(spec, `"${part}" is not name=…, jurisdiction=… or key=…`);
    }
    if (parts[name] !== undefined) throw specError(spec, `${name}= is given twice`);
    parts[name] = part.slice(eq + 1).trim();
  }
  for (const name of SPEC_KEYS) if (!parts[name]) throw specError(spec, `${name}= is missing`);
  return { name: parts.name!, jurisdiction: parts.jurisdiction!, key: parts.key! };
}

function specError(spec: string, problem: string): CliError {
  return new CliError('AUTHORITY_SPEC_INVALID', `--authority "${spec}": ${problem}`, {
    hint: 'write it as --authority "name=Digital Agency,jurisdiction=JP,key=agency.key.json"',
  });
}

/**
 * Reads the authorities named by `--authority` flags. With `needSecret`, each key must be a key file
 * with its secret (the authority signs here and now); otherwise a public key is enough.
 */
export async function readAuthorities(
  specs: readonly string[],
  options: { needSecret: boolean },
  io: StdinSource,
): Promise<{ authority: GovernanceAuthority; keyPair: KeyPair | null }[]> {
  const result: { authority: GovernanceAuthority; keyPair: KeyPair | null }[] = [];
  for (const raw of specs) {
    const spec = parseAuthoritySpec(raw);
    const keyPair = options.needSecret ? await readKeyPairFile(spec.key, `--authority key=`, io) : null;
    const key: PublicKeyInfo = keyPair ?? (await readPublicKey(spec.key, '--authority key=', io));
    const authority: GovernanceAuthority = {
      id: key.did,
      name: spec.name,
      jurisdiction: spec.jurisdiction,
      publicKeys: [
        {
          id: key.verificationMethod,
          type: 'Multikey',
          controller: key.did,
          publicKeyMultibase: key.publicKeyMultibase,
        },
      ],
    };
    const twin = result.find((r) => r.authority.id === authority.id);
    if (twin) {
      throw new CliError(
        'AUTHORITY_DUPLICATE',
        `authorities "${twin.authority.name}" and "${spec.name}" have the same key ${key.did}`,
        {
          hint: 'give each authority its own key (`trustmesh keys generate`)',
        },
      );
    }
    result.push({ authority, keyPair });
  }
  return result;
}

/** Parses a governance record from a file, with the file named in errors. */
export function parseGovernanceFile(value: unknown, origin: string): ParsedGovernance {
  try {
    return parseGovernance(value);
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new CliError('GOVERNANCE_INVALID', `${origin} is not a valid governance record: ${error.message}`, {
        hint: 'give a proposal written by `trustmesh network init --proposal` or `trustmesh governance propose`',
        cause: error,
      });
    }
    throw error;
  }
}

/** Which authorities of a set have validly signed a record. */
export interface SignatureTally {
  threshold: number;
  /** Authorities with at least one valid signature. */
  signed: GovernanceAuthority[];
  /** Authorities without one. */
  unsigned: GovernanceAuthority[];
  /** Key ids of signatures by one of these authorities' keys that do not verify. */
  invalid: string[];
  met: boolean;
}

/**
 * Counts the authorities of `authorities` that validly signed `record`, each once however many of
 * its keys signed — the rule the registry's governance validation applies (a TUF root threshold).
 * The registry does not export its threshold check, hence this loop over its signing bytes and
 * signature verification.
 */
export async function tallySignatures(
  record: GovernanceRecord,
  authorities: readonly GovernanceAuthority[],
  threshold: number,
): Promise<SignatureTally> {
  const bytes = governanceSigningBytes(record);
  const signedIds = new Set<string>();
  const invalid: string[] = [];
  for (const signature of record.signatures) {
    const authority = authorities.find((a) => a.publicKeys.some((k) => k.id === signature.keyId));
    const key = authority?.publicKeys.find((k) => k.id === signature.keyId);
    // A signature by a key outside this set may count for the other set (old vs new authorities).
    if (!authority || !key) continue;
    if (await verifyBytes(bytes, signature.signature, key.publicKeyMultibase)) signedIds.add(authority.id);
    else invalid.push(signature.keyId);
  }
  const signed = authorities.filter((a) => signedIds.has(a.id));
  const unsigned = authorities.filter((a) => !signedIds.has(a.id));
  return { threshold, signed, unsigned, invalid, met: invalid.length === 0 && signed.length >= threshold };
}

/** One line on a tally: "2 of 3 authorities of version 2 signed (threshold 2); still to sign: …". */
export function describeTally(tally: SignatureTally, whose: string): string {
  const base = `${tally.signed.length} of ${tally.signed.length + tally.unsigned.length} authorities of ${whose} signed (threshold ${tally.threshold})`;
  const invalid = tally.invalid.length > 0 ? `; signatures that do not verify: ${tally.invalid.join(', ')}` : '';
  const missing =
    !tally.met && tally.unsigned.length > 0
      ? `; still to sign: ${tally.unsigned.map((a) => `${a.name} (${a.id})`).join(', ')}`
      : '';
  return `${base}${invalid}${missing}`;
}

/** Checks a governance record built from flags, naming the flag to fix. */
export function checkNewGovernance(record: GovernanceRecord): ParsedGovernance {
  try {
    return parseGovernance(record);
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new CliError('GOVERNANCE_INVALID', `the governance record would be invalid: ${error.message}`, {
        hint: hintForField(error.field),
        cause: error,
      });
    }
    throw error;
  }
}

function hintForField(field: string | undefined): string {
  if (!field) return 'check the flags';
  if (field === 'networkId') return '--id must be lower-case letters, digits and dashes, e.g. jp-tw-demo';
  if (field.endsWith('jurisdiction')) return 'jurisdiction= takes an ISO 3166 code such as JP, TW or JP-13';
  if (field.endsWith('name')) return 'name= must be a non-empty name of at most 256 characters';
  if (field === 'threshold') return '--threshold must be between 1 and the number of authorities';
  return 'check the flags';
}
