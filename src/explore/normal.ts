/**
 * The standard normal density and distribution function, and the two ADF correction factors of a probit
 * observation. Hand-written (a dozen lines) rather than a statistics package: they run once per candidate
 * and per feedback on the serving path, and need only single-precision accuracy.
 */

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** φ(x), the standard normal density. */
export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / SQRT_2PI;
}

/** erfc(x) by the Chebyshev fit of Numerical Recipes (relative error < 1.2e-7 everywhere). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Φ(x), the standard normal distribution function. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** Φ⁻¹(p) by bisection over [-10, 10] (as accurate as Φ, about 1e-7): for priors and offline estimates, not a hot path. */
export function normalQuantile(p: number): number {
  if (!(p > 0)) return -Infinity;
  if (!(p < 1)) return Infinity;
  let lo = -10;
  let hi = 10;
  for (let k = 0; k < 60; k++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * v(t) = φ(t)/Φ(t) and w(t) = v(t)(v(t) + t): how far a probit observation moves a Gaussian belief's mean
 * and shrinks its variance (assumed density filtering). Far in the left tail Φ underflows, so the
 * asymptote v(t) ≈ −t is used there.
 */
export function probitCorrections(t: number): { v: number; w: number } {
  const v = t < -30 ? -t : normalPdf(t) / Math.max(normalCdf(t), 1e-300);
  return { v, w: Math.min(1, Math.max(0, v * (v + t))) };
}
