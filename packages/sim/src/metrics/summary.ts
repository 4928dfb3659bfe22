/**
 * From a run's raw events to its metrics: the numbers assertions check, tables show and plots draw.
 * Definitions (also in the README):
 *
 * - delivery ratio: over every (update, node up at the end) pair, the share where the node holds the
 *   update (that version of the list or a newer one) by the end of the drain;
 * - propagation: per (update, node) pair delivered, time from publication to admission, excluding the
 *   node it was published through; "all nodes" is, per update, the time until the last node up at
 *   the end held it (updates some node never got are left out and show in the delivery ratio);
 * - convergence after a heal: time from the heal until every node up at the end holds every update
 *   published before the heal (null if that never happened); after a restart: the same for the
 *   restarted node; after a join: until the joiner's sync set reached the network's size;
 * - stale answer: a verification answered "valid" for a credential whose revocation had already been
 *   published (anywhere); its window is, per (revocation, verifier node) with a stale answer, the
 *   time from publication until that node held the revocation (or the run ended);
 * - duplicates per delivery: gossipsub's duplicate receptions / first receptions;
 * - bytes per node: gossipsub RPC bytes, anti-entropy frame bytes, and wire bytes (everything,
 *   after Noise and Yamux), each counted at both ends (sent + received) and divided by N.
 */
import type { RawRun, VerificationRecord } from '../harness/run-types.ts';
import { metricAt } from './metric-paths.ts';
import { quantile } from './stats.ts';

/** Metrics of a measurement window. */
export interface WindowMetrics {
  updates: number;
  deliveryRatio: number | null;
  propagationP50: number | null;
  propagationP99: number | null;
  verifications: number;
  staleAnswers: number;
  staleAnswerRate: number | null;
  undeterminedAnswers: number;
  undeterminedRate: number | null;
}

/** A run's metrics (see metric-paths.ts for the list of paths). */
export interface RunMetrics {
  nodes: number;
  /** Processes the nodes ran in (1: the one-process mode). */
  processes: number;
  updates: number;
  deliveryRatio: number | null;
  propagation: {
    p50: number | null;
    p95: number | null;
    p99: number | null;
    max: number | null;
    allNodesP50: number | null;
    allNodesP99: number | null;
    allNodesMax: number | null;
  };
  convergence: { afterHeal: number | null; afterRestart: number | null; afterJoin: number | null };
  antiEntropy: { rounds: number; roundsFailed: number; bytes: number; recordsAdmitted: number };
  bytesPerNode: { gossip: number; sync: number; wire: number };
  duplicatesPerDelivery: number | null;
  verifications: number;
  staleAnswers: number;
  staleAnswerRate: number | null;
  staleWindow: { count: number; p50: number | null; max: number | null };
  undeterminedAnswers: number;
  undeterminedRate: number | null;
  gossip: { rejected: number; ignored: number; evidencePublished: number };
  byzantine: { messagesSent: number; minScore: number | null; honestAcceptedBad: number };
  cpu: { userSeconds: number; systemSeconds: number; utilisation: number };
  memory: { rssMB: number; rssPerNodeMB: number; heapUsedMB: number };
  eventLoop: { lagP50Ms: number; lagP99Ms: number; lagMaxMs: number };
  windows: Record<string, WindowMetrics>;
}

/** Series for plots. */
export interface RunSeries {
  /** Every (update, node) propagation latency, ms. */
  latencies: number[];
  /** Per update: publication time and the delivery times at nodes up at the end (ms since t = 0). */
  coverage: { update: number; publishedAt: number; deliveries: number[]; expected: number }[];
  /** Per heal: partition length and convergence time (ms). */
  convergence: { partitionMs: number; convergenceMs: number | null }[];
  /** Per anti-entropy round: differences and bytes. */
  rounds: { differences: number; bytes: number }[];
  faults: { t: number; label: string }[];
  staleWindows: number[];
}

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

function latenciesOf(raw: RawRun, updates: RawRun['updates']): number[] {
  const out: number[] = [];
  for (const update of updates) {
    for (const [node, at] of raw.deliveredAt.get(update.id) ?? []) {
      if (node !== update.via) out.push(at - update.publishedAt);
    }
  }
  return out;
}

