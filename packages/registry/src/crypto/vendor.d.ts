/**
 * Minimal type declarations for the Digital Bazaar JavaScript libraries the crypto module uses.
 * They ship no types; these cover only the members we call, with the shapes read from their sources
 * (node_modules/.pnpm/<pkg>/node_modules/<pkg>/lib). Keep them narrow: a wider declaration would let
 * the compiler accept calls the libraries do not support.
 */

declare module '@digitalbazaar/ed25519-multikey' {
  /** Ed25519 signer made by a key pair: `sign` returns the 64-byte signature. */
  export interface Ed25519Signer {
    readonly algorithm: 'Ed25519';
    readonly id: string | undefined;
    sign(input: { data: Uint8Array }): Promise<Uint8Array>;
  }
  /** Ed25519 verifier made by a key pair. */
  export interface Ed25519Verifier {
    readonly algorithm: 'Ed25519';
    readonly id: string | undefined;
    verify(input: { data: Uint8Array; signature: Uint8Array }): Promise<boolean>;
  }
  /** A key pair interface as returned by `generate` and `from`. */
  export interface Ed25519MultikeyKeyPair {
    id?: string;
    controller?: string;
    publicKeyMultibase: string;
    secretKeyMultibase?: string;
    signer(): Ed25519Signer;
    verifier(): Ed25519Verifier;
  }
  export function generate(options?: {
    id?: string;
    controller?: string;
    seed?: Uint8Array;
  }): Promise<Ed25519MultikeyKeyPair>;
  export function from(key: Record<string, unknown>): Promise<Ed25519MultikeyKeyPair>;
  export function fromJwk(options: {
    jwk: Record<string, unknown>;
    secretKey?: boolean;
  }): Promise<Ed25519MultikeyKeyPair>;
}

declare module '@digitalbazaar/ecdsa-multikey' {
  /** ECDSA signer: `algorithm` is the curve name; signatures are IEEE P1363 (r‖s). */
  export interface EcdsaSigner {
    readonly algorithm: string;
    readonly id: string | undefined;
    sign(input: { data: Uint8Array }): Promise<Uint8Array>;
  }
  /** ECDSA verifier. */
  export interface EcdsaVerifier {
    readonly algorithm: string;
    readonly id: string | undefined;
    verify(input: { data: Uint8Array; signature: Uint8Array }): Promise<boolean>;
  }
  /** A key pair interface as returned by `generate` and `from`. */
  export interface EcdsaMultikeyKeyPair {
    id?: string;
    controller?: string;
    publicKeyMultibase: string;
    secretKeyMultibase?: string;
    signer(): EcdsaSigner;
    verifier(): EcdsaVerifier;
  }
  export function generate(options: {
    id?: string;
    controller?: string;
    curve: 'P-256' | 'P-384' | 'P-521';
  }): Promise<EcdsaMultikeyKeyPair>;
  export function from(key: Record<string, unknown>): Promise<EcdsaMultikeyKeyPair>;
  export function fromJwk(options: {
    jwk: Record<string, unknown>;
    secretKey?: boolean;
  }): Promise<EcdsaMultikeyKeyPair>;
}

declare module '@digitalbazaar/did-method-key' {
  /** A did:key driver; key types are enabled one multibase header at a time with `use`. */
  export class DidKeyDriver {
    use(options: {
      multibaseMultikeyHeader: string;
      fromMultibase: (key: { publicKeyMultibase: string }) => Promise<unknown>;
    }): void;
    /** A DID document for a DID, or the verification method for a DID URL with a fragment. */
    get(options: { did?: string; url?: string }): Promise<Record<string, unknown>>;
  }
  export function driver(): DidKeyDriver;
}

declare module '@digitalbazaar/data-integrity' {
  /** A cryptosuite object as exported by the `*-cryptosuite` packages. */
  export interface Cryptosuite {
    readonly name: string;
    readonly requiredAlgorithm: string | string[];
    /** RDFC-1.0 canonical N-Quads of a JSON-LD document. */
    canonize(
      input: Record<string, unknown>,
      options: { documentLoader: (url: string) => Promise<unknown>; safe?: boolean; base?: string | null },
    ): Promise<string>;
  }
  /** Data Integrity `DataIntegrityProof` suite (jsonld-signatures LinkedDataProof). */
  export class DataIntegrityProof {
    constructor(options: {
      cryptosuite: Cryptosuite;
      signer?: { id?: string; algorithm: string; sign(input: { data: Uint8Array }): Promise<Uint8Array> };
      date?: Date | string | null;
    });
    readonly cryptosuite: string;
    /** Canonical N-Quads of the proof options (the proof without `proofValue`, in the document's `@context`). */
    canonizeProof(
      proof: Record<string, unknown>,
      options: { document: Record<string, unknown>; documentLoader: (url: string) => Promise<unknown> },
    ): Promise<string>;
    verifyProof(options: {
      proof: Record<string, unknown>;
      proofSet: Record<string, unknown>[];
      document: Record<string, unknown>;
      documentLoader: (url: string) => Promise<unknown>;
    }): Promise<{ verified: boolean; verificationMethod?: Record<string, unknown>; error?: unknown }>;
  }
}

