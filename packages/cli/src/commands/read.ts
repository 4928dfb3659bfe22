/**
 * Reading the registry (issue 4): `issuers [DID]`, `status --list URL --index I`, `peers`,
 * `evidence`, `health`. Each asks a node's API (`--node URL`, or TRUSTMESH_NODE / config) or reads a
 * data directory directly (`--data DIR`); when that directory is held by its running node and its
 * config names the node's API, the node is asked instead. Every answer is public, signed,
 * issuer-level data (DESIGN.md, Principles §2).
 */
import { accreditationStatus, type ParsedAccreditation, queryStatus, type Registry } from '@trustmesh/registry';
import { type Command, Option } from 'commander';
import {
  addOptions,
  type CommandContext,
  dataOption,
  jsonOption,
  networkOption,
  nonNegativeInteger,
} from '../command-context.ts';
import type { ConfigFlags, LoadedConfig } from '../config.ts';
import { openDataDir } from '../data-dir.ts';
import { NodeClient } from '../node-client.ts';
import { CliError, EXIT, type ExitCode, type Output } from '../output.ts';
import { runningNodeApi } from '../running-node.ts';

interface ReadFlags extends ConfigFlags {
  json?: boolean;
}

interface StatusFlags extends ReadFlags {
  list: string;
  index: number;
  purpose: string;
  size: number;
}

/** Where a read command gets its answer. */
type Source = { kind: 'node'; client: NodeClient; label: string } | { kind: 'data'; registry: Registry; label: string };

/** An accreditation as the read commands print it (the same shape from a node or a data directory). */
export interface AccreditationSummary {
  id: string;
  subject: string;
  /** The accreditor. */
  issuer: string;
  role: string;
  validFrom: string;
  validUntil: string;
  scopes: {
    scope: { types: string[]; jurisdiction: string };
    valid: boolean;
    authority?: string;
    code?: string;
    message?: string;
  }[];
}

