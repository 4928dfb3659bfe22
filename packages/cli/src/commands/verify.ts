/**
 * `trustmesh verify <file|->`: verify a credential against a node (`--node`), a data directory
 * (`--data`, opened read-only while its node is stopped) or an offline bundle (`--bundle`). Prints
 * each check and the as-of stamp; exits 0 verified, 1 not verified, 2 could not decide. The
 * credential is never stored or logged (DESIGN.md, Principles §2).
 */
import { MemoryRecordStore, Registry, type VerificationResult, verifyCredential } from '@trustmesh/registry';
import { type Command, Option } from 'commander';
import { checkBundleNetwork, importRecords, parseBundle } from '../bundle.ts';
import { addOptions, type CommandContext, dataOption, jsonOption, networkOption } from '../command-context.ts';
import type { ConfigFlags, LoadedConfig } from '../config.ts';
import { loadNetworkFile, openDataDir } from '../data-dir.ts';
import { readJsonFile } from '../files.ts';
import { NodeClient } from '../node-client.ts';
import { CliError, type Output } from '../output.ts';
import { describeVerification, verdictExitCode, verdictOf } from '../verification-report.ts';

interface VerifyFlags extends ConfigFlags {
  bundle?: string;
  json?: boolean;
}

/** Registers `verify`. */
export function registerVerifyCommand(program: Command, ctx: CommandContext): void {
  addOptions(
    program
      .command('verify')
      .argument('<credential>', 'credential file (JSON), or - for standard input')
      .description(
        'verify a credential: proof, issuer accreditation, status, validity. Exit 0 verified, 1 not verified, 2 could not decide',
      ),
    [
      new Option('--node <url>', 'verify through this node’s API (or TRUSTMESH_NODE)'),
      dataOption('verify against this data directory (a stopped node’s; default ./.trustmesh)'),
      new Option('--bundle <file>', 'verify against an offline bundle'),
      networkOption(),
      jsonOption(),
    ],
  ).action((file: string, flags: VerifyFlags, command: Command) =>
    ctx.run(command, async (out) => {
      const credential = unwrapVerifyRequest(await readJsonFile(file, 'credential', ctx));
      const config = await ctx.config(flags);
      const { result, source } = await verifyAgainst(ctx, out, credential, flags, config);
      const verdict = verdictOf(result);
      out.result({ verdict, source, ...result }, (r) => describeVerification(r, r.source));
      return verdictExitCode(verdict);
    }),
  );
}

/** Chooses the source: --bundle, then --node or --data as given, then the configured node, then the data directory. */
async function verifyAgainst(
  ctx: CommandContext,
  out: Output,
  credential: unknown,
  flags: VerifyFlags,
  config: LoadedConfig,
): Promise<{ result: VerificationResult; source: string }> {
  const given = [flags.bundle && '--bundle', flags.node && '--node', flags.data && '--data'].filter(Boolean);
  if (given.length > 1) {
    throw new CliError('SOURCE_AMBIGUOUS', `give one of --bundle, --node and --data, not ${given.join(' and ')}`, {
      hint: 'each names a complete source of registry data',
    });
  }
  if (flags.bundle) return verifyWithBundle(ctx, out, credential, flags.bundle, config);
  if (config.values.node && !flags.data) {
    const client = new NodeClient({ baseUrl: config.values.node, token: config.values.token });
    return { result: await client.verifyCredential(credential), source: `node ${config.values.node}` };
  }
  const { registry } = await openDataDir(config.values, { now: ctx.now });
  try {
    const result = await verifyCredential(credential, {
      view: registry,
      documentLoader: registry.documentLoader,
      now: ctx.now(),
    });
    return { result, source: `data directory ${config.values.dataDir}` };
  } finally {
    await registry.close();
  }
}

async function verifyWithBundle(
  ctx: CommandContext,
  out: Output,
  credential: unknown,
  file: string,
  config: LoadedConfig,
): Promise<{ result: VerificationResult; source: string }> {
  const bundle = parseBundle(await readJsonFile(file, 'bundle', ctx), file);
  // The network file pins the genesis; without one the bundle's own claim is all there is.
  let pinned = false;
  try {
    const network = await loadNetworkFile(config.values.network);
    checkBundleNetwork(bundle, network, file);
    pinned = true;
  } catch (error) {
    if (!(error instanceof CliError && error.code === 'NETWORK_FILE_MISSING') || config.sources.network !== 'default') {
      throw error;
    }
    out.warn(
      `no network file at ${config.values.network}: trusting the bundle's own genesis digest; pass --network FILE to pin it`,
    );
  }
  const registry = await Registry.open(
    { networkId: bundle.networkId, genesisDigest: bundle.genesisDigest },
    { store: new MemoryRecordStore(), now: ctx.now },
  );
  try {
    const { NOT_YET_RESOLVABLE_CODES } = await import('@trustmesh/node');
    const summary = await importRecords(registry, bundle.records, { retryCodes: NOT_YET_RESOLVABLE_CODES });
    const rejected = Object.entries(summary.rejected);
    if (rejected.length > 0) {
      out.warn(`the bundle holds records that do not validate: ${rejected.map(([c, n]) => `${c} ${n}`).join(', ')}`);
    }
    const result = await verifyCredential(credential, {
      view: registry,
      documentLoader: registry.documentLoader,
      now: ctx.now(),
    });
    return {
      result,
      source: `bundle ${file} (created ${bundle.createdAt}${pinned ? '' : '; genesis not pinned by a network file'})`,
    };
  } finally {
    await registry.close();
  }
}

/**
 * The credential itself, also when given as the VC-API body `{ "verifiableCredential": … }` (what
 * `POST /credentials/issue` answers, so a credential saved from curl verifies as it is).
 */
function unwrapVerifyRequest(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const object = value as Record<string, unknown>;
  const inner = object.verifiableCredential;
  if (object['@context'] === undefined && inner !== null && typeof inner === 'object' && !Array.isArray(inner)) {
    return inner;
  }
  return value;
}
