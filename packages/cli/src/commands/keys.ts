/**
 * `trustmesh keys generate|show|prove`: Ed25519 and P-256 signing keys named by did:key, stored as
 * JSON with file mode 0600. The secret key is printed only by `keys show --secret`. `keys prove` is
 * what a subject runs before being accredited: its key signs the binding of (its DID, the key id,
 * the accreditation id), the proof of possession every pinned key carries (docs/records.md).
 */
import { randomUUID } from 'node:crypto';
import {
  exportKeyPair,
  generateKeyPair,
  importKeyPair,
  proveKeyPossession,
  ValidationError,
} from '@trustmesh/registry';
import { type Command, Option } from 'commander';
import { addOptions, type CommandContext, forceOption, jsonOption } from '../command-context.ts';
import { readJsonFile, writeJsonFile } from '../files.ts';
import { parseKeyType, parsePublicKey, readKeyPairFile } from '../key-files.ts';
import { CliError } from '../output.ts';

/** Mode of key files: readable and writable by their owner only. */
export const KEY_FILE_MODE = 0o600;

interface GenerateFlags {
  type: string;
  out: string;
  force?: boolean;
  json?: boolean;
}

interface ProveFlags {
  accreditationId?: string;
  out: string;
  force?: boolean;
  json?: boolean;
}

/** What `keys prove` writes and `accredit --subject-key` reads: a key with its proof of possession. */
export const KEY_POSSESSION_FILE_TYPE = 'TrustmeshKeyPossessionFile';

interface ShowFlags {
  secret?: boolean;
  json?: boolean;
}

/** Registers `keys generate`, `keys show` and `keys prove`. */
export function registerKeysCommands(program: Command, ctx: CommandContext): void {
  const keys = program.command('keys').description('create and inspect signing keys (did:key)');

  addOptions(
    keys
      .command('generate')
      .description('generate a signing key pair and write it to a file (mode 0600); prints its DID'),
    [
      new Option('--type <type>', 'key type: ed25519 or p256').default('ed25519'),
      new Option('--out <file>', 'key file to write').makeOptionMandatory(),
      forceOption(),
      jsonOption(),
    ],
  ).action((flags: GenerateFlags, command: Command) =>
    ctx.run(command, async (out) => {
      const type = parseKeyType(flags.type);
      const keyPair = await generateKeyPair(type);
      await writeJsonFile(flags.out, exportKeyPair(keyPair), {
        force: flags.force === true,
        mode: KEY_FILE_MODE,
        what: 'key file',
      });
      const info = {
        file: flags.out,
        type: keyPair.type,
        did: keyPair.did,
        verificationMethod: keyPair.verificationMethod,
        publicKeyMultibase: keyPair.publicKeyMultibase,
      };
      out.result(info, (i) => [
        `wrote ${i.type} key to ${i.file} (mode 0600; keep it secret)`,
        `did:                 ${i.did}`,
        `verification method: ${i.verificationMethod}`,
        `public key:          ${i.publicKeyMultibase}`,
      ]);
      return undefined;
    }),
  );

  addOptions(keys.command('show').argument('<file>', 'key file').description('print a key file’s DID and public key'), [
    new Option('--secret', 'also print the secret key'),
    jsonOption(),
  ]).action((file: string, flags: ShowFlags, command: Command) =>
    ctx.run(command, async (out) => {
      const value = await readJsonFile(file, 'key file', ctx);
      const hasSecret = isObject(value) && value.secretKeyMultibase !== undefined;
      if (flags.secret && !hasSecret) {
        throw new CliError('KEY_NOT_SECRET', `${file} holds only a public key; there is no secret key to show`, {
          hint: 'run without --secret',
        });
      }
      let info: Record<string, unknown>;
      if (hasSecret) {
        let pair: Awaited<ReturnType<typeof importKeyPair>>;
        try {
          pair = await importKeyPair(value);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          throw new CliError('KEY_INVALID', `${file} is not a valid key file: ${error.message}`, {
            hint: 'create a key with `trustmesh keys generate --out FILE`',
          });
        }
        info = {
          type: pair.type,
          did: pair.did,
          verificationMethod: pair.verificationMethod,
          publicKeyMultibase: pair.publicKeyMultibase,
          ...(flags.secret ? { secretKeyMultibase: pair.secretKeyMultibase } : {}),
        };
      } else {
        info = { ...parsePublicKey(value, file) };
      }
      out.result(info, (i) => [
        `type:                ${String(i.type)}`,
        `did:                 ${String(i.did)}`,
        `verification method: ${String(i.verificationMethod)}`,
        `public key:          ${String(i.publicKeyMultibase)}`,
        ...(i.secretKeyMultibase ? [`secret key:          ${String(i.secretKeyMultibase)}`] : []),
        ...(hasSecret ? [] : ['(public key only)']),
      ]);
      return undefined;
    }),
  );

  addOptions(
    keys
      .command('prove')
      .argument('<file>', 'your key file (the key to be pinned)')
      .description(
        'prove possession of your key for an accreditation: hand the file written to your accreditor (accredit --subject-key)',
      ),
    [
      new Option('--accreditation-id <id>', 'id of the accreditation to be issued (default: a new urn:uuid)'),
      new Option('--out <file>', 'possession file to write').makeOptionMandatory(),
      forceOption(),
      jsonOption(),
    ],
  ).action((file: string, flags: ProveFlags, command: Command) =>
    ctx.run(command, async (out) => {
      const keyPair = await readKeyPairFile(file, '<file>', ctx);
      const accreditationId = flags.accreditationId ?? `urn:uuid:${randomUUID()}`;
      const key = await proveKeyPossession(keyPair, accreditationId);
      await writeJsonFile(
        flags.out,
        { type: KEY_POSSESSION_FILE_TYPE, accreditationId, key },
        { force: flags.force === true, what: 'possession file' },
      );
      const info = { file: flags.out, accreditationId, did: keyPair.did, verificationMethod: key.id };
      out.result(info, (i) => [
        `wrote the proof of possession of ${i.verificationMethod} to ${i.file}`,
        `accreditation id:    ${i.accreditationId}`,
        `give it to your accreditor: trustmesh accredit --subject-key ${i.file} …`,
      ]);
      return undefined;
    }),
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
