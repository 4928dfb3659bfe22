/**
 * `trustmesh publish FILE --node URL`: hand any signed record (an accreditation another operator
 * wrote to a file, a status list version, a governance version, evidence, a CA's CRL or a sub-CA
 * certificate as DER or PEM) to a node, which runs it through the same validation as gossip and
 * forwards it. Also the publishing step other commands share.
 */
import { join, resolve } from 'node:path';
import {
  derRecordKind,
  isDerRecordBytes,
  looksLikePem,
  PEM_MEDIA_TYPE,
  PKIX_CERT_MEDIA_TYPE,
  PKIX_CRL_MEDIA_TYPE,
} from '@trustmesh/registry';
import type { Command } from 'commander';
import { addOptions, type CommandContext, jsonOption, nodeOptions } from '../command-context.ts';
import { type ConfigFlags, type LoadedConfig, TOKEN_FILE_NAME } from '../config.ts';
import { readBinaryFile, readJsonFile, writeJsonFile } from '../files.ts';
import { NodeClient, type PublishResult } from '../node-client.ts';
import { CliError, EXIT, type ExitCode, type Output } from '../output.ts';
import { displayPath } from './node.ts';

interface PublishFlags extends ConfigFlags {
  json?: boolean;
}

/** Registers `publish`. */
export function registerPublishCommand(program: Command, ctx: CommandContext): void {
  addOptions(
    program
      .command('publish')
      .argument('<file>', 'signed record (JSON; a CRL or CA certificate as DER or PEM), or - for standard input')
      .description('publish a signed record through a node (POST /records)'),
    [...nodeOptions('to publish through'), jsonOption()],
  ).action((file: string, flags: PublishFlags, command: Command) =>
    ctx.run(command, async (out) => {
      const bytes = await readBinaryFile(file, 'record', ctx);
      const mediaType = derMediaType(bytes);
      // JSON is read as before (standard input once more from the bytes already taken from it).
      const record = mediaType ? undefined : await readJsonFile(file, 'record', file === '-' ? rereadable(bytes) : ctx);
      const client = await nodeClientFor(ctx, flags);
      const result = mediaType
        ? await client.publishRecord(undefined, { bytes, mediaType })
        : await client.publishRecord(record);
      return reportPublish(out, result, client.options.baseUrl);
    }),
  );
}

/**
 * The media type of a DER or PEM record (issue 14), sent as it is signed: a DER CRL as
 * `application/pkix-crl`, a DER certificate as `application/pkix-cert` (RFC 2585), PEM as
 * `application/x-pem-file`; null for anything else (JSON).
 */
export function derMediaType(bytes: Uint8Array): string | null {
  if (isDerRecordBytes(bytes)) {
    const kind = derRecordKind(bytes);
    if (kind === 'crl') return PKIX_CRL_MEDIA_TYPE;
    if (kind === 'ca-certificate') return PKIX_CERT_MEDIA_TYPE;
  }
  return looksLikePem(bytes) ? PEM_MEDIA_TYPE : null;
}

/** The bytes already read, as the standard input readJsonFile reads `-` from (a file is read once). */
function rereadable(bytes: Uint8Array) {
  return {
    stdin: (async function* () {
      yield bytes;
    })(),
  };
}

/**
 * A node that stored a record but sent it to no peer has not published it: the network does not
 * hold it and verifiers elsewhere still answer from the old state (issue 15). Fails with `NO_PEERS`
 * (exit 1) after the result is printed; a node that does not report its peers is taken at its word.
 */
export function failOnNoPeers(gossipPeers: number | undefined, node: string): void {
  if (gossipPeers !== 0) return;
  throw new CliError('NO_PEERS', `${node} stored the record but sent it to 0 peers: the network does not have it yet`, {
    hint: `check the node's peers (GET ${node}/peers) and its bootstrap list; the node hands the record on when a peer connects`,
    exitCode: EXIT.NOT_VERIFIED,
  });
}

/**
 * A record that conflicts with one the node holds is not published: the node keeps the held one and
 * stores the pair as evidence against the signer (DESIGN.md, Principles 4), which exit 0 would hide
 * (issue 15). Exit 1, as for any record the node did not take.
 */
function equivocationError(node: string): CliError {
  return new CliError(
    'EQUIVOCATION',
    `${node} did not take the record: it conflicts with one it holds, and both are now evidence against their signer`,
    {
      hint: `an accreditation id, a status list version or a governance version is signed once: sign a new one (a new \`keys prove\` gives a new accreditation id) instead of re-signing it; GET ${node}/evidence lists the pair`,
      exitCode: EXIT.NOT_VERIFIED,
    },
  );
}

/**
 * The token part of a command printed for the user to paste: ` --token-file FILE` when the token
 * came from a file, nothing when it came from the environment (still set), and a placeholder when
 * it was given on the command line: a printed command never carries the token itself.
 */
export function tokenArgument(config: LoadedConfig, flags: ConfigFlags, cwd: string): string {
  if (config.values.token === null) return ' --token-file TOKEN_FILE';
  if (flags.tokenFile) return ` --token-file ${displayPath(cwd, resolve(cwd, flags.tokenFile))}`;
  if (config.sources.token === 'file')
    return ` --token-file ${displayPath(cwd, join(config.values.dataDir, TOKEN_FILE_NAME))}`;
  if (config.sources.token === 'env') return '';
  return ' --token-file TOKEN_FILE';
}

/** A client for the node named by `--node` / TRUSTMESH_NODE / the config file. */
export async function nodeClientFor(ctx: CommandContext, flags: ConfigFlags): Promise<NodeClient> {
  const config = await ctx.config(flags);
  if (!config.values.node) {
    throw new CliError('NODE_MISSING', 'no node to talk to', {
      hint: 'pass --node URL (e.g. http://127.0.0.1:8080), or set TRUSTMESH_NODE',
    });
  }
  return new NodeClient({ baseUrl: config.values.node, token: config.values.token });
}

/**
 * Prints what the node did with a record. Accepted, or ignored as a duplicate (already held), exit
 * 0; any other ignore (stale, not resolvable yet), a rejection, or a conflict the node kept as
 * equivocation evidence exit 1: the record is not stored.
 */
export function reportPublish(out: Output, result: PublishResult, node: string): ExitCode {
  out.result({ node, ...result }, (r) => {
    if (r.status === 'accepted' && r.equivocation) {
      return `not published: ${node} holds another record with other signed content from the same signer for the same slot and version; it keeps both as equivocation evidence (digest ${r.digest})`;
    }
    if (r.status === 'accepted') {
      const peers =
        r.gossipPeers === undefined ? '' : `, sent to ${r.gossipPeers} peer${r.gossipPeers === 1 ? '' : 's'}`;
      return `published: ${node} accepted the ${r.kind} record (digest ${r.digest})${peers}`;
    }
    const field = r.field ? ` (${r.field})` : '';
    return `${r.status === 'ignored' ? 'not stored' : 'rejected'}: ${node} ${r.status} the record: ${r.code}${field}: ${r.message}`;
  });
  if (result.status === 'accepted') {
    if (result.equivocation) throw equivocationError(node);
    failOnNoPeers(result.gossipPeers, node);
    return EXIT.OK;
  }
  if (result.status === 'ignored' && result.code === 'DUPLICATE') return EXIT.OK;
  return EXIT.NOT_VERIFIED;
}

/** Writes a signed record to `--out` and/or publishes it through `--node`. */
export async function deliverRecord(
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
