/**
 * `trustmesh accredit` and `trustmesh withdraw` (DESIGN.md, Records §2). An authority or an
 * accredited accreditor signs an accreditation — role, credential types, jurisdiction, pinned subject
 * keys, validity — and publishes it through a node or writes it to a file for another operator to
 * publish. Withdrawing one sets its bit on the accreditor's revocation list and publishes the new
 * list version: the same mechanism as revoking any credential.
 */
import { randomUUID } from 'node:crypto';
import {
  createDocumentLoader,
  didKeyOf,
  importPrivateJwk,
  issueAccreditation,
  type KeyPair,
  type PossessedKey,
  parseAccreditation,
  proveAdditionalKey,
  proveKeyPossession,
  ValidationError,
} from '@trustmesh/registry';
import { type Command, Option } from 'commander';
import { accreditorValidity, checkValidFrom, parseValidFrom, type ValiditySources } from '../accreditor-validity.ts';
import {
  addOptions,
  type CommandContext,
  commaList,
  dataOption,
  days,
  forceOption,
  jsonOption,
  networkOption,
  nodeOptions,
  nonNegativeInteger,
  positiveInteger,
} from '../command-context.ts';
import type { ConfigFlags, LoadedConfig } from '../config.ts';
import { loadNetworkFile, openDataDir } from '../data-dir.ts';
import { readJsonFile, writeJsonFile } from '../files.ts';
import { readKeyPairFile } from '../key-files.ts';
import { NodeClient } from '../node-client.ts';
import { CliError, EXIT, type ExitCode, type Output } from '../output.ts';
import { firstStatusListVersion, nextStatusListVersion, parseStatusListFrom } from '../status-lists.ts';
import { nodeClientFor, reportPublish } from './publish.ts';

/** Validity of an accreditation unless `--valid-days` says otherwise. */
export const DEFAULT_ACCREDITATION_VALID_DAYS = 365;

interface AccreditFlags extends ConfigFlags {
  key: string;
  subject?: string;
  subjectKey?: string;
  subjectJwk?: string;
  role: 'issuer' | 'accreditor';
  types: string[];
  jurisdiction: string;
  maxPathLength?: number;
  validDays: number;
  validFrom?: string;
  withdrawalList?: string;
  withdrawalIndex?: number;
  newList?: boolean;
  out?: string;
  force?: boolean;
  json?: boolean;
}

interface WithdrawFlags extends ConfigFlags {
  key: string;
  accreditation?: string;
  list?: string;
  index?: number;
  current?: string;
  newList?: boolean;
  out?: string;
  force?: boolean;
  json?: boolean;
}

