import { webcrypto } from 'node:crypto';
import { CurioError } from '../core/errors.js';

/**
 * Differential privacy for published counts: the Laplace mechanism, a noisy top-k over a popularity list,
 * and the budget a release spends. Pure functions; the noise source is a parameter.
 *
 * The guarantee (Dwork et al. 2006): adding Laplace noise of scale b = Δ/ε to every count of a vector whose
 * L1 distance between two datasets differing in one user is at most Δ (the caller's `sensitivity`) makes the
 * released vector ε-differentially private. Anything computed from the noisy counts alone (ranking, clipping
 * at 0, rounding) is post-processing and spends nothing more.
 */

declare const epsilonBrand: unique symbol;
declare const sensitivityBrand: unique symbol;

/** A privacy parameter ε: finite and > 0. Made only by {@link epsilon}. */
export type Epsilon = number & { readonly [epsilonBrand]: true };

/** The most one user can change the released counts in total (L1), ≥ 1. Made only by {@link sensitivity}. */
export type Sensitivity = number & { readonly [sensitivityBrand]: true };

/** How counts are published: exact (no differential privacy, ε = ∞) or with Laplace noise. */
export type CountPrivacy =
  { readonly mode: 'exact' } | { readonly mode: 'laplace'; readonly epsilon: Epsilon; readonly sensitivity: Sensitivity };

/** Uniform numbers in [0, 1); a seeded `Rng` (src/core/random.ts) fits, for reproducible tests. */
export interface NoiseSource {
  next(): number;
}

/** Exact counts: what `countPrivacy(Infinity)` and `countPrivacy('off')` give. */
export const EXACT_COUNTS: CountPrivacy = Object.freeze({ mode: 'exact' });

/** ε checked: refuses 0, negatives, NaN and ∞ (∞ means "no noise": say it with {@link countPrivacy}). */
export function epsilon(value: number): Epsilon {
  if (!Number.isFinite(value) || value <= 0) {
    throw new CurioError('BAD_INPUT', `ε must be a finite number > 0, got ${value}`, {
      problems: [{ path: 'epsilon', message: 'must be a finite number > 0' }],
    });
  }
  return value as Epsilon;
}

/** Sensitivity checked: a finite number ≥ 1 (one user changes a count of users by at least 1). */
export function sensitivity(value: number): Sensitivity {
  if (!Number.isFinite(value) || value < 1) {
    throw new CurioError('BAD_INPUT', `sensitivity must be a finite number ≥ 1, got ${value}`, {
      problems: [{ path: 'sensitivity', message: 'must be a finite number ≥ 1' }],
    });
  }
  return value as Sensitivity;
}

/**
 * The publication setting for counts: `Infinity` or `'off'` publish exact counts; a finite ε > 0 adds
 * Laplace noise of scale `sensitivityValue / ε`. `sensitivityValue` is the L1 bound of one user's
 * contribution to everything released together: 1 for a single count of distinct users, m for a list of
 * distinct-user counts where each user is counted in at most m items.
 */
export function countPrivacy(eps: number | 'off', sensitivityValue = 1): CountPrivacy {
  if (eps === 'off' || eps === Number.POSITIVE_INFINITY) return EXACT_COUNTS;
  return { mode: 'laplace', epsilon: epsilon(eps), sensitivity: sensitivity(sensitivityValue) };
}

/** The Laplace scale b = Δ/ε of a setting (0 when exact). The noise's standard deviation is b·√2. */
export function laplaceScale(privacy: CountPrivacy): number {
  return privacy.mode === 'exact' ? 0 : privacy.sensitivity / privacy.epsilon;
}

/**
 * Uniform numbers from the operating system's CSPRNG, 53 bits each. The default, because noise an observer
 * can predict protects nothing: `Math.random` (xorshift128+) and a seeded generator have states that can be
 * recovered from their outputs or guessed from the seed, and then the noise can be subtracted.
 */
export const cryptoNoiseSource: NoiseSource = {
  next() {
    const words = webcrypto.getRandomValues(new Uint32Array(2));
    // 27 + 26 bits → an integer below 2^53, divided into [0, 1) without rounding.
    return ((words[0] >>> 5) * 67108864 + (words[1] >>> 6)) / 9007199254740992;
  },
};

