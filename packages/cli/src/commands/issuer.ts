/**
 * Issuer operations (issue 4): `issue`, `revoke`, `suspend`, `reinstate`.
 *
 * Two ways, one code path each:
 * - through a node in issuer mode (`--node URL --token T`): VC-API `POST /credentials/issue` and
 *   `POST /credentials/status`; the node holds the key, allocates status entries, publishes lists;
 * - directly with local keys (`--key FILE --list URL --index I`): the CLI signs the next version of
 *   the issuer's own status list with the entry set (status-lists.ts) and publishes it through a node
 *   (`--node`), or stores it in a stopped node's data directory (`--data`).
 */
import { type Command, Option } from 'commander';
import {
  addOptions,
  type CommandContext,
  dataOption,
  forceOption,
  jsonOption,
  networkOption,
  nodeOptions,
  nonNegativeInteger,
} from '../command-context.ts';
import { compactOfEnvelope } from '../compact-credentials.ts';
import type { ConfigFlags } from '../config.ts';
import { openDataDir } from '../data-dir.ts';
import { readJsonFile, writeFileAtomic, writeJsonFile } from '../files.ts';
import { readKeyPairFile } from '../key-files.ts';
import { type CredentialStatusChange, NodeClient, type StatusChangeReport } from '../node-client.ts';
import { CliError, EXIT, type ExitCode, type Output } from '../output.ts';
import { nextOrFirstVersion, parseStatusListFrom } from '../status-lists.ts';
import { type AwaitedEntry, waitForStatus } from '../status-propagation.ts';
import { failOnNoPeers, nodeClientFor, reportPublish, tokenArgument } from './publish.ts';

interface IssueFlags extends ConfigFlags {
  out?: string;
  format?: string;
  disclosable?: string;
  holderJwk?: string;
  credentialId?: string;
  force?: boolean;
  json?: boolean;
}

interface StatusFlags extends ConfigFlags {
  key?: string;
  newList?: boolean;
  list?: string;
  index?: number;
  waitOn?: string;
  json?: boolean;
}

/** What each status command does. */
const STATUS_COMMANDS = [
  {
    name: 'revoke',
    change: 'revoked',
    purpose: 'revocation',
    value: 1,
    description: 'revoke a credential (final: a revoked credential stays revoked)',
    done: 'revoked',
  },
  {
    name: 'suspend',
    change: 'suspended',
    purpose: 'suspension',
    value: 1,
    description: 'suspend a credential (reversible with `reinstate`)',
    done: 'suspended',
  },
  {
    name: 'reinstate',
    change: 'active',
    purpose: 'suspension',
    value: 0,
    description: 'lift a suspension',
    done: 'reinstated',
  },
] as const satisfies readonly {
  name: string;
  change: CredentialStatusChange;
  purpose: string;
  value: number;
  description: string;
  done: string;
}[];

type StatusCommand = (typeof STATUS_COMMANDS)[number];