/** Registers `accredit` and `withdraw`. */
export function registerAccreditCommands(program: Command, ctx: CommandContext): void {
  addOptions(
    program
      .command('accredit')
      .description(
        'sign an accreditation of an issuer or accreditor; publish it through a node (--node) or write it to a file (--out)',
      ),
    [
      new Option(
        '--key <file>',
        'your key file (a governance authority or an accredited accreditor)',
      ).makeOptionMandatory(),
      new Option(
        '--subject <id>',
        'the party accredited: a DID, or for an issuer an https URL (default: the DID of --subject-key)',
      ),
      new Option(
        '--subject-key <file>',
        'the subject’s key to pin, with its proof of possession: the file the subject wrote with `trustmesh keys prove` (or the subject’s key file, when you hold it)',
      ).conflicts('subjectJwk'),
      new Option(
        '--subject-jwk <file>',
        'instead of --subject-key: the subject’s keys as a private JWK or JWK Set (P-256, Ed25519; each with its kid), pinned as JsonWebKeys — JOSE headers name them by kid; the proofs of possession are made here',
      ),
      new Option('--role <role>', 'what the subject may do').choices(['issuer', 'accreditor']).makeOptionMandatory(),
      new Option('--types <types>', 'credential types, comma-separated (e.g. HealthInsuranceCredential)')
        .argParser(commaList)
        .makeOptionMandatory(),
      new Option(
        '--jurisdiction <code>',
        'ISO 3166 code the accreditation covers (e.g. JP, JP-13)',
      ).makeOptionMandatory(),
      new Option(
        '--max-path-length <n>',
        'for accreditors: how many further accreditor levels they may create',
      ).argParser(nonNegativeInteger),
      new Option('--valid-days <n>', 'days the accreditation stays valid (counted from now)')
        .argParser(positiveInteger)
        .default(DEFAULT_ACCREDITATION_VALID_DAYS),
      new Option(
        '--valid-from <date-time>',
        'start of the accreditation (default now); earlier covers credentials the subject issued before joining, never before your own validity',
      ),
      dataOption('with --valid-from: read your own validity from this stopped node’s data directory'),
      networkOption(),
      new Option('--withdrawal-list <url>', 'your revocation list through which you can withdraw this accreditation'),
      new Option('--withdrawal-index <n>', 'the entry of --withdrawal-list reserved for it').argParser(
        nonNegativeInteger,
      ),
      new Option(
        '--new-list',
        'with --withdrawal-list and --node: if the node holds no such list, publish its first version (131,072 entries, none set) first',
      ),
      new Option('--out <file>', 'write the signed accreditation here (- for standard output)'),
      ...nodeOptions('to publish through'),
      forceOption(),
      jsonOption(),
    ],
  ).action((flags: AccreditFlags, command: Command) =>
    ctx.run(command, async (out) => {
      if ((flags.withdrawalList === undefined) !== (flags.withdrawalIndex === undefined)) {
        throw new CliError('WITHDRAWAL_INCOMPLETE', '--withdrawal-list and --withdrawal-index go together', {
          hint: 'give both (to be able to withdraw the accreditation later), or neither',
        });
      }
      if (flags.role === 'issuer' && flags.maxPathLength) {
        throw new CliError('PATH_LENGTH_FOR_ISSUER', '--max-path-length applies to --role accreditor only', {
          hint: 'issuers cannot accredit others; drop --max-path-length or use --role accreditor',
        });
      }
      const config = await ctx.config(flags);
      if (!flags.out && !config.values.node) {
        throw new CliError('OUTPUT_MISSING', 'nowhere to put the accreditation', {
          hint: 'give --out FILE (to hand it to another operator) and/or --node URL (to publish it)',
        });
      }
      const accreditor = await readKeyPairFile(flags.key, '--key', ctx);
      if (flags.subjectKey === undefined && flags.subjectJwk === undefined) {
        throw new CliError('SUBJECT_KEY_MISSING', 'no subject key to pin', {
          hint: 'give --subject-key FILE (a `keys prove` possession file or key file) or --subject-jwk FILE (a private JWK or JWK Set)',
        });
      }
      const possession =
        flags.subjectJwk !== undefined
          ? await readSubjectJwks(flags.subjectJwk, flags.subject, ctx)
          : await readSubjectKey(flags.subjectKey as string, ctx);
      const first = possession.keys[0] as KeyPair | PossessedKey;
      const subjectKey = 'verificationMethod' in first ? first.did : first.controller;
      const subject = flags.subject ?? subjectKey;
      if (subjectKey !== subject) {
        throw new CliError(
          'SUBJECT_KEY_MISMATCH',
          `--subject-key belongs to ${subjectKey}, not to --subject ${subject}`,
          {
            hint: 'give the subject’s own key (the subject proves it with `trustmesh keys prove`)',
          },
        );
      }
      const now = ctx.now();
      let validFromMs = now;
      if (flags.validFrom !== undefined) {
        validFromMs = parseValidFrom(flags.validFrom);
        const validity = accreditorValidity(accreditor.did, await validitySources(ctx, config, flags, accreditor.did));
        checkValidFrom(validFromMs, validity, accreditor.did);
      }
      const validUntilMs = now + days(flags.validDays);
      if (validUntilMs <= validFromMs) {
        throw new CliError(
          'VALID_FROM_INVALID',
          '--valid-from is after the end of the accreditation (now + --valid-days)',
          {
            hint: 'give an earlier --valid-from or more --valid-days',
          },
        );
      }
      let credential: Record<string, unknown>;
      try {
        credential = await issueAccreditation(
          {
            accreditor,
            subject,
            role: flags.role,
            accreditedFor: [{ types: flags.types, jurisdiction: flags.jurisdiction }],
            ...(flags.maxPathLength !== undefined ? { maxPathLength: flags.maxPathLength } : {}),
            subjectKeys: possession.keys,
            ...(possession.accreditationId ? { id: possession.accreditationId } : {}),
            validFrom: new Date(validFromMs),
            validUntil: new Date(validUntilMs),
            ...(flags.withdrawalList !== undefined && flags.withdrawalIndex !== undefined
              ? { withdrawal: { statusListCredential: flags.withdrawalList, statusListIndex: flags.withdrawalIndex } }
              : {}),
          },
          createDocumentLoader({}, {}),
        );
        // The node would reject a malformed accreditation; say so before anything is written.
        parseAccreditation(credential);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        throw new CliError('ACCREDITATION_INVALID', `the accreditation would be invalid: ${error.message}`, {
          hint: 'check --types (type names), --jurisdiction (ISO 3166, e.g. JP) and --subject (a DID, or an https URL for an issuer)',
          cause: error,
        });
      }
      const summary = {
        id: String(credential.id),
        issuer: accreditor.did,
        subject,
        role: flags.role,
        types: flags.types,
        jurisdiction: flags.jurisdiction,
        validFrom: String(credential.validFrom),
        validUntil: String(credential.validUntil),
      };
      const node = config.values.node ?? undefined;
      if (flags.withdrawalList !== undefined) {
        const listed = await ensureWithdrawalList(out, ctx, flags.withdrawalList, accreditor, { ...flags, node });
        if (listed !== EXIT.OK) return listed;
      }
      return deliver(out, ctx, credential, { ...flags, node }, summary, 'accreditation');
    }),
  );

  addOptions(
    program
      .command('withdraw')
      .description('withdraw an accreditation: set its entry on your revocation list and publish the new list version'),
    [
      new Option('--key <file>', 'your key file (the accreditor, issuer of the list)').makeOptionMandatory(),
      new Option(
        '--accreditation <file>',
        'the accreditation to withdraw (its credentialStatus names the list and index)',
      ),
      new Option('--list <url>', 'your revocation list (instead of --accreditation)'),
      new Option('--index <n>', 'the entry to set (instead of --accreditation)').argParser(nonNegativeInteger),
      new Option('--current <file>', 'the current version of the list, as a file (instead of --data or --node)'),
      new Option(
        '--new-list',
        'if the list does not exist yet, publish its first version (131,072 entries) with this entry set',
      ),
      dataOption(
        'data directory to read the current list from (and, without --node/--out, to store the new version in)',
      ),
      networkOption(),
      new Option('--out <file>', 'write the new list version here (- for standard output)'),
      ...nodeOptions('to read the current list from and publish through'),
      forceOption(),
      jsonOption(),
    ],
  ).action((flags: WithdrawFlags, command: Command) =>
    ctx.run(command, async (out) => {
      const { list, index } = await withdrawalTarget(ctx, flags);
      const keyPair = await readKeyPairFile(flags.key, '--key', ctx);
      const config = await ctx.config(flags);
      const node = config.values.node;
      if (!flags.out && !node && !flags.data) {
        throw new CliError('OUTPUT_MISSING', 'nowhere to put the new list version', {
          hint: 'give --node URL (to publish it), --out FILE, or --data DIR (to store it in a stopped node’s data directory)',
        });
      }
      if (flags.current) {
        const held = parseStatusListFrom(await readJsonFile(flags.current, 'status list', ctx), flags.current);
        if (held.id !== list) {
          throw new CliError('STATUS_LIST_MISMATCH', `${flags.current} is status list ${held.id}, not ${list}`, {
            hint: 'give the current version of the list named by the accreditation',
          });
        }
        const next = await nextStatusListVersion(held, [{ index, value: 1 }], keyPair, { now: ctx.now() });
        if (!next.changed) return alreadyWithdrawn(out, list, index);
        return deliver(
          out,
          ctx,
          next.credential,
          { ...flags, node: node ?? undefined },
          withdrawnSummary(list, index, next.validFrom),
          'status list',
        );
      }
      if (flags.data) {
        const { registry } = await openDataDir(config.values, { now: ctx.now });
        try {
          const state = registry.statusList(list);
          if (!state && !flags.newList) throw unknownList(list, config.values.dataDir);
          const next = state
            ? await nextStatusListVersion(state.list, [{ index, value: 1 }], keyPair, { now: ctx.now() })
            : {
                ...(await firstStatusListVersion(list, 'revocation', [{ index, value: 1 }], keyPair, {
                  now: ctx.now(),
                })),
                changed: true,
              };
          if (!next.changed) return alreadyWithdrawn(out, list, index);
          if (flags.out || node) {
            return deliver(
              out,
              ctx,
              next.credential,
              { ...flags, node: node ?? undefined },
              withdrawnSummary(list, index, next.validFrom),
              'status list',
            );
          }
          // Stored through the registry's own validation, like any record; the node gossips it on start.
          const outcome = await registry.submit(next.credential);
          if (outcome.status !== 'accept') {
            throw new CliError(
              'STATUS_LIST_REFUSED',
              `the new list version was refused: ${outcome.error.code}: ${outcome.error.message}`,
              {
                exitCode: EXIT.NOT_VERIFIED,
              },
            );
          }
          out.result({ ...withdrawnSummary(list, index, next.validFrom), storedIn: config.values.dataDir }, (r) => [
            `withdrawn: entry ${r.index} of ${r.list} is set (version ${r.validFrom})`,
            `stored in ${r.storedIn}; the node publishes it to its peers when it starts`,
          ]);
          return EXIT.OK;
        } finally {
          await registry.close();
        }
      }
      if (!node) {
        throw new CliError('SOURCE_MISSING', `cannot read the current version of ${list}`, {
          hint: 'give --node URL, --data DIR, or --current FILE',
        });
      }
      const client = new NodeClient({ baseUrl: node, token: config.values.token });
      const fetched = await client.statusList(list);
      if (!fetched && !flags.newList) throw unknownList(list, node);
      const next = fetched
        ? await nextStatusListVersion(
            parseStatusListFrom(fetched, `${node}: ${list}`),
            [{ index, value: 1 }],
            keyPair,
            {
              now: ctx.now(),
            },
          )
        : {
            ...(await firstStatusListVersion(list, 'revocation', [{ index, value: 1 }], keyPair, { now: ctx.now() })),
            changed: true,
          };
      if (!next.changed) return alreadyWithdrawn(out, list, index);
      return deliver(
        out,
        ctx,
        next.credential,
        { ...flags, node },
        withdrawnSummary(list, index, next.validFrom),
        'status list',
      );
    }),
  );
}

