/** Layers for pictures (NHWC): Conv2d and BatchNorm. */
import type { Rng } from '../core/index.js';
import { constantInit, uniformInit } from './init.js';
import { Module } from './module.js';
import { batchNorm } from './ops-batchnorm.js';
import { conv2d } from './ops-conv.js';
import { Tensor } from './tensor.js';

export interface Conv2dLayerOptions {
  rng: Rng;
  /** Side of the square kernel (default 3). */
  kernel?: number;
  stride?: number;
  /** Default `(kernel - 1) / 2` (same size at stride 1). */
  padding?: number;
  /** Include a bias (default true; a convolution followed by batch norm does not need one). */
  bias?: boolean;
}

/**
 * Convolution with weights [cOut, k, k, cIn], initialised as torch.nn.Conv2d (Kaiming uniform with
 * a = sqrt(5): U(±1/sqrt(fanIn)), fanIn = k·k·cIn).
 */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly stride: number;
  readonly padding: number;

  constructor(inChannels: number, outChannels: number, opts: Conv2dLayerOptions) {
    super();
    const k = opts.kernel ?? 3;
    const bound = 1 / Math.sqrt(k * k * inChannels);
    this.weight = uniformInit([outChannels, k, k, inChannels], bound, opts.rng);
    this.bias = opts.bias === false ? null : uniformInit([outChannels], bound, opts.rng);
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding ?? (k - 1) >> 1;
  }

  /** x [n, h, w, cIn] → [n, outH, outW, cOut]. */
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding });
  }
}

/** Batch normalisation of the last dim with learned gain and bias, and running statistics for evaluation. */
export class BatchNorm extends Module {
  readonly gamma: Tensor;
  readonly beta: Tensor;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;

  constructor(
    channels: number,
    readonly momentum = 0.1,
    readonly eps = 1e-5,
  ) {
    super();
    this.gamma = constantInit([channels], 1);
    this.beta = constantInit([channels], 0);
    this.runningMean = new Tensor(new Float32Array(channels), [channels]);
    this.runningVar = new Tensor(new Float32Array(channels).fill(1), [channels]);
  }

  /** Normalise x: batch statistics when training (updating the running ones), running statistics otherwise. */
  forward(x: Tensor): Tensor {
    const stats = { mean: this.runningMean.data, variance: this.runningVar.data };
    return batchNorm(x, this.gamma, this.beta, stats, { training: this.training, momentum: this.momentum, eps: this.eps });
  }
}
