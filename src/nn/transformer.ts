/**
 * Causal self-attention, transformer blocks and the SASRec-style sequence encoder that Curio's
 * sequential models share (Kang & McAuley 2018: item + position embeddings, N causal blocks, final norm).
 */
import { CurioError, type Rng } from '../core/index.js';
import { Embedding, FeedForward, LayerNorm, Linear, type Activation } from './layers.js';
import { Module } from './module.js';
import { add, scale } from './ops-elementwise.js';
import { gatherRows } from './ops-embedding.js';
import { maskRows, slice } from './ops-shape.js';
import { attention } from './ops-attention.js';
import { scoredAttention, type AttentionWeights } from './ops-pointwise-attention.js';
import { AttentionBias, type SequenceContext } from './attention-bias.js';
import { dropout } from './ops-dropout.js';
import type { Tensor } from './tensor.js';
import { TokenMixer, type TokenMixerKind } from './token-mixer.js';

export interface SelfAttentionOptions {
  rng: Rng;
  heads?: number;
  /** Mask future positions (default true). */
  causal?: boolean;
  /** softmax (default) or HSTU's pointwise SiLU(QK^T + bias) / norm (see scoredAttention). */
  weights?: AttentionWeights;
  /** Divisor of pointwise weights (HSTU's n; pass maxLen); default the batch's len. */
  norm?: number;
}

/** Per-call attention inputs besides q, k, v: an additive logit bias and a padding mask for the keys. */
export interface AttentionExtras {
  bias?: Tensor;
  keyMask?: Uint8Array;
}

/** Multi-head attention with q/k/v/out projections; queries may come from a different input than keys. */
export class CausalSelfAttention extends Module {
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly o: Linear;
  readonly heads: number;
  readonly causal: boolean;
  readonly weights: AttentionWeights;
  readonly norm: number | undefined;

  constructor(dim: number, opts: SelfAttentionOptions) {
    super();
    this.q = new Linear(dim, dim, { rng: opts.rng });
    this.k = new Linear(dim, dim, { rng: opts.rng });
    this.v = new Linear(dim, dim, { rng: opts.rng });
    this.o = new Linear(dim, dim, { rng: opts.rng });
    this.heads = opts.heads ?? 1;
    this.causal = opts.causal ?? true;
    this.weights = opts.weights ?? 'softmax';
    this.norm = opts.norm;
  }

  /**
   * o(attention(q(query), k(keys), v(keys))) over [batch, len, dim] (+ residual, fused into the
   * output projection); keys default to the query input.
   */
  forward(query: Tensor, keys: Tensor = query, residual?: Tensor, extra: AttentionExtras = {}): Tensor {
    const plain = this.weights === 'softmax' && !extra.bias && !extra.keyMask;
    const a = plain
      ? attention(this.q.forward(query), this.k.forward(keys), this.v.forward(keys), { heads: this.heads, causal: this.causal })
      : scoredAttention(this.q.forward(query), this.k.forward(keys), this.v.forward(keys), {
          heads: this.heads,
          causal: this.causal,
          weights: this.weights,
          norm: this.norm,
          bias: extra.bias,
          keyMask: extra.keyMask,
        });
    return this.o.forward(a, residual);
  }
}

/**
 * `sasrec`: the original SASRec block — h = LN(x); x' = h + Attn(q = h, kv = x); out = LN2(x') + FFN(LN2(x')).
 * `pre-ln`: x' = x + Attn(LN(x)); out = x' + FFN(LN2(x')) (GPT-2 style, steadier when deep).
 */
export type BlockStyle = 'sasrec' | 'pre-ln';

