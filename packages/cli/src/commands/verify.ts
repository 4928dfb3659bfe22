/**
 * `trustmesh verify <file|->`: verify a credential or a verifiable presentation (every credential in
 * it too; `--challenge`, `--domain` for its proof) against a node (`--node`), a data directory
 * (`--data`, opened read-only while its node is stopped) or an offline bundle (`--bundle`). Prints
 * each check and the as-of stamp; exits 0 verified, 1 not verified, 2 could not decide. Nothing
 * presented is stored or logged (DESIGN.md, Principles §2).
 */
import {
  type CheckResult,
  type PresentationVerificationResult,
  parseEnvelopedCredentialId,
  type Registry,
  type TrustView,
  type VerificationResult,
  verifyCredential,
  verifyEnvelopedCredential,
  verifyPresentation,
} from '@trustmesh/registry';
import { type Command, Option } from 'commander';
import { openBundleRegistry } from '../bundle-registry.ts';
import { addOptions, type CommandContext, dataOption, jsonOption, networkOption } from '../command-context.ts';
import { envelopeCompactCredential, isCompactCredentialText } from '../compact-credentials.ts';
import type { ConfigFlags, LoadedConfig } from '../config.ts';
import { openDataDir } from '../data-dir.ts';
import { readBinaryFile } from '../files.ts';
import { mdocEnvelopeOf, sessionTranscriptOf } from '../mdoc-credentials.ts';
import { NodeClient } from '../node-client.ts';
import { CliError, type Output } from '../output.ts';
import { describeVerification, type Verdict, verdictExitCode, verdictOf } from '../verification-report.ts';

interface VerifyFlags extends ConfigFlags {
  bundle?: string;
  json?: boolean;
  challenge?: string;
  domain?: string;
  sessionTranscript?: string;
}

/** What is verified: a credential, or a presentation with the verifier's challenge and domain. */
type Subject =
  | { kind: 'credential'; document: unknown; challenge?: string; domain?: string; sessionTranscript?: Uint8Array }
  | { kind: 'presentation'; document: unknown; challenge?: string; domain?: string };

/** The answer for either kind. */
type Answer =
  | { kind: 'credential'; result: VerificationResult }
  | { kind: 'presentation'; result: PresentationVerificationResult };

/** Registers `verify`. */
export function registerVerifyCommand(program: Command, ctx: CommandContext): void {
  addOptions(
    program
      .command('verify')
      .argument(
        '<credential>',
        'credential or presentation file (JSON, a compact SD-JWT VC / JWT credential, or an ISO 18013-5 mdoc as CBOR or base64url), or - for standard input',
      )
      .description(
        'verify a credential (proof, issuer accreditation, status, validity) or a presentation (its proof and every credential in it). Exit 0 verified, 1 not verified, 2 could not decide',
      ),
    [
      new Option(
        '--challenge <challenge>',
        'the challenge a presentation proof must carry (an SD-JWT VC: the key-binding JWT nonce)',
      ),
      new Option(
        '--domain <domain>',
        'the domain a presentation proof must name (an SD-JWT VC: the key-binding JWT aud)',
      ),
      new Option(
        '--session-transcript <file>',
        'an mdoc’s ISO 18013-5 SessionTranscript (CBOR or base64url): enables its device authentication',
      ),
      new Option('--node <url>', 'verify through this node’s API (or TRUSTMESH_NODE)'),
      dataOption('verify against this data directory (a stopped node’s; default ./.trustmesh)'),
      new Option('--bundle <file>', 'verify against an offline bundle'),
      networkOption(),
      jsonOption(),
    ],
  ).action((file: string, flags: VerifyFlags, command: Command) =>
    ctx.run(command, async (out) => {
      const subject = subjectOf(await readSubject(ctx, file), flags);
      if (flags.sessionTranscript !== undefined && subject.kind === 'credential') {
        const bytes = await readBinaryFile(flags.sessionTranscript, 'session transcript', ctx);
        subject.sessionTranscript = sessionTranscriptOf(bytes, flags.sessionTranscript);
      }
      const config = await ctx.config(flags);
      const { answer, source } = await verifyAgainst(ctx, out, subject, flags, config);
      if (answer.kind === 'credential') {
        const verdict = verdictOf(answer.result);
        out.result({ verdict, source, ...answer.result }, (r) => describeVerification(r, r.source));
        return verdictExitCode(verdict);
      }
      const verdict = presentationVerdict(answer.result);
      out.result({ verdict, source, ...answer.result }, (r) => describePresentation(r, r.source));
      return verdictExitCode(verdict);
    }),
  );
}

