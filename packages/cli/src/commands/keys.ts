/**
 * `trustmesh keys generate|show`: Ed25519 and P-256 signing keys named by did:key, stored as JSON
 * with file mode 0600. The secret key is printed only by `keys show --secret`.
 */
import { exportKeyPair, generateKeyPair, importKeyPair, RegistryError } from '@trustmesh/registry';
import { type Command, Option } from 'commander';
import { addOptions, type CommandContext, forceOption, jsonOption } from '../command-context.ts';
import { readJsonFile, writeJsonFile } from '../files.ts';
import { parseKeyType, parsePublicKey } from '../key-files.ts';
import { CliError } from '../output.ts';

/** Mode of key files: readable and writable by their owner only. */
export const KEY_FILE_MODE = 0o600;

interface GenerateFlags {
  type: string;
  out: string;
  force?: boolean;
  json?: boolean;
}

interface ShowFlags {
  secret?: boolean;
  json?: boolean;
}

/** Registers `keys generate` and `keys show`. */
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
          if (!(error instanceof RegistryError)) throw error;
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
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
