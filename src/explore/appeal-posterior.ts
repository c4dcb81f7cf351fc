import { fromLittleEndian, PackedFloats } from '../core/index.js';
import { normalCdf, normalPdf, normalQuantile, probitCorrections } from './normal.js';
import { PairMisfit, type PairMisfitJson } from './pair-misfit.js';
import { PairShowings } from './pair-showings.js';

/**
 * A Bayesian last layer over the large model: the probability that a shopper takes a shown item is
 * Φ(z / √(noise² + var z)) with z = bias + slope·s + θ_i·x̃ (+ δ_p where it was shown), where s is the item's
 * model score standardised within the request, x̃ = [1, x]/√2 holds the shopper's user vector x from the
 * sequential model (unit length; x̃ = [1] when there is none), θ_i is a per-item correction over that state,
 * and δ_p the offset of slate position p (δ_0 = 0). The shared weights (bias, slope, offsets) have one Gaussian
 * belief with a full covariance, each item's correction a factorised one; both are updated by assumed density
 * filtering on each outcome: the probit update of AdPredictor (Graepel et al., ICML 2010), the online Laplace of
 * Chapelle & Li (2011) in closed form.
 *
 * The spread of θ_i·x̃ is the uncertainty of this item's appeal to this shopper: large for items the model
 * has little evidence on (their prior sd comes from the caller, e.g. shrinking with the item's training
 * interactions) and for shopper states unlike those the item was shown to; it shrinks along the
 * directions of the states it has been shown to.
 *
 * Why δ_p: shoppers take what is shown first more often whatever it is, and the best-scored items are shown
 * first, so without it the slope on the score would learn the position's effect as the score's and the
 * posterior would believe in its own ranking more than the outcomes warrant (a position-bias-aware learner,
 * as in Guo et al., RecSys 2019). Outcomes are learned with their position's offset; estimates are for the
 * first slot, the appeal without the position's discount.
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
  /** Slate positions with an offset of their own (later ones share the last); 0 or 1 = no position term. */
  positions?: number;
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
  /** Its slate position (0 = first); unknown = the first slot's. */
  position?: number;
  /** The item's prior sd, when its belief is created by this observation. */
  priorSd?: number;
  reward: number;
  /**
   * A hash of the shopper × item pair (never the ids), when known: repeated showings of a pair measure the
   * pair effect no outcome of another pair teaches (pair-misfit.ts).
   */
  pair?: number;
  /** false for a reward whose impression was already observed (as a failure): the same showing, now taken. */
  impression?: boolean;
}

export interface Belief {
  mean: Float64Array;
  variance: Float64Array;
}

/**
 * JSON form: global [bias mean, bias var, slope mean, slope var, then δ_p mean and var for p = 1, 2, ...] (a
 * state saved with fewer offsets gets the rest at their prior), the shared weights' full covariance (row-major;
 * a state saved without it starts from the variances in `global`), the state length, per item means then
 * variances.
 */
export type AppealPosteriorJson = {
  global: number[];
  covariance?: number[];
  /** The pair effect's running sums (pair-misfit.ts); absent in a state saved before it was measured. */
  misfit?: PairMisfitJson;
  dimension: number | null;
} & ({ packed: PackedBeliefs } | { items: Record<string, number[]> });

/**
 * The items' beliefs as saved: ids in map order (least recently updated first), each belief's length, and
 * every belief's means then variances as little-endian float64 in base64. A number array per item (the
 * `items` form, still read) made the periodic save a stall of a second on the request thread at 20,000 items
 * of 33 weights; packed, the save is a copy and one base64 pass, which a store may make on another thread
 * (`PackedFloats`). float64, so a restart changes no decision (every policy chooses the same after a save and
 * load). `values` is the base64 text once read back from JSON.
 */
export interface PackedBeliefs {
  ids: string[];
  lengths: number[];
  values: string | PackedFloats;
}

/** Prior variance of a slate position's offset (probit units). */
const POSITION_PRIOR_VARIANCE = 0.25;