/** Registers `issue`, `revoke`, `suspend` and `reinstate`. */
export function registerIssuerCommands(program: Command, ctx: CommandContext): void {
  addOptions(
    program
      .command('issue')
      .argument(
        '<credential>',
        'the unsigned credential (JSON; or {"credential": …} as VC-API takes it), or - for standard input',
      )
      .description('issue a credential through a node in issuer mode (POST /credentials/issue)'),
    [
      ...nodeOptions('of the issuer (issuer mode)'),
      new Option('--credential-id <id>', 'name the credential for later revoke/suspend when it has no "id"'),
      new Option(
        '--format <format>',
        'ldp_vc: a Data Integrity credential; dc+sd-jwt: an SD-JWT VC (the file is its claim set: vct and claims) on the issuer’s Token Status List',
      )
        .choices(['ldp_vc', 'dc+sd-jwt'])
        .default('ldp_vc'),
      new Option(
        '--disclosable <claims>',
        'dc+sd-jwt: comma-separated claims made selectively disclosable (default: all)',
      ),
      new Option('--holder-jwk <file>', 'dc+sd-jwt: the holder’s public JWK (JSON) to bind the credential to (cnf)'),
      new Option('--out <file>', 'write the signed credential here (default: standard output)'),
      forceOption(),
      jsonOption(),
    ],
  ).action((file: string, flags: IssueFlags, command: Command) =>
    ctx.run(command, async (out) => {
      const { credential, credentialId } = unwrapIssueRequest(await readJsonFile(file, 'credential', ctx), file);
      const config = await ctx.config(flags);
      const client = await nodeClientFor(ctx, flags);
      if (flags.format === 'dc+sd-jwt') {
        return issueSdJwtVc(ctx, out, client, credential, flags, credentialId, tokenArgument(config, flags, ctx.cwd));
      }
      if (flags.disclosable !== undefined || flags.holderJwk !== undefined) {
        throw new CliError('OPTION_INVALID', '--disclosable and --holder-jwk apply to --format dc+sd-jwt only', {
          hint: 'add --format dc+sd-jwt to issue an SD-JWT VC',
        });
      }
      const answer = await client.issueCredential(credential, flags.credentialId ?? credentialId);
      const issued = answer.credential;
      const entries = statusEntries(issued);
      const alreadySet = await setEntries(client, entries);
      if (!flags.out) {
        // The signed credential is the result: plain JSON either way, ready to pipe into `verify -`.
        ctx.stdout.write(`${JSON.stringify(issued, null, 2)}\n`);
        if (answer.credentialId && answer.credentialId !== issued.id) {
          out.note(`status handle: ${answer.credentialId} (npx trustmesh revoke ${answer.credentialId} …)`);
        }
        return warnAlreadySet(out, alreadySet);
      }
      // The VC-API body: what POST /credentials/issue answers and POST /credentials/verify takes
      // (curl -d @FILE), and what `trustmesh verify FILE` reads as well.
      await writeJsonFile(
        flags.out,
        { verifiableCredential: issued },
        { force: flags.force === true, what: 'credential' },
      );
      // What revoke/suspend take: the node's handle, which --credential-id (or options.credentialId)
      // may have set apart from the credential's own id.
      const id =
        answer.credentialId ?? flags.credentialId ?? credentialId ?? (typeof issued.id === 'string' ? issued.id : null);
      out.result(
        { file: flags.out, id, issuer: issuerOf(issued), type: issued.type, credentialStatus: entries },
        (r) => [
          `issued ${r.id ?? '(credential without id)'} by ${r.issuer}; wrote it to ${r.file} (as {"verifiableCredential": …}, the body of POST /credentials/verify)`,
          ...r.credentialStatus.map(
            (e) => `  ${e.statusPurpose}: entry ${e.statusListIndex} of ${e.statusListCredential}`,
          ),
          ...(r.id
            ? [
                `revoke it with: npx trustmesh revoke ${r.id} --node ${client.options.baseUrl}${tokenArgument(config, flags, ctx.cwd)}`,
              ]
            : []),
        ],
      );
      return warnAlreadySet(out, alreadySet);
    }),
  );

  for (const spec of STATUS_COMMANDS) {
    addOptions(
      program
        .command(spec.name)
        .argument('[credentialId]', 'id of a credential the node issued (issuer mode)')
        .description(`${spec.description}: through the issuer's node, or directly with --key --list --index`),
      [
        ...nodeOptions('of the issuer (issuer mode), or to publish the signed list through (with --key)'),
        new Option('--key <file>', 'sign the list yourself with this issuer key file (instead of issuer mode)'),
        new Option('--list <url>', `with --key: the ${spec.purpose} status list (the entry's statusListCredential)`),
        new Option('--index <n>', "with --key: the entry (the credential's statusListIndex)").argParser(
          nonNegativeInteger,
        ),
        dataOption(
          'with --key: store the new list version in this stopped node’s data directory; otherwise: its node (URL and token from its config)',
        ),
        new Option(
          '--wait-on <url>',
          'return only once this node (e.g. a verifier’s) answers the new status (GET /credentials/status), at most 10 s',
        ),
        new Option(
          '--new-list',
          'with --key: if the list does not exist yet, publish its first version (131,072 entries) with this entry set',
        ),
        networkOption(),
        jsonOption(),
      ],
    ).action((credentialId: string | undefined, flags: StatusFlags, command: Command) =>
      ctx.run(command, async (out) => {
        if (flags.key) return changeWithKey(ctx, out, spec, credentialId, flags);
        if (flags.list || flags.index !== undefined) {
          throw new CliError('KEY_MISSING', '--list and --index go with --key (signing the list yourself)', {
            hint: `give --key ISSUER_KEY_FILE, or just the credential id: trustmesh ${spec.name} CREDENTIAL_ID --node URL`,
          });
        }
        if (!credentialId) {
          throw new CliError('CREDENTIAL_ID_MISSING', `which credential? give its id: trustmesh ${spec.name} ID`, {
            hint: `or sign the list yourself: trustmesh ${spec.name} --key FILE --list URL --index N --node URL`,
          });
        }
        const client = await nodeClientFor(ctx, flags);
        const report = await client.updateStatus(credentialId, spec.change);
        const code = describeApiChange(out, spec, report, client.options.baseUrl);
        const changed = report.updates.filter((u) => u.changed);
        if (flags.waitOn && changed.length > 0) await awaitOn(out, flags.waitOn, changed);
        return code;
      }),
    );
  }
}

