/**
 * Certificate files on the command line (issue 14, `trustmesh verify-cert`): PEM — one file may hold
 * the whole chain as several CERTIFICATE blocks (RFC 7468 §5) — or one DER certificate, or one
 * base64 DER text. Files are read leaf first, in the order given; each certificate becomes one chain
 * entry exactly as `POST /certificates/verify` and the registry's verifier take it.
 */
import type { StdinSource } from './files.ts';
import { readBinaryFile } from './files.ts';
import { CliError } from './output.ts';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const BASE64 = /^[A-Za-z0-9+/_\-\s]+={0,2}\s*$/;

/** The chain entries of `files`, leaf first: each PEM block as its text, DER as bytes. */
export async function readCertificateFiles(
  files: readonly string[],
  io: StdinSource,
): Promise<(string | Uint8Array)[]> {
  const chain: (string | Uint8Array)[] = [];
  for (const file of files) {
    const bytes = await readBinaryFile(file, 'certificate file', io);
    // X.690 §8.1: a DER Certificate is a SEQUENCE (0x30); anything else is text.
    if (bytes[0] === 0x30) {
      chain.push(new Uint8Array(bytes));
      continue;
    }
    const text = bytes.toString('latin1');
    const blocks = text.match(PEM_BLOCK);
    if (blocks) chain.push(...blocks);
    else if (BASE64.test(text.trim())) chain.push(text.trim());
    else {
      throw new CliError('CERTIFICATE_FILE_INVALID', `${file === '-' ? 'standard input' : file} holds no certificate`, {
        hint: 'give PEM (-----BEGIN CERTIFICATE-----, one or more blocks) or DER certificate files, leaf first',
      });
    }
  }
  return chain;
}
