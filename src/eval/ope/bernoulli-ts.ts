import { type Rng, shuffle } from '../../core/index.js';
import { sampleBeta } from '../../explore/index.js';

/** Beta parameters of a context-free Bernoulli Thompson sampling policy, one pair per item. */
export interface BetaArms {
  alpha: number[];
  beta: number[];
}

/**
 * How slate positions are filled: 'ranked' puts the p-th largest draw in slot p (as OBP simulates
 * BernoulliTS); 'shuffled' shows the top-k draws in a uniformly random order.
 */
export type PositionMode = 'ranked' | 'shuffled';

export interface TsSimulationOptions {
  slateSize: number;
  draws: number;
  positionMode: PositionMode;
  rng: Rng;
}

/** Indices of the k largest values, largest first. */
function topIndices(values: Float64Array, k: number): number[] {
  const top: number[] = [];
  for (let i = 0; i < values.length; i++) {
    let at = top.length;
    while (at > 0 && values[top[at - 1]] < values[i]) at--;
    if (at < k) {
      top.splice(at, 0, i);
      if (top.length > k) top.pop();
    }
  }
  return top;
}

/**
 * The action distribution of Bernoulli TS by simulation (the idea of OBP's compute_batch_action_dist):
 * draw θ ~ Beta(α, β) per item `draws` times and count where each item lands. Returns dist[position][item].
 */
export function simulateBernoulliTs(arms: BetaArms, options: TsSimulationOptions): number[][] {
  const n = arms.alpha.length;
  const dist = Array.from({ length: options.slateSize }, () => new Array<number>(n).fill(0));
  const theta = new Float64Array(n);
  for (let d = 0; d < options.draws; d++) {
    for (let i = 0; i < n; i++) theta[i] = sampleBeta(arms.alpha[i], arms.beta[i], options.rng);
    const slate = topIndices(theta, options.slateSize);
    if (options.positionMode === 'shuffled') shuffle(slate, options.rng);
    slate.forEach((item, p) => (dist[p][item] += 1 / options.draws));
  }
  return dist;
}

/** Posterior Beta(prior + clicks, prior + non-clicks) per item from logged impressions. */
export function betaArmsFromCounts(clicks: number[], impressions: number[], prior = 1): BetaArms {
  return {
    alpha: clicks.map((c) => prior + c),
    beta: clicks.map((c, i) => prior + impressions[i] - c),
  };
}

export interface FitArmsOptions {
  /** Target share of slot-impressions per item (sums to 1). */
  targetShare: number[];
  slateSize: number;
  /** α + β of every arm: how sure the simulated policy is; larger = less random. */
  concentration: number;
  iterations: number;
  drawsPerIteration: number;
  rng: Rng;
}

/**
 * Fits arm means so that simulated TS shows each item as often as the logs did: a fixed-point iteration
 * on the log-odds of each mean, stepping by log(target share / simulated share).
 */
export function fitBetaArms(options: FitArmsOptions): BetaArms {
  const n = options.targetShare.length;
  const logit = new Array<number>(n).fill(0);
  const floor = 0.1 / (options.drawsPerIteration * options.slateSize);
  const armsOf = (): BetaArms => {
    const mean = logit.map((z) => 1 / (1 + Math.exp(-z)));
    return { alpha: mean.map((m) => m * options.concentration), beta: mean.map((m) => (1 - m) * options.concentration) };
  };
  for (let it = 0; it < options.iterations; it++) {
    const dist = simulateBernoulliTs(armsOf(), {
      slateSize: options.slateSize,
      draws: options.drawsPerIteration,
      positionMode: 'shuffled',
      rng: options.rng,
    });
    const step = 1.5 / Math.sqrt(options.concentration) + 0.05;
    for (let i = 0; i < n; i++) {
      const share = dist.reduce((s, slot) => s + slot[i], 0) / options.slateSize;
      logit[i] += step * Math.log(Math.max(options.targetShare[i], floor) / Math.max(share, floor));
    }
  }
  return armsOf();
}
