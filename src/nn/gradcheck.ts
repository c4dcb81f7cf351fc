/**
 * Finite-difference gradient checking, used by the tests: compares backward() against central
 * differences of sum(f(inputs) * R) for a fixed random R.
 */
import { createRng } from '../core/index.js';
import { backward, noGrad } from './autograd.js';
import { mul } from './ops-elementwise.js';
import { sum } from './ops-reduce.js';
import { Tensor } from './tensor.js';

export interface GradCheckResult {
  /** Largest |analytic - numeric| / (atol + rtol * |numeric|); <= 1 passes. */
  worst: number;
  where: string;
}

export interface GradCheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Check at most this many coordinates per input (spread evenly). */
  maxCoords?: number;
}

/** Check d sum(f(xs) * R) / d xs for every input that requires grad. */
export function gradCheck(f: (xs: Tensor[]) => Tensor, xs: Tensor[], opts: GradCheckOptions = {}): GradCheckResult {
  const { eps = 1e-2, atol = 2e-3, rtol = 2e-2, maxCoords = 40 } = opts;
  const probe = noGrad(() => f(xs));
  const rng = createRng(99);
  const r = new Tensor(
    Float32Array.from({ length: probe.size }, () => rng.normal()),
    probe.shape,
  );
  const objective = () => sum(mul(f(xs), r));
  for (const x of xs) x.grad = null;
  backward(objective());
  let worst = 0;
  let where = '';
  xs.forEach((x, xi) => {
    if (!x.requiresGrad) return;
    const analytic = x.grad ?? new Float32Array(x.size);
    const step = Math.max(1, Math.floor(x.size / maxCoords));
    for (let i = 0; i < x.size; i += step) {
      const keep = x.data[i];
      x.data[i] = keep + eps;
      const up = noGrad(() => objective().item());
      x.data[i] = keep - eps;
      const down = noGrad(() => objective().item());
      x.data[i] = keep;
      const numeric = (up - down) / (2 * eps);
      const err = Math.abs(analytic[i] - numeric) / (atol + rtol * Math.abs(numeric));
      if (err > worst) {
        worst = err;
        where = `input ${xi}[${i}]: analytic ${analytic[i]}, numeric ${numeric}`;
      }
    }
  });
  return { worst, where };
}
