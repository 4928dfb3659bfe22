/**
 * Prometheus metrics of a node (DESIGN.md, Interfaces: "Prometheus metrics").
 *
 * One prom-client Registry per node, never the library's global default: several nodes run in one
 * process in tests and simulations, and each must report its own figures. The HTTP API records
 * verifications and requests here; the node's gossip and sync modules register their own counters
 * into the same `registry`. Labels carry stable codes only (CONVENTIONS.md, Errors), never free
 * text, identifiers of credentials or list indexes, so cardinality stays bounded and nothing about
 * a holder is exported. Names end in their unit or `_total` (https://prometheus.io/docs/practices/naming/).
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Settings of {@link createMetrics}. */
export interface MetricsOptions {
  /** Prefix of every metric name. */
  prefix: string;
  /** Also collect the Node.js process metrics (event loop lag, heap, GC). */
  processMetrics: boolean;
  /** Static labels added to every series (e.g. `{ node: 'tokyo-1' }` in a simulation). */
  defaultLabels: Record<string, string>;
}

/** Defaults: `trustmesh_` prefix, process metrics on, no static labels. */
export const defaultMetricsOptions: MetricsOptions = {
  prefix: 'trustmesh_',
  processMetrics: true,
  defaultLabels: {},
};

/** A node's metrics registry and the typed instruments the HTTP API and issuer record into. */
export interface NodeMetrics {
  /** The registry to expose on `GET /metrics` and to register further instruments into. */
  readonly registry: Registry;
  /** Name prefix in use, for instruments other modules register. */
  readonly prefix: string;
  /** Credential verifications by result (`verified` | `not_verified`) and first failing code (`OK` when verified). */
  readonly verifications: Counter<'result' | 'code'>;
  /** Individual verification checks by check, outcome and code. */
  readonly verificationChecks: Counter<'check' | 'outcome' | 'code'>;
  /** Status queries (`GET /credentials/status`) by outcome and code. */
  readonly statusQueries: Counter<'outcome' | 'code'>;
  /** HTTP requests by method, route pattern and status code. */
  readonly httpRequests: Counter<'method' | 'route' | 'status_code'>;
  /** HTTP request duration by method and route pattern. */
  readonly httpRequestDuration: Histogram<'method' | 'route'>;
  /** Records submitted through the API (`POST /records`) by outcome and code. */
  readonly recordsSubmitted: Counter<'outcome' | 'code'>;
  /** Credentials signed in issuer mode. */
  readonly credentialsIssued: Counter<never>;
  /** Status list updates published in issuer mode, by purpose and new status. */
  readonly statusUpdates: Counter<'purpose' | 'status'>;
  /** Entries allocated on the issuer's lists, by purpose (watch for a list filling up). */
  readonly statusEntriesAllocated: Gauge<'purpose'>;
}

/**
 * Creates a node's metrics registry with the API and issuer instruments registered.
 * @param options - Prefix, process metrics and static labels; defaults in {@link defaultMetricsOptions}.
 */
export function createMetrics(options: Partial<MetricsOptions> = {}): NodeMetrics {
  const { prefix, processMetrics, defaultLabels } = { ...defaultMetricsOptions, ...options };
  const registry = new Registry();
  registry.setDefaultLabels(defaultLabels);
  if (processMetrics) collectDefaultMetrics({ register: registry, prefix });
  const registers = [registry];
  return {
    registry,
    prefix,
    verifications: new Counter({
      name: `${prefix}verifications_total`,
      help: 'Credential verifications, by result and the code of the first failing check (OK when verified)',
      labelNames: ['result', 'code'] as const,
      registers,
    }),
    verificationChecks: new Counter({
      name: `${prefix}verification_checks_total`,
      help: 'Verification checks, by check, outcome (pass | fail | undetermined) and code',
      labelNames: ['check', 'outcome', 'code'] as const,
      registers,
    }),
    statusQueries: new Counter({
      name: `${prefix}status_queries_total`,
      help: 'Status list entry queries, by outcome and code',
      labelNames: ['outcome', 'code'] as const,
      registers,
    }),
    httpRequests: new Counter({
      name: `${prefix}http_requests_total`,
      help: 'HTTP requests, by method, route pattern and status code',
      labelNames: ['method', 'route', 'status_code'] as const,
      registers,
    }),
    httpRequestDuration: new Histogram({
      name: `${prefix}http_request_duration_seconds`,
      help: 'HTTP request duration, by method and route pattern',
      labelNames: ['method', 'route'] as const,
      // Status reads take tens of microseconds, verifications milliseconds: cover both ranges.
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    recordsSubmitted: new Counter({
      name: `${prefix}api_records_submitted_total`,
      help: 'Records submitted through POST /records, by outcome (accept | ignore | reject) and code',
      labelNames: ['outcome', 'code'] as const,
      registers,
    }),
    credentialsIssued: new Counter({
      name: `${prefix}credentials_issued_total`,
      help: 'Credentials signed by this node in issuer mode',
      registers,
    }),
    statusUpdates: new Counter({
      name: `${prefix}status_updates_total`,
      help: 'Status list versions published by this node in issuer mode, by purpose and new status',
      labelNames: ['purpose', 'status'] as const,
      registers,
    }),
    statusEntriesAllocated: new Gauge({
      name: `${prefix}status_entries_allocated`,
      help: "Entries allocated on this issuer's status lists, by purpose",
      labelNames: ['purpose'] as const,
      registers,
    }),
  };
}