/** Registers `issuers`, `status`, `peers`, `evidence` and `health`. */
export function registerReadCommands(program: Command, ctx: CommandContext): void {
  const sourceOptions = () => [
    new Option('--node <url>', 'ask this node’s API (or TRUSTMESH_NODE)'),
    dataOption('read this data directory instead (a stopped node’s; default ./.trustmesh)'),
    networkOption(),
    jsonOption(),
  ];

  addOptions(
    program
      .command('issuers')
      .argument('[did]', 'one party: its accreditations and the chain of each scope')
      .description('accredited issuers and accreditors, and whether each scope chains up to governance now'),
    sourceOptions(),
  ).action((did: string | undefined, flags: ReadFlags, command: Command) =>
    ctx.run(command, (out) =>
      withSource(ctx, out, flags, async (source) => {
        let accreditations: AccreditationSummary[];
        let authority: Record<string, unknown> | null = null;
        let authorities: readonly { id: string; name: string }[] = [];
        if (source.kind === 'node') {
          const governance = await source.client.read('/governance');
          authorities = (governance?.authorities as { id: string; name: string }[] | undefined) ?? [];
          const body = await source.client.read(did ? `/issuers/${encodeURIComponent(did)}` : '/issuers');
          if (!body) return notAccredited(out, did ?? '', source.label);
          authority = (body.authority as Record<string, unknown> | undefined) ?? null;
          accreditations = (body.accreditations as AccreditationSummary[]).map((a) => ({
            ...a,
            subject: a.subject ?? did,
          }));
        } else {
          const { registry } = source;
          authorities = registry.governance()?.record.authorities ?? [];
          const held = did ? registry.accreditationsOf(did) : registry.accreditations();
          const found = did ? registry.governance()?.record.authorities.find((a) => a.id === did) : undefined;
          authority = found ? { ...found } : null;
          if (did && held.length === 0 && !authority) return notAccredited(out, did, source.label);
          accreditations = held.map((a) => summarise(registry, a, ctx.now()));
        }
        out.result({ source: source.label, ...(did ? { did } : {}), authority, accreditations }, (r) => [
          ...(r.authority
            ? [`${did} is a governance authority: ${String(r.authority.name)} (${String(r.authority.jurisdiction)})`]
            : []),
          ...(r.accreditations.length === 0 ? ['no accreditations held'] : []),
          ...r.accreditations.flatMap((a) => describeAccreditation(a, authorities)),
          `source: ${r.source}`,
        ]);
        return EXIT.OK;
      }),
    ),
  );

  addOptions(
    program
      .command('status')
      .description('read one status list entry from the replica (exit 0 not set, 1 set, 2 could not decide)'),
    [
      new Option('--list <url>', 'the status list (statusListCredential)').makeOptionMandatory(),
      new Option('--index <n>', 'the entry (statusListIndex)').argParser(nonNegativeInteger).makeOptionMandatory(),
      new Option('--purpose <purpose>', 'statusPurpose of the entry').default('revocation'),
      new Option('--size <bits>', 'statusSize of the entry').argParser(nonNegativeInteger).default(1),
      ...sourceOptions(),
    ],
  ).action((flags: StatusFlags, command: Command) =>
    ctx.run(command, (out) =>
      withSource(ctx, out, flags, async (source) => {
        let answer: Record<string, unknown>;
        if (source.kind === 'node') {
          const query = new URLSearchParams({
            statusListCredential: flags.list,
            statusListIndex: String(flags.index),
            statusPurpose: flags.purpose,
            statusSize: String(flags.size),
          });
          answer = (await source.client.read(`/credentials/status?${query}`)) ?? {};
        } else {
          answer = localStatus(source.registry, flags, ctx.now());
        }
        const outcome = String(answer.outcome);
        // Set or not is a read value; a failure without one (an index outside the list, a list
        // that does not verify) is a question the replica cannot answer: exit 2, not "revoked".
        const answered = outcome === 'pass' || (outcome === 'fail' && typeof answer.value === 'number');
        const result: Record<string, unknown> = { source: source.label, ...answer };
        out.result(result, (r) => {
          const mark = !answered ? '?' : outcome === 'pass' ? '✓' : '✗';
          const code = typeof r.code === 'string' ? ` [${r.code}]` : '';
          const asOf = r.asOf as { time: string; statusLists: { id: string; validFrom: string; receivedAt: string }[] };
          // An error message names the entry itself: say it once.
          const what = answered ? `${flags.purpose} entry ${flags.index} of ${flags.list}: ` : 'cannot answer: ';
          return [
            `${mark} ${what}${String(r.message)}${code}`,
            `as of ${asOf.time}`,
            ...asOf.statusLists.map(
              (l) => `  status list ${l.id}: version of ${l.validFrom}, received ${l.receivedAt}`,
            ),
            `source: ${r.source}`,
          ];
        });
        if (!answered) return EXIT.UNDECIDED;
        return outcome === 'pass' ? EXIT.OK : EXIT.NOT_VERIFIED;
      }),
    ),
  );

  addOptions(program.command('peers').description('peers a running node is connected to'), [
    new Option('--node <url>', 'the node’s API (or TRUSTMESH_NODE)'),
    dataOption('data directory whose config names the node'),
    jsonOption(),
  ]).action((flags: ReadFlags, command: Command) =>
    ctx.run(command, async (out) => {
      const config = await ctx.config(flags);
      if (!config.values.node) {
        throw new CliError('NODE_MISSING', 'peers are a running node’s: which node?', {
          hint: 'pass --node URL (e.g. http://127.0.0.1:8080), or set TRUSTMESH_NODE',
        });
      }
      const client = new NodeClient({ baseUrl: config.values.node, token: null });
      const body = (await client.read('/peers')) ?? {};
      const peers = (body.peers as { id: string; addrs: string[] }[] | undefined) ?? [];
      out.result({ node: config.values.node, peerId: body.peerId, peers }, (r) => [
        `${r.node} (peer ${String(r.peerId)}) is connected to ${r.peers.length} peer${r.peers.length === 1 ? '' : 's'}`,
        ...r.peers.map((p) => `  ${p.id}  ${p.addrs.join(', ')}`),
      ]);
      return EXIT.OK;
    }),
  );

  addOptions(
    program
      .command('evidence')
      .description('equivocation evidence: pairs of conflicting records one signer signed (exit 1 when there is any)'),
    sourceOptions(),
  ).action((flags: ReadFlags, command: Command) =>
    ctx.run(command, (out) =>
      withSource(ctx, out, flags, async (source) => {
        let evidence: {
          id: string;
          key: string;
          signer: string;
          version: string;
          receivedAt: string;
          records: unknown[];
        }[];
        if (source.kind === 'node') {
          evidence = ((await source.client.read('/evidence'))?.evidence as typeof evidence | undefined) ?? [];
        } else {
          const decoder = new TextDecoder();
          evidence = (await source.registry.evidence()).map((e) => ({
            id: e.id,
            key: e.key,
            signer: e.signer,
            version: e.version,
            receivedAt: new Date(e.receivedAt).toISOString(),
            records: e.records.map((bytes) => JSON.parse(decoder.decode(bytes)) as unknown),
          }));
        }
        out.result({ source: source.label, evidence }, (r) => [
          r.evidence.length === 0
            ? 'no equivocation evidence: no signer has signed two different versions of one record'
            : `${r.evidence.length} equivocation${r.evidence.length === 1 ? '' : 's'}:`,
          ...r.evidence.map(
            (e) =>
              `  ${e.signer} signed two versions ${e.version} of ${e.key} (evidence ${e.id}, received ${e.receivedAt})`,
          ),
          `source: ${r.source}`,
        ]);
        return evidence.length === 0 ? EXIT.OK : EXIT.NOT_VERIFIED;
      }),
    ),
  );

  addOptions(
    program
      .command('health')
      .description('governance version, warnings and counts (exit 0 ok, 1 degraded or unavailable)'),
    sourceOptions(),
  ).action((flags: ReadFlags, command: Command) =>
    ctx.run(command, (out) =>
      withSource(ctx, out, flags, async (source) => {
        let health: Record<string, unknown>;
        if (source.kind === 'node') {
          try {
            health = (await source.client.read('/health', [200, 503])) ?? {};
          } catch (error) {
            // A node that does not answer is unavailable: the health answer, not a usage error (exit 1).
            if (!(error instanceof CliError && error.code === 'NODE_UNREACHABLE')) throw error;
            out.result(
              { status: 'unavailable', code: error.code, message: error.message, source: source.label },
              (r) => [`unavailable: ${String(r.message)}`, `source: ${String(r.source)}`],
            );
            return EXIT.NOT_VERIFIED;
          }
        } else {
          const { registry } = source;
          const governance = registry.governance();
          const warnings = registry.warnings();
          health = {
            status: !governance ? 'unavailable' : warnings.length > 0 ? 'degraded' : 'ok',
            networkId: governance?.record.networkId ?? null,
            time: new Date(ctx.now()).toISOString(),
            governanceVersion: governance?.record.version ?? null,
            warnings,
            counts: {
              accreditations: registry.accreditations().length,
              statusLists: registry.statusListIds().length,
              evidence: (await registry.evidence()).length,
            },
          };
        }
        const result: Record<string, unknown> = { source: source.label, ...health };
        out.result(result, (r) => {
          const counts = (r.counts ?? {}) as Record<string, number>;
          const issuer = r.issuer as { did: string; lists: Record<string, string> } | undefined;
          return [
            `${String(r.status)}: network ${String(r.networkId)}, governance version ${String(r.governanceVersion ?? 'none')}`,
            `  ${Object.entries(counts)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')}`,
            ...(issuer
              ? [`  issuer mode: ${issuer.did}`, ...Object.entries(issuer.lists).map(([p, l]) => `    ${p} list ${l}`)]
              : []),
            ...((r.warnings as string[] | undefined) ?? []).map((w) => `warning: ${w}`),
            `source: ${r.source}`,
          ];
        });
        return health.status === 'ok' ? EXIT.OK : EXIT.NOT_VERIFIED;
      }),
    ),
  );
}