/**
 * `issue --format dc+sd-jwt`: the node signs an SD-JWT VC with an entry on its Token Status List.
 * Prints the compact credential (or writes it to --out), which `verify` takes as it is.
 */
async function issueSdJwtVc(
  ctx: CommandContext,
  out: Output,
  client: NodeClient,
  claims: Record<string, unknown>,
  flags: IssueFlags,
  credentialId: string | undefined,
  token: string,
): Promise<ExitCode> {
  const holderJwk = flags.holderJwk ? await readJsonFile(flags.holderJwk, 'holder JWK', ctx) : undefined;
  const answer = await client.issueCredential(claims, flags.credentialId ?? credentialId, {
    format: 'dc+sd-jwt',
    ...(flags.disclosable !== undefined
      ? {
          disclosable: flags.disclosable
            .split(',')
            .map((c) => c.trim())
            .filter((c) => c.length > 0),
        }
      : {}),
    ...(holderJwk !== undefined ? { holderJwk } : {}),
  });
  const compact = compactOfEnvelope(answer.credential);
  if (!compact) {
    throw new CliError('NODE_ANSWER_INVALID', 'the node answered no enveloped SD-JWT VC', {
      hint: 'is the node a trustmesh node in issuer mode of this version?',
    });
  }
  for (const warning of answer.warnings) out.warn(warning);
  const entry = answer.tokenStatus;
  const revokeHint = answer.credentialId
    ? `revoke it with: npx trustmesh revoke ${answer.credentialId} --node ${client.options.baseUrl}${token}`
    : null;
  if (!flags.out) {
    // The compact credential is the result, ready to pipe into `verify -`.
    ctx.stdout.write(`${compact}\n`);
    if (entry) out.note(`token status entry ${entry.idx} of ${entry.uri}`);
    if (revokeHint) out.note(revokeHint);
    return EXIT.OK;
  }
  await writeFileAtomic(flags.out, `${compact}\n`, { force: flags.force === true, what: 'credential' });
  out.result({ file: flags.out, id: answer.credentialId, format: 'dc+sd-jwt', tokenStatus: entry ?? null }, (r) => [
    `issued SD-JWT VC ${r.id ?? ''}; wrote it (compact) to ${r.file}`,
    ...(r.tokenStatus ? [`  token status entry ${r.tokenStatus.idx} of ${r.tokenStatus.uri}`] : []),
    ...(revokeHint ? [revokeHint] : []),
  ]);
  return EXIT.OK;
}

function describeApiChange(out: Output, spec: StatusCommand, report: StatusChangeReport, node: string): ExitCode {
  out.result({ node, ...report }, (r) => [
    `${spec.done}: ${r.credentialId}`,
    ...r.updates.map(
      (u) =>
        `  ${u.statusPurpose} entry ${u.statusListIndex} of ${u.statusListCredential} = ${u.value}` +
        (u.changed
          ? ` (new list version ${u.validFrom}, published through ${node})`
          : ' (already so: nothing published)'),
    ),
    ...(r.updates.length === 0 ? ['  (no list to change: the credential was not suspended)'] : []),
    ...(r.gossipPeers !== undefined && r.updates.some((u) => u.changed)
      ? [`  sent to ${r.gossipPeers} peer${r.gossipPeers === 1 ? '' : 's'}`]
      : []),
  ]);
  if (report.updates.some((u) => u.changed)) failOnNoPeers(report.gossipPeers, node);
  return EXIT.OK;
}

