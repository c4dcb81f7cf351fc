/** Paired comparisons over shops: each shop runs every policy on the same shoppers and the same dice. */

/** Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom (beyond: the normal's 1.96). */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086,
  2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export interface Interval {
  mean: number;
  low: number;
  high: number;
  n: number;
}

/** Mean with its 95% t-interval. */
export function tInterval(values: readonly number[]): Interval {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / Math.max(1, n);
  if (n < 2) return { mean, low: Number.NaN, high: Number.NaN, n };
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  const half = (T975[n - 2] ?? 1.96) * (sd / Math.sqrt(n));
  return { mean, low: mean - half, high: mean + half, n };
}

/** Relative lift a/b − 1 per shop, with its 95% interval. */
export function pairedLift(a: readonly number[], b: readonly number[]): Interval {
  return tInterval(a.map((x, s) => x / b[s] - 1));
}