/**
 * Where the accreditor's own validity is read for `--valid-from`: the network file's genesis, and
 * `--data DIR` (a stopped node's directory) or else the node (`--node`): newest governance and the
 * accreditor's accreditations.
 */
async function validitySources(
  ctx: CommandContext,
  config: LoadedConfig,
  flags: AccreditFlags,
  did: string,
): Promise<ValiditySources> {
  const sources: ValiditySources = {};
  const networkFile = await loadNetworkFile(config.values.network).catch((error: unknown) => {
    if (error instanceof CliError && error.code === 'NETWORK_FILE_MISSING') return null;
    throw error;
  });
  if (networkFile) {
    const genesis = networkFile.genesis as { validFrom: string; validUntil: string; authorities: { id: string }[] };
    sources.genesis = { ...genesis, origin: config.values.network };
  }
  if (flags.data) {
    const { registry } = await openDataDir(config.values, { now: ctx.now });
    try {
      const held = registry.governance();
      if (held) sources.governance = { ...held.record, origin: config.values.dataDir };
      sources.accreditations = {
        origin: config.values.dataDir,
        list: registry.accreditationsOf(did).map((a) => ({
          role: a.role,
          validFrom: new Date(a.validFromMs).toISOString(),
          validUntil: new Date(a.validUntilMs).toISOString(),
        })),
      };
    } finally {
      await registry.close();
    }
    return sources;
  }
  if (config.values.node) {
    const client = new NodeClient({ baseUrl: config.values.node, token: null });
    const body = await client.read(`/issuers/${encodeURIComponent(did)}`);
    const list = (body?.accreditations as { role: string; validFrom: string; validUntil: string }[] | undefined) ?? [];
    sources.accreditations = { list, origin: `node ${config.values.node}` };
    if (body?.authority) {
      const governance = await client.read('/governance');
      if (governance) {
        sources.governance = {
          validFrom: String(governance.validFrom),
          validUntil: String(governance.validUntil),
          authorities: governance.authorities as { id: string }[],
          origin: `node ${config.values.node}`,
        };
      }
    }
  }
  return sources;
}

