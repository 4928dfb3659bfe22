/**
 * What the registry holds of CRLs and subordinate CA certificates (issue 14; DESIGN.md, Records §4):
 * per CRL scope (issuer + issuingDistributionPoint) the {@link HeldCrl} — metadata and compact serial
 * indexes, never the DER, which stays in the store — with the key that signed it; an index from a
 * signing key to its scopes, which {@link CrlHoldings.lookup} answers revocation questions from; and
 * the held subordinate CA certificates (small: kept whole, for chain completion and CRL signers).
 *
 * Held objects are replaced, never changed in place, so the staged and durable states (registry-state.ts)
 * can share them.
 */
import { lookupCrl } from './crl/crl-lookup.ts';
import type { HeldCrl } from './crl/crl-succession.ts';
import type { RevocationAnswer, RevocationSource } from './types.ts';

/** A subordinate CA certificate admitted as a record (kinds/ca-certificate.ts). */
export interface HeldCaCertificate {
  /** Store slot: `ca-certificate/<spkiSha256>/<sha256 hex of the DER>`. */
  key: string;
  /** SHA-256 (hex) of the DER. */
  digest: string;
  /** The certificate (DER, at most 64 KiB). */
  der: Uint8Array;
  /** SHA-256 of its SubjectPublicKeyInfo, base64url: the key its CRLs and certificates are signed with. */
  spkiSha256: string;
  subjectDer: Uint8Array;
  issuerDer: Uint8Array;
  /** RFC 4514 subject, for messages. */
  subject: string;
  notBeforeMs: number;
  notAfterMs: number;
}

/** A scope's CRL as admitted: its new held state and who signed it. */
export interface AdmittedCrl {
  /** crlScopeKey (hex): the slot is `crl/<scope>`, its delta's `crl/<scope>/delta`. */
  scope: string;
  /** The scope's state once this CRL is applied (a complete CRL, or the base with this delta). */
  held: HeldCrl;
  /** spkiSha256 of the CA key whose signature verified (an accredited CA's or a held sub-CA's). */
  signer: string;
  /** The CA declares certificateHold final (a sub-CA inherits its anchor's declaration). */
  holdFinal: boolean;
  /** True when this record is the scope's delta CRL. */
  delta: boolean;
}

/** A scope's held CRL with when it was received. */
export interface HeldCrlState extends AdmittedCrl {
  receivedAt: number;
}

/** Slot key of a scope's complete CRL. */
export function crlSlotKey(scope: string): string {
  return `crl/${scope}`;
}

/** Slot key of a scope's delta CRL. */
export function crlDeltaSlotKey(scope: string): string {
  return `crl/${scope}/delta`;
}

/** Version of a CRL record: cRLNumber, zero-padded to 49 digits (20 octets, RFC 5280 §5.2.3), so it sorts. */
export function crlVersion(crlNumber: bigint): string {
  return crlNumber.toString().padStart(49, '0');
}

/** Read access to held CRLs and sub-CA certificates. */
export interface CrlHoldings {
  /** The CRL held for scope `scope`, or null. */
  crl(scope: string): HeldCrlState | null;
  /** Every held scope. */
  crls(): HeldCrlState[];
  /** The held sub-CA certificates. */
  caCertificates(): HeldCaCertificate[];
  /** The sub-CA certificate held in slot `key`, or null. */
  caCertificate(key: string): HeldCaCertificate | null;
  /**
   * RevocationSource over the CRLs signed by the key `issuerSpkiSha256`. With several scopes of one CA
   * (issuingDistributionPoint partitions), a serial revoked or on hold in any is so; otherwise an
   * undetermined scope (stale, not yet valid) makes the answer undetermined (fail closed), else good.
   */
  lookup(issuerSpkiSha256: string, serial: Uint8Array, atMs: number): RevocationAnswer;
}

/** The CRL part of a registry state. */
export class CrlIndex implements CrlHoldings, RevocationSource {
  private readonly scopes = new Map<string, HeldCrlState>();
  private readonly bySigner = new Map<string, readonly string[]>();
  private readonly certificates = new Map<string, HeldCaCertificate>();

  /** Makes this index hold exactly what `other` holds (held objects are shared). */
  copyFrom(other: CrlIndex): void {
    copyMap(this.scopes, other.scopes);
    copyMap(this.bySigner, other.bySigner);
    copyMap(this.certificates, other.certificates);
  }

  /** Holds an admitted CRL (replacing its scope's state). */
  applyCrl(crl: AdmittedCrl, receivedAt: number): void {
    const replaced = this.scopes.get(crl.scope);
    this.scopes.set(crl.scope, { ...crl, receivedAt });
    if (replaced?.signer === crl.signer) return;
    if (replaced) this.unlink(replaced.signer, crl.scope);
    this.bySigner.set(crl.signer, [...(this.bySigner.get(crl.signer) ?? []), crl.scope]);
  }

  /** Holds an admitted sub-CA certificate. */
  applyCaCertificate(certificate: HeldCaCertificate): void {
    this.certificates.set(certificate.key, certificate);
  }

  private unlink(signer: string, scope: string): void {
    const rest = (this.bySigner.get(signer) ?? []).filter((s) => s !== scope);
    if (rest.length > 0) this.bySigner.set(signer, rest);
    else this.bySigner.delete(signer);
  }

  crl(scope: string): HeldCrlState | null {
    return this.scopes.get(scope) ?? null;
  }

  crls(): HeldCrlState[] {
    return [...this.scopes.values()];
  }

  caCertificates(): HeldCaCertificate[] {
    return [...this.certificates.values()];
  }

  caCertificate(key: string): HeldCaCertificate | null {
    return this.certificates.get(key) ?? null;
  }

  lookup(issuerSpkiSha256: string, serial: Uint8Array, atMs: number): RevocationAnswer {
    const scopes = this.bySigner.get(issuerSpkiSha256) ?? [];
    if (scopes.length === 1) return lookupCrl(this.scopes.get(scopes[0]!)?.held ?? null, serial, atMs);
    let good: RevocationAnswer | null = null;
    let undetermined: RevocationAnswer | null = null;
    for (const scope of scopes) {
      const answer = lookupCrl(this.scopes.get(scope)?.held ?? null, serial, atMs);
      // Revoked (or held) in any scope of the CA is revoked: the certificate's scope is not known here.
      if (answer.state === 'revoked' || answer.state === 'hold') return answer;
      if (answer.state === 'good') good ??= answer;
      else undetermined ??= answer;
    }
    return undetermined ?? good ?? lookupCrl(null, serial, atMs);
  }
}

function copyMap<K, V>(into: Map<K, V>, from: ReadonlyMap<K, V>): void {
  into.clear();
  for (const [key, value] of from) into.set(key, value);
}
