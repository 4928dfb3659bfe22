/**
 * Units of the report's metrics (issue 15 item 9: the summary table had none) and the checks the
 * report draws attention to: which metrics assertions name, and whether the simulator itself was
 * the bottleneck (its event-loop lag as large as the latency it measures).
 */

/** The unit a metric path is measured in, for the tables' unit column. */
export function unitOf(path: string): string {
  const leaf = path.split('.').at(-1) ?? path;
  if (/Ms$/.test(leaf) || /^propagation(P\d+)?$/.test(leaf)) return 'ms';
  if (path.startsWith('propagation.') || path.startsWith('convergence.')) return 'ms';
  if (path === 'staleWindow.p50' || path === 'staleWindow.max') return 'ms';
  if (path.startsWith('bytesPerNode.') || path === 'antiEntropy.bytes') return 'bytes';
  if (/Rate$|Ratio$/.test(leaf) || path === 'cpu.utilisation') return 'fraction (0–1)';
  if (/Seconds$/.test(leaf)) return 's';
  if (/MB$/.test(leaf)) return 'MB';
  if (path === 'duplicatesPerDelivery') return 'per delivery';
  if (path === 'byzantine.minScore') return 'score';
  return 'count';
}

/** An assertion as text, parsed ("<metric> <op> <number>"), or null. */
export function parseAssertion(text: string): { metric: string; op: string; value: number } | null {
  const match = /^\s*([A-Za-z][A-Za-z0-9_.-]*)\s*(<=|>=|==|<|>)\s*(-?[0-9]+(?:\.[0-9]+)?)\s*$/.exec(text);
  return match ? { metric: match[1]!, op: match[2]!, value: Number(match[3]) } : null;
}

/** Whether a metric is a propagation latency (ms), whose thresholds belong on the latency CDF. */
export function isLatencyMetric(metric: string): boolean {
  return (
    /^propagation\.(p50|p95|p99|max|allNodesP50|allNodesP99|allNodesMax)$/.test(metric) ||
    /^windows\.[^.]+\.propagationP(50|99)$/.test(metric)
  );
}

/**
 * When the simulator was the bottleneck: a run whose event-loop lag p99 reaches half its
 * propagation p99 measured the host as much as the protocol. One message per such run.
 */
export function bottleneckWarnings(
  runs: readonly { label: string; values: Record<string, number | null> }[],
): string[] {
  const out: string[] = [];
  for (const run of runs) {
    const lag = run.values['eventLoop.lagP99Ms'];
    const latency = run.values['propagation.p99'];
    if (lag === null || lag === undefined || latency === null || latency === undefined || latency <= 0) continue;
    if (lag >= 0.5 * latency) {
      out.push(
        `${run.label}: event-loop lag p99 ${Math.round(lag)} ms against propagation p99 ${Math.round(latency)} ms — the simulator was the bottleneck, so these latencies measure the host as much as the protocol; rerun with --processes N, or fewer nodes`,
      );
    }
  }
  return out;
}
