/** Layer normalisation (kernel-backed) and L2 normalisation over the last dim. */
import { alloc } from './memory.js';
import { CurioError } from '../core/index.js';
import { accumulate, gradBuffer, record } from './autograd.js';
import { kernels } from './backend.js';
import { Tensor } from './tensor.js';

/** (x - mean) / sqrt(var + eps) * gamma + beta over the last dim (biased variance, as torch). */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-5): Tensor {
  const dim = x.lastDim;
  if (gamma.size !== dim || beta.size !== dim) {
    throw new CurioError('BAD_INPUT', `layerNorm: x [${x.shape}], gamma [${gamma.shape}], beta [${beta.shape}]`);
  }
  const rows = x.size / dim;
  const out = new Tensor(alloc(x.size, false), x.shape);
  const mean = alloc(rows, false);
  const rstd = alloc(rows, false);
  kernels().layerNormForward({ x: x.data, gamma: gamma.data, beta: beta.data, y: out.data, mean, rstd, rows, dim, eps });
  return record(out, [x, gamma, beta], (g) => {
    const dx = alloc(x.size, false);
    const dgamma = gamma.requiresGrad ? gradBuffer(gamma) : new Float32Array(dim);
    const dbeta = beta.requiresGrad ? gradBuffer(beta) : new Float32Array(dim);
    kernels().layerNormBackward({ dy: g, x: x.data, gamma: gamma.data, mean, rstd, dx, dgamma, dbeta, rows, dim });
    accumulate(x, dx, true);
  });
}

/** x / max(||x||, eps) along the last dim. */
export function l2Normalize(x: Tensor, eps = 1e-12): Tensor {
  const dim = x.lastDim;
  const rows = x.size / dim;
  const out = new Tensor(alloc(x.size, false), x.shape);
  const norms = alloc(rows, false);
  const xs = x.data;
  const y = out.data;
  for (let r = 0; r < rows; r++) {
    const o = r * dim;
    let s = 0;
    for (let j = 0; j < dim; j++) s += xs[o + j] * xs[o + j];
    const n = Math.max(Math.sqrt(s), eps);
    norms[r] = n;
    for (let j = 0; j < dim; j++) y[o + j] = xs[o + j] / n;
  }
  return record(out, [x], (g) => {
    const dx = alloc(x.size, false);
    for (let r = 0; r < rows; r++) {
      const o = r * dim;
      const n = norms[r];
      // Below eps the norm is a constant, so the map is linear: dx = g / eps.
      const clamped = n === eps;
      let dot = 0;
      if (!clamped) for (let j = 0; j < dim; j++) dot += y[o + j] * g[o + j];
      for (let j = 0; j < dim; j++) dx[o + j] = (g[o + j] - y[o + j] * dot) / n;
    }
    accumulate(x, dx, true);
  });
}