/**
 * An accreditation with a withdrawal entry counts only while its list is held: until then every
 * verifier answers ACCREDITATION_STATUS_UNKNOWN (fail closed: a withdrawal could be withheld). So
 * with `--node`, the list must be there before the accreditation is published: `--new-list`
 * publishes its first version (nothing set) when the node holds none, and without it the command
 * refuses rather than publish an accreditation that verifies nothing. With `--out` alone there is
 * no node to ask: a note says what the accreditation needs.
 */
async function ensureWithdrawalList(
  out: Output,
  ctx: CommandContext,
  list: string,
  accreditor: KeyPair,
  flags: { node?: string; token?: string; newList?: boolean },
): Promise<ExitCode> {
  if (!flags.node) {
    out.note(
      `the accreditation counts only once the network holds its withdrawal list ${list}: publish the list first (accredit or withdraw with --new-list --node URL)`,
    );
    return EXIT.OK;
  }
  const client = await nodeClientFor(ctx, flags);
  if (await client.statusList(list)) return EXIT.OK;
  if (!flags.newList) {
    throw new CliError('WITHDRAWAL_LIST_UNKNOWN', `${flags.node} holds no status list ${list}`, {
      hint: 'until the list is published the accreditation verifies nothing (ACCREDITATION_STATUS_UNKNOWN): add --new-list to publish its first version, or check the URL',
    });
  }
  const first = await firstStatusListVersion(list, 'revocation', [], accreditor, { now: ctx.now() });
  out.note(`publishing the first version of your withdrawal list ${list} (version ${first.validFrom})`);
  return reportPublish(out, await client.publishRecord(first.credential), client.options.baseUrl);
}

