/**
 * The distributions behind the intervals and tests: standard normal, Student's t and chi-square, built on the special functions
 * so that tail probabilities keep their relative precision.
 */
import { logGamma, regularizedBeta, regularizedUpperGamma } from './special-functions.js';

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** Φ(x), the standard normal CDF; Φ(x) = ½·Q(½, x²/2) below zero, since erfc(z) = Q(½, z²). */
export function normalCdf(x: number): number {
  const tail = 0.5 * regularizedUpperGamma(0.5, (x * x) / 2);
  return x < 0 ? tail : 1 - tail;
}

/** P(Z > x) for a standard normal Z, precise far into the upper tail. */
export function normalSurvival(x: number): number {
  return normalCdf(-x);
}

/** The standard normal density φ(x). */
export function normalDensity(x: number): number {
  return Math.exp(-0.5 * x * x) / SQRT_2PI;
}

/**
 * Φ⁻¹(p) for 0 < p < 1: Abramowitz & Stegun 26.2.23 as the start, then Halley steps on Φ(x) − p, which
 * converge cubically, so a few reach double precision.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return Number.NEGATIVE_INFINITY;
    if (p === 1) return Number.POSITIVE_INFINITY;
    return Number.NaN;
  }
  if (p === 0.5) return 0;
  if (p > 0.5) return -normalQuantile(1 - p);
  const t = Math.sqrt(-2 * Math.log(p));
  let x = -(t - (2.515517 + t * (0.802853 + t * 0.010328)) / (1 + t * (1.432788 + t * (0.189269 + t * 0.001308))));
  for (let step = 0; step < 8; step++) {
    const u = (normalCdf(x) - p) / normalDensity(x);
    const next = x - u / (1 + (x * u) / 2);
    if (Math.abs(next - x) <= 1e-15 * Math.max(1, Math.abs(x))) return next;
    x = next;
  }
  return x;
}

/** P(T > t) for t ≥ 0 and Student's T with `df` degrees of freedom (df may be fractional, as Welch's is). */
function studentTUpperTail(t: number, df: number): number {
  return 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
}

/** The CDF of Student's t with `df` > 0 degrees of freedom; an infinite df is the normal. */
export function studentTCdf(t: number, df: number): number {
  if (!Number.isFinite(df)) return normalCdf(t);
  const tail = studentTUpperTail(Math.abs(t), df);
  return t < 0 ? tail : 1 - tail;
}

function studentTDensity(t: number, df: number): number {
  const logNorm = logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * Math.log(df * Math.PI);
  return Math.exp(logNorm - ((df + 1) / 2) * Math.log1p((t * t) / df));
}

/**
 * The p-quantile of Student's t with `df` degrees of freedom: Newton steps on the upper tail inside a bracket
 * that bisection shrinks whenever a step would leave it (heavy tails at small df make plain Newton overshoot).
 */
export function studentTQuantile(p: number, df: number): number {
  if (!Number.isFinite(df)) return normalQuantile(p);
  if (!(p > 0 && p < 1)) return normalQuantile(p);
  if (p === 0.5) return 0;
  const tail = Math.min(p, 1 - p);
  let lo = 0;
  let hi = Math.max(1, -normalQuantile(tail));
  while (studentTUpperTail(hi, df) > tail) {
    lo = hi;
    hi *= 2;
  }
  let t = (lo + hi) / 2;
  for (let step = 0; step < 200; step++) {
    const excess = studentTUpperTail(t, df) - tail;
    if (excess > 0) lo = t;
    else hi = t;
    let next = t + excess / studentTDensity(t, df);
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - t) <= 1e-14 * t) {
      t = next;
      break;
    }
    t = next;
  }
  return p < 0.5 ? -t : t;
}

/** P(X > x) for X chi-square with `df` degrees of freedom: Q(df/2, x/2). */
export function chiSquareSurvival(x: number, df: number): number {
  return regularizedUpperGamma(df / 2, x / 2);
}
