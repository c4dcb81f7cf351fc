import { CurioError, type Rng } from '../../core/index.js';
import { bootstrapCounts } from './bootstrap.js';
import { DROS_LAMBDA_GRID, drosShape, ESTIMATORS, SWITCH_TAU_GRID, switchShape, tuneShape } from './estimators.js';
import { modelInfluence, type RewardModelTrace, type RewardModelUse } from './reward-model-variance.js';
import type { OpeRound } from './types.js';

/** Two-sided 95% normal quantile. */
export const Z95 = 1.959963984540054;

/**
 * An estimate written as mean(a) + mean(b) / mean(w) over the rounds: IPS, DR and switch-DR are plain means
 * (a = 0 or q̂ under π_e, w ≡ 1), SNIPS and SNDR divide their weighted part by the mean importance weight.
 */
export interface LinearForm {
  a: Float64Array;
  b: Float64Array;
  /** null: w ≡ 1. */
  w: Float64Array | null;
  /** How a and b read the reward model q̂ (null: they do not). */
  model: RewardModelUse | null;
}

/** An estimate with its 95% interval and standard error (a bootstrap interval's: the sd of the resampled estimates). */
export interface IntervalEstimate {
  estimate: number;
  lower: number;
  upper: number;
  stdError: number;
}

/** What the variance treats as independent: each round alone, or the groups given per round (slates, users). */
export type ClusterIds = readonly number[] | null;

const weight = (r: OpeRound): number => r.evalProbability / r.behaviorPropensity;
const zeros = (n: number): Float64Array => new Float64Array(n);

/** DR-type form: a = q̂ under π_e, b = shape(w)·(r − q̂); `normalised` divides b by the mean weight (SNDR). */
function drForm(rounds: OpeRound[], shape: (w: number) => number, normalised = false): LinearForm {
  const c = Float64Array.from(rounds, (r) => shape(weight(r)));
  return {
    a: Float64Array.from(rounds, (r) => r.predictedUnderEval),
    b: Float64Array.from(rounds, (r, i) => c[i] * (r.reward - r.predictedLogged)),
    w: normalised ? Float64Array.from(rounds, weight) : null,
    model: { eval: true, logged: c },
  };
}

/** Each estimator of ESTIMATORS as a linear form on the rounds, hyper-parameters tuned on them as it tunes them. */
const FORMS: Readonly<Record<string, (rounds: OpeRound[]) => LinearForm>> = {
  dm: (rs) => ({
    a: Float64Array.from(rs, (r) => r.predictedUnderEval),
    b: zeros(rs.length),
    w: null,
    model: { eval: true, logged: null },
  }),
  ips: (rs) => ({ a: zeros(rs.length), b: Float64Array.from(rs, (r) => weight(r) * r.reward), w: null, model: null }),
  snips: (rs) => ({
    a: zeros(rs.length),
    b: Float64Array.from(rs, (r) => weight(r) * r.reward),
    w: Float64Array.from(rs, weight),
    model: null,
  }),
  dr: (rs) => drForm(rs, (w) => w),
  sndr: (rs) => drForm(rs, (w) => w, true),
  'switch-dr': (rs) => drForm(rs, switchShape(tuneShape(rs, SWITCH_TAU_GRID, switchShape).parameter)),
  dros: (rs) => drForm(rs, drosShape(tuneShape(rs, DROS_LAMBDA_GRID, drosShape).parameter)),
};

/** Switch-DR at a fixed threshold τ, named `switch-dr@τ` (SLOPE's candidates). */
export const switchAt = (tau: number): string => `switch-dr@${tau}`;

/** The linear form of an estimator by name: a key of ESTIMATORS, or `switch-dr@τ`. */
export function linearForm(name: string, rounds: OpeRound[]): LinearForm {
  const form = FORMS[name];
  if (form) return form(rounds);
  const tau = name.startsWith('switch-dr@') ? Number(name.slice('switch-dr@'.length)) : NaN;
  if (!(tau > 0)) throw new CurioError('BAD_INPUT', `no estimator ${name}`);
  return drForm(rounds, switchShape(tau));
}

function weightedMean(values: Float64Array | null, m: readonly number[] | undefined, n: number): number {
  if (!values) return 1;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += m ? m[i] * values[i] : values[i];
  return s / n;
}

/** mean(a) + mean(b) / mean(w), each round repeated m[i] times. */
export function formValue(form: LinearForm, m?: readonly number[]): number {
  const n = m ? m.reduce((s, x) => s + x, 0) : form.a.length;
  if (n === 0) return NaN;
  return weightedMean(form.a, m, n) + weightedMean(form.b, m, n) / weightedMean(form.w, m, n);
}

/**
 * Each round's influence on the estimate: ψᵢ = (aᵢ − ā) + (bᵢ − θ_b·wᵢ) / w̄ with θ_b = b̄ / w̄ (the delta method
 * for the ratio), plus, given the reward model's trace, the round's pull on the estimate through the fitted
 * q̂ (`modelInfluence`). Without a trace q̂ is taken as fixed, which a DM-type interval cannot afford.
 */
