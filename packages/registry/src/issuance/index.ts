/** Issuance: what an issuer adds to a credential and the data model rules it must satisfy before signing. */
export {
  type DataModelVersion,
  dataModelVersion,
  type PreparedIssuance,
  type PrepareIssuanceOptions,
  prepareForIssuance,
} from './prepare-issuance.ts';
export { requireIssuable } from './validate-issuance.ts';
export { type SignPresentationOptions, signPresentation } from './sign-presentation.ts';
