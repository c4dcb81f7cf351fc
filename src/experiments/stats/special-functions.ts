/**
 * The special functions behind the distributions in `distributions.ts`: log-gamma and the regularized
 * incomplete gamma and beta functions. They are small and standard (Lanczos; series and Lentz continued fractions as in Numerical
 * Recipes §6.1, §6.2 and §6.4), so they are written here rather than pulled in as a dependency.
 */
import { CurioError } from '../../core/index.js';

const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const EPSILON = 1e-15;
// Smallest positive double divided by the precision: keeps Lentz's denominators away from zero.
const TINY = Number.MIN_VALUE / Number.EPSILON;
const MAX_ITERATIONS = 100_000;

/** Non-convergence means an argument far outside what the callers pass: a bug, not bad input. */
function notConverged(what: string): CurioError {
  return new CurioError('INTERNAL', `${what} did not converge`);
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7; the reflection formula below ½). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let k = 1; k < LANCZOS.length; k++) sum += LANCZOS[k] / (z + k);
  const t = z + LANCZOS_G + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Series for P(a, x), which converges fast for x < a + 1. */
function lowerGammaSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let k = 1; k < MAX_ITERATIONS; k++) {
    term *= x / (a + k);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPSILON) return sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
  }
  throw notConverged(`lowerGammaSeries(${a}, ${x})`);
}

/** Continued fraction for Q(a, x) (modified Lentz), which converges fast for x ≥ a + 1. */
function upperGammaFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let k = 1; k < MAX_ITERATIONS; k++) {
    const an = -k * (k - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
  }
  throw notConverged(`upperGammaFraction(${a}, ${x})`);
}

/** Q(a, x) = Γ(a, x) / Γ(a), the regularized upper incomplete gamma function (a > 0, x ≥ 0). */
export function regularizedUpperGamma(a: number, x: number): number {
  if (x <= 0) return 1;
  // Each branch computes the small side directly, so tail probabilities keep their relative precision.
  return x < a + 1 ? 1 - lowerGammaSeries(a, x) : upperGammaFraction(a, x);
}

/** Continued fraction for I_x(a, b) (modified Lentz), which converges fast for x < (a + 1) / (a + b + 2). */
function betaFraction(a: number, b: number, x: number): number {
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    const even = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + even * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + even / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    const odd = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + odd * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + odd / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) return h;
  }
  throw notConverged(`betaFraction(${a}, ${b}, ${x})`);
}

/** I_x(a, b), the regularized incomplete beta function (a, b > 0, 0 ≤ x ≤ 1). */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const logFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaFraction(a, b, x)) / a;
  return 1 - (Math.exp(logFront) * betaFraction(b, a, 1 - x)) / b;
}