export interface TransformerBlockOptions {
  rng: Rng;
  heads?: number;
  /** FFN hidden width (default: dim, as SASRec). */
  ffnDim?: number;
  activation?: Activation;
  dropoutRate?: number;
  style?: BlockStyle;
  /** Attention weights (default softmax); pointwise masks padding keys (SequenceContext.keep). */
  attention?: AttentionWeights;
  /** Learn a per-head bias per bucketed query-key distance (needs maxLen). */
  relativeBias?: boolean;
  /** > 0: learn a per-head bias per pair time bucket (SequenceContext.pairTimes). */
  timeBuckets?: number;
  /** Longest sequence: sizes the distance buckets and divides pointwise weights. */
  maxLen?: number;
  /**
   * > 0: a learned causal token mixer (TokenMixer, needs maxLen) beside the attention, its branch weighted
   * by this and the attention's by 1 minus this (BSARec's α, with a causal filter).
   */
  mixer?: number;
  /** The token mixer's filter: per position pair (default) or per lag (TokenMixerKind). */
  mixerKind?: TokenMixerKind;
}

/** One transformer block (see BlockStyle). */
export class TransformerBlock extends Module {
  readonly ln1: LayerNorm;
  readonly attn: CausalSelfAttention;
  readonly ln2: LayerNorm;
  readonly ffn: FeedForward;
  /** Relative attention bias tables, when asked for (declared last: the other parameters keep their names and order). */
  readonly bias: AttentionBias | null;
  /** The token mixer and, under `sasrec`, the norm of its residual branch (declared after the rest, as `bias`). */
  readonly mixer: TokenMixer | null;
  readonly lnMix: LayerNorm | null;
  readonly mixWeight: number;
  readonly style: BlockStyle;
  readonly dropoutRate: number;
  private readonly rng: Rng;

  constructor(dim: number, opts: TransformerBlockOptions) {
    super();
    this.ln1 = new LayerNorm(dim);
    this.attn = new CausalSelfAttention(dim, { rng: opts.rng, heads: opts.heads, weights: opts.attention, norm: opts.maxLen });
    this.ln2 = new LayerNorm(dim);
    this.ffn = new FeedForward(dim, { rng: opts.rng, hiddenDim: opts.ffnDim ?? dim, activation: opts.activation });
    this.bias = attentionBias(opts);
    this.style = opts.style ?? 'sasrec';
    this.mixWeight = opts.mixer ?? 0;
    if (this.mixWeight > 0 && !opts.maxLen) throw new CurioError('BAD_INPUT', 'a token mixer needs maxLen');
    this.mixer = this.mixWeight > 0 ? new TokenMixer(opts.maxLen!, opts.mixerKind) : null;
    this.lnMix = this.mixer && this.style === 'sasrec' ? new LayerNorm(dim) : null;
    this.dropoutRate = opts.dropoutRate ?? 0;
    this.rng = opts.rng.fork();
  }

  private drop(x: Tensor): Tensor {
    return dropout(x, this.dropoutRate, this.rng);
  }

  /** The bias and key mask this block's attention takes for the batch (none by default). */
  private extras(x: Tensor, ctx: SequenceContext): AttentionExtras {
    return { bias: this.bias?.forward(x.shape[0], x.shape[1], ctx), keyMask: this.attn.weights === 'pointwise' ? ctx.keep : undefined };
  }

  /** Apply the block to [batch, len, dim]; `ctx` feeds the relative bias and the pointwise key mask. */
  forward(x: Tensor, ctx: SequenceContext = {}): Tensor {
    const extra = this.extras(x, ctx);
    const h = this.ln1.forward(x);
    const dropping = this.training && this.dropoutRate > 0;
    // Without dropout the residual adds fuse into the output projections.
    const sublayer = (f: (res?: Tensor) => Tensor, res: Tensor): Tensor => (dropping ? add(res, this.drop(f())) : f(res));
    if (this.style === 'sasrec') {
      const mid = this.mixed(
        sublayer((r) => this.attn.forward(h, x, r, extra), h),
        x,
        x,
        ctx,
      );
      const h2 = this.ln2.forward(mid);
      return sublayer((r) => this.ffn.forward(h2, r), h2);
    }
    const mid = this.mixed(
      sublayer((r) => this.attn.forward(h, h, r, extra), x),
      x,
      h,
      ctx,
    );
    const h2 = this.ln2.forward(mid);
    return sublayer((r) => this.ffn.forward(h2, r), mid);
  }

