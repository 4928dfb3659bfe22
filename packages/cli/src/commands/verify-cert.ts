/**
 * `trustmesh verify-cert <file>...`: verify an X.509 certificate chain (issue 14) against a node
 * (`--node`), a data directory (`--data`, a stopped node's) or an offline bundle (`--bundle`, its
 * accreditations, sub-CA certificates and CRLs, as `verify --bundle`): RFC 5280 path validation to a CA
 * accredited in the registry within its scope, validity, key usage (`--purpose`), certificate
 * policies, and revocation from the replica's CRLs; `--at` evaluates the chain and the replica as
 * of that time. Files are PEM (one may hold the whole chain) or DER, leaf first. Exits 0 verified,
 * 1 not verified, 2 could not decide. The chain is neither stored nor logged.
 */
import {
  CERTIFICATE_PURPOSES,
  type CertificatePurpose,
  CertificateVerificationCache,
  type CertificateVerificationResult,
  verifyCertificateChain,
} from '@trustmesh/registry';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { openBundleRegistry } from '../bundle-registry.ts';
import { readCertificateFiles } from '../certificate-files.ts';
import { describeCertificateVerification } from '../certificate-report.ts';
import {
  addOptions,
  type CommandContext,
  commaList,
  dataOption,
  jsonOption,
  networkOption,
} from '../command-context.ts';
import type { ConfigFlags } from '../config.ts';
import { openDataDir } from '../data-dir.ts';
import { NodeClient } from '../node-client.ts';
import { CliError } from '../output.ts';
import { verdictExitCode, verdictOf } from '../verification-report.ts';

interface VerifyCertFlags extends ConfigFlags {
  bundle?: string;
  at?: number;
  purpose?: CertificatePurpose[];
  json?: boolean;
}

/** `--at`: an RFC 3339 time. */
function rfc3339(value: string): number {
  const ms = Date.parse(value);
  if (!/^\d{4}-\d\d-\d\dT/.test(value) || !Number.isFinite(ms)) {
    throw new InvalidArgumentError('expected an RFC 3339 time, e.g. 2027-01-15T00:00:00Z');
  }
  return ms;
}

/** `--purpose`: comma-separated purposes, each one of CERTIFICATE_PURPOSES. */
function purposes(value: string, previous: CertificatePurpose[] | undefined): CertificatePurpose[] {
  const list = commaList(value);
  for (const p of list) {
    if (!(CERTIFICATE_PURPOSES as readonly string[]).includes(p)) {
      throw new InvalidArgumentError(`"${p}" is not one of ${CERTIFICATE_PURPOSES.join(', ')}`);
    }
  }
  return [...(previous ?? []), ...(list as CertificatePurpose[])];
}

/** Registers `verify-cert`. */
export function registerVerifyCertCommand(program: Command, ctx: CommandContext): void {
  addOptions(
    program
      .command('verify-cert')
      .argument('<file...>', 'certificate files, leaf first: PEM (one file may hold the whole chain) or DER')
      .description(
        'verify an X.509 certificate chain (path to an accredited CA, validity, key usage, policy, revocation from the replica’s CRLs). Exit 0 verified, 1 not verified, 2 could not decide',
      ),
    [
      new Option('--at <time>', 'evaluate the chain and the replica as of this RFC 3339 time').argParser(rfc3339),
      new Option(
        '--purpose <purposes>',
        `what the leaf must serve (comma-separated: ${CERTIFICATE_PURPOSES.join(', ')})`,
      ).argParser(purposes),
      new Option('--node <url>', 'verify through this node’s API (or TRUSTMESH_NODE)'),
      dataOption('verify against this data directory (a stopped node’s; default ./.trustmesh)'),
      new Option('--bundle <file>', 'verify against an offline bundle (trustmesh export)'),
      networkOption(),
      jsonOption(),
    ],
  ).action((files: string[], flags: VerifyCertFlags, command: Command) =>
    ctx.run(command, async (out) => {
      const given = [flags.bundle && '--bundle', flags.node && '--node', flags.data && '--data'].filter(Boolean);
      if (given.length > 1) {
        throw new CliError('SOURCE_AMBIGUOUS', `give one of --bundle, --node and --data, not ${given.join(' and ')}`, {
          hint: 'each names a complete source of registry data',
        });
      }
      const chain = await readCertificateFiles(files, ctx);
      const config = await ctx.config(flags);
      let result: CertificateVerificationResult;
      let source: string;
      const request = {
        chain,
        ...(flags.at !== undefined ? { at: flags.at } : {}),
        ...(flags.purpose ? { purpose: flags.purpose } : {}),
      };
      if (flags.bundle) {
        const opened = await openBundleRegistry(ctx, out, flags.bundle, config);
        try {
          result = verifyCertificateChain(request, {
            view: opened.registry,
            now: ctx.now(),
            cache: new CertificateVerificationCache(),
          });
        } finally {
          await opened.registry.close();
        }
        source = opened.source;
      } else if (config.values.node && !flags.data) {
        const client = new NodeClient({ baseUrl: config.values.node, token: config.values.token });
        result = await client.verifyCertificate({
          // The API takes text: DER travels as base64.
          chain: chain.map((c) => (typeof c === 'string' ? c : Buffer.from(c).toString('base64'))),
          ...(flags.at !== undefined ? { at: new Date(flags.at).toISOString() } : {}),
          ...(flags.purpose ? { purpose: flags.purpose } : {}),
        });
        source = `node ${config.values.node}`;
      } else {
        const { registry } = await openDataDir(config.values, { now: ctx.now });
        try {
          result = verifyCertificateChain(request, {
            view: registry,
            now: ctx.now(),
            cache: new CertificateVerificationCache(),
          });
        } finally {
          await registry.close();
        }
        source = `data directory ${config.values.dataDir}`;
      }
      const verdict = verdictOf(result);
      out.result({ verdict, source, ...result }, (r) => describeCertificateVerification(r, r.source));
      return verdictExitCode(verdict);
    }),
  );
}
