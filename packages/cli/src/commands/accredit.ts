/**
 * `trustmesh accredit` (DESIGN.md, Records §2). An authority or an accredited accreditor signs an
 * accreditation — role, credential types, jurisdiction, pinned subject keys, validity; or, with
 * `--subject-cert`, a CA's certificate and its scope (accredit-ca.ts) — and publishes it through a
 * node or writes it to a file for another operator to publish (`trustmesh withdraw`, in
 * withdraw.ts, takes it back).
 */
import { randomUUID } from 'node:crypto';
import {
  caSubjectId,
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
  collect,
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
import { readJsonFile } from '../files.ts';
import { readKeyPairFile } from '../key-files.ts';
import { NodeClient } from '../node-client.ts';
import { CliError, EXIT, type ExitCode, type Output } from '../output.ts';
import { firstStatusListVersion } from '../status-lists.ts';
import { checkSubjectFlags, readSubjectCertificate, scopeOf } from './accredit-ca.ts';
import { deliverRecord, nodeClientFor, reportPublish } from './publish.ts';

/** Validity of an accreditation unless `--valid-days` says otherwise. */
export const DEFAULT_ACCREDITATION_VALID_DAYS = 365;

interface AccreditFlags extends ConfigFlags {
  key: string;
  subject?: string;
  subjectKey?: string;
  subjectJwk?: string;
  subjectCert?: string;
  role?: 'issuer' | 'accreditor' | 'ca';
  types?: string[];
  policy?: string[];
  docType?: string[];
  holdFinal?: boolean;
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

/** Registers `accredit` and `withdraw`. */
export function registerAccreditCommands(program: Command, ctx: CommandContext): void {
  addOptions(
    program
      .command('accredit')
      .description(
        'sign an accreditation of an issuer, an accreditor or (--subject-cert) a CA; publish it through a node (--node) or write it to a file (--out)',
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
      new Option(
        '--subject-cert <file>',
        'instead of a DID subject: the CA certificate (PEM or DER) to accredit as role ca, pinned by the SHA-256 of its SubjectPublicKeyInfo',
      ),
      new Option('--role <role>', 'what the subject may do (ca with --subject-cert)').choices([
        'issuer',
        'accreditor',
        'ca',
      ]),
      new Option(
        '--types <types>',
        'credential types, comma-separated (e.g. HealthInsuranceCredential); not for a CA',
      ).argParser(commaList),
      new Option(
        '--policy <oid>',
        'a certificate-policy OID the CA may certify under (repeatable); for an accreditor: one it may pass on',
      ).argParser(collect),
      new Option(
        '--doc-type <docType>',
        'an mdoc docType the CA may sign as an IACA, e.g. org.iso.18013.5.1.mDL (repeatable); for an accreditor: one it may pass on',
      ).argParser(collect),
      new Option('--hold-final', 'the CA never releases a certificateHold (JPKI): a held serial stays held'),
      new Option(
        '--jurisdiction <code>',
        'ISO 3166 code the accreditation covers (e.g. JP, JP-13)',
      ).makeOptionMandatory(),
      new Option(
        '--max-path-length <n>',
        'for accreditors: how many further accreditor levels they may create; for a CA: how many intermediate CAs below it (on top of its pathLenConstraint, default 0)',
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
      const role = checkSubjectFlags(flags);
      if (role === 'issuer' && flags.maxPathLength) {
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
      const caCertificate = flags.subjectCert === undefined ? null : await readSubjectCertificate(flags.subjectCert);
      if (caCertificate === null && flags.subjectKey === undefined && flags.subjectJwk === undefined) {
        throw new CliError('SUBJECT_KEY_MISSING', 'no subject key to pin', {
          hint: 'give --subject-key FILE (a `keys prove` possession file or key file) or --subject-jwk FILE (a private JWK or JWK Set)',
        });
      }
      const possession =
        caCertificate !== null
          ? { keys: [] }
          : flags.subjectJwk !== undefined
            ? await readSubjectJwks(flags.subjectJwk, flags.subject, ctx)
            : await readSubjectKey(flags.subjectKey as string, ctx);
      const first = possession.keys[0] as KeyPair | PossessedKey | undefined;
      const subjectKey =
        caCertificate !== null
          ? caSubjectId(caCertificate.spkiSha256)
          : first && 'verificationMethod' in first
            ? first.did
            : (first as PossessedKey).controller;
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
      const withdrawal =
        flags.withdrawalList !== undefined && flags.withdrawalIndex !== undefined
          ? { withdrawal: { statusListCredential: flags.withdrawalList, statusListIndex: flags.withdrawalIndex } }
          : {};
      const common = {
        accreditor,
        ...(flags.maxPathLength !== undefined ? { maxPathLength: flags.maxPathLength } : {}),
        validFrom: new Date(validFromMs),
        validUntil: new Date(validUntilMs),
        ...withdrawal,
      };
      const scope = scopeOf(flags);
      let credential: Record<string, unknown>;
      try {
        credential = await issueAccreditation(
          caCertificate !== null
            ? {
                ...common,
                role: 'ca',
                subjectCertificate: caCertificate.der,
                accreditedFor: [scope],
                holdFinal: flags.holdFinal === true,
              }
            : {
                ...common,
                subject,
                role: role as 'issuer' | 'accreditor',
                accreditedFor: [{ ...scope, types: scope.types ?? [] }],
                subjectKeys: possession.keys,
                ...(possession.accreditationId ? { id: possession.accreditationId } : {}),
              },
          createDocumentLoader({}, {}),
        );
        // The node would reject a malformed accreditation; say so before anything is written.
        parseAccreditation(credential);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        throw new CliError('ACCREDITATION_INVALID', `the accreditation would be invalid: ${error.message}`, {
          hint: 'check --types (type names), --policy (dotted OIDs), --doc-type, --jurisdiction (ISO 3166, e.g. JP) and --subject (a DID, or an https URL for an issuer)',
          cause: error,
        });
      }
      const summary = {
        id: String(credential.id),
        issuer: accreditor.did,
        subject,
        role,
        ...(scope.types ? { types: scope.types } : {}),
        ...(scope.certificatePolicies ? { policies: scope.certificatePolicies } : {}),
        ...(scope.docTypes ? { docTypes: scope.docTypes } : {}),
        ...(caCertificate !== null
          ? {
              certificate: caCertificate.subject,
              spkiSha256: caCertificate.spkiSha256,
              holdFinal: flags.holdFinal === true,
            }
          : {}),
        jurisdiction: flags.jurisdiction,
        validFrom: String(credential.validFrom),
        validUntil: String(credential.validUntil),
      };
      const node = config.values.node ?? undefined;
      if (flags.withdrawalList !== undefined) {
        const listed = await ensureWithdrawalList(out, ctx, flags.withdrawalList, accreditor, { ...flags, node });
        if (listed !== EXIT.OK) return listed;
      }
      return deliverRecord(out, ctx, credential, { ...flags, node }, summary, 'accreditation');
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
