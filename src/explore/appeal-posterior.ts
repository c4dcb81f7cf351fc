import { normalCdf, probitCorrections } from './normal.js';

/**
 * A Bayesian last layer over the large model: the probability that a shopper takes a shown item is
 * Φ(z / √(noise² + var z)) with z = bias + slope·s + θ_i·x̃, where s is the item's model score standardised
 * within the request, x̃ = [1, x]/√2 holds the shopper's user vector x from the sequential model (unit
 * length; x̃ = [1] when there is none), and θ_i is a per-item correction over that state. Every weight has
 * an independent Gaussian belief (a factorised, diagonal posterior) updated by assumed density filtering
 * on each outcome: the probit update of AdPredictor (Graepel et al., ICML 2010), the online diagonal
 * Laplace of Chapelle & Li (2011) in closed form.
 *
 * The spread of θ_i·x̃ is the uncertainty of this item's appeal to this shopper: large for items the model
 * has little evidence on (their prior sd comes from the caller, e.g. shrinking with the item's training
 * interactions) and for shopper states unlike those the item was shown to; it shrinks along the
 * directions of the states it has been shown to.
 */
export interface AppealPosteriorParams {
  /** Prior click rate of an average candidate. */
  baseRate: number;
  /** Prior mean of the slope on the standardised model score. */
  scoreSlope: number;
  /** Prior sd of an item's correction when the caller gives none. */
  priorSd: number;
  /** Probit noise: the outcome's own spread around z. */
  noise: number;
  /** Items with a belief kept; the least recently updated go back to their prior beyond this. */
  maxItems: number;
}

/** One candidate's appeal estimate, on the probit scale. */
export interface AppealEstimate {
  mean: number;
  /** Variance of the item's own term θ_i·x̃: the model's uncertainty about this item for this shopper. */
  itemVariance: number;
  /** Variance of z (shared terms included). */
  variance: number;
}

/** One observed outcome with the context it was shown in. */
export interface AppealObservation {
  itemId: string;
  /** The item's standardised model score in its request (0 when unknown). */
  score?: number;
  /** The shopper's user vector when it was shown. */
  state?: Float32Array;
  /** The item's prior sd, when its belief is created by this observation. */
  priorSd?: number;
  reward: number;
}

interface Belief {
  mean: Float64Array;
  variance: Float64Array;
}

/** JSON form: global [bias mean, bias var, slope mean, slope var], the state length, per item means then variances. */
export interface AppealPosteriorJson {
  global: number[];
  dimension: number | null;
  items: Record<string, number[]>;
}

