import type { Rng } from '../../core/index.js';

export interface EstimatorError {
  meanRelativeError: number;
  sdRelativeError: number;
  /** Estimate on the full sample (no resampling). */
  fullSampleEstimate: number;
  meanEstimate: number;
}

/** Rows of a bootstrap resample as multiplicities (row i drawn counts[i] times). */
export function bootstrapCounts(n: number, rng: Rng): number[] {
  const counts = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) counts[rng.int(n)]++;
  return counts;
}

export interface BootstrapErrorOptions {
  rows: number;
  truth: number;
  resamples: number;
  rng: Rng;
  /** Every estimator's value; `counts` undefined = the full sample, else the resample's multiplicities. */
  estimate(counts?: number[]): Record<string, number>;
}

/**
 * Relative error |estimate − truth| / truth of every estimator over bootstrap resamples of the rows (the
 * OBP protocol): its mean and sd over resamples, the full-sample estimate and the mean estimate.
 */
export function bootstrapErrors(options: BootstrapErrorOptions): Record<string, EstimatorError> {
  const full = options.estimate();
  const samples: Array<Record<string, number>> = [];
  for (let b = 0; b < options.resamples; b++) samples.push(options.estimate(bootstrapCounts(options.rows, options.rng)));
  const out: Record<string, EstimatorError> = {};
  for (const name of Object.keys(full)) {
    const errors = samples.map((s) => Math.abs(s[name] - options.truth) / options.truth);
    const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
    const sd = Math.sqrt(errors.reduce((a, e) => a + (e - mean) ** 2, 0) / Math.max(1, errors.length - 1));
    const meanEstimate = samples.reduce((a, s) => a + s[name], 0) / samples.length;
    out[name] = { meanRelativeError: mean, sdRelativeError: sd, fullSampleEstimate: full[name], meanEstimate };
  }
  return out;
}
