/**
 * Key files: the JSON `trustmesh keys generate` writes (the registry's ExportedKeyPair, secret
 * included, mode 0600), and public keys given as such a file, as the public JSON `keys show --json`
 * prints, or as a bare Multikey (`z6Mk…` Ed25519, `zDna…` P-256).
 */
import { importKeyPair, type KeyPair, type KeyType, keyTypeOf, ValidationError } from '@trustmesh/registry';
import { readJsonFile, type StdinSource } from './files.ts';
import { CliError } from './output.ts';

/** The public half of a key: enough to pin it or name it as an authority. */
export interface PublicKeyInfo {
  type: KeyType;
  /** The key's controller (`did:key:z…` for generated keys). */
  did: string;
  verificationMethod: string;
  publicKeyMultibase: string;
}

const GENERATE_HINT = 'create one with `trustmesh keys generate --out FILE`';
const MULTIBASE_PATTERN = /^z[1-9A-HJ-NP-Za-km-z]+$/;

/**
 * Reads a key file with its secret key, checking that the secret belongs to the public key.
 * @param path - The key file.
 * @param flag - The flag that named it, for messages (`--key`).
 * @throws CliError `KEY_NOT_SECRET` (a public-only file) or `KEY_INVALID`.
 */
export async function readKeyPairFile(path: string, flag: string, io: StdinSource): Promise<KeyPair> {
  const value = fromMultikeyDocument(await readJsonFile(path, 'key file', io));
  if (isObject(value) && value.secretKeyMultibase === undefined && typeof value.publicKeyMultibase === 'string') {
    throw new CliError('KEY_NOT_SECRET', `${flag} ${path} holds only a public key; signing needs the secret key`, {
      hint: `give the key file written by \`trustmesh keys generate\` (${GENERATE_HINT})`,
    });
  }
  try {
    return await importKeyPair(value);
  } catch (error) {
    throw keyError(error, `${flag} ${path}`);
  }
}

/**
 * Reads a public key: a bare Multikey, or a key file (public-only or with its secret).
 * @param spec - A Multikey (`z6Mk…`, `zDna…`) or a path.
 * @param flag - The flag that named it, for messages.
 * @param options - `controller`: DID a bare Multikey belongs to (default its did:key);
 *   `keyId`: verification method id or `#fragment` for a bare Multikey (default `<controller>#<multibase>`).
 */
export async function readPublicKey(
  spec: string,
  flag: string,
  io: StdinSource,
  options: { controller?: string; keyId?: string } = {},
): Promise<PublicKeyInfo> {
  // A Multikey is ~48 base58 characters; anything shorter is taken for a file name.
  if (MULTIBASE_PATTERN.test(spec) && spec.length >= 40) {
    const type = keyTypeOf(spec);
    if (type === null) {
      throw new CliError('KEY_INVALID', `${flag} ${spec} is not an Ed25519 (z6Mk…) or P-256 (zDna…) public key`, {
        hint: 'give the publicKeyMultibase printed by `trustmesh keys show`, or the key file',
      });
    }
    const did = options.controller ?? `did:key:${spec}`;
    const id = options.keyId ?? `#${spec}`;
    const verificationMethod = id.startsWith('#') ? `${did}${id}` : id;
    if (!verificationMethod.startsWith(`${did}#`)) {
      throw new CliError('KEY_INVALID', `key id ${verificationMethod} is not a fragment of ${did}`, {
        hint: `give a key id such as ${did}#key-1, or just #key-1`,
      });
    }
    return { type, did, verificationMethod, publicKeyMultibase: spec };
  }
  const value = fromMultikeyDocument(await readJsonFile(spec, 'key file', io));
  if (isObject(value) && value.secretKeyMultibase !== undefined) {
    try {
      const pair = await importKeyPair(value);
      return {
        type: pair.type,
        did: pair.did,
        verificationMethod: pair.verificationMethod,
        publicKeyMultibase: pair.publicKeyMultibase,
      };
    } catch (error) {
      throw keyError(error, `${flag} ${spec}`);
    }
  }
  return parsePublicKey(value, `${flag} ${spec}`);
}

/**
 * A key as the reference libraries export it — a Multikey verification method
 * (https://www.w3.org/TR/controller-document/#multikey: `type` "Multikey", `id`, `controller`,
 * `publicKeyMultibase`, and `secretKeyMultibase` with the secret), e.g. `@digitalbazaar/ed25519-multikey`'s
 * `export({publicKey: true, secretKey: true, includeContext: true})` — in the form of this CLI's
 * key files (`did` is the controller, `verificationMethod` the id). Anything else is returned as is.
 */
export function fromMultikeyDocument(value: unknown): unknown {
  if (!isObject(value) || value.type !== 'Multikey' || value.did !== undefined) return value;
  const { id, controller, publicKeyMultibase, secretKeyMultibase } = value;
  if (typeof controller !== 'string' || typeof id !== 'string' || typeof publicKeyMultibase !== 'string') return value;
  const type = keyTypeOf(publicKeyMultibase);
  if (type === null) return value;
  return {
    type,
    did: controller,
    verificationMethod: id.startsWith('#') ? `${controller}${id}` : id,
    publicKeyMultibase,
    ...(secretKeyMultibase !== undefined ? { secretKeyMultibase } : {}),
  };
}

/** Checks the public key JSON that `keys show --json` prints. */
export function parsePublicKey(value: unknown, origin: string): PublicKeyInfo {
  const invalid = (message: string) =>
    new CliError('KEY_INVALID', `${origin} is not a key file: ${message}`, {
      hint: `give a key file written by \`trustmesh keys generate\`, or a public key (z6Mk… / zDna…)`,
    });
  if (!isObject(value)) throw invalid('it must be a JSON object');
  for (const field of ['did', 'verificationMethod', 'publicKeyMultibase'] as const) {
    if (typeof value[field] !== 'string' || value[field] === '') throw invalid(`"${field}" must be a non-empty string`);
  }
  const { did, verificationMethod, publicKeyMultibase } = value as Record<string, string>;
  const type = keyTypeOf(publicKeyMultibase!);
  if (type === null) throw invalid('"publicKeyMultibase" is not an Ed25519 (z6Mk…) or P-256 (zDna…) key');
  if (value.type !== undefined && value.type !== type)
    throw invalid(`"type" says ${String(value.type)} but the key is ${type}`);
  if (!verificationMethod!.startsWith(`${did}#`)) throw invalid(`"verificationMethod" must be a fragment of ${did}`);
  // A did:key names its own public key: a mismatch means the file was edited or mixed up.
  if (did!.startsWith('did:key:') && did !== `did:key:${publicKeyMultibase}`) {
    throw invalid(`"did" ${did} does not match its publicKeyMultibase`);
  }
  return { type, did: did!, verificationMethod: verificationMethod!, publicKeyMultibase: publicKeyMultibase! };
}

/** Parses `--type`: ed25519 or p256 (case and dashes ignored). */
export function parseKeyType(raw: string): KeyType {
  const normal = raw.toLowerCase().replace(/[-_]/g, '');
  if (normal === 'ed25519') return 'Ed25519';
  if (normal === 'p256') return 'P-256';
  throw new CliError('KEY_TYPE_UNSUPPORTED', `key type "${raw}" is not supported`, {
    hint: 'use --type ed25519 (the default) or --type p256',
  });
}

function keyError(error: unknown, origin: string): CliError {
  if (error instanceof ValidationError) {
    return new CliError('KEY_INVALID', `${origin} is not a valid key file: ${error.message}`, {
      hint: `check the file, or ${GENERATE_HINT}`,
      cause: error,
    });
  }
  throw error;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
