/** Basic layers: Embedding, Linear, LayerNorm, FeedForward. */
import type { Rng } from '../core/index.js';
import { constantInit, normalInit, uniformInit } from './init.js';
import { Module } from './module.js';
import { gelu, relu, silu } from './ops-elementwise.js';
import { gatherRows } from './ops-embedding.js';
import { linear } from './ops-matmul.js';
import { layerNorm } from './ops-norm.js';
import type { Tensor } from './tensor.js';

export interface EmbeddingOptions {
  rng: Rng;
  /** Standard deviation of the N(0, std^2) init (default 1, as torch). */
  std?: number;
  /** Row kept at zero and never updated (torch padding_idx). */
  paddingIdx?: number;
}

/** A [rows, dim] table looked up by id; gradients are row-sparse and optimisers update rows lazily. */
export class Embedding extends Module {
  readonly weight: Tensor;
  readonly paddingIdx: number | undefined;

  constructor(rows: number, dim: number, opts: EmbeddingOptions) {
    super();
    this.weight = normalInit([rows, dim], opts.std ?? 1, opts.rng).trackRows();
    this.paddingIdx = opts.paddingIdx;
    if (opts.paddingIdx !== undefined) this.weight.data.fill(0, opts.paddingIdx * dim, (opts.paddingIdx + 1) * dim);
  }

  /** Rows for `ids`, shaped [...shape, dim]. */
  forward(ids: Int32Array, shape?: readonly number[]): Tensor {
    return gatherRows(this.weight, ids, { shape: shape ?? [ids.length], paddingIdx: this.paddingIdx });
  }
}

export interface LinearOptions {
  rng: Rng;
  /** Include a bias (default true). */
  bias?: boolean;
}

/** y = x W^T + b, initialised as torch.nn.Linear (uniform +-1/sqrt(in)). */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(inDim: number, outDim: number, opts: LinearOptions) {
    super();
    const bound = 1 / Math.sqrt(inDim);
    this.weight = uniformInit([outDim, inDim], bound, opts.rng);
    this.bias = opts.bias === false ? null : uniformInit([outDim], bound, opts.rng);
  }

  /** Apply to the last dim of x; `residual` (same shape as the output) is added in the same pass. */
  forward(x: Tensor, residual?: Tensor): Tensor {
    return linear(x, this.weight, this.bias, { residual });
  }
}

/** Layer normalisation over the last dim with learned gain and bias. */
export class LayerNorm extends Module {
  readonly gamma: Tensor;
  readonly beta: Tensor;

  constructor(
    dim: number,
    readonly eps = 1e-5,
  ) {
    super();
    this.gamma = constantInit([dim], 1);
    this.beta = constantInit([dim], 0);
  }

  /** Normalise x. */
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.gamma, this.beta, this.eps);
  }
}

export type Activation = 'relu' | 'gelu' | 'silu';
const ACTIVATIONS: Record<Activation, (x: Tensor) => Tensor> = { relu, gelu, silu };

export interface FeedForwardOptions {
  rng: Rng;
  hiddenDim: number;
  activation?: Activation;
}

/** Position-wise two-layer MLP: dim -> hidden -> dim. */
export class FeedForward extends Module {
  readonly up: Linear;
  readonly down: Linear;
  readonly activation: Activation;

  constructor(dim: number, opts: FeedForwardOptions) {
    super();
    this.up = new Linear(dim, opts.hiddenDim, { rng: opts.rng });
    this.down = new Linear(opts.hiddenDim, dim, { rng: opts.rng });
    this.activation = opts.activation ?? 'relu';
  }

  /** down(act(up(x))) (+ residual, fused into the last product). */
  forward(x: Tensor, residual?: Tensor): Tensor {
    return this.down.forward(ACTIVATIONS[this.activation](this.up.forward(x)), residual);
  }
}