/** The local-key path: sign the next version of the list with the entry set; publish it or store it. */
async function changeWithKey(
  ctx: CommandContext,
  out: Output,
  spec: StatusCommand,
  credentialId: string | undefined,
  flags: StatusFlags,
): Promise<ExitCode> {
  if (credentialId) {
    throw new CliError(
      'STATUS_TARGET_AMBIGUOUS',
      'with --key, name the entry with --list and --index, not a credential id',
      {
        hint: 'the list and index are the credential’s credentialStatus (statusListCredential, statusListIndex)',
      },
    );
  }
  if (!flags.list || flags.index === undefined) {
    throw new CliError('STATUS_TARGET_MISSING', 'which entry? give --list URL and --index N', {
      hint: 'they are the credential’s credentialStatus (statusListCredential, statusListIndex)',
    });
  }
  if (flags.data && flags.node) {
    throw new CliError(
      'SOURCE_AMBIGUOUS',
      'give --node (publish through a running node) or --data (a stopped node’s directory), not both',
      {
        hint: '--data writes into the database directly, which a running node holds locked',
      },
    );
  }
  const keyPair = await readKeyPairFile(flags.key!, '--key', ctx);
  const { list, index } = { list: flags.list, index: flags.index };
  const config = await ctx.config(flags);
  const change = [{ index, value: spec.value }];

  if (flags.data) {
    const { registry } = await openDataDir(config.values, { now: ctx.now });
    try {
      const held = registry.statusList(list);
      if (!held && !flags.newList) throw unknownList(list, config.values.dataDir);
      if (held) checkPurpose(spec, list, held.list.statusPurpose);
      const next = await nextOrFirstVersion(held?.list ?? null, { id: list, purpose: spec.purpose }, change, keyPair, {
        now: ctx.now(),
      });
      if (!next.changed) return unchanged(out, spec, list, index);
      // Through the registry's own validation, like any record; the node gossips it on start.
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
      out.result(
        { list, index, value: spec.value, validFrom: next.validFrom, storedIn: config.values.dataDir },
        (r) => [
          `${spec.done}: entry ${r.index} of ${r.list} = ${r.value} (list version ${r.validFrom})`,
          `stored in ${r.storedIn}; the node publishes it to its peers when it starts`,
        ],
      );
      return EXIT.OK;
    } finally {
      await registry.close();
    }
  }

  if (!config.values.node) {
    throw new CliError('NODE_MISSING', 'where should the new list version go?', {
      hint: 'give --node URL (publish through a running node) or --data DIR (a stopped node’s data directory)',
    });
  }
  const client = new NodeClient({ baseUrl: config.values.node, token: config.values.token });
  const fetched = await client.statusList(list);
  if (!fetched && !flags.newList) throw unknownList(list, config.values.node);
  const held = fetched ? parseStatusListFrom(fetched, `${config.values.node}: ${list}`) : null;
  if (held) checkPurpose(spec, list, held.statusPurpose);
  const next = await nextOrFirstVersion(held, { id: list, purpose: spec.purpose }, change, keyPair, { now: ctx.now() });
  if (!next.changed) return unchanged(out, spec, list, index);
  if (!out.json) out.note(`${spec.done}: entry ${index} of ${list} = ${spec.value} (list version ${next.validFrom})`);
  const code = reportPublish(out, await client.publishRecord(next.credential), client.options.baseUrl);
  if (flags.waitOn && code === EXIT.OK) {
    await awaitOn(out, flags.waitOn, [
      { statusPurpose: spec.purpose, statusListCredential: list, statusListIndex: index, value: spec.value },
    ]);
  }
  return code;
}

/** `--wait-on`: waits for the node to answer the new values, and says how long it took. */
async function awaitOn(out: Output, url: string, entries: readonly AwaitedEntry[]): Promise<void> {
  const ms = await waitForStatus(url, entries);
  out.note(`${url} answers the new status (${ms} ms after publishing)`);
}

function checkPurpose(spec: StatusCommand, list: string, purposes: readonly string[]): void {
  if (purposes.includes(spec.purpose)) return;
  const hint =
    spec.name === 'reinstate' && purposes.includes('revocation')
      ? 'revocation is final: entries of a revocation list are never cleared'
      : `give the credential's ${spec.purpose} entry (its credentialStatus with statusPurpose "${spec.purpose}")`;
  throw new CliError(
    'STATUS_PURPOSE_MISMATCH',
    `${list} is a ${purposes.join('/')} list; ${spec.name} needs a ${spec.purpose} list`,
    { hint },
  );
}

