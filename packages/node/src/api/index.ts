/**
 * The HTTP API, the issuer mode and the metrics registry of a node, for the node wiring and the CLI.
 */

export type { AllocatedEntry, ManagedPurpose } from '../issuer/allocation-file.ts';
export { IssuerService } from '../issuer/issuer-service.ts';
export {
  type CredentialStatusValue,
  defaultIssuerServiceOptions,
  type IssueResult,
  type IssuerServiceModules,
  type IssuerServiceOptions,
  type ListProblem,
  type StatusUpdate,
  type StatusUpdateResult,
} from '../issuer/issuer-types.ts';
export {
  defaultTokenStatusIssuerOptions,
  type SdJwtVcIssued,
  type SdJwtVcRequest,
  TokenStatusIssuer,
  type TokenStatusIssuerModules,
  type TokenStatusIssuerOptions,
  type TokenStatusUpdate,
  type TokenStatusValue,
} from '../issuer/token-status-issuer.ts';
export { createMetrics, defaultMetricsOptions, type MetricsOptions, type NodeMetrics } from '../metrics/metrics.ts';
export { API_VERSION, type ApiServer, createApi } from './api-server.ts';
export { ApiError, type ErrorBody, toApiError } from './errors.ts';
export type { ResolvedApiOptions } from './routes/route-context.ts';
export {
  type ApiModules,
  type ApiOptions,
  defaultApiOptions,
  type NodeInfo,
  type PeerInfo,
  type RateLimitOptions,
} from './types.ts';
