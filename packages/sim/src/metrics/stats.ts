/**
 * Small statistics: quantiles of samples, and means with Student-t confidence intervals for results
 * over several seeds.
 */

/** The q-quantile (0..1) of `values` by linear interpolation (type 7, as R and NumPy default); null if empty. */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const lo = Math.floor(position);
  const hi = Math.ceil(position);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (position - lo);
}

/** Mean, or null if empty. */
export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Two-sided 97.5 % quantiles of Student's t for 1..30 degrees of freedom. */
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** The t quantile for a two-sided 95 % interval with `df` degrees of freedom. */
export function tQuantile95(df: number): number {
  if (df < 1) return Number.NaN;
  if (df <= T_975.length) return T_975[df - 1]!;
  // Beyond 30 degrees of freedom the normal approximation with a first-order correction is within 0.1 %.
  return 1.96 + 2.4 / df;
}

/** A mean with its 95 % confidence interval over independent runs. */
export interface MeanCi {
  n: number;
  mean: number;
  /** Half-width of the 95 % interval (t-distribution, n − 1 degrees of freedom); null for n < 2. */
  halfWidth: number | null;
  low: number | null;
  high: number | null;
}

/** Mean and 95 % t-interval of `values` (null entries are left out); null if nothing remains. */
export function meanCi(values: readonly (number | null | undefined)[]): MeanCi | null {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (xs.length === 0) return null;
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (xs.length < 2) return { n: 1, mean: m, halfWidth: null, low: null, high: null };
  const variance = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
  const half = tQuantile95(xs.length - 1) * Math.sqrt(variance / xs.length);
  return { n: xs.length, mean: m, halfWidth: half, low: m - half, high: m + half };
}