function unchanged(out: Output, spec: StatusCommand, list: string, index: number): ExitCode {
  out.result(
    { list, index, value: spec.value, changed: false },
    (r) => `entry ${r.index} of ${r.list} is already ${r.value} (${spec.done}): nothing to publish`,
  );
  return EXIT.OK;
}

function unknownList(list: string, where: string): CliError {
  return new CliError('STATUS_LIST_UNKNOWN', `${where} holds no status list ${list}`, {
    hint: 'check the list URL (the credential’s statusListCredential); for the first entry of a list of your own, add --new-list',
  });
}

/** Entries of a just-issued credential that are already set on the node (a re-used credential id). */
async function setEntries(
  client: NodeClient,
  entries: readonly { statusPurpose: string; statusListCredential: string; statusListIndex: string }[],
): Promise<{ statusPurpose: string; statusListIndex: string; statusListCredential: string }[]> {
  const set = [];
  for (const entry of entries) {
    const query = new URLSearchParams({
      statusListCredential: entry.statusListCredential,
      statusListIndex: entry.statusListIndex,
      statusPurpose: entry.statusPurpose,
    });
    const answer = await client.read(`/credentials/status?${query}`).catch(() => null);
    if (answer?.outcome === 'fail') set.push(entry);
  }
  return set;
}

/**
 * Says so when the node issued the credential on entries already set: issuing again under a
 * credential id keeps that credential's entries, so a revoked id gives a credential revoked from
 * the start (exit 1), a suspended one a suspended credential.
 */
function warnAlreadySet(
  out: Output,
  set: readonly { statusPurpose: string; statusListIndex: string; statusListCredential: string }[],
): ExitCode {
  for (const e of set) {
    out.warn(
      e.statusPurpose === 'revocation'
        ? `this credential id was revoked before: the credential reuses its entry ${e.statusListIndex} of ${e.statusListCredential}, which is set for good (revocation is final); issue it under a new id`
        : `this credential id is ${e.statusPurpose === 'suspension' ? 'suspended' : `set on its ${e.statusPurpose} list`} (entry ${e.statusListIndex} of ${e.statusListCredential}); lift it with \`npx trustmesh reinstate ID\`, or issue under a new id`,
    );
  }
  return set.some((e) => e.statusPurpose === 'revocation') ? EXIT.NOT_VERIFIED : EXIT.OK;
}

/** Accepts a bare credential, or the VC-API request `{ credential, options: { credentialId } }`. */
function unwrapIssueRequest(
  value: unknown,
  origin: string,
): { credential: Record<string, unknown>; credentialId?: string } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new CliError('CREDENTIAL_INVALID', `${origin} must hold a JSON object (the unsigned credential)`, {
      hint: 'see the example in .trustmesh/examples after `trustmesh up`',
    });
  }
  const object = value as Record<string, unknown>;
  const inner = object.credential;
  if (object['@context'] === undefined && inner !== null && typeof inner === 'object' && !Array.isArray(inner)) {
    const options = object.options as { credentialId?: unknown } | undefined;
    return {
      credential: inner as Record<string, unknown>,
      ...(typeof options?.credentialId === 'string' ? { credentialId: options.credentialId } : {}),
    };
  }
  return { credential: object };
}

function statusEntries(credential: Record<string, unknown>): {
  statusPurpose: string;
  statusListCredential: string;
  statusListIndex: string;
}[] {
  const status = credential.credentialStatus;
  const entries = Array.isArray(status) ? status : status ? [status] : [];
  return entries.map((e: Record<string, unknown>) => ({
    statusPurpose: String(e.statusPurpose),
    statusListCredential: String(e.statusListCredential),
    statusListIndex: String(e.statusListIndex),
  }));
}

function issuerOf(credential: Record<string, unknown>): string {
  const issuer = credential.issuer;
  if (typeof issuer === 'string') return issuer;
  if (issuer && typeof issuer === 'object' && typeof (issuer as { id?: unknown }).id === 'string') {
    return (issuer as { id: string }).id;
  }
  return '(unknown issuer)';
}
