/**
 * What a relay can do to a held record without any key: re-serialisations that leave the signed
 * content untouched. Each helper builds the attack the way an attacker would, from the record alone.
 */
import { base58btc } from 'multiformats/bases/base58';
import { base64url } from 'multiformats/bases/base64';

type Json = Record<string, unknown>;

// Order of the P-256 group (SEC 2 v2 §2.4.2). Written out here, not imported: the attack is the test's own.
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** The other valid ECDSA signature over the same data: (r, s) → (r, n − s), P1363 bytes. */
export function flipS(signature: Uint8Array): Uint8Array {
  let s = 0n;
  for (const byte of signature.subarray(32)) s = (s << 8n) | BigInt(byte);
  let flipped = P256_N - s;
  const out = new Uint8Array(signature);
  for (let i = 63; i >= 32; i--) {
    out[i] = Number(flipped & 0xffn);
    flipped >>= 8n;
  }
  return out;
}

/** A Data Integrity record whose ECDSA proofValue is replaced by (r, n − s). */
export function malleateProof(record: Json): Json {
  const proof = record.proof as Json;
  const signature = base58btc.decode(proof.proofValue as string);
  return { ...record, proof: { ...proof, proofValue: base58btc.encode(flipS(signature)) } };
}

/** A Data Integrity record whose proofValue is re-encoded from base58btc (`z…`) to base64url (`u…`). */
export function reencodeProofValue(record: Json): Json {
  const proof = record.proof as Json;
  const bytes = base58btc.decode(proof.proofValue as string);
  return { ...record, proof: { ...proof, proofValue: base64url.encode(bytes) } };
}

/** A record with its `type` array reversed (RDF types are a set: the N-Quads do not change). */
export function reverseTypes(record: Json): Json {
  return { ...record, type: [...(record.type as string[])].reverse() };
}

/** A governance record with one signature's s flipped (for a P-256 signer's key id). */
export function malleateGovernanceSignature(record: Json, keyId: string): Json {
  const signatures = (record.signatures as { keyId: string; signature: string }[]).map((s) =>
    s.keyId === keyId ? { ...s, signature: base58btc.encode(flipS(base58btc.decode(s.signature))) } : s,
  );
  return { ...record, signatures };
}

/** The record's JSON text with whitespace and reversed member order: other bytes, same value. */
export function reformattedBytes(record: Json): Uint8Array {
  const reorder = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(reorder);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value as Json)
        .reverse()
        .map(([k, v]) => [k, reorder(v)]),
    );
  };
  return new TextEncoder().encode(JSON.stringify(reorder(record), null, 2));
}