export class AppealPosterior {
  /**
   * The shared weights [bias, slope, δ_1, δ_2, ...]: their means and full covariance (row-major). Every outcome
   * moves the bias and one offset together, and the slope with them; a factorised belief over such correlated
   * weights shrinks each variance as if it alone explained the outcomes, and they stop learning far from their
   * values (the offsets at half their size). A few dozen weights keep a full matrix cheaply.
   */
  private readonly shared: Float64Array;
  private readonly covariance: Float64Array;
  /** S·a of the outcome being applied, kept between outcomes so that applying one allocates nothing. */
  private readonly scratch: Float64Array;
  private readonly items = new Map<string, Belief>();
  /** Length of the user vectors; fixed by the first one seen (a vector of another length is ignored). */
  private dimension: number | null;
  /** The shopper × item effect: what the posterior's own variance leaves out of a prediction's error. */
  readonly pairEffect: PairMisfit;
  private readonly showings: PairShowings;

  constructor(
    readonly params: AppealPosteriorParams,
    saved?: AppealPosteriorJson,
  ) {
    const biasVariance = 0.25;
    const bias = normalQuantile(params.baseRate) * Math.sqrt(params.noise ** 2 + biasVariance + params.priorSd ** 2);
    const fresh = [bias, biasVariance, params.scoreSlope, 0.25];
    for (let p = 1; p < (params.positions ?? 0); p++) fresh.push(0, POSITION_PRIOR_VARIANCE);
    const global = saved ? [...saved.global, ...fresh.slice(saved.global.length)].slice(0, fresh.length) : fresh;
    const k = global.length / 2;
    this.shared = Float64Array.from({ length: k }, (_, j) => global[2 * j]);
    this.covariance = new Float64Array(k * k);
    for (let j = 0; j < k; j++) this.covariance[j * k + j] = global[2 * j + 1];
    // A saved covariance (over the weights it had) replaces the diagonal it agrees with.
    const n = saved ? saved.global.length / 2 : 0;
    if (saved?.covariance?.length === n * n) {
      const kept = saved.covariance;
      for (let r = 0; r < Math.min(n, k); r++) for (let c = 0; c < Math.min(n, k); c++) this.covariance[r * k + c] = kept[r * n + c];
    }
    this.scratch = new Float64Array(k);
    this.dimension = saved?.dimension ?? null;
    this.pairEffect = new PairMisfit(saved?.misfit);
    this.showings = new PairShowings(this.pairEffect);
    if (saved) for (const [id, belief] of savedBeliefs(saved)) this.items.set(id, belief);
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
    const w = this.shared;
    const S = this.covariance;
    const belief = this.items.get(itemId);
    let mean = w[0] + w[1] * score;
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
    // aᵀSa for a = [1, score, 0, ...]: S[w.length + 1] is the slope's own variance.
    const sharedVariance = S[0] + 2 * score * S[1] + score * score * S[w.length + 1];
    return { mean, itemVariance, variance: sharedVariance + itemVariance };
  }

  /** The offset of slate position `position` (0 = first: none) with its variance, as `observe` applies it. */
  positionOffset(position: number): { mean: number; variance: number } {
    const at = this.offsetIndex(position);
    return at > 0 ? { mean: this.shared[at], variance: this.covariance[at * (this.shared.length + 1)] } : { mean: 0, variance: 0 };
  }