  /** α · (residual + mixer(input)) + (1 − α) · the attention branch; the branch alone without a mixer. */
  private mixed(attended: Tensor, residual: Tensor, input: Tensor, ctx: SequenceContext): Tensor {
    if (!this.mixer) return attended;
    let m = this.mixer.forward(input, ctx.fromOldest);
    if (this.training && this.dropoutRate > 0) m = this.drop(m);
    m = add(residual, m);
    if (this.lnMix) m = this.lnMix.forward(m);
    return add(scale(m, this.mixWeight), scale(attended, 1 - this.mixWeight));
  }
}

/** The AttentionBias a block's options ask for, or null. */
export function attentionBias(o: { heads?: number; relativeBias?: boolean; timeBuckets?: number; maxLen?: number }): AttentionBias | null {
  const timeBuckets = o.timeBuckets ?? 0;
  if (!o.relativeBias && !(timeBuckets > 0)) return null;
  if (o.maxLen === undefined) throw new CurioError('BAD_INPUT', 'a relative attention bias needs maxLen');
  return new AttentionBias({ heads: o.heads ?? 1, maxLen: o.maxLen, distances: !!o.relativeBias, timeBuckets });
}

export interface SasrecEncoderOptions {
  rng: Rng;
  /** Item ids are 1..numItems; 0 is padding. */
  numItems: number;
  maxLen: number;
  dim: number;
  blocks: number;
  heads?: number;
  ffnDim?: number;
  dropoutRate?: number;
  activation?: Activation;
  style?: BlockStyle;
}

/**
 * Sequence encoder: E[item] * sqrt(dim) + P[position], masked at padding, N blocks (each masked),
 * final LayerNorm. Input: left-padded id sequences [batch, maxLen] (0 = padding); output [batch, maxLen, dim].
 */
export class SasrecEncoder extends Module {
  readonly items: Embedding;
  readonly positions: Embedding;
  readonly blocks: TransformerBlock[];
  readonly lnFinal: LayerNorm;
  readonly dim: number;
  readonly maxLen: number;
  readonly dropoutRate: number;
  private readonly rng: Rng;

  constructor(o: SasrecEncoderOptions) {
    super();
    this.items = new Embedding(o.numItems + 1, o.dim, { rng: o.rng, paddingIdx: 0 });
    this.positions = new Embedding(o.maxLen, o.dim, { rng: o.rng });
    this.blocks = Array.from(
      { length: o.blocks },
      () =>
        new TransformerBlock(o.dim, {
          rng: o.rng,
          heads: o.heads,
          ffnDim: o.ffnDim,
          dropoutRate: o.dropoutRate,
          activation: o.activation,
          style: o.style,
        }),
    );
    this.lnFinal = new LayerNorm(o.dim);
    this.dim = o.dim;
    this.maxLen = o.maxLen;
    this.dropoutRate = o.dropoutRate ?? 0;
    this.rng = o.rng.fork();
  }

  /**
   * Hidden states [batch, len, dim] for `seq` (batch * len ids, row-major, left-padded; len defaults to
   * maxLen). A shorter len drops leading padding: the original SASRec masks padded keys, so that is the
   * same function at a fraction of the cost. The newest event always takes position maxLen - 1.
   */
  forward(seq: Int32Array, len = this.maxLen): Tensor {
    const L = len;
    if (!(L >= 1 && L <= this.maxLen) || seq.length % L !== 0) {
      throw new CurioError('BAD_INPUT', `sequence length ${seq.length} not a multiple of ${L} (at most ${this.maxLen})`);
    }
    const batch = seq.length / L;
    const keep = Uint8Array.from(seq, (id) => (id > 0 ? 1 : 0));
    const items = gatherRows(this.items.weight, seq, { shape: [batch, L], paddingIdx: 0, scale: Math.sqrt(this.dim) });
    let x = add(items, L === this.maxLen ? this.positions.weight : slice(this.positions.weight, 0, this.maxLen - L, this.maxLen));
    if (this.training && this.dropoutRate > 0) x = dropout(x, this.dropoutRate, this.rng);
    x = maskRows(x, keep);
    for (const block of this.blocks) x = maskRows(block.forward(x), keep);
    return this.lnFinal.forward(x);
  }
}
