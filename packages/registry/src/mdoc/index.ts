/** ISO/IEC 18013-5 mdoc reading and verification (issue 14). */
export * from './codes.ts';
export { deviceAuthenticationBytes, sessionTranscriptOf } from './device-auth.ts';
export * from './mso.ts';
export * from './read-mdoc.ts';
export * from './verify-mdoc.ts';