/** One draw of Laplace(0, b) noise by inverting its CDF. */
export function laplaceNoise(scale: number, source: NoiseSource = cryptoNoiseSource): number {
  if (scale === 0) return 0;
  let u = source.next();
  // u = 0 would give ln(0) = -∞; it has probability 2^-53 with the default source.
  while (u === 0) u = source.next();
  const centred = u - 0.5;
  return -scale * Math.sign(centred) * Math.log(1 - 2 * Math.abs(centred));
}

/**
 * A count as published: the true count plus Laplace noise, rounded to a whole number and clipped at 0
 * (both post-processing). Exact settings return the count unchanged. Counts of disjoint groups (segment
 * sizes, each user in one segment) released together spend ε once with sensitivity 1; counts one user can
 * appear in several of need the sensitivity set to that number.
 */
export function noisyCount(count: number, privacy: CountPrivacy, source: NoiseSource = cryptoNoiseSource): number {
  if (privacy.mode === 'exact') return count;
  return Math.max(0, Math.round(count + laplaceNoise(laplaceScale(privacy), source)));
}

/** One entry of a popularity list: an item and its count (distinct users, say). */
export interface ItemCount<T = string> {
  readonly item: T;
  readonly count: number;
}

/**
 * The k items with the largest noised counts, ranked by them, each with its published (noised, rounded,
 * clipped at 0) count; ties keep the list's order. Every count is noised before ranking, so which items
 * appear is itself private. `counts` must cover a domain that does not depend on the data (the whole
 * catalogue, zero counts included): leaving out items nobody touched would reveal that nobody did.
 * Spends one release of `privacy` (see {@link budgetSpent}); `sensitivity` must bound one user's
 * contribution to all the counts together.
 */
export function noisyTopK<T>(
  counts: readonly ItemCount<T>[],
  k: number,
  privacy: CountPrivacy,
  source: NoiseSource = cryptoNoiseSource,
): ItemCount<T>[] {
  const scale = laplaceScale(privacy);
  // Rank on the unrounded noisy value so rounding does not create ties; publish the rounded one.
  const noised = counts.map((c, index) => ({ item: c.item, index, value: c.count + laplaceNoise(scale, source) }));
  noised.sort((a, b) => b.value - a.value || a.index - b.index);
  return noised.slice(0, Math.max(0, k)).map((c) => ({
    item: c.item,
    count: privacy.mode === 'exact' ? c.value : Math.max(0, Math.round(c.value)),
  }));
}

/** What releases spent, by basic sequential composition (ε adds up; pure ε-DP, δ = 0). */
export interface PrivacyBudget {
  /** Total ε: ∞ when any release is exact. */
  readonly epsilon: number;
  readonly delta: 0;
  readonly releases: number;
  /** The Laplace scale of each release (0 when exact). */
  readonly scale: number;
  /** The statement to show an operator, e.g. "ε = 2 over 2 releases (ε = 1 each, noise scale 10)". */
  readonly statement: string;
}

/**
 * The budget spent by publishing `releases` noisy versions of data about the same users with one setting
 * (each refresh of a popular list is a release). Composition is the plain sum, an upper bound.
 */
export function budgetSpent(privacy: CountPrivacy, releases = 1): PrivacyBudget {
  if (!Number.isInteger(releases) || releases < 1) {
    throw new CurioError('BAD_INPUT', `releases must be a whole number ≥ 1, got ${releases}`, {
      problems: [{ path: 'releases', message: 'must be a whole number ≥ 1' }],
    });
  }
  const each = releases === 1 ? 'release' : 'releases';
  if (privacy.mode === 'exact') {
    return {
      epsilon: Number.POSITIVE_INFINITY,
      delta: 0,
      releases,
      scale: 0,
      statement: `no differential privacy: exact counts over ${releases} ${each}`,
    };
  }
  const total = privacy.epsilon * releases;
  const scale = laplaceScale(privacy);
  return {
    epsilon: total,
    delta: 0,
    releases,
    scale,
    statement: `ε = ${total} over ${releases} ${each} (ε = ${privacy.epsilon} each, sensitivity ${privacy.sensitivity}, noise scale ${scale})`,
  };
}
