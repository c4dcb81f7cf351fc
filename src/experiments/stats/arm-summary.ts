/**
 * Per-arm summaries of a per-user metric. The randomisation unit is the user, so each user contributes exactly
 * one value (their conversion, revenue, ... over the whole analysis window so far); adding a user twice, or
 * adding per-day values of returning users, breaks the independence every interval here assumes.
 */

/** n, mean and sample variance (n − 1 denominator) of one arm's per-user values. */
export interface ArmSummary {
  n: number;
  mean: number;
  variance: number;
}

/** A running summary that takes one user's value at a time, or whole other summaries. */
export interface SummaryAccumulator {
  add(value: number): void;
  /** Adds the users of another, disjoint summary (Chan et al.'s parallel update). */
  merge(other: ArmSummary): void;
  summary(): ArmSummary;
}

/**
 * Welford's update: it keeps the mean and the sum of squared deviations, which, unlike Σx and Σx², does not
 * lose the variance to cancellation when the mean is large next to the spread.
 */
export function createSummaryAccumulator(): SummaryAccumulator {
  let n = 0;
  let mean = 0;
  let squares = 0;
  return {
    add(value) {
      n += 1;
      const delta = value - mean;
      mean += delta / n;
      squares += delta * (value - mean);
    },
    merge(other) {
      if (other.n === 0) return;
      const total = n + other.n;
      const delta = other.mean - mean;
      const otherSquares = other.n > 1 ? other.variance * (other.n - 1) : 0;
      squares += otherSquares + (delta * delta * n * other.n) / total;
      mean += (delta * other.n) / total;
      n = total;
    },
    summary: () => ({ n, mean, variance: n > 1 ? squares / (n - 1) : 0 }),
  };
}

/** The summary of one arm's per-user values. */
export function summarize(values: Iterable<number>): ArmSummary {
  const accumulator = createSummaryAccumulator();
  for (const value of values) accumulator.add(value);
  return accumulator.summary();
}

/** The summary of a 0/1 metric (converted or not) from counts, without the per-user values. */
export function summarizeBinary(users: number, successes: number): ArmSummary {
  const mean = users > 0 ? successes / users : 0;
  // Σ(x − mean)² of n zeros and ones is n·mean·(1 − mean).
  return { n: users, mean, variance: users > 1 ? (users * mean * (1 - mean)) / (users - 1) : 0 };
}