/** Writes a signed record to `--out` and/or publishes it through `--node`. */
async function deliver(
  out: Output,
  ctx: CommandContext,
  record: Record<string, unknown>,
  flags: { out?: string; node?: string; token?: string; force?: boolean },
  summary: Record<string, unknown>,
  what: string,
): Promise<ExitCode> {
  if (flags.out === '-') {
    ctx.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
  } else if (flags.out) {
    await writeJsonFile(flags.out, record, { force: flags.force === true, what });
  }
  if (flags.node) {
    const client = await nodeClientFor(ctx, flags);
    const result = await client.publishRecord(record);
    if (flags.out && flags.out !== '-') out.note(`wrote the ${what} to ${flags.out}`);
    return reportPublish(out, result, client.options.baseUrl);
  }
  if (flags.out !== '-') {
    out.result({ ...summary, file: flags.out }, (s) => [
      `wrote the signed ${what} to ${String(s.file)}`,
      ...Object.entries(summary).map(([k, v]) => `  ${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`),
      `publish it with: trustmesh publish ${String(s.file)} --node URL`,
    ]);
  }
  return EXIT.OK;
}

async function withdrawalTarget(ctx: CommandContext, flags: WithdrawFlags): Promise<{ list: string; index: number }> {
  if (flags.accreditation) {
    if (flags.list || flags.index !== undefined) {
      throw new CliError('WITHDRAWAL_AMBIGUOUS', 'give --accreditation, or --list with --index, not both', {
        hint: '--accreditation reads the list and index from the accreditation’s credentialStatus',
      });
    }
    const value = await readJsonFile(flags.accreditation, 'accreditation', ctx);
    const status = (value as { credentialStatus?: unknown }).credentialStatus;
    const entry = Array.isArray(status) ? status[0] : status;
    const list = (entry as { statusListCredential?: unknown } | undefined)?.statusListCredential;
    const index = Number((entry as { statusListIndex?: unknown } | undefined)?.statusListIndex);
    if (typeof list !== 'string' || !Number.isSafeInteger(index)) {
      throw new CliError('ACCREDITATION_NOT_WITHDRAWABLE', `${flags.accreditation} names no status list entry`, {
        hint: 'an accreditation issued without --withdrawal-list cannot be withdrawn; it lapses at its validUntil',
      });
    }
    return { list, index };
  }
  if (!flags.list || flags.index === undefined) {
    throw new CliError(
      'WITHDRAWAL_TARGET_MISSING',
      'which accreditation? give --accreditation FILE, or --list URL and --index N',
      {
        hint: 'the list and index are the accreditation’s credentialStatus (set by accredit --withdrawal-list/--withdrawal-index)',
      },
    );
  }
  return { list: flags.list, index: flags.index };
}