/**
 * Runs `read` against the chosen source: `--data` when given, else the configured node, else the
 * default data directory. A data directory locked by its running node falls back to that node's API
 * when its config names it.
 */
async function withSource(
  ctx: CommandContext,
  out: Output,
  flags: ReadFlags,
  read: (source: Source) => Promise<ExitCode>,
): Promise<ExitCode> {
  if (flags.node && flags.data) {
    throw new CliError('SOURCE_AMBIGUOUS', 'give --node or --data, not both', {
      hint: '--node asks a running node; --data reads a stopped node’s data directory',
    });
  }
  const config: LoadedConfig = await ctx.config(flags);
  const node = config.values.node;
  if (node && (!flags.data || flags.node)) {
    return read({ kind: 'node', client: new NodeClient({ baseUrl: node, token: null }), label: `node ${node}` });
  }
  let registry: Registry;
  try {
    ({ registry } = await openDataDir(config.values, { now: ctx.now }));
  } catch (error) {
    const running =
      error instanceof CliError && error.code === 'DATA_DIR_LOCKED'
        ? ((await runningNodeApi(config.values.dataDir)) ?? node)
        : null;
    if (running) {
      out.note(`${config.values.dataDir} is in use by its running node: asking it at ${running}`);
      return read({
        kind: 'node',
        client: new NodeClient({ baseUrl: running, token: null }),
        label: `node ${running}`,
      });
    }
    throw error;
  }
  try {
    return await read({ kind: 'data', registry, label: `data directory ${config.values.dataDir}` });
  } finally {
    await registry.close();
  }
}

function summarise(registry: Registry, a: ParsedAccreditation, at: number): AccreditationSummary {
  return accreditationStatus(registry, a, at);
}

/** An accreditation in lines; authorities are shown by their governance name beside the DID. */
function describeAccreditation(
  a: AccreditationSummary,
  authorities: readonly { id: string; name: string }[],
): string[] {
  const named = (did: string | undefined) => {
    const name = authorities.find((x) => x.id === did)?.name;
    return name ? `${name} (${did})` : String(did);
  };
  return [
    `${a.subject}  ${a.role}, accredited by ${named(a.issuer)}, valid ${a.validFrom} – ${a.validUntil}`,
    ...a.scopes.map(
      (s) =>
        `  ${s.valid ? '✓' : '✗'} ${s.scope.types.join(', ')} in ${s.scope.jurisdiction}` +
        (s.valid ? ` (chain to authority ${named(s.authority)})` : ` [${s.code}] ${s.message ?? ''}`),
    ),
  ];
}

function notAccredited(out: Output, did: string, source: string): ExitCode {
  out.result({ source, did, accreditations: [] }, (r) => [
    `${r.did} is neither accredited nor a governance authority here`,
    `source: ${r.source}`,
  ]);
  return EXIT.NOT_VERIFIED;
}

/** The same answer as the node's `GET /credentials/status`, from a data directory. */
function localStatus(registry: Registry, flags: StatusFlags, time: number): Record<string, unknown> {
  const { list, index, purpose, size } = flags;
  return {
    ...queryStatus(
      registry,
      { statusListCredential: list, statusListIndex: index, statusPurpose: purpose, statusSize: size },
      time,
    ),
  };
}
