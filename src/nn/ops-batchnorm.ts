/**
 * Batch normalisation over the last dim (the channels of NHWC pictures, the features of [n, d]): every
 * other dim is a sample of each channel's statistics. Training uses the batch's mean and (biased)
 * variance and folds them into running averages; evaluation uses the running averages (as torch).
 */
import { CurioError } from '../core/index.js';
import { accumulate, gradBuffer, record } from './autograd.js';
import { kernels } from './backend.js';
import { alloc } from './memory.js';
import { Tensor } from './tensor.js';

/** Per-channel running averages, updated in place by training-mode calls. */
export interface BatchNormStats {
  readonly mean: Float32Array;
  /** Running unbiased variance (torch's `running_var`). */
  readonly variance: Float32Array;
}

export interface BatchNormOptions {
  /** Use the batch's statistics and update `stats` (training), or use `stats` (evaluation). */
  training: boolean;
  /** Weight of the new batch in the running averages (default 0.1, as torch). */
  momentum?: number;
  eps?: number;
}

/** (x - mean) / sqrt(var + eps) * gamma + beta per channel (last dim). */
export function batchNorm(x: Tensor, gamma: Tensor, beta: Tensor, stats: BatchNormStats, opts: BatchNormOptions): Tensor {
  const c = x.lastDim;
  if (gamma.size !== c || beta.size !== c || stats.mean.length !== c || stats.variance.length !== c) {
    throw new CurioError(
      'BAD_INPUT',
      `batchNorm: x [${x.shape}], gamma [${gamma.shape}], beta [${beta.shape}], stats ${stats.mean.length}`,
    );
  }
  const rows = x.size / c;
  const eps = opts.eps ?? 1e-5;
  const mean = new Float32Array(c);
  const rstd = new Float32Array(c);
  if (opts.training) {
    if (rows < 2) throw new CurioError('BAD_INPUT', 'batchNorm in training needs at least 2 values per channel');
    kernels().channelStats(x.data, mean, rstd, c, eps);
    const m = opts.momentum ?? 0.1;
    for (let j = 0; j < c; j++) {
      const biased = 1 / (rstd[j] * rstd[j]) - eps;
      stats.mean[j] = (1 - m) * stats.mean[j] + m * mean[j];
      stats.variance[j] = (1 - m) * stats.variance[j] + (m * biased * rows) / (rows - 1);
    }
  } else {
    for (let j = 0; j < c; j++) {
      mean[j] = stats.mean[j];
      rstd[j] = 1 / Math.sqrt(stats.variance[j] + eps);
    }
  }
  // y = x * a + b per channel.
  const a = new Float32Array(c);
  const b = new Float32Array(c);
  for (let j = 0; j < c; j++) {
    a[j] = gamma.data[j] * rstd[j];
    b[j] = beta.data[j] - mean[j] * a[j];
  }
  const out = new Tensor(alloc(x.size, false), x.shape);
  kernels().channelAffine(x.data, a, b, out.data);
  return record(out, [x, gamma, beta], (g) => {
    // dgamma = Σ g·x̂, dbeta = Σ g; in training x̂ depends on the batch through mean and rstd too.
    const sumG = new Float32Array(c);
    const sumGX = new Float32Array(c);
    kernels().channelGradSums(g, x.data, mean, sumG, sumGX);
    if (gamma.requiresGrad) {
      const dg = gradBuffer(gamma);
      for (let j = 0; j < c; j++) dg[j] += sumGX[j] * rstd[j];
    }
    if (beta.requiresGrad) {
      const db = gradBuffer(beta);
      for (let j = 0; j < c; j++) db[j] += sumG[j];
    }
    if (!x.requiresGrad) return;
    // dx = a · (g − k1 − (x − mean) · k2): with batch statistics k1 = mean(g), k2 = mean(g·x̂)·rstd;
    // with running statistics (constants) both are 0.
    const k1 = new Float32Array(c);
    const k2 = new Float32Array(c);
    if (opts.training) {
      for (let j = 0; j < c; j++) {
        k1[j] = sumG[j] / rows;
        k2[j] = (sumGX[j] * rstd[j] * rstd[j]) / rows;
      }
    }
    const dx = alloc(x.size, false);
    kernels().channelGradInput(g, x.data, mean, a, k1, k2, dx);
    accumulate(x, dx, true);
  });
}
