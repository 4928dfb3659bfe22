/**
 * `trustmesh accredit --subject-cert FILE` (issue 14): accrediting a certification authority by its
 * certificate (PEM or DER). The accreditation carries the whole certificate, role `ca`, a scope of
 * certificate-policy OIDs (`--policy`) and/or mdoc docTypes (`--doc-type`) in `--jurisdiction`,
 * `--max-path-length` as a cap on top of the certificate's pathLenConstraint, and `--hold-final`
 * when the CA never releases a certificateHold (JPKI). docs/records.md, Accreditation of a CA.
 */
import { lstat, readFile } from 'node:fs/promises';
import {
  type CaCertificate,
  type CaScopeInput,
  certificateDerOf,
  MAX_CA_CERTIFICATE_BYTES,
  parseCaCertificate,
  ValidationError,
} from '@trustmesh/registry';
import { CliError } from '../output.ts';

/** The flags of `accredit` that concern a CA subject. */
export interface CaFlags {
  subjectCert?: string;
  subject?: string;
  subjectKey?: string;
  subjectJwk?: string;
  role?: string;
  types?: string[];
  policy?: string[];
  docType?: string[];
  holdFinal?: boolean;
  jurisdiction: string;
}

// A PEM file of a 64 KiB certificate: its base64 (4/3), line breaks and armour. Larger is refused
// before it is read (issue 14: a 10 MB certificate is refused cheaply).
const MAX_CERT_FILE_BYTES = Math.ceil((MAX_CA_CERTIFICATE_BYTES * 4) / 3) * 2;

/**
 * Checks the flag combinations of `accredit` for a CA subject and for the others: `--subject-cert`
 * excludes a DID subject (`--subject`, `--subject-key`, `--subject-jwk`) and credential `--types`;
 * `--policy` / `--doc-type` are a CA's scope (or an accreditor's, to pass on); `--hold-final` is a CA's.
 * @returns the role to grant.
 */
export function checkSubjectFlags(flags: CaFlags): 'issuer' | 'accreditor' | 'ca' {
  if (flags.subjectCert !== undefined) {
    const conflicting = (
      [
        ['--subject', flags.subject],
        ['--subject-key', flags.subjectKey],
        ['--subject-jwk', flags.subjectJwk],
      ] as const
    ).filter(([, v]) => v !== undefined);
    if (conflicting.length > 0) {
      throw new CliError(
        'SUBJECT_CONFLICT',
        `--subject-cert and ${conflicting.map(([n]) => n).join(', ')} cannot go together`,
        {
          hint: 'a CA is named by its certificate (--subject-cert FILE); a DID or URL subject by --subject/--subject-key/--subject-jwk: give one of them',
        },
      );
    }
    if (flags.role !== undefined && flags.role !== 'ca') {
      throw new CliError('ROLE_INVALID', `--subject-cert accredits a CA: --role ${flags.role} does not apply`, {
        hint: 'drop --role (or give --role ca)',
      });
    }
    if (flags.types !== undefined) {
      throw new CliError('SCOPE_INVALID', '--types names credential types, which a CA does not issue', {
        hint: 'give the CA’s scope with --policy OID and/or --doc-type DOCTYPE',
      });
    }
    if ((flags.policy ?? []).length === 0 && (flags.docType ?? []).length === 0) {
      throw new CliError('SCOPE_MISSING', 'a CA accreditation needs --policy or --doc-type', {
        hint: 'e.g. --policy 1.2.392.200149.8.5.5.1 (a certificate policy) or --doc-type org.iso.18013.5.1.mDL (an mdoc IACA)',
      });
    }
    return 'ca';
  }
  if (flags.role === 'ca') {
    throw new CliError('SUBJECT_CERT_MISSING', '--role ca needs the CA certificate', {
      hint: 'give --subject-cert FILE (PEM or DER)',
    });
  }
  if (flags.role !== 'issuer' && flags.role !== 'accreditor') {
    throw new CliError('ROLE_MISSING', 'no --role given', {
      hint: 'give --role issuer or --role accreditor (or --subject-cert FILE to accredit a CA)',
    });
  }
  if (flags.holdFinal) {
    throw new CliError('HOLD_FINAL_FOR_CA_ONLY', '--hold-final applies to a CA (--subject-cert) only', {
      hint: 'drop --hold-final',
    });
  }
  const caScope = (flags.policy ?? []).length > 0 || (flags.docType ?? []).length > 0;
  if (flags.role === 'issuer' && caScope) {
    throw new CliError(
      'SCOPE_INVALID',
      '--policy and --doc-type are a CA’s scope (or an accreditor’s), not an issuer’s',
      {
        hint: 'drop them, or use --role accreditor to let the subject accredit CAs',
      },
    );
  }
  if (flags.types === undefined && !(flags.role === 'accreditor' && caScope)) {
    throw new CliError('TYPES_MISSING', 'no --types given', {
      hint: 'give the credential types, comma-separated (e.g. --types HealthInsuranceCredential)',
    });
  }
  return flags.role;
}

/** The scope entry the flags grant: types and/or policies and docTypes, in `--jurisdiction`. */
export function scopeOf(flags: CaFlags): CaScopeInput & { types?: string[] } {
  return {
    ...(flags.types !== undefined ? { types: flags.types } : {}),
    ...((flags.policy ?? []).length > 0 ? { certificatePolicies: flags.policy } : {}),
    ...((flags.docType ?? []).length > 0 ? { docTypes: flags.docType } : {}),
    jurisdiction: flags.jurisdiction,
  };
}

/**
 * Reads the CA certificate file (PEM or DER), refusing an oversized file before reading it, and
 * checks it is a CA certificate (the node would reject it otherwise).
 * @throws CliError `FILE_NOT_FOUND`, `FILE_UNREADABLE`, `SUBJECT_CERT_INVALID` (with the registry's code).
 */
export async function readSubjectCertificate(path: string): Promise<CaCertificate> {
  let bytes: Uint8Array;
  try {
    const stats = await lstat(path);
    if (!stats.isFile()) throw new CliError('FILE_UNREADABLE', `--subject-cert ${path} is not a file`);
    if (stats.size > MAX_CERT_FILE_BYTES) {
      throw new CliError(
        'SUBJECT_CERT_INVALID',
        `--subject-cert ${path} is ${stats.size} bytes: not a CA certificate`,
        {
          hint: `a CA certificate is at most ${MAX_CA_CERTIFICATE_BYTES} bytes (CA_CERTIFICATE_TOO_LARGE)`,
        },
      );
    }
    bytes = new Uint8Array(await readFile(path));
  } catch (error) {
    if (error instanceof CliError) throw error;
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new CliError(
      missing ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE',
      missing ? `--subject-cert ${path} does not exist` : `cannot read --subject-cert ${path}`,
      { hint: 'check the path and the working directory', cause: error },
    );
  }
  try {
    // No field prefix: the message names the file.
    return parseCaCertificate(certificateDerOf(bytes, ''), '');
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new CliError('SUBJECT_CERT_INVALID', `--subject-cert ${path}: ${error.message} (${error.code})`, {
      hint: 'give the CA’s own certificate (PEM or DER): basicConstraints cA TRUE, keyUsage keyCertSign',
      cause: error,
    });
  }
}