export function influence(form: LinearForm, trace?: RewardModelTrace, rounds?: OpeRound[]): Float64Array {
  const n = form.a.length;
  const meanA = weightedMean(form.a, undefined, n);
  const meanW = weightedMean(form.w, undefined, n);
  const thetaB = weightedMean(form.b, undefined, n) / meanW;
  const psi = form.a.map((a, i) => a - meanA + (form.b[i] - thetaB * (form.w ? form.w[i] : 1)) / meanW);
  if (trace && rounds && form.model) {
    const fromModel = modelInfluence(trace, rounds, form.model, meanW);
    for (let i = 0; i < n; i++) psi[i] += fromModel[i];
  }
  return psi;
}

/**
 * The estimate with a normal 95% interval from the sandwich variance: the influences summed within each
 * cluster, Var = G/(G−1) · Σ_g (Σ_{i∈g} ψᵢ)² / n² over G clusters. Rounds of one slate (or one user) share
 * the user's taste, so their terms are correlated; treating them as independent understates the variance.
 * With one round per cluster this is the sample variance of the terms / n.
 */
export function normalInterval(
  form: LinearForm,
  clusters: ClusterIds = null,
  model?: { trace: RewardModelTrace; rounds: OpeRound[] },
): IntervalEstimate {
  const n = form.a.length;
  const estimate = formValue(form);
  const psi = influence(form, model?.trace, model?.rounds);
  const sums = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const g = clusters ? clusters[i] : i;
    sums.set(g, (sums.get(g) ?? 0) + psi[i]);
  }
  const groups = sums.size;
  let sumSq = 0;
  for (const s of sums.values()) sumSq += s * s;
  const stdError = groups > 1 ? Math.sqrt((groups / (groups - 1)) * sumSq) / n : NaN;
  return { estimate, lower: estimate - Z95 * stdError, upper: estimate + Z95 * stdError, stdError };
}

export interface BootstrapIntervalOptions {
  resamples: number;
  rng: Rng;
}

/**
 * Percentile 95% interval from resampling whole clusters (rounds alone when `clusters` is null) with
 * replacement; `estimate(m)` recomputes the estimator with round i counted m[i] times, re-tuning what it tunes.
 * The reward model is not refitted per resample. Use where the normal interval is poor: few rewards, heavy weights.
 */
export function bootstrapInterval(
  rounds: number,
  clusters: ClusterIds,
  estimate: (m?: readonly number[]) => number,
  options: BootstrapIntervalOptions,
): IntervalEstimate {
  const ids = clusters ?? Array.from({ length: rounds }, (_, i) => i);
  const index = new Map<number, number>();
  const slot = ids.map((g) => index.get(g) ?? index.set(g, index.size).get(g)!);
  const values: number[] = [];
  for (let b = 0; b < options.resamples; b++) {
    const counts = bootstrapCounts(index.size, options.rng);
    const value = estimate(slot.map((k) => counts[k]));
    if (Number.isFinite(value)) values.push(value);
  }
  values.sort((x, y) => x - y);
  const q = (f: number): number => (values.length ? values[Math.min(values.length - 1, Math.floor(f * values.length))] : NaN);
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, values.length - 1));
  return { estimate: estimate(), lower: q(0.025), upper: q(0.975), stdError: sd };
}

export interface IntervalOptions {
  method: 'normal' | 'bootstrap';
  clusters: ClusterIds;
  /** The reward model behind the rounds' predictions; without it DM-type intervals ignore its fitting noise. */
  trace?: RewardModelTrace;
  /** For 'bootstrap'. */
  resamples?: number;
  rng?: Rng;
}

/**
 * One estimator's estimate and 95% interval by name (a key of ESTIMATORS, or `switch-dr@τ`). The bootstrap
 * does not refit the reward model; with a trace, each resample moves the estimate by the model's linearised
 * refit instead, Σᵢ (mᵢ − 1)·(model influence)ᵢ / n.
 */
export function estimateWithInterval(name: string, rounds: OpeRound[], options: IntervalOptions): IntervalEstimate {
  const form = linearForm(name, rounds);
  const model = options.trace ? { trace: options.trace, rounds } : undefined;
  if (options.method === 'normal') return normalInterval(form, options.clusters, model);
  if (!options.rng) throw new CurioError('INTERNAL', 'a bootstrap interval needs an rng');
  const estimator = ESTIMATORS[name];
  const n = rounds.length;
  const refit =
    options.trace && form.model ? modelInfluence(options.trace, rounds, form.model, form.w ? weightedMean(form.w, undefined, n) : 1) : null;
  const estimate = (m?: readonly number[]) => {
    const value = estimator ? estimator.estimate(rounds, m) : formValue(form, m);
    if (!m || !refit) return value;
    let shift = 0;
    for (let i = 0; i < n; i++) shift += (m[i] - 1) * refit[i];
    return value + shift / n;
  };
  return bootstrapInterval(n, options.clusters, estimate, { resamples: options.resamples ?? 200, rng: options.rng });
}