/** The probit value of a rate under prior variance v: Φ(b/√(noise² + v)) = rate. */
function probit(rate: number): number {
  // Inverse of Φ by bisection: called once per posterior, not per request.
  let lo = -10;
  let hi = 10;
  for (let k = 0; k < 80; k++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < rate) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export class AppealPosterior {
  /** [bias mean, bias variance, slope mean, slope variance]. */
  private readonly global: Float64Array;
  private readonly items = new Map<string, Belief>();
  /** Length of the user vectors; fixed by the first one seen (a vector of another length is ignored). */
  private dimension: number | null;

  constructor(
    readonly params: AppealPosteriorParams,
    saved?: AppealPosteriorJson,
  ) {
    const biasVariance = 0.25;
    const bias = probit(params.baseRate) * Math.sqrt(params.noise ** 2 + biasVariance + params.priorSd ** 2);
    this.global = Float64Array.from(saved?.global ?? [bias, biasVariance, params.scoreSlope, 0.25]);
    this.dimension = saved?.dimension ?? null;
    if (saved) {
      for (const [id, values] of Object.entries(saved.items)) {
        const n = values.length / 2;
        this.items.set(id, { mean: Float64Array.from(values.slice(0, n)), variance: Float64Array.from(values.slice(n)) });
      }
    }
  }

  /** Items with a belief of their own. */
  get size(): number {
    return this.items.size;
  }

  /** x̃ for a state: [1, x/|x|]/√2, or [1] without a usable state. */
  features(state: Float32Array | undefined): Float64Array {
    if (!state || state.length === 0 || (this.dimension !== null && state.length !== this.dimension)) return Float64Array.of(1);
    let norm = 0;
    for (let k = 0; k < state.length; k++) norm += state[k] * state[k];
    if (!(norm > 0) || !Number.isFinite(norm)) return Float64Array.of(1);
    const x = new Float64Array(state.length + 1);
    const scale = 1 / Math.sqrt(2 * norm);
    x[0] = Math.SQRT1_2;
    for (let k = 0; k < state.length; k++) x[k + 1] = state[k] * scale;
    return x;
  }

  /** The appeal estimate of one item with standardised score `score` for features `x` (from `features`). */
  estimate(itemId: string, score: number, x: Float64Array, priorSd = this.params.priorSd): AppealEstimate {
    const g = this.global;
    const belief = this.items.get(itemId);
    let mean = g[0] + g[2] * score;
    let itemVariance = 0;
    if (belief && belief.mean.length === x.length) {
      for (let k = 0; k < x.length; k++) {
        mean += belief.mean[k] * x[k];
        itemVariance += belief.variance[k] * x[k] * x[k];
      }
    } else {
      // No belief yet: θ_i ~ N(0, priorSd² I) and |x̃| = 1, so θ_i·x̃ ~ N(0, priorSd²).
      itemVariance = priorSd * priorSd;
    }
    return { mean, itemVariance, variance: g[1] + g[3] * score * score + itemVariance };
  }

  /** P(outcome) under the posterior: Φ(mean / √(noise² + variance)). */
  probability(e: AppealEstimate): number {
    return normalCdf(e.mean / Math.sqrt(this.params.noise ** 2 + e.variance));
  }

  /** Applies one outcome (reward > 0 counts as taken) by assumed density filtering. */
  observe(o: AppealObservation): void {
    const x = this.features(o.state);
    if (x.length > 1 && this.dimension === null) this.dimension = x.length - 1;
    const score = Number.isFinite(o.score) ? (o.score as number) : 0;
    const belief = this.beliefFor(o.itemId, x.length, o.priorSd ?? this.params.priorSd);
    const g = this.global;
    let mean = g[0] + g[2] * score;
    let variance = this.params.noise ** 2 + g[1] + g[3] * score * score;
    for (let k = 0; k < x.length; k++) {
      mean += belief.mean[k] * x[k];
      variance += belief.variance[k] * x[k] * x[k];
    }
    const y = o.reward > 0 ? 1 : -1;
    const sd = Math.sqrt(variance);
    const { v, w } = probitCorrections((y * mean) / sd);
    const move = (m: number, s2: number, xk: number): [number, number] => [
      m + ((y * xk * s2) / sd) * v,
      s2 * Math.max(1e-6, 1 - ((xk * xk * s2) / variance) * w),
    ];
    [g[0], g[1]] = move(g[0], g[1], 1);
    [g[2], g[3]] = move(g[2], g[3], score);
    for (let k = 0; k < x.length; k++) [belief.mean[k], belief.variance[k]] = move(belief.mean[k], belief.variance[k], x[k]);
  }

  private beliefFor(itemId: string, length: number, priorSd: number): Belief {
    let belief = this.items.get(itemId);
    if (belief && belief.mean.length !== length) belief = undefined;
    this.items.delete(itemId);
    if (!belief) belief = { mean: new Float64Array(length), variance: new Float64Array(length).fill(priorSd * priorSd) };
    // Map order is insertion order: the first key is the least recently updated.
    this.items.set(itemId, belief);
    if (this.items.size > this.params.maxItems) this.items.delete(this.items.keys().next().value as string);
    return belief;
  }

  toJson(): AppealPosteriorJson {
    const items: Record<string, number[]> = {};
    for (const [id, b] of this.items) items[id] = [...b.mean, ...b.variance];
    return { global: Array.from(this.global), dimension: this.dimension, items };
  }
}
