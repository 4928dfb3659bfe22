/**
 * The names assertions and tables use for metrics: dotted paths into a run's metrics object
 * (see summary.ts). Kept in one list so a scenario naming an unknown metric fails when loaded,
 * not after a ten-minute run.
 */

/** Metrics of a measurement window. */
export const WINDOW_METRICS = [
  'updates',
  'deliveryRatio',
  'propagationP50',
  'propagationP99',
  'verifications',
  'staleAnswers',
  'staleAnswerRate',
  'undeterminedAnswers',
  'undeterminedRate',
] as const;

/** Every metric path of a run (windows excepted). */
export const METRIC_PATHS = [
  'updates',
  'deliveryRatio',
  'propagation.p50',
  'propagation.p95',
  'propagation.p99',
  'propagation.max',
  'propagation.allNodesP50',
  'propagation.allNodesP99',
  'propagation.allNodesMax',
  'convergence.afterHeal',
  'convergence.afterRestart',
  'convergence.afterJoin',
  'antiEntropy.rounds',
  'antiEntropy.roundsFailed',
  'antiEntropy.bytes',
  'antiEntropy.recordsAdmitted',
  'bytesPerNode.gossip',
  'bytesPerNode.sync',
  'bytesPerNode.wire',
  'duplicatesPerDelivery',
  'verifications',
  'staleAnswers',
  'staleAnswerRate',
  'staleWindow.count',
  'staleWindow.p50',
  'staleWindow.max',
  'undeterminedAnswers',
  'undeterminedRate',
  'gossip.rejected',
  'gossip.ignored',
  'gossip.evidencePublished',
  'byzantine.messagesSent',
  'byzantine.minScore',
  'byzantine.honestAcceptedBad',
  'cpu.userSeconds',
  'cpu.systemSeconds',
  'cpu.utilisation',
  'memory.rssMB',
  'memory.rssPerNodeMB',
  'memory.heapUsedMB',
  'eventLoop.lagP50Ms',
  'eventLoop.lagP99Ms',
  'eventLoop.lagMaxMs',
  'nodes',
  'processes',
] as const;

const KNOWN: ReadonlySet<string> = new Set(METRIC_PATHS);
const WINDOW: ReadonlySet<string> = new Set(WINDOW_METRICS);

/** Whether `path` names a metric, given the scenario's window names. */
export function isKnownMetricPath(path: string, windowNames: ReadonlySet<string>): boolean {
  if (KNOWN.has(path)) return true;
  const [head, name, metric, ...rest] = path.split('.');
  return head === 'windows' && rest.length === 0 && windowNames.has(name ?? '') && WINDOW.has(metric ?? '');
}

/** The value at a dotted path of a metrics object, or undefined. */
export function metricAt(metrics: unknown, path: string): unknown {
  let cursor: unknown = metrics;
  for (const part of path.split('.')) {
    if (typeof cursor !== 'object' || cursor === null) return undefined;
    cursor = (cursor as Record<string, unknown>)[part];
  }
  return cursor;
}
