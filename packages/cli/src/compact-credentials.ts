/**
 * Compact JOSE credentials on the command line (issue 13): an SD-JWT VC (`dc+sd-jwt`), TW DIW's
 * `vc+sd-jwt`, a `jwt_vc_json` or a VC-JOSE (`vc+jwt`) credential given as its compact text, or as
 * the `data:` URL of an `EnvelopedVerifiableCredential` (VCDM 2.0 §4.13). The CLI wraps it into
 * that envelope, which is what a node's `POST /credentials/verify` and the registry's verifier take.
 */
import { CliError } from './output.ts';

/** The VCDM 2.0 envelope of a compact credential. */
export interface EnvelopedCredential {
  '@context': ['https://www.w3.org/ns/credentials/v2'];
  type: 'EnvelopedVerifiableCredential';
  id: string;
}

/** Media types the verifier takes, by the header `typ` that names them. */
const MEDIA_TYPE_OF_TYP: Record<string, string> = {
  'dc+sd-jwt': 'dc+sd-jwt',
  'vc+sd-jwt': 'vc+sd-jwt',
  'vc+jwt': 'vc+jwt',
  jwt: 'jwt',
  JWT: 'jwt',
};

const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*(~[A-Za-z0-9_.~-]*)?$/;

/** True when `text` (trimmed) is a compact JWS or SD-JWT, or a data: URL of one. */
export function isCompactCredentialText(text: string): boolean {
  const trimmed = text.trim();
  return trimmed.startsWith('data:application/') || COMPACT.test(trimmed);
}

/**
 * The envelope of a compact credential. The media type comes from the header `typ` (RFC 7515
 * §4.1.9); a `jwt_vc_json` credential may carry `typ: JWT` or none (then, without `~`, `jwt`).
 */
export function envelopeCompactCredential(text: string, origin: string): EnvelopedCredential {
  const trimmed = text.trim();
  if (trimmed.startsWith('data:application/')) {
    return { '@context': ['https://www.w3.org/ns/credentials/v2'], type: 'EnvelopedVerifiableCredential', id: trimmed };
  }
  let typ: unknown;
  try {
    typ = JSON.parse(Buffer.from(trimmed.split('.')[0] ?? '', 'base64url').toString('utf8')).typ;
  } catch (cause) {
    throw new CliError('CREDENTIAL_INVALID', `${origin}: the compact credential's header is not base64url JSON`, {
      hint: 'give the credential exactly as issued (<header>.<payload>.<signature>[~disclosures~])',
      cause,
    });
  }
  const mediaType = typeof typ === 'string' ? MEDIA_TYPE_OF_TYP[typ] : trimmed.includes('~') ? 'dc+sd-jwt' : 'jwt';
  if (!mediaType) {
    throw new CliError(
      'CREDENTIAL_INVALID',
      `${origin}: a compact credential with typ "${String(typ)}" is not supported`,
      {
        hint: 'supported: dc+sd-jwt, vc+sd-jwt (TW DIW), vc+jwt (VC-JOSE), jwt (jwt_vc_json)',
      },
    );
  }
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    type: 'EnvelopedVerifiableCredential',
    id: `data:application/${mediaType},${trimmed}`,
  };
}

/** The compact text inside an envelope (what `issue` prints for an SD-JWT VC). */
export function compactOfEnvelope(envelope: { id?: unknown }): string | null {
  if (typeof envelope.id !== 'string') return null;
  const comma = envelope.id.indexOf(',');
  return envelope.id.startsWith('data:application/') && comma > 0 ? envelope.id.slice(comma + 1) : null;
}