function deliveryRatioOf(raw: RawRun, updates: RawRun['updates']): number | null {
  let held = 0;
  for (const update of updates) {
    const at = raw.deliveredAt.get(update.id);
    for (const node of raw.upAtEnd) if (at?.has(node)) held++;
  }
  return ratio(held, updates.length * raw.upAtEnd.length);
}

function answers(verifications: VerificationRecord[]) {
  const stale = verifications.filter((v) => v.stale).length;
  const undetermined = verifications.filter((v) => v.outcome === 'undetermined').length;
  return {
    verifications: verifications.length,
    staleAnswers: stale,
    staleAnswerRate: ratio(stale, verifications.length),
    undeterminedAnswers: undetermined,
    undeterminedRate: ratio(undetermined, verifications.length),
  };
}

/** Computes a run's metrics and plot series. */
export function summarize(raw: RawRun): { metrics: RunMetrics; series: RunSeries } {
  const { updates } = raw;
  const end = (raw.scenario.duration + raw.scenario.drain) * 1000;
  const latencies = latenciesOf(raw, updates);
  const allNodes: number[] = [];
  const coverage: RunSeries['coverage'] = [];
  for (const update of updates) {
    const at = raw.deliveredAt.get(update.id)!;
    const deliveries = raw.upAtEnd.map((n) => at.get(n)).filter((x): x is number => x !== undefined);
    coverage.push({
      update: update.id,
      publishedAt: update.publishedAt,
      deliveries: deliveries.sort((a, b) => a - b),
      expected: raw.upAtEnd.length,
    });
    if (deliveries.length === raw.upAtEnd.length && deliveries.length > 0) {
      allNodes.push(Math.max(...deliveries) - update.publishedAt);
    }
  }

  // Convergence after each heal: every update published before it, at every node up at the end.
  const convergence: RunSeries['convergence'] = raw.heals.map(({ partitionAt, healAt }) => {
    let worst = 0;
    for (const update of updates.filter((u) => u.publishedAt <= healAt)) {
      const at = raw.deliveredAt.get(update.id)!;
      for (const node of raw.upAtEnd) {
        const t = at.get(node);
        if (t === undefined) return { partitionMs: healAt - partitionAt, convergenceMs: null };
        worst = Math.max(worst, t - healAt);
      }
    }
    return { partitionMs: healAt - partitionAt, convergenceMs: worst };
  });
  const restartTimes = raw.restarts
    .filter((r) => raw.upAtEnd.includes(r.node))
    .map(({ node, at: restartAt }) => {
      let worst = 0;
      for (const update of updates.filter((u) => u.publishedAt <= restartAt)) {
        const t = raw.deliveredAt.get(update.id)!.get(node);
        if (t === undefined) return null;
        worst = Math.max(worst, t - restartAt);
      }
      return worst;
    });
  const worstOf = (values: (number | null)[]): number | null =>
    values.length === 0 || values.some((v) => v === null) ? null : Math.max(...(values as number[]));

  // Stale windows: per (revocation, verifier) with a stale answer.
  const staleWindows: number[] = [];
  const seen = new Set<string>();
  for (const v of raw.verifications.filter((x) => x.stale)) {
    const update = updates.find((u) => u.issuer === v.issuer && u.credential === v.credential);
    if (!update) continue;
    const key = `${update.id}:${v.node}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const held = raw.deliveredAt.get(update.id)?.get(v.node);
    staleWindows.push((held ?? end) - update.publishedAt);
  }

  const totals = raw.totals;
  const total = (pick: (t: RawRun['totals'][number]) => number) => totals.reduce((a, t) => a + pick(t), 0);
  const duplicates = total((t) => t.gossip.duplicates);
  const first = total((t) => t.gossip.firstDeliveries);
  const windows: Record<string, WindowMetrics> = {};
  for (const w of raw.scenario.windows) {
    const from = w.from * 1000;
    const to = w.to * 1000;
    const inWindow = updates.filter((u) => u.publishedAt >= from && u.publishedAt < to);
    const windowLatencies = latenciesOf(raw, inWindow);
    windows[w.name] = {
      updates: inWindow.length,
      deliveryRatio: deliveryRatioOf(raw, inWindow),
      propagationP50: quantile(windowLatencies, 0.5),
      propagationP99: quantile(windowLatencies, 0.99),
      ...answers(raw.verifications.filter((v) => v.t >= from && v.t < to)),
    };
  }
  const r = raw.resources;
  const metrics: RunMetrics = {
    nodes: raw.nodes,
    processes: r.processes.length,
    updates: updates.length,
    deliveryRatio: deliveryRatioOf(raw, updates),
    propagation: {
      p50: quantile(latencies, 0.5),
      p95: quantile(latencies, 0.95),
      p99: quantile(latencies, 0.99),
      max: latencies.length > 0 ? Math.max(...latencies) : null,
      allNodesP50: quantile(allNodes, 0.5),
      allNodesP99: quantile(allNodes, 0.99),
      allNodesMax: allNodes.length > 0 ? Math.max(...allNodes) : null,
    },
    convergence: {
      afterHeal: worstOf(convergence.map((c) => c.convergenceMs)),
      afterRestart: worstOf(restartTimes),
      afterJoin: worstOf(raw.joins.map((j) => (j.convergedAt === null ? null : j.convergedAt - j.at))),
    },
    antiEntropy: {
      rounds: total((t) => t.rounds.completed),
      roundsFailed: total((t) => t.rounds.failed),
      bytes: total((t) => t.syncBytes),
      recordsAdmitted: total((t) => t.recordsAdmitted),
    },
    bytesPerNode: {
      gossip: total((t) => t.gossip.rpcSentBytes + t.gossip.rpcReceivedBytes) / raw.nodes,
      sync: total((t) => t.syncBytes) / raw.nodes,
      wire: total((t) => t.wireBytes) / raw.nodes,
    },
    duplicatesPerDelivery: ratio(duplicates, first),
    ...answers(raw.verifications),
    staleWindow: {
      count: staleWindows.length,
      p50: quantile(staleWindows, 0.5),
      max: staleWindows.length > 0 ? Math.max(...staleWindows) : null,
    },
    gossip: {
      rejected: total((t) => t.rejected),
      ignored: total((t) => t.ignored),
      evidencePublished: total((t) => t.evidencePublished),
    },
    byzantine: {
      messagesSent: raw.byzantine.reduce((a, b) => a + b.sent, 0),
      minScore: raw.byzantine.reduce<number | null>(
        (a, b) => (b.minScore === null ? a : a === null ? b.minScore : Math.min(a, b.minScore)),
        null,
      ),
      honestAcceptedBad: raw.acceptedBad,
    },
    cpu: {
      userSeconds: r.cpuUserSeconds,
      systemSeconds: r.cpuSystemSeconds,
      utilisation: (r.cpuUserSeconds + r.cpuSystemSeconds) / r.wallSeconds,
    },
    memory: {
      rssMB: r.rssEndMB,
      rssPerNodeMB: (r.rssEndMB - r.rssBaselineMB) / raw.nodes,
      heapUsedMB: r.heapUsedMB,
    },
    eventLoop: { lagP50Ms: r.lagP50Ms, lagP99Ms: r.lagP99Ms, lagMaxMs: r.lagMaxMs },
    windows,
  };
  return {
    metrics,
    series: {
      latencies,
      coverage,
      convergence,
      rounds: raw.rounds.map((x) => ({ differences: x.differences, bytes: x.bytes })),
      faults: raw.faults,
      staleWindows,
    },
  };
}

/** The result of checking one assertion. */
export interface AssertionResult {
  text: string;
  metric: string;
  op: string;
  expected: number;
  actual: number | null;
  passed: boolean;
}

/** Checks "<metric> <op> <number>" assertions; a metric without a value (null) fails. */
export function checkAssertions(assertions: readonly string[], metrics: RunMetrics): AssertionResult[] {
  return assertions.map((text) => {
    const match = /^\s*([A-Za-z][A-Za-z0-9_.-]*)\s*(<=|>=|==|<|>)\s*(-?[0-9]+(?:\.[0-9]+)?)\s*$/.exec(text);
    if (!match) return { text, metric: '', op: '', expected: Number.NaN, actual: null, passed: false };
    const [, metric = '', op = '', number = ''] = match;
    const expected = Number(number);
    const value = metricAt(metrics, metric);
    const actual = typeof value === 'number' && Number.isFinite(value) ? value : null;
    const passed =
      actual !== null &&
      ((op === '<=' && actual <= expected) ||
        (op === '>=' && actual >= expected) ||
        (op === '<' && actual < expected) ||
        (op === '>' && actual > expected) ||
        (op === '==' && actual === expected));
    return { text, metric, op, expected, actual, passed };
  });
}