function withdrawnSummary(list: string, index: number, validFrom: string) {
  return { list, index, validFrom };
}

function alreadyWithdrawn(out: Output, list: string, index: number): ExitCode {
  out.result(
    { list, index, changed: false },
    (r) => `entry ${r.index} of ${r.list} is already set: nothing to publish`,
  );
  return EXIT.OK;
}

function unknownList(list: string, where: string): CliError {
  return new CliError('STATUS_LIST_UNKNOWN', `${where} holds no status list ${list}`, {
    hint: 'check the list URL; for the first withdrawal on a list of your own, add --new-list',
  });
}

/**
 * The subject key to pin, with its proof of possession: a possession file from `keys prove` (which
 * fixes the accreditation id), or the subject's own key file (the proof is made here). A bare public
 * key carries no proof: the node would reject it (ACCREDITATION_KEY_POSSESSION_INVALID).
 */
async function readSubjectKey(
  spec: string,
  ctx: CommandContext,
): Promise<{ keys: (KeyPair | PossessedKey)[]; accreditationId?: string }> {
  const missing = () =>
    new CliError('SUBJECT_KEY_POSSESSION_MISSING', `--subject-key ${spec} carries no proof of possession`, {
      hint: 'the subject runs `trustmesh keys prove KEYFILE --out possession.json` and gives you possession.json',
    });
  if (/^z[1-9A-HJ-NP-Za-km-z]{39,}$/.test(spec)) throw missing();
  const value = await readJsonFile(spec, 'subject key file', ctx);
  if (isObject(value) && value.secretKeyMultibase !== undefined) {
    return { keys: [await readKeyPairFile(spec, '--subject-key', ctx)] };
  }
  if (isObject(value) && isObject(value.key) && typeof value.accreditationId === 'string') {
    const key = value.key;
    const fields = ['id', 'controller', 'publicKeyMultibase', 'proofOfPossession'] as const;
    if (key.type === 'Multikey' && fields.every((f) => typeof key[f] === 'string')) {
      return { keys: [key as unknown as PossessedKey], accreditationId: value.accreditationId };
    }
  }
  throw missing();
}

/**
 * The subject's keys from a private JWK or JWK Set (RFC 7517 §5), pinned as JsonWebKeys with their
 * `kid` (issue 13: e.g. a TW DIW issuer's separate credential and list keys). A did:key subject
 * has one key; several keys need --subject (a did:web or https issuer), and are named `<subject>#<kid>`.
 * Public-only JWKs carry no proof of possession and are refused, as for --subject-key.
 */