/** Chooses the source: --bundle, then --node or --data as given, then the configured node, then the data directory. */
async function verifyAgainst(
  ctx: CommandContext,
  out: Output,
  subject: Subject,
  flags: VerifyFlags,
  config: LoadedConfig,
): Promise<{ answer: Answer; source: string }> {
  const given = [flags.bundle && '--bundle', flags.node && '--node', flags.data && '--data'].filter(Boolean);
  if (given.length > 1) {
    throw new CliError('SOURCE_AMBIGUOUS', `give one of --bundle, --node and --data, not ${given.join(' and ')}`, {
      hint: 'each names a complete source of registry data',
    });
  }
  if (flags.bundle) return verifyWithBundle(ctx, out, subject, flags.bundle, config);
  if (config.values.node && !flags.data) {
    const client = new NodeClient({ baseUrl: config.values.node, token: config.values.token });
    const answer: Answer =
      subject.kind === 'credential'
        ? {
            kind: 'credential',
            result: await client.verifyCredential(subject.document, requestBindingOptions(subject)),
          }
        : {
            kind: 'presentation',
            result: await client.verifyPresentation(subject.document, presentationOptions(subject)),
          };
    return { answer, source: `node ${config.values.node}` };
  }
  const { registry } = await openDataDir(config.values, { now: ctx.now });
  try {
    const answer = await verifyLocally(subject, registry, registry.documentLoader, ctx.now());
    return { answer, source: `data directory ${config.values.dataDir}` };
  } finally {
    await registry.close();
  }
}

/** Verifies against an in-process replica. */
async function verifyLocally(
  subject: Subject,
  view: TrustView,
  documentLoader: Registry['documentLoader'],
  now: number,
): Promise<Answer> {
  if (subject.kind === 'credential') {
    const enveloped = envelopedOf(subject.document);
    const result = enveloped
      ? await verifyEnvelopedCredential(enveloped, { view, documentLoader, now, ...bindingOptions(subject) })
      : await verifyCredential(subject.document, { view, documentLoader, now });
    return { kind: 'credential', result };
  }
  return {
    kind: 'presentation',
    result: await verifyPresentation(subject.document, { view, documentLoader, now, ...presentationOptions(subject) }),
  };
}

/** The compact credential of an EnvelopedVerifiableCredential (VCDM 2.0 §4.13), or null. */
function envelopedOf(document: unknown): { mediaType: string; compact: string } | null {
  if (document === null || typeof document !== 'object') return null;
  const { type, id } = document as Record<string, unknown>;
  if (![type].flat().includes('EnvelopedVerifiableCredential') || typeof id !== 'string') return null;
  return parseEnvelopedCredentialId(id) ?? { mediaType: 'unsupported', compact: '' };
}

/**
 * An enveloped credential's binding options: `--challenge` is the KB-JWT nonce, `--domain` its aud;
 * an mdoc's `--session-transcript` enables its device authentication.
 */
function bindingOptions(subject: Subject): { challenge?: string; domain?: string; sessionTranscript?: Uint8Array } {
  if (subject.kind !== 'credential' || !envelopedOf(subject.document)) return {};
  return {
    ...(subject.challenge !== undefined ? { challenge: subject.challenge } : {}),
    ...(subject.domain !== undefined ? { domain: subject.domain } : {}),
    ...(subject.sessionTranscript !== undefined ? { sessionTranscript: subject.sessionTranscript } : {}),
  };
}

/** The binding options as `POST /credentials/verify` takes them (the transcript base64url). */
function requestBindingOptions(subject: Subject): { challenge?: string; domain?: string; sessionTranscript?: string } {
  const { sessionTranscript, ...rest } = bindingOptions(subject);
  return {
    ...rest,
    ...(sessionTranscript ? { sessionTranscript: Buffer.from(sessionTranscript).toString('base64url') } : {}),
  };
}

