/**
 * The self-contained HTML report of an experiment: the scenario, the assertions, the summary tables
 * (each run, and means with 95 % confidence intervals over seeds) and every plot inlined as SVG.
 * No script, no external resource: it opens offline and can be mailed as one file.
 */
import type { MeanCi } from '../metrics/stats.ts';
import type { AssertionResult } from '../metrics/summary.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { bottleneckWarnings, unitOf } from './units.ts';

/** What the report shows of one run. */
export interface ReportRun {
  label: string;
  passed: boolean;
  assertions: AssertionResult[];
  values: Record<string, number | null>;
}

/** Input of {@link renderHtmlReport}. */
export interface ReportInput {
  scenario: Scenario;
  seeds: number[];
  startedAt: string;
  runs: ReportRun[];
  aggregate: Record<string, MeanCi | null>;
  plots: { name: string; title: string; svg: string }[];
  passed: boolean;
  notes: string[];
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Formats a metric value for tables: integers as is, others with 3 significant digits. */
export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toPrecision(3);
}

/**
 * Rows to highlight: metrics an assertion names (held in every run, or failed in one), and answers
 * that should be zero (stale or undetermined) when they are not.
 */
export function metricHighlights(
  runs: readonly ReportRun[],
): Map<string, 'asserted-pass' | 'asserted-fail' | 'attention'> {
  const out = new Map<string, 'asserted-pass' | 'asserted-fail' | 'attention'>();
  for (const run of runs) {
    for (const [path, value] of Object.entries(run.values)) {
      if (/(staleAnswers|staleAnswerRate|undeterminedAnswers|undeterminedRate)$/.test(path) && (value ?? 0) > 0) {
        out.set(path, 'attention');
      }
    }
  }
  for (const run of runs) {
    for (const a of run.assertions) {
      if (!a.passed) out.set(a.metric, 'asserted-fail');
      else if (out.get(a.metric) !== 'asserted-fail') out.set(a.metric, 'asserted-pass');
    }
  }
  return out;
}

/** Renders the report. */
export function renderHtmlReport(input: ReportInput): string {
  const { scenario } = input;
  const paths = Object.keys(input.aggregate);
  const verdict = input.passed ? '<span class="pass">PASSED</span>' : '<span class="fail">FAILED</span>';
  const assertionRows = input.runs
    .flatMap((run) =>
      run.assertions.map(
        (a) =>
          `<tr><td>${escapeHtml(run.label)}</td><td><code>${escapeHtml(a.text)}</code></td><td>${formatValue(a.actual)}</td><td>${a.passed ? '<span class="pass">pass</span>' : '<span class="fail">FAIL</span>'}</td></tr>`,
      ),
    )
    .join('\n');
  const rowClass = metricHighlights(input.runs);
  const cls = (path: string) => (rowClass.has(path) ? ` class="${rowClass.get(path)}"` : '');
  const aggregateRows = paths
    .map((path) => {
      const ci = input.aggregate[path];
      const head = `<tr${cls(path)}><td><code>${escapeHtml(path)}</code></td><td>${escapeHtml(unitOf(path))}</td>`;
      if (!ci) return `${head}<td>—</td><td>—</td><td>0</td></tr>`;
      const interval = ci.low === null || ci.high === null ? '—' : `[${formatValue(ci.low)}, ${formatValue(ci.high)}]`;
      return `${head}<td>${formatValue(ci.mean)}</td><td>${interval}</td><td>${ci.n}</td></tr>`;
    })
    .join('\n');
  const runHeader = input.runs.map((r) => `<th>${escapeHtml(r.label)}</th>`).join('');
  const runRows = paths
    .map(
      (path) =>
        `<tr${cls(path)}><td><code>${escapeHtml(path)}</code></td><td>${escapeHtml(unitOf(path))}</td>${input.runs.map((r) => `<td>${formatValue(r.values[path])}</td>`).join('')}</tr>`,
    )
    .join('\n');
  const bottlenecks = bottleneckWarnings(input.runs);
  const bottleneckBox =
    bottlenecks.length === 0
      ? ''
      : `<div class="warning"><b>The simulator was the bottleneck.</b><ul>${bottlenecks.map((b) => `<li>${escapeHtml(b)}</li>`).join('')}</ul></div>`;
  const timeline = scenario.timeline
    .map((a) => `<li><b>t = ${a.at} s</b> ${escapeHtml(a.action)} <code>${escapeHtml(JSON.stringify(a))}</code></li>`)
    .join('\n');
  const plots = input.plots
    .map((p) => `<figure id="${escapeHtml(p.name)}"><figcaption>${escapeHtml(p.title)}</figcaption>${p.svg}</figure>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>trustmesh simulation — ${escapeHtml(scenario.name)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.5rem 0; font-size: 13px; }
td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: right; }
td:first-child, th:first-child { text-align: left; }
code { font-size: 12px; } .pass { color: #1a7f37; font-weight: 600; } .fail { color: #cf222e; font-weight: 600; }
figure { margin: 1rem 0; } figcaption { font-weight: 600; margin-bottom: 0.3rem; }
.notes li { color: #555; }
tr.asserted-pass td { background: #eaf7ee; } tr.asserted-fail td { background: #fdecec; font-weight: 600; }
tr.attention td { background: #fff6dc; }
.warning { border: 1px solid #d4a72c; background: #fff8e1; padding: 0.5rem 1rem; margin: 1rem 0; }
.legend span { padding: 1px 6px; margin-right: 0.6rem; }
</style>
</head>
<body>
<h1>${escapeHtml(scenario.name)} ${verdict}</h1>
${bottleneckBox}
<p>${escapeHtml(scenario.description)}</p>
<p>Seeds ${input.seeds.join(', ')} · ${scenario.nodes.count} nodes (${scenario.nodes.store} store) · ${escapeHtml(scenario.topology.kind)} topology · ${scenario.duration} s + ${scenario.drain} s drain · started ${escapeHtml(input.startedAt)}</p>
<h2>Timeline</h2>
<ul>${timeline || '<li>no faults</li>'}</ul>
<h2>Assertions</h2>
<table><tr><th>run</th><th>assertion</th><th>value</th><th>result</th></tr>
${assertionRows || '<tr><td colspan="4">none</td></tr>'}
</table>
<h2>Summary over seeds (mean, 95 % confidence interval, t-distribution)</h2>
<p class="legend"><span class="asserted-pass" style="background:#eaf7ee">asserted, held</span><span style="background:#fdecec">asserted, failed</span><span style="background:#fff6dc">stale or undetermined answers seen</span></p>
<table><tr><th>metric</th><th>unit</th><th>mean</th><th>95 % CI</th><th>runs</th></tr>
${aggregateRows}
</table>
<h2>Plots</h2>
${plots}
<h2>Each run</h2>
<table><tr><th>metric</th><th>unit</th>${runHeader}</tr>
${runRows}
</table>
<h2>Notes</h2>
<ul class="notes">${input.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('\n')}</ul>
</body>
</html>
`;
}