  /** Index in the shared weights of a position's offset (later positions share the last), or -1 for the first slot. */
  private offsetIndex(position: number | undefined): number {
    const slot = Math.min(Math.max(0, Math.floor(position ?? 0)), this.shared.length - 2);
    return slot > 0 ? slot + 1 : -1;
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
    const w = this.shared;
    const S = this.covariance;
    const k = w.length;
    // The shared features: bias, score and (after the first slot, when known) the position's offset.
    const at = this.offsetIndex(o.position);
    const Sa = this.scratch;
    for (let r = 0; r < k; r++) Sa[r] = S[r * k] + score * S[r * k + 1] + (at > 0 ? S[r * k + at] : 0);
    let mean = w[0] + w[1] * score + (at > 0 ? w[at] : 0);
    let variance = this.params.noise ** 2 + Sa[0] + score * Sa[1] + (at > 0 ? Sa[at] : 0);
    for (let j = 0; j < x.length; j++) {
      mean += belief.mean[j] * x[j];
      variance += belief.variance[j] * x[j] * x[j];
    }
    const y = o.reward > 0 ? 1 : -1;
    const sd = Math.sqrt(variance);
    if (o.pair !== undefined) {
      // The prediction as it stood before this outcome, at the slot it was shown in, with the link's slope there.
      if (o.impression !== false) this.showings.shown(o.pair, normalCdf(mean / sd), normalPdf(mean / sd));
      if (o.reward > 0) this.showings.taken(o.pair);
    }
    const { v, w: shrink } = probitCorrections((y * mean) / sd);
    // The probit ADF update, rank one on the shared block (mean along S·a, covariance less S·a·aᵀ·S scaled) and
    // per weight on the item's factorised belief.
    for (let r = 0; r < k; r++) w[r] += ((y * Sa[r]) / sd) * v;
    const scale = shrink / variance;
    for (let r = 0; r < k; r++) for (let c = 0; c < k; c++) S[r * k + c] -= Sa[r] * Sa[c] * scale;
    for (let r = 0; r < k; r++) S[r * k + r] = Math.max(S[r * k + r], 1e-9);
    for (let j = 0; j < x.length; j++) {
      const s2 = belief.variance[j];
      belief.mean[j] += ((y * x[j] * s2) / sd) * v;
      belief.variance[j] = s2 * Math.max(1e-6, 1 - ((x[j] * x[j] * s2) / variance) * shrink);
    }
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
    const k = this.shared.length;
    const global = Array.from({ length: 2 * k }, (_, j) => (j % 2 === 0 ? this.shared[j / 2] : this.covariance[((j - 1) / 2) * (k + 1)]));
    return {
      global,
      covariance: Array.from(this.covariance),
      misfit: this.pairEffect.toJson(),
      dimension: this.dimension,
      packed: this.packed(),
    };
  }

  private packed(): PackedBeliefs {
    const ids: string[] = [];
    const lengths: number[] = [];
    let total = 0;
    for (const [id, b] of this.items) {
      ids.push(id);
      lengths.push(b.mean.length);
      total += 2 * b.mean.length;
    }
    const values = new Float64Array(total);
    let at = 0;
    for (const b of this.items.values()) {
      values.set(b.mean, at);
      values.set(b.variance, at + b.mean.length);
      at += 2 * b.mean.length;
    }
    return { ids, lengths, values: new PackedFloats(values, { handOver: true }) };
  }
}

/** The beliefs of a saved state, in either form. */
export function savedBeliefs(saved: AppealPosteriorJson): Array<[string, Belief]> {
  if ('items' in saved)
    return Object.entries(saved.items).map(([id, values]) => {
      const n = values.length / 2;
      return [id, { mean: Float64Array.from(values.slice(0, n)), variance: Float64Array.from(values.slice(n)) }];
    });
  const { ids, lengths, values } = saved.packed;
  const numbers = typeof values === 'string' ? fromLittleEndian(Buffer.from(values, 'base64'), 'packed beliefs') : values.values;
  const total = lengths.reduce((sum, n) => sum + 2 * n, 0);
  if (ids.length !== lengths.length || numbers.length !== total)
    throw new Error(`packed beliefs: ${ids.length} ids, ${lengths.length} lengths and ${numbers.length} numbers do not agree`);
  const out: Array<[string, Belief]> = [];
  let at = 0;
  for (let i = 0; i < ids.length; i++) {
    const n = lengths[i];
    out.push([ids[i], { mean: numbers.slice(at, at + n), variance: numbers.slice(at + n, at + 2 * n) }]);
    at += 2 * n;
  }
  return out;
}