/** The file's credential or presentation: JSON, or a compact credential or an mdoc wrapped into its envelope. */
async function readSubject(ctx: CommandContext, file: string): Promise<unknown> {
  const bytes = await readBinaryFile(file, 'credential', ctx);
  const mdoc = mdocEnvelopeOf(bytes);
  if (mdoc) return mdoc;
  const text = bytes.toString('utf8');
  if (isCompactCredentialText(text)) return envelopeCompactCredential(text, file === '-' ? 'standard input' : file);
  try {
    return unwrapVerifyRequest(JSON.parse(text));
  } catch (error) {
    throw new CliError(
      'FILE_NOT_JSON',
      `credential ${file === '-' ? 'standard input' : file} is not valid JSON nor a compact credential (${(error as Error).message})`,
      {
        hint: 'give a credential or presentation as JSON, or an SD-JWT VC / JWT credential as issued',
        cause: error,
      },
    );
  }
}

function presentationOptions(subject: Subject): { challenge?: string; domain?: string } {
  if (subject.kind !== 'presentation') return {};
  return {
    ...(subject.challenge !== undefined ? { challenge: subject.challenge } : {}),
    ...(subject.domain !== undefined ? { domain: subject.domain } : {}),
  };
}

async function verifyWithBundle(
  ctx: CommandContext,
  out: Output,
  subject: Subject,
  file: string,
  config: LoadedConfig,
): Promise<{ answer: Answer; source: string }> {
  const { registry, source } = await openBundleRegistry(ctx, out, file, config);
  try {
    return { answer: await verifyLocally(subject, registry, registry.documentLoader, ctx.now()), source };
  } finally {
    await registry.close();
  }
}

/** A presentation is a document whose type names VerifiablePresentation (VCDM 2.0 §4.13). */
function subjectOf(document: unknown, flags: VerifyFlags): Subject {
  const type =
    document !== null && typeof document === 'object' ? (document as Record<string, unknown>).type : undefined;
  if (![type].flat().includes('VerifiablePresentation')) {
    return {
      kind: 'credential',
      document,
      ...(flags.challenge !== undefined ? { challenge: flags.challenge } : {}),
      ...(flags.domain !== undefined ? { domain: flags.domain } : {}),
    };
  }
  return {
    kind: 'presentation',
    document,
    ...(flags.challenge !== undefined ? { challenge: flags.challenge } : {}),
    ...(flags.domain !== undefined ? { domain: flags.domain } : {}),
  };
}

/** Verified when everything passed; not verified when any check of the presentation or a credential failed. */
function presentationVerdict(result: PresentationVerificationResult): Verdict {
  return verdictOf({
    verified: result.verified,
    checks: [...result.checks, ...result.credentials.flatMap((c) => c.checks)],
  });
}

/** Report lines: the presentation's checks, then each credential's, then the as-of stamp and source. */
function describePresentation(result: PresentationVerificationResult, source: string): string[] {
  const verdict = presentationVerdict(result);
  const lines = [
    { verified: '✓ verified', 'not-verified': '✗ not verified', undetermined: '? could not decide (not verified)' }[
      verdict
    ],
  ];
  const mark = { pass: '✓', fail: '✗', undetermined: '?' } as const;
  const line = (c: CheckResult, indent: string) =>
    `${indent}${mark[c.outcome]} ${c.check.padEnd(12)}  ${c.message}${c.code && c.outcome !== 'pass' ? ` [${c.code}]` : ''}`;
  lines.push('presentation:');
  for (const c of result.checks) lines.push(line(c, '  '));
  result.credentials.forEach((credential, i) => {
    lines.push(`credential ${i}: ${credential.verified ? 'verified' : 'not verified'}`);
    for (const c of credential.checks) lines.push(line(c, '  '));
  });
  const { asOf } = result;
  lines.push(
    `as of ${asOf.time}: ${asOf.governanceVersion === null ? 'no governance held' : `governance version ${asOf.governanceVersion}`}`,
  );
  for (const list of asOf.statusLists)
    lines.push(`  status list ${list.id}: version of ${list.validFrom}, received ${list.receivedAt}`);
  for (const warning of result.warnings) lines.push(`warning: ${warning}`);
  lines.push(`source: ${source}`);
  return lines;
}

/**
 * The credential or presentation itself, also when given as the VC-API body
 * `{ "verifiableCredential": … }` (what `POST /credentials/issue` answers, so a credential saved from
 * curl verifies as it is) or `{ "verifiablePresentation": … }`.
 */
function unwrapVerifyRequest(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const object = value as Record<string, unknown>;
  const inner = object.verifiableCredential ?? object.verifiablePresentation;
  if (object['@context'] === undefined && inner !== null && typeof inner === 'object' && !Array.isArray(inner)) {
    return inner;
  }
  return value;
}
