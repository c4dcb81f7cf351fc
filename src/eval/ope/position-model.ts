/**
 * Position-based click model (PBM; Richardson et al. 2007, Chuklin et al. 2015 §3.2) for slate logs:
 * CTR(item, slot) = θ_slot · α_item, with θ the click rate of an average item in a slot and α an item's
 * attraction relative to the average item. Clicks are rare (< 1%), so the Bernoulli likelihood is taken
 * in its Poisson form, c ~ Poisson(n·θ·α), which makes the Gamma prior on α conjugate.
 */

/** Impressions and clicks per (slot, item): impressions[slot][item], clicks[slot][item]. */
export interface SlotItemCounts {
  impressions: number[][];
  clicks: number[][];
}

/** One logged (slot, item) impression with its click. */
export interface SlotImpression {
  position: number;
  itemId: number;
  click: number;
}

/**
 * Prior on the attractions: α ~ Gamma(shape, rate = shape) (mean 1). `fixed` uses the given shape;
 * `empirical-bayes` picks the shape that maximises the marginal (negative binomial) likelihood of the
 * per-item click counts (type-II maximum likelihood), so the data decide how far items are shrunk.
 */
export type AttractionPrior = { kind: 'fixed'; shape: number } | { kind: 'empirical-bayes'; shapeGrid?: number[] };

export interface PositionModelOptions {
  prior: AttractionPrior;
  /** At most this many alternating updates of α and θ (and the shape); stops earlier once θ settles. */
  iterations?: number;
}

export interface PositionModel {
  /** θ per slot. */
  slotRate: number[];
  /** α per item (prior mean 1). */
  attraction: number[];
  /** Gamma shape used in the last update; Infinity = every item equally attractive. */
  priorShape: number;
  /** θ_slot · α_item, capped at 1. */
  ctr(itemId: number, slot: number): number;
}

/** Infinity first: on a tie (e.g. no clicks at all) the simplest model wins. */
export const EB_SHAPE_GRID = [Infinity, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1, 0.5, 0.2, 0.1, 0.05];

/** Counts of impressions and clicks per (slot, item); `weights[i]` multiplies row i (bootstrap counts). */
export function countSlotItems(
  rows: readonly SlotImpression[],
  shape: { slateSize: number; itemCount: number },
  weights?: number[],
): SlotItemCounts {
  const zeros = (): number[][] => Array.from({ length: shape.slateSize }, () => new Array<number>(shape.itemCount).fill(0));
  const counts = { impressions: zeros(), clicks: zeros() };
  rows.forEach((r, i) => {
    const w = weights ? weights[i] : 1;
    counts.impressions[r.position][r.itemId] += w;
    counts.clicks[r.position][r.itemId] += w * r.click;
  });
  return counts;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const z = x - 1;
  let sum = c[0];
  for (let i = 1; i < 9; i++) sum += c[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** ln Γ(k + c) − ln Γ(k); a sum of logs for the small whole counts clicks are. */
function logRising(k: number, c: number): number {
  if (!Number.isInteger(c) || c > 64) return logGamma(k + c) - logGamma(k);
  let s = 0;
  for (let j = 0; j < c; j++) s += Math.log(k + j);
  return s;
}

/** The part of the negative binomial log-likelihood that depends on the shape k. */
function shapeLogLikelihood(c: number, e: number, k: number): number {
  if (e <= 0) return c > 0 ? -Infinity : 0;
  if (k === Infinity) return c * Math.log(e) - e;
  return logRising(k, c) + k * Math.log(k / (k + e)) + c * Math.log(e / (k + e));
}

/**
 * ln P(c | expected e, shape k) when c ~ Poisson(e·α), α ~ Gamma(k, k): the negative binomial with mean e;
 * k = Infinity is the Poisson itself.
 */
export function negativeBinomialLogLikelihood(c: number, e: number, k: number): number {
  return shapeLogLikelihood(c, e, k) - (e <= 0 ? 0 : logGamma(c + 1));
}

/** The grid shape with the largest marginal likelihood of the item click counts. */
function bestShape(clicks: number[], expected: number[], grid: number[]): number {
  let best = grid[0];
  let bestLl = -Infinity;
  for (const k of grid) {
    const ll = clicks.reduce((s, c, a) => s + shapeLogLikelihood(c, expected[a], k), 0);
    if (ll > bestLl) [best, bestLl] = [k, ll];
  }
  return best;
}

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

/**
 * Fits θ and α by alternating closed-form updates: α_a = posterior mean (k + c_a) / (k + Σ_p n_pa θ_p)
 * given θ, then θ_p = c_p / Σ_a n_pa α_a (maximum likelihood) given α.
 */
export function fitPositionModel(counts: SlotItemCounts, options: PositionModelOptions): PositionModel {
  const { impressions, clicks } = counts;
  const slots = impressions.length;
  const items = impressions[0]?.length ?? 0;
  const itemClicks = Array.from({ length: items }, (_, a) => sum(clicks.map((s) => s[a])));
  const slotClicks = clicks.map(sum);
  const attraction = new Array<number>(items).fill(1);
  const slotRate = impressions.map((s, p) => (sum(s) > 0 ? slotClicks[p] / sum(s) : 0));
  let shape = options.prior.kind === 'fixed' ? options.prior.shape : Infinity;
  for (let it = 0; it < (options.iterations ?? 100); it++) {
    const expected = Array.from({ length: items }, (_, a) => impressions.reduce((s, slot, p) => s + slot[a] * slotRate[p], 0));
    if (options.prior.kind === 'empirical-bayes') shape = bestShape(itemClicks, expected, options.prior.shapeGrid ?? EB_SHAPE_GRID);
    for (let a = 0; a < items; a++) attraction[a] = shape === Infinity ? 1 : (shape + itemClicks[a]) / (shape + expected[a]);
    let change = 0;
    for (let p = 0; p < slots; p++) {
      const exposure = impressions[p].reduce((s, n, a) => s + n * attraction[a], 0);
      const next = exposure > 0 ? slotClicks[p] / exposure : 0;
      change = Math.max(change, Math.abs(next - slotRate[p]) / Math.max(next, 1e-12));
      slotRate[p] = next;
    }
    if (change < 1e-10) break; // θ settled (α is a function of θ)
  }
  return {
    slotRate,
    attraction,
    priorShape: shape,
    ctr: (itemId, slot) => Math.min(1, (slotRate[slot] ?? 0) * (attraction[itemId] ?? 1)),
  };
}
