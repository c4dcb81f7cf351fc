/**
 * HSTU's sequential transduction unit (Zhai et al. 2024, "Actions speak louder than words"), one layer in
 * place of attention + FFN:
 *   h = LN(x);  U, V, Q, K = SiLU(h W_u + b_u), SiLU(h W_v + b_v), SiLU(h W_q + b_q), SiLU(h W_k + b_k)
 *   A = SiLU(Q K^T + rab) / n   (pointwise, causal, padding keys dropped; rab = relative bias, optional)
 *   out = x + W_o dropout(LN(A V) ⊙ U)
 * and the factory that builds either kind of block.
 */
import type { Rng } from '../core/index.js';
import { AttentionBias, type SequenceContext } from './attention-bias.js';
import { accumulate, record } from './autograd.js';
import { LayerNorm, Linear } from './layers.js';
import { alloc } from './memory.js';
import { Module } from './module.js';
import { dropout } from './ops-dropout.js';
import { mul } from './ops-elementwise.js';
import { scoredAttention, type AttentionWeights } from './ops-pointwise-attention.js';
import { Tensor } from './tensor.js';
import { attentionBias, TransformerBlock, type BlockStyle, type TransformerBlockOptions } from './transformer.js';

/** SiLU in one tight loop, keeping sigmoid(x) for the backward pass (the generic op calls a closure per element). */
function siluFast(a: Tensor): Tensor {
  const out = new Tensor(alloc(a.size, false), a.shape);
  const x = a.data;
  const y = out.data;
  const sig = alloc(a.size, false);
  for (let i = 0; i < y.length; i++) {
    const s = 1 / (1 + Math.exp(-x[i]));
    sig[i] = s;
    y[i] = x[i] * s;
  }
  return record(out, [a], (g) => {
    for (let i = 0; i < g.length; i++) g[i] *= sig[i] * (1 + x[i] * (1 - sig[i]));
    accumulate(a, g, true);
  });
}

export interface HstuBlockOptions {
  rng: Rng;
  heads?: number;
  /** Longest sequence: pointwise weights are divided by it (HSTU's n) and it sizes the distance buckets. */
  maxLen: number;
  dropoutRate?: number;
  /** Default pointwise (HSTU); softmax keeps the rest of the layer for an ablation. */
  attention?: AttentionWeights;
  /** Learn a per-head bias per bucketed query-key distance. */
  relativeBias?: boolean;
  /** > 0: learn a per-head bias per pair time bucket (SequenceContext.pairTimes). */
  timeBuckets?: number;
}

/** One HSTU layer (see the file comment); padding keys are always masked (SequenceContext.keep). */
export class HstuBlock extends Module {
  readonly ln: LayerNorm;
  readonly u: Linear;
  readonly v: Linear;
  readonly q: Linear;
  readonly k: Linear;
  readonly lnAttn: LayerNorm;
  readonly o: Linear;
  readonly bias: AttentionBias | null;
  readonly heads: number;
  readonly weights: AttentionWeights;
  readonly maxLen: number;
  readonly dropoutRate: number;
  private readonly rng: Rng;

  constructor(dim: number, opts: HstuBlockOptions) {
    super();
    this.ln = new LayerNorm(dim);
    this.u = new Linear(dim, dim, { rng: opts.rng });
    this.v = new Linear(dim, dim, { rng: opts.rng });
    this.q = new Linear(dim, dim, { rng: opts.rng });
    this.k = new Linear(dim, dim, { rng: opts.rng });
    this.lnAttn = new LayerNorm(dim);
    this.o = new Linear(dim, dim, { rng: opts.rng });
    this.bias = attentionBias(opts);
    this.heads = opts.heads ?? 1;
    this.weights = opts.attention ?? 'pointwise';
    this.maxLen = opts.maxLen;
    this.dropoutRate = opts.dropoutRate ?? 0;
    this.rng = opts.rng.fork();
  }

  /** Apply the layer to [batch, len, dim]. */
  forward(x: Tensor, ctx: SequenceContext = {}): Tensor {
    const h = this.ln.forward(x);
    const u = siluFast(this.u.forward(h));
    const a = scoredAttention(siluFast(this.q.forward(h)), siluFast(this.k.forward(h)), siluFast(this.v.forward(h)), {
      heads: this.heads,
      causal: true,
      weights: this.weights,
      norm: this.maxLen,
      keyMask: ctx.keep,
      bias: this.bias?.forward(x.shape[0], x.shape[1], ctx),
    });
    let gated = mul(this.lnAttn.forward(a), u);
    if (this.training && this.dropoutRate > 0) gated = dropout(gated, this.dropoutRate, this.rng);
    return this.o.forward(gated, x);
  }
}

/** `sasrec` and `pre-ln` build a TransformerBlock, `hstu` an HstuBlock. */
export type SequenceBlockStyle = BlockStyle | 'hstu';
export type SequenceBlock = TransformerBlock | HstuBlock;

export interface SequenceBlockOptions extends Omit<TransformerBlockOptions, 'style' | 'maxLen'> {
  style?: SequenceBlockStyle;
  maxLen: number;
}

/** A block of the given style (default sasrec); options a style has no use for (ffnDim, activation under hstu) are ignored. */
export function createSequenceBlock(dim: number, o: SequenceBlockOptions): SequenceBlock {
  if (o.style === 'hstu') {
    return new HstuBlock(dim, {
      rng: o.rng,
      heads: o.heads,
      maxLen: o.maxLen,
      dropoutRate: o.dropoutRate,
      attention: o.attention,
      relativeBias: o.relativeBias,
      timeBuckets: o.timeBuckets,
    });
  }
  return new TransformerBlock(dim, { ...o, style: o.style });
}