declare module '@digitalbazaar/eddsa-rdfc-2022-cryptosuite' {
  import type { Cryptosuite } from '@digitalbazaar/data-integrity';
  export const cryptosuite: Cryptosuite;
}

declare module '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite' {
  import type { Cryptosuite } from '@digitalbazaar/data-integrity';
  export const cryptosuite: Cryptosuite;
}

declare module '@digitalbazaar/ed25519-signature-2020' {
  /** Legacy Ed25519Signature2020 suite (jsonld-signatures LinkedDataSignature). */
  export class Ed25519Signature2020 {
    constructor(options?: { key?: unknown; signer?: unknown; date?: Date | string });
    verifyProof(options: {
      proof: Record<string, unknown>;
      proofSet: Record<string, unknown>[];
      document: Record<string, unknown>;
      documentLoader: (url: string) => Promise<unknown>;
    }): Promise<{ verified: boolean; verificationMethod?: Record<string, unknown>; error?: unknown }>;
  }
}

declare module '@digitalbazaar/ed25519-verification-key-2020' {
  /** Legacy Ed25519VerificationKey2020 key pair (used to make legacy test fixtures). */
  export class Ed25519VerificationKey2020 {
    static generate(options?: {
      id?: string;
      controller?: string;
      seed?: Uint8Array;
    }): Promise<Ed25519VerificationKey2020>;
    static from(options: Record<string, unknown>): Promise<Ed25519VerificationKey2020>;
    id: string;
    controller: string;
    publicKeyMultibase: string;
    fingerprint(): string;
  }
}

declare module '@digitalbazaar/vc' {
  /** A proof purpose object (jsonld-signatures ProofPurpose). */
  export interface ProofPurpose {
    match(proof: Record<string, unknown>, options: { document: Record<string, unknown> }): Promise<boolean>;
    validate(
      proof: Record<string, unknown>,
      options: {
        document: Record<string, unknown>;
        suite: unknown;
        verificationMethod: Record<string, unknown>;
        documentLoader: (url: string) => Promise<unknown>;
      },
    ): Promise<{ valid: boolean; error?: unknown }>;
  }
  /** assertionMethod purpose that also requires the key's controller to be the credential issuer. */
  export class CredentialIssuancePurpose implements ProofPurpose {
    constructor(options?: { controller?: Record<string, unknown>; date?: Date | string; maxTimestampDelta?: number });
    match(proof: Record<string, unknown>, options: { document: Record<string, unknown> }): Promise<boolean>;
    validate(
      proof: Record<string, unknown>,
      options: {
        document: Record<string, unknown>;
        suite: unknown;
        verificationMethod: Record<string, unknown>;
        documentLoader: (url: string) => Promise<unknown>;
      },
    ): Promise<{ valid: boolean; error?: unknown }>;
  }
  /** Signs a credential: runs the data-model checks, then adds a proof made by `suite`. */
  export function issue(options: {
    credential: Record<string, unknown>;
    suite: unknown;
    documentLoader: (url: string) => Promise<unknown>;
    purpose?: ProofPurpose;
  }): Promise<Record<string, unknown>>;
}

declare module '@digitalbazaar/credentials-context' {
  export const contexts: ReadonlyMap<string, Record<string, unknown>>;
}

declare module '@digitalbazaar/data-integrity-context' {
  const dataIntegrityContext: { contexts: ReadonlyMap<string, Record<string, unknown>> };
  export default dataIntegrityContext;
}

declare module 'ed25519-signature-2020-context' {
  const ed25519Signature2020Context: { contexts: ReadonlyMap<string, Record<string, unknown>> };
  export default ed25519Signature2020Context;
}

declare module '@digitalbazaar/vc-bitstring-status-list-context' {
  export const contexts: ReadonlyMap<string, Record<string, unknown>>;
}
