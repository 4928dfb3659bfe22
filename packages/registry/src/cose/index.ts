/** Bounded CBOR, COSE_Sign1 and COSE_Key (issue 14): the primitives of mdoc and CWT status lists. */
export * from './bounded-cbor.ts';
export * from './cose-key.ts';
export * from './cose-sign1.ts';