async function readSubjectJwks(
  spec: string,
  subjectFlag: string | undefined,
  ctx: CommandContext,
): Promise<{ keys: PossessedKey[]; accreditationId: string }> {
  const value = await readJsonFile(spec, 'JWK file', ctx);
  const jwks = isObject(value) && Array.isArray(value.keys) ? value.keys : [value];
  if (jwks.length === 0 || jwks.length > 8) {
    throw new CliError('SUBJECT_JWK_INVALID', `--subject-jwk ${spec} must hold 1 to 8 keys`, {
      hint: 'give a JWK, or a JWK Set {"keys": [...]}',
    });
  }
  if (jwks.length > 1 && subjectFlag === undefined) {
    throw new CliError('SUBJECT_MISSING', 'several JWKs belong to one subject: name it with --subject', {
      hint: 'e.g. --subject did:web:issuer.example (the keys are pinned as <subject>#<kid>)',
    });
  }
  const accreditationId = `urn:uuid:${randomUUID()}`;
  if (jwks.length > 1 && subjectFlag?.startsWith('did:key:')) {
    return { keys: await didKeySubjectJwks(spec, subjectFlag, jwks, accreditationId), accreditationId };
  }
  const keys: PossessedKey[] = [];
  for (const [i, jwk] of jwks.entries()) {
    const kid = isObject(jwk) && typeof jwk.kid === 'string' ? jwk.kid : undefined;
    if (!isObject(jwk) || typeof jwk.d !== 'string') {
      throw new CliError('SUBJECT_KEY_POSSESSION_MISSING', `key ${i} of --subject-jwk ${spec} is public only`, {
        hint: 'the subject pins its keys with their private JWKs (the proof of possession is a signature with each); the private parts never leave this process',
      });
    }
    if (subjectFlag !== undefined && kid === undefined) {
      throw new CliError('SUBJECT_JWK_INVALID', `key ${i} of --subject-jwk ${spec} has no kid`, {
        hint: 'give each JWK the kid its JWTs name in their header',
      });
    }
    let keyPair: KeyPair;
    try {
      keyPair = await importPrivateJwk(
        jwk,
        subjectFlag !== undefined && !subjectFlag.startsWith('did:key:')
          ? { did: subjectFlag, verificationMethod: `${subjectFlag}#${kid}` }
          : {},
      );
    } catch (error) {
      throw new CliError('SUBJECT_JWK_INVALID', `key ${i} of --subject-jwk ${spec}: ${(error as Error).message}`, {
        hint: 'P-256 (ES256) and Ed25519 (EdDSA) private JWKs are supported',
      });
    }
    keys.push(await proveKeyPossession(keyPair, accreditationId, { jwk: kid === undefined ? {} : { kid } }));
  }
  return { keys, accreditationId };
}

/**
 * A did:key subject with several keys (issue 13: a TW DIW issuer is the did:key of its credential
 * key and signs its lists with another): the JWK whose public key the did:key names is pinned as
 * the DID's own key; every other one as `<did>#<kid>`, with its proof of possession and the
 * controller proof of the DID's key (docs/records.md, Trust rules), both made here.
 */
async function didKeySubjectJwks(
  spec: string,
  subject: string,
  jwks: readonly unknown[],
  accreditationId: string,
): Promise<PossessedKey[]> {
  const own = didKeyOf(subject);
  const imported: { kid: string; jwk: Record<string, unknown>; multibase: string }[] = [];
  for (const [i, jwk] of jwks.entries()) {
    const kid = isObject(jwk) && typeof jwk.kid === 'string' ? jwk.kid : undefined;
    if (!isObject(jwk) || typeof jwk.d !== 'string' || kid === undefined) {
      throw new CliError('SUBJECT_JWK_INVALID', `key ${i} of --subject-jwk ${spec} must be a private JWK with a kid`, {
        hint: 'the subject pins its keys with their private JWKs, each with the kid its JWTs name',
      });
    }
    try {
      imported.push({ kid, jwk, multibase: (await importPrivateJwk(jwk, {})).publicKeyMultibase });
    } catch (error) {
      throw new CliError('SUBJECT_JWK_INVALID', `key ${i} of --subject-jwk ${spec}: ${(error as Error).message}`, {
        hint: 'P-256 (ES256) and Ed25519 (EdDSA) private JWKs are supported',
      });
    }
  }
  const didKey = imported.find((k) => k.multibase === own?.publicKeyMultibase);
  if (!own || !didKey) {
    throw new CliError('SUBJECT_JWK_INVALID', `none of the keys of --subject-jwk ${spec} is the key ${subject} names`, {
      hint: 'a did:key is its key: the set must hold it (the others are pinned with its consent)',
    });
  }
  const didKeyPair = await importPrivateJwk(didKey.jwk, { did: subject, verificationMethod: own.id });
  const keys = [await proveKeyPossession(didKeyPair, accreditationId, { jwk: { kid: didKey.kid } })];
  for (const other of imported) {
    if (other === didKey) continue;
    const keyPair = await importPrivateJwk(other.jwk, { did: subject, verificationMethod: `${subject}#${other.kid}` });
    keys.push(
      await proveAdditionalKey(didKeyPair, keyPair, accreditationId, { fragment: other.kid, jwk: { kid: other.kid } }),
    );
  }
  return keys;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
