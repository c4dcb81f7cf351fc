import type { Rng } from '../../core/index.js';

/** The logistic function. */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Poisson draw by inversion (Knuth); fine for the small means the simulator uses. */
export function poisson(rng: Rng, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * rng.normal()));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng.next();
  while (p > limit) {
    k++;
    p *= rng.next();
  }
  return k;
}

/** Exponential draw with the given mean. */
export function exponential(rng: Rng, mean: number): number {
  return -mean * Math.log(1 - rng.next());
}

/** Index drawn with probability proportional to `weights[i]` (linear scan; for short lists). */
export function pickWeighted(rng: Rng, weights: ArrayLike<number>, total?: number): number {
  let sum = total ?? 0;
  if (total === undefined) for (let i = 0; i < weights.length; i++) sum += weights[i];
  let u = rng.next() * sum;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i];
    if (u < 0) return i;
  }
  return weights.length - 1;
}

/** Draws indexes proportional to fixed weights in O(log n) via a cumulative table. */
export class CumulativeSampler {
  private readonly cumulative: Float64Array;
  readonly size: number;

  constructor(weights: ArrayLike<number>) {
    this.size = weights.length;
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    for (let i = 0; i < weights.length; i++) {
      sum += weights[i];
      this.cumulative[i] = sum;
    }
  }

  /** An index in [0, size), or -1 when there is nothing to draw. */
  draw(rng: Rng): number {
    const n = this.size;
    if (n === 0) return -1;
    const u = rng.next() * this.cumulative[n - 1];
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** Picks one element uniformly. */
export function pickOne<T>(rng: Rng, values: readonly T[]): T {
  return values[rng.int(values.length)];
}
